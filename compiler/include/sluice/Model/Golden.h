//===- sluice/Model/Golden.h - The stage ISA golden vectors, for any engine ===//
//
// tests/golden/isa-v2.json (written by sluice-golden) as C++ values, and one
// check that runs a vector's packets on an engine that has loaded the
// vector's image: the model's unit test uses it now, the `rtl` engine's test
// (issue 5) the same way, loading `image` through the registers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Engine/Engine.h"
#include "sluice/Target/TargetParams.h"

namespace sluice {

struct GoldenPacket {
  PacketIn in;
  uint64_t timestampNs = 0;  ///< the arrival timestamp the datapath must use
  uint32_t verdict = 0;
  Bytes out;
  bool fault = false;        ///< a VLD or deparser write outside the window
  std::optional<uint32_t> redirectIfindex;
};

struct GoldenVector {
  std::string name, doc;
  Bytes image;  ///< a stage image (docs/image-format.md)
  std::vector<GoldenPacket> packets;
};

/// Reads a golden file; refuses one made for another ISA version or other
/// datapath parameters than `target`.
llvm::Expected<std::vector<GoldenVector>> readGoldenVectors(const std::string &path,
                                                            const TargetParams &target);

/// Hooks an engine offers the check: fix the arrival timestamp before a
/// packet, and report whether the last packet faulted.
struct GoldenHooks {
  std::function<void(uint64_t)> setTimestamp;
  std::function<bool()> lastFaulted;
};

/// Runs every packet of `v` on `engine` (which has loaded `v.image`); the
/// first difference is an Error: "alu32-arith packet 3: verdict 1, expected
/// 2", "... output byte 22 is 0x1f, expected 0x20", "... 60 output bytes,
/// expected 64", redirect target or fault.
llvm::Error checkGoldenVector(const GoldenVector &v, Engine &engine, const GoldenHooks &hooks = {});

} // namespace sluice
