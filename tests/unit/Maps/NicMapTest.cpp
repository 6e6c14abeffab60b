//===- NicMapTest.cpp - The NIC's map store against the kernel -------------===//
//
// planMaps' layouts and messages; NicMap's placement (stash, collisions);
// and the same host operations on NicMap and on a kernel map created with
// bpf_map_create giving the same return codes and the same final contents.
//
//===----------------------------------------------------------------------===//

#include "sluice/Maps/NicMaps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "../TestSupport.h"

using namespace sluice;

namespace {

MapDef def(const std::string &name, uint32_t type, uint32_t k, uint32_t v, uint32_t n) {
  MapDef d;
  d.name = name;
  d.type = type;
  d.key_size = k;
  d.value_size = v;
  d.max_entries = n;
  return d;
}

std::string errText(llvm::Error e) { return llvm::toString(std::move(e)); }

Bytes u32Key(uint32_t i) {
  Bytes b(4);
  std::memcpy(b.data(), &i, 4);
  return b;
}

//===-- planMaps ------------------------------------------------------------===//

TEST(PlanMaps, FitsAndPlacesMapsOneAfterAnother) {
  const TargetParams &p = TargetParams::defaults();
  auto plan = planMaps({def("flows", BPF_MAP_TYPE_HASH, 8, 16, 1024),
                        def("stats", BPF_MAP_TYPE_ARRAY, 4, 12, 100),
                        def("pc", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 5)},
                       p);
  ASSERT_TRUE(bool(plan)) << errText(plan.takeError());
  ASSERT_EQ(plan->size(), 3u);
  const NicMapLayout &h = (*plan)[0];
  EXPECT_EQ(h.entryBytes, 32u);  // header 8 + key 8 + value 16
  EXPECT_EQ(h.buckets, 256u);
  EXPECT_EQ(h.rows, 512u);
  EXPECT_EQ(h.ways, 2048u);      // 2 x max_entries
  EXPECT_EQ(h.stashEntries, kNicStashEntries);
  EXPECT_EQ(h.bytes, (2048u + 8u) * 32u);
  EXPECT_EQ(h.offset, 0u);
  const NicMapLayout &a = (*plan)[1];
  EXPECT_EQ(a.entryBytes, 16u);
  EXPECT_EQ(a.rows, 100u);
  EXPECT_EQ(a.ways, 100u);
  EXPECT_EQ(a.bytes, 1600u);
  EXPECT_EQ(a.offset, h.bytes);
  const NicMapLayout &c = (*plan)[2];
  EXPECT_EQ(c.buckets, 2u);  // ceil(5 / 4)
  EXPECT_EQ(c.ways, 16u);
  EXPECT_EQ(c.bytes, (16u + 8u) * 24u);
  EXPECT_EQ(c.offset, h.bytes + a.bytes);
}

TEST(PlanMaps, MapThatDoesNotFitIsNamedWithBytesNeededAndLeft) {
  const TargetParams &p = TargetParams::defaults();
  ASSERT_EQ(p.mapMemoryBytes, 4194304u);
  auto plan = planMaps({def("big_array", BPF_MAP_TYPE_ARRAY, 4, 8, 262144),
                        def("flows", BPF_MAP_TYPE_HASH, 4, 8, 100000)},
                       p);
  ASSERT_FALSE(bool(plan));
  // flows: (200000 ways + 8 stash) x (8 + 8 + 8) bytes; big_array took 2 MiB.
  EXPECT_EQ(errText(plan.takeError()),
            "map 'flows' does not fit in the NIC's map memory: it needs 4800192 bytes, "
            "2097152 of 4194304 are left");
}

TEST(PlanMaps, SizeLimitsAndMapCount) {
  const TargetParams &p = TargetParams::defaults();
  auto k = planMaps({def("k", BPF_MAP_TYPE_HASH, 65, 4, 8)}, p);
  ASSERT_FALSE(bool(k));
  EXPECT_EQ(errText(k.takeError()),
            "map 'k': key of 65 bytes is over the NIC's limit of 64 bytes (max_key_bytes)");
  auto v = planMaps({def("v", BPF_MAP_TYPE_ARRAY, 4, 257, 8)}, p);
  ASSERT_FALSE(bool(v));
  EXPECT_EQ(errText(v.takeError()),
            "map 'v': value of 257 bytes is over the NIC's limit of 256 bytes (max_value_bytes)");
  std::vector<MapDef> nine;
  for (int i = 0; i < 9; ++i)
    nine.push_back(def("m" + std::to_string(i), BPF_MAP_TYPE_ARRAY, 4, 4, 1));
  auto n = planMaps(nine, p);
  ASSERT_FALSE(bool(n));
  EXPECT_EQ(errText(n.takeError()), "9 maps, the NIC holds at most 8 (max_maps)");
  auto t = planMaps({def("cpus", BPF_MAP_TYPE_CPUMAP, 4, 4, 8)}, p);
  ASSERT_FALSE(bool(t));
  EXPECT_EQ(errText(t.takeError()), "map 'cpus': type cpumap is not stored on the NIC yet "
                                    "(stored: array, percpu_array, hash, percpu_hash, lru_hash, lru_percpu_hash, "
                                    "lpm_trie, devmap, devmap_hash)");
}

//===-- NicMap on its own ---------------------------------------------------===//

//===-- planStageMaps: one memory per map stage (ISA v2) --------------------===//

TEST(PlanStageMaps, EachMapStageHasItsShareOfTheMemory) {
  const TargetParams &p = TargetParams::defaults();
  // 4 MiB over the 5 map stages of the default datapath, rounded down to 64.
  EXPECT_EQ(mapStageMemoryBytes(p), 838848u);
  std::vector<MapDef> maps = {def("a", BPF_MAP_TYPE_ARRAY, 4, 12, 10),
                              def("h", BPF_MAP_TYPE_HASH, 8, 16, 64),
                              def("b", BPF_MAP_TYPE_ARRAY, 4, 8, 4),
                              def("cpus", BPF_MAP_TYPE_CPUMAP, 4, 4, 4)};
  auto l = planStageMaps(maps, {5, 1, 5, -1}, p);
  ASSERT_TRUE(bool(l)) << errText(l.takeError());
  ASSERT_EQ(l->size(), 4u);
  EXPECT_EQ((*l)[0].offset, 0u);             // first in stage 5
  EXPECT_EQ((*l)[0].bytes, 160u);            // 10 rows of 16 bytes
  EXPECT_EQ((*l)[1].offset, 0u);             // alone in stage 1
  EXPECT_EQ((*l)[2].offset, 160u);           // after 'a' in stage 5
  EXPECT_EQ((*l)[3].bytes, 0u);              // unbound, not stored: no memory
  EXPECT_EQ((*l)[3].name, "cpus");
}

TEST(PlanStageMaps, RefusalsNameTheMapAndTheStage) {
  const TargetParams &p = TargetParams::defaults();
  // 838848 bytes per stage: 26,000 hash entries of 8 + 8 + 24 bytes need
  // (2 * 6500 * 4 + 8) * 40 = 2,080,320 bytes.
  std::vector<MapDef> big = {def("flows", BPF_MAP_TYPE_HASH, 8, 24, 26000)};
  auto l = planStageMaps(big, {9}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "map 'flows' does not fit in the map memory of stage 9: it "
                                    "needs 2080320 bytes, 838848 of 838848 are left");
  // Two maps that fit alone but not together in one stage; fine in two.
  std::vector<MapDef> two = {def("x", BPF_MAP_TYPE_ARRAY, 4, 8, 60000),
                             def("y", BPF_MAP_TYPE_ARRAY, 4, 8, 60000)};
  auto ok = planStageMaps(two, {1, 5}, p);
  EXPECT_TRUE(bool(ok)) << errText(ok.takeError());
  l = planStageMaps(two, {1, 1}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "map 'y' does not fit in the map memory of stage 1: it needs "
                                    "480000 bytes, 358848 of 838848 are left");
  l = planStageMaps(two, {1, 2}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "map 'y' is bound to stage 2, which has no map unit (map "
                                    "stages: 1, 5, 9, 13, 17)");
  std::vector<MapDef> lpm = {def("routes", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16)};
  EXPECT_TRUE(bool(planStageMaps(lpm, {5}, p)));   // in stage 5's CAM
  EXPECT_TRUE(bool(planStageMaps(lpm, {-1}, p)));  // unbound: the host keeps it
  // only stage 5's map unit has a CAM on the default datapath (maps.lpm_stages)
  l = planStageMaps(lpm, {1}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "LPM trie 'routes' is bound to stage 1, whose map unit has no "
                                    "LPM CAM (maps.lpm_stages: 5)");
  lpm.push_back(def("more", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16));
  l = planStageMaps(lpm, {5, 5}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "LPM tries 'routes' and 'more' are both bound to stage 5: a "
                                    "map unit's CAM holds one LPM trie");
  l = planStageMaps(lpm, {5, 9}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "LPM trie 'more' is bound to stage 9, whose map unit has no "
                                    "LPM CAM (maps.lpm_stages: 5)");
  lpm = {def("fib", BPF_MAP_TYPE_LPM_TRIE, 20, 4, 257)};
  l = planStageMaps(lpm, {5}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "LPM trie 'fib' has max_entries 257, the map unit's CAM holds "
                                    "256 rows (maps.lpm_rows): lower max_entries");
  std::vector<MapDef> lru = {def("q", BPF_MAP_TYPE_RINGBUF, 4, 4, 16)};
  l = planStageMaps(lru, {1}, p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "map 'q': type ringbuf is not stored on the NIC yet "
                                    "(stored: array, percpu_array, hash, percpu_hash, lru_hash, lru_percpu_hash, "
                                    "lpm_trie, devmap, devmap_hash)");
  std::vector<MapDef> nine(9, def("m", BPF_MAP_TYPE_ARRAY, 4, 4, 1));
  l = planStageMaps(nine, std::vector<int>(9, -1), p);
  ASSERT_FALSE(bool(l));
  EXPECT_EQ(errText(l.takeError()), "9 maps, the NIC holds at most 8 (max_maps)");
}

TEST(NicMap, HashFunctionsAreCrc32AndCrc32c) {
  const char *s = "123456789";  // the CRC catalogue's check input
  EXPECT_EQ(nicHash0(reinterpret_cast<const uint8_t *>(s), 9), 0xCBF43926u);
  EXPECT_EQ(nicHash1(reinterpret_cast<const uint8_t *>(s), 9), 0xE3069283u);
}

TEST(NicMap, FullBucketsGoToTheStashThenCountACollision) {
  auto m = NicMap::create(def("h", BPF_MAP_TYPE_HASH, 4, 4, 64), TargetParams::defaults());
  ASSERT_TRUE(bool(m)) << errText(m.takeError());
  uint32_t buckets = m->layout().buckets;
  ASSERT_EQ(buckets, 16u);
  // Keys whose buckets are 0 in both sub-tables.
  std::vector<Bytes> same;
  for (uint32_t i = 0; same.size() < 17; ++i) {
    Bytes k = u32Key(i);
    if (((uint64_t(nicHash0(k.data(), 4)) * buckets) >> 32) == 0 &&
        ((uint64_t(nicHash1(k.data(), 4)) * buckets) >> 32) == 0)
      same.push_back(k);
  }
  for (size_t i = 0; i < 16; ++i)
    ASSERT_EQ(m->update(same[i], u32Key(uint32_t(i)), BPF_NOEXIST), 0) << i;
  EXPECT_EQ(m->stashUsed(), 8u);
  EXPECT_EQ(m->collisions(), 0u);
  EXPECT_EQ(m->update(same[16], u32Key(16), BPF_ANY), -E2BIG);  // 16 of 64: a NIC limit
  EXPECT_EQ(m->collisions(), 1u);
  EXPECT_EQ(m->size(), 16u);
  // Everything is still found, walked once, and replaceable in place.
  Bytes v;
  for (size_t i = 0; i < 16; ++i) {
    ASSERT_EQ(m->lookup(same[i], v), 0);
    EXPECT_EQ(v, u32Key(uint32_t(i)));
  }
  EXPECT_EQ(m->update(same[15], u32Key(99), BPF_EXIST), 0);  // a stash entry
  std::set<Bytes> walked;
  Bytes cur, next;
  const Bytes *at = nullptr;
  while (m->getNextKey(at, next) == 0) {
    EXPECT_TRUE(walked.insert(next).second);
    cur = next;
    at = &cur;
  }
  EXPECT_EQ(walked.size(), 16u);
  // A delete frees a way: the refused key now fits.
  EXPECT_EQ(m->deleteKey(same[0]), 0);
  EXPECT_EQ(m->update(same[16], u32Key(16), BPF_NOEXIST), 0);
  EXPECT_EQ(m->collisions(), 1u);
}

TEST(NicMap, GlobalDataStartsWithItsImage) {
  MapDef d = def("obj.data", BPF_MAP_TYPE_ARRAY, 4, 8, 1);
  d.initial = {1, 2, 3, 4, 5, 6, 7, 8};
  auto m = NicMap::create(d, TargetParams::defaults());
  ASSERT_TRUE(bool(m)) << errText(m.takeError());
  Bytes v;
  ASSERT_EQ(m->lookup(u32Key(0), v), 0);
  EXPECT_EQ(v, d.initial);
}

//===-- NicMap against the kernel -------------------------------------------===//

/// A kernel map through bpf(2), with NicMap's interface (per-CPU maps: the
/// value is written to every CPU and CPU 0's is read, as KernelEngine does).
struct KernelMap {
  int fd = -1;
  uint32_t keySize, valueSize;
  bool perCpu;
  size_t ncpus = 1;

