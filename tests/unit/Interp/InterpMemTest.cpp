//===- InterpMemTest.cpp - Memory, atomics, calls and errors of interp ----===//
//
// Loads and stores of every size on the stack, the packet and map values,
// sign-extending loads, the atomics (with and without fetch, xchg, cmpxchg;
// 32 and 64 bits), bpf-to-bpf calls with their frames, and the errors the
// interpreter gives where the kernel's verifier would refuse the program.
// Tests without SKIP_ON_KERNEL() also passed on Linux 6.18 (kernel: same).
//
//===----------------------------------------------------------------------===//
#include "InterpTestUtil.h"

using namespace sluice;
using namespace sluice::interptest;

namespace {

// r2 = data, r3 = data_end; if data + n > data_end: return XDP_ABORTED.
void packetGuard(Asm &a, int n) {
  a.ldx(BPF_W, 2, 1, 0).ldx(BPF_W, 3, 1, 4).mov64(4, 2).add64i(4, n);
  a.jmp(BPF_JGT, 4, 3, "abort");
}

} // namespace

TEST(InterpMemTest, StackLoadsAndStoresOfEverySize) {
  EXPECT_EQ(eval([](Asm &a) {
              a.ld64(1, 0x1122334455667788ull).stx(BPF_DW, 10, 1, -8);
              a.ldx(BPF_B, 0, 10, -8);  // little endian: lowest byte first
            }),
            0x88u);
  EXPECT_EQ(eval([](Asm &a) {
              a.ld64(1, 0x1122334455667788ull).stx(BPF_DW, 10, 1, -8).ldx(BPF_H, 0, 10, -6);
            }),
            0x5566u);
  EXPECT_EQ(eval([](Asm &a) {
              a.ld64(1, 0x1122334455667788ull).stx(BPF_DW, 10, 1, -8).ldx(BPF_W, 0, 10, -4);
            }),
            0x11223344u);
  EXPECT_EQ(eval([](Asm &a) {
              a.st(BPF_DW, 10, -8, -2).ldx(BPF_DW, 0, 10, -8);  // imm sign-extended
            }),
            0xfffffffffffffffeull);
  EXPECT_EQ(eval([](Asm &a) {
              a.st(BPF_DW, 10, -8, 0).st(BPF_W, 10, -8, -1).st(BPF_H, 10, -4, 0x1234);
              a.st(BPF_B, 10, -2, 0x56).ldx(BPF_DW, 0, 10, -8);
            }),
            0x00561234ffffffffull);
  EXPECT_EQ(eval([](Asm &a) {
              a.ld64(1, 0xffffffffffffffffull).stx(BPF_DW, 10, 1, -512);  // the frame's end
              a.mov64i(1, 7).stx(BPF_B, 10, 1, -512).ldx(BPF_DW, 0, 10, -512);
            }),
            0xffffffffffffff07ull);
}

TEST(InterpMemTest, SignExtendingLoads) {
  auto sx = [](uint8_t size, uint64_t stored) {
    return eval([&](Asm &a) {
      a.ld64(1, stored).stx(BPF_DW, 10, 1, -8).ldxsx(size, 0, 10, -8);
    });
  };
  EXPECT_EQ(sx(BPF_B, 0x80), 0xffffffffffffff80ull);
  EXPECT_EQ(sx(BPF_B, 0x7f), 0x7fu);
  EXPECT_EQ(sx(BPF_H, 0x8000), 0xffffffffffff8000ull);
  EXPECT_EQ(sx(BPF_W, 0x80000000), 0xffffffff80000000ull);
  EXPECT_EQ(sx(BPF_W, 0xffffffff7fffffffull), 0x7fffffffu);
}

