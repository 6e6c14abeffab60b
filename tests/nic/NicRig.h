//===- NicRig.h - What the driver's device tests share ---------------------===//
//
// The samples and pcaps of the build, images compiled from them, what the
// `interp` engine says about a pcap, and the rig: the Verilated NIC, the
// driver over it and an application receiving from the host port.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <fmt/format.h>

#include <map>

#include "sluice/Engine/Run.h"
#include "sluice/Nic/Eal.h"
#include "sluice/Nic/Mbuf.h"
#include "sluice/Nic/Nic.h"
#include "sluice/Nic/SimDevice.h"
#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Support/Pcap.h"
#include "sluice/Target/StageImage.h"

namespace sluice::nic::test {


inline std::string samplePath(const std::string &name) {
  return std::string(SLUICE_SAMPLES_DIR) + "/" + name + ".bpf.o";
}
inline std::string pcapPath(const std::string &name) {
  return std::string(SLUICE_SOURCE_DIR) + "/bpf-samples/pcaps/" + name + ".pcap";
}

/// The sample compiled for `target` as image bytes.
inline std::vector<uint8_t> imageOf(const std::string &sample, const TargetParams &target) {
  auto obj = Object::open(samplePath(sample));
  EXPECT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  auto img = compileProgram(*obj, obj->programs.at(0), target);
  EXPECT_TRUE(bool(img)) << llvm::toString(img.takeError());
  return writeStageImage(*img);
}

/// What interp says: the output bytes of every XDP_PASS frame, in order,
/// and the verdict counts.
struct Expected {
  std::vector<Frame> passed;
  std::map<std::string, uint64_t> verdicts;
  uint64_t frames = 0;
};
inline Expected interpRun(const std::string &sample, const std::string &pcap) {
  Expected e;
  auto obj = Object::open(samplePath(sample));
  EXPECT_TRUE(bool(obj));
  RunOptions ro;
  ro.pcap = pcap;
  auto r = runProgram(*obj, obj->programs.at(0), ro);
  EXPECT_TRUE(bool(r)) << llvm::toString(r.takeError());
  for (const PacketResult &p : r->packets) {
    ++e.verdicts[verdictName(p)];
    if (!p.runt && p.out.action == 2 /* XDP_PASS */)
      e.passed.push_back(p.out.data);
  }
  e.frames = r->packets.size();
  return e;
}

struct Rig {
  SimDevice dev;
  std::unique_ptr<Nic> nic;
  std::vector<Frame> received;  ///< by rte_eth_rx_burst on the host port

  Rig() {
    auto n = Nic::open(dev);
    EXPECT_TRUE(bool(n)) << llvm::toString(n.takeError());
    nic = std::move(*n);
  }
  /// The application: whatever the host port has.
  unsigned receive() {
    rte_mbuf *bufs[32];
    uint16_t n = rte_eth_rx_burst(nic->hostPortId(), 0, bufs, 32);
    for (uint16_t i = 0; i < n; ++i) {
      received.push_back(bytesFromMbuf(bufs[i]));
      rte_pktmbuf_free(bufs[i]);
    }
    return n;
  }
  /// Services the NIC and the application until everything has come out.
  void runToEnd() { ASSERT_TRUE(nic->drain([this] { return receive(); })); }
  uint64_t cnt(regs::Counter c) { return nic->counter(c); }
};

inline void loadOk(Nic &nic, const std::vector<uint8_t> &img, const char *what) {
  auto r = nic.loadImage(img.data(), img.size(), what);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
}

/// A 64-byte UDP/IPv4 frame carrying `seq` in its payload.
inline Frame seqFrame(uint32_t seq) {
  Frame f(64, 0);
  const uint8_t hdr[] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,  // Ethernet
                         0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17, 0, 0,              // IPv4
                         10, 0, 0, 1, 10, 0, 0, 2,                              //
                         0x30, 0x39, 0x00, 0x35, 0, 30, 0, 0};                  // UDP
  std::copy(std::begin(hdr), std::end(hdr), f.begin());
  for (int i = 0; i < 4; ++i)
    f[42 + i] = uint8_t(seq >> (8 * i));
  return f;
}
inline uint32_t seqOf(const Frame &f) {
  return uint32_t(f[42]) | uint32_t(f[43]) << 8 | uint32_t(f[44]) << 16 | uint32_t(f[45]) << 24;
}


} // namespace sluice::nic::test
