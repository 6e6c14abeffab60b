//===- LoopTest.cpp - bpf_loop with a constant count on every engine -------===//
//
// tests/progs/loop_mix.bpf.c mixes the IPv4 addresses in up to four rounds
// of a bpf_loop callback that stops the loop when the tag's low byte equals
// the TTL. The packets are built so that the loop stops after each of the
// four calls (bpf_loop then returns 1, 2, 3 or 4) and runs to the end with
// both verdicts: kernel == interp ==
// model == rtl on every verdict and output byte, and each path is taken.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "FourEngines.h"

using namespace sluice;
using sluice::testing::interpModelRtl;
using sluice::testing::kernelAgrees;

namespace {

// Ethernet + IPv4 (UDP, 64 bytes in all) from `sa` to `da` with `ttl`.
PcapPacket v4(uint32_t sa, uint32_t da, uint8_t ttl) {
  std::vector<uint8_t> p = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
                            0x45, 0, 0, 50, 0x12, 0x34, 0x40, 0, ttl, 17, 0, 0};
  for (uint32_t a : {sa, da})
    for (int s = 24; s >= 0; s -= 8)
      p.push_back(uint8_t(a >> s));
  while (p.size() < 64)
    p.push_back(uint8_t(p.size()));
  PcapPacket out;
  out.data = p;
  out.orig_len = uint32_t(p.size());
  return out;
}

// The program's tag after `calls` rounds (its loads see the addresses as
// little-endian words, as the BPF target does).
uint32_t tagAfter(uint32_t sa, uint32_t da, unsigned calls) {
  auto le = [](uint32_t be) { return __builtin_bswap32(be); };
  uint32_t h = 0x9e3779b9;
  for (unsigned i = 0; i < calls; ++i) {
    h ^= le(sa) + i;
    h += le(da);
  }
  return h;
}

} // namespace

TEST(BpfLoop, ConstantCountEveryExitOnEveryEngine) {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/loop_mix.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  std::mt19937 rng(7);
  std::vector<PcapPacket> pkts;
  std::vector<unsigned> stopAt;  // the call that stops the loop, 0: none
  for (int k = 0; k < 100; ++k) {
    uint32_t sa = rng(), da = rng();
    unsigned want = unsigned(k % 5);  // stop after call 1..4, or run all four
    uint8_t ttl;
    if (want) {
      ttl = uint8_t(tagAfter(sa, da, want));
      // an earlier call may match the same byte first: that one stops it
      for (unsigned c = 1; c < want; ++c)
        if (uint8_t(tagAfter(sa, da, c)) == ttl)
          want = c;
    } else {
      ttl = 0;
      for (bool clash = true; clash;) {
        clash = false;
        for (unsigned c = 1; c <= 4; ++c)
          clash |= uint8_t(tagAfter(sa, da, c)) == ttl;
        ttl += clash;
      }
    }
    pkts.push_back(v4(sa, da, ttl));
    stopAt.push_back(want);
  }
  PcapPacket arp = v4(1, 2, 3);
  arp.data[12] = 0x08, arp.data[13] = 0x06;
  pkts.push_back(arp);  // not IPv4: passed before the loop
  PcapPacket runt = v4(1, 2, 3);
  runt.data.resize(30), runt.orig_len = 30;
  pkts.push_back(runt);  // shorter than the IPv4 header: dropped
  stopAt.push_back(0), stopAt.push_back(0);

  auto runs = interpModelRtl(*obj, prog, pkts);
  ASSERT_TRUE(runs.has_value());
  std::map<std::string, unsigned> verdicts;
  std::map<unsigned, unsigned> stops;
  for (size_t k = 0; k < pkts.size(); ++k) {
    const PacketResult &x = runs->rtl.packets[k];
    ++verdicts[verdictName(x)];
    if (k < 100) {
      // bpf_loop returns the calls made: below 4 only when stopped early
      bool early = stopAt[k] >= 1 && stopAt[k] <= 3;
      EXPECT_EQ(verdictName(x) == "XDP_TX", early) << "packet " << k << ", stop " << stopAt[k];
      ++stops[stopAt[k]];
    }
    if (k < 100 && x.out.data.size() == 64) {  // the tag in the source MAC
      uint32_t h = tagAfter(pkts[k].data[26] << 24 | pkts[k].data[27] << 16 |
                                pkts[k].data[28] << 8 | pkts[k].data[29],
                            pkts[k].data[30] << 24 | pkts[k].data[31] << 16 |
                                pkts[k].data[32] << 8 | pkts[k].data[33],
                            stopAt[k] ? stopAt[k] : 4);
      uint16_t tag = uint16_t(h ^ (h >> 16));
      EXPECT_EQ(x.out.data[10], uint8_t(tag)) << "packet " << k;
      EXPECT_EQ(x.out.data[11], uint8_t(tag >> 8)) << "packet " << k;
    }
  }
  for (unsigned c = 0; c <= 4; ++c)
    EXPECT_GE(stops[c], 1u) << "no packet stops the loop after call " << c;
  EXPECT_GE(verdicts["XDP_PASS"], 2u);
  EXPECT_GE(verdicts["XDP_DROP"], 2u);
  for (auto &[v, n] : verdicts)
    std::printf("  %s: %u\n", v.c_str(), n);
  if (kernelAgrees(*obj, prog, pkts, *runs, "BpfLoop"))
    std::printf("loop_mix: kernel == interp == model == rtl on %zu packets\n", pkts.size());
}
