//===- ScalarOps.cpp - Transfer functions of scalars ----------------------===//
//
// Each operation computes bounds in the views where it is easy (unsigned
// ranges for add and shifts, known bits for and/or/xor...) with exact
// 128-bit arithmetic to detect wrap-around, and leaves the other views to
// Scalar::sync(). Constants always fold exactly, which is what lets bounded
// loops run to their end.
//
//===----------------------------------------------------------------------===//
#include "ScalarOps.h"

#include <linux/bpf.h>

#include <algorithm>

namespace sluice::verify {

namespace {

using i128 = __int128;
using u128 = unsigned __int128;

struct View {
  uint64_t umin, umax;
  int64_t smin, smax;
  Tnum tn;
  unsigned w;
};

uint64_t umaskOf(unsigned w) { return w == 64 ? ~0ULL : 0xffffffffULL; }
int64_t sminOf(unsigned w) { return w == 64 ? INT64_MIN : INT32_MIN; }
int64_t smaxOf(unsigned w) { return w == 64 ? INT64_MAX : INT32_MAX; }

View viewOf(const Scalar &s, unsigned w) {
  if (w == 64)
    return {s.umin, s.umax, s.smin, s.smax, s.tn, 64};
  return {s.u32min, s.u32max, s.s32min, s.s32max, s.tn.lo32(), 32};
}

View full(unsigned w) {
  Tnum t = w == 64 ? Tnum::unknown() : Tnum{0, 0xffffffffULL};
  return {0, umaskOf(w), sminOf(w), smaxOf(w), t, w};
}

Scalar unknownOf(unsigned w) {
  return w == 64 ? Scalar::unknown() : Scalar::urange(0, UINT32_MAX);
}

/// The scalar whose w-bit view is v (zero-extended for w == 32).
Scalar fromView(const View &v) {
  Scalar s;
  if (v.w == 64) {
    s.umin = v.umin;
    s.umax = v.umax;
    s.smin = v.smin;
    s.smax = v.smax;
    s.tn = v.tn;
  } else {
    s.u32min = uint32_t(v.umin);
    s.u32max = uint32_t(v.umax);
    s.s32min = int32_t(v.smin);
    s.s32max = int32_t(v.smax);
    s.tn = v.tn.lo32();
    s.umax = UINT32_MAX;
    s.smin = 0;
    s.smax = UINT32_MAX;
  }
  if (!s.sync())
    return unknownOf(v.w);
  return s;
}

/// Writes a narrowed w-bit view back into s.
bool storeView(Scalar &s, const View &v) {
  if (v.umin > v.umax || v.smin > v.smax)
    return false;
  if (v.w == 64) {
    s.umin = std::max(s.umin, v.umin);
    s.umax = std::min(s.umax, v.umax);
    s.smin = std::max(s.smin, v.smin);
    s.smax = std::min(s.smax, v.smax);
    if ((s.tn.value ^ v.tn.value) & ~(s.tn.mask | v.tn.mask))
      return false;
    s.tn = tnumIntersect(s.tn, v.tn);
  } else {
    s.u32min = std::max<uint32_t>(s.u32min, uint32_t(v.umin));
    s.u32max = std::min<uint32_t>(s.u32max, uint32_t(v.umax));
    s.s32min = std::max<int32_t>(s.s32min, int32_t(v.smin));
    s.s32max = std::min<int32_t>(s.s32max, int32_t(v.smax));
    Tnum t{v.tn.value & 0xffffffffULL, (v.tn.mask & 0xffffffffULL) | 0xffffffff00000000ULL};
    if ((s.tn.value ^ t.value) & ~(s.tn.mask | t.mask))
      return false;
    s.tn = tnumIntersect(s.tn, t);
  }
  return s.sync();
}

Tnum maskTn(Tnum t, unsigned w) { return w == 64 ? t : t.lo32(); }

int64_t sext(uint64_t v, unsigned w) { return w == 64 ? int64_t(v) : int64_t(int32_t(uint32_t(v))); }

uint64_t constOp(uint8_t op, uint64_t a, uint64_t b, unsigned w, bool sdiv) {
  uint64_t m = umaskOf(w);
  a &= m;
  b &= m;
  switch (op) {
  case BPF_ADD: return (a + b) & m;
  case BPF_SUB: return (a - b) & m;
  case BPF_MUL: return (a * b) & m;
  case BPF_OR: return a | b;
  case BPF_AND: return a & b;
  case BPF_XOR: return a ^ b;
  case BPF_LSH: return (a << (b & (w - 1))) & m;
  case BPF_RSH: return a >> (b & (w - 1));
  case BPF_ARSH: return uint64_t(sext(a, w) >> (b & (w - 1))) & m;
  case BPF_DIV:
    if (b == 0)
      return 0;
    if (sdiv) {
      int64_t x = sext(a, w), y = sext(b, w);
      if (y == -1)
        return uint64_t(-(u128(x) & m)) & m; // INT_MIN / -1 == INT_MIN
      return uint64_t(x / y) & m;
    }
    return a / b;
  case BPF_MOD:
    if (b == 0)
      return a;
    if (sdiv) {
      int64_t x = sext(a, w), y = sext(b, w);
      if (y == -1)
        return 0;
      return uint64_t(x % y) & m;
    }
    return a % b;
  }
  return 0;
}

} // namespace

Scalar aluScalar(uint8_t op, const Scalar &dstS, const Scalar &srcS, unsigned w, bool sdiv) {
  View a = viewOf(dstS, w), b = viewOf(srcS, w);
  const uint64_t m = umaskOf(w);
  if (a.tn.isConst() && b.tn.isConst()) {
    uint64_t r = constOp(op, a.tn.value, b.tn.value, w, sdiv);
    return w == 64 ? Scalar::constant(r) : Scalar::constant(r & 0xffffffffULL);
  }
  View r = full(w);
  auto fitsU = [&](i128 lo, i128 hi) { return lo >= 0 && hi <= i128(m); };
  auto fitsS = [&](i128 lo, i128 hi) { return lo >= sminOf(w) && hi <= smaxOf(w); };
  switch (op) {
  case BPF_ADD: {
    i128 lo = i128(a.umin) + b.umin, hi = i128(a.umax) + b.umax;
    if (fitsU(lo, hi)) r.umin = uint64_t(lo), r.umax = uint64_t(hi);
    i128 slo = i128(a.smin) + b.smin, shi = i128(a.smax) + b.smax;
    if (fitsS(slo, shi)) r.smin = int64_t(slo), r.smax = int64_t(shi);
    r.tn = maskTn(tnumAdd(a.tn, b.tn), w);
    break;
  }
  case BPF_SUB: {
    i128 lo = i128(a.umin) - i128(b.umax), hi = i128(a.umax) - i128(b.umin);
    if (fitsU(lo, hi)) r.umin = uint64_t(lo), r.umax = uint64_t(hi);
    i128 slo = i128(a.smin) - b.smax, shi = i128(a.smax) - b.smin;
    if (fitsS(slo, shi)) r.smin = int64_t(slo), r.smax = int64_t(shi);
    r.tn = maskTn(tnumSub(a.tn, b.tn), w);
    break;
  }
  case BPF_MUL: {
    u128 hi = u128(a.umax) * b.umax;
    if (hi <= u128(m)) r.umin = a.umin * b.umin, r.umax = uint64_t(hi);
    i128 p[4] = {i128(a.smin) * b.smin, i128(a.smin) * b.smax, i128(a.smax) * b.smin,
                 i128(a.smax) * b.smax};
    bool overflow = false;
    for (i128 x : p) // a product of two 64-bit values overflows i128 only at the extremes
      overflow |= x < sminOf(w) || x > smaxOf(w);
    if (!overflow && (a.smax - a.smin) < (1LL << 31) && (b.smax - b.smin) < (1LL << 31)) {
      r.smin = int64_t(*std::min_element(p, p + 4));
      r.smax = int64_t(*std::max_element(p, p + 4));
    }
    r.tn = maskTn(tnumMul(a.tn, b.tn), w);
    break;
  }
  case BPF_DIV:
    if (sdiv)
      break;
    if (b.tn.isConst()) {
      uint64_t c = b.tn.value;
      if (c == 0)
        return Scalar::constant(0);
      r.umin = a.umin / c, r.umax = a.umax / c;
    } else if (b.umin > 0) {
      r.umin = a.umin / b.umax, r.umax = a.umax / b.umin;
    } else {
      r.umin = 0, r.umax = a.umax;
    }
    break;
  case BPF_MOD:
    if (sdiv)
      break;
    if (b.tn.isConst()) {
      uint64_t c = b.tn.value;
      if (c == 0 || a.umax < c)
        return fromView(a);
      r.umin = 0, r.umax = c - 1;
    } else if (b.umin > 0) {
      r.umin = 0, r.umax = std::min(a.umax, b.umax - 1);
    } else {
      r.umin = 0, r.umax = a.umax;
    }
    break;
  case BPF_AND:
    r.tn = tnumAnd(a.tn, b.tn);
    r.umin = r.tn.value;
    r.umax = std::min({a.umax, b.umax, r.tn.value | r.tn.mask});
    if (a.smin >= 0 || b.smin >= 0)
      r.smin = 0, r.smax = int64_t(std::min<uint64_t>(r.umax, uint64_t(smaxOf(w))));
    break;
  case BPF_OR:
    r.tn = tnumOr(a.tn, b.tn);
    r.umin = std::max({a.umin, b.umin, r.tn.value});
    r.umax = r.tn.value | r.tn.mask;
    break;
  case BPF_XOR:
    r.tn = tnumXor(a.tn, b.tn);
    r.umin = r.tn.value;
    r.umax = r.tn.value | r.tn.mask;
    break;
  case BPF_LSH:
    if (b.umax < w) {
      bool fits = b.umax == 0 || (a.umax >> (w - b.umax)) == 0;
      if (fits)
        r.umin = a.umin << b.umin, r.umax = a.umax << b.umax;
      if (b.tn.isConst())
        r.tn = maskTn(tnumShl(a.tn, unsigned(b.tn.value)), w);
    }
    break;
  case BPF_RSH:
    if (b.umax < w) {
      r.umin = a.umin >> b.umax, r.umax = a.umax >> b.umin;
      if (b.tn.isConst())
        r.tn = tnumShr(a.tn, unsigned(b.tn.value));
    }
    break;
  case BPF_ARSH:
    if (b.tn.isConst() && b.tn.value < w) {
      unsigned s = unsigned(b.tn.value);
      r.smin = a.smin >> s, r.smax = a.smax >> s;
      r.tn = maskTn(tnumAshr(a.tn, s, w), w);
    }
    break;
  }
  return fromView(r);
}

Scalar endScalar(const Scalar &v, int bits, bool toBe, bool alu64) {
  bool swap = alu64 || toBe;
  if (v.isConst()) {
    uint64_t x = v.constValue();
    if (swap) {
      if (bits == 16) x = __builtin_bswap16(uint16_t(x));
      else if (bits == 32) x = __builtin_bswap32(uint32_t(x));
      else x = __builtin_bswap64(x);
    } else if (bits < 64) {
      x &= (1ULL << bits) - 1;
    }
    return Scalar::constant(x);
  }
  if (!swap && bits < 64) {
    // Truncation on a little-endian machine.
    uint64_t m = (1ULL << bits) - 1;
    if (v.umax <= m)
      return v;
    return Scalar::urange(0, m);
  }
  return bits == 64 ? Scalar::unknown() : Scalar::urange(0, (1ULL << bits) - 1);
}

Scalar sextScalar(const Scalar &v, int bits, unsigned w) {
  uint64_t half = 1ULL << (bits - 1);
  uint64_t m = umaskOf(w);
  if (v.isConst()) {
    uint64_t x = v.constValue() & ((half << 1) - 1);
    int64_t s = (x & half) ? int64_t(x) - int64_t(half << 1) : int64_t(x);
    return w == 64 ? Scalar::constant(uint64_t(s)) : Scalar::constant(uint64_t(s) & m);
  }
  if (v.umax < half)
    return w == 64 ? v : v.zext32();
  View r = full(w);
  r.smin = -int64_t(half);
  r.smax = int64_t(half) - 1;
  return fromView(r);
}

int branchOutcome(uint8_t op, const Scalar &as, const Scalar &bs, unsigned w) {
  View a = viewOf(as, w), b = viewOf(bs, w);
  switch (op) {
  case BPF_JEQ:
    if (a.tn.isConst() && b.tn.isConst())
      return a.tn.value == b.tn.value;
    if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax || a.smax < b.smin)
      return 0;
    if ((a.tn.value ^ b.tn.value) & ~(a.tn.mask | b.tn.mask))
      return 0;
    return -1;
  case BPF_JNE: {
    int r = branchOutcome(BPF_JEQ, as, bs, w);
    return r < 0 ? r : !r;
  }
  case BPF_JGT:
    if (a.umin > b.umax) return 1;
    if (a.umax <= b.umin) return 0;
    return -1;
  case BPF_JGE:
    if (a.umin >= b.umax) return 1;
    if (a.umax < b.umin) return 0;
    return -1;
  case BPF_JLT:
    if (a.umax < b.umin) return 1;
    if (a.umin >= b.umax) return 0;
    return -1;
  case BPF_JLE:
    if (a.umax <= b.umin) return 1;
    if (a.umin > b.umax) return 0;
    return -1;
  case BPF_JSGT:
    if (a.smin > b.smax) return 1;
    if (a.smax <= b.smin) return 0;
    return -1;
  case BPF_JSGE:
    if (a.smin >= b.smax) return 1;
    if (a.smax < b.smin) return 0;
    return -1;
  case BPF_JSLT:
    if (a.smax < b.smin) return 1;
    if (a.smin >= b.smax) return 0;
    return -1;
  case BPF_JSLE:
    if (a.smax <= b.smin) return 1;
    if (a.smin > b.smax) return 0;
    return -1;
  case BPF_JSET:
    if (a.tn.value & b.tn.value) return 1;
    if (((a.tn.value | a.tn.mask) & (b.tn.value | b.tn.mask)) == 0) return 0;
    return -1;
  }
  return -1;
}

