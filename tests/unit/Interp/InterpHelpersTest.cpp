//===- InterpHelpersTest.cpp - BPF helpers of interp ----------------------===//
//
// Each helper with its error returns: map helpers, clocks, randomness,
// trace_printk, perf_event_output, ring buffers, bpf_loop callbacks and
// tail calls. Return values in tests without SKIP_ON_KERNEL() are what
// Linux 6.18 returned for the same program (kernel: same); events and
// redirect targets are the interpreter's own and checked only there.
//
//===----------------------------------------------------------------------===//
#include "InterpTestUtil.h"

#include <ctime>

using namespace sluice;
using namespace sluice::interptest;

namespace {

constexpr uint64_t neg(int e) { return uint64_t(-int64_t(e)); }

// Writes `s` and its NUL padding at fp+off (off a multiple of 8, negative).
void stackString(Asm &a, int16_t off, const std::string &s) {
  std::string p = s;
  p.resize((s.size() / 8 + 1) * 8, '\0');
  for (size_t i = 0; i < p.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, p.data() + i, 8);
    a.ld64(9, v).stx(BPF_DW, 10, 9, int16_t(off + i));
  }
}

// A program recording r0 after each step into slot i of a .bss array.
struct Recorder {
  TestObject t;
  int bss;
  Asm a;
  int slots = 0;
  explicit Recorder(int n = 16) { bss = t.addGlobal(".bss", Bytes(8 * n, 0)); }
  Recorder &record() {
    a.ldmapval(1, bss, uint32_t(8 * slots++)).stx(BPF_DW, 1, 0, 0);
    return *this;
  }
  /// Ends the entry function (sub-programs may follow).
  Recorder &finish() {
    a.ret(XDP_PASS);
    finished = true;
    return *this;
  }
  bool finished = false;
  std::vector<uint64_t> run(const Bytes &pkt = Bytes(64, 0)) {
    if (!finished)
      a.ret(XDP_PASS);
    t.addProgram(a);
    t.loaded();
    t.run(pkt);
    auto v = t.engine->mapLookup(t.obj.maps[bss].name, le32(0));
    std::vector<uint64_t> out;
    if (!v || !*v) {
      ADD_FAILURE() << "no result";
      if (!v)
        llvm::consumeError(v.takeError());
      return out;
    }
    for (int i = 0; i < slots; ++i) {
      uint64_t x;
      std::memcpy(&x, (*v)->data() + 8 * i, 8);
      out.push_back(x);
    }
    return out;
  }
};

// r0 = map_update_elem(map, &key, &value, flags), key at fp-4, value fp-16.
void update(Asm &a, int map, uint32_t key, uint64_t value, uint64_t flags) {
  a.st(BPF_W, 10, -4, int32_t(key)).ld64(1, value).stx(BPF_DW, 10, 1, -16);
  a.ldmap(1, map).mov64(2, 10).add64i(2, -4).mov64(3, 10).add64i(3, -16).ld64(4, flags);
  a.call(BPF_FUNC_map_update_elem);
}
void erase(Asm &a, int map, uint32_t key) {
  a.st(BPF_W, 10, -4, int32_t(key)).ldmap(1, map).mov64(2, 10).add64i(2, -4);
  a.call(BPF_FUNC_map_delete_elem);
}
// r7 = lookup(map, key), or goto abort
void lookupPointer(Asm &a, int map, uint32_t key) {
  a.st(BPF_W, 10, -4, int32_t(key)).ldmap(1, map).mov64(2, 10).add64i(2, -4);
  a.call(BPF_FUNC_map_lookup_elem).jmpi(BPF_JEQ, 0, 0, "abort").mov64(7, 0);
}
// r0 = lookup(map, key) ? *(u64 *)r0 : 0xdead
void lookupValue(Asm &a, int map, uint32_t key, const std::string &tag) {
  a.st(BPF_W, 10, -4, int32_t(key)).ldmap(1, map).mov64(2, 10).add64i(2, -4);
  a.call(BPF_FUNC_map_lookup_elem).mov64(6, 0).jmpi(BPF_JNE, 0, 0, tag);
  a.mov64i(0, 0xdead).ja(tag + "_end");
  a.label(tag).ldx(BPF_DW, 0, 0, 0).label(tag + "_end");
}

} // namespace

