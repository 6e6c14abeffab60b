//===- ReportTest.cpp - The JSON and HTML reports of a stage image ---------===//
//
// The reports of compiled samples are checked against the image they
// describe: every micro-op exactly once with its text, guard and source line
// as the image records them, statistics that agree with the image and with
// CompileStats, extractor and deparser entries as enabled in the image; the
// HTML page has a column for every used stage, no external assets, and
// escapes what the C source contains.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <iostream>
#include <set>
#include <unistd.h>

#include <fmt/format.h>

#include "sluice/Emit/Report.h"
#include "sluice/Schedule/Compile.h"
#include "../TestSupport.h"

using namespace sluice;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string samplesDir() { return SLUICE_SAMPLES_DIR; }

/// The default datapath with 64 stages and a VLD port every four stages, on
/// which parse_decide fits (tests/unit/Schedule/CompileTest.cpp does the same).
TargetParams bigTarget() {
  auto t = TargetParams::fromJson(sluice::testing::longerDefaultParams(64, 58, 0), "big");
  EXPECT_TRUE(bool(t)) << llvm::toString(t.takeError());
  return *t;
}

struct Compiled {
  Object obj;
  StageImage img;
  CompileStats stats;
};

std::optional<Compiled> compileSample(const std::string &name, const TargetParams &t) {
  auto obj = Object::open(samplesDir() + "/" + name + ".bpf.o");
  if (!obj) {
    ADD_FAILURE() << llvm::toString(obj.takeError());
    return std::nullopt;
  }
  Compiled c{std::move(*obj), {}, {}};
  auto img = compileProgram(c.obj, c.obj.programs[0], t, &c.stats);
  if (!img) {
    ADD_FAILURE() << llvm::toString(img.takeError());
    return std::nullopt;
  }
  c.img = std::move(*img);
  return c;
}

emit::ReportInput inputFor(const Compiled &c, const TargetParams &t) {
  emit::ReportInput in;
  in.image = &c.img;
  in.target = &t;
  in.stats = c.stats;
  in.compileMs = 1.5;
  in.program = &c.obj.programs[0];
  in.object = c.obj.path;
  return in;
}

