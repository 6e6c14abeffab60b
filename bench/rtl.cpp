//===- bench-rtl - The Verilated NIC: frames per clock, latency, sim speed -===//
//
// For every sample that compiles for the default datapath (with maps: the
// loader configures them, empty; the map units then run a transaction per
// packet):
//   - frames per clock: back-to-back 64-byte frames (the sample's pcap frames
//     cut or padded to 64 bytes) on both ports, counted from the first beat
//     accepted to the last, after a warm-up; outputs always ready;
//   - latency: one frame alone, first beat in to first beat out (dropped
//     frames come out through CTRL.DROPS_TO_HOST so that every sample has one);
//   - simulated frames per wall-clock second in that run, and the `rtl`
//     engine's rate (one packet at a time, as `sluice run` drives it);
//   - the kernel's BPF_PROG_TEST_RUN rate on the same program and pcap
//     (repeat = N, the kernel's own timing), and the ratio.
// A sample the compiler refuses is listed with the reason.
//
// Usage: bench-rtl [--manifest PATH] [--frames N] [--repeat N] [--json]
//
//===----------------------------------------------------------------------===//
#if __has_include("sluice/Sim/Device.h")
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <nlohmann/json.hpp>

#include "sluice/Engine/Samples.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Sim/Device.h"
#include "sluice/Sim/Loader.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Sim/RtlEngine.h"
#include "sluice/Support/Pcap.h"

using namespace sluice;
using namespace sluice::sim;
using Clock = std::chrono::steady_clock;

namespace {
double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
std::string firstLine(llvm::Error e) {
  std::string s = llvm::toString(std::move(e));
  return s.substr(0, s.find('\n'));
}
} // namespace

