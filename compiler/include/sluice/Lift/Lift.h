//===- sluice/Lift/Lift.h - eBPF to LLVM IR, typed by the verifier --------===//
//
// compiler/lift: turns one verified XDP program into an LLVM 19 module whose
// every memory access says which region it touches (address space 0 for the
// stack, 1 for the packet, 2 for map values; the context only through
// @sluice.xdp.* calls), whose map operations and helpers are calls to the
// documented @sluice.* functions, and whose instructions carry the C source
// line (DILocation) and the eBPF instruction index (!sluice.insn). Then the
// optimisation pipeline (Optimize.cpp): SROA/mem2reg, instcombine, GVN,
// simplifycfg, full unroll of bounded loops, inlining of bpf-to-bpf calls.
// docs/lift.md describes the conventions.
//
// Usage:
//   auto l = lift::liftProgram(obj, *obj.findProgram("xdp_fw"), {.optLevel = 2});
//   l->module->print(llvm::outs(), nullptr);
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

#include "sluice/Object/Object.h"

namespace llvm {
class Instruction;
class LLVMContext;
class Module;
class raw_ostream;
} // namespace llvm

namespace sluice::verify {
struct VerifyResult;
}

namespace sluice::lift {

/// Address spaces of the lifted IR.
enum AddrSpace : unsigned {
  kStackAS = 0,    ///< the 512-byte frames (allocas) and the context handle
  kPacketAS = 1,   ///< packet data and metadata, data_end
  kMapValueAS = 2, ///< map values (lookups, global data)
};

/// Names the later passes rely on (docs/lift.md).
inline constexpr const char *kInsnMetadata = "sluice.insn";  ///< !{i32 eBPF insn index}
inline constexpr const char *kTrapFunction = "sluice.trap";  ///< noreturn: proven unreachable
inline constexpr const char *kIntrinsicPrefix = "sluice.";   ///< every runtime call

/// The eBPF instruction `i` was lifted from (its !sluice.insn), or -1.
int64_t bpfInsnOf(const llvm::Instruction &i);

struct LiftOptions {
  /// 0: the lifted IR as is (registers in allocas); 1 or 2: optimised.
  int optLevel = 2;
  /// Verify the module after lifting and after optimising (a failure is a
  /// lifter bug, reported as an Error).
  bool verifyIR = true;
  /// Lower bpf_xdp_load_bytes / store_bytes / get_buff_len into packet
  /// loads and stores, as the NIC runs them (its copies stay inside the
  /// header window, where the kernel's linear part holds every byte; the
  /// frame's whole length is @sluice.xdp.buff_len). Off: calls of the
  /// helpers, which the `lifted` engine runs over fragments as the kernel.
  bool inlineFrameHelpers = true;
};

struct LiftStats {
  double verifyMs = 0, liftMs = 0, optMs = 0;
  unsigned bpfInsns = 0;
  unsigned irInsnsLifted = 0;   ///< IR instructions before optimisation
  unsigned irInsnsOptimised = 0;
};

/// A lifted program. The module refers to the context, so it is declared after it
/// (and destroyed first).
struct Lifted {
  std::unique_ptr<llvm::LLVMContext> ctx;
  std::unique_ptr<llvm::Module> module;
  std::string entry;  ///< the entry function's name (the program's name)
  /// Loops left after optimisation (acyclic means empty), one line each:
  /// "<C location>: loop at insn N remains (<why>)".
  std::vector<std::string> remainingLoops;
  LiftStats stats;

  Lifted();
  Lifted(Lifted &&);
  Lifted &operator=(Lifted &&);
  ~Lifted();
};

/// Verifies `prog` (kernel rules, without the datapath's hardware limits,
/// which are the later passes' business), lifts it and optimises it. A
/// program the verifier rejects is an Error with its first diagnostic;
/// what the lifter does not handle yet is an Error naming the instruction.
llvm::Expected<Lifted> liftProgram(const Object &obj, const Program &prog,
                                   const LiftOptions &opts = {});

/// Lifts with a verification result the caller already has (it must come
/// from verify() with keepStates, and be accepted by the kernel's rules).
llvm::Expected<Lifted> liftVerified(const Object &obj, const Program &prog,
                                    const verify::VerifyResult &vr, const LiftOptions &opts = {});

/// The pipeline alone, on a lifted module (optLevel 1 or 2). Fills
/// `remainingLoops` with the loops it could not remove.
llvm::Error optimizeModule(llvm::Module &m, int optLevel, const Program &prog,
                           const verify::VerifyResult &vr,
                           std::vector<std::string> &remainingLoops);

/// Number of cycles in the CFG of every defined function (0: acyclic).
unsigned countLoops(const llvm::Module &m);

/// `sluice lift prog.o [--prog NAME] [-O0|-O2] [-o out.ll]`: writes the
/// module (to `outPath`, or `out` when empty), a note per remaining loop to
/// `err`; returns the exit code (0 ok, 1 the program is refused, 2 error).
int liftCommand(const std::string &objPath, const std::string &progName, int optLevel,
                const std::string &outPath, llvm::raw_ostream &out, llvm::raw_ostream &err);

} // namespace sluice::lift