  KernelMap(const MapDef &d) : keySize(d.key_size), valueSize(d.value_size) {
    perCpu = d.type == BPF_MAP_TYPE_PERCPU_ARRAY || d.type == BPF_MAP_TYPE_PERCPU_HASH;
    if (perCpu)
      ncpus = size_t(libbpf_num_possible_cpus());
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = d.flags);
    fd = bpf_map_create(bpf_map_type(d.type), nullptr, d.key_size, d.value_size,
                        d.max_entries, &opts);
  }
  ~KernelMap() {
    if (fd >= 0)
      close(fd);
  }
  size_t stride() const { return perCpu ? (valueSize + 7) & ~7u : valueSize; }
  static int rc(int r) { return r < 0 ? -errno : 0; }

  int lookup(const Bytes &key, Bytes &value) const {
    Bytes raw(stride() * ncpus);
    int r = rc(bpf_map_lookup_elem(fd, key.data(), raw.data()));
    if (r == 0)
      value.assign(raw.begin(), raw.begin() + valueSize);
    return r;
  }
  int update(const Bytes &key, const Bytes &value, uint64_t flags) {
    Bytes raw(stride() * ncpus, 0);
    for (size_t c = 0; c < ncpus; ++c)
      std::memcpy(raw.data() + c * stride(), value.data(), valueSize);
    return rc(bpf_map_update_elem(fd, key.data(), raw.data(), flags));
  }
  int deleteKey(const Bytes &key) { return rc(bpf_map_delete_elem(fd, key.data())); }
  int getNextKey(const Bytes *key, Bytes &next) const {
    next.assign(keySize, 0);
    return rc(bpf_map_get_next_key(fd, key ? key->data() : nullptr, next.data()));
  }
  std::vector<MapEntry> entries() const {
    std::vector<MapEntry> out;
    Bytes cur, next;
    const Bytes *at = nullptr;
    while (getNextKey(at, next) == 0) {
      Bytes v;
      if (lookup(next, v) == 0)
        out.push_back({next, v});
      cur = next;
      at = &cur;
    }
    std::sort(out.begin(), out.end(),
              [](const MapEntry &a, const MapEntry &b) { return a.key < b.key; });
    return out;
  }
};

