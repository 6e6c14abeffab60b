//===- sluice/Support/NicRandom.h - The NIC's random generator ------------===//
//
// bpf_get_prandom_u32 on the NIC (docs/helpers.md): the parser holds a
// splitmix64 generator that takes one step for every packet entering the
// pipeline, from state 0 at reset; the packet's random word is the high half
// of that step's output. The RTL (sluice_rng.sv, in the extractor), the model and, so
// that they can be compared packet by packet, interp and lifted compute the
// same sequence.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace sluice::nic {

constexpr uint64_t kRngGamma = 0x9e3779b97f4a7c15ull;

/// The random word of the step that made the generator's state `state`.
constexpr uint32_t randomWord(uint64_t state) {
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return uint32_t((z ^ (z >> 31)) >> 32);
}

} // namespace sluice::nic