TEST(InterpMemTest, AtomicsWithoutFetch) {
  auto atomic = [](uint8_t size, int32_t op, uint64_t mem, uint64_t src) {
    return eval([&](Asm &a) {
      a.ld64(1, mem).stx(BPF_DW, 10, 1, -8).ld64(2, src);
      a.atomic(size, op, 10, 2, -8).ldx(BPF_DW, 0, 10, -8);
    });
  };
  EXPECT_EQ(atomic(BPF_DW, BPF_ADD, 0xffffffffffffffffull, 2), 1u);
  EXPECT_EQ(atomic(BPF_DW, BPF_OR, 0xf0, 0x0f00000000000000ull), 0x0f000000000000f0ull);
  EXPECT_EQ(atomic(BPF_DW, BPF_AND, 0xff00ff, 0xf0f0f0), 0xf000f0u);
  EXPECT_EQ(atomic(BPF_DW, BPF_XOR, 0xff, 0x0f), 0xf0u);
  // 32 bits: only the low word changes, no carry into the high word.
  EXPECT_EQ(atomic(BPF_W, BPF_ADD, 0x11111111ffffffffull, 2), 0x1111111100000001ull);
  EXPECT_EQ(atomic(BPF_W, BPF_OR, 0x1111111100000000ull, 0xff000000000000ffull),
            0x11111111000000ffull);
  EXPECT_EQ(atomic(BPF_W, BPF_AND, 0x11111111ffffffffull, 0xf0), 0x11111111000000f0ull);
  EXPECT_EQ(atomic(BPF_W, BPF_XOR, 0x1111111100000001ull, 3), 0x1111111100000002ull);
}

TEST(InterpMemTest, AtomicsWithFetchXchgAndCmpxchg) {
  // Returns (memory after) ^ (fetched value << 1), enough to check both.
  auto fetch = [](uint8_t size, int32_t op, uint64_t mem, uint64_t src, uint64_t *fetched) {
    uint64_t after = eval([&](Asm &a) {
      a.ld64(1, mem).stx(BPF_DW, 10, 1, -8).ld64(2, src);
      a.atomic(size, op, 10, 2, -8).ldx(BPF_DW, 0, 10, -8);
    });
    *fetched = eval([&](Asm &a) {
      a.ld64(1, mem).stx(BPF_DW, 10, 1, -8).ld64(2, src);
      a.atomic(size, op, 10, 2, -8).mov64(0, 2);
    });
    return after;
  };
  uint64_t old;
  EXPECT_EQ(fetch(BPF_DW, BPF_ADD | BPF_FETCH, 40, 2, &old), 42u);
  EXPECT_EQ(old, 40u);
  EXPECT_EQ(fetch(BPF_DW, BPF_OR | BPF_FETCH, 0xf0, 0x0f, &old), 0xffu);
  EXPECT_EQ(old, 0xf0u);
  EXPECT_EQ(fetch(BPF_DW, BPF_AND | BPF_FETCH, 0xf0, 0x30, &old), 0x30u);
  EXPECT_EQ(old, 0xf0u);
  EXPECT_EQ(fetch(BPF_DW, BPF_XOR | BPF_FETCH, 0xf0, 0xff, &old), 0x0fu);
  EXPECT_EQ(old, 0xf0u);
  EXPECT_EQ(fetch(BPF_DW, BPF_XCHG, 0x1234567890ull, 7, &old), 7u);
  EXPECT_EQ(old, 0x1234567890ull);
  // 32 bits: the fetched value is zero-extended.
  EXPECT_EQ(fetch(BPF_W, BPF_ADD | BPF_FETCH, 0xaaaaaaaaffffffffull, 1, &old),
            0xaaaaaaaa00000000ull);
  EXPECT_EQ(old, 0xffffffffu);
  EXPECT_EQ(fetch(BPF_W, BPF_XCHG, 0xaaaaaaaa80000000ull, 0xbbbbbbbb00000001ull, &old),
            0xaaaaaaaa00000001ull);
  EXPECT_EQ(old, 0x80000000u);
  EXPECT_EQ(fetch(BPF_W, BPF_OR | BPF_FETCH, 0x100000000ull, 2, &old), 0x100000002ull);
  EXPECT_EQ(old, 0u);
  EXPECT_EQ(fetch(BPF_W, BPF_AND | BPF_FETCH, 0x1000000ffull, 0xf, &old), 0x10000000full);
  EXPECT_EQ(old, 0xffu);
  EXPECT_EQ(fetch(BPF_W, BPF_XOR | BPF_FETCH, 0x1000000ffull, 0xf, &old), 0x1000000f0ull);
  EXPECT_EQ(old, 0xffu);

  // cmpxchg: r0 is the expected value and receives the old one.
  auto cmpxchg = [](uint8_t size, uint64_t mem, uint64_t expected, uint64_t src, uint64_t *r0) {
    uint64_t after = eval([&](Asm &a) {
      a.ld64(1, mem).stx(BPF_DW, 10, 1, -8).ld64(2, src).ld64(0, expected);
      a.atomic(size, BPF_CMPXCHG, 10, 2, -8).ldx(BPF_DW, 0, 10, -8);
    });
    *r0 = eval([&](Asm &a) {
      a.ld64(1, mem).stx(BPF_DW, 10, 1, -8).ld64(2, src).ld64(0, expected);
      a.atomic(size, BPF_CMPXCHG, 10, 2, -8);
    });
    return after;
  };
  uint64_t r0;
  EXPECT_EQ(cmpxchg(BPF_DW, 5, 5, 9, &r0), 9u);  // match: stored
  EXPECT_EQ(r0, 5u);
  EXPECT_EQ(cmpxchg(BPF_DW, 5, 6, 9, &r0), 5u);  // no match: unchanged
  EXPECT_EQ(r0, 5u);
  // 32 bits compare the low halves only; r0 gets the zero-extended old value.
  EXPECT_EQ(cmpxchg(BPF_W, 0x7700000005ull, 0xff00000005ull, 9, &r0), 0x7700000009ull);
  EXPECT_EQ(r0, 5u);
  EXPECT_EQ(cmpxchg(BPF_W, 0x77ffffffffull, 0, 9, &r0), 0x77ffffffffull);
  EXPECT_EQ(r0, 0xffffffffu);
}

