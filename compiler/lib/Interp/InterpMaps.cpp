//===- InterpMaps.cpp - The interpreter's maps ----------------------------===//
//
// Map semantics as in the kernel's kernel/bpf/{arraymap,hashtab,lpm_trie,
// devmap,cpumap,ringbuf}.c and net/xdp/xskmap.c, checked against Linux 6.18
// (see tests/unit/Interp/InterpMapsTest.cpp for the values the kernel gave).
// The one deliberate difference is the LRU policy: exact LRU here, the
// kernel's batched approximation there (see the notes in InterpEngine.cpp).
//
//===----------------------------------------------------------------------===//
#include "InterpMaps.h"

#include <algorithm>
#include <bit>
#include <cerrno>

namespace sluice::interp {

namespace {

constexpr uint32_t kNil = UINT32_MAX;

uint32_t load32(const uint8_t *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

Bytes u32Bytes(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

uint32_t roundUp8(uint32_t n) { return (n + 7) & ~7u; }

bool validFlags(uint64_t flags) { return flags <= BPF_EXIST; }

void sortEntries(std::vector<MapEntry> &out) {
  std::sort(out.begin(), out.end(),
            [](const MapEntry &a, const MapEntry &b) { return a.key < b.key; });
}

} // namespace

//===-- Regions ------------------------------------------------------------===//

void RegionTable::add(const Region &r) {
  auto it = std::lower_bound(regions_.begin(), regions_.end(), r.lo,
                             [](const Region &x, uintptr_t lo) { return x.lo < lo; });
  regions_.insert(it, r);
  last_ = 0;
}

void RegionTable::remove(uintptr_t lo) {
  auto it = std::lower_bound(regions_.begin(), regions_.end(), lo,
                             [](const Region &x, uintptr_t l) { return x.lo < l; });
  if (it != regions_.end() && it->lo == lo)
    regions_.erase(it);
  last_ = 0;
}

uint8_t *RegionTable::check(uint64_t a, uint64_t n, bool write) const {
  const Region *r = nullptr;
  if (last_ < regions_.size() && a >= regions_[last_].lo && a < regions_[last_].hi) {
    r = &regions_[last_];
  } else {
    auto it = std::upper_bound(regions_.begin(), regions_.end(), a,
                               [](uint64_t x, const Region &reg) { return x < reg.lo; });
    if (it == regions_.begin())
      return nullptr;
    --it;
    if (a >= it->hi)
      return nullptr;
    r = &*it;
    last_ = size_t(it - regions_.begin());
  }
  if (write && !r->writable)
    return nullptr;
  uint64_t off = (a - r->lo) % r->stride;
  if (n > r->size || off > r->size - n)
    return nullptr;
  return reinterpret_cast<uint8_t *>(a);
}

//===-- Slab ---------------------------------------------------------------===//

Slab::Slab(MapEnv &env, uint32_t valueSize, uint32_t expected, bool writable)
    : env_(env), size_(valueSize), stride_(std::max(8u, roundUp8(valueSize))),
      writable_(writable) {
  uint32_t want = std::clamp<uint32_t>(expected, 1, 4096);
  perChunk_ = std::bit_ceil(want);
  shift_ = uint32_t(std::countr_zero(perChunk_));
}

Slab::~Slab() {
  for (auto &c : chunks_)
    env_.regions->remove(uintptr_t(c.get()));
}

uint32_t Slab::alloc() {
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = next_++;
    if ((slot >> shift_) >= chunks_.size()) {
      size_t bytes = size_t(perChunk_) * stride_;
      chunks_.emplace_back(new uint8_t[bytes]());
      uintptr_t lo = uintptr_t(chunks_.back().get());
      env_.regions->add({lo, lo + bytes, stride_, size_, writable_});
    }
  }
  std::memset(at(slot), 0, stride_);
  return slot;
}

//===-- Map ----------------------------------------------------------------===//

Map::~Map() = default;

int Map::hostLookup(const uint8_t *key, Bytes &value) {
  uint8_t *p = lookup(key);
  if (!p)
    return -ENOENT;
  value.assign(p, p + valueSize);
  return 0;
}

namespace {

//===-- Arrays (array, percpu-array, global data) --------------------------===//

class ArrayMap : public Map {
public:
  ArrayMap(MapEnv &env, const MapDef &def, uint32_t index)
      : Map(env, def, index),
        slab_(env, def.value_size, def.max_entries,
              !def.readonly && !(def.flags & BPF_F_RDONLY_PROG)),
        frozen_(def.internal && def.readonly) {
    for (uint32_t i = 0; i < maxEntries; ++i)
      slab_.alloc();
    if (!def.initial.empty() && maxEntries > 0)
      std::memcpy(slab_.at(0), def.initial.data(),
                  std::min<size_t>(def.initial.size(), valueSize));
  }

