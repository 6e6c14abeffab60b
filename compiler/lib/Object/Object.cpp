//===- Object.cpp - Reading and linking an XDP object file ----------------===//
//
// Two readers over the same bytes. libbpf opens the object exactly as it
// would for the kernel and is the authority on maps: BTF-defined and legacy
// definitions, global-data sections, inner maps. libelf then walks what
// libbpf keeps private before load: each program's instructions, the
// relocations that name maps, global data and sub-programs, and the
// .BTF.ext line info. Linking follows libbpf's rules: a sub-program is
// appended once, after the entry function, and call offsets are rewritten
// to point at the appended copy.
//
// Every failure is one line: "<file>: <section>: <reason>".
//
//===----------------------------------------------------------------------===//
#include "sluice/Object/Object.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include <cstdarg>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice/Support/Error.h"

namespace sluice {

namespace {
/// Why a kfunc call is refused, and what to do instead.
constexpr const char *kKfuncWhy =
    "a kfunc runs inside the host kernel, which the NIC does not have; keep what the program "
    "needs from the host in a map the host fills, or leave this program on the host";
} // namespace

std::string SourceLoc::str() const {
  if (!known())
    return "";
  return fmt::format("{}:{}:{}", file, line, col);
}

std::string Program::where(uint32_t idx) const {
  if (idx < lines.size() && lines[idx].known())
    return lines[idx].str();
  return fmt::format("{}+0x{:x}", section, idx * sizeof(bpf_insn));
}

int Object::mapIndex(const std::string &n) const {
  for (size_t i = 0; i < maps.size(); ++i)
    if (maps[i].name == n)
      return int(i);
  return -1;
}

const Program *Object::findProgram(const std::string &n) const {
  if (n.empty())
    return programs.size() == 1 ? &programs[0] : nullptr;
  for (const Program &p : programs)
    if (p.name == n)
      return &p;
  const Program *bySection = nullptr;
  for (const Program &p : programs)
    if (p.section == n) {
      if (bySection)
        return nullptr; // ambiguous
      bySection = &p;
    }
  return bySection;
}

namespace {

// libbpf reports through a process-wide print callback; collect its warnings
// while one open is in progress so the error can quote libbpf's reason.
std::mutex libbpfLogMutex;
std::string *libbpfLog = nullptr;

int collectLibbpfLog(enum libbpf_print_level level, const char *fmt, va_list ap) {
  if (level == LIBBPF_DEBUG || !libbpfLog)
    return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  *libbpfLog += buf;
  return n;
}

/// The last non-empty line libbpf printed, without its "libbpf: " prefix.
std::string lastLine(const std::string &log) {
  std::string line;
  size_t end = log.size();
  while (end > 0) {
    size_t start = log.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    line = log.substr(start, end - start);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
      line.pop_back();
    if (!line.empty())
      break;
    end = start ? start - 1 : 0;
  }
  if (line.rfind("libbpf: ", 0) == 0)
    line = line.substr(8);
  return line;
}

struct Section {
  std::string name;
  GElf_Shdr hdr{};
  const uint8_t *data = nullptr; // nullptr for SHT_NOBITS
  size_t size = 0;
};

struct Symbol {
  std::string name;
  GElf_Sym sym{};
};

struct Reloc {
  uint64_t offset; // byte offset in the target section
  uint32_t sym;
  uint32_t type;
};

struct Function {
  std::string name;
  uint32_t sec;
  uint32_t start; // instruction index in its section
  uint32_t count;
};

bool isDataSection(const Section &s, const char *base) {
  size_t n = std::strlen(base);
  return s.name == base || (s.name.size() > n && s.name.compare(0, n, base) == 0 &&
                            s.name[n] == '.');
}

/// Reads everything libelf can tell about the object, bounds-checked.
class ElfReader {
public:
  ElfReader(std::string file, std::vector<uint8_t> &bytes) : file_(std::move(file)) {
    elf_version(EV_CURRENT);
    elf_ = elf_memory(reinterpret_cast<char *>(bytes.data()), bytes.size());
  }
  ~ElfReader() {
    if (elf_)
      elf_end(elf_);
  }

