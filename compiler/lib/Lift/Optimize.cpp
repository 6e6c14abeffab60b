//===- Optimize.cpp - The LLVM pipeline after lifting, and loop removal ---===//
//
// The lifted module goes through LLVM's O2 module pipeline (new pass
// manager) with vectorisation off: always-inlining of the bpf-to-bpf
// sub-programs, SROA/mem2reg, instcombine, GVN, simplifycfg, full unrolling of
// loops whose trip count LLVM can compute, DCE. A loop LLVM cannot count is
// then peeled by the verifier's bound: the verifier saw no path traverse a
// loop's back edge more than loopTrips times, so after peeling (bound + 1)
// iterations the rest of the loop is unreachable; its entry becomes a call to
// @sluice.trap (noreturn), which the JIT turns into an engine error should the
// bound ever be wrong. A cleanup pipeline then folds what the peeling
// exposed. What remains cyclic is reported, one line per loop.
//
//===----------------------------------------------------------------------===//
#include "sluice/Lift/Lift.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "llvm/ADT/SCCIterator.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ScalarEvolutionExpressions.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/Scalar/DCE.h"
#include "llvm/Transforms/Scalar/EarlyCSE.h"
#include "llvm/Transforms/Scalar/GVN.h"
#include "llvm/Transforms/Scalar/SCCP.h"
#include "llvm/Transforms/Scalar/SROA.h"
#include "llvm/Transforms/Scalar/SimplifyCFG.h"
#include "llvm/Transforms/InstCombine/InstCombine.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/LCSSA.h"
#include "llvm/Transforms/Utils/LoopPeel.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include "sluice/Object/Object.h"
#include "sluice/Verify/Verifier.h"

