//===- sluice/Schedule/Compile.h - XDP program -> stage image ---------------===//
//
// The compiler's back half (docs/schedule.md): the lifted -O2 IR of a program
// is if-converted into one predicated dataflow graph (block predicates as
// predicate bits, phis as SEL trees, every side effect guarded), its
// instructions are selected into stage-ISA micro-ops (constant-offset packet
// loads become extractor entries, variable-offset ones VLDs), the graph is
// list-scheduled into stages (lanes, banks and read windows, VLD ports, one
// writer per target per stage) with slot and predicate allocation by
// liveness, and the result is emitted as a StageImage.
//
// First slice: stateless programs whose values fit 32 bits. What is not
// supported is an Error naming the C source line and the construct.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/Support/Error.h"
#include "sluice/Object/Object.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

namespace llvm {
class Function;
class raw_ostream;
}

namespace sluice {

struct CompileStats {
  unsigned stagesUsed = 0;  ///< 1 + the last stage holding a micro-op
  unsigned uops = 0;        ///< micro-ops placed (moves included)
  unsigned moves = 0;       ///< MOVs inserted to bring a value into a read window
  unsigned extractorEntries = 0;
  unsigned criticalPath = 0;  ///< longest dependence chain in stages (lower bound)
  unsigned deparserEntries = 0;
  unsigned slotsUsed = 0;     ///< distinct context slots ever written or read (consts included)
  unsigned predicatesUsed = 0;///< distinct predicate bits written
  double laneOccupancy = 0;   ///< micro-ops / (stagesUsed x lanes), 0..1
  double compileMs = 0;       ///< wall time of compileFunction (lowering to verified image)
};

/// Compiles one lifted, optimised, loop-free function for `target`. `maps`
/// are the object's maps (the map indices of the lifted IR); without them a
/// map operation is refused.
llvm::Expected<StageImage> compileFunction(llvm::Function &f, const TargetParams &target,
                                           CompileStats *stats = nullptr,
                                           const std::vector<MapDef> *maps = nullptr);

/// The if-converted, selected micro-op graph before scheduling (dead nodes
/// dropped, VLDs merged), one node per line:
///   `n12 = [!n7] ADD n3, #0x5  ; h=4 ; parse_decide.bpf.c:35`
/// `nK` names a node; a guard is `[nK]` / `[!nK]` (predicate nodes), SEL
/// and PLUT name their predicate nodes; `h` is the node's height (stages to
/// the last side effect). Constants and extractor fields come first. An
/// Error if the function cannot be lowered (the same diagnostic as
/// compileFunction).
llvm::Error printPredicatedGraph(llvm::Function &f, const TargetParams &t, llvm::raw_ostream &os);

/// A stage image as text (formatStageImage with the target its parameters
/// name; the default datapath if the canonical text cannot be parsed).
void printSchedule(const StageImage &img, llvm::raw_ostream &os);

/// Lifts `prog` of `obj` at -O2 and compiles it (compileFunction).
llvm::Expected<StageImage> compileProgram(const Object &obj, const Program &prog,
                                          const TargetParams &target,
                                          CompileStats *stats = nullptr);

} // namespace sluice
