//===- sluice/Object/Object.h - An XDP object file, as clang built it ------===//
//
// The unmodified `clang -O2 -g -target bpf` object, read once: its maps (BTF
// defined, legacy and global-data sections, through libbpf), its programs
// linked with their bpf-to-bpf sub-programs the way libbpf links them, map
// references resolved to indices into Object::maps, and the BTF line info of
// every instruction. Every engine and every compiler pass starts from here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <linux/bpf.h>

#include "sluice/Object/BpfDefs.h"

#include <cstdint>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

namespace sluice {

/// A C source position from BTF line info. `line == 0` means unknown.
struct SourceLoc {
  std::string file;  ///< as recorded by clang (may be a relative path)
  uint32_t line = 0;
  uint32_t col = 0;
  std::string text;  ///< the source line itself, as BTF carries it

  bool known() const { return line != 0; }
  /// "fw.bpf.c:42:9", or "" when unknown.
  std::string str() const;
};

/// One map of the object. Global data sections (.rodata, .data, .bss and
/// their suffixed forms) are single-entry array maps, as in the kernel.
struct MapDef {
  std::string name;        ///< libbpf's name (for global data: "<obj>.rodata")
  uint32_t type = 0;       ///< enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t flags = 0;      ///< map_flags (BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG...)
  std::string section;     ///< ELF section that defines it (".maps", ".bss", ...)
  bool internal = false;   ///< global data
  bool readonly = false;   ///< .rodata: the program may not write it
  std::vector<uint8_t> initial;  ///< global data: initial image (value_size bytes)
  int inner = -1;          ///< map-in-map: index of the inner map template
};

/// One XDP entry program, linked.
///
/// `insns` is the entry function followed by every sub-program it may call
/// (bpf-to-bpf calls and callbacks), with call offsets fixed up as libbpf does.
/// Map references are resolved in place:
///   ld_imm64 src_reg=BPF_PSEUDO_MAP_FD:    insns[i].imm = map index
///   ld_imm64 src_reg=BPF_PSEUDO_MAP_VALUE: insns[i].imm = map index,
///                                          insns[i+1].imm = byte offset
///   ld_imm64 src_reg=BPF_PSEUDO_FUNC:      insns[i].imm = insn offset from i+1
struct Program {
  std::string name;     ///< function name ("xdp_firewall")
  std::string section;  ///< ELF section ("xdp", "xdp.frags", ...)
  std::vector<bpf_insn> insns;
  std::vector<SourceLoc> lines;  ///< per instruction; same size as insns
  /// Index of the first instruction of each function in `insns`, entry first,
  /// with its name.
  std::vector<std::pair<uint32_t, std::string>> funcs;

  /// "file:line:col" of instruction `idx`, or "<section>+0x<byte offset>".
  std::string where(uint32_t idx) const;
};

class Object {
public:
  /// Reads and links `path`. Every failure is one line naming the file, the
  /// section where it applies, and the reason.
  static llvm::Expected<Object> open(const std::string &path);
  static llvm::Expected<Object> openMem(const std::string &name,
                                        const std::vector<uint8_t> &bytes);

  std::string path;
  /// The object name libbpf is given (basename up to the first '.'); it
  /// prefixes the names of global-data maps, so every engine that opens
  /// `elf` with libbpf must pass it as bpf_object_open_opts::object_name.
  std::string name;
  std::string license;
  std::vector<MapDef> maps;
  std::vector<Program> programs;
  std::vector<uint8_t> elf;  ///< the raw object, for engines that load it (kernel)

  /// Map index by name, or -1.
  int mapIndex(const std::string &name) const;
  /// Program by function name or section name; nullptr if absent. With an
  /// empty name: the only program (nullptr if there are several).
  const Program *findProgram(const std::string &name = "") const;
};

} // namespace sluice
