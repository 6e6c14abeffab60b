//===- sluice/Verify/Domain.h - Abstract values of the eBPF verifier ------===//
//
// The abstract domain of compiler/verify: what a register or a stack slot may
// hold at one instruction. A scalar is a set of 64-bit values described four
// ways at once (signed and unsigned ranges of the full register and of its
// low 32 bits, and a tnum of known bits); a pointer is a base (ctx, packet,
// stack, map value...) plus a fixed offset plus a scalar variable offset. The
// verifier keeps every view consistent after each operation; the lifter reads
// these to type memory accesses.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::verify {

/// Known bits: bit i is known when mask bit i is 0, and then equals value bit i.
struct Tnum {
  uint64_t value = 0;
  uint64_t mask = ~0ULL;

  static Tnum constant(uint64_t v) { return {v, 0}; }
  static Tnum unknown() { return {0, ~0ULL}; }
  static Tnum range(uint64_t min, uint64_t max);
  bool isConst() const { return mask == 0; }
  bool contains(const Tnum &o) const; ///< every value of o is a value of this
  bool operator==(const Tnum &o) const = default;
  Tnum lo32() const { return {value & 0xffffffffULL, mask & 0xffffffffULL}; }
  std::string str() const;
};

Tnum tnumAdd(Tnum a, Tnum b);
Tnum tnumSub(Tnum a, Tnum b);
Tnum tnumAnd(Tnum a, Tnum b);
Tnum tnumOr(Tnum a, Tnum b);
Tnum tnumXor(Tnum a, Tnum b);
Tnum tnumMul(Tnum a, Tnum b);
Tnum tnumShl(Tnum a, unsigned s);
Tnum tnumShr(Tnum a, unsigned s);
Tnum tnumAshr(Tnum a, unsigned s, unsigned width);
Tnum tnumIntersect(Tnum a, Tnum b);
Tnum tnumJoin(Tnum a, Tnum b); ///< smallest tnum containing both

/// A set of 64-bit values: the intersection of all views.
struct Scalar {
  int64_t smin = INT64_MIN, smax = INT64_MAX;
  uint64_t umin = 0, umax = UINT64_MAX;
  int32_t s32min = INT32_MIN, s32max = INT32_MAX;
  uint32_t u32min = 0, u32max = UINT32_MAX;
  Tnum tn = Tnum::unknown();

  static Scalar unknown() { return {}; }
  static Scalar constant(uint64_t v);
  /// Values [lo, hi] (unsigned).
  static Scalar urange(uint64_t lo, uint64_t hi);
  bool isConst() const { return tn.isConst(); }
  uint64_t constValue() const { return tn.value; }
  bool contains(const Scalar &o) const; ///< o is a subset of this
  bool operator==(const Scalar &o) const = default;
  /// Tighten every view from the others; false if the set is empty.
  bool sync();
  /// The low 32 bits zero-extended (the result of any 32-bit ALU operation).
  Scalar zext32() const;
  /// Keeps only the 32-bit views (u32/s32/low tnum) and derives 64-bit ones.
  void from32();
  std::string str() const;
};

Scalar scalarJoin(const Scalar &a, const Scalar &b);

/// What a register holds.
enum class RegKind : uint8_t {
  NotInit,        ///< never written on some path: reading it is an error
  Scalar,         ///< a number
  PtrToCtx,       ///< struct xdp_md *
  PtrToPacket,    ///< into the packet, from xdp_md->data
  PtrToPacketMeta,///< into the metadata area, from xdp_md->data_meta
  PtrToPacketEnd, ///< xdp_md->data_end: only comparable
  PtrToStack,     ///< into a stack frame
  MapValue,       ///< into a map value (non-null)
  MapValueOrNull, ///< a lookup result not yet null-checked
  ConstMapPtr,    ///< the map itself (ld_imm64 of a map)
  PtrToFunc,      ///< a callback (ld_imm64 of a function): `off` is its first insn
  Mixed,          ///< only in joined per-instruction states: kinds differ over paths
};

const char *regKindName(RegKind k);

struct RegState {
  RegKind kind = RegKind::NotInit;
  /// Scalars: the value. Pointers: the variable part of the offset.
  Scalar var = Scalar::constant(0);
  /// Pointers: the fixed part of the offset.
  int32_t off = 0;
  /// MapValue/MapValueOrNull/ConstMapPtr: index into Object::maps.
  int32_t map = -1;
  /// Packet/meta pointers: bytes from (base + variable part) known to be
  /// inside the packet (for meta: before data), i.e. an access at fixed
  /// offset o of size n is safe when o >= 0 and o + n <= range.
  int32_t range = 0;
  /// Pointers sharing a variable offset (packet) or a lookup (or-null) share
  /// an id, so that a check on one refines all. 0: none.
  uint32_t id = 0;
  /// Stack pointers: the frame (0 = entry function) they point into.
  uint8_t frame = 0;
  /// Scalars: this value is (the scalar with id `andId`) & andMask, so known
  /// bits learnt here (after `if (x & 0xf0) == 0x40`) hold there too.
  uint32_t andId = 0;
  uint64_t andMask = 0;
  /// Scalars with an id: this value is (the value the id stands for) +
  /// linkOff; `linkAdd` once a constant has been added (only one may be).
  int32_t linkOff = 0;
  bool linkAdd = false;

  static RegState scalar(Scalar s = Scalar::unknown()) {
    RegState r;
    r.kind = RegKind::Scalar;
    r.var = s;
    return r;
  }
  static RegState constant(uint64_t v) { return scalar(Scalar::constant(v)); }
  bool isPtr() const { return kind != RegKind::NotInit && kind != RegKind::Scalar; }
  bool isPkt() const { return kind == RegKind::PtrToPacket || kind == RegKind::PtrToPacketMeta; }
  /// Lowest and highest offset from the base (off + variable part, signed).
  int64_t minOff() const { return int64_t(off) + var.smin; }
  int64_t maxOff() const { return int64_t(off) + var.smax; }
  std::string str() const;
};

/// One byte of a stack frame.
enum class StackByte : uint8_t {
  Invalid, ///< never written
  Misc,    ///< some data
  Zero,    ///< known zero
  Spill,   ///< part of a spilled register (the whole 8-byte slot)
};

/// One 8-byte stack slot, as the per-instruction state exposes it.
struct StackSlot {
  std::array<StackByte, 8> bytes{}; ///< bytes[0] is the lowest address
  RegState spilled;                 ///< valid when every byte is Spill
  bool isSpill() const { return bytes[0] == StackByte::Spill; }
};

/// The state before one instruction, joined over every path that reaches it.
struct InsnState {
  bool reached = false;
  uint8_t frameDepth = 0;             ///< 0 in the entry function
  std::array<RegState, 11> regs;      ///< r0..r10
  /// Slots of the current frame: slots[k] covers fp-8*(k+1) .. fp-8*k-1.
  std::vector<StackSlot> stack;
  std::string str() const;
};

} // namespace sluice::verify
