//===- InterpXdpTest.cpp - The XDP buffer and XDP helpers of interp -------===//
//
// The buffer layout of the kernel's BPF_PROG_TEST_RUN (headroom, linear
// limit, fragments of a 9000-byte frame), the limits of adjust_head,
// adjust_meta and adjust_tail, the fragment helpers, redirects and
// bpf_csum_diff. Every number here is what Linux 6.18 gave for the same
// program (kernel: same), except in tests marked SKIP_ON_KERNEL().
//
//===----------------------------------------------------------------------===//
#include "InterpTestUtil.h"

using namespace sluice;
using namespace sluice::interptest;

namespace {

constexpr uint32_t kEINVAL = uint32_t(-EINVAL);
constexpr uint32_t kEACCES = uint32_t(-EACCES);

// Calls `helper(ctx, off)`: returns its error, or 1000 + metadata length.
Asm adjust(int helper, int32_t off) {
  Asm a;
  a.mov64(6, 1).mov64i(2, off).call(helper).jmpi(BPF_JEQ, 0, 0, "ok").exit();
  a.label("ok").ldx(BPF_W, 2, 6, 0).ldx(BPF_W, 3, 6, 8).mov64(0, 2).alu64(BPF_SUB, 0, 3);
  a.add64i(0, 1000).exit();
  return a;
}

struct Result {
  uint32_t action;
  size_t len;
};

Result runAdjust(int helper, int32_t off, size_t len = 64) {
  TestObject t;
  t.addProgram(adjust(helper, off));
  t.loaded();
  PacketOut o = t.run(pattern(len));
  return {o.action, o.data.size()};
}

// r0 = data_end - data
Asm linearLength() {
  return Asm().ldx(BPF_W, 2, 1, 0).ldx(BPF_W, 3, 1, 4).mov64(0, 3).alu64(BPF_SUB, 0, 2).exit();
}

} // namespace

TEST(InterpXdpTest, BufferLayoutAndFragments) {
  TestObject t;
  t.addProgram(linearLength());
  t.loaded();
  // kernel: data_end - data is the length up to 3520, then 3520; the
  // output is the whole frame, fragments included.
  for (size_t len : {14, 64, 1500, 3520, 3521, 9000, 73152}) {
    Bytes in = pattern(len, 3);
    PacketOut o = t.run(in);
    EXPECT_EQ(o.action, std::min<size_t>(len, 3520)) << len;
    EXPECT_EQ(o.data, in) << len;
  }
}

TEST(InterpXdpTest, FrameSizesTheKernelRefuses) {
  TestObject t;
  t.addProgram(Asm().ret(XDP_PASS));
  t.loaded();
  auto o = t.runPacket(Bytes(13, 0));
  ASSERT_FALSE(!!o);
  EXPECT_EQ(takeErrno(o.takeError()), EINVAL);  // kernel: EINVAL
  o = t.runPacket(Bytes(3520 + 17 * 4096 + 1, 0));
  ASSERT_FALSE(!!o);
  EXPECT_EQ(takeErrno(o.takeError()), ENOMEM);  // kernel: ENOMEM (18 fragments)
}

TEST(InterpXdpTest, AdjustHeadLimits) {
  // kernel: 256 bytes of headroom minus the 40-byte struct xdp_frame.
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, -216).action, 1000u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, -216).len, 280u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, -217).action, kEINVAL);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, -217).len, 64u);
  // ...and at least 14 bytes must remain.
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, 50).len, 14u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, 51).action, kEINVAL);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, 3506, 9000).len, 9000u - 3506u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_head, 3507, 9000).action, kEINVAL);
  // The headroom the packet grows into reads as zeros.
  TestObject t;
  t.addProgram(adjust(BPF_FUNC_xdp_adjust_head, -20));
  t.loaded();
  Bytes in = pattern(64, 1);
  Bytes want(20, 0);
  want.insert(want.end(), in.begin(), in.end());
  EXPECT_EQ(t.run(in).data, want);
}

