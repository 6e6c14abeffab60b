//===- TestSupport.h - What several unit-test areas share -----------------===//
//
// The sample manifest as the build copied it beside the sample objects, and
// whether CI demands the kernel (SLUICE_REQUIRE_KERNEL), in one place.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

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

/// A test (or its kernel half) that needs the kernel, told why it cannot
/// have it (`why`, empty when it can): a failure when SLUICE_REQUIRE_KERNEL
/// is set (CI), said loudly on stderr either way. True when the caller must
/// skip.
inline bool kernelMissing(const std::string &what, const std::string &why) {
  if (why.empty())
    return false;
  if (kernelRequired())
    ADD_FAILURE() << "SLUICE_REQUIRE_KERNEL is set and the kernel is unavailable for " << what
                  << ": " << why;
  std::fprintf(stderr,
               "\n*************************************************************\n"
               "*** KERNEL UNAVAILABLE: %s\n"
               "*** %s is SKIPPED: it checks nothing.\n"
               "*************************************************************\n\n",
               why.c_str(), what.c_str());
  return true;
}

#ifdef SLUICE_SOURCE_DIR
/// hdl/params/default.json with `stages` stages, the variable read ports
/// continued every four stages up to `lastVread` and the map stages up to
/// `lastMap` (the default's own lists where the bound is below them): the
/// longer datapaths tests compile samples for that the default cannot hold.
inline std::string longerDefaultParams(unsigned stages, unsigned lastVread, unsigned lastMap) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/hdl/params/default.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto every4 = [](unsigned first, unsigned last) {
    std::string l;
    for (unsigned s = first; s <= last; s += 4)
      l += (l.empty() ? "" : ", ") + std::to_string(s);
    return "\"stages\": [" + l + "]";
  };
  text = std::regex_replace(text, std::regex("\"stages\": 24"),
                            "\"stages\": " + std::to_string(stages));
  text = std::regex_replace(text, std::regex("\"stages\": \\[2, 6, 10, 14, 18\\]"),
                            every4(2, std::max(lastVread, 18u)));
  text = std::regex_replace(text, std::regex("\"stages\": \\[1, 5, 9, 13, 17\\]"),
                            every4(1, std::max(lastMap, 17u)));
  return text;
}
#endif

} // namespace sluice::testing
