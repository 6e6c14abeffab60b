//===- ModelMapsTest.cpp - Map transactions on the model (ISA v2) ----------===//
//
// Hand-written images with map ops (docs/maps-design.md, "ISA v2 map
// operations"), run on the model with literal expectations: read words are
// the values before the RMWs and land L = 3 stages after the issue, the
// found predicate, MAPATOM's two RMWs with their own guards, insert-on-miss
// into a full map, MAPUPD and MAPDEL return codes, host access between
// packets, dumps. The compiled samples against the kernel are
// SampleMapsTest.cpp.
//
//===----------------------------------------------------------------------===//
#include "../../common/ImageBuilder.h"
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "sluice/Model/ModelEngine.h"
#include "sluice/Object/BpfDefs.h"

using namespace sluice;
using isa::Op;

namespace {

using test::counterImage;

const TargetParams &T() { return TargetParams::defaults(); }


uint32_t word(const Bytes &b, size_t off) {
  uint32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}

Bytes u32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

Bytes frame(uint8_t b14, uint32_t w14 = 0, uint32_t w18 = 0, size_t len = 64) {
  Bytes f(len, 0);
  f[12] = 0x08;
  std::memcpy(&f[14], &w14, 4);
  std::memcpy(&f[18], &w18, 4);
  if (!w14)
    f[14] = b14;
  return f;
}


} // namespace

TEST(ModelMaps, CounterReadWordsLandThreeStagesLaterAndRmwsAccumulate) {
  ModelEngine m;
  StageImage img = counterImage();
  ASSERT_FALSE(bool(m.loadImage(img)));
  uint64_t bytes1 = 0;
  for (unsigned i = 0; i < 5; ++i) {
    auto out = m.run({frame(1, 0, 0, 60 + i)});
    ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
    EXPECT_EQ(out->action, 2u);
    EXPECT_EQ(word(out->data, 20), 0x77u);  // stage 3 read s18 before the words landed
    EXPECT_EQ(word(out->data, 24), i);      // the count before this packet's RMW
    EXPECT_EQ(word(out->data, 28), 0u);
    EXPECT_EQ(m.lastFacts().mapTransactions, 1u);
    bytes1 += 60 + i;
  }
  // Index 7 is past max_entries: not found, no RMW, read words 0.
  auto miss = m.run({frame(7)});
  ASSERT_TRUE(bool(miss));
  EXPECT_EQ(miss->action, 1u);
  EXPECT_EQ(word(miss->data, 24), 0u);
  ASSERT_TRUE(bool(m.run({frame(2)})));
  auto dump = m.dumpMaps();
  ASSERT_TRUE(bool(dump));
  ASSERT_EQ(dump->size(), 1u);
  EXPECT_EQ((*dump)[0].name, "cnt");
  ASSERT_EQ((*dump)[0].entries.size(), 4u);
  auto val = [&](unsigned idx) {
    Bytes v = (*dump)[0].entries[idx].value;
    uint64_t p, b;
    std::memcpy(&p, v.data(), 8), std::memcpy(&b, v.data() + 8, 8);
    return std::pair<uint64_t, uint64_t>(p, b);
  };
  EXPECT_EQ(val(0), (std::pair<uint64_t, uint64_t>(0, 0)));
  EXPECT_EQ(val(1), (std::pair<uint64_t, uint64_t>(5, bytes1)));
  EXPECT_EQ(val(2), (std::pair<uint64_t, uint64_t>(1, 64)));
  // The host writes a counter near 2^32: the 64-bit add carries.
  Bytes v(16, 0);
  uint64_t big = 0xffffffffull;
  std::memcpy(v.data(), &big, 8);
  ASSERT_FALSE(bool(m.mapUpdate("cnt", u32(3), v)));
  auto out = m.run({frame(3)});
  ASSERT_TRUE(bool(out));
  EXPECT_EQ(word(out->data, 24), 0xffffffffu);
  auto after = m.mapLookup("cnt", u32(3));
  ASSERT_TRUE(bool(after) && after->has_value());
  uint64_t p;
  std::memcpy(&p, (*after)->data(), 8);
  EXPECT_EQ(p, 0x100000000ull);
  // Host errors with the kernel's errno.
  auto e = m.mapUpdate("cnt", u32(4), v);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)), "model: update on map 'cnt': Argument list too long");
  e = m.mapDelete("cnt", u32(0));
  EXPECT_EQ(llvm::toString(std::move(e)), "model: delete on map 'cnt': Invalid argument");
  e = m.mapUpdate("cnt", Bytes(2), v);
  EXPECT_EQ(llvm::toString(std::move(e)), "model: map 'cnt': key of 2 bytes, the map's keys have 4");
  e = m.mapUpdate("nope", u32(0), v);
  EXPECT_EQ(llvm::toString(std::move(e)), "model: no map 'nope'");
}

