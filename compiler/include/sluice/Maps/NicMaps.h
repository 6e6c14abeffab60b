//===- sluice/Maps/NicMaps.h - Maps as the NIC stores them -----------------===//
//
// The map store shared by the model, the rtl harness and the DPDK driver
// (docs/maps-design.md, step 1): the NIC's memory layout of each map, computed
// from the datapath parameters, and the maps themselves with the layout's
// placement rules and the kernel's host-side return codes (bpf(2): negative
// errno, 0 on success).
//
// Types the datapath runs today: ARRAY, PERCPU_ARRAY, HASH, PERCPU_HASH and
// LPM_TRIE (lookups only, in the map unit's CAM: docs/maps-design.md "LPM
// tries, step 2"). Per-CPU maps have one instance on the NIC; the host sees
// it as CPU 0's value.
//
// Arrays: row i holds the value of index i (little-endian u32 key).
//
// Hash maps: d-left hashing. Two sub-tables (0 = left, 1 = right) of
// `buckets` buckets each, every bucket 4 ways, so 8 * buckets >= 2 *
// max_entries ways in all, plus a stash of kStashEntries entries (a CAM).
// The hash functions, which the RTL implements bit for bit:
//
//   h0 = CRC-32  (reflected polynomial 0xEDB88320, init 0xFFFFFFFF, final
//                 xor 0xFFFFFFFF: zlib's crc32) of the key bytes in order
//   h1 = CRC-32C (reflected polynomial 0x82F63B78, same init and final xor)
//   bucket_t = (uint64(h_t) * buckets) >> 32        (t = 0, 1)
//
// A key lives in at most one place: bucket_0, bucket_1 or the stash. An
// insert of a new key goes to the bucket with fewer occupied ways (ties: the
// left sub-table), into its lowest free way; if both buckets are full, into
// the lowest free stash entry; if the stash is full too, the insert fails
// with -E2BIG and collisions() counts it (map_insert_collision: a NIC limit,
// never silent). A delete frees the way; nothing moves. -E2BIG for
// max_entries elements is checked first, as the kernel does, and is not a
// collision.
//
// LRU hash maps (LRU_HASH, LRU_PERCPU_HASH: docs/maps-design.md "LRU hash
// maps") have the hash layout and placement, plus a 32-bit recency stamp
// per entry (bits 63:32 of its header word). A map's use clock starts at 0;
// every use of an entry gives it the clock's value as its stamp and
// advances the clock by one (mod 2^32). Uses: a lookup that finds it
// (lookupUse: datapath and host lookups alike; the plain const lookup() is
// not a use), an update of it, its insertion. An entry's age is
// (clock - stamp) mod 2^32. An insert of a new key evicts when the map holds
// max_entries elements, or when its two buckets and the stash are full:
// the victim is the oldest valid entry among the key's 8 ways (bucket 0's
// ways, then bucket 1's) and the 8 stash entries (ties: the first in that
// order), and the new key takes the victim's place. Evictions below
// max_entries (both buckets and the stash full) and an insert at
// max_entries that finds none of the 16 valid (then -E2BIG, nothing
// inserted) count in collisions().
//
// getNextKey walks sub-table 0 bucket by bucket (ways in order), then
// sub-table 1, then the stash: the NIC's order, like the kernel's walk in
// bucket order. A key that is absent (or none) gives the first key.
//
// LPM tries: a prefix CAM of max_entries rows, laid out as hash entries
// (header word with the valid bit, the key {u32 prefixlen; data} as the
// last update gave it, bits past the prefix included, then the value). A
// new prefix takes the lowest free row; replacing a prefix keeps its row.
// A lookup matches every valid row whose prefix length is at most the
// key's and whose first prefixlen bits (network order: byte 0's MSB first)
// equal the key's, and takes the longest: prefixes of one length that
// match one key are equal, so the longest match is unique and a priority
// by length (not by row) finds it. Host return codes as the kernel's
// lpm_trie.c: -EINVAL for prefixlen > 8 * data bytes or flags >
// BPF_EXIST, -EEXIST / -ENOENT for the flags, -ENOSPC when max_entries
// prefixes exist. getNextKey follows the kernel's post-order walk of the
// trie: of two prefixes, the one inside the other comes first; otherwise
// the one with a 0 at the first bit where they differ. An absent key (or
// none, or an invalid prefix length) gives the first prefix.
//
// Devmaps (bpf_redirect_map's egress ports; docs/maps-design.md
// "bpf_redirect_map over devmaps"): a DEVMAP is an array whose empty slot
// holds ifindex (value word 0) 0, a DEVMAP_HASH a hash map; both hold
// {ifindex} or {ifindex, 0} (the kernel's bpf_devmap_val with no program).
// The host sees the kernel's rules (devmap.c), applied over the store by
// devmapHostLookup/Update/Delete for NicMap and the map port alike.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <linux/bpf.h>
#include <string>
#include <string_view>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Engine/Engine.h"
#include "sluice/Object/Object.h"
#include "sluice/Target/TargetParams.h"

