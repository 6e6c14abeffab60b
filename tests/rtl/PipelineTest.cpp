//===- PipelineTest.cpp - sluice_pipeline (Verilated) against the model -----===//
//
// The pipeline core alone, Verilated for the default datapath: a stage image
// goes in through the program-memory port (the words the shell's registers
// will write: EXTRACT at 0x1000+e, STAGES at s*lanes+l, DEPARSE at 0x2000+e,
// CONSTS at 0x3000+s), packets through in_*, and the output is cut from
// out_buf as the shell will (docs/rtl.md). Checked: every ISA golden vector
// (tests/golden/isa-v2.json, written by the model) with checkGoldenVector,
// head/tail deltas against the model's facts, and back-to-back packets with
// random stalls (en) and per-packet program banks.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <set>

#include <fmt/format.h>

#include "Vsluice_pipeline.h"
#include "verilated.h"

#include "sluice/Engine/Engine.h"
#include "sluice/Model/Golden.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

using namespace sluice;

namespace {

const TargetParams &T() { return TargetParams::defaults(); }

struct InPkt {
  Bytes data;
  uint32_t ifindex = 1, rxq = 0;
  uint64_t ts = 0;
  unsigned bank = 0;
  uint16_t tag = 0;
};

struct OutPkt {
  uint16_t tag = 0;
  uint32_t verdict = 0, redirect = 0;
  bool fault = false;
  int head = 0, tail = 0;
  unsigned len = 0;
  Bytes buf;  // headroom + window, deparser writes applied
};

/// The Verilated pipeline and what the shell does around it.
class Pipeline {
public:
  Pipeline() : ctx_(std::make_unique<VerilatedContext>()) {
    top_ = std::make_unique<Vsluice_pipeline>(ctx_.get());
    top_->clk = 0;
    top_->en = 1;
    top_->rst = 1;
    tick();
    tick();
    top_->rst = 0;
  }
  ~Pipeline() { top_->final(); }

  static unsigned latency() { return T().pipelineLatencyCycles(); }

  void tick() {
    top_->clk = 0;
    top_->eval();
    top_->clk = 1;
    top_->eval();
    ++cycles_;
  }
  uint64_t cycles() const { return cycles_; }
  Vsluice_pipeline &top() { return *top_; }

  void writePm(unsigned bank, unsigned addr, uint64_t data) {
    top_->pm_we = 1;
    top_->pm_bank = bank;
    top_->pm_addr = addr;
    top_->pm_wdata = data;
    uint8_t en = top_->en, v = top_->in_valid;
    top_->en = 0;  // program writes do not need the pipeline to advance
    top_->in_valid = 0;
    tick();
    top_->pm_we = 0;
    top_->en = en;
    top_->in_valid = v;
  }

  /// The image's sections in the order the loader writes them.
  void load(const StageImage &img, unsigned bank) {
    for (unsigned e = 0; e < img.extract.size(); ++e)
      writePm(bank, 0x1000 + e, img.extract[e]);
    for (unsigned s = 0; s < img.stages.size(); ++s)
      for (unsigned l = 0; l < img.stages[s].size(); ++l)
        writePm(bank, s * T().lanes + l, img.stages[s][l]);
    for (unsigned e = 0; e < img.deparse.size(); ++e)
      writePm(bank, 0x2000 + e, img.deparse[e]);
    for (unsigned s = 0; s < img.consts.size(); ++s)
      writePm(bank, 0x3000 + s, img.consts[s]);
  }

  /// Drives in_* for the next edge (nullptr: no packet).
  void drive(const InPkt *p) {
    top_->in_valid = p != nullptr;
    if (!p)
      return;
    const unsigned W = T().headerWindowBytes;
    for (unsigned i = 0; i < W / 4; ++i) {
      uint32_t w = 0;
      for (unsigned k = 0; k < 4; ++k)
        if (4 * i + k < p->data.size())
          w |= uint32_t(p->data[4 * i + k]) << (8 * k);
      top_->in_window[i] = w;
    }
    top_->in_bank = p->bank;
    top_->in_len = uint16_t(p->data.size());
    top_->in_ifindex = p->ifindex;
    top_->in_rxq = p->rxq;
    top_->in_ts = p->ts;
    top_->in_tag = p->tag;
  }

