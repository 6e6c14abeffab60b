//===- sluice/Target/StageImage.h - The stage image: what the NIC loads ----===//
//
// A stage image is a program compiled for one datapath: extractor entries,
// the micro-op words of every stage, deparser writes, the slots' initial
// constants, and metadata (name, maps, the source line of each micro-op). It
// records the stage ISA version and the parameter hash it was built for, and
// a CRC32 over all its bytes; the reader refuses anything else, and anything
// that breaks the ISA's static rules, with one line saying why. The byte
// layout is in docs/image-format.md.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Target/StageIsa.h"
#include "sluice/Target/TargetParams.h"

namespace sluice {

/// A map the program uses (issue 6 gives the datapath its map engine).
struct ImageMap {
  std::string name;
  uint32_t type = 0, keySize = 0, valueSize = 0, maxEntries = 0;
  bool operator==(const ImageMap &) const = default;
};

/// Where a micro-op came from: the eBPF instruction and its C source line.
struct ImageLine {
  uint32_t stage = 0, lane = 0;
  int32_t insn = -1;  ///< BPF instruction index, -1 if none
  std::string file;
  uint32_t line = 0;
  bool operator==(const ImageLine &) const = default;
};

struct StageImage {
  uint32_t isaVersion = isa::kIsaVersion;
  uint64_t paramHash = 0;
  std::string paramsCanonical;              ///< the target's canonical parameters
  std::vector<uint32_t> extract;            ///< one word per extractor entry
  std::vector<std::vector<uint64_t>> stages;///< [stage][lane] micro-op words
  std::vector<uint32_t> deparse;            ///< one word per deparser entry
  std::vector<uint32_t> consts;             ///< initial value of each slot
  std::string name;                         ///< program name
  std::vector<ImageMap> maps;
  std::vector<ImageLine> lines;

  /// An image for `p` that does nothing: every entry off, every lane NOP.
  static StageImage empty(const TargetParams &p);

  isa::Uop uop(unsigned stage, unsigned lane) const { return isa::decodeUop(stages[stage][lane]); }
  void setUop(unsigned stage, unsigned lane, const isa::Uop &u) { stages[stage][lane] = isa::encode(u); }
  bool operator==(const StageImage &) const = default;
};

/// The image's bytes (little-endian, CRC filled in).
std::vector<uint8_t> writeStageImage(const StageImage &img);
llvm::Error writeStageImageFile(const StageImage &img, const std::string &path);

/// Reads an image for `target`, refusing (one line, prefixed by `what`):
/// bad magic, truncated, CRC mismatch, another ISA version, other parameters
/// (naming both hashes and the first differing parameter), a malformed
/// section, or an image that breaks the ISA's rules (verifyStageImage).
llvm::Expected<StageImage> readStageImage(const uint8_t *data, size_t size,
                                          const TargetParams &target, std::string_view what);
llvm::Expected<StageImage> readStageImageFile(const std::string &path, const TargetParams &target);

/// The static ISA rules: defined opcodes, pairs, lanes' read windows and
/// banks, units and variable read ports where the target has them, one writer
/// per slot/predicate/state per stage, legal extractor and deparser entries.
llvm::Error verifyStageImage(const StageImage &img, const TargetParams &target);

/// One micro-op in assembly form, e.g. "[!p2] ADD.w s2, s0, #0x5"; W ops
/// name the low slots, and a W immediate is {pairImm, imm}.
std::string formatUop(const isa::Uop &u, uint32_t pairImm = 0);
/// The whole image as text: header, constants, extractor entries, every
/// non-empty stage lane by lane with its source line, deparser entries.
std::string formatStageImage(const StageImage &img, const TargetParams &target);

/// CRC-32 (IEEE 802.3, reflected, as zlib's crc32).
uint32_t crc32(const uint8_t *data, size_t size, uint32_t crc = 0);

/// Image format version (the container; the ISA has its own version).
inline constexpr uint16_t kImageFormatVersion = 1;

} // namespace sluice
