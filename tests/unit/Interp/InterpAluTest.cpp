//===- InterpAluTest.cpp - ALU, jump and ld_imm64 instructions of interp --===//
//
// Every ALU operation in 32 and 64 bits, register and immediate forms, with
// the edge values the ISA fixes (division by zero, INT_MIN / -1, shifts by
// the width and more, zero extension of 32-bit results), every jump
// condition in both widths, and the 64-bit immediate load. All expectations
// here were also run on Linux 6.18 (kernel: same values) with the test
// harness described in InterpTestUtil.h.
//
//===----------------------------------------------------------------------===//
#include "InterpTestUtil.h"

#include <climits>

using namespace sluice;
using namespace sluice::interptest;

namespace {

struct AluCase {
  const char *what;
  bool is64;
  uint8_t op;
  int16_t off;  // 1: signed division/modulo; 8/16/32: movsx
  bool imm;
  uint64_t dst;
  uint64_t src;  // register value, or the immediate (low 32 bits)
  uint64_t want;
};

constexpr uint64_t I64MIN = uint64_t(INT64_MIN);
constexpr uint64_t M1 = ~0ull;  // -1

// clang-format off
const AluCase kAlu[] = {
  {"add64 wraps",            true,  BPF_ADD, 0, false, M1, 1, 0},
  {"add64 imm sign-extends", true,  BPF_ADD, 0, true,  5, uint32_t(-1), 4},
  {"add32 wraps, zero-ext",  false, BPF_ADD, 0, false, 0xffffffff00000001ull, 0xffffffff, 0},
  {"add32 imm",              false, BPF_ADD, 0, true,  0x100000005ull, uint32_t(-1), 4},
  {"sub64",                  true,  BPF_SUB, 0, false, 0, 1, M1},
  {"sub64 imm",              true,  BPF_SUB, 0, true,  0, uint32_t(-2), 2},
  {"sub32",                  false, BPF_SUB, 0, false, 0x100000000ull, 1, 0xffffffff},
  {"sub32 imm",              false, BPF_SUB, 0, true,  7, 9, 0xfffffffe},
  {"mul64",                  true,  BPF_MUL, 0, false, 0x100000001ull, 0x100000001ull, 0x200000001ull},
  {"mul64 imm negative",     true,  BPF_MUL, 0, true,  3, uint32_t(-2), uint64_t(-6)},
  {"mul32",                  false, BPF_MUL, 0, false, 0xffffffff, 0xffffffff, 1},
  {"mul32 imm",              false, BPF_MUL, 0, true,  0x100000003ull, uint32_t(-2), 0xfffffffa},
  {"div64",                  true,  BPF_DIV, 0, false, 100, 7, 14},
  {"div64 by zero is 0",     true,  BPF_DIV, 0, false, 100, 0, 0},
  {"div64 imm -1 is u64 max",true,  BPF_DIV, 0, true,  M1, uint32_t(-1), 1},
  {"div32",                  false, BPF_DIV, 0, false, 0xffffffff00000064ull, 7, 14},
  {"div32 by zero is 0",     false, BPF_DIV, 0, false, 100, 0xffffffff00000000ull, 0},
  {"div32 imm",              false, BPF_DIV, 0, true,  0xffffffff, uint32_t(-1), 1},
  {"mod64",                  true,  BPF_MOD, 0, false, 100, 7, 2},
  {"mod64 by zero keeps dst",true,  BPF_MOD, 0, false, 0xdeadbeefcafef00dull, 0, 0xdeadbeefcafef00dull},
  {"mod64 imm -1",           true,  BPF_MOD, 0, true,  100, uint32_t(-1), 100},
  {"mod32",                  false, BPF_MOD, 0, false, 100, 7, 2},
  {"mod32 by zero truncates",false, BPF_MOD, 0, false, 0xdeadbeefcafef00dull, 0, 0xcafef00d},
  {"mod32 imm",              false, BPF_MOD, 0, true,  0x100000064ull, 7, 2},
  {"sdiv64",                 true,  BPF_DIV, 1, false, uint64_t(-100), 7, uint64_t(-14)},
  {"sdiv64 INT_MIN/-1",      true,  BPF_DIV, 1, false, I64MIN, M1, I64MIN},
  {"sdiv64 by zero is 0",    true,  BPF_DIV, 1, false, uint64_t(-100), 0, 0},
  {"sdiv64 imm",             true,  BPF_DIV, 1, true,  uint64_t(-100), uint32_t(-7), 14},
  {"sdiv64 imm -1",          true,  BPF_DIV, 1, true,  I64MIN, uint32_t(-1), I64MIN},
  {"smod64",                 true,  BPF_MOD, 1, false, uint64_t(-100), 7, uint64_t(-2)},
  {"smod64 INT_MIN%-1",      true,  BPF_MOD, 1, false, I64MIN, M1, 0},
  {"smod64 by zero keeps",   true,  BPF_MOD, 1, false, uint64_t(-100), 0, uint64_t(-100)},
  {"smod64 imm",             true,  BPF_MOD, 1, true,  100, uint32_t(-7), 2},
  {"sdiv32",                 false, BPF_DIV, 1, false, uint32_t(-100), 7, uint32_t(-14)},
  {"sdiv32 INT_MIN/-1",      false, BPF_DIV, 1, false, 0x80000000, 0xffffffff, 0x80000000},
  {"sdiv32 by zero is 0",    false, BPF_DIV, 1, false, uint32_t(-100), 0, 0},
  {"sdiv32 imm",             false, BPF_DIV, 1, true,  uint32_t(-100), uint32_t(-7), 14},
  {"smod32",                 false, BPF_MOD, 1, false, uint32_t(-100), 7, uint32_t(-2)},
  {"smod32 INT_MIN%-1",      false, BPF_MOD, 1, false, 0x80000000, 0xffffffff, 0},
  {"smod32 by zero truncates",false,BPF_MOD, 1, false, 0x12345678ffffff9cull, 0, 0xffffff9c},
  {"smod32 imm",             false, BPF_MOD, 1, true,  100, uint32_t(-7), 2},
  {"or64",                   true,  BPF_OR,  0, false, 0xf0f0000000000000ull, 0x0f, 0xf0f000000000000full},
  {"or64 imm sign-extends",  true,  BPF_OR,  0, true,  0, 0x80000000, 0xffffffff80000000ull},
  {"or32",                   false, BPF_OR,  0, false, 0xffffffff00000000ull, 0x0f, 0x0f},
  {"or32 imm",               false, BPF_OR,  0, true,  0x100000000ull, 0x80000000, 0x80000000},
  {"and64",                  true,  BPF_AND, 0, false, 0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull, 0x0f000f000f000f00ull},
  {"and64 imm",              true,  BPF_AND, 0, true,  M1, uint32_t(-16), 0xfffffffffffffff0ull},
  {"and32",                  false, BPF_AND, 0, false, M1, M1, 0xffffffff},
  {"and32 imm",              false, BPF_AND, 0, true,  M1, 0xff, 0xff},
  {"xor64",                  true,  BPF_XOR, 0, false, 0xaaaaaaaaaaaaaaaaull, M1, 0x5555555555555555ull},
  {"xor64 imm",              true,  BPF_XOR, 0, true,  0, uint32_t(-1), M1},
  {"xor32",                  false, BPF_XOR, 0, false, M1, 1, 0xfffffffe},
  {"xor32 imm",              false, BPF_XOR, 0, true,  M1, 0xf, 0xfffffff0},
  {"lsh64",                  true,  BPF_LSH, 0, true,  1, 63, 0x8000000000000000ull},
  {"lsh64 by 64 is masked",  true,  BPF_LSH, 0, false, 1, 64, 1},
  {"lsh64 by 65 is masked",  true,  BPF_LSH, 0, false, 1, 65, 2},
  {"lsh32",                  false, BPF_LSH, 0, true,  1, 31, 0x80000000},
  {"lsh32 by 32 is masked",  false, BPF_LSH, 0, false, 0xffffffff00000001ull, 32, 1},
  {"lsh32 drops high bits",  false, BPF_LSH, 0, false, 0xffffffff80000001ull, 1, 2},
  {"rsh64",                  true,  BPF_RSH, 0, true,  0x8000000000000000ull, 63, 1},
  {"rsh64 by 64 is masked",  true,  BPF_RSH, 0, false, 0x8000000000000000ull, 64, 0x8000000000000000ull},
  {"rsh32",                  false, BPF_RSH, 0, true,  0xffffffff80000000ull, 31, 1},
  {"rsh32 by 33 is masked",  false, BPF_RSH, 0, false, 0x80000000, 33, 0x40000000},
  {"arsh64",                 true,  BPF_ARSH,0, true,  0x8000000000000000ull, 63, M1},
  {"arsh64 by 64 is masked", true,  BPF_ARSH,0, false, 0x8000000000000000ull, 64, 0x8000000000000000ull},
  {"arsh64 positive",        true,  BPF_ARSH,0, false, 0x4000000000000000ull, 62, 1},
  {"arsh32",                 false, BPF_ARSH,0, true,  0x80000000, 31, 0xffffffff},
  {"arsh32 by 32 is masked", false, BPF_ARSH,0, false, 0xffffffff80000000ull, 32, 0x80000000},
  {"arsh32 by 33",           false, BPF_ARSH,0, false, 0x80000000, 33, 0xc0000000},
  {"mov64",                  true,  BPF_MOV, 0, false, 0, M1, M1},
  {"mov64 imm sign-extends", true,  BPF_MOV, 0, true,  0, uint32_t(-1), M1},
  {"mov32 zero-extends",     false, BPF_MOV, 0, false, 0, M1, 0xffffffff},
  {"mov32 imm",              false, BPF_MOV, 0, true,  M1, uint32_t(-1), 0xffffffff},
  {"movsx64 s8",             true,  BPF_MOV, 8, false, 0, 0x180, 0xffffffffffffff80ull},
  {"movsx64 s16",            true,  BPF_MOV, 16,false, 0, 0x18000, 0xffffffffffff8000ull},
  {"movsx64 s32",            true,  BPF_MOV, 32,false, 0, 0x180000000ull, 0xffffffff80000000ull},
  {"movsx64 s8 positive",    true,  BPF_MOV, 8, false, 0, 0xff7f, 0x7f},
  {"movsx32 s8",             false, BPF_MOV, 8, false, M1, 0x80, 0xffffff80},
  {"movsx32 s16",            false, BPF_MOV, 16,false, M1, 0xffff, 0xffffffff},
  {"movsx32 s16 positive",   false, BPF_MOV, 16,false, M1, 0x17fff, 0x7fff},
};
// clang-format on

uint64_t runAlu(const AluCase &c, std::string *err = nullptr) {
  return eval(
      [&](Asm &a) {
        a.ld64(0, c.dst);
        if (c.imm) {
          if (c.is64)
            a.alu64i(c.op, 0, int32_t(uint32_t(c.src)), c.off);
          else
            a.alu32i(c.op, 0, int32_t(uint32_t(c.src)), c.off);
        } else {
          a.ld64(1, c.src);
          if (c.is64)
            a.alu64(c.op, 0, 1, c.off);
          else
            a.alu32(c.op, 0, 1, c.off);
        }
      },
      err);
}

} // namespace

