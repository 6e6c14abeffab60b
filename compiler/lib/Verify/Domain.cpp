//===- Domain.cpp - Tnums, scalar ranges and their printing ---------------===//
//
// The arithmetic of known bits (tnums) and the consistency step that keeps
// the five views of a scalar (u64, s64, u32, s32, tnum) agreeing with one
// another. Every transfer function in Verifier.cpp computes what it can in
// one view and lets Scalar::sync() carry it to the others.
//
//===----------------------------------------------------------------------===//
#include "sluice/Verify/Domain.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace sluice::verify {

//===----------------------------------------------------------------------===//
// Tnum
//===----------------------------------------------------------------------===//

Tnum Tnum::range(uint64_t min, uint64_t max) {
  uint64_t diff = min ^ max;
  if (diff == 0)
    return constant(min);
  unsigned bits = 64 - std::countl_zero(diff);
  if (bits >= 64)
    return unknown();
  uint64_t low = (1ULL << bits) - 1;
  return {min & ~low, low};
}

bool Tnum::contains(const Tnum &o) const {
  if (o.mask & ~mask)
    return false; // o has a free bit this one fixes
  return ((o.value ^ value) & ~mask) == 0;
}

std::string Tnum::str() const {
  if (isConst())
    return fmt::format("{:#x}", value);
  return fmt::format("({:#x}; {:#x})", value, mask);
}

Tnum tnumAdd(Tnum a, Tnum b) {
  uint64_t sm = a.mask + b.mask, sv = a.value + b.value;
  uint64_t carries = (sm + sv) ^ sv;
  uint64_t mu = carries | a.mask | b.mask;
  return {sv & ~mu, mu};
}

Tnum tnumSub(Tnum a, Tnum b) {
  uint64_t dv = a.value - b.value;
  uint64_t hi = dv + a.mask, lo = dv - b.mask;
  uint64_t mu = (hi ^ lo) | a.mask | b.mask;
  return {dv & ~mu, mu};
}

Tnum tnumAnd(Tnum a, Tnum b) {
  uint64_t v = a.value & b.value;
  uint64_t maybe = (a.value | a.mask) & (b.value | b.mask);
  return {v, maybe & ~v};
}

Tnum tnumOr(Tnum a, Tnum b) {
  uint64_t v = a.value | b.value;
  return {v, (a.mask | b.mask) & ~v};
}

Tnum tnumXor(Tnum a, Tnum b) {
  uint64_t mu = a.mask | b.mask;
  return {(a.value ^ b.value) & ~mu, mu};
}

Tnum tnumMul(Tnum a, Tnum b) {
  if (a.isConst() && b.isConst())
    return Tnum::constant(a.value * b.value);
  // Long multiplication: each bit of a adds b shifted, or "maybe b" when the
  // bit is unknown.
  Tnum acc = Tnum::constant(0);
  for (int i = 0; i < 64 && (a.value | a.mask); ++i) {
    if (a.value & 1)
      acc = tnumAdd(acc, b);
    else if (a.mask & 1)
      acc = tnumAdd(acc, Tnum{0, b.value | b.mask});
    a = tnumShr(a, 1);
    b = tnumShl(b, 1);
  }
  return acc;
}

Tnum tnumShl(Tnum a, unsigned s) { return s >= 64 ? Tnum::constant(0) : Tnum{a.value << s, a.mask << s}; }
Tnum tnumShr(Tnum a, unsigned s) { return s >= 64 ? Tnum::constant(0) : Tnum{a.value >> s, a.mask >> s}; }

Tnum tnumAshr(Tnum a, unsigned s, unsigned width) {
  if (width == 32) {
    int32_t v = int32_t(uint32_t(a.value)), m = int32_t(uint32_t(a.mask));
    s &= 31;
    return {uint32_t(v >> s), uint32_t(m >> s)};
  }
  s &= 63;
  return {uint64_t(int64_t(a.value) >> s), uint64_t(int64_t(a.mask) >> s)};
}

Tnum tnumIntersect(Tnum a, Tnum b) {
  uint64_t v = a.value | b.value, mu = a.mask & b.mask;
  return {v & ~mu, mu};
}

Tnum tnumJoin(Tnum a, Tnum b) {
  uint64_t mu = a.mask | b.mask | (a.value ^ b.value);
  return {a.value & ~mu, mu};
}

//===----------------------------------------------------------------------===//
// Scalar
//===----------------------------------------------------------------------===//

