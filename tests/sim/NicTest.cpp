//===- NicTest.cpp - The Verilated NIC: rtl == model, rtl == kernel, shell --===//
//
// The ISA golden vectors through the whole NIC (loaded through the
// registers, timestamp set through TS_LO/TS_HI); every stateless sample x its
// pcap on rtl against model and kernel; random back-pressure on every output
// with traffic on both ports and from the host; runt, jumbo and oversize
// frames; an image for other parameters refused; a hitless bank swap.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "sluice/Engine/Run.h"
#include "sluice/Model/Golden.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Sim/Device.h"
#include "sluice/Sim/Loader.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Sim/RtlEngine.h"
#include "sluice/Support/Error.h"

#include "../unit/TestSupport.h"
#include "../common/MapTwiceScenario.h"

using namespace sluice;
using namespace sluice::sim;
using isa::Op;

namespace {

const TargetParams &T() { return TargetParams::defaults(); }

isa::Uop uop(Op o, unsigned dst, unsigned a, unsigned b, uint32_t imm = 0, bool bi = false) {
  isa::Uop u;
  u.op = unsigned(o), u.dst = dst, u.a = a, u.b = b, u.imm = imm, u.bi = bi;
  return u;
}

uint32_t extract(unsigned off, unsigned size) {
  isa::Extract x;
  x.en = 1, x.size = size, x.off = off;
  return isa::encode(x);
}

StageImage constVerdict(uint32_t verdict, const std::string &name) {
  StageImage img = StageImage::empty(T());
  img.name = name;
  img.setUop(0, 0, uop(Op::SETV, 0, 0, 0, verdict, true));
  return img;
}

/// The shell test program: verdict = byte 14, redirect ifindex = bytes 16..19,
/// bpf_xdp_adjust_head(bytes 20..23), then bpf_xdp_adjust_tail(bytes 24..27),
/// and the adjust_tail result written at offset 44.
StageImage shellProgram() {
  StageImage img = StageImage::empty(T());
  img.name = "shell_test";
  img.extract[0] = extract(14, 0);
  img.extract[1] = extract(16, 2);
  img.extract[2] = extract(20, 2);
  img.extract[3] = extract(24, 2);
  img.setUop(0, 0, uop(Op::SETV, 0, 0, 0));
  img.setUop(1, 0, uop(Op::REDIR, 0, 0, 1));
  img.setUop(2, 0, uop(Op::ADJH, 5, 0, 2));
  img.setUop(3, 0, uop(Op::ADJT, 6, 0, 3));
  isa::Deparse d;
  d.en = 1, d.size = 2, d.src = 6, d.pos = 44 + T().headroomBytes;
  img.deparse[0] = isa::encode(d);
  return img;
}

void put32(Bytes &b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[off + i] = uint8_t(v >> (8 * i));
}

} // namespace

TEST(NicRegisters, IdentityAndParameters) {
  Device dev;
  EXPECT_EQ(dev.read(regs::ID), regs::kMagic);
  EXPECT_EQ(dev.read(regs::VERSION), (isa::kIsaVersion << 16) | regs::kVersion);
  uint64_t hash = dev.read(regs::PARAM_HASH_LO) | uint64_t(dev.read(regs::PARAM_HASH_HI)) << 32;
  EXPECT_EQ(hash, T().hash);
  EXPECT_EQ(dev.read(regs::STAGES), T().stages);
  EXPECT_EQ(dev.read(regs::LANES), T().lanes);
  EXPECT_EQ(dev.read(regs::WINDOW_BYTES), T().headerWindowBytes);
  EXPECT_EQ(dev.read(regs::LATENCY_CYCLES), T().pipelineLatencyCycles());
  EXPECT_TRUE(dev.read(regs::STATUS) & regs::STATUS_IDLE);
  dev.write(regs::CTRL, regs::CTRL_TS_HOLD);
  dev.write(regs::TS_LO, 0x89abcdefu);
  dev.write(regs::TS_HI, 0x01234567u);
  dev.tick(10);
  EXPECT_EQ(dev.read(regs::TS_LO), 0x89abcdefu);
  EXPECT_EQ(dev.read(regs::TS_HI), 0x01234567u);
  dev.write(regs::CTRL, 0);
  uint32_t t0 = dev.read(regs::TS_LO);
  dev.tick(100);
  uint32_t t1 = dev.read(regs::TS_LO);
  // 4 ns per cycle; the two reads add a few cycles.
  EXPECT_EQ((t1 - t0) % 4, 0u);
  EXPECT_GE(t1 - t0, 400u);
  EXPECT_LE(t1 - t0, 420u);
}

