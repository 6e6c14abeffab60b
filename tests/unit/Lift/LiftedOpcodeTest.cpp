//===- LiftedOpcodeTest.cpp - Every opcode, lifted and JIT-run vs interp --===//
//
// Hand-assembled programs (the assembler of tests/unit/Interp) that read two
// 64-bit operands from the packet, so that nothing folds at compile time,
// apply every ALU operation (32/64 bits, register and immediate, signed
// division and modulo, movsx, byte swaps), every jump condition, loads and
// stores of each size (stack, packet, map value, sign-extending loads) and
// the atomics, and store each result into a .bss slot. Each program runs on
// `interp` and on `lifted` over packets carrying edge values; the slots must
// agree after every packet.
//
//===----------------------------------------------------------------------===//
#include "../Interp/InterpTestUtil.h"

#include <climits>

#include "llvm/IR/Module.h"

#include "sluice/Lift/Lift.h"
#include "sluice/Lift/LiftedEngine.h"

using namespace sluice;
using namespace sluice::interptest;

namespace {

const uint64_t kEdges[] = {0,
                           1,
                           ~0ull,
                           uint64_t(INT64_MIN),
                           uint64_t(INT64_MAX),
                           0x80000000ull,
                           0xffffffffull,
                           0xffffffff80000000ull,
                           7,
                           uint64_t(-7),
                           31,
                           32,
                           63,
                           64,
                           0x123456789abcdef0ull,
                           0x00000000fffffffeull};
const int32_t kImms[] = {0, 1, -1, 7, -7, 31, 32, 63, 64, INT32_MIN, INT32_MAX};

/// A program skeleton: r6, r7 = the packet's first two u64; r8 = the .bss
/// results; `body` appends operations, each storing one 8-byte result.
struct Prog {
  TestObject t;
  Asm a;
  int bss = -1;
  unsigned slots = 0;
  std::vector<std::string> names;