TEST(InterpAluTest, EveryOperationWithEdgeValues) {
  for (const AluCase &c : kAlu)
    EXPECT_EQ(runAlu(c), c.want) << c.what;
}

TEST(InterpAluTest, Negation) {
  EXPECT_EQ(eval([](Asm &a) { a.mov64i(0, 1).neg64(0); }), M1);
  EXPECT_EQ(eval([](Asm &a) { a.ld64(0, I64MIN).neg64(0); }), I64MIN);
  EXPECT_EQ(eval([](Asm &a) { a.ld64(0, 0x100000001ull).neg32(0); }), 0xffffffffu);
  EXPECT_EQ(eval([](Asm &a) { a.ld64(0, 0xffffffff00000000ull).neg32(0); }), 0u);
}

TEST(InterpAluTest, ByteOrder) {
  const uint64_t v = 0x1122334455667788ull;
  auto end = [&](std::function<void(Asm &)> op) {
    return eval([&](Asm &a) {
      a.ld64(0, v);
      op(a);
    });
  };
  EXPECT_EQ(end([](Asm &a) { a.le(0, 16); }), 0x7788u);
  EXPECT_EQ(end([](Asm &a) { a.le(0, 32); }), 0x55667788u);
  EXPECT_EQ(end([](Asm &a) { a.le(0, 64); }), v);
  EXPECT_EQ(end([](Asm &a) { a.be(0, 16); }), 0x8877u);
  EXPECT_EQ(end([](Asm &a) { a.be(0, 32); }), 0x88776655u);
  EXPECT_EQ(end([](Asm &a) { a.be(0, 64); }), 0x8877665544332211ull);
  // cpu=v4 bswap (BPF_ALU64 | BPF_END): unconditional.
  EXPECT_EQ(end([](Asm &a) { a.bswap(0, 16); }), 0x8877u);
  EXPECT_EQ(end([](Asm &a) { a.bswap(0, 32); }), 0x88776655u);
  EXPECT_EQ(end([](Asm &a) { a.bswap(0, 64); }), 0x8877665544332211ull);
}