  uint8_t *lookup(const uint8_t *key) override {
    uint32_t i = load32(key);
    return i < maxEntries ? slab_.at(i) : nullptr;
  }
  int64_t update(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    // array_map_update_elem's order of checks.
    if ((flags & ~uint64_t(BPF_F_LOCK)) > BPF_EXIST)
      return -EINVAL;
    uint32_t i = load32(key);
    if (i >= maxEntries)
      return -E2BIG;
    if (flags & BPF_NOEXIST)
      return -EEXIST;
    if (flags & BPF_F_LOCK)
      return -EINVAL;  // no bpf_spin_lock in the value
    std::memmove(slab_.at(i), value, valueSize);
    return 0;
  }
  int64_t erase(const uint8_t *) override { return -EINVAL; }
  int hostUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    if (frozen_)
      return -EPERM;  // libbpf freezes .rodata (BPF_MAP_FREEZE)
    if (flags & BPF_F_LOCK)
      return -EINVAL;
    return int(update(key, value, flags));
  }
  void dump(std::vector<MapEntry> &out) const override {
    out.reserve(maxEntries);
    for (uint32_t i = 0; i < maxEntries; ++i) {
      const uint8_t *p = slab_.at(i);
      out.push_back({u32Bytes(i), Bytes(p, p + valueSize)});
    }
    sortEntries(out);
  }
  uint8_t *base() { return maxEntries ? slab_.at(0) : nullptr; }

private:
  Slab slab_;
  bool frozen_;
};

//===-- Hash maps (hash, percpu-hash, lru-hash, lru-percpu-hash) -----------===//

class HashMap : public Map {
public:
  HashMap(MapEnv &env, const MapDef &def, uint32_t index)
      : Map(env, def, index), slab_(env, def.value_size, def.max_entries, true),
        perCpu_(def.type == BPF_MAP_TYPE_PERCPU_HASH ||
                def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH),
        lru_(def.type == BPF_MAP_TYPE_LRU_HASH || def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
    index_.reserve(std::min<uint32_t>(maxEntries, 1u << 16));
  }

  uint8_t *lookup(const uint8_t *key) override {
    auto it = index_.find(keyView(key));
    if (it == index_.end())
      return nullptr;
    if (lru_)
      touch(it->second);
    return slab_.at(it->second);
  }

  int64_t update(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    if ((flags & ~uint64_t(BPF_F_LOCK)) > BPF_EXIST)
      return -EINVAL;
    if (flags & BPF_F_LOCK)
      return -EINVAL;  // no bpf_spin_lock in the value
    std::string_view k = keyView(key);
    auto it = index_.find(k);
    if (it != index_.end()) {
      if (flags == BPF_NOEXIST)
        return -EEXIST;
      uint32_t old = it->second;
      if (perCpu_) {  // per-CPU values are overwritten in place
        std::memmove(slab_.at(old), value, valueSize);
        if (lru_)
          touch(old);
        return 0;
      }
      // A new element replaces the old one, whose memory stays valid (and
      // unchanged) for pointers the program already holds.
      uint32_t slot = newSlot();
      std::memcpy(slab_.at(slot), value, valueSize);
      keys_[slot] = std::move(keys_[old]);
      it->second = slot;
      if (lru_) {
        unlink(old);
        pushFront(slot);
      }
      retire(old);
      return 0;
    }
    if (flags == BPF_EXIST)
      return -ENOENT;
    if (index_.size() >= maxEntries) {
      if (!lru_ || tail_ == kNil)
        return -E2BIG;
      evict(tail_);
    }
    uint32_t slot = newSlot();
    std::memmove(slab_.at(slot), value, valueSize);
    keys_[slot].assign(k);
    index_.emplace(keys_[slot], slot);
    if (lru_)
      pushFront(slot);
    return 0;
  }

