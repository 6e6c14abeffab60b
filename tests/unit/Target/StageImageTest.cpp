//===- StageImageTest.cpp - Stage image container and ISA rules -----------===//
#include "sluice/Target/StageImage.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "sluice/Target/TargetDefault.h"

using namespace sluice;
using isa::Op;

namespace {

const TargetParams &T() { return TargetParams::defaults(); }

isa::Uop op(Op o, unsigned dst, unsigned a, unsigned b) {
  isa::Uop u;
  u.op = unsigned(o), u.dst = dst, u.a = a, u.b = b;
  return u;
}

StageImage sample() {
  StageImage img = StageImage::empty(T());
  img.setUop(0, 0, op(Op::ADD, 2, 0, 1));
  isa::Uop w = op(Op::SUB, 18, 16, 17);
  w.w = 1;
  img.setUop(1, 2, w);
  isa::Uop hi;
  hi.op = unsigned(Op::PAIR), hi.imm = 0xabcd;
  img.setUop(1, 3, hi);
  isa::Extract x;
  x.en = 1, x.size = 2, x.off = 26;
  img.extract[0] = isa::encode(x);
  isa::Deparse d;
  d.en = 1, d.size = 2, d.src = 2, d.pos = T().headroomBytes + 30;
  img.deparse[0] = isa::encode(d);
  img.consts[5] = 0x12345678;
  img.name = "xdp_sample";
  img.maps.push_back({"counters", 2, 4, 8, 16});
  img.lines.push_back({0, 0, 7, "sample.bpf.c", 42});
  return img;
}

std::string readError(const std::vector<uint8_t> &b, const TargetParams &t = T()) {
  auto r = readStageImage(b.data(), b.size(), t, "x.slc");
  if (r)
    return "";
  return llvm::toString(r.takeError());
}

std::string verifyError(const StageImage &img) {
  if (auto e = verifyStageImage(img, T()))
    return llvm::toString(std::move(e));
  return "";
}

void refreshCrc(std::vector<uint8_t> &b) {
  std::memset(&b[24], 0, 4);
  uint32_t c = crc32(b.data(), b.size());
  std::memcpy(&b[24], &c, 4);
}

TEST(StageImage, Crc32KnownValue) {
  const char *s = "123456789";
  EXPECT_EQ(crc32(reinterpret_cast<const uint8_t *>(s), 9), 0xcbf43926u);
}

TEST(StageImage, EncodersRoundTrip) {
  isa::Uop u = op(Op::JSLE, 0, 9, 17);
  u.bi = 1, u.g = 15, u.gn = 1, u.p = 7, u.imm = 0xdeadbeef;
  EXPECT_TRUE(isa::fits(u));
  EXPECT_EQ(isa::decodeUop(isa::encode(u)), u);
  u.dst = 32;
  EXPECT_FALSE(isa::fits(u));
  EXPECT_EQ(isa::encode(op(Op::ADD, 1, 2, 3)), 0x2ull | 1ull << 8 | 2ull << 13 | 3ull << 18);
}

TEST(StageImage, WriteReadRoundTrip) {
  StageImage img = sample();
  auto bytes = writeStageImage(img);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "SLUICEIM");
  auto back = readStageImage(bytes.data(), bytes.size(), T(), "x.slc");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(*back, img);
}

TEST(StageImage, RefusesBadMagic) {
  auto b = writeStageImage(sample());
  b[0] = 'X';
  EXPECT_EQ(readError(b), "x.slc: not a Sluice stage image (bad magic)");
}

TEST(StageImage, RefusesTruncated) {
  auto b = writeStageImage(sample());
  size_t full = b.size();
  b.resize(full - 5);
  EXPECT_EQ(readError(b), fmt::format("x.slc: truncated stage image ({} bytes, its header says {})",
                                      full - 5, full));
  b.resize(20);
  EXPECT_EQ(readError(b), "x.slc: truncated stage image (20 bytes, the header alone is 32)");
}

TEST(StageImage, RefusesCrcMismatch) {
  auto b = writeStageImage(sample());
  b[b.size() / 2] ^= 0x10;
  EXPECT_NE(readError(b).find("x.slc: corrupted stage image (CRC mismatch: stored 0x"), std::string::npos);
}

TEST(StageImage, RefusesOtherIsaVersion) {
  auto b = writeStageImage(sample());
  b[10] = 1;
  refreshCrc(b);
  EXPECT_EQ(readError(b), "x.slc: built for stage ISA v1, this build implements v2");
  b[10] = 3;
  refreshCrc(b);
  EXPECT_EQ(readError(b), "x.slc: built for stage ISA v3, this build implements v2");
}