TEST(InterpAluTest, LoadImm64) {
  EXPECT_EQ(eval([](Asm &a) { a.ld64(0, 0xfedcba9876543210ull); }), 0xfedcba9876543210ull);
  EXPECT_EQ(eval([](Asm &a) { a.ld64(0, 0x80000000ull); }), 0x80000000ull);
  EXPECT_EQ(eval([](Asm &a) { a.ld64(0, M1); }), M1);
}

TEST(InterpAluTest, RefusedLikeTheVerifier) {
  SKIP_ON_KERNEL();
  std::string err;
  eval([](Asm &a) { a.mov64i(0, 1).alu64i(BPF_DIV, 0, 0); }, &err);
  EXPECT_NE(err.find("division by constant zero"), std::string::npos) << err;
  err.clear();
  eval([](Asm &a) { a.mov64i(0, 1).alu32i(BPF_LSH, 0, 32); }, &err);
  EXPECT_NE(err.find("shift by constant 32"), std::string::npos) << err;
  err.clear();
  eval([](Asm &a) { a.mov64i(0, 1).mov64i(10, 0); }, &err);
  EXPECT_NE(err.find("r10"), std::string::npos) << err;
  err.clear();
  eval([](Asm &a) { a.mov64i(0, 1).alu64(BPF_ADD, 0, 1, 1); }, &err);  // off=1 on add
  EXPECT_NE(err.find("unknown or malformed opcode"), std::string::npos) << err;
  err.clear();
  eval([](Asm &a) { a.mov64i(0, 1).movsx32(0, 0, 32); }, &err);  // movsx32 has no s32
  EXPECT_NE(err.find("unknown or malformed opcode"), std::string::npos) << err;
}

