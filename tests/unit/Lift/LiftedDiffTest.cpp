//===- LiftedDiffTest.cpp - Every sample x its pcap: lifted == interp -----===//
//
// The proof that the lifted and optimised IR keeps the program's meaning:
// each sample of bpf-samples/samples.json runs over its pcap (after its
// map-init) on `interp` and on `lifted` (the IR JIT-compiled); verdicts,
// output bytes and final maps must agree. Samples the lifted engine cannot
// run yet are listed below with the reason, so the list shrinks visibly; a
// listed sample that starts to work fails the test until it is removed.
// The IR itself is checked too: after -O2 no sample keeps a loop, an alloca
// or a call to a sub-program.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "llvm/Analysis/CaptureTracking.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

#include "sluice/Engine/Run.h"
#include "sluice/Engine/Samples.h"
#include "sluice/Lift/Lift.h"
#include "sluice/Lift/LiftedEngine.h"
#include "../TestSupport.h"

using namespace sluice;
using json = nlohmann::json;

namespace {

using Sample = SampleSpec;
using sluice::testing::samples;

/// Samples the lifted engine does not run yet: the reason is a substring
/// of the error it gives.
const std::map<std::string, std::string> kUnsupported = {
    // Every sample runs today.
};

class LiftedDiffTest : public ::testing::TestWithParam<size_t> {};

TEST_P(LiftedDiffTest, LiftedEqualsInterp) {
  const Sample &s = samples()[GetParam()];
  auto obj = Object::open(s.object);
  ASSERT_TRUE(!!obj) << llvm::toString(obj.takeError());
  const Program *prog = obj->findProgram(s.program);
  ASSERT_NE(prog, nullptr);

  // samples whose results hold clock readings run with the NIC's clock
  const bool nicClock = !s.nicValues.empty();
  auto interp = runProgram(*obj, *prog, {"interp", s.pcap, s.mapInit, nicClock});
  ASSERT_TRUE(!!interp) << llvm::toString(interp.takeError());

  auto engine = createLiftedEngine();
  std::vector<MapInitEntry> init;
  if (!s.mapInit.empty()) {
    auto i = parseMapInit(s.mapInit, *obj);
    ASSERT_TRUE(!!i) << llvm::toString(i.takeError());
    init = *i;
  }
  auto pkts = readPcap(s.pcap);
  ASSERT_TRUE(!!pkts) << llvm::toString(pkts.takeError());
  llvm::Expected<RunResult> lifted = [&]() -> llvm::Expected<RunResult> {
    if (auto e = engine->load(*obj, *prog))
      return std::move(e);
    return runPackets(*engine, *obj, *prog, init, *pkts, nicClock);
  }();

  auto un = kUnsupported.find(s.name);
  if (un != kUnsupported.end()) {
    ASSERT_FALSE(!!lifted) << s.name << " now runs on the lifted engine: take it off kUnsupported";
    std::string msg = llvm::toString(lifted.takeError());
    EXPECT_NE(msg.find(un->second), std::string::npos) << msg;
    GTEST_SKIP() << "not supported by the lifted engine yet: " << msg;
  }
  ASSERT_TRUE(!!lifted) << llvm::toString(lifted.takeError());
  DiffOptions opts;
  opts.volatileMaps = s.volatileMaps;
  EXPECT_EQ(firstDifference(*interp, *lifted, opts), "") << s.name;
  if (const lift::LiftStats *st = liftedEngineStats(*engine))
    std::fprintf(stderr, "%s: %u insns, verify %.2f ms, lift %.2f ms, optimise %.2f ms\n",
                 s.name.c_str(), st->bpfInsns, st->verifyMs, st->liftMs, st->optMs);
}

TEST_P(LiftedDiffTest, OptimisedIRIsAcyclicAndInlined) {
  const Sample &s = samples()[GetParam()];
  auto obj = Object::open(s.object);
  ASSERT_TRUE(!!obj) << llvm::toString(obj.takeError());
  auto l = lift::liftProgram(*obj, *obj->findProgram(s.program));
  ASSERT_TRUE(!!l) << llvm::toString(l.takeError());
  EXPECT_TRUE(l->remainingLoops.empty()) << l->remainingLoops.front();
  EXPECT_EQ(lift::countLoops(*l->module), 0u);
  unsigned memOps = 0, withInsn = 0;
  for (llvm::Function &f : *l->module) {
    if (f.isDeclaration())
      continue;
    EXPECT_EQ(f.getName(), s.program) << "a sub-program was not inlined";
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &i : bb) {
        if (auto *c = llvm::dyn_cast<llvm::CallInst>(&i))
          if (c->getCalledFunction())
            EXPECT_TRUE(c->getCalledFunction()->isDeclaration());
        // Registers are SSA: no alloca but the frame, and the frame is read
        // only where its address went to a helper (a map key, say).
        if (auto *a = llvm::dyn_cast<llvm::AllocaInst>(&i))
          EXPECT_TRUE(llvm::PointerMayBeCaptured(a, false, true))
              << s.name << ": alloca left: " << std::string(a->getName());
        // Memory operations and calls keep their C line (for diagnostics).
        if (llvm::isa<llvm::LoadInst, llvm::StoreInst, llvm::CallInst, llvm::AtomicRMWInst>(i)) {
          EXPECT_TRUE(i.getDebugLoc()) << s.name << ": an instruction lost its line";
          ++memOps;
          withInsn += lift::bpfInsnOf(i) >= 0;
        }
        if (auto *ld = llvm::dyn_cast<llvm::LoadInst>(&i))
          if (ld->getPointerAddressSpace() == 0)
            if (auto *a = llvm::dyn_cast<llvm::AllocaInst>(
                    llvm::getUnderlyingObject(ld->getPointerOperand())))
              EXPECT_TRUE(llvm::PointerMayBeCaptured(a, false, true))
                  << s.name << ": a load from a frame that never escapes";
      }
  }
  // !sluice.insn is best-effort (hoisting and merging drop it; !dbg is
  // merged instead), but most memory operations keep it.
  EXPECT_GE(withInsn * 2, memOps) << s.name << ": " << withInsn << " of " << memOps;
}

std::string sampleName(const ::testing::TestParamInfo<size_t> &info) {
  std::string n = samples()[info.param].name;
  for (char &c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Samples, LiftedDiffTest, ::testing::Range<size_t>(0, samples().size()),
                         sampleName);

} // namespace