TEST(InterpMemTest, LoadAcquireStoreRelease) {
  // cpu v4 BPF_LOAD_ACQ / BPF_STORE_REL (BPF_ATOMIC with imm 0x100 / 0x110).
  EXPECT_EQ(eval([](Asm &a) {
              a.ld64(1, 0x1122334455667788ull).stx(BPF_DW, 10, 1, -8);
              a.raw(BPF_STX | BPF_ATOMIC | BPF_W, 0, 10, -8, 0x100);  // r0 = load_acquire(u32)
            }),
            0x55667788u);
  EXPECT_EQ(eval([](Asm &a) {
              a.st(BPF_DW, 10, -8, 0).mov64i(1, 0x1ff);
              a.raw(BPF_STX | BPF_ATOMIC | BPF_B, 10, 1, -8, 0x110);  // store_release(u8)
              a.ldx(BPF_DW, 0, 10, -8);
            }),
            0xffu);
}

TEST(InterpMemTest, PacketReadsAndWrites) {
  TestObject t;
  Asm a;
  packetGuard(a, 16);
  a.ldx(BPF_B, 5, 2, 0).ldx(BPF_H, 6, 2, 2).ldx(BPF_W, 7, 2, 4).ldx(BPF_DW, 8, 2, 8);
  a.stx(BPF_DW, 2, 5, 0);     // packet[0..8) = u64(packet[0])
  a.stx(BPF_H, 2, 6, 12);     // packet[12..14) = packet[2..4)
  a.st(BPF_W, 2, 8, 0x04030201);
  a.ldxsx(BPF_B, 0, 2, 15).alu64i(BPF_AND, 0, 0xff).exit();
  a.label("abort").ret(XDP_ABORTED);
  t.addProgram(a);
  t.loaded();
  Bytes in = pattern(20);
  in[15] = 0x80;
  PacketOut out = t.run(in);
  EXPECT_EQ(out.action, 0x80u);
  Bytes want = in;
  std::fill(want.begin(), want.begin() + 8, 0);
  want[0] = in[0];
  want[8] = 1, want[9] = 2, want[10] = 3, want[11] = 4;
  want[12] = in[2], want[13] = in[3];
  EXPECT_EQ(out.data, want);
}

TEST(InterpMemTest, MapValuesAreLiveMemory) {
  TestObject t;
  int arr = t.addMap("arr", BPF_MAP_TYPE_ARRAY, 4, 16, 4);
  Asm a;
  a.st(BPF_W, 10, -4, 2).ldmap(1, arr).mov64(2, 10).add64i(2, -4);
  a.call(BPF_FUNC_map_lookup_elem).jmpi(BPF_JEQ, 0, 0, "out");
  a.ld64(1, 0x1122334455667788ull).stx(BPF_DW, 0, 1, 8);
  a.st(BPF_B, 0, 0, 0x7f).atomic(BPF_DW, BPF_ADD, 0, 1, 8);
  a.label("out").ret(XDP_PASS);
  t.addProgram(a);
  t.loaded();
  t.run();
  auto v = t.engine->mapLookup("arr", le32(2));
  ASSERT_TRUE(v && *v);
  Bytes want(16, 0);
  want[0] = 0x7f;
  uint64_t twice = 0x1122334455667788ull * 2;
  std::memcpy(want.data() + 8, &twice, 8);
  EXPECT_EQ(**v, want);
}