  int64_t erase(const uint8_t *key) override {
    auto it = index_.find(keyView(key));
    if (it == index_.end())
      return -ENOENT;
    uint32_t slot = it->second;
    index_.erase(it);
    if (lru_)
      unlink(slot);
    retire(slot);
    return 0;
  }

  int hostUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    if (flags & BPF_F_LOCK)
      return -EINVAL;
    return int(update(key, value, flags));
  }
  int hostLookup(const uint8_t *key, Bytes &value) override {
    auto it = index_.find(keyView(key));  // no LRU touch, as the syscall
    if (it == index_.end())
      return -ENOENT;
    const uint8_t *p = slab_.at(it->second);
    value.assign(p, p + valueSize);
    return 0;
  }
  void dump(std::vector<MapEntry> &out) const override {
    out.reserve(index_.size());
    for (auto &[k, slot] : index_) {
      const uint8_t *p = slab_.at(slot);
      out.push_back({Bytes(k.begin(), k.end()), Bytes(p, p + valueSize)});
    }
    sortEntries(out);
  }
  void endRun() override {
    for (uint32_t s : deferred_)
      slab_.release(s);
    deferred_.clear();
  }

private:
  std::string_view keyView(const uint8_t *key) const {
    return {reinterpret_cast<const char *>(key), keySize};
  }
  uint32_t newSlot() {
    uint32_t s = slab_.alloc();
    if (s >= keys_.size()) {
      keys_.resize(s + 1);
      prev_.resize(s + 1, kNil);
      next_.resize(s + 1, kNil);
    }
    return s;
  }
  void retire(uint32_t slot) {
    keys_[slot].clear();
    if (env.inRun)
      deferred_.push_back(slot);
    else
      slab_.release(slot);
  }
  void evict(uint32_t slot) {
    index_.erase(keys_[slot]);
    unlink(slot);
    retire(slot);
  }
  void pushFront(uint32_t s) {
    prev_[s] = kNil;
    next_[s] = head_;
    if (head_ != kNil)
      prev_[head_] = s;
    head_ = s;
    if (tail_ == kNil)
      tail_ = s;
  }
  void unlink(uint32_t s) {
    if (prev_[s] != kNil)
      next_[prev_[s]] = next_[s];
    else
      head_ = next_[s];
    if (next_[s] != kNil)
      prev_[next_[s]] = prev_[s];
    else
      tail_ = prev_[s];
    prev_[s] = next_[s] = kNil;
  }
  void touch(uint32_t s) {
    if (head_ == s)
      return;
    unlink(s);
    pushFront(s);
  }

  Slab slab_;
  KeyIndex index_;
  std::vector<std::string> keys_;  // by slot
  std::vector<uint32_t> prev_, next_;
  uint32_t head_ = kNil, tail_ = kNil;  // most / least recently used
  std::vector<uint32_t> deferred_;
  bool perCpu_, lru_;
};

//===-- LPM trie -----------------------------------------------------------===//

// Keys are {u32 prefixlen; u8 data[]}. Entries are indexed by prefix length
// and masked data; a lookup tries the present prefix lengths from the key's
// own down to 0. The stored key keeps the bits past the prefix as the last
// update gave them, which is what the kernel's get_next_key returns.
class LpmTrieMap : public Map {
public:
  LpmTrieMap(MapEnv &env, const MapDef &def, uint32_t index)
      : Map(env, def, index), slab_(env, def.value_size, def.max_entries, true),
        dataSize_(def.key_size - 4), maxPrefix_(dataSize_ * 8), count_(maxPrefix_ + 1, 0) {}

