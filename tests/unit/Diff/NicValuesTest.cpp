//===- NicValuesTest.cpp - Samples whose results hold NIC values ----------===//
//
// bpf_ktime_get_ns and bpf_get_prandom_u32 (docs/helpers.md). interp, lifted
// and model run with the NIC's clock (each packet arrives at its capture
// timestamp) and the NIC's generator (one splitmix64 step per packet from
// state 0) and must agree exactly; the same samples on rtl are in
// tests/sim/NicTest.cpp. The kernel's clock and generator cannot be set, so
// it is compared on properties: verdicts that do not depend on the value,
// bytes outside the value, the clock reading between the readings of
// CLOCK_MONOTONIC around the run, the drop rate within wide bounds.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <ctime>

#include "sluice/Engine/Run.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Support/NicRandom.h"
#include "../TestSupport.h"

using namespace sluice;

namespace {

const SampleSpec &sample(const std::string &name) {
  for (const SampleSpec &s : sluice::testing::samples())
    if (s.name == name)
      return s;
  static SampleSpec none;
  ADD_FAILURE() << "no sample " << name << " in samples.json";
  return none;
}

uint64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

/// interp, lifted and model over the sample with the NIC's clock: equal.
RunResult nicEngines(const SampleSpec &s, const Object &obj, const Program &prog,
                     const std::vector<PcapPacket> &pkts) {
  RunResult first;
  for (const char *e : {"interp", "lifted", "model"}) {
    auto engine = createEngine(e);
    EXPECT_TRUE(bool(engine)) << e;
    if (!engine)
      return first;
    auto r = runPackets(**engine, obj, prog, {}, pkts, /*nicClock=*/true);
    EXPECT_TRUE(bool(r)) << e << ": " << (r ? "" : llvm::toString(r.takeError()));
    if (!r)
      return first;
    if (first.engine.empty())
      first = std::move(*r);
    else
      EXPECT_EQ(firstDifference(first, *r), "") << s.name << ": interp vs " << e;
  }
  return first;
}

/// A NicValues sample, its object, program and pcap, and what the engines
/// with the NIC's clock say of it (nullopt, with a failure, on an error).
struct NicSampleRun {
  const SampleSpec *spec;
  Object obj;
  const Program *prog = nullptr;
  std::vector<PcapPacket> pkts;
  RunResult nic;
};
std::optional<NicSampleRun> runNicSample(const std::string &name) {
  const SampleSpec &s = sample(name);
  auto obj = Object::open(s.object);
  if (!obj) {
    ADD_FAILURE() << llvm::toString(obj.takeError());
    return std::nullopt;
  }
  auto pkts = readPcap(s.pcap);
  if (!pkts) {
    ADD_FAILURE() << llvm::toString(pkts.takeError());
    return std::nullopt;
  }
  NicSampleRun r{&s, std::move(*obj), nullptr, std::move(*pkts), {}};
  r.prog = r.obj.findProgram(s.program);
  if (!r.prog) {
    ADD_FAILURE() << name << ": no program " << s.program;
    return std::nullopt;
  }
  r.nic = nicEngines(s, r.obj, *r.prog, r.pkts);
  if (r.nic.packets.size() != r.pkts.size()) {
    ADD_FAILURE() << name << ": " << r.nic.packets.size() << " results for " << r.pkts.size()
                  << " packets";
    return std::nullopt;
  }
  return r;
}

bool kernelOrSkip() {
  return !sluice::testing::kernelMissing("the kernel half of NicValues",
                                         kernelUnavailableReason());
}

uint64_t be64(const Bytes &b, size_t off) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v = v << 8 | b[off + i];
  return v;
}
uint32_t be32(const Bytes &b, size_t off) {
  return uint32_t(b[off]) << 24 | uint32_t(b[off + 1]) << 16 | uint32_t(b[off + 2]) << 8 | b[off + 3];
}

constexpr size_t kProbe = 14 + 20 + 8;  // probe_reflect: the probe's offset
constexpr size_t kRxTs = kProbe + 16, kCpu = kProbe + 24;

