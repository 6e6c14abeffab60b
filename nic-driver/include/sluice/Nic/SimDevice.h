//===- sluice/Nic/SimDevice.h - The Verilated NIC as the driver's Device ----===//
//
// The driver's embedded default device: an adapter over sim/'s device class
// (sluice::sim::Device, the Verilated hdl/nic shell around the pipeline) in
// this process. Registers are its AXI4-Lite transactions (the clock runs
// while they last); frames go into its port queues, which the adapter bounds
// (`inputDepth` frames per port: a full queue is back-pressure); its host
// queue output is held not-ready while `outputDepth` frames wait to be
// collected, so a slow application back-pressures the datapath as a full
// DMA ring would.
//
// Built only when sim/ builds the Verilated model (Verilator installed);
// otherwise openDevice("sim") says so.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>

#include "llvm/Support/Error.h"
#include "sluice/Nic/Device.h"

namespace sluice::sim {
class Device;
}

namespace sluice::nic {

struct SimDeviceOptions {
  unsigned inputDepth = 64;   ///< frames queued per network port / host TX
  unsigned outputDepth = 64;  ///< frames waiting per output before tready drops
  std::string traceFst;       ///< write a waveform here (GTKWave)
};

class SimDevice final : public Device {
public:
  explicit SimDevice(const SimDeviceOptions &opts = {});
  ~SimDevice() override;

  std::string_view name() const override { return "sim"; }
  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;
  unsigned networkPorts() const override { return 2; }
  bool pushNetwork(unsigned port, std::span<const uint8_t> frame) override;
  bool pushHost(unsigned port, std::span<const uint8_t> frame) override;
  std::optional<Frame> popNetwork(unsigned port) override;
  std::optional<Frame> popHost() override;
  void step(uint64_t cycles) override;
  uint64_t cycles() const override;
  bool idle() override;

  /// The simulated device itself (waveforms, pacing, per-output readiness).
  sim::Device &sim() { return *dev_; }

private:
  SimDeviceOptions opts_;
  std::unique_ptr<sim::Device> dev_;
};

/// Whether this build has the simulated device.
bool haveSimDevice();

/// The device named `spec`: "sim" (the Verilated datapath, default
/// parameters). `paramsFile` selects a datapath configuration; today the
/// model is built for the default parameters only, so another file is an
/// error naming what exists.
llvm::Expected<std::unique_ptr<Device>> openDevice(const std::string &spec,
                                                   const std::string &paramsFile = "");

} // namespace sluice::nic
