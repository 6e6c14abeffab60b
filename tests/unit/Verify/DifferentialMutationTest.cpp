//===- DifferentialMutationTest.cpp - Mutated corpus vs the kernel --------===//
//
// Small deterministic mutations of every corpus case (an offset, an
// immediate, a jump condition, a register, an access size changed), each
// decided by Sluice and by the running kernel: they must agree. This finds
// the edges of the kernel's rules that hand-written cases miss. The number
// of mutants per case is SLUICE_VERIFY_MUTANTS (default 12); disagreements
// print both verdicts and the kernel's last words.
//
//===----------------------------------------------------------------------===//
#include "sluice/Verify/Verifier.h"
#include "../TestSupport.h"

#include "../../verify/Cases.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "sluice/Object/Disasm.h"
#include "sluice/Object/Object.h"

using namespace sluice;
using namespace sluice::vasm;

namespace {

bool kernelOk() {
  bpf_insn prog[2] = {};
  prog[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  prog[0].imm = 2;
  prog[1].code = BPF_JMP | BPF_EXIT;
  int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "probe", "GPL", prog, 2, nullptr);
  if (fd >= 0)
    close(fd);
  return fd >= 0;
}

/// The kernel's verdict on `insns` with `maps`, and the tail of its log.
std::pair<bool, std::string> kernelVerdict(const std::vector<MapSpec> &maps,
                                           std::vector<bpf_insn> insns) {
  std::vector<int> fds;
  for (size_t i = 0; i < maps.size(); ++i) {
    LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = maps[i].flags);
    int fd = bpf_map_create(bpf_map_type(maps[i].type), "m", maps[i].key, maps[i].value,
                            maps[i].entries, &mo);
    if (maps[i].flags & BPF_F_RDONLY_PROG)
      bpf_map_freeze(fd);
    fds.push_back(fd);
  }
  for (size_t i = 0; i < insns.size(); ++i) {
    bpf_insn &in = insns[i];
    if (in.code == (BPF_LD | BPF_IMM | BPF_DW) &&
        (in.src_reg == BPF_PSEUDO_MAP_FD || in.src_reg == BPF_PSEUDO_MAP_VALUE) && i + 1 < insns.size()) {
      in.imm = in.imm >= 0 && size_t(in.imm) < fds.size() ? fds[in.imm] : 0x7fffffff;
      ++i;
    }
  }
  std::vector<char> log(1 << 20);
  LIBBPF_OPTS(bpf_prog_load_opts, po, .log_level = 1, .log_size = uint32_t(log.size()),
              .log_buf = log.data());
  int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "mut", "GPL", insns.data(), insns.size(), &po);
  if (fd >= 0)
    close(fd);
  for (int f : fds)
    if (f >= 0)
      close(f);
  std::string l(log.data());
  if (l.size() > 600)
    l = l.substr(l.size() - 600);
  return {fd >= 0, l};
}

bpf_insn mutate(bpf_insn in, std::mt19937 &rng) {
  static const int16_t deltas[] = {-8, -4, -2, -1, 1, 2, 4, 8};
  static const uint8_t jops[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                                 BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE};
  uint8_t cls = BPF_CLASS(in.code);
  switch (rng() % 5) {
  case 0: // memory offset
    if (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX)
      in.off += deltas[rng() % 8];
    else
      in.imm += deltas[rng() % 8];
    break;
  case 1: // immediate
    in.imm += deltas[rng() % 8];
    break;
  case 2: // jump condition
    if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(in.code) != BPF_JA &&
        BPF_OP(in.code) != BPF_CALL && BPF_OP(in.code) != BPF_EXIT)
      in.code = uint8_t((in.code & 0x0f) | jops[rng() % 10]);
    else if (cls == BPF_ALU64 || cls == BPF_ALU)
      in.code ^= 0x07; // ALU <-> ALU64
    break;
  case 3: // register
    if (rng() % 2)
      in.dst_reg = rng() % 10;
    else if (in.src_reg <= 10 && cls != BPF_LD && !(cls == BPF_JMP && BPF_OP(in.code) == BPF_CALL))
      in.src_reg = rng() % 11;
    break;
  case 4: // access size
    if (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX)
      in.code = uint8_t((in.code & ~0x18) | ((rng() % 4) << 3));
    break;
  }
  return in;
}

