//===- NicTest.cpp - The driver on the Verilated NIC, end to end -----------===//
//
// The real EAL (--no-huge --no-pci), the real net_ring host port and the real
// Verilated datapath (SimDevice over sim/): stage images compiled from the
// samples with sluice::compileProgram are loaded through the registers,
// frames come in from the samples' pcaps, XDP_PASS frames are received with
// rte_eth_rx_burst and compared with what the `interp` engine says; wrong
// images are refused with nothing changed; a swap under continuous traffic
// loses nothing and splits the frames at one index.
//
//===----------------------------------------------------------------------===//
#include "NicRig.h"

using namespace sluice;
using namespace sluice::nic;
using namespace sluice::nic::test;


TEST(Nic, ProbeReadsTheDeviceAndItsParameters) {
  Rig rig;
  auto info = rig.nic->probe();
  ASSERT_TRUE(bool(info)) << llvm::toString(info.takeError());
  EXPECT_EQ(info->id, regs::kMagic);
  EXPECT_EQ(info->paramHash, TargetParams::defaults().hash);
  EXPECT_EQ(info->stages, TargetParams::defaults().stages);
  auto params = rig.nic->deviceParams();
  ASSERT_TRUE(bool(params)) << llvm::toString(params.takeError());
  EXPECT_EQ(params->hash, TargetParams::defaults().hash);
  EXPECT_FALSE(rig.nic->program().enabled);
}

// pass_all: every frame the program sees arrives on the DPDK port, byte-equal
// to interp's output; runts are dropped at ingress and counted.
TEST(Nic, PassAllFramesArriveOnTheDpdkPortAsInterpSays) {
  Rig rig;
  loadOk(*rig.nic, imageOf("pass_all", TargetParams::defaults()), "pass_all");
  Expected want = interpRun("pass_all", pcapPath("pass_all"));
  auto src = pcapSource(pcapPath("pass_all"));
  ASSERT_TRUE(bool(src));
  rig.nic->setSource(0, *src);
  rig.runToEnd();
  EXPECT_EQ(rig.received.size(), want.passed.size());
  EXPECT_TRUE(rig.received == want.passed);
  EXPECT_EQ(rig.cnt(regs::RX_PKTS_P0), want.frames);
  EXPECT_EQ(rig.cnt(regs::VERDICT_PASS), want.verdicts["XDP_PASS"]);
  EXPECT_EQ(rig.cnt(regs::DROP_RUNT), want.verdicts["runt"]);
  EXPECT_EQ(rig.cnt(regs::HOST_OUT_PKTS), want.passed.size());
  rte_eth_stats st;
  ASSERT_EQ(rte_eth_stats_get(rig.nic->hostPortId(), &st), 0);
  EXPECT_EQ(st.ipackets, want.passed.size());
  ProgramInfo pi = rig.nic->program();
  EXPECT_TRUE(pi.enabled);
  ASSERT_TRUE(pi.active.has_value());
  EXPECT_EQ(pi.active->program, "xdp_pass_all");
}

TEST(Nic, DropAllDeliversNothing) {
  Rig rig;
  loadOk(*rig.nic, imageOf("drop_all", TargetParams::defaults()), "drop_all");
  Expected want = interpRun("drop_all", pcapPath("drop_all"));
  auto src = pcapSource(pcapPath("drop_all"));
  ASSERT_TRUE(bool(src));
  rig.nic->setSource(1, *src);  // the other port, for once
  rig.runToEnd();
  EXPECT_TRUE(rig.received.empty());
  EXPECT_EQ(rig.cnt(regs::RX_PKTS_P1), want.frames);
  EXPECT_EQ(rig.cnt(regs::VERDICT_DROP), want.verdicts["XDP_DROP"]);
  EXPECT_EQ(rig.cnt(regs::DROP_RUNT), want.verdicts["runt"]);
}

// What the application sends on the DPDK port leaves from a network port.
TEST(Nic, HostTransmitGoesOutOfANetworkPort) {
  Rig rig;
  std::vector<Frame> out;
  rig.nic->setSink(0, [&](const Frame &f) {
    out.push_back(f);
    return true;
  });
  std::vector<Frame> sent;
  for (uint32_t i = 0; i < 50; ++i) {
    Frame f = seqFrame(i);
    f.resize(64 + 37 * i);  // 64 .. 1877 bytes
    rte_mbuf *m = mbufFromBytes(packetPool(), f);
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(rte_eth_tx_burst(rig.nic->hostPortId(), 0, &m, 1), 1);
    sent.push_back(f);
  }
  rig.runToEnd();
  EXPECT_TRUE(out == sent);
  EXPECT_EQ(rig.cnt(regs::HOST_IN_PKTS), sent.size());
  EXPECT_EQ(rig.cnt(regs::TX_PKTS_P0), sent.size());
}