Bytes randomBytes(std::mt19937 &rng, size_t n) {
  Bytes v(n);
  for (auto &x : v)
    x = uint8_t(rng());
  return v;
}

/// The update flags the random operations draw from: the valid ones (BPF_ANY
/// twice as often) and two the kernel refuses (3, BPF_F_LOCK on a map
/// without a spin lock).
constexpr uint64_t kFlagChoices[] = {BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_ANY, 3, BPF_F_LOCK};

template <class M> std::vector<Bytes> walk(const M &m, int &endRc) {
  std::vector<Bytes> keys;
  Bytes cur, next;
  const Bytes *at = nullptr;
  while ((endRc = m.getNextKey(at, next)) == 0 && keys.size() < 1000000) {
    keys.push_back(next);
    cur = next;
    at = &cur;
  }
  return keys;
}

struct Case {
  const char *name;
  uint32_t type, keySize, valueSize, maxEntries;
};

class NicMapVsKernel : public ::testing::TestWithParam<Case> {};

TEST_P(NicMapVsKernel, SameReturnCodesAndContents) {
  const Case &c = GetParam();
  MapDef d = def(c.name, c.type, c.keySize, c.valueSize, c.maxEntries);
  KernelMap k(d);
  if (sluice::testing::kernelMissing(
          "NicMapVsKernel", k.fd < 0 ? std::string("bpf_map_create: ") + std::strerror(errno) : ""))
    GTEST_SKIP() << "kernel maps unavailable";
  auto nm = NicMap::create(d, TargetParams::defaults());
  ASSERT_TRUE(bool(nm)) << errText(nm.takeError());
  NicMap &n = *nm;
  bool hash = n.isHash();

  std::mt19937 rng(0x5eed0000u + c.type * 131 + c.keySize);
  // Keys: arrays a little past max_entries; hash maps 3 x max_entries keys.
  uint32_t space = hash ? 3 * c.maxEntries : c.maxEntries + 4;
  auto keyOf = [&](uint32_t i) {
    Bytes b(c.keySize, 0);
    for (uint32_t j = 0; j < c.keySize; ++j)
      b[j] = uint8_t((i * 2654435761u) >> (8 * (j % 4))) ^ uint8_t(j * 17);
    std::memcpy(b.data(), &i, std::min<uint32_t>(4, c.keySize));
    return b;
  };
  auto randValue = [&] { return randomBytes(rng, c.valueSize); };
  int ops = 0;
  auto step = [&](const std::string &what, int rn, int rk) {
    ++ops;
    ASSERT_EQ(rn, rk) << what << " (op " << ops << "): NicMap " << rn << ", kernel " << rk
                      << (n.collisions() ? " -- NicMap counted a collision (a NIC limit)" : "");
  };

  // Random operations.
  for (int i = 0; i < 3000; ++i) {
    uint32_t ki = rng() % space;
    Bytes key = keyOf(ki);
    unsigned op = rng() % 10;
    if (op < 5) {
      uint64_t fl = kFlagChoices[rng() % 6];
      Bytes v = randValue();
      ASSERT_NO_FATAL_FAILURE(step("update key " + std::to_string(ki) + " flags " +
                                       std::to_string(fl),
                                   n.update(key, v, fl), k.update(key, v, fl)));
    } else if (op < 7) {
      ASSERT_NO_FATAL_FAILURE(step("delete key " + std::to_string(ki), n.deleteKey(key),
                                   k.deleteKey(key)));
    } else if (op < 9) {
      Bytes vn, vk;
      int rn = n.lookup(key, vn), rk = k.lookup(key, vk);
      ASSERT_NO_FATAL_FAILURE(step("lookup key " + std::to_string(ki), rn, rk));
      if (rn == 0) {
        ASSERT_EQ(vn, vk) << "lookup key " << ki;
      }
    } else {
      // get_next_key: for arrays the order is the kernel's; for hash maps
      // the order differs, so compare whether a next key exists from none.
      Bytes nn, nk;
      if (!hash) {
        int rn = n.getNextKey(&key, nn), rk = k.getNextKey(&key, nk);
        ASSERT_NO_FATAL_FAILURE(step("get_next_key " + std::to_string(ki), rn, rk));
        if (rn == 0) {
          ASSERT_EQ(nn, nk);
        }
      } else {
        ASSERT_NO_FATAL_FAILURE(
            step("get_next_key(NULL)", n.getNextKey(nullptr, nn), k.getNextKey(nullptr, nk)));
      }
    }
  }
  EXPECT_EQ(n.entries(), k.entries()) << "contents after the random operations";

  // Walks visit every key once and end with -ENOENT.
  int endN = 0, endK = 0;
  auto wn = walk(n, endN), wk = walk(k, endK);
  EXPECT_EQ(endN, -ENOENT);
  EXPECT_EQ(endK, -ENOENT);
  EXPECT_EQ(std::set<Bytes>(wn.begin(), wn.end()).size(), wn.size());
  EXPECT_EQ(std::set<Bytes>(wn.begin(), wn.end()), std::set<Bytes>(wk.begin(), wk.end()));
  if (!hash) {
    EXPECT_EQ(wn, wk);
  }

  if (hash) {
    // Empty it, fill to max_entries and one more.
    for (const Bytes &key : wk)
      ASSERT_NO_FATAL_FAILURE(step("empty", n.deleteKey(key), k.deleteKey(key)));
    Bytes nn, nk;
    ASSERT_NO_FATAL_FAILURE(
        step("get_next_key on empty", n.getNextKey(nullptr, nn), k.getNextKey(nullptr, nk)));
    for (uint32_t i = 0; i < c.maxEntries; ++i) {
      Bytes key = keyOf(i), v = randValue();
      uint64_t fl = i % 2 ? BPF_NOEXIST : BPF_ANY;
      ASSERT_NO_FATAL_FAILURE(step("fill " + std::to_string(i), n.update(key, v, fl),
                                   k.update(key, v, fl)));
    }
    EXPECT_EQ(n.size(), c.maxEntries);
    Bytes extra = keyOf(c.maxEntries), v = randValue();
    for (uint64_t fl : {BPF_ANY, BPF_NOEXIST, BPF_EXIST})
      ASSERT_NO_FATAL_FAILURE(step("one more, flags " + std::to_string(fl),
                                   n.update(extra, v, fl), k.update(extra, v, fl)));
    // Replacing an existing key works on a full map; a delete makes room.
    ASSERT_NO_FATAL_FAILURE(
        step("replace in full map", n.update(keyOf(3), v, BPF_EXIST), k.update(keyOf(3), v, BPF_EXIST)));
    ASSERT_NO_FATAL_FAILURE(step("replace in full map (any)", n.update(keyOf(4), v, BPF_ANY),
                                 k.update(keyOf(4), v, BPF_ANY)));
    ASSERT_NO_FATAL_FAILURE(step("delete in full map", n.deleteKey(keyOf(5)), k.deleteKey(keyOf(5))));
    ASSERT_NO_FATAL_FAILURE(step("insert after delete", n.update(extra, v, BPF_NOEXIST),
                                 k.update(extra, v, BPF_NOEXIST)));
    ASSERT_NO_FATAL_FAILURE(
        step("one more again", n.update(keyOf(5), v, BPF_ANY), k.update(keyOf(5), v, BPF_ANY)));
    EXPECT_EQ(n.collisions(), 0u) << "NicMap refused inserts below max_entries (a NIC limit)";
  }
  EXPECT_EQ(n.entries(), k.entries()) << "final contents";
  std::printf("%s: %d operations, %u entries at the end, %u in the stash, %llu collisions\n",
              c.name, ops, n.size(), n.stashUsed(), (unsigned long long)n.collisions());
}

