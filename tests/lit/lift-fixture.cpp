//===- lift-fixture.cpp - `sluice lift` for the IR fixtures ---------------===//
//
// The IR fixtures' driver: lift-fixture prog.o -O0|-O1|-O2 [--prog NAME]
// prints what `sluice lift` prints (the module on stdout, notes on stderr),
// so that tests/lit does not depend on how the CLI is wired.
//
//===----------------------------------------------------------------------===//
#include <string>

#include "llvm/Support/raw_ostream.h"

#include "sluice/Lift/Lift.h"

int main(int argc, char **argv) {
  if (argc < 3) {
    llvm::errs() << "usage: sluice-lift-fixture prog.o -O0|-O1|-O2 [--prog NAME]\n";
    return 2;
  }
  std::string prog = argc > 4 && std::string(argv[3]) == "--prog" ? argv[4] : "";
  int opt = argv[2][2] - '0';
  return sluice::lift::liftCommand(argv[1], prog, opt, "", llvm::outs(), llvm::errs());
}