TEST(InterpMemTest, GlobalDataStartsFromItsImage) {
  TestObject t;
  int data = t.addGlobal(".data", {1, 2, 3, 4, 5, 6, 7, 8});
  int ro = t.addGlobal(".rodata", {0x10, 0x20, 0x30, 0x40}, true);
  Asm a;
  a.ldmapval(1, ro, 2).ldx(BPF_B, 0, 1, 0);  // .rodata byte 2
  a.ldmapval(1, data, 4).ldx(BPF_W, 2, 1, 0).add64i(2, 1).stx(BPF_W, 1, 2, 0);
  a.exit();
  t.addProgram(a);
  t.loaded();
  EXPECT_EQ(t.run().action, 0x30u);
  t.run();
  auto v = t.engine->mapLookup(t.obj.maps[data].name, le32(0));
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, (Bytes{1, 2, 3, 4, 7, 6, 7, 8}));
  // Host writes to .rodata are refused, as libbpf freezes it (kernel: EPERM).
  auto e = t.engine->mapUpdate(t.obj.maps[ro].name, le32(0), Bytes(4, 0));
  EXPECT_EQ(takeErrno(std::move(e)), EPERM);
}

TEST(InterpMemTest, BpfToBpfCallsHaveTheirOwnFrames) {
  // main: r6 = 7; fp[-8] = 1; r1 = &fp[-8]; call f; return r0 + r6 + fp[-8]
  // f:    r6 = 100; fp[-8] = 5 (its own frame); *r1 += 10; return fp[-8]
  Asm a;
  a.mov64i(6, 7).st(BPF_DW, 10, -8, 1).mov64(1, 10).add64i(1, -8).callLocal("f");
  a.alu64(BPF_ADD, 0, 6).ldx(BPF_DW, 1, 10, -8).alu64(BPF_ADD, 0, 1).exit();
  a.label("f").mov64i(6, 100).st(BPF_DW, 10, -8, 5);
  a.ldx(BPF_DW, 2, 1, 0).add64i(2, 10).stx(BPF_DW, 1, 2, 0);
  a.ldx(BPF_DW, 0, 10, -8).exit();
  TestObject t;
  t.addProgram(a);
  t.loaded();
  EXPECT_EQ(t.run().action, 5u + 7u + 11u);
}

TEST(InterpMemTest, CallsNestEightFramesDeep) {
  // main -> f1 -> ... -> f7 (8 frames), each adding 1.
  Asm a;
  a.mov64i(0, 0).callLocal("f1").exit();
  for (int i = 1; i <= 7; ++i) {
    a.label("f" + std::to_string(i));
    if (i < 7)
      a.callLocal("f" + std::to_string(i + 1));
    else
      a.mov64i(0, 0);
    a.add64i(0, 1).exit();
  }
  TestObject t;
  t.addProgram(a);
  t.loaded();
  EXPECT_EQ(t.run().action, 7u);
}

TEST(InterpMemTest, NineFramesAreAnError) {
  SKIP_ON_KERNEL();  // kernel: "the call stack of 9 frames is too deep"
  Asm a;
  a.mov64i(0, 0).callLocal("f1").exit();
  for (int i = 1; i <= 8; ++i) {
    a.label("f" + std::to_string(i));
    if (i < 8)
      a.callLocal("f" + std::to_string(i + 1));
    a.exit();
  }
  TestObject t;
  t.addProgram(a);
  t.loaded();
  std::string err = t.runError();
  EXPECT_NE(err.find("exceeds 8 frames"), std::string::npos) << err;
  EXPECT_NE(err.find("insn 15"), std::string::npos) << err;  // f7's call
}

TEST(InterpMemTest, MayGotoFallsThroughWhileTheBudgetLasts) {
  EXPECT_EQ(eval([](Asm &a) {
              a.mov64i(0, 0).mov64i(1, 10);
              a.label("loop").mayGoto("out").add64i(0, 1).add64i(1, -1);
              a.jmpi(BPF_JNE, 1, 0, "loop").label("out");
            }),
            10u);
}

