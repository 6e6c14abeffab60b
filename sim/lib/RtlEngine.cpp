//===- RtlEngine.cpp - The `rtl` engine: the Verilated NIC -----------------===//
#include "sluice/Sim/RtlEngine.h"
#include "sluice/Sim/Loader.h"
#include "sluice/Sim/Regs.h"

#include <cerrno>
#include <ctime>

#include "sluice/Schedule/Compile.h"
#include "sluice/Support/Error.h"

namespace sluice::sim {

RtlEngine::RtlEngine() : dev_(std::make_unique<Device>()) {
  // Port 1 gets an ifindex no PacketIn uses, so XDP_REDIRECT to any other
  // target than port 0's is "unknown" and comes back through the host queue.
  dev_->write(regs::PORT1_IFINDEX, 0xffffffffu);
  dev_->write(regs::CTRL, regs::CTRL_TS_HOLD | regs::CTRL_DROPS_TO_HOST);
  ifindex0_ = dev_->read(regs::PORT0_IFINDEX);
  rxq0_ = dev_->read(regs::PORT0_RXQ);
}

RtlEngine::~RtlEngine() = default;

llvm::Error RtlEngine::loadImage(const StageImage &img) {
  const TargetParams &t = TargetParams::defaults();
  if (auto e = checkDevice(*dev_, t.hash))
    return makeError("rtl: {}", llvm::toString(std::move(e)));
  if (img.paramHash == t.hash)
    if (auto e = verifyStageImage(img, t))
      return makeError("rtl: {}", llvm::toString(std::move(e)));
  auto n = loadStageImage(*dev_, img, t);
  if (!n)
    return makeError("rtl: {}", llvm::toString(n.takeError()));
  loaded_ = true;
  return llvm::Error::success();
}

llvm::Expected<PacketOut> RtlEngine::run(const PacketIn &pkt) {
  if (!loaded_)
    return makeError("rtl: no program loaded");
  size_t len = pkt.data.size();
  if (len < 14)
    return makeErrnoError(EINVAL, "rtl: a {}-byte frame is shorter than 14 bytes", len);
  if (len > 9216)
    return makeErrnoError(EMSGSIZE, "rtl: a {}-byte frame is longer than the NIC's 9216", len);
  Device &d = *dev_;
  uint64_t start = d.cycle();
  if (pkt.ingress_ifindex != ifindex0_)
    d.write(regs::PORT0_IFINDEX, ifindex0_ = pkt.ingress_ifindex);
  if (pkt.rx_queue_index != rxq0_)
    d.write(regs::PORT0_RXQ, rxq0_ = pkt.rx_queue_index);
  uint64_t ts = arrivalNs();
  d.write(regs::TS_LO, uint32_t(ts));
  d.write(regs::TS_HI, uint32_t(ts >> 32));
  size_t before[kNumOutputs];
  for (unsigned o = 0; o < kNumOutputs; ++o)
    before[o] = d.collected(o).size();
  d.push(0, pkt.data);
  if (!d.runUntilIdle(1'000'000))
    return makeError("rtl: the NIC did not finish the packet in 1,000,000 cycles");
  facts_ = RtlFacts{};
  facts_.cycles = d.cycle() - start;
  uint32_t verdict = d.read(regs::LAST_VERDICT);
  uint32_t redirect = d.read(regs::LAST_REDIRECT);
  uint32_t info = d.read(regs::LAST_INFO);
  facts_.fault = info & 1;
  unsigned dest = (info >> 2) & 3;
  PacketOut res;
  res.action = verdict;
  unsigned found = kNumOutputs, count = 0;
  for (unsigned o = 0; o < kNumOutputs; ++o)
    if (d.collected(o).size() > before[o]) {
      found = o;
      count += unsigned(d.collected(o).size() - before[o]);
    }
  if (count != 1)
    return makeError("rtl: the packet came out {} times", count);
  Frame f = std::move(d.collected(found).back());
  d.collected(found).pop_back();
  facts_.output = found;
  facts_.dropped = dest == 0;
  if (!d.accepted(0).empty()) {
    facts_.latencyCycles = f.firstBeatCycle - d.accepted(0).back().firstBeatCycle;
    d.accepted(0).clear();
  }
  unsigned expect = dest == 0 ? kHost : dest == 1 ? kPort0 : dest == 2 ? kPort1 : kHost;
  if (found != expect || (found == kHost && bool((f.tuser >> 2) & 1) != (dest == 0)))
    return makeError("rtl: the packet left by output {}, LAST_INFO says destination {}", found, dest);
  res.data = std::move(f.data);
  if (verdict == 4 /* XDP_REDIRECT */) {
    RedirectTarget rt;
    rt.ifindex = redirect;
    res.redirect = rt;
  }
  return res;
}

std::unique_ptr<Engine> createRtlEngine() { return std::make_unique<RtlEngine>(); }

void registerRtlEngine() { registerEngineFactory("rtl", createRtlEngine); }

} // namespace sluice::sim
