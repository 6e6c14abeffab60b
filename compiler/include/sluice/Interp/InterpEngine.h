//===- sluice/Interp/InterpEngine.h - The `interp` engine -----------------===//
//
// Sluice's own eBPF interpreter: runs an XDP program of an Object on a
// pre-decoded instruction array with the kernel's instruction, context, map
// and helper semantics (Linux 6.18, x86-64), so that it can serve as a fast
// reference that needs neither root nor BPF. Every memory access is checked
// against the regions the program may reach; what the kernel's verifier would
// have refused is an Error naming the instruction, never host corruption.
//
// What the engine observes beyond the Engine interface (events, instruction
// counts) is reachable through the concrete InterpEngine class. The
// semantics notes (buffer layout, per-CPU, LRU, clocks, events) are at the
// top of lib/Interp/InterpEngine.cpp.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/Engine/Engine.h"

namespace sluice {

/// Something a program emitted besides its verdict, in program order.
struct InterpEvent {
  enum Kind {
    TracePrintk,  ///< bpf_trace_printk: `text` is the formatted line
    PerfOutput,   ///< bpf_perf_event_output: `data` = the sample, then the packet bytes
    Ringbuf,      ///< bpf_ringbuf_output / bpf_ringbuf_submit: `data` = the record
  } kind = TracePrintk;
  uint64_t run = 0;   ///< 0-based number of the run() that emitted it (since load)
  std::string map;    ///< PerfOutput/Ringbuf: the map's name
  uint32_t index = 0; ///< PerfOutput: the perf-event-array slot
  std::string text;   ///< TracePrintk
  Bytes data;         ///< PerfOutput/Ringbuf
};

class InterpEngine final : public Engine {
public:
  InterpEngine();
  ~InterpEngine() override;
  InterpEngine(const InterpEngine &) = delete;
  InterpEngine &operator=(const InterpEngine &) = delete;

  std::string_view name() const override { return "interp"; }
  llvm::Error load(const Object &obj, const Program &prog) override;
  /// Frames shorter than 14 bytes are an Error with errno EINVAL, frames
  /// longer than 3520 + 17 * 4096 bytes an Error with ENOMEM (what the
  /// kernel's BPF_PROG_TEST_RUN answers). Metadata in front of the packet
  /// (bpf_xdp_adjust_meta) is not part of PacketOut.data.
  llvm::Expected<PacketOut> run(const PacketIn &pkt) override;
  /// Prog-array values are indices into Object::programs and map-in-map
  /// values indices into Object::maps, both as 4-byte little-endian numbers
  /// (where the kernel takes file descriptors).
  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags = BPF_ANY) override;
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map,
                                                 const Bytes &key) override;
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override;
  llvm::Expected<std::vector<MapDump>> dumpMaps() override;

  /// Instructions executed by the last run() (helpers count as one, the
  /// instructions of bpf_loop callbacks and tail-called programs count).
  uint64_t lastInsnCount() const;
  /// Instructions executed by every run() since load().
  uint64_t totalInsnCount() const;
  /// A run that executes more instructions than this is an Error (a program
  /// the verifier accepted cannot loop forever; a hand-built one can).
  /// Default 1e9.
  void setInsnLimit(uint64_t limit);

  /// Events since load() or the last takeEvents(), oldest first.
  const std::vector<InterpEvent> &events() const;
  /// Returns and forgets the events; this is also the ring buffers'
  /// consumer: the space their records took becomes free again.
  std::vector<InterpEvent> takeEvents();

  /// Seeds bpf_get_prandom_u32 (load() seeds it with 0).
  void seedPrandom(uint64_t seed);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

std::unique_ptr<Engine> createInterpEngine();

} // namespace sluice