namespace sluice::lift {

using namespace llvm;

namespace {

/// The eBPF instruction a block came from (its first !sluice.insn), or -1.
int64_t insnOf(const BasicBlock &bb) {
  for (const Instruction &i : bb)
    if (int64_t n = bpfInsnOf(i); n >= 0)
      return n;
  return -1;
}

std::string whereOf(const BasicBlock &bb, const Program &prog) {
  int64_t i = insnOf(bb);
  if (i >= 0 && size_t(i) < prog.insns.size())
    return fmt::format("{}: loop at insn {}", prog.where(uint32_t(i)), i);
  for (const Instruction &in : bb)
    if (const DebugLoc &dl = in.getDebugLoc(); dl && dl.getLine())
      return fmt::format("line {}: loop", dl.getLine());
  return fmt::format("{}: loop at block {}", prog.name, bb.getName().str());
}

Function *trapFn(Module &m) {
  if (Function *f = m.getFunction("sluice.trap"))
    return f;
  auto *fty = FunctionType::get(Type::getVoidTy(m.getContext()),
                                {Type::getInt32Ty(m.getContext())}, false);
  Function *f = Function::Create(fty, Function::ExternalLinkage, "sluice.trap", m);
  f->addFnAttr(Attribute::NoReturn);
  f->addFnAttr(Attribute::NoUnwind);
  f->setMemoryEffects(MemoryEffects::inaccessibleMemOnly());
  return f;
}

/// The verifier's bound for an LLVM loop: the largest loopTrips among the
/// eBPF loop headers whose basic block the loop contains some instruction
/// of (the eBPF loop itself, a copy of it, or a loop nested in it). A
/// header's own instructions may leave no trace after mem2reg (a register
/// move), hence the whole eBPF block, up to the next jump or jump target.
/// 0 when the loop contains none.
unsigned boundOf(const Loop &l, const std::map<uint32_t, uint32_t> &insnTrips) {
  unsigned kind = l.getHeader()->getContext().getMDKindID("sluice.insn");
  unsigned bound = 0;
  for (BasicBlock *bb : l.blocks())
    for (Instruction &i : *bb)
      if (MDNode *md = i.getMetadata(kind))
        if (auto *c = mdconst::dyn_extract<ConstantInt>(md->getOperand(0))) {
          auto it = insnTrips.find(uint32_t(c->getZExtValue()));
          if (it != insnTrips.end())
            bound = std::max(bound, unsigned(it->second));
        }
  return bound;
}

/// Per instruction of each loop header's eBPF basic block, that header's trips.
std::map<uint32_t, uint32_t> headerBlockTrips(const Program &prog,
                                              const std::vector<std::pair<uint32_t, uint32_t>> &loopTrips) {
  std::set<uint32_t> leaders;
  for (uint32_t i = 0; i < prog.insns.size(); ++i) {
    const bpf_insn &in = prog.insns[i];
    uint8_t cls = BPF_CLASS(in.code), op = BPF_OP(in.code);
    if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL)
      continue;
    leaders.insert(i + 1);
    if (op != BPF_EXIT)
      leaders.insert(uint32_t(int64_t(i) + 1 + (cls == BPF_JMP32 && op == BPF_JA ? in.imm : in.off)));
  }
  std::map<uint32_t, uint32_t> out;
  for (auto &[h, t] : loopTrips)
    for (uint32_t i = h; i < prog.insns.size(); ++i) {
      if (i != h && leaders.count(i))
        break;
      out[i] = std::max(out[i], t);
    }
  return out;
}

/// Peels innermost loops of `f` by their bound + 1 iterations and cuts off
/// the remainder, until no loop with a bound is left. Returns the number
/// of loops cut; `why` says why a loop was left.
unsigned peelByBound(Function &f, const std::map<uint32_t, uint32_t> &trips,
                     FunctionAnalysisManager &fam, FunctionPassManager &cleanup,
                     std::string &why) {
  unsigned cut = 0;
  std::set<BasicBlock *> given_up;
  for (unsigned round = 0; round < 64; ++round) {
    DominatorTree dt(f);
    LoopInfo li(dt);
    Loop *l = nullptr;
    for (Loop *cand : li.getLoopsInPreorder())
      if (cand->getSubLoops().empty() && !given_up.count(cand->getHeader())) {
        l = cand;
        break;
      }
    if (!l)
      return cut;
    AssumptionCache ac(f);
    TargetLibraryInfoImpl tlii;
    TargetLibraryInfo tli(tlii);
    ScalarEvolution se(f, tli, ac, dt, li);
    simplifyLoop(l, &dt, &li, &se, &ac, nullptr, /*PreserveLCSSA=*/false);
    unsigned bound = boundOf(*l, trips);
    if (bound == 0) {
      // No eBPF header the verifier bounds: LLVM's own proven maximum of
      // back edges taken, when it has one (it declined to unroll by it
      // only for size).
      const SCEV *max = se.getConstantMaxBackedgeTakenCount(l);
      if (auto *c = dyn_cast<SCEVConstant>(max))
        if (c->getAPInt().ult(4096))
          bound = unsigned(c->getAPInt().getZExtValue()) + (c->getAPInt().isZero() ? 1 : 0);
    }
    if (bound == 0 || bound > 4096) {
      why = bound ? "its verifier bound is too large to peel"
                  : "neither the verifier nor LLVM bounds it";
      given_up.insert(l->getHeader());
      continue;
    }
    formLCSSARecursively(*l, dt, &li, &se);
    ValueToValueMapTy vmap;
    if (!canPeel(l) || !peelLoop(l, bound + 1, &li, &se, dt, &ac, /*PreserveLCSSA=*/true, vmap)) {
      why = "its shape cannot be peeled";
      given_up.insert(l->getHeader());
      continue;
    }
    // The remaining loop is entered only after bound + 1 iterations: never.
    BasicBlock *header = l->getHeader();
    int64_t insn = insnOf(*header);
    BasicBlock *trap = BasicBlock::Create(f.getContext(), "loop.bound.exceeded", &f);
    IRBuilder<> b(trap);
    CallInst *c = b.CreateCall(trapFn(*f.getParent()), {b.getInt32(uint32_t(insn))});
    if (!header->empty())
      c->setDebugLoc(header->getFirstNonPHI()->getDebugLoc());
    b.CreateUnreachable();
    SmallVector<BasicBlock *, 4> outside;
    for (BasicBlock *p : predecessors(header))
      if (!l->contains(p))
        outside.push_back(p);
    for (BasicBlock *p : outside) {
      header->removePredecessor(p);
      p->getTerminator()->replaceSuccessorWith(header, trap);
    }
    ++cut;
    fam.invalidate(f, PreservedAnalyses::none());
    cleanup.run(f, fam);
    given_up.clear();  // blocks may have been freed and reused
  }
  why = "too many loops";
  return cut;
}

} // namespace