TEST(InterpXdpTest, AdjustHeadMovesTheMetadata) {
  // meta -= 4; *(u32 *)meta = 0xdeadbeef; adjust_head(off); return *(u32 *)meta
  auto prog = [](int32_t headOff) {
    Asm a;
    a.mov64(6, 1).mov64i(2, -4).call(BPF_FUNC_xdp_adjust_meta);
    a.ldx(BPF_W, 2, 6, 8).ldx(BPF_W, 3, 6, 0).mov64(4, 2).add64i(4, 4);
    a.jmp(BPF_JGT, 4, 3, "abort").mov32i(5, int32_t(0xdeadbeef)).stx(BPF_W, 2, 5, 0);
    a.mov64(1, 6).mov64i(2, headOff).call(BPF_FUNC_xdp_adjust_head);
    a.jmpi(BPF_JNE, 0, 0, "fail");
    a.ldx(BPF_W, 2, 6, 8).ldx(BPF_W, 3, 6, 0).mov64(4, 2).add64i(4, 4);
    a.jmp(BPF_JGT, 4, 3, "abort").ldx(BPF_W, 0, 2, 0).exit();
    a.label("fail").exit();
    a.label("abort").ret(XDP_ABORTED);
    return a;
  };
  for (int32_t off : {-10, 20, -212, -213}) {
    TestObject t;
    t.addProgram(prog(off));
    t.loaded();
    PacketOut o = t.run(pattern(64));
    if (off == -213) {  // kernel: data may not go below frame end + metadata
      EXPECT_EQ(o.action, kEINVAL);
      continue;
    }
    EXPECT_EQ(o.action, 0xdeadbeefu) << off;
    EXPECT_EQ(o.data.size(), size_t(64 - off)) << off;  // metadata not in the output
  }
}

TEST(InterpXdpTest, AdjustMetaLimits) {
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, -4).action, 1004u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, -4).len, 64u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, -3).action, kEACCES);  // not 4-aligned
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, -32).action, 1032u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, -36).action, 1036u);  // > 32 is fine in 6.18
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, -216).action, 1216u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, -220).action, kEINVAL);  // below frame end
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, 4).action, kEINVAL);     // past data
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_meta, 0).action, 1000u);
  // After moving data up by 40 the headroom allows more than 255 bytes:
  // kernel: 252 is the most (u8 meta_len, 4-byte aligned), 256 is EACCES.
  for (auto [off, want] : {std::pair{-252, 0u}, {-256, kEACCES}, {-248, 0u}}) {
    TestObject t;
    t.addProgram(Asm()
                     .mov64(6, 1)
                     .mov64i(2, 40)
                     .call(BPF_FUNC_xdp_adjust_head)
                     .mov64(1, 6)
                     .mov64i(2, off)
                     .call(BPF_FUNC_xdp_adjust_meta)
                     .exit());
    t.loaded();
    EXPECT_EQ(t.run().action, want) << off;
  }
}

TEST(InterpXdpTest, AdjustTailLimits) {
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_tail, -50).len, 14u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_tail, -51).action, kEINVAL);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_tail, 1).len, 65u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_tail, 3456).len, 3520u);  // kernel: 3520 linear
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_tail, 3457).action, kEINVAL);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_tail, 0, 14).len, 14u);
  EXPECT_EQ(runAdjust(BPF_FUNC_xdp_adjust_tail, -1, 14).action, kEINVAL);
  // Grown bytes are zero, even after a shrink left old bytes behind.
  TestObject t;
  t.addProgram(Asm()
                   .mov64(6, 1)
                   .mov64i(2, -20)
                   .call(BPF_FUNC_xdp_adjust_tail)
                   .mov64(1, 6)
                   .mov64i(2, 30)
                   .call(BPF_FUNC_xdp_adjust_tail)
                   .exit());
  t.loaded();
  Bytes in = pattern(64, 1);
  PacketOut o = t.run(in);
  Bytes want(in.begin(), in.begin() + 44);
  want.resize(74, 0);
  EXPECT_EQ(o.data, want);
  // The tail limit is the frame's, wherever data is: after adjust_head(-100)
  // the packet may grow to 3620 bytes.
  TestObject u;
  u.addProgram(Asm()
                   .mov64(6, 1)
                   .mov64i(2, -100)
                   .call(BPF_FUNC_xdp_adjust_head)
                   .mov64(1, 6)
                   .mov64i(2, 3456)
                   .call(BPF_FUNC_xdp_adjust_tail)
                   .exit());
  u.loaded();
  o = u.run(Bytes(64, 0));
  EXPECT_EQ(o.action, 0u);
  EXPECT_EQ(o.data.size(), 3620u);
}

TEST(InterpXdpTest, AdjustTailOnFragments) {
  // 9000 = 3520 linear + 4096 + 1384 in fragments. kernel: growth goes into
  // the last fragment's page (2712 bytes left); shrinking frees fragments.
  struct Case {
    int32_t off;
    uint32_t action;
    size_t len;
  };
  for (Case c : {Case{-1, 1000, 8999}, {1, 1000, 9001}, {2712, 1000, 11712},
                 {2713, kEINVAL, 9000}, {-1384, 1000, 7616}, {-1385, 1000, 7615},
                 {-5480, 1000, 3520}, {-5481, 1000, 3519}, {-8986, 1000, 14},
                 {-8987, kEINVAL, 9000}}) {
    Result r = runAdjust(BPF_FUNC_xdp_adjust_tail, c.off, 9000);
    EXPECT_EQ(r.action, c.action) << c.off;
    EXPECT_EQ(r.len, c.len) << c.off;
  }
  // The output keeps the frame's bytes, then zeros for growth.
  TestObject t;
  t.addProgram(adjust(BPF_FUNC_xdp_adjust_tail, 100));
  t.loaded();
  Bytes in = pattern(9000, 5);
  Bytes want = in;
  want.resize(9100, 0);
  EXPECT_EQ(t.run(in).data, want);
}

