//===- MapSamplesTest.cpp - Stateful programs compiled for the NIC --------===//
//
// Map transactions formed by the compiler (issue 6 step 2) and run on the
// `model` engine against the kernel: verdicts, output bytes and every map
// after the run. The stateful samples that compile must agree with the
// kernel over their pcaps and map-init files; the ones the compiler refuses
// are listed here with their exact diagnostic, so a new refusal (or a
// changed one) fails the test. tests/progs/map_counters.bpf.c exercises the
// patterns the samples cannot reach yet on the default datapath, and
// 10,000 back-to-back packets count on one key as in the kernel.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <random>
#include <regex>

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
#include "../../common/MapTwiceScenario.h"

using namespace sluice;

namespace {

// Every stateful sample the compiler refuses on the default datapath, with
// its diagnostic (the error line; a "needs N stages" refusal's notes repeat
// its critical path). A sample not listed must compile and equal the kernel.
// dns_filter and ipv6_ext unroll their loops into graphs whose lower bound
// is far beyond 24 stages (the lane term: thousands of micro-ops).
const std::map<std::string, std::string> kRefused = {
    {"proto_counters",
     "proto_counters.bpf.c:69:8: error: the lookup of map 'proto_stats' needs a map stage "
     "(lane 2 of stages 1, 5, 9, 13, 17) from stage 20 on, when its key and guard are ready, "
     "with 3 stages left for its result; none is left"},
    {"l4_lb",
     "l4_lb.bpf.c:134:19: error: needs 83 stages, target has 24 (critical path: "
     "l4_lb.bpf.c:134, l4_lb.bpf.c:137, l4_lb.bpf.c:85, l4_lb.bpf.c:74, l4_lb.bpf.c:75, "
     "l4_lb.bpf.c:76, l4_lb.bpf.c:77, l4_lb.bpf.c:78, l4_lb.bpf.c:87, l4_lb.bpf.c:88, "
     "l4_lb.bpf.c:150, l4_lb.bpf.c:151, l4_lb.bpf.c:152, l4_lb.bpf.c:158, l4_lb.bpf.c:165, "
     "l4_lb.bpf.c:186, l4_lb.bpf.c:65; lower bound 83 stages)"},
    {"tunnel_decap", "tunnel_decap.bpf.c:128:2: error: needs 17 extractor entries, target has 16 "
                     "(header fields at constant offsets and metadata words)"},
    {"syn_ratelimit",
     "syn_ratelimit.bpf.c:91:11: error: a store to a value of map 'syn_state' under a condition "
     "computed from a value read from the map (at syn_ratelimit.bpf.c:87:6): the map unit applies "
     "a transaction's RMWs under guards known when it issues, not under conditions on the entry's "
     "own value (docs/maps-design.md, \"Stores under a condition on the value\")"},
    {"dns_filter",
     "xdp_common.h:88:7: error: needs 2969 stages, target has 24 (critical path: "
     "xdp_common.h:88, dns_filter.bpf.c:78, xdp_common.h:115, xdp_common.h:117, "
     "xdp_common.h:120, dns_filter.bpf.c:80, xdp_common.h:138, dns_filter.bpf.c:87, "
     "xdp_common.h:162, dns_filter.bpf.c:89, dns_filter.bpf.c:93, dns_filter.bpf.c:95, "
     "dns_filter.bpf.c:101, dns_filter.bpf.c:104, dns_filter.bpf.c:108, dns_filter.bpf.c:115, "
     "dns_filter.bpf.c:111, dns_filter.bpf.c:129, dns_filter.bpf.c:103, dns_filter.bpf.c:134, "
     "dns_filter.bpf.c:135, dns_filter.bpf.c:140, dns_filter.bpf.c:52; lower bound 2969 "
     "stages)"},
    {"bpf2bpf",
     "bpf2bpf.bpf.c:145:49: error: needs 37 stages, target has 24 (critical path: "
     "bpf2bpf.bpf.c:145, bpf2bpf.bpf.c:74, bpf2bpf.bpf.c:76, bpf2bpf.bpf.c:78, "
     "bpf2bpf.bpf.c:86, bpf2bpf.bpf.c:91, bpf2bpf.bpf.c:52, bpf2bpf.bpf.c:117, "
     "bpf2bpf.bpf.c:118, bpf2bpf.bpf.c:151, bpf2bpf.bpf.c:122, bpf2bpf.bpf.c:99, "
     "bpf2bpf.bpf.c:101, bpf2bpf.bpf.c:103; lower bound 37 stages)"},
    {"global_data",
     "global_data.bpf.c:77:14: error: a store to global data 'global_d.data' computed from a "
     "value read from the map in the same packet: the map unit's RMWs (add, or, and, xor, xchg) "
     "cannot depend on the value their transaction reads (`if (x > 0) x--` needs a conditional "
     "RMW in the map unit; only `x op= y` with y independent of the map runs)"},
    {"ipv6_ext",
     "xdp_common.h:88:7: error: needs 209 stages, target has 24 (critical path: "
     "xdp_common.h:88, ipv6_ext.bpf.c:71, xdp_common.h:132, xdp_common.h:134, "
     "ipv6_ext.bpf.c:78, ipv6_ext.bpf.c:89, ipv6_ext.bpf.c:91, ipv6_ext.bpf.c:49, "
     "ipv6_ext.bpf.c:82, ipv6_ext.bpf.c:117, ipv6_ext.bpf.c:125, ipv6_ext.bpf.c:127, "
     "ipv6_ext.bpf.c:139, ipv6_ext.bpf.c:47; lower bound 209 stages)"},
};

Bytes u32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }

// The kernel, or a loud skip (a failure when SLUICE_REQUIRE_KERNEL is set).
bool haveKernel() {
  return !sluice::testing::kernelMissing("the kernel half of MapSamples",
                                         kernelUnavailableReason());
}

// model and kernel over the same packets and initial maps: equal verdicts,
// bytes and final maps; returns the model's run.
RunResult expectModelEqualsKernel(const Object &obj, const Program &prog,
                                  const std::vector<MapInitEntry> &init,
                                  const std::vector<PcapPacket> &pkts, const std::string &what,
                                  const std::vector<std::string> &volatileMaps = {}) {
  ModelEngine model;
  auto m = runPackets(model, obj, prog, init, pkts);
  EXPECT_TRUE(bool(m)) << what << ": " << (m ? "" : llvm::toString(m.takeError()));
  if (!m)
    return {};
  if (haveKernel()) {
    auto kernel = createEngine("kernel");
    EXPECT_TRUE(bool(kernel));
    if (kernel) {
      auto k = runPackets(**kernel, obj, prog, init, pkts);
      EXPECT_TRUE(bool(k)) << what << ": " << (k ? "" : llvm::toString(k.takeError()));
      if (k) {
        EXPECT_EQ(firstDifference(*k, *m, {volatileMaps}), "") << what << " (kernel vs model)";
      }
    }
  }
  return std::move(*m);
}