TEST(NicGolden, EveryVectorRtlEqualsModel) {
  auto vs = readGoldenVectors(std::string(SLUICE_SOURCE_DIR) + "/tests/golden/isa-v2.json", T());
  ASSERT_TRUE(bool(vs)) << llvm::toString(vs.takeError());
  ASSERT_GT(vs->size(), 20u);
  RtlEngine rtl;
  unsigned packets = 0;
  for (const GoldenVector &v : *vs) {
    SCOPED_TRACE(v.name);
    llvm::Error e = rtl.loadImageBytes(v.image.data(), v.image.size(), v.name);
    ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
    GoldenHooks hooks;
    hooks.setTimestamp = [&](uint64_t ns) { rtl.setClock(ns); };
    hooks.lastFaulted = [&] { return rtl.lastFacts().fault; };
    llvm::Error c = checkGoldenVector(v, rtl, hooks);
    EXPECT_FALSE(bool(c)) << llvm::toString(std::move(c));
    packets += unsigned(v.packets.size());
  }
  std::printf("rtl == golden on %zu vectors, %u packets\n", vs->size(), packets);
}

TEST(NicSamples, StatelessSamplesRtlEqualsModelAndKernel) {
  unsigned compared = 0, kernelCompared = 0;
  std::vector<std::string> notFit;
  for (const SampleSpec &s : sluice::testing::samples()) {
    auto obj = Object::open(s.object);
    ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
    if (!obj->maps.empty())
      continue;  // stateful: issue 6
    SCOPED_TRACE(s.name);
    const Program *prog = obj->findProgram(s.program);
    ASSERT_NE(prog, nullptr);
    auto pkts = readPcap(s.pcap);
    ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
    RtlEngine rtl;
    // Every stateless sample compiles for the default datapath (issue 4:
    // parse_decide included): a refusal fails.
    if (llvm::Error e = rtl.load(*obj, *prog)) {
      std::string msg = llvm::toString(std::move(e));
      ADD_FAILURE() << "a stateless sample does not compile: " << msg;
      notFit.push_back(s.name + ": " + msg);
      continue;
    }
    // clock and random samples (docs/helpers.md): the NIC's clock, the
    // generator from reset; rtl == model exactly, the kernel on properties
    // (tests/unit/Diff/NicValuesTest.cpp)
    const bool nicClock = !s.nicValues.empty();
    auto r = runPackets(rtl, *obj, *prog, {}, *pkts, nicClock);
    ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
    ModelEngine model;
    auto m = runPackets(model, *obj, *prog, {}, *pkts, nicClock);
    ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
    EXPECT_EQ(firstDifference(*m, *r), "");
    ++compared;
    if (nicClock) {
      auto interp = createEngine("interp");
      ASSERT_TRUE(bool(interp));
      auto i = runPackets(**interp, *obj, *prog, {}, *pkts, true);
      ASSERT_TRUE(bool(i)) << llvm::toString(i.takeError());
      EXPECT_EQ(firstDifference(*i, *r), "");
      std::printf("  %s: rtl == model == interp on %zu packets (%s from the NIC)\n", s.name.c_str(),
                  pkts->size(), s.nicValues.c_str());
      continue;
    }
    auto kernel = createEngine("kernel");
    ASSERT_TRUE(bool(kernel));
    auto k = runPackets(**kernel, *obj, *prog, {}, *pkts);
    if (!k) {
      std::string msg = llvm::toString(k.takeError());
      if (sluice::testing::kernelRequired())
        FAIL() << "kernel engine unavailable under SLUICE_REQUIRE_KERNEL: " << msg;
      std::printf("  %s: KERNEL UNAVAILABLE, rtl == model only: %s\n", s.name.c_str(), msg.c_str());
      continue;
    }
    EXPECT_EQ(firstDifference(*k, *r), "");
    ++kernelCompared;
    std::printf("  %s: rtl == kernel == model on %zu packets\n", s.name.c_str(), pkts->size());
  }
  std::printf("stateless samples: %u compared (%u with the kernel), %zu reported as not compiling\n",
              compared, kernelCompared, notFit.size());
  EXPECT_GE(compared, 7u);  // pass_all, drop_all, parse_decide, udp_reflect, ttl_forward,
                            // vlan_strip, gre_encap
  EXPECT_TRUE(notFit.empty());
}

