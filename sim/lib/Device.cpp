//===- Device.cpp - The Verilated NIC as a register-level device -----------===//
#include "sluice/Sim/Device.h"
#include "sluice/Sim/Regs.h"

#include <stdexcept>

#include "Vsluice_nic.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace sluice::sim {

namespace {
constexpr unsigned kBeat = 64;  // 512-bit bus

template <typename W>
void setBeat(W &dst, const Bytes &src, size_t off, size_t n) {
  for (unsigned w = 0; w < kBeat / 4; ++w) {
    uint32_t v = 0;
    for (unsigned b = 0; b < 4; ++b) {
      size_t i = w * 4 + b;
      if (i < n)
        v |= uint32_t(src[off + i]) << (8 * b);
    }
    dst[w] = v;
  }
}

template <typename W>
void appendBeat(Bytes &dst, const W &src, uint64_t keep) {
  for (unsigned i = 0; i < kBeat; ++i)
    if ((keep >> i) & 1)
      dst.push_back(uint8_t(src[i / 4] >> (8 * (i % 4))));
}

uint64_t keepFor(size_t n) { return n >= 64 ? ~0ull : ((1ull << n) - 1); }
} // namespace

struct Device::Impl {
  VerilatedContext ctx;
  std::unique_ptr<Vsluice_nic> m;
  std::unique_ptr<VerilatedFstC> fst;
  uint64_t time = 0;
  Impl() {
    ctx.traceEverOn(true);
    m = std::make_unique<Vsluice_nic>(&ctx, "nic");
  }
  ~Impl() {
    if (fst)
      fst->close();
    m->final();
  }
  void dump() {
    if (fst)
      fst->dump(time);
    ++time;
  }
};

Device::Device() : impl_(std::make_unique<Impl>()) {
  auto &m = *impl_->m;
  m.clk = 0;
  m.s_axil_awvalid = m.s_axil_wvalid = m.s_axil_arvalid = 0;
  m.s_axil_bready = m.s_axil_rready = 0;
  m.s_axil_wstrb = 0xf;
  reset();
}

Device::~Device() = default;

void Device::traceTo(const std::string &path) {
  impl_->fst = std::make_unique<VerilatedFstC>();
  impl_->m->trace(impl_->fst.get(), 99);
  impl_->fst->open(path.c_str());
}

void Device::reset(unsigned cycles) {
  impl_->m->rst = 1;
  tick(cycles);
  impl_->m->rst = 0;
  tick(1);
}

void Device::setReady(unsigned out, std::function<bool(uint64_t)> ready) {
  ready_[out] = std::move(ready);
}

void Device::push(unsigned port, Bytes frame, uint64_t notBefore, uint64_t id) {
  in_[port & 1].push_back({std::move(frame), notBefore, id});
}

void Device::pushHost(unsigned port, Bytes frame) { hostIn_.push_back({port & 1, std::move(frame)}); }

size_t Device::pending(unsigned port) const { return in_[port & 1].size(); }
size_t Device::pendingHost() const { return hostIn_.size(); }

// Inputs for this cycle, from the queues and the ready policies.
void Device::drive() {
  auto &m = *impl_->m;
  auto port = [&](unsigned p, auto &tdata, auto &tkeep, auto &tlast, auto &tvalid) {
    if (in_[p].empty() || in_[p].front().notBefore > cycle_) {
      tvalid = 0;
      return;
    }
    const Bytes &f = in_[p].front().data;
    size_t off = inOff_[p], n = std::min<size_t>(kBeat, f.size() - off);
    setBeat(tdata, f, off, n);
    tkeep = keepFor(n);
    tlast = off + n >= f.size();
    tvalid = 1;
  };
  port(0, m.p0_rx_tdata, m.p0_rx_tkeep, m.p0_rx_tlast, m.p0_rx_tvalid);
  port(1, m.p1_rx_tdata, m.p1_rx_tkeep, m.p1_rx_tlast, m.p1_rx_tvalid);
  if (hostIn_.empty()) {
    m.host_rx_tvalid = 0;
  } else {
    const Bytes &f = hostIn_.front().second;
    size_t n = std::min<size_t>(kBeat, f.size() - hostOff_);
    setBeat(m.host_rx_tdata, f, hostOff_, n);
    m.host_rx_tkeep = keepFor(n);
    m.host_rx_tlast = hostOff_ + n >= f.size();
    m.host_rx_tdest = hostIn_.front().first;
    m.host_rx_tvalid = 1;
  }
  m.p0_tx_tready = ready_[kPort0] ? ready_[kPort0](cycle_) : 1;
  m.p1_tx_tready = ready_[kPort1] ? ready_[kPort1](cycle_) : 1;
  m.host_tx_tready = ready_[kHost] ? ready_[kHost](cycle_) : 1;
}

void Device::settle() {
  drive();
  impl_->m->clk = 0;
  impl_->m->eval();
}

