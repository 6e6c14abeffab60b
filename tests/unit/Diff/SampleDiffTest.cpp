//===- SampleDiffTest.cpp - Every sample x its pcap: interp == kernel -----===//
//
// The differential backbone: each sample of bpf-samples/samples.json runs over
// its pcap (after its map-init) on the `interp` engine and on the running
// kernel through BPF_PROG_TEST_RUN; every verdict, every output byte and the
// final content of every map must agree. Where the kernel cannot be used the
// test says so loudly and skips, unless SLUICE_REQUIRE_KERNEL is set (CI),
// where that is a failure.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "sluice/Engine/Run.h"
#include "sluice/Engine/Samples.h"
#include "sluice/Kernel/KernelEngine.h"
#include "../TestSupport.h"

using namespace sluice;
using json = nlohmann::json;

namespace {

using Sample = SampleSpec;
using sluice::testing::samples;

class SampleDiffTest : public ::testing::TestWithParam<size_t> {};

TEST_P(SampleDiffTest, InterpEqualsKernel) {
  const Sample &s = samples()[GetParam()];
  auto obj = Object::open(s.object);
  ASSERT_TRUE(!!obj) << llvm::toString(obj.takeError());
  const Program *prog = obj->findProgram(s.program);
  ASSERT_NE(prog, nullptr) << s.program << " not in " << s.object;

  auto interp = runProgram(*obj, *prog, {"interp", s.pcap, s.mapInit});
  ASSERT_TRUE(!!interp) << llvm::toString(interp.takeError());
  ASSERT_FALSE(interp->packets.empty()) << s.pcap << " has no packets";

  if (std::string why = kernelUnavailableReason(); sluice::testing::kernelMissing(s.name, why))
    GTEST_SKIP() << "kernel engine unavailable: " << why;
  auto kernel = runProgram(*obj, *prog, {"kernel", s.pcap, s.mapInit});
  ASSERT_TRUE(!!kernel) << llvm::toString(kernel.takeError());

  DiffOptions opts;
  opts.volatileMaps = s.volatileMaps;
  std::string diff = firstDifference(*interp, *kernel, opts);
  EXPECT_EQ(diff, "") << s.name << " over " << s.pcap;
}

std::string sampleName(const ::testing::TestParamInfo<size_t> &info) {
  std::string n = samples()[info.param].name;
  for (char &c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return n;
}

// Samples that read the NIC clock or random generator (samples.json
// "nic_values") differ from the kernel by design: NicValuesTest compares
// them with the kernel on properties, so they are not instantiated here.
std::vector<size_t> exactSamples() {
  std::vector<size_t> out;
  for (size_t i = 0; i < samples().size(); ++i)
    if (samples()[i].nicValues.empty())
      out.push_back(i);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleDiffTest, ::testing::ValuesIn(exactSamples()),
                         sampleName);

TEST(SampleManifestTest, ListsTheRequiredSamples) {
  ASSERT_GE(samples().size(), 12u) << "bpf-samples/samples.json";
  for (const Sample &s : samples()) {
    EXPECT_TRUE(std::ifstream(s.pcap).good()) << s.pcap;
    if (!s.mapInit.empty()) {
      EXPECT_TRUE(std::ifstream(s.mapInit).good()) << s.mapInit;
    }
  }
}

TEST(SampleManifestTest, FirewallBlocksWhatTheHostListed) {
  auto it = std::find_if(samples().begin(), samples().end(),
                         [](const Sample &s) { return s.name == "firewall"; });
  ASSERT_NE(it, samples().end());
  auto obj = Object::open(it->object);
  ASSERT_TRUE(!!obj) << llvm::toString(obj.takeError());
  auto r = runProgram(*obj, *obj->findProgram(it->program), {"interp", it->pcap, it->mapInit});
  ASSERT_TRUE(!!r) << llvm::toString(r.takeError());
  size_t drop = 0, pass = 0;
  for (const PacketResult &p : r->packets) {
    drop += !p.runt && p.out.action == XDP_DROP;
    pass += !p.runt && p.out.action == XDP_PASS;
  }
  EXPECT_GT(drop, 0u);
  EXPECT_GT(pass, 0u);
}

} // namespace
