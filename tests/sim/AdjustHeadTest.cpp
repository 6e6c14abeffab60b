//===- AdjustHeadTest.cpp - bpf_xdp_adjust_head with a run-time delta -----===//
//
// tests/progs/adjust_head_var.bpf.c strips an outer IPv4 header (options
// included) and a GRE header with one bpf_xdp_adjust_head whose delta is
// read from the packet, then writes the Ethernet header and the inner IPv4
// header at the new, run-time start. kernel == interp == model == rtl on
// every verdict and output byte, over packets that take each path: the call
// succeeding with the least packet the kernel allows (14 bytes left), failing
// one byte short of it (-EINVAL: dropped, the packet unchanged), outer
// headers of 20 to 60 bytes, GRE with and without a key, the inner TTL
// running out, and the tunnel_decap sample's pcap.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <map>

#include "sluice/Engine/Run.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Sim/RtlEngine.h"
#include "sluice/Support/Error.h"

#include "../unit/TestSupport.h"
#include "FourEngines.h"

using namespace sluice;
using sluice::testing::interpModelRtl;
using sluice::testing::kernelAgrees;

namespace {

// Ethernet + outer IPv4 (ihl words, protocol) + payload, `len` bytes in all
// (the payload cut or padded with a counting pattern).
PcapPacket outerV4(unsigned ihl, uint8_t proto, std::vector<uint8_t> payload, size_t len) {
  std::vector<uint8_t> p = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00};
  p.push_back(uint8_t(0x40 | ihl));
  p.push_back(0);
  size_t tot = len - 14;
  p.push_back(uint8_t(tot >> 8)), p.push_back(uint8_t(tot));
  for (uint8_t b : {0x12, 0x34, 0x40, 0x00, 64})
    p.push_back(b);
  p.push_back(proto);
  p.push_back(0xab), p.push_back(0xcd);  // checksum (not verified)
  for (uint8_t b : {10, 0, 0, 1, 10, 200, 0, 1})
    p.push_back(b);
  for (unsigned k = 20; k < ihl * 4u; ++k)
    p.push_back(k == 20 ? 0x94 : k == 21 ? 4 : 0);  // router alert, then zero padding
  p.insert(p.end(), payload.begin(), payload.end());
  for (size_t k = 0; p.size() < len; ++k)
    p.push_back(uint8_t(0x30 + k));
  p.resize(len);
  PcapPacket out;
  out.data = p;
  out.orig_len = uint32_t(p.size());
  return out;
}

std::vector<uint8_t> innerV4(uint8_t ttl) {
  return {0x45, 0, 0, 40, 0, 1, 0, 0, ttl, 17, 0x5a, 0xa5, 192, 168, 1, 1, 192, 168, 1, 2};
}

std::vector<uint8_t> gre(bool key, std::vector<uint8_t> inner) {
  std::vector<uint8_t> g = {uint8_t(key ? 0x20 : 0), 0, 0x08, 0x00};
  if (key)
    for (uint8_t b : {0, 0, 0x12, 0x34})
      g.push_back(b);
  g.insert(g.end(), inner.begin(), inner.end());
  return g;
}

} // namespace

