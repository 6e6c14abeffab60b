//===- throughput.cpp - Packets per second: kernel vs interp, per sample --===//
//
// For every sample of bpf-samples/samples.json, measures the time per packet
// of the `kernel` engine (BPF_PROG_TEST_RUN with repeat = N, the kernel's own
// average) and of the `interp` engine (the sample's pcap run R times through
// Engine::run, wall clock), side by side in one process pinned to CPU 0, and
// prints a markdown table (or JSON with --json).
//
// What the two numbers mean:
//  - kernel: for each packet of the pcap, one BPF_PROG_TEST_RUN with
//    repeat = N; the kernel times the N runs and reports the average. The
//    kernel does not reset the packet between repetitions, so a program that
//    rewrites or trims the packet (decapsulation, TTL, address swaps) or
//    whose verdict depends on counters (rate limits) runs its later
//    repetitions on what the earlier ones left. The `drift` column counts the
//    packets whose last repetition returned another verdict than a single
//    run did: those rows time a different path.
//  - interp: the whole pcap through Engine::run, R rounds, wall clock per
//    packet, including the engine interface (copying the packet in and out).
// Map-init files are applied once per engine before measuring. Frames shorter
// than 14 bytes are skipped (no engine runs them).
//
// Usage: bench-throughput [--manifest PATH] [--repeat N] [--min-time SEC]
//                         [--only NAME]... [--json] [--json-file PATH]
//
//===----------------------------------------------------------------------===//
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sluice/Engine/Engine.h"
#include "sluice/Engine/MapInit.h"
#include "sluice/Engine/Samples.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Object/Object.h"
#include "sluice/Support/Pcap.h"

using namespace sluice;
using json = nlohmann::json;