Scalar Scalar::constant(uint64_t v) {
  Scalar s;
  s.smin = s.smax = int64_t(v);
  s.umin = s.umax = v;
  s.s32min = s.s32max = int32_t(uint32_t(v));
  s.u32min = s.u32max = uint32_t(v);
  s.tn = Tnum::constant(v);
  return s;
}

Scalar Scalar::urange(uint64_t lo, uint64_t hi) {
  Scalar s;
  s.umin = lo;
  s.umax = hi;
  s.sync();
  return s;
}

bool Scalar::contains(const Scalar &o) const {
  return smin <= o.smin && o.smax <= smax && umin <= o.umin && o.umax <= umax &&
         s32min <= o.s32min && o.s32max <= s32max && u32min <= o.u32min &&
         o.u32max <= u32max && tn.contains(o.tn);
}

bool Scalar::sync() {
  for (int round = 0; round < 3; ++round) {
    const Scalar before = *this;
    // Known bits bound the unsigned and signed ranges.
    uint64_t tmin = tn.value, tmax = tn.value | tn.mask;
    umin = std::max(umin, tmin);
    umax = std::min(umax, tmax);
    const uint64_t sign = 1ULL << 63;
    if (!(tn.mask & sign)) {
      smin = std::max(smin, int64_t(tmin));
      smax = std::min(smax, int64_t(tmax));
    } else {
      smin = std::max(smin, int64_t(tmin | sign));
      smax = std::min(smax, int64_t(tmax & ~sign));
    }
    uint32_t t32min = uint32_t(tn.value), t32max = uint32_t(tn.value | tn.mask);
    u32min = std::max(u32min, t32min);
    u32max = std::min(u32max, t32max);
    if (!(tn.mask & 0x80000000ULL)) {
      s32min = std::max(s32min, int32_t(t32min));
      s32max = std::min(s32max, int32_t(t32max));
    } else {
      s32min = std::max(s32min, int32_t(t32min | 0x80000000U));
      s32max = std::min(s32max, int32_t(t32max & 0x7fffffffU));
    }
    // Signed <-> unsigned, where the range does not cross the sign boundary.
    if (int64_t(umin) <= int64_t(umax)) {
      smin = std::max(smin, int64_t(umin));
      smax = std::min(smax, int64_t(umax));
    }
    if (smin >= 0 || smax < 0) {
      umin = std::max(umin, uint64_t(smin));
      umax = std::min(umax, uint64_t(smax));
    }
    if (int32_t(u32min) <= int32_t(u32max)) {
      s32min = std::max(s32min, int32_t(u32min));
      s32max = std::min(s32max, int32_t(u32max));
    }
    if (s32min >= 0 || s32max < 0) {
      u32min = std::max(u32min, uint32_t(s32min));
      u32max = std::min(u32max, uint32_t(s32max));
    }
    // 64 -> 32: when the upper halves agree, the low halves form a range.
    if ((umin >> 32) == (umax >> 32)) {
      u32min = std::max(u32min, uint32_t(umin));
      u32max = std::min(u32max, uint32_t(umax));
      if (int32_t(uint32_t(umin)) <= int32_t(uint32_t(umax))) {
        s32min = std::max(s32min, int32_t(uint32_t(umin)));
        s32max = std::min(s32max, int32_t(uint32_t(umax)));
      }
    }
    if ((uint64_t(smin) >> 32) == (uint64_t(smax) >> 32) &&
        int32_t(uint32_t(smin)) <= int32_t(uint32_t(smax))) {
      s32min = std::max(s32min, int32_t(uint32_t(smin)));
      s32max = std::min(s32max, int32_t(uint32_t(smax)));
    }
    // 32 -> 64: with a fixed upper half, the low half's range applies.
    if ((umin >> 32) == (umax >> 32)) {
      uint64_t hi = umin & 0xffffffff00000000ULL;
      umin = std::max(umin, hi | u32min);
      umax = std::min(umax, hi | u32max);
    }
    if (umin > umax || smin > smax || u32min > u32max || s32min > s32max)
      return false;
    // Ranges back into known bits.
    Tnum r = Tnum::range(umin, umax);
    if ((r.value ^ tn.value) & ~(r.mask | tn.mask))
      return false; // contradictory known bits
    tn = tnumIntersect(tn, r);
    Tnum r32 = Tnum::range(u32min, u32max);
    Tnum r32full{r32.value, r32.mask | 0xffffffff00000000ULL};
    if ((r32full.value ^ tn.value) & ~(r32full.mask | tn.mask))
      return false;
    tn = tnumIntersect(tn, r32full);
    if (*this == before)
      break; // a fixed point
  }
  return !(umin > umax || smin > smax || u32min > u32max || s32min > s32max);
}

