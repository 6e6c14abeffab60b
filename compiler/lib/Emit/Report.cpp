//===- Report.cpp - The JSON and HTML reports of a stage image ------------===//
//
// See sluice/Emit/Report.h and docs/build-and-report.md.
//
//===----------------------------------------------------------------------===//
#include "sluice/Emit/Report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sluice/Support/Error.h"

namespace sluice::emit {

using isa::Op;
using isa::OpClass;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

constexpr const char *kMetaNames[] = {"length",       "ingress_ifindex", "rx_queue_index",
                                      "timestamp_lo", "timestamp_hi",    "random",
                                      "frame_length"};
constexpr unsigned kMetaCount = sizeof(kMetaNames) / sizeof(kMetaNames[0]);

bool readsA(const isa::Uop &u) {
  const isa::OpInfo *i = isa::opInfo(u.op);
  if (!i)
    return false;
  switch (i->cls) {
  case OpClass::Alu:
    return Op(u.op) != Op::MOV;
  case OpClass::Cmp:
  case OpClass::Vread:
  case OpClass::Unit:
    return true;
  default:
    return false;
  }
}

bool readsB(const isa::Uop &u) {
  if (u.bi)
    return false;
  const isa::OpInfo *i = isa::opInfo(u.op);
  if (!i)
    return false;
  switch (Op(u.op)) {
  case Op::NEG: case Op::BSWAP16: case Op::BSWAP32: case Op::SEXT8: case Op::SEXT16:
  case Op::SEXT32: case Op::VLD: case Op::PLUT: case Op::NOP: case Op::PAIR:
    return false;
  default:
    return true;
  }
}

bool writesSlot(const isa::Uop &u) {
  const isa::OpInfo *i = isa::opInfo(u.op);
  return i && std::string_view(i->writes).starts_with("slot");
}

bool writesPred(const isa::Uop &u) {
  const isa::OpInfo *i = isa::opInfo(u.op);
  return i && std::string_view(i->writes) == "pred";
}

/// The ImageLine of stage s, lane l, or nullptr.
const ImageLine *lineOf(const StageImage &img, unsigned s, unsigned l) {
  for (const ImageLine &x : img.lines)
    if (x.stage == s && x.lane == l)
      return &x;
  return nullptr;
}

std::string baseName(const std::string &p) { return fs::path(p).filename().string(); }

std::optional<std::vector<std::string>> readLines(const std::string &path) {
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec))
    return std::nullopt;
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l))
    lines.push_back(l);
  return lines;
}

std::string uopText(const StageImage &img, unsigned s, unsigned l) {
  isa::Uop u = img.uop(s, l);
  uint32_t hi = l + 1 < img.stages[s].size() ? img.uop(s, l + 1).imm : 0;
  return formatUop(u, hi);
}

std::string hex64(uint64_t v) { return fmt::format("0x{:016x}", v); }

std::string escapeHtml(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&': o += "&amp;"; break;
    case '<': o += "&lt;"; break;
    case '>': o += "&gt;"; break;
    case '"': o += "&quot;"; break;
    case '\'': o += "&#39;"; break;
    default: o += c;
    }
  }
  return o;
}

} // namespace

std::string guardText(unsigned g, unsigned gn) {
  if (!g && !gn)
    return "";
  return fmt::format("{}p{}", gn ? "!" : "", g);
}

std::string uopClass(const isa::Uop &u) {
  const isa::OpInfo *i = isa::opInfo(u.op);
  if (!i)
    return "unknown";
  if (Op(u.op) == Op::MOV)
    return "move";
  if (Op(u.op) == Op::SETV)
    return "verdict";
  switch (i->cls) {
  case OpClass::Nop: return "nop";
  case OpClass::Alu: return "alu";
  case OpClass::Cmp: return "cmp";
  case OpClass::Pred: return "pred";
  case OpClass::State: return "state";
  case OpClass::Vread: return "vread";
  case OpClass::Unit: return "unit";
  case OpClass::Pair: return "pair";
  }
  return "unknown";
}