TEST(InterpMemTest, ContextFields) {
  TestObject t;
  Asm a;
  a.ldx(BPF_W, 2, 1, 0).ldx(BPF_W, 3, 1, 4).ldx(BPF_W, 4, 1, 8);
  a.mov64(0, 3).alu64(BPF_SUB, 0, 2);                  // data_end - data
  a.jmp(BPF_JNE, 2, 4, "bad");                          // data_meta == data
  a.ldx(BPF_W, 5, 1, 12).alu64i(BPF_LSH, 5, 16).alu64(BPF_OR, 0, 5);  // ingress_ifindex
  a.ldx(BPF_W, 5, 1, 16).alu64i(BPF_LSH, 5, 24).alu64(BPF_OR, 0, 5);  // rx_queue_index
  a.exit();
  a.label("bad").ret(-1);
  t.addProgram(a);
  t.loaded();
  auto out = t.runPacket(Bytes(100, 0), 1, 0);
  ASSERT_TRUE(!!out) << llvm::toString(out.takeError());
  EXPECT_EQ(out->action, 100u | (1u << 16));
  if (!onKernel()) {  // the kernel wants an existing device and queue
    out = t.runPacket(Bytes(100, 0), 7, 3);
    ASSERT_TRUE(!!out);
    EXPECT_EQ(out->action, 100u | (7u << 16) | (3u << 24));
  }
}

TEST(InterpMemTest, InstructionCount) {
  SKIP_ON_KERNEL();
  Asm a;
  a.mov64i(0, 0).mov64i(1, 5);
  a.label("loop").add64i(0, 1).add64i(1, -1).jmpi(BPF_JNE, 1, 0, "loop");
  a.exit();
  TestObject t;
  t.addProgram(a);
  t.loaded();
  t.run();
  EXPECT_EQ(t.interp()->lastInsnCount(), 2u + 5u * 3u + 1u);
  t.run();
  EXPECT_EQ(t.interp()->totalInsnCount(), 2 * (2u + 5u * 3u + 1u));
  t.interp()->setInsnLimit(10);
  std::string err = t.runError();
  EXPECT_NE(err.find("exceeded 10 instructions"), std::string::npos) << err;
}

TEST(InterpMemTest, StackIsZeroAtEveryRun) {
  SKIP_ON_KERNEL();  // the kernel leaves it uninitialised
  Asm a;
  a.ldx(BPF_DW, 0, 10, -8).st(BPF_DW, 10, -8, 99).exit();
  TestObject t;
  t.addProgram(a);
  t.loaded();
  EXPECT_EQ(t.run().action, 0u);
  EXPECT_EQ(t.run().action, 0u);
}

//===-- What the verifier would refuse: errors, never host corruption -----===//

TEST(InterpMemErrorTest, OutOfRegionAccessesNameTheInstruction) {
  SKIP_ON_KERNEL();
  auto runErr = [](const Asm &a, const Bytes &pkt = Bytes(64, 0)) {
    TestObject t;
    t.addGlobal(".rodata", {1, 2, 3, 4}, true);
    t.addProgram(a);
    if (auto e = t.load())
      return llvm::toString(std::move(e));
    return t.runError(pkt);
  };
  // Past data_end (no bounds check).
  std::string e = runErr(Asm().ldx(BPF_W, 2, 1, 0).ldx(BPF_B, 0, 2, 64).exit());
  EXPECT_NE(e.find("insn 1"), std::string::npos) << e;
  EXPECT_NE(e.find("outside the packet"), std::string::npos) << e;
  // Into the headroom.
  e = runErr(Asm().ldx(BPF_W, 2, 1, 0).st(BPF_B, 2, -1, 0).ret(0));
  EXPECT_NE(e.find("packet offset -1"), std::string::npos) << e;
  // Below the stack frame.
  e = runErr(Asm().ldx(BPF_DW, 0, 10, -520).exit());
  EXPECT_NE(e.find("outside the stack"), std::string::npos) << e;
  // Above the stack.
  e = runErr(Asm().st(BPF_DW, 10, 0, 0).ret(0));
  EXPECT_NE(e.find("insn 0"), std::string::npos) << e;
  // Context: stores, and loads other than 4 aligned bytes.
  e = runErr(Asm().st(BPF_W, 1, 12, 5).ret(0));
  EXPECT_NE(e.find("context offset 12"), std::string::npos) << e;
  e = runErr(Asm().ldx(BPF_B, 0, 1, 0).exit());
  EXPECT_NE(e.find("context offset 0"), std::string::npos) << e;
  e = runErr(Asm().ldx(BPF_DW, 0, 1, 0).exit());
  EXPECT_NE(e.find("context"), std::string::npos) << e;
  // .rodata is read-only.
  e = runErr(Asm().ldmapval(1, 0, 0).st(BPF_B, 1, 0, 1).ret(0));
  EXPECT_NE(e.find("read-only"), std::string::npos) << e;
  // .rodata past its value.
  e = runErr(Asm().ldmapval(1, 0, 0).ldx(BPF_W, 0, 1, 2).exit());
  EXPECT_NE(e.find("insn 2"), std::string::npos) << e;
  // A scalar used as a pointer.
  e = runErr(Asm().ld64(1, 0x1000).ldx(BPF_DW, 0, 1, 0).exit());
  EXPECT_NE(e.find("not memory the program may access"), std::string::npos) << e;
  // An atomic on the packet end.
  e = runErr(Asm().ldx(BPF_W, 2, 1, 4).mov64i(3, 1).atomic(BPF_DW, BPF_ADD, 2, 3, 0).ret(0));
  EXPECT_NE(e.find("insn 2"), std::string::npos) << e;
}