void checkJsonAgainstImage(const Compiled &c, const TargetParams &t) {
  json j = json::parse(emit::reportJson(inputFor(c, t)));
  const StageImage &img = c.img;
  EXPECT_EQ(j["format"], "sluice-report");
  EXPECT_EQ(j["program"], img.name);
  EXPECT_EQ(j["target"]["hash"], fmt::format("0x{:016x}", t.hash));
  EXPECT_EQ(j["image"]["param_hash"], fmt::format("0x{:016x}", img.paramHash));
  EXPECT_EQ(j["target"]["stages"], t.stages);
  EXPECT_EQ(j["target"]["lanes"], t.lanes);
  EXPECT_TRUE(j["target"]["params"].is_object());
  ASSERT_EQ(j["stages"].size(), img.stages.size());

  // Every non-NOP lane of the image exactly once, as the image says.
  std::set<std::pair<unsigned, unsigned>> seen;
  unsigned uops = 0, lastStage = 0;
  for (const json &st : j["stages"]) {
    unsigned s = st["stage"];
    for (const json &u : st["uops"]) {
      unsigned l = u["lane"];
      EXPECT_TRUE(seen.insert({s, l}).second) << "stage " << s << " lane " << l << " twice";
      ASSERT_LT(s, img.stages.size());
      ASSERT_LT(l, img.stages[s].size());
      isa::Uop w = img.uop(s, l);
      EXPECT_NE(w.op, unsigned(isa::Op::NOP));
      uint32_t hi = l + 1 < img.stages[s].size() ? img.uop(s, l + 1).imm : 0;
      EXPECT_EQ(u["text"], formatUop(w, hi));
      EXPECT_EQ(u["op"], isa::opInfo(w.op)->name);
      EXPECT_EQ(u["guard"], emit::guardText(w.g, w.gn));
      EXPECT_EQ(u["word"], fmt::format("0x{:016x}", img.stages[s][l]));
      const ImageLine *il = nullptr;
      for (const ImageLine &x : img.lines)
        if (x.stage == s && x.lane == l)
          il = &x;
      ASSERT_NE(il, nullptr) << "stage " << s << " lane " << l << " has no line in the image";
      EXPECT_EQ(u["insn"], il->insn);
      EXPECT_EQ(u["file"], il->file);
      EXPECT_EQ(u["line"], il->line);
      // The text shown is line `line` of the file it says it came from.
      if (u.contains("source_path") && !u["source_path"].get<std::string>().empty()) {
        std::ifstream f(u["source_path"].get<std::string>());
        std::string text;
        for (uint32_t k = 0; k < il->line && std::getline(f, text); ++k)
          ;
        EXPECT_EQ(u["source"], text) << u["source_path"] << ":" << il->line;
      }
      ++uops;
      lastStage = std::max(lastStage, s + 1);
      // a unit op's stages last until its results land (stage-isa.md "Units")
      if (const char *unit = isa::opInfo(w.op)->unit; unit && *unit)
        lastStage = std::max(lastStage, s + t.unitLatencyStages(unit));
    }
  }
  unsigned imageUops = 0;
  for (unsigned s = 0; s < img.stages.size(); ++s)
    for (unsigned l = 0; l < img.stages[s].size(); ++l)
      imageUops += img.uop(s, l).op != unsigned(isa::Op::NOP);
  EXPECT_EQ(uops, imageUops);
  EXPECT_EQ(seen.size(), imageUops);

  const json &st = j["stats"];
  EXPECT_EQ(st["stages_used"], lastStage);
  EXPECT_EQ(st["stages_used"], c.stats.stagesUsed);
  EXPECT_EQ(st["lower_bound"], c.stats.criticalPath);
  EXPECT_LE(st["lower_bound"].get<unsigned>(), st["stages_used"].get<unsigned>());
  EXPECT_EQ(st["uops"], imageUops);
  EXPECT_EQ(st["uops"], c.stats.uops);
  EXPECT_EQ(st["extractor_entries"], c.stats.extractorEntries);
  EXPECT_EQ(st["deparser_entries"], c.stats.deparserEntries);
  EXPECT_EQ(st["slots_used"], c.stats.slotsUsed);
  EXPECT_EQ(st["predicates_used"], c.stats.predicatesUsed);
  EXPECT_NEAR(st["lane_occupancy"].get<double>(), c.stats.laneOccupancy, 1e-12);
  EXPECT_EQ(st["compile_ms"], 1.5);
  EXPECT_EQ(st["compile_function_ms"], c.stats.compileMs);
  EXPECT_DOUBLE_EQ(st["lane_occupancy"].get<double>(),
                   lastStage ? double(imageUops) / (lastStage * t.lanes) : 0.0);
  ASSERT_EQ(st["lane_occupancy_per_stage"].size(), lastStage);
  double sum = 0;
  for (const json &o : st["lane_occupancy_per_stage"])
    sum += o.get<double>();
  EXPECT_NEAR(sum * t.lanes, imageUops, 1e-9);
  EXPECT_LE(st["slots_used"].get<unsigned>(), t.slots);

  // Extractor and deparser entries: the enabled ones, in order.
  std::vector<unsigned> enabled;
  for (unsigned e = 0; e < img.extract.size(); ++e)
    if (isa::decodeExtract(img.extract[e]).en)
      enabled.push_back(e);
  ASSERT_EQ(j["extractor"].size(), enabled.size());
  for (size_t i = 0; i < enabled.size(); ++i) {
    EXPECT_EQ(j["extractor"][i]["entry"], enabled[i]);
    EXPECT_EQ(j["extractor"][i]["slot"], t.extractorSlots[enabled[i]]);
  }
  unsigned deparse = 0;
  for (uint32_t w : img.deparse)
    deparse += isa::decodeDeparse(w).en;
  EXPECT_EQ(j["deparser"].size(), deparse);
  EXPECT_EQ(st["deparser_entries"], deparse);
  unsigned consts = 0;
  for (uint32_t v : img.consts)
    consts += v != 0;
  EXPECT_EQ(j["constants"].size(), consts);

  // Every referenced source line is in "sources", with text (the sample's
  // C file is found, or its BTF line text is used).
  for (const ImageLine &il : img.lines) {
    if (il.file.empty() || !il.line)
      continue;
    ASSERT_TRUE(j["sources"].contains(il.file)) << il.file;
    EXPECT_TRUE(j["sources"][il.file]["lines"].contains(std::to_string(il.line)))
        << il.file << ":" << il.line;
  }
}