TEST(StageImage, RefusesOtherParametersNamingBothHashesAndTheDifference) {
  nlohmann::json j = nlohmann::json::parse(target_default::kParamsJson);
  j["stages"] = 16;
  j["vread"]["stages"] = {2, 6};
  j["units"]["div"]["stages"] = {3};
  j["units"]["map"]["stages"] = {1, 5};
  auto small = TargetParams::fromJson(j.dump(), "small.json");
  ASSERT_TRUE(bool(small)) << llvm::toString(small.takeError());
  auto b = writeStageImage(StageImage::empty(*small));
  EXPECT_EQ(readError(b), fmt::format("x.slc: built for datapath parameters 0x{:016x}, this datapath "
                                      "has 0x{:016x} (first difference: stages: 16 vs 24)",
                                      small->hash, T().hash));
}

TEST(StageImage, RefusesRuleBreakersWhenReading) {
  StageImage img = sample();
  img.setUop(0, 1, op(Op::ADD, 9, 8, 16));  // fine
  img.setUop(0, 0, op(Op::ADD, 2, 0, 24));  // lane 0 cannot read bank 3
  auto b = writeStageImage(img);
  EXPECT_EQ(readError(b), "x.slc: stage 0 lane 0: operand B slot 24 is outside the lane's read window");
}

TEST(StageImage, RuleSlotWriteConflict) {
  StageImage img = StageImage::empty(T());
  img.setUop(3, 0, op(Op::ADD, 2, 0, 1));
  isa::Uop w = op(Op::MOV, 0, 0, 1);  // W MOV in lanes 0,1 writes slots 0 and 8
  w.w = 1;
  img.setUop(3, 0, w);
  isa::Uop hi;
  hi.op = unsigned(Op::PAIR);
  img.setUop(3, 1, hi);
  img.setUop(3, 3, op(Op::MOV, 24, 0, 0));
  EXPECT_EQ(verifyError(img), "");
  img.setUop(4, 0, op(Op::MOV, 3, 0, 1));
  img.setUop(4, 3, op(Op::MOV, 3, 0, 1));
  EXPECT_EQ(verifyError(img), "stage 4 lane 3: destination slot 3 is outside the lane's bank (slots 24..31)");
  img.setUop(4, 3, op(Op::NOP, 0, 0, 0));
  // Predicates: two compares writing p4 in one stage, whatever their guards.
  isa::Uop c1 = op(Op::JEQ, 0, 0, 1), c2 = op(Op::JNE, 0, 8, 9);
  c1.p = c2.p = 4;
  c2.g = 1;
  img.setUop(5, 0, c1);
  img.setUop(5, 1, c2);
  EXPECT_EQ(verifyError(img), "stage 5: lane 0 (JEQ) and lane 1 (JNE) both write predicate p4");
}

TEST(StageImage, RuleUnitResultConflictsWithALaneWrite) {
  StageImage img = StageImage::empty(T());
  img.setUop(3, 2, op(Op::DIV, 20, 16, 17));  // lands at the end of stage 14
  EXPECT_EQ(verifyError(img), "");
  img.setUop(14, 2, op(Op::MOV, 20, 0, 16));
  EXPECT_EQ(verifyError(img), "stage 14: the div unit issued in stage 3 and lane 2 (MOV) both write slot 20");
}

TEST(StageImage, RuleUnitWhereTheStageLacksIt) {
  StageImage img = StageImage::empty(T());
  img.setUop(4, 2, op(Op::DIV, 20, 16, 17));
  EXPECT_EQ(verifyError(img), "stage 4 lane 2: DIV needs the div unit, which this stage lacks (it is in lane 2 of other stages)");
  img = StageImage::empty(T());
  img.setUop(3, 1, op(Op::MOD, 8, 8, 9));
  EXPECT_NE(verifyError(img).find("needs the div unit"), std::string::npos);
}

TEST(StageImage, RuleVariableReadPort) {
  StageImage img = StageImage::empty(T());
  isa::Uop v = op(Op::VLD, 1, 0, 0);
  v.imm = 14;
  img.setUop(3, 0, v);
  EXPECT_EQ(verifyError(img), "stage 3 lane 0: VLD needs a variable read port, which this lane and stage lack");
  img = StageImage::empty(T());
  v.p = 3;
  img.setUop(2, 0, v);
  EXPECT_EQ(verifyError(img), "stage 2 lane 0: VLD size code 3 is not allowed");
}