TEST(ModelMaps, TenThousandBackToBackPacketsOnOneKey) {
  ModelEngine m;
  ASSERT_FALSE(bool(m.loadImage(counterImage())));
  for (unsigned i = 0; i < 10000; ++i) {
    auto out = m.run({frame(1)});
    ASSERT_TRUE(bool(out));
    ASSERT_EQ(word(out->data, 24), i);
  }
  auto v = m.mapLookup("cnt", u32(1));
  ASSERT_TRUE(bool(v) && v->has_value());
  uint64_t p, b;
  std::memcpy(&p, (*v)->data(), 8), std::memcpy(&b, (*v)->data() + 8, 8);
  EXPECT_EQ(p, 10000u);
  EXPECT_EQ(b, 640000u);
}

TEST(ModelMaps, RmwGuardsXchgAndThirtyTwoBitWords) {
  StageImage img = counterImage();
  // R0: xchg.32 of word 1 with s20 (1) under !p4 (p4 is never set: true);
  // R1: or.32 of word 0 with s17 under p4 (false): skipped.
  img.setUop(1, 3, encodeMapAtom({.en = true, .op = MapRmwOp::Xchg, .word = 1, .operand = 20,
                                  .g = 4, .gn = 1},
                                 {.en = true, .op = MapRmwOp::Or, .word = 0, .operand = 17,
                                  .g = 4}));
  ModelEngine m;
  ASSERT_FALSE(bool(m.loadImage(img)));
  Bytes v(16, 0);
  v[0] = 0x10, v[4] = 0x99;
  ASSERT_FALSE(bool(m.mapUpdate("cnt", u32(1), v)));
  auto out = m.run({frame(1)});
  ASSERT_TRUE(bool(out));
  EXPECT_EQ(word(out->data, 24), 0x10u);  // word 0 (read mask bit 0)
  EXPECT_EQ(word(out->data, 28), 0x99u);  // word 1 before the xchg
  auto after = m.mapLookup("cnt", u32(1));
  ASSERT_TRUE(bool(after) && after->has_value());
  EXPECT_EQ(word(**after, 0), 0x10u);
  EXPECT_EQ(word(**after, 4), 1u);
}

