//===- Cfg.h - Structural checks and control flow of eBPF bytecode --------===//
//
// Private to compiler/lib/Verify. Before any abstract interpretation, the
// bytecode must decode (valid opcodes, reserved fields zero, whole ld_imm64
// pairs, register numbers), every jump must land inside its own function on
// an instruction boundary, every function must end in exit or goto, and every
// instruction must be reachable, as the kernel's check_cfg requires. The
// same pass finds loop headers (targets of back edges), the points where the
// interpreter tries to prune, and the registers live before each instruction.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sluice/Object/Object.h"

namespace sluice::verify {

struct CfgIssue {
  uint32_t insn;
  std::string message;
};

struct Cfg {
  uint32_t n = 0;
  std::vector<uint8_t> secondHalf;   ///< second slot of an ld_imm64
  std::vector<uint8_t> prunePoint;   ///< jump targets and branch fall-throughs
  std::vector<uint8_t> loopHeader;   ///< target of a back edge
  std::vector<uint16_t> liveIn;      ///< registers read before written, bit r
  /// Registers whose exact scalar value may matter from here on: it may
  /// reach a branch, a pointer offset, a memory access, a helper or callee
  /// argument, or a store. Other scalars are interchangeable when pruning
  /// (a static form of the kernel's precision tracking).
  std::vector<uint16_t> preciseIn;
  std::vector<uint32_t> funcOf;      ///< index into funcStarts
  std::vector<uint32_t> funcStarts;  ///< sorted; [0] == 0
  /// Field-level problems of a valid opcode (reserved fields, register
  /// numbers, div by zero...). The kernel finds these only when its walk
  /// reaches the instruction, so dead code may carry them; the interpreter
  /// reports them on arrival.
  std::vector<std::string> lazyIssue;
};

/// Decodes and checks `prog`; fills `cfg`. Returns the first problem found.
std::optional<CfgIssue> buildCfg(const Program &prog, const Object &obj, Cfg &cfg);

/// Jump target of the jump at `i` (JA, conditional, gotol).
int64_t jumpTarget(const bpf_insn &in, uint32_t i);

} // namespace sluice::verify