int64_t bpfInsnOf(const Instruction &i) {
  if (MDNode *md = i.getMetadata(kInsnMetadata))
    if (md->getNumOperands() == 1)
      if (auto *c = mdconst::dyn_extract<ConstantInt>(md->getOperand(0)))
        return c->getSExtValue();
  return -1;
}

unsigned countLoops(const Module &m) {
  unsigned n = 0;
  for (const Function &f : m) {
    if (f.isDeclaration())
      continue;
    for (auto it = scc_begin(&f); !it.isAtEnd(); ++it)
      if (it.hasCycle())
        ++n;
  }
  return n;
}

/// A load from a map value (address space 2: .rodata, global data, lookup
/// results) at base + a phi of constants, in the phi's block, with nothing
/// that may write memory before it there: LLVM sinks the loads of unrolled
/// copies (`p->ifindex = table[i]` in a bpf_loop callback that stops at
/// any i) into one load at a phi'd offset, which the scheduler cannot fold
/// (.rodata) or place (a map value) at a variable offset. Undone here: one
/// load at its constant offset at the end of each predecessor (critical
/// edges split), merged by a phi of the values. Runs after the last
/// InstCombine, which would merge them back.
unsigned splitPhiIndexedMapLoads(Function &f) {
  std::vector<LoadInst *> todo;
  for (BasicBlock &bb : f)
    for (Instruction &i : bb) {
      auto *ld = dyn_cast<LoadInst>(&i);
      if (!ld || ld->getPointerAddressSpace() != 2 || ld->isVolatile())
        continue;
      auto *g = dyn_cast<GetElementPtrInst>(ld->getPointerOperand());
      if (!g || g->getNumIndices() != 1 || g->getSourceElementType() != Type::getInt8Ty(f.getContext()))
        continue;
      auto *phi = dyn_cast<PHINode>(g->getOperand(1));
      if (!phi || phi->getParent() != &bb ||
          !all_of(phi->incoming_values(), [](Value *v) { return isa<ConstantInt>(v); }))
        continue;
      bool clobbered = false;
      for (Instruction &j : bb) {
        if (&j == ld)
          break;
        clobbered |= j.mayWriteToMemory();
      }
      if (!clobbered)
        todo.push_back(ld);
    }
  DominatorTree dt(f);
  unsigned n = 0;
  for (LoadInst *ld : todo) {
    auto *g = cast<GetElementPtrInst>(ld->getPointerOperand());
    auto *phi = cast<PHINode>(g->getOperand(1));
    BasicBlock *bb = ld->getParent();
    // base: through constant byte offsets computed in this block
    Value *base = g->getPointerOperand();
    int64_t add = 0;
    while (auto *bg = dyn_cast<GetElementPtrInst>(base)) {
      auto *c = bg->getNumIndices() == 1 ? dyn_cast<ConstantInt>(bg->getOperand(1)) : nullptr;
      if (bg->getParent() != bb || !c ||
          bg->getSourceElementType() != Type::getInt8Ty(f.getContext()))
        break;
      add += c->getSExtValue();
      base = bg->getPointerOperand();
    }
    auto *baseI = dyn_cast<Instruction>(base);
    bool ok = true;
    for (BasicBlock *p : predecessors(bb))
      ok &= !baseI || dt.dominates(baseI, p->getTerminator());
    if (!ok)
      continue;
    for (BasicBlock *p : SmallVector<BasicBlock *, 8>(predecessors(bb)))
      if (p->getTerminator()->getNumSuccessors() > 1)
        SplitCriticalEdge(p, bb);
    PHINode *np = PHINode::Create(ld->getType(), phi->getNumIncomingValues(),
                                  ld->getName() + ".split");
    np->insertBefore(bb->getFirstNonPHIIt());
    std::map<BasicBlock *, Value *> per;
    for (unsigned k = 0; k < phi->getNumIncomingValues(); ++k) {
      BasicBlock *p = phi->getIncomingBlock(k);
      Value *&v = per[p];
      if (!v) {
        IRBuilder<> b(p->getTerminator());
        b.SetCurrentDebugLocation(ld->getDebugLoc());
        auto *c = cast<ConstantInt>(phi->getIncomingValue(k));
        Value *gp = b.CreateGEP(b.getInt8Ty(), base,
                                b.getInt64(uint64_t(c->getSExtValue() + add)));
        LoadInst *l = b.CreateAlignedLoad(ld->getType(), gp, ld->getAlign());
        l->copyMetadata(*ld);
        v = l;
      }
      np->addIncoming(v, p);
    }
    np->setDebugLoc(ld->getDebugLoc());
    ld->replaceAllUsesWith(np);
    ld->eraseFromParent();
    if (g->use_empty())
      g->eraseFromParent();
    ++n;
    dt.recalculate(f);
  }
  return n;
}

