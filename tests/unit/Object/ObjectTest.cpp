//===- ObjectTest.cpp - The object loader ---------------------------------===//
#include "sluice/Object/Object.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "sluice/Object/Disasm.h"

using namespace sluice;

namespace {

std::string fixture(const char *name) { return std::string(SLUICE_TEST_PROGS_DIR) + "/" + name; }

std::vector<uint8_t> readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST(ObjectTest, MapsAndGlobalData) {
  auto obj = Object::open(fixture("linkage.bpf.o"));
  ASSERT_TRUE(!!obj) << llvm::toString(obj.takeError());
  EXPECT_EQ(obj->name, "linkage");
  EXPECT_EQ(obj->license, "GPL");
  ASSERT_EQ(obj->maps.size(), 4u);
  const MapDef &cnt = obj->maps[obj->mapIndex("cnt")];
  EXPECT_EQ(cnt.type, BPF_MAP_TYPE_ARRAY);
  EXPECT_EQ(cnt.key_size, 4u);
  EXPECT_EQ(cnt.value_size, 8u);
  EXPECT_EQ(cnt.max_entries, 4u);
  EXPECT_FALSE(cnt.internal);

  int ro = obj->mapIndex("linkage.rodata"), da = obj->mapIndex("linkage.data"),
      bs = obj->mapIndex("linkage.bss");
  ASSERT_GE(ro, 0);
  ASSERT_GE(da, 0);
  ASSERT_GE(bs, 0);
  EXPECT_TRUE(obj->maps[ro].readonly);
  EXPECT_EQ(obj->maps[ro].section, ".rodata");
  EXPECT_EQ(obj->maps[ro].initial, (std::vector<uint8_t>{7, 0, 0, 0}));  // limit = 7
  EXPECT_EQ(obj->maps[da].initial, (std::vector<uint8_t>{3, 0, 0, 0}));  // seen = 3
  EXPECT_EQ(obj->maps[bs].initial, (std::vector<uint8_t>{0, 0, 0, 0}));  // hits
  EXPECT_FALSE(obj->maps[bs].readonly);
}

TEST(ObjectTest, LinksSubProgramsAndResolvesReferences) {
  auto obj = Object::open(fixture("linkage.bpf.o"));
  ASSERT_TRUE(!!obj) << llvm::toString(obj.takeError());
  ASSERT_EQ(obj->programs.size(), 2u);
  const Program *a = obj->findProgram("xdp_a");
  const Program *b = obj->findProgram("xdp.frags");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->name, "xdp_b");
  EXPECT_EQ(obj->findProgram(""), nullptr);  // two programs: ambiguous

  // xdp_a reaches helper1 which reaches helper2; xdp_b only helper2.
  ASSERT_EQ(a->funcs.size(), 3u);
  EXPECT_EQ(a->funcs[1].second, "helper1");
  EXPECT_EQ(a->funcs[2].second, "helper2");
  ASSERT_EQ(b->funcs.size(), 2u);
  EXPECT_EQ(b->funcs[1].second, "helper2");

  // Every pseudo call lands on the first instruction of a linked function.
  for (const Program *p : {a, b}) {
    ASSERT_EQ(p->lines.size(), p->insns.size());
    int calls = 0;
    for (uint32_t i = 0; i < p->insns.size(); ++i) {
      const bpf_insn &in = p->insns[i];
      if (in.code == (BPF_JMP | BPF_CALL) && in.src_reg == BPF_PSEUDO_CALL) {
        ++calls;
        uint32_t target = i + 1 + in.imm;
        bool isStart = false;
        for (auto &[start, name] : p->funcs)
          isStart |= start == target;
        EXPECT_TRUE(isStart) << p->name << " insn " << i << " calls " << target;
      }
    }
    EXPECT_EQ(calls, p == a ? 2 : 1);
  }

  // Map and global-data references are resolved to map indices.
  int mapRefs = 0, valueRefs = 0;
  for (uint32_t i = 0; i < a->insns.size(); ++i) {
    const bpf_insn &in = a->insns[i];
    if (in.code != (BPF_LD | BPF_IMM | BPF_DW))
      continue;
    if (in.src_reg == BPF_PSEUDO_MAP_FD) {
      EXPECT_EQ(obj->maps[in.imm].name, "cnt");
      ++mapRefs;
    } else if (in.src_reg == BPF_PSEUDO_MAP_VALUE) {
      EXPECT_TRUE(obj->maps[in.imm].internal);
      EXPECT_EQ(a->insns[i + 1].imm, 0);
      ++valueRefs;
    }
    ++i;
  }
  EXPECT_EQ(mapRefs, 1);
  EXPECT_EQ(valueRefs, 3);  // hits (.bss), seen (.data), limit (.rodata)
  EXPECT_NE(disassemble(*a, 5, &*obj).find("map[cnt]"), std::string::npos);
}

