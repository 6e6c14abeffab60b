//===- sluice/Nic/Nic.h - The host driver of a Sluice NIC ------------------===//
//
// One Nic drives one Device: it owns the host queue's ethdev port (HostPort)
// and services it, feeds the network ports from their sources and drains
// their egress into sinks. Servicing is explicit: poll() does one round, on
// the caller's thread (the simulated device advances only then), so a
// DPDK application interleaves rte_eth_rx_burst / rte_eth_tx_burst on
// hostPort() with nic.poll(), or runs poll() on a thread of its own.
//
// One poll() round:
//   1. frames from each network port's source into the device (held back,
//      not dropped, when the port is busy);
//   2. frames the application transmitted on the host port into the device's
//      host queue, to go out of network port hostTxPort;
//   3. the device advances stepCycles cycles;
//   4. XDP_PASS frames from the device's host queue onto the host port's RX
//      ring (only as many as the ring has room for: the device is
//      back-pressured instead of dropping);
//   5. each network port's egress into its sink.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Nic/Device.h"
#include "sluice/Nic/HostPort.h"
#include "sluice/Nic/PortIo.h"

namespace sluice::nic {

struct NicOptions {
  std::string hostPortName = "sluice_host0";
  unsigned hostRingSize = 1024;
  /// Network port that frames the host transmits leave from.
  unsigned hostTxPort = 0;
  /// Cycles the device advances per poll().
  uint64_t stepCycles = 64;
  /// Frames moved per direction and port per poll().
  unsigned burst = 32;
};

/// What the driver itself moved (the device's own counters are read from its
/// registers).
struct DriverStats {
  struct Port {
    uint64_t fed = 0;       ///< frames from the source into the device
    uint64_t egress = 0;    ///< frames out of the device into the sink (or discarded without one)
    uint64_t held = 0;      ///< polls on which the device refused a frame (back-pressure)
  };
  std::vector<Port> ports;
  uint64_t hostRx = 0;      ///< XDP_PASS frames delivered to the application
  uint64_t hostTx = 0;      ///< frames the application sent, into the device
  uint64_t hostRxStalls = 0;///< polls on which the RX ring was full
  uint64_t polls = 0;
};

class Nic {
public:
  /// Starts the EAL if needed (initEal defaults) and creates the host port.
  static llvm::Expected<std::unique_ptr<Nic>> open(Device &dev, const NicOptions &opts = {});
  ~Nic();

  Device &device() { return dev_; }
  HostPort &hostPort() { return *host_; }
  uint16_t hostPortId() const { return host_->portId(); }

  /// What feeds network port `port` (nullptr: nothing).
  void setSource(unsigned port, FrameSource src);
  /// Where network port `port`'s egress goes (nullptr: counted and discarded).
  void setSink(unsigned port, FrameSink sink);

  /// One service round (above). Returns the frames moved.
  unsigned poll();
  /// Polls until a round moves nothing while no frame is held by the driver
  /// and the device is idle: sources exhausted (or quiet), outputs drained.
  /// False if that does not happen within `maxPolls` rounds (e.g. the
  /// application does not empty the host port's RX ring).
  bool drain(uint64_t maxPolls = 10000000);

  const DriverStats &stats() const { return stats_; }
  std::chrono::steady_clock::time_point openedAt() const { return opened_; }

private:
  Nic(Device &dev, const NicOptions &opts);
  Device &dev_;
  NicOptions opts_;
  std::unique_ptr<HostPort> host_;
  std::vector<FrameSource> sources_;
  std::vector<FrameSink> sinks_;
  std::vector<std::optional<Frame>> pendingIn_;   ///< per port: refused by the device
  std::vector<std::optional<Frame>> pendingOut_;  ///< per port: refused by the sink
  std::deque<Frame> pendingHostTx_;
  std::optional<Frame> pendingHostRx_;
  DriverStats stats_;
  std::chrono::steady_clock::time_point opened_;
};

} // namespace sluice::nic
