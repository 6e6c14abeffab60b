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

#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "sluice/Engine/Run.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Schedule/Compile.h"
#include "../TestSupport.h"

using namespace sluice;

namespace {

// Every stateful sample the compiler refuses on the default datapath, with
// its diagnostic. A sample not listed must compile and equal the kernel.
const std::map<std::string, std::string> kRefused = {
    {"firewall",
     "firewall.bpf.c:29:15: error: the lookup of map 'verdict_cnt' needs a map stage (lane 2 of "
     "stages 1, 5, 9, 13, 17) from stage 25 on, when its key and guard are ready, with 3 stages "
     "left for its result; none is left"},
    {"proto_counters", "xdp_common.h:138:15: error: 64-bit value (ptrtoint) is not supported yet: "
                       "paired lanes arrive in a later step"},
    {"icmp_echo",
     "icmp_echo.bpf.c:68:13: error: packet load at a variable offset may read bytes an earlier "
     "store wrote (icmp_echo.bpf.c:65:13): the datapath reads the packet as it arrived, so such a "
     "load cannot see the store"},
    {"router", "router.bpf.c:97:7: error: map 'routes' is a lpm_trie map: ISA v2 runs array, "
               "percpu_array, hash and percpu_hash maps (LRU, LPM, devmap and map-in-map come "
               "later)"},
    {"l4_lb", "l4_lb.bpf.c:143:8: error: map 'vips' has a 8-byte key: keys over 4 bytes (several "
              "slots) are not supported yet"},
    {"tunnel_decap", "tunnel_decap.bpf.c:74:36: error: 64-bit value (shl) is not supported yet: "
                     "paired lanes arrive in a later step"},
    {"syn_ratelimit",
     "syn_ratelimit.bpf.c:80:7: error: map 'syn_state' is a lru_hash map: ISA v2 runs array, "
     "percpu_array, hash and percpu_hash maps (LRU, LPM, devmap and map-in-map come later)"},
    {"dns_filter", "dns_filter.bpf.c:110:23: error: 64-bit value (mul) is not supported yet: "
                   "paired lanes arrive in a later step"},
    {"bpf2bpf", "bpf2bpf.bpf.c:120:13: error: two lookups of map 'port_policy' in one packet (the "
                "other at bpf2bpf.bpf.c:117:12): a map has one transaction per packet"},
    {"global_data", "global_data.bpf.c:50:12: error: global data in '.bss' is not supported yet "
                    "(only .rodata, folded into constants)"},
    {"vlan_filter",
     "vlan_filter.bpf.c:49:8: error: two lookups of map 'allowed_vlans' in one packet (the other "
     "at vlan_filter.bpf.c:49:8): a map has one transaction per packet"},
    {"ipv6_ext", "ipv6_ext.bpf.c:117:29: error: 64-bit value (shl) is not supported yet: paired "
                 "lanes arrive in a later step"},
    {"redirect_port", "redirect_port.bpf.c:49:12: error: map 'mac_table' has a 6-byte key: keys "
                      "over 4 bytes (several slots) are not supported yet"},
    {"mac_learn", "mac_learn.bpf.c:49:8: error: map 'mac_stats' has a 6-byte key: keys over 4 "
                  "bytes (several slots) are not supported yet"},
};

// The kernel, or a loud skip (a failure when SLUICE_REQUIRE_KERNEL is set).
bool haveKernel() {
  std::string why = kernelUnavailableReason();
  if (why.empty())
    return true;
  if (sluice::testing::kernelRequired())
    ADD_FAILURE() << "kernel engine required (SLUICE_REQUIRE_KERNEL) but unavailable: " << why;
  else
    std::cerr << "*** SKIPPED: the kernel engine is unavailable (" << why << ") ***\n";
  return false;
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
      if (k)
        EXPECT_EQ(firstDifference(*k, *m, {volatileMaps}), "") << what << " (kernel vs model)";
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

std::optional<Object> fixture() {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_counters.bpf.o");
  if (!obj) {
    ADD_FAILURE() << llvm::toString(obj.takeError());
    return std::nullopt;
  }
  return std::move(*obj);
}

Bytes u32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }

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
}

TEST(MapSamples, CountersFixtureModelEqualsKernel) {
  auto fx = fixture();
  ASSERT_TRUE(fx && !fx->programs.empty());
  const Object &obj = *fx;
  const Program &prog = obj.programs[0];
  std::vector<MapInitEntry> init = {{"blocked", u32(17), Bytes{5, 0, 0, 0, 0, 0, 0, 0}}};
  for (const char *pcap : {"firewall", "proto_counters", "ipv6_ext", "vlan_filter", "l4_lb"}) {
    auto pkts = readPcap(std::string(SLUICE_SOURCE_DIR) + "/bpf-samples/pcaps/" + pcap + ".pcap");
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
    if (d.name == "class_stats")
      EXPECT_EQ(d.entries[1].value, u32(9));  // `*c += 3`, three long IPv4 frames
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