TEST(NicShell, RandomBackPressureLosesNothingAndKeepsOrder) {
  StageImage img = shellProgram();
  ASSERT_FALSE(bool(verifyStageImage(img, T())));
  Device dev;
  const uint32_t if0 = 1, if1 = 2;
  dev.write(regs::PORT0_IFINDEX, if0);
  dev.write(regs::PORT1_IFINDEX, if1);
  auto n = loadStageImage(dev, img, T());
  ASSERT_TRUE(bool(n)) << llvm::toString(n.takeError());
  ModelEngine model;
  ASSERT_FALSE(bool(model.loadImage(img)));
  model.setClock(0);

  std::mt19937 rng(42);
  auto rnd = [&](unsigned lo, unsigned hi) { return std::uniform_int_distribution<unsigned>(lo, hi)(rng); };
  // expected[output] = frames in the order of their port; key: exact bytes.
  std::map<Bytes, std::pair<unsigned, unsigned>> who;  // bytes -> (source, seq)
  std::map<unsigned, std::vector<unsigned>> expectSeq[kNumOutputs];
  uint64_t expectVerdict[6] = {0, 0, 0, 0, 0, 0}, expectUnknown = 0, expectHostIn = 0;
  unsigned seq[3] = {0, 0, 0};
  const unsigned N = 300;
  for (unsigned i = 0; i < N; ++i) {
    unsigned port = rnd(0, 1);
    unsigned len = rnd(0, 9) < 6 ? rnd(60, 128) : rnd(0, 3) ? rnd(129, 1514) : rnd(1515, 9000);
    Bytes f(len);
    for (auto &b : f)
      b = uint8_t(rnd(0, 255));
    unsigned v = rnd(0, 9) == 0 ? rnd(0, 7) : rnd(1, 4);
    f[14] = uint8_t(v);
    put32(f, 16, rnd(0, 2) == 0 ? if0 : rnd(0, 1) ? if1 : 77);
    put32(f, 20, uint32_t(int32_t(rnd(0, 3) == 0 ? 0 : int(rnd(0, 84)) - 64)));
    put32(f, 24, uint32_t(int32_t(rnd(0, 3) == 0 ? 0 : int(rnd(0, 220)) - 20)));
    put32(f, 30, i);  // unique
    PacketIn in;
    in.data = f;
    in.ingress_ifindex = port ? if1 : if0;
    auto out = model.run(in);
    ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
    unsigned vc = out->action < 5 ? out->action : 5;
    ++expectVerdict[vc];
    int dest = -1;
    if (out->action == 2)
      dest = kHost;
    else if (out->action == 3)
      dest = port;
    else if (out->action == 4) {
      uint32_t t = out->redirect->ifindex;
      dest = t == if0 ? kPort0 : t == if1 ? kPort1 : -1;
      expectUnknown += dest < 0;
    }
    if (dest >= 0) {
      ASSERT_EQ(who.count(out->data), 0u);
      who[out->data] = {port, seq[port]};
      expectSeq[dest][port].push_back(seq[port]);
    }
    ++seq[port];
    dev.push(port, f);
    if (rnd(0, 9) == 0) {  // the host sends a frame out of a port
      unsigned hp = rnd(0, 1);
      Bytes h(rnd(60, 300));
      for (auto &b : h)
        b = uint8_t(rnd(0, 255));
      put32(h, 30, 0x80000000u | i);
      who[h] = {2, seq[2]};
      expectSeq[hp][2].push_back(seq[2]++);
      dev.pushHost(hp, h);
      ++expectHostIn;
    }
  }
  for (unsigned o = 0; o < kNumOutputs; ++o)
    dev.setReady(o, [o](uint64_t c) {
      uint64_t x = (c + 7) * 0x9e3779b97f4a7c15ull ^ (uint64_t(o) << 50);
      x ^= x >> 29, x *= 0xbf58476d1ce4e5b9ull, x ^= x >> 32;
      return (x % 100) >= 40;  // 40% of the cycles not ready
    });
  ASSERT_TRUE(dev.runUntilIdle(5'000'000));
  std::printf("%u frames + %llu host frames with 40%% stalls on every output: %llu cycles\n", N,
              (unsigned long long)expectHostIn, (unsigned long long)dev.cycle());

  for (unsigned o = 0; o < kNumOutputs; ++o) {
    std::map<unsigned, std::vector<unsigned>> got;
    for (const Frame &f : dev.collected(o)) {
      auto it = who.find(f.data);
      ASSERT_NE(it, who.end()) << "output " << o << ": a frame nobody expects (" << f.data.size()
                               << " bytes)";
      got[it->second.first].push_back(it->second.second);
    }
    for (unsigned src = 0; src < 3; ++src)
      EXPECT_EQ(got[src], expectSeq[o][src]) << "output " << o << ", source " << src;
  }
  EXPECT_EQ(dev.counter(regs::VERDICT_ABORTED), expectVerdict[0]);
  EXPECT_EQ(dev.counter(regs::VERDICT_DROP), expectVerdict[1]);
  EXPECT_EQ(dev.counter(regs::VERDICT_PASS), expectVerdict[2]);
  EXPECT_EQ(dev.counter(regs::VERDICT_TX), expectVerdict[3]);
  EXPECT_EQ(dev.counter(regs::VERDICT_REDIRECT), expectVerdict[4]);
  EXPECT_EQ(dev.counter(regs::VERDICT_OTHER), expectVerdict[5]);
  EXPECT_EQ(dev.counter(regs::DROP_REDIRECT_UNKNOWN), expectUnknown);
  EXPECT_EQ(dev.counter(regs::HOST_IN_PKTS), expectHostIn);
  uint64_t rx = dev.counter(regs::RX_PKTS_P0) + dev.counter(regs::RX_PKTS_P1);
  EXPECT_EQ(rx, N);
  uint64_t byVerdict = 0;
  for (unsigned c = regs::VERDICT_ABORTED; c <= regs::VERDICT_OTHER; ++c)
    byVerdict += dev.counter(c);
  EXPECT_EQ(rx, byVerdict + dev.counter(regs::DROP_RUNT) + dev.counter(regs::DROP_OVERSIZE));
  EXPECT_EQ(dev.counter(regs::HOST_OUT_PKTS), dev.counter(regs::VERDICT_PASS));
  EXPECT_EQ(dev.counter(regs::EGRESS_PKTS_P0) + dev.counter(regs::EGRESS_PKTS_P1),
            dev.counter(regs::VERDICT_TX) + dev.counter(regs::VERDICT_REDIRECT) -
                dev.counter(regs::DROP_REDIRECT_UNKNOWN));
  EXPECT_EQ(dev.counter(regs::TX_PKTS_P0) + dev.counter(regs::TX_PKTS_P1),
            dev.counter(regs::EGRESS_PKTS_P0) + dev.counter(regs::EGRESS_PKTS_P1) + expectHostIn);
}