TEST(StageImage, RulePairsAndOpcodes) {
  StageImage img = StageImage::empty(T());
  isa::Uop w = op(Op::ADD, 8, 8, 9);
  w.w = 1;
  img.setUop(0, 1, w);
  EXPECT_EQ(verifyError(img), "stage 0 lane 1: a 64-bit op must stand in an even lane");
  img = StageImage::empty(T());
  w = op(Op::ADD, 0, 0, 1);
  w.w = 1;
  img.setUop(0, 0, w);
  EXPECT_EQ(verifyError(img), "stage 0 lane 0: 64-bit ADD needs PAIR in lane 1");
  img = StageImage::empty(T());
  isa::Uop hi;
  hi.op = unsigned(Op::PAIR);
  img.setUop(0, 1, hi);
  EXPECT_EQ(verifyError(img), "stage 0 lane 1: PAIR without a 64-bit op in lane 0");
  img = StageImage::empty(T());
  img.setUop(0, 0, op(Op::SEXT32, 0, 0, 0));
  EXPECT_EQ(verifyError(img), "stage 0 lane 0: SEXT32 exists only as a 64-bit op");
  img = StageImage::empty(T());
  w = op(Op::MULHU, 0, 0, 1);
  w.w = 1;
  img.setUop(0, 0, w);
  img.setUop(0, 1, hi);
  EXPECT_EQ(verifyError(img), "stage 0 lane 0: MULHU has no 64-bit form");
  img = StageImage::empty(T());
  img.setUop(1, 2, op(Op::REDIRMAP, 16, 16, 17));
  EXPECT_EQ(verifyError(img),
            "stage 1 lane 2: REDIRMAP is reserved in stage ISA v2 (its unit arrives later)");
  img = StageImage::empty(T());
  img.stages[0][0] = 45;
  EXPECT_EQ(verifyError(img), "stage 0 lane 0: undefined opcode 45");
  img = StageImage::empty(T());
  isa::Uop c = op(Op::JEQ, 0, 0, 1);
  img.setUop(0, 0, c);
  EXPECT_EQ(verifyError(img), "stage 0 lane 0: JEQ writes p0, which is constant true");
  img = StageImage::empty(T());
  img.setUop(22, 2, op(Op::DIV, 20, 16, 17));
  EXPECT_NE(verifyError(img).find("needs the div unit"), std::string::npos);
}

TEST(StageImage, RuleExtractorAndDeparser) {
  StageImage img = StageImage::empty(T());
  isa::Extract x;
  x.en = 1, x.size = 2, x.off = 27;
  img.extract[3] = isa::encode(x);
  EXPECT_EQ(verifyError(img), "");
  x.off = 126;
  img.extract[3] = isa::encode(x);
  EXPECT_EQ(verifyError(img), "extractor entry 3: bytes 126..129 are outside the 128-byte header window");
  x.src = 1, x.off = 5;  // the packet's random word (docs/helpers.md)
  img.extract[3] = isa::encode(x);
  EXPECT_EQ(verifyError(img), "");
  x.src = 1, x.off = 6;  // the whole frame's length (bpf_xdp_get_buff_len)
  img.extract[3] = isa::encode(x);
  EXPECT_EQ(verifyError(img), "");
  x.src = 1, x.off = 7;
  img.extract[3] = isa::encode(x);
  EXPECT_EQ(verifyError(img), "extractor entry 3: metadata word 7 does not exist");
  img = StageImage::empty(T());
  isa::Deparse d;
  d.en = 1, d.size = 1, d.pos = 64 + 127;
  img.deparse[5] = isa::encode(d);
  EXPECT_EQ(verifyError(img), "deparser entry 5: position 191 + 2 bytes is outside headroom and window (192 bytes)");
}

TEST(StageImage, RuleSourceLinesPointAtRealLanes) {
  StageImage img = sample();
  img.lines.push_back({30, 0, 9, "sample.bpf.c", 50});
  EXPECT_EQ(verifyError(img), "source line sample.bpf.c:50 is attached to stage 30 lane 0, which does not exist");
}

TEST(StageImage, SmallTargetRunsItsOwnImagesAndRefusesTheDefaultOnes) {
  auto small = TargetParams::fromFile(std::string(SLUICE_SOURCE_DIR) + "/hdl/params/small.json");
  ASSERT_TRUE(bool(small)) << llvm::toString(small.takeError());
  EXPECT_EQ(small->unitLatencyStages("div"), 6u);
  StageImage img = StageImage::empty(*small);
  img.setUop(1, 2, op(Op::DIV, 20, 16, 17));  // lands at the end of stage 6
  EXPECT_FALSE(bool(verifyStageImage(img, *small)));
  img.setUop(3, 2, op(Op::DIV, 21, 16, 17));
  EXPECT_EQ(llvm::toString(verifyStageImage(img, *small)),
            "stage 3 lane 2: DIV needs the div unit, which this stage lacks (it is in lane 2 of other stages)");
  auto bytes = writeStageImage(sample());
  EXPECT_NE(readError(bytes, *small).find("(first difference: maps.lpm_rows: 256 vs 16)"), std::string::npos)
      << readError(bytes, *small);
}

