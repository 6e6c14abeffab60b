//===- CorpusTest.cpp - Verifier corpus, differential against the kernel --===//
//
// Every hand-assembled case of tests/verify/Cases.h and every C fixture
// tests/progs/verify_*.bpf.c runs through Sluice's verifier (expected verdict
// and diagnostic substring) and is loaded into the running kernel as a
// privileged XDP program: the two must make the same accept/reject decision.
// Without BPF in this kernel the kernel half is skipped loudly, unless
// SLUICE_REQUIRE_KERNEL is set non-zero, which makes it a failure.
//
//===----------------------------------------------------------------------===//
#include "sluice/Verify/Verifier.h"
#include "../TestSupport.h"

#include "../../verify/Cases.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sluice/Object/Object.h"

using namespace sluice;
using namespace sluice::vasm;
namespace fs = std::filesystem;

namespace sluice::vasm {
void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }
} // namespace sluice::vasm

namespace {

std::string verdictName(bool accepted) { return accepted ? "accept" : "reject"; }

bool requireKernel() { return sluice::testing::kernelRequired(); }

/// Can this process load an XDP program at all?
bool kernelAvailable(std::string &why) {
  static int cached = -1;
  static std::string cachedWhy;
  if (cached < 0) {
    bpf_insn prog[2] = {};
    prog[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
    prog[0].imm = 2;
    prog[1].code = BPF_JMP | BPF_EXIT;
    int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "probe", "GPL", prog, 2, nullptr);
    cached = fd >= 0;
    if (fd >= 0)
      close(fd);
    else
      cachedWhy = std::string("loading a trivial XDP program failed: ") + strerror(errno);
  }
  why = cachedWhy;
  return cached == 1;
}

#define KERNEL_OR_SKIP()                                                                 \
  do {                                                                                   \
    std::string why_;                                                                    \
    if (!kernelAvailable(why_)) {                                                        \
      if (requireKernel())                                                               \
        FAIL() << "SLUICE_REQUIRE_KERNEL is set but " << why_;                           \
      std::printf("*** SKIPPED: kernel differential test: %s ***\n", why_.c_str());      \
      GTEST_SKIP() << why_;                                                              \
    }                                                                                    \
  } while (0)

struct KernelVerdict {
  bool accepted = false;
  std::string log;
};

/// Loads a case into the kernel with real maps.
KernelVerdict kernelLoad(const Case &c) {
  KernelVerdict v;
  std::vector<int> fds;
  for (size_t i = 0; i < c.maps.size(); ++i) {
    LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = c.maps[i].flags);
    int fd = bpf_map_create(bpf_map_type(c.maps[i].type), ("m" + std::to_string(i)).c_str(),
                            c.maps[i].key, c.maps[i].value, c.maps[i].entries, &mo);
    if (fd < 0) {
      v.log = "bpf_map_create failed: " + std::string(strerror(errno));
      for (int f : fds)
        close(f);
      return v;
    }
    if (c.maps[i].flags & BPF_F_RDONLY_PROG)
      bpf_map_freeze(fd);
    fds.push_back(fd);
  }
  std::vector<bpf_insn> insns = c.code;
  for (size_t i = 0; i < insns.size(); ++i) {
    bpf_insn &in = insns[i];
    if (in.code == (BPF_LD | BPF_IMM | BPF_DW) &&
        (in.src_reg == BPF_PSEUDO_MAP_FD || in.src_reg == BPF_PSEUDO_MAP_VALUE)) {
      in.imm = in.imm >= 0 && size_t(in.imm) < fds.size() ? fds[in.imm] : 0x7fffffff;
      ++i;
    }
  }
  std::vector<char> log(1 << 20);
  LIBBPF_OPTS(bpf_prog_load_opts, po, .log_level = 1, .log_size = uint32_t(log.size()),
              .log_buf = log.data());
  int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "vcase", "GPL", insns.data(), insns.size(), &po);
  v.accepted = fd >= 0;
  if (fd >= 0)
    close(fd);
  std::string l(log.data());
  // Keep the tail, where the kernel says why.
  v.log = l.size() > 1500 ? "..." + l.substr(l.size() - 1500) : l;
  for (int f : fds)
    close(f);
  return v;
}

