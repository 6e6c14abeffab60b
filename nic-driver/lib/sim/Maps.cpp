//===- Maps.cpp - the loaded program's maps, through the map port ---------===//
//
// Nic::map*: the driver's side of the register block's map port
// (docs/maps-design.md "Host map port", docs/nic-driver.md "Maps"). The
// checks here (map index, key and value sizes) run before any register is
// written, so a refused call leaves the device untouched.
//
//===----------------------------------------------------------------------===//
#include "sluice/Nic/Nic.h"

#include <cstring>
#include <linux/bpf.h>

#include "sluice/Sim/Regs.h"
#include "sluice/Support/Error.h"

namespace sluice::nic {

const std::vector<ImageMap> &Nic::maps() const {
  static const std::vector<ImageMap> none;
  std::lock_guard<std::recursive_mutex> g(mu_);
  if (!(dev_.read32(regs::STATUS) & regs::STATUS_ENABLED))
    return none;
  return maps_[dev_.read32(regs::STATUS) & regs::STATUS_ACTIVE_BANK ? 1 : 0];
}

llvm::Expected<unsigned> Nic::mapIndex(std::string_view name) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  const auto &ms = maps();
  std::string names;
  for (unsigned i = 0; i < ms.size(); ++i) {
    if (ms[i].name == name)
      return i;
    names += (names.empty() ? "" : ", ") + ms[i].name;
  }
  if (ms.empty())
    return makeErrnoError(ENOENT, "{}: no map '{}': the loaded program has no maps{}", dev_.name(),
                          name, program().active ? "" : " (no program is loaded)");
  return makeErrnoError(ENOENT, "{}: no map '{}' in program {} (its maps: {})", dev_.name(), name,
                        program().active ? program().active->program : "?", names);
}

namespace {
llvm::Error checkSizes(std::string_view dev, const ImageMap &m, const Bytes *key,
                       const Bytes *value) {
  if (key && key->size() != m.keySize)
    return makeErrnoError(EINVAL, "{}: map '{}' has {}-byte keys, got {} bytes", dev, m.name,
                          m.keySize, key->size());
  if (value && value->size() != m.valueSize)
    return makeErrnoError(EINVAL, "{}: map '{}' has {}-byte values, got {} bytes", dev, m.name,
                          m.valueSize, value->size());
  return llvm::Error::success();
}
} // namespace

llvm::Expected<const ImageMap *> Nic::mapChecked(unsigned map, const Bytes *key,
                                                 const Bytes *value) {
  const auto &ms = maps();
  if (map >= ms.size())
    return makeErrnoError(EBADF, "{}: map index {} does not exist (the loaded program has {} maps)",
                          dev_.name(), map, ms.size());
  if (auto e = checkSizes(dev_.name(), ms[map], key, value))
    return std::move(e);
  if (ms[map].replicaOf >= 0)
    return makeErrnoError(EINVAL,
                          "{}: map index {} is a replica of map '{}' (index {}), which the host "
                          "reads and writes as that map",
                          dev_.name(), map, ms[map].name, ms[map].replicaOf);
  if (ms[map].sliceOf >= 0)
    return makeErrnoError(EINVAL,
                          "{}: map index {} ('{}') is a slice of global data '{}' (index {}), "
                          "which the host reads and writes as that map",
                          dev_.name(), map, ms[map].name, ms[ms[map].sliceOf].name,
                          ms[map].sliceOf);
  if (ms[map].stage < 0 && !sections_.count(map))
    return makeErrnoError(EOPNOTSUPP,
                          "{}: map '{}' has no NIC memory: the program never touches it on the "
                          "datapath (its reads are folded into constants or it is unused)",
                          dev_.name(), ms[map].name);
  return &ms[map];
}

