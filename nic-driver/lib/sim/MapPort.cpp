//===- MapPort.cpp - The driver's map operations through the map port -----===//
//
// The register sequence is sim/'s (sluice/Sim/MapPort.h), shared with the
// `rtl` engine; the driver's part is servicing its ports while it waits
// (the operation travels the pipeline between packets, and the pipeline
// moves only while its outputs drain) and the checks before any register
// write (lib/sim/Maps.cpp).
//
//===----------------------------------------------------------------------===//
#include "sluice/Nic/Nic.h"

#include <linux/bpf.h>

#include "sluice/Sim/MapPort.h"
#include "sluice/Support/Error.h"

namespace sluice::nic {

// The service rounds while an operation waits must not start another port
// operation (a counter mirror's sync from poll()): it would take the port's
// registers from under the waiting one. inPortOp_ holds the mirrors off.
sim::RegisterIo Nic::registerIo() {
  return {std::string(dev_.name()), [this](uint32_t a) { return dev_.read32(a); },
          [this](uint32_t a, uint32_t v) { dev_.write32(a, v); },
          [this] {
            bool outer = inPortOp_;
            inPortOp_ = true;
            poll();
            inPortOp_ = outer;
          }};
}

// A map the program looks up twice in one packet has replicas in other map
// stages (docs/maps-design.md "Two lookups of one map"): every host write
// goes to the map, then to each replica, one port operation each; the same
// operation on the same state answers the same return code.
llvm::Error Nic::replicaWrites(unsigned map, int rc, sim::MapPortOp op, uint32_t flags,
                               const Bytes &key, const Bytes *value) {
  const auto &ms = maps();
  for (unsigned r = 0; r < ms.size(); ++r) {
    if (ms[r].replicaOf != int32_t(map))
      continue;
    auto io = registerIo();
    auto x = sim::mapPortOp(io, ms[r], r, op, flags, &key, value, 0, false, false);
    if (!x)
      return x.takeError();
    ++stats_.mapOps;
    if (x->rc != rc)
      return makeErrnoError(EIO, "{}: replica {} of map '{}' answered {} to a host write, the map "
                            "{}",
                            dev_.name(), r, ms[map].name, x->rc, rc);
  }
  return llvm::Error::success();
}

namespace {
Bytes indexKey(uint32_t k) {
  return Bytes{uint8_t(k), uint8_t(k >> 8), uint8_t(k >> 16), uint8_t(k >> 24)};
}
} // namespace

// A global-data section cut into slices: its bytes are held host-side, the
// slices on the NIC hold the ones the datapath touches; a host write of the
// section writes every slice entry (one port operation each), a host read
// lays the slices' bytes over the section's.
llvm::Error Nic::sectionSync(unsigned map) {
  const auto &ms = maps();
  Bytes value;
  if (int rc = sections_.at(map).lookup(indexKey(0), value))
    return makeErrnoError(-rc, "{}: global data '{}' has no value", dev_.name(), ms[map].name);
  for (const SliceEntry &e : sectionSlices(ms, map)) {
    auto io = registerIo();
    Bytes key = indexKey(e.index), v = sliceValue(ms, e, value);
    auto r = sim::mapPortOp(io, ms[e.map], e.map, sim::MapPortOp::Update, BPF_ANY, &key, &v, 0,
                            false, false);
    if (!r)
      return r.takeError();
    ++stats_.mapOps;
    if (r->rc)
      return makeErrnoError(EIO, "{}: slice '{}' of global data '{}' answered {} to a host update",
                            dev_.name(), ms[e.map].name, ms[map].name, r->rc);
  }
  return llvm::Error::success();
}

llvm::Error Nic::sectionOverlay(unsigned map, Bytes &value) {
  const auto &ms = maps();
  for (const SliceEntry &e : sectionSlices(ms, map)) {
    auto io = registerIo();
    Bytes key = indexKey(e.index);
    auto r = sim::mapPortOp(io, ms[e.map], e.map, sim::MapPortOp::Lookup, 0, &key, nullptr, 0,
                            false, true);
    if (!r)
      return r.takeError();
    ++stats_.mapOps;
    if (!r->found)
      return makeErrnoError(EIO, "{}: slice '{}' of global data '{}' has no entry {}", dev_.name(),
                            ms[e.map].name, ms[map].name, e.index);
    for (uint32_t b = 0; b < e.bytes && e.offset + b < value.size() && b < r->value.size(); ++b)
      value[e.offset + b] = r->value[b];
  }
  return llvm::Error::success();
}

llvm::Expected<std::optional<Bytes>> Nic::mapLookup(unsigned map, const Bytes &key) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, &key, nullptr);
  if (!m)
    return m.takeError();
  if (auto sec = sections_.find(map); sec != sections_.end()) {
    Bytes v;
    int rc = sec->second.lookup(key, v);
    if (rc == -ENOENT)
      return std::optional<Bytes>();
    if (rc)
      return makeErrnoError(-rc, "{}: lookup in '{}'", dev_.name(), (*m)->name);
    if (auto e = sectionOverlay(map, v))
      return std::move(e);
    return std::optional<Bytes>(std::move(v));
  }
  auto io = registerIo();
  auto r = sim::mapPortOp(io, **m, map, sim::MapPortOp::Lookup, 0, &key, nullptr, 0, false, true);
  if (!r)
    return r.takeError();
  ++stats_.mapOps;
  if (!r->found)
    return std::optional<Bytes>();
  return std::optional<Bytes>(std::move(r->value));
}

