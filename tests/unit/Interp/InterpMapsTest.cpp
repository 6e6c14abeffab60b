//===- InterpMapsTest.cpp - Map types of interp, host and program side ----===//
//
// Every map type: the host API's errors (bpf(2) semantics), what programs
// see, dumps, LRU eviction and LPM longest-prefix match. Errno values in
// tests without SKIP_ON_KERNEL() are what Linux 6.18 answered (kernel: same).
//
//===----------------------------------------------------------------------===//
#include "InterpTestUtil.h"

using namespace sluice;
using namespace sluice::interptest;

namespace {

int err(llvm::Error e) { return takeErrno(std::move(e)); }

std::optional<Bytes> lookup(Engine &e, const std::string &map, const Bytes &key) {
  auto v = e.mapLookup(map, key);
  if (!v) {
    ADD_FAILURE() << llvm::toString(v.takeError());
    return std::nullopt;
  }
  return *v;
}

std::vector<MapEntry> dumpOf(Engine &e, const std::string &map) {
  auto d = e.dumpMaps();
  if (!d) {
    ADD_FAILURE() << llvm::toString(d.takeError());
    return {};
  }
  for (MapDump &m : *d)
    if (m.name == map)
      return m.entries;
  ADD_FAILURE() << "no dump of " << map;
  return {};
}

std::vector<std::string> dumpedNames(Engine &e) {
  std::vector<std::string> n;
  auto d = e.dumpMaps();
  if (!d) {
    ADD_FAILURE() << llvm::toString(d.takeError());
    return n;
  }
  for (MapDump &m : *d)
    n.push_back(m.name);
  return n;
}

Bytes lpmKey(uint32_t prefix, std::initializer_list<uint8_t> addr) {
  Bytes k = le32(prefix);
  k.insert(k.end(), addr);
  return k;
}

// A program that returns the first 4 bytes of map[key] (key: 4..20 bytes
// from `key`), or 0xdead on a miss.
Asm lookupProgram(int map, const Bytes &key) {
  Asm a;
  Bytes k = key;
  k.resize((k.size() + 7) / 8 * 8, 0);
  for (size_t i = 0; i < k.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, k.data() + i, 8);
    a.ld64(1, v).stx(BPF_DW, 10, 1, int16_t(-32 + int(i)));
  }
  a.ldmap(1, map).mov64(2, 10).add64i(2, -32).call(BPF_FUNC_map_lookup_elem);
  a.jmpi(BPF_JEQ, 0, 0, "miss").ldx(BPF_W, 0, 0, 0).exit();
  a.label("miss").ret(0xdead);
  return a;
}

} // namespace

TEST(InterpMapsTest, ArrayHostApi) {
  TestObject t;
  t.addMap("a", BPF_MAP_TYPE_ARRAY, 4, 8, 300);
  t.addProgram(Asm().ret(XDP_PASS));
  t.loaded();
  Engine &e = *t.engine;
  EXPECT_EQ(err(e.mapUpdate("a", le32(300), le64(1))), E2BIG);
  EXPECT_EQ(err(e.mapUpdate("a", le32(1), le64(1), BPF_NOEXIST)), EEXIST);
  EXPECT_EQ(err(e.mapUpdate("a", le32(1), le64(1), BPF_EXIST)), 0);
  EXPECT_EQ(err(e.mapUpdate("a", le32(256), le64(2))), 0);
  EXPECT_EQ(err(e.mapUpdate("a", le32(1), le64(1), 5)), EINVAL);
  EXPECT_EQ(err(e.mapUpdate("a", le32(1), le64(1), BPF_F_LOCK)), EINVAL);
  EXPECT_EQ(err(e.mapDelete("a", le32(1))), EINVAL);
  EXPECT_EQ(lookup(e, "a", le32(1)), le64(1));
  EXPECT_EQ(lookup(e, "a", le32(300)), std::nullopt);
  // Every index, sorted by key bytes (little-endian 256 before 1).
  auto d = dumpOf(e, "a");
  ASSERT_EQ(d.size(), 300u);
  EXPECT_EQ(d[0], (MapEntry{le32(0), le64(0)}));
  EXPECT_EQ(d[1], (MapEntry{le32(256), le64(2)}));
  EXPECT_EQ(d[2], (MapEntry{le32(1), le64(1)}));
}