TEST(InterpHelpersTest, MapUpdateAndDeleteErrors) {
  Recorder r(20);
  int h = r.t.addMap("h", BPF_MAP_TYPE_HASH, 4, 8, 2);
  int arr = r.t.addMap("arr", BPF_MAP_TYPE_ARRAY, 4, 8, 4);
  Asm &a = r.a;
  update(a, h, 1, 11, BPF_EXIST), r.record();    // absent: -ENOENT
  update(a, h, 1, 11, BPF_NOEXIST), r.record();  // 0
  update(a, h, 1, 12, BPF_NOEXIST), r.record();  // -EEXIST
  update(a, h, 2, 22, BPF_ANY), r.record();      // 0
  update(a, h, 3, 33, BPF_ANY), r.record();      // full: -E2BIG
  update(a, h, 2, 23, BPF_EXIST), r.record();    // 0 (full, but exists)
  update(a, h, 2, 23, 3), r.record();            // bad flags: -EINVAL
  update(a, h, 2, 23, BPF_F_LOCK), r.record();   // no spin lock: -EINVAL
  erase(a, h, 3), r.record();                    // -ENOENT
  erase(a, h, 1), r.record();                    // 0
  update(a, arr, 4, 1, BPF_ANY), r.record();     // past the end: -E2BIG
  update(a, arr, 1, 1, BPF_NOEXIST), r.record(); // arrays always exist: -EEXIST
  update(a, arr, 1, 7, BPF_EXIST), r.record();   // 0
  erase(a, arr, 1), r.record();                  // -EINVAL
  update(a, arr, 1, 1, BPF_F_LOCK), r.record();  // -EINVAL
  lookupValue(a, arr, 1, "l1"), r.record();      // 7
  lookupValue(a, arr, 4, "l2"), r.record();      // NULL past the end
  lookupValue(a, h, 2, "l3"), r.record();        // 23
  lookupValue(a, h, 1, "l4"), r.record();        // deleted: NULL
  EXPECT_EQ(r.run(), (std::vector<uint64_t>{neg(ENOENT), 0, neg(EEXIST), 0, neg(E2BIG), 0,
                                             neg(EINVAL), neg(EINVAL), neg(ENOENT), 0,
                                             neg(E2BIG), neg(EEXIST), 0, neg(EINVAL),
                                             neg(EINVAL), 7, 0xdead, 23, 0xdead}));
  auto d = r.t.engine->dumpMaps();
  ASSERT_TRUE(!!d);
  for (const MapDump &m : *d)
    if (m.name == "h")
      EXPECT_EQ(m.entries, (std::vector<MapEntry>{{le32(2), le64(23)}}));
}

TEST(InterpHelpersTest, HashValuesOutliveDeleteAndUpdateWithinARun) {
  Recorder r;
  int h = r.t.addMap("h", BPF_MAP_TYPE_HASH, 4, 8, 4);
  Asm &a = r.a;
  update(a, h, 1, 100, BPF_ANY);
  lookupPointer(a, h, 1);  // r7 = pointer to key 1's value
  update(a, h, 1, 200, BPF_ANY);
  a.ldx(BPF_DW, 0, 7, 0), r.record();  // the old element: still 100
  lookupPointer(a, h, 1);
  a.ldx(BPF_DW, 0, 7, 0), r.record();  // the new one: 200
  erase(a, h, 1);
  a.ldx(BPF_DW, 0, 7, 0), r.record();  // deleted, still readable: 200
  a.st(BPF_DW, 7, 0, 5).ldx(BPF_DW, 0, 7, 0), r.record();  // and writable
  r.finish();
  a.label("abort").ret(XDP_ABORTED);
  EXPECT_EQ(r.run(), (std::vector<uint64_t>{100, 200, 200, 5}));
}

TEST(InterpHelpersTest, PerCpuMapsHaveCpu0sValue) {
  Recorder r;
  int pa = r.t.addMap("pa", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2);
  int ph = r.t.addMap("ph", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 2);
  Asm &a = r.a;
  a.call(BPF_FUNC_get_smp_processor_id), r.record();
  update(a, pa, 1, 5, BPF_ANY);
  update(a, ph, 7, 9, BPF_ANY);
  lookupPointer(a, ph, 7);
  update(a, ph, 7, 10, BPF_ANY);  // per-CPU values are overwritten in place
  a.ldx(BPF_DW, 0, 7, 0), r.record();
  r.finish();
  a.label("abort").ret(XDP_ABORTED);
  EXPECT_EQ(r.run(), (std::vector<uint64_t>{0, 10}));
  auto v = r.t.engine->mapLookup("pa", le32(1));
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, le64(5));
  v = r.t.engine->mapLookup("ph", le32(7));
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, le64(10));
}

