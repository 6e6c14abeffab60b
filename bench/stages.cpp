//===- stages.cpp - What the compiler makes of each sample ---------------===//
//
// For every sample of bpf-samples/samples.json: its instruction count, and
// either the compiled stage image's figures (stages used, the dependence
// lower bound CompileStats::criticalPath, lane occupancy of the used stages,
// context slots, extractor entries) or the compiler's refusal in one short
// cell; plus the compile time (verify + lift -O2 + predicate + schedule +
// emit, the median of N runs of compileProgram) and, for a compiled program,
// the part spent in compileFunction (CompileStats::compileMs); for a
// stateful sample, its maps and where the compiler put their transactions
// (the MAPLK stages of the image's MAPS section). Prints a
// Markdown table (or writes it with --out). Targets from issue 4: stages ==
// lower bound, compile < 100 ms.
//
// Usage: bench-stages [--manifest PATH] [--target FILE.json] [--runs N]
//                     [--only NAME]... [--out FILE.md]
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sluice/Emit/Report.h"
#include "sluice/Engine/Samples.h"
#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"

using namespace sluice;

namespace {

struct Options {
  std::string manifest = SLUICE_BENCH_SAMPLES_DIR "/samples.json";
  std::string target;
  unsigned runs = 11;
  std::vector<std::string> only;
  std::string out;
};

/// The refusal in one short cell: without the program prefix, the critical
/// path list, and at most 100 characters.
std::string shortReason(std::string msg, const std::string &prog) {
  if (msg.rfind(prog + ": ", 0) == 0)
    msg = msg.substr(prog.size() + 2);
  if (auto p = msg.find(": error: "); p != std::string::npos && p < msg.find(' '))
    msg.erase(p, 7);
  if (auto p = msg.find(" (critical path"); p != std::string::npos)
    msg = msg.substr(0, p);
  if (auto p = msg.find('\n'); p != std::string::npos)
    msg = msg.substr(0, p);
  if (msg.size() > 100)
    msg = msg.substr(0, 97) + "...";
  for (char &c : msg)
    if (c == '|')
      c = '/';
  return msg;
}

int usage() {
  std::fprintf(stderr, "usage: bench-stages [--manifest PATH] [--target FILE.json] [--runs N] "
                       "[--only NAME]... [--out FILE.md]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    const char *v = nullptr;
    if (a == "--manifest" && (v = next()))
      o.manifest = v;
    else if (a == "--target" && (v = next()))
      o.target = v;
    else if (a == "--runs" && (v = next()))
      o.runs = std::max(1, std::atoi(v));
    else if (a == "--only" && (v = next()))
      o.only.push_back(v);
    else if (a == "--out" && (v = next()))
      o.out = v;
    else
      return usage();
  }
  auto target = o.target.empty() ? llvm::Expected<TargetParams>(TargetParams::defaults())
                                  : TargetParams::fromFile(o.target);
  if (!target) {
    fmt::print(stderr, "bench-stages: {}\n", llvm::toString(target.takeError()));
    return 2;
  }
  auto samples = loadSampleManifest(o.manifest);
  if (!samples) {
    fmt::print(stderr, "bench-stages: {}\n", llvm::toString(samples.takeError()));
    return 2;
  }

  std::string md = fmt::format(
      "Target `{}` (parameters 0x{:016x}): {} stages x {} lanes, {} slots, {} extractor "
      "entries. Compile time: median of {} runs of `compileProgram` (verify, lift -O2, "
      "compile); of which `compileFunction` (predicate, select, schedule, emit): "
      "CompileStats::compileMs.\n\n",
      target->name, target->hash, target->stages, target->lanes, target->slots,
      target->extractorSlots.size(), o.runs);
  md += "| sample | insns | maps | result | stages | lower bound | = bound | lane occupancy | "
        "slots | extractor | compile ms | of which compileFunction |\n";
  md += "|---|---:|---|---|---:|---:|:---:|---:|---:|---:|---:|---:|\n";
  unsigned compiled = 0, atBound = 0, under100 = 0, total = 0, stateful = 0, statefulCompiled = 0;
  for (const SampleSpec &s : *samples) {
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), s.name) == o.only.end())
      continue;
    ++total;
    auto obj = Object::open(s.object);
    if (!obj) {
      md += fmt::format("| {} | | | {} | | | | | | | | |\n", s.name,
                        shortReason(llvm::toString(obj.takeError()), ""));
      continue;
    }
    const Program *prog = obj->findProgram(s.program);
    if (!prog) {
      md += fmt::format("| {} | | | no program {} | | | | | | | | |\n", s.name, s.program);
      continue;
    }
    unsigned nmaps = 0;
    for (const MapDef &m : obj->maps)
      nmaps += !m.internal || !m.readonly;  // .rodata is folded into constants
    stateful += nmaps > 0;
    std::string maps = nmaps ? std::to_string(nmaps) : "";
    std::vector<double> ms, fnMs;
    std::optional<StageImage> img;
    CompileStats stats;
    std::string refusal;
    for (unsigned r = 0; r < o.runs; ++r) {
      CompileStats st;
      auto t0 = std::chrono::steady_clock::now();
      auto res = compileProgram(*obj, *prog, *target, &st);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                       .count());
      if (!res) {
        refusal = shortReason(llvm::toString(res.takeError()), prog->name);
        continue;
      }
      fnMs.push_back(st.compileMs);
      if (!img) {
        img = std::move(*res);
        stats = st;
      }
    }
    std::sort(ms.begin(), ms.end());
    std::sort(fnMs.begin(), fnMs.end());
    double median = ms[ms.size() / 2];
    under100 += median < 100;
    if (!img) {
      md += fmt::format("| {} | {} | {} | {} | | | | | | | {:.2f} | |\n", s.name,
                        prog->insns.size(), maps, refusal, median);
      continue;
    }
    ++compiled;
    if (nmaps) {
      ++statefulCompiled;
      std::string at;
      for (const ImageMap &m : img->maps)
        if (m.stage >= 0)
          at += fmt::format("{}{} in {}", at.empty() ? "" : ", ", m.name, m.stage);
      maps += at.empty() ? "" : " (" + at + ")";
    }
    emit::ImageStats is = emit::imageStats(*img, *target);
    bool eq = is.stagesUsed == stats.criticalPath;
    atBound += eq;
    md += fmt::format("| {} | {} | {} | compiled | {} | {} | {} | {:.0f}% | {} | {} | {:.2f} | "
                      "{:.2f} |\n",
                      s.name, prog->insns.size(), maps, is.stagesUsed, stats.criticalPath,
                      eq ? "yes" : "no", is.occupancy * 100, is.slotsUsed, is.extractorEntries,
                      median, fnMs[fnMs.size() / 2]);
    std::fflush(stdout);
  }
  md += fmt::format("\n{} of {} samples compiled ({} of the {} stateful ones); {} of them at the "
                    "lower bound; {} of {} compile (or refuse) in under 100 ms.\n",
                    compiled, total, statefulCompiled, stateful, atBound, under100, total);
  if (o.out.empty()) {
    fmt::print("{}", md);
  } else {
    std::ofstream f(o.out);
    f << md;
    if (!f) {
      fmt::print(stderr, "bench-stages: cannot write {}\n", o.out);
      return 2;
    }
  }
  return 0;
}
