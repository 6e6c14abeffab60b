//===- sluice/Nic/PortIo.h - What feeds the NIC's network ports -----------===//
//
// A network port of the simulated NIC is fed by a FrameSource (a pcap file,
// or any DPDK port: a net_pcap or net_ring vdev, a real NIC's port) and its
// egress goes to a FrameSink (a pcap file, a DPDK port, or memory).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "llvm/Support/Error.h"
#include "sluice/Nic/Device.h"

namespace sluice::nic {

/// The next frame, or nullopt when there is none now (for a file: at its end).
using FrameSource = std::function<std::optional<Frame>()>;
/// Takes a frame; false when it cannot now (the driver keeps it and retries).
using FrameSink = std::function<bool(const Frame &)>;

/// The frames of an Ethernet pcap, in order, `repeat` times over.
llvm::Expected<FrameSource> pcapSource(const std::string &path, unsigned repeat = 1);
/// Frames received on queue 0 of a started DPDK port.
FrameSource ethdevSource(uint16_t port);
/// Writes each frame to a new pcap file.
llvm::Expected<FrameSink> pcapSink(const std::string &path);
/// Transmits each frame on queue 0 of a started DPDK port.
FrameSink ethdevSink(uint16_t port);

/// Creates a DPDK virtual device from its devargs (e.g.
/// "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap" or "net_ring0"), configures
/// one RX and one TX queue on the packet pool and starts it: its port id.
llvm::Expected<uint16_t> openVdev(const std::string &devargs);
/// Stops and closes a port opened by openVdev (and removes the vdev).
void closeVdev(uint16_t port);

} // namespace sluice::nic
