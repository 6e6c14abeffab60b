//===- ModelEngine.cpp - Executing stage images, bit-exact with the RTL ----===//
//
// One packet: the parser fills the header window (bytes past the packet read
// 0) and the slots (constants, then extractor entries); each stage reads the
// context as it entered the stage and commits all lanes' writes at its end,
// together with unit results due in that stage; after the last stage the
// deparser applies its writes in entry order to the buffer as it arrived
// (headroom, then the packet) and cuts it at the head and tail deltas. The
// rules are docs/stage-isa.md's; the image verifier has already refused what
// breaks them, so nothing here needs to arbitrate between writers.
//
//===----------------------------------------------------------------------===//
#include "sluice/Model/ModelEngine.h"
#include "sluice/Schedule/Compile.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <ctime>

#include "ModelMaps.h"
#include "sluice/Support/Error.h"
#include "sluice/Support/NicRandom.h"

namespace sluice {

using isa::Op;

namespace {

constexpr uint32_t kEinval32 = uint32_t(-22);

struct Context {
  std::array<uint32_t, 32> slot{};
  uint32_t pred = 1;  // bit 0: p0, constant true
  uint32_t verdict = 0, redirect = 0;
  int64_t head = 0, tail = 0;
  bool fault = false;
  std::string faultReason;
  bool p(unsigned i) const { return (pred >> i) & 1; }
  void setP(unsigned i, bool v) { pred = v ? pred | (1u << i) : pred & ~(1u << i); }
};

struct Pending {
  unsigned stage;  // written at the end of this stage
  unsigned dst;
  uint64_t value;
  bool wide;
  bool pred = false;  // a map transaction's found predicate: pred[dst] = value
};

uint32_t alu32(Op op, uint32_t a, uint32_t b, bool selP) {
  switch (op) {
  case Op::MOV: return b;
  case Op::ADD: return a + b;
  case Op::SUB: return a - b;
  case Op::MUL: return a * b;
  case Op::MULHU: return uint32_t((uint64_t(a) * b) >> 32);
  case Op::AND: return a & b;
  case Op::OR: return a | b;
  case Op::XOR: return a ^ b;
  case Op::LSH: return a << (b & 31);
  case Op::RSH: return a >> (b & 31);
  case Op::ARSH: return uint32_t(int32_t(a) >> (b & 31));
  case Op::NEG: return 0u - a;
  case Op::BSWAP16: return ((a & 0xff) << 8) | ((a >> 8) & 0xff);
  case Op::BSWAP32: return __builtin_bswap32(a);
  case Op::SEXT8: return uint32_t(int32_t(int8_t(a)));
  case Op::SEXT16: return uint32_t(int32_t(int16_t(a)));
  case Op::SEL: return selP ? a : b;
  case Op::ADDC: {
    uint64_t s = uint64_t(a) + b;
    return uint32_t(s) + uint32_t(s >> 32);
  }
  case Op::DIV: return b ? a / b : 0;
  case Op::MOD: return b ? a % b : a;
  case Op::SDIV:
    if (!b) return 0;
    if (a == 0x80000000u && b == 0xffffffffu) return a;
    return uint32_t(int32_t(a) / int32_t(b));
  case Op::SMOD:
    if (!b) return a;
    if (a == 0x80000000u && b == 0xffffffffu) return 0;
    return uint32_t(int32_t(a) % int32_t(b));
  default: return 0;
  }
}

uint64_t alu64(Op op, uint64_t a, uint64_t b, bool selP) {
  constexpr uint64_t kMin = 0x8000000000000000ull;
  switch (op) {
  case Op::MOV: return b;
  case Op::ADD: return a + b;
  case Op::SUB: return a - b;
  case Op::MUL: return a * b;
  case Op::AND: return a & b;
  case Op::OR: return a | b;
  case Op::XOR: return a ^ b;
  case Op::LSH: return a << (b & 63);
  case Op::RSH: return a >> (b & 63);
  case Op::ARSH: return uint64_t(int64_t(a) >> (b & 63));
  case Op::NEG: return 0ull - a;
  case Op::BSWAP32: return __builtin_bswap64(a);
  case Op::SEXT8: return uint64_t(int64_t(int8_t(a)));
  case Op::SEXT16: return uint64_t(int64_t(int16_t(a)));
  case Op::SEXT32: return uint64_t(int64_t(int32_t(a)));
  case Op::SEL: return selP ? a : b;
  case Op::DIV: return b ? a / b : 0;
  case Op::MOD: return b ? a % b : a;
  case Op::SDIV:
    if (!b) return 0;
    if (a == kMin && b == ~0ull) return a;
    return uint64_t(int64_t(a) / int64_t(b));
  case Op::SMOD:
    if (!b) return a;
    if (a == kMin && b == ~0ull) return 0;
    return uint64_t(int64_t(a) % int64_t(b));
  default: return 0;
  }
}

template <typename U, typename S>
bool compare(Op op, U a, U b) {
  switch (op) {
  case Op::JEQ: return a == b;
  case Op::JNE: return a != b;
  case Op::JGT: return a > b;
  case Op::JGE: return a >= b;
  case Op::JLT: return a < b;
  case Op::JLE: return a <= b;
  case Op::JSGT: return S(a) > S(b);
  case Op::JSGE: return S(a) >= S(b);
  case Op::JSLT: return S(a) < S(b);
  case Op::JSLE: return S(a) <= S(b);
  case Op::JSET: return (a & b) != 0;
  default: return false;
  }
}

} // namespace

ModelEngine::ModelEngine(const TargetParams &target)
    : target_(target), maps_(std::make_unique<model::ModelMaps>()) {}
ModelEngine::~ModelEngine() = default;

llvm::Error ModelEngine::loadImage(const StageImage &img) {
  if (img.paramHash != target_.hash)
    return makeError("model: image built for datapath parameters 0x{:016x}, this model has 0x{:016x}",
                     img.paramHash, target_.hash);
  if (auto e = verifyStageImage(img, target_))
    return makeError("model: {}", llvm::toString(std::move(e)));
  auto maps = std::make_unique<model::ModelMaps>();
  if (auto e = maps->load(img, target_))
    return e;
  maps_ = std::move(maps);
  image_ = img;
  stagesUsed_ = 0;
  for (unsigned s = 0; s < target_.stages; ++s)
    for (unsigned l = 0; l < target_.lanes; ++l) {
      isa::Uop u = img.uop(s, l);
      if (Op(u.op) == Op::NOP)
        continue;
      unsigned last = s + 1;
      const isa::OpInfo *info = isa::opInfo(u.op);
      if (info->cls == isa::OpClass::Unit)
        last = s + target_.unitLatencyStages(info->unit);
      stagesUsed_ = std::max(stagesUsed_, last);
    }
  return llvm::Error::success();
}

llvm::Expected<PacketOut> ModelEngine::run(const PacketIn &pkt) {
  if (!image_)
    return makeError("model: no stage image loaded");
  const TargetParams &t = target_;
  const StageImage &img = *image_;
  const size_t len = pkt.data.size();
  if (len < 14)
    return makeErrnoError(EINVAL, "model: a {}-byte frame is shorter than 14 bytes", len);
  const unsigned W = t.headerWindowBytes, H = t.headroomBytes, bank = t.bankSlots();

  // Parser: window, constants, extractor.
  std::vector<uint8_t> window(W, 0);
  std::copy_n(pkt.data.begin(), std::min<size_t>(len, W), window.begin());
  auto loadLE = [&](uint64_t off, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
      v |= uint64_t(window[off + i]) << (8 * i);
    return v;
  };
  uint64_t ts = arrivalNs(pkt);
  const uint32_t rand = nic::randomWord(rngState_ += nic::kRngGamma);
  Context ctx;
  for (unsigned s = 0; s < t.slots; ++s)
    ctx.slot[s] = img.consts[s];
  for (unsigned e = 0; e < img.extract.size(); ++e) {
    isa::Extract x = isa::decodeExtract(img.extract[e]);
    if (!x.en)
      continue;
    uint32_t v = 0;
    if (x.src == 0) {
      v = uint32_t(loadLE(x.off, 1u << x.size));
    } else {
      switch (x.off) {
      case 0: v = uint32_t(std::min<size_t>(len, t.maxLinearBytes)); break;
      case 1: v = pkt.ingress_ifindex; break;
      case 2: v = pkt.rx_queue_index; break;
      case 3: v = uint32_t(ts); break;
      case 4: v = uint32_t(ts >> 32); break;
      case 5: v = rand; break;
      case 6: v = uint32_t(len); break;
      }
    }
    ctx.slot[t.extractorSlots[e]] = v;
  }

  facts_ = ModelFacts{};
  facts_.stagesUsed = stagesUsed_;
  facts_.latencyCycles = t.pipelineLatencyCycles();
  std::vector<Pending> pending;
  auto fault = [&](Context &c, std::string why) {
    if (!c.fault) {
      c.fault = true;
      c.faultReason = std::move(why);
    }
  };

  const UnitParams *mapUnit = t.unit("map");
  const unsigned mapLatency = mapUnit ? t.unitLatencyStages("map") : 0;
  std::vector<model::MapWrite> mapWrites;
  for (unsigned s = 0; s < t.stages; ++s) {
    const Context in = ctx;  // every lane reads the context as it entered
    Context &out = ctx;
    for (unsigned l = 0; l < t.lanes; ++l) {
      isa::Uop u = img.uop(s, l);
      Op op = Op(u.op);
      if (op == Op::NOP || op == Op::PAIR || op == Op::MAPATOM)
        continue;  // MAPATOM runs inside the MAPLK's transaction
      if (op == Op::MAPLK || op == Op::MAPUPD || op == Op::MAPDEL) {
        if (in.p(u.g) == bool(u.gn))
          continue;  // a guard-false head op does nothing and writes nothing
        ++facts_.uopsExecuted;
        ++facts_.mapTransactions;
        isa::Uop atom = l + 1 < t.lanes ? img.uop(s, l + 1) : isa::Uop{};
        mapWrites.clear();
        maps_->transaction(u, atom, in.slot.data(), in.pred, bank, mapWrites);
        for (const model::MapWrite &w : mapWrites)
          pending.push_back({s + mapLatency - 1, w.index, w.value, false, w.pred});
        continue;
      }
      const isa::OpInfo *info = isa::opInfo(u.op);
      bool guard = in.p(u.g) != bool(u.gn);
      if (info->cls == isa::OpClass::Cmp || op == Op::PLUT) {
        bool cond;
        if (op == Op::PLUT) {
          unsigned idx = unsigned(in.p(u.a & 15)) + 2 * unsigned(in.p(u.b & 15));
          cond = (u.imm >> idx) & 1;
        } else if (u.w) {
          uint64_t a = in.slot[u.a] | uint64_t(in.slot[u.a + bank]) << 32;
          uint64_t b = u.bi ? (u.imm | uint64_t(img.uop(s, l + 1).imm) << 32)
                            : (in.slot[u.b] | uint64_t(in.slot[u.b + bank]) << 32);
          cond = compare<uint64_t, int64_t>(op, a, b);
        } else {
          uint32_t b = u.bi ? u.imm : in.slot[u.b];
          cond = compare<uint32_t, int32_t>(op, in.slot[u.a], b);
        }
        out.setP(u.p, guard && cond);
        facts_.uopsExecuted += guard;
        continue;
      }
      if (!guard)
        continue;
      ++facts_.uopsExecuted;
      uint32_t a32 = in.slot[u.a], b32 = u.bi ? u.imm : in.slot[u.b];
      uint64_t a64 = 0, b64 = 0;
      if (u.w) {
        a64 = a32 | uint64_t(in.slot[u.a + bank]) << 32;
        b64 = u.bi ? (u.imm | uint64_t(img.uop(s, l + 1).imm) << 32)
                   : (b32 | uint64_t(in.slot[u.b + bank]) << 32);
      }
      auto result = [&]() -> uint64_t {
        return u.w ? alu64(op, a64, b64, in.p(u.p)) : alu32(op, a32, b32, in.p(u.p));
      };
      auto write = [&](uint64_t v) {
        out.slot[u.dst] = uint32_t(v);
        if (u.w)
          out.slot[u.dst + bank] = uint32_t(v >> 32);
      };
      switch (op) {
      case Op::SETV:
        out.verdict = b32;
        break;
      case Op::REDIR:
        out.redirect = b32;
        break;
      case Op::VLD: {
        unsigned n = 1u << u.p;
        uint64_t off = uint64_t(uint32_t(a32 + u.imm));
        if (off + n > W) {
          fault(out, fmt::format("stage {} lane {}: VLD of {} bytes at offset {} is outside the "
                                 "{}-byte header window", s, l, n, off, W));
          break;
        }
        write(loadLE(off, n));
        break;
      }
      case Op::ADJH: {
        int64_t d = int32_t(b32);
        bool ok = in.head + d >= -int64_t(H) && int64_t(len) + in.tail - (in.head + d) >= 14;
        if (ok)
          out.head = in.head + d;
        write(ok ? 0 : kEinval32);
        break;
      }
      case Op::ADJT: {
        int64_t d = int32_t(b32);
        int64_t end = int64_t(len) + in.tail + d;
        bool ok = end <= int64_t(t.maxLinearBytes) && end - in.head >= 14;
        if (ok)
          out.tail = in.tail + d;
        write(ok ? 0 : kEinval32);
        break;
      }
      default:
        if (info->cls == isa::OpClass::Unit)
          pending.push_back({s + t.unitLatencyStages(info->unit) - 1, u.dst, result(), bool(u.w)});
        else
          write(result());
      }
    }
    for (auto &p : pending)
      if (p.stage == s && p.pred) {
        out.setP(p.dst, p.value != 0);
      } else if (p.stage == s) {
        out.slot[p.dst] = uint32_t(p.value);
        if (p.wide)
          out.slot[p.dst + bank] = uint32_t(p.value >> 32);
      }
  }

  // Deparser: ordered writes into the arrival buffer, then the cut.
  size_t grown = size_t(std::max<int64_t>(0, ctx.tail));
  std::vector<uint8_t> buf(H + std::max<size_t>(len + grown, W), 0);
  std::copy(pkt.data.begin(), pkt.data.end(), buf.begin() + H);
  for (unsigned e = 0; e < img.deparse.size(); ++e) {
    isa::Deparse d = isa::decodeDeparse(img.deparse[e]);
    if (!d.en || ctx.p(d.g) == bool(d.gn))
      continue;
    unsigned b0 = (e % t.lanes) * bank;
    uint32_t v = ctx.slot[b0 + d.src];
    uint64_t pos = d.pos + (d.based ? uint64_t(ctx.slot[b0 + d.base]) : 0);
    unsigned n = 1u << d.size;
    if (pos + n > H + W) {
      fault(ctx, fmt::format("deparser entry {}: a {}-byte write at packet offset {} is outside "
                             "the header window", e, n, int64_t(pos) - int64_t(H)));
      continue;
    }
    for (unsigned i = 0; i < n; ++i)
      buf[pos + i] = uint8_t(v >> (8 * i));
  }
  PacketOut res;
  res.action = ctx.fault ? 0 /* XDP_ABORTED */ : ctx.verdict;
  int64_t from = int64_t(H) + ctx.head, to = int64_t(H) + int64_t(len) + ctx.tail;
  res.data.assign(buf.begin() + from, buf.begin() + to);
  if (res.action == 4 /* XDP_REDIRECT */) {
    RedirectTarget rt;
    rt.ifindex = ctx.redirect;
    res.redirect = rt;
  }
  facts_.fault = ctx.fault;
  facts_.faultReason = ctx.faultReason;
  facts_.headDelta = int32_t(ctx.head);
  facts_.tailDelta = int32_t(ctx.tail);
  facts_.redirectIfindex = ctx.redirect;
  return res;
}

llvm::Error ModelEngine::mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                                   uint64_t flags) {
  return maps_->update(map, key, value, flags);
}
llvm::Expected<std::optional<Bytes>> ModelEngine::mapLookup(const std::string &map,
                                                            const Bytes &key) {
  return maps_->lookup(map, key);
}
llvm::Error ModelEngine::mapDelete(const std::string &map, const Bytes &key) {
  return maps_->remove(map, key);
}
llvm::Expected<std::vector<MapDump>> ModelEngine::dumpMaps() { return maps_->dump(); }
uint64_t ModelEngine::mapInsertFails() const { return maps_->insertFails(); }
uint64_t ModelEngine::mapCollisions() const { return maps_->collisions(); }

std::unique_ptr<Engine> createModelEngine() { return std::make_unique<ModelEngine>(); }

} // namespace sluice
