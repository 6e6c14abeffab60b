//===- Diagnostic.cpp - Verifier diagnostics as text and JSON -------------===//
//
// The compiler-style rendering of a verifier diagnostic:
//   fw.bpf.c:42:9: error: packet access ... [insn 17: r1 = *(u32 *)(r2 + 60)]
//       if (eth->h_proto == bpf_htons(ETH_P_IP)) {
//   note: reached through: insn 5 (if r3 > r4 goto +3) not taken -> ...
// and the same content as JSON for tools.
//
//===----------------------------------------------------------------------===//
#include "sluice/Verify/Verifier.h"

#include "sluice/Object/Disasm.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sluice::verify {

namespace {

std::string baseName(const std::string &p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string location(const Diagnostic &d, const Program &prog, const Object &obj) {
  if (d.insn < prog.lines.size() && prog.lines[d.insn].known())
    return prog.lines[d.insn].str();
  std::string file = obj.path.empty() ? obj.name + ".o" : baseName(obj.path);
  return fmt::format("{}:{}+{:#x}", file, prog.section.empty() ? prog.name : prog.section,
                     uint64_t(d.insn) * 8);
}

std::string insnText(const Diagnostic &d, const Program &prog, const Object &obj) {
  if (d.insn >= prog.insns.size())
    return "";
  return disassemble(prog, d.insn, &obj);
}

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

} // namespace

std::string formatDiagnostic(const Diagnostic &d, const Program &prog, const Object &obj) {
  std::string out = fmt::format("{}: {}: {}", location(d, prog, obj),
                                d.severity == Severity::Error ? "error" : "warning", d.message);
  if (d.insn < prog.insns.size())
    out += fmt::format(" [insn {}: {}]", d.insn, insnText(d, prog, obj));
  if (d.category == Category::Hardware)
    out += " [sluice-hardware]";
  out += "\n";
  if (d.insn < prog.lines.size() && !trim(prog.lines[d.insn].text).empty())
    out += "    " + trim(prog.lines[d.insn].text) + "\n";
  for (const std::string &n : d.notes)
    out += "note: " + n + "\n";
  return out;
}

std::string resultJson(const VerifyResult &r, const Program &prog, const Object &obj) {
  nlohmann::json j;
  j["program"] = prog.name;
  j["section"] = prog.section;
  j["accepted"] = r.accepted;
  j["kernel_accepted"] = r.kernelAccepted;
  nlohmann::json diags = nlohmann::json::array();
  for (const Diagnostic &d : r.diags) {
    nlohmann::json e;
    e["severity"] = d.severity == Severity::Error ? "error" : "warning";
    e["category"] = categoryName(d.category);
    e["insn"] = d.insn;
    e["location"] = location(d, prog, obj);
    e["instruction"] = insnText(d, prog, obj);
    if (d.insn < prog.lines.size()) {
      const SourceLoc &l = prog.lines[d.insn];
      if (l.known())
        e["source"] = {{"file", l.file}, {"line", l.line}, {"col", l.col}, {"text", trim(l.text)}};
    }
    e["message"] = d.message;
    e["notes"] = d.notes;
    nlohmann::json path = nlohmann::json::array();
    for (const BranchStep &s : d.path)
      path.push_back({{"insn", s.insn}, {"taken", s.taken}});
    e["path"] = path;
    diags.push_back(e);
  }
  j["diagnostics"] = diags;
  j["stats"] = {{"insns_processed", r.stats.insnsProcessed},
                {"states_stored", r.stats.statesStored},
                {"states_pruned", r.stats.statesPruned},
                {"peak_frames", r.stats.peakFrames},
                {"stack_depth", r.stats.maxStackDepth}};
  nlohmann::json loops = nlohmann::json::array();
  for (auto &[h, t] : r.loopTrips)
    loops.push_back({{"header", h}, {"max_trips", t}});
  j["loops"] = loops;
  return j.dump(2);
}

} // namespace sluice::verify