namespace sluice {

/// Where and how a map sits in the NIC's map memory.
struct NicMapLayout {
  std::string name;
  uint32_t type = 0;
  uint32_t keySize = 0, valueSize = 0, maxEntries = 0;
  /// Bytes of one entry: arrays round_up(value, 8); hash maps a header word
  /// (valid bit) + round_up(key, 8) + round_up(value, 8).
  uint32_t entryBytes = 0;
  /// Arrays: max_entries rows of one entry. Hash maps: 2 * buckets rows
  /// (sub-table 0's buckets, then sub-table 1's) of 4 entries.
  uint64_t rows = 0;
  /// Entries in the rows: arrays max_entries, hash maps 8 * buckets.
  uint64_t ways = 0;
  uint32_t buckets = 0;       ///< hash maps: buckets per sub-table
  uint32_t stashEntries = 0;  ///< hash maps: kStashEntries
  uint64_t bytes = 0;         ///< rows and stash
  uint64_t offset = 0;        ///< byte offset in the map memory (planMaps)
};

constexpr uint32_t kNicBucketWays = 4;
constexpr uint32_t kNicStashEntries = 8;

/// True for the map types the datapath runs (today: array, percpu-array,
/// hash, percpu-hash, and LPM tries: lookups only, in the map unit's CAM).
bool nicStoresMapType(uint32_t type);
/// Success if the datapath runs maps of this type; else "map 'm': type t
/// is not stored on the NIC yet (stored: ...)" (a map bound to a stage).
llvm::Error checkDatapathMapType(const std::string &name, uint32_t type);
/// Success unless `def` is an LPM trie over the map unit's CAM: max_entries
/// over maps.lpm_rows, key data over lpm_data_bytes, a value over
/// lpm_value_bytes (each message names the map, the need and the limit).
llvm::Error checkLpmCam(const MapDef &def, const TargetParams &p);
/// True for the map types with a NIC layout and NicMap's host semantics:
/// those of nicStoresMapType() and LPM_TRIE.
bool nicMapHasLayout(uint32_t type);

/// DEVMAP and DEVMAP_HASH: stored as an array and a hash map, read by the
/// datapath through bpf_redirect_map only.
bool nicIsDevmap(uint32_t type);
/// A devmap's shape and its store's raw operations (the map unit's array
/// or hash semantics: NicMap's, or the map port's), under the kernel's
/// devmap host rules below.
struct DevmapStore {
  uint32_t type = 0, maxEntries = 0, valueSize = 0;
  std::function<int(const Bytes &key, Bytes &value)> lookup;
  std::function<int(const Bytes &key, const Bytes &value, uint64_t flags)> update;
  std::function<int(const Bytes &key)> remove;
};
/// True when a stored devmap value is no entry: a DEVMAP slot of ifindex 0.
bool devmapSlotEmpty(uint32_t type, const Bytes &value);
/// dev_map_lookup_elem from the host: -ENOENT for an empty DEVMAP slot.
int devmapHostLookup(const DevmapStore &s, const Bytes &key, Bytes &value);
/// dev_map_update_elem / dev_map_hash_update_elem: -EINVAL for flags over
/// BPF_EXIST; DEVMAP: -E2BIG past the end, -EEXIST for BPF_NOEXIST (every
/// slot exists), ifindex 0 empties the slot; DEVMAP_HASH: -EINVAL for
/// ifindex 0, -EEXIST for BPF_NOEXIST on a present key, BPF_EXIST inserts
/// as BPF_ANY, -E2BIG when full. A program fd (> 0) in an 8-byte value is
/// -EINVAL (no programs run on devmap entries on the NIC); the value stored
/// is {ifindex, 0}. The NIC does not check that the ifindex exists.
int devmapHostUpdate(const DevmapStore &s, const Bytes &key, const Bytes &value, uint64_t flags);
/// dev_map_delete_elem (DEVMAP: -EINVAL past the end, else the slot
/// emptied, 0) / dev_map_hash_delete_elem (-ENOENT when absent).
int devmapHostDelete(const DevmapStore &s, const Bytes &key);

/// The layout of one map; an Error if its type is not stored or its key or
/// value is over the parameters' limits.
llvm::Expected<NicMapLayout> nicMapLayout(const MapDef &def, const TargetParams &p);

/// Layouts for a program's maps, placed one after another in the map memory.
/// An Error names the first map that does not fit ("map 'm' does not fit in
/// the NIC's map memory: it needs N bytes, M of T are left"), is over a
/// size limit, or is one map too many.
llvm::Expected<std::vector<NicMapLayout>> planMaps(const std::vector<MapDef> &maps,
                                                   const TargetParams &p);

/// The map memory of one map stage (ISA v2: each map stage has its own):
/// floor(memory_bytes / number of map stages / 64) * 64 bytes.
uint64_t mapStageMemoryBytes(const TargetParams &p);

/// Layouts for a program's maps bound to map stages: stageOf[i] is the map
/// stage of map i or -1 (the datapath never touches it). The maps of one
/// stage are placed one after another in that stage's memory, in map order;
/// offsets are per stage. An unbound map gets its layout at offset 0 (or,
/// for a type the NIC does not store, a layout of 0 bytes). Errors: more
/// than max_maps maps; a map bound to a stage without the map unit ("map 'm'
/// is bound to stage 3, which has no map unit (map stages: 1, 5, 9)"); a bound
/// map whose type is not stored or over a size limit (nicMapLayout's
/// message); a map that does not fit ("map 'm' does not fit in the map
/// memory of stage 5: it needs N bytes, M of T are left").
llvm::Expected<std::vector<NicMapLayout>> planStageMaps(const std::vector<MapDef> &maps,
                                                        const std::vector<int> &stageOf,
                                                        const TargetParams &p);

/// The hash functions of the header comment.
uint32_t nicHash0(const uint8_t *key, size_t n);  ///< CRC-32
uint32_t nicHash1(const uint8_t *key, size_t n);  ///< CRC-32C

/// One map with the NIC's layout and the kernel's host semantics.
class NicMap {
public:
  /// `layout` from nicMapLayout/planMaps for `def`. Global data (`initial`)
  /// is copied into index 0.
  NicMap(const MapDef &def, NicMapLayout layout);
  static llvm::Expected<NicMap> create(const MapDef &def, const TargetParams &p);

