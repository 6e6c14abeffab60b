//===- MapPort.cpp - The host map port's register sequence ----------------===//
#include "sluice/Sim/MapPort.h"

#include <cerrno>
#include <optional>

#include "sluice/Maps/NicMaps.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Support/Error.h"

namespace sluice::sim {

namespace {
void writeWords(RegisterIo &io, uint32_t base, const Bytes &bytes) {
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t w = 0;
    for (size_t b = 0; b < 4 && i + b < bytes.size(); ++b)
      w |= uint32_t(bytes[i + b]) << (8 * b);
    io.write(base + uint32_t(i), w);
  }
}

Bytes readWords(RegisterIo &io, uint32_t base, size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; i += 4) {
    uint32_t w = io.read(base + uint32_t(i));
    for (size_t b = 0; b < 4 && i + b < n; ++b)
      out[i + b] = uint8_t(w >> (8 * b));
  }
  return out;
}
} // namespace

llvm::Error waitMapStatus(RegisterIo &io, uint32_t mask, uint32_t want, const char *what) {
  constexpr uint64_t kRounds = 200000;
  for (uint64_t i = 0; i < kRounds; ++i) {
    if ((io.read(regs::MAP_STATUS) & mask) == want)
      return llvm::Error::success();
    io.service();
  }
  return makeErrnoError(ETIMEDOUT,
                        "{}: {} did not happen within {} service rounds (MAP_STATUS 0x{:x}; the "
                        "pipeline moves only while its outputs drain)",
                        io.name, what, kRounds, io.read(regs::MAP_STATUS));
}

namespace {
// One operation as the map unit does it (a devmap as its array or hash).
llvm::Expected<MapPortResult> rawPortOp(RegisterIo &io, const ImageMap &def, unsigned id,
                                        MapPortOp op, uint32_t flags, const Bytes *key,
                                        const Bytes *value, uint32_t arg, bool wantKey,
                                        bool wantValue) {
  if (auto e = waitMapStatus(io, regs::MAP_STATUS_BUSY | regs::MAP_STATUS_CLEARING, 0,
                             "the map port to be free"))
    return std::move(e);
  if (key)
    writeWords(io, regs::MAP_KEY, *key);
  if (value)
    writeWords(io, regs::MAP_VALUE, *value);
  if (op == MapPortOp::ReadWay)
    io.write(regs::MAP_ARG, arg);
  io.write(regs::MAP_CMD, uint32_t(op) | id << 3 | (flags & 3) << 6);
  if (auto e = waitMapStatus(io, regs::MAP_STATUS_DONE, regs::MAP_STATUS_DONE, "the map operation"))
    return std::move(e);
  MapPortResult r;
  r.found = io.read(regs::MAP_STATUS) & regs::MAP_STATUS_FOUND;
  r.rc = int32_t(io.read(regs::MAP_RC));
  if (wantKey)
    r.key = readWords(io, regs::MAP_RKEY, def.keySize);
  if (wantValue)
    r.value = readWords(io, regs::MAP_RVALUE, def.valueSize);
  return r;
}

// A devmap: the kernel's host rules (devmapHost* of sluice/Maps/NicMaps.h)
// over the unit's array or hash; a walk skips the empty DEVMAP slots.
llvm::Expected<MapPortResult> devmapPortOp(RegisterIo &io, const ImageMap &def, unsigned id,
                                           MapPortOp op, uint32_t flags, const Bytes *key,
                                           const Bytes *value, uint32_t arg, bool wantKey,
                                           bool wantValue) {
  if (op == MapPortOp::ReadWay) {
    auto r = rawPortOp(io, def, id, op, flags, key, value, arg, wantKey, true);
    if (r && r->found && devmapSlotEmpty(def.type, r->value))
      r->found = false;  // rc 0: the walk goes on
    return r;
  }
  std::optional<llvm::Error> err;
  auto raw = [&](MapPortOp o, uint32_t f, const Bytes &k, const Bytes *v, Bytes *out) -> int {
    if (err)
      return -EIO;
    auto r = rawPortOp(io, def, id, o, f, &k, v, 0, false, out != nullptr);
    if (!r) {
      err.emplace(r.takeError());
      return -EIO;
    }
    if (o == MapPortOp::Lookup) {
      if (!r->found)
        return r->rc ? r->rc : -ENOENT;
      *out = std::move(r->value);
    }
    return r->rc;
  };
  DevmapStore s;
  s.type = def.type, s.maxEntries = def.maxEntries, s.valueSize = def.valueSize;
  s.lookup = [&](const Bytes &k, Bytes &v) { return raw(MapPortOp::Lookup, 0, k, nullptr, &v); };
  s.update = [&](const Bytes &k, const Bytes &v, uint64_t f) {
    return raw(MapPortOp::Update, uint32_t(f), k, &v, nullptr);
  };
  s.remove = [&](const Bytes &k) { return raw(MapPortOp::Delete, 0, k, nullptr, nullptr); };
  MapPortResult r;
  Bytes v;
  if (op == MapPortOp::Lookup) {
    r.rc = devmapHostLookup(s, *key, v);
    r.found = r.rc == 0;
  } else if (op == MapPortOp::Update) {
    r.rc = devmapHostUpdate(s, *key, *value, flags);
  } else {
    r.rc = devmapHostDelete(s, *key);
  }
  if (err)
    return std::move(*err);
  if (r.found && wantKey)
    r.key = *key;
  if (r.found && wantValue)
    r.value = std::move(v);
  return r;
}
} // namespace

