//===- sluice - the command line ------------------------------------------===//
//
// A thin main over libsluice: `dump`, `verify`, `lift`, `build`, `run` and
// `diff`. Each subcommand turns an llvm::Error into "sluice: error: ..." on
// stderr and exit code 2; `diff` exits 1 when the engines disagree.
//
//===----------------------------------------------------------------------===//
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "llvm/Support/raw_ostream.h"

#include "sluice/Emit/Report.h"
#include "sluice/Engine/Run.h"
#include "sluice/Lift/Lift.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Object/Disasm.h"
#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Support/Error.h"
#include "sluice/Verify/Verifier.h"
#ifdef SLUICE_WITH_RTL
#include "sluice/Sim/RtlEngine.h"  // the `rtl` engine (sim/, linked when Verilator is there)
#endif

using namespace sluice;
using json = nlohmann::json;

namespace {

int fail(llvm::Error e) {
  std::string msg = llvm::toString(std::move(e));
  // Compiler diagnostics already say where and what ("file:L:C: error: ...").
  if (msg.find(": error: ") != std::string::npos)
    fmt::print(stderr, "{}\n", msg);
  else
    fmt::print(stderr, "sluice: error: {}\n", msg);
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


// ---- sluice build, and stage images for the model engine (issue 4) ----

llvm::Expected<TargetParams> loadTarget(const std::string &file) {
  if (file.empty())
    return TargetParams::defaults();
  return TargetParams::fromFile(file);
}

/// True when `path` starts with the stage image magic (docs/image-format.md).
bool isStageImageFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  return in.read(magic, sizeof magic) && std::string_view(magic, 8) == "SLUICEIM";
}

/// `model` on a chosen datapath that runs a given stage image instead of
/// compiling the object it is handed.
class ModelOnImage final : public Engine {
public:
  ModelOnImage(const TargetParams &t, std::optional<StageImage> img)
      : model_(t), image_(std::move(img)) {}
  std::string_view name() const override { return "model"; }
  llvm::Error load(const Object &obj, const Program &prog) override {
    return image_ ? model_.loadImage(*image_) : model_.load(obj, prog);
  }
  llvm::Expected<PacketOut> run(const PacketIn &pkt) override { return model_.run(pkt); }
  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags) override {
    return model_.mapUpdate(map, key, value, flags);
  }
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map,
                                                 const Bytes &key) override {
    return model_.mapLookup(map, key);
  }
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override {
    return model_.mapDelete(map, key);
  }
  llvm::Expected<std::vector<MapDump>> dumpMaps() override { return model_.dumpMaps(); }

private:
  ModelEngine model_;
  std::optional<StageImage> image_;
};

/// How the model engine is set up: a datapath file and/or an image file.
struct ModelSetup {
  std::string target, image;
};

/// runProgram, except that `model` runs on `m.target` and, given an image,
/// runs it (read with every refusal of readStageImage) instead of compiling.
llvm::Expected<RunResult> runOn(const Object &obj, const Program &prog, const RunOptions &o,
                                const ModelSetup &m) {
  if (o.engine != "model" || (m.image.empty() && m.target.empty()))
    return runProgram(obj, prog, o);
  auto target = loadTarget(m.target);
  if (!target)
    return target.takeError();
  std::optional<StageImage> img;
  if (!m.image.empty()) {
    auto read = readStageImageFile(m.image, *target);
    if (!read)
      return read.takeError();
    img = std::move(*read);
  }
  auto packets = readPcap(o.pcap);
  if (!packets)
    return packets.takeError();
  std::vector<MapInitEntry> init;
  if (!o.mapInit.empty()) {
    auto parsed = parseMapInit(o.mapInit, obj);
    if (!parsed)
      return parsed.takeError();
    init = std::move(*parsed);
  }
  ModelOnImage engine(*target, std::move(img));
  return runPackets(engine, obj, prog, init, *packets, o.nicClock);
}

