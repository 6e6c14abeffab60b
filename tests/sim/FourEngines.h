//===- FourEngines.h - kernel == interp == model == rtl on one packet list -===//
//
// Shared by the sim tests that build their own packets: interp, model and
// rtl run over them and are compared with each other, then the kernel (a
// loud skip where it is missing) against rtl and interp.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sluice/Engine/Run.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Sim/RtlEngine.h"
#include "sluice/Support/Error.h"

#include "../unit/TestSupport.h"

namespace sluice::testing {

/// interp, model and rtl over `pkts`, compared with each other; the interp
/// and rtl results (nullopt, with a failure, when an engine errs).
struct Runs {
  RunResult interp, rtl;
};
inline std::optional<Runs> interpModelRtl(const Object &obj, const Program &prog,
                                   const std::vector<PcapPacket> &pkts) {
  auto interp = createEngine("interp");
  if (!interp) {
    ADD_FAILURE() << llvm::toString(interp.takeError());
    return std::nullopt;
  }
  auto i = runPackets(**interp, obj, prog, {}, pkts);
  ModelEngine model;
  auto m = runPackets(model, obj, prog, {}, pkts);
  sim::RtlEngine rtl;
  auto r = runPackets(rtl, obj, prog, {}, pkts);
  for (auto *x : {&i, &m, &r})
    if (!*x) {
      ADD_FAILURE() << llvm::toString(x->takeError());
      return std::nullopt;
    }
  EXPECT_EQ(firstDifference(*i, *m), "") << "interp vs model";
  EXPECT_EQ(firstDifference(*m, *r), "") << "model vs rtl";
  return Runs{std::move(*i), std::move(*r)};
}

/// The kernel over `pkts` against rtl and interp; false when it did not run
/// (a loud skip without the kernel, or a failure).
inline bool kernelAgrees(const Object &obj, const Program &prog, const std::vector<PcapPacket> &pkts,
                  const Runs &runs, const std::string &what) {
  if (sluice::testing::kernelMissing("the kernel half of " + what, kernelUnavailableReason()))
    return false;
  auto kernel = createEngine("kernel");
  if (!kernel) {
    ADD_FAILURE() << llvm::toString(kernel.takeError());
    return false;
  }
  auto k = runPackets(**kernel, obj, prog, {}, pkts);
  if (!k) {
    ADD_FAILURE() << llvm::toString(k.takeError());
    return false;
  }
  EXPECT_EQ(firstDifference(*k, runs.rtl), "") << "kernel vs rtl";
  EXPECT_EQ(firstDifference(*k, runs.interp), "") << "kernel vs interp";
  return true;
}

} // namespace sluice::testing
