//===- DpdkPlumbingTest.cpp - EAL, the host port and vdev wires ------------===//
//
// The DPDK side of the driver on its own: the EAL starts without hugepages
// or PCI; the host port (rte_eth_from_rings) hands the driver's frames to an
// application's rte_eth_rx_burst and the application's rte_eth_tx_burst
// frames back to the driver, byte for byte, jumbo frames included; net_pcap
// and net_ring vdevs feed and take frames as a network port's wire.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <filesystem>

#include "sluice/Nic/Eal.h"
#include "sluice/Nic/HostPort.h"
#include "sluice/Nic/Mbuf.h"
#include "sluice/Nic/PortIo.h"
#include "sluice/Support/Pcap.h"

using namespace sluice;
using namespace sluice::nic;

namespace {

const std::string kPcap = std::string(SLUICE_SOURCE_DIR) + "/bpf-samples/pcaps/firewall.pcap";

std::vector<Frame> pcapFrames(const std::string &path) {
  auto pkts = readPcap(path);
  EXPECT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
  std::vector<Frame> out;
  for (PcapPacket &p : *pkts)
    out.push_back(p.data);
  return out;
}

void startEal() {
  auto e = initEal();
  ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
}

std::string tmpPath(const std::string &name) {
  auto dir = std::filesystem::temp_directory_path() / ("sluice-nic-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

} // namespace

TEST(DpdkPlumbing, EalStartsWithoutHugepagesOrPci) {
  startEal();
  EXPECT_TRUE(ealReady());
  EXPECT_EQ(rte_eal_has_hugepages(), 0);
  EXPECT_EQ(rte_eal_has_pci(), 0);
  EXPECT_NE(packetPool(), nullptr);
  // A second call is a no-op.
  auto e = initEal();
  EXPECT_FALSE(bool(e));
}

TEST(DpdkPlumbing, MbufChainsKeepJumboFramesWhole) {
  startEal();
  for (size_t len : {14u, 60u, 2048u, 2049u, 9000u, 16384u}) {
    Frame f(len);
    for (size_t i = 0; i < len; ++i)
      f[i] = uint8_t(i * 7 + len);
    rte_mbuf *m = mbufFromBytes(packetPool(), f);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->pkt_len, len);
    EXPECT_EQ(m->nb_segs, (len + kMbufDataRoom - 1) / kMbufDataRoom);
    EXPECT_EQ(bytesFromMbuf(m), f) << len;
    rte_pktmbuf_free(m);
  }
}

TEST(DpdkPlumbing, HostPortDeliversToRxBurstAndCollectsTxBurst) {
  startEal();
  auto hp = HostPort::create("sluice_host_t", 64);
  ASSERT_TRUE(bool(hp)) << llvm::toString(hp.takeError());
  HostPort &host = **hp;
  uint16_t port = host.portId();
  EXPECT_TRUE(rte_eth_dev_is_valid_port(port));
  rte_eth_dev_info info;
  ASSERT_EQ(rte_eth_dev_info_get(port, &info), 0);
  EXPECT_STREQ(info.driver_name, "net_ring");

  // Driver -> application: every frame of the pcap, jumbo ones included.
  std::vector<Frame> frames = pcapFrames(kPcap);
  std::vector<Frame> got;
  size_t next = 0;
  while (got.size() < frames.size()) {
    while (next < frames.size() && host.deliver(frames[next]))
      ++next;
    rte_mbuf *bufs[16];
    uint16_t n = rte_eth_rx_burst(port, 0, bufs, 16);
    for (uint16_t i = 0; i < n; ++i) {
      got.push_back(bytesFromMbuf(bufs[i]));
      rte_pktmbuf_free(bufs[i]);
    }
  }
  EXPECT_EQ(got, frames);
  EXPECT_EQ(host.delivered(), frames.size());

  // A full ring refuses, it does not drop.
  unsigned space = host.rxSpace();
  EXPECT_EQ(space, 63u);
  for (unsigned i = 0; i < space; ++i)
    ASSERT_TRUE(host.deliver(frames[0]));
  EXPECT_FALSE(host.deliver(frames[0]));
  rte_mbuf *drainBufs[64];
  EXPECT_EQ(rte_eth_rx_burst(port, 0, drainBufs, 64), space);
  for (unsigned i = 0; i < space; ++i)
    rte_pktmbuf_free(drainBufs[i]);

  // Application -> driver.
  std::vector<Frame> sent;
  for (size_t i = 0; i < 20; ++i) {
    Frame f = frames[i % frames.size()];
    rte_mbuf *m = mbufFromBytes(packetPool(), f);
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(rte_eth_tx_burst(port, 0, &m, 1), 1);
    sent.push_back(f);
  }
  std::vector<Frame> collected;
  while (host.collect(collected, 8))
    ;
  EXPECT_EQ(collected, sent);
  EXPECT_EQ(host.collected(), sent.size());

  rte_eth_stats st;
  ASSERT_EQ(rte_eth_stats_get(port, &st), 0);
  EXPECT_EQ(st.ipackets, frames.size() + space);
  EXPECT_EQ(st.opackets, sent.size());
}

TEST(DpdkPlumbing, PcapSourceRepeats) {
  auto src = pcapSource(kPcap, 2);
  ASSERT_TRUE(bool(src)) << llvm::toString(src.takeError());
  std::vector<Frame> frames = pcapFrames(kPcap);
  for (unsigned r = 0; r < 2; ++r)
    for (const Frame &f : frames) {
      auto g = (*src)();
      ASSERT_TRUE(g.has_value());
      EXPECT_EQ(*g, f);
    }
  EXPECT_FALSE((*src)().has_value());
  auto bad = pcapSource("/nonexistent.pcap");
  EXPECT_FALSE(bool(bad));
  llvm::consumeError(bad.takeError());
}

TEST(DpdkPlumbing, NetPcapVdevIsAWire) {
  startEal();
  std::string out = tmpPath("netpcap-out.pcap");
  auto port = openVdev("net_pcap_t0,rx_pcap=" + kPcap + ",tx_pcap=" + out);
  ASSERT_TRUE(bool(port)) << llvm::toString(port.takeError());
  FrameSource src = ethdevSource(*port);
  FrameSink sink = ethdevSink(*port);
  std::vector<Frame> frames = pcapFrames(kPcap);
  std::vector<Frame> got;
  for (int idle = 0; idle < 1000 && got.size() < frames.size();) {
    auto f = src();
    if (!f) {
      ++idle;
      continue;
    }
    got.push_back(*f);
    ASSERT_TRUE(sink(*f));
  }
  // net_pcap reads frames up to its mbuf size per segment: compare all.
  EXPECT_EQ(got, frames);
  closeVdev(*port);
  EXPECT_EQ(pcapFrames(out), frames);
}

TEST(DpdkPlumbing, NetRingVdevLoopsBack) {
  startEal();
  auto port = openVdev("net_ring_t0");
  ASSERT_TRUE(bool(port)) << llvm::toString(port.takeError());
  FrameSource src = ethdevSource(*port);
  FrameSink sink = ethdevSink(*port);
  std::vector<Frame> frames = pcapFrames(kPcap);
  for (const Frame &f : frames) {
    ASSERT_TRUE(sink(f));
    auto g = src();
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(*g, f);
  }
  EXPECT_FALSE(src().has_value());
  closeVdev(*port);
}

TEST(DpdkPlumbing, OpenVdevNamesTheFailure) {
  startEal();
  auto port = openVdev("net_nosuchdriver0");
  ASSERT_FALSE(bool(port));
  EXPECT_NE(llvm::toString(port.takeError()).find("net_nosuchdriver0: cannot create the DPDK device"),
            std::string::npos);
}
