//===- sluice - the command line ------------------------------------------===//
//
// A thin main over libsluice: `dump`, `run` and `diff`. Each subcommand turns
// an llvm::Error into "sluice: error: ..." on stderr and exit code 2; `diff`
// exits 1 when the engines disagree.
//
//===----------------------------------------------------------------------===//
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>

#include "llvm/Support/raw_ostream.h"

#include "sluice/Engine/Run.h"
#include "sluice/Lift/Lift.h"
#include "sluice/Object/Disasm.h"
#include "sluice/Object/Object.h"
#include "sluice/Support/Error.h"
#include "sluice/Verify/Verifier.h"

using namespace sluice;
using json = nlohmann::json;

namespace {

int fail(llvm::Error e) {
  fmt::print(stderr, "sluice: error: {}\n", llvm::toString(std::move(e)));
  return 2;
}

llvm::Expected<const Program *> pickProgram(const Object &obj, const std::string &name) {
  if (const Program *p = obj.findProgram(name))
    return p;
  std::string list;
  for (const Program &p : obj.programs)
    list += fmt::format("{}{} (section {})", list.empty() ? "" : ", ", p.name, p.section);
  if (name.empty())
    return makeError("{}: has {} programs, choose one with --prog: {}", obj.path,
                     obj.programs.size(), list);
  return makeError("{}: no program or section '{}' (it has: {})", obj.path, name, list);
}

std::string mapLine(const MapDef &m) {
  return fmt::format("{:<20} {:<16} key {:>3}  value {:>5}  max_entries {:>7}{}{}", m.name,
                     mapTypeName(m.type), m.key_size, m.value_size, m.max_entries,
                     m.flags ? fmt::format("  flags 0x{:x}", m.flags) : "",
                     m.internal ? fmt::format("  (global data {})", m.section) : "");
}

int cmdDump(const std::string &path, const std::string &progName) {
  auto obj = Object::open(path);
  if (!obj)
    return fail(obj.takeError());
  fmt::print("{}: license \"{}\"\n", obj->path, obj->license);
  fmt::print("maps:\n");
  for (size_t i = 0; i < obj->maps.size(); ++i)
    fmt::print("  [{}] {}\n", i, mapLine(obj->maps[i]));
  for (const Program &p : obj->programs) {
    if (!progName.empty() && p.name != progName && p.section != progName)
      continue;
    fmt::print("\nprogram {} (section {}), {} instructions\n", p.name, p.section,
               p.insns.size());
    std::string lastLoc;
    size_t nextFunc = 0;
    for (uint32_t i = 0; i < p.insns.size(); ++i) {
      if (nextFunc < p.funcs.size() && p.funcs[nextFunc].first == i)
        fmt::print("{}:\n", p.funcs[nextFunc++].second);
      const SourceLoc &loc = p.lines[i];
      std::string fileLine = loc.known() ? fmt::format("{}:{}", loc.file, loc.line) : "";
      if (loc.known() && fileLine != lastLoc) {
        lastLoc = fileLine;
        std::string text = loc.text;
        size_t first = text.find_first_not_of(" \t");
        fmt::print("; {}  {}\n", fileLine, first == std::string::npos ? "" : text.substr(first));
      }
      fmt::print("  {:4}: {}\n", i, disassemble(p, i, &*obj));
      if (p.insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
        ++i;
    }
  }
  return 0;
}

std::string valueText(const Bytes &v) {
  std::string s = hexBytes(v.data(), v.size(), 48);
  if (v.size() == 4 || v.size() == 8) {
    uint64_t x = 0;
    for (size_t i = 0; i < v.size(); ++i)
      x |= uint64_t(v[i]) << (8 * i);
    s += fmt::format("  (= {})", x);
  }
  return s;
}

json runJson(const RunResult &r, const Object &obj, const Program &prog,
             const std::string &pcap) {
  json j;
  j["object"] = obj.path;
  j["program"] = prog.name;
  j["engine"] = r.engine;
  j["pcap"] = pcap;
  j["packets"] = r.packets.size();
  std::map<std::string, uint64_t> counts;
  json pkts = json::array();
  for (size_t i = 0; i < r.packets.size(); ++i) {
    const PacketResult &p = r.packets[i];
    counts[verdictName(p)]++;
    json pj = {{"index", i + 1}, {"verdict", verdictName(p)}, {"in_len", r.input[i].data.size()}};
    if (!p.runt)
      pj["out_len"] = p.out.data.size();
    if (p.out.redirect)
      pj["target"] = verdictFileStem(p);
    pkts.push_back(pj);
  }
  j["verdicts"] = counts;
  j["results"] = pkts;
  json maps = json::array();
  for (const MapDump &m : r.maps) {
    json mj = {{"name", m.name}, {"type", mapTypeName(m.type)}};
    json entries = json::array();
    for (const MapEntry &e : m.entries)
      entries.push_back({{"key", hexBytes(e.key.data(), e.key.size())},
                         {"value", hexBytes(e.value.data(), e.value.size())}});
    mj["entries"] = entries;
    maps.push_back(mj);
  }
  j["maps"] = maps;
  return j;
}

void printSummary(const RunResult &r, const Object &obj, const Program &prog,
                  const std::string &pcap, bool allEntries) {
  fmt::print("sluice run: {} ({}) on engine '{}'\n", obj.path, prog.name, r.engine);
  fmt::print("  input  {}: {} packets\n\n", pcap, r.packets.size());
  std::map<std::string, std::pair<uint64_t, uint64_t>> counts;
  for (size_t i = 0; i < r.packets.size(); ++i) {
    auto &c = counts[verdictFileStem(r.packets[i])];
    c.first++;
    c.second += r.packets[i].runt ? r.input[i].data.size() : r.packets[i].out.data.size();
  }
  fmt::print("  {:<28} {:>8} {:>10}\n", "verdict", "packets", "bytes out");
  for (auto &[stem, c] : counts)
    fmt::print("  {:<28} {:>8} {:>10}\n", stem, c.first, c.second);
  fmt::print("\n  maps after the last packet:\n");
  for (const MapDump &m : r.maps) {
    const MapDef &def = obj.maps[obj.mapIndex(m.name)];
    size_t shown = 0;
    bool isArray = m.type == BPF_MAP_TYPE_ARRAY || m.type == BPF_MAP_TYPE_PERCPU_ARRAY;
    size_t nonzero = 0;
    for (const MapEntry &e : m.entries)
      nonzero += std::any_of(e.value.begin(), e.value.end(), [](uint8_t b) { return b; });
    fmt::print("  {} ({}, {} entries{})\n", m.name, mapTypeName(m.type), m.entries.size(),
               isArray ? fmt::format(", {} non-zero", nonzero) : "");
    for (const MapEntry &e : m.entries) {
      bool zero = std::none_of(e.value.begin(), e.value.end(), [](uint8_t b) { return b; });
      if (isArray && zero && !allEntries)
        continue;
      if (shown++ == 16 && !allEntries) {
        fmt::print("      ... (--all-entries shows the rest)\n");
        break;
      }
      fmt::print("      {} => {}\n", hexBytes(e.key.data(), e.key.size(), 32),
                 valueText(e.value));
    }
    (void)def;
  }
}

/// Exit 0 when every chosen program is accepted, 1 when one is refused.
int cmdVerify(const std::string &path, const std::string &progName, bool asJson) {
  auto obj = Object::open(path);
  if (!obj)
    return fail(obj.takeError());
  std::vector<const Program *> progs;
  if (progName.empty()) {
    for (const Program &p : obj->programs)
      progs.push_back(&p);
  } else {
    auto p = pickProgram(*obj, progName);
    if (!p)
      return fail(p.takeError());
    progs.push_back(*p);
  }
  bool allAccepted = true;
  json results = json::array();
  for (const Program *p : progs) {
    auto r = verify::verify(*obj, *p);
    if (!r)
      return fail(r.takeError());
    allAccepted &= r->accepted;
    if (asJson) {
      results.push_back(json::parse(verify::resultJson(*r, *p, *obj)));
      continue;
    }
    for (const verify::Diagnostic &d : r->diags)
      fmt::print(stderr, "{}", verify::formatDiagnostic(d, *p, *obj));
    if (r->accepted)
      fmt::print("{}: {}: accepted ({} instructions, {} states explored)\n", obj->path, p->name,
                 p->insns.size(), r->stats.insnsProcessed);
    else
      fmt::print("{}: {}: refused{}\n", obj->path, p->name,
                 r->kernelAccepted ? " (the kernel accepts it; the datapath cannot run it)" : "");
  }
  if (asJson)
    std::cout << (results.size() == 1 ? results[0] : results).dump(2) << "\n";
  return allAccepted ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"sluice: run unmodified XDP programs on an FPGA SmartNIC datapath"};
  app.require_subcommand(1);

  std::string object, prog, pcap, mapInit, outDir, engine = "interp", engines = "interp,kernel";
  std::vector<std::string> volatileMaps;
  bool asJson = false, allEntries = false;

  auto *dump = app.add_subcommand("dump", "print the instructions with their C source lines");
  dump->add_option("object", object, "BPF object (clang -target bpf)")->required();
  dump->add_option("--prog", prog, "program (function or section name)");

  auto *ver = app.add_subcommand("verify", "verify a program: the kernel's decision and the "
                                           "datapath's limits, with errors at the C source line");
  ver->add_option("object", object, "BPF object (clang -target bpf)")->required();
  ver->add_option("--prog", prog, "program (function or section name); default: all");
  ver->add_flag("--json", asJson, "print the result as JSON");

  auto *run = app.add_subcommand("run", "run a pcap through one engine");
  run->add_option("object", object, "BPF object (clang -target bpf)")->required();
  run->add_option("--prog", prog, "program (function or section name)");
  run->add_option("--pcap", pcap, "input packets")->required();
  run->add_option("--engine", engine, "interp|kernel|lifted|model")->capture_default_str();
  run->add_option("--map-init", mapInit, "initial map entries (docs/map-init.md)");
  run->add_option("--out", outDir, "write one pcap per verdict into this directory");
  run->add_flag("--json", asJson, "print the summary as JSON");
  run->add_flag("--all-entries", allEntries, "list every map entry, zero ones too");

  auto *diff = app.add_subcommand("diff", "run a pcap through two engines and compare");
  diff->add_option("object", object, "BPF object (clang -target bpf)")->required();
  diff->add_option("--prog", prog, "program (function or section name)");
  diff->add_option("--pcap", pcap, "input packets")->required();
  diff->add_option("--engines", engines, "two engines, comma-separated")->capture_default_str();
  diff->add_option("--map-init", mapInit, "initial map entries (docs/map-init.md)");
  diff->add_option("--volatile-map", volatileMaps,
                   "compare only the keys of this map (its values hold clock readings)");

  std::string outLl;
  int optLevel = 2;
  auto *lift = app.add_subcommand("lift", "print the program as LLVM IR, typed by the verifier "
                                          "(docs/lift.md)");
  lift->add_option("object", object, "BPF object (clang -target bpf)")->required();
  lift->add_option("--prog", prog, "program (function or section name)");
  lift->add_option("-O", optLevel, "0: as lifted, 2: optimised")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  lift->add_option("-o", outLl, "write the IR here (default: stdout)");

  CLI11_PARSE(app, argc, argv);

  if (*dump)
    return cmdDump(object, prog);
  if (*ver)
    return cmdVerify(object, prog, asJson);
  if (*lift)
    return lift::liftCommand(object, prog, optLevel, outLl, llvm::outs(), llvm::errs());

  auto obj = Object::open(object);
  if (!obj)
    return fail(obj.takeError());
  auto p = pickProgram(*obj, prog);
  if (!p)
    return fail(p.takeError());

  if (*run) {
    auto r = runProgram(*obj, **p, {engine, pcap, mapInit});
    if (!r)
      return fail(r.takeError());
    if (!outDir.empty())
      if (auto e = writeVerdictPcaps(*r, outDir))
        return fail(std::move(e));
    if (asJson)
      std::cout << runJson(*r, *obj, **p, pcap).dump(2) << "\n";
    else {
      printSummary(*r, *obj, **p, pcap, allEntries);
      if (!outDir.empty())
        fmt::print("\n  output pcaps in {}/\n", outDir);
    }
    return 0;
  }

  // diff
  auto comma = engines.find(',');
  if (comma == std::string::npos)
    return fail(makeError("--engines wants two engines, e.g. interp,kernel"));
  std::string e1 = engines.substr(0, comma), e2 = engines.substr(comma + 1);
  auto r1 = runProgram(*obj, **p, {e1, pcap, mapInit});
  if (!r1)
    return fail(r1.takeError());
  auto r2 = runProgram(*obj, **p, {e2, pcap, mapInit});
  if (!r2)
    return fail(r2.takeError());
  std::string d = firstDifference(*r1, *r2, {volatileMaps});
  if (!d.empty()) {
    fmt::print("sluice diff: {} ({}), {}: {} vs {} DIFFER\n  {}\n", obj->path, (*p)->name,
               pcap, e1, e2, d);
    return 1;
  }
  size_t entries = 0;
  for (const MapDump &m : r1->maps)
    entries += m.entries.size();
  fmt::print("sluice diff: {} ({}), {}: {} and {} agree on {} packets and {} map entries "
             "in {} maps\n",
             obj->path, (*p)->name, pcap, e1, e2, r1->packets.size(), entries, r1->maps.size());
  return 0;
}