TEST(InterpMemErrorTest, UnknownOpcodeIsALoadErrorWithIndexAndOpcode) {
  SKIP_ON_KERNEL();
  TestObject t;
  t.addProgram(Asm().mov64i(0, 0).raw(0xff, 0, 0, 0, 0).exit());
  auto e = t.load();
  ASSERT_TRUE(!!e);
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("insn 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("opcode 0xff"), std::string::npos) << msg;
  EXPECT_NE(msg.find("xdp+0x8"), std::string::npos) << msg;  // no line info: section+offset
  EXPECT_NE(msg.find("unknown or malformed opcode"), std::string::npos) << msg;

  // Each class's unused encodings.
  for (uint8_t code : {uint8_t(BPF_ALU64 | 0xe0), uint8_t(BPF_ALU | 0xf0),
                       uint8_t(BPF_JMP | 0xf0), uint8_t(BPF_JMP32 | BPF_CALL),
                       uint8_t(BPF_LDX | BPF_MEMSX | BPF_DW), uint8_t(BPF_ST | BPF_ATOMIC | BPF_W),
                       uint8_t(BPF_LD | BPF_W | BPF_IMM)}) {
    TestObject u;
    u.addProgram(Asm().mov64i(0, 0).raw(code, 0, 0, 0, 0).exit());
    auto err = u.load();
    ASSERT_TRUE(!!err) << "opcode " << int(code);
    EXPECT_NE(llvm::toString(std::move(err)).find(fmt::format("opcode 0x{:02x}", code)),
              std::string::npos);
  }
}

TEST(InterpMemErrorTest, UnknownHelperIsALoadError) {
  SKIP_ON_KERNEL();
  TestObject t;
  t.addProgram(Asm().call(9999).exit());
  auto e = t.load();
  ASSERT_TRUE(!!e);
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("insn 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown helper 9999"), std::string::npos) << msg;

  TestObject f;  // a real helper the interpreter does not implement
  f.addProgram(Asm().call(BPF_FUNC_fib_lookup).exit());
  e = f.load();
  ASSERT_TRUE(!!e);
  msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("bpf_fib_lookup"), std::string::npos) << msg;
}

TEST(InterpMemErrorTest, MalformedControlFlow) {
  SKIP_ON_KERNEL();
  auto loadErr = [](const Asm &a) {
    TestObject t;
    t.addProgram(a);
    auto e = t.load();
    return e ? llvm::toString(std::move(e)) : std::string();
  };
  EXPECT_NE(loadErr(Asm().mov64i(0, 0).ja(5).exit()).find("outside the program"),
            std::string::npos);
  EXPECT_NE(loadErr(Asm().ja(1).ld64(0, 1).exit()).find("second half of ld_imm64"),
            std::string::npos);
  EXPECT_NE(loadErr(Asm().mov64i(0, 0)).find("neither exit nor goto"), std::string::npos);
  EXPECT_NE(loadErr(Asm().raw(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, 0)).find("ld_imm64"),
            std::string::npos);
  EXPECT_NE(loadErr(Asm().ldmap(1, 3).ret(0)).find("map #3"), std::string::npos);
  EXPECT_NE(loadErr(Asm().raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1).exit())
                .find("kfuncs"),
            std::string::npos);
  EXPECT_NE(loadErr(Asm().raw(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0).exit()).find("LD_ABS"),
            std::string::npos);
}
