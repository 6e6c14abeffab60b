//===- InterpTestUtil.h - Hand-assembled programs for the interp tests ----===//
//
// A small eBPF assembler with labels (Asm), an Object built by hand around
// it (TestObject), and shortcuts to run it. The tests only talk to the
// Engine interface, so the same tests can be compiled against another
// engine: with SLUICE_INTERP_TEST_ON_KERNEL defined, makeTestEngine() comes
// from the including harness (that is how the expectations marked "kernel:"
// were checked against Linux 6.18); checks that only the interpreter can
// make (errors for programs the verifier refuses, events, redirect targets,
// instruction counts) are skipped there.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "sluice/Interp/InterpEngine.h"
#include "sluice/Object/Object.h"
#include "sluice/Support/Error.h"

#ifdef SLUICE_INTERP_TEST_ON_KERNEL
std::unique_ptr<sluice::Engine> sluiceInterpTestEngine();
#endif

namespace sluice::interptest {

inline std::unique_ptr<Engine> makeTestEngine() {
#ifdef SLUICE_INTERP_TEST_ON_KERNEL
  return sluiceInterpTestEngine();
#else
  return createInterpEngine();
#endif
}

constexpr bool onKernel() {
#ifdef SLUICE_INTERP_TEST_ON_KERNEL
  return true;
#else
  return false;
#endif
}

#define SKIP_ON_KERNEL()                                                                  \
  do {                                                                                    \
    if (::sluice::interptest::onKernel())                                                 \
      GTEST_SKIP() << "interp-only check";                                                \
  } while (0)

/// An assembler: one method per instruction form; jumps and calls take a
/// label (resolved by build()) or a numeric offset.
class Asm {
public:
  using Target = std::variant<int, std::string>;

  Asm &raw(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn in{};
    in.code = code;
    in.dst_reg = dst;
    in.src_reg = src;
    in.off = off;
    in.imm = imm;
    insns_.push_back(in);
    return *this;
  }
  Asm &label(const std::string &name) {
    labels_[name] = int(insns_.size());
    return *this;
  }
  size_t size() const { return insns_.size(); }

  // ALU.
  Asm &alu64(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0) {
    return raw(BPF_ALU64 | op | BPF_X, dst, src, off, 0);
  }
  Asm &alu64i(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0) {
    return raw(BPF_ALU64 | op | BPF_K, dst, 0, off, imm);
  }
  Asm &alu32(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0) {
    return raw(BPF_ALU | op | BPF_X, dst, src, off, 0);
  }
  Asm &alu32i(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0) {
    return raw(BPF_ALU | op | BPF_K, dst, 0, off, imm);
  }
  Asm &mov64(uint8_t dst, uint8_t src) { return alu64(BPF_MOV, dst, src); }
  Asm &mov64i(uint8_t dst, int32_t imm) { return alu64i(BPF_MOV, dst, imm); }
  Asm &mov32(uint8_t dst, uint8_t src) { return alu32(BPF_MOV, dst, src); }
  Asm &mov32i(uint8_t dst, int32_t imm) { return alu32i(BPF_MOV, dst, imm); }
  Asm &movsx64(uint8_t dst, uint8_t src, int bits) { return alu64(BPF_MOV, dst, src, bits); }
  Asm &movsx32(uint8_t dst, uint8_t src, int bits) { return alu32(BPF_MOV, dst, src, bits); }
  Asm &add64i(uint8_t dst, int32_t imm) { return alu64i(BPF_ADD, dst, imm); }
  Asm &neg64(uint8_t dst) { return raw(BPF_ALU64 | BPF_NEG, dst, 0, 0, 0); }
  Asm &neg32(uint8_t dst) { return raw(BPF_ALU | BPF_NEG, dst, 0, 0, 0); }
  Asm &be(uint8_t dst, int bits) { return raw(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, bits); }
  Asm &le(uint8_t dst, int bits) { return raw(BPF_ALU | BPF_END | BPF_TO_LE, dst, 0, 0, bits); }
  Asm &bswap(uint8_t dst, int bits) { return raw(BPF_ALU64 | BPF_END, dst, 0, 0, bits); }

