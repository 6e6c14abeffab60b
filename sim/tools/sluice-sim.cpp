//===- sluice-sim - The simulated NIC from the command line ----------------===//
//
// Loads a program (a stage image, or a BPF object compiled on the spot)
// through the registers exactly as a driver would, streams a pcap into one or
// both network ports (back to back, or paced), collects every output into
// pcaps (per port, the host queue, and with --capture-drops the packets the
// NIC drops), counts cycles and prints the counters. --trace writes an FST
// waveform for GTKWave. docs/sim.md.
//
//===----------------------------------------------------------------------===//
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Sim/Device.h"
#include "sluice/Sim/Loader.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Support/Pcap.h"
#include "sluice/Target/StageImage.h"

using namespace sluice;
using namespace sluice::sim;

namespace {

int fail(const std::string &msg) {
  fmt::print(stderr, "sluice-sim: error: {}\n", msg);
  return 2;
}

llvm::Expected<StageImage> loadProgram(const std::string &path, const std::string &progName) {
  const TargetParams &t = TargetParams::defaults();
  if (path.size() > 4 && path.substr(path.size() - 4) == ".slc")
    return readStageImageFile(path, t);
  auto obj = Object::open(path);
  if (!obj)
    return obj.takeError();
  const Program *p = progName.empty() ? (obj->programs.size() == 1 ? &obj->programs[0] : nullptr)
                                      : obj->findProgram(progName);
  if (!p)
    return llvm::createStringError("%s: choose a program with --prog", path.c_str());
  return compileProgram(*obj, *p, t);
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"sluice-sim: the Verilated Sluice NIC, driven through its registers"};
  std::string program, prog, pcap, pcap1, outDir, trace;
  std::string ports = "0";
  unsigned gap = 0;
  double stall = 0;
  bool captureDrops = false, quiet = false;
  uint64_t progressEvery = 100000;
  app.add_option("program", program, "stage image (.slc) or BPF object (compiled for the default datapath)")
      ->required();
  app.add_option("--prog", prog, "program of the object (function or section name)");
  app.add_option("--pcap", pcap, "frames to stream in")->required();
  app.add_option("--pcap1", pcap1, "frames for port 1 (with --ports 0,1: port 0 gets --pcap)");
  app.add_option("--ports", ports, "0, 1, 0,1 (--pcap on port 0, --pcap1 on port 1) or split "
                                   "(--pcap alternately on both)")
      ->capture_default_str();
  app.add_option("--gap", gap, "idle cycles between two frames of a port (0: back to back)")
      ->capture_default_str();
  app.add_option("--stall", stall, "probability that an output is not ready in a cycle (0..1)")
      ->capture_default_str();
  app.add_option("--out", outDir, "write port0.pcap, port1.pcap, host.pcap (and dropped.pcap) here");
  app.add_flag("--capture-drops", captureDrops, "send the packets the NIC drops to the host "
                                                "queue (CTRL.DROPS_TO_HOST) and write dropped.pcap");
  app.add_option("--trace", trace, "write an FST waveform (GTKWave)");
  app.add_option("--progress", progressEvery, "a progress line every N cycles (0: none)")
      ->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "only the summary");
  CLI11_PARSE(app, argc, argv);

  auto img = loadProgram(program, prog);
  if (!img)
    return fail(llvm::toString(img.takeError()));
  auto in0 = readPcap(pcap);
  if (!in0)
    return fail(llvm::toString(in0.takeError()));
  std::vector<PcapPacket> in1;
  if (!pcap1.empty()) {
    auto p = readPcap(pcap1);
    if (!p)
      return fail(llvm::toString(p.takeError()));
    in1 = std::move(*p);
  }

  auto wall0 = std::chrono::steady_clock::now();
  Device dev;
  if (!trace.empty()) {
    std::filesystem::path tp(trace);
    if (tp.has_parent_path())
      std::filesystem::create_directories(tp.parent_path());
    dev.traceTo(trace);
  }
  if (auto e = checkDevice(dev, TargetParams::defaults().hash))
    return fail(llvm::toString(std::move(e)));
  dev.write(regs::CTRL, captureDrops ? regs::CTRL_DROPS_TO_HOST : 0);
  uint64_t c0 = dev.cycle();
  auto writes = loadStageImage(dev, *img, TargetParams::defaults());
  if (!writes)
    return fail(llvm::toString(writes.takeError()));
  uint64_t loadCycles = dev.cycle() - c0;
  if (!quiet)
    fmt::print("loaded '{}': {} register writes, {} cycles\n", img->name, *writes, loadCycles);
  if (stall > 0)
    for (unsigned o = 0; o < kNumOutputs; ++o)
      dev.setReady(o, [stall, o](uint64_t c) {
        uint64_t x = (c + 1) * 0x9e3779b97f4a7c15ull ^ (uint64_t(o + 1) << 40);
        x ^= x >> 31, x *= 0xbf58476d1ce4e5b9ull, x ^= x >> 27;
        return double(x >> 11) / double(1ull << 53) >= stall;
      });

  // Queue the frames: pacing by cycles between a port's frames.
  uint64_t start = dev.cycle(), next[2] = {start, start};
  uint64_t pushed = 0, bytesIn = 0, beats[2] = {0, 0};
  auto enqueue = [&](unsigned port, const PcapPacket &p) {
    dev.push(port, p.data, gap ? next[port] : 0, pushed++);
    uint64_t nb = (p.data.size() + 63) / 64;
    beats[port] += nb;
    next[port] += nb + gap;
    bytesIn += p.data.size();
  };
  if (ports == "0" || ports == "1") {
    for (const PcapPacket &p : *in0)
      enqueue(ports == "1", p);
  } else if (ports == "split") {
    for (size_t i = 0; i < in0->size(); ++i)
      enqueue(i % 2, (*in0)[i]);
  } else if (ports == "0,1") {
    for (const PcapPacket &p : *in0)
      enqueue(0, p);
    for (const PcapPacket &p : in1)
      enqueue(1, p);
  } else {
    return fail("--ports wants 0, 1, 0,1 or split");
  }

  // Run: tick in slices, print progress.
  uint64_t lastProgress = dev.cycle();
  auto wall1 = std::chrono::steady_clock::now();
  while (dev.pending(0) || dev.pending(1)) {
    dev.tick(256);
    if (progressEvery && !quiet && dev.cycle() - lastProgress >= progressEvery) {
      lastProgress = dev.cycle();
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall1).count();
      size_t out = dev.collected(0).size() + dev.collected(1).size() + dev.collected(2).size();
      fmt::print(stderr, "  cycle {:>10}  {:>8} of {} frames in, {:>8} out, {:.0f} cycles/s\n",
                 dev.cycle() - start, pushed - dev.pending(0) - dev.pending(1), pushed, out,
                 (dev.cycle() - start) / std::max(s, 1e-9));
    }
  }
  uint64_t lastIn = dev.cycle();
  if (!dev.runUntilIdle(10'000'000))
    return fail("the NIC did not drain in 10,000,000 cycles");
  uint64_t end = dev.cycle();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall1).count();

  // Outputs.
  const char *names[kNumOutputs] = {"port0", "port1", "host"};
  uint64_t outFrames[kNumOutputs + 1] = {0, 0, 0, 0};
  std::unique_ptr<PcapWriter> w[kNumOutputs + 1];
  if (!outDir.empty()) {
    std::filesystem::create_directories(outDir);
    for (unsigned o = 0; o <= kNumOutputs; ++o) {
      if (o == kNumOutputs && !captureDrops)
        continue;
      auto pw = PcapWriter::create(outDir + "/" + (o == kNumOutputs ? "dropped" : names[o]) + ".pcap");
      if (!pw)
        return fail(llvm::toString(pw.takeError()));
      w[o] = std::move(*pw);
    }
  }
  for (unsigned o = 0; o < kNumOutputs; ++o)
    for (Frame &f : dev.collected(o)) {
      unsigned slot = (o == kHost && ((f.tuser >> 2) & 1)) ? kNumOutputs : o;
      ++outFrames[slot];
      if (w[slot]) {
        PcapPacket p;
        p.ts_usec = f.firstBeatCycle * 4 / 1000;  // 4 ns per cycle at 250 MHz
        p.orig_len = uint32_t(f.data.size());
        p.data = std::move(f.data);
        w[slot]->write(p);
      }
    }

  fmt::print("sluice-sim: {} frames ({} bytes) into port{} {}, {} cycles ({} to the last beat in)\n",
             pushed, bytesIn, ports.find(',') != std::string::npos || ports == "split" ? "s" : "",
             ports, end - start, lastIn - start);
  uint64_t rx = dev.counter(regs::RX_PKTS_P0) + dev.counter(regs::RX_PKTS_P1);
  fmt::print("  {:.3f} frames per cycle ({} input beats in {} cycles), {:.0f} cycles/s, {:.0f} frames/s "
             "wall clock\n",
             double(pushed) / double(lastIn - start), beats[0] + beats[1], lastIn - start,
             double(end - start) / wall, double(pushed) / wall);
  fmt::print("  out: port0 {}, port1 {}, host {}{}\n", outFrames[0], outFrames[1], outFrames[2],
             captureDrops ? fmt::format(", dropped (captured) {}", outFrames[3]) : "");
  fmt::print("\n  {:<24} {:>12}\n", "counter", "value");
  for (unsigned c = 0; c < regs::kNumCounters; ++c)
    fmt::print("  {:<24} {:>12}\n", regs::kCounterNames[c], dev.counter(c));
  uint64_t accounted = 0;
  for (unsigned c : {regs::VERDICT_ABORTED, regs::VERDICT_DROP, regs::VERDICT_PASS, regs::VERDICT_TX,
                     regs::VERDICT_REDIRECT, regs::VERDICT_OTHER, regs::DROP_RUNT, regs::DROP_OVERSIZE})
    accounted += dev.counter(c);
  fmt::print("\n  balance: {} received = {} by verdict and ingress drops: {}\n", rx, accounted,
             rx == accounted ? "ok" : "MISMATCH");
  if (!outDir.empty())
    fmt::print("  output pcaps in {}/\n", outDir);
  if (!trace.empty())
    fmt::print("  waveform in {}\n", trace);
  (void)wall0;
  return rx == accounted && rx == pushed ? 0 : 1;
}