void Device::tick(uint64_t cycles) {
  auto &m = *impl_->m;
  for (uint64_t c = 0; c < cycles; ++c) {
    settle();
    impl_->dump();
    // Handshakes decided before the edge.
    bool in0 = m.p0_rx_tvalid && m.p0_rx_tready, in1 = m.p1_rx_tvalid && m.p1_rx_tready;
    bool hin = m.host_rx_tvalid && m.host_rx_tready;
    auto collect = [&](unsigned o, bool fire, const auto &tdata, uint64_t keep, bool last,
                       uint64_t user) {
      if (!fire)
        return;
      Frame &f = cur_[o];
      if (!curActive_[o]) {
        f = Frame{};
        f.firstBeatCycle = cycle_;
        curActive_[o] = true;
      }
      appendBeat(f.data, tdata, keep);
      if (last) {
        f.lastBeatCycle = cycle_;
        f.tuser = user;
        out_[o].push_back(std::move(f));
        curActive_[o] = false;
      }
    };
    collect(kPort0, m.p0_tx_tvalid && m.p0_tx_tready, m.p0_tx_tdata, m.p0_tx_tkeep, m.p0_tx_tlast, 0);
    collect(kPort1, m.p1_tx_tvalid && m.p1_tx_tready, m.p1_tx_tdata, m.p1_tx_tkeep, m.p1_tx_tlast, 0);
    collect(kHost, m.host_tx_tvalid && m.host_tx_tready, m.host_tx_tdata, m.host_tx_tkeep,
            m.host_tx_tlast, m.host_tx_tuser);
    m.clk = 1;
    m.eval();
    impl_->dump();
    auto advance = [&](unsigned p, bool fire) {
      if (!fire)
        return;
      InFrame &f = in_[p].front();
      if (inOff_[p] == 0)
        accFirst_[p] = cycle_;
      inOff_[p] += kBeat;
      if (inOff_[p] >= f.data.size()) {
        acc_[p].push_back({f.id, accFirst_[p], cycle_});
        in_[p].pop_front();
        inOff_[p] = 0;
      }
    };
    advance(0, in0);
    advance(1, in1);
    if (hin) {
      hostOff_ += kBeat;
      if (hostOff_ >= hostIn_.front().second.size()) {
        hostIn_.pop_front();
        hostOff_ = 0;
      }
    }
    ++cycle_;
  }
}

void Device::write(uint32_t addr, uint32_t value) {
  auto &m = *impl_->m;
  m.s_axil_awaddr = uint16_t(addr);
  m.s_axil_wdata = value;
  m.s_axil_awvalid = m.s_axil_wvalid = 1;
  for (unsigned guard = 0;; ++guard) {
    settle();
    bool done = m.s_axil_awready;
    tick();
    if (done)
      break;
    if (guard > 1000)
      throw std::runtime_error("sluice-sim: AXI-Lite write not accepted");
  }
  m.s_axil_awvalid = m.s_axil_wvalid = 0;
  m.s_axil_bready = 1;
  for (unsigned guard = 0;; ++guard) {
    settle();
    bool done = m.s_axil_bvalid;
    tick();
    if (done)
      break;
    if (guard > 1000)
      throw std::runtime_error("sluice-sim: AXI-Lite write response missing");
  }
  m.s_axil_bready = 0;
}

uint32_t Device::read(uint32_t addr) {
  auto &m = *impl_->m;
  m.s_axil_araddr = uint16_t(addr);
  m.s_axil_arvalid = 1;
  for (unsigned guard = 0;; ++guard) {
    settle();
    bool done = m.s_axil_arready;
    tick();
    if (done)
      break;
    if (guard > 1000)
      throw std::runtime_error("sluice-sim: AXI-Lite read not accepted");
  }
  m.s_axil_arvalid = 0;
  m.s_axil_rready = 1;
  uint32_t v = 0;
  for (unsigned guard = 0;; ++guard) {
    settle();
    bool done = m.s_axil_rvalid;
    v = m.s_axil_rdata;
    tick();
    if (done)
      break;
    if (guard > 1000)
      throw std::runtime_error("sluice-sim: AXI-Lite read response missing");
  }
  m.s_axil_rready = 0;
  return v;
}

uint64_t Device::counter(unsigned index) {
  uint32_t lo = read(regs::counterAddr(index));
  uint32_t hi = read(regs::counterAddr(index) + 4);
  return uint64_t(hi) << 32 | lo;
}

bool Device::runUntilIdle(uint64_t maxCycles) {
  uint64_t end = cycle_ + maxCycles;
  while (cycle_ < end) {
    if (in_[0].empty() && in_[1].empty() && hostIn_.empty() && (read(regs::STATUS) & regs::STATUS_IDLE))
      return true;
    tick(16);
  }
  return false;
}

} // namespace sluice::sim
