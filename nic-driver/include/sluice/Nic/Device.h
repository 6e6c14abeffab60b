//===- sluice/Nic/Device.h - The NIC as the driver sees it -----------------===//
//
// The seam between the driver and a NIC: a 32-bit register block (the CSRs
// the datapath's register map documents, BAR0 on a board), frame I/O on the
// two network ports and the host queue pair, and a clock for simulated
// backends. The driver (Nic) only talks to this interface.
//
// Backends: the Verilated datapath in this process (SimDevice, over the
// sim/ library), the driver's embedded default. A PCIe board would implement
// the same calls with BAR0 reads/writes for the registers and DMA descriptor
// rings plus doorbell registers for the frames (docs/nic-driver.md).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::nic {

using Frame = std::vector<uint8_t>;

class Device {
public:
  virtual ~Device() = default;
  virtual std::string_view name() const = 0;

  // -- Registers: byte offsets into the register block, 32-bit aligned.
  virtual uint32_t read32(uint32_t offset) = 0;
  virtual void write32(uint32_t offset, uint32_t value) = 0;

  // -- Frames. Every call is non-blocking: false / nullopt means "not now"
  // (back-pressure or nothing ready); the driver retries after step().

  /// Network ports of the device (2 on the Sluice datapath).
  virtual unsigned networkPorts() const = 0;
  /// A frame arriving from the wire on network port `port` (into the pipeline).
  virtual bool pushNetwork(unsigned port, std::span<const uint8_t> frame) = 0;
  /// A frame the host transmits on the host queue, to go out of network
  /// port `port` (it does not run through the program).
  virtual bool pushHost(unsigned port, std::span<const uint8_t> frame) = 0;
  /// The next frame leaving network port `port` (XDP_TX, XDP_REDIRECT, host TX).
  virtual std::optional<Frame> popNetwork(unsigned port) = 0;
  /// The next frame for the host queue (XDP_PASS).
  virtual std::optional<Frame> popHost() = 0;

  // -- Time.
  /// Advances a simulated device by `cycles` clock cycles; a board returns.
  virtual void step(uint64_t cycles) = 0;
  /// Cycles simulated so far (a board: 0).
  virtual uint64_t cycles() const = 0;
  /// True when no frame is inside the device: every pushed frame has either
  /// left through an output (waiting in pop*) or been dropped and counted.
  virtual bool idle() = 0;
};

} // namespace sluice::nic
