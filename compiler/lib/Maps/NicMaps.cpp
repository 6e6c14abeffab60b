//===- NicMaps.cpp - Maps as the NIC stores them ---------------------------===//
//
// See sluice/Maps/NicMaps.h for the layouts, the hash functions and the
// placement rules; the return codes follow the kernel's array_map_* and
// htab_map_* host paths (as compiler/lib/Interp/InterpMaps.cpp does).
//
//===----------------------------------------------------------------------===//

#include "sluice/Maps/NicMaps.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "llvm/Support/FormatVariadic.h"
#include "sluice/Engine/Run.h"
#include "sluice/Support/Error.h"

namespace sluice {

namespace {

llvm::Error fail(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

uint32_t roundUp8(uint32_t n) { return (n + 7u) & ~7u; }

uint32_t crc32Reflected(uint32_t poly, const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int b = 0; b < 8; ++b)
      c = (c >> 1) ^ (poly & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

uint32_t arrayIndex(const Bytes &key) {
  uint32_t i;
  std::memcpy(&i, key.data(), 4);  // little-endian host, as the kernel's u32 key
  return i;
}

} // namespace

uint64_t mapStageMemoryBytes(const TargetParams &p) {
  const UnitParams *u = p.unit("map");
  if (!u || u->stages.empty())
    return 0;
  return p.mapMemoryBytes / u->stages.size() / 64 * 64;
}

llvm::Expected<std::vector<NicMapLayout>> planStageMaps(const std::vector<MapDef> &maps,
                                                        const std::vector<int> &stageOf,
                                                        const TargetParams &p) {
  if (maps.size() > p.maxMaps)
    return fail(llvm::formatv("{0} maps, the NIC holds at most {1} (max_maps)", maps.size(),
                              p.maxMaps));
  const UnitParams *unit = p.unit("map");
  const uint64_t stageBytes = mapStageMemoryBytes(p);
  std::map<int, uint64_t> used;
  std::vector<NicMapLayout> out;
  for (size_t i = 0; i < maps.size(); ++i) {
    const MapDef &def = maps[i];
    int stage = i < stageOf.size() ? stageOf[i] : -1;
    if (stage < 0) {
      auto l = nicMapLayout(def, p);
      if (l) {
        out.push_back(std::move(*l));
      } else {
        llvm::consumeError(l.takeError());
        NicMapLayout none;
        none.name = def.name;
        none.type = def.type;
        none.keySize = def.key_size;
        none.valueSize = def.value_size;
        none.maxEntries = def.max_entries;
        out.push_back(std::move(none));
      }
      continue;
    }
    if (!unit || std::find(unit->stages.begin(), unit->stages.end(), unsigned(stage)) ==
                     unit->stages.end()) {
      std::string list;
      for (unsigned s : unit ? unit->stages : std::vector<unsigned>{})
        list += (list.empty() ? "" : ", ") + std::to_string(s);
      return fail(llvm::formatv("map '{0}' is bound to stage {1}, which has no map unit (map "
                                "stages: {2})",
                                def.name, stage, list.empty() ? "none" : list));
    }
    if (auto e = checkDatapathMapType(def.name, def.type))
      return std::move(e);
    if (auto e = checkLpmCam(def, p))
      return std::move(e);
    if (def.type == BPF_MAP_TYPE_LPM_TRIE && !p.hasLpmCam(unsigned(stage))) {
      std::string cams;
      for (unsigned s : p.lpmStages)
        cams += (cams.empty() ? "" : ", ") + std::to_string(s);
      return fail(llvm::formatv("LPM trie '{0}' is bound to stage {1}, whose map unit has no "
                                "LPM CAM (maps.lpm_stages: {2})",
                                def.name, stage, cams.empty() ? "none" : cams));
    }
    if (def.type == BPF_MAP_TYPE_LPM_TRIE)
      for (size_t j = 0; j < i; ++j)
        if (maps[j].type == BPF_MAP_TYPE_LPM_TRIE && j < stageOf.size() && stageOf[j] == stage)
          return fail(llvm::formatv("LPM tries '{0}' and '{1}' are both bound to stage {2}: a "
                                    "map unit's CAM holds one LPM trie",
                                    maps[j].name, def.name, stage));
    auto l = nicMapLayout(def, p);
    if (!l)
      return l.takeError();
    uint64_t left = stageBytes - used[stage];
    if (l->bytes > left)
      return fail(llvm::formatv("map '{0}' does not fit in the map memory of stage {1}: it "
                                "needs {2} bytes, {3} of {4} are left",
                                def.name, stage, l->bytes, left, stageBytes));
    l->offset = used[stage];
    used[stage] += l->bytes;
    out.push_back(std::move(*l));
  }
  return out;
}

uint32_t nicHash0(const uint8_t *key, size_t n) { return crc32Reflected(0xEDB88320u, key, n); }
uint32_t nicHash1(const uint8_t *key, size_t n) { return crc32Reflected(0x82F63B78u, key, n); }

bool nicStoresMapType(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LPM_TRIE ||
         nicIsDevmap(type);
}

bool nicIsDevmap(uint32_t type) {
  return type == BPF_MAP_TYPE_DEVMAP || type == BPF_MAP_TYPE_DEVMAP_HASH;
}

llvm::Error checkLpmCam(const MapDef &def, const TargetParams &p) {
  if (def.type != BPF_MAP_TYPE_LPM_TRIE)
    return llvm::Error::success();
  if (def.max_entries > p.lpmRows)
    return fail(llvm::formatv("LPM trie '{0}' has max_entries {1}, the map unit's CAM holds {2} "
                              "rows (maps.lpm_rows): lower max_entries",
                              def.name, def.max_entries, p.lpmRows));
  if (def.key_size < 5 || def.key_size - 4 > p.lpmDataBytes)
    return fail(llvm::formatv("LPM trie '{0}' has {1} bytes of key data, the CAM compares at most "
                              "{2} (maps.lpm_data_bytes)",
                              def.name, def.key_size < 4 ? 0 : def.key_size - 4, p.lpmDataBytes));
  if (def.value_size > p.lpmValueBytes)
    return fail(llvm::formatv("LPM trie '{0}' has a {1}-byte value, the CAM's value memory holds "
                              "{2} bytes per row (maps.lpm_value_bytes)",
                              def.name, def.value_size, p.lpmValueBytes));
  return llvm::Error::success();
}

llvm::Error checkDatapathMapType(const std::string &name, uint32_t type) {
  if (nicStoresMapType(type))
    return llvm::Error::success();
  return fail(llvm::formatv("map '{0}': type {1} is not stored on the NIC yet (stored: array, "
                            "percpu_array, hash, percpu_hash, lru_hash, lru_percpu_hash, lpm_trie, "
                            "devmap, devmap_hash)",
                            name, mapTypeName(type)));
}

bool nicMapHasLayout(uint32_t type) {
  return nicStoresMapType(type) || type == BPF_MAP_TYPE_LPM_TRIE;
}

llvm::Expected<NicMapLayout> nicMapLayout(const MapDef &def, const TargetParams &p) {
  if (!nicMapHasLayout(def.type))
    return fail(llvm::formatv("map '{0}': type {1} is not stored on the NIC yet (stored: "
                              "array, percpu_array, hash, percpu_hash, lru_hash, lru_percpu_hash, "
                              "lpm_trie, devmap, devmap_hash)",
                              def.name, mapTypeName(def.type)));
  if (def.key_size == 0 || def.value_size == 0 || def.max_entries == 0)
    return fail(llvm::formatv("map '{0}': key_size, value_size and max_entries must be "
                              "non-zero (key {1}, value {2}, max_entries {3})",
                              def.name, def.key_size, def.value_size, def.max_entries));
  if (def.key_size > p.maxKeyBytes)
    return fail(llvm::formatv("map '{0}': key of {1} bytes is over the NIC's limit of "
                              "{2} bytes (max_key_bytes)",
                              def.name, def.key_size, p.maxKeyBytes));
  if (def.value_size > p.maxValueBytes)
    return fail(llvm::formatv("map '{0}': value of {1} bytes is over the NIC's limit of "
                              "{2} bytes (max_value_bytes)",
                              def.name, def.value_size, p.maxValueBytes));
  NicMapLayout l;
  l.name = def.name;
  l.type = def.type;
  l.keySize = def.key_size;
  l.valueSize = def.value_size;
  l.maxEntries = def.max_entries;
  bool hash = def.type == BPF_MAP_TYPE_HASH || def.type == BPF_MAP_TYPE_PERCPU_HASH ||
              def.type == BPF_MAP_TYPE_LRU_HASH || def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
              def.type == BPF_MAP_TYPE_DEVMAP_HASH;
  if (nicIsDevmap(def.type) &&
      (def.key_size != 4 || (def.value_size != 4 && def.value_size != 8)))
    return fail(llvm::formatv("map '{0}': a {1} has 4-byte keys and 4- or 8-byte values, not "
                              "{2} and {3}",
                              def.name, mapTypeName(def.type), def.key_size, def.value_size));
  if (def.type == BPF_MAP_TYPE_LPM_TRIE) {
    if (def.key_size < 5 || def.key_size > 4 + 256)
      return fail(llvm::formatv("map '{0}': an LPM trie's key is 4 bytes of prefix length and "
                                "1 to 256 data bytes, not {1} bytes",
                                def.name, def.key_size));
    l.entryBytes = 8 + roundUp8(def.key_size) + roundUp8(def.value_size);
    l.rows = def.max_entries;
    l.ways = def.max_entries;
    l.bytes = l.rows * l.entryBytes;
  } else if (!hash) {
    if (def.key_size != 4)
      return fail(llvm::formatv("map '{0}': an array's key is 4 bytes, not {1}", def.name,
                                def.key_size));
    l.entryBytes = roundUp8(def.value_size);
    l.rows = def.max_entries;
    l.ways = def.max_entries;
    l.bytes = l.rows * l.entryBytes;
  } else {
    l.entryBytes = 8 + roundUp8(def.key_size) + roundUp8(def.value_size);
    // 2 sub-tables x buckets x 4 ways >= 2 x max_entries.
    l.buckets = uint32_t((uint64_t(def.max_entries) + kNicBucketWays - 1) / kNicBucketWays);
    l.rows = 2ull * l.buckets;
    l.ways = l.rows * kNicBucketWays;
    l.stashEntries = kNicStashEntries;
    l.bytes = (l.ways + l.stashEntries) * l.entryBytes;
  }
  return l;
}

llvm::Expected<std::vector<NicMapLayout>> planMaps(const std::vector<MapDef> &maps,
                                                   const TargetParams &p) {
  if (maps.size() > p.maxMaps)
    return fail(llvm::formatv("{0} maps, the NIC holds at most {1} (max_maps)", maps.size(),
                              p.maxMaps));
  std::vector<NicMapLayout> out;
  uint64_t used = 0;
  for (const MapDef &def : maps) {
    auto l = nicMapLayout(def, p);
    if (!l)
      return l.takeError();
    uint64_t left = p.mapMemoryBytes - used;
    if (l->bytes > left)
      return fail(llvm::formatv("map '{0}' does not fit in the NIC's map memory: it needs "
                                "{1} bytes, {2} of {3} are left",
                                def.name, l->bytes, left, p.mapMemoryBytes));
    l->offset = used;
    used += l->bytes;
    out.push_back(std::move(*l));
  }
  return out;
}

//===-- NicMap -------------------------------------------------------------===//

NicMap::NicMap(const MapDef &def, NicMapLayout layout)
    : layout_(std::move(layout)),
      hash_(def.type == BPF_MAP_TYPE_HASH || def.type == BPF_MAP_TYPE_PERCPU_HASH ||
            def.type == BPF_MAP_TYPE_LRU_HASH || def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
            def.type == BPF_MAP_TYPE_DEVMAP_HASH),
      lpm_(def.type == BPF_MAP_TYPE_LPM_TRIE), devmap_(nicIsDevmap(def.type)),
      lru_(def.type == BPF_MAP_TYPE_LRU_HASH || def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
  if (hash_) {
    slots_.resize(layout_.ways + layout_.stashEntries);
  } else if (lpm_) {
    slots_.resize(layout_.maxEntries);
  } else {
    slots_.resize(layout_.maxEntries);
    for (uint32_t i = 0; i < layout_.maxEntries; ++i) {
      Slot &s = slots_[i];
      s.valid = true;
      s.key.resize(4);
      std::memcpy(s.key.data(), &i, 4);
      s.value.assign(layout_.valueSize, 0);
    }
    if (!def.initial.empty() && layout_.maxEntries > 0)
      std::memcpy(slots_[0].value.data(), def.initial.data(),
                  std::min<size_t>(def.initial.size(), layout_.valueSize));
    count_ = layout_.maxEntries;
  }
}

llvm::Expected<NicMap> NicMap::create(const MapDef &def, const TargetParams &p) {
  auto l = nicMapLayout(def, p);
  if (!l)
    return l.takeError();
  return NicMap(def, std::move(*l));
}

uint64_t NicMap::bucketBase(unsigned table, const Bytes &key) const {
  uint32_t h = table == 0 ? nicHash0(key.data(), key.size()) : nicHash1(key.data(), key.size());
  uint64_t b = (uint64_t(h) * layout_.buckets) >> 32;
  return (uint64_t(table) * layout_.buckets + b) * kNicBucketWays;
}

uint32_t NicMap::occupied(uint64_t base) const {
  uint32_t n = 0;
  for (uint32_t w = 0; w < kNicBucketWays; ++w)
    n += slots_[base + w].valid;
  return n;
}

int64_t NicMap::find(const Bytes &key) const {
  if (lpm_)
    return lpmFind(key);
  for (unsigned t = 0; t < 2; ++t) {
    uint64_t base = bucketBase(t, key);
    for (uint32_t w = 0; w < kNicBucketWays; ++w)
      if (slots_[base + w].valid && slots_[base + w].key == key)
        return int64_t(base + w);
  }
  for (uint64_t i = layout_.ways; i < slots_.size(); ++i)
    if (slots_[i].valid && slots_[i].key == key)
      return int64_t(i);
  return -1;
}

int NicMap::lookup(const Bytes &key, Bytes &value) const {
  if (devmap_ && key.size() == layout_.keySize)
    return devmapHostLookup(const_cast<NicMap *>(this)->devmapStore(), key, value);
  return storeLookup(key, value);
}

int NicMap::storeLookup(const Bytes &key, Bytes &value) const {
  if (key.size() != layout_.keySize)
    return -EINVAL;
  if (lpm_) {
    int64_t r = lpmMatch(key);
    if (r < 0)
      return -ENOENT;
    value = slots_[size_t(r)].value;
    return 0;
  }
  if (!hash_) {
    uint32_t i = arrayIndex(key);
    if (i >= layout_.maxEntries)
      return -ENOENT;
    value = slots_[i].value;
    return 0;
  }
  int64_t i = find(key);
  if (i < 0)
    return -ENOENT;
  value = slots_[size_t(i)].value;
  return 0;
}

int NicMap::lookupUse(const Bytes &key, Bytes &value) {
  int rc = lookup(key, value);
  if (rc == 0 && lru_)
    use(slots_[size_t(find(key))]);
  return rc;
}

int NicMap::setValue(const Bytes &key, const Bytes &value) {
  if (key.size() != layout_.keySize || value.size() != layout_.valueSize)
    return -EINVAL;
  if (!hash_ && !lpm_) {
    uint32_t i = arrayIndex(key);
    if (i >= layout_.maxEntries)
      return -ENOENT;
    slots_[i].value = value;
    return 0;
  }
  int64_t at = find(key);
  if (at < 0)
    return -ENOENT;
  slots_[size_t(at)].value = value;
  return 0;
}

int64_t NicMap::lruVictim(const Bytes &key) const {
  int64_t best = -1;
  uint32_t bestAge = 0;
  auto consider = [&](uint64_t i) {
    const Slot &s = slots_[i];
    uint32_t age = lruClock_ - s.stamp;
    if (s.valid && (best < 0 || age > bestAge))
      best = int64_t(i), bestAge = age;
  };
  for (unsigned t = 0; t < 2; ++t) {
    uint64_t base = bucketBase(t, key);
    for (uint32_t w = 0; w < kNicBucketWays; ++w)
      consider(base + w);
  }
  for (uint64_t i = layout_.ways; i < slots_.size(); ++i)
    consider(i);
  return best;
}

int NicMap::update(const Bytes &key, const Bytes &value, uint64_t flags) {
  if (devmap_ && key.size() == layout_.keySize && value.size() == layout_.valueSize)
    return devmapHostUpdate(devmapStore(), key, value, flags);
  return storeUpdate(key, value, flags);
}

int NicMap::storeUpdate(const Bytes &key, const Bytes &value, uint64_t flags) {
  if (key.size() != layout_.keySize || value.size() != layout_.valueSize)
    return -EINVAL;
  // BPF_F_LOCK needs a bpf_spin_lock in the value, which NIC maps never have.
  if (flags > BPF_EXIST)
    return -EINVAL;
  if (lpm_)
    return lpmUpdate(key, value, flags);
  if (!hash_) {  // array_map_update_elem
    uint32_t i = arrayIndex(key);
    if (i >= layout_.maxEntries)
      return -E2BIG;
    if (flags == BPF_NOEXIST)
      return -EEXIST;
    slots_[i].value = value;
    return 0;
  }
  // htab_map_update_elem: check_flags on the old element, then allocation.
  int64_t at = find(key);
  if (at >= 0) {
    if (flags == BPF_NOEXIST)
      return -EEXIST;
    slots_[size_t(at)].value = value;
    use(slots_[size_t(at)]);
    return 0;
  }
  if (flags == BPF_EXIST)
    return -ENOENT;
  if (count_ >= layout_.maxEntries && !lru_)
    return -E2BIG;
  uint64_t b0 = bucketBase(0, key), b1 = bucketBase(1, key);
  uint32_t n0 = occupied(b0), n1 = occupied(b1);
  int64_t dst = -1;
  if (lru_ && count_ >= layout_.maxEntries) {
    // Full: the new key replaces the oldest entry it can see.
    dst = lruVictim(key);
    if (dst < 0) {
      ++collisions_;
      return -E2BIG;
    }
    Slot &s = slots_[size_t(dst)];
    s.key = key;
    s.value = value;
    use(s);
    return 0;
  }
  if (n0 < kNicBucketWays || n1 < kNicBucketWays) {
    uint64_t base = n1 < n0 ? b1 : b0;
    for (uint32_t w = 0; w < kNicBucketWays && dst < 0; ++w)
      if (!slots_[base + w].valid)
        dst = int64_t(base + w);
  } else {
    for (uint64_t i = layout_.ways; i < slots_.size() && dst < 0; ++i)
      if (!slots_[i].valid)
        dst = int64_t(i);
  }
  if (dst < 0 && lru_) {
    // Below max_entries with both buckets and the stash full: an early
    // eviction (the kernel would not evict yet), counted.
    ++collisions_;
    dst = lruVictim(key);
    Slot &s = slots_[size_t(dst)];
    s.key = key;
    s.value = value;
    use(s);
    return 0;
  }
  if (dst < 0) {
    ++collisions_;
    return -E2BIG;
  }
  Slot &s = slots_[size_t(dst)];
  s.valid = true;
  s.key = key;
  s.value = value;
  use(s);
  ++count_;
  return 0;
}

int NicMap::deleteKey(const Bytes &key) {
  if (devmap_ && key.size() == layout_.keySize)
    return devmapHostDelete(devmapStore(), key);
  return storeDelete(key);
}

int NicMap::storeDelete(const Bytes &key) {
  if (key.size() != layout_.keySize)
    return -EINVAL;
  if (lpm_ && lpmPrefixLen(key) > 8 * (layout_.keySize - 4))
    return -EINVAL;  // trie_delete_elem
  if (!hash_ && !lpm_)
    return -EINVAL;
  int64_t i = find(key);
  if (i < 0)
    return -ENOENT;
  slots_[size_t(i)] = Slot{};
  --count_;
  return 0;
}

int NicMap::getNextKey(const Bytes *key, Bytes &next) const {
  if (key && key->size() != layout_.keySize)
    return -EINVAL;
  if (lpm_)
    return lpmGetNextKey(key, next);
  if (!hash_) {  // array_map_get_next_key
    uint32_t n = layout_.maxEntries;
    uint32_t i = key ? arrayIndex(*key) : n;
    if (i >= n) {
      next = slots_[0].key;
      return 0;
    }
    if (i == n - 1)
      return -ENOENT;
    next = slots_[i + 1].key;
    return 0;
  }
  int64_t at = key ? find(*key) : -1;
  for (size_t i = size_t(at + 1); i < slots_.size(); ++i)
    if (slots_[i].valid) {
      next = slots_[i].key;
      return 0;
    }
  return -ENOENT;
}

//===-- LPM tries (lpm_trie.c's host semantics over a prefix CAM) ----------===//

uint32_t NicMap::lpmPrefixLen(const Bytes &key) const {
  uint32_t pl;
  std::memcpy(&pl, key.data(), 4);
  return pl;
}

bool NicMap::lpmSamePrefix(const Bytes &a, const Bytes &b, uint32_t bits) const {
  const uint8_t *x = a.data() + 4, *y = b.data() + 4;
  uint32_t full = bits / 8, rem = bits % 8;
  if (std::memcmp(x, y, full) != 0)
    return false;
  if (rem == 0)
    return true;
  uint8_t mask = uint8_t(0xff00u >> rem);
  return ((x[full] ^ y[full]) & mask) == 0;
}

int64_t NicMap::lpmFind(const Bytes &key) const {
  uint32_t pl = lpmPrefixLen(key);
  for (size_t r = 0; r < slots_.size(); ++r)
    if (slots_[r].valid && lpmPrefixLen(slots_[r].key) == pl && lpmSamePrefix(slots_[r].key, key, pl))
      return int64_t(r);
  return -1;
}

int64_t NicMap::lpmMatch(const Bytes &key) const {
  if (!lpm_ || key.size() != layout_.keySize)
    return -1;
  uint32_t pl = lpmPrefixLen(key);
  if (pl > 8 * (layout_.keySize - 4))
    return -1;  // trie_lookup_elem: no match
  int64_t best = -1;
  uint32_t bestLen = 0;
  for (size_t r = 0; r < slots_.size(); ++r) {
    if (!slots_[r].valid)
      continue;
    uint32_t rl = lpmPrefixLen(slots_[r].key);
    if (rl > pl || (best >= 0 && rl <= bestLen) || !lpmSamePrefix(slots_[r].key, key, rl))
      continue;
    best = int64_t(r);
    bestLen = rl;
  }
  return best;
}

int NicMap::lpmUpdate(const Bytes &key, const Bytes &value, uint64_t flags) {
  // trie_update_elem: flags and prefix length, then an exact match, then room.
  if (lpmPrefixLen(key) > 8 * (layout_.keySize - 4))
    return -EINVAL;
  int64_t at = lpmFind(key);
  if (at >= 0) {
    if (flags == BPF_NOEXIST)
      return -EEXIST;
    slots_[size_t(at)].key = key;  // the new node keeps the new key's bytes
    slots_[size_t(at)].value = value;
    return 0;
  }
  if (flags == BPF_EXIST)
    return -ENOENT;
  if (count_ >= layout_.maxEntries)
    return -ENOSPC;
  for (Slot &s : slots_)
    if (!s.valid) {
      s.valid = true;
      s.key = key;
      s.value = value;
      ++count_;
      return 0;
    }
  return -ENOSPC;  // not reached: max_entries rows hold count_ < max_entries prefixes
}

namespace {
/// The kernel trie's post-order: true when prefix a (length la) comes before
/// b (length lb).
bool lpmBefore(const uint8_t *a, uint32_t la, const uint8_t *b, uint32_t lb) {
  uint32_t lim = std::min(la, lb);
  for (uint32_t i = 0; i < lim; ++i) {
    unsigned x = (a[i / 8] >> (7 - i % 8)) & 1u, y = (b[i / 8] >> (7 - i % 8)) & 1u;
    if (x != y)
      return x < y;
  }
  return la > lb;  // the one inside the other comes first
}
} // namespace

int NicMap::lpmGetNextKey(const Bytes *key, Bytes &next) const {
  int64_t from = -1;
  if (key && lpmPrefixLen(*key) <= 8 * (layout_.keySize - 4))
    from = lpmFind(*key);
  int64_t best = -1;
  for (size_t r = 0; r < slots_.size(); ++r) {
    const Slot &s = slots_[r];
    if (!s.valid || int64_t(r) == from)
      continue;
    if (from >= 0 && !lpmBefore(slots_[size_t(from)].key.data() + 4,
                                lpmPrefixLen(slots_[size_t(from)].key), s.key.data() + 4,
                                lpmPrefixLen(s.key)))
      continue;
    if (best < 0 || lpmBefore(s.key.data() + 4, lpmPrefixLen(s.key),
                              slots_[size_t(best)].key.data() + 4,
                              lpmPrefixLen(slots_[size_t(best)].key)))
      best = int64_t(r);
  }
  if (best < 0)
    return -ENOENT;
  next = slots_[size_t(best)].key;
  return 0;
}

uint32_t NicMap::size() const { return count_; }

uint32_t NicMap::stashUsed() const {
  uint32_t n = 0;
  for (uint64_t i = layout_.ways; i < slots_.size(); ++i)
    n += slots_[i].valid;
  return n;
}

std::vector<uint64_t> NicMap::entryWords(size_t n) const {
  std::vector<uint8_t> b(layout_.entryBytes, 0);
  const Slot &s = slots_[n];
  if (hash_ || lpm_) {
    if (s.valid) {
      uint64_t h = 1 | (lru_ ? uint64_t(s.stamp) << 32 : 0);
      std::memcpy(b.data(), &h, 8);
      std::memcpy(&b[8], s.key.data(), s.key.size());
      std::memcpy(&b[8 + roundUp8(layout_.keySize)], s.value.data(), s.value.size());
    }
  } else {
    std::memcpy(b.data(), s.value.data(), s.value.size());
  }
  std::vector<uint64_t> w(b.size() / 8);
  std::memcpy(w.data(), b.data(), b.size());
  return w;
}

std::vector<MapEntry> NicMap::entries() const {
  std::vector<MapEntry> out;
  out.reserve(count_);
  for (const Slot &s : slots_)
    if (s.valid && !(devmap_ && devmapSlotEmpty(layout_.type, s.value)))
      out.push_back({s.key, s.value});
  std::sort(out.begin(), out.end(),
            [](const MapEntry &a, const MapEntry &b) { return a.key < b.key; });
  return out;
}

//===-- Devmaps (devmap.c's host rules over an array or a hash store) ------===//

DevmapStore NicMap::devmapStore() {
  DevmapStore s;
  s.type = layout_.type, s.maxEntries = layout_.maxEntries, s.valueSize = layout_.valueSize;
  s.lookup = [this](const Bytes &k, Bytes &v) { return storeLookup(k, v); };
  s.update = [this](const Bytes &k, const Bytes &v, uint64_t f) { return storeUpdate(k, v, f); };
  s.remove = [this](const Bytes &k) { return storeDelete(k); };
  return s;
}

bool devmapSlotEmpty(uint32_t type, const Bytes &value) {
  return type == BPF_MAP_TYPE_DEVMAP && value.size() >= 4 &&
         !(value[0] | value[1] | value[2] | value[3]);
}

int devmapHostLookup(const DevmapStore &s, const Bytes &key, Bytes &value) {
  Bytes v;
  int rc = s.lookup(key, v);
  if (rc)
    return rc;
  if (devmapSlotEmpty(s.type, v))
    return -ENOENT;
  value = std::move(v);
  return 0;
}

int devmapHostUpdate(const DevmapStore &s, const Bytes &key, const Bytes &value, uint64_t flags) {
  if (flags > BPF_EXIST)
    return -EINVAL;
  uint32_t ifindex = 0;
  int32_t progFd = -1;  // a 4-byte value names no program
  std::memcpy(&ifindex, value.data(), 4);
  if (s.valueSize >= 8)
    std::memcpy(&progFd, value.data() + 4, 4);
  Bytes stored(s.valueSize, 0);  // {ifindex, prog id 0}
  std::memcpy(stored.data(), &ifindex, 4);
  if (s.type == BPF_MAP_TYPE_DEVMAP) {  // __dev_map_update_elem
    if (arrayIndex(key) >= s.maxEntries)
      return -E2BIG;
    if (flags == BPF_NOEXIST)
      return -EEXIST;
    if (progFd > 0)
      return -EINVAL;  // ifindex 0 with a program, or a program: none on the NIC
    return s.update(key, stored, BPF_ANY);  // ifindex 0: the empty slot
  }
  // __dev_map_hash_update_elem
  if (ifindex == 0)
    return -EINVAL;
  if (progFd > 0) {
    Bytes old;
    return flags == BPF_NOEXIST && s.lookup(key, old) == 0 ? -EEXIST : -EINVAL;
  }
  return s.update(key, stored, flags == BPF_NOEXIST ? BPF_NOEXIST : BPF_ANY);
}

int devmapHostDelete(const DevmapStore &s, const Bytes &key) {
  if (s.type != BPF_MAP_TYPE_DEVMAP)
    return s.remove(key);  // dev_map_hash_delete_elem: -ENOENT when absent
  if (arrayIndex(key) >= s.maxEntries)
    return -EINVAL;  // dev_map_delete_elem
  return s.update(key, Bytes(s.valueSize, 0), BPF_ANY);
}

llvm::Error checkMapArgs(std::string_view engine, const std::string &map, uint32_t keySize,
                         uint32_t valueSize, const Bytes *key, const Bytes *value) {
  if (key && key->size() != keySize)
    return makeErrnoError(EINVAL, "{}: map '{}': key of {} bytes, the map's keys have {}", engine,
                          map, key->size(), keySize);
  if (value && value->size() != valueSize)
    return makeErrnoError(EINVAL, "{}: map '{}': value of {} bytes, the map's values have {}",
                          engine, map, value->size(), valueSize);
  return llvm::Error::success();
}

llvm::Error mapOpResult(std::string_view engine, int rc, const char *what, const std::string &map) {
  if (rc == 0)
    return llvm::Error::success();
  return makeErrnoError(-rc, "{}: {} on map '{}': {}", engine, what, map, std::strerror(-rc));
}

} // namespace sluice