llvm::Expected<std::optional<Bytes>> Nic::mapNextKey(unsigned map, const Bytes *key) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, key, nullptr);
  if (!m)
    return m.takeError();
  if ((*m)->type == BPF_MAP_TYPE_DEVMAP) {
    // dev_map_get_next_key: every index, entry or not, as an array's (a
    // walk of the port skips the empty slots)
    uint32_t i = 0, n = (*m)->maxEntries;
    if (key)
      std::memcpy(&i, key->data(), 4);
    if (key && i < n && i + 1 == n)
      return std::optional<Bytes>();
    uint32_t next = key && i < n ? i + 1 : 0;
    Bytes out(4);
    std::memcpy(out.data(), &next, 4);
    return std::optional<Bytes>(std::move(out));
  }
  // The walk from the start until `key`, then the entry after it. A key
  // that is absent gives the first key, as the kernel's hash maps do; the
  // driver remembers where the last answer was, so a full walk with
  // get_next_key reads each position once.
  uint32_t from = 0;
  if (key) {
    bool cached = false;
    if (nextKeyCache_.map == map && nextKeyCache_.generation == generation_ &&
        nextKeyCache_.key == *key) {
      // Still there? (traffic or the host may have moved it since)
      auto e = mapWalk(map, nextKeyCache_.position);
      if (!e)
        return e.takeError();
      cached = *e && (*e)->position == nextKeyCache_.position && (*e)->key == *key;
    }
    if (cached) {
      from = nextKeyCache_.position + 1;
    } else {
      for (uint32_t pos = 0;;) {
        auto e = mapWalk(map, pos);
        if (!e)
          return e.takeError();
        if (!*e)
          break;  // absent: from the start
        if ((*e)->key == *key) {
          from = (*e)->position + 1;
          break;
        }
        pos = (*e)->position + 1;
      }
    }
  }
  auto e = mapWalk(map, from);
  if (!e)
    return e.takeError();
  if (!*e)
    return std::optional<Bytes>();
  nextKeyCache_ = {map, generation_, (*e)->position, (*e)->key};
  return std::optional<Bytes>((*e)->key);
}

llvm::Expected<std::vector<Nic::MapEntry>> Nic::mapDump(unsigned map) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  std::vector<MapEntry> out;
  for (uint32_t pos = 0;;) {
    auto e = mapWalk(map, pos);
    if (!e)
      return e.takeError();
    if (!*e)
      return out;
    pos = (*e)->position + 1;
    out.push_back(std::move(**e));
  }
}

llvm::Error Nic::mirrorMap(unsigned map, uint64_t periodCycles) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, nullptr, nullptr);
  if (!m)
    return m.takeError();
  if (periodCycles == 0)
    return makeErrnoError(EINVAL, "{}: map '{}': a mirror needs a period of at least one cycle",
                          dev_.name(), (*m)->name);
  for (MirrorState &ms : mirrors_)
    if (ms.map == map && ms.generation == generation_) {
      ms.period = periodCycles;
      return llvm::Error::success();
    }
  mirrors_.push_back({map, periodCycles, generation_, dev_.cycles(), {}});
  syncMirrors();
  return llvm::Error::success();
}

std::optional<Nic::Mirror> Nic::mirrored(unsigned map) const {
  std::lock_guard<std::recursive_mutex> g(mu_);
  for (const MirrorState &ms : mirrors_)
    if (ms.map == map && ms.generation == generation_ && ms.copy.syncs)
      return ms.copy;
  return std::nullopt;
}

void Nic::syncMirrors() {
  if (syncing_ || inPortOp_ || mirrors_.empty())
    return;  // not inside a port operation's wait (lib/sim/MapPort.cpp)
  syncing_ = true;
  // Mirrors of an earlier program's maps end with it.
  std::erase_if(mirrors_, [&](const MirrorState &ms) { return ms.generation != generation_; });
  for (MirrorState &ms : mirrors_) {
    uint64_t start = dev_.cycles();
    if (start < ms.due)
      continue;
    auto d = mapDump(ms.map);
    if (!d) {
      // The copy keeps its last complete state; the failure is counted.
      ms.copy.lastError = llvm::toString(d.takeError());
      ++stats_.mirrorFailures;
      ms.due = start + ms.period;
      continue;
    }
    ms.copy.entries = std::move(*d);
    ms.copy.syncStart = start;
    ms.copy.syncEnd = dev_.cycles();
    ms.copy.maxSyncCycles = std::max(ms.copy.maxSyncCycles, ms.copy.syncEnd - start);
    ++ms.copy.syncs;
    ms.due = start + ms.period;
  }
  syncing_ = false;
}

} // namespace sluice::nic