Object caseObject(const Case &c) {
  Object obj;
  obj.name = "corpus";
  obj.path = c.name + ".o";
  for (size_t i = 0; i < c.maps.size(); ++i) {
    MapDef m;
    m.name = "m" + std::to_string(i);
    m.type = c.maps[i].type;
    m.key_size = c.maps[i].key;
    m.value_size = c.maps[i].value;
    m.max_entries = c.maps[i].entries;
    m.flags = c.maps[i].flags;
    obj.maps.push_back(m);
  }
  Program p;
  p.name = c.name;
  p.section = "xdp";
  p.insns = c.code;
  p.lines.resize(p.insns.size());
  p.funcs.push_back({0, c.name});
  obj.programs.push_back(std::move(p));
  return obj;
}

std::string firstError(const verify::VerifyResult &r) {
  for (const verify::Diagnostic &d : r.diags)
    if (d.category != verify::Category::Hardware)
      return d.message;
  return r.diags.empty() ? "" : r.diags[0].message;
}

class Corpus : public ::testing::TestWithParam<Case> {};

TEST_P(Corpus, SluiceVerdict) {
  const Case &c = GetParam();
  Object obj = caseObject(c);
  verify::VerifyOptions opts;
  opts.rejectUninitStack = c.strictStack;
  auto r = verify::verify(obj, obj.programs[0], opts);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  std::string diags;
  for (auto &d : r->diags)
    diags += verify::formatDiagnostic(d, obj.programs[0], obj);
  switch (c.expect) {
  case Expect::Accept:
    EXPECT_TRUE(r->accepted) << diags;
    EXPECT_TRUE(r->diags.empty()) << diags;
    // Every reached instruction has a state.
    ASSERT_EQ(r->states.size(), c.code.size());
    EXPECT_TRUE(r->states[0].reached);
    break;
  case Expect::Reject:
    EXPECT_FALSE(r->accepted);
    EXPECT_FALSE(r->kernelAccepted) << diags;
    EXPECT_NE(firstError(*r).find(c.message), std::string::npos)
        << "expected '" << c.message << "' in:\n" << diags;
    break;
  case Expect::Hardware: {
    EXPECT_TRUE(r->kernelAccepted) << diags;
    EXPECT_FALSE(r->accepted);
    bool found = false;
    for (auto &d : r->diags)
      found |= d.category == verify::Category::Hardware && d.message.find(c.message) != std::string::npos;
    EXPECT_TRUE(found) << "expected hardware '" << c.message << "' in:\n" << diags;
    // Without hardware limits the program is fine.
    verify::VerifyOptions off;
    off.hardwareLimits = false;
    auto r2 = verify::verify(obj, obj.programs[0], off);
    ASSERT_TRUE(bool(r2));
    EXPECT_TRUE(r2->accepted);
    break;
  }
  }
}

TEST_P(Corpus, KernelAgrees) {
  const Case &c = GetParam();
  // Option cases (strictStack) are compared under the default options, the
  // kernel's own: the kernel has no such option.
  KERNEL_OR_SKIP();
  Object obj = caseObject(c);
  auto r = verify::verify(obj, obj.programs[0], {});
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  KernelVerdict k = kernelLoad(c);
  EXPECT_EQ(verdictName(k.accepted), verdictName(r->kernelAccepted))
      << "kernel and Sluice disagree on " << c.name << "\nSluice: " << firstError(*r)
      << "\nkernel log:\n" << k.log;
}

INSTANTIATE_TEST_SUITE_P(Verify, Corpus, ::testing::ValuesIn(corpusCases()),
                         [](const ::testing::TestParamInfo<Case> &i) { return i.param.name; });

TEST(CorpusSize, MeetsTheBrief) {
  int rej = 0, acc = 0, hw = 0;
  for (const Case &c : corpusCases()) {
    if (c.strictStack)
      continue;
    rej += c.expect == Expect::Reject;
    acc += c.expect == Expect::Accept;
    hw += c.expect == Expect::Hardware;
  }
  std::printf("corpus: %d must-reject, %d must-accept, %d hardware-only hand-assembled cases\n",
              rej, acc, hw);
  EXPECT_GE(rej, 40);
  EXPECT_GE(acc, 20);
}

