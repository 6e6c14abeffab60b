// Global data (.data, .bss) on the NIC: a section cut into slices, each a
// NIC array of its own (docs/maps-design.md "Global data"); the host sees
// the section. tests/progs/global_counters.bpf.c on the model against the
// kernel and interp with literal counts, the slices of its image, the host
// views, and the exact refusals.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "sluice/Engine/Run.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Schedule/Compile.h"
#include "../TestSupport.h"
#include "../../common/IrFixture.h"

using namespace sluice;

namespace {

Bytes u32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }

std::optional<Object> counters() {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/global_counters.bpf.o");
  if (!obj) {
    ADD_FAILURE() << llvm::toString(obj.takeError());
    return std::nullopt;
  }
  return std::move(*obj);
}

// An Ethernet frame of `len` bytes: IPv4 (protocol, TTL) or another type.
PcapPacket frame(size_t len, uint16_t ethertype, uint8_t proto = 0, uint8_t ttl = 0) {
  PcapPacket p;
  p.data.assign(len, 0);
  p.data[12] = uint8_t(ethertype >> 8), p.data[13] = uint8_t(ethertype);
  if (len > 23) {
    p.data[14] = 0x45;
    p.data[22] = ttl;
    p.data[23] = proto;
  }
  p.orig_len = uint32_t(len);
  return p;
}

const MapDump *dumpOf(const RunResult &r, const std::string &name) {
  for (const MapDump &d : r.maps)
    if (d.name == name)
      return &d;
  return nullptr;
}

// model == kernel (when it can run) == interp, packet by packet and map by map
RunResult modelEqualsKernelAndInterp(const Object &obj, const std::vector<MapInitEntry> &init,
                                     const std::vector<PcapPacket> &pkts,
                                     const std::string &what) {
  const Program &prog = obj.programs[0];
  ModelEngine model;
  auto m = runPackets(model, obj, prog, init, pkts);
  EXPECT_TRUE(bool(m)) << what << ": " << (m ? "" : llvm::toString(m.takeError()));
  if (!m)
    return {};
  for (const char *ref : {"interp", "kernel"}) {
    if (std::string(ref) == "kernel" &&
        sluice::testing::kernelMissing("the kernel half of GlobalData", kernelUnavailableReason()))
      continue;
    auto e = createEngine(ref);
    EXPECT_TRUE(bool(e));
    if (!e)
      continue;
    auto k = runPackets(**e, obj, prog, init, pkts);
    EXPECT_TRUE(bool(k)) << what << ": " << (k ? "" : llvm::toString(k.takeError()));
    if (k)
      EXPECT_EQ(firstDifference(*k, *m, {}), "") << what << " (" << ref << " vs model)";
  }
  return std::move(*m);
}

} // namespace

// The slices of global_counters: .data's threshold (read; the count of
// passed frames depends on it, so it has a transaction of its own), the
// passed count with the last protocol byte (an add and a byte store), .bss's
// two 64-bit counters (two RMWs) and its indexed array (4 entries, the
// reason the key). The sections stay unbound; four transactions.
TEST(GlobalData, CountersCompileIntoSlices) {
  auto obj = counters();
  ASSERT_TRUE(obj && !obj->programs.empty());
  auto img = compileProgram(*obj, obj->programs[0], TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  ASSERT_EQ(img->maps.size(), 6u);
  EXPECT_EQ(img->maps[0].name, "global_c.data");
  EXPECT_EQ(img->maps[1].name, "global_c.bss");
  EXPECT_EQ(img->maps[0].stage, -1);
  EXPECT_EQ(img->maps[1].stage, -1);
  struct Want {
    const char *name;
    int32_t of;
    uint32_t off, value, entries;
  };
  const Want want[] = {{"global_c.data[0:4]", 0, 0, 4, 1},
                       {"global_c.data[4:9]", 0, 4, 5, 1},
                       {"global_c.bss[16:32]", 1, 16, 4, 4},
                       {"global_c.bss[0:16]", 1, 0, 16, 1}};
  std::set<int32_t> stages;
  for (const Want &w : want) {
    const ImageMap *m = nullptr;
    for (const ImageMap &x : img->maps)
      if (x.name == w.name)
        m = &x;
    ASSERT_NE(m, nullptr) << w.name;
    EXPECT_EQ(m->sliceOf, w.of) << w.name;
    EXPECT_EQ(m->sliceOffset, w.off) << w.name;
    EXPECT_EQ(m->valueSize, w.value) << w.name;
    EXPECT_EQ(m->maxEntries, w.entries) << w.name;
    EXPECT_EQ(m->type, uint32_t(BPF_MAP_TYPE_ARRAY)) << w.name;
    EXPECT_GE(m->stage, 0) << w.name;
    stages.insert(m->stage);
  }
  EXPECT_EQ(stages.size(), 4u);  // one map stage each
  unsigned lk = 0;
  for (auto &st : img->stages)
    for (uint64_t w : st)
      lk += isa::decodeUop(w).op == unsigned(isa::Op::MAPLK);
  EXPECT_EQ(lk, 4u);
  // .bss as the host sees it: five slice entries
  auto e = sectionSlices(img->maps, 1);
  ASSERT_EQ(e.size(), 5u);
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  for (auto &x : e)
    ranges.push_back({x.offset, x.bytes});
  std::sort(ranges.begin(), ranges.end());
  EXPECT_EQ(ranges, (std::vector<std::pair<uint32_t, uint32_t>>{
                        {0, 16}, {16, 4}, {20, 4}, {24, 4}, {28, 4}}));
  // META carries slice_of and slice_offset through a write and a read
  auto bytes = writeStageImage(*img);
  auto back = readStageImage(bytes.data(), bytes.size(), TargetParams::defaults(), "image");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->maps, img->maps);
  // the verifier: a slice of a map that is not an unbound global-data map
  StageImage bad = *img;
  for (ImageMap &m : bad.maps)
    if (m.name == "global_c.data[4:9]")
      m.sliceOf = 2;
  auto v = verifyStageImage(bad, TargetParams::defaults());
  ASSERT_TRUE(bool(v));
  EXPECT_EQ(llvm::toString(std::move(v)),
            "map 3 ('global_c.data[4:9]') is a slice of map 2, which is not an earlier unbound "
            "global-data map holding its bytes");
}