ImageStats imageStats(const StageImage &img, const TargetParams &t) {
  ImageStats st;
  std::set<unsigned> slots, preds;
  st.lanesPerStage.assign(img.stages.size(), 0);
  for (unsigned s = 0; s < img.stages.size(); ++s)
    for (unsigned l = 0; l < img.stages[s].size(); ++l) {
      isa::Uop u = img.uop(s, l);
      if (Op(u.op) == Op::NOP)
        continue;
      ++st.uops;
      ++st.lanesPerStage[s];
      st.stagesUsed = std::max(st.stagesUsed, s + 1);
      // a unit op lasts until its results land (stage-isa.md "Units"),
      // whether or not anything reads them
      if (const isa::OpInfo *info = isa::opInfo(u.op); info && info->unit && *info->unit)
        st.stagesUsed = std::max(st.stagesUsed, s + t.unitLatencyStages(info->unit));
      unsigned pairOff = u.w ? t.bankSlots() : 0;
      auto use = [&](unsigned slot) {
        slots.insert(slot);
        if (pairOff)
          slots.insert(slot + pairOff);
      };
      // map ops: keys and values of several slots (the MAPS section's
      // sizes), read words, RMW operand pairs, the found predicate
      if (Op(u.op) == Op::MAPLK || Op(u.op) == Op::MAPUPD || Op(u.op) == Op::MAPDEL ||
          Op(u.op) == Op::MAPATOM) {
        const unsigned bs = t.bankSlots();
        auto words = [](unsigned bytes) { return (bytes + 3) / 4; };
        if (Op(u.op) == Op::MAPATOM) {
          MapRmw r[2] = {decodeMapAtomR0(u), decodeMapAtomR1(u)};
          for (unsigned k = 0; k < 2; ++k)
            if (k == 0 || r[k].en) {  // R0 is always enabled
              slots.insert(r[k].operand);
              if (r[k].wide)
                slots.insert(r[k].operand + bs);
            }
          continue;
        }
        unsigned id = u.imm & 7;
        const ImageMap *m = id < img.maps.size() ? &img.maps[id] : nullptr;
        for (unsigned k = 0; m && k < words(m->keySize); ++k)
          slots.insert(u.a + k);
        if (Op(u.op) == Op::MAPLK) {
          MapLookupOp lk = decodeMapLookup(u);
          for (unsigned k = 0; k < 4; ++k)
            if (lk.readMask >> k & 1)
              slots.insert(lk.dst + (k & 1) * bs + (k >> 1));
          for (unsigned k = 0; m && lk.insertOnMiss && k < words(m->valueSize); ++k)
            slots.insert(lk.insertValue + k);
          if (lk.found)
            preds.insert(lk.found);
        } else {
          slots.insert(u.dst);
          for (unsigned k = 0; m && Op(u.op) == Op::MAPUPD && k < words(m->valueSize); ++k)
            slots.insert(u.b + k);
        }
        continue;
      }
      if (writesSlot(u))
        use(u.dst);
      if (readsA(u))
        use(u.a);
      if (readsB(u))
        use(u.b);
      if (writesPred(u))
        preds.insert(u.p);
      if (Op(u.op) == Op::MAPLK && decodeMapLookup(u).found)
        preds.insert(decodeMapLookup(u).found);  // the found predicate
    }
  for (unsigned e = 0; e < img.extract.size(); ++e)
    if (isa::decodeExtract(img.extract[e]).en) {
      ++st.extractorEntries;
      if (e < t.extractorSlots.size())
        slots.insert(t.extractorSlots[e]);
    }
  for (unsigned e = 0; e < img.deparse.size(); ++e) {
    isa::Deparse d = isa::decodeDeparse(img.deparse[e]);
    if (!d.en)
      continue;
    ++st.deparserEntries;
    unsigned bank0 = (e % t.lanes) * t.bankSlots();
    slots.insert(bank0 + d.src);
    if (d.based)
      slots.insert(bank0 + d.base);
  }
  for (unsigned s = 0; s < img.consts.size(); ++s)
    if (img.consts[s])
      slots.insert(s);
  st.slotsUsed = unsigned(slots.size());
  st.predicatesUsed = unsigned(preds.size());
  if (st.stagesUsed && t.lanes)
    st.occupancy = double(st.uops) / double(st.stagesUsed * t.lanes);
  return st;
}

