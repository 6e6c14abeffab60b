//===- bench-nic - the NIC driver: host port rate, image load time --------===//
//
// Frames per second through the host queue's ethdev port (the driver's
// deliver() onto the net_ring RX ring and an application's rte_eth_rx_burst,
// and the reverse with rte_eth_tx_burst and collect()), on the EAL without
// hugepages. Frame sizes 64 and 1500 bytes.
//
// Usage: bench-nic [--frames N] [--json]
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <chrono>
#include <cstring>
#include <iostream>

#include "sluice/Nic/Eal.h"
#include "sluice/Nic/HostPort.h"
#include "sluice/Nic/Mbuf.h"

using namespace sluice::nic;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Driver -> application: deliver() then rte_eth_rx_burst, bursts of 32.
double hostRxRate(HostPort &hp, size_t len, uint64_t frames) {
  Frame f(len, 0xab);
  rte_mbuf *bufs[32];
  uint64_t got = 0, sent = 0;
  auto t0 = Clock::now();
  while (got < frames) {
    for (unsigned i = 0; i < 32 && sent < frames && hp.deliver(f); ++i)
      ++sent;
    uint16_t n = rte_eth_rx_burst(hp.portId(), 0, bufs, 32);
    rte_pktmbuf_free_bulk(bufs, n);
    got += n;
  }
  return frames / seconds(t0, Clock::now());
}

/// Application -> driver: rte_eth_tx_burst then collect().
double hostTxRate(HostPort &hp, size_t len, uint64_t frames) {
  Frame f(len, 0xcd);
  std::vector<Frame> out;
  uint64_t got = 0, sent = 0;
  auto t0 = Clock::now();
  while (got < frames) {
    rte_mbuf *bufs[32];
    unsigned n = 0;
    for (; n < 32 && sent + n < frames; ++n)
      bufs[n] = mbufFromBytes(packetPool(), f);
    uint16_t tx = rte_eth_tx_burst(hp.portId(), 0, bufs, n);
    rte_pktmbuf_free_bulk(bufs + tx, n - tx);
    sent += tx;
    out.clear();
    got += hp.collect(out, 32);
  }
  return frames / seconds(t0, Clock::now());
}

} // namespace

int main(int argc, char **argv) {
  uint64_t frames = 2000000;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--frames") && i + 1 < argc)
      frames = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--json"))
      json = true;
    else {
      fmt::print(stderr, "usage: bench-nic [--frames N] [--json]\n");
      return 2;
    }
  }
  if (auto e = initEal()) {
    fmt::print(stderr, "bench-nic: {}\n", llvm::toString(std::move(e)));
    return 2;
  }
  auto hp = HostPort::create("bench_host0", 1024);
  if (!hp) {
    fmt::print(stderr, "bench-nic: {}\n", llvm::toString(hp.takeError()));
    return 2;
  }
  nlohmann::json j;
  if (!json)
    fmt::print("{:<44} {:>6} {:>12}\n", "host port (no device)", "bytes", "Mframes/s");
  for (size_t len : {64u, 1500u}) {
    double rx = hostRxRate(**hp, len, frames), tx = hostTxRate(**hp, len, frames);
    j["host_port"].push_back({{"bytes", len}, {"rx_fps", rx}, {"tx_fps", tx}});
    if (!json) {
      fmt::print("{:<44} {:>6} {:>12.2f}\n", "deliver -> rte_eth_rx_burst", len, rx / 1e6);
      fmt::print("{:<44} {:>6} {:>12.2f}\n", "rte_eth_tx_burst -> collect", len, tx / 1e6);
    }
  }
  if (json)
    std::cout << j.dump(2) << "\n";
  return 0;
}