  const NicMapLayout &layout() const { return layout_; }
  bool isHash() const { return hash_; }
  bool isLpm() const { return lpm_; }
  bool isDevmap() const { return devmap_; }
  bool isLru() const { return lru_; }

  // Host operations: 0 or a negative errno, as bpf(2).
  /// -ENOENT when absent (arrays: index >= max_entries).
  int lookup(const Bytes &key, Bytes &value) const;
  /// lookup() and, for LRU maps, a use of the entry found (its stamp): what
  /// the map unit's LOOKUP does.
  int lookupUse(const Bytes &key, Bytes &value);
  /// Replaces the value of the present `key` without a use (a transaction's
  /// RMWs on the entry its lookup found); -ENOENT when absent.
  int setValue(const Bytes &key, const Bytes &value);
  /// flags: BPF_ANY, BPF_NOEXIST, BPF_EXIST; anything else -EINVAL. Arrays:
  /// -E2BIG past the end, -EEXIST for BPF_NOEXIST. Hash maps: -EEXIST,
  /// -ENOENT, -E2BIG (full, or a collision: see collisions()).
  int update(const Bytes &key, const Bytes &value, uint64_t flags = BPF_ANY);
  /// Arrays: -EINVAL. Hash maps: -ENOENT when absent.
  int deleteKey(const Bytes &key);
  /// `key` null or absent: the first key. -ENOENT after the last key (or
  /// when empty).
  int getNextKey(const Bytes *key, Bytes &next) const;