TEST(InterpMapsTest, HostApiArgumentErrors) {
  SKIP_ON_KERNEL();
  TestObject t;
  t.addMap("a", BPF_MAP_TYPE_ARRAY, 4, 8, 4);
  t.addProgram(Asm().ret(XDP_PASS));
  t.loaded();
  Engine &e = *t.engine;
  EXPECT_EQ(err(e.mapUpdate("nope", le32(0), le64(1))), ENOENT);
  EXPECT_EQ(err(e.mapUpdate("a", le64(0), le64(1))), EINVAL);  // key size
  EXPECT_EQ(err(e.mapUpdate("a", le32(0), le32(1))), EINVAL);  // value size
  auto v = e.mapLookup("a", Bytes{1});
  ASSERT_FALSE(!!v);
  EXPECT_EQ(takeErrno(v.takeError()), EINVAL);
}

TEST(InterpMapsTest, HashHostApi) {
  for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH}) {
    TestObject t;
    t.addMap("h", type, 4, 8, 2);
    t.addProgram(Asm().ret(XDP_PASS));
    t.loaded();
    Engine &e = *t.engine;
    EXPECT_EQ(err(e.mapUpdate("h", le32(1), le64(1), BPF_EXIST)), ENOENT);
    EXPECT_EQ(err(e.mapUpdate("h", le32(1), le64(1), BPF_NOEXIST)), 0);
    EXPECT_EQ(err(e.mapUpdate("h", le32(1), le64(1), BPF_NOEXIST)), EEXIST);
    EXPECT_EQ(err(e.mapUpdate("h", le32(0x0200), le64(2))), 0);
    EXPECT_EQ(err(e.mapUpdate("h", le32(3), le64(3))), E2BIG);  // full
    EXPECT_EQ(err(e.mapUpdate("h", le32(1), le64(11))), 0);     // full, but exists
    EXPECT_EQ(err(e.mapUpdate("h", le32(1), le64(1), 7)), EINVAL);
    EXPECT_EQ(err(e.mapUpdate("h", le32(1), le64(1), BPF_F_LOCK)), EINVAL);
    EXPECT_EQ(err(e.mapDelete("h", le32(3))), ENOENT);
    EXPECT_EQ(lookup(e, "h", le32(1)), le64(11));
    EXPECT_EQ(lookup(e, "h", le32(3)), std::nullopt);
    EXPECT_EQ(dumpOf(e, "h"), (std::vector<MapEntry>{{le32(0x0200), le64(2)},
                                                     {le32(1), le64(11)}}));
    EXPECT_EQ(err(e.mapDelete("h", le32(1))), 0);
    EXPECT_EQ(err(e.mapUpdate("h", le32(3), le64(3))), 0);  // room again
  }
}

TEST(InterpMapsTest, LruEvictsTheLeastRecentlyUsed) {
  for (uint32_t type : {BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH}) {
    TestObject t;
    int m = t.addMap("lru", type, 4, 8, 4);
    t.addProgram(lookupProgram(m, le32(1)));
    t.loaded();
    Engine &e = *t.engine;
    for (uint32_t k = 0; k < 4; ++k)
      ASSERT_EQ(err(e.mapUpdate("lru", le32(k), le64(k + 10))), 0);
    EXPECT_EQ(dumpOf(e, "lru").size(), 4u);
    // Flags keep their meaning; a full LRU map never refuses an insert.
    EXPECT_EQ(err(e.mapUpdate("lru", le32(2), le64(0), BPF_NOEXIST)), EEXIST);
    EXPECT_EQ(err(e.mapUpdate("lru", le32(9), le64(0), BPF_EXIST)), ENOENT);
    if (onKernel())
      continue;  // the kernel evicts in batches from approximate lists
    // Program lookups count as use (host lookups do not): key 1 survives.
    EXPECT_EQ(t.run().action, 11u);
    ASSERT_EQ(err(e.mapUpdate("lru", le32(4), le64(14))), 0);  // evicts 0
    ASSERT_EQ(err(e.mapUpdate("lru", le32(5), le64(15))), 0);  // evicts 2
    EXPECT_EQ(lookup(e, "lru", le32(3)), le64(13));             // no touch
    ASSERT_EQ(err(e.mapUpdate("lru", le32(6), le64(16))), 0);  // evicts 3
    std::vector<MapEntry> want = {
        {le32(1), le64(11)}, {le32(4), le64(14)}, {le32(5), le64(15)}, {le32(6), le64(16)}};
    EXPECT_EQ(dumpOf(e, "lru"), want) << type;
  }
}