Error optimizeModule(Module &m, int optLevel, const Program &prog, const verify::VerifyResult &vr,
                     std::vector<std::string> &remaining) {
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PipelineTuningOptions pto;
  pto.LoopVectorization = false;
  pto.SLPVectorization = false;
  pto.LoopInterleaving = false;
  pto.LoopUnrolling = true;
  pto.ForgetAllSCEVInLoopUnroll = true;
  PassBuilder pb(nullptr, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);

  ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(optLevel >= 2 ? OptimizationLevel::O2 : OptimizationLevel::O1);
  mpm.run(m, mam);

  // Loops LLVM could not count: peel by the verifier's bound.
  std::map<uint32_t, uint32_t> trips = headerBlockTrips(prog, vr.loopTrips);
  FunctionPassManager cleanup;
  cleanup.addPass(SimplifyCFGPass());
  cleanup.addPass(SROAPass(SROAOptions::ModifyCFG));
  cleanup.addPass(EarlyCSEPass());
  cleanup.addPass(InstCombinePass());
  cleanup.addPass(SimplifyCFGPass());
  FunctionPassManager final;
  final.addPass(SROAPass(SROAOptions::ModifyCFG));
  final.addPass(InstCombinePass());
  final.addPass(GVNPass());
  final.addPass(SCCPPass());
  final.addPass(InstCombinePass());
  final.addPass(SimplifyCFGPass());
  final.addPass(DCEPass());
  for (Function &f : m) {
    if (f.isDeclaration())
      continue;
    bool cyclic = false;
    for (auto it = scc_begin(&f); !it.isAtEnd() && !cyclic; ++it)
      cyclic = it.hasCycle();
    if (!cyclic)
      continue;
    std::string why;
    if (peelByBound(f, trips, fam, cleanup, why)) {
      fam.invalidate(f, PreservedAnalyses::none());
      final.run(f, fam);
    }
    // Report what is left.
    DominatorTree dt(f);
    LoopInfo li(dt);
    for (Loop *l : li)
      remaining.push_back(fmt::format("{} remains ({})", whereOf(*l->getHeader(), prog),
                                      why.empty() ? "not removed" : why));
    bool irreducible = false;
    for (auto it = scc_begin(&f); !it.isAtEnd(); ++it)
      irreducible |= it.hasCycle();
    if (irreducible && li.empty())
      remaining.push_back(fmt::format("{}: an irreducible cycle remains", prog.name));
  }
  for (Function &f : m)
    if (!f.isDeclaration())
      splitPhiIndexedMapLoads(f);
  return Error::success();
}

} // namespace sluice::lift