  llvm::Error read() {
    if (!elf_)
      return err("", "not an ELF file ({})", elf_errmsg(-1));
    if (elf_kind(elf_) != ELF_K_ELF)
      return err("", "not an ELF file");
    GElf_Ehdr eh;
    if (!gelf_getehdr(elf_, &eh))
      return err("", "bad ELF header ({})", elf_errmsg(-1));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64)
      return err("", "not a 64-bit ELF object");
    if (eh.e_machine != EM_BPF)
      return err("", "ELF machine is {}, not BPF (build with clang -target bpf)",
                 eh.e_machine);
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
      return err("", "big-endian BPF objects are not supported (use -target bpf or bpfel)");
    if (eh.e_type != ET_REL)
      return err("", "not a relocatable object (ET_REL)");
    size_t shstrndx;
    if (elf_getshdrstrndx(elf_, &shstrndx))
      return err("", "no section name table ({})", elf_errmsg(-1));
    size_t nsec;
    if (elf_getshdrnum(elf_, &nsec))
      return err("", "bad section count ({})", elf_errmsg(-1));
    secs_.resize(nsec);
    for (Elf_Scn *scn = nullptr; (scn = elf_nextscn(elf_, scn));) {
      size_t idx = elf_ndxscn(scn);
      if (idx >= nsec)
        return err("", "section index {} out of range", idx);
      Section &s = secs_[idx];
      if (!gelf_getshdr(scn, &s.hdr))
        return err(fmt::format("section {}", idx), "bad header ({})", elf_errmsg(-1));
      const char *nm = elf_strptr(elf_, shstrndx, s.hdr.sh_name);
      if (!nm)
        return err(fmt::format("section {}", idx), "bad name ({})", elf_errmsg(-1));
      s.name = nm;
      if (s.hdr.sh_type == SHT_NOBITS) {
        s.size = s.hdr.sh_size;
        continue;
      }
      Elf_Data *d = elf_getdata(scn, nullptr);
      if (!d && s.hdr.sh_size)
        return err(s.name, "cannot read data ({})", elf_errmsg(-1));
      if (d) {
        s.data = static_cast<const uint8_t *>(d->d_buf);
        s.size = d->d_size;
        if (!s.data && s.size)
          return err(s.name, "section data missing");
      }
    }
    for (uint32_t i = 0; i < secs_.size(); ++i) {
      const Section &s = secs_[i];
      if (s.hdr.sh_type == SHT_SYMTAB) {
        if (symtab_)
          return err(s.name, "more than one symbol table");
        symtab_ = i;
      }
    }
    if (!symtab_)
      return err("", "no symbol table (was the object stripped?)");
    if (auto e = readSymbols())
      return e;
    return readRelocs();
  }

  template <typename... Args>
  llvm::Error err(const std::string &section, fmt::format_string<Args...> f,
                  Args &&...args) const {
    std::string msg = fmt::format(f, std::forward<Args>(args)...);
    if (section.empty())
      return makeError("{}: {}", file_, msg);
    return makeError("{}: {}: {}", file_, section, msg);
  }

  const std::vector<Section> &sections() const { return secs_; }
  const std::vector<Symbol> &symbols() const { return syms_; }
  const std::map<uint64_t, Reloc> *relocs(uint32_t sec) const {
    auto it = relocs_.find(sec);
    return it == relocs_.end() ? nullptr : &it->second;
  }
  std::optional<uint32_t> sectionByName(const std::string &n) const {
    for (uint32_t i = 0; i < secs_.size(); ++i)
      if (secs_[i].name == n)
        return i;
    return std::nullopt;
  }
  bool isExec(uint32_t sec) const {
    return sec < secs_.size() && secs_[sec].hdr.sh_type == SHT_PROGBITS &&
           (secs_[sec].hdr.sh_flags & SHF_EXECINSTR);
  }

