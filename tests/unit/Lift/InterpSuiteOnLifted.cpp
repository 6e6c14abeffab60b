//===- InterpSuiteOnLifted.cpp - interp's own tests, run on `lifted` ------===//
//
// tests/unit/Interp's harness compiles its tests against another engine
// when SLUICE_INTERP_TEST_ON_KERNEL is defined (the expectations were checked
// against Linux 6.18; interp-only checks skip). tests/lit/CMakeLists.txt
// builds InterpAluTest, InterpMemTest and InterpXdpTest that way, with this
// engine: every expectation the kernel meets, the lifted and JIT-compiled
// program meets too. Not named *Test.cpp: it is not part of the unit binary.
//
//===----------------------------------------------------------------------===//
#include "sluice/Lift/LiftedEngine.h"

std::unique_ptr<sluice::Engine> sluiceInterpTestEngine() { return sluice::createLiftedEngine(); }
