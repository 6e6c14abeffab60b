//===- RtlEngine.cpp - The `rtl` engine: the Verilated NIC -----------------===//
#include "sluice/Sim/RtlEngine.h"

#include <algorithm>
#include <cstring>
#include <linux/bpf.h>

#include "sluice/Engine/Run.h"
#include "sluice/Sim/MapPort.h"
#include "sluice/Sim/Loader.h"
#include "sluice/Sim/Regs.h"

#include <cerrno>
#include <ctime>

#include "sluice/Schedule/Compile.h"
#include "sluice/Support/Error.h"

namespace sluice::sim {

RtlEngine::RtlEngine() : dev_(std::make_unique<Device>()) {
  // Port 1 gets an ifindex no PacketIn uses, so XDP_REDIRECT to any other
  // target than port 0's is "unknown" and comes back through the host queue.
  dev_->write(regs::PORT1_IFINDEX, 0xffffffffu);
  dev_->write(regs::CTRL, regs::CTRL_TS_HOLD | regs::CTRL_DROPS_TO_HOST);
  ifindex0_ = dev_->read(regs::PORT0_IFINDEX);
  rxq0_ = dev_->read(regs::PORT0_RXQ);
}

RtlEngine::~RtlEngine() = default;

llvm::Error RtlEngine::loadImage(const StageImage &img) {
  const TargetParams &t = TargetParams::defaults();
  if (auto e = checkDevice(*dev_, t.hash))
    return makeError("rtl: {}", llvm::toString(std::move(e)));
  if (img.paramHash == t.hash)
    if (auto e = verifyStageImage(img, t))
      return makeError("rtl: {}", llvm::toString(std::move(e)));
  auto n = loadStageImage(*dev_, img, t);
  if (!n)
    return makeError("rtl: {}", llvm::toString(n.takeError()));
  loaded_ = true;
  maps_ = img.maps;
  hostMaps_.assign(maps_.size(), std::nullopt);
  for (size_t i = 0; i < maps_.size(); ++i) {
    const ImageMap &im = maps_[i];
    MapDef def;
    def.name = im.name, def.type = im.type, def.key_size = im.keySize;
    def.value_size = im.valueSize, def.max_entries = im.maxEntries, def.flags = im.flags;
    def.initial = im.initial;
    if (im.stage < 0 && nicStoresMapType(im.type)) {
      auto m = NicMap::create(def, t);
      if (!m)
        return makeError("rtl: {}", llvm::toString(m.takeError()));
      hostMaps_[i].emplace(std::move(*m));
    } else if (im.stage >= 0 && !im.initial.empty() &&
               std::any_of(im.initial.begin(), im.initial.end(), [](uint8_t b) { return b; })) {
      // global data on the NIC starts with its initial value
      if (auto e = mapUpdate(im.name, Bytes(4, 0), im.initial, BPF_ANY))
        return e;
    }
  }
  // global-data slices start with their section's bytes
  for (unsigned i = 0; i < maps_.size(); ++i)
    if (auto e = syncSlices(i))
      return e;
  return llvm::Error::success();
}

llvm::Error RtlEngine::syncSlices(unsigned section) {
  auto slices = sectionSlices(maps_, section);
  if (slices.empty() || !hostMaps_[section])
    return llvm::Error::success();
  Bytes value;
  if (int rc = hostMaps_[section]->lookup(Bytes(4, 0), value))
    return makeError("rtl: global data '{}' has no value ({})", maps_[section].name, rc);
  auto io = registerIo(*dev_);
  for (const SliceEntry &e : slices) {
    Bytes key{uint8_t(e.index), uint8_t(e.index >> 8), uint8_t(e.index >> 16),
              uint8_t(e.index >> 24)};
    Bytes v = sliceValue(maps_, e, value);
    auto r = mapPortOp(io, maps_[e.map], e.map, MapPortOp::Update, BPF_ANY, &key, &v, 0, false,
                       false);
    if (!r)
      return makeError("rtl: {}", llvm::toString(r.takeError()));
    if (r->rc)
      return makeError("rtl: slice '{}' of global data '{}' answered {} to a host update",
                       maps_[e.map].name, maps_[section].name, r->rc);
  }
  return llvm::Error::success();
}

llvm::Error RtlEngine::overlaySlices(unsigned section, Bytes &value) {
  auto slices = sectionSlices(maps_, section);
  if (slices.empty())
    return llvm::Error::success();
  auto io = registerIo(*dev_);
  for (const SliceEntry &e : slices) {
    Bytes key{uint8_t(e.index), uint8_t(e.index >> 8), uint8_t(e.index >> 16),
              uint8_t(e.index >> 24)};
    auto r = mapPortOp(io, maps_[e.map], e.map, MapPortOp::Lookup, 0, &key, nullptr, 0, false,
                       true);
    if (!r)
      return makeError("rtl: {}", llvm::toString(r.takeError()));
    if (!r->found)
      return makeError("rtl: slice '{}' of global data '{}' has no entry {}", maps_[e.map].name,
                       maps_[section].name, e.index);
    for (uint32_t b = 0; b < e.bytes && e.offset + b < value.size() && b < r->value.size(); ++b)
      value[e.offset + b] = r->value[b];
  }
  return llvm::Error::success();
}

namespace {
llvm::Error rcError(int rc, const char *what, const std::string &map) {
  return mapOpResult("rtl", rc, what, map);
}
} // namespace

llvm::Expected<unsigned> RtlEngine::findMap(const std::string &map, const Bytes *key,
                                            const Bytes *value) {
  for (unsigned i = 0; i < maps_.size(); ++i) {
    const ImageMap &d = maps_[i];
    if (d.name != map || d.replicaOf >= 0 || d.sliceOf >= 0)
      continue;
    if (d.stage < 0 && !hostMaps_[i])
      return makeErrnoError(EOPNOTSUPP, "rtl: map '{}' ({}) is not stored on the NIC", map,
                            mapTypeName(d.type));
    if (auto e = checkMapArgs("rtl", map, d.keySize, d.valueSize, key, value))
      return std::move(e);
    return i;
  }
  return makeErrnoError(ENOENT, "rtl: no map '{}'{}", map,
                        maps_.empty() ? " (no image loaded, or it has no maps)" : "");
}


// The same host write on every replica of map `primary` (a map looked up
// twice in one packet: docs/maps-design.md), after the primary: the same
// operation on the same state answers the same.
llvm::Error RtlEngine::replicaWrites(unsigned primary, int rc, MapPortOp op, uint32_t flags,
                                     const Bytes &key, const Bytes *value) {
  auto io = registerIo(*dev_);
  for (unsigned r = 0; r < maps_.size(); ++r) {
    if (maps_[r].replicaOf != int32_t(primary))
      continue;
    auto x = mapPortOp(io, maps_[r], r, op, flags, &key, value, 0, false, false);
    if (!x)
      return makeError("rtl: {}", llvm::toString(x.takeError()));
    if (x->rc != rc)
      return makeError("rtl: replica {} of map '{}' answered {} to a host write, the map {}", r,
                       maps_[primary].name, x->rc, rc);
  }
  return llvm::Error::success();
}

llvm::Error RtlEngine::mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                                 uint64_t flags) {
  auto i = findMap(map, &key, &value);
  if (!i)
    return i.takeError();
  const ImageMap &d = maps_[*i];
  if (frozenForHost(d.flags, !d.initial.empty()))
    return rcError(-EPERM, "update", map);
  if (hostMaps_[*i]) {
    int rc = hostMaps_[*i]->update(key, value, flags);
    if (rc == 0)
      if (auto e = syncSlices(*i))  // global data: its slices on the NIC
        return e;
    return rcError(rc, "update", map);
  }
  if (flags > BPF_EXIST)
    return rcError(-EINVAL, "update", map);
  auto io = registerIo(*dev_);
  auto r = mapPortOp(io, d, *i, MapPortOp::Update, uint32_t(flags), &key, &value, 0, false, false);
  if (!r)
    return makeError("rtl: {}", llvm::toString(r.takeError()));
  if (auto e = replicaWrites(*i, r->rc, MapPortOp::Update, uint32_t(flags), key, &value))
    return e;
  return rcError(r->rc, "update", map);
}