namespace {

constexpr size_t kMinFrameBytes = 14;

struct Options {
  std::string manifest;
  uint32_t repeat = 10000;
  double minTime = 0.5;  ///< seconds of interp time per sample, at least one round
  std::vector<std::string> only;
  bool json = false;
  std::string jsonFile;
};

using Sample = SampleSpec;

struct Row {
  std::string sample;
  size_t packets = 0;
  std::optional<double> kernelNs;   ///< per packet, the kernel's average
  std::optional<double> kernelWallNs;  ///< per packet, syscall wall clock / repeat
  size_t drift = 0;                 ///< packets whose verdict changed under repeat
  std::optional<double> interpNs;   ///< per packet, wall clock
  uint64_t interpRuns = 0;
  std::string kernelNote, interpNote;
};

void usage() {
  std::fprintf(stderr,
               "usage: bench-throughput [--manifest PATH] [--repeat N] [--min-time SEC]\n"
               "                        [--only NAME]... [--json] [--json-file PATH]\n"
               "  --manifest   samples.json (default: <build>/bpf-samples/samples.json)\n"
               "  --repeat     BPF_PROG_TEST_RUN repetitions per packet (default 10000)\n"
               "  --min-time   seconds of interp runs per sample (default 0.5)\n"
               "  --only       measure this sample only (repeatable)\n"
               "  --json       print JSON instead of the markdown table\n"
               "  --json-file  also write the JSON to PATH\n");
}

std::string defaultManifest() {
  // The bench lives in <build>/bin; the samples are built into
  // <build>/bpf-samples.
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return "bpf-samples/samples.json";
  std::string exe(buf, n);
  std::string bin = exe.substr(0, exe.find_last_of('/'));
  return bin.substr(0, bin.find_last_of('/')) + "/bpf-samples/samples.json";
}

std::string firstLine(llvm::Error err) {
  std::string s = llvm::toString(std::move(err));
  return s.substr(0, s.find('\n'));
}

/// The kernel column: per packet, one run for the reference verdict, then
/// BPF_PROG_TEST_RUN with `repeat`.
void measureKernel(const Object &obj, const Program &prog,
                   const std::vector<MapInitEntry> &init,
                   const std::vector<PcapPacket> &packets, const Options &opt, Row &row) {
  if (!kernelUnavailableReason().empty())
    return;
  KernelEngine k;
  if (auto err = k.load(obj, prog)) {
    row.kernelNote = firstLine(std::move(err));
    return;
  }
  if (auto err = applyMapInit(k, init)) {
    row.kernelNote = firstLine(std::move(err));
    return;
  }
  double sumNs = 0, sumWall = 0;
  size_t n = 0;
  for (const PcapPacket &p : packets) {
    PacketIn in;
    in.data = p.data;
    auto once = k.run(in);
    if (!once) {
      row.kernelNote = firstLine(once.takeError());
      return;
    }
    auto r = k.benchmark(in, opt.repeat);
    if (!r) {
      row.kernelNote = firstLine(r.takeError());
      return;
    }
    if (r->action != once->action)
      ++row.drift;
    sumNs += r->kernelNsPerRun;
    sumWall += r->wallNsPerRun;
    ++n;
  }
  if (n) {
    row.kernelNs = sumNs / n;
    row.kernelWallNs = sumWall / n;
  }
}

/// The interp column: the pcap through Engine::run, rounds until min-time.
void measureInterp(const Object &obj, const Program &prog,
                   const std::vector<MapInitEntry> &init,
                   const std::vector<PcapPacket> &packets, const Options &opt, Row &row) {
  auto made = createEngine("interp");
  if (!made) {
    row.interpNote = firstLine(made.takeError());
    return;
  }
  std::unique_ptr<Engine> e = std::move(*made);
  if (!e) {
    row.interpNote = "interp engine unavailable (createEngine(\"interp\") returned no "
                     "engine: the interpreter is not built yet)";
    return;
  }
  if (auto err = e->load(obj, prog)) {
    row.interpNote = firstLine(std::move(err));
    return;
  }
  if (auto err = applyMapInit(*e, init)) {
    row.interpNote = firstLine(std::move(err));
    return;
  }
  std::vector<PacketIn> ins;
  for (const PcapPacket &p : packets) {
    PacketIn in;
    in.data = p.data;
    ins.push_back(std::move(in));
  }
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  double elapsed = 0;
  uint64_t runs = 0;
  do {
    for (const PacketIn &in : ins) {
      auto out = e->run(in);
      if (!out) {
        row.interpNote = firstLine(out.takeError());
        return;
      }
      ++runs;
    }
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < opt.minTime);
  row.interpRuns = runs;
  row.interpNs = elapsed * 1e9 / double(runs);
}

std::string fmtNs(const std::optional<double> &v) {
  return v ? fmt::format("{:.1f}", *v) : "n/a";
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench-throughput: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--manifest")
      opt.manifest = value();
    else if (a == "--repeat")
      opt.repeat = std::max(1, std::atoi(value().c_str()));
    else if (a == "--min-time")
      opt.minTime = std::atof(value().c_str());
    else if (a == "--only")
      opt.only.push_back(value());
    else if (a == "--json")
      opt.json = true;
    else if (a == "--json-file")
      opt.jsonFile = value();
    else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "bench-throughput: unknown argument '%s'\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (opt.manifest.empty())
    opt.manifest = defaultManifest();

  auto samples = loadSampleManifest(opt.manifest);
  if (!samples) {
    std::fprintf(stderr, "bench-throughput: %s\n", firstLine(samples.takeError()).c_str());
    return 1;
  }

  // The kernel engine pins the thread to CPU 0 while it lives; the interp is
  // measured on the same CPU so that the two columns compare one core.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  bool pinned = sched_setaffinity(0, sizeof(one), &one) == 0;

  std::string kernelWhy = kernelUnavailableReason();
  if (!kernelWhy.empty())
    std::fprintf(stderr, "bench-throughput: kernel engine unavailable: %s\n",
                 kernelWhy.c_str());

  // The interpreter may not be built yet (its factory returns no engine).
  std::string interpWhy;
  {
    auto e = createEngine("interp");
    if (!e)
      interpWhy = firstLine(e.takeError());
    else if (!*e)
      interpWhy = "createEngine(\"interp\") returned no engine: the interpreter is not "
                  "built yet";
  }
  if (!interpWhy.empty())
    std::fprintf(stderr, "bench-throughput: interp engine unavailable: %s\n",
                 interpWhy.c_str());

  std::vector<Row> rows;
  for (const Sample &s : *samples) {
    if (!opt.only.empty() &&
        std::find(opt.only.begin(), opt.only.end(), s.name) == opt.only.end())
      continue;
    Row row;
    row.sample = s.name;
    auto obj = Object::open(s.object);
    if (!obj) {
      row.kernelNote = row.interpNote = firstLine(obj.takeError());
      rows.push_back(row);
      continue;
    }
    const Program *prog = obj->findProgram(s.program);
    auto packets = readPcap(s.pcap);
    std::vector<MapInitEntry> init;
    std::string setupError;
    if (!packets)
      setupError = firstLine(packets.takeError());
    else if (!prog)
      setupError = fmt::format("no program '{}' in {}", s.program, s.object);
    else if (!s.mapInit.empty()) {
      auto parsed = parseMapInit(s.mapInit, *obj);
      if (!parsed)
        setupError = firstLine(parsed.takeError());
      else
        init = std::move(*parsed);
    }
    if (!setupError.empty()) {
      row.kernelNote = row.interpNote = setupError;
      rows.push_back(row);
      continue;
    }
    std::vector<PcapPacket> frames;
    for (PcapPacket &p : *packets)
      if (p.data.size() >= kMinFrameBytes)
        frames.push_back(std::move(p));
    row.packets = frames.size();
    if (frames.empty()) {
      row.kernelNote = row.interpNote = "no packet of 14 bytes or more in " + s.pcap;
      rows.push_back(row);
      continue;
    }
    std::fprintf(stderr, "bench-throughput: %s (%zu packets)...\n", s.name.c_str(),
                 frames.size());
    measureKernel(*obj, *prog, init, frames, opt, row);
    if (interpWhy.empty())
      measureInterp(*obj, *prog, init, frames, opt, row);
    rows.push_back(row);
  }

  struct utsname u {};
  uname(&u);
  json doc;
  doc["kernel_release"] = u.release;
  doc["repeat"] = opt.repeat;
  doc["interp_min_time_s"] = opt.minTime;
  doc["pinned_cpu0"] = pinned;
  doc["kernel_unavailable"] = kernelWhy;
  doc["interp_unavailable"] = interpWhy;
  doc["samples"] = json::array();
  for (const Row &r : rows) {
    json j;
    j["sample"] = r.sample;
    j["packets"] = r.packets;
    j["kernel_ns_per_pkt"] = r.kernelNs ? json(*r.kernelNs) : json(nullptr);
    j["kernel_wall_ns_per_pkt"] = r.kernelWallNs ? json(*r.kernelWallNs) : json(nullptr);
    j["kernel_verdict_drift"] = r.drift;
    j["interp_ns_per_pkt"] = r.interpNs ? json(*r.interpNs) : json(nullptr);
    j["interp_runs"] = r.interpRuns;
    j["kernel_pps"] = r.kernelNs && *r.kernelNs > 0 ? json(1e9 / *r.kernelNs) : json(nullptr);
    j["interp_pps"] = r.interpNs && *r.interpNs > 0 ? json(1e9 / *r.interpNs) : json(nullptr);
    j["ratio_interp_over_kernel"] =
        r.kernelNs && r.interpNs && *r.kernelNs > 0 ? json(*r.interpNs / *r.kernelNs)
                                                   : json(nullptr);
    if (!r.kernelNote.empty())
      j["kernel_note"] = r.kernelNote;
    if (!r.interpNote.empty())
      j["interp_note"] = r.interpNote;
    doc["samples"].push_back(j);
  }
  if (!opt.jsonFile.empty()) {
    std::ofstream out(opt.jsonFile);
    out << doc.dump(2) << "\n";
  }
  if (opt.json) {
    std::printf("%s\n", doc.dump(2).c_str());
    return 0;
  }

  std::printf("Kernel %s, BPF_PROG_TEST_RUN repeat %u; interp wall clock over >= %.2f s; "
              "CPU 0%s.\n\n",
              u.release, opt.repeat, opt.minTime, pinned ? "" : " (pinning failed)");
  std::printf("| sample | pkts | kernel ns/pkt | interp ns/pkt | ratio interp/kernel | drift |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  std::vector<std::string> notes;
  if (!kernelWhy.empty())
    notes.push_back("kernel engine unavailable: " + kernelWhy);
  if (!interpWhy.empty())
    notes.push_back("interp engine unavailable: " + interpWhy);
  for (const Row &r : rows) {
    std::string ratio = r.kernelNs && r.interpNs && *r.kernelNs > 0
                            ? fmt::format("{:.1f}x", *r.interpNs / *r.kernelNs)
                            : "n/a";
    std::printf("| %s | %zu | %s | %s | %s | %zu |\n", r.sample.c_str(), r.packets,
                fmtNs(r.kernelNs).c_str(), fmtNs(r.interpNs).c_str(), ratio.c_str(), r.drift);
    if (!r.kernelNote.empty() && kernelWhy.empty())
      notes.push_back(fmt::format("{} (kernel): {}", r.sample, r.kernelNote));
    if (!r.interpNote.empty() && r.interpNote != r.kernelNote)
      notes.push_back(fmt::format("{} (interp): {}", r.sample, r.interpNote));
  }
  std::printf("\ndrift: packets whose verdict after %u repetitions on the same buffer differs "
              "from a single run (the kernel timed another path for those).\n",
              opt.repeat);
  if (!notes.empty()) {
    std::printf("\nNotes:\n");
    for (const std::string &n : notes)
      std::printf("- %s\n", n.c_str());
  }
  return 0;
}