TEST(NicValues, ProbeReflectStampsTheArrivalTimeAndCpu0) {
  auto run = runNicSample("probe_reflect");
  ASSERT_TRUE(run.has_value());
  const SampleSpec &s = *run->spec;
  const Object *obj = &run->obj;
  const Program *prog = run->prog;
  const std::vector<PcapPacket> *pkts = &run->pkts;
  const RunResult &nic = run->nic;

  // The NIC's stamp is the arrival timestamp (the capture's), the CPU 0.
  unsigned tx = 0, pass = 0, drop = 0;
  for (size_t i = 0; i < nic.packets.size(); ++i) {
    const PacketResult &p = nic.packets[i];
    if (p.runt)
      continue;
    pass += p.out.action == XDP_PASS;
    drop += p.out.action == XDP_DROP;
    if (p.out.action != XDP_TX)
      continue;
    ++tx;
    ASSERT_GE(p.out.data.size(), kCpu + 4);
    EXPECT_EQ(be64(p.out.data, kRxTs), (*pkts)[i].ts_usec * 1000) << "packet " << i + 1;
    EXPECT_EQ(be32(p.out.data, kCpu), 0u) << "packet " << i + 1;
  }
  EXPECT_EQ(tx, 8u);
  EXPECT_GT(pass, 0u);
  EXPECT_GT(drop, 0u);

  if (!kernelOrSkip())
    return;
  uint64_t t0 = monotonicNs();
  auto k = runProgram(*obj, *prog, {"kernel", s.pcap, ""});
  uint64_t t1 = monotonicNs();
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  uint64_t last = 0;
  for (size_t i = 0; i < k->packets.size(); ++i) {
    const PacketResult &a = nic.packets[i], &b = k->packets[i];
    ASSERT_EQ(a.runt, b.runt);
    if (a.runt)
      continue;
    // the verdicts do not depend on the clock
    EXPECT_EQ(verdictName(a), verdictName(b)) << "packet " << i + 1;
    ASSERT_EQ(a.out.data.size(), b.out.data.size()) << "packet " << i + 1;
    if (b.out.action != XDP_TX) {
      EXPECT_EQ(a.out.data, b.out.data) << "packet " << i + 1;
      continue;
    }
    // every byte but the stamp; the stamp is CLOCK_MONOTONIC during the run
    Bytes x = a.out.data, y = b.out.data;
    uint64_t stamp = be64(y, kRxTs);
    std::fill_n(x.begin() + kRxTs, 8, 0);
    std::fill_n(y.begin() + kRxTs, 8, 0);
    EXPECT_EQ(x, y) << "packet " << i + 1;
    EXPECT_GE(stamp, t0) << "packet " << i + 1;
    EXPECT_LE(stamp, t1) << "packet " << i + 1;
    EXPECT_GE(stamp, last) << "packet " << i + 1;
    last = stamp;
    EXPECT_EQ(be32(b.out.data, kCpu), 0u) << "the kernel engine runs on CPU 0";
  }
}

// The documented generator, written out again: splitmix64 from state 0, one
// step per packet that reaches the program, the high half of the output.
uint32_t documentedWord(uint64_t n) {
  uint64_t z = (n + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return uint32_t((z ^ (z >> 31)) >> 32);
}

bool lossEligible(const Bytes &d) {
  return d.size() >= 34 && d[12] == 0x08 && d[13] == 0x00 && (d[23] == 6 || d[23] == 17);
}

TEST(NicValues, LossInjectDrawsOneWordPerPacket) {
  EXPECT_EQ(nic::randomWord(nic::kRngGamma), documentedWord(0));
  EXPECT_EQ(documentedWord(0), 0xe220a839u);  // splitmix64(0)'s first output, high half

  auto run = runNicSample("loss_inject");
  ASSERT_TRUE(run.has_value());
  const SampleSpec &s = *run->spec;
  const Object *obj = &run->obj;
  const Program *prog = run->prog;
  const std::vector<PcapPacket> *pkts = &run->pkts;
  const RunResult &nic = run->nic;

  // Each verdict is the documented word of its packet against 250/1000.
  uint64_t n = 0;
  unsigned eligible = 0, dropped = 0;
  for (size_t i = 0; i < nic.packets.size(); ++i) {
    const PacketResult &p = nic.packets[i];
    if (p.runt)
      continue;
    uint32_t w = documentedWord(n++);
    const Bytes &in = (*pkts)[i].data;
    EXPECT_EQ(p.out.data, in) << "packet " << i + 1;
    if (!lossEligible(in))
      continue;
    ++eligible;
    uint32_t want = w % 1000 < 250 ? XDP_DROP : XDP_PASS;
    EXPECT_EQ(verdictName(p.out.action), verdictName(want)) << "packet " << i + 1;
    dropped += p.out.action == XDP_DROP;
  }
  EXPECT_GE(eligible, 140u);
  // about a quarter (mean 35, sd 5.1 for 140): far from none and from all
  EXPECT_GE(dropped, 10u);
  EXPECT_LE(dropped, 70u);

  if (!kernelOrSkip())
    return;
  auto k = runProgram(*obj, *prog, {"kernel", s.pcap, ""});
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  unsigned kDropped = 0;
  for (size_t i = 0; i < k->packets.size(); ++i) {
    const PacketResult &a = nic.packets[i], &b = k->packets[i];
    ASSERT_EQ(a.runt, b.runt);
    if (a.runt)
      continue;
    EXPECT_EQ(b.out.data, (*pkts)[i].data) << "packet " << i + 1;
    if (!lossEligible((*pkts)[i].data)) {
      EXPECT_EQ(verdictName(a), verdictName(b)) << "packet " << i + 1;  // no random draw
      continue;
    }
    EXPECT_TRUE(b.out.action == XDP_DROP || b.out.action == XDP_PASS) << "packet " << i + 1;
    kDropped += b.out.action == XDP_DROP;
  }
  // the kernel's own generator: the same rate, within the same wide bounds
  EXPECT_GE(kDropped, 10u);
  EXPECT_LE(kDropped, 70u);
}

} // namespace