  /// The output the shell takes on this edge (out_valid && en).
  std::optional<OutPkt> sample() {
    if (!top_->out_valid || !top_->en)
      return std::nullopt;
    OutPkt o;
    o.tag = top_->out_tag;
    o.verdict = top_->out_verdict;
    o.redirect = top_->out_redirect;
    o.fault = top_->out_fault;
    o.head = int16_t(top_->out_head);
    o.tail = int16_t(top_->out_tail);
    o.len = top_->out_len;
    const unsigned n = T().headroomBytes + T().headerWindowBytes;
    o.buf.resize(n);
    for (unsigned i = 0; i < n; ++i)
      o.buf[i] = uint8_t(top_->out_buf[i / 4] >> (8 * (i % 4)));
    return o;
  }

  /// out_buf[H + head .. H + len + tail): window bytes from the pipeline,
  /// the rest of the packet from the input, grown bytes 0.
  static PacketOut cut(const OutPkt &o, const Bytes &in) {
    const int H = int(T().headroomBytes), W = int(T().headerWindowBytes);
    PacketOut r;
    r.action = o.verdict;
    for (int i = H + o.head; i < H + int(o.len) + o.tail; ++i) {
      int off = i - H;
      if (i < H + W)
        r.data.push_back(o.buf[i]);
      else
        r.data.push_back(off < int(in.size()) ? in[off] : 0);
    }
    if (r.action == 4) {
      RedirectTarget rt;
      rt.ifindex = o.redirect;
      r.redirect = rt;
    }
    return r;
  }

private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vsluice_pipeline> top_;
  uint64_t cycles_ = 0;
};

/// One packet at a time, as an Engine, for checkGoldenVector.
class PipelineEngine : public Engine {
public:
  explicit PipelineEngine(Pipeline &p) : p_(p) {}
  std::string_view name() const override { return "rtl-pipeline"; }
  llvm::Error load(const Object &, const Program &) override {
    return llvm::createStringError("not here");
  }
  llvm::Expected<PacketOut> run(const PacketIn &pkt) override {
    InPkt in;
    in.data = pkt.data;
    in.ifindex = pkt.ingress_ifindex;
    in.rxq = pkt.rx_queue_index;
    in.ts = ts;
    in.bank = bank;
    in.tag = ++tag_;
    p_.top().en = 1;
    p_.drive(&in);
    p_.tick();
    p_.drive(nullptr);
    for (unsigned c = 1; c < Pipeline::latency(); ++c) {
      if (p_.sample())
        return llvm::createStringError("a packet came out after %u cycles", c);
      p_.tick();
    }
    auto o = p_.sample();
    if (!o)
      return llvm::createStringError("no packet after %u cycles", Pipeline::latency());
    if (o->tag != in.tag)
      return llvm::createStringError("tag %u, expected %u", o->tag, in.tag);
    last = *o;
    p_.tick();
    return Pipeline::cut(*o, pkt.data);
  }
  llvm::Error mapUpdate(const std::string &, const Bytes &, const Bytes &, uint64_t) override {
    return llvm::createStringError("no maps");
  }
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &, const Bytes &) override {
    return llvm::createStringError("no maps");
  }
  llvm::Error mapDelete(const std::string &, const Bytes &) override {
    return llvm::createStringError("no maps");
  }
  llvm::Expected<std::vector<MapDump>> dumpMaps() override { return std::vector<MapDump>{}; }

  uint64_t ts = 0;
  unsigned bank = 0;
  OutPkt last;

private:
  Pipeline &p_;
  uint16_t tag_ = 0;
};

std::vector<GoldenVector> &vectors() {
  static std::vector<GoldenVector> v = [] {
    auto r = readGoldenVectors(std::string(SLUICE_SOURCE_DIR) + "/tests/golden/isa-v2.json", T());
    if (!r) {
      ADD_FAILURE() << llvm::toString(r.takeError());
      return std::vector<GoldenVector>{};
    }
    return std::move(*r);
  }();
  return v;
}