// A wrong image is refused with one clear line and nothing changes: the
// same bank stays active and the previous program keeps running.
TEST(Nic, ProgLoadRefusesAWrongImageAndChangesNothing) {
  Rig rig;
  std::vector<uint8_t> pass = imageOf("pass_all", TargetParams::defaults());
  loadOk(*rig.nic, pass, "pass_all.slc");
  uint32_t status = rig.dev.read32(regs::STATUS) & (regs::STATUS_ACTIVE_BANK | regs::STATUS_ENABLED);

  auto small = TargetParams::fromFile(std::string(SLUICE_SOURCE_DIR) + "/hdl/params/small.json");
  ASSERT_TRUE(bool(small)) << llvm::toString(small.takeError());
  std::vector<uint8_t> other = writeStageImage(StageImage::empty(*small));
  auto r1 = rig.nic->loadImage(other.data(), other.size(), "small.slc");
  ASSERT_FALSE(bool(r1));
  EXPECT_EQ(llvm::toString(r1.takeError()),
            fmt::format("small.slc: built for datapath parameters 0x{:016x}, this datapath has "
                        "0x{:016x} (first difference: {})",
                        small->hash, TargetParams::defaults().hash,
                        firstParamDifference(small->canonical, TargetParams::defaults().canonical)));

  std::vector<uint8_t> corrupt = imageOf("drop_all", TargetParams::defaults());
  corrupt[corrupt.size() / 2] ^= 0x10;
  auto r2 = rig.nic->loadImage(corrupt.data(), corrupt.size(), "drop_all.slc");
  ASSERT_FALSE(bool(r2));
  EXPECT_NE(llvm::toString(r2.takeError()).find("drop_all.slc: corrupted stage image (CRC mismatch"),
            std::string::npos);

  std::vector<uint8_t> junk(100, 0x5a);
  auto r3 = rig.nic->loadImage(junk.data(), junk.size(), "junk.slc");
  ASSERT_FALSE(bool(r3));
  EXPECT_EQ(llvm::toString(r3.takeError()), "junk.slc: not a Sluice stage image (bad magic)");

  EXPECT_EQ(rig.dev.read32(regs::STATUS) & (regs::STATUS_ACTIVE_BANK | regs::STATUS_ENABLED), status);
  ProgramInfo pi = rig.nic->program();
  ASSERT_TRUE(pi.active.has_value());
  EXPECT_EQ(pi.active->program, "xdp_pass_all");
  // pass_all still runs: every frame of its pcap arrives.
  Expected want = interpRun("pass_all", pcapPath("pass_all"));
  auto src = pcapSource(pcapPath("pass_all"));
  ASSERT_TRUE(bool(src));
  rig.nic->setSource(0, *src);
  rig.runToEnd();
  EXPECT_TRUE(rig.received == want.passed);
}

// Hitless swap: pass_all -> drop_all while frames flow. No frame is lost
// (PASS + DROP = frames in), every passed frame is whole, and the passed
// frames are exactly the first P: the switch point is one packet index.
TEST(Nic, SwapUnderContinuousTrafficSplitsAtOnePacket) {
  Rig rig;
  loadOk(*rig.nic, imageOf("pass_all", TargetParams::defaults()), "pass_all");
  std::vector<uint8_t> drop = imageOf("drop_all", TargetParams::defaults());
  const uint32_t kFrames = 3000, kSwapAt = 1000;
  uint32_t next = 0;
  rig.nic->setSource(0, [&]() -> std::optional<Frame> {
    if (next >= kFrames)
      return std::nullopt;
    return seqFrame(next++);
  });
  std::optional<LoadReport> swapped;
  uint64_t rxAtLoad = 0;
  while (!swapped) {
    rig.nic->poll();
    rig.receive();
    if (rig.nic->stats().ports[0].fed >= kSwapAt) {
      rxAtLoad = rig.cnt(regs::RX_PKTS_P0);
      auto r = rig.nic->loadImage(drop.data(), drop.size(), "drop_all");
      ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
      swapped = *r;
    }
  }
  rig.runToEnd();
  ASSERT_EQ(next, kFrames);
  uint64_t pass = rig.cnt(regs::VERDICT_PASS), dropped = rig.cnt(regs::VERDICT_DROP);
  EXPECT_EQ(rig.cnt(regs::RX_PKTS_P0), kFrames);
  EXPECT_EQ(pass + dropped, kFrames);
  EXPECT_EQ(rig.received.size(), pass);
  // Frames kept flowing during the load: some were fed while it ran.
  EXPECT_GT(swapped->fedAtSwapWrite, kSwapAt);
  EXPECT_GT(swapped->rxAtSwitch, rxAtLoad);
  RecordProperty("passed", int(pass));
  RecordProperty("rx_at_load", int(rxAtLoad));
  RecordProperty("rx_at_switch", int(swapped->rxAtSwitch));
  EXPECT_GT(pass, kSwapAt);
  EXPECT_LT(pass, kFrames);
  for (size_t i = 0; i < rig.received.size(); ++i) {
    ASSERT_EQ(seqOf(rig.received[i]), i) << "the passed frames are not the first " << pass;
    ASSERT_TRUE(rig.received[i] == seqFrame(uint32_t(i))) << "frame " << i << " was altered";
  }
  EXPECT_EQ(rig.nic->program().active->program, "xdp_drop_all");
}
