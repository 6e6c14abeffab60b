//===- TestSupport.h - What several unit-test areas share -----------------===//
//
// The sample manifest as the build copied it beside the sample objects, and
// whether CI demands the kernel (SLUICE_REQUIRE_KERNEL), in one place.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sluice/Engine/Samples.h"

namespace sluice::testing {

/// Every sample of <build>/bpf-samples/samples.json; empty (with a message
/// on stderr) when it cannot be read, which the manifest test reports.
inline const std::vector<SampleSpec> &samples() {
  static const std::vector<SampleSpec> all = [] {
    auto m = loadSampleManifest(std::string(SLUICE_SAMPLES_DIR) + "/samples.json");
    if (!m) {
      std::fprintf(stderr, "%s\n", llvm::toString(m.takeError()).c_str());
      return std::vector<SampleSpec>{};
    }
    return std::move(*m);
  }();
  return all;
}

/// True when SLUICE_REQUIRE_KERNEL is set and not "0": a test that cannot
/// reach the kernel must then fail instead of skipping.
inline bool kernelRequired() {
  const char *v = std::getenv("SLUICE_REQUIRE_KERNEL");
  return v && *v && std::string(v) != "0";
}

} // namespace sluice::testing
