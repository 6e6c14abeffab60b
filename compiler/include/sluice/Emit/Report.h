//===- sluice/Emit/Report.h - What the compiler made of a program ---------===//
//
// `sluice build --report out.json|out.html` (docs/build-and-report.md): a
// stage image described for people and scripts.
//
//  - JSON: the target (parameters and hash), every stage with each lane's
//    micro-op in text form (formatUop), its guard, opcode class, eBPF
//    instruction and C file:line (the image's ImageLine), the extractor and
//    deparser entries, the non-zero constants, the statistics (stages used,
//    the dependence lower bound, lane occupancy per stage and overall, slots
//    used, compile time) and the C source lines the micro-ops came from.
//  - HTML: one self-contained page (inline CSS and script, no external
//    assets) drawing the pipeline, one column per stage, micro-ops coloured
//    by class; hovering or clicking one shows its C line and source text.
//
// Source text: for each file named in the image's lines, the first readable
// path among the file itself, the directories in `sourceDirs`, and the paths
// the object's line info records (Program::lines); if none is readable, the
// line text the object's BTF carries (SourceLoc::text).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

namespace sluice::emit {

/// What a report describes. `image` and `target` are required; the rest
/// adds what the image alone does not record.
struct ReportInput {
  const StageImage *image = nullptr;
  const TargetParams *target = nullptr;
  std::optional<CompileStats> stats;  ///< lower bound, moves (from the compiler)
  std::optional<double> compileMs;    ///< wall clock of compileProgram
  const Program *program = nullptr;   ///< for source paths and BTF line text
  std::string object;                 ///< the object's path (shown; its directory is searched)
  std::vector<std::string> sourceDirs;
  unsigned contextLines = 2;          ///< source lines shown around each referenced line
};

/// Figures derived from the image itself (and CompileStats when given).
struct ImageStats {
  unsigned stagesUsed = 0;       ///< 1 + the last stage with a micro-op, or with a unit result landing
  unsigned uops = 0;             ///< non-NOP lanes (PAIR included)
  unsigned extractorEntries = 0; ///< enabled entries
  unsigned deparserEntries = 0;  ///< enabled entries
  unsigned slotsUsed = 0;        ///< distinct slots written, read, extracted or initialised
  unsigned predicatesUsed = 0;   ///< distinct predicates written (p0 excluded)
  std::vector<unsigned> lanesPerStage;  ///< busy lanes of each target stage
  double occupancy = 0;          ///< uops / (stagesUsed x lanes); 0 for an empty image
};
ImageStats imageStats(const StageImage &img, const TargetParams &target);

/// The C source lines an image refers to: file (as in ImageLine) -> line -> text,
/// with `contextLines` around each, and the path each file was read from.
struct SourceLines {
  std::map<std::string, std::map<uint32_t, std::string>> text;
  std::map<std::string, std::string> resolved;  ///< file -> path read ("" = BTF text only)
  /// file -> referenced line -> the path its text came from ("" = BTF text).
  /// Differs from `resolved` for lines of inlined headers, which the image
  /// attributes to the function's file (the lifter's line info).
  std::map<std::string, std::map<uint32_t, std::string>> origin;
  /// The text of file:line, or "" when unknown.
  std::string lookup(const std::string &file, uint32_t line) const;
};
SourceLines collectSourceLines(const ReportInput &in);

/// The JSON report, pretty-printed (schema in docs/build-and-report.md).
std::string reportJson(const ReportInput &in);
/// The HTML page.
std::string reportHtml(const ReportInput &in);
/// reportJson or reportHtml by the extension of `path` (.json, .html/.htm),
/// written to `path`; another extension is an Error.
llvm::Error writeReport(const ReportInput &in, const std::string &path);

/// The opcode class of a micro-op as the report names it: "alu", "cmp",
/// "pred", "state", "vread", "unit", "pair", "move" (a MOV), "verdict" (SETV).
std::string uopClass(const isa::Uop &u);
/// "p3", "!p3", or "" for the always-true guard.
std::string guardText(unsigned g, unsigned gn);

} // namespace sluice::emit
