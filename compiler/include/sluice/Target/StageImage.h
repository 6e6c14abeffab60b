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

/// A map of the program: its definition (META and MAPS sections) and, from
/// image format v2 on, where it lives (MAPS section): the map stage it is
/// bound to (-1: the datapath never touches it) and its byte offset in that
/// stage's map memory (nicMapLayout's layout, docs/maps-design.md). The map
/// id of map ops is the index in StageImage::maps.
struct ImageMap {
  std::string name;
  uint32_t type = 0, keySize = 0, valueSize = 0, maxEntries = 0;
  uint32_t flags = 0;            ///< map_flags
  int32_t stage = -1;            ///< bound map stage, -1 if unbound
  uint64_t offset = 0;           ///< byte offset in the stage's map memory
  std::vector<uint8_t> initial;  ///< global data: the initial value (value_size bytes)
  /// A replica of map `replicaOf` (a map looked up twice in one packet:
  /// docs/maps-design.md "Two lookups of one map"): the same definition in
  /// another map stage; the host writes every replica and reads the
  /// primary; -1 for a map of the object.
  int32_t replicaOf = -1;
  /// A slice of global-data map `sliceOf` (.data, .bss: docs/maps-design.md
  /// "Global data"): an array whose entry k holds the section's bytes
  /// sliceOffset + k x valueSize ...; the host sees the section, never the
  /// slice; -1 for any other map.
  int32_t sliceOf = -1;
  uint32_t sliceOffset = 0;
  bool operator==(const ImageMap &) const = default;
};

/// One entry of a slice of a global-data section: the slice's map id, its
/// key (the entry index) and the section bytes [offset, offset + bytes) it
/// holds (bytes <= the slice's value_size: the last slice may end with the
/// section).
struct SliceEntry {
  unsigned map = 0;
  uint32_t index = 0;
  uint32_t offset = 0, bytes = 0;
};
/// Every slice entry of section map `section`, in map and entry order.
std::vector<SliceEntry> sectionSlices(const std::vector<ImageMap> &maps, unsigned section);
/// The bytes of slice entry `e` within the section value `section` (the
/// slice's value_size, zero past the section).
std::vector<uint8_t> sliceValue(const std::vector<ImageMap> &maps, const SliceEntry &e,
                                const std::vector<uint8_t> &section);

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
/// per slot/predicate/state per stage, legal extractor and deparser entries,
/// and the map rules (map ops in the map lane / pair lane of map stages,
/// MAPATOM beside a MAPLK, operands in the map lane's read window, keys and
/// values sized from the MAPS section, every op on a map in its bound stage,
/// each bound map inside its stage's memory).
llvm::Error verifyStageImage(const StageImage &img, const TargetParams &target);

/// One micro-op in assembly form, e.g. "[!p2] ADD.w s2, s0, #0x5"; W ops
/// name the low slots, and a W immediate is {pairImm, imm}.
std::string formatUop(const isa::Uop &u, uint32_t pairImm = 0);
/// The whole image as text: header, constants, extractor entries, every
/// non-empty stage lane by lane with its source line, deparser entries.
std::string formatStageImage(const StageImage &img, const TargetParams &target);

/// Map micro-ops (ISA v2, docs/maps-design.md "ISA v2 map operations"),
/// field by field, for the compiler, the model and hand-written images.
enum class MapRmwOp : uint32_t { Add = 0, Or = 1, And = 2, Xor = 3, Xchg = 4 };

/// MAPLK: the transaction's head in the map lane.
struct MapLookupOp {
  unsigned map = 0;          ///< imm 2:0
  unsigned key = 0;          ///< a: first key slot
  unsigned dst = 0;          ///< first read-word slot (map lane's bank)
  unsigned found = 0;        ///< p: the found predicate (0: none)
  unsigned readMask = 0;     ///< imm 7:4: words w0+k read for bit k
  unsigned w0 = 0;           ///< imm 15:8: first value word read
  bool insertOnMiss = false; ///< imm 3
  unsigned insertValue = 0;  ///< b: first value slot inserted on a miss
  unsigned g = 0, gn = 0;    ///< guard
};
/// One read-modify-write of MAPATOM.
struct MapRmw {
  bool en = false;
  bool wide = false;         ///< the 64-bit pair (word, word+1)
  MapRmwOp op = MapRmwOp::Add;
  unsigned word = 0;         ///< value word (32-bit words)
  unsigned operand = 0;      ///< operand slot (wide: pair operand, operand+bank_slots)
  unsigned g = 0, gn = 0;    ///< its own guard
  bool operator==(const MapRmw &) const = default;
};
isa::Uop encodeMapLookup(const MapLookupOp &m);
MapLookupOp decodeMapLookup(const isa::Uop &u);
/// MAPATOM with R0 (always enabled) and R1 (enabled if r1.en).
isa::Uop encodeMapAtom(const MapRmw &r0, const MapRmw &r1 = {});
MapRmw decodeMapAtomR0(const isa::Uop &u);
MapRmw decodeMapAtomR1(const isa::Uop &u);
/// MAPUPD (flags 0 BPF_ANY, 1 BPF_NOEXIST, 2 BPF_EXIST) and MAPDEL.
isa::Uop encodeMapUpdate(unsigned map, unsigned key, unsigned value, unsigned flags, unsigned dst,
                         unsigned g = 0, unsigned gn = 0);
isa::Uop encodeMapDelete(unsigned map, unsigned key, unsigned dst, unsigned g = 0, unsigned gn = 0);

/// CRC-32 (IEEE 802.3, reflected, as zlib's crc32).
uint32_t crc32(const uint8_t *data, size_t size, uint32_t crc = 0);

/// Image format version (the container; the ISA has its own version).
/// v2 adds the MAPS section (id 7).
inline constexpr uint16_t kImageFormatVersion = 2;

} // namespace sluice