TEST(NicShell, RuntJumboAndOversizeFrames) {
  Device dev;
  StageImage pass = constVerdict(2, "pass");
  ASSERT_TRUE(bool(loadStageImage(dev, pass, T())));
  Bytes runt(10, 0xaa), jumbo(9000), over(9300, 0x55), small(64, 0x11);
  for (size_t i = 0; i < jumbo.size(); ++i)
    jumbo[i] = uint8_t(i * 7 + 3);
  dev.push(0, runt);
  dev.push(0, jumbo);
  dev.push(1, over);
  dev.push(1, small);
  dev.push(0, Bytes(14, 0x22));  // the shortest frame that reaches the program
  ASSERT_TRUE(dev.runUntilIdle());
  EXPECT_EQ(dev.counter(regs::DROP_RUNT), 1u);
  EXPECT_EQ(dev.counter(regs::DROP_OVERSIZE), 1u);
  EXPECT_EQ(dev.counter(regs::VERDICT_PASS), 3u);
  auto &host = dev.collected(kHost);
  ASSERT_EQ(host.size(), 3u);
  std::multiset<size_t> sizes;
  bool sawJumbo = false;
  for (const Frame &f : host) {
    sizes.insert(f.data.size());
    if (f.data.size() == 9000) {
      EXPECT_EQ(f.data, jumbo);
      sawJumbo = true;
    }
    if (f.data.size() == 64)
      EXPECT_EQ(f.data, small);
  }
  EXPECT_TRUE(sawJumbo);
  EXPECT_EQ(sizes, (std::multiset<size_t>{14, 64, 9000}));
  // The rtl engine refuses runts as every engine does.
  RtlEngine rtl;
  ASSERT_FALSE(bool(rtl.loadImage(pass)));
  auto r = rtl.run(PacketIn{Bytes(13, 0)});
  ASSERT_FALSE(bool(r));
  EXPECT_EQ(takeErrno(r.takeError()), EINVAL);
}