// Literal counts on the model, equal to the kernel's and interp's: 64-bit
// packet and byte counters, the counters by reason (indexed by the inlined
// helper's argument), the threshold read, the passed count from 100, the
// last protocol byte; then the same with a map-init that raises the
// threshold and puts the counters next to their carries.
TEST(GlobalData, CountersModelEqualsKernel) {
  auto obj = counters();
  ASSERT_TRUE(obj && !obj->programs.empty());
  std::vector<PcapPacket> pkts = {frame(60, 0x0800, 6, 64),  frame(70, 0x0800, 17, 1),
                                  frame(80, 0x0800, 1, 2),   frame(64, 0x86dd),
                                  frame(20, 0x0800)};
  auto r = modelEqualsKernelAndInterp(*obj, {}, pkts, "literal");
  ASSERT_EQ(r.packets.size(), 5u);
  const uint32_t want[] = {2, 1, 2, 2, 1};  // pass, low TTL, TTL == threshold passes, not IP, short
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(r.packets[i].out.action, want[i]) << i;
  const MapDump *data = dumpOf(r, "global_c.data"), *bss = dumpOf(r, "global_c.bss");
  ASSERT_TRUE(data && bss);
  ASSERT_EQ(data->entries.size(), 1u);
  ASSERT_EQ(bss->entries.size(), 1u);
  EXPECT_EQ(data->entries[0].value, (Bytes{2, 0, 0, 0, 102, 0, 0, 0, 1}));
  EXPECT_EQ(bss->entries[0].value,
            (Bytes{5, 0, 0, 0, 0, 0, 0, 0, 0x26, 1, 0, 0, 0, 0, 0, 0,  // 5 frames, 294 bytes
                   1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}));  // short, not IP, low, passed
  EXPECT_EQ(dumpOf(r, "global_c.bss[0:16]"), nullptr);  // slices are not host maps

  std::vector<MapInitEntry> init = {
      {"global_c.data", u32(0), Bytes{64, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x11}},
      {"global_c.bss", u32(0),
       Bytes{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xe0, 0xff, 0xff, 0xff, 7, 0, 0, 0,
             0xff, 0xff, 0xff, 0xff, 9, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}}};
  auto s = modelEqualsKernelAndInterp(*obj, init, pkts, "map-init");
  ASSERT_EQ(s.packets.size(), 5u);
  const uint32_t want2[] = {2, 1, 1, 2, 1};  // threshold 64: TTL 64 passes, 1 and 2 drop
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(s.packets[i].out.action, want2[i]) << i;
  data = dumpOf(s, "global_c.data"), bss = dumpOf(s, "global_c.bss");
  ASSERT_TRUE(data && bss);
  EXPECT_EQ(data->entries[0].value, (Bytes{64, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1}));
  EXPECT_EQ(bss->entries[0].value,
            (Bytes{4, 0, 0, 0, 1, 0, 0, 0, 0x06, 1, 0, 0, 8, 0, 0, 0,  // carries into the highs
                   0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}));
  // the sample pcaps, maps compared
  for (const char *pcap : {"firewall", "global_data", "udp_reflect"}) {
    auto p = readPcap(std::string(SLUICE_SOURCE_DIR) + "/bpf-samples/pcaps/" + pcap + ".pcap");
    ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
    modelEqualsKernelAndInterp(*obj, init, *p, pcap);
  }
}

