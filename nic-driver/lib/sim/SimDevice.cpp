//===- SimDevice.cpp - The Verilated NIC behind the driver's Device seam ---===//
#include "sluice/Nic/SimDevice.h"

#include "sluice/Sim/Device.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Support/Error.h"
#include "sluice/Target/TargetParams.h"

namespace sluice::nic {

SimDevice::SimDevice(const SimDeviceOptions &opts)
    : opts_(opts), dev_(std::make_unique<sim::Device>()) {
  if (!opts.traceFst.empty())
    dev_->traceTo(opts.traceFst);
  // The host queue is not ready while the driver has not collected
  // outputDepth frames: back-pressure instead of an unbounded queue.
  dev_->setReady(sim::kHost, [this](uint64_t) {
    return dev_->collected(sim::kHost).size() < opts_.outputDepth;
  });
  for (unsigned p : {sim::kPort0, sim::kPort1})
    dev_->setReady(p, [this, p](uint64_t) {
      return dev_->collected(p).size() < opts_.outputDepth;
    });
}

SimDevice::~SimDevice() = default;

uint32_t SimDevice::read32(uint32_t offset) { return dev_->read(offset); }
void SimDevice::write32(uint32_t offset, uint32_t value) { dev_->write(offset, value); }

bool SimDevice::pushNetwork(unsigned port, std::span<const uint8_t> frame) {
  if (port > 1 || dev_->pending(port) >= opts_.inputDepth)
    return false;
  dev_->push(port, sim::Bytes(frame.begin(), frame.end()));
  return true;
}

bool SimDevice::pushHost(unsigned port, std::span<const uint8_t> frame) {
  if (port > 1 || dev_->pendingHost() >= opts_.inputDepth)
    return false;
  dev_->pushHost(port, sim::Bytes(frame.begin(), frame.end()));
  return true;
}

namespace {
std::optional<Frame> popFrom(std::deque<sim::Frame> &q) {
  if (q.empty())
    return std::nullopt;
  Frame f = std::move(q.front().data);
  q.pop_front();
  return f;
}
} // namespace

std::optional<Frame> SimDevice::popNetwork(unsigned port) {
  return port > 1 ? std::nullopt : popFrom(dev_->collected(port));
}
std::optional<Frame> SimDevice::popHost() { return popFrom(dev_->collected(sim::kHost)); }

void SimDevice::step(uint64_t cycles) { dev_->tick(cycles); }
uint64_t SimDevice::cycles() const { return dev_->cycle(); }

bool SimDevice::idle() {
  if (dev_->pending(0) || dev_->pending(1) || dev_->pendingHost())
    return false;
  return dev_->read(regs::STATUS) & regs::STATUS_IDLE;
}

bool haveSimDevice() { return true; }

llvm::Expected<std::unique_ptr<Device>> openDevice(const std::string &spec,
                                                   const std::string &paramsFile) {
  if (spec != "sim")
    return makeError("unknown device '{}' (known: sim)", spec);
  if (!paramsFile.empty()) {
    auto p = TargetParams::fromFile(paramsFile);
    if (!p)
      return p.takeError();
    if (p->hash != TargetParams::defaults().hash)
      return makeError("{}: the simulated NIC of this build is Verilated for the default "
                       "parameters (0x{:016x}) only, not these (0x{:016x})",
                       paramsFile, TargetParams::defaults().hash, p->hash);
  }
  return std::make_unique<SimDevice>();
}

} // namespace sluice::nic
