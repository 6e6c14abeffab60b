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
#include "../common/ImageBuilder.h"
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
#include "sluice/Maps/NicMaps.h"
#include "sluice/Object/BpfDefs.h"
#include "sluice/Support/Error.h"
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

  /// The image's maps: clear the memories, then each bound map's layout
  /// (docs/rtl.md: pm 0x4000 + 2m + w, 0x4100), global data through the
  /// host port.
  void loadMaps(const StageImage &img) {
    writePm(0, 0x4100, 0);
    while (top_->map_busy)
      tick();
    for (unsigned m = 0; m < img.maps.size(); ++m) {
      const ImageMap &im = img.maps[m];
      MapDef d;
      d.name = im.name, d.type = im.type, d.key_size = im.keySize, d.value_size = im.valueSize;
      d.max_entries = im.maxEntries;
      uint64_t w0 = 0xffull << 24;
      auto l = nicMapLayout(d, T());
      if (im.stage >= 0 && l) {
        writePm(0, 0x4000 + 2 * m + 1, uint64_t(l->buckets) | (uint64_t(im.offset / 8) << 32));
        bool hash = im.type == BPF_MAP_TYPE_HASH || im.type == BPF_MAP_TYPE_PERCPU_HASH;
        w0 = uint64_t(im.keySize) | uint64_t(im.valueSize) << 8 | uint64_t(hash ? 2 : 1) << 18 |
             uint64_t(uint32_t(im.stage) & 0xff) << 24 | uint64_t(im.maxEntries) << 32;
      } else {
        llvm::consumeError(l.takeError());
      }
      writePm(0, 0x4000 + 2 * m, w0);
      layouts.push_back(l ? *l : NicMapLayout{});
    }
  }
  std::vector<NicMapLayout> layouts;

  struct HostResult {
    bool found = false;
    int rc = 0;
    Bytes key, value;
  };
  /// Starts a host op: a bubble at the input on this edge (no packet).
  void hostIssue(unsigned op, unsigned map, const Bytes &key, const Bytes &value,
                 unsigned flags = 0, uint32_t arg = 0) {
    top_->hp_req = 1;
    top_->hp_op = op;
    top_->hp_map = map;
    top_->hp_flags = flags;
    top_->hp_arg = arg;
    for (unsigned i = 0; i < 16; ++i) top_->hp_key[i] = 0;
    for (unsigned i = 0; i < 64; ++i) top_->hp_val[i] = 0;
    for (size_t i = 0; i < key.size(); ++i) top_->hp_key[i / 4] |= uint32_t(key[i]) << (8 * (i % 4));
    for (size_t i = 0; i < value.size(); ++i) top_->hp_val[i / 4] |= uint32_t(value[i]) << (8 * (i % 4));
    top_->in_valid = 0;
  }
  HostResult hostResult(const ImageMap &m) {
    HostResult r;
    r.found = top_->hp_found;
    r.rc = int32_t(top_->hp_rc);
    r.key.resize(m.keySize);
    r.value.resize(m.valueSize);
    for (size_t i = 0; i < r.key.size(); ++i) r.key[i] = uint8_t(top_->hp_rkey[i / 4] >> (8 * (i % 4)));
    for (size_t i = 0; i < r.value.size(); ++i) r.value[i] = uint8_t(top_->hp_rval[i / 4] >> (8 * (i % 4)));
    return r;
  }
  /// One host op on an idle pipeline.
  HostResult host(const StageImage &img, unsigned op, unsigned map, const Bytes &key,
                  const Bytes &value = {}, unsigned flags = 0, uint32_t arg = 0) {
    top_->en = 1;
    hostIssue(op, map, key, value, flags, arg);
    tick();
    top_->hp_req = 0;
    for (unsigned c = 0; c < 200 && !top_->hp_done; ++c)
      tick();
    EXPECT_TRUE(top_->hp_done);
    return hostResult(img.maps[map]);
  }
  /// Every bound map's entries through "read way i", sorted by key.
  std::vector<MapDump> dumpMaps(const StageImage &img) {
    std::vector<MapDump> out;
    for (unsigned m = 0; m < img.maps.size(); ++m) {
      const ImageMap &im = img.maps[m];
      if (im.stage < 0) continue;
      MapDump d;
      d.name = im.name;
      d.type = im.type;
      uint64_t n = layouts[m].ways + layouts[m].stashEntries;
      for (uint64_t i = 0; i < n; ++i) {
        HostResult r = host(img, 3, m, {}, {}, 0, uint32_t(i));
        EXPECT_EQ(r.rc, 0);
        if (r.found) d.entries.push_back({r.key, r.value});
      }
      std::sort(d.entries.begin(), d.entries.end(),
                [](const MapEntry &a, const MapEntry &b) { return a.key < b.key; });
      out.push_back(std::move(d));
    }
    return out;
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
        if (s.gp->redirectIfindex) {
          EXPECT_EQ(o->redirect, *s.gp->redirectIfindex) << "packet tag " << got;
        }
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

//===-- Map transactions (ISA v2) through the map units ---------------------===//

namespace {


using test::counterImage;  // the model's counter image (tests/common/ImageBuilder.h)

// A flow table and an ACL in two map stages: 'flows' (hash, key bytes
// 14..21) in stage 1: MAPLK with insert-on-miss of {1, 0x55}, reads words 0
// and 1 into s22/s30, found -> p1, MAPATOM adds 1 to word 0 and byte 18..21
// (32-bit) to word 1; 'acl' (hash, key bytes 14..17, value bytes 18..21,
// 24 entries) in stage 5: MAPUPD BPF_NOEXIST, return code in s23. PASS if
// found, DROP if not; s22, s30, s23 deparsed at 20, 24, 28.
StageImage flowImage() {
  StageImage img = StageImage::empty(T());
  img.name = "flows";
  img.maps = {test::imageMap("flows", BPF_MAP_TYPE_HASH, 8, 8, 40, 1),
              test::imageMap("acl", BPF_MAP_TYPE_HASH, 4, 4, 24, 5)};
  test::extractEntry(img, 8, 0, 14, 2);  // s16 = bytes 14..17
  test::extractEntry(img, 9, 0, 18, 2);  // s17 = bytes 18..21
  img.consts[20] = 1;
  img.consts[21] = 0x55;
  MapLookupOp lk;
  lk.map = 0, lk.key = 16, lk.found = 1, lk.readMask = 0x3, lk.w0 = 0, lk.dst = 22;
  lk.insertOnMiss = true, lk.insertValue = 20;
  img.setUop(1, 2, encodeMapLookup(lk));
  img.setUop(1, 3, encodeMapAtom({.en = true, .wide = false, .op = MapRmwOp::Add, .word = 0,
                                  .operand = 20},
                                 {.en = true, .wide = false, .op = MapRmwOp::Add, .word = 1,
                                  .operand = 17}));
  img.setUop(5, 2, encodeMapUpdate(1, 16, 17, 1 /* BPF_NOEXIST */, 23));
  test::setvUop(img, 6, 0, 2, 1, 0);
  test::setvUop(img, 7, 0, 1, 1, 1);
  test::deparseEntry(img, 2, 22, 20);
  test::deparseEntry(img, 3, 30, 24);
  test::deparseEntry(img, 6, 23, 28);
  return img;
}

Bytes mtFrame(uint32_t w14, uint32_t w18, size_t len) {
  Bytes f(len, 0);
  f[12] = 0x08;
  std::memcpy(&f[14], &w14, 4);
  std::memcpy(&f[18], &w18, 4);
  return f;
}

struct MapStep {
  bool hostOp = false;
  PacketIn pkt;
  unsigned op = 0, map = 0, flags = 0;
  Bytes key, value;
};

/// Runs `steps` back to back on the pipeline (one per clock: a packet, or a
/// host op's bubble when no host op is in flight) and one by one on the
/// model; compares every packet, every host result, and the final maps.
void runMapSteps(const StageImage &img, const std::vector<MapStep> &steps, uint64_t *cyclesOut = nullptr) {
  ModelEngine model;
  ASSERT_FALSE(bool(model.loadImage(img)));
  Pipeline p;
  p.load(img, 0);
  p.loadMaps(img);
  struct Want {
    bool host;
    PacketOut out;
    int rc = 0;
    bool found = false;
    Bytes value;
    Bytes in;
  };
  std::vector<Want> want;
  for (const MapStep &s : steps) {
    Want w;
    w.host = s.hostOp;
    if (!s.hostOp) {
      auto o = model.run(s.pkt);
      ASSERT_TRUE(bool(o)) << llvm::toString(o.takeError());
      w.out = *o;
      w.in = s.pkt.data;
    } else {
      const std::string &name = img.maps[s.map].name;
      if (s.op == 0) {
        auto r = model.mapLookup(name, s.key);
        ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
        w.found = r->has_value();
        w.rc = w.found ? 0 : -ENOENT;
        if (w.found) w.value = **r;
      } else if (s.op == 1) {
        w.rc = -takeErrno(model.mapUpdate(name, s.key, s.value, s.flags));
      } else {
        w.rc = -takeErrno(model.mapDelete(name, s.key));
      }
    }
    want.push_back(std::move(w));
  }
  // The pipeline: packets tagged with their step index; a host op waits for
  // the previous one to finish (its bubble is one input cycle).
  std::deque<size_t> hostPending;
  size_t next = 0, gotPk = 0, gotHost = 0;
  size_t nPk = 0;
  for (auto &s : steps) nPk += !s.hostOp;
  uint64_t c0 = p.cycles();
  for (uint64_t guard = 0; (gotPk < nPk || gotHost < steps.size() - nPk) && guard < 10 * steps.size() + 10000; ++guard) {
    auto &top = p.top();
    top.en = 1;
    top.hp_req = 0;
    InPkt in;
    if (next < steps.size() && steps[next].hostOp) {
      if (!top.hp_busy && hostPending.empty()) {
        const MapStep &s = steps[next];
        p.drive(nullptr);
        p.hostIssue(s.op, s.map, s.key, s.value, s.flags);
        hostPending.push_back(next++);
      } else {
        p.drive(nullptr);
      }
    } else if (next < steps.size()) {
      in.data = steps[next].pkt.data;
      in.tag = uint16_t(next);
      p.drive(&in);
      ++next;
    } else {
      p.drive(nullptr);
    }
    p.tick();
    top.hp_req = 0;
    if (auto o = p.sample()) {
      const Want &w = want[o->tag];
      ASSERT_FALSE(w.host);
      PacketOut r = Pipeline::cut(*o, w.in);
      EXPECT_EQ(r.action, w.out.action) << "step " << o->tag;
      EXPECT_EQ(r.data, w.out.data) << "step " << o->tag;
      ++gotPk;
    }
    if (top.hp_done) {
      ASSERT_FALSE(hostPending.empty());
      size_t k = hostPending.front();
      hostPending.pop_front();
      auto r = p.hostResult(img.maps[steps[k].map]);
      EXPECT_EQ(r.rc, want[k].rc) << "host step " << k;
      if (steps[k].op == 0) {
        EXPECT_EQ(r.found, want[k].found) << "host step " << k;
        if (want[k].found) {
          EXPECT_EQ(r.value, want[k].value) << "host step " << k;
        }
      }
      ++gotHost;
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
  ASSERT_EQ(gotPk, nPk);
  ASSERT_EQ(gotHost, steps.size() - nPk);
  if (cyclesOut) *cyclesOut = p.cycles() - c0;
  auto md = model.dumpMaps();
  ASSERT_TRUE(bool(md)) << llvm::toString(md.takeError());
  auto rd = p.dumpMaps(img);
  ASSERT_EQ(rd.size(), md->size());
  for (size_t i = 0; i < rd.size(); ++i) {
    EXPECT_EQ(rd[i].name, (*md)[i].name);
    EXPECT_EQ(rd[i].entries.size(), (*md)[i].entries.size()) << rd[i].name;
    EXPECT_TRUE(rd[i].entries == (*md)[i].entries) << rd[i].name;
  }
}

} // namespace

// The counter image, 10,000 back-to-back packets, most on one entry: the
// RMWs of consecutive packets chain through the unit's forwarding; every
// packet (its pre-RMW read words) and the final array equal the model's.
TEST(RtlPipelineMaps, CounterBackToBackEqualsModel) {
  std::vector<MapStep> steps;
  std::mt19937_64 rng(9);
  for (unsigned i = 0; i < 10000; ++i) {
    MapStep s;
    uint8_t idx = (i % 10 == 9) ? uint8_t(rng() % 6) : 1;  // 4, 5: past the end
    s.pkt.data = mtFrame(idx, 0, 60 + rng() % 200);
    steps.push_back(s);
  }
  uint64_t cycles = 0;
  runMapSteps(counterImage(), steps, &cycles);
  // The first packet goes in on cycle 1 and the last comes out LATENCY - 1
  // cycles after it went in: N packets take N + LATENCY - 1 cycles at one
  // packet per clock.
  EXPECT_EQ(cycles, steps.size() + Pipeline::latency() - 1);
  std::printf("counter: %zu back-to-back packets (90%% on one entry) in %llu cycles "
              "(latency %u): %.4f packets per clock\n",
              steps.size(), (unsigned long long)cycles, Pipeline::latency(),
              double(steps.size()) / double(cycles - (Pipeline::latency() - 1)));
}

// Flows (insert on a miss, RMWs) and an ACL (MAPUPD return codes, a map
// filling up) in two map stages, with host updates, deletes and lookups
// interleaved with the traffic through the host port's bubbles.
TEST(RtlPipelineMaps, FlowsAclAndHostOpsEqualModel) {
  std::vector<MapStep> steps;
  std::mt19937_64 rng(4);
  auto key8 = [](uint32_t a, uint32_t b) {
    Bytes k(8);
    std::memcpy(k.data(), &a, 4);
    std::memcpy(k.data() + 4, &b, 4);
    return k;
  };
  for (unsigned i = 0; i < 3000; ++i) {
    MapStep s;
    uint32_t a = uint32_t(rng() % 60), b = uint32_t(rng() % 3);
    if (rng() % 10 == 0) {
      s.hostOp = true;
      s.map = unsigned(rng() % 2);
      s.op = unsigned(rng() % 3);
      s.flags = unsigned(rng() % 3);
      if (s.map == 0) {
        s.key = key8(a, b);
        s.value = key8(uint32_t(rng() % 5), 7);
      } else {
        s.key = Bytes(4);
        std::memcpy(s.key.data(), &a, 4);
        s.value = Bytes{1, 2, 3, uint8_t(rng())};
      }
    } else {
      s.pkt.data = mtFrame(a, b, 64);
    }
    steps.push_back(s);
  }
  runMapSteps(flowImage(), steps);
}