TEST(NicShell, ImageForOtherParametersIsRefused) {
  auto small = TargetParams::fromFile(std::string(SLUICE_SOURCE_DIR) + "/hdl/params/small.json");
  ASSERT_TRUE(bool(small)) << llvm::toString(small.takeError());
  StageImage img = StageImage::empty(*small);
  img.name = "small_image";
  img.paramHash = small->hash;
  img.paramsCanonical = small->canonical;
  RtlEngine rtl;
  llvm::Error e = rtl.loadImage(img);
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("built for datapath parameters"), std::string::npos) << msg;
  EXPECT_NE(msg.find("first difference: "), std::string::npos) << msg;
  // And the same image as bytes: the reader refuses it before the NIC sees it.
  Bytes bytes = writeStageImage(img);
  llvm::Error e2 = rtl.loadImageBytes(bytes.data(), bytes.size(), "small.slc");
  ASSERT_TRUE(bool(e2));
  EXPECT_NE(llvm::toString(std::move(e2)).find("small.slc"), std::string::npos);
}

TEST(NicShell, HitlessBankSwapBetweenPackets) {
  Device dev;
  dev.write(regs::CTRL, regs::CTRL_DROPS_TO_HOST);
  ASSERT_TRUE(bool(loadStageImage(dev, constVerdict(1, "drop"), T())));
  const unsigned N = 3000;  // one frame per cycle for longer than a load takes
  uint64_t t0 = dev.cycle();
  for (unsigned i = 0; i < N; ++i) {
    Bytes f(64, 0);
    put32(f, 30, i);
    dev.push(i % 2, f, t0 + i);
  }
  dev.tick(100);
  // Load the other program while packets stream: the loader waits for the
  // shadow bank, writes it, swaps.
  ASSERT_TRUE(bool(loadStageImage(dev, constVerdict(2, "pass"), T())));
  ASSERT_TRUE(dev.runUntilIdle());
  auto &host = dev.collected(kHost);
  ASSERT_EQ(host.size(), N);
  // In the order the pipeline finished them: dropped ones, then passed ones.
  unsigned switches = 0, dropped = 0;
  bool prev = true;
  for (const Frame &f : host) {
    bool isDrop = (f.tuser >> 2) & 1;
    dropped += isDrop;
    if (isDrop != prev)
      ++switches;
    prev = isDrop;
  }
  EXPECT_EQ(switches, 1u);
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, N);
  EXPECT_EQ(dev.counter(regs::VERDICT_DROP), dropped);
  EXPECT_EQ(dev.counter(regs::VERDICT_PASS), N - dropped);
}

TEST(NicShell, BackToBack64ByteFramesOnePerClock) {
  Device dev;
  ASSERT_TRUE(bool(loadStageImage(dev, constVerdict(3, "tx"), T())));
  const unsigned N = 2000;
  for (unsigned i = 0; i < N; ++i)
    dev.push(i % 2, Bytes(64, uint8_t(i)));
  uint64_t c0 = dev.cycle();
  ASSERT_TRUE(dev.runUntilIdle());
  auto &a0 = dev.accepted(0), &a1 = dev.accepted(1);
  ASSERT_EQ(a0.size() + a1.size(), N);
  uint64_t first = std::min(a0.front().firstBeatCycle, a1.front().firstBeatCycle);
  uint64_t last = std::max(a0.back().lastBeatCycle, a1.back().lastBeatCycle);
  double perClock = double(N) / double(last - first + 1);
  std::printf("%u back-to-back 64-byte frames on two ports: %.3f frames per clock\n", N, perClock);
  EXPECT_GT(perClock, 0.99);
  EXPECT_EQ(dev.collected(kPort0).size() + dev.collected(kPort1).size(), N);
  (void)c0;
}

// Host writes to a map looked up twice in one packet reach every replica on
// the RTL (tests/progs/map_twice: the first lookup reads a replica of
// `port_rules` in another map unit): an insert the first lookup must see,
// an update, and a delete it must not see any more, between packets; the
// same sequence on the model gives the same verdicts and final map.
TEST(Nic, HostWritesToAMapLookedUpTwiceReachEveryReplica) {
  using namespace sluice::test;
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_twice.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  const Program &prog = obj->programs[0];
  RtlEngine rtl;
  auto r = mapTwiceScenario(rtl, *obj, prog);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  ASSERT_EQ(r->maps.size(), 1u) << "replicas are not maps of their own";
  EXPECT_EQ(r->verdicts, (std::vector<uint32_t>{XDP_PASS, XDP_DROP, XDP_PASS, XDP_PASS}));
  EXPECT_EQ(r->maps[0].entries,
            (std::vector<MapEntry>{{mapTwicePort(1000), mapTwiceRule(XDP_PASS, 1)}}));
  ModelEngine model;
  auto m = mapTwiceScenario(model, *obj, prog);
  ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
  ASSERT_EQ(m->maps.size(), 1u) << "replicas are not maps of their own";
  EXPECT_EQ(m->verdicts, r->verdicts);
  EXPECT_EQ(m->maps[0].entries, r->maps[0].entries);
}