TEST(InterpMapsTest, LruEvictionFromPrograms) {
  SKIP_ON_KERNEL();
  // A program inserting keys 0..9 into a 4-entry LRU map keeps the last 4.
  TestObject t;
  int m = t.addMap("lru", BPF_MAP_TYPE_LRU_HASH, 4, 8, 4);
  Asm a;
  a.mov64i(6, 0).label("loop").stx(BPF_W, 10, 6, -4).stx(BPF_DW, 10, 6, -16);
  a.ldmap(1, m).mov64(2, 10).add64i(2, -4).mov64(3, 10).add64i(3, -16).mov64i(4, 0);
  a.call(BPF_FUNC_map_update_elem).add64i(6, 1).jmpi(BPF_JLT, 6, 10, "loop").exit();
  t.addProgram(a);
  t.loaded();
  EXPECT_EQ(t.run().action, 0u);
  auto d = dumpOf(*t.engine, "lru");
  ASSERT_EQ(d.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(d[i].key, le32(uint32_t(6 + i)));
}

TEST(InterpMapsTest, LpmTrieLongestMatch) {
  TestObject t;
  int m = t.addMap("routes", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 8, BPF_F_NO_PREALLOC);
  for (auto addr : {std::initializer_list<uint8_t>{10, 1, 2, 3}, {10, 1, 3, 4}, {10, 9, 9, 9},
                    {11, 0, 0, 1}, {10, 1, 2, 255}})
    t.addProgram(lookupProgram(m, lpmKey(32, addr)));
  t.addProgram(lookupProgram(m, lpmKey(33, {10, 1, 2, 3})));  // longer than the data
  t.addProgram(lookupProgram(m, lpmKey(12, {10, 1, 2, 3})));  // shorter than all but /8
  t.loaded(0);
  Engine &e = *t.engine;
  ASSERT_EQ(err(e.mapUpdate("routes", lpmKey(8, {10, 0, 0, 0}), le32(1))), 0);
  ASSERT_EQ(err(e.mapUpdate("routes", lpmKey(16, {10, 1, 0, 0}), le32(2))), 0);
  ASSERT_EQ(err(e.mapUpdate("routes", lpmKey(24, {10, 1, 2, 0}), le32(3))), 0);
  ASSERT_EQ(err(e.mapUpdate("routes", lpmKey(31, {10, 1, 2, 254}), le32(5))), 0);
  // Host lookups are longest-prefix matches too.
  EXPECT_EQ(lookup(e, "routes", lpmKey(32, {10, 1, 2, 3})), le32(3));
  EXPECT_EQ(lookup(e, "routes", lpmKey(32, {10, 1, 2, 255})), le32(5));
  EXPECT_EQ(lookup(e, "routes", lpmKey(32, {11, 1, 2, 3})), std::nullopt);
  ASSERT_EQ(err(e.mapUpdate("routes", lpmKey(0, {0, 0, 0, 0}), le32(4))), 0);
  const uint32_t want[] = {3, 2, 1, 4, 5, 0xdead, 1};
  for (int p = 0; p < 7; ++p) {
    if (p > 0) {  // a new engine per program: re-create the routes
      t.loaded(p);
      for (auto [k, v] : {std::pair{lpmKey(8, {10, 0, 0, 0}), 1u},
                          {lpmKey(16, {10, 1, 0, 0}), 2u},
                          {lpmKey(24, {10, 1, 2, 0}), 3u},
                          {lpmKey(31, {10, 1, 2, 254}), 5u},
                          {lpmKey(0, {0, 0, 0, 0}), 4u}})
        ASSERT_EQ(err(t.engine->mapUpdate("routes", k, le32(v))), 0);
    }
    EXPECT_EQ(t.run().action, want[p]) << p;
  }
}

TEST(InterpMapsTest, LpmTrieHostApi) {
  TestObject t;
  t.addMap("l", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 2, BPF_F_NO_PREALLOC);
  t.addProgram(Asm().ret(XDP_PASS));
  t.loaded();
  Engine &e = *t.engine;
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(33, {10, 0, 0, 1}), le64(1))), EINVAL);
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(8, {10, 0, 0, 1}), le64(1))), 0);
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(16, {10, 0, 0, 1}), le64(2))), 0);
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(24, {10, 0, 0, 1}), le64(3))), ENOSPC);  // kernel: full
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(24, {10, 0, 0, 1}), le64(3), BPF_NOEXIST)), ENOSPC);
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(16, {10, 0, 9, 9}), le64(3), BPF_NOEXIST)), EEXIST);
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(12, {10, 0, 0, 1}), le64(3), BPF_EXIST)), ENOENT);
  EXPECT_EQ(err(e.mapDelete("l", lpmKey(12, {10, 0, 0, 1}))), ENOENT);  // exact match only
  // The stored key keeps the bits past the prefix of its last update.
  EXPECT_EQ(err(e.mapUpdate("l", lpmKey(8, {10, 0, 0, 99}), le64(7))), 0);
  EXPECT_EQ(dumpOf(e, "l"), (std::vector<MapEntry>{{lpmKey(8, {10, 0, 0, 99}), le64(7)},
                                                   {lpmKey(16, {10, 0, 0, 1}), le64(2)}}));
  EXPECT_EQ(err(e.mapDelete("l", lpmKey(16, {10, 0, 7, 7}))), 0);  // the same /16
  EXPECT_EQ(dumpOf(e, "l").size(), 1u);
}