//===----------------------------------------------------------------------===//
// C fixtures: tests/progs/verify_{accept,reject,hw}_*.bpf.c
//===----------------------------------------------------------------------===//

struct CFixture {
  std::string name;   ///< file stem
  Expect expect;
  std::string message; ///< from a "// EXPECT: ..." line
};

std::vector<CFixture> cFixtures() {
  std::vector<CFixture> out;
  fs::path dir = fs::path(SLUICE_SOURCE_DIR) / "tests" / "progs";
  for (auto &e : fs::directory_iterator(dir)) {
    std::string f = e.path().filename().string();
    if (!f.starts_with("verify_") || !f.ends_with(".bpf.c"))
      continue;
    CFixture fx;
    fx.name = f.substr(0, f.size() - 6);
    fx.expect = f.starts_with("verify_accept_") ? Expect::Accept
                : f.starts_with("verify_hw_")   ? Expect::Hardware
                                                : Expect::Reject;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);)
      if (line.starts_with("// EXPECT: "))
        fx.message = line.substr(11);
    out.push_back(fx);
  }
  std::sort(out.begin(), out.end(), [](auto &a, auto &b) { return a.name < b.name; });
  return out;
}

void PrintTo(const CFixture &c, std::ostream *os) { *os << c.name; }

class CCorpus : public ::testing::TestWithParam<CFixture> {};

TEST_P(CCorpus, SluiceAndKernel) {
  const CFixture &fx = GetParam();
  std::string path = std::string(SLUICE_TEST_PROGS_DIR) + "/" + fx.name + ".bpf.o";
  auto obj = Object::open(path);
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  ASSERT_EQ(obj->programs.size(), 1u);
  const Program &prog = obj->programs[0];
  auto r = verify::verify(*obj, prog, {});
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  std::string diags;
  for (auto &d : r->diags)
    diags += verify::formatDiagnostic(d, prog, *obj);
  if (fx.expect == Expect::Accept) {
    EXPECT_TRUE(r->accepted) << diags;
  } else if (fx.expect == Expect::Hardware) {
    EXPECT_TRUE(r->kernelAccepted) << diags;
    EXPECT_FALSE(r->accepted);
    EXPECT_NE(diags.find(fx.message), std::string::npos) << diags;
    // The refusal points at the C source line too.
    EXPECT_NE(diags.find(fx.name + ".bpf.c:"), std::string::npos) << diags;
  } else {
    EXPECT_FALSE(r->kernelAccepted);
    EXPECT_NE(diags.find(fx.message), std::string::npos) << "expected '" << fx.message << "' in\n" << diags;
    // The diagnostic points at the C source line.
    EXPECT_NE(diags.find(fx.name + ".bpf.c:"), std::string::npos) << diags;
  }

  std::string why;
  if (!kernelAvailable(why)) {
    if (requireKernel())
      FAIL() << "SLUICE_REQUIRE_KERNEL is set but " << why;
    std::printf("*** SKIPPED: kernel half of %s: %s ***\n", fx.name.c_str(), why.c_str());
    return;
  }
  libbpf_print_fn_t old = libbpf_set_print(nullptr);
  LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = obj->name.c_str());
  bpf_object *bo = bpf_object__open_mem(obj->elf.data(), obj->elf.size(), &oo);
  ASSERT_TRUE(bo != nullptr);
  bpf_program *bp;
  bpf_object__for_each_program(bp, bo) bpf_program__set_type(bp, BPF_PROG_TYPE_XDP);
  int err = bpf_object__load(bo);
  bpf_object__close(bo);
  libbpf_set_print(old);
  EXPECT_EQ(verdictName(err == 0), verdictName(r->kernelAccepted)) << fx.name << "\n" << diags;
}

INSTANTIATE_TEST_SUITE_P(Verify, CCorpus, ::testing::ValuesIn(cFixtures()),
                         [](const ::testing::TestParamInfo<CFixture> &i) { return i.param.name; });

} // namespace