  /// Elements present (arrays: max_entries).
  uint32_t size() const;
  /// LPM tries: the row the longest prefix matching `key` is in, or -1
  /// (what the map unit's CAM computes); the key's prefix length bounds
  /// the match, as the kernel's lookup.
  int64_t lpmMatch(const Bytes &key) const;
  /// Inserts refused because both buckets and the stash were full.
  uint64_t collisions() const { return collisions_; }
  /// Elements in the stash now (hash maps).
  uint32_t stashUsed() const;
  /// Entry `n` (NicMap's slot order: arrays by index; hash maps the ways,
  /// then the stash) as the map unit's memory holds it, 64-bit words:
  /// arrays the value; hash maps the header (bit 0 valid; LRU maps the stamp
  /// in bits 63:32), the key, the value, zero padded; a free way all zeros.
  std::vector<uint64_t> entryWords(size_t n) const;
  /// LRU maps: the use clock (the next stamp).
  uint32_t lruClock() const { return lruClock_; }
  /// Every entry, sorted by key bytes.
  std::vector<MapEntry> entries() const;

private:
  /// The store under a devmap's host rules (the raw operations below).
  DevmapStore devmapStore();
  int storeLookup(const Bytes &key, Bytes &value) const;
  int storeUpdate(const Bytes &key, const Bytes &value, uint64_t flags);
  int storeDelete(const Bytes &key);
  struct Slot {
    bool valid = false;
    Bytes key, value;
    uint32_t stamp = 0;  ///< LRU maps: the clock at the entry's last use
  };
  void use(Slot &s) {
    if (lru_)
      s.stamp = lruClock_++;
  }
  /// LRU maps: the slot an insert of `key` evicts (the oldest valid of its
  /// 8 ways and the stash), or -1 when none is valid.
  int64_t lruVictim(const Bytes &key) const;
  /// Index into slots_ of `key` (hash maps; LPM tries: the row holding
  /// exactly this prefix), or -1.
  int64_t find(const Bytes &key) const;
  int64_t lpmFind(const Bytes &key) const;
  int lpmUpdate(const Bytes &key, const Bytes &value, uint64_t flags);
  int lpmGetNextKey(const Bytes *key, Bytes &next) const;
  uint32_t lpmPrefixLen(const Bytes &key) const;
  /// True when the first `bits` bits of the data of keys a and b are equal.
  bool lpmSamePrefix(const Bytes &a, const Bytes &b, uint32_t bits) const;
  uint64_t bucketBase(unsigned table, const Bytes &key) const;
  uint32_t occupied(uint64_t base) const;

  NicMapLayout layout_;
  bool hash_ = false;
  bool lpm_ = false;
  bool devmap_ = false;
  bool lru_ = false;
  uint32_t lruClock_ = 0;
  /// Arrays: max_entries values. Hash maps: 8 * buckets ways (sub-table 0,
  /// then 1, bucket by bucket), then the stash. LPM tries: max_entries rows.
  std::vector<Slot> slots_;
  uint32_t count_ = 0;
  uint64_t collisions_ = 0;
};

/// What the engines that hold NIC maps (model, rtl) say for the Engine map
/// API, one wording for both: `engine` prefixes every message.
/// A key or value of the wrong size: EINVAL, "<engine>: map 'm': key of N
/// bytes, the map's keys have K" (value likewise); success otherwise.
llvm::Error checkMapArgs(std::string_view engine, const std::string &map, uint32_t keySize,
                         uint32_t valueSize, const Bytes *key, const Bytes *value);
/// A host operation's return code (0 or -errno) as an Error carrying the
/// errno: "<engine>: <what> on map 'm': <strerror>".
llvm::Error mapOpResult(std::string_view engine, int rc, const char *what, const std::string &map);
/// libbpf freezes .rodata after load (BPF_MAP_FREEZE): a global-data map the
/// program may not write is read-only for the host too (EPERM).
inline bool frozenForHost(uint32_t mapFlags, bool globalData) {
  return globalData && (mapFlags & BPF_F_RDONLY_PROG);
}

} // namespace sluice
