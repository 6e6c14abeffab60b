//===- sluice/Sim/Device.h - The Verilated NIC as a register-level device -===//
//
// One simulated Sluice NIC (hdl/nic/sluice_nic.sv around the pipeline,
// Verilated): register reads and writes through its AXI4-Lite port, frames
// pushed into network port 0/1 (or, from the host, out of a port), frames
// collected from every output (port 0, port 1, the host queue) with the
// cycles of their first and last beat, and the clock. This is the seam a
// driver talks to (the DPDK driver of a later issue embeds it): nothing here
// knows about stage images or engines; Loader.h and RtlEngine.h build on it.
//
// The header does not include Verilator's: the model is behind a pointer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sluice::sim {

using Bytes = std::vector<uint8_t>;

/// The device's outputs, in collection order.
enum Output : unsigned { kPort0 = 0, kPort1 = 1, kHost = 2, kNumOutputs = 3 };

struct Frame {
  Bytes data;
  uint64_t firstBeatCycle = 0, lastBeatCycle = 0;
  uint64_t tuser = 0;  ///< host queue only: [0] ingress port, [1] faulted, [2] a dropped packet, [39:8] redirect ifindex
};

/// A frame waiting to enter a network port.
struct InFrame {
  Bytes data;
  uint64_t notBefore = 0;   ///< first cycle its first beat may be offered (pacing)
  uint64_t id = 0;          ///< caller's tag, reported back in accepted()
};

class Device {
public:
  Device();
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  // Registers (docs/registers.md; addresses in sluice/Sim/Regs.h). Each
  // access is a full AXI4-Lite transaction: the clock runs while it lasts.
  uint32_t read(uint32_t addr);
  void write(uint32_t addr, uint32_t value);
  /// A 64-bit counter (LO then HI: consistent).
  uint64_t counter(unsigned index);

  // Traffic.
  /// Queues a frame for network port `port` (0 or 1); beats are offered back
  /// to back, from cycle `notBefore` on.
  void push(unsigned port, Bytes frame, uint64_t notBefore = 0, uint64_t id = 0);
  /// Queues a frame the host sends out of network port `port`.
  void pushHost(unsigned port, Bytes frame);
  /// Frames (and beats) still waiting to enter port `port`.
  size_t pending(unsigned port) const;
  size_t pendingHost() const;
  /// Frames collected from output `out`; the caller may pop them.
  std::deque<Frame> &collected(unsigned out) { return out_[out]; }
  /// Per port, (id, cycle of the first beat, cycle of the last beat) of every
  /// frame the port accepted, in order.
  struct Accepted { uint64_t id, firstBeatCycle, lastBeatCycle; };
  std::deque<Accepted> &accepted(unsigned port) { return acc_[port]; }

  /// Output `out`'s tready per cycle: a function of the cycle, or nullptr
  /// (the default) for always ready.
  void setReady(unsigned out, std::function<bool(uint64_t cycle)> ready);

  // Clock.
  void tick(uint64_t cycles = 1);
  /// Ticks until STATUS.IDLE and no frame waits at an input, at most
  /// `maxCycles`; false if the limit was reached.
  bool runUntilIdle(uint64_t maxCycles = 10'000'000);
  uint64_t cycle() const { return cycle_; }
  /// Synchronous reset for `cycles` cycles (the constructor does it).
  void reset(unsigned cycles = 4);

  /// Writes an FST waveform from now on (GTKWave); closed by the destructor.
  void traceTo(const std::string &fstPath);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t cycle_ = 0;
  std::deque<InFrame> in_[2];
  size_t inOff_[2] = {0, 0};
  std::deque<std::pair<unsigned, Bytes>> hostIn_;
  size_t hostOff_ = 0;
  std::deque<Frame> out_[kNumOutputs];
  Frame cur_[kNumOutputs];
  bool curActive_[kNumOutputs] = {false, false, false};
  std::deque<Accepted> acc_[2];
  uint64_t accFirst_[2] = {0, 0};
  std::function<bool(uint64_t)> ready_[kNumOutputs];

  void drive();
  void settle();
};

} // namespace sluice::sim