//===-- Jumps --------------------------------------------------------------===//

namespace {

struct JmpOp {
  const char *name;
  uint8_t op;
  std::function<bool(uint64_t, uint64_t)> t64;
  std::function<bool(uint32_t, uint32_t)> t32;
};

const std::vector<JmpOp> &jmpOps() {
  static const std::vector<JmpOp> ops = {
      {"jeq", BPF_JEQ, [](uint64_t a, uint64_t b) { return a == b; },
       [](uint32_t a, uint32_t b) { return a == b; }},
      {"jne", BPF_JNE, [](uint64_t a, uint64_t b) { return a != b; },
       [](uint32_t a, uint32_t b) { return a != b; }},
      {"jgt", BPF_JGT, [](uint64_t a, uint64_t b) { return a > b; },
       [](uint32_t a, uint32_t b) { return a > b; }},
      {"jge", BPF_JGE, [](uint64_t a, uint64_t b) { return a >= b; },
       [](uint32_t a, uint32_t b) { return a >= b; }},
      {"jlt", BPF_JLT, [](uint64_t a, uint64_t b) { return a < b; },
       [](uint32_t a, uint32_t b) { return a < b; }},
      {"jle", BPF_JLE, [](uint64_t a, uint64_t b) { return a <= b; },
       [](uint32_t a, uint32_t b) { return a <= b; }},
      {"jsgt", BPF_JSGT, [](uint64_t a, uint64_t b) { return int64_t(a) > int64_t(b); },
       [](uint32_t a, uint32_t b) { return int32_t(a) > int32_t(b); }},
      {"jsge", BPF_JSGE, [](uint64_t a, uint64_t b) { return int64_t(a) >= int64_t(b); },
       [](uint32_t a, uint32_t b) { return int32_t(a) >= int32_t(b); }},
      {"jslt", BPF_JSLT, [](uint64_t a, uint64_t b) { return int64_t(a) < int64_t(b); },
       [](uint32_t a, uint32_t b) { return int32_t(a) < int32_t(b); }},
      {"jsle", BPF_JSLE, [](uint64_t a, uint64_t b) { return int64_t(a) <= int64_t(b); },
       [](uint32_t a, uint32_t b) { return int32_t(a) <= int32_t(b); }},
      {"jset", BPF_JSET, [](uint64_t a, uint64_t b) { return (a & b) != 0; },
       [](uint32_t a, uint32_t b) { return (a & b) != 0; }},
  };
  return ops;
}

// Pairs that separate signed from unsigned and 32 from 64 bits.
const std::pair<uint64_t, uint64_t> kPairs[] = {
    {1, 2},
    {2, 1},
    {2, 2},
    {M1, 1},
    {1, M1},
    {0x100000001ull, 1},            // equal in the low 32 bits only
    {0x80000000ull, 0x7fffffffull}, // negative as s32, positive as s64
    {0xffffffff00000000ull, 0},     // negative as s64, zero as u32
    {0x8000000000000000ull, 0x7fffffffffffffffull},
    {6, 3},                         // jset: 6 & 3 != 0
    {4, 3},                         // jset: 4 & 3 == 0
};

uint64_t runJump(uint8_t cls, uint8_t op, bool imm, uint64_t a, uint64_t b) {
  return eval([&](Asm &x) {
    x.ld64(1, a).ld64(2, b).mov64i(0, 0);
    if (imm)
      x.raw(cls | op | BPF_K, 1, 0, 1, int32_t(uint32_t(b)));
    else
      x.raw(cls | op | BPF_X, 1, 2, 1, 0);
    x.ja(1).mov64i(0, 1);  // taken: r0 = 1
  });
}

} // namespace