std::string SourceLines::lookup(const std::string &file, uint32_t line) const {
  auto f = text.find(file);
  if (f == text.end())
    return "";
  auto l = f->second.find(line);
  return l == f->second.end() ? "" : l->second;
}

SourceLines collectSourceLines(const ReportInput &in) {
  SourceLines out;
  const StageImage &img = *in.image;
  const Program *prog = in.program;
  // file (as the image names it) -> line -> the path the object's line info
  // records for that micro-op's instruction ("" if unknown). The image names
  // a file by its base name; the instruction's SourceLoc knows the path, and
  // the right file when a line comes from an inlined header.
  std::map<std::string, std::map<uint32_t, std::string>> wanted;
  std::map<std::pair<std::string, uint32_t>, std::string> btfText;
  for (const ImageLine &l : img.lines) {
    if (l.file.empty() || !l.line)
      continue;
    std::string real;
    if (prog && l.insn >= 0 && size_t(l.insn) < prog->lines.size() &&
        prog->lines[l.insn].line == l.line) {
      real = prog->lines[l.insn].file;
      if (!prog->lines[l.insn].text.empty())
        btfText[{l.file, l.line}] = prog->lines[l.insn].text;
    }
    auto &r = wanted[l.file][l.line];
    if (r.empty())
      r = real;
  }
  // Lines without an instruction: the object's line info for that line
  // number, preferring the file the image names. (The lifter names the
  // function's file for lines of inlined headers, so a line number that
  // only a header has is taken from the header.)
  if (prog)
    for (auto &[file, lines] : wanted)
      for (auto &[l, real] : lines) {
        if (!real.empty())
          continue;
        std::set<std::string> files;
        for (const SourceLoc &loc : prog->lines)
          if (loc.line == l)
            files.insert(loc.file);
        for (const std::string &f : files)
          if (baseName(f) == baseName(file))
            real = f;
        if (real.empty() && files.size() == 1)
          real = *files.begin();
        for (const SourceLoc &loc : prog->lines)
          if (loc.line == l && loc.file == real && !loc.text.empty())
            btfText.emplace(std::make_pair(file, l), loc.text);
      }
  std::string objDir = in.object.empty() ? "" : fs::path(in.object).parent_path().string();
  std::map<std::string, std::optional<std::vector<std::string>>> cache;
  // The first readable candidate for a file name or path: (path, lines).
  auto find = [&](const std::string &name)
      -> std::pair<std::string, const std::vector<std::string> *> {
    std::vector<std::string> candidates{name};
    for (const std::string &d : in.sourceDirs)
      candidates.push_back((fs::path(d) / baseName(name)).string());
    if (!objDir.empty() && fs::path(name).is_relative())
      candidates.push_back((fs::path(objDir) / name).string());
    if (prog) {
      std::set<std::string> seen;
      for (const SourceLoc &loc : prog->lines)
        if (loc.known() && baseName(loc.file) == baseName(name) && seen.insert(loc.file).second) {
          candidates.push_back(loc.file);
          if (!objDir.empty() && fs::path(loc.file).is_relative())
            candidates.push_back((fs::path(objDir) / loc.file).string());
        }
    }
    for (const std::string &c : candidates) {
      auto it = cache.find(c);
      if (it == cache.end())
        it = cache.emplace(c, readLines(c)).first;
      if (it->second)
        return {c, &*it->second};
    }
    return {"", nullptr};
  };
  for (auto &[file, lines] : wanted) {
    auto &dst = out.text[file];
    std::string &resolved = out.resolved[file];
    // Context lines first, then each referenced line (which wins over a
    // neighbour's context from another file).
    std::map<uint32_t, std::string> exact;
    for (auto &[l, real] : lines) {
      auto [path, text] = find(real.empty() ? file : real);
      if (!text) {
        auto b = btfText.find({file, l});
        if (b != btfText.end()) {
          exact[l] = b->second;
          out.origin[file][l] = "";
        }
        continue;
      }
      if (resolved.empty() || (baseName(path) == baseName(file) && baseName(resolved) != baseName(file)))
        resolved = path;
      out.origin[file][l] = path;
      uint32_t lo = l > in.contextLines ? l - in.contextLines : 1;
      for (uint32_t k = lo; k <= l + in.contextLines && k <= text->size(); ++k)
        dst.emplace(k, (*text)[k - 1]);
      if (l <= text->size())
        exact[l] = (*text)[l - 1];
    }
    for (auto &[l, t] : exact)
      dst[l] = t;
  }
  return out;
}