  uint8_t *lookup(const uint8_t *key) override {
    uint32_t pl = load32(key);
    if (pl > maxPrefix_)
      return nullptr;
    for (int64_t l = pl; l >= 0; --l) {
      if (!count_[l])
        continue;
      canon(uint32_t(l), key + 4, scratch_);
      auto it = index_.find(scratch_);
      if (it != index_.end())
        return slab_.at(it->second);
    }
    return nullptr;
  }

  int64_t update(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    // trie_update_elem: flags, prefix length, exact match, then capacity.
    if (flags > BPF_EXIST)
      return -EINVAL;
    uint32_t pl = load32(key);
    if (pl > maxPrefix_)
      return -EINVAL;
    canon(pl, key + 4, scratch_);
    auto it = index_.find(scratch_);
    if (it != index_.end()) {
      if (flags == BPF_NOEXIST)
        return -EEXIST;
      uint32_t slot = newSlot();
      std::memcpy(slab_.at(slot), value, valueSize);
      keys_[slot].assign(reinterpret_cast<const char *>(key), keySize);
      retire(it->second);
      it->second = slot;
      return 0;
    }
    if (flags == BPF_EXIST)
      return -ENOENT;
    if (index_.size() >= maxEntries)
      return -ENOSPC;
    uint32_t slot = newSlot();
    std::memmove(slab_.at(slot), value, valueSize);
    keys_[slot].assign(reinterpret_cast<const char *>(key), keySize);
    index_.emplace(scratch_, slot);
    ++count_[pl];
    return 0;
  }

  int64_t erase(const uint8_t *key) override {
    uint32_t pl = load32(key);
    if (pl > maxPrefix_)
      return -EINVAL;
    canon(pl, key + 4, scratch_);
    auto it = index_.find(scratch_);
    if (it == index_.end())
      return -ENOENT;
    retire(it->second);
    index_.erase(it);
    --count_[pl];
    return 0;
  }

  void dump(std::vector<MapEntry> &out) const override {
    for (auto &[k, slot] : index_) {
      const uint8_t *p = slab_.at(slot);
      const std::string &full = keys_[slot];
      out.push_back({Bytes(full.begin(), full.end()), Bytes(p, p + valueSize)});
    }
    sortEntries(out);
  }
  void endRun() override {
    for (uint32_t s : deferred_)
      slab_.release(s);
    deferred_.clear();
  }

private:
  void canon(uint32_t pl, const uint8_t *data, std::string &out) const {
    out.assign(reinterpret_cast<const char *>(&pl), 4);
    out.append(reinterpret_cast<const char *>(data), dataSize_);
    uint32_t full = pl / 8, rem = pl % 8;
    char *d = out.data() + 4;
    if (full < dataSize_) {
      d[full] = char(uint8_t(d[full]) & uint8_t(0xff00 >> rem));
      for (uint32_t i = full + 1; i < dataSize_; ++i)
        d[i] = 0;
    }
  }
  uint32_t newSlot() {
    uint32_t s = slab_.alloc();
    if (s >= keys_.size())
      keys_.resize(s + 1);
    return s;
  }
  void retire(uint32_t slot) {
    keys_[slot].clear();
    if (env.inRun)
      deferred_.push_back(slot);
    else
      slab_.release(slot);
  }

  Slab slab_;
  uint32_t dataSize_, maxPrefix_;
  std::vector<uint32_t> count_;  // entries per prefix length
  KeyIndex index_;               // canonical key -> slot
  std::vector<std::string> keys_;
  std::vector<uint32_t> deferred_;
  std::string scratch_;
};

//===-- Redirect maps: devmap, cpumap, xskmap (array-like) -----------------===//

// Values as the kernel returns them: devmap {ifindex, prog id}, cpumap
// {qsize, prog id}, xskmap the host's 4 bytes (standing for a socket).
// Programs may look devmap and xskmap entries up (read-only) and redirect
// through all three.
class RedirectArrayMap : public Map {
public:
  RedirectArrayMap(MapEnv &env, const MapDef &def, uint32_t index)
      : Map(env, def, index), slab_(env, def.value_size, def.max_entries, false),
        present_(def.max_entries, false) {
    for (uint32_t i = 0; i < maxEntries; ++i)
      slab_.alloc();
  }