TEST(ObjectTest, LineInfoNamesTheSource) {
  auto obj = Object::open(fixture("linkage.bpf.o"));
  ASSERT_TRUE(!!obj) << llvm::toString(obj.takeError());
  const Program *a = obj->findProgram("xdp_a");
  ASSERT_NE(a, nullptr);
  size_t known = 0;
  bool sawLookup = false;
  for (uint32_t i = 0; i < a->insns.size(); ++i) {
    const SourceLoc &l = a->lines[i];
    if (!l.known())
      continue;
    ++known;
    EXPECT_NE(l.file.find("linkage.bpf.c"), std::string::npos);
    if (a->insns[i].code == (BPF_JMP | BPF_CALL) && a->insns[i].imm == BPF_FUNC_map_lookup_elem) {
      sawLookup = true;
      EXPECT_NE(l.text.find("bpf_map_lookup_elem"), std::string::npos) << l.text;
    }
  }
  EXPECT_EQ(known, a->insns.size());
  EXPECT_TRUE(sawLookup);
  EXPECT_NE(a->where(0).find("linkage.bpf.c:"), std::string::npos);
}

TEST(ObjectTest, ExternKfuncIsRefusedByName) {
  auto obj = Object::open(fixture("kfunc_extern.bpf.o"));
  ASSERT_FALSE(!!obj);
  std::string msg = llvm::toString(obj.takeError());
  EXPECT_NE(msg.find("kfunc_extern.bpf.o"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bpf_fancy_kfunc"), std::string::npos) << msg;
  // At the C line of the call, saying why and what to do instead.
  EXPECT_NE(msg.find("kfunc_extern.bpf.c:6:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("call to extern 'bpf_fancy_kfunc' (kfuncs are not supported): a kfunc runs "
                     "inside the host kernel, which the NIC does not have; keep what the program "
                     "needs from the host in a map the host fills, or leave this program on the host"),
            std::string::npos) << msg;
}

TEST(ObjectTest, NotAnObject) {
  auto missing = Object::open("/nonexistent/prog.o");
  ASSERT_FALSE(!!missing);
  EXPECT_NE(llvm::toString(missing.takeError()).find("/nonexistent/prog.o: cannot open"),
            std::string::npos);

  auto text = Object::openMem("notes.txt", {'h', 'e', 'l', 'l', 'o'});
  ASSERT_FALSE(!!text);
  EXPECT_NE(llvm::toString(text.takeError()).find("notes.txt: not an ELF file"),
            std::string::npos);

  // A host ELF (this test binary's loader) is not a BPF object.
  auto host = Object::openMem("/proc/self/exe", readAll("/proc/self/exe"));
  ASSERT_FALSE(!!host);
  std::string msg = llvm::toString(host.takeError());
  EXPECT_NE(msg.find("not BPF"), std::string::npos) << msg;
}

TEST(ObjectTest, TruncatedObjectsAreErrorsNotCrashes) {
  std::vector<uint8_t> bytes = readAll(fixture("linkage.bpf.o"));
  ASSERT_GT(bytes.size(), 1000u);
  size_t failures = 0;
  for (size_t len = 0; len < bytes.size(); len += 7) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + len);
    auto obj = Object::openMem("cut.o", cut);
    if (!obj) {
      ++failures;
      std::string msg = llvm::toString(obj.takeError());
      EXPECT_EQ(msg.rfind("cut.o: ", 0), 0u) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    }
  }
  // Nearly every truncation loses the section headers at the end.
  EXPECT_GT(failures, bytes.size() / 7 - 2);
}

TEST(ObjectTest, CorruptedObjectsAreErrorsNotCrashes) {
  std::vector<uint8_t> bytes = readAll(fixture("linkage.bpf.o"));
  std::mt19937 rng(1234);
  int opened = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<uint8_t> bad = bytes;
    int flips = 1 + round % 8;
    for (int f = 0; f < flips; ++f)
      bad[rng() % bad.size()] = uint8_t(rng());
    auto obj = Object::openMem("bad.o", bad);
    if (obj) {
      ++opened;
      for (const Program &p : obj->programs)
        EXPECT_EQ(p.lines.size(), p.insns.size());
    } else {
      ++refused;
      std::string msg = llvm::toString(obj.takeError());
      EXPECT_EQ(msg.rfind("bad.o: ", 0), 0u) << msg;
    }
  }
  EXPECT_EQ(opened + refused, 400);
}