uint8_t negateJmp(uint8_t op) {
  switch (op) {
  case BPF_JEQ: return BPF_JNE;
  case BPF_JNE: return BPF_JEQ;
  case BPF_JGT: return BPF_JLE;
  case BPF_JLE: return BPF_JGT;
  case BPF_JGE: return BPF_JLT;
  case BPF_JLT: return BPF_JGE;
  case BPF_JSGT: return BPF_JSLE;
  case BPF_JSLE: return BPF_JSGT;
  case BPF_JSGE: return BPF_JSLT;
  case BPF_JSLT: return BPF_JSGE;
  }
  return 0xff; // JSET has no negation in the ISA: see refineBranch
}

uint8_t swapJmp(uint8_t op) {
  switch (op) {
  case BPF_JGT: return BPF_JLT;
  case BPF_JLT: return BPF_JGT;
  case BPF_JGE: return BPF_JLE;
  case BPF_JLE: return BPF_JGE;
  case BPF_JSGT: return BPF_JSLT;
  case BPF_JSLT: return BPF_JSGT;
  case BPF_JSGE: return BPF_JSLE;
  case BPF_JSLE: return BPF_JSGE;
  }
  return op;
}

bool refineBranch(uint8_t op, Scalar &as, Scalar &bs, unsigned w) {
  View a = viewOf(as, w), b = viewOf(bs, w);
  const uint64_t m = umaskOf(w);
  switch (op) {
  case BPF_JEQ: {
    View r = a;
    r.umin = std::max(a.umin, b.umin);
    r.umax = std::min(a.umax, b.umax);
    r.smin = std::max(a.smin, b.smin);
    r.smax = std::min(a.smax, b.smax);
    if ((a.tn.value ^ b.tn.value) & ~(a.tn.mask | b.tn.mask))
      return false;
    r.tn = tnumIntersect(a.tn, b.tn);
    a = b = r;
    break;
  }
  case BPF_JNE:
    for (int k = 0; k < 2; ++k) {
      View &x = k ? b : a;
      const View &c = k ? a : b;
      if (!c.tn.isConst())
        continue;
      uint64_t v = c.tn.value;
      int64_t sv = sext(v, w);
      if (x.tn.isConst() && x.tn.value == v)
        return false;
      if (x.umin == v) ++x.umin;
      if (x.umax == v) --x.umax;
      if (x.smin == sv) ++x.smin;
      if (x.smax == sv) --x.smax;
    }
    break;
  case BPF_JGT:
    if (b.umin >= m || a.umax == 0)
      return false;
    a.umin = std::max(a.umin, b.umin + 1);
    b.umax = std::min(b.umax, a.umax - 1);
    break;
  case BPF_JGE:
    a.umin = std::max(a.umin, b.umin);
    b.umax = std::min(b.umax, a.umax);
    break;
  case BPF_JLT:
    if (a.umin >= m || b.umax == 0)
      return false;
    a.umax = std::min(a.umax, b.umax - 1);
    b.umin = std::max(b.umin, a.umin + 1);
    break;
  case BPF_JLE:
    a.umax = std::min(a.umax, b.umax);
    b.umin = std::max(b.umin, a.umin);
    break;
  case BPF_JSGT:
    if (b.smin >= smaxOf(w) || a.smax == sminOf(w))
      return false;
    a.smin = std::max(a.smin, b.smin + 1);
    b.smax = std::min(b.smax, a.smax - 1);
    break;
  case BPF_JSGE:
    a.smin = std::max(a.smin, b.smin);
    b.smax = std::min(b.smax, a.smax);
    break;
  case BPF_JSLT:
    if (a.smin >= smaxOf(w) || b.smax == sminOf(w))
      return false;
    a.smax = std::min(a.smax, b.smax - 1);
    b.smin = std::max(b.smin, a.smin + 1);
    break;
  case BPF_JSLE:
    a.smax = std::min(a.smax, b.smax);
    b.smin = std::max(b.smin, a.smin);
    break;
  case BPF_JSET:
    if (b.tn.isConst() && __builtin_popcountll(b.tn.value) == 1) {
      a.tn.value |= b.tn.value;
      a.tn.mask &= ~b.tn.value;
    }
    break;
  case 0xff: // !JSET: a & b == 0
    if (b.tn.isConst()) {
      a.tn.value &= ~b.tn.value;
      a.tn.mask &= ~b.tn.value;
    }
    break;
  }
  return storeView(as, a) && storeView(bs, b);
}

} // namespace sluice::verify