INSTANTIATE_TEST_SUITE_P(
    NicMap, NicMapVsKernel,
    ::testing::Values(Case{"array", BPF_MAP_TYPE_ARRAY, 4, 12, 64},
                      Case{"percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 32},
                      Case{"hash", BPF_MAP_TYPE_HASH, 8, 16, 256},
                      Case{"hash_odd", BPF_MAP_TYPE_HASH, 13, 5, 100},
                      Case{"percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 64}),
    [](const ::testing::TestParamInfo<Case> &i) { return std::string(i.param.name); });

} // namespace

//===-- LPM tries against the kernel ----------------------------------------===//

namespace {

struct LpmCase {
  const char *name;
  uint32_t dataBytes, valueSize, maxEntries;
};

class NicLpmVsKernel : public ::testing::TestWithParam<LpmCase> {};

// Random updates, deletes, lookups and get_next_key on a NicMap LPM trie and
// on a kernel LPM trie: the same return codes, the same values, the same
// walk order (the kernel's post-order), then a full trie's -ENOSPC.
TEST_P(NicLpmVsKernel, SameReturnCodesValuesAndWalkOrder) {
  const LpmCase &c = GetParam();
  MapDef d = def(c.name, BPF_MAP_TYPE_LPM_TRIE, 4 + c.dataBytes, c.valueSize, c.maxEntries);
  d.flags = BPF_F_NO_PREALLOC;  // the kernel's LPM tries require it
  KernelMap k(d);
  if (sluice::testing::kernelMissing(
          "NicLpmVsKernel", k.fd < 0 ? std::string("bpf_map_create: ") + std::strerror(errno) : ""))
    GTEST_SKIP() << "kernel maps unavailable";
  auto nm = NicMap::create(d, TargetParams::defaults());
  ASSERT_TRUE(bool(nm)) << errText(nm.takeError());
  NicMap &n = *nm;
  ASSERT_TRUE(n.isLpm());
  EXPECT_TRUE(nicStoresMapType(BPF_MAP_TYPE_LPM_TRIE)) << "the datapath runs LPM lookups";

  const uint32_t maxPrefix = 8 * c.dataBytes;
  std::mt19937 rng(0x1b3u + c.dataBytes);
  // A few base addresses, so prefixes nest, collide and share branches.
  std::vector<Bytes> bases(6, Bytes(c.dataBytes));
  for (auto &b : bases)
    for (auto &x : b)
      x = uint8_t(rng());
  auto keyOf = [&](uint32_t pl, bool noise) {
    Bytes k(4 + c.dataBytes);
    std::memcpy(k.data(), &pl, 4);
    const Bytes &b = bases[rng() % bases.size()];
    for (uint32_t j = 0; j < c.dataBytes; ++j)
      k[4 + j] = b[j] ^ (noise ? uint8_t(rng() & rng() & rng()) : 0);
    return k;
  };
  auto randLen = [&] {
    uint32_t r = rng() % 20;
    return r == 0 ? maxPrefix + 1 + rng() % 8 : rng() % (maxPrefix + 1);
  };
  auto randValue = [&] { return randomBytes(rng, c.valueSize); };
  int ops = 0;
  auto step = [&](const std::string &what, int rn, int rk) {
    ++ops;
    ASSERT_EQ(rn, rk) << what << " (op " << ops << "): NicMap " << rn << ", kernel " << rk;
  };
  auto hex = [](const Bytes &b) {
    std::string s;
    char buf[4];
    for (uint8_t x : b) {
      std::snprintf(buf, sizeof buf, "%02x", x);
      s += buf;
    }
    return s;
  };

  for (int i = 0; i < 4000; ++i) {
    unsigned op = rng() % 10;
    if (op < 4) {
      Bytes key = keyOf(randLen(), rng() % 2), v = randValue();
      uint64_t fl = kFlagChoices[rng() % 6];
      ASSERT_NO_FATAL_FAILURE(step("update " + hex(key) + " flags " + std::to_string(fl),
                                   n.update(key, v, fl), k.update(key, v, fl)));
    } else if (op < 6) {
      Bytes key = keyOf(randLen(), rng() % 2);
      ASSERT_NO_FATAL_FAILURE(step("delete " + hex(key), n.deleteKey(key), k.deleteKey(key)));
    } else if (op < 9) {
      // Lookups mostly at full length, as programs do, from an address near a base.
      uint32_t pl = rng() % 3 ? maxPrefix : randLen();
      Bytes key = keyOf(pl, true), vn, vk;
      int rn = n.lookup(key, vn), rk = k.lookup(key, vk);
      ASSERT_NO_FATAL_FAILURE(step("lookup " + hex(key), rn, rk));
      if (rn == 0) {
        ASSERT_EQ(vn, vk) << "lookup " << hex(key);
      }
    } else {
      Bytes key = keyOf(randLen(), rng() % 2), nn, nk;
      int rn = n.getNextKey(&key, nn), rk = k.getNextKey(&key, nk);
      ASSERT_NO_FATAL_FAILURE(step("get_next_key " + hex(key), rn, rk));
      if (rn == 0) {
        ASSERT_EQ(hex(nn), hex(nk)) << "get_next_key " << hex(key);
      }
    }
  }
  EXPECT_EQ(n.entries(), k.entries()) << "contents after the random operations";
  int endN = 0, endK = 0;
  auto wn = walk(n, endN), wk = walk(k, endK);
  EXPECT_EQ(endN, -ENOENT);
  EXPECT_EQ(endK, -ENOENT);
  EXPECT_EQ(wn, wk) << "the walk follows the kernel's post-order";
  EXPECT_GT(wn.size(), 3u) << "the random operations left too few prefixes to test the walk";

  // Fill to max_entries with distinct prefixes, then one more: -ENOSPC.
  for (const Bytes &key : wk)
    ASSERT_NO_FATAL_FAILURE(step("empty", n.deleteKey(key), k.deleteKey(key)));
  for (uint32_t i = 0; i < c.maxEntries; ++i) {
    Bytes key(4 + c.dataBytes, 0);
    uint32_t pl = maxPrefix;
    std::memcpy(key.data(), &pl, 4);
    std::memcpy(key.data() + 4, &i, std::min<uint32_t>(4, c.dataBytes));
    Bytes v = randValue();
    ASSERT_NO_FATAL_FAILURE(step("fill " + std::to_string(i), n.update(key, v, BPF_NOEXIST),
                                 k.update(key, v, BPF_NOEXIST)));
  }
  Bytes extra = keyOf(maxPrefix / 2, false), v = randValue();
  for (uint64_t fl : {BPF_ANY, BPF_NOEXIST, BPF_EXIST})
    ASSERT_NO_FATAL_FAILURE(step("one more, flags " + std::to_string(fl), n.update(extra, v, fl),
                                 k.update(extra, v, fl)));
  EXPECT_EQ(n.entries(), k.entries()) << "final contents";
  std::printf("%s: %d operations, %zu prefixes walked\n", c.name, ops, wn.size());
}

INSTANTIATE_TEST_SUITE_P(NicMap, NicLpmVsKernel,
                         ::testing::Values(LpmCase{"ipv4", 4, 12, 64}, LpmCase{"ipv6", 16, 8, 48},
                                           LpmCase{"one_byte", 1, 4, 16}),
                         [](const ::testing::TestParamInfo<LpmCase> &i) {
                           return std::string(i.param.name);
                         });

TEST(NicMap, LpmLayoutIsAPrefixCamOfMaxEntriesRows) {
  MapDef d = def("routes", BPF_MAP_TYPE_LPM_TRIE, 8, 16, 256);
  auto l = nicMapLayout(d, TargetParams::defaults());
  ASSERT_TRUE(bool(l)) << errText(l.takeError());
  EXPECT_EQ(l->entryBytes, 8u + 8u + 16u);
  EXPECT_EQ(l->rows, 256u);
  EXPECT_EQ(l->bytes, 256u * 32u);
  EXPECT_EQ(errText(nicMapLayout(def("bad", BPF_MAP_TYPE_LPM_TRIE, 4, 8, 8),
                                 TargetParams::defaults())
                        .takeError()),
            "map 'bad': an LPM trie's key is 4 bytes of prefix length and 1 to 256 data bytes, "
            "not 4 bytes");
}

} // namespace

//===-- Devmaps against the kernel ------------------------------------------===//

namespace {

struct DevmapCase {
  const char *name;
  uint32_t type, valueSize, maxEntries;
};

class NicDevmapVsKernel : public ::testing::TestWithParam<DevmapCase> {};

// Random updates, deletes, lookups and get_next_key on a NicMap devmap and a
// kernel devmap (devmap.c's host rules: ifindex 0, BPF_NOEXIST / BPF_EXIST,
// a program fd in an 8-byte value, past the end, full): the same return
// codes, values and contents. Entries name ifindex 1 (the loopback device,
// which the kernel needs to exist) or 0.
TEST_P(NicDevmapVsKernel, SameReturnCodesAndContents) {
  const DevmapCase &c = GetParam();
  MapDef d = def(c.name, c.type, 4, c.valueSize, c.maxEntries);
  KernelMap k(d);
  if (sluice::testing::kernelMissing("NicDevmapVsKernel",
                                     k.fd < 0 ? std::string("bpf_map_create: ") +
                                                    std::strerror(errno)
                                              : ""))
    GTEST_SKIP() << "kernel maps unavailable";
  auto nm = NicMap::create(d, TargetParams::defaults());
  ASSERT_TRUE(bool(nm)) << errText(nm.takeError());
  NicMap &n = *nm;
  ASSERT_TRUE(n.isDevmap());
  std::mt19937 rng(0xdefa0000u + c.type * 7 + c.valueSize);
  auto value = [&] {
    Bytes v(c.valueSize, 0);
    v[0] = rng() % 3 ? 1 : 0;  // ifindex 1 or 0
    if (c.valueSize == 8) {
      // no program (0 or -1), or an fd that is no XDP program (> 0)
      int32_t fd = std::array<int32_t, 4>{0, -1, 0, 1000}[rng() % 4];
      std::memcpy(v.data() + 4, &fd, 4);
    }
    return v;
  };
  int ops = 0;
  auto step = [&](const std::string &what, int rn, int rk) {
    ++ops;
    ASSERT_EQ(rn, rk) << what << " (op " << ops << "): NicMap " << rn << ", kernel " << rk;
  };
  // the rules' order on a present key: ifindex 0 with BPF_NOEXIST, a
  // program with BPF_NOEXIST
  {
    Bytes one(c.valueSize, 0), zero(c.valueSize, 0), prog(c.valueSize, 0);
    one[0] = prog[0] = 1;
    if (c.valueSize == 8)
      prog[4] = 7;  // fd 7: no XDP program
    ASSERT_NO_FATAL_FAILURE(step("insert", n.update(u32Key(1), one, BPF_ANY),
                                 k.update(u32Key(1), one, BPF_ANY)));
    ASSERT_NO_FATAL_FAILURE(step("ifindex 0, BPF_NOEXIST", n.update(u32Key(1), zero, BPF_NOEXIST),
                                 k.update(u32Key(1), zero, BPF_NOEXIST)));
    ASSERT_NO_FATAL_FAILURE(step("program, BPF_NOEXIST", n.update(u32Key(1), prog, BPF_NOEXIST),
                                 k.update(u32Key(1), prog, BPF_NOEXIST)));
    ASSERT_NO_FATAL_FAILURE(step("program, absent", n.update(u32Key(2), prog, BPF_NOEXIST),
                                 k.update(u32Key(2), prog, BPF_NOEXIST)));
    ASSERT_NO_FATAL_FAILURE(step("BPF_EXIST, absent", n.update(u32Key(3), one, BPF_EXIST),
                                 k.update(u32Key(3), one, BPF_EXIST)));
  }
  const uint64_t flagChoices[] = {BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_ANY, 3};
  for (int i = 0; i < 2000; ++i) {
    uint32_t ki = rng() % (c.maxEntries + 4);
    Bytes key = u32Key(ki);
    unsigned op = rng() % 10;
    if (op < 5) {
      uint64_t fl = flagChoices[rng() % 5];
      Bytes v = value();
      ASSERT_NO_FATAL_FAILURE(step("update key " + std::to_string(ki) + " flags " +
                                       std::to_string(fl) + " ifindex " + std::to_string(v[0]),
                                   n.update(key, v, fl), k.update(key, v, fl)));
    } else if (op < 7) {
      ASSERT_NO_FATAL_FAILURE(step("delete key " + std::to_string(ki), n.deleteKey(key),
                                   k.deleteKey(key)));
    } else if (op < 9) {
      Bytes vn, vk;
      int rn = n.lookup(key, vn), rk = k.lookup(key, vk);
      ASSERT_NO_FATAL_FAILURE(step("lookup key " + std::to_string(ki), rn, rk));
      if (rn == 0) {
        ASSERT_EQ(vn, vk) << "lookup key " << ki;
      }
    } else if (c.type == BPF_MAP_TYPE_DEVMAP) {
      Bytes nn, nk;
      int rn = n.getNextKey(&key, nn), rk = k.getNextKey(&key, nk);
      ASSERT_NO_FATAL_FAILURE(step("get_next_key " + std::to_string(ki), rn, rk));
      if (rn == 0) {
        ASSERT_EQ(nn, nk);
      }
    } else {
      Bytes nn, nk;
      ASSERT_NO_FATAL_FAILURE(
          step("get_next_key(NULL)", n.getNextKey(nullptr, nn), k.getNextKey(nullptr, nk)));
    }
  }
  EXPECT_EQ(n.entries(), k.entries()) << "contents after the random operations";
  int endN = 0, endK = 0;
  auto wn = walk(n, endN), wk = walk(k, endK);
  EXPECT_EQ(endN, endK);
  EXPECT_EQ(std::set<Bytes>(wn.begin(), wn.end()), std::set<Bytes>(wk.begin(), wk.end()));
  if (c.type == BPF_MAP_TYPE_DEVMAP_HASH) {
    // full: one more key is -E2BIG, whatever the flags; a present one is replaced
    Bytes one(c.valueSize, 0);
    one[0] = 1;
    for (uint32_t i = 0; i < c.maxEntries + 4; ++i)
      ASSERT_NO_FATAL_FAILURE(step("fill " + std::to_string(i), n.update(u32Key(i), one, BPF_ANY),
                                   k.update(u32Key(i), one, BPF_ANY)));
    for (uint64_t fl : {BPF_ANY, BPF_NOEXIST, BPF_EXIST}) {
      ASSERT_NO_FATAL_FAILURE(step("one more, flags " + std::to_string(fl),
                                   n.update(u32Key(1000), one, fl), k.update(u32Key(1000), one, fl)));
      ASSERT_NO_FATAL_FAILURE(step("present, flags " + std::to_string(fl),
                                   n.update(u32Key(2), one, fl), k.update(u32Key(2), one, fl)));
    }
  }
  EXPECT_EQ(n.entries(), k.entries()) << "final contents";
  std::printf("%s: %d operations, %zu entries at the end\n", c.name, ops, n.entries().size());
}

INSTANTIATE_TEST_SUITE_P(
    NicMap, NicDevmapVsKernel,
    ::testing::Values(DevmapCase{"devmap", BPF_MAP_TYPE_DEVMAP, 4, 16},
                      DevmapCase{"devmap_prog", BPF_MAP_TYPE_DEVMAP, 8, 16},
                      DevmapCase{"devmap_hash", BPF_MAP_TYPE_DEVMAP_HASH, 4, 16},
                      DevmapCase{"devmap_hash_prog", BPF_MAP_TYPE_DEVMAP_HASH, 8, 16}),
    [](const ::testing::TestParamInfo<DevmapCase> &i) { return std::string(i.param.name); });

} // namespace