int cmdBuild(const std::string &path, const std::string &progName, std::string out,
             const std::string &targetFile, const std::string &reportPath,
             const std::vector<std::string> &sourceDirs) {
  auto target = loadTarget(targetFile);
  if (!target)
    return fail(target.takeError());
  auto obj = Object::open(path);
  if (!obj)
    return fail(obj.takeError());
  auto p = pickProgram(*obj, progName);
  if (!p)
    return fail(p.takeError());
  if (!reportPath.empty()) {
    std::string ext = std::filesystem::path(reportPath).extension().string();
    if (ext != ".json" && ext != ".html" && ext != ".htm")
      return fail(makeError("{}: --report wants a .json or .html file", reportPath));
  }
  CompileStats stats;
  auto t0 = std::chrono::steady_clock::now();
  auto img = compileProgram(*obj, **p, *target, &stats);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count();
  if (!img)
    return fail(img.takeError());
  if (out.empty())
    out = std::filesystem::path(path).replace_extension(".slc").string();
  if (auto e = writeStageImageFile(*img, out))
    return fail(std::move(e));
  emit::ImageStats st = emit::imageStats(*img, *target);
  fmt::print("sluice build: {} ({}) -> {}: {} of {} stages (lower bound {}), {} micro-ops "
             "({:.0f}% of the lanes of the used stages), {} of {} extractor entries, {} of {} "
             "deparser entries, {} of {} slots; target '{}' (parameters 0x{:016x}); compiled in "
             "{:.1f} ms\n",
             obj->path, (*p)->name, out, st.stagesUsed, target->stages, stats.criticalPath,
             st.uops, st.occupancy * 100, st.extractorEntries, target->extractorSlots.size(),
             st.deparserEntries, target->deparserEntries, st.slotsUsed, target->slots,
             target->name, target->hash, ms);
  if (!reportPath.empty()) {
    emit::ReportInput in;
    in.image = &*img;
    in.target = &*target;
    in.stats = stats;
    in.compileMs = ms;
    in.program = *p;
    in.object = obj->path;
    in.sourceDirs = sourceDirs;
    if (auto e = emit::writeReport(in, reportPath))
      return fail(std::move(e));
    fmt::print("  report: {}\n", reportPath);
  }
  return 0;
}

// `sluice nic ARGS...` is the driver's command line (bpftool style:
// prog load|show, stats, run): it runs the `sluice-nic` binary that stands
// beside this one, which links DPDK and the simulated NIC (this binary
// links neither).
int execNic(int argc, char **argv) {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path nic = self.parent_path() / "sluice-nic";
  if (ec || !std::filesystem::exists(nic)) {
    fmt::print(stderr,
               "sluice: error: `sluice nic` runs {}, which is not there (it is built with the "
               "simulated NIC: ninja sluice-nic-cli)\n",
               ec ? std::string("sluice-nic beside this binary") : nic.string());
    return 2;
  }
  std::vector<char *> args;
  std::string arg0 = nic.string();
  args.push_back(arg0.data());
  for (int i = 2; i < argc; ++i)
    args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(arg0.c_str(), args.data());
  fmt::print(stderr, "sluice: error: cannot run {}: {}\n", arg0, std::strerror(errno));
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "nic")
    return execNic(argc, argv);
#ifdef SLUICE_WITH_RTL
  sluice::sim::registerRtlEngine();