TEST(InterpHelpersTest, LookupPercpuElem) {
  Recorder r;
  int pa = r.t.addMap("pa", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2);
  Asm &a = r.a;
  update(a, pa, 1, 77, BPF_ANY);
  a.st(BPF_W, 10, -4, 1).ldmap(1, pa).mov64(2, 10).add64i(2, -4).mov64i(3, 0);
  a.call(BPF_FUNC_map_lookup_percpu_elem).jmpi(BPF_JEQ, 0, 0, "null").ldx(BPF_DW, 0, 0, 0);
  a.label("null"), r.record();
  a.st(BPF_W, 10, -4, 1).ldmap(1, pa).mov64(2, 10).add64i(2, -4).mov64i(3, 64);
  a.call(BPF_FUNC_map_lookup_percpu_elem), r.record();  // no CPU 64: NULL
  EXPECT_EQ(r.run(), (std::vector<uint64_t>{77, 0}));
}

TEST(InterpHelpersTest, Clocks) {
  auto now = [](clockid_t c) {
    timespec ts;
    clock_gettime(c, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
  };
  for (auto [helper, clock] : {std::pair{BPF_FUNC_ktime_get_ns, CLOCK_MONOTONIC},
                               {BPF_FUNC_ktime_get_boot_ns, CLOCK_BOOTTIME},
                               {BPF_FUNC_ktime_get_tai_ns, CLOCK_TAI}}) {
    uint64_t before = now(clock);
    uint64_t v = eval([&](Asm &a) { a.call(helper); });
    uint64_t after = now(clock);
    EXPECT_LE(before, v) << helper;
    EXPECT_GE(after, v) << helper;
  }
  uint64_t coarse = eval([](Asm &a) { a.call(BPF_FUNC_ktime_get_coarse_ns); });
  EXPECT_NEAR(double(coarse), double(now(CLOCK_MONOTONIC)), 50e6);
}

TEST(InterpHelpersTest, PrandomIsRepeatable) {
  SKIP_ON_KERNEL();
  auto seq = [](uint64_t seed) {
    Recorder r;
    for (int i = 0; i < 4; ++i)
      r.a.call(BPF_FUNC_get_prandom_u32), r.record();
    r.a.ret(XDP_PASS);
    r.t.addProgram(r.a);
    r.t.loaded();
    r.t.interp()->seedPrandom(seed);
    r.t.run();
    auto v = r.t.engine->mapLookup(r.t.obj.maps[r.bss].name, le32(0));
    return **v;
  };
  Bytes a = seq(1), b = seq(1), c = seq(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (int i = 0; i < 4; ++i)  // 32-bit values
    EXPECT_EQ(a[8 * i + 4] | a[8 * i + 5] | a[8 * i + 6] | a[8 * i + 7], 0);
}

TEST(InterpHelpersTest, TracePrintk) {
  struct Case {
    std::string fmt;
    uint64_t a1, a2, a3;
    int64_t ret;       // kernel: the formatted length, or -EINVAL
    std::string text;  // interp: the event's text
  };
  const Case cases[] = {
      {"x=%d y=%u\n", uint64_t(-5), 7, 0, 9, "x=-5 y=7\n"},
      {"%x %X %lx", 0xabcdef, 0xff, 0x123456789ull, 19, "abcdef FF 123456789"},
      {"%lld %llu %i", uint64_t(-1), uint64_t(-1), 0x100000002ull, 25,
       "-1 18446744073709551615 2"},
      {"[%5d|%-3u|%05x]", 42, 7, 0xab, 17, "[   42|7  |000ab]"},
      {"%c%c 100%%", 'o', 'k', 0, 7, "ok 100%"},
      {"%d %d %d %d", 1, 2, 3, -EINVAL, ""},  // a fourth argument
      {"%q", 1, 0, 0, -EINVAL, ""},
      {"%hd", 1, 0, 0, -EINVAL, ""},
      {"no args", 0, 0, 0, 7, "no args"},
  };
  for (const Case &c : cases) {
    TestObject t;
    Asm a;
    stackString(a, -64, c.fmt);
    a.mov64(1, 10).add64i(1, -64).mov64i(2, int32_t(c.fmt.size() + 1));
    a.ld64(3, c.a1).ld64(4, c.a2).ld64(5, c.a3).call(BPF_FUNC_trace_printk).exit();
    t.addProgram(a);
    t.loaded();
    EXPECT_EQ(int32_t(t.run().action), c.ret) << c.fmt;
    if (InterpEngine *ie = t.interp()) {
      if (c.ret < 0) {
        EXPECT_TRUE(ie->events().empty()) << c.fmt;
      } else {
        ASSERT_EQ(ie->events().size(), 1u) << c.fmt;
        EXPECT_EQ(ie->events()[0].kind, InterpEvent::TracePrintk);
        EXPECT_EQ(ie->events()[0].text, c.text);
      }
    }
  }
  // %s reads a string from the program's memory; a format without its NUL
  // within fmt_size is EINVAL.
  Recorder r;
  Asm &a = r.a;
  stackString(a, -32, "s=%s!");
  stackString(a, -64, "hello");
  a.mov64(1, 10).add64i(1, -32).mov64i(2, 6).mov64(3, 10).add64i(3, -64);
  a.call(BPF_FUNC_trace_printk), r.record();
  a.mov64(1, 10).add64i(1, -32).mov64i(2, 5).call(BPF_FUNC_trace_printk), r.record();
  EXPECT_EQ(r.run(), (std::vector<uint64_t>{8, neg(EINVAL)}));
  if (InterpEngine *ie = r.t.interp()) {
    ASSERT_EQ(ie->events().size(), 1u);
    EXPECT_EQ(ie->events()[0].text, "s=hello!");
  }
}

TEST(InterpHelpersTest, PerfEventOutput) {
  // Into an empty perf-event-array slot: kernel: -ENOENT.
  TestObject t;
  int m = t.addMap("events", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4);
  auto prog = [&](uint64_t flags, int32_t size) {
    Asm a;
    a.ld64(2, 0x0807060504030201ull).stx(BPF_DW, 10, 2, -8);
    a.ldmap(2, m).ld64(3, flags).mov64(4, 10).add64i(4, -8).mov64i(5, size);
    a.call(BPF_FUNC_perf_event_output).exit();
    return a;
  };
  t.addProgram(prog(BPF_F_CURRENT_CPU, 8));
  t.addProgram(prog(3 | (uint64_t(4) << 32), 2));  // slot 3, 4 packet bytes
  t.addProgram(prog(4, 8));                        // past the end
  t.addProgram(prog(uint64_t(1) << 60, 8));        // past the ctx length mask
  t.addProgram(prog(uint64_t(65) << 32, 8));       // more packet than there is
  const uint32_t want[] = {uint32_t(-ENOENT), uint32_t(-ENOENT), uint32_t(-E2BIG),
                           uint32_t(-EINVAL), uint32_t(-EFAULT)};
  for (int p = 0; p < 5; ++p) {
    t.loaded(p);
    EXPECT_EQ(t.run(pattern(64)).action, want[p]) << p;
    if (InterpEngine *ie = t.interp()) {
      if (p == 1) {
        ASSERT_EQ(ie->events().size(), 1u);
        const InterpEvent &ev = ie->events()[0];
        EXPECT_EQ(ev.kind, InterpEvent::PerfOutput);
        EXPECT_EQ(ev.map, "events");
        EXPECT_EQ(ev.index, 3u);
        EXPECT_EQ(ev.data, (Bytes{1, 2, 0, 7, 14, 21}));  // sample, then 4 packet bytes
      }
      if (p >= 2) {
        EXPECT_TRUE(ie->events().empty()) << p;
      }
    }
  }
  // A host value in the slot stands for an attached reader (interp only).
  if (!onKernel()) {
    t.loaded(0);
    ASSERT_FALSE(!!t.engine->mapUpdate("events", le32(0), le32(1)));
    EXPECT_EQ(t.run().action, 0u);
  }
}

TEST(InterpHelpersTest, RingBuffer) {
  Recorder r;
  int rb = r.t.addMap("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
  Asm &a = r.a;
  // output 4 bytes
  a.st(BPF_W, 10, -8, 0x04030201).ldmap(1, rb).mov64(2, 10).add64i(2, -8).mov64i(3, 4);
  a.mov64i(4, 0).call(BPF_FUNC_ringbuf_output), r.record();
  // output with bad flags
  a.ldmap(1, rb).mov64(2, 10).add64i(2, -8).mov64i(3, 4).mov64i(4, 4);
  a.call(BPF_FUNC_ringbuf_output), r.record();
  // reserve 12 bytes, write, submit
  a.ldmap(1, rb).mov64i(2, 12).mov64i(3, 0).call(BPF_FUNC_ringbuf_reserve);
  a.jmpi(BPF_JEQ, 0, 0, "nores").st(BPF_W, 0, 8, 0x0c0b0a09).mov64(1, 0).mov64i(2, 0);
  a.call(BPF_FUNC_ringbuf_submit).label("nores");
  // reserve and discard
  a.ldmap(1, rb).mov64i(2, 8).mov64i(3, 0).call(BPF_FUNC_ringbuf_reserve);
  a.jmpi(BPF_JEQ, 0, 0, "nores2").mov64(1, 0).mov64i(2, 0);
  a.call(BPF_FUNC_ringbuf_discard).label("nores2");
  // reserve with flags: NULL
  a.ldmap(1, rb).mov64i(2, 8).mov64i(3, 1).call(BPF_FUNC_ringbuf_reserve), r.record();
  a.jmpi(BPF_JEQ, 0, 0, "nores3").mov64(1, 0).mov64i(2, 0).call(BPF_FUNC_ringbuf_discard);
  a.label("nores3");
  // the space taken: 16 + 24 + 16 bytes of records with headers
  a.ldmap(1, rb).mov64i(2, BPF_RB_AVAIL_DATA).call(BPF_FUNC_ringbuf_query), r.record();
  a.ldmap(1, rb).mov64i(2, BPF_RB_RING_SIZE).call(BPF_FUNC_ringbuf_query), r.record();
  EXPECT_EQ(r.run(), (std::vector<uint64_t>{0, neg(EINVAL), 0, 56, 4096}));
  if (InterpEngine *ie = r.t.interp()) {
    ASSERT_EQ(ie->events().size(), 2u);
    EXPECT_EQ(ie->events()[0].kind, InterpEvent::Ringbuf);
    EXPECT_EQ(ie->events()[0].map, "rb");
    EXPECT_EQ(ie->events()[0].data, (Bytes{1, 2, 3, 4}));
    EXPECT_EQ(ie->events()[1].data, (Bytes{0, 0, 0, 0, 0, 0, 0, 0, 9, 10, 11, 12}));
  }
}

TEST(InterpHelpersTest, RingBufferFillsWithoutAConsumer) {
  // Each run outputs 8 bytes (16 with the header) into a 4096-byte ring
  // nobody reads. kernel: the producer may run 4095 bytes ahead, so 255
  // records fit and the 256th is -EAGAIN.
  TestObject t;
  int rb = t.addMap("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
  t.addProgram(Asm()
                   .st(BPF_DW, 10, -8, 1)
                   .ldmap(1, rb)
                   .mov64(2, 10)
                   .add64i(2, -8)
                   .mov64i(3, 8)
                   .mov64i(4, 0)
                   .call(BPF_FUNC_ringbuf_output)
                   .exit());
  t.loaded();
  int ok = 0;
  for (int i = 0; i < 256; ++i)
    ok += t.run().action == 0;
  EXPECT_EQ(ok, 255);
  EXPECT_EQ(t.run().action, uint32_t(-EAGAIN));
  if (InterpEngine *ie = t.interp()) {
    EXPECT_EQ(ie->takeEvents().size(), 255u);  // consumes: room again
    EXPECT_EQ(t.run().action, 0u);
  }
}

TEST(InterpHelpersTest, LoopWithCallbacks) {
  // sum = 0; n = bpf_loop(nr, cb, &sum, flags); cb(i, ctx): *ctx += i;
  // return i == stop
  auto loop = [](uint32_t nr, uint64_t flags, int32_t stop, uint64_t *sum) {
    Recorder r;
    Asm &a = r.a;
    a.st(BPF_DW, 10, -8, 0).mov64i(1, int32_t(nr)).ldfunc(2, "cb").mov64(3, 10).add64i(3, -8);
    a.ld64(4, flags).call(BPF_FUNC_loop), r.record();
    a.ldx(BPF_DW, 0, 10, -8), r.record();
    r.finish();
    a.label("cb").ldx(BPF_DW, 3, 2, 0).alu64(BPF_ADD, 3, 1).stx(BPF_DW, 2, 3, 0);
    a.mov64i(0, 0).jmpi(BPF_JNE, 1, stop, "cbret").mov64i(0, 1).label("cbret").exit();
    auto v = r.run();
    *sum = v.at(1);
    return v.at(0);
  };
  uint64_t sum;
  EXPECT_EQ(loop(10, 0, -1, &sum), 10u);
  EXPECT_EQ(sum, 45u);
  EXPECT_EQ(loop(10, 0, 3, &sum), 4u);  // stopped after i == 3
  EXPECT_EQ(sum, 6u);
  EXPECT_EQ(loop(0, 0, -1, &sum), 0u);
  EXPECT_EQ(loop(10, 1, -1, &sum), neg(EINVAL));
  EXPECT_EQ(sum, 0u);
  // kernel: 0xfffffff9, a 32-bit -E2BIG (the verifier inlines the loop)
  EXPECT_EQ(loop((1u << 23) + 1, 0, -1, &sum), uint64_t(uint32_t(-E2BIG)));
}

TEST(InterpHelpersTest, TailCalls) {
  TestObject t;
  int jt = t.addMap("jt", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
  int bss = t.addGlobal(".bss", Bytes(8, 0));
  // prog 0: tail_call(ctx, jt, 0), then return 1 if that failed
  t.addProgram(Asm()
                   .ldmap(2, jt)
                   .mov64i(3, 0)
                   .call(BPF_FUNC_tail_call)
                   .ret(1),
               "entry");
  // prog 1: return 42
  t.addProgram(Asm().ret(42), "target");
  // prog 2: count += 1; tail_call(ctx, jt, 1) (itself); return count
  t.addProgram(Asm()
                   .mov64(6, 1)
                   .ldmapval(7, bss, 0)
                   .ldx(BPF_DW, 0, 7, 0)
                   .add64i(0, 1)
                   .stx(BPF_DW, 7, 0, 0)
                   .mov64(1, 6)
                   .ldmap(2, jt)
                   .mov64i(3, 1)
                   .call(BPF_FUNC_tail_call)
                   .ldx(BPF_DW, 0, 7, 0)
                   .exit(),
               "chain");
  t.loaded(0);
  EXPECT_EQ(t.run().action, 1u);  // empty slot: falls through
  ASSERT_FALSE(!!t.engine->mapUpdate("jt", le32(0), le32(1)));
  EXPECT_EQ(t.run().action, 42u);
  ASSERT_FALSE(!!t.engine->mapDelete("jt", le32(0)));
  EXPECT_EQ(t.run().action, 1u);

  t.loaded(2);
  ASSERT_FALSE(!!t.engine->mapUpdate("jt", le32(1), le32(2)));
  EXPECT_EQ(t.run().action, 34u);  // kernel: the first run plus 33 tail calls
}

TEST(InterpHelpersTest, FailedTailCallsIntoEmptySlots) {
  // n times tail_call(ctx, jt, i) into an empty slot (i a constant, or 0
  // read from the packet so that the verifier cannot know it), then
  // tail_call(ctx, jt, 1) into a program returning 42; else return 1.
  for (bool dynamic : {false, true})
    for (int n : {32, 33, 40}) {
      TestObject t;
      int jt = t.addMap("jt", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2);
      Asm a;
      a.mov64(6, 1).mov64i(7, n).ldx(BPF_W, 2, 1, 0).ldx(BPF_W, 3, 1, 4);
      a.mov64(4, 2).add64i(4, 1).jmp(BPF_JGT, 4, 3, "out").ldx(BPF_B, 8, 2, 0);
      a.label("loop").mov64(1, 6).ldmap(2, jt);
      if (dynamic)
        a.mov64(3, 8);
      else
        a.mov64i(3, 0);
      a.call(BPF_FUNC_tail_call).add64i(7, -1).jmpi(BPF_JNE, 7, 0, "loop");
      a.mov64(1, 6).ldmap(2, jt).mov64i(3, 1).call(BPF_FUNC_tail_call);
      a.label("out").ret(1);
      t.addProgram(a);
      t.addProgram(Asm().ret(42), "target");
      t.loaded();
      ASSERT_FALSE(!!t.engine->mapUpdate("jt", le32(1), le32(1)));
      EXPECT_EQ(t.run(Bytes(64, 0)).action, 42u) << n << (dynamic ? " dynamic" : " constant");
    }
}