  // Loads of constants and references.
  Asm &ld64(uint8_t dst, uint64_t v, uint8_t pseudo = 0) {
    raw(BPF_LD | BPF_DW | BPF_IMM, dst, pseudo, 0, int32_t(uint32_t(v)));
    return raw(0, 0, 0, 0, int32_t(uint32_t(v >> 32)));
  }
  Asm &ldmap(uint8_t dst, int map) { return ld64(dst, uint32_t(map), BPF_PSEUDO_MAP_FD); }
  Asm &ldmapval(uint8_t dst, int map, uint32_t off) {
    return ld64(dst, uint64_t(off) << 32 | uint32_t(map), BPF_PSEUDO_MAP_VALUE);
  }
  Asm &ldfunc(uint8_t dst, const std::string &target) {
    fixups_.push_back({insns_.size(), target, Imm});
    return ld64(dst, 0, BPF_PSEUDO_FUNC);
  }

  // Memory.
  Asm &ldx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return raw(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
  }
  Asm &ldxsx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return raw(BPF_LDX | BPF_MEMSX | size, dst, src, off, 0);
  }
  Asm &st(uint8_t size, uint8_t dst, int16_t off, int32_t imm) {
    return raw(BPF_ST | BPF_MEM | size, dst, 0, off, imm);
  }
  Asm &stx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return raw(BPF_STX | BPF_MEM | size, dst, src, off, 0);
  }
  Asm &atomic(uint8_t size, int32_t op, uint8_t dst, uint8_t src, int16_t off) {
    return raw(BPF_STX | BPF_ATOMIC | size, dst, src, off, op);
  }

  // Control.
  Asm &ja(Target t) { return jump(BPF_JMP | BPF_JA, 0, 0, 0, t); }
  Asm &gotol(const std::string &t) {
    fixups_.push_back({insns_.size(), t, Imm});
    return raw(BPF_JMP32 | BPF_JA, 0, 0, 0, 0);
  }
  Asm &jmp(uint8_t op, uint8_t dst, uint8_t src, Target t) {
    return jump(BPF_JMP | op | BPF_X, dst, src, 0, t);
  }
  Asm &jmpi(uint8_t op, uint8_t dst, int32_t imm, Target t) {
    return jump(BPF_JMP | op | BPF_K, dst, 0, imm, t);
  }
  Asm &jmp32(uint8_t op, uint8_t dst, uint8_t src, Target t) {
    return jump(BPF_JMP32 | op | BPF_X, dst, src, 0, t);
  }
  Asm &jmp32i(uint8_t op, uint8_t dst, int32_t imm, Target t) {
    return jump(BPF_JMP32 | op | BPF_K, dst, 0, imm, t);
  }
  Asm &mayGoto(Target t) { return jump(BPF_JMP | BPF_JCOND, 0, 0, 0, t); }
  Asm &call(int32_t helper) { return raw(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
  Asm &callLocal(const std::string &t) {
    fixups_.push_back({insns_.size(), t, Imm});
    return raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
  }
  Asm &exit() { return raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
  /// r0 = v; exit
  Asm &ret(int32_t v) { return mov64i(0, v).exit(); }

  std::vector<bpf_insn> build() const {
    std::vector<bpf_insn> out = insns_;
    for (const Fixup &f : fixups_) {
      auto it = labels_.find(f.label);
      if (it == labels_.end())
        throw std::runtime_error("undefined label " + f.label);
      int rel = it->second - int(f.at) - 1;
      if (f.field == Off)
        out[f.at].off = int16_t(rel);
      else
        out[f.at].imm = rel;
    }
    return out;
  }

private:
  enum Field { Off, Imm };
  struct Fixup {
    size_t at;
    std::string label;
    Field field;
  };
  Asm &jump(uint8_t code, uint8_t dst, uint8_t src, int32_t imm, const Target &t) {
    if (auto *l = std::get_if<std::string>(&t))
      fixups_.push_back({insns_.size(), *l, Off});
    return raw(code, dst, src, std::holds_alternative<int>(t) ? int16_t(std::get<int>(t)) : 0,
               imm);
  }
  std::vector<bpf_insn> insns_;
  std::map<std::string, int> labels_;
  std::vector<Fixup> fixups_;
};

inline MapDef mapDef(const std::string &name, uint32_t type, uint32_t key, uint32_t value,
                     uint32_t max, uint32_t flags = 0) {
  MapDef d;
  d.name = name;
  d.type = type;
  d.key_size = key;
  d.value_size = value;
  d.max_entries = max;
  d.flags = flags;
  d.section = ".maps";
  return d;
}

/// An Object built by hand, and an engine running one of its programs.
class TestObject {
public:
  TestObject() {
    obj.path = "test.o";
    obj.name = "test";
    obj.license = "GPL";
  }
  int addMap(const MapDef &d) {
    obj.maps.push_back(d);
    return int(obj.maps.size() - 1);
  }
  int addMap(const std::string &name, uint32_t type, uint32_t key, uint32_t value, uint32_t max,
             uint32_t flags = 0) {
    return addMap(mapDef(name, type, key, value, max, flags));
  }
  /// A one-entry array of `size` bytes, as clang makes .bss (readonly: .rodata).
  int addGlobal(const std::string &section, std::vector<uint8_t> initial, bool readonly = false) {
    MapDef d = mapDef("test" + section.substr(0, 8), BPF_MAP_TYPE_ARRAY, 4,
                      uint32_t(initial.size()), 1, readonly ? BPF_F_RDONLY_PROG : 0);
    d.section = section;
    d.internal = true;
    d.readonly = readonly;
    d.initial = std::move(initial);
    return addMap(d);
  }
  int addProgram(const Asm &a, const std::string &name = "prog") {
    Program p;
    p.name = name;
    p.section = "xdp";
    p.insns = a.build();
    p.funcs.emplace_back(0, name);
    obj.programs.push_back(std::move(p));
    return int(obj.programs.size() - 1);
  }
  llvm::Error load(int prog = 0) {
    engine = makeTestEngine();
    return engine->load(obj, obj.programs.at(prog));
  }
  /// Loads (failing the test on an error) and returns *this.
  TestObject &loaded(int prog = 0) {
    if (auto e = load(prog))
      ADD_FAILURE() << llvm::toString(std::move(e));
    return *this;
  }
  llvm::Expected<PacketOut> runPacket(const Bytes &data, uint32_t ifindex = 1,
                                      uint32_t rxq = 0) {
    PacketIn in;
    in.data = data;
    in.ingress_ifindex = ifindex;
    in.rx_queue_index = rxq;
    return engine->run(in);
  }
  /// Runs and returns the output, failing the test on an engine error.
  PacketOut run(const Bytes &data = Bytes(64, 0)) {
    auto out = runPacket(data);
    if (!out) {
      ADD_FAILURE() << llvm::toString(out.takeError());
      return {};
    }
    return *out;
  }
  /// The engine error of a run (empty if it succeeded).
  std::string runError(const Bytes &data = Bytes(64, 0)) {
    auto out = runPacket(data);
    return out ? std::string() : llvm::toString(out.takeError());
  }
  InterpEngine *interp() { return dynamic_cast<InterpEngine *>(engine.get()); }

  Object obj;
  std::unique_ptr<Engine> engine;
};

inline Bytes le32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}
inline Bytes le64(uint64_t v) {
  Bytes b(8);
  std::memcpy(b.data(), &v, 8);
  return b;
}
inline uint64_t toU64(const Bytes &b) {
  uint64_t v = 0;
  std::memcpy(&v, b.data(), std::min<size_t>(8, b.size()));
  return v;
}
inline Bytes pattern(size_t n, uint8_t seed = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = uint8_t(i * 7 + seed);
  return b;
}

/// Runs `body`, which leaves a 64-bit result in r0, and returns the result
/// (stored through a one-entry array by an epilogue, so all 64 bits count).
inline uint64_t eval(const std::function<void(Asm &)> &body, std::string *error = nullptr) {
  TestObject t;
  int res = t.addGlobal(".bss", Bytes(8, 0));
  Asm a;
  body(a);
  a.ldmapval(1, res, 0).stx(BPF_DW, 1, 0, 0).ret(XDP_PASS);
  t.addProgram(a);
  if (auto e = t.load()) {
    std::string msg = llvm::toString(std::move(e));
    if (error)
      *error = msg;
    else
      ADD_FAILURE() << msg;
    return 0;
  }
  auto out = t.runPacket(Bytes(64, 0));
  if (!out) {
    std::string msg = llvm::toString(out.takeError());
    if (error)
      *error = msg;
    else
      ADD_FAILURE() << msg;
    return 0;
  }
  auto v = t.engine->mapLookup(t.obj.maps[res].name, le32(0));
  if (!v || !*v) {
    ADD_FAILURE() << "result map unreadable";
    if (!v)
      llvm::consumeError(v.takeError());
    return 0;
  }
  return toU64(**v);
}

} // namespace sluice::interptest