TEST(AdjustHeadVariable, KernelInterpModelRtlAgreeOnEveryPath) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/adjust_head_var.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  std::vector<PcapPacket> pkts;
  for (unsigned ihl : {5u, 6u, 8u, 15u}) {
    pkts.push_back(outerV4(ihl, 4, innerV4(64), 14 + 4 * ihl + 40));  // IPIP: decapsulated
    pkts.push_back(outerV4(ihl, 4, innerV4(1), 14 + 4 * ihl + 40));   // inner TTL out: drop
    pkts.push_back(outerV4(ihl, 47, gre(false, innerV4(9)), 14 + 4 * ihl + 44));
    pkts.push_back(outerV4(ihl, 47, gre(true, innerV4(200)), 14 + 4 * ihl + 48));
    // the least packet the call accepts (14 bytes left after it), and one
    // byte shorter (-EINVAL); IPIP reads nothing past the outer header
    // before the call (the 34 bytes of an option-less header are checked)
    pkts.push_back(outerV4(ihl, 4, {}, 4 * ihl + 14));
    if (4 * ihl + 13 >= 34)
      pkts.push_back(outerV4(ihl, 4, {}, 4 * ihl + 13));
  }
  pkts.push_back(outerV4(5, 6, {}, 60));  // TCP: passed unchanged
  auto pcap = readPcap(std::string(SLUICE_SOURCE_DIR) + "/bpf-samples/pcaps/tunnel_decap.pcap");
  ASSERT_TRUE(bool(pcap)) << llvm::toString(pcap.takeError());
  pkts.insert(pkts.end(), pcap->begin(), pcap->end());

  auto runs = interpModelRtl(*obj, prog, pkts);
  ASSERT_TRUE(runs.has_value());
  const RunResult *r = &runs->rtl;

  // every path taken: decapsulated (TX, the packet shorter by the run-time
  // delta), TTL out and -EINVAL (DROP, the latter unchanged), left alone (PASS)
  std::map<std::string, unsigned> verdicts;
  unsigned shortened = 0, failedUnchanged = 0;
  for (size_t k = 0; k < pkts.size(); ++k) {
    const PacketResult &x = r->packets[k];
    ++verdicts[verdictName(x)];
    if (x.out.action == 3 && x.out.data.size() < pkts[k].data.size())
      ++shortened;
    if (x.out.action == 1 && x.out.data == pkts[k].data)
      ++failedUnchanged;
  }
  EXPECT_GE(verdicts["XDP_TX"], 16u);
  EXPECT_GE(verdicts["XDP_DROP"], 7u);  // 4 TTLs out, 3 -EINVAL
  EXPECT_GE(verdicts["XDP_PASS"], 4u);
  EXPECT_EQ(shortened, verdicts["XDP_TX"]);
  EXPECT_GE(failedUnchanged, 3u);  // the -EINVAL packets (ihl 6, 8, 15)
  for (auto &[v, n] : verdicts)
    std::printf("  %s: %u\n", v.c_str(), n);

  if (kernelAgrees(*obj, prog, pkts, *runs, "AdjustHeadVariable"))
    std::printf("adjust_head_var: kernel == interp == model == rtl on %zu packets\n", pkts.size());
}

// tests/progs/vlan_push_var.bpf.c pushes 4 or 8 bytes (one 802.1Q tag, or
// an 802.1ad and an 802.1Q tag) by the sender's MAC: a negative delta known
// only per packet, and the Ethernet header and tags written at the moved
// start (deparser writes based on the start, biased by its least value).
TEST(AdjustHeadVariable, NegativeDeltaKernelInterpModelRtlAgree) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/vlan_push_var.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  std::vector<PcapPacket> pkts;
  for (size_t len : {14u, 15u, 60u, 64u, 200u, 1514u})
    for (uint8_t last : {0x10, 0x11, 0xfe, 0xff})
      for (uint16_t type : {0x0800, 0x86dd, 0x8100, 0x88a8}) {
        PcapPacket p = outerV4(5, 17, innerV4(7), std::max<size_t>(len, 34));
        p.data.resize(len);
        p.orig_len = uint32_t(len);
        p.data[11] = last;
        p.data[12] = uint8_t(type >> 8), p.data[13] = uint8_t(type);
        pkts.push_back(p);
      }
  auto runs = interpModelRtl(*obj, prog, pkts);
  ASSERT_TRUE(runs.has_value());
  const RunResult *r = &runs->rtl;
  unsigned grew4 = 0, grew8 = 0, passed = 0;
  for (size_t k = 0; k < pkts.size(); ++k) {
    const PacketResult &x = r->packets[k];
    if (x.out.action == 3 && x.out.data.size() == pkts[k].data.size() + 4)
      ++grew4;
    if (x.out.action == 3 && x.out.data.size() == pkts[k].data.size() + 8)
      ++grew8;
    if (x.out.action == 2 && x.out.data == pkts[k].data)
      ++passed;
  }
  EXPECT_EQ(grew4, 24u);   // 6 lengths x 2 even MACs x 2 untagged types
  EXPECT_EQ(grew8, 24u);   // the odd MACs
  EXPECT_EQ(passed, 48u);  // tagged frames, unchanged
  if (kernelAgrees(*obj, prog, pkts, *runs, "AdjustHeadVariable.NegativeDelta"))
    std::printf("vlan_push_var: kernel == interp == model == rtl on %zu packets\n", pkts.size());
}
