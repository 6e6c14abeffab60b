//===- InterpFuzzTest.cpp - Random programs never crash interp ------------===//
//
// Thousands of random instruction sequences (mostly valid encodings, random
// registers, offsets, immediates, map references and helper calls) are
// loaded and run: each must end in a verdict, a load error or a run error,
// never in a crash or a write outside the engine's memory (run it under
// AddressSanitizer to see the latter).
//
//===----------------------------------------------------------------------===//
#include "InterpTestUtil.h"

#include <random>

using namespace sluice;
using namespace sluice::interptest;

namespace {

const uint8_t kCodes[] = {
    // ALU64 / ALU, K and X
    0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77,
    0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd4, 0xdc, 0xd7, 0x04, 0x0c,
    0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x84,
    0x94, 0x9c, 0xa4, 0xac, 0xb4, 0xbc, 0xc4, 0xcc,
    // loads and stores
    0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b,
    0xc3, 0xdb,
    // jumps
    0x05, 0x06, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75,
    0x7d, 0xa5, 0xad, 0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd, 0x16, 0x1e, 0x26, 0x2e, 0x56, 0x5e,
    0xa6, 0xae, 0xc6, 0xce, 0xe5,
    // call, exit
    0x85, 0x95};

const int32_t kHelpers[] = {1,  2,  3,  5,  6,  7,  8,  12, 23,  25,  28,  44,  51,
                            54, 65, 93, 94, 130, 131, 132, 133, 134, 181, 188, 189, 190};

const int32_t kAtomics[] = {0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1};

} // namespace

TEST(InterpFuzzTest, RandomProgramsEndInAVerdictOrAnError) {
  SKIP_ON_KERNEL();
  std::mt19937_64 rng(20240611);
  auto pick = [&](auto &arr) { return arr[rng() % std::size(arr)]; };
  int loaded = 0, ran = 0;
  for (int iter = 0; iter < 6000; ++iter) {
    TestObject t;
    int arr = t.addMap("arr", BPF_MAP_TYPE_ARRAY, 4, 16, 4);
    int hash = t.addMap("h", BPF_MAP_TYPE_LRU_HASH, 4, 8, 4);
    int rb = t.addMap("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
    int jt = t.addMap("jt", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2);
    int ro = t.addGlobal(".rodata", Bytes(8, 1), true);
    int maps[] = {arr, hash, rb, jt, ro};
    Asm a;
    // A useful start: pointers to the packet in r2/r3, the context in r6.
    a.mov64(6, 1).ldx(BPF_W, 2, 1, 0).ldx(BPF_W, 3, 1, 4);
    int n = 4 + int(rng() % 40);
    for (int i = 0; i < n; ++i) {
      uint8_t reg = uint8_t(rng() % 11), src = uint8_t(rng() % 11);
      int16_t off = int16_t(int(rng() % 80) - 40);
      if (rng() % 3 == 0)
        off = int16_t(int(rng() % 1200) - 600);
      int32_t imm = int32_t(rng());
      if (rng() % 2)
        imm = int32_t(rng() % 130) - 65;
      switch (rng() % 10) {
      case 0: {  // ld_imm64: a plain value, a map or a map value
        int kind = int(rng() % 3);
        int m = pick(maps);
        if (kind == 0)
          a.ld64(reg % 10, rng());
        else if (kind == 1)
          a.ldmap(reg % 10, m);
        else
          a.ldmapval(reg % 10, ro, uint32_t(rng() % 8));
        break;
      }
      case 1:
        a.call(pick(kHelpers));
        break;
      case 2:
        a.atomic(rng() % 2 ? BPF_DW : BPF_W, pick(kAtomics), reg, src, off);
        break;
      default: {
        uint8_t code = pick(kCodes);
        if (BPF_CLASS(code) == BPF_JMP || BPF_CLASS(code) == BPF_JMP32)
          off = int16_t(int(rng() % 8) - 2);
        if (code == 0x85)  // calls: helpers only (bpf-to-bpf below)
          imm = pick(kHelpers), src = 0, reg = 0, off = 0;
        if (code == 0x95)
          reg = src = 0, off = 0, imm = 0;
        uint8_t cls = BPF_CLASS(code);
        if (cls == BPF_JMP || cls == BPF_JMP32) {
          if (BPF_OP(code) == BPF_JA || BPF_OP(code) == BPF_JCOND) {
            reg = src = 0;
            if (cls == BPF_JMP32)
              imm = off, off = 0;
            else
              imm = 0;
          } else if (code & BPF_X) {
            imm = 0;
          } else {
            src = 0;
          }
        }
        if (cls == BPF_LDX || cls == BPF_STX)
          imm = cls == BPF_STX && BPF_MODE(code) == BPF_ATOMIC ? imm : 0;
        if (cls == BPF_ST)
          src = 0;
        if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX)
          reg %= 10;
        if ((cls == BPF_ALU || cls == BPF_ALU64) &&
            (BPF_OP(code) == BPF_LSH || BPF_OP(code) == BPF_RSH || BPF_OP(code) == BPF_ARSH))
          imm &= cls == BPF_ALU64 ? 63 : 31;
        if ((code & 0x07) == BPF_ALU || (code & 0x07) == BPF_ALU64) {
          if (BPF_OP(code) == BPF_END)
            imm = 16 << (rng() % 3), src = 0, off = 0;
          else if (BPF_OP(code) == BPF_MOV && (code & BPF_X))
            off = int16_t(rng() % 4 ? 0 : 8 << (rng() % 3)), imm = 0;
          else if (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD)
            off = int16_t(rng() % 2);
          else
            off = 0;
          if (BPF_OP(code) == BPF_NEG)
            imm = 0, src = 0, off = 0;
          else if (BPF_OP(code) == BPF_END)
            ;  // BPF_X is BPF_TO_BE here
          else if (code & BPF_X)
            imm = 0;
          else
            src = 0;
        }
        if (cls == BPF_STX && BPF_MODE(code) == BPF_ATOMIC)
          imm = pick(kAtomics);
        a.raw(code, reg, src, off, imm);
      }
      }
    }
    if (rng() % 4 == 0)
      a.callLocal("sub");
    a.exit();
    a.label("sub").mov64i(0, 1).ldx(BPF_DW, 1, 10, -8).exit();
    t.addProgram(a);
    t.addProgram(Asm().ret(XDP_TX), "other");
    if (auto e = t.load()) {
      EXPECT_NE(llvm::toString(std::move(e)).find("interp:"), std::string::npos);
      continue;
    }
    ++loaded;
    t.interp()->setInsnLimit(10000);
    (void)t.engine->mapUpdate("jt", le32(0), le32(1));
    (void)t.engine->mapUpdate("h", le32(1), le64(5));
    for (size_t len : {14u, 60u, 9000u}) {
      auto out = t.runPacket(pattern(len));
      if (out)
        ++ran;
      else
        EXPECT_NE(llvm::toString(out.takeError()).find("interp:"), std::string::npos);
    }
    auto d = t.engine->dumpMaps();
    ASSERT_TRUE(!!d);
  }
  // Enough programs get through decoding to exercise the loop.
  EXPECT_GT(loaded, 1000);
  EXPECT_GT(ran, 200);
}
