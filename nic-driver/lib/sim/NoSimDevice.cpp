//===- NoSimDevice.cpp - openDevice when the Verilated NIC is not built ----===//
#include "sluice/Nic/SimDevice.h"
#include "sluice/Support/Error.h"

namespace sluice::nic {

bool haveSimDevice() { return false; }

llvm::Expected<std::unique_ptr<Device>> openDevice(const std::string &spec, const std::string &) {
  return makeError("device '{}': this build has no simulated NIC (sim/ needs Verilator and "
                   "hdl/rtl; see docs/sim.md)", spec);
}

} // namespace sluice::nic
