//===- sluice/Engine/Run.h - Running a pcap through engines and comparing -===//
//
// What `sluice run` and `sluice diff` do, as a library so that tests and
// benchmarks call the same code: load a program on an engine, apply the
// map-init file, feed every packet of a pcap, collect verdicts, output bytes
// and the final maps, and compare two such runs packet by packet.
//
// Frames shorter than an Ethernet header (14 bytes) never reach the program
// on any engine: a NIC's MAC drops them, and the kernel's BPF_PROG_TEST_RUN
// refuses them. They are counted as "runt".
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sluice/Engine/Engine.h"
#include "sluice/Engine/MapInit.h"
#include "sluice/Support/Pcap.h"

namespace sluice {

constexpr uint32_t kMinFrame = 14;

struct PacketResult {
  bool runt = false;  ///< shorter than kMinFrame: not run
  PacketOut out;
};

struct RunResult {
  std::string engine;
  std::vector<PcapPacket> input;
  std::vector<PacketResult> packets;  ///< one per input packet
  std::vector<MapDump> maps;          ///< after the last packet
};

struct RunOptions {
  std::string engine = "interp";
  std::string pcap;
  std::string mapInit;  ///< optional
  /// Packets arrive at their capture timestamps (PacketIn::arrivalNs): the
  /// NIC's clock, the same on interp, lifted, model and rtl (docs/helpers.md).
  bool nicClock = false;
};

/// "XDP_PASS", ..., "runt", or "XDP_<n>" for a value outside the enum.
std::string verdictName(const PacketResult &r);
std::string verdictName(uint32_t action);
/// Lower-case file stem of the verdict's output pcap ("pass", "redirect-if3",
/// "redirect-tx_ports-1", "runt").
std::string verdictFileStem(const PacketResult &r);

/// Runs `prog` of `obj` over `packets` on `engine`, starting from `init`.
/// With `nicClock` each packet arrives at its capture timestamp (ns).
llvm::Expected<RunResult> runPackets(Engine &engine, const Object &obj, const Program &prog,
                                     const std::vector<MapInitEntry> &init,
                                     const std::vector<PcapPacket> &packets,
                                     bool nicClock = false);

/// Convenience: creates the engine, reads the pcap and map-init, runs.
llvm::Expected<RunResult> runProgram(const Object &obj, const Program &prog,
                                     const RunOptions &opts);

/// Writes one pcap per verdict (and per redirect target) into `dir`.
llvm::Error writeVerdictPcaps(const RunResult &r, const std::string &dir);

struct DiffOptions {
  /// Maps whose values hold clock readings: only their keys are compared.
  std::vector<std::string> volatileMaps;
};

/// The first difference between two runs of the same packets, or an empty
/// string when they agree on every verdict, output byte and map entry.
/// Redirect targets are compared when both engines report one; a
/// bpf_redirect_map target {map, key} (interp, lifted) and an ifindex
/// (model, rtl) are equal when that devmap's entry in the run's final dump
/// holds the ifindex (programs cannot write devmaps).
std::string firstDifference(const RunResult &a, const RunResult &b,
                            const DiffOptions &opts = {});

/// Human-readable name of a map type ("hash", "percpu_array", ...).
std::string mapTypeName(uint32_t type);

} // namespace sluice