  explicit Prog(unsigned maxSlots) {
    bss = t.addGlobal(".bss", Bytes(8 * maxSlots, 0));
    a.mov64(9, 1)               // r9 = ctx
        .ldx(BPF_W, 2, 1, 0)    // r2 = data
        .ldx(BPF_W, 3, 1, 4)    // r3 = data_end
        .mov64(4, 2)
        .add64i(4, 32)
        .jmp(BPF_JGT, 4, 3, "out")
        .ldx(BPF_DW, 6, 2, 0)
        .ldx(BPF_DW, 7, 2, 8)
        .ldmapval(8, bss, 0);
  }
  /// Stores r1 into the next slot.
  void result(const std::string &name) {
    a.stx(BPF_DW, 8, 1, int16_t(8 * slots++));
    names.push_back(name);
  }
  bool finished = false;
  void finish() {
    if (finished)
      return;
    a.label("out").ret(XDP_PASS);
    t.addProgram(a);
    finished = true;
  }
};

Bytes packet(uint64_t x, uint64_t y) {
  Bytes b(64, 0x5a);
  std::memcpy(b.data(), &x, 8);
  std::memcpy(b.data() + 8, &y, 8);
  for (int i = 16; i < 32; ++i)
    b[i] = uint8_t(0x80 + i * 9);
  return b;
}

/// Runs `p` on interp and lifted over every pair of edge values.
void compareEngines(Prog &p, size_t pairsStride = 1) {
  p.finish();
  auto interp = createInterpEngine();
  auto lifted = createLiftedEngine();
  const Program &prog = p.t.obj.programs[0];
  if (auto e = interp->load(p.t.obj, prog))
    FAIL() << llvm::toString(std::move(e));
  if (auto e = lifted->load(p.t.obj, prog))
    FAIL() << llvm::toString(std::move(e));
  size_t n = 0;
  for (uint64_t x : kEdges)
    for (uint64_t y : kEdges) {
      if (n++ % pairsStride)
        continue;
      Bytes pkt = packet(x, y);
      auto a = interp->run({pkt});
      auto b = lifted->run({pkt});
      ASSERT_TRUE(!!a) << llvm::toString(a.takeError());
      ASSERT_TRUE(!!b) << llvm::toString(b.takeError());
      EXPECT_EQ(a->action, b->action);
      EXPECT_EQ(a->data, b->data) << "packet bytes, x=" << x << " y=" << y;
      auto da = interp->dumpMaps(), db = lifted->dumpMaps();
      ASSERT_TRUE(da && db);
      const Bytes &va = (*da)[0].entries[0].value, &vb = (*db)[0].entries[0].value;
      for (unsigned s = 0; s < p.slots; ++s) {
        uint64_t ra, rb;
        std::memcpy(&ra, va.data() + 8 * s, 8);
        std::memcpy(&rb, vb.data() + 8 * s, 8);
        EXPECT_EQ(ra, rb) << p.names[s] << " with x=0x" << std::hex << x << " y=0x" << y;
      }
      ASSERT_EQ(da->size(), db->size());
      for (size_t m = 1; m < da->size(); ++m)
        EXPECT_EQ((*da)[m].entries, (*db)[m].entries) << "map " << (*da)[m].name;
    }
}

const struct {
  const char *name;
  uint8_t op;
  int16_t off;
} kAluOps[] = {
    {"add", BPF_ADD, 0},  {"sub", BPF_SUB, 0},  {"mul", BPF_MUL, 0},   {"div", BPF_DIV, 0},
    {"sdiv", BPF_DIV, 1}, {"mod", BPF_MOD, 0},  {"smod", BPF_MOD, 1},  {"or", BPF_OR, 0},
    {"and", BPF_AND, 0},  {"lsh", BPF_LSH, 0},  {"rsh", BPF_RSH, 0},   {"arsh", BPF_ARSH, 0},
    {"xor", BPF_XOR, 0},  {"mov", BPF_MOV, 0},  {"movsx8", BPF_MOV, 8}, {"movsx16", BPF_MOV, 16},
    {"movsx32", BPF_MOV, 32},
};

TEST(LiftedOpcodeTest, AluRegisterForms) {
  Prog p(80);
  for (bool is64 : {true, false})
    for (auto &o : kAluOps) {
      if (!is64 && o.off == 32)
        continue;
      p.a.mov64(1, 6);
      if (is64)
        p.a.alu64(o.op, 1, 7, o.off);
      else
        p.a.alu32(o.op, 1, 7, o.off);
      p.result(std::string(o.name) + (is64 ? "64" : "32") + " reg");
    }
  for (bool is64 : {true, false}) {
    p.a.mov64(1, 6);
    if (is64)
      p.a.neg64(1);
    else
      p.a.neg32(1);
    p.result(is64 ? "neg64" : "neg32");
  }
  for (int bits : {16, 32, 64}) {
    p.a.mov64(1, 6).be(1, bits);
    p.result("be" + std::to_string(bits));
    p.a.mov64(1, 6).le(1, bits);
    p.result("le" + std::to_string(bits));
    p.a.mov64(1, 6).bswap(1, bits);
    p.result("bswap" + std::to_string(bits));
  }
  compareEngines(p);
}

TEST(LiftedOpcodeTest, AluImmediateForms) {
  Prog p(600);
  for (bool is64 : {true, false})
    for (auto &o : kAluOps) {
      if (o.off >= 8)
        continue;  // movsx has no immediate form
      for (int32_t imm : kImms) {
        // The verifier refuses a constant divisor 0 and shifts by the width or more.
        if ((o.op == BPF_DIV || o.op == BPF_MOD) && imm == 0)
          continue;
        if ((o.op == BPF_LSH || o.op == BPF_RSH || o.op == BPF_ARSH) &&
            (imm < 0 || imm >= (is64 ? 64 : 32)))
          continue;
        p.a.mov64(1, 6);
        if (is64)
          p.a.alu64i(o.op, 1, imm, o.off);
        else
          p.a.alu32i(o.op, 1, imm, o.off);
        p.result(std::string(o.name) + (is64 ? "64" : "32") + " imm " + std::to_string(imm));
      }
    }
  compareEngines(p, 3);
}

TEST(LiftedOpcodeTest, Jumps) {
  const uint8_t ops[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                         BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
  Prog p(200);
  int n = 0;
  for (bool is32 : {false, true})
    for (uint8_t op : ops)
      for (int form = 0; form < 3; ++form) {  // register, imm -1, imm 7
        std::string l = "j" + std::to_string(n++);
        p.a.mov64i(1, 1);
        if (form == 0)
          is32 ? p.a.jmp32(op, 6, 7, l) : p.a.jmp(op, 6, 7, l);
        else
          is32 ? p.a.jmp32i(op, 6, form == 1 ? -1 : 7, l) : p.a.jmpi(op, 6, form == 1 ? -1 : 7, l);
        p.a.mov64i(1, 2).label(l);
        p.result(fmt::format("jump op 0x{:x} {} form {}", op, is32 ? "32" : "64", form));
      }
  // ja and gotol.
  p.a.mov64i(1, 5).jmp(BPF_JEQ, 6, 7, "ja1").ja(std::string("ja2")).label("ja1").mov64i(1, 6).label("ja2");
  p.result("ja");
  p.a.mov64i(1, 5).jmp(BPF_JEQ, 6, 7, "gl1").gotol("gl2").label("gl1").mov64i(1, 6).label("gl2");
  p.result("gotol");
  compareEngines(p);
}

TEST(LiftedOpcodeTest, LoadsAndStores) {
  const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
  Prog p(80);
  for (uint8_t sz : sizes) {
    // Stack: stx, then ldx and ldxsx, at the highest aligned offset in fp-16..fp-9.
    int16_t so = sz == BPF_DW ? -16 : sz == BPF_W ? -12 : sz == BPF_H ? -10 : -9;
    p.a.st(BPF_DW, 10, -16, 0).st(BPF_DW, 10, -8, 0);
    p.a.stx(sz, 10, 6, so).ldx(sz, 1, 10, so);
    p.result("stack ldx size " + std::to_string(sz));
    if (sz != BPF_DW) {
      p.a.ldxsx(sz, 1, 10, so);
      p.result("stack ldxsx size " + std::to_string(sz));
    }
    p.a.st(sz, 10, -16, -5).ldx(BPF_DW, 1, 10, -16);
    p.result("stack st imm size " + std::to_string(sz));
    // Packet: loads at offsets 16..23, a store, re-read.
    for (int off : {16, 19}) {
      p.a.ldx(sz, 1, 2, int16_t(off));
      p.result(fmt::format("packet ldx size {} off {}", sz, off));
      if (sz != BPF_DW) {
        p.a.ldxsx(sz, 1, 2, int16_t(off));
        p.result(fmt::format("packet ldxsx size {} off {}", sz, off));
      }
    }
    p.a.stx(sz, 2, 7, 24).ldx(BPF_DW, 1, 2, 24);
    p.result("packet stx size " + std::to_string(sz));
    // Map value: st imm, re-read.
    p.a.st(sz, 8, int16_t(8 * 70), 0x7abcdef1).ldx(BPF_DW, 1, 8, int16_t(8 * 70));
    p.result("map st size " + std::to_string(sz));
  }
  compareEngines(p, 5);
}

TEST(LiftedOpcodeTest, Atomics) {
  const int32_t ops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR};
  Prog p(80);
  for (uint8_t sz : {BPF_W, BPF_DW})
    for (int32_t op : ops)
      for (bool fetch : {false, true}) {
        // On a map value slot preset to r6, with r7 as operand.
        int16_t off = int16_t(8 * 60);
        p.a.stx(BPF_DW, 8, 6, off).mov64(1, 7);
        p.a.atomic(sz, op | (fetch ? BPF_FETCH : 0), 8, 1, off);
        p.result(fmt::format("atomic {} size {} fetch {}: fetched", op, sz, fetch));
        p.a.ldx(BPF_DW, 1, 8, off);
        p.result(fmt::format("atomic {} size {} fetch {}: memory", op, sz, fetch));
      }
  for (uint8_t sz : {BPF_W, BPF_DW}) {
    int16_t off = int16_t(8 * 61);
    p.a.stx(BPF_DW, 8, 6, off).mov64(1, 7).atomic(sz, BPF_XCHG, 8, 1, off);
    p.result(fmt::format("xchg size {}: old", sz));
    p.a.ldx(BPF_DW, 1, 8, off);
    p.result(fmt::format("xchg size {}: memory", sz));
    // cmpxchg on the stack: r0 compared with memory.
    p.a.stx(BPF_DW, 10, 6, -8).mov64(0, 6).mov64(1, 7).atomic(sz, BPF_CMPXCHG, 10, 1, -8);
    p.a.mov64(1, 0);
    p.result(fmt::format("cmpxchg equal size {}: r0", sz));
    p.a.ldx(BPF_DW, 1, 10, -8);
    p.result(fmt::format("cmpxchg equal size {}: memory", sz));
    p.a.stx(BPF_DW, 10, 6, -8).mov64(0, 7).mov64(1, 7).atomic(sz, BPF_CMPXCHG, 10, 1, -8);
    p.a.mov64(1, 0);
    p.result(fmt::format("cmpxchg other size {}: r0", sz));
  }
  compareEngines(p, 3);
}

TEST(LiftedOpcodeTest, BpfToBpfCallsAndHashMap) {
  // A sub-program that bumps a hash entry keyed by the packet's first byte.
  Prog p(8);
  int h = p.t.addMap("counts", BPF_MAP_TYPE_HASH, 4, 8, 16);
  p.a.ldx(BPF_B, 1, 2, 0).callLocal("bump").mov64(1, 0);
  p.result("returned");
  p.a.label("out").ret(XDP_PASS);
  p.finished = true;
  p.a.label("bump")
      .stx(BPF_W, 10, 1, -4)
      .ldmap(1, h)
      .mov64(2, 10)
      .add64i(2, -4)
      .call(BPF_FUNC_map_lookup_elem)
      .jmpi(BPF_JNE, 0, 0, "hit")
      .st(BPF_DW, 10, -16, 1)
      .ldmap(1, h)
      .mov64(2, 10)
      .add64i(2, -4)
      .mov64(3, 10)
      .add64i(3, -16)
      .mov64i(4, BPF_NOEXIST)
      .call(BPF_FUNC_map_update_elem)
      .exit()
      .label("hit")
      .mov64i(1, 1)
      .atomic(BPF_DW, BPF_ADD, 0, 1, 0)
      .mov64i(0, 100)
      .exit();
  p.t.addProgram(p.a);
  compareEngines(p);
}

TEST(LiftedOpcodeTest, RefusesWhatItDoesNotSupport) {
  TestObject t;
  t.addMap("ring", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
  Asm a;
  a.ret(XDP_PASS);
  t.addProgram(a);
  auto e = createLiftedEngine();
  auto err = e->load(t.obj, t.obj.programs[0]);
  ASSERT_TRUE(!!err);
  EXPECT_NE(llvm::toString(std::move(err)).find("not supported by the lifted engine yet"),
            std::string::npos);

  TestObject t2;
  Asm b;
  b.call(BPF_FUNC_jiffies64).exit();
  t2.addProgram(b);
  auto e2 = createLiftedEngine();
  auto err2 = e2->load(t2.obj, t2.obj.programs[0]);
  ASSERT_TRUE(!!err2);
  EXPECT_NE(llvm::toString(std::move(err2)).find("sluice.helper.jiffies64 (prog) is not "
                                                 "supported by the lifted engine yet"),
            std::string::npos);
}

// bpf_get_prandom_u32 runs on lifted with the NIC's generator
// (docs/helpers.md): the packet's word, as interp returns it.
TEST(LiftedOpcodeTest, PrandomIsTheNicGeneratorsWord) {
  TestObject t;
  Asm a;
  a.call(BPF_FUNC_get_prandom_u32).exit();
  t.addProgram(a);
  auto lifted = createLiftedEngine();
  ASSERT_FALSE(bool(lifted->load(t.obj, t.obj.programs[0])));
  auto interp = createEngine("interp");
  ASSERT_TRUE(bool(interp));
  ASSERT_FALSE(bool((*interp)->load(t.obj, t.obj.programs[0])));
  PacketIn in;
  in.data = Bytes(60, 0);
  for (int n = 0; n < 3; ++n) {
    auto x = lifted->run(in);
    auto y = (*interp)->run(in);
    ASSERT_TRUE(bool(x) && bool(y));
    EXPECT_EQ(x->action, y->action) << "packet " << n;
    if (n == 0)
      EXPECT_EQ(x->action, 0xe220a839u);  // the generator's first word
  }
}

} // namespace

namespace {

/// Host map calls: the same sequence on interp and lifted gives the same
/// errnos, lookups and dumps, for every map type the lifted engine has.
TEST(LiftedEngineTest, HostMapCallsMatchInterp) {
  TestObject t;
  t.addMap("arr", BPF_MAP_TYPE_ARRAY, 4, 8, 4);
  t.addMap("pcpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4);
  t.addMap("h", BPF_MAP_TYPE_HASH, 4, 8, 2);
  t.addMap("lru", BPF_MAP_TYPE_LRU_HASH, 4, 8, 2);
  t.addMap("lpm", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC);
  t.addMap("dev", BPF_MAP_TYPE_DEVMAP, 4, 4, 4);
  t.addGlobal(".rodata", Bytes(8, 1), /*readonly=*/true);
  Asm a;
  a.ret(XDP_PASS);
  t.addProgram(a);
  auto interp = createInterpEngine();
  auto lifted = createLiftedEngine();
  ASSERT_FALSE(!!interp->load(t.obj, t.obj.programs[0]));
  if (auto e = lifted->load(t.obj, t.obj.programs[0]))
    FAIL() << llvm::toString(std::move(e));
  auto lpmKey = [](uint32_t pl, uint32_t addr) {
    Bytes k = le32(pl), d = le32(addr);
    k.insert(k.end(), d.begin(), d.end());
    return k;
  };
  struct Op {
    char what;  // u(pdate), l(ookup), d(elete)
    std::string map;
    Bytes key, value;
    uint64_t flags = BPF_ANY;
  };
  std::vector<Op> ops = {
      {'u', "arr", le32(1), le64(5)},           {'u', "arr", le32(9), le64(5)},
      {'u', "arr", le32(1), le64(6), BPF_NOEXIST}, {'d', "arr", le32(1), {}},
      {'u', "pcpu", le32(3), le64(7)},          {'l', "pcpu", le32(3), {}},
      {'u', "h", le32(1), le64(1)},             {'u', "h", le32(2), le64(2)},
      {'u', "h", le32(3), le64(3)},             {'u', "h", le32(1), le64(4), BPF_NOEXIST},
      {'u', "h", le32(7), le64(4), BPF_EXIST},  {'d', "h", le32(2), {}},
      {'d', "h", le32(2), {}},                  {'u', "h", le32(1), le64(1), 7},
      {'u', "lru", le32(1), le64(1)},           {'u', "lru", le32(2), le64(2)},
      {'u', "lru", le32(1), le64(3)},           {'u', "lru", le32(3), le64(3)},
      {'l', "lru", le32(2), {}},                {'l', "lru", le32(1), {}},
      {'u', "lpm", lpmKey(24, 0x0002000a), le32(1)}, {'u', "lpm", lpmKey(8, 0x0000000a), le32(2)},
      {'u', "lpm", lpmKey(40, 0), le32(2)},     {'l', "lpm", lpmKey(32, 0x0702000a), {}},
      {'l', "lpm", lpmKey(32, 0x0703000a), {}}, {'d', "lpm", lpmKey(8, 0x0000000a), {}},
      {'u', "dev", le32(1), le32(3)},           {'u', "dev", le32(2), le32(0)},
      {'u', "dev", le32(5), le32(3)},           {'u', "dev", le32(1), le32(3), BPF_NOEXIST},
      {'d', "dev", le32(1), {}},                {'u', "dev", le32(3), le32(4)},
      {'u', "test.rodata", le32(0), Bytes(8, 2)}, {'l', "nope", le32(0), {}},
      {'u', "h", Bytes(3, 0), le64(1)},
  };
  for (const Op &op : ops) {
    std::string what = fmt::format("{} on {}", op.what, op.map);
    if (op.what == 'u') {
      int ea = takeErrno(interp->mapUpdate(op.map, op.key, op.value, op.flags));
      int eb = takeErrno(lifted->mapUpdate(op.map, op.key, op.value, op.flags));
      EXPECT_EQ(ea, eb) << what;
    } else if (op.what == 'd') {
      EXPECT_EQ(takeErrno(interp->mapDelete(op.map, op.key)),
                takeErrno(lifted->mapDelete(op.map, op.key)))
          << what;
    } else {
      auto va = interp->mapLookup(op.map, op.key);
      auto vb = lifted->mapLookup(op.map, op.key);
      ASSERT_EQ(!!va, !!vb) << what;
      if (!va) {
        EXPECT_EQ(takeErrno(va.takeError()), takeErrno(vb.takeError())) << what;
        continue;
      }
      EXPECT_EQ(*va, *vb) << what;
    }
  }
  auto da = interp->dumpMaps(), db = lifted->dumpMaps();
  ASSERT_TRUE(da && db);
  ASSERT_EQ(da->size(), db->size());
  for (size_t i = 0; i < da->size(); ++i) {
    EXPECT_EQ((*da)[i].name, (*db)[i].name);
    EXPECT_EQ((*da)[i].entries, (*db)[i].entries) << (*da)[i].name;
  }
}

} // namespace

namespace {

/// The XDP buffer helpers, on packets from 32 bytes to fragmented ones.
TEST(LiftedEngineTest, BufferHelpersMatchInterp) {
  Prog p(64);
  auto lengths = [&](const std::string &what) {
    // r1 = data_end - data, r1 = data - data_meta, as two results.
    p.a.ldx(BPF_W, 2, 9, 0).ldx(BPF_W, 3, 9, 4).mov64(1, 3).alu64(BPF_SUB, 1, 2);
    p.result(what + ": length");
    p.a.ldx(BPF_W, 2, 9, 0).ldx(BPF_W, 3, 9, 8).mov64(1, 2).alu64(BPF_SUB, 1, 3);
    p.result(what + ": metadata length");
  };
  for (int32_t d : {-4, -8, -3, 4, -252, -256, -300}) {
    p.a.mov64(1, 9).mov64i(2, d).call(BPF_FUNC_xdp_adjust_meta).mov64(1, 0);
    p.result(fmt::format("adjust_meta {}", d));
  }
  lengths("after adjust_meta");
  for (int32_t d : {-14, 14, -300, 300, -100, 4000}) {
    p.a.mov64(1, 9).mov64i(2, d).call(BPF_FUNC_xdp_adjust_head).mov64(1, 0);
    p.result(fmt::format("adjust_head {}", d));
    lengths(fmt::format("after adjust_head {}", d));
  }
  for (int32_t d : {-4, 100, -100, 3000, -3000, 5000, -9000}) {
    p.a.mov64(1, 9).mov64i(2, d).call(BPF_FUNC_xdp_adjust_tail).mov64(1, 0);
    p.result(fmt::format("adjust_tail {}", d));
    lengths(fmt::format("after adjust_tail {}", d));
  }
  // csum_diff over the first 32 bytes, bounds re-checked after the helpers.
  p.a.ldx(BPF_W, 2, 9, 0).ldx(BPF_W, 3, 9, 4).mov64(4, 2).add64i(4, 32).jmp(BPF_JGT, 4, 3, "out");
  p.a.mov64(1, 2).mov64i(2, 8).mov64(3, 1).add64i(3, 8).mov64i(4, 12).mov64(5, 6)
      .call(BPF_FUNC_csum_diff).mov64(1, 0);
  p.result("csum_diff 8 -> 12");
  p.a.ldx(BPF_W, 2, 9, 0).ldx(BPF_W, 3, 9, 4).mov64(4, 2).add64i(4, 32).jmp(BPF_JGT, 4, 3, "out");
  p.a.mov64(3, 2).mov64i(1, 0).mov64i(2, 0).mov64i(4, 20).mov64(5, 7)
      .call(BPF_FUNC_csum_diff).mov64(1, 0);
  p.result("csum_diff 0 -> 20");
  p.finish();

  auto interp = createInterpEngine();
  auto lifted = createLiftedEngine();
  const Program &prog = p.t.obj.programs[0];
  if (auto e = interp->load(p.t.obj, prog))
    FAIL() << llvm::toString(std::move(e));
  if (auto e = lifted->load(p.t.obj, prog))
    FAIL() << llvm::toString(std::move(e));
  for (size_t len : {32, 60, 400, 3520, 4000, 9000}) {
    Bytes pkt = pattern(len, uint8_t(len));
    auto a = interp->run({pkt});
    auto b = lifted->run({pkt});
    ASSERT_TRUE(!!a) << llvm::toString(a.takeError());
    ASSERT_TRUE(!!b) << llvm::toString(b.takeError());
    EXPECT_EQ(a->action, b->action) << len;
    EXPECT_EQ(a->data, b->data) << "output bytes of a " << len << "-byte packet";
    auto da = interp->dumpMaps(), db = lifted->dumpMaps();
    ASSERT_TRUE(da && db);
    const Bytes &va = (*da)[0].entries[0].value, &vb = (*db)[0].entries[0].value;
    for (unsigned s = 0; s < p.slots; ++s) {
      uint64_t ra, rb;
      std::memcpy(&ra, va.data() + 8 * s, 8);
      std::memcpy(&rb, vb.data() + 8 * s, 8);
      EXPECT_EQ(int64_t(ra), int64_t(rb)) << p.names[s] << " on a " << len << "-byte packet";
    }
  }
}

} // namespace

namespace {

/// A loop LLVM cannot count (a non-affine counter from a packet byte, and
/// exits on a zero byte or at the packet's end) but the verifier bounds (at
/// most 9 back edges): peeled by the verifier's bound,
/// the IR is acyclic, and the JIT agrees with interp.
TEST(LiftedEngineTest, LoopPeeledByTheVerifiersBound) {
  Prog p(4);
  // r4 = 1 or 2 from the packet, then r4 = 2 * r4 + 1 until it passes 1000:
  // SCEV cannot count a non-affine recurrence from an unknown start.
  p.a.mov64(1, 2).ldx(BPF_B, 4, 2, 15).alu64i(BPF_AND, 4, 1).add64i(4, 1).mov64i(5, 0)
      .label("loop")
      .mov64(0, 1).add64i(0, 1).jmp(BPF_JGT, 0, 3, "done")
      .ldx(BPF_B, 0, 1, 0).jmpi(BPF_JEQ, 0, 0, "done")
      .alu64(BPF_ADD, 5, 0).add64i(1, 1).alu64i(BPF_LSH, 4, 1).add64i(4, 1)
      .jmpi(BPF_JLT, 4, 1000, "loop")
      .label("done")
      .mov64(1, 5);
  p.result("sum of the bytes before the first zero");
  p.a.mov64(1, 4);
  p.result("bytes counted");
  p.finish();
  const Program &prog = p.t.obj.programs[0];
  auto raw = lift::liftProgram(p.t.obj, prog, {.optLevel = 0});
  ASSERT_TRUE(!!raw) << llvm::toString(raw.takeError());
  EXPECT_GT(lift::countLoops(*raw->module), 0u) << "the test needs a loop in the lifted IR";
  auto opt = lift::liftProgram(p.t.obj, prog, {.optLevel = 2});
  ASSERT_TRUE(!!opt) << llvm::toString(opt.takeError());
  EXPECT_TRUE(opt->remainingLoops.empty()) << opt->remainingLoops.front();
  EXPECT_EQ(lift::countLoops(*opt->module), 0u);
  EXPECT_NE(opt->module->getFunction("sluice.trap"), nullptr)
      << "LLVM removed the loop by itself: the peeling is not exercised";
  p.finished = true;
  compareEngines(p);
}

} // namespace

namespace {

/// Lookups in an LRU hash make entries recent: lookup(A), lookup(B),
/// lookup(A) then an insert into the full map must evict B. Were the third
/// lookup merged with the first (as for other maps), A would go.
TEST(LiftedEngineTest, LruLookupsAreNeverMerged) {
  TestObject t;
  int lru = t.addMap("lru", BPF_MAP_TYPE_LRU_HASH, 4, 8, 2);
  Asm a;
  auto lookup = [&](int key) {
    a.st(BPF_W, 10, -4, key).ldmap(1, lru).mov64(2, 10).add64i(2, -4)
        .call(BPF_FUNC_map_lookup_elem);
  };
  lookup(1);
  lookup(2);
  lookup(1);
  a.st(BPF_W, 10, -4, 3).st(BPF_DW, 10, -16, 33).ldmap(1, lru).mov64(2, 10).add64i(2, -4)
      .mov64(3, 10).add64i(3, -16).mov64i(4, BPF_ANY).call(BPF_FUNC_map_update_elem)
      .ret(XDP_PASS);
  t.addProgram(a);
  for (auto make : {createInterpEngine, createLiftedEngine}) {
    auto e = make();
    if (auto err = e->load(t.obj, t.obj.programs[0]))
      FAIL() << llvm::toString(std::move(err));
    ASSERT_FALSE(!!e->mapUpdate("lru", le32(1), le64(11)));
    ASSERT_FALSE(!!e->mapUpdate("lru", le32(2), le64(22)));
    auto out = e->run({Bytes(64, 0)});
    ASSERT_TRUE(!!out) << llvm::toString(out.takeError());
    auto d = e->dumpMaps();
    ASSERT_TRUE(!!d);
    std::vector<MapEntry> want = {{le32(1), le64(11)}, {le32(3), le64(33)}};
    EXPECT_EQ((*d)[0].entries, want) << e->name();
  }
}

} // namespace

namespace {

std::string liftError(const TestObject &t) {
  auto l = lift::liftProgram(t.obj, t.obj.programs[0]);
  return l ? std::string() : llvm::toString(l.takeError());
}

/// What the lifter does not handle is an Error naming the instruction.
TEST(LiftTest, RefusalsNameTheInstruction) {
  {
    TestObject t;
    int pa = t.addMap("jt", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2);
    Asm s;
    s.ldmap(2, pa).mov64i(3, 0).call(BPF_FUNC_tail_call).ret(XDP_PASS);
    t.addProgram(s);
    std::string e = liftError(t);
    EXPECT_NE(e.find("tail_call is not supported by the lifter"), std::string::npos) << e;
  }
}

} // namespace

namespace {

/// One call site, two maps over two paths (the kernel verifies each path
/// with its map): the lookup takes the map index the path brought.
TEST(LiftedEngineTest, OneCallSiteTwoMaps) {
  Prog p(4);
  int a = p.t.addMap("a", BPF_MAP_TYPE_ARRAY, 4, 8, 1);
  int b = p.t.addMap("b", BPF_MAP_TYPE_ARRAY, 4, 8, 1);
  p.a.ldx(BPF_B, 6, 2, 0).alu64i(BPF_AND, 6, 1).st(BPF_W, 10, -4, 0).ldmap(1, a)
      .jmpi(BPF_JEQ, 6, 1, "l").ldmap(1, b).label("l").mov64(2, 10).add64i(2, -4)
      .call(BPF_FUNC_map_lookup_elem).jmpi(BPF_JEQ, 0, 0, "out")
      .mov64i(1, 1).atomic(BPF_DW, BPF_ADD, 0, 1, 0).mov64(1, 6);
  p.result("which map");
  compareEngines(p);
  auto l = lift::liftProgram(p.t.obj, p.t.obj.programs[0]);
  ASSERT_TRUE(!!l) << llvm::toString(l.takeError());
}

} // namespace