void checkHtml(const Compiled &c, const TargetParams &t) {
  std::string h = emit::reportHtml(inputFor(c, t));
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(h.find("</html>"), std::string::npos);
  // Self-contained: no external scripts, styles or images.
  EXPECT_EQ(h.find("http://"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_EQ(h.find(" src="), std::string::npos);
  // Balanced block elements.
  auto count = [&](const std::string &needle) {
    size_t n = 0;
    for (size_t p = h.find(needle); p != std::string::npos; p = h.find(needle, p + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("<div"), count("</div>"));
  EXPECT_EQ(count("<table"), count("</table>"));
  EXPECT_EQ(count("<script>"), 1u);
  EXPECT_EQ(count("</script>"), 1u);
  // A column for every stage of the target, every micro-op's text.
  for (unsigned s = 0; s < t.stages; ++s)
    EXPECT_NE(h.find(fmt::format("id=\"stage-{}\"", s)), std::string::npos) << s;
  for (unsigned s = 0; s < c.img.stages.size(); ++s)
    for (unsigned l = 0; l < c.img.stages[s].size(); ++l) {
      isa::Uop u = c.img.uop(s, l);
      if (u.op == unsigned(isa::Op::NOP))
        continue;
      std::string text = formatUop(u, l + 1 < t.lanes ? c.img.uop(s, l + 1).imm : 0);
      std::string shown;  // as the page escapes it (MAPLK's "->")
      for (char ch : text)
        shown += ch == '>' ? std::string("&gt;") : ch == '<' ? std::string("&lt;")
               : ch == '&' ? std::string("&amp;") : std::string(1, ch);
      EXPECT_NE(h.find(fmt::format("<span class=\"lane\">{}</span> {}", l, shown)),
                std::string::npos)
          << text;
    }
}

TEST(Report, DropAllJsonMatchesTheImage) {
  auto c = compileSample("drop_all", TargetParams::defaults());
  ASSERT_TRUE(c);
  checkJsonAgainstImage(*c, TargetParams::defaults());
  checkHtml(*c, TargetParams::defaults());
}

TEST(Report, PassAllJsonMatchesTheImage) {
  auto c = compileSample("pass_all", TargetParams::defaults());
  ASSERT_TRUE(c);
  checkJsonAgainstImage(*c, TargetParams::defaults());
}

TEST(Report, ParseDecideOnALongerDatapath) {
  TargetParams t = bigTarget();
  auto c = compileSample("parse_decide", t);
  ASSERT_TRUE(c);
  ASSERT_GT(c->stats.stagesUsed, 1u);
  checkJsonAgainstImage(*c, t);
  checkHtml(*c, t);
  // Some micro-op has a guard and a class other than alu: the report is not trivial.
  json j = json::parse(emit::reportJson(inputFor(*c, t)));
  std::set<std::string> classes;
  bool guarded = false;
  for (const json &st : j["stages"])
    for (const json &u : st["uops"]) {
      classes.insert(u["class"].get<std::string>());
      guarded |= !u["guard"].get<std::string>().empty();
    }
  EXPECT_TRUE(guarded);
  EXPECT_GE(j["stats"]["slots_used"].get<unsigned>(), c->stats.extractorEntries);
  EXPECT_GT(j["stats"]["predicates_used"].get<unsigned>(), 0u);
  EXPECT_TRUE(classes.count("cmp") && classes.count("verdict") && classes.count("vread"));
  // Lines of the inlined header (include/xdp_common.h) show the header's text.
  bool header = false;
  for (const json &st : j["stages"])
    for (const json &u : st["uops"])
      header |= u.value("source_path", "").ends_with("xdp_common.h");
  EXPECT_TRUE(header);
}

// Every sample that compiles for the default datapath: its reports agree
// with its image (deparser entries, units and state ops included), and the
// page lists each deparser entry.
TEST(Report, EveryCompiledSample) {
  const TargetParams &t = TargetParams::defaults();
  unsigned compiled = 0, withDeparser = 0;
  for (const SampleSpec &s : sluice::testing::samples()) {
    auto obj = Object::open(s.object);
    ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
    const Program *prog = obj->findProgram(s.program);
    ASSERT_NE(prog, nullptr) << s.name;
    Compiled c{std::move(*obj), {}, {}};
    auto img = compileProgram(c.obj, *c.obj.findProgram(s.program), t, &c.stats);
    if (!img) {
      llvm::consumeError(img.takeError());
      continue;
    }
    c.img = std::move(*img);
    SCOPED_TRACE(s.name);
    ++compiled;
    checkJsonAgainstImage(c, t);
    checkHtml(c, t);
    unsigned dp = 0;
    for (uint32_t w : c.img.deparse)
      dp += isa::decodeDeparse(w).en;
    withDeparser += dp > 0;
    std::string h = emit::reportHtml(inputFor(c, t));
    size_t n = 0;
    for (size_t p = h.find("class=\"entry deparse\""); p != std::string::npos;
         p = h.find("class=\"entry deparse\"", p + 1))
      ++n;
    EXPECT_EQ(n, dp);
  }
  std::cout << compiled << " samples compiled, " << withDeparser << " with deparser entries\n";
  EXPECT_GE(compiled, 2u);
}

/// A hand-made image whose one micro-op comes from a C line with '<', '&'
/// and quotes: the page escapes them, the JSON keeps them as they are.
TEST(Report, SourceTextIsEscapedInHtml) {
  const TargetParams &t = TargetParams::defaults();
  fs::path dir = fs::temp_directory_path() / fmt::format("sluice-report-{}", ::getpid());
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "esc.bpf.c");
    f << "int x;\n"
         "  if (a < b && c > d) return \"<script>\";\n"
         "int y;\n";
  }
  StageImage img = StageImage::empty(t);
  img.name = "esc";
  isa::Uop u;
  u.op = unsigned(isa::Op::SETV);
  u.bi = 1;
  u.imm = 1;
  img.setUop(0, 0, u);
  img.lines.push_back({0, 0, 7, "esc.bpf.c", 2});
  emit::ReportInput in;
  in.image = &img;
  in.target = &t;
  in.sourceDirs = {dir.string()};
  std::string h = emit::reportHtml(in);
  EXPECT_NE(h.find("if (a &lt; b &amp;&amp; c &gt; d) return &quot;&lt;script&gt;&quot;;"),
            std::string::npos);
  EXPECT_EQ(h.find("a < b"), std::string::npos);
  EXPECT_EQ(h.find("\"<script>\""), std::string::npos);
  EXPECT_NE(h.find("id=\"stage-0\""), std::string::npos);
  json j = json::parse(emit::reportJson(in));
  EXPECT_EQ(j["stages"][0]["uops"][0]["source"], "  if (a < b && c > d) return \"<script>\";");
  EXPECT_EQ(j["sources"]["esc.bpf.c"]["path"], (dir / "esc.bpf.c").string());
  EXPECT_EQ(j["sources"]["esc.bpf.c"]["lines"].size(), 3u);  // line 2 and its context
  EXPECT_TRUE(j["stats"]["lower_bound"].is_null());
  EXPECT_TRUE(j["stats"]["compile_ms"].is_null());
  EXPECT_TRUE(j["stats"]["compile_function_ms"].is_null());
  EXPECT_EQ(j["stats"]["stages_used"], 1);
  fs::remove_all(dir);
}

TEST(Report, WriteReportWantsJsonOrHtml) {
  const TargetParams &t = TargetParams::defaults();
  StageImage img = StageImage::empty(t);
  emit::ReportInput in;
  in.image = &img;
  in.target = &t;
  auto e = emit::writeReport(in, "/tmp/report.txt");
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find(".json or .html"), std::string::npos);
  fs::path p = fs::temp_directory_path() / fmt::format("sluice-report-{}.json", ::getpid());
  ASSERT_FALSE(bool(emit::writeReport(in, p.string())));
  std::ifstream f(p);
  json j = json::parse(f);
  EXPECT_EQ(j["stats"]["stages_used"], 0);
  EXPECT_EQ(j["stats"]["lane_occupancy"], 0.0);
  fs::remove(p);
}

} // namespace