// Corruption that keeps a valid CRC (a buggy writer, not the wire) must be
// refused or read, never crash: random byte changes with the CRC refreshed.
TEST(StageImage, MutatedImagesWithValidCrcNeverCrashTheReader) {
  const auto good = writeStageImage(sample());
  uint64_t x = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  unsigned refused = 0;
  for (int i = 0; i < 3000; ++i) {
    auto b = good;
    int n = 1 + int(next() % 4);
    for (int k = 0; k < n; ++k) {
      size_t at = next() % b.size();
      if (at >= 24 && at < 28)
        continue;
      b[at] = uint8_t(next());
    }
    if (next() % 8 == 0)
      b.resize(std::max<size_t>(32, b.size() - next() % 64));
    uint32_t len = uint32_t(b.size());
    std::memcpy(&b[12], &len, 4);
    refreshCrc(b);
    auto r = readStageImage(b.data(), b.size(), T(), "m.slc");
    if (!r) {
      ++refused;
      llvm::consumeError(r.takeError());
    }
  }
  EXPECT_GT(refused, 100u);
}

TEST(StageImage, FileRoundTripAndMissingFile) {
  std::string path = ::testing::TempDir() + "/sample.slc";
  ASSERT_FALSE(bool(writeStageImageFile(sample(), path)));
  auto r = readStageImageFile(path, T());
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_EQ(r->name, "xdp_sample");
  auto m = readStageImageFile("/nonexistent/x.slc", T());
  ASSERT_FALSE(bool(m));
  EXPECT_EQ(llvm::toString(m.takeError()), "/nonexistent/x.slc: cannot open");
}

TEST(StageImage, AssemblyText) {
  isa::Uop u = op(Op::ADD, 2, 0, 1);
  EXPECT_EQ(formatUop(u), "ADD s2, s0, s1");
  u.bi = 1, u.imm = 5, u.g = 3, u.gn = 1, u.w = 1;
  EXPECT_EQ(formatUop(u, 1), "[!p3] ADD.w s2, s0, #0x100000005");
  isa::Uop c = op(Op::JSLT, 0, 8, 9);
  c.p = 4;
  EXPECT_EQ(formatUop(c), "JSLT p4, s8, s9");
  isa::Uop v = op(Op::VLD, 3, 2, 0);
  v.p = 1, v.imm = 14, v.bi = 1;
  EXPECT_EQ(formatUop(v), "VLD.2 s3, [s2 + 14]");
  isa::Uop sel = op(Op::SEL, 5, 0, 1);
  sel.p = 2;
  EXPECT_EQ(formatUop(sel), "SEL s5, p2 ? s0 : s1");
  std::string text = formatStageImage(sample(), T());
  EXPECT_NE(text.find("extract e0: s0 = window[26..29]"), std::string::npos) << text;
  EXPECT_NE(text.find("  lane 0: ADD s2, s0, s1"), std::string::npos) << text;
  EXPECT_NE(text.find("; sample.bpf.c:42 insn 7"), std::string::npos) << text;
  EXPECT_NE(text.find("  lane 2: SUB.w s18, s16, s17"), std::string::npos) << text;
  EXPECT_NE(text.find("deparse d0: window[30] (4 bytes) = s2"), std::string::npos) << text;
  EXPECT_NE(text.find("const s5 = 0x12345678"), std::string::npos) << text;
}

} // namespace

// ---------------------------------------------------------------------------
// ISA v2 map operations and the MAPS section (docs/maps-design.md)
// ---------------------------------------------------------------------------

namespace {

ImageMap imap(std::string name, uint32_t type, uint32_t k, uint32_t v, uint32_t n, int32_t stage,
              uint64_t offset) {
  ImageMap m;
  m.name = std::move(name), m.type = type, m.keySize = k, m.valueSize = v, m.maxEntries = n;
  m.stage = stage, m.offset = offset;
  return m;
}

// m0 'flows': hash, 8-byte key, 16-byte value, stage 1. m1 'cnt': array of
// 4 x 8 bytes, stage 5. m2 'spare': hash, never touched. m3 'gdata': a
// global-data array with its initial bytes, stage 5 after 'cnt'.
StageImage mapImage() {
  StageImage img = StageImage::empty(T());
  img.name = "xdp_maps";
  img.maps = {imap("flows", 1, 8, 16, 64, 1, 0), imap("cnt", 2, 4, 8, 4, 5, 0),
              imap("spare", 1, 4, 4, 16, -1, 0), imap("gdata", 2, 4, 6, 1, 5, 32)};
  img.maps[3].initial = {1, 2, 3, 4, 5, 6};
  img.maps[3].flags = 0x400;
  MapLookupOp lk;
  lk.map = 0, lk.key = 16, lk.found = 3, lk.readMask = 0xf, lk.w0 = 0, lk.dst = 18;
  img.setUop(1, 2, encodeMapLookup(lk));
  MapRmw r0{.en = true, .op = MapRmwOp::Add, .word = 0, .operand = 20};
  MapRmw r1{.en = true, .wide = true, .op = MapRmwOp::Xchg, .word = 2, .operand = 21, .g = 2};
  img.setUop(1, 3, encodeMapAtom(r0, r1));
  img.setUop(5, 2, encodeMapUpdate(1, 17, 18, 0, 16));
  return img;
}

} // namespace