  /// The function symbol of `sec` covering instruction `insn`.
  std::optional<Function> functionAt(uint32_t sec, uint32_t insn) const {
    for (const Symbol &s : syms_) {
      if (GELF_ST_TYPE(s.sym.st_info) != STT_FUNC || s.sym.st_shndx != sec)
        continue;
      uint64_t start = s.sym.st_value / sizeof(bpf_insn);
      uint64_t count = s.sym.st_size / sizeof(bpf_insn);
      if (insn >= start && insn < start + count)
        return Function{s.name, sec, uint32_t(start), uint32_t(count)};
    }
    return std::nullopt;
  }

private:
  llvm::Error readSymbols() {
    const Section &st = secs_[symtab_];
    Elf_Scn *scn = elf_getscn(elf_, symtab_);
    Elf_Data *d = elf_getdata(scn, nullptr);
    if (!d || st.hdr.sh_entsize != sizeof(Elf64_Sym))
      return err(st.name, "malformed symbol table");
    size_t n = d->d_size / sizeof(Elf64_Sym);
    syms_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (!gelf_getsym(d, int(i), &syms_[i].sym))
        return err(st.name, "bad symbol {}", i);
      const char *nm = elf_strptr(elf_, st.hdr.sh_link, syms_[i].sym.st_name);
      syms_[i].name = nm ? nm : "";
      uint16_t shn = syms_[i].sym.st_shndx;
      if (shn != SHN_UNDEF && shn < SHN_LORESERVE && shn >= secs_.size())
        return err(st.name, "symbol '{}' names section {} of {}", syms_[i].name, shn,
                   secs_.size());
      if (GELF_ST_TYPE(syms_[i].sym.st_info) == STT_FUNC && shn < secs_.size()) {
        const Section &fs = secs_[shn];
        if (syms_[i].sym.st_value % sizeof(bpf_insn) ||
            syms_[i].sym.st_size % sizeof(bpf_insn) ||
            syms_[i].sym.st_value + syms_[i].sym.st_size > fs.size)
          return err(fs.name, "function '{}' lies outside its section", syms_[i].name);
      }
    }
    return llvm::Error::success();
  }

  llvm::Error readRelocs() {
    for (uint32_t i = 0; i < secs_.size(); ++i) {
      const Section &s = secs_[i];
      if (s.hdr.sh_type == SHT_RELA)
        return err(s.name, "RELA relocations are not produced by clang for BPF");
      if (s.hdr.sh_type != SHT_REL)
        continue;
      uint32_t target = s.hdr.sh_info;
      if (target >= secs_.size())
        return err(s.name, "relocates section {} which does not exist", target);
      if (!isExec(target))
        continue; // relocations of data (.maps inner-map slots, BTF) are libbpf's
      if (s.hdr.sh_link != symtab_)
        return err(s.name, "relocations refer to a second symbol table");
      Elf_Data *d = elf_getdata(elf_getscn(elf_, i), nullptr);
      if (!d)
        return err(s.name, "cannot read relocations");
      size_t n = s.hdr.sh_entsize ? d->d_size / s.hdr.sh_entsize : 0;
      auto &out = relocs_[target];
      for (size_t k = 0; k < n; ++k) {
        GElf_Rel r;
        if (!gelf_getrel(d, int(k), &r))
          return err(s.name, "bad relocation {}", k);
        uint32_t sym = GELF_R_SYM(r.r_info);
        if (sym >= syms_.size())
          return err(s.name, "relocation {} names symbol {} of {}", k, sym, syms_.size());
        if (r.r_offset % sizeof(bpf_insn) || r.r_offset >= secs_[target].size)
          return err(s.name, "relocation {} at offset 0x{:x} is not on an instruction", k,
                     r.r_offset);
        out[r.r_offset] = Reloc{r.r_offset, sym, uint32_t(GELF_R_TYPE(r.r_info))};
      }
    }
    return llvm::Error::success();
  }

  std::string file_;
  Elf *elf_ = nullptr;
  std::vector<Section> secs_;
  std::vector<Symbol> syms_;
  uint32_t symtab_ = 0;
  std::map<uint32_t, std::map<uint64_t, Reloc>> relocs_;
};

/// .BTF.ext line info: for each section name, (byte offset, location) sorted.
using LineTable = std::map<std::string, std::vector<std::pair<uint32_t, SourceLoc>>>;