Scalar Scalar::zext32() const {
  Scalar r;
  r.u32min = u32min;
  r.u32max = u32max;
  r.s32min = s32min;
  r.s32max = s32max;
  r.tn = tn.lo32();
  r.umin = u32min;
  r.umax = u32max;
  r.smin = 0;
  r.smax = UINT32_MAX;
  r.sync();
  return r;
}

void Scalar::from32() { *this = zext32(); }

std::string Scalar::str() const {
  if (isConst())
    return fmt::format("{}", int64_t(constValue()));
  std::string s;
  auto add = [&](const std::string &p) { s += (s.empty() ? "" : ",") + p; };
  if (smin != INT64_MIN) add(fmt::format("smin={}", smin));
  if (smax != INT64_MAX) add(fmt::format("smax={}", smax));
  if (umin != 0) add(fmt::format("umin={}", umin));
  if (umax != UINT64_MAX) add(fmt::format("umax={}", umax));
  if (s32min != INT32_MIN) add(fmt::format("smin32={}", s32min));
  if (s32max != INT32_MAX) add(fmt::format("smax32={}", s32max));
  if (u32min != 0) add(fmt::format("umin32={}", u32min));
  if (u32max != UINT32_MAX) add(fmt::format("umax32={}", u32max));
  if (tn.mask != ~0ULL) add("var_off=" + tn.str());
  return s.empty() ? "unknown" : s;
}

Scalar scalarJoin(const Scalar &a, const Scalar &b) {
  Scalar r;
  r.smin = std::min(a.smin, b.smin);
  r.smax = std::max(a.smax, b.smax);
  r.umin = std::min(a.umin, b.umin);
  r.umax = std::max(a.umax, b.umax);
  r.s32min = std::min(a.s32min, b.s32min);
  r.s32max = std::max(a.s32max, b.s32max);
  r.u32min = std::min(a.u32min, b.u32min);
  r.u32max = std::max(a.u32max, b.u32max);
  r.tn = tnumJoin(a.tn, b.tn);
  r.sync();
  return r;
}

//===----------------------------------------------------------------------===//
// Registers and states
//===----------------------------------------------------------------------===//

const char *regKindName(RegKind k) {
  switch (k) {
  case RegKind::NotInit: return "not_init";
  case RegKind::Scalar: return "scalar";
  case RegKind::PtrToCtx: return "ctx";
  case RegKind::PtrToPacket: return "pkt";
  case RegKind::PtrToPacketMeta: return "pkt_meta";
  case RegKind::PtrToPacketEnd: return "pkt_end";
  case RegKind::PtrToStack: return "fp";
  case RegKind::MapValue: return "map_value";
  case RegKind::MapValueOrNull: return "map_value_or_null";
  case RegKind::ConstMapPtr: return "map_ptr";
  case RegKind::PtrToFunc: return "func";
  case RegKind::Mixed: return "mixed";
  }
  return "?";
}

std::string RegState::str() const {
  switch (kind) {
  case RegKind::NotInit:
  case RegKind::Mixed:
    return regKindName(kind);
  case RegKind::Scalar:
    return var.isConst() ? var.str() : "scalar(" + var.str() + ")";
  default:
    break;
  }
  std::string s = fmt::format("{}(", regKindName(kind));
  if (map >= 0)
    s += fmt::format("map={},", map);
  if (id)
    s += fmt::format("id={},", id);
  s += fmt::format("off={}", off);
  if (!var.isConst() || var.constValue() != 0)
    s += ",var=" + var.str();
  if (isPkt())
    s += fmt::format(",r={}", range);
  if (kind == RegKind::PtrToStack)
    s += fmt::format(",frame={}", frame);
  return s + ")";
}

std::string InsnState::str() const {
  if (!reached)
    return "unreached";
  std::string s;
  for (int r = 0; r <= 10; ++r) {
    if (regs[r].kind == RegKind::NotInit)
      continue;
    s += fmt::format("{}R{}={}", s.empty() ? "" : " ", r, regs[r].str());
  }
  for (size_t k = 0; k < stack.size(); ++k) {
    const StackSlot &sl = stack[k];
    int off = -8 * int(k + 1);
    if (sl.isSpill()) {
      s += fmt::format(" fp{}={}", off, sl.spilled.str());
      continue;
    }
    std::string b;
    bool any = false;
    for (int j = 7; j >= 0; --j) {
      char c = "?mz*"[int(sl.bytes[j])];
      any |= sl.bytes[j] != StackByte::Invalid;
      b += c;
    }
    if (any)
      s += fmt::format(" fp{}={}", off, b);
  }
  return s;
}

} // namespace sluice::verify