llvm::Expected<int> Nic::mapUpdate(unsigned map, const Bytes &key, const Bytes &value,
                                   uint64_t flags) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, &key, &value);
  if (!m)
    return m.takeError();
  if (flags > BPF_EXIST)  // BPF_F_LOCK and the rest: the kernel says EINVAL too
    return -EINVAL;
  if (auto sec = sections_.find(map); sec != sections_.end()) {
    if (frozenForHost((*m)->flags, true))
      return -EPERM;
    int rc = sec->second.update(key, value, flags);
    if (rc == 0)
      if (auto e = sectionSync(map))
        return std::move(e);
    return rc;
  }
  auto io = registerIo();
  auto r = sim::mapPortOp(io, **m, map, sim::MapPortOp::Update, uint32_t(flags), &key, &value, 0,
                          false, false);
  if (!r)
    return r.takeError();
  ++stats_.mapOps;
  if (auto e = replicaWrites(map, r->rc, sim::MapPortOp::Update, uint32_t(flags), key, &value))
    return std::move(e);
  return r->rc;
}

llvm::Expected<int> Nic::mapDelete(unsigned map, const Bytes &key) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, &key, nullptr);
  if (!m)
    return m.takeError();
  if (auto sec = sections_.find(map); sec != sections_.end())
    return sec->second.deleteKey(key);
  auto io = registerIo();
  auto r = sim::mapPortOp(io, **m, map, sim::MapPortOp::Delete, 0, &key, nullptr, 0, false, false);
  if (!r)
    return r.takeError();
  ++stats_.mapOps;
  if (auto e = replicaWrites(map, r->rc, sim::MapPortOp::Delete, 0, key, nullptr))
    return std::move(e);
  return r->rc;
}

llvm::Expected<std::optional<Nic::MapEntry>> Nic::mapWalk(unsigned map, uint32_t from) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, nullptr, nullptr);
  if (!m)
    return m.takeError();
  if (auto sec = sections_.find(map); sec != sections_.end()) {
    // one entry, at position 0
    if (from > 0)
      return std::optional<MapEntry>();
    Bytes v;
    if (int rc = sec->second.lookup(indexKey(0), v))
      return makeErrnoError(-rc, "{}: walk of '{}'", dev_.name(), (*m)->name);
    if (auto e = sectionOverlay(map, v))
      return std::move(e);
    return std::optional<MapEntry>(MapEntry{0, indexKey(0), std::move(v)});
  }
  auto io = registerIo();
  auto e = sim::mapPortWalk(io, **m, map, from);
  if (!e)
    return e.takeError();
  if (!*e)
    return std::optional<MapEntry>();
  return std::optional<MapEntry>(MapEntry{(*e)->position, std::move((*e)->key), std::move((*e)->value)});
}

} // namespace sluice::nic