TEST(InterpMapsTest, LpmTrieIpv6) {
  TestObject t;
  t.addMap("l6", BPF_MAP_TYPE_LPM_TRIE, 20, 4, 16, BPF_F_NO_PREALLOC);
  t.addProgram(Asm().ret(XDP_PASS));
  t.loaded();
  Engine &e = *t.engine;
  auto k6 = [](uint32_t prefix, uint8_t last, uint8_t byte7) {
    Bytes k = le32(prefix);
    Bytes a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, byte7, 0, 0, 0, 0, 0, 0, 0, last};
    k.insert(k.end(), a.begin(), a.end());
    return k;
  };
  ASSERT_EQ(err(e.mapUpdate("l6", k6(32, 0, 0), le32(32))), 0);
  ASSERT_EQ(err(e.mapUpdate("l6", k6(64, 0, 1), le32(64))), 0);
  ASSERT_EQ(err(e.mapUpdate("l6", k6(128, 5, 1), le32(128))), 0);
  EXPECT_EQ(lookup(e, "l6", k6(128, 5, 1)), le32(128));
  EXPECT_EQ(lookup(e, "l6", k6(128, 6, 1)), le32(64));
  EXPECT_EQ(lookup(e, "l6", k6(128, 6, 2)), le32(32));
  EXPECT_EQ(lookup(e, "l6", k6(63, 6, 1)), le32(32));
  EXPECT_EQ(err(e.mapUpdate("l6", k6(129, 0, 0), le32(1))), EINVAL);
}

TEST(InterpMapsTest, LpmTrieNeedsNoPrealloc) {
  TestObject t;
  t.addMap("l", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 2);
  t.addProgram(Asm().ret(XDP_PASS));
  auto e = t.load();
  ASSERT_TRUE(!!e);  // kernel: map creation fails with EINVAL
  EXPECT_EQ(takeErrno(std::move(e)), EINVAL);
}