TEST(VerifyDifferential, MutatedCorpusAgreesWithKernel) {
  if (!kernelOk()) {
    if (sluice::testing::kernelRequired())
      FAIL() << "SLUICE_REQUIRE_KERNEL is set but BPF loads fail";
    std::printf("*** SKIPPED: mutation differential: BPF loads fail here ***\n");
    GTEST_SKIP();
  }
  int perCase = 12;
  if (const char *m = std::getenv("SLUICE_VERIFY_MUTANTS"))
    perCase = std::atoi(m);
  std::mt19937 rng(20261122);
  int total = 0, disagree = 0;
  for (const Case &c : corpusCases()) {
    if (c.strictStack)
      continue;
    for (int k = 0; k < perCase; ++k) {
      std::vector<bpf_insn> code = c.code;
      size_t at = rng() % code.size();
      if (at > 0 && code[at - 1].code == (BPF_LD | BPF_IMM | BPF_DW))
        continue; // leave ld_imm64 halves alone
      code[at] = mutate(code[at], rng);
      Object obj;
      obj.name = "mut";
      obj.path = "mut.o";
      for (auto &m : c.maps) {
        MapDef d;
        d.name = "m";
        d.type = m.type;
        d.key_size = m.key;
        d.value_size = m.value;
        d.max_entries = m.entries;
        d.flags = m.flags;
        obj.maps.push_back(d);
      }
      Program p;
      p.name = c.name;
      p.section = "xdp";
      p.insns = code;
      p.lines.resize(code.size());
      p.funcs.push_back({0, p.name});
      obj.programs.push_back(p);
      auto r = verify::verify(obj, obj.programs[0]);
      ASSERT_TRUE(bool(r));
      // Cases Sluice does not model say so; skip them.
      bool limit = false;
      for (auto &d : r->diags)
        limit |= d.category == verify::Category::Limit;
      if (limit)
        continue;
      auto [kok, klog] = kernelVerdict(c.maps, code);
      ++total;
      if (kok != r->kernelAccepted) {
        ++disagree;
        std::string msg = r->diags.empty() ? "" : r->diags[0].message;
        ADD_FAILURE() << c.name << " mutant at insn " << at << " ("
                      << disassemble(obj.programs[0], at, &obj) << "): kernel "
                      << (kok ? "accepts" : "rejects") << ", Sluice "
                      << (r->kernelAccepted ? "accepts" : "rejects: " + msg) << "\nkernel log tail:\n"
                      << klog;
      }
    }
  }
  std::printf("mutation differential: %d mutants, %d disagreements\n", total, disagree);
}

/// The kernel's verdict on a sample's linked instructions, with its maps
/// created from the MapDefs (global data filled and .rodata frozen, as
/// libbpf does).
/// The kernel wants BTF func_info for a program that passes a callback
/// (bpf_loop's): one static `int f(void)` per function start, as far as
/// its checks of static functions go. -1 (no BTF) for other programs.
int funcInfoBtf(const Program &prog, std::vector<bpf_func_info> &info) {
  bool callback = false;
  for (const bpf_insn &in : prog.insns)
    callback |= in.code == (BPF_LD | BPF_IMM | BPF_DW) && in.src_reg == BPF_PSEUDO_FUNC;
  if (!callback || prog.funcs.empty())
    return -1;
  btf *b = btf__new_empty();
  int intT = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  int proto = btf__add_func_proto(b, intT);
  for (size_t k = 0; k < prog.funcs.size(); ++k) {
    int f = btf__add_func(b, ("f" + std::to_string(k)).c_str(), BTF_FUNC_STATIC, proto);
    info.push_back({prog.funcs[k].first, uint32_t(f)});
  }
  int fd = btf__load_into_kernel(b) == 0 ? btf__fd(b) : -1;
  fd = fd >= 0 ? dup(fd) : -1;
  btf__free(b);
  return fd;
}