llvm::Expected<std::optional<Bytes>> RtlEngine::mapLookup(const std::string &map,
                                                         const Bytes &key) {
  auto i = findMap(map, &key, nullptr);
  if (!i)
    return i.takeError();
  if (hostMaps_[*i]) {
    Bytes v;
    int rc = hostMaps_[*i]->lookup(key, v);
    if (rc == -ENOENT)
      return std::nullopt;
    if (rc)
      return rcError(rc, "lookup", map);
    if (auto e = overlaySlices(*i, v))  // global data: the bytes its slices hold
      return std::move(e);
    return v;
  }
  auto io = registerIo(*dev_);
  auto r = mapPortOp(io, maps_[*i], *i, MapPortOp::Lookup, 0, &key, nullptr, 0, false, true);
  if (!r)
    return makeError("rtl: {}", llvm::toString(r.takeError()));
  if (!r->found)
    return std::nullopt;
  return std::move(r->value);
}

llvm::Error RtlEngine::mapDelete(const std::string &map, const Bytes &key) {
  auto i = findMap(map, &key, nullptr);
  if (!i)
    return i.takeError();
  if (hostMaps_[*i])
    return rcError(hostMaps_[*i]->deleteKey(key), "delete", map);
  auto io = registerIo(*dev_);
  auto r = mapPortOp(io, maps_[*i], *i, MapPortOp::Delete, 0, &key, nullptr, 0, false, false);
  if (!r)
    return makeError("rtl: {}", llvm::toString(r.takeError()));
  if (auto e = replicaWrites(*i, r->rc, MapPortOp::Delete, 0, key, nullptr))
    return e;
  return rcError(r->rc, "delete", map);
}