TEST(StageImageMaps, MapOpsAndTheMapsSectionRoundTrip) {
  StageImage img = mapImage();
  EXPECT_EQ(verifyError(img), "");
  auto b = writeStageImage(img);
  auto r = readStageImage(b.data(), b.size(), T(), "x.slc");
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_EQ(*r, img);
  EXPECT_EQ(r->maps[3].initial, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(r->maps[3].flags, 0x400u);
  EXPECT_EQ(r->maps[2].stage, -1);
  EXPECT_EQ(r->maps[3].offset, 32u);
  // The builders and decoders agree field by field.
  isa::Uop u = img.uop(1, 3);
  EXPECT_EQ(decodeMapAtomR1(u).word, 2u);
  EXPECT_EQ(decodeMapAtomR1(u).g, 2u);
  EXPECT_TRUE(decodeMapAtomR1(u).wide);
  EXPECT_EQ(decodeMapAtomR1(u).op, MapRmwOp::Xchg);
  EXPECT_EQ(decodeMapLookup(img.uop(1, 2)).found, 3u);
  EXPECT_EQ(uint16_t(b[8] | b[9] << 8), 2u);    // image format v2
  EXPECT_EQ(uint16_t(b[10] | b[11] << 8), 2u);  // stage ISA v2
}

TEST(StageImageMaps, MalformedMapsSection) {
  StageImage img = mapImage();
  auto b = writeStageImage(img);
  // The MAPS section is the last one: its payload starts after id and length.
  size_t at = 32;
  for (int i = 0; i < 6; ++i)
    at += 8 + ((size_t(b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16) + 3) & ~size_t(3));
  ASSERT_EQ(b[at], 7);
  size_t rec1 = at + 8 + 4 + 40 + 0;  // map 0 has no initial bytes
  auto mutated = [&](size_t off, uint8_t v) {
    auto c = b;
    c[off] = v;
    refreshCrc(c);
    return readError(c);
  };
  EXPECT_EQ(mutated(at + 8, 3), "x.slc: malformed MAPS section (3 maps, the metadata lists 4)");
  EXPECT_EQ(mutated(rec1, 7), "x.slc: malformed MAPS section (map 1 has id 7)");
  EXPECT_EQ(mutated(rec1 + 12, 9), "x.slc: malformed MAPS section (map 1 ('cnt') differs from the "
                                   "metadata)");
  EXPECT_EQ(mutated(rec1 + 24, 2), "x.slc: map 1 ('cnt') is bound to stage 2, which has no map "
                                   "unit (map stages: 1, 5, 9, 13, 17)");
  size_t rec3 = rec1 + 40 + 40;
  EXPECT_EQ(mutated(rec3 + 36, 5), "x.slc: malformed MAPS section (map 3 ('gdata') has 5 initial "
                                   "bytes, its value is 6)");
  // An image without the section (format v1's six sections) is refused.
  auto c = b;
  c.resize(at);
  uint32_t len = uint32_t(c.size()), n = 6;
  std::memcpy(&c[12], &len, 4);
  std::memcpy(&c[28], &n, 4);
  c[8] = 1;
  refreshCrc(c);
  EXPECT_EQ(readError(c), "x.slc: stage image format v1, this build reads v2");
  c[8] = 2;
  refreshCrc(c);
  EXPECT_EQ(readError(c), "x.slc: malformed stage image (section 7 missing)");
}

TEST(StageImageMaps, PlacementRules) {
  StageImage img = mapImage();
  img.maps[3].offset = 16;  // 'cnt' is 4 rows x 8 bytes at 0
  EXPECT_EQ(verifyError(img), "map 3 ('gdata') overlaps another map in stage 5's map memory");
  img = mapImage();
  img.maps[3].offset = 838848 - 4;
  EXPECT_EQ(verifyError(img), "map 3 ('gdata'): bytes 838844..838851 are outside stage 5's "
                              "838848-byte map memory");
  img = mapImage();
  img.maps[2].offset = 8;
  EXPECT_EQ(verifyError(img), "map 2 ('spare'): an unbound map has stage -1 and offset 0");
  img = mapImage();
  img.maps[0].type = 27;  // a ring buffer: not stored
  EXPECT_NE(verifyError(img).find("map 'flows': type ringbuf is not stored on the NIC yet"),
            std::string::npos)
      << verifyError(img);
  img = mapImage();
  img.maps[0].type = 9;  // LRU hash: a hash map for the image rules
  EXPECT_EQ(verifyError(img), "");
  // LPM tries: in the CAM of a map unit that has one (maps.lpm_stages: 5 on
  // the default datapath), lookups only, one per stage
  img = mapImage();
  img.maps[0].type = 11;
  EXPECT_EQ(verifyError(img), "map 0 ('flows') is an LPM trie bound to stage 1, whose map unit "
                              "has no LPM CAM (maps.lpm_stages: 5)");
  // the same transaction in stage 5, whose unit has the CAM
  isa::Uop look = img.uop(1, 2), atom = img.uop(1, 3);
  img.setUop(1, 2, {});
  img.setUop(1, 3, {});
  img.setUop(5, 2, look);
  img.setUop(5, 3, atom);
  img.maps[0].stage = 5;
  img.maps[0].offset = 256;
  EXPECT_EQ(verifyError(img), "stage 5 lane 3: MAPATOM on map 0 ('flows'), an LPM trie: the "
                              "datapath only looks LPM tries up");
  img.setUop(5, 3, {});
  EXPECT_EQ(verifyError(img), "");
  img.maps[0].maxEntries = 257;
  EXPECT_EQ(verifyError(img), "LPM trie 'flows' has max_entries 257, the map unit's CAM holds 256 "
                              "rows (maps.lpm_rows): lower max_entries");
  img.maps[0].maxEntries = 64;
  img.maps[0].keySize = 21;
  EXPECT_EQ(verifyError(img), "LPM trie 'flows' has 17 bytes of key data, the CAM compares at "
                              "most 16 (maps.lpm_data_bytes)");
  img.maps[0].keySize = 8;
  img.maps[0].valueSize = 20;
  EXPECT_EQ(verifyError(img), "LPM trie 'flows' has a 20-byte value, the CAM's value memory "
                              "holds 16 bytes per row (maps.lpm_value_bytes)");
  img = mapImage();
  img.maps[1] = imap("cnt", 11, 8, 8, 4, 5, 0);
  img.maps[3] = imap("more", 11, 8, 8, 4, 5, 256);
  img.setUop(5, 2, {});
  EXPECT_EQ(verifyError(img), "maps 1 ('cnt') and 3 ('more') are LPM tries bound to stage 5: a "
                              "map unit's CAM holds one");
  img.maps[3].stage = 9;
  img.maps[3].offset = 0;
  EXPECT_EQ(verifyError(img), "map 3 ('more') is an LPM trie bound to stage 9, whose map unit has "
                              "no LPM CAM (maps.lpm_stages: 5)");
  img.maps[3].stage = -1;  // unbound: the host keeps it
  EXPECT_EQ(verifyError(img), "");
  img.setUop(5, 2, encodeMapUpdate(1, 17, 18, 0, 16));
  EXPECT_EQ(verifyError(img), "stage 5 lane 2: MAPUPD on map 1 ('cnt'), an LPM trie: the "
                                "datapath only looks LPM tries up");
}

TEST(StageImageMaps, MapOpRules) {
  auto with = [](unsigned s, unsigned l, isa::Uop u, bool clear = true) {
    StageImage img = mapImage();
    if (clear) {
      img.setUop(1, 2, {});
      img.setUop(1, 3, {});
      img.setUop(5, 2, {});
    }
    img.setUop(s, l, u);
    return verifyError(img);
  };
  MapLookupOp lk;
  lk.map = 0, lk.key = 16, lk.found = 3, lk.readMask = 1, lk.dst = 18;
  EXPECT_EQ(with(1, 2, encodeMapLookup(lk)), "");
  EXPECT_EQ(with(0, 2, encodeMapLookup(lk)), "stage 0 lane 2: MAPLK needs a map stage, which this "
                                             "stage is not (map stages: 1, 5, 9, 13, 17)");
  EXPECT_EQ(with(1, 1, encodeMapLookup(lk)), "stage 1 lane 1: MAPLK stands in lane 2 (the map lane "
                                             "is 2)");
  MapRmw add{.en = true, .op = MapRmwOp::Add, .word = 0, .operand = 20};
  EXPECT_EQ(with(1, 2, encodeMapAtom(add)), "stage 1 lane 2: MAPATOM stands in lane 3 (the map lane "
                                            "is 2, MAPATOM its pair lane)");
  EXPECT_EQ(with(1, 3, encodeMapAtom(add)), "stage 1 lane 3: MAPATOM without a MAPLK beside it in "
                                            "lane 2");
  // Operands: the key (8 bytes: two slots) and values inside slots 16..31.
  MapLookupOp k = lk;
  k.key = 8;
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "stage 1 lane 2: MAPLK key slots 8..9 are outside the "
                                            "map lane's read window");
  k.key = 31;
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "stage 1 lane 2: MAPLK key slots 31..32 are outside "
                                            "the map lane's read window");
  k = lk;
  k.insertOnMiss = true, k.insertValue = 29;  // 16-byte value: slots 29..32
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "stage 1 lane 2: MAPLK inserted value slots 29..32 are "
                                            "outside the map lane's read window");
  k.insertValue = 28;
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "");
  k.readMask = 4, k.dst = 23;  // word 2 lands in dst + 1 = 24: lane 3's bank
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "stage 1 lane 2: MAPLK read word slot 24 is outside "
                                            "the map lane's bank (slots 16..23)");
  // Map binding.
  k = lk;
  k.map = 1;
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "stage 1 lane 2: MAPLK on map 1 ('cnt') in stage 1, "
                                            "but the map is bound to stage 5");
  k.map = 2;
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "stage 1 lane 2: MAPLK on map 2 ('spare') in stage 1, "
                                            "but the map is bound to no stage");
  k.map = 5;
  EXPECT_EQ(with(1, 2, encodeMapLookup(k)), "stage 1 lane 2: MAPLK on map 5, which does not exist "
                                            "(the image has 4 maps)");
  k.map = 1, k.key = 16, k.insertOnMiss = true, k.insertValue = 20;
  EXPECT_EQ(with(5, 2, encodeMapLookup(k)), "stage 5 lane 2: MAPLK inserts on a miss into map 1 "
                                            "('cnt'), which is not a hash map");
  // RMWs inside the value; R1 checked as R0.
  MapRmw wide{.en = true, .wide = true, .op = MapRmwOp::Add, .word = 3, .operand = 20};
  {
    StageImage img = mapImage();
    img.setUop(1, 3, encodeMapAtom(wide));
    EXPECT_EQ(verifyError(img), "stage 1 lane 3: MAPATOM R0 64-bit RMW on value word 3 is outside "
                                "the value of map 0 ('flows', 16 bytes)");
    MapRmw bad = add;
    bad.op = MapRmwOp(5);
    img.setUop(1, 3, encodeMapAtom(add, bad));
    EXPECT_EQ(verifyError(img), "stage 1 lane 3: MAPATOM R1 op 5 does not exist (0 add, 1 or, 2 "
                                "and, 3 xor, 4 xchg)");
    MapRmw far = add;
    far.operand = 8;
    img.setUop(1, 3, encodeMapAtom(add, far));
    EXPECT_EQ(verifyError(img), "stage 1 lane 3: MAPATOM R1 operand slots 8..8 are outside the map "
                                "lane's read window");
    wide.word = 2, wide.operand = 24;  // high half 32: no such slot
    img.setUop(1, 3, encodeMapAtom(wide));
    EXPECT_EQ(verifyError(img), "stage 1 lane 3: MAPATOM R0 operand high slots 32..32 are outside "
                                "the map lane's read window");
  }
  // MAPUPD and MAPDEL: flags, value slots, the return code in the map bank.
  EXPECT_EQ(with(5, 2, encodeMapUpdate(1, 17, 18, 3, 16)),
            "stage 5 lane 2: MAPUPD imm 0x31: flags 3 and bits other than 2:0 and 5:4 are illegal");
  EXPECT_EQ(with(5, 2, encodeMapUpdate(1, 17, 31, 0, 16)),
            "stage 5 lane 2: MAPUPD value slots 31..32 are outside the map lane's read window");
  EXPECT_EQ(with(5, 2, encodeMapUpdate(1, 17, 18, 1, 8)),
            "stage 5 lane 2: MAPUPD return code slot 8 is outside the map lane's bank (slots "
            "16..23)");
  EXPECT_EQ(with(5, 2, encodeMapDelete(1, 17, 16)), "");
  // Results land in stage s + L - 1 (L = 3) and count as writers there.
  {
    StageImage img = mapImage();
    img.setUop(3, 2, op(Op::ADD, 18, 16, 17));
    EXPECT_EQ(verifyError(img), "stage 3: the map unit issued in stage 1 and lane 2 (ADD) both "
                                "write slot 18");
    img = mapImage();
    img.setUop(3, 2, op(Op::ADD, 27, 16, 17));  // the read word k = 3 lands in 19 + 8
    EXPECT_EQ(verifyError(img), "stage 3 lane 2: destination slot 27 is outside the lane's bank "
                                "(slots 16..23)");
    img = mapImage();
    img.setUop(3, 1, [] {
      isa::Uop c = op(Op::JEQ, 0, 8, 9);
      c.p = 3;
      return c;
    }());
    EXPECT_EQ(verifyError(img), "stage 3: the map unit issued in stage 1 and lane 1 (JEQ) both "
                                "write predicate p3");
    img = mapImage();
    img.setUop(2, 1, [] {
      isa::Uop c = op(Op::JEQ, 0, 8, 9);
      c.p = 3;
      return c;
    }());
    EXPECT_EQ(verifyError(img), "");  // p3 lands at the end of stage 3, not 2
    img = mapImage();
    img.setUop(17, 2, encodeMapLookup(lk));
    img.maps[0].stage = 17;
    img.setUop(1, 2, {}), img.setUop(1, 3, {});
    EXPECT_EQ(verifyError(img), "");  // 17 + 3 <= 24
  }
  EXPECT_EQ(with(1, 2, [&] {
              isa::Uop u = encodeMapLookup(lk);
              u.bi = 1;
              return u;
            }()),
            "stage 1 lane 2: MAPLK has no immediate operand B");
}

