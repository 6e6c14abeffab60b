//===- TargetParamsTest.cpp - The datapath parameters and their hash ------===//
#include "sluice/Target/TargetParams.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sluice/Target/TargetDefault.h"

using namespace sluice;
using nlohmann::json;

namespace {

std::string defaultText() { return target_default::kParamsJson; }

std::string errorOf(const std::string &text) {
  auto p = TargetParams::fromJson(text, "p.json");
  if (p)
    return "";
  return llvm::toString(p.takeError());
}

std::string edited(const std::function<void(json &)> &f) {
  json j = json::parse(defaultText());
  f(j);
  return j.dump();
}

TEST(TargetParams, DefaultsMatchTheGeneratedHash) {
  const TargetParams &p = TargetParams::defaults();
  EXPECT_EQ(p.hash, target_default::kParamHash);
  EXPECT_EQ(p.hash, paramHash(p.canonical));
  EXPECT_EQ(p.stages, 24u);
  EXPECT_EQ(p.lanes, 4u);
  EXPECT_EQ(p.bankSlots(), 8u);
  EXPECT_EQ(p.pipelineLatencyCycles(), 4u + 24 * 3 + 4);
}

TEST(TargetParams, CommittedFileIsTheCompiledInDefault) {
  auto p = TargetParams::fromFile(std::string(SLUICE_SOURCE_DIR) + "/hdl/params/default.json");
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  EXPECT_EQ(p->hash, TargetParams::defaults().hash);
}

TEST(TargetParams, NameIsNotHashedEverythingElseIs) {
  auto a = TargetParams::fromJson(edited([](json &j) { j["name"] = "other"; }), "a");
  ASSERT_TRUE(bool(a));
  EXPECT_EQ(a->hash, TargetParams::defaults().hash);
  auto b = TargetParams::fromJson(edited([](json &j) { j["units"]["div"]["latency_cycles"] = 30; }), "b");
  ASSERT_TRUE(bool(b));
  EXPECT_NE(b->hash, TargetParams::defaults().hash);
  EXPECT_EQ(firstParamDifference(b->canonical, TargetParams::defaults().canonical),
            "units.div.latency_cycles: 30 vs 36");
}

TEST(TargetParams, FnvKnownValue) {
  EXPECT_EQ(paramHash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(paramHash("a"), 0xaf63dc4c8601ec8cull);
}

TEST(TargetParams, Refusals) {
  EXPECT_EQ(errorOf("[1]"), "p.json: not a JSON object");
  EXPECT_EQ(errorOf(edited([](json &j) { j.erase("stages"); })), "p.json: missing parameter 'stages'");
  EXPECT_EQ(errorOf(edited([](json &j) { j["colour"] = 1; })), "p.json: unknown parameter 'colour'");
  EXPECT_EQ(errorOf(edited([](json &j) { j["lanes"] = 3; j["slots"] = 24; })),
            "p.json: lanes is 3: lanes pair up for 64-bit ops, it must be even");
  EXPECT_EQ(errorOf(edited([](json &j) { j["slots"] = 64; })),
            "p.json: parameter 'slots' is 64, it must be in 2..32");
  EXPECT_EQ(errorOf(edited([](json &j) { j["vread"]["stages"] = {1, 99}; })),
            "p.json: parameter 'vread.stages' has 99, each must be below 24");
  EXPECT_EQ(errorOf(edited([](json &j) { j["units"]["fpu"] = json::object(); })),
            "p.json: unknown unit 'units.fpu' (known: csum, div, map)");
  EXPECT_EQ(errorOf(edited([](json &j) { j["extractor_slots"] = {1, 1}; })),
            "p.json: parameter 'extractor_slots' lists a value twice");
  EXPECT_EQ(errorOf(edited([](json &j) { j["maps"]["lpm_stages"] = {5, 6}; })),
            "p.json: parameter 'maps.lpm_stages' has stage 6, which has no map unit "
            "(units.map.stages)");
  EXPECT_EQ(errorOf(edited([](json &j) { j["maps"].erase("lpm_stages"); })),
            "p.json: parameter 'maps.lpm_stages' must be a list of integers");
}

// The LPM CAM is a per-unit option: the default datapath has one, in the
// map unit of stage 5 (docs/benchmarks.md "The LPM CAM": ~39,000 LUTs each).
TEST(TargetParams, LpmCamOnlyInTheListedMapStages) {
  const TargetParams &p = TargetParams::defaults();
  EXPECT_EQ(p.lpmStages, std::vector<unsigned>{5});
  for (unsigned s = 0; s < p.stages; ++s)
    EXPECT_EQ(p.hasLpmCam(s), s == 5) << "stage " << s;
  auto none = TargetParams::fromJson(edited([](json &j) { j["maps"]["lpm_stages"] = json::array(); }), "n");
  ASSERT_TRUE(bool(none)) << llvm::toString(none.takeError());
  EXPECT_FALSE(none->hasLpmCam(5));
  EXPECT_NE(none->hash, p.hash);
  auto rows0 = TargetParams::fromJson(edited([](json &j) { j["maps"]["lpm_rows"] = 0; }), "r");
  ASSERT_TRUE(bool(rows0)) << llvm::toString(rows0.takeError());
  EXPECT_FALSE(rows0->hasLpmCam(5));  // no rows: no CAM anywhere
}

TEST(TargetParams, WindowsBanksUnits) {
  const TargetParams &p = TargetParams::defaults();
  // Lane 1 reads banks 1 and 2; lane 3 reads banks 3 and 0.
  EXPECT_TRUE(p.laneReads(1, 8));
  EXPECT_TRUE(p.laneReads(1, 23));
  EXPECT_FALSE(p.laneReads(1, 7));
  EXPECT_FALSE(p.laneReads(1, 24));
  EXPECT_TRUE(p.laneReads(3, 0));
  EXPECT_FALSE(p.laneReads(3, 8));
  EXPECT_TRUE(p.laneWrites(2, 16));
  EXPECT_FALSE(p.laneWrites(2, 24));
  EXPECT_TRUE(p.hasVread(2, 0));
  EXPECT_FALSE(p.hasVread(2, 1));
  EXPECT_FALSE(p.hasVread(3, 0));
  EXPECT_TRUE(p.hasUnit("div", 3, 2));
  EXPECT_FALSE(p.hasUnit("div", 4, 2));
  EXPECT_EQ(p.unitLatencyStages("div"), 12u);
  EXPECT_EQ(p.unitLatencyStages("map"), 3u);
}

} // namespace