  bool present(uint32_t i) const { return i < maxEntries && present_[i]; }
  uint8_t *lookup(const uint8_t *key) override {
    uint32_t i = load32(key);
    return present(i) ? slab_.at(i) : nullptr;
  }
  int hostUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    if (flags & BPF_F_LOCK)
      return -EINVAL;
    if (!validFlags(flags))
      return -EINVAL;
    uint32_t i = load32(key);
    if (i >= maxEntries)
      return -E2BIG;
    uint32_t first = load32(value);
    int32_t progFd = valueSize >= 8 ? int32_t(load32(value + 4)) : 0;
    switch (type) {
    case BPF_MAP_TYPE_DEVMAP:
      if (flags == BPF_NOEXIST)
        return -EEXIST;  // every slot "exists" (dev_map_update_elem)
      if (progFd > 0)
        return -EINVAL;  // programs attached to devmap entries: not supported
      if (first == 0) {  // ifindex 0 empties the slot
        present_[i] = false;
        return 0;
      }
      break;
    case BPF_MAP_TYPE_CPUMAP:
      if (flags == BPF_NOEXIST)
        return -EEXIST;
      if (first > 16384)
        return -EOVERFLOW;  // qsize sanity limit
      if (progFd > 0)
        return -EINVAL;
      if (first == 0) {  // qsize 0 empties the slot
        present_[i] = false;
        return 0;
      }
      break;
    default:  // xskmap
      if (present_[i] && flags == BPF_NOEXIST)
        return -EEXIST;
      if (!present_[i] && flags == BPF_EXIST)
        return -ENOENT;
      break;
    }
    uint8_t *p = slab_.at(i);
    std::memset(p, 0, valueSize);
    std::memcpy(p, &first, 4);  // the program id field reads 0
    if (type == BPF_MAP_TYPE_XSKMAP)
      std::memcpy(p, value, valueSize);
    present_[i] = true;
    return 0;
  }
  int hostLookup(const uint8_t *key, Bytes &value) override {
    if (type == BPF_MAP_TYPE_XSKMAP)
      return -EOPNOTSUPP;
    return Map::hostLookup(key, value);
  }
  int hostDelete(const uint8_t *key) override {
    uint32_t i = load32(key);
    if (i >= maxEntries)
      return -EINVAL;
    present_[i] = false;
    return 0;
  }
  void dump(std::vector<MapEntry> &out) const override {
    if (type == BPF_MAP_TYPE_XSKMAP)
      return;  // the kernel cannot read xskmap entries back
    for (uint32_t i = 0; i < maxEntries; ++i)
      if (present_[i]) {
        const uint8_t *p = slab_.at(i);
        out.push_back({u32Bytes(i), Bytes(p, p + valueSize)});
      }
    sortEntries(out);
  }

private:
  Slab slab_;
  std::vector<bool> present_;
};

class DevMapHash : public Map {
public:
  DevMapHash(MapEnv &env, const MapDef &def, uint32_t index)
      : Map(env, def, index), slab_(env, def.value_size, def.max_entries, false) {}

  uint8_t *lookup(const uint8_t *key) override {
    auto it = slots_.find(load32(key));
    return it == slots_.end() ? nullptr : slab_.at(it->second);
  }
  int hostUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    if ((flags & BPF_F_LOCK) || !validFlags(flags))
      return -EINVAL;
    uint32_t k = load32(key);
    uint32_t ifindex = load32(value);
    int32_t progFd = valueSize >= 8 ? int32_t(load32(value + 4)) : 0;
    if (ifindex == 0)
      return -EINVAL;  // checked with the flags, before the key (NicDevmapVsKernel)
    auto it = slots_.find(k);
    if (it != slots_.end() && flags == BPF_NOEXIST)
      return -EEXIST;
    if (progFd > 0)
      return -EINVAL;  // device programs not supported
    if (it == slots_.end() && slots_.size() >= maxEntries)
      return -E2BIG;
    uint32_t slot;
    if (it != slots_.end()) {
      slot = it->second;
    } else {
      slot = slab_.alloc();
      slots_[k] = slot;
    }
    uint8_t *p = slab_.at(slot);
    std::memset(p, 0, valueSize);
    std::memcpy(p, &ifindex, 4);
    return 0;
  }
  int hostDelete(const uint8_t *key) override {
    auto it = slots_.find(load32(key));
    if (it == slots_.end())
      return -ENOENT;
    slab_.release(it->second);
    slots_.erase(it);
    return 0;
  }
  void dump(std::vector<MapEntry> &out) const override {
    for (auto &[k, slot] : slots_) {
      const uint8_t *p = slab_.at(slot);
      out.push_back({u32Bytes(k), Bytes(p, p + valueSize)});
    }
    sortEntries(out);
  }

