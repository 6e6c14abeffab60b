//===- InterpMaps.h - The interpreter's maps (internal) -------------------===//
//
// One class per family of BPF map types, each with the kernel's semantics
// for programs (pointers into live values, NULL on a miss, helper error
// codes) and for the host (bpf(2) errors). Values live in slabs of engine
// memory that are registered as regions the program may reach; hash-like
// maps never reuse an element's memory during a run, so a pointer from a
// lookup stays valid for the rest of the run even if the entry goes away,
// as under the kernel's RCU.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sluice/Engine/Engine.h"

namespace sluice::interp {

/// Host memory a program may reach: elements of `size` bytes, one every
/// `stride` bytes, from `lo` to `hi`.
struct Region {
  uintptr_t lo = 0;
  uintptr_t hi = 0;
  uint32_t stride = 0;
  uint32_t size = 0;
  bool writable = true;
};

/// The regions besides packet, stack and context, sorted by address.
class RegionTable {
public:
  void add(const Region &r);
  void remove(uintptr_t lo);
  /// The host address of [a, a+n) if it lies inside one element of one
  /// region (and the region is writable when `write`), else nullptr.
  uint8_t *check(uint64_t a, uint64_t n, bool write) const;

private:
  std::vector<Region> regions_;
  mutable size_t last_ = 0;
};

class Map;

/// What maps need from the engine around them.
struct MapEnv {
  RegionTable *regions = nullptr;
  /// True while a program runs: freed elements are then kept until endRun().
  bool inRun = false;
  /// Every map of the engine, by Object::maps index (map-in-map values).
  std::vector<std::unique_ptr<Map>> *maps = nullptr;
  /// Number of programs of the object (prog-array values).
  uint32_t numPrograms = 0;
  /// Whether program `i` of the object can be tail-called.
  std::vector<bool> *programUsable = nullptr;
};

/// Fixed-size elements in chunks that never move.
class Slab {
public:
  Slab(MapEnv &env, uint32_t valueSize, uint32_t expected, bool writable);
  ~Slab();
  uint32_t alloc();  ///< a zeroed element
  void release(uint32_t slot) { free_.push_back(slot); }
  uint8_t *at(uint32_t slot) const {
    return chunks_[slot >> shift_].get() + size_t(slot & (perChunk_ - 1)) * stride_;
  }
  uint32_t stride() const { return stride_; }

private:
  MapEnv &env_;
  uint32_t size_, stride_, perChunk_, shift_;
  bool writable_;
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
  std::vector<uint32_t> free_;
  uint32_t next_ = 0;
};

struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
using KeyIndex = std::unordered_map<std::string, uint32_t, KeyHash, std::equal_to<>>;

class Map {
public:
  Map(MapEnv &env, const MapDef &def, uint32_t index)
      : env(env), def(def), index(index), type(def.type), keySize(def.key_size),
        valueSize(def.value_size), maxEntries(def.max_entries) {}
  virtual ~Map();

  MapEnv &env;
  const MapDef &def;
  const uint32_t index;
  const uint32_t type, keySize, valueSize, maxEntries;

  // Program side. lookup() returns the live value (nullptr on a miss);
  // update()/erase() return 0 or a negative errno, as the helpers do.
  virtual uint8_t *lookup(const uint8_t *key) { return nullptr; }
  virtual int64_t update(const uint8_t *key, const uint8_t *value, uint64_t flags) {
    return -EINVAL;
  }
  virtual int64_t erase(const uint8_t *key) { return -EINVAL; }

  // Host side, with bpf(2)'s errors (negative errno).
  virtual int hostUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) {
    return int(update(key, value, flags));
  }
  virtual int hostLookup(const uint8_t *key, Bytes &value);
  virtual int hostDelete(const uint8_t *key) { return int(erase(key)); }

  /// Entries sorted by key bytes.
  virtual void dump(std::vector<MapEntry> &out) const {}
  /// The run ended: memory kept alive for it may be reused.
  virtual void endRun() {}
};

/// Creates the map for `def`; nullptr and `why` set if the kernel would
/// refuse to create it.
std::unique_ptr<Map> createMap(MapEnv &env, const MapDef &def, uint32_t index,
                               std::string &why);

// Program-visible structure of a few map types, for the helpers.

/// BPF_MAP_TYPE_PROG_ARRAY: object program index in a slot, or -1.
int32_t progArraySlot(Map &m, uint32_t key);
/// Redirect maps (devmap, devmap-hash, cpumap, xskmap): whether `key` holds
/// a target, as __xdp_redirect_map's lookup sees it.
bool redirectTargetPresent(Map &m, uint32_t key);
/// Map-in-map: the inner map in a slot, or nullptr.
Map *innerMapAt(Map &m, const uint8_t *key);
/// Perf-event arrays: whether the host attached a reader to slot `key`.
bool perfSlotAttached(Map &m, uint32_t key);

/// BPF_MAP_TYPE_RINGBUF with the kernel's space accounting: records take
/// round_up(size + 8, 8) bytes and the producer may run at most
/// max_entries - 1 bytes ahead of the consumer (the engine's event log,
/// which consumes on InterpEngine::takeEvents()).
class RingBufMap : public Map {
public:
  RingBufMap(MapEnv &env, const MapDef &def, uint32_t index);
  ~RingBufMap() override;
  /// A sample of `size` bytes, or nullptr when it does not fit.
  uint8_t *reserve(uint64_t size);
  /// The reserved sample that starts at `p`, or false.
  bool release(const uint8_t *p, Bytes *record);
  bool owns(uint64_t a) const {
    return a >= uintptr_t(data_.get()) && a < uintptr_t(data_.get()) + 2 * uint64_t(maxEntries);
  }
  void consumeAll() { cons_ = prod_; }
  uint64_t availData() const { return prod_ - cons_; }
  uint64_t consPos() const { return cons_; }
  uint64_t prodPos() const { return prod_; }
  void endRun() override;
  int hostLookup(const uint8_t *, Bytes &) override { return -EOPNOTSUPP; }

private:
  std::unique_ptr<uint8_t[]> data_;     // 2 * max_entries: a record never wraps
  uint64_t cons_ = 0, prod_ = 0;
  struct Pending {
    uint64_t pos;
    uint32_t size;
  };
  std::vector<Pending> pending_;
};

} // namespace sluice::interp
