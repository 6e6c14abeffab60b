//===- LiftCommand.cpp - `sluice lift`: the lifted IR of one program ------===//
//
// The command the CLI wires in: opens the object, picks the program, lifts
// and optimises it, and prints the module as LLVM IR text, with one note per
// loop the pipeline could not remove and the lift/optimise times.
//
//===----------------------------------------------------------------------===//
#include "sluice/Lift/Lift.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace sluice::lift {

int liftCommand(const std::string &objPath, const std::string &progName, int optLevel,
                const std::string &outPath, llvm::raw_ostream &out, llvm::raw_ostream &err) {
  auto obj = Object::open(objPath);
  if (!obj) {
    err << "sluice: error: " << llvm::toString(obj.takeError()) << "\n";
    return 2;
  }
  const Program *prog = obj->findProgram(progName);
  if (!prog) {
    std::string have;
    for (const Program &p : obj->programs)
      have += (have.empty() ? "" : ", ") + p.name + " (section " + p.section + ")";
    err << "sluice: error: " << objPath << ": no program or section '" << progName
        << "' (it has: " << have << ")\n";
    return 2;
  }
  LiftOptions opts;
  opts.optLevel = optLevel;
  auto l = liftProgram(*obj, *prog, opts);
  if (!l) {
    err << "sluice: error: " << llvm::toString(l.takeError()) << "\n";
    return 1;
  }
  for (const std::string &loop : l->remainingLoops)
    err << "sluice: note: " << loop << "\n";
  if (outPath.empty() || outPath == "-") {
    l->module->print(out, nullptr);
  } else {
    std::error_code ec;
    llvm::raw_fd_ostream f(outPath, ec, llvm::sys::fs::OF_Text);
    if (ec) {
      err << "sluice: error: " << outPath << ": " << ec.message() << "\n";
      return 2;
    }
    l->module->print(f, nullptr);
  }
  err << llvm::format("sluice: %s: %u insns, verify %.2f ms, lift %.2f ms, optimise %.2f ms, "
                      "%u -> %u IR instructions\n",
                      prog->name.c_str(), l->stats.bpfInsns, l->stats.verifyMs, l->stats.liftMs,
                      l->stats.optMs, l->stats.irInsnsLifted, l->stats.irInsnsOptimised);
  return 0;
}

} // namespace sluice::lift