private:
  Slab slab_;
  std::unordered_map<uint32_t, uint32_t> slots_;
};

// bpf_map_meta_equal(): an inner map must match the template.
int innerCompatible(const MapEnv &env, const MapDef &outer, uint32_t v) {
  if (outer.inner < 0 || v >= env.maps->size() || !(*env.maps)[v])
    return -EINVAL;
  const MapDef &tmpl = (*env.maps)[outer.inner]->def;
  const MapDef &in = (*env.maps)[v]->def;
  if (in.type != tmpl.type || in.key_size != tmpl.key_size ||
      in.value_size != tmpl.value_size || in.flags != tmpl.flags ||
      in.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || in.type == BPF_MAP_TYPE_HASH_OF_MAPS ||
      in.type == BPF_MAP_TYPE_PROG_ARRAY ||
      (!(tmpl.flags & BPF_F_INNER_MAP) && in.max_entries != tmpl.max_entries))
    return -EINVAL;
  return 0;
}

//===-- File-descriptor arrays: prog-array, perf-event-array, array-of-maps ===//

// The kernel's fd arrays take BPF_ANY only, answer E2BIG past the end for
// update and delete, and ENOENT for an empty slot.
class FdArrayMap : public Map {
public:
  FdArrayMap(MapEnv &env, const MapDef &def, uint32_t index)
      // A perf-event-array of 0 entries is sized by libbpf to the number of
      // CPUs: one here.
      : Map(env, def, index),
        slots_(def.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !def.max_entries ? 1
                                                                               : def.max_entries,
               -1) {}

  int32_t slot(uint32_t i) const { return i < slots_.size() ? slots_[i] : -1; }

  int hostUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    if (flags != BPF_ANY)
      return -EINVAL;
    uint32_t i = load32(key);
    if (i >= slots_.size())
      return -E2BIG;
    uint32_t v = load32(value);
    if (int err = accept(v))
      return err;
    slots_[i] = int32_t(v);
    return 0;
  }
  int hostLookup(const uint8_t *key, Bytes &value) override {
    if (type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
      return -EOPNOTSUPP;
    uint32_t i = load32(key);
    if (slot(i) < 0)
      return -ENOENT;
    value = u32Bytes(uint32_t(slots_[i]));
    return 0;
  }
  int hostDelete(const uint8_t *key) override {
    uint32_t i = load32(key);
    if (i >= slots_.size())
      return -E2BIG;
    if (slots_[i] < 0)
      return -ENOENT;
    slots_[i] = -1;
    return 0;
  }
  uint8_t *lookup(const uint8_t *key) override {
    // Only array-of-maps lookups reach here (the helper checks the type):
    // the "value" is the inner map itself.
    int32_t s = slot(load32(key));
    if (s < 0 || type != BPF_MAP_TYPE_ARRAY_OF_MAPS)
      return nullptr;
    return reinterpret_cast<uint8_t *>((*env.maps)[s].get());
  }

private:
  int accept(uint32_t v) const {
    switch (type) {
    case BPF_MAP_TYPE_PROG_ARRAY:
      if (v >= env.numPrograms || !(*env.programUsable)[v])
        return -EINVAL;
      return 0;
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
      return innerCompatible(env, def, v);
    default:  // perf-event-array: any value attaches the engine as reader
      return 0;
    }
  }

private:
  std::vector<int32_t> slots_;
};

