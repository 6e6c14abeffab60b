//===- ModelMaps.cpp - The model's map unit --------------------------------===//
//
// See ModelMaps.h. The model runs one packet to its end before the next, so
// the unit's forwarding of in-flight writes (docs/maps-design.md, "Sequential
// semantics in hardware") is implicit: every transaction sees every earlier
// packet's writes, which is what the forwarding guarantees the RTL.
//
//===----------------------------------------------------------------------===//
#include "ModelMaps.h"

#include <cerrno>
#include <cstring>

#include "sluice/Engine/Run.h"
#include "sluice/Support/Error.h"

namespace sluice::model {

using isa::Op;

llvm::Error ModelMaps::load(const StageImage &img, const TargetParams &t) {
  clear();
  insertFails_ = 0;
  for (const ImageMap &m : img.maps) {
    MapDef def;
    def.name = m.name, def.type = m.type, def.key_size = m.keySize;
    def.value_size = m.valueSize, def.max_entries = m.maxEntries, def.flags = m.flags;
    def.initial = m.initial;
    defs_.push_back(m);
    if (!nicStoresMapType(m.type)) {
      if (m.stage >= 0)  // the verifier refuses this already
        return makeError("model: map '{}' is bound to stage {}, but its type is not stored",
                         m.name, m.stage);
      maps_.emplace_back(std::nullopt);
      continue;
    }
    auto layout = nicMapLayout(def, t);
    if (!layout)
      return makeError("model: {}", llvm::toString(layout.takeError()));
    layout->offset = m.offset;
    maps_.emplace_back(NicMap(def, *layout));
  }
  // global-data slices start with their section's bytes
  for (unsigned i = 0; i < defs_.size(); ++i)
    if (auto e = syncSlices(i))
      return e;
  return llvm::Error::success();
}

namespace {
Bytes indexKey(uint32_t k) { return Bytes{uint8_t(k), uint8_t(k >> 8), uint8_t(k >> 16), uint8_t(k >> 24)}; }
} // namespace

llvm::Error ModelMaps::syncSlices(unsigned section) {
  auto slices = sectionSlices(defs_, section);
  if (slices.empty() || !maps_[section])
    return llvm::Error::success();
  Bytes value;
  if (int rc = maps_[section]->lookup(indexKey(0), value))
    return makeError("model: global data '{}' has no value ({})", defs_[section].name, rc);
  for (const SliceEntry &e : slices)
    if (int rc = maps_[e.map]->update(indexKey(e.index), sliceValue(defs_, e, value), BPF_ANY))
      return makeError("model: slice '{}' of global data '{}' answered {} to a host update",
                       defs_[e.map].name, defs_[section].name, rc);
  return llvm::Error::success();
}

void ModelMaps::overlaySlices(unsigned section, Bytes &value) const {
  for (const SliceEntry &e : sectionSlices(defs_, section)) {
    Bytes v;
    if (maps_[e.map]->lookup(indexKey(e.index), v) == 0)
      for (uint32_t b = 0; b < e.bytes && e.offset + b < value.size() && b < v.size(); ++b)
        value[e.offset + b] = v[b];
  }
}

namespace {

Bytes slotBytes(const uint32_t *slots, unsigned first, uint32_t n) {
  Bytes b(n);
  for (uint32_t i = 0; i < n; ++i)
    b[i] = uint8_t(slots[first + i / 4] >> (8 * (i % 4)));
  return b;
}

uint32_t valueWord(const Bytes &v, unsigned w) {
  uint32_t x = 0;
  for (unsigned i = 0; i < 4; ++i)
    if (4 * w + i < v.size())
      x |= uint32_t(v[4 * w + i]) << (8 * i);
  return x;
}

void setValueWord(Bytes &v, unsigned w, uint32_t x) {
  for (unsigned i = 0; i < 4; ++i)
    if (4 * w + i < v.size())
      v[4 * w + i] = uint8_t(x >> (8 * i));
}

uint64_t rmw(MapRmwOp op, uint64_t old, uint64_t x) {
  switch (op) {
  case MapRmwOp::Add: return old + x;
  case MapRmwOp::Or: return old | x;
  case MapRmwOp::And: return old & x;
  case MapRmwOp::Xor: return old ^ x;
  case MapRmwOp::Xchg: return x;
  }
  return old;
}

} // namespace

void ModelMaps::transaction(const isa::Uop &head, const isa::Uop &atom, const uint32_t *slots,
                            uint32_t preds, unsigned bank, std::vector<MapWrite> &writes) {
  unsigned id = head.imm & 7;
  NicMap &m = *maps_[id];  // the verifier: a bound map of a stored type
  const ImageMap &def = defs_[id];
  Bytes key = slotBytes(slots, head.a, def.keySize);
  switch (Op(head.op)) {
  case Op::MAPLK: {
    MapLookupOp lk = decodeMapLookup(head);
    Bytes value;
    bool found = m.lookupUse(key, value) == 0;  // LRU maps: a use of the entry
    if (!found && lk.insertOnMiss) {
      if (m.update(key, slotBytes(slots, lk.insertValue, def.valueSize), BPF_NOEXIST) != 0)
        ++insertFails_;
    }
    // Read words: the values before the RMWs, 0 when not found.
    for (unsigned k = 0; k < 4; ++k)
      if ((lk.readMask >> k) & 1)
        writes.push_back({false, lk.dst + (k >= 2 ? 1 : 0) + (k & 1 ? bank : 0),
                          found ? valueWord(value, lk.w0 + k) : 0});
    if (lk.found)
      writes.push_back({true, lk.found, found});
    if (!found || Op(atom.op) != Op::MAPATOM)
      return;
    Bytes nv = value;
    for (const MapRmw &r : {decodeMapAtomR0(atom), decodeMapAtomR1(atom)}) {
      if (!r.en || ((preds >> r.g) & 1) == r.gn)
        continue;
      uint64_t x = slots[r.operand];
      uint64_t old = valueWord(nv, r.word);
      if (r.wide) {
        x |= uint64_t(slots[r.operand + bank]) << 32;
        old |= uint64_t(valueWord(nv, r.word + 1)) << 32;
      }
      uint64_t res = rmw(r.op, old, x);
      setValueWord(nv, r.word, uint32_t(res));
      if (r.wide)
        setValueWord(nv, r.word + 1, uint32_t(res >> 32));
    }
    if (nv != value)
      m.setValue(key, nv);  // the lookup's use was the transaction's one
    return;
  }
  case Op::MAPUPD: {
    int rc = m.update(key, slotBytes(slots, head.b, def.valueSize), (head.imm >> 4) & 3);
    writes.push_back({false, head.dst, uint32_t(rc)});
    return;
  }
  case Op::MAPDEL:
    writes.push_back({false, head.dst, uint32_t(m.deleteKey(key))});
    return;
  default:
    return;
  }
}

llvm::Expected<NicMap *> ModelMaps::find(const std::string &name, const Bytes &key,
                                         const Bytes *value) {
  if (defs_.empty() && maps_.empty())
    return makeErrnoError(ENOENT, "model: no map '{}' (no image loaded, or it has no maps)", name);
  for (size_t i = 0; i < defs_.size(); ++i) {
    const ImageMap &d = defs_[i];
    if (d.name != name || d.replicaOf >= 0 || d.sliceOf >= 0)
      continue;
    if (!maps_[i])
      return makeErrnoError(EOPNOTSUPP, "model: map '{}' ({}) is not stored on the NIC", name,
                            mapTypeName(d.type));
    if (auto e = checkMapArgs("model", name, d.keySize, d.valueSize, &key, value))
      return std::move(e);
    return &*maps_[i];
  }
  return makeErrnoError(ENOENT, "model: no map '{}'", name);
}

namespace {
llvm::Error errnoResult(int rc, const char *what, const std::string &map) {
  return mapOpResult("model", rc, what, map);
}
} // namespace

llvm::Error ModelMaps::hostWrite(NicMap *m, const std::function<int(NicMap &)> &op,
                                 const char *what, const std::string &map) {
  int rc = op(*m);
  for (size_t i = 0; i < maps_.size(); ++i)
    if (maps_[i] && &*maps_[i] == m)
      for (size_t r = 0; r < defs_.size(); ++r)
        if (defs_[r].replicaOf == int32_t(i) && maps_[r])
          if (int rr = op(*maps_[r]); rr != rc)
            return makeError("model: replica {} of map '{}' answered {} to a host {}, the map {}",
                             r, map, rr, what, rc);
  return errnoResult(rc, what, map);
}

llvm::Error ModelMaps::update(const std::string &map, const Bytes &key, const Bytes &value,
                              uint64_t flags) {
  auto m = find(map, key, &value);
  if (!m)
    return m.takeError();
  for (const ImageMap &d : defs_)
    if (d.name == map && frozenForHost(d.flags, !d.initial.empty()))
      return errnoResult(-EPERM, "update", map);
  if (auto e = hostWrite(
          *m, [&](NicMap &x) { return x.update(key, value, flags); }, "update", map))
    return e;
  // global data: its slices on the NIC get the bytes they hold
  for (unsigned i = 0; i < maps_.size(); ++i)
    if (maps_[i] && &*maps_[i] == *m)
      return syncSlices(i);
  return llvm::Error::success();
}

llvm::Expected<std::optional<Bytes>> ModelMaps::lookup(const std::string &map, const Bytes &key) {
  auto m = find(map, key, nullptr);
  if (!m)
    return m.takeError();
  Bytes v;
  // The map port's LOOKUP: for LRU maps a use of the entry, as in the RTL.
  int rc = (*m)->lookupUse(key, v);
  if (rc == -ENOENT)
    return std::nullopt;
  if (rc)
    return errnoResult(rc, "lookup", map);
  for (unsigned i = 0; i < maps_.size(); ++i)
    if (maps_[i] && &*maps_[i] == *m)
      overlaySlices(i, v);  // global data: the bytes its slices hold
  return v;
}

llvm::Error ModelMaps::remove(const std::string &map, const Bytes &key) {
  auto m = find(map, key, nullptr);
  if (!m)
    return m.takeError();
  return hostWrite(*m, [&](NicMap &x) { return x.deleteKey(key); }, "delete", map);
}

std::vector<MapDump> ModelMaps::dump() const {
  std::vector<MapDump> out;
  for (size_t i = 0; i < defs_.size(); ++i) {
    if (!maps_[i] || !mapHasContent(defs_[i].type) || defs_[i].replicaOf >= 0 ||
        defs_[i].sliceOf >= 0)
      continue;
    MapDump d;
    d.name = defs_[i].name;
    d.type = defs_[i].type;
    d.entries = maps_[i]->entries();
    for (MapEntry &e : d.entries)
      overlaySlices(i, e.value);  // global data: the bytes its slices hold
    out.push_back(std::move(d));
  }
  return out;
}

uint64_t ModelMaps::collisions() const {
  uint64_t n = 0;
  for (auto &m : maps_)
    if (m)
      n += m->collisions();
  return n;
}

} // namespace sluice::model
