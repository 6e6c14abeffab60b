//===- sluice/Engine/Samples.h - The sample manifest (samples.json) -------===//
//
// bpf-samples/samples.json lists every sample: its object, program, pcap,
// map-init file and the maps whose values hold clock readings. The build
// copies it beside the objects (<build>/bpf-samples/), so every path in it
// resolves relative to the manifest's own directory. Tests and benchmarks
// read it through this one reader.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "llvm/Support/Error.h"

namespace sluice {

struct SampleSpec {
  std::string name;
  std::string description;
  std::string object;   ///< absolute, or relative to the working directory
  std::string program;
  std::string pcap;
  std::string mapInit;  ///< empty when the sample has none
  std::vector<std::string> volatileMaps;
  /// "clock" or "random" when the results depend on bpf_ktime_get_ns or
  /// bpf_get_prandom_u32 (docs/helpers.md): interp, lifted, model and rtl
  /// run with the NIC's clock (runPackets' nicClock) and agree exactly; the
  /// kernel is compared on properties by the sample's own test.
  std::string nicValues;
};

/// Reads a manifest; relative paths in it are resolved against its directory.
llvm::Expected<std::vector<SampleSpec>> loadSampleManifest(const std::string &path);

} // namespace sluice