class HashOfMaps : public Map {
public:
  HashOfMaps(MapEnv &env, const MapDef &def, uint32_t index) : Map(env, def, index) {}

  uint8_t *lookup(const uint8_t *key) override {
    auto it = index_.find(std::string_view(reinterpret_cast<const char *>(key), keySize));
    if (it == index_.end())
      return nullptr;
    return reinterpret_cast<uint8_t *>((*env.maps)[it->second].get());
  }
  int hostUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) override {
    if (!validFlags(flags))
      return -EINVAL;
    std::string_view k(reinterpret_cast<const char *>(key), keySize);
    uint32_t v = load32(value);
    if (int err = innerCompatible(env, def, v))
      return err;
    auto it = index_.find(k);
    if (it != index_.end() && flags == BPF_NOEXIST)
      return -EEXIST;
    if (it == index_.end() && flags == BPF_EXIST)
      return -ENOENT;
    if (it == index_.end() && index_.size() >= maxEntries)
      return -E2BIG;
    index_[std::string(k)] = v;
    return 0;
  }
  int hostLookup(const uint8_t *key, Bytes &value) override {
    auto it = index_.find(std::string_view(reinterpret_cast<const char *>(key), keySize));
    if (it == index_.end())
      return -ENOENT;
    value = u32Bytes(it->second);
    return 0;
  }
  int hostDelete(const uint8_t *key) override {
    auto it = index_.find(std::string_view(reinterpret_cast<const char *>(key), keySize));
    if (it == index_.end())
      return -ENOENT;
    index_.erase(it);
    return 0;
  }
  int64_t erase(const uint8_t *key) override { return hostDelete(key); }

private:
  KeyIndex index_;
};

} // namespace

//===-- Ring buffer --------------------------------------------------------===//

RingBufMap::RingBufMap(MapEnv &env, const MapDef &def, uint32_t index)
    : Map(env, def, index), data_(new uint8_t[2 * size_t(def.max_entries)]()) {
  uintptr_t lo = uintptr_t(data_.get());
  uint32_t n = 2 * def.max_entries;
  env.regions->add({lo, lo + n, n, n, true});
}

RingBufMap::~RingBufMap() { env.regions->remove(uintptr_t(data_.get())); }

uint8_t *RingBufMap::reserve(uint64_t size) {
  constexpr uint64_t kHdr = 8;  // BPF_RINGBUF_HDR_SZ
  if (size > UINT32_MAX / 4)    // RINGBUF_MAX_RECORD_SZ
    return nullptr;
  uint64_t len = (size + kHdr + 7) & ~uint64_t(7);
  uint64_t mask = uint64_t(maxEntries) - 1;
  if (len > maxEntries || prod_ + len - cons_ > mask)
    return nullptr;
  uint64_t pos = prod_;
  prod_ += len;
  pending_.push_back({pos, uint32_t(size)});
  uint8_t *p = data_.get() + (pos & mask) + kHdr;
  std::memset(p, 0, size);
  return p;
}

bool RingBufMap::release(const uint8_t *p, Bytes *record) {
  uint64_t mask = uint64_t(maxEntries) - 1;
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (data_.get() + (pending_[i].pos & mask) + 8 != p)
      continue;
    if (record)
      record->assign(p, p + pending_[i].size);
    pending_.erase(pending_.begin() + i);
    return true;
  }
  return false;
}

void RingBufMap::endRun() { pending_.clear(); }

//===-- Helpers on map families --------------------------------------------===//

int32_t progArraySlot(Map &m, uint32_t key) {
  return static_cast<FdArrayMap &>(m).slot(key);
}

bool perfSlotAttached(Map &m, uint32_t key) {
  return static_cast<FdArrayMap &>(m).slot(key) >= 0;
}

bool redirectTargetPresent(Map &m, uint32_t key) {
  if (m.type == BPF_MAP_TYPE_DEVMAP_HASH)
    return m.lookup(reinterpret_cast<const uint8_t *>(&key)) != nullptr;
  return static_cast<RedirectArrayMap &>(m).present(key);
}

