//===- LpmPlacementTest.cpp - LPM tries only in map units with a CAM ------===//
//
// The LPM CAM is a per-unit option (maps.lpm_stages; ~39,000 LUTs per CAM at
// the default sizes, docs/benchmarks.md "The LPM CAM"). The compiler binds an
// LPM trie only to a map stage whose unit has a CAM, one trie per CAM, and
// refuses at the lookup's C line when none is left; the image verifier (and
// so the loader and the engines) refuses an image that binds a trie
// elsewhere. tests/progs/lpm_acl_route.bpf.c: two tries (a source-prefix
// blocklist, then the routes).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <fmt/format.h>

#include "sluice/Engine/Engine.h"
#include "sluice/Engine/Run.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Support/Pcap.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetDefault.h"
#include "../TestSupport.h"

using namespace sluice;

namespace {

std::string progs() { return SLUICE_TEST_PROGS_DIR; }

// The default datapath with CAMs in the map units of `stages`.
TargetParams withLpmStages(std::vector<unsigned> stages) {
  nlohmann::json j = nlohmann::json::parse(target_default::kParamsJson);
  j["maps"]["lpm_stages"] = stages;
  auto t = TargetParams::fromJson(j.dump(), "lpm-stages");
  EXPECT_TRUE(bool(t)) << llvm::toString(t.takeError());
  return *t;
}

PcapPacket v4(uint32_t src, uint32_t dst) {
  PcapPacket p;
  p.data.assign(64, 0);
  p.data[0] = 2, p.data[6] = 2, p.data[11] = 1;
  p.data[12] = 0x08, p.data[13] = 0x00;  // IPv4
  p.data[14] = 0x45, p.data[17] = 50, p.data[22] = 64, p.data[23] = 17;
  for (int k = 0; k < 4; ++k)
    p.data[26 + k] = uint8_t(src >> (24 - 8 * k)), p.data[30 + k] = uint8_t(dst >> (24 - 8 * k));
  p.orig_len = uint32_t(p.data.size());
  return p;
}

uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

} // namespace

