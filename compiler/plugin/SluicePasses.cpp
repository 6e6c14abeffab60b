//===- SluicePasses.cpp - sluice-schedule and sluice-predicate for `opt` ---===//
//
// The compiler's back half (sluice/Schedule/Compile.h) as new-pass-manager
// function passes, loadable into opt-19 as a plug-in, on the LLVM IR text
// that `sluice lift` prints:
//
//   opt-19 -load-pass-plugin=build/lib/SluicePasses.so -passes=sluice-schedule
//          -disable-output [-sluice-target=FILE.json] prog.ll
//
//  - sluice-schedule compiles each defined, non-local function
//    (compileFunction) and prints its stage schedule: stage, lane, micro-op
//    and C line, the extractor entries, and a summary; or the diagnostic.
//  - sluice-predicate prints the if-converted, selected micro-op graph
//    before scheduling (printPredicatedGraph); or the diagnostic.
//
// Both print on stdout and leave the IR unchanged. The datapath is the
// built-in default unless -sluice-target names a parameter file.
//
//===----------------------------------------------------------------------===//
#include "llvm/IR/Function.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

#include <optional>

#include "sluice/Emit/Report.h"
#include "sluice/Schedule/Compile.h"

using namespace llvm;

namespace {

cl::opt<std::string> TargetFile("sluice-target",
                                cl::desc("Sluice datapath parameters (JSON) for sluice-predicate "
                                         "and sluice-schedule (default: the built-in default)"),
                                cl::value_desc("file"), cl::init(""));

/// The target, read once; an Error message if the file is unreadable.
Expected<const sluice::TargetParams *> target() {
  static std::optional<sluice::TargetParams> loaded;
  static std::string loadedFrom;
  if (TargetFile.empty())
    return &sluice::TargetParams::defaults();
  if (!loaded || loadedFrom != TargetFile) {
    auto t = sluice::TargetParams::fromFile(TargetFile);
    if (!t)
      return t.takeError();
    loaded = std::move(*t);
    loadedFrom = TargetFile;
  }
  return &*loaded;
}

bool wanted(const Function &f) { return !f.isDeclaration() && !f.hasLocalLinkage(); }

/// "<pass>: <function>: error: <message>", or "<pass>: <function>: <message>"
/// when the message is already "file:line[:col]: error: ...".
void diagnostic(StringRef pass, const Function &f, Error e) {
  std::string msg = toString(std::move(e));
  bool located = msg.find(": error: ") != std::string::npos &&
                 msg.find(": error: ") < msg.find_first_of(" \n");
  outs() << pass << ": " << f.getName() << ": " << (located ? "" : "error: ") << msg << "\n";
}

struct SchedulePass : PassInfoMixin<SchedulePass> {
  PreservedAnalyses run(Function &f, FunctionAnalysisManager &) {
    if (!wanted(f))
      return PreservedAnalyses::all();
    auto t = target();
    if (!t) {
      diagnostic("sluice-schedule", f, t.takeError());
      return PreservedAnalyses::all();
    }
    const sluice::TargetParams &tp = **t;
    sluice::CompileStats st;
    auto img = sluice::compileFunction(f, tp, &st);
    if (!img) {
      diagnostic("sluice-schedule", f, img.takeError());
      return PreservedAnalyses::all();
    }
    sluice::emit::ImageStats is = sluice::emit::imageStats(*img, tp);
    raw_ostream &os = outs();
    os << fmt::format("sluice-schedule: {}: {} of {} stages (lower bound {}), {} micro-ops, "
                      "{} moves, {} extractor entries, {} deparser entries; target '{}'\n",
                      f.getName().str(), is.stagesUsed, tp.stages, st.criticalPath, is.uops,
                      st.moves, is.extractorEntries, is.deparserEntries, tp.name);
    static const char *kMeta[] = {"length", "ingress_ifindex", "rx_queue_index", "timestamp_lo",
                                  "timestamp_hi"};
    for (unsigned e = 0; e < img->extract.size(); ++e) {
      sluice::isa::Extract x = sluice::isa::decodeExtract(img->extract[e]);
      if (!x.en)
        continue;
      unsigned slot = e < tp.extractorSlots.size() ? tp.extractorSlots[e] : 0;
      if (x.src == 0)
        os << fmt::format("  extract e{}: s{} = window[{}..{}]\n", e, slot, x.off,
                          x.off + (1u << x.size) - 1);
      else
        os << fmt::format("  extract e{}: s{} = {}\n", e, slot, x.off < 5 ? kMeta[x.off] : "?");
    }
    for (unsigned s = 0; s < img->stages.size(); ++s)
      for (unsigned l = 0; l < img->stages[s].size(); ++l) {
        sluice::isa::Uop u = img->uop(s, l);
        if (u.op == unsigned(sluice::isa::Op::NOP))
          continue;
        uint32_t hi = l + 1 < img->stages[s].size() ? img->uop(s, l + 1).imm : 0;
        std::string where;
        for (const sluice::ImageLine &il : img->lines)
          if (il.stage == s && il.lane == l && il.line)
            where = fmt::format("{}:{}", il.file, il.line);
        os << fmt::format("  stage {:>2} lane {}: {:<36} ; {}\n", s, l,
                          sluice::formatUop(u, hi), where.empty() ? "-" : where);
      }
    for (unsigned e = 0; e < img->deparse.size(); ++e) {
      sluice::isa::Deparse d = sluice::isa::decodeDeparse(img->deparse[e]);
      if (!d.en)
        continue;
      unsigned bank0 = (e % tp.lanes) * tp.bankSlots();
      os << fmt::format("  deparse d{}: {}window[{}{}] ({} bytes) = s{}\n", e,
                        d.g || d.gn ? fmt::format("[{}] ", sluice::emit::guardText(d.g, d.gn)) : "",
                        d.based ? fmt::format("s{} + ", bank0 + d.base) : "",
                        int(d.pos) - int(tp.headroomBytes), 1u << d.size, bank0 + d.src);
    }
    return PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }
};

struct PredicatePass : PassInfoMixin<PredicatePass> {
  PreservedAnalyses run(Function &f, FunctionAnalysisManager &) {
    if (!wanted(f))
      return PreservedAnalyses::all();
    auto t = target();
    if (!t) {
      diagnostic("sluice-predicate", f, t.takeError());
      return PreservedAnalyses::all();
    }
    // Print into a buffer so that a diagnostic is not preceded by half a graph.
    std::string text;
    raw_string_ostream graph(text);
    if (auto e = sluice::printPredicatedGraph(f, **t, graph)) {
      diagnostic("sluice-predicate", f, std::move(e));
      return PreservedAnalyses::all();
    }
    outs() << "sluice-predicate: " << f.getName() << ": target '" << (*t)->name << "'\n"
           << text;
    return PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "SluicePasses", "0.1", [](PassBuilder &pb) {
            pb.registerPipelineParsingCallback(
                [](StringRef name, FunctionPassManager &fpm,
                   ArrayRef<PassBuilder::PipelineElement>) {
                  if (name == "sluice-schedule") {
                    fpm.addPass(SchedulePass());
                    return true;
                  }
                  if (name == "sluice-predicate") {
                    fpm.addPass(PredicatePass());
                    return true;
                  }
                  return false;
                });
          }};
}