Map *innerMapAt(Map &m, const uint8_t *key) {
  return reinterpret_cast<Map *>(m.lookup(key));
}

//===-- Creation -----------------------------------------------------------===//

std::unique_ptr<Map> createMap(MapEnv &env, const MapDef &def, uint32_t index,
                               std::string &why) {
  auto need = [&](bool ok, const char *what) {
    if (!ok)
      why = what;
    return ok;
  };
  if (def.type != BPF_MAP_TYPE_RINGBUF && def.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
      !need(def.max_entries > 0, "max_entries must not be 0"))
    return nullptr;
  switch (def.type) {
  case BPF_MAP_TYPE_ARRAY:
  case BPF_MAP_TYPE_PERCPU_ARRAY:
    if (!need(def.key_size == 4 && def.value_size > 0, "array maps need 4-byte keys and a value"))
      return nullptr;
    return std::make_unique<ArrayMap>(env, def, index);
  case BPF_MAP_TYPE_HASH:
  case BPF_MAP_TYPE_PERCPU_HASH:
  case BPF_MAP_TYPE_LRU_HASH:
  case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    if (!need(def.key_size > 0 && def.value_size > 0, "hash maps need a key and a value"))
      return nullptr;
    return std::make_unique<HashMap>(env, def, index);
  case BPF_MAP_TYPE_LPM_TRIE:
    if (!need(def.flags & BPF_F_NO_PREALLOC, "LPM tries need BPF_F_NO_PREALLOC") ||
        !need(def.key_size > 4 && def.key_size <= 4 + 256 && def.value_size > 0,
              "LPM trie keys are 4 bytes of prefix length and 1 to 256 data bytes"))
      return nullptr;
    return std::make_unique<LpmTrieMap>(env, def, index);
  case BPF_MAP_TYPE_DEVMAP:
  case BPF_MAP_TYPE_CPUMAP:
    if (!need(def.key_size == 4 && (def.value_size == 4 || def.value_size == 8),
              "devmap/cpumap need 4-byte keys and 4- or 8-byte values"))
      return nullptr;
    return std::make_unique<RedirectArrayMap>(env, def, index);
  case BPF_MAP_TYPE_XSKMAP:
    if (!need(def.key_size == 4 && def.value_size == 4, "xskmap needs 4-byte keys and values"))
      return nullptr;
    return std::make_unique<RedirectArrayMap>(env, def, index);
  case BPF_MAP_TYPE_DEVMAP_HASH:
    if (!need(def.key_size == 4 && (def.value_size == 4 || def.value_size == 8),
              "devmap-hash needs 4-byte keys and 4- or 8-byte values"))
      return nullptr;
    return std::make_unique<DevMapHash>(env, def, index);
  case BPF_MAP_TYPE_PROG_ARRAY:
  case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
  case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    if (!need(def.key_size == 4 && def.value_size == 4,
              "fd arrays need 4-byte keys and values"))
      return nullptr;
    if (def.type == BPF_MAP_TYPE_ARRAY_OF_MAPS && !need(def.inner >= 0, "no inner map template"))
      return nullptr;
    return std::make_unique<FdArrayMap>(env, def, index);
  case BPF_MAP_TYPE_HASH_OF_MAPS:
    if (!need(def.value_size == 4 && def.key_size > 0 && def.inner >= 0,
              "hash-of-maps needs a key, 4-byte values and an inner map template"))
      return nullptr;
    return std::make_unique<HashOfMaps>(env, def, index);
  case BPF_MAP_TYPE_RINGBUF:
    if (!need(def.key_size == 0 && def.value_size == 0 && def.max_entries >= 4096 &&
                  std::has_single_bit(def.max_entries) && def.max_entries % 4096 == 0,
              "ring buffers need no key or value and a power-of-2 multiple of the page size"))
      return nullptr;
    return std::make_unique<RingBufMap>(env, def, index);
  default:
    why = "map type not supported by the interpreter";
    return nullptr;
  }
}

} // namespace sluice::interp