TEST(MapSamples, EveryStatefulSampleRunsOnModelAsOnKernelOrIsRefusedAsListed) {
  ASSERT_FALSE(sluice::testing::samples().empty());
  std::set<std::string> seen;
  for (const SampleSpec &s : sluice::testing::samples()) {
    auto obj = Object::open(s.object);
    ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
    if (obj->maps.empty())
      continue;
    seen.insert(s.name);
    const Program *prog = obj->findProgram(s.program);
    ASSERT_NE(prog, nullptr) << s.name;
    CompileStats st;
    auto img = compileProgram(*obj, *prog, TargetParams::defaults(), &st);
    auto it = kRefused.find(s.name);
    if (!img) {
      std::string msg = llvm::toString(img.takeError());
      std::cout << s.name << ": refused: " << msg << "\n";
      msg = msg.substr(0, msg.find('\n'));  // the error; its notes repeat the critical path
      ASSERT_NE(it, kRefused.end()) << s.name << " is refused but not listed: " << msg;
      EXPECT_EQ(msg, it->second) << s.name;
      continue;
    }
    EXPECT_EQ(it, kRefused.end()) << s.name << " compiles but is listed as refused";
    std::cout << s.name << ": " << st.stagesUsed << " stages, " << st.uops << " micro-ops\n";
    std::vector<MapInitEntry> init;
    if (!s.mapInit.empty()) {
      auto e = parseMapInit(s.mapInit, *obj);
      ASSERT_TRUE(bool(e)) << llvm::toString(e.takeError());
      init = std::move(*e);
    }
    auto pkts = readPcap(s.pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    expectModelEqualsKernel(*obj, *prog, init, *pkts, s.name, s.volatileMaps);
  }
  for (auto &[name, msg] : kRefused)
    EXPECT_TRUE(seen.count(name)) << name << " is listed but is not a stateful sample";
}

/// A sample's pcap, by name (bpf-samples/pcaps/NAME.pcap).
llvm::Expected<std::vector<PcapPacket>> samplePcap(const std::string &name) {
  return readPcap(std::string(SLUICE_SOURCE_DIR) + "/bpf-samples/pcaps/" + name + ".pcap");
}

/// The MAPLK micro-ops of an image: one per map transaction.
unsigned mapLookups(const StageImage &img) {
  unsigned n = 0;
  for (auto &st : img.stages)
    for (uint64_t w : st)
      n += isa::decodeUop(w).op == unsigned(isa::Op::MAPLK);
  return n;
}

/// A sample of samples.json compiled for the default datapath, with its
/// compile statistics (ADD_FAILURE and nullopt when it is missing or refused).
struct CompiledSample {
  const SampleSpec *spec = nullptr;
  Object obj;
  const Program *prog = nullptr;
  StageImage img;
  CompileStats stats;
};
std::optional<CompiledSample> compileSample(const std::string &name) {
  const SampleSpec *spec = nullptr;
  for (const SampleSpec &s : sluice::testing::samples())
    if (s.name == name)
      spec = &s;
  if (!spec) {
    ADD_FAILURE() << "no sample " << name;
    return std::nullopt;
  }
  auto obj = Object::open(spec->object);
  if (!obj) {
    ADD_FAILURE() << llvm::toString(obj.takeError());
    return std::nullopt;
  }
  CompiledSample c{spec, std::move(*obj), nullptr, {}, {}};
  c.prog = c.obj.findProgram(spec->program);
  if (!c.prog) {
    ADD_FAILURE() << name << ": no program " << spec->program;
    return std::nullopt;
  }
  auto img = compileProgram(c.obj, *c.prog, TargetParams::defaults(), &c.stats);
  if (!img) {
    ADD_FAILURE() << llvm::toString(img.takeError());
    return std::nullopt;
  }
  c.img = std::move(*img);
  return c;
}

// firewall's two transactions chain (the verdict counter's key depends on
// the blocklist's found predicate, whose key is a VLD at stage 10): on the
// default datapath the blocklist lookup stands in map stage 13 and the
// verdict counter's in 17, 20 stages in all (the lower bound); it equals the
// kernel over its pcap and map-init, hit and verdict counters included.
// (rtl == kernel: the ctest entries sim.maps-firewall-*.)
TEST(MapSamples, FirewallOnTheDefaultDatapathEqualsKernel) {
  const TargetParams &t = TargetParams::defaults();
  auto c = compileSample("firewall");
  ASSERT_TRUE(c.has_value());
  const SampleSpec *fw = c->spec;
  Object *obj = &c->obj;
  const Program *prog = c->prog;
  const StageImage *img = &c->img;
  const CompileStats &st = c->stats;
  EXPECT_EQ(st.stagesUsed, 20u);
  EXPECT_EQ(st.criticalPath, 20u);
  std::map<std::string, int32_t> stageOf;
  for (const ImageMap &m : img->maps)
    stageOf[m.name] = m.stage;
  EXPECT_EQ(stageOf["blocklist"], 13);
  EXPECT_EQ(stageOf["verdict_cnt"], 17);
  // The blocklist's NULL test is its found predicate alone (the verdict
  // counter's key selects on it): nothing writes that predicate before
  // the lookup, so found == guard && hit (predicates start false).
  unsigned freshChecked = 0;
  for (unsigned s = 0; s < img->stages.size(); ++s)
    for (unsigned l = 0; l < img->stages[s].size(); ++l) {
      isa::Uop u = img->uop(s, l);
      if (u.op != unsigned(isa::Op::MAPLK))
        continue;
      unsigned p = decodeMapLookup(u).found;
      if (!p)
        continue;
      ++freshChecked;
      for (unsigned e = 0; e < s; ++e)
        for (unsigned k = 0; k < img->stages[e].size(); ++k) {
          isa::Uop w = img->uop(e, k);
          const isa::OpInfo *info = isa::opInfo(w.op);
          bool writes = (info && std::string_view(info->writes) == "pred" && w.p == p) ||
                        (w.op == unsigned(isa::Op::MAPLK) && decodeMapLookup(w).found == p);
          EXPECT_FALSE(writes) << "p" << p << " written at stage " << e << " lane " << k
                               << " before the lookup at stage " << s;
        }
    }
  EXPECT_GE(freshChecked, 1u);
  auto init = parseMapInit(fw->mapInit, *obj);
  ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
  auto pkts = readPcap(fw->pcap);
  ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
  ModelEngine model(t);
  auto m = runPackets(model, *obj, *prog, *init, *pkts);
  ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
  unsigned drops = 0, passes = 0;
  for (auto &p : m->packets) {
    drops += !p.runt && p.out.action == 1;
    passes += !p.runt && p.out.action == 2;
  }
  EXPECT_GT(drops, 0u);  // the blocklist hits
  EXPECT_GT(passes, 0u);
  if (haveKernel()) {
    auto kernel = createEngine("kernel");
    ASSERT_TRUE(bool(kernel));
    auto k = runPackets(**kernel, *obj, *prog, *init, *pkts);
    ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
    EXPECT_EQ(firstDifference(*k, *m), "") << formatStageImage(*img, t);
  }
}

// mac_learn's 2-word key, 4-word inserted value and 64-bit RMW operand
// pair all stand in gathers written by lanes 2 and 3 (the map lane's read
// window, banks 2 and 3): the runs are placed for the banks' balance first
// (the unplaced gathers of earlier runs counted), so the lookup stands in
// map stage 9, 14 stages in all (the lower bound; 18 when the key and the
// inserted value both went mostly to bank 3), and it equals the kernel.
TEST(MapSamples, MacLearnAtItsLowerBound) {
  auto c = compileSample("mac_learn");
  ASSERT_TRUE(c.has_value());
  const SampleSpec *ml = c->spec;
  Object *obj = &c->obj;
  const Program *prog = c->prog;
  const StageImage *img = &c->img;
  const CompileStats &st = c->stats;
  EXPECT_EQ(st.stagesUsed, 14u);
  EXPECT_EQ(st.criticalPath, 14u);
  ASSERT_EQ(img->maps.size(), 1u);
  EXPECT_EQ(img->maps[0].stage, 9);
  auto pkts = readPcap(ml->pcap);
  ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
  expectModelEqualsKernel(*obj, *prog, {}, *pkts, ml->name, ml->volatileMaps);
}

std::optional<Object> fixture() {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_counters.bpf.o");
  if (!obj) {
    ADD_FAILURE() << llvm::toString(obj.takeError());
    return std::nullopt;
  }
  return std::move(*obj);
}

// A UDP/IPv4 frame (protocol byte 23 = `proto`) of `len` bytes.
PcapPacket frame(uint8_t proto, size_t len = 60, uint16_t ethertype = 0x0800) {
  PcapPacket p;
  p.data.assign(len, 0);
  p.data[12] = uint8_t(ethertype >> 8), p.data[13] = uint8_t(ethertype);
  p.data[14] = 0x45;
  p.data[23] = proto;
  p.orig_len = uint32_t(len);
  return p;
}

TEST(MapSamples, CountersFixtureCompilesIntoTransactions) {
  auto fx = fixture();
  ASSERT_TRUE(fx && !fx->programs.empty());
  const Object &obj = *fx;
  auto img = compileProgram(obj, obj.programs[0], TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  // Three maps, three transactions, each in its own map stage; the .rodata
  // map is folded (unbound).
  std::set<int32_t> stages;
  unsigned bound = 0;
  for (const ImageMap &m : img->maps)
    if (m.stage >= 0)
      ++bound, stages.insert(m.stage);
  EXPECT_EQ(bound, 3u);
  EXPECT_EQ(stages.size(), 3u);
  unsigned lk = 0, atom = 0;
  for (auto &st : img->stages)
    for (uint64_t w : st) {
      isa::Uop u = isa::decodeUop(w);
      lk += u.op == unsigned(isa::Op::MAPLK);
      atom += u.op == unsigned(isa::Op::MAPATOM);
    }
  EXPECT_EQ(lk, 3u);
  EXPECT_EQ(atom, 3u);
  std::string text = formatStageImage(*img, TargetParams::defaults());
  EXPECT_NE(text.find("MAPATOM add.64 w0, s"), std::string::npos) << text;
  EXPECT_NE(text.find("or.64 w2, s"), std::string::npos) << text;   // the second RMW
  EXPECT_NE(text.find("add.32 w0, s"), std::string::npos) << text;  // `*c += 3`
  // The host sees .rodata frozen, as libbpf leaves it in the kernel.
  ModelEngine model;
  ASSERT_FALSE(bool(model.load(obj, obj.programs[0])));
  for (const MapDef &d : obj.maps)
    if (d.internal && d.readonly) {
      auto e = model.mapUpdate(d.name, u32(0), Bytes(d.value_size, 0));
      ASSERT_TRUE(bool(e));
      EXPECT_EQ(llvm::toString(std::move(e)),
                "model: update on map '" + d.name + "': Operation not permitted");
      auto v = model.mapLookup(d.name, u32(0));
      ASSERT_TRUE(bool(v) && v->has_value());
      EXPECT_EQ(**v, d.initial);
    }
}

TEST(MapSamples, CountersFixtureModelEqualsKernel) {
  auto fx = fixture();
  ASSERT_TRUE(fx && !fx->programs.empty());
  const Object &obj = *fx;
  const Program &prog = obj.programs[0];
  std::vector<MapInitEntry> init = {{"blocked", u32(17), Bytes{5, 0, 0, 0, 0, 0, 0, 0}}};
  for (const char *pcap : {"firewall", "proto_counters", "ipv6_ext", "vlan_filter", "l4_lb"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    expectModelEqualsKernel(obj, prog, init, *pkts, pcap);
  }
  // Literal expectations on the model: UDP packets are dropped (proto 17 is
  // blocked) and counted; blocked[17] counts hits from 5.
  std::vector<PcapPacket> pkts = {frame(17), frame(6), frame(17), frame(1, 20)};
  auto r = expectModelEqualsKernel(obj, prog, init, pkts, "literal");
  ASSERT_EQ(r.packets.size(), 4u);
  EXPECT_EQ(r.packets[0].out.action, 1u);  // XDP_DROP
  EXPECT_EQ(r.packets[1].out.action, 2u);  // XDP_PASS (the folded .rodata)
  EXPECT_EQ(r.packets[3].out.action, 1u);  // too short
  for (const MapDump &d : r.maps) {
    if (d.name == "blocked") {
      ASSERT_EQ(d.entries.size(), 1u);
      EXPECT_EQ(d.entries[0].value, (Bytes{7, 0, 0, 0, 0, 0, 0, 0}));
    }
    if (d.name == "proto_stats") {
      EXPECT_EQ(d.entries[17].value,
                (Bytes{2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
      EXPECT_EQ(d.entries[6].value, (Bytes{1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
    }
    if (d.name == "class_stats") {
      EXPECT_EQ(d.entries[1].value, u32(9));  // `*c += 3`, three long IPv4 frames
    }
  }
}

// MAPLK read words: two fields of one value word, shifted and masked.
TEST(MapSamples, ReadWordModelEqualsKernel) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_read.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  std::string text = formatStageImage(*img, TargetParams::defaults());
  EXPECT_NE(text.find("read w0 mask 0x1 -> s"), std::string::npos) << text;
  std::vector<MapInitEntry> init = {{"proto_action", u32(17), u32(1)},
                                    {"proto_action", u32(6), u32(0x70000)},
                                    {"proto_action", u32(1), u32(3)}};
  for (const char *pcap : {"firewall", "proto_counters", "icmp_echo"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    expectModelEqualsKernel(*obj, prog, init, *pkts, pcap);
  }
  std::vector<PcapPacket> pkts = {frame(17), frame(6), frame(1), frame(50)};
  auto r = expectModelEqualsKernel(*obj, prog, init, pkts, "literal");
  ASSERT_EQ(r.packets.size(), 4u);
  EXPECT_EQ(r.packets[0].out.action, 1u);  // verdict byte 1
  EXPECT_EQ(r.packets[1].out.action, 3u);  // mark 7: XDP_TX
  EXPECT_EQ(r.packets[2].out.action, 3u);  // verdict byte 3
  EXPECT_EQ(r.packets[3].out.action, 2u);  // zero entry: XDP_PASS
}

// MAPUPD and MAPDEL with their return codes driving the verdict.
TEST(MapSamples, UpdateAndDeleteModelEqualsKernel) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_update.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  std::string text = formatStageImage(*img, TargetParams::defaults());
  EXPECT_NE(text.find("MAPUPD s"), std::string::npos) << text;
  EXPECT_NE(text.find(", noexist"), std::string::npos) << text;
  EXPECT_NE(text.find("MAPDEL s"), std::string::npos) << text;
  std::vector<MapInitEntry> init = {{"gone", u32(6), u32(1)}, {"gone", u32(1), u32(1)}};
  for (const char *pcap : {"firewall", "proto_counters", "icmp_echo", "ipv6_ext"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    expectModelEqualsKernel(*obj, prog, init, *pkts, pcap);
  }
  // Literal: 6 is deleted from `gone` once (TX), then inserted into `seen`
  // only the first time (PASS, then -EEXIST: DROP); a fifth protocol finds
  // `seen` full (-E2BIG: DROP).
  std::vector<PcapPacket> pkts = {frame(6), frame(6), frame(17), frame(50), frame(51),
                                  frame(52)};
  auto r = expectModelEqualsKernel(*obj, prog, init, pkts, "literal");
  ASSERT_EQ(r.packets.size(), 6u);
  std::vector<uint32_t> want = {3, 1, 2, 2, 2, 1};
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_EQ(r.packets[k].out.action, want[k]) << "packet " << k;
}

// Multi-slot keys (a 16-byte struct built on the stack, a 6-byte MAC
// memcpy'd from the packet) and 64-bit RMWs by a variable amount (the
// operand a slot pair): tests/progs/map_flows.bpf.c with its map-init.
TEST(MapSamples, MultiSlotKeysModelEqualsKernel) {
  std::string dir = SLUICE_TEST_PROGS_DIR;
  auto obj = Object::open(dir + "/map_flows.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  std::string text = formatStageImage(*img, TargetParams::defaults());
  EXPECT_NE(text.find("add.64 w2, s"), std::string::npos) << text;  // bytes += len
  auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/map_flows.maps.json",
                           *obj);
  ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
  for (const char *pcap : {"firewall", "udp_reflect", "l4_lb", "mac_learn"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    auto r = expectModelEqualsKernel(*obj, prog, *init, *pkts, pcap);
    if (std::string(pcap) != "mac_learn")
      continue;
    // Literal: the 9000-byte frame (3520 linear bytes) of flow 9c4a -> 138d
    // carries into the high half of its byte count; the frames from MACs
    // :30 and :33 go back (XDP_TX), their bytes counted from 100 and from
    // 0xffffff00 (a carry).
    unsigned tx = 0;
    for (auto &p : r.packets)
      tx += !p.runt && p.out.action == 3;
    EXPECT_EQ(tx, 9u);
    for (const MapDump &d : r.maps)
      for (const MapEntry &e : d.entries) {
        if (d.name == "flows" && e.key[8] == 0x9c && e.key[9] == 0x4a) {
          EXPECT_EQ(e.value, (Bytes{6, 0, 0, 0, 0, 0, 0, 0, 0xc0, 5, 0, 0, 1, 0, 0, 0}));
        }
        if (d.name == "mac_bytes" && e.key[5] == 0x30) {
          EXPECT_EQ(e.value, (Bytes{0x22, 0x0f, 0, 0, 0, 0, 0, 0}));  // 100 + 3774
        }
        if (d.name == "mac_bytes" && e.key[5] == 0x33) {
          EXPECT_EQ(e.value, (Bytes{4, 0, 0, 0, 1, 0, 0, 0}));  // 0xffffff00 + 260
        }
      }
  }
}

// Four read words in one transaction (a 64-bit one among them) and a
// MAPUPD with a 12-byte value and an 8-byte key from the stack:
// tests/progs/map_wide.bpf.c with its map-init.
TEST(MapSamples, MultiSlotValuesAndReadWordsModelEqualsKernel) {
  std::string dir = SLUICE_TEST_PROGS_DIR;
  auto obj = Object::open(dir + "/map_wide.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  std::string text = formatStageImage(*img, TargetParams::defaults());
  EXPECT_NE(text.find("read w0 mask 0xf -> s"), std::string::npos) << text;
  EXPECT_NE(text.find("MAPUPD s"), std::string::npos) << text;
  auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/map_wide.maps.json",
                           *obj);
  ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
  for (const char *pcap : {"redirect_port", "firewall", "icmp_echo"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    expectModelEqualsKernel(*obj, prog, *init, *pkts, pcap);
  }
  // Literal: IPv4 frames to :0a (action 3 + mark 0: TX), :0b (1 + 2: TX),
  // :0c (limit 40: a 60-byte total length drops), :01 (1 + 1 = PASS, limit
  // 2^32), an unknown MAC (PASS).
  auto mk = [](uint8_t last, uint8_t proto) {
    PcapPacket p = frame(proto);
    p.data[0] = 2, p.data[5] = last;
    p.data[16] = 0, p.data[17] = 60;
    return p;
  };
  std::vector<PcapPacket> pkts = {mk(0x0a, 6), mk(0x0b, 17), mk(0x0c, 6), mk(0x01, 1),
                                  mk(0x02, 6)};
  auto r = expectModelEqualsKernel(*obj, prog, *init, pkts, "literal");
  ASSERT_EQ(r.packets.size(), 5u);
  std::vector<uint32_t> want = {3, 3, 1, 2, 2};
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_EQ(r.packets[k].out.action, want[k]) << "packet " << k;
  for (const MapDump &d : r.maps)
    if (d.name == "last") {
      EXPECT_EQ(d.entries.size(), 3u);  // protocols 6, 17 (the initial entry) and 1
    }
}

// Keys read straight from the packet (a packet pointer as the key): a
// 6-byte and a 7-byte key, 4 + 2 and 4 + 2 + 1 bytes of packet loads.
TEST(MapSamples, PacketKeysModelEqualsKernel) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_pktkey.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/map_pktkey.maps.json",
                           *obj);
  ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
  for (const char *pcap : {"redirect_port", "firewall", "mac_learn"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    expectModelEqualsKernel(*obj, prog, *init, *pkts, pcap);
  }
  auto mk = [](std::array<uint8_t, 6> dst, uint8_t srcLast, uint16_t ethertype) {
    PcapPacket p = frame(6, 60, ethertype);
    std::copy(dst.begin(), dst.end(), p.data.begin());
    p.data[6] = 2, p.data[11] = srcLast;
    return p;
  };
  std::vector<PcapPacket> pkts = {
      mk({2, 0, 0, 0, 0, 0x0a}, 2, 0x0800),  // TX; tails[:02 08] 100 -> 101
      mk({2, 0, 0, 0, 0, 0x0b}, 2, 0x86dd),  // DROP; tails[:02 86] 5 -> 6
      mk({2, 0, 0, 0, 1, 0x0a}, 3, 0x0800),  // second key word differs: PASS; tails[:03 08] 0 -> 1
      mk({0, 0, 0, 0, 0, 0x0a}, 3, 0x0806),  // DROP (value 1); tails[:03 08] 2 (ethertype byte 0x08)
      mk({2, 0, 0, 0, 0, 0x01}, 2, 0x0800),  // PASS (value 2); tails[:02 08] 102
  };
  auto r = expectModelEqualsKernel(*obj, prog, *init, pkts, "literal");
  ASSERT_EQ(r.packets.size(), 5u);
  std::vector<uint32_t> want = {3, 1, 2, 1, 2};
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_EQ(r.packets[k].out.action, want[k]) << "packet " << k;
  for (const MapDump &d : r.maps)
    if (d.name == "tails")
      for (const MapEntry &e : d.entries) {
        if (e.key == Bytes{2, 0, 0, 0, 0, 2, 8}) {
          EXPECT_EQ(e.value, u32(102));
        }
        if (e.key == Bytes{2, 0, 0, 0, 0, 2, 0x86}) {
          EXPECT_EQ(e.value, u32(6));
        }
        if (e.key == Bytes{2, 0, 0, 0, 0, 3, 8}) {
          EXPECT_EQ(e.value, u32(2));
        }
      }
}

// A 12-byte struct key built on two exclusive paths (IPv4, IPv6) and looked
// up at two call sites: one MAPLK, its key words selected by the sites'
// block predicates.
TEST(MapSamples, MultiSlotKeysOfExclusiveSitesModelEqualsKernel) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_sites.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  const unsigned lk = mapLookups(*img);
  EXPECT_EQ(lk, 1u);
  auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/map_sites.maps.json",
                           *obj);
  ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
  for (const char *pcap : {"ipv6_ext", "firewall", "proto_counters"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    auto r = expectModelEqualsKernel(*obj, prog, *init, *pkts, pcap);
    if (std::string(pcap) != "ipv6_ext")
      continue;
    // ipv6_ext.pcap: 7 IPv4 UDP frames from 10.0.0.2, 11 IPv6 frames with
    // next header 0 and 3 with 6 from ::2 (address word 3)
    for (const MapDump &d : r.maps)
      for (const MapEntry &e : d.entries) {
        if (e.key == Bytes{4, 0, 0, 0, 10, 0, 0, 2, 17, 0, 0, 0}) {
          EXPECT_EQ(e.value, u32(17));
        }
        if (e.key == Bytes{6, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0}) {
          EXPECT_EQ(e.value, u32(31));
        }
        if (e.key == Bytes{6, 0, 0, 0, 0, 0, 0, 2, 6, 0, 0, 0}) {
          EXPECT_EQ(e.value, u32(3));
        }
      }
  }
}

// Two lookups of one map in one packet (tests/progs/map_twice: the
// destination port, then on a miss the source port): the first lookup is
// served by a replica of `port_rules` in another map stage, the second and
// the value read and atomic add by the map itself. Equal to the kernel over
// four pcaps; the counts pin first-lookup hits, second-lookup hits (after a
// first miss), a first hit that hides a listed source port, and misses.
TEST(MapSamples, TwoLookupsOfOneMapModelEqualsKernel) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_twice.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  const unsigned lk = mapLookups(*img);
  EXPECT_EQ(lk, 2u);
  ASSERT_EQ(img->maps.size(), 2u);
  EXPECT_EQ(img->maps[0].name, "port_rules");
  EXPECT_EQ(img->maps[0].replicaOf, -1);
  EXPECT_EQ(img->maps[1].name, "port_rules");
  EXPECT_EQ(img->maps[1].replicaOf, 0);
  EXPECT_GE(img->maps[0].stage, 0);
  EXPECT_GE(img->maps[1].stage, 0);
  EXPECT_LT(img->maps[1].stage, img->maps[0].stage);  // the first lookup's replica first
  auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/map_twice.maps.json",
                           *obj);
  ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
  auto hits = [](const RunResult &r, uint16_t port) -> int64_t {
    for (const MapDump &d : r.maps)
      for (const MapEntry &e : d.entries)
        if (e.key == Bytes{uint8_t(port), uint8_t(port >> 8)})
          return int64_t(e.value[4]) | int64_t(e.value[5]) << 8;
    return -1;
  };
  for (const char *pcap : {"firewall", "mac_learn", "redirect_port", "udp_reflect"}) {
    auto pkts = samplePcap(pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    auto r = expectModelEqualsKernel(*obj, prog, *init, *pkts, pcap);
    if (std::string(pcap) == "firewall") {
      EXPECT_EQ(hits(r, 443), 9);    // first lookup (destination port)
      EXPECT_EQ(hits(r, 53), 9);
      EXPECT_EQ(hits(r, 40000), 1);  // second lookup: source port, after a miss
      EXPECT_EQ(hits(r, 43001), 0);  // its destination port 443 hit first
    }
    if (std::string(pcap) == "mac_learn") {
      EXPECT_EQ(hits(r, 59000), 25);
    }
    if (std::string(pcap) == "redirect_port") {
      EXPECT_EQ(hits(r, 58001), 3);
    }
  }
}

// Host writes to a map looked up twice reach every replica: an insert the
// first lookup must see, an update, and a delete it must not see any more,
// between packets of map_twice; the same sequence on the kernel gives the
// same verdicts and final map.
TEST(MapSamples, HostWritesReachEveryReplica) {
  using namespace sluice::test;
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_twice.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  ModelEngine model;
  auto m = mapTwiceScenario(model, *obj, prog);
  ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
  EXPECT_EQ(m->verdicts, (std::vector<uint32_t>{XDP_PASS, XDP_DROP, XDP_PASS, XDP_PASS}));
  ASSERT_EQ(m->maps.size(), 1u);
  EXPECT_EQ(m->maps[0].entries,
            (std::vector<MapEntry>{{mapTwicePort(1000), mapTwiceRule(XDP_PASS, 1)}}));  // 80 deleted
  if (haveKernel()) {
    auto kernel = createEngine("kernel");
    ASSERT_TRUE(bool(kernel));
    auto k = mapTwiceScenario(**kernel, *obj, prog);
    ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
    EXPECT_EQ(k->verdicts, m->verdicts);
    ASSERT_EQ(k->maps.size(), 1u);
    EXPECT_EQ(k->maps[0].entries, m->maps[0].entries);
  }
}

TEST(MapSamples, TenThousandBackToBackPacketsOnOneKey) {
  auto fx = fixture();
  ASSERT_TRUE(fx && !fx->programs.empty());
  const Object &obj = *fx;
  std::vector<PcapPacket> pkts(10000, frame(6, 64));
  auto r = expectModelEqualsKernel(obj, obj.programs[0], {}, pkts, "10,000 on one key");
  bool checked = false;
  for (const MapDump &d : r.maps)
    if (d.name == "proto_stats") {
      EXPECT_EQ(d.entries[6].value,
                (Bytes{0x10, 0x27, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));  // 10000
      checked = true;
    }
  EXPECT_TRUE(checked);
}

} // namespace

// ---- refusals on LLVM IR fixtures, with the object's maps ----
//
// The body of `i32 @f(ptr %ctx)` in the lifter's dialect, with map 0 an
// array 'cnt' of 4 x 16 bytes, map 1 an LRU hash 'lru', map 2 a hash 'h'
// with an 8-byte key; `!L<line>.<col>` is a !dbg location in fix.bpf.c.
namespace {

std::string mapFixture(const std::string &body) {
  std::string out = sluice::test::fixtureLocations(body);
  std::vector<MapDef> maps(5);
  maps[0].name = "cnt", maps[0].type = BPF_MAP_TYPE_ARRAY, maps[0].key_size = 4;
  maps[0].value_size = 16, maps[0].max_entries = 4;
  maps[1].name = "lru", maps[1].type = BPF_MAP_TYPE_LRU_HASH, maps[1].key_size = 4;
  maps[1].value_size = 8, maps[1].max_entries = 4;
  maps[2].name = "h", maps[2].type = BPF_MAP_TYPE_HASH, maps[2].key_size = 8;
  maps[2].value_size = 8, maps[2].max_entries = 4;
  maps[3].name = "big", maps[3].type = BPF_MAP_TYPE_HASH, maps[3].key_size = 68;
  maps[3].value_size = 4, maps[3].max_entries = 4;
  maps[4].name = "wide", maps[4].type = BPF_MAP_TYPE_HASH, maps[4].key_size = 40;
  maps[4].value_size = 4, maps[4].max_entries = 4;
  std::string text = R"(target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
declare ptr addrspace(1) @sluice.xdp.data(ptr)
declare ptr addrspace(1) @sluice.xdp.data_end(ptr)
declare ptr addrspace(2) @sluice.map.lookup.p0(i32, ptr)
declare i64 @sluice.map.update.p0.p0(i32, ptr, ptr, i64)
declare i64 @sluice.map.delete.p0(i32, ptr)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
define i32 @f(ptr %ctx) !dbg !2 {
entry:
  %frame = alloca [64 x i8], align 8
  %k = getelementptr inbounds i8, ptr %frame, i64 8
  store i32 1, ptr %k
)" + out + sluice::test::kFixtureTrailer;
  auto img = sluice::test::compileFixtureText(text, maps);
  if (img)
    return "compiled";
  return llvm::toString(img.takeError());
}

// lookup of map 0 with the key at %k, then `rest` in block "found"
std::string withLookup(const std::string &rest) {
  return R"(  %v = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L3.9
  %z = icmp eq ptr addrspace(2) %v, null
  br i1 %z, label %out, label %found
found:
)" + rest + R"(
  br label %out
out:
  ret i32 2)";
}

} // namespace

TEST(MapRefusal, ExactDiagnostics) {
  EXPECT_EQ(mapFixture(withLookup("  %o = atomicrmw add ptr addrspace(2) %v, i64 1 seq_cst, !dbg !L4.2")),
            "compiled");
  EXPECT_EQ(mapFixture(withLookup(
                "  %o = atomicrmw add ptr addrspace(2) %v, i64 1 seq_cst, !dbg !L4.2\n"
                "  %t = trunc i64 %o to i32\n  store i32 %t, ptr %k")),
            "fix.bpf.c:4:2: error: the value fetched by an atomic update of a map value is not "
            "supported yet (read words)");
  EXPECT_EQ(mapFixture(withLookup(
                "  %o = cmpxchg ptr addrspace(2) %v, i64 0, i64 1 seq_cst seq_cst, !dbg !L5.3")),
            "fix.bpf.c:5:3: error: cmpxchg on a map value is not in ISA v2");
  EXPECT_EQ(mapFixture(withLookup("  %o = atomicrmw sub ptr addrspace(2) %v, i64 1 seq_cst, !dbg !L6.4")),
            "fix.bpf.c:6:4: error: atomic sub on a map value is not in ISA v2 (add, or, and, xor, "
            "xchg)");
  EXPECT_EQ(mapFixture(withLookup("  %x = load i64, ptr addrspace(2) %v, !dbg !L7.5\n"
                                  "  %y = trunc i64 %x to i32\n  store i32 %y, ptr %k")),
            "compiled");  // a 64-bit read: words 0 and 1, a pair
  EXPECT_EQ(mapFixture(withLookup("  %x = load i32, ptr addrspace(2) %v\n"
                                  "  %p = getelementptr i8, ptr addrspace(2) %v, i64 4\n"
                                  "  %y = load i32, ptr addrspace(2) %p, !dbg !L7.6\n"
                                  "  %s = add i32 %x, %y\n  store i32 %s, ptr %k")),
            "compiled");  // two read words
  EXPECT_EQ(mapFixture(withLookup("  %o = atomicrmw add ptr addrspace(2) %v, i32 1 seq_cst, !dbg !L6.1\n"
                                  "  %x = load i32, ptr addrspace(2) %v, !dbg !L7.7\n"
                                  "  store i32 %x, ptr %k")),
            "fix.bpf.c:7:7: error: a read of map 'cnt' after its update in the same packet is not "
            "supported (MAPLK reads the value before its RMWs; the update is at fix.bpf.c:6:1)");
  EXPECT_EQ(mapFixture(withLookup("  %x = load i32, ptr addrspace(2) %v, !dbg !L7.5\n"
                                  "  store i32 %x, ptr %k")),
            "compiled");
  EXPECT_EQ(mapFixture(withLookup(
                "  %a = atomicrmw add ptr addrspace(2) %v, i64 1 seq_cst\n"
                "  %p = getelementptr i8, ptr addrspace(2) %v, i64 8\n"
                "  %b = atomicrmw add ptr addrspace(2) %p, i64 1 seq_cst\n"
                "  %c = atomicrmw or ptr addrspace(2) %v, i64 1 seq_cst, !dbg !L8.6")),
            "fix.bpf.c:8:6: error: more than two updates of map 'cnt' values in one packet (a "
            "transaction has two RMWs)");
  EXPECT_EQ(mapFixture(withLookup(
                "  %d = call ptr addrspace(1) @sluice.xdp.data(ptr %ctx)\n"
                "  %b = load i8, ptr addrspace(1) %d\n"
                "  %n = zext i8 %b to i64\n"
                "  %o = atomicrmw add ptr addrspace(2) %v, i64 %n seq_cst, !dbg !L9.7")),
            "compiled");  // the operand a slot pair
  EXPECT_EQ(mapFixture(R"(  %v = call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr %k), !dbg !L10.8
  ret i32 2)"),
            "compiled");  // LRU hash maps run on the datapath
  EXPECT_EQ(mapFixture(R"(  %r = call i64 @sluice.map.update.p0.p0(i32 0, ptr %k, ptr %k, i64 0), !dbg !L11.9
  ret i32 2)"),
            "fix.bpf.c:11:9: error: a stack load of bytes never stored is not supported");
  EXPECT_EQ(mapFixture(R"(  %r = call i64 @sluice.map.delete.p0(i32 0, ptr %k), !dbg !L12.1
  ret i32 2)"),
            "compiled");  // MAPDEL on an array: -EINVAL at run time, as the kernel
  EXPECT_EQ(mapFixture(R"(  %a = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L13.2
  %r = call i64 @sluice.map.delete.p0(i32 0, ptr %k), !dbg !L14.4
  ret i32 2)"),
            "fix.bpf.c:14:4: error: delete and lookup of map 'cnt' in one program (the other at "
            "fix.bpf.c:13:2): a map has one kind of transaction (lookup with RMWs, update, or "
            "delete)");
  // two lookups of one map on one path: the first from a replica
  EXPECT_EQ(mapFixture(R"(  %a = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L13.2
  %b = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L14.3
  %x = icmp eq ptr addrspace(2) %a, null
  %y = icmp eq ptr addrspace(2) %b, null
  %s = select i1 %x, i32 1, i32 2
  %t = select i1 %y, i32 %s, i32 3
  ret i32 %t)"),
            "compiled");
  // ... but the datapath may not write its entries (one replica only)
  EXPECT_EQ(mapFixture(R"(  %a = call ptr addrspace(2) @sluice.map.lookup.p0(i32 2, ptr %k), !dbg !L13.2
  %b = call ptr addrspace(2) @sluice.map.lookup.p0(i32 2, ptr %k), !dbg !L14.3
  %r = call i64 @sluice.map.update.p0.p0(i32 2, ptr %k, ptr %k, i64 0), !dbg !L15.4
  ret i32 2)"),
            "fix.bpf.c:15:4: error: bpf_map_update_elem of map 'h', which one packet looks up "
            "twice (at fix.bpf.c:13:2 and fix.bpf.c:14:3): the lookups are served by replicas of "
            "the map in two map stages, and the datapath cannot insert, update or delete an "
            "entry in all of them (only the host can; value updates of the last lookup's entry "
            "are allowed)");
  EXPECT_EQ(mapFixture(R"(  %a = call ptr addrspace(2) @sluice.map.lookup.p0(i32 2, ptr %k), !dbg !L13.2
  %b = call ptr addrspace(2) @sluice.map.lookup.p0(i32 2, ptr %k), !dbg !L14.3
  %r = call i64 @sluice.map.delete.p0(i32 2, ptr %k), !dbg !L15.4
  ret i32 2)"),
            "fix.bpf.c:15:4: error: bpf_map_delete_elem of map 'h', which one packet looks up "
            "twice (at fix.bpf.c:13:2 and fix.bpf.c:14:3): the lookups are served by replicas of "
            "the map in two map stages, and the datapath cannot insert, update or delete an "
            "entry in all of them (only the host can; value updates of the last lookup's entry "
            "are allowed)");
  // the same atomic at exclusive sites is one RMW; on one path each counts
  // (three adds of 1 are three RMWs, not one)
  EXPECT_EQ(mapFixture(withLookup("  %o1 = atomicrmw add ptr addrspace(2) %v, i32 1 seq_cst\n"
                                  "  %o2 = atomicrmw add ptr addrspace(2) %v, i32 1 seq_cst\n"
                                  "  %o3 = atomicrmw add ptr addrspace(2) %v, i32 1 seq_cst, "
                                  "!dbg !L16.4")),
            "fix.bpf.c:16:4: error: more than two updates of map 'cnt' values in one packet (a "
            "transaction has two RMWs)");
  // value reads and updates are the last lookup's: the first one's entry
  // after the second lookup is refused
  EXPECT_EQ(mapFixture(R"(  %a = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L13.2
  %b = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L14.3
  %x = load i32, ptr addrspace(2) %a, !dbg !L15.5
  ret i32 %x)"),
            "fix.bpf.c:15:5: error: a use of the entry of map 'cnt' with another lookup of the "
            "map (at fix.bpf.c:14:3) in the same packet after the one that found it: a map "
            "looked up twice serves value reads and updates of the last lookup of the packet "
            "only");
  EXPECT_EQ(mapFixture(R"(  %a = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L13.2
  %b = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr %k), !dbg !L14.3
  %o = atomicrmw add ptr addrspace(2) %a, i32 1 seq_cst, !dbg !L15.6
  ret i32 2)"),
            "fix.bpf.c:15:6: error: a use of the entry of map 'cnt' with another lookup of the "
            "map (at fix.bpf.c:14:3) in the same packet after the one that found it: a map "
            "looked up twice serves value reads and updates of the last lookup of the packet "
            "only");
  // multi-slot operands (map 2 'h': 8-byte key, 8-byte value)
  EXPECT_EQ(mapFixture(withLookup("  %p = getelementptr i8, ptr addrspace(2) %v, i64 4\n"
                                  "  %y = load i32, ptr addrspace(2) %p\n"
                                  "  %q = getelementptr i8, ptr addrspace(2) %v, i64 12\n"
                                  "  %w = load i32, ptr addrspace(2) %q, !dbg !L7.8\n"
                                  "  %s = add i32 %w, %y\n  store i32 %s, ptr %k")),
            "compiled");  // words 1 and 3: inside four consecutive words
  EXPECT_EQ(mapFixture(withLookup("  %y = load i32, ptr addrspace(2) %v\n"
                                  "  %p = getelementptr i8, ptr addrspace(2) %v, i64 12\n"
                                  "  %w = load i32, ptr addrspace(2) %p, !dbg !L7.9\n"
                                  "  %s = add i32 %w, %y\n  store i32 %s, ptr %k")),
            "compiled");
  // an 8-byte key put together from two 32-bit stores (the fixture stores
  // 1 at byte 8, here 2 at byte 12), and an 8-byte value from a 64-bit store
  EXPECT_EQ(mapFixture(R"(  %k2 = getelementptr inbounds i8, ptr %frame, i64 12
  store i32 2, ptr %k2
  store i64 7, ptr %frame
  %r = call i64 @sluice.map.update.p0.p0(i32 2, ptr %k, ptr %frame, i64 0), !dbg !L15.1
  %t = trunc i64 %r to i32
  ret i32 %t)"),
            "compiled");
  // the key's second word half stored: the rest was never stored
  EXPECT_EQ(mapFixture(R"(  %k2 = getelementptr inbounds i8, ptr %frame, i64 12
  store i16 2, ptr %k2
  %v = call ptr addrspace(2) @sluice.map.lookup.p0(i32 2, ptr %k), !dbg !L16.2
  ret i32 2)"),
            "fix.bpf.c:16:2: error: a stack load of bytes never stored is not supported");
  // lookup-miss-then-insert: the update on the miss path is MAPLK's
  // insert-on-miss; other updates of a looked-up map are refused
  auto missThen = [](const std::string &upd) {
    return R"(  %k2 = getelementptr inbounds i8, ptr %frame, i64 12
  store i32 2, ptr %k2
  store i64 7, ptr %frame
  %v = call ptr addrspace(2) @sluice.map.lookup.p0(i32 2, ptr %k), !dbg !L20.1
  %z = icmp eq ptr addrspace(2) %v, null
  br i1 %z, label %miss, label %hit
hit:
  %o = atomicrmw add ptr addrspace(2) %v, i64 1 seq_cst
  br label %out
miss:
)" + upd + R"(
  br label %out
out:
  ret i32 2)";
  };
  EXPECT_EQ(mapFixture(missThen("  %r = call i64 @sluice.map.update.p0.p0(i32 2, ptr %k, ptr "
                                "%frame, i64 1), !dbg !L21.2")),
            "compiled");
  EXPECT_EQ(mapFixture(missThen("  %r = call i64 @sluice.map.update.p0.p0(i32 2, ptr %k, ptr "
                                "%frame, i64 2), !dbg !L21.3")),
            "fix.bpf.c:21:3: error: update and lookup of map 'h' in one program (the other at "
            "fix.bpf.c:20:1): a map has one kind of transaction (lookup with RMWs, update, or "
            "delete), or a lookup with an insert on its miss: BPF_EXIST on a miss path inserts "
            "nothing");
  EXPECT_EQ(mapFixture(missThen("  %r = call i64 @sluice.map.update.p0.p0(i32 2, ptr %k, ptr "
                                "%frame, i64 0), !dbg !L21.4\n  store i64 %r, ptr %frame")),
            "fix.bpf.c:21:4: error: update and lookup of map 'h' in one program (the other at "
            "fix.bpf.c:20:1): a map has one kind of transaction (lookup with RMWs, update, or "
            "delete), or a lookup with an insert on its miss: its return code is used (an insert "
            "on a miss has none)");
  EXPECT_EQ(mapFixture(missThen("  store i32 3, ptr %k2\n"
                                "  %r = call i64 @sluice.map.update.p0.p0(i32 2, ptr %k, ptr "
                                "%frame, i64 0), !dbg !L21.5")),
            "fix.bpf.c:21:5: error: the insert into map 'h' on the lookup's miss path uses another "
            "key than the lookup at fix.bpf.c:20:1 (insert-on-miss inserts the key looked up)");
  // keys beyond the read window (16 slots): a 68-byte key
  EXPECT_EQ(mapFixture(R"(  %v = call ptr addrspace(2) @sluice.map.lookup.p0(i32 3, ptr %k), !dbg !L17.3
  ret i32 2)"),
            "fix.bpf.c:17:3: error: map 'big' has a 68-byte key: its 17 slots do not fit in the map "
            "lane's read window (16 slots)");
  EXPECT_EQ(mapFixture(R"(  %r = call i64 @sluice.map.update.p0.p0(i32 2, ptr %k, ptr %frame, i64 0), !dbg !L17.4
  %r2 = call i64 @sluice.map.update.p0.p0(i32 3, ptr %frame, ptr %frame, i64 0), !dbg !L17.5
  ret i32 2)"),
            "fix.bpf.c:17:5: error: bpf_map_update_elem of map 'big' (68-byte key, 4-byte value): "
            "its 18 slots do not fit in the map lane's read window (16 slots)");
  // a 40-byte key (10 slots) needs 10 consecutive free slots in the window:
  // at most 8 are free of extractor entries and constants here
  EXPECT_EQ(mapFixture(R"(  call void @llvm.memset.p0.i64(ptr %frame, i8 0, i64 64, i1 false)
  %v = call ptr addrspace(2) @sluice.map.lookup.p0(i32 4, ptr %frame), !dbg !L18.6
  %z = icmp eq ptr addrspace(2) %v, null
  %s = select i1 %z, i32 1, i32 2
  ret i32 %s)"),
            "compiled");
}

// An LPM trie on the datapath (tests/progs/lpm_route.bpf.c): the IPv4
// destination looked up with prefixlen 32 in routes the host filled
// (overlapping /8, /16, /24, /25, /32 host routes, a key with bits past its
// prefix; the second map-init adds a /0 default route), the next hop's MAC
// written and bpf_redirect(port); outcomes counted in an array. kernel ==
// model == interp over three pcaps and both map-inits, and literal verdicts.
TEST(MapSamples, LpmRoutesModelEqualsKernelAndInterp) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/lpm_route.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  const unsigned lk = mapLookups(*img);
  EXPECT_EQ(lk, 2u);  // routes, then outcomes
  ASSERT_EQ(img->maps.size(), 2u);
  EXPECT_EQ(img->maps[0].type, unsigned(BPF_MAP_TYPE_LPM_TRIE));
  EXPECT_GE(img->maps[0].stage, 0);
  auto interpEqualsModel = [&](const std::vector<MapInitEntry> &init,
                               const std::vector<PcapPacket> &pkts, const RunResult &m,
                               const std::string &what) {
    auto interp = createEngine("interp");
    ASSERT_TRUE(bool(interp));
    auto i = runPackets(**interp, *obj, prog, init, pkts);
    ASSERT_TRUE(bool(i)) << what << ": " << llvm::toString(i.takeError());
    EXPECT_EQ(firstDifference(*i, m, {}), "") << what << " (interp vs model)";
  };
  for (const char *mi : {"lpm_route", "lpm_route_default"}) {
    auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/" + mi + ".maps.json",
                             *obj);
    ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
    for (const char *pcap : {"router", "firewall", "udp_reflect"}) {
      auto pkts = samplePcap(pcap);
      ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
      std::string what = std::string(mi) + " " + pcap;
      auto r = expectModelEqualsKernel(*obj, prog, *init, *pkts, what);
      interpEqualsModel(*init, *pkts, r, what);
    }
    auto ip = [](uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
      PcapPacket p = frame(17, 60 + d % 7);
      p.data[30] = a, p.data[31] = b, p.data[32] = c, p.data[33] = d;
      return p;
    };
    std::vector<PcapPacket> pkts = {
        ip(10, 1, 5, 5),      // /32 host route inside the /16: port 6
        ip(10, 1, 5, 6),      // the /16: port 0, local
        ip(10, 1, 2, 3),      // the /24: port 3
        ip(10, 1, 2, 200),    // the /25 inside the /24: port 4
        ip(10, 7, 7, 7),      // the /8: port 7
        ip(10, 9, 1, 1),      // /16 stored as 10.9.77.77: port 8
        ip(192, 168, 1, 1),   // /32, port 0: local
        ip(192, 168, 9, 9),   // /16: port 2
        ip(198, 51, 100, 7),  // /32: port 5
        ip(198, 51, 100, 8),  // its neighbour: no route (default: port 9)
        ip(8, 8, 8, 8),       // no route (default: port 9)
        frame(0, 60, 0x0806), // not IPv4: pass
    };
    auto r = expectModelEqualsKernel(*obj, prog, *init, pkts, std::string(mi) + " literal");
    interpEqualsModel(*init, pkts, r, std::string(mi) + " literal");
    ASSERT_EQ(r.packets.size(), pkts.size());
    bool dflt = std::string(mi) == "lpm_route_default";
    uint32_t miss = dflt ? 9 : 0;
    std::vector<uint32_t> port = {6, 0, 3, 4, 7, 8, 0, 2, 5, miss, miss, 0};
    for (size_t k = 0; k + 1 < pkts.size(); ++k) {
      uint32_t want = port[k] ? XDP_REDIRECT : (k == 9 || k == 10) ? XDP_DROP : XDP_PASS;
      EXPECT_EQ(r.packets[k].out.action, want) << mi << " packet " << k;
      if (want == XDP_REDIRECT) {
        ASSERT_TRUE(r.packets[k].out.redirect.has_value()) << mi << " packet " << k;
        EXPECT_EQ(r.packets[k].out.redirect->ifindex, port[k]) << mi << " packet " << k;
        const std::map<uint32_t, uint8_t> nh = {{2, 0xb3}, {3, 0xb2}, {4, 0xb4}, {5, 0xa5},
                                                {6, 0xa6}, {7, 0xc7}, {8, 0xc8}, {9, 0xd9}};
        EXPECT_EQ(Bytes(r.packets[k].out.data.begin(), r.packets[k].out.data.begin() + 6),
                  (Bytes{2, 0, 0, 0, 0, nh.at(port[k])}))
            << mi << " packet " << k << ": the next hop's MAC";
      }
    }
    EXPECT_EQ(r.packets.back().out.action, unsigned(XDP_PASS));
    for (const MapDump &d : r.maps)
      if (d.name == "outcomes") {
        ASSERT_EQ(d.entries.size(), 4u);
        uint64_t local = 0, fwd = 0, none = 0, notip = 0;
        std::memcpy(&local, d.entries[0].value.data(), 8);
        std::memcpy(&fwd, d.entries[1].value.data(), 8);
        std::memcpy(&none, d.entries[2].value.data(), 8);
        std::memcpy(&notip, d.entries[3].value.data(), 8);
        EXPECT_EQ(local, 2u);
        EXPECT_EQ(fwd, dflt ? 9u : 7u);
        EXPECT_EQ(none, dflt ? 0u : 2u);
        EXPECT_EQ(notip, 1u);
      }
  }
}

//===-- bpf_redirect_map over devmaps (issue 7) ------------------------------===//

namespace {

// `i32 @f(ptr %ctx)` in the lifter's dialect (%b the packet's first byte,
// %port its zext) with map 0 a DEVMAP 'ports'
// (8-byte values), map 1 a DEVMAP_HASH 'ids', map 2 a CPUMAP 'cpus', map 3
// an array 'cnt'; `!L<line>.<col>` as in mapFixture. "compiled" or the error.
std::string devmapFixture(const std::string &body) {
  std::string out = sluice::test::fixtureLocations(body);
  std::vector<MapDef> maps(4);
  maps[0].name = "ports", maps[0].type = BPF_MAP_TYPE_DEVMAP, maps[0].key_size = 4;
  maps[0].value_size = 8, maps[0].max_entries = 8;
  maps[1].name = "ids", maps[1].type = BPF_MAP_TYPE_DEVMAP_HASH, maps[1].key_size = 4;
  maps[1].value_size = 4, maps[1].max_entries = 8;
  maps[2].name = "cpus", maps[2].type = BPF_MAP_TYPE_CPUMAP, maps[2].key_size = 4;
  maps[2].value_size = 4, maps[2].max_entries = 4;
  maps[3].name = "cnt", maps[3].type = BPF_MAP_TYPE_ARRAY, maps[3].key_size = 4;
  maps[3].value_size = 8, maps[3].max_entries = 4;
  std::string text = R"(target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
declare ptr addrspace(1) @sluice.xdp.data(ptr)
declare ptr addrspace(2) @sluice.map.lookup.p0(i32, ptr)
declare i64 @sluice.helper.redirect_map(i32, i64, i64)
define i32 @f(ptr %ctx) !dbg !2 {
entry:
  %d = call ptr addrspace(1) @sluice.xdp.data(ptr %ctx)
  %b = load i8, ptr addrspace(1) %d
  %port = zext i8 %b to i64
)" + out + sluice::test::kFixtureTrailer;
  auto img = sluice::test::compileFixtureText(text, maps);
  if (img)
    return "compiled";
  return llvm::toString(img.takeError());
}

// one bpf_redirect_map(map, %port, flags) returned
std::string redirectCall(const std::string &map, const std::string &flags) {
  return "  %r = call i64 @sluice.helper.redirect_map(i32 " + map + ", i64 %port, i64 " + flags +
         "), !dbg !L20.9\n  %t = trunc i64 %r to i32\n  ret i32 %t";
}

} // namespace

TEST(DevmapRefusal, ExactDiagnostics) {
  EXPECT_EQ(devmapFixture(redirectCall("0", "0")), "compiled");
  EXPECT_EQ(devmapFixture(redirectCall("1", "2")), "compiled");  // fallback XDP_PASS
  EXPECT_EQ(devmapFixture(redirectCall("1", "16")), "compiled");  // BPF_F_EXCLUDE_INGRESS alone
  EXPECT_EQ(devmapFixture(redirectCall("0", "40")), "compiled");  // bit 5: XDP_ABORTED, no lookup
  EXPECT_EQ(devmapFixture("  %f = and i64 %port, 3\n" + redirectCall("0", "%f")),
            "compiled");  // flags chosen by the packet among 0..3: constants by path
  EXPECT_EQ(devmapFixture(redirectCall("0", "%port")),
            "fix.bpf.c:20:9: error: bpf_redirect_map with variable flags is not supported "
            "(constant flags only)");
  EXPECT_EQ(devmapFixture(redirectCall("0", "8")),
            "fix.bpf.c:20:9: error: bpf_redirect_map with BPF_F_BROADCAST (a copy of the packet "
            "out of every port in devmap 'ports') is not supported: the NIC sends a packet out "
            "of one port");
  EXPECT_EQ(devmapFixture(redirectCall("1", "24")),
            "fix.bpf.c:20:9: error: bpf_redirect_map with BPF_F_BROADCAST (a copy of the packet "
            "out of every port in devmap_hash 'ids') is not supported: the NIC sends a packet "
            "out of one port");
  EXPECT_EQ(devmapFixture(redirectCall("2", "0")),
            "fix.bpf.c:20:9: error: bpf_redirect_map into cpumap 'cpus': the NIC redirects "
            "through devmap and devmap_hash maps (cpumap and xskmap, which steer to host "
            "queues, come later)");
  // the map chosen by the path (clang merges the calls of a switch)
  EXPECT_EQ(devmapFixture(R"(  %c = icmp eq i8 %b, 7
  br i1 %c, label %a, label %o
a:
  br label %j
o:
  br label %j
j:
  %m = phi i32 [ 0, %a ], [ 1, %o ]
  %fl = phi i64 [ 0, %a ], [ 2, %o ]
)" + redirectCall("%m", "%fl")),
            "compiled");
  // one devmap read twice in a packet
  EXPECT_EQ(devmapFixture(R"(  %r1 = call i64 @sluice.helper.redirect_map(i32 0, i64 1, i64 2), !dbg !L21.3
  %r2 = call i64 @sluice.helper.redirect_map(i32 0, i64 %port, i64 2), !dbg !L22.4
  %s = add i64 %r1, %r2
  %t = trunc i64 %s to i32
  ret i32 %t)"),
            "fix.bpf.c:22:4: error: bpf_redirect_map into devmap 'ports' twice in one packet (the "
            "other at fix.bpf.c:21:3): a devmap is read by one transaction per packet; redirect "
            "once (choose the key first)");
  EXPECT_EQ(devmapFixture(R"(  %frame = alloca [64 x i8], align 8
  %k = getelementptr inbounds i8, ptr %frame, i64 8
  store i32 1, ptr %k
  %v = call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr %k), !dbg !L23.5
  %z = icmp eq ptr addrspace(2) %v, null
  %s = select i1 %z, i32 1, i32 2
  ret i32 %s)"),
            "fix.bpf.c:23:5: error: bpf_map_lookup_elem of devmap_hash 'ids': the NIC reads "
            "devmaps through bpf_redirect_map only");
}

// tests/progs/redirect_devmap.bpf.c: the case and the port index from the
// destination MAC into a DEVMAP and a DEVMAP_HASH (clang merges the four
// calls into one whose map and flags are phis), a missing key with the
// fallback action, flags outside the masks. kernel == interp == model with
// the kernel's ifindex 1; interp == model with other ifindexes, interp's
// {map, key} targets resolved through the final dump. (rtl: sim.devmap-*.)
TEST(MapSamples, DevmapRedirectKernelInterpModelAgree) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/redirect_devmap.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  auto img = compileProgram(*obj, prog, TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  EXPECT_EQ(mapLookups(*img), 3u);  // ports, port_ids, verdicts
  ASSERT_EQ(img->maps.size(), 3u);
  EXPECT_GE(img->maps[0].stage, 0);
  EXPECT_GE(img->maps[1].stage, 0);
  auto pkts = readPcap(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/redirect_devmap.pcap");
  ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
  for (const char *mi : {"redirect_devmap", "redirect_devmap_ports"}) {
    auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/" + mi + ".maps.json",
                             *obj);
    ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
    RunResult m;
    if (std::string(mi) == "redirect_devmap") {
      m = expectModelEqualsKernel(*obj, prog, *init, *pkts, mi);
    } else {
      ModelEngine model;
      auto r = runPackets(model, *obj, prog, *init, *pkts);
      ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
      m = std::move(*r);
    }
    auto interp = createEngine("interp");
    ASSERT_TRUE(bool(interp));
    auto i = runPackets(**interp, *obj, prog, *init, *pkts);
    ASSERT_TRUE(bool(i)) << llvm::toString(i.takeError());
    EXPECT_EQ(firstDifference(*i, m, {}), "") << mi << " (interp vs model)";
    // every outcome occurs: each verdict, redirects through both maps
    std::map<std::string, unsigned> seen;
    for (const PacketResult &p : m.packets)
      ++seen[verdictFileStem(p)];
    for (const char *v : {"aborted", "drop", "pass", "tx"})
      EXPECT_GT(seen[v], 0u) << mi << ": no " << v;
    unsigned redirects = 0, viaMap = 0;
    for (size_t k = 0; k < m.packets.size(); ++k)
      if (m.packets[k].out.action == XDP_REDIRECT) {
        ++redirects;
        ASSERT_TRUE(i->packets[k].out.redirect.has_value());
        viaMap += i->packets[k].out.redirect->kind == RedirectTarget::Map;
      }
    EXPECT_EQ(redirects, 22u) << mi;
    EXPECT_EQ(viaMap, redirects) << mi;
  }
  // a target that differs is reported with the ifindex it resolves to
  auto init = parseMapInit(
      std::string(SLUICE_SOURCE_DIR) + "/tests/progs/redirect_devmap_ports.maps.json", *obj);
  ASSERT_TRUE(bool(init));
  auto interp = createEngine("interp");
  ASSERT_TRUE(bool(interp));
  auto i = runPackets(**interp, *obj, prog, *init, *pkts);
  ASSERT_TRUE(bool(i));
  RunResult other = *i;
  for (PacketResult &p : other.packets)
    if (p.out.redirect)
      p.out.redirect = RedirectTarget{RedirectTarget::Ifindex, 2, "", 0};
  std::string d = firstDifference(*i, other, {});
  EXPECT_NE(d.find("redirect target: interp=redirect-ports-"), std::string::npos) << d;
  EXPECT_NE(d.find("(ifindex "), std::string::npos) << d;
}

// A bpf_redirect_map miss clears an earlier bpf_redirect's target
// (tests/progs/redirect_map_miss.bpf.c returns XDP_REDIRECT anyway): the
// model's target is ifindex 0 on a miss (no port has it: the NIC drops
// the frame as the kernel's xdp_do_redirect does), the entry's on a hit;
// kernel == interp == model on verdicts, bytes and maps.
TEST(MapSamples, DevmapMissClearsAnEarlierRedirectTarget) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/redirect_map_miss.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  std::vector<MapInitEntry> init;
  MapInitEntry e;  // ifindex 1: the kernel's loopback device
  e.map = "ports", e.key = u32(1), e.value = u32(1);
  init.push_back(e);
  std::vector<PcapPacket> pkts;
  for (uint8_t k : {0, 1, 2, 1, 3, 9}) {
    PcapPacket p = frame(17);
    p.data[5] = k;
    pkts.push_back(p);
  }
  RunResult m = expectModelEqualsKernel(*obj, prog, init, pkts, "redirect_map_miss");
  ASSERT_EQ(m.packets.size(), pkts.size());
  for (size_t i = 0; i < pkts.size(); ++i) {
    EXPECT_EQ(m.packets[i].out.action, uint32_t(XDP_REDIRECT)) << i;
    ASSERT_TRUE(m.packets[i].out.redirect.has_value()) << i;
    EXPECT_EQ(m.packets[i].out.redirect->ifindex, pkts[i].data[5] == 1 ? 1u : 0u) << i;
  }
  auto interp = createEngine("interp");
  ASSERT_TRUE(bool(interp));
  auto i = runPackets(**interp, *obj, prog, init, pkts);
  ASSERT_TRUE(bool(i)) << llvm::toString(i.takeError());
  EXPECT_EQ(firstDifference(*i, m, {}), "");
  EXPECT_FALSE(i->packets[0].out.redirect.has_value());  // interp: cleared
}

// ---- LRU hash maps (docs/maps-design.md "LRU hash maps") ----

namespace {

/// An IPv4 TCP frame of connection `c` (addresses and ports from c).
PcapPacket connFrame(uint32_t c, size_t len) {
  PcapPacket p = frame(6, len);
  p.data[26] = 10, p.data[27] = 0, p.data[28] = uint8_t(c >> 8), p.data[29] = uint8_t(c);
  p.data[30] = 10, p.data[31] = 1, p.data[32] = 0, p.data[33] = uint8_t(c % 3);
  p.data[34] = uint8_t(0x80 + c % 5), p.data[35] = uint8_t(c), p.data[36] = 0, p.data[37] = 80;
  return p;
}

Bytes connKey(const PcapPacket &p) { return Bytes(p.data.begin() + 26, p.data.begin() + 38); }

} // namespace

// Below capacity (lru_flows: 256 entries; lru_protos: an LRU per-CPU hash of
// 64) nothing is evicted: kernel == interp == model on every verdict and
// final entry, over sample captures and 3,000 back-to-back packets of four
// connections (their 64-bit counters to the end).
TEST(MapSamples, LruBelowCapacityEqualsKernelAndInterp) {
  for (const char *name : {"lru_flows", "lru_protos"}) {
    auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/" + name + ".bpf.o");
    ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
    const Program &prog = obj->programs[0];
    auto img = compileProgram(*obj, prog, TargetParams::defaults());
    ASSERT_TRUE(bool(img)) << name << ": " << llvm::toString(img.takeError());
    ASSERT_EQ(img->maps.size(), 1u);
    EXPECT_EQ(img->maps[0].type, std::string(name) == "lru_flows"
                                     ? unsigned(BPF_MAP_TYPE_LRU_HASH)
                                     : unsigned(BPF_MAP_TYPE_LRU_PERCPU_HASH));
    EXPECT_GE(img->maps[0].stage, 0);
    EXPECT_EQ(mapLookups(*img), 1u);
    std::vector<std::pair<std::string, std::vector<PcapPacket>>> runs;
    for (const char *pcap : {"l4_lb", "firewall", "loss_inject", "syn_ratelimit"}) {
      auto pkts = samplePcap(pcap);
      ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
      runs.push_back({pcap, std::move(*pkts)});
    }
    std::vector<PcapPacket> b2b;
    for (int i = 0; i < 3000; ++i) b2b.push_back(connFrame(uint32_t(i % 4 == 3 ? i % 7 : 1), 60 + i % 1400));
    runs.push_back({"3,000 back to back", b2b});
    for (auto &[what, pkts] : runs) {
      auto m = expectModelEqualsKernel(*obj, prog, {}, pkts, std::string(name) + " " + what);
      auto interp = createEngine("interp");
      ASSERT_TRUE(bool(interp));
      auto i = runPackets(**interp, *obj, prog, {}, pkts);
      ASSERT_TRUE(bool(i)) << llvm::toString(i.takeError());
      EXPECT_EQ(firstDifference(*i, m, {}), "") << name << " " << what << " (interp vs model)";
      ASSERT_EQ(m.maps.size(), 1u);
      EXPECT_FALSE(m.maps[0].entries.empty());
    }
  }
}

// Overflow (lru_overflow: 8 entries, 40 connections in bursts with returning
// ones): the engines evict differently, so each is checked on the
// properties of docs/maps-design.md "LRU hash maps", and all equal the
// kernel exactly until the ninth connection arrives.
//  - never more than max_entries entries;
//  - the last packet's connection is present;
//  - no phantom and no lost update: replaying an engine's own verdicts
//    (XDP_PASS: a miss that inserted {1, len}; XDP_TX / XDP_DROP: a hit that
//    saw `packets` below 3 / not below) gives, for every hit, the verdict it
//    gave and, for every final entry, its packets and bytes since its last
//    insert;
//  - the first packet of every connection misses on every engine.
TEST(MapSamples, LruOverflowPropertiesAgainstKernel) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/lru_overflow.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  std::vector<PcapPacket> pkts;
  std::mt19937 rng(7);
  for (uint32_t c = 0; c < 40; ++c)
    for (int k = 0, n = int(1 + rng() % 5); k < n; ++k) {
      pkts.push_back(connFrame(c, 60 + rng() % 200));
      if (rng() % 3 == 0)  // a connection seen before comes back
        pkts.push_back(connFrame(uint32_t(rng() % (c + 1)), 60 + rng() % 200));
    }
  size_t ninth = 0;  // the index of the first packet of the ninth connection
  {
    std::set<Bytes> keys;
    for (size_t i = 0; i < pkts.size() && !ninth; ++i)
      if (keys.insert(connKey(pkts[i])).second && keys.size() == 9) ninth = i;
  }
  ASSERT_GT(ninth, 8u);
  std::vector<RunResult> runs;
  {
    ModelEngine model;
    auto m = runPackets(model, *obj, prog, {}, pkts);
    ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
    runs.push_back(std::move(*m));
    auto interp = createEngine("interp");
    ASSERT_TRUE(bool(interp));
    auto i = runPackets(**interp, *obj, prog, {}, pkts);
    ASSERT_TRUE(bool(i)) << llvm::toString(i.takeError());
    runs.push_back(std::move(*i));
    if (haveKernel()) {
      auto kernel = createEngine("kernel");
      ASSERT_TRUE(bool(kernel));
      auto k = runPackets(**kernel, *obj, prog, {}, pkts);
      ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
      runs.push_back(std::move(*k));
    }
  }
  for (const RunResult &r : runs) {
    const std::string &e = r.engine;
    ASSERT_EQ(r.packets.size(), pkts.size()) << e;
    ASSERT_EQ(r.maps.size(), 1u) << e;
    const auto &entries = r.maps[0].entries;
    EXPECT_LE(entries.size(), 8u) << e;
    EXPECT_GE(entries.size(), 4u) << e;  // full, less what a batch eviction freed
    std::map<Bytes, std::pair<uint64_t, uint64_t>> since;  // packets, bytes since the insert
    std::set<Bytes> seen;
    for (size_t i = 0; i < pkts.size(); ++i) {
      Bytes k = connKey(pkts[i]);
      uint32_t act = r.packets[i].out.action;
      uint64_t len = pkts[i].data.size();
      if (seen.insert(k).second) {
        EXPECT_EQ(act, unsigned(XDP_PASS)) << e << " packet " << i << ": a new connection hit";
      }
      if (act == XDP_PASS) {
        since[k] = {1, len};
        continue;
      }
      auto it = since.find(k);
      ASSERT_NE(it, since.end()) << e << " packet " << i << ": a hit on a key never inserted";
      EXPECT_EQ(act, it->second.first >= 3 ? unsigned(XDP_DROP) : unsigned(XDP_TX))
          << e << " packet " << i << ": the hit saw another count";
      it->second.first += 1, it->second.second += len;
    }
    bool last = false;
    for (const MapEntry &me : entries) {
      last |= me.key == connKey(pkts.back());
      auto it = since.find(me.key);
      ASSERT_NE(it, since.end()) << e << ": an entry never inserted";
      uint64_t packets, bytes;
      std::memcpy(&packets, me.value.data(), 8);
      std::memcpy(&bytes, me.value.data() + 8, 8);
      EXPECT_EQ(packets, it->second.first) << e << ": a lost or phantom update";
      EXPECT_EQ(bytes, it->second.second) << e << ": a lost or phantom update";
    }
    EXPECT_TRUE(last) << e << ": the last packet's connection is not in the map";
    for (size_t i = 0; i < ninth; ++i)
      EXPECT_EQ(r.packets[i].out.action, runs[0].packets[i].out.action)
          << e << " packet " << i << " (below capacity: every engine equal)";
  }
}