TEST(LpmPlacement, SecondTrieIsRefusedAtItsLineWithOneCam) {
  auto obj = Object::open(progs() + "/lpm_acl_route.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  ASSERT_EQ(TargetParams::defaults().lpmStages, std::vector<unsigned>{5});
  auto img = compileProgram(*obj, obj->programs[0], TargetParams::defaults());
  ASSERT_FALSE(bool(img));
  EXPECT_EQ(llvm::toString(img.takeError()),
            "lpm_acl_route.bpf.c:57:9: error: the lookup of LPM trie 'routes' needs a map stage "
            "whose unit has an LPM CAM holding no other trie (maps.lpm_stages: 5), from stage 9 "
            "on, when its key and guard are ready, with 3 stages left for its result; none is "
            "left");
  // no CAM at all: the first lookup is refused before scheduling
  img = compileProgram(*obj, obj->programs[0], withLpmStages({}));
  ASSERT_FALSE(bool(img));
  EXPECT_EQ(llvm::toString(img.takeError()),
            "lpm_acl_route.bpf.c:52:6: error: a lookup of LPM trie 'blocked_src': this datapath "
            "has no LPM CAM in any map unit (maps.lpm_stages is empty)");
}

TEST(LpmPlacement, OneTrieLandsInTheCamStage) {
  // lpm_route's lookup is ready for map stage 5 (the default CAM); with
  // the CAM in stage 9 instead, it waits for stage 9.
  auto obj = Object::open(progs() + "/lpm_route.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  for (unsigned cam : {5u, 9u}) {
    auto img = compileProgram(*obj, obj->programs[0], withLpmStages({cam}));
    ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
    ASSERT_EQ(img->maps[0].type, unsigned(BPF_MAP_TYPE_LPM_TRIE));
    EXPECT_EQ(img->maps[0].stage, int(cam));
    EXPECT_EQ(llvm::toString(verifyStageImage(*img, withLpmStages({cam}))), "");
    // the same image on a datapath whose CAM is elsewhere is refused
    unsigned other = cam == 5 ? 9 : 5;
    auto e = verifyStageImage(*img, withLpmStages({other}));
    EXPECT_EQ(llvm::toString(std::move(e)),
              fmt::format("map 0 ('routes') is an LPM trie bound to stage {}, whose map unit has "
                          "no LPM CAM (maps.lpm_stages: {})",
                          cam, other));
  }
}

// With CAMs in stages 5 and 9 both tries run: model == interp (== kernel
// when available) over packets that hit each table.
TEST(LpmPlacement, TwoTriesInTwoCamsEqualInterpAndKernel) {
  auto obj = Object::open(progs() + "/lpm_acl_route.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  TargetParams t = withLpmStages({5, 9});
  auto img = compileProgram(*obj, prog, t);
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  std::set<int> camStages;
  for (const ImageMap &m : img->maps) {
    ASSERT_EQ(m.type, unsigned(BPF_MAP_TYPE_LPM_TRIE));
    camStages.insert(m.stage);
  }
  EXPECT_EQ(camStages, (std::set<int>{5, 9}));
  auto init = parseMapInit(std::string(SLUICE_SOURCE_DIR) + "/tests/progs/lpm_acl_route.maps.json",
                           *obj);
  ASSERT_TRUE(bool(init)) << llvm::toString(init.takeError());
  const std::vector<PcapPacket> pkts = {
      v4(ip(172, 16, 0, 1), ip(10, 1, 2, 3)),      // /24 route: port 3
      v4(ip(172, 16, 0, 1), ip(10, 1, 2, 200)),    // /25 route: port 4
      v4(ip(172, 16, 0, 1), ip(10, 1, 9, 9)),      // /16 route, port 0: pass
      v4(ip(172, 16, 0, 1), ip(10, 200, 0, 1)),    // /8 route: port 7
      v4(ip(172, 16, 0, 1), ip(8, 8, 8, 8)),       // default route: port 9
      v4(ip(10, 9, 9, 9), ip(10, 1, 2, 3)),        // source in 10/8: blocked
      v4(ip(192, 168, 1, 77), ip(10, 1, 2, 3)),    // source in 192.168.1/24: blocked
      v4(ip(192, 168, 2, 77), ip(192, 168, 5, 5)), // neighbour of the blocked /24: port 2
      v4(ip(198, 51, 100, 7), ip(10, 1, 2, 3)),    // blocked /32
      v4(ip(198, 51, 100, 8), ip(10, 1, 2, 3)),    // its neighbour: port 3
  };
  ModelEngine model(t);
  auto m = runPackets(model, *obj, prog, *init, pkts);
  ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
  auto interp = createEngine("interp");
  ASSERT_TRUE(bool(interp));
  auto i = runPackets(**interp, *obj, prog, *init, pkts);
  ASSERT_TRUE(bool(i)) << llvm::toString(i.takeError());
  EXPECT_EQ(firstDifference(*i, *m, {}), "");
  ASSERT_EQ(m->packets.size(), pkts.size());
  const std::vector<uint32_t> want = {XDP_REDIRECT, XDP_REDIRECT, XDP_PASS,     XDP_REDIRECT,
                                      XDP_REDIRECT, XDP_DROP,     XDP_DROP,     XDP_REDIRECT,
                                      XDP_DROP,     XDP_REDIRECT};
  const std::vector<uint32_t> port = {3, 4, 0, 7, 9, 0, 0, 2, 0, 3};
  for (size_t k = 0; k < pkts.size(); ++k) {
    EXPECT_EQ(m->packets[k].out.action, want[k]) << "packet " << k;
    if (want[k] == XDP_REDIRECT) {
      ASSERT_TRUE(m->packets[k].out.redirect.has_value()) << "packet " << k;
      EXPECT_EQ(m->packets[k].out.redirect->ifindex, port[k]) << "packet " << k;
    }
  }
  if (sluice::testing::kernelMissing("the kernel half of LpmPlacement", kernelUnavailableReason()))
    return;
  auto kernel = createEngine("kernel");
  ASSERT_TRUE(bool(kernel));
  auto k = runPackets(**kernel, *obj, prog, *init, pkts);
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  EXPECT_EQ(firstDifference(*k, *m, {}), "");
}