StageImage imageOf(const GoldenVector &v) {
  auto img = readStageImage(v.image.data(), v.image.size(), T(), v.name);
  if (!img) {
    ADD_FAILURE() << llvm::toString(img.takeError());
    return StageImage::empty(T());
  }
  return std::move(*img);
}

} // namespace

TEST(RtlPipeline, GoldenVectors) {
  ASSERT_EQ(vectors().size(), 33u);
  Pipeline p;
  PipelineEngine eng(p);
  unsigned packets = 0;
  for (size_t i = 0; i < vectors().size(); ++i) {
    const GoldenVector &v = vectors()[i];
    SCOPED_TRACE(v.name);
    StageImage img = imageOf(v);
    eng.bank = unsigned(i % 2);  // both program banks
    p.load(img, eng.bank);
    GoldenHooks hooks;
    hooks.setTimestamp = [&](uint64_t ts) { eng.ts = ts; };
    hooks.lastFaulted = [&] { return eng.last.fault; };
    auto err = checkGoldenVector(v, eng, hooks);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));

    // Head and tail deltas and the redirect register: the model's facts.
    ModelEngine model;
    ASSERT_FALSE(bool(model.loadImage(img)));
    for (size_t k = 0; k < v.packets.size(); ++k) {
      const GoldenPacket &gp = v.packets[k];
      model.setClock(gp.timestampNs);
      auto m = model.run(gp.in);
      ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
      eng.ts = gp.timestampNs;
      auto r = eng.run(gp.in);
      ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
      const ModelFacts &f = model.lastFacts();
      EXPECT_EQ(eng.last.head, f.headDelta) << "packet " << k;
      EXPECT_EQ(eng.last.tail, f.tailDelta) << "packet " << k;
      EXPECT_EQ(eng.last.redirect, f.redirectIfindex) << "packet " << k;
      EXPECT_EQ(eng.last.fault, f.fault) << "packet " << k;
      ++packets;
    }
  }
  std::printf("golden: %zu vectors, %u packets, rtl == model\n", vectors().size(), packets);
}