std::pair<bool, std::string> kernelVerdictObj(const Object &obj, std::vector<bpf_insn> insns) {
  std::vector<int> fds;
  for (const MapDef &m : obj.maps) {
    uint32_t flags = m.flags | (m.readonly ? BPF_F_RDONLY_PROG : 0);
    LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = flags);
    int fd = bpf_map_create(bpf_map_type(m.type), "m", m.key_size, m.value_size, m.max_entries, &mo);
    if (fd >= 0 && m.internal && m.initial.size() == m.value_size) {
      uint32_t k = 0;
      bpf_map_update_elem(fd, &k, m.initial.data(), 0);
      if (m.readonly)
        bpf_map_freeze(fd);
    }
    fds.push_back(fd);
  }
  for (size_t i = 0; i + 1 < insns.size(); ++i) {
    bpf_insn &in = insns[i];
    if (in.code == (BPF_LD | BPF_IMM | BPF_DW) &&
        (in.src_reg == BPF_PSEUDO_MAP_FD || in.src_reg == BPF_PSEUDO_MAP_VALUE)) {
      in.imm = in.imm >= 0 && size_t(in.imm) < fds.size() ? fds[in.imm] : 0x7fffffff;
      ++i;
    }
  }
  std::vector<bpf_func_info> info;
  int btfFd = funcInfoBtf(obj.programs[0], info);
  std::vector<char> log(1 << 22);
  LIBBPF_OPTS(bpf_prog_load_opts, po, .log_level = 1, .log_size = uint32_t(log.size()),
              .log_buf = log.data());
  LIBBPF_OPTS(bpf_prog_load_opts, p0);
  for (bpf_prog_load_opts *o : {&po, &p0})
    if (btfFd >= 0) {
      o->prog_btf_fd = uint32_t(btfFd);
      o->func_info = info.data();
      o->func_info_cnt = uint32_t(info.size());
      o->func_info_rec_size = sizeof(bpf_func_info);
    }
  int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "mut", "GPL", insns.data(), insns.size(), &po);
  if (fd < 0 && errno == ENOSPC) // a huge log of an accepted program
    fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "mut", "GPL", insns.data(), insns.size(), &p0);
  if (fd >= 0)
    close(fd);
  if (btfFd >= 0)
    close(btfFd);
  for (int f : fds)
    if (f >= 0)
      close(f);
  std::string l(log.data());
  if (l.size() > 800)
    l = l.substr(l.size() - 800);
  return {fd >= 0, l};
}

TEST(VerifyDifferential, MutatedSamplesAgreeWithKernel) {
  if (!kernelOk()) {
    std::printf("*** SKIPPED: sample mutation differential: BPF loads fail here ***\n");
    GTEST_SKIP();
  }
  int perSample = 40;
  if (const char *m = std::getenv("SLUICE_VERIFY_SAMPLE_MUTANTS"))
    perSample = std::atoi(m);
  std::vector<std::string> files;
  if (std::filesystem::is_directory(SLUICE_SAMPLES_DIR))
    for (auto &e : std::filesystem::directory_iterator(SLUICE_SAMPLES_DIR))
      if (e.path().string().ends_with(".bpf.o"))
        files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::mt19937 rng(7);
  int total = 0, disagree = 0;
  for (const std::string &f : files) {
    auto obj = Object::open(f);
    ASSERT_TRUE(bool(obj));
    for (const Program &prog : obj->programs) {
      for (int k = -1; k < perSample; ++k) {
        std::vector<bpf_insn> code = prog.insns;
        size_t at = 0;
        if (k >= 0) { // k == -1: the sample itself
          at = rng() % code.size();
          if (at > 0 && code[at - 1].code == (BPF_LD | BPF_IMM | BPF_DW))
            continue;
          code[at] = mutate(code[at], rng);
        }
        Object o2 = *obj;
        o2.programs.clear();
        Program p = prog;
        p.insns = code;
        o2.programs.push_back(p);
        auto r = verify::verify(o2, o2.programs[0]);
        ASSERT_TRUE(bool(r));
        bool limit = false;
        for (auto &d : r->diags)
          limit |= d.category == verify::Category::Limit;
        if (limit)
          continue;
        auto [kok, klog] = kernelVerdictObj(o2, code);
        ++total;
        if (kok != r->kernelAccepted) {
          ++disagree;
          std::string msg = r->diags.empty() ? "" : r->diags[0].message;
          ADD_FAILURE() << f << " mutant at insn " << at << " ("
                        << disassemble(o2.programs[0], at, &o2) << "): kernel "
                        << (kok ? "accepts" : "rejects") << ", Sluice "
                        << (r->kernelAccepted ? "accepts" : "rejects: " + msg)
                        << "\nkernel log tail:\n" << klog;
        }
      }
    }
  }
  std::printf("sample mutation differential: %d programs, %d disagreements\n", total, disagree);
}

} // namespace
