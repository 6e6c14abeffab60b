//===- PacketBytesTest.cpp - bpf_xdp_load/store_bytes, get_buff_len --------===//
//
// tests/progs/pkt_bytes.bpf.c copies the Ethernet and IPv4 headers to the
// stack with bpf_xdp_load_bytes, decrements the TTL and writes the IPv4
// header back with bpf_xdp_store_bytes, and drops long frames by
// bpf_xdp_get_buff_len. Packets take every path: each copy failing with
// -EINVAL (frames of 14..33 bytes), the frame at the length limit and
// one byte over, TTL 1 and 0, non-IPv4: kernel == interp == model == rtl.
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
  for (size_t len : {1, 13, 14, 20, 33, 34, 60, 64, 1000, 1001, 1500})
    for (uint8_t ttl : {0, 1, 2, 64, 255})
      pkts.push_back(frame(len, ttl));
  pkts.push_back(frame(64, 64, 0x86dd));
  pkts.push_back(frame(13, 64, 0x86dd));

  auto runs = interpModelRtl(*obj, prog, pkts);
  ASSERT_TRUE(runs.has_value());
  std::map<std::string, unsigned> verdicts;
  unsigned rewritten = 0;
  for (size_t k = 0; k < pkts.size(); ++k) {
    const PacketResult &x = runs->rtl.packets[k];
    ++verdicts[verdictName(x)];
    if (verdictName(x) == "XDP_TX") {
      ASSERT_EQ(x.out.data.size(), pkts[k].data.size());
      EXPECT_EQ(x.out.data[22], uint8_t(pkts[k].data[22] - 1)) << "packet " << k;
      rewritten += x.out.data[24] != pkts[k].data[24] || x.out.data[25] != pkts[k].data[25];
    }
  }
  // TX: 34, 60, 64, 1000 bytes x TTL 2, 64, 255; DROP: 14, 20, 33 (the
  // IPv4 copy's -EINVAL) and 1001, 1500 (too long), x 5 TTLs; PASS: TTL 0
  // and 1 of the 4 lengths that copy, and IPv6; frames under 14 bytes are
  // runts no engine runs (the kernel refuses them)
  EXPECT_EQ(verdicts["XDP_TX"], 12u);
  EXPECT_EQ(verdicts["XDP_DROP"], 25u);
  EXPECT_EQ(verdicts["runt"], 11u);
  EXPECT_EQ(verdicts["XDP_PASS"], 8u + 1u);
  EXPECT_EQ(rewritten, 12u);  // the checksum follows the TTL
  for (auto &[v, n] : verdicts)
    std::printf("  %s: %u\n", v.c_str(), n);
  if (kernelAgrees(*obj, prog, pkts, *runs, "PacketBytes"))
    std::printf("pkt_bytes: kernel == interp == model == rtl on %zu packets\n", pkts.size());
}