llvm::Expected<MapPortResult> mapPortOp(RegisterIo &io, const ImageMap &def, unsigned id,
                                        MapPortOp op, uint32_t flags, const Bytes *key,
                                        const Bytes *value, uint32_t arg, bool wantKey,
                                        bool wantValue) {
  if (nicIsDevmap(def.type))
    return devmapPortOp(io, def, id, op, flags, key, value, arg, wantKey, wantValue);
  return rawPortOp(io, def, id, op, flags, key, value, arg, wantKey, wantValue);
}

llvm::Expected<std::optional<MapPortEntry>> mapPortWalk(RegisterIo &io, const ImageMap &def,
                                                        unsigned id, uint32_t from) {
  for (uint32_t pos = from;; ++pos) {
    auto r = mapPortOp(io, def, id, MapPortOp::ReadWay, 0, nullptr, nullptr, pos, true, true);
    if (!r)
      return r.takeError();
    if (r->found)
      return std::optional<MapPortEntry>(MapPortEntry{pos, std::move(r->key), std::move(r->value)});
    if (r->rc == -ENOENT)
      return std::optional<MapPortEntry>();  // past the last way
    if (r->rc != 0)
      return makeErrnoError(EIO, "{}: map '{}': reading way {} returned {}", io.name, def.name,
                            pos, r->rc);
  }
}

llvm::Expected<std::vector<std::pair<uint32_t, uint64_t>>> mapConfigWords(const StageImage &img,
                                                                        const TargetParams &p) {
  std::vector<std::pair<uint32_t, uint64_t>> out;
  if (img.maps.size() > p.maxMaps)
    return makeError("image '{}' has {} maps, the datapath configures {}", img.name,
                     img.maps.size(), p.maxMaps);
  for (unsigned m = 0; m < p.maxMaps; ++m) {
    uint64_t w1 = 0, w0 = uint64_t(0xff) << 24;  // none, unbound
    if (m < img.maps.size() && img.maps[m].stage >= 0) {
      const ImageMap &im = img.maps[m];
      MapDef def;
      def.name = im.name, def.type = im.type, def.key_size = im.keySize;
      def.value_size = im.valueSize, def.max_entries = im.maxEntries, def.flags = im.flags;
      auto lay = nicMapLayout(def, p);
      if (!lay)
        return lay.takeError();
      uint64_t type = im.type == BPF_MAP_TYPE_LPM_TRIE ? 3 : lay->buckets ? 2 : 1;  // lpm, hash, array
      // bit 31 of the bucket count: an LRU hash map (docs/rtl.md "Map unit")
      bool lru = im.type == BPF_MAP_TYPE_LRU_HASH || im.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
      w1 = uint64_t(im.offset / 8) << 32 | lay->buckets | (lru ? 1ull << 31 : 0);
      w0 = uint64_t(im.maxEntries) << 32 | uint64_t(im.stage & 0xff) << 24 | type << 18 |
           uint64_t(im.valueSize & 0x3ff) << 8 | (im.keySize & 0xff);
    }
    out.push_back({0x4000 + 2 * m + 1, w1});
    out.push_back({0x4000 + 2 * m, w0});
  }
  return out;
}

} // namespace sluice::sim