// The host sees the section by its kernel name: lookups lay the slices'
// bytes over it, updates reach the slices (the next packet counts from
// there), the kernel's return codes for a key past the one entry; the
// slices themselves are no host maps.
TEST(GlobalData, HostViewsOfASection) {
  auto obj = counters();
  ASSERT_TRUE(obj && !obj->programs.empty());
  ModelEngine model;
  ASSERT_FALSE(bool(model.load(*obj, obj->programs[0])));
  auto v = model.mapLookup("global_c.data", u32(0));
  ASSERT_TRUE(bool(v) && v->has_value());
  EXPECT_EQ(**v, (Bytes{2, 0, 0, 0, 100, 0, 0, 0, 0xff}));
  ASSERT_FALSE(bool(model.mapUpdate("global_c.data", u32(0), Bytes{5, 0, 0, 0, 7, 0, 0, 0, 9})));
  PacketIn in;
  in.data = frame(60, 0x0800, 6, 64).data;
  auto out = model.run(in);
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  EXPECT_EQ(out->action, 2u);
  v = model.mapLookup("global_c.data", u32(0));
  ASSERT_TRUE(bool(v) && v->has_value());
  EXPECT_EQ(**v, (Bytes{5, 0, 0, 0, 8, 0, 0, 0, 6}));
  v = model.mapLookup("global_c.data", u32(1));
  ASSERT_TRUE(bool(v));
  EXPECT_FALSE(v->has_value());
  auto e = model.mapUpdate("global_c.data", u32(1), Bytes(9, 0));
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "model: update on map 'global_c.data': Argument list too long");
  auto s = model.mapLookup("global_c.data[0:4]", u32(0));
  ASSERT_FALSE(bool(s));
  EXPECT_EQ(llvm::toString(s.takeError()), "model: no map 'global_c.data[0:4]'");
}

namespace {

// Compiles `body` (the function after its entry label) with two global-data
// maps: 0 fix.bss (24 bytes), 1 fix.data (8 bytes).
std::string globalFixture(const std::string &body) {
  std::string out = sluice::test::fixtureLocations(body);
  std::vector<MapDef> maps(2);
  for (unsigned i = 0; i < 2; ++i) {
    maps[i].name = i ? "fix.data" : "fix.bss", maps[i].section = i ? ".data" : ".bss";
    maps[i].type = BPF_MAP_TYPE_ARRAY, maps[i].key_size = 4, maps[i].max_entries = 1;
    maps[i].value_size = i ? 8 : 24, maps[i].internal = true;
    maps[i].initial.assign(maps[i].value_size, 0);
  }
  std::string text = R"(target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
declare ptr addrspace(1) @sluice.xdp.data(ptr)
declare ptr addrspace(2) @sluice.map.value(i32)
define i32 @f(ptr %ctx) !dbg !2 {
entry:
  %g = call ptr addrspace(2) @sluice.map.value(i32 0)
  %d = call ptr addrspace(1) @sluice.xdp.data(ptr %ctx)
  %b = load i8, ptr addrspace(1) %d
)" + out + sluice::test::kFixtureTrailer;
  auto img = sluice::test::compileFixtureText(text, maps);
  if (!img)
    return llvm::toString(img.takeError());
  unsigned slices = 0;
  for (const ImageMap &x : img->maps)
    slices += x.sliceOf >= 0;
  return "compiled, " + std::to_string(slices) + " slices";
}

} // namespace