// Every golden packet of two vectors at once, one per cycle when en allows,
// each with the bank its vector is loaded in; en low about a third of the
// cycles. Outputs come in order and match the golden vectors.
TEST(RtlPipeline, BackToBackWithStallsAndBanks) {
  Pipeline p;
  std::mt19937_64 rng(5);
  uint64_t simCycles = 0;
  auto t0 = std::chrono::steady_clock::now();
  unsigned total = 0;
  for (size_t i = 0; i + 1 < vectors().size(); i += 2) {
    const GoldenVector *vs[2] = {&vectors()[i], &vectors()[i + 1]};
    SCOPED_TRACE(vs[0]->name + " + " + vs[1]->name);
    for (unsigned b = 0; b < 2; ++b)
      p.load(imageOf(*vs[b]), b);
    struct Sent {
      const GoldenPacket *gp;
      InPkt in;
    };
    std::vector<Sent> plan;
    for (unsigned rep = 0; rep < 4; ++rep)
      for (unsigned b = 0; b < 2; ++b)
        for (const GoldenPacket &gp : vs[b]->packets) {
          Sent s{&gp, {}};
          s.in.data = gp.in.data;
          s.in.ifindex = gp.in.ingress_ifindex;
          s.in.rxq = gp.in.rx_queue_index;
          s.in.ts = gp.timestampNs;
          s.in.bank = b;
          plan.push_back(s);
        }
    std::shuffle(plan.begin(), plan.end(), rng);
    for (size_t k = 0; k < plan.size(); ++k)
      plan[k].in.tag = uint16_t(k);
    size_t next = 0, got = 0;
    uint64_t guard = 0;
    while (got < plan.size() && guard++ < 100000) {
      p.top().en = (rng() % 3) != 0;
      p.drive(next < plan.size() ? &plan[next].in : nullptr);
      if (auto o = p.sample()) {
        ASSERT_EQ(o->tag, got) << "out of order";
        const Sent &s = plan[got];
        PacketOut r = Pipeline::cut(*o, s.in.data);
        EXPECT_EQ(r.action, s.gp->verdict) << "packet tag " << got;
        EXPECT_EQ(o->fault, s.gp->fault) << "packet tag " << got;
        EXPECT_EQ(r.data, s.gp->out) << "packet tag " << got;
        if (s.gp->redirectIfindex)
          EXPECT_EQ(o->redirect, *s.gp->redirectIfindex) << "packet tag " << got;
        ++got;
      }
      if (next < plan.size() && p.top().en)
        ++next;
      p.tick();
      ++simCycles;
    }
    EXPECT_EQ(got, plan.size());
    total += unsigned(plan.size());
    p.drive(nullptr);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("back-to-back: %u packets, %llu cycles, %.0f cycles/s\n", total,
              (unsigned long long)simCycles, double(simCycles) / secs);
}

// Exactly LATENCY advancing cycles: with en low, nothing moves.
TEST(RtlPipeline, LatencyCountsOnlyAdvancingCycles) {
  Pipeline p;
  p.load(imageOf(vectors()[0]), 0);
  InPkt in;
  in.data = vectors()[0].packets[0].in.data;
  in.tag = 77;
  p.top().en = 1;
  p.drive(&in);
  p.tick();
  p.drive(nullptr);
  unsigned advanced = 1;
  std::mt19937 rng(1);
  for (unsigned c = 0; c < 1000; ++c) {
    p.top().en = rng() % 2;
    if (auto o = p.sample()) {
      EXPECT_EQ(o->tag, 77);
      EXPECT_EQ(advanced, Pipeline::latency());
      return;
    }
    advanced += p.top().en;
    p.tick();
  }
  FAIL() << "no output";
}

// ---------------------------------------------------------------------------
// Randomized differential: random legal images (every stage and lane filled
// with random micro-ops that respect banks, read windows, pairs, one writer
// per target, VLD ports and div stages, then checked by verifyStageImage),
// random packets, model == pipeline on verdict, bytes, redirect, fault, head
// and tail. Fixed seeds: a mismatch found once stays covered.
namespace {

StageImage randomImage(std::mt19937_64 &rng) {
  const TargetParams &t = T();
  StageImage img = StageImage::empty(t);
  const unsigned L = t.lanes, BS = t.bankSlots(), RW = t.readWindowBanks;
  const unsigned W = t.headerWindowBytes, H = t.headroomBytes;
  auto rnd = [&](uint64_t n) { return unsigned(rng() % n); };
  auto value = [&]() -> uint32_t {
    switch (rnd(6)) {
    case 0: return uint32_t(rng());
    case 1: return 0x80000000u;
    case 2: return 0xffffffffu - rnd(3);
    default: return rnd(48);
    }
  };
  for (auto &c : img.consts)
    c = value();
  for (unsigned e = 0; e < img.extract.size(); ++e) {
    if (rnd(3) == 0)
      continue;
    isa::Extract x;
    x.en = 1;
    if (rnd(4) == 0) {
      x.src = 1;
      x.off = rnd(5);
    } else {
      x.size = rnd(3);
      x.off = rnd(W - (1u << x.size) + 1);
    }
    img.extract[e] = isa::encode(x);
  }
  const auto &div = t.units.at("div");
  const unsigned divL = t.unitLatencyStages("div");
  std::vector<std::set<unsigned>> landing(t.stages);
  auto isVld = [&](unsigned s) {
    return std::find(t.vreadStages.begin(), t.vreadStages.end(), s) != t.vreadStages.end();
  };
  auto isDiv = [&](unsigned s) {
    return std::find(div.stages.begin(), div.stages.end(), s) != div.stages.end();
  };
  for (unsigned s = 0; s < t.stages; ++s) {
    std::set<unsigned> preds;
    bool verdict = false, redirect = false, adjust = false;
    for (unsigned l = 0; l < L; ++l) {
      if (isa::decodeUop(img.stages[s][l]).op == unsigned(isa::Op::PAIR))
        continue;
      isa::Uop u;
      u.g = rnd(3) == 0 ? 0 : rnd(16);
      u.gn = u.g ? rnd(2) : 0;
      const bool canW = l % 2 == 0 && l + 1 < L;
      auto ownSlot = [&] { return l * BS + rnd(BS); };
      auto readSlot = [&] { return ((l + rnd(RW)) % L) * BS + rnd(BS); };
      auto freePred = [&]() -> int {
        for (unsigned tries = 0; tries < 20; ++tries) {
          unsigned p = 1 + rnd(15);
          if (!preds.count(p)) {
            preds.insert(p);
            return int(p);
          }
        }
        return -1;
      };
      auto dstOk = [&](unsigned d, bool w) {
        return !landing[s].count(d) && !(w && landing[s].count(d + BS));
      };
      unsigned kind = rnd(100);
      bool wide = canW && rnd(3) == 0;
      if (l == t.vreadLane && isVld(s) && kind < 12) {
        // A + imm mostly inside the window (slots hold small values half the time)
        u.op = unsigned(isa::Op::VLD);
        u.w = wide;
        u.p = wide ? 3 : rnd(3);
        u.a = wide ? ownSlot() : readSlot();
        u.imm = rnd(8) == 0 ? uint32_t(rng()) : rnd(W / 2);
        u.dst = ownSlot();
        if (!dstOk(u.dst, wide))
          continue;
      } else if (l == div.lane && isDiv(s) && s + divL <= t.stages && kind < 50) {
        u.op = unsigned(isa::Op::DIV) + rnd(4);
        u.w = wide;
        u.a = wide ? ownSlot() : readSlot();
        u.bi = rnd(3) == 0;
        u.b = wide ? ownSlot() : readSlot();
        u.imm = value();
        u.dst = ownSlot();
        landing[s + divL - 1].insert(u.dst);
        if (wide)
          landing[s + divL - 1].insert(u.dst + BS);
      } else if (kind < 55) {
        continue;  // NOP
      } else if (kind < 70) {
        int p = freePred();
        if (p < 0)
          continue;
        u.p = unsigned(p);
        if (rnd(5) == 0) {
          u.op = unsigned(isa::Op::PLUT);
          u.a = rnd(16);
          u.b = rnd(16);
          u.imm = rnd(16);
        } else {
          u.op = unsigned(isa::Op::JEQ) + rnd(11);
          u.w = wide;
          u.a = wide ? ownSlot() : readSlot();
          u.bi = rnd(2);
          u.b = wide ? ownSlot() : readSlot();
          u.imm = value();
        }
      } else if (kind < 76) {
        unsigned which = rnd(3);
        bool &used = which == 0 ? verdict : which == 1 ? redirect : adjust;
        if (used)
          continue;
        used = true;
        u.bi = rnd(3) != 0;
        u.b = readSlot();
        if (which == 0) {
          u.op = unsigned(isa::Op::SETV);
          u.imm = rnd(6);
        } else if (which == 1) {
          u.op = unsigned(isa::Op::REDIR);
          u.imm = value();
        } else {
          u.op = rnd(2) ? unsigned(isa::Op::ADJH) : unsigned(isa::Op::ADJT);
          u.imm = uint32_t(int32_t(rnd(161)) - 80);
          u.dst = ownSlot();
          if (!dstOk(u.dst, false))
            continue;
        }
      } else {
        static const isa::Op alu[] = {
            isa::Op::MOV, isa::Op::ADD, isa::Op::SUB, isa::Op::MUL, isa::Op::MULHU,
            isa::Op::AND, isa::Op::OR, isa::Op::XOR, isa::Op::LSH, isa::Op::RSH,
            isa::Op::ARSH, isa::Op::NEG, isa::Op::BSWAP16, isa::Op::BSWAP32, isa::Op::SEXT8,
            isa::Op::SEXT16, isa::Op::SEXT32, isa::Op::SEL, isa::Op::ADDC};
        isa::Op op = alu[rnd(std::size(alu))];
        const isa::OpInfo *info = isa::opInfo(unsigned(op));
        if (info->w == isa::WMode::No)
          wide = false;
        if (info->w == isa::WMode::Only) {
          if (!canW)
            continue;
          wide = true;
        }
        u.op = unsigned(op);
        u.w = wide;
        u.a = wide ? ownSlot() : readSlot();
        u.bi = rnd(2);
        u.b = wide ? ownSlot() : readSlot();
        u.imm = value();
        u.p = op == isa::Op::SEL ? rnd(16) : 0;
        u.dst = ownSlot();
        if (!dstOk(u.dst, wide))
          continue;
      }
      img.setUop(s, l, u);
      if (u.w) {
        isa::Uop pair;
        pair.op = unsigned(isa::Op::PAIR);
        pair.imm = rnd(2) ? uint32_t(rng()) : 0;
        img.setUop(s, l + 1, pair);
      }
    }
  }
  for (unsigned e = 0; e < img.deparse.size(); ++e) {
    if (rnd(2))
      continue;
    isa::Deparse d;
    d.en = 1;
    d.size = rnd(3);
    d.src = rnd(BS);
    d.g = rnd(2) ? 0 : rnd(16);
    d.gn = d.g ? rnd(2) : 0;
    d.based = rnd(8) == 0;
    d.base = rnd(BS);
    d.pos = rnd(H + W - (1u << d.size) + 1);
    img.deparse[e] = isa::encode(d);
  }
  return img;
}

Bytes randomPacket(std::mt19937_64 &rng) {
  unsigned len = 14 + unsigned(rng() % 220);
  Bytes b(len);
  for (auto &x : b)
    x = uint8_t(rng() % 4 == 0 ? rng() % 4 : rng());
  return b;
}

} // namespace

TEST(RtlPipeline, RandomImagesModelEqualsPipeline) {
  Pipeline p;
  std::mt19937_64 rng(2026);
  unsigned images = 0, refused = 0, packets = 0, faults = 0;
  std::string firstRefusal;
  for (unsigned n = 0; n < 60 && images < 24; ++n) {
    StageImage img = randomImage(rng);
    img.paramHash = T().hash;
    if (auto e = verifyStageImage(img, T())) {
      ++refused;
      if (firstRefusal.empty())
        firstRefusal = llvm::toString(std::move(e));
      else
        llvm::consumeError(std::move(e));
      continue;
    }
    ++images;
    ModelEngine model;
    ASSERT_FALSE(bool(model.loadImage(img)));
    unsigned bank = images % 2;
    p.load(img, bank);
    struct Exp {
      InPkt in;
      PacketOut out;
      ModelFacts facts;
    };
    std::vector<Exp> exp;
    for (unsigned k = 0; k < 24; ++k) {
      Exp x;
      x.in.data = randomPacket(rng);
      x.in.ifindex = unsigned(rng() % 8);
      x.in.rxq = unsigned(rng() % 4);
      x.in.ts = rng();
      x.in.bank = bank;
      x.in.tag = uint16_t(k);
      model.setClock(x.in.ts);
      PacketIn pin;
      pin.data = x.in.data;
      pin.ingress_ifindex = x.in.ifindex;
      pin.rx_queue_index = x.in.rxq;
      auto m = model.run(pin);
      ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
      x.out = *m;
      x.facts = model.lastFacts();
      exp.push_back(std::move(x));
    }
    size_t next = 0, got = 0;
    for (unsigned c = 0; got < exp.size() && c < 10000; ++c) {
      p.top().en = 1;
      p.drive(next < exp.size() ? &exp[next].in : nullptr);
      if (auto o = p.sample()) {
        const Exp &x = exp[got];
        ASSERT_EQ(o->tag, got);
        PacketOut r = Pipeline::cut(*o, x.in.data);
        std::string where = fmt::format("image {} packet {}\n{}", n, got, formatStageImage(img, T()));
        EXPECT_EQ(r.action, x.out.action) << where;
        EXPECT_EQ(r.data, x.out.data) << where;
        EXPECT_EQ(o->fault, x.facts.fault) << x.facts.faultReason << "\n" << where;
        EXPECT_EQ(o->head, x.facts.headDelta) << where;
        EXPECT_EQ(o->tail, x.facts.tailDelta) << where;
        EXPECT_EQ(o->redirect, x.facts.redirectIfindex) << where;
        if (::testing::Test::HasFailure())
          return;
        faults += o->fault;
        ++got;
      }
      if (next < exp.size())
        ++next;
      p.tick();
    }
    ASSERT_EQ(got, exp.size());
    packets += unsigned(got);
  }
  std::printf("random: %u images (%u refused by the verifier, first: %s), %u packets, %u faulted\n",
              images, refused, firstRefusal.c_str(), packets, faults);
  EXPECT_GE(images, 12u);
}
