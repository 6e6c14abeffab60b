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
}

namespace sluice {

struct CompileStats {
  unsigned stagesUsed = 0;  ///< 1 + the last stage holding a micro-op
  unsigned uops = 0;        ///< micro-ops placed (moves included)
  unsigned moves = 0;       ///< MOVs inserted to bring a value into a read window
  unsigned extractorEntries = 0;
  unsigned criticalPath = 0;  ///< longest dependence chain in stages (lower bound)
};

/// Compiles one lifted, optimised, loop-free function for `target`.
llvm::Expected<StageImage> compileFunction(llvm::Function &f, const TargetParams &target,
                                           CompileStats *stats = nullptr);

/// Lifts `prog` of `obj` at -O2 and compiles it (compileFunction).
llvm::Expected<StageImage> compileProgram(const Object &obj, const Program &prog,
                                          const TargetParams &target,
                                          CompileStats *stats = nullptr);

} // namespace sluice
