//===- sluice/Object/Disasm.h - eBPF instructions as text -----------------===//
//
// The kernel verifier's syntax ("r1 = *(u32 *)(r2 + 60)", "if r1 > r2 goto
// +3"), used by `sluice dump` and by every diagnostic that quotes an
// instruction.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "sluice/Object/Object.h"

namespace sluice {

/// Instruction `idx` of `prog` as text. ld_imm64 reads insns[idx+1]; map
/// references are shown by name when `obj` is given.
std::string disassemble(const Program &prog, uint32_t idx, const Object *obj = nullptr);

/// The name of helper `id` ("bpf_map_lookup_elem"), or "helper#<id>".
std::string helperName(int32_t id);

} // namespace sluice