TEST(InterpMapsTest, Devmap) {
  TestObject t;
  int m = t.addMap("ports", BPF_MAP_TYPE_DEVMAP, 4, 8, 4);
  t.addProgram(lookupProgram(m, le32(2)));  // programs may read devmap entries
  t.loaded();
  Engine &e = *t.engine;
  Bytes lo = {1, 0, 0, 0, 0, 0, 0, 0};  // {ifindex 1, no program}
  EXPECT_EQ(err(e.mapUpdate("ports", le32(0), lo, BPF_NOEXIST)), EEXIST);
  EXPECT_EQ(err(e.mapUpdate("ports", le32(4), lo)), E2BIG);
  EXPECT_EQ(err(e.mapUpdate("ports", le32(2), lo)), 0);
  EXPECT_EQ(err(e.mapUpdate("ports", le32(3), lo, BPF_EXIST)), 0);
  EXPECT_EQ(err(e.mapUpdate("ports", le32(3), Bytes(8, 0))), 0);  // ifindex 0 empties it
  EXPECT_EQ(lookup(e, "ports", le32(3)), std::nullopt);
  EXPECT_EQ(err(e.mapDelete("ports", le32(1))), 0);  // empty slot: fine
  EXPECT_EQ(err(e.mapDelete("ports", le32(9))), EINVAL);
  EXPECT_EQ(lookup(e, "ports", le32(2)), lo);
  EXPECT_EQ(dumpOf(e, "ports"), (std::vector<MapEntry>{{le32(2), lo}}));
  EXPECT_EQ(t.run().action, 1u);
}

TEST(InterpMapsTest, DevmapHashAndCpumap) {
  TestObject t;
  t.addMap("dh", BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 2);
  t.addMap("cpus", BPF_MAP_TYPE_CPUMAP, 4, 4, 2);
  t.addProgram(Asm().ret(XDP_PASS));
  t.loaded();
  Engine &e = *t.engine;
  EXPECT_EQ(err(e.mapUpdate("dh", le32(100), le32(1))), 0);
  EXPECT_EQ(err(e.mapUpdate("dh", le32(101), le32(1))), 0);
  EXPECT_EQ(err(e.mapUpdate("dh", le32(102), le32(1))), E2BIG);
  EXPECT_EQ(err(e.mapUpdate("dh", le32(100), le32(1), BPF_NOEXIST)), EEXIST);
  EXPECT_EQ(err(e.mapUpdate("dh", le32(100), le32(0), BPF_NOEXIST)), EINVAL);  // ifindex first
  EXPECT_EQ(err(e.mapDelete("dh", le32(102))), ENOENT);
  EXPECT_EQ(dumpOf(e, "dh"), (std::vector<MapEntry>{{le32(100), le32(1)},
                                                    {le32(101), le32(1)}}));
  EXPECT_EQ(err(e.mapUpdate("cpus", le32(0), le32(192))), 0);
  EXPECT_EQ(err(e.mapUpdate("cpus", le32(1), le32(192), BPF_NOEXIST)), EEXIST);
  EXPECT_EQ(err(e.mapUpdate("cpus", le32(1), le32(16385))), EOVERFLOW);
  EXPECT_EQ(err(e.mapUpdate("cpus", le32(2), le32(192))), E2BIG);
  EXPECT_EQ(lookup(e, "cpus", le32(0)), le32(192));
  EXPECT_EQ(err(e.mapUpdate("cpus", le32(0), le32(0))), 0);  // qsize 0 empties it
  EXPECT_EQ(lookup(e, "cpus", le32(0)), std::nullopt);
  EXPECT_EQ(err(e.mapDelete("cpus", le32(2))), EINVAL);
}

