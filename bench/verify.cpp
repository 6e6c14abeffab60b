//===- verify.cpp - How fast compiler/verify decides ----------------------===//
//
// bench-verify [--diag] [objects...]: for every program of every object (by
// default the samples, <build>/bpf-samples/*.bpf.o next to this binary's
// bin/), the verification time, the instructions processed and the abstract
// states stored per instruction; then a synthetic 4096-instruction program
// (a header parse followed by a long chain of checks and a bounded loop).
// Target: the 4096-instruction program verified in under 1 s.
//
//===----------------------------------------------------------------------===//
#include "sluice/Object/Object.h"
#include "sluice/Verify/Verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

using namespace sluice;
namespace fs = std::filesystem;

namespace {

bpf_insn I(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn in{};
  in.code = code;
  in.dst_reg = dst;
  in.src_reg = src;
  in.off = off;
  in.imm = imm;
  return in;
}

/// A synthetic XDP program of exactly `n` instructions: load data/data_end,
/// check 64 bytes, then blocks of "load a header byte, compare, maybe drop,
/// fold into a running value", a 16-iteration bounded loop, and exit.
Program synthetic(uint32_t n) {
  Program p;
  p.name = "synthetic";
  p.section = "xdp";
  auto &v = p.insns;
  v.push_back(I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0));  // r2 = data
  v.push_back(I(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0));  // r3 = data_end
  v.push_back(I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0)); // r4 = r2
  v.push_back(I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 64));
  v.push_back(I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 0, 0)); // if r4 > r3 goto drop (patched)
  size_t guard = v.size() - 1;
  v.push_back(I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0)); // r6 = 0 (running value)
  // Loop: r7 = 16; do { r6 += r7; r7 -= 1 } while (r7 != 0)
  v.push_back(I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 16));
  v.push_back(I(BPF_ALU64 | BPF_ADD | BPF_X, 6, 7, 0, 0));
  v.push_back(I(BPF_ALU64 | BPF_SUB | BPF_K, 7, 0, 0, 1));
  v.push_back(I(BPF_JMP | BPF_JNE | BPF_K, 7, 0, -3, 0));
  const uint32_t tail = 4; // r0 = 2; exit; drop: r0 = 1; exit
  std::vector<size_t> drops;
  uint32_t k = 0;
  while (v.size() + 5 <= n - tail) {
    int16_t off = int16_t(k % 60);
    v.push_back(I(BPF_LDX | BPF_MEM | BPF_B, 5, 2, off, 0));         // r5 = *(u8 *)(r2 + off)
    v.push_back(I(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 0, int32_t(k % 251))); // if r5 == c goto drop
    drops.push_back(v.size() - 1);
    v.push_back(I(BPF_ALU64 | BPF_LSH | BPF_K, 5, 0, 0, 1));
    v.push_back(I(BPF_ALU64 | BPF_XOR | BPF_X, 6, 5, 0, 0));
    v.push_back(I(BPF_ALU64 | BPF_AND | BPF_K, 6, 0, 0, 0xffff));
    ++k;
  }
  while (v.size() < n - tail)
    v.push_back(I(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1));
  v.push_back(I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2)); // XDP_PASS
  v.push_back(I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  size_t drop = v.size();
  v.push_back(I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1)); // XDP_DROP
  v.push_back(I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  v[guard].off = int16_t(drop - guard - 1);
  for (size_t d : drops)
    v[d].off = int16_t(drop - d - 1);
  p.lines.resize(v.size());
  p.funcs.push_back({0, p.name});
  return p;
}

struct Row {
  std::string name;
  size_t insns;
  double ms;
  bool accepted;
  bool kernelAccepted;
  verify::VerifyStats stats;
};

Row measure(const std::string &name, const Object &obj, const Program &prog, bool diag) {
  verify::VerifyOptions opts;
  auto t0 = std::chrono::steady_clock::now();
  auto r = verify::verify(obj, prog, opts);
  // Repeat fast programs so that the time is not all clock resolution.
  int reps = 1;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (ms < 5) {
    reps = std::max(1, int(50 / std::max(ms, 0.01)));
    reps = std::min(reps, 200);
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i)
      (void)verify::verify(obj, prog, opts);
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
  }
  Row row{name, prog.insns.size(), ms, false, false, {}};
  if (!r) {
    fmt::print(stderr, "{}: {}\n", name, llvm::toString(r.takeError()));
    return row;
  }
  row.accepted = r->accepted;
  row.kernelAccepted = r->kernelAccepted;
  row.stats = r->stats;
  if (diag)
    for (auto &d : r->diags)
      fmt::print("{}", verify::formatDiagnostic(d, prog, obj));
  return row;
}

} // namespace

int main(int argc, char **argv) {
  bool diag = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--diag"))
      diag = true;
    else
      files.push_back(argv[i]);
  }
  if (files.empty()) {
    fs::path dir = fs::path(argv[0]).parent_path().parent_path() / "bpf-samples";
    if (fs::is_directory(dir))
      for (auto &e : fs::directory_iterator(dir))
        if (e.path().string().ends_with(".bpf.o"))
          files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
  }
  std::vector<Row> rows;
  for (const std::string &f : files) {
    auto obj = Object::open(f);
    if (!obj) {
      fmt::print(stderr, "{}: {}\n", f, llvm::toString(obj.takeError()));
      continue;
    }
    for (const Program &p : obj->programs)
      rows.push_back(measure(fmt::format("{}:{}", fs::path(f).filename().string(), p.name), *obj, p, diag));
  }
  Object synth;
  synth.name = "synthetic";
  synth.path = "synthetic.o";
  synth.programs.push_back(synthetic(4096));
  rows.push_back(measure("synthetic-4096", synth, synth.programs[0], diag));

  fmt::print("{:<40} {:>6} {:>10} {:>9} {:>10} {:>9} {:>9} {:>8}\n", "program", "insns",
             "verdict", "ms", "processed", "proc/insn", "states", "st/insn");
  for (const Row &r : rows)
    fmt::print("{:<40} {:>6} {:>10} {:>9.3f} {:>10} {:>9.2f} {:>9} {:>8.2f}\n", r.name, r.insns,
               r.accepted ? "accept" : r.kernelAccepted ? "hw-refused" : "REJECT", r.ms,
               r.stats.insnsProcessed, r.insns ? double(r.stats.insnsProcessed) / r.insns : 0.0,
               r.stats.statesStored, r.insns ? double(r.stats.statesStored) / r.insns : 0.0);
  return 0;
}