int main(int argc, char **argv) {
  std::string manifest = std::string(SLUICE_BENCH_SAMPLES_DIR) + "/samples.json";
  unsigned frames = 20000, repeat = 10000;
  bool asJson = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--manifest" && i + 1 < argc) manifest = argv[++i];
    else if (a == "--frames" && i + 1 < argc) frames = unsigned(std::atoi(argv[++i]));
    else if (a == "--repeat" && i + 1 < argc) repeat = unsigned(std::atoi(argv[++i]));
    else if (a == "--json") asJson = true;
    else {
      fmt::print(stderr, "usage: bench-rtl [--manifest PATH] [--frames N] [--repeat N] [--json]\n");
      return 2;
    }
  }
  auto samples = loadSampleManifest(manifest);
  if (!samples) {
    fmt::print(stderr, "bench-rtl: {}\n", llvm::toString(samples.takeError()));
    return 2;
  }
  const TargetParams &t = TargetParams::defaults();
  std::string kernelWhy = kernelUnavailableReason();
  nlohmann::json rows = nlohmann::json::array();
  fmt::print("{:<14} {:>7} {:>9} {:>8} {:>11} {:>11} {:>12} {:>9}\n", "sample", "frm/clk",
             "latency", "cyc/s", "sim frm/s", "engine p/s", "kernel p/s", "kern/sim");
  for (const SampleSpec &s : *samples) {
    auto obj = Object::open(s.object);
    if (!obj)
      continue;
    const Program *prog = obj->findProgram(s.program);
    auto pcap = readPcap(s.pcap);
    if (!prog || !pcap || pcap->empty())
      continue;
    auto img = compileProgram(*obj, *prog, t);
    if (!img) {
      std::string why = firstLine(img.takeError());
      fmt::print("{:<14} does not compile: {}\n", s.name, why);
      rows.push_back({{"sample", s.name}, {"refused", why}});
      continue;
    }
    // Frames per clock and simulation speed.
    Device dev;
    dev.write(regs::CTRL, regs::CTRL_DROPS_TO_HOST);
    if (auto n = loadStageImage(dev, *img, t); !n) {
      fmt::print("{:<14} load failed: {}\n", s.name, firstLine(n.takeError()));
      continue;
    }
    std::vector<Bytes> f64;
    for (const PcapPacket &p : *pcap) {
      Bytes b = p.data;
      b.resize(64, 0);
      f64.push_back(b);
    }
    for (unsigned i = 0; i < frames; ++i)
      dev.push(i % 2, f64[i % f64.size()]);
    auto w0 = Clock::now();
    uint64_t c0 = dev.cycle();
    if (!dev.runUntilIdle(100'000'000)) {
      fmt::print("{:<14} did not drain\n", s.name);
      continue;
    }
    double wall = secondsSince(w0);
    uint64_t cycles = dev.cycle() - c0;
    std::vector<uint64_t> firsts;
    for (unsigned p = 0; p < 2; ++p)
      for (auto &a : dev.accepted(p))
        firsts.push_back(a.firstBeatCycle);
    std::sort(firsts.begin(), firsts.end());
    size_t warm = firsts.size() / 10;  // steady state: skip the first 10%
    double perClock = double(firsts.size() - 1 - warm) / double(firsts.back() - firsts[warm]);
    // Latency: one frame alone.
    for (unsigned p = 0; p < 2; ++p)
      dev.accepted(p).clear();
    for (unsigned o = 0; o < kNumOutputs; ++o)
      dev.collected(o).clear();
    dev.push(0, f64[0]);
    dev.runUntilIdle();
    uint64_t latency = 0;
    for (unsigned o = 0; o < kNumOutputs; ++o)
      if (!dev.collected(o).empty())
        latency = dev.collected(o).front().firstBeatCycle - dev.accepted(0).front().firstBeatCycle;
    // The rtl engine, one packet at a time.
    RtlEngine rtl;
    double engineRate = 0;
    if (!rtl.loadImage(*img)) {
      auto e0 = Clock::now();
      unsigned n = 0;
      while (n < 200 || secondsSince(e0) < 0.5) {
        PacketIn in;
        in.data = (*pcap)[n % pcap->size()].data;
        if (in.data.size() < 14)
          in.data.resize(14, 0);
        if (!rtl.run(in))
          break;
        ++n;
      }
      engineRate = n / secondsSince(e0);
    }
    // The kernel on the same program and pcap.
    double kernelRate = 0;
    std::string kernelNote = kernelWhy;
    if (kernelWhy.empty()) {
      KernelEngine k;
      if (auto e = k.load(*obj, *prog)) {
        kernelNote = firstLine(std::move(e));
      } else {
        double ns = 0;
        unsigned n = 0;
        for (const PcapPacket &p : *pcap) {
          if (p.data.size() < 14)
            continue;
          PacketIn in;
          in.data = p.data;
          auto r = k.benchmark(in, repeat);
          if (!r) {
            kernelNote = firstLine(r.takeError());
            break;
          }
          ns += r->kernelNsPerRun;
          ++n;
        }
        if (n && ns > 0)
          kernelRate = 1e9 / (ns / n);
      }
    }
    double simRate = frames / wall;
    fmt::print("{:<14} {:>7.3f} {:>9} {:>8.0f} {:>11.0f} {:>11.0f} {:>12} {:>9}\n", s.name, perClock,
               latency, cycles / wall, simRate, engineRate,
               kernelRate > 0 ? fmt::format("{:.0f}", kernelRate) : "n/a",
               kernelRate > 0 ? fmt::format("{:.0f}x", kernelRate / simRate) : "n/a");
    if (!kernelNote.empty() && kernelRate == 0)
      fmt::print("{:<14} kernel: {}\n", "", kernelNote);
    rows.push_back({{"sample", s.name}, {"frames_per_clock", perClock}, {"latency_cycles", latency},
                    {"cycles_per_second", cycles / wall}, {"sim_frames_per_second", simRate},
                    {"rtl_engine_packets_per_second", engineRate},
                    {"kernel_packets_per_second", kernelRate}, {"kernel_note", kernelNote}});
  }
  if (asJson)
    std::cout << nlohmann::json{{"frames", frames}, {"repeat", repeat}, {"rows", rows}}.dump(2) << "\n";
  return 0;
}
#else
#include <cstdio>
int main() {
  std::fprintf(stderr, "bench-rtl: built without the Verilated NIC (no Verilator): nothing to measure\n");
  return 2;
}
#endif
