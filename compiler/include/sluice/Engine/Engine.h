//===- sluice/Engine/Engine.h - One semantics, several executors ----------===//
//
// An Engine runs one XDP program of an Object over packets and exposes its
// maps. `interp` (Sluice's interpreter) and `kernel` (the running Linux kernel
// through BPF_PROG_TEST_RUN) implement it today; `model` and `rtl` join later.
// `sluice run` and `sluice diff` only talk to this interface.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Object/Object.h"

namespace sluice {

using Bytes = std::vector<uint8_t>;

/// The context a packet arrives with. The defaults are what the kernel gives
/// BPF_PROG_TEST_RUN without a ctx: the loopback device, queue 0.
struct PacketIn {
  Bytes data;
  uint32_t ingress_ifindex = 1;
  uint32_t rx_queue_index = 0;
  /// The packet's arrival time on the NIC's timestamp counter (ns). When set,
  /// the engines with a NIC clock (interp, lifted, model, rtl) return it from
  /// bpf_ktime_get_ns (and the boot/coarse/tai variants); unset, each engine
  /// reads CLOCK_MONOTONIC as the kernel does. The kernel cannot be given a
  /// clock and ignores it (docs/helpers.md).
  std::optional<uint64_t> arrivalNs;
};

/// Where an XDP_REDIRECT sends the packet, when the engine can tell.
struct RedirectTarget {
  enum Kind { Ifindex, Map } kind = Ifindex;
  uint32_t ifindex = 0;  ///< Kind::Ifindex: bpf_redirect's target
  std::string map;       ///< Kind::Map: bpf_redirect_map's map ...
  uint32_t key = 0;      ///< ... and key
  bool operator==(const RedirectTarget &) const = default;
};

struct PacketOut {
  uint32_t action = 0;  ///< the program's return value (XDP_ABORTED..XDP_REDIRECT, or other)
  Bytes data;           ///< the packet after the program (head/tail adjusted)
  /// Set for XDP_REDIRECT by engines that know the target (not the kernel:
  /// BPF_PROG_TEST_RUN does not report it).
  std::optional<RedirectTarget> redirect;
};

struct MapEntry {
  Bytes key;
  Bytes value;  ///< per-CPU maps: the value of CPU 0 (see docs/engines.md)
  bool operator==(const MapEntry &) const = default;
};

/// The content of one map after a run, entries sorted by key bytes.
/// Maps without content (prog-array, perf-event-array, ringbuf) are omitted.
struct MapDump {
  std::string name;
  uint32_t type = 0;
  std::vector<MapEntry> entries;
};

class Engine {
public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;

  /// Prepares `prog` of `obj` (which must outlive the engine). Maps start as
  /// the object defines them (global data with its initial image).
  virtual llvm::Error load(const Object &obj, const Program &prog) = 0;

  /// Runs one packet. An Error is an engine failure (not a program verdict).
  virtual llvm::Expected<PacketOut> run(const PacketIn &pkt) = 0;

  // Host access to maps, with the kernel's semantics and errors (bpf(2)).
  virtual llvm::Error mapUpdate(const std::string &map, const Bytes &key,
                                const Bytes &value, uint64_t flags = BPF_ANY) = 0;
  virtual llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map,
                                                         const Bytes &key) = 0;
  virtual llvm::Error mapDelete(const std::string &map, const Bytes &key) = 0;

  /// Every map with content, entries sorted by key.
  virtual llvm::Expected<std::vector<MapDump>> dumpMaps() = 0;
};

/// "interp" or "kernel". Unknown names are an Error listing the known ones.
llvm::Expected<std::unique_ptr<Engine>> createEngine(std::string_view name);
/// The built-in engines, then the registered ones.
std::vector<std::string> engineNames();

/// Engines that live outside libsluice (the Verilated `rtl` engine of
/// sluice-sim) register a factory; createEngine and engineNames then know
/// them. Registering a name again replaces its factory.
using EngineFactory = std::unique_ptr<Engine> (*)();
void registerEngineFactory(std::string name, EngineFactory factory);

/// True if `type` is a map whose entries a dump lists.
bool mapHasContent(uint32_t type);
/// True for the per-CPU map types.
bool mapIsPerCpu(uint32_t type);

} // namespace sluice