TEST(InterpXdpTest, FragmentHelpers) {
  // r0 = get_buff_len; then load 8 bytes at 5000 (in the first fragment),
  // add 1 to each, store them back at 3516 (across linear and fragment).
  Asm a;
  a.mov64(6, 1).call(BPF_FUNC_xdp_get_buff_len).mov64(7, 0);
  a.mov64(1, 6).mov64i(2, 5000).mov64(3, 10).add64i(3, -8).mov64i(4, 8);
  a.call(BPF_FUNC_xdp_load_bytes).jmpi(BPF_JNE, 0, 0, "fail");
  a.ld64(1, 0x0101010101010101ull).ldx(BPF_DW, 2, 10, -8).alu64(BPF_ADD, 2, 1);
  a.stx(BPF_DW, 10, 2, -8);
  a.mov64(1, 6).mov64i(2, 3516).mov64(3, 10).add64i(3, -8).mov64i(4, 8);
  a.call(BPF_FUNC_xdp_store_bytes).jmpi(BPF_JNE, 0, 0, "fail");
  a.mov64(0, 7).exit();
  a.label("fail").exit();
  TestObject t;
  t.addProgram(a);
  t.loaded();
  Bytes in = pattern(9000, 9);
  PacketOut o = t.run(in);
  EXPECT_EQ(o.action, 9000u);
  Bytes want = in;
  for (int i = 0; i < 8; ++i)
    want[3516 + i] = uint8_t(in[5000 + i] + 1);
  EXPECT_EQ(o.data, want);

  // Errors: past the frame (EINVAL), offsets above 0xffff (EFAULT).
  auto loadAt = [](uint32_t off, uint32_t len) {
    TestObject u;
    u.addProgram(Asm()
                     .mov64i(2, int32_t(off))
                     .mov64(3, 10)
                     .add64i(3, -16)
                     .mov64i(4, int32_t(len))
                     .call(BPF_FUNC_xdp_load_bytes)
                     .exit());
    u.loaded();
    return u.run(Bytes(100, 0)).action;
  };
  EXPECT_EQ(loadAt(92, 8), 0u);
  EXPECT_EQ(loadAt(93, 8), kEINVAL);
  EXPECT_EQ(loadAt(0x10000, 8), uint32_t(-EFAULT));
}

TEST(InterpXdpTest, Redirect) {
  TestObject t;
  t.addProgram(Asm().mov64i(1, 5).mov64i(2, 0).call(BPF_FUNC_redirect).exit());
  t.loaded();
  PacketOut o = t.run();
  EXPECT_EQ(o.action, uint32_t(XDP_REDIRECT));
  if (!onKernel()) {
    ASSERT_TRUE(o.redirect.has_value());
    EXPECT_EQ(o.redirect->kind, RedirectTarget::Ifindex);
    EXPECT_EQ(o.redirect->ifindex, 5u);
  }
  TestObject f;  // flags must be 0
  f.addProgram(Asm().mov64i(1, 5).mov64i(2, 1).call(BPF_FUNC_redirect).exit());
  f.loaded();
  EXPECT_EQ(f.run().action, uint32_t(XDP_ABORTED));
}

