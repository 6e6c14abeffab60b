//===- PacketBytesTest.cpp - bpf_xdp_load/store_bytes, get_buff_len --------===//
//
// tests/progs/pkt_bytes.bpf.c copies the Ethernet and IPv4 headers to the
// stack with bpf_xdp_load_bytes, decrements the TTL and writes the IPv4
// header back with bpf_xdp_store_bytes, and passes or drops long frames
// by bpf_xdp_get_buff_len. Packets take every path: each copy failing with
// -EINVAL (frames of 14..33 bytes), frames at each length limit and one
// byte over, up to jumbo frames whose tail the kernel keeps in fragments
// (bpf_xdp_get_buff_len counts it: the extractor's frame-length word), TTL
// 1 and 0, non-IPv4: kernel == interp == model == rtl.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <map>

#include "FourEngines.h"

using namespace sluice;
using sluice::testing::interpModelRtl;
using sluice::testing::kernelAgrees;

namespace {

PcapPacket frame(size_t len, uint8_t ttl, uint16_t ethertype = 0x0800) {
  std::vector<uint8_t> p = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2,
                            uint8_t(ethertype >> 8), uint8_t(ethertype),
                            0x45, 0, 0, 50, 0x12, 0x34, 0x40, 0, ttl, 17, 0xb1, 0x2c,
                            10, 0, 0, 1, 10, 0, 0, 2};
  while (p.size() < len)
    p.push_back(uint8_t(p.size() * 7));
  p.resize(len);
  PcapPacket out;
  out.data = p;
  out.orig_len = uint32_t(len);
  return out;
}

} // namespace

TEST(PacketBytes, LoadStoreAndBuffLenOnEveryEngine) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/pkt_bytes.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  std::vector<PcapPacket> pkts;
  std::vector<std::string> want;
  for (size_t len : {1, 13, 14, 20, 33, 34, 60, 64, 1514, 1515, 3520, 3521, 4000, 4001, 9000})
    for (uint8_t ttl : {0, 1, 2, 64, 255}) {
      pkts.push_back(frame(len, ttl));
      want.push_back(len < 14    ? "runt"      // no engine runs it (the kernel refuses)
                     : len < 34  ? "XDP_DROP"  // the IPv4 copy's -EINVAL
                     : len > 4000 ? "XDP_DROP" // get_buff_len: the whole frame
                     : len > 1514 ? "XDP_PASS"
                     : ttl <= 1  ? "XDP_PASS"
                                 : "XDP_TX");
    }
  pkts.push_back(frame(64, 64, 0x86dd)), want.push_back("XDP_PASS");
  pkts.push_back(frame(13, 64, 0x86dd)), want.push_back("runt");

  auto runs = interpModelRtl(*obj, prog, pkts);
  ASSERT_TRUE(runs.has_value());
  std::map<std::string, unsigned> verdicts;
  for (size_t k = 0; k < pkts.size(); ++k) {
    const PacketResult &x = runs->rtl.packets[k];
    ++verdicts[verdictName(x)];
    EXPECT_EQ(verdictName(x), want[k]) << "packet " << k << ", " << pkts[k].data.size() << " bytes";
    if (verdictName(x) == "XDP_TX") {  // the TTL and the checksum rewritten
      ASSERT_EQ(x.out.data.size(), pkts[k].data.size());
      EXPECT_EQ(x.out.data[22], uint8_t(pkts[k].data[22] - 1)) << "packet " << k;
      EXPECT_TRUE(x.out.data[24] != pkts[k].data[24] || x.out.data[25] != pkts[k].data[25]);
    }
  }
  EXPECT_EQ(verdicts["XDP_TX"], 12u);
  for (auto &[v, n] : verdicts)
    std::printf("  %s: %u\n", v.c_str(), n);
  if (kernelAgrees(*obj, prog, pkts, *runs, "PacketBytes"))
    std::printf("pkt_bytes: kernel == interp == model == rtl on %zu packets\n", pkts.size());
}