static json buildJson(const ReportInput &in, const SourceLines &src, const ImageStats &st) {
  const StageImage &img = *in.image;
  const TargetParams &t = *in.target;
  json j;
  j["format"] = "sluice-report";
  j["version"] = 1;
  j["program"] = img.name;
  if (!in.object.empty())
    j["object"] = in.object;

  json target;
  target["name"] = t.name;
  target["hash"] = hex64(t.hash);
  target["stages"] = t.stages;
  target["lanes"] = t.lanes;
  target["slots"] = t.slots;
  target["predicates"] = t.predicates;
  target["header_window_bytes"] = t.headerWindowBytes;
  target["extractor_entries"] = t.extractorSlots.size();
  target["deparser_entries"] = t.deparserEntries;
  target["vread"] = {{"lane", t.vreadLane}, {"stages", t.vreadStages}};
  target["params"] = json::parse(t.canonical, nullptr, false);
  j["target"] = target;
  j["image"] = {{"isa_version", img.isaVersion}, {"param_hash", hex64(img.paramHash)}};

  json stages = json::array();
  for (unsigned s = 0; s < img.stages.size(); ++s) {
    json uops = json::array();
    for (unsigned l = 0; l < img.stages[s].size(); ++l) {
      isa::Uop u = img.uop(s, l);
      if (Op(u.op) == Op::NOP)
        continue;
      const isa::OpInfo *info = isa::opInfo(u.op);
      json uj;
      uj["lane"] = l;
      uj["text"] = uopText(img, s, l);
      uj["op"] = info ? std::string(info->name) : fmt::format("op{}", u.op);
      uj["class"] = uopClass(u);
      uj["guard"] = guardText(u.g, u.gn);
      uj["word"] = hex64(img.stages[s][l]);
      if (const ImageLine *il = lineOf(img, s, l)) {
        uj["insn"] = il->insn;
        uj["file"] = il->file;
        uj["line"] = il->line;
        std::string text = src.lookup(il->file, il->line);
        if (!text.empty()) {
          uj["source"] = text;
          auto f = src.origin.find(il->file);
          if (f != src.origin.end() && f->second.count(il->line))
            uj["source_path"] = f->second.at(il->line);
        }
      } else {
        uj["insn"] = -1;
        uj["file"] = "";
        uj["line"] = 0;
      }
      uops.push_back(uj);
    }
    stages.push_back({{"stage", s},
                      {"vread_port", t.hasVread(s, t.vreadLane)},
                      {"occupancy", t.lanes ? double(uops.size()) / t.lanes : 0.0},
                      {"uops", uops}});
  }
  j["stages"] = stages;

  json ex = json::array();
  for (unsigned e = 0; e < img.extract.size(); ++e) {
    isa::Extract x = isa::decodeExtract(img.extract[e]);
    if (!x.en)
      continue;
    json ej = {{"entry", e}, {"slot", e < t.extractorSlots.size() ? t.extractorSlots[e] : 0}};
    if (x.src == 0) {
      unsigned bytes = 1u << x.size;
      ej["source"] = "window";
      ej["offset"] = x.off;
      ej["bytes"] = bytes;
      ej["text"] = fmt::format("window[{}..{}]", x.off, x.off + bytes - 1);
    } else {
      ej["source"] = "meta";
      ej["field"] = x.off < kMetaCount ? kMetaNames[x.off] : "?";
      ej["text"] = x.off < kMetaCount ? kMetaNames[x.off] : "?";
    }
    ex.push_back(ej);
  }
  j["extractor"] = ex;

  json dp = json::array();
  for (unsigned e = 0; e < img.deparse.size(); ++e) {
    isa::Deparse d = isa::decodeDeparse(img.deparse[e]);
    if (!d.en)
      continue;
    unsigned bank0 = (e % t.lanes) * t.bankSlots();
    json dj = {{"entry", e},
               {"guard", guardText(d.g, d.gn)},
               {"offset", int(d.pos) - int(t.headroomBytes)},
               {"bytes", 1u << d.size},
               {"value_slot", bank0 + d.src}};
    if (d.based)
      dj["base_slot"] = bank0 + d.base;
    dp.push_back(dj);
  }
  j["deparser"] = dp;

  json consts = json::array();
  for (unsigned s = 0; s < img.consts.size(); ++s)
    if (img.consts[s])
      consts.push_back({{"slot", s}, {"value", img.consts[s]}});
  j["constants"] = consts;

  json stats;
  stats["stages_used"] = st.stagesUsed;
  stats["target_stages"] = t.stages;
  if (in.stats)
    stats["lower_bound"] = in.stats->criticalPath;
  else
    stats["lower_bound"] = nullptr;
  stats["uops"] = st.uops;
  if (in.stats)
    stats["moves"] = in.stats->moves;
  stats["extractor_entries"] = st.extractorEntries;
  stats["deparser_entries"] = st.deparserEntries;
  stats["slots_used"] = st.slotsUsed;
  stats["slots"] = t.slots;
  stats["predicates_used"] = st.predicatesUsed;
  stats["lane_occupancy"] = st.occupancy;
  json per = json::array();
  for (unsigned s = 0; s < st.stagesUsed; ++s)
    per.push_back(t.lanes ? double(st.lanesPerStage[s]) / t.lanes : 0.0);
  stats["lane_occupancy_per_stage"] = per;
  if (in.compileMs)
    stats["compile_ms"] = *in.compileMs;
  else
    stats["compile_ms"] = nullptr;
  if (in.stats)
    stats["compile_function_ms"] = in.stats->compileMs;
  else
    stats["compile_function_ms"] = nullptr;
  j["stats"] = stats;

  json sources = json::object();
  for (auto &[file, lines] : src.text) {
    json lj = json::object();
    for (auto &[n, text] : lines)
      lj[std::to_string(n)] = text;
    sources[file] = {{"path", src.resolved.count(file) ? src.resolved.at(file) : ""},
                     {"lines", lj}};
  }
  j["sources"] = sources;
  return j;
}