TEST(InterpXdpTest, RedirectMapHitsAndMisses) {
  struct MapKind {
    uint32_t type;
    uint32_t value;  // devmap: ifindex 1 (lo); cpumap: qsize
    bool broadcast;  // BPF_F_BROADCAST allowed
  };
  for (MapKind k : {MapKind{BPF_MAP_TYPE_DEVMAP, 1, true}, {BPF_MAP_TYPE_DEVMAP_HASH, 1, true},
                    {BPF_MAP_TYPE_CPUMAP, 192, false}}) {
    auto run = [&](uint32_t key, uint64_t flags, std::optional<RedirectTarget> *target) {
      TestObject t;
      int m = t.addMap("tx", k.type, 4, 4, 4);
      t.addProgram(Asm()
                       .ldmap(1, m)
                       .mov64i(2, int32_t(key))
                       .ld64(3, flags)
                       .call(BPF_FUNC_redirect_map)
                       .exit());
      t.loaded();
      if (auto e = t.engine->mapUpdate("tx", le32(0), le32(k.value)))
        ADD_FAILURE() << llvm::toString(std::move(e));
      PacketOut o = t.run();
      if (target)
        *target = o.redirect;
      return o.action;
    };
    std::optional<RedirectTarget> target;
    EXPECT_EQ(run(0, XDP_PASS, &target), uint32_t(XDP_REDIRECT)) << k.type;
    if (!onKernel()) {
      ASSERT_TRUE(target.has_value());
      EXPECT_EQ(*target, (RedirectTarget{RedirectTarget::Map, 0, "tx", 0}));
    }
    // A miss returns the low two bits of the flags.
    EXPECT_EQ(run(1, XDP_PASS, &target), uint32_t(XDP_PASS)) << k.type;
    EXPECT_FALSE(target.has_value());
    EXPECT_EQ(run(2, XDP_TX, nullptr), uint32_t(XDP_TX)) << k.type;
    EXPECT_EQ(run(9, XDP_DROP, nullptr), uint32_t(XDP_DROP)) << k.type;  // past the end
    // Unknown flags abort; broadcast redirects even on a miss (devmaps).
    EXPECT_EQ(run(0, 0x100, nullptr), uint32_t(XDP_ABORTED)) << k.type;
    EXPECT_EQ(run(1, BPF_F_BROADCAST | XDP_PASS, nullptr),
              uint32_t(k.broadcast ? XDP_REDIRECT : XDP_ABORTED))
        << k.type;
  }
}

TEST(InterpXdpTest, RedirectMapOnXskmap) {
  SKIP_ON_KERNEL();  // the kernel wants AF_XDP sockets in xskmaps
  TestObject t;
  int m = t.addMap("xsks", BPF_MAP_TYPE_XSKMAP, 4, 4, 4);
  t.addProgram(Asm()
                   .ldx(BPF_W, 2, 1, 16)  // rx_queue_index
                   .ldmap(1, m)
                   .mov64i(3, XDP_PASS)
                   .call(BPF_FUNC_redirect_map)
                   .exit());
  t.loaded();
  ASSERT_FALSE(!!t.engine->mapUpdate("xsks", le32(2), le32(42)));
  auto o = t.runPacket(Bytes(64, 0), 1, 2);
  ASSERT_TRUE(!!o);
  EXPECT_EQ(o->action, uint32_t(XDP_REDIRECT));
  EXPECT_EQ(o->redirect, (RedirectTarget{RedirectTarget::Map, 0, "xsks", 2}));
  o = t.runPacket(Bytes(64, 0), 1, 1);
  ASSERT_TRUE(!!o);
  EXPECT_EQ(o->action, uint32_t(XDP_PASS));
}

TEST(InterpXdpTest, CsumDiff) {
  // from = fp-16 (8 bytes), to = fp-8 (8 bytes); values from the kernel.
  auto csum = [](uint64_t from, uint64_t to, uint32_t fromSize, uint32_t toSize,
                 uint32_t seed) {
    return eval([&](Asm &a) {
      a.ld64(1, from).stx(BPF_DW, 10, 1, -16).ld64(1, to).stx(BPF_DW, 10, 1, -8);
      a.mov64(1, 10).add64i(1, -16).mov64i(2, int32_t(fromSize));
      a.mov64(3, 10).add64i(3, -8).mov64i(4, int32_t(toSize)).mov32i(5, int32_t(seed));
      a.call(BPF_FUNC_csum_diff);
    });
  };
  // Diff of an IPv4 address change, seed 0.
  EXPECT_EQ(csum(0x0100000a, 0x0200000a, 4, 4, 0), 0x100u);
  EXPECT_EQ(csum(0x0200000a, 0x0100000a, 4, 4, 0), 0xfeffu);
  // Push (to only) and pull (from only) with a seed.
  EXPECT_EQ(csum(0, 0x1122334455667788ull, 0, 8, 0x1234), 0x2389u);
  EXPECT_EQ(csum(0x1122334455667788ull, 0, 8, 0, 0x1234), 0xdfu);
  // Odd sizes (no alignment rule since 6.x), equal data, nothing at all.
  EXPECT_EQ(csum(0xffffffffffffffffull, 0x0102030405060708ull, 3, 5, 7), 0xb1au);
  EXPECT_EQ(csum(0xabcdef, 0xabcdef, 4, 4, 0), 0xffffu);
  EXPECT_EQ(csum(0, 0, 0, 0, 0xabcd1234), 0xbe01u);
  EXPECT_EQ(csum(0, 0, 0, 0, 0), 0u);
}