TEST(GlobalData, ExactDiagnostics) {
  // two 64-bit counters and a byte store: one slice; a threshold read and a
  // counter it guards: two slices
  EXPECT_EQ(globalFixture(R"(  %a = atomicrmw add ptr addrspace(2) %g, i64 1 seq_cst
  %p = getelementptr i8, ptr addrspace(2) %g, i64 8
  %x = load i64, ptr addrspace(2) %p
  %y = add i64 %x, 3
  store i64 %y, ptr addrspace(2) %p
  %q = getelementptr i8, ptr addrspace(2) %g, i64 16
  store i8 %b, ptr addrspace(2) %q
  ret i32 2)"),
            "compiled, 2 slices");  // the byte store would be a third RMW: its own slice
  EXPECT_EQ(globalFixture(R"(  %t = load i32, ptr addrspace(2) %g
  %bb = zext i8 %b to i32
  %c = icmp ult i32 %bb, %t
  br i1 %c, label %cnt, label %out
cnt:
  %p = getelementptr i8, ptr addrspace(2) %g, i64 4
  %o = atomicrmw add ptr addrspace(2) %p, i32 1 seq_cst
  br label %out
out:
  ret i32 2)"),
            "compiled, 2 slices");
  EXPECT_EQ(globalFixture(R"(  %n = zext i8 %b to i64
  %p = getelementptr i8, ptr addrspace(2) %g, i64 %n
  %x = load i32, ptr addrspace(2) %p
  %y = add i32 %x, 1
  store i32 %y, ptr addrspace(2) %p, !dbg !L5.3
  ret i32 2)"),
            "fix.bpf.c:5:3: error: a variable index into global data 'fix.bss': the compiler "
            "follows constant offsets and phis of them only");
  EXPECT_EQ(globalFixture(R"(  %x = load i32, ptr addrspace(2) %g, !dbg !L4.1
  %z = icmp eq i32 %x, 0
  br i1 %z, label %set, label %out
set:
  store i32 5, ptr addrspace(2) %g, !dbg !L6.2
  br label %out
out:
  ret i32 2)"),
            "fix.bpf.c:6:2: error: a store to global data 'fix.bss (byte 0)' that depends on the "
            "value the packet read from it (at fix.bpf.c:4:1): the map unit's RMWs (add, or, and, "
            "xor, xchg) and their guards cannot depend on the value their transaction reads");
  EXPECT_EQ(globalFixture(R"(  %x = load i32, ptr addrspace(2) %g
  %p = getelementptr i8, ptr addrspace(2) %g, i64 8
  store i32 %x, ptr addrspace(2) %p, !dbg !L7.3
  ret i32 2)"),
            "fix.bpf.c:7:3: error: a store to global data 'fix.bss' computed from a value read "
            "from the map in the same packet: the map unit's RMWs (add, or, and, xor, xchg) cannot "
            "depend on the value their transaction reads (`if (x > 0) x--` needs a conditional "
            "RMW in the map unit; only `x op= y` with y independent of the map runs)");
  EXPECT_EQ(globalFixture(R"(  %a = atomicrmw add ptr addrspace(2) %g, i32 1 seq_cst, !dbg !L8.1
  %c = atomicrmw add ptr addrspace(2) %g, i32 2 seq_cst
  %e = atomicrmw or ptr addrspace(2) %g, i32 4 seq_cst
  ret i32 2)"),
            "fix.bpf.c:8:1: error: 3 updates of global data 'fix.bss (byte 0)' in one program: a "
            "transaction has two RMWs");
  EXPECT_EQ(globalFixture(R"(  %x = load i32, ptr addrspace(2) %g, !dbg !L9.1
  %y = load i16, ptr addrspace(2) %g, !dbg !L9.2
  %s = zext i16 %y to i32
  %t = add i32 %x, %s
  %c = icmp eq i32 %t, 0
  %r = select i1 %c, i32 1, i32 2
  ret i32 %r)"),
            "fix.bpf.c:9:2: error: accesses of global data 'fix.bss (byte 0)' of 4 and 2 bytes: "
            "accesses of one variable with different widths are not supported");
  // an indexed counter (a phi of two offsets): an array slice of 2 entries
  EXPECT_EQ(globalFixture(R"(  %c = icmp eq i8 %b, 0
  br i1 %c, label %l, label %r
l:
  %pl = getelementptr i8, ptr addrspace(2) %g, i64 8
  br label %j
r:
  %pr = getelementptr i8, ptr addrspace(2) %g, i64 12
  br label %j
j:
  %p = phi ptr addrspace(2) [ %pl, %l ], [ %pr, %r ]
  %x = load i32, ptr addrspace(2) %p
  %y = add i32 %x, 1
  store i32 %y, ptr addrspace(2) %p
  ret i32 2)"),
            "compiled, 1 slices");
  EXPECT_EQ(globalFixture(R"(  %c = icmp eq i8 %b, 0
  br i1 %c, label %l, label %r
l:
  %pl = getelementptr i8, ptr addrspace(2) %g, i64 8
  br label %j
r:
  %pr = getelementptr i8, ptr addrspace(2) %g, i64 12
  br label %j
j:
  %p = phi ptr addrspace(2) [ %pl, %l ], [ %pr, %r ]
  %x = load i32, ptr addrspace(2) %p, !dbg !L10.1
  %z = icmp eq i32 %x, 0
  br i1 %z, label %set, label %out
set:
  store i32 7, ptr addrspace(2) %p, !dbg !L11.2
  br label %out
out:
  ret i32 2)"),
            "fix.bpf.c:11:2: error: a store to global data 'fix.bss' (an indexed element) that "
            "depends on the value the packet read from the array (at fix.bpf.c:10:1): the map "
            "unit's RMWs (add, or, and, xor, xchg) and their guards cannot depend on the value "
            "their transaction reads");
}