llvm::Expected<std::vector<MapDump>> RtlEngine::dumpMaps() {
  std::vector<MapDump> out;
  for (unsigned i = 0; i < maps_.size(); ++i) {
    const ImageMap &d = maps_[i];
    if (!mapHasContent(d.type) || (d.stage < 0 && !hostMaps_[i]) || d.replicaOf >= 0 ||
        d.sliceOf >= 0)
      continue;
    MapDump md;
    md.name = d.name;
    md.type = d.type;
    if (hostMaps_[i]) {
      md.entries = hostMaps_[i]->entries();
      for (MapEntry &e : md.entries)
        if (auto err = overlaySlices(i, e.value))  // global data: the bytes its slices hold
          return std::move(err);
    } else {
      auto io = registerIo(*dev_);
      for (uint32_t pos = 0;;) {
        auto e = mapPortWalk(io, d, i, pos);
        if (!e)
          return makeError("rtl: {}", llvm::toString(e.takeError()));
        if (!*e)
          break;
        pos = (*e)->position + 1;
        md.entries.push_back({std::move((*e)->key), std::move((*e)->value)});
      }
      std::sort(md.entries.begin(), md.entries.end(),
                [](const MapEntry &a, const MapEntry &b) { return a.key < b.key; });
    }
    out.push_back(std::move(md));
  }
  return out;
}

llvm::Expected<PacketOut> RtlEngine::run(const PacketIn &pkt) {
  if (!loaded_)
    return makeError("rtl: no program loaded");
  size_t len = pkt.data.size();
  if (len < 14)
    return makeErrnoError(EINVAL, "rtl: a {}-byte frame is shorter than 14 bytes", len);
  if (len > 9216)
    return makeErrnoError(EMSGSIZE, "rtl: a {}-byte frame is longer than the NIC's 9216", len);
  Device &d = *dev_;
  uint64_t start = d.cycle();
  if (pkt.ingress_ifindex != ifindex0_)
    d.write(regs::PORT0_IFINDEX, ifindex0_ = pkt.ingress_ifindex);
  if (pkt.rx_queue_index != rxq0_)
    d.write(regs::PORT0_RXQ, rxq0_ = pkt.rx_queue_index);
  uint64_t ts = arrivalNs(pkt);
  d.write(regs::TS_LO, uint32_t(ts));
  d.write(regs::TS_HI, uint32_t(ts >> 32));
  size_t before[kNumOutputs];
  for (unsigned o = 0; o < kNumOutputs; ++o)
    before[o] = d.collected(o).size();
  d.push(0, pkt.data);
  if (!d.runUntilIdle(1'000'000))
    return makeError("rtl: the NIC did not finish the packet in 1,000,000 cycles");
  facts_ = RtlFacts{};
  facts_.cycles = d.cycle() - start;
  uint32_t verdict = d.read(regs::LAST_VERDICT);
  uint32_t redirect = d.read(regs::LAST_REDIRECT);
  uint32_t info = d.read(regs::LAST_INFO);
  facts_.fault = info & 1;
  unsigned dest = (info >> 2) & 3;
  PacketOut res;
  res.action = verdict;
  unsigned found = kNumOutputs, count = 0;
  for (unsigned o = 0; o < kNumOutputs; ++o)
    if (d.collected(o).size() > before[o]) {
      found = o;
      count += unsigned(d.collected(o).size() - before[o]);
    }
  if (count != 1)
    return makeError("rtl: the packet came out {} times", count);
  Frame f = std::move(d.collected(found).back());
  d.collected(found).pop_back();
  facts_.output = found;
  facts_.dropped = dest == 0;
  if (!d.accepted(0).empty()) {
    facts_.latencyCycles = f.firstBeatCycle - d.accepted(0).back().firstBeatCycle;
    d.accepted(0).clear();
  }
  unsigned expect = dest == 0 ? kHost : dest == 1 ? kPort0 : dest == 2 ? kPort1 : kHost;
  if (found != expect || (found == kHost && bool((f.tuser >> 2) & 1) != (dest == 0)))
    return makeError("rtl: the packet left by output {}, LAST_INFO says destination {}", found, dest);
  res.data = std::move(f.data);
  if (verdict == 4 /* XDP_REDIRECT */) {
    RedirectTarget rt;
    rt.ifindex = redirect;
    res.redirect = rt;
  }
  return res;
}

std::unique_ptr<Engine> createRtlEngine() { return std::make_unique<RtlEngine>(); }

void registerRtlEngine() { registerEngineFactory("rtl", createRtlEngine); }

} // namespace sluice::sim