llvm::Error readLineInfo(const ElfReader &elf, const struct btf *btf, LineTable &out,
                         const std::string &file) {
  auto idx = elf.sectionByName(".BTF.ext");
  if (!idx || !btf)
    return llvm::Error::success(); // no -g: locations fall back to offsets
  const Section &s = elf.sections()[*idx];
  auto bad = [&](const char *why) {
    return makeError("{}: .BTF.ext: {}", file, why);
  };
  auto u32 = [&](size_t off) {
    uint32_t v;
    std::memcpy(&v, s.data + off, 4);
    return v;
  };
  if (s.size < 8 + 16)
    return bad("header truncated");
  uint16_t magic;
  std::memcpy(&magic, s.data, 2);
  if (magic != 0xeB9F)
    return bad("bad magic");
  uint32_t hdrLen = u32(4);
  if (hdrLen < 24 || hdrLen > s.size)
    return bad("bad header length");
  uint64_t lineOff = uint64_t(hdrLen) + u32(16), lineLen = u32(20);
  if (lineLen == 0)
    return llvm::Error::success();
  if (lineOff + lineLen > s.size || lineLen < 4)
    return bad("line info lies outside the section");
  size_t p = lineOff, end = lineOff + lineLen;
  uint32_t recSize = u32(p);
  p += 4;
  if (recSize < 16)
    return bad("line info record too small");
  while (p < end) {
    if (p + 8 > end)
      return bad("truncated line info section header");
    uint32_t secNameOff = u32(p), num = u32(p + 4);
    p += 8;
    if (uint64_t(num) * recSize > end - p)
      return bad("line info records run past the section");
    const char *secName = btf__name_by_offset(btf, secNameOff);
    if (!secName)
      return bad("line info names an unknown section");
    auto &vec = out[secName];
    for (uint32_t i = 0; i < num; ++i, p += recSize) {
      SourceLoc loc;
      const char *f = btf__name_by_offset(btf, u32(p + 4));
      const char *t = btf__name_by_offset(btf, u32(p + 8));
      uint32_t lc = u32(p + 12);
      loc.file = f ? f : "";
      loc.text = t ? t : "";
      loc.line = lc >> 10;
      loc.col = lc & 0x3ff;
      vec.emplace_back(u32(p), std::move(loc));
    }
    std::stable_sort(vec.begin(), vec.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
  }
  return llvm::Error::success();
}

/// Links one entry function and the sub-programs it reaches.
class Linker {
public:
  Linker(const ElfReader &elf, const Object &obj, const LineTable &lines,
         const std::map<std::string, int> &mapBySymbol,
         const std::map<uint32_t, int> &mapBySection)
      : elf_(elf), obj_(obj), lines_(lines), mapBySymbol_(mapBySymbol),
        mapBySection_(mapBySection) {}

  llvm::Expected<Program> link(const Function &entry) {
    Program prog;
    prog.name = entry.name;
    prog.section = elf_.sections()[entry.sec].name;
    append(prog, entry);
    // Appending grows the program; walk until no new code is added.
    for (size_t i = 0; i < prog.insns.size(); ++i) {
      if (auto e = fixup(prog, i))
        return e;
    }
    return prog;
  }

private:
  struct Origin {
    uint32_t sec;
    uint32_t insn;
  };

  uint32_t append(Program &prog, const Function &f) {
    uint32_t base = prog.insns.size();
    const Section &s = elf_.sections()[f.sec];
    const auto *code = reinterpret_cast<const bpf_insn *>(s.data);
    prog.funcs.emplace_back(base, f.name);
    const std::vector<std::pair<uint32_t, SourceLoc>> *table = nullptr;
    if (auto it = lines_.find(s.name); it != lines_.end())
      table = &it->second;
    SourceLoc cur;
    for (uint32_t k = 0; k < f.count; ++k) {
      bpf_insn insn;
      std::memcpy(&insn, code + f.start + k, sizeof(insn));
      prog.insns.push_back(insn);
      origin_.push_back({f.sec, f.start + k});
      if (table) {
        uint32_t off = (f.start + k) * sizeof(bpf_insn);
        auto it = std::upper_bound(table->begin(), table->end(), off,
                                   [](uint32_t o, const auto &e) { return o < e.first; });
        if (it != table->begin() && std::prev(it)->first >= f.start * sizeof(bpf_insn))
          cur = std::prev(it)->second;
      }
      prog.lines.push_back(cur);
    }
    placed_[{f.sec, f.start}] = base;
    return base;
  }

  /// Index in `prog` of instruction `insn` of section `sec`, appending the
  /// function that contains it if it is not linked yet.
  llvm::Expected<uint32_t> place(Program &prog, uint32_t sec, int64_t insn,
                                 uint32_t from) {
    const Section &s = elf_.sections()[sec];
    if (!elf_.isExec(sec) || insn < 0 || uint64_t(insn) >= s.size / sizeof(bpf_insn))
      return makeError("{}: {}: instruction {} jumps to {}+{} which is outside the code",
                       obj_.path, prog.section, from, s.name, insn);
    auto f = elf_.functionAt(sec, uint32_t(insn));
    if (!f)
      return makeError("{}: {}: instruction {} calls {}+{} which is in no function",
                       obj_.path, prog.section, from, s.name, insn);
    auto it = placed_.find({f->sec, f->start});
    uint32_t base = it != placed_.end() ? it->second : append(prog, *f);
    return base + uint32_t(insn - f->start);
  }

  llvm::Error fixup(Program &prog, size_t i) {
    bpf_insn &insn = prog.insns[i];
    Origin o = origin_[i];
    const auto *relocs = elf_.relocs(o.sec);
    const Reloc *rel = nullptr;
    if (relocs) {
      auto it = relocs->find(uint64_t(o.insn) * sizeof(bpf_insn));
      if (it != relocs->end())
        rel = &it->second;
    }
    const std::string &secName = elf_.sections()[o.sec].name;
    auto fail = [&](const std::string &why) {
      return makeError("{}: {}: {}: {} [insn {}]", obj_.path, secName, prog.where(i), why, i);
    };
    bool isLdImm64 = insn.code == (BPF_LD | BPF_IMM | BPF_DW);
    bool isCall = insn.code == (BPF_JMP | BPF_CALL);

    if (isLdImm64) {
      if (i + 1 >= prog.insns.size() || origin_[i + 1].sec != o.sec)
        return fail("ld_imm64 is truncated (its second half is missing)");
    }
    if (isCall && insn.src_reg == BPF_PSEUDO_CALL) {
      int64_t target;
      uint32_t sec = o.sec;
      if (rel) {
        const Symbol &sym = elf_.symbols()[rel->sym];
        sec = sym.sym.st_shndx;
        if (sec == SHN_UNDEF)
          return fail(fmt::format("call to extern '{}' (kfuncs are not supported): {}", sym.name,
                                  kKfuncWhy));
        if (sec >= elf_.sections().size())
          return fail(fmt::format("call to undefined function '{}'", sym.name));
        target = int64_t(sym.sym.st_value / sizeof(bpf_insn)) + insn.imm + 1;
      } else {
        target = int64_t(o.insn) + insn.imm + 1;
      }
      auto placed = place(prog, sec, target, i);
      if (!placed)
        return placed.takeError();
      prog.insns[i].imm = int32_t(int64_t(*placed) - int64_t(i) - 1);
      return llvm::Error::success();
    }
    if (!rel)
      return llvm::Error::success();
    if (!isLdImm64) {
      if (isCall)
        return fail(fmt::format("call to extern '{}' (kfuncs are not supported): {}",
                                elf_.symbols()[rel->sym].name, kKfuncWhy));
      return fail(fmt::format("unsupported relocation against '{}'",
                              elf_.symbols()[rel->sym].name));
    }
    const Symbol &sym = elf_.symbols()[rel->sym];
    uint16_t shn = sym.sym.st_shndx;
    if (shn == SHN_UNDEF || shn >= elf_.sections().size())
      return fail(fmt::format("reference to extern '{}' (.kconfig/.ksyms externs are "
                              "not supported)",
                              sym.name));
    if (auto it = mapBySymbol_.find(sym.name);
        it != mapBySymbol_.end() && GELF_ST_TYPE(sym.sym.st_info) != STT_SECTION &&
        (elf_.sections()[shn].name == ".maps" || elf_.sections()[shn].name == "maps")) {
      insn.src_reg = BPF_PSEUDO_MAP_FD;
      insn.imm = it->second;
      return llvm::Error::success();
    }
    if (auto it = mapBySection_.find(shn); it != mapBySection_.end()) {
      int64_t off = int64_t(insn.imm) + int64_t(sym.sym.st_value);
      const MapDef &m = obj_.maps[it->second];
      if (off < 0 || uint64_t(off) > m.value_size)
        return fail(fmt::format("offset {} lies outside global data '{}'", off, m.name));
      insn.src_reg = BPF_PSEUDO_MAP_VALUE;
      insn.imm = it->second;
      prog.insns[i + 1].imm = int32_t(off);
      return llvm::Error::success();
    }
    if (elf_.isExec(shn)) {
      int64_t target = int64_t(sym.sym.st_value + int64_t(insn.imm)) / int64_t(sizeof(bpf_insn));
      auto placed = place(prog, shn, target, i);
      if (!placed)
        return placed.takeError();
      // place() may append the callee: `insn` may no longer be valid.
      prog.insns[i].src_reg = BPF_PSEUDO_FUNC;
      prog.insns[i].imm = int32_t(int64_t(*placed) - int64_t(i) - 1);
      prog.insns[i + 1].imm = 0;
      return llvm::Error::success();
    }
    return fail(fmt::format("reference to '{}' in section '{}' which is neither a map, "
                            "global data nor code",
                            sym.name, elf_.sections()[shn].name));
  }

  const ElfReader &elf_;
  const Object &obj_;
  const LineTable &lines_;
  const std::map<std::string, int> &mapBySymbol_;
  const std::map<uint32_t, int> &mapBySection_;
  std::vector<Origin> origin_;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> placed_;
};

std::string objectName(const std::string &path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  std::string n = base.substr(0, base.find('.'));
  return n.empty() ? "prog" : n;
}

MapDef mapDefOf(const struct bpf_map *m) {
  MapDef d;
  d.name = bpf_map__name(m);
  d.type = bpf_map__type(m);
  d.key_size = bpf_map__key_size(m);
  d.value_size = bpf_map__value_size(m);
  d.max_entries = bpf_map__max_entries(m);
  d.flags = bpf_map__map_flags(m);
  d.internal = bpf_map__is_internal(m);
  d.readonly = d.flags & BPF_F_RDONLY_PROG;
  return d;
}

/// libbpf 1.1 dereferences unchecked offsets in some corrupted objects (a
/// byte-flip fuzz of a valid object crashes it about once in 400). Opening
/// in a child process first turns such a crash into an error; only objects
/// the child opened cleanly are opened in this process.
llvm::Error probeLibbpfOpen(const std::string &path, const std::vector<uint8_t> &bytes,
                            const std::string &objName) {
  pid_t pid = fork();
  if (pid < 0)
    return llvm::Error::success(); // cannot isolate: open in-process as before
  if (pid == 0) {
    libbpf_set_print(nullptr);
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = objName.c_str());
    struct bpf_object *o = bpf_object__open_mem(bytes.data(), bytes.size(), &opts);
    _exit(o && !libbpf_get_error(o) ? 0 : 1);
  }
  int status = 0;
  for (long waited_us = 0;; waited_us += 200) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (r < 0)
      return llvm::Error::success();
    if (waited_us > 10'000'000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return makeError("{}: libbpf did not finish reading it in 10 s (malformed object)", path);
    }
    usleep(200);
  }
  if (WIFSIGNALED(status))
    return makeError("{}: malformed object: libbpf crashed reading it (signal {})", path,
                     WTERMSIG(status));
  return llvm::Error::success();
}

} // namespace