TEST(InterpMapsTest, ProgArrayHostApi) {
  TestObject t;
  t.addMap("jt", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
  t.addProgram(Asm().ret(XDP_PASS));
  t.addProgram(Asm().ret(XDP_DROP));
  t.loaded();
  Engine &e = *t.engine;
  EXPECT_EQ(err(e.mapDelete("jt", le32(0))), ENOENT);
  EXPECT_EQ(err(e.mapDelete("jt", le32(5))), E2BIG);
  EXPECT_EQ(err(e.mapUpdate("jt", le32(0), le32(1), BPF_NOEXIST)), EINVAL);  // BPF_ANY only
  EXPECT_EQ(err(e.mapUpdate("jt", le32(4), le32(1))), E2BIG);
  EXPECT_EQ(err(e.mapUpdate("jt", le32(0), le32(1))), 0);
  EXPECT_EQ(err(e.mapDelete("jt", le32(0))), 0);
  // Programs are named by their index in the object (the kernel: by fd).
  if (!onKernel())
    EXPECT_EQ(err(e.mapUpdate("jt", le32(0), le32(7))), EINVAL);
  EXPECT_EQ(dumpedNames(e), std::vector<std::string>{});  // no content
}

TEST(InterpMapsTest, MapInMap) {
  for (uint32_t outerType : {BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS}) {
    TestObject t;
    int tmpl = t.addMap("outer.inner", BPF_MAP_TYPE_ARRAY, 4, 8, 4);
    int inner = t.addMap("inner_a", BPF_MAP_TYPE_ARRAY, 4, 8, 4);
    t.addMap("other", BPF_MAP_TYPE_ARRAY, 4, 16, 4);
    MapDef od = mapDef("outer", outerType, 4, 4, 4);
    od.inner = tmpl;
    int outer = t.addMap(od);
    // r0 = outer[1] ? outer[1][2] : 0xdead
    Asm a;
    a.st(BPF_W, 10, -4, 1).ldmap(1, outer).mov64(2, 10).add64i(2, -4);
    a.call(BPF_FUNC_map_lookup_elem).jmpi(BPF_JEQ, 0, 0, "miss");
    a.st(BPF_W, 10, -8, 2).mov64(1, 0).mov64(2, 10).add64i(2, -8);
    a.call(BPF_FUNC_map_lookup_elem).jmpi(BPF_JEQ, 0, 0, "miss");
    a.ldx(BPF_W, 0, 0, 0).exit();
    a.label("miss").ret(0xdead);
    t.addProgram(a);
    t.loaded();
    Engine &e = *t.engine;
    EXPECT_EQ(t.run().action, 0xdeadu);
    ASSERT_EQ(err(e.mapUpdate("inner_a", le32(2), le64(77))), 0);
    // The host names inner maps by their index in the object.
    EXPECT_EQ(err(e.mapUpdate("outer", le32(1), le32(2))), EINVAL);  // value size differs
    ASSERT_EQ(err(e.mapUpdate("outer", le32(1), le32(uint32_t(inner)))), 0);
    EXPECT_EQ(t.run().action, 77u);
    ASSERT_EQ(err(e.mapDelete("outer", le32(1))), 0);
    EXPECT_EQ(t.run().action, 0xdeadu);
    // Neither the outer map nor the template is dumped.
    EXPECT_EQ(dumpedNames(e), (std::vector<std::string>{"inner_a", "other"}));
  }
}

TEST(InterpMapsTest, DumpsListMapsWithContentInObjectOrder) {
  SKIP_ON_KERNEL();  // the kernel cannot take an xskmap entry without a socket
  TestObject t;
  t.addMap("b", BPF_MAP_TYPE_HASH, 4, 4, 4);
  t.addMap("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
  t.addMap("ev", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0);
  t.addMap("xs", BPF_MAP_TYPE_XSKMAP, 4, 4, 4);
  t.addGlobal(".bss", Bytes(4, 0));
  t.addProgram(Asm().ret(XDP_PASS));
  t.loaded();
  ASSERT_EQ(err(t.engine->mapUpdate("xs", le32(0), le32(3))), 0);
  EXPECT_EQ(dumpedNames(*t.engine), (std::vector<std::string>{"b", "xs", "test.bss"}));
  EXPECT_TRUE(dumpOf(*t.engine, "xs").empty());  // as the kernel: not readable
  auto v = t.engine->mapLookup("xs", le32(0));
  ASSERT_FALSE(!!v);
  EXPECT_EQ(takeErrno(v.takeError()), EOPNOTSUPP);
}

TEST(InterpMapsTest, MapsTheKernelWouldNotCreate) {
  SKIP_ON_KERNEL();
  for (MapDef d : {mapDef("a", BPF_MAP_TYPE_ARRAY, 8, 4, 4), mapDef("h", BPF_MAP_TYPE_HASH, 4, 4, 0),
                   mapDef("r", BPF_MAP_TYPE_RINGBUF, 0, 0, 1000),
                   mapDef("q", BPF_MAP_TYPE_QUEUE, 0, 4, 4)}) {
    TestObject t;
    t.addMap(d);
    t.addProgram(Asm().ret(XDP_PASS));
    auto e = t.load();
    ASSERT_TRUE(!!e) << d.name;
    std::string msg = llvm::toString(std::move(e));
    EXPECT_NE(msg.find("map '" + d.name + "'"), std::string::npos) << msg;
  }
}
