//===- sluice/Nic/HostPort.h - The NIC's host queue as a DPDK ethdev -------===//
//
// Debian's DPDK ships no driver SDK, so the host queue pair is an ethdev built
// from public API: two rte_rings turned into a port with rte_eth_from_rings
// (net_ring). The driver is the other end of both rings: frames it
// deliver()s (the NIC's XDP_PASS frames) are what the application receives
// with rte_eth_rx_burst on portId(); what the application sends with
// rte_eth_tx_burst the driver collect()s and hands to the NIC.
//
// The port is configured (one RX and one TX queue) and started by create(),
// so an application only needs its id. Single producer and single consumer
// on each ring: the driver's service loop and one application thread.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Nic/Device.h"

struct rte_ring;

namespace sluice::nic {

class HostPort {
public:
  /// Creates and starts the port `name` (needs initEal). `ringSize` must be
  /// a power of two; each ring holds ringSize - 1 frames.
  static llvm::Expected<std::unique_ptr<HostPort>> create(const std::string &name = "sluice_host0",
                                                          unsigned ringSize = 1024);
  ~HostPort();
  HostPort(const HostPort &) = delete;
  HostPort &operator=(const HostPort &) = delete;

  uint16_t portId() const { return port_; }
  const std::string &name() const { return name_; }

  /// Frames the application can still receive before the RX ring is full.
  unsigned rxSpace() const;
  /// Puts a frame on the application's RX ring; false if the ring is full or
  /// the pool is out of mbufs (the frame is not taken: retry later).
  bool deliver(std::span<const uint8_t> frame);
  /// Takes up to `max` frames the application transmitted, in order.
  unsigned collect(std::vector<Frame> &out, unsigned max = 32);

  uint64_t delivered() const { return delivered_; }
  uint64_t collected() const { return collected_; }

private:
  HostPort() = default;
  std::string name_;
  uint16_t port_ = 0;
  rte_ring *rx_ = nullptr;  ///< driver -> application
  rte_ring *tx_ = nullptr;  ///< application -> driver
  uint64_t delivered_ = 0, collected_ = 0;
};

} // namespace sluice::nic