TEST(InterpJumpTest, EveryConditionBothWidthsBothForms) {
  for (const JmpOp &j : jmpOps())
    for (auto [a, b] : kPairs) {
      EXPECT_EQ(runJump(BPF_JMP, j.op, false, a, b), j.t64(a, b) ? 1u : 0u)
          << j.name << " " << a << ", " << b;
      EXPECT_EQ(runJump(BPF_JMP32, j.op, false, a, b), j.t32(uint32_t(a), uint32_t(b)) ? 1u : 0u)
          << j.name << "32 " << a << ", " << b;
      // Immediates: 32 bits, sign-extended for the 64-bit comparison.
      uint64_t k = uint64_t(int64_t(int32_t(uint32_t(b))));
      EXPECT_EQ(runJump(BPF_JMP, j.op, true, a, b), j.t64(a, k) ? 1u : 0u)
          << j.name << " imm " << a << ", " << int32_t(b);
      EXPECT_EQ(runJump(BPF_JMP32, j.op, true, a, b), j.t32(uint32_t(a), uint32_t(b)) ? 1u : 0u)
          << j.name << "32 imm " << a << ", " << int32_t(b);
    }
}

TEST(InterpJumpTest, GotoAndGotolAndBackwardLoop) {
  // sum 1..10 with a backward jump
  EXPECT_EQ(eval([](Asm &a) {
              a.mov64i(0, 0).mov64i(1, 10);
              a.label("loop").alu64(BPF_ADD, 0, 1).add64i(1, -1);
              a.jmpi(BPF_JNE, 1, 0, "loop");
            }),
            55u);
  // gotol (BPF_JMP32 | BPF_JA, offset in imm)
  EXPECT_EQ(eval([](Asm &a) {
              a.mov64i(0, 1).jmpi(BPF_JEQ, 0, 2, "mid").gotol("skip");
              a.label("mid").mov64i(0, 2).label("skip");
            }),
            1u);
}
