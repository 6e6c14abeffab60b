//===- sluice/Verify/Verifier.h - Static verifier of XDP bytecode ---------===//
//
// compiler/verify: decides, by abstract interpretation over the linked eBPF
// bytecode of one XDP program, what the Linux kernel's verifier decides for a
// privileged (root) load, and on top of that what the NIC datapath can run.
// It yields, for accepted programs, the abstract state before every
// instruction (Domain.h), which the lifter uses to type memory accesses; for
// rejected programs, diagnostics at the C source line.
//
// Usage:
//   auto r = verify::verify(obj, *obj.findProgram());
//   for (auto &d : r->diags) llvm::errs() << formatDiagnostic(d, prog, obj);
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

#include "sluice/Object/Object.h"
#include "sluice/Verify/Domain.h"

namespace sluice::verify {

/// Knobs of one verification. Hardware limits are plain fields until the
/// datapath parameters have their single source of truth; the defaults are
/// the architecture brief's starting points.
struct VerifyOptions {
  /// Also apply the limits of the NIC datapath (category Hardware).
  bool hardwareLimits = true;
  /// Bytes at the start of each packet that stages can read and write.
  uint32_t headerWindow = 128;
  /// Largest number of loop iterations along one path the compiler will
  /// unroll (every loop is fully unrolled onto the pipeline).
  uint32_t maxLoopTrips = 256;
  /// Instructions the abstract interpreter may process before giving up,
  /// as the kernel's BPF_COMPLEXITY_LIMIT_INSNS.
  uint32_t maxInsnsProcessed = 1000000;
  /// The kernel lets privileged programs read stack bytes they never wrote
  /// (allow_uninit_stack). Set to reject such reads anyway.
  bool rejectUninitStack = false;
  /// Compute the joined per-instruction states (VerifyResult::states).
  bool keepStates = true;
};

enum class Severity : uint8_t { Error, Warning };

enum class Category : uint8_t {
  Malformed, ///< the bytecode is not valid eBPF (opcode, fields, jumps, CFG)
  Kernel,    ///< the Linux verifier rejects it
  Hardware,  ///< the kernel accepts it but the NIC datapath cannot run it
  Limit,     ///< the analysis gave up (too complex), as the kernel does
};

const char *categoryName(Category c);

/// A branch decision on the way to a diagnostic.
struct BranchStep {
  uint32_t insn = 0;
  bool taken = false;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  Category category = Category::Kernel;
  uint32_t insn = 0;      ///< index into Program::insns
  std::string message;    ///< one line, no location
  std::vector<std::string> notes;
  std::vector<BranchStep> path; ///< branch decisions from entry (last ones)
};

struct VerifyStats {
  uint64_t insnsProcessed = 0;  ///< instruction steps over all paths
  uint64_t statesStored = 0;    ///< checkpoints kept for pruning
  uint64_t statesPruned = 0;    ///< paths cut because a stored state covered them
  uint32_t peakFrames = 0;
  uint32_t maxStackDepth = 0;   ///< combined bytes over the deepest call chain
};

struct VerifyResult {
  bool accepted = false;
  /// Accepted by the kernel's rules (true also when only hardware limits fail).
  bool kernelAccepted = false;
  std::vector<Diagnostic> diags;
  /// For accepted programs (and with keepStates): the state before each
  /// instruction, joined over every path; `reached == false` for the second
  /// half of ld_imm64 and for dead code the analysis proved unreachable.
  std::vector<InsnState> states;
  /// Per loop header (instruction index), the largest number of back-edge
  /// traversals seen along one path.
  std::vector<std::pair<uint32_t, uint32_t>> loopTrips;
  VerifyStats stats;
};

/// Verifies `prog` of `obj`. The Error is for misuse only (prog not of obj);
/// everything the program itself gets wrong is a Diagnostic.
llvm::Expected<VerifyResult> verify(const Object &obj, const Program &prog,
                                    const VerifyOptions &opts = {});

/// "fw.bpf.c:42:9: error: <message> [insn 17: r1 = *(u32 *)(r2 + 60)]" and
/// the source line and `note:` lines; without line info the location is
/// "prog.o:xdp+0x88". Ends with a newline.
std::string formatDiagnostic(const Diagnostic &d, const Program &prog, const Object &obj);

/// The whole result as JSON: {"program", "accepted", "diagnostics": [...],
/// "stats"}; each diagnostic with severity, category, insn, location, source,
/// message, notes and path.
std::string resultJson(const VerifyResult &r, const Program &prog, const Object &obj);

} // namespace sluice::verify