#endif
  CLI::App app{"sluice: run unmodified XDP programs on an FPGA SmartNIC datapath"};
  app.require_subcommand(1);

  std::string object, prog, pcap, mapInit, outDir, engine = "interp", engines = "interp,kernel";
  std::vector<std::string> volatileMaps;
  bool asJson = false, allEntries = false, nicClock = false;

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
  run->add_flag("--nic-clock", nicClock,
                "packets arrive at their capture timestamps: bpf_ktime_get_ns reads them "
                "(every engine but the kernel; docs/helpers.md)");

  auto *diff = app.add_subcommand("diff", "run a pcap through two engines and compare");
  diff->add_option("object", object, "BPF object (clang -target bpf)")->required();
  diff->add_option("--prog", prog, "program (function or section name)");
  diff->add_option("--pcap", pcap, "input packets")->required();
  diff->add_option("--engines", engines, "two engines, comma-separated")->capture_default_str();
  diff->add_option("--map-init", mapInit, "initial map entries (docs/map-init.md)");
  diff->add_flag("--nic-clock", nicClock,
                 "packets arrive at their capture timestamps: bpf_ktime_get_ns reads them "
                 "(every engine but the kernel; docs/helpers.md)");
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

  std::string outImage, targetFile, reportPath, imageFile;
  std::vector<std::string> sourceDirs;
  app.add_subcommand("nic", "the NIC driver on the simulated NIC, bpftool style: prog "
                            "load|show, stats, run (see `sluice nic --help`)");
  auto *build = app.add_subcommand("build", "compile a program into a stage image "
                                            "(docs/build-and-report.md)");
  build->add_option("object", object, "BPF object (clang -target bpf)")->required();
  build->add_option("-p,--prog", prog, "program (function or section name)");
  build->add_option("-o", outImage, "the stage image (default: the object's name with .slc)");
  build->add_option("--target", targetFile, "datapath parameters (default: hdl/params/default.json)");
  build->add_option("--report", reportPath, "also write a report: out.json or out.html");
  build->add_option("--source-dir", sourceDirs, "where the report looks for the C sources");
  for (CLI::App *sub : {run, diff}) {
    sub->add_option("--target", targetFile, "model engine: datapath parameters (default: "
                                            "hdl/params/default.json)");
    sub->add_option("--image", imageFile, "model engine: run this stage image (.slc) instead "
                                          "of compiling the object");
  }

  CLI11_PARSE(app, argc, argv);

  if (*dump)
    return cmdDump(object, prog);
  if (*ver)
    return cmdVerify(object, prog, asJson);
  if (*lift)
    return lift::liftCommand(object, prog, optLevel, outLl, llvm::outs(), llvm::errs());
  if (*build)
    return cmdBuild(object, prog, outImage, targetFile, reportPath, sourceDirs);
  // A stage image in place of the object: only the model engine runs it.
  if ((*run || *diff) && isStageImageFile(object)) {
    if (*run && run->get_option("--engine")->count() == 0)
      engine = "model";
    if (*diff || engine != "model")
      return fail(makeError("{} is a stage image: only the model engine runs it (the other "
                            "engines need the object; pass the object and --image {})",
                            object, object));
    if (!mapInit.empty())
      return fail(makeError("--map-init needs the object (the image has no maps)"));
    auto target = loadTarget(targetFile);
    if (!target)
      return fail(target.takeError());
    auto img = readStageImageFile(object, *target);
    if (!img)
      return fail(img.takeError());
    Object imgObj;
    imgObj.path = object;
    Program imgProg;
    imgProg.name = img->name;
    auto r = runOn(imgObj, imgProg, {engine, pcap, ""}, {targetFile, object});
    if (!r)
      return fail(r.takeError());
    if (!outDir.empty())
      if (auto e = writeVerdictPcaps(*r, outDir))
        return fail(std::move(e));
    if (asJson)
      std::cout << runJson(*r, imgObj, imgProg, pcap).dump(2) << "\n";
    else
      printSummary(*r, imgObj, imgProg, pcap, allEntries);
    return 0;
  }

  auto obj = Object::open(object);
  if (!obj)
    return fail(obj.takeError());
  auto p = pickProgram(*obj, prog);
  if (!p)
    return fail(p.takeError());

  if (*run) {
    if (!imageFile.empty() && engine != "model")
      return fail(makeError("--image is for the model engine, not '{}'", engine));
    auto r = runOn(*obj, **p, {engine, pcap, mapInit, nicClock}, {targetFile, imageFile});
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
  if (!imageFile.empty() && e1 != "model" && e2 != "model")
    return fail(makeError("--image is for the model engine, and --engines {} has none", engines));
  auto r1 = runOn(*obj, **p, {e1, pcap, mapInit, nicClock}, {targetFile, imageFile});
  if (!r1)
    return fail(r1.takeError());
  auto r2 = runOn(*obj, **p, {e2, pcap, mapInit, nicClock}, {targetFile, imageFile});
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