TEST(StageImageMaps, AssemblyText) {
  StageImage img = mapImage();
  EXPECT_EQ(formatUop(img.uop(1, 2)), "MAPLK m0, key s16, p3, read w0 mask 0xf -> s18");
  EXPECT_EQ(formatUop(img.uop(1, 3)), "MAPATOM add.32 w0, s20; [p2] xchg.64 w2, s21");
  EXPECT_EQ(formatUop(img.uop(5, 2)), "MAPUPD s16, m1, key s17, value s18, any");
  EXPECT_EQ(formatUop(encodeMapDelete(2, 16, 17, 4, 1)), "[!p4] MAPDEL s17, m2, key s16");
  MapLookupOp ins;
  ins.map = 0, ins.key = 16, ins.insertOnMiss = true, ins.insertValue = 20, ins.dst = 18;
  EXPECT_EQ(formatUop(encodeMapLookup(ins)), "MAPLK m0, key s16, p0, read w0 mask 0x0 -> s18, insert s20");
  std::string text = formatStageImage(img, T());
  EXPECT_NE(text.find("; map m0 flows type 1 key 8 value 16 max 64 in stage 1 at byte 0\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("; map m2 spare type 1 key 4 value 4 max 16\n"), std::string::npos) << text;
  EXPECT_NE(text.find("; map m3 gdata type 2 key 4 value 6 max 1 in stage 5 at byte 32 (6 initial "
                      "bytes)"), std::string::npos) << text;
}

// Devmaps (bpf_redirect_map): an array (DEVMAP) or a hash (DEVMAP_HASH) of
// 4-byte keys and 4- or 8-byte values that the datapath only reads.
TEST(StageImageMaps, DevmapsAreReadOnly) {
  StageImage img = mapImage();
  img.maps[1] = imap("ports", 14 /* DEVMAP */, 4, 8, 4, 5, 0);
  EXPECT_EQ(verifyError(img), "stage 5 lane 2: MAPUPD on map 1 ('ports'), a devmap: the "
                              "datapath only reads devmaps (bpf_redirect_map)");
  img.setUop(5, 2, encodeMapDelete(1, 17, 16));
  EXPECT_EQ(verifyError(img), "stage 5 lane 2: MAPDEL on map 1 ('ports'), a devmap: the "
                              "datapath only reads devmaps (bpf_redirect_map)");
  MapLookupOp lk;
  lk.map = 1, lk.key = 17, lk.readMask = 1, lk.w0 = 0, lk.dst = 18;
  img.setUop(5, 2, encodeMapLookup(lk));
  EXPECT_EQ(verifyError(img), "");
  img.maps[0] = imap("ids", 25 /* DEVMAP_HASH */, 4, 4, 64, 1, 0);
  EXPECT_EQ(verifyError(img), "stage 1 lane 3: MAPATOM on map 0 ('ids'), a devmap: the "
                              "datapath only reads devmaps (bpf_redirect_map)");
  img.setUop(1, 3, {});
  EXPECT_EQ(verifyError(img), "");
  img.maps[0].valueSize = 12;
  EXPECT_EQ(verifyError(img), "map 'ids': a devmap_hash has 4-byte keys and 4- or 8-byte values, "
                              "not 4 and 12");
}