std::string reportJson(const ReportInput &in) {
  SourceLines src = collectSourceLines(in);
  return buildJson(in, src, imageStats(*in.image, *in.target)).dump(2) + "\n";
}

std::string reportHtml(const ReportInput &in) {
  const StageImage &img = *in.image;
  const TargetParams &t = *in.target;
  SourceLines src = collectSourceLines(in);
  ImageStats st = imageStats(img, t);
  std::map<std::string, unsigned> fileId;
  for (auto &[file, lines] : src.text)
    fileId.emplace(file, unsigned(fileId.size()));

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += fmt::format("<title>sluice report: {}</title>\n", escapeHtml(img.name));
  h += R"(<style>
body{font-family:system-ui,sans-serif;margin:1em;color:#222}
h1{font-size:1.3em;margin:0 0 .3em}
.summary{max-width:70em}
.legend span{display:inline-block;padding:1px 6px;margin-right:4px;border-radius:3px;font-size:.85em}
.pipeline{display:flex;gap:4px;overflow-x:auto;padding:6px 0;align-items:flex-start}
.col{flex:0 0 auto;min-width:9em;border:1px solid #bbb;border-radius:4px;background:#fafafa}
.col.unused{min-width:2.5em;opacity:.45}
.col h3{font-size:.8em;margin:0;padding:2px 4px;background:#e4e4e4;border-bottom:1px solid #bbb;white-space:nowrap}
.col.vread h3{background:#f3d2d2}
.uop,.entry{font-family:ui-monospace,monospace;font-size:.75em;margin:2px;padding:2px 3px;border-radius:3px;white-space:nowrap;cursor:pointer;border:1px solid transparent}
.uop.nop{color:#aaa;cursor:default}
.uop.sel,.src.sel{outline:2px solid #d40}
.alu{background:#cfe0f5}.move{background:#e6e6e6}.cmp{background:#fde2b8}.pred{background:#fff0a8}
.verdict{background:#c9efc4}.state{background:#b8e6d8}.vread{background:#f7c6c6}.unit{background:#d9d0f5}
.pair{background:#d5d5d5}.extract{background:#e8f5e0}.deparse{background:#f5e8e0}
.lane{color:#777}
#detail{position:sticky;bottom:0;background:#fffbe8;border:1px solid #cc9;padding:.5em;margin-top:.5em;min-height:3em;font-size:.9em}
#detail pre,.listing{font-family:ui-monospace,monospace;font-size:.8em;margin:.3em 0}
.src{white-space:pre}.src .ln{display:inline-block;width:4em;color:#888;text-align:right;margin-right:1em}
.gap{color:#aaa}
table.stats td{padding:0 1em 0 0}
</style>
</head>
<body>
)";
  h += fmt::format("<h1>{} &mdash; {} stages of {}</h1>\n", escapeHtml(img.name), st.stagesUsed,
                   t.stages);
  std::string lb = in.stats ? fmt::format("{}", in.stats->criticalPath) : "unknown";
  h += "<p class=\"summary\">";
  h += fmt::format("Target <b>{}</b> (parameters 0x{:016x}): {} stages x {} lanes, {} slots, {} "
                   "predicates, {}-byte header window. ",
                   escapeHtml(t.name), t.hash, t.stages, t.lanes, t.slots, t.predicates,
                   t.headerWindowBytes);
  h += fmt::format("The program uses {} stages (dependence lower bound {}), {} micro-ops "
                   "(lane occupancy {:.0f}%), {} of {} slots, {} of {} extractor entries, {} of "
                   "{} deparser entries",
                   st.stagesUsed, lb, st.uops, st.occupancy * 100, st.slotsUsed, t.slots,
                   st.extractorEntries, t.extractorSlots.size(), st.deparserEntries,
                   t.deparserEntries);
  if (in.compileMs)
    h += fmt::format("; compiled in {:.1f} ms", *in.compileMs);
  h += ".</p>\n";
  h += "<div class=\"legend\">";
  for (const char *c : {"alu", "move", "cmp", "pred", "vread", "unit", "verdict", "state", "pair"})
    h += fmt::format("<span class=\"{0}\">{0}</span>", c);
  h += " &nbsp;Hover or click a micro-op for its C source line.</div>\n";

  auto uopDiv = [&](unsigned s, unsigned l) {
    isa::Uop u = img.uop(s, l);
    const ImageLine *il = lineOf(img, s, l);
    std::string text = uopText(img, s, l);
    uint32_t line = il ? il->line : 0;
    std::string title = fmt::format("stage {} lane {}: {}", s, l, text);
    std::string loc, data;
    if (il && line) {
      loc = fmt::format("{}:{}", il->file, line);
      title += fmt::format("\n{} (insn {})", loc, il->insn);
      std::string srcText = src.lookup(il->file, line);
      if (!srcText.empty())
        title += "\n" + srcText;
      auto f = src.origin.find(il->file);
      if (f != src.origin.end() && f->second.count(line) && !f->second.at(line).empty() &&
          baseName(f->second.at(line)) != baseName(il->file))
        title += "\n(text from " + f->second.at(line) + ")";
      if (fileId.count(il->file))
        data = fmt::format(" data-f=\"{}\" data-l=\"{}\"", fileId[il->file], line);
    }
    return fmt::format("<div class=\"uop {}\" title=\"{}\"{} data-loc=\"{}\" data-insn=\"{}\">"
                       "<span class=\"lane\">{}</span> {}</div>\n",
                       uopClass(u), escapeHtml(title), data, escapeHtml(loc), il ? il->insn : -1,
                       l, escapeHtml(text));
  };

  h += "<div class=\"pipeline\">\n";
  // Extractor column.
  h += "<div class=\"col\" id=\"extractor\"><h3>extractor</h3>\n";
  for (unsigned e = 0; e < img.extract.size(); ++e) {
    isa::Extract x = isa::decodeExtract(img.extract[e]);
    if (!x.en)
      continue;
    unsigned slot = e < t.extractorSlots.size() ? t.extractorSlots[e] : 0;
    std::string what = x.src == 0 ? fmt::format("window[{}..{}]", x.off, x.off + (1u << x.size) - 1)
                                  : std::string(x.off < kMetaCount ? kMetaNames[x.off] : "?");
    h += fmt::format("<div class=\"entry extract\">e{}: s{} = {}</div>\n", e, slot, escapeHtml(what));
  }
  h += "</div>\n";
  for (unsigned s = 0; s < img.stages.size(); ++s) {
    bool used = s < st.stagesUsed;
    std::string cls = "col stage";
    if (!used)
      cls += " unused";
    if (t.hasVread(s, t.vreadLane))
      cls += " vread";
    h += fmt::format("<div class=\"{}\" id=\"stage-{}\"><h3>stage {}</h3>\n", cls, s, s);
    if (used)
      for (unsigned l = 0; l < img.stages[s].size(); ++l) {
        isa::Uop u = img.uop(s, l);
        if (Op(u.op) == Op::NOP) {
          h += fmt::format("<div class=\"uop nop\"><span class=\"lane\">{}</span> NOP</div>\n", l);
          continue;
        }
        h += uopDiv(s, l);
      }
    h += "</div>\n";
  }
  h += "<div class=\"col\" id=\"deparser\"><h3>deparser</h3>\n";
  for (unsigned e = 0; e < img.deparse.size(); ++e) {
    isa::Deparse d = isa::decodeDeparse(img.deparse[e]);
    if (!d.en)
      continue;
    unsigned bank0 = (e % t.lanes) * t.bankSlots();
    std::string g = guardText(d.g, d.gn);
    int off = int(d.pos) - int(t.headroomBytes);
    std::string where = d.based ? fmt::format("s{} + {}", bank0 + d.base, off) : fmt::format("{}", off);
    h += fmt::format("<div class=\"entry deparse\">d{}: {}window[{}] ({} B) = s{}</div>\n", e,
                     escapeHtml(g.empty() ? "" : "[" + g + "] "), escapeHtml(where), 1u << d.size,
                     bank0 + d.src);
  }
  h += "</div>\n</div>\n";

  h += "<div id=\"detail\">Click a micro-op to see the C source it came from.</div>\n";

  // Statistics.
  h += "<h2>Statistics</h2>\n<table class=\"stats\">\n";
  auto row = [&](const std::string &k, const std::string &v) {
    h += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", escapeHtml(k), escapeHtml(v));
  };
  row("stages used", fmt::format("{} of {}", st.stagesUsed, t.stages));
  row("dependence lower bound", lb);
  row("micro-ops", fmt::format("{}", st.uops));
  if (in.stats)
    row("moves", fmt::format("{}", in.stats->moves));
  row("lane occupancy", fmt::format("{:.1f}%", st.occupancy * 100));
  std::string per;
  for (unsigned s = 0; s < st.stagesUsed; ++s)
    per += fmt::format("{}{}/{}", s ? " " : "", st.lanesPerStage[s], t.lanes);
  row("busy lanes per stage", per);
  row("slots used", fmt::format("{} of {}", st.slotsUsed, t.slots));
  row("predicates written", fmt::format("{} of {}", st.predicatesUsed, t.predicates));
  row("extractor entries", fmt::format("{} of {}", st.extractorEntries, t.extractorSlots.size()));
  row("deparser entries", fmt::format("{} of {}", st.deparserEntries, t.deparserEntries));
  if (in.compileMs)
    row("compile time", fmt::format("{:.2f} ms (verify, lift -O2, compile)", *in.compileMs));
  if (in.stats)
    row("of which the scheduler", fmt::format("{:.2f} ms (compileFunction)", in.stats->compileMs));
  h += "</table>\n";

  // Constants.
  std::string consts;
  for (unsigned s = 0; s < img.consts.size(); ++s)
    if (img.consts[s])
      consts += fmt::format("s{} = 0x{:x}\n", s, img.consts[s]);
  if (!consts.empty())
    h += "<h2>Constants</h2>\n<pre class=\"listing\">" + escapeHtml(consts) + "</pre>\n";

  // Source listing.
  h += "<h2>Source</h2>\n";
  if (src.text.empty())
    h += "<p>No source lines (the image carries no line information).</p>\n";
  for (auto &[file, lines] : src.text) {
    unsigned id = fileId[file];
    std::string from = src.resolved[file].empty() ? "line text from the object's BTF"
                                                  : "read from " + src.resolved[file];
    h += fmt::format("<h3>{}</h3>\n<p class=\"summary\">{}</p>\n<div class=\"listing\" id=\"file-{}\">\n",
                     escapeHtml(file), escapeHtml(from), id);
    uint32_t prev = 0;
    for (auto &[n, text] : lines) {
      if (prev && n != prev + 1)
        h += "<div class=\"src gap\">   ...</div>\n";
      std::string note;
      auto o = src.origin.find(file);
      if (o != src.origin.end() && o->second.count(n) && !o->second.at(n).empty() &&
          baseName(o->second.at(n)) != baseName(file))
        note = fmt::format("<span class=\"gap\">   ({})</span>", escapeHtml(baseName(o->second.at(n))));
      h += fmt::format("<div class=\"src\" id=\"L{}-{}\"><span class=\"ln\">{}</span>{}{}</div>\n",
                       id, n, n, escapeHtml(text), note);
      prev = n;
    }
    h += "</div>\n";
  }
  h += R"(<script>
(function(){
  var detail=document.getElementById('detail');
  function show(el){
    document.querySelectorAll('.sel').forEach(function(x){x.classList.remove('sel');});
    el.classList.add('sel');
    var f=el.getAttribute('data-f'), l=parseInt(el.getAttribute('data-l')||'0',10);
    var head=document.createElement('div');
    head.textContent=el.textContent+'  \u2014  '+(el.getAttribute('data-loc')||'no source line')+
      '  (eBPF insn '+el.getAttribute('data-insn')+')';
    detail.replaceChildren(head);
    if(f===null) return;
    var pre=document.createElement('pre');
    for(var k=l-2;k<=l+2;k++){
      var s=document.getElementById('L'+f+'-'+k);
      if(!s) continue;
      var c=s.cloneNode(true); c.removeAttribute('id');
      if(k===l){c.classList.add('sel'); s.classList.add('sel');}
      pre.appendChild(c);
    }
    detail.appendChild(pre);
  }
  document.querySelectorAll('.uop').forEach(function(el){
    if(el.classList.contains('nop')) return;
    el.addEventListener('click',function(){show(el);});
  });
})();
</script>
</body>
</html>
)";
  return h;
}

llvm::Error writeReport(const ReportInput &in, const std::string &path) {
  std::string ext = fs::path(path).extension().string();
  std::string text;
  if (ext == ".json")
    text = reportJson(in);
  else if (ext == ".html" || ext == ".htm")
    text = reportHtml(in);
  else
    return makeError("{}: a report is .json or .html", path);
  std::ofstream out(path, std::ios::binary);
  if (!out)
    return makeError("{}: cannot write the report", path);
  out << text;
  out.close();
  if (!out)
    return makeError("{}: cannot write the report", path);
  return llvm::Error::success();
}

} // namespace sluice::emit
