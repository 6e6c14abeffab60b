//===- ScalarOps.h - Transfer functions of scalars ------------------------===//
//
// Private to compiler/lib/Verify: the result of an ALU operation on two
// abstract scalars, whether a comparison is decided, and how a comparison
// narrows its operands on each side of the branch. `w` is 32 or 64: 32-bit
// operations work on the low halves and zero-extend their result, 32-bit
// comparisons narrow the low halves and let Scalar::sync() carry the rest.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "sluice/Verify/Domain.h"

#include <cstdint>

namespace sluice::verify {

/// dst = dst OP src, OP a BPF_ALU operation code (BPF_ADD...), `sdiv` for the
/// signed forms of div/mod (off == 1).
Scalar aluScalar(uint8_t op, const Scalar &dst, const Scalar &src, unsigned w, bool sdiv);

/// Byte swap / endianness conversion (BPF_END): `toBe` for BPF_TO_BE, `alu64`
/// for the unconditional bswap of cpu v4.
Scalar endScalar(const Scalar &v, int bits, bool toBe, bool alu64);

/// movsx: the low `bits` bits sign-extended to w bits.
Scalar sextScalar(const Scalar &v, int bits, unsigned w);

/// 1 when `a OP b` holds for every value, 0 when for none, -1 otherwise.
int branchOutcome(uint8_t op, const Scalar &a, const Scalar &b, unsigned w);

/// Narrows a and b to the values where `a OP b` holds; false if none do.
bool refineBranch(uint8_t op, Scalar &a, Scalar &b, unsigned w);

/// The jump op that holds exactly when `op` does not.
uint8_t negateJmp(uint8_t op);
/// The op with its operands swapped (a > b  <=>  b < a).
uint8_t swapJmp(uint8_t op);

} // namespace sluice::verify