llvm::Expected<Object> Object::openMem(const std::string &path,
                                       const std::vector<uint8_t> &bytes) {
  Object obj;
  obj.path = path;
  obj.name = objectName(path);
  obj.elf = bytes;
  std::vector<uint8_t> scratch = bytes; // libelf wants a writable buffer

  ElfReader elf(path, scratch);
  if (auto e = elf.read())
    return e;

  // libbpf: the authority on maps.
  if (auto e = probeLibbpfOpen(path, obj.elf, obj.name))
    return e;
  std::string log;
  struct bpf_object *bo;
  {
    std::lock_guard<std::mutex> lock(libbpfLogMutex);
    libbpfLog = &log;
    libbpf_print_fn_t old = libbpf_set_print(collectLibbpfLog);
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = obj.name.c_str());
    bo = bpf_object__open_mem(obj.elf.data(), obj.elf.size(), &opts);
    libbpf_set_print(old);
    libbpfLog = nullptr;
  }
  if (!bo || libbpf_get_error(bo)) {
    std::string why = lastLine(log);
    return makeError("{}: libbpf cannot open it: {}", path,
                     why.empty() ? std::strerror(errno) : why);
  }
  std::unique_ptr<struct bpf_object, void (*)(struct bpf_object *)> guard(bo,
                                                                          bpf_object__close);

  // Global data sections in section order: libbpf creates its internal maps
  // in the same order, skipping empty sections.
  std::vector<uint32_t> dataSecs;
  for (uint32_t i = 0; i < elf.sections().size(); ++i) {
    const Section &s = elf.sections()[i];
    if (s.size == 0)
      continue;
    bool bss = s.hdr.sh_type == SHT_NOBITS && isDataSection(s, ".bss");
    bool data = s.hdr.sh_type == SHT_PROGBITS &&
                (isDataSection(s, ".data") || isDataSection(s, ".rodata"));
    if (bss || data)
      dataSecs.push_back(i);
  }

  std::map<std::string, int> mapBySymbol;
  std::map<uint32_t, int> mapBySection;
  std::vector<const struct bpf_map *> inners;
  size_t nextData = 0;
  struct bpf_map *m;
  bpf_object__for_each_map(m, bo) {
    MapDef d = mapDefOf(m);
    if (d.internal) {
      if (d.name.find(".kconfig") != std::string::npos)
        return makeError("{}: .kconfig: extern kconfig variables are not supported", path);
      if (nextData >= dataSecs.size())
        return makeError("{}: libbpf made global-data map '{}' for no section found here",
                         path, d.name);
      uint32_t sec = dataSecs[nextData++];
      d.section = elf.sections()[sec].name;
      size_t sz = 0;
      const void *init = bpf_map__initial_value(m, &sz);
      d.initial.assign(d.value_size, 0);
      if (init && elf.sections()[sec].hdr.sh_type != SHT_NOBITS)
        std::memcpy(d.initial.data(), init, std::min<size_t>(sz, d.value_size));
      mapBySection[sec] = int(obj.maps.size());
    } else {
      mapBySymbol[d.name] = int(obj.maps.size());
      d.section = ".maps";
    }
    if (const struct bpf_map *inner = bpf_map__inner_map(m)) {
      inners.push_back(inner);
      d.inner = -2 - int(inners.size() - 1); // resolved below
    }
    obj.maps.push_back(std::move(d));
  }
  for (MapDef &d : obj.maps) {
    if (d.inner <= -2) {
      const struct bpf_map *inner = inners[-2 - d.inner];
      MapDef in = mapDefOf(inner);
      in.name = d.name + ".inner";
      in.section = d.section;
      d.inner = int(obj.maps.size());
      obj.maps.push_back(std::move(in));
    }
  }
  const struct btf *btf = bpf_object__btf(bo);
  LineTable lines;
  if (auto e = readLineInfo(elf, btf, lines, path))
    return e;

  if (auto lic = elf.sectionByName("license")) {
    const Section &s = elf.sections()[*lic];
    if (s.data)
      obj.license.assign(reinterpret_cast<const char *>(s.data),
                         strnlen(reinterpret_cast<const char *>(s.data), s.size));
  }

  // Entry programs: libbpf's list (it skips .text sub-programs).
  struct bpf_program *p;
  bpf_object__for_each_program(p, bo) {
    std::string name = bpf_program__name(p);
    std::string sec = bpf_program__section_name(p);
    std::optional<Function> fn;
    for (const Symbol &s : elf.symbols()) {
      if (GELF_ST_TYPE(s.sym.st_info) == STT_FUNC && s.name == name &&
          s.sym.st_shndx < elf.sections().size() &&
          elf.sections()[s.sym.st_shndx].name == sec) {
        fn = Function{name, s.sym.st_shndx, uint32_t(s.sym.st_value / sizeof(bpf_insn)),
                      uint32_t(s.sym.st_size / sizeof(bpf_insn))};
        break;
      }
    }
    if (!fn || fn->count == 0)
      return makeError("{}: {}: program '{}' has no code", path, sec, name);
    auto prog = Linker(elf, obj, lines, mapBySymbol, mapBySection).link(*fn);
    if (!prog)
      return prog.takeError();
    obj.programs.push_back(std::move(*prog));
  }
  if (obj.programs.empty())
    return makeError("{}: no programs (no function in a SEC(\"xdp\") section)", path);
  return obj;
}

llvm::Expected<Object> Object::open(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("{}: cannot open: {}", path, std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (bytes.empty())
    return makeError("{}: empty file", path);
  return openMem(path, bytes);
}

} // namespace sluice
