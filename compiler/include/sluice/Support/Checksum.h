//===- sluice/Support/Checksum.h - The kernel's checksum helpers ----------===//
//
// bpf_csum_diff() exactly as Linux 6.18 on x86-64 computes it, shared by
// every engine that implements the helper in software.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace sluice {

/// bpf_csum_diff(from, fromSize, to, toSize, seed): the one's-complement sum
/// of `to` minus that of `from`, added to `seed`, folded to 16 bits. No size
/// limits and no 4-byte-multiple rule (Linux 6.18); the last word of an odd
/// size is padded with zeros, as the x86-64 csum_partial() does.
uint32_t bpfCsumDiff(const uint8_t *from, uint32_t fromSize, const uint8_t *to,
                     uint32_t toSize, uint32_t seed);

} // namespace sluice
