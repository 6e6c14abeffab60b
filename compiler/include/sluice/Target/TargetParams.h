//===- sluice/Target/TargetParams.h - The datapath parameters ---------------===//
//
// The one description of a datapath (stages, lanes, slots, predicates, header
// window, extractor and deparser sizes, variable read ports, units, maps),
// read from a JSON file such as hdl/params/default.json. The same file
// generates the Verilog header (sluice-gen) and is what a stage image records
// (its canonical text and hash), so compiler, model and RTL agree by
// construction. The hash is computed here and only here: sluice-gen links
// this file too.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "llvm/Support/Error.h"

namespace sluice {

/// A unit with a latency that spans stages (divider, map engine, csum).
struct UnitParams {
  unsigned lane = 0;              ///< the lane that issues to it
  std::vector<unsigned> stages;   ///< the stages that have it
  unsigned latencyCycles = 1;
};

struct TargetParams {
  std::string name;
  unsigned clockMhz = 0, busBits = 0;
  unsigned stages = 0, cyclesPerStage = 0, parserCycles = 0, deparserCycles = 0;
  unsigned lanes = 0, laneBits = 0, slots = 0, slotBits = 0, readWindowBanks = 0;
  unsigned predicates = 0;
  unsigned headerWindowBytes = 0, headroomBytes = 0, maxLinearBytes = 0;
  std::vector<unsigned> extractorSlots;  ///< entry e writes slot extractorSlots[e]
  unsigned deparserEntries = 0;
  unsigned vreadLane = 0;
  std::vector<unsigned> vreadStages;
  std::map<std::string, UnitParams> units;
  unsigned maxMaps = 0, maxKeyBytes = 0, maxValueBytes = 0;
  uint64_t mapMemoryBytes = 0;
  /// LPM tries on the datapath: CAM rows per map unit that has a CAM (one
  /// trie per such unit), the largest key data (key_size - 4) and value the
  /// CAM holds.
  unsigned lpmRows = 0, lpmDataBytes = 0, lpmValueBytes = 0;
  /// The map stages whose unit has an LPM CAM (maps.lpm_stages, a subset of
  /// units.map.stages): LPM tries are bound only there.
  std::vector<unsigned> lpmStages;

  /// Canonical JSON (sorted keys, no spaces, without "name") and its hash.
  std::string canonical;
  uint64_t hash = 0;

  /// Parses and checks a parameter file's text; `what` names it in errors.
  static llvm::Expected<TargetParams> fromJson(std::string_view text, std::string_view what);
  static llvm::Expected<TargetParams> fromFile(const std::string &path);
  /// The default datapath (hdl/params/default.json, compiled in).
  static const TargetParams &defaults();

  unsigned bankSlots() const { return slots / lanes; }
  unsigned bankOf(unsigned slot) const { return slot / bankSlots(); }
  bool laneWrites(unsigned lane, unsigned slot) const { return bankOf(slot) == lane; }
  bool laneReads(unsigned lane, unsigned slot) const;
  bool hasVread(unsigned stage, unsigned lane) const;
  const UnitParams *unit(const std::string &name) const;
  bool hasUnit(const std::string &name, unsigned stage, unsigned lane) const;
  /// Whether stage `stage`'s map unit has an LPM CAM (lpm_rows > 0 and the
  /// stage in lpm_stages).
  bool hasLpmCam(unsigned stage) const;
  /// ceil(latency_cycles / cycles_per_stage), at least 1.
  unsigned unitLatencyStages(const std::string &name) const;
  /// Cycles from parser entry to deparser exit, the same for every packet.
  unsigned pipelineLatencyCycles() const {
    return parserCycles + stages * cyclesPerStage + deparserCycles;
  }
};

/// FNV-1a 64 of a canonical parameter text: the parameter hash.
uint64_t paramHash(std::string_view canonical);

/// The first parameter whose value differs between two canonical texts, as
/// "stages: 16 vs 24" (empty if they are equal or unreadable).
std::string firstParamDifference(std::string_view canonicalA, std::string_view canonicalB);

} // namespace sluice