// m0 'seen' (hash, 2 entries, stage 5): MAPLK inserting the packet's word 18
// on a miss; m1 'upd' (hash, 2 entries, stage 9): MAPUPD NOEXIST; m2 'arr'
// (array, stage 13): MAPDEL, always -EINVAL. Key: packet word 14.
TEST(ModelMaps, InsertOnMissUpdateDeleteReturnCodes) {
  StageImage img = StageImage::empty(T());
  img.name = "learn";
  img.maps = {test::imageMap("seen", BPF_MAP_TYPE_HASH, 4, 4, 2, 5), test::imageMap("upd", BPF_MAP_TYPE_HASH, 4, 4, 2, 9),
              test::imageMap("arr", BPF_MAP_TYPE_ARRAY, 4, 4, 2, 13), test::imageMap("cpus", BPF_MAP_TYPE_CPUMAP, 4, 4, 2, -1)};
  img.maps[1].offset = 0;
  test::extractEntry(img, 8, 0, 14, 2);  // s16 = word 14
  test::extractEntry(img, 9, 0, 18, 2);  // s17 = word 18
  MapLookupOp lk;
  lk.map = 0, lk.key = 16, lk.found = 2, lk.readMask = 1, lk.dst = 19, lk.insertOnMiss = true;
  lk.insertValue = 17;
  img.setUop(5, 2, encodeMapLookup(lk));
  img.setUop(9, 2, encodeMapUpdate(1, 16, 17, 1 /* NOEXIST */, 20));
  img.setUop(13, 2, encodeMapDelete(2, 16, 21));
  test::setvUop(img, 8, 2, 2, 2, 0);
  test::setvUop(img, 9, 0, 1, 2, 1);
  test::deparseEntry(img, 2, 19, 24);
  test::deparseEntry(img, 6, 20, 28);
  test::deparseEntry(img, 10, 21, 32);
  ModelEngine m;
  ASSERT_FALSE(bool(m.loadImage(img)));
  struct Case {
    uint32_t key, value, action, read, upd;
  } cases[] = {
      {0xA, 100, 1, 0, 0},                   // miss: inserted
      {0xB, 200, 1, 0, 0},                   // miss: inserted, the map is full
      {0xA, 300, 2, 100, uint32_t(-EEXIST)}, // hit: reads what was inserted
      {0xC, 400, 1, 0, uint32_t(-E2BIG)},    // miss on a full map: nothing inserted
  };
  for (auto &c : cases) {
    auto out = m.run({frame(0, c.key, c.value)});
    ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
    EXPECT_EQ(out->action, c.action) << c.key;
    EXPECT_EQ(word(out->data, 24), c.read) << c.key;
    EXPECT_EQ(word(out->data, 28), c.upd) << c.key;
    EXPECT_EQ(word(out->data, 32), uint32_t(-EINVAL)) << c.key;
  }
  EXPECT_EQ(m.mapInsertFails(), 1u);
  auto dump = m.dumpMaps();
  ASSERT_TRUE(bool(dump));
  ASSERT_EQ(dump->size(), 3u);  // the cpumap is not stored on the NIC
  EXPECT_EQ((*dump)[0].name, "seen");
  EXPECT_EQ((*dump)[0].entries,
            (std::vector<MapEntry>{{u32(0xA), u32(100)}, {u32(0xB), u32(200)}}));
  EXPECT_EQ((*dump)[1].entries,
            (std::vector<MapEntry>{{u32(0xA), u32(100)}, {u32(0xB), u32(200)}}));
  // The host deletes A: the next A packet misses and inserts again.
  ASSERT_FALSE(bool(m.mapDelete("seen", u32(0xA))));
  auto out = m.run({frame(0, 0xA, 500)});
  ASSERT_TRUE(bool(out));
  EXPECT_EQ(out->action, 1u);
  auto v = m.mapLookup("seen", u32(0xA));
  ASSERT_TRUE(bool(v) && v->has_value());
  EXPECT_EQ(**v, u32(500));
  auto e = m.mapLookup("cpus", u32(0));
  ASSERT_FALSE(bool(e));
  EXPECT_EQ(llvm::toString(e.takeError()), "model: map 'cpus' (cpumap) is not stored on the NIC");
}

TEST(ModelMaps, GuardFalseHeadOpDoesNothing) {
  StageImage img = counterImage();
  MapLookupOp lk = decodeMapLookup(img.uop(1, 2));
  lk.g = 5;  // p5 is never set
  img.setUop(1, 2, encodeMapLookup(lk));
  ModelEngine m;
  ASSERT_FALSE(bool(m.loadImage(img)));
  auto out = m.run({frame(1)});
  ASSERT_TRUE(bool(out));
  EXPECT_EQ(word(out->data, 24), 0x77u);  // s18 keeps its constant
  EXPECT_EQ(out->action, 1u);             // p1 keeps false
  EXPECT_EQ(m.lastFacts().mapTransactions, 0u);
  auto v = m.mapLookup("cnt", u32(1));
  ASSERT_TRUE(bool(v) && v->has_value());
  EXPECT_EQ(**v, Bytes(16, 0));
}
