//===- RngTest.cpp - sluice_rng (Verilated) against nic::randomWord -------===//
//
// The generator behind bpf_get_prandom_u32 runs its mix ahead of the packets
// in a five-register pipeline that moves only when a packet takes a word
// (hdl/rtl/sluice_rng.sv). Whatever the pattern of takes, packet n since
// reset must get the documented word: the high half of splitmix64's step
// from state (n + 1) * gamma (sluice/Support/NicRandom.h), the sequence the
// model, interp and lifted compute.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <random>

#include "Vsluice_rng.h"
#include "verilated.h"

#include "sluice/Support/NicRandom.h"

using namespace sluice;

namespace {

struct Rng {
  VerilatedContext ctx;
  Vsluice_rng top{&ctx};
  void tick() {
    top.clk = 0;
    top.eval();
    top.clk = 1;
    top.eval();
  }
  void reset() {
    top.rst = 1;
    top.take = 0;
    tick();
    top.rst = 0;
  }
};

uint32_t documented(uint64_t n) { return nic::randomWord((n + 1) * nic::kRngGamma); }

TEST(Rng, FirstWordsAfterResetNeedNoPriming) {
  Rng r;
  r.reset();
  // Packet 0's word is there in the first cycle after reset, and each take
  // moves to the next: the reset values of every pipeline register.
  for (uint64_t n = 0; n < 12; ++n) {
    EXPECT_EQ(uint32_t(r.top.word), documented(n)) << "packet " << n;
    r.top.take = 1;
    r.tick();
  }
  EXPECT_EQ(documented(0), 0xe220a839u);
}

TEST(Rng, RandomTakePatternsKeepTheSequence) {
  Rng r;
  std::mt19937_64 gen(7);
  for (int round = 0; round < 4; ++round) {
    r.reset();
    uint64_t n = 0;
    // Back-to-back takes, long idle gaps and everything between: the word a
    // take sees depends only on how many takes came before it.
    const unsigned pTake = 1 + round * 3;  // out of 10
    for (int cycle = 0; cycle < 20000; ++cycle) {
      const bool take = gen() % 10 < pTake;
      r.top.take = take;
      ASSERT_EQ(uint32_t(r.top.word), documented(n)) << "round " << round << " cycle " << cycle;
      r.tick();
      n += take;
    }
    EXPECT_GT(n, 1000u);
  }
}

} // namespace
