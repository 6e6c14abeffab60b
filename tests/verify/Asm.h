//===- Asm.h - A tiny eBPF assembler for verifier test cases --------------===//
//
// Builds instruction arrays with labels, so that hand-assembled corpus cases
// (tests/verify/cases.inc) read like the kernel's verifier syntax:
//
//   Asm().ldx(W, 2, 1, 0).ldx(W, 3, 1, 4)        // r2 = data, r3 = data_end
//        .mov(4, R(2)).add(4, 14).jgt(4, R(3), "out")
//        .ldx(H, 0, 2, 12).label("out").mov(0, 2).exit()
//
// ld_imm64 of a map takes the index of the map in the case's map list; the
// differential test patches it to a real map fd.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <linux/bpf.h>

#include "sluice/Object/BpfDefs.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::vasm {

constexpr uint8_t B = BPF_B, H = BPF_H, W = BPF_W, DW = BPF_DW;

struct R {
  int n;
  explicit R(int r) : n(r) {}
};

/// A source operand: a register R(n) or an immediate.
struct Src {
  bool reg;
  int32_t v;
  Src(R r) : reg(true), v(r.n) {}
  Src(int32_t imm) : reg(false), v(imm) {}
};

class Asm {
public:
  Asm &raw(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn in{};
    in.code = code;
    in.dst_reg = dst & 0xf;
    in.src_reg = src & 0xf;
    in.off = off;
    in.imm = imm;
    v_.push_back(in);
    return *this;
  }
  Asm &alu64(uint8_t op, int d, Src s, int16_t off = 0) {
    return raw(BPF_ALU64 | op | (s.reg ? BPF_X : BPF_K), d, s.reg ? s.v : 0, off, s.reg ? 0 : s.v);
  }
  Asm &alu32(uint8_t op, int d, Src s, int16_t off = 0) {
    return raw(BPF_ALU | op | (s.reg ? BPF_X : BPF_K), d, s.reg ? s.v : 0, off, s.reg ? 0 : s.v);
  }
  Asm &mov(int d, Src s) { return alu64(BPF_MOV, d, s); }
  Asm &mov32(int d, Src s) { return alu32(BPF_MOV, d, s); }
  Asm &add(int d, Src s) { return alu64(BPF_ADD, d, s); }
  Asm &sub(int d, Src s) { return alu64(BPF_SUB, d, s); }
  Asm &and_(int d, Src s) { return alu64(BPF_AND, d, s); }
  Asm &lsh(int d, Src s) { return alu64(BPF_LSH, d, s); }
  Asm &ldx(uint8_t size, int d, int s, int16_t off) { return raw(BPF_LDX | BPF_MEM | size, d, s, off, 0); }
  Asm &ldxsx(uint8_t size, int d, int s, int16_t off) { return raw(BPF_LDX | BPF_MEMSX | size, d, s, off, 0); }
  Asm &stx(uint8_t size, int d, int s, int16_t off) { return raw(BPF_STX | BPF_MEM | size, d, s, off, 0); }
  Asm &st(uint8_t size, int d, int16_t off, int32_t imm) { return raw(BPF_ST | BPF_MEM | size, d, 0, off, imm); }
  Asm &atomic(uint8_t size, int d, int s, int16_t off, int32_t op) {
    return raw(BPF_STX | BPF_ATOMIC | size, d, s, off, op);
  }
  Asm &jmp(uint8_t op, int d, Src s, const std::string &to) {
    fix_.push_back({int(v_.size()), to, false});
    return raw(BPF_JMP | op | (s.reg ? BPF_X : BPF_K), d, s.reg ? s.v : 0, 0, s.reg ? 0 : s.v);
  }
  Asm &jmp32(uint8_t op, int d, Src s, const std::string &to) {
    fix_.push_back({int(v_.size()), to, false});
    return raw(BPF_JMP32 | op | (s.reg ? BPF_X : BPF_K), d, s.reg ? s.v : 0, 0, s.reg ? 0 : s.v);
  }
  Asm &jgt(int d, Src s, const std::string &to) { return jmp(BPF_JGT, d, s, to); }
  Asm &jeq(int d, Src s, const std::string &to) { return jmp(BPF_JEQ, d, s, to); }
  Asm &jne(int d, Src s, const std::string &to) { return jmp(BPF_JNE, d, s, to); }
  Asm &ja(const std::string &to) {
    fix_.push_back({int(v_.size()), to, false});
    return raw(BPF_JMP | BPF_JA, 0, 0, 0, 0);
  }
  /// gotol (cpu v4): 32-bit offset in imm.
  Asm &gotol(const std::string &to) {
    fix_.push_back({int(v_.size()), to, true});
    return raw(BPF_JMP32 | BPF_JA, 0, 0, 0, 0);
  }
  Asm &call(int32_t helper) { return raw(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
  Asm &callsub(const std::string &to) {
    fix_.push_back({int(v_.size()), to, true});
    return raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
  }
  Asm &exit() { return raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
  Asm &ld64(int d, uint64_t v) {
    raw(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, int32_t(uint32_t(v)));
    return raw(0, 0, 0, 0, int32_t(uint32_t(v >> 32)));
  }
  Asm &ldmap(int d, int map) {
    raw(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, map);
    return raw(0, 0, 0, 0, 0);
  }
  Asm &ldmapval(int d, int map, int32_t off) {
    raw(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_VALUE, 0, map);
    return raw(0, 0, 0, 0, off);
  }
  Asm &label(const std::string &name) {
    labels_[name] = int(v_.size());
    return *this;
  }
  template <typename F> Asm &apply(F f) {
    f(*this);
    return *this;
  }
  /// r2 = ctx->data, r3 = ctx->data_end.
  Asm &pkt() { return ldx(W, 2, 1, 0).ldx(W, 3, 1, 4); }
  /// if (r2 + n > r3) goto `out` (clobbers r4).
  Asm &check(int n, const std::string &out) { return mov(4, R(2)).add(4, n).jgt(4, R(3), out); }
  /// r0 = v; exit.
  Asm &ret(int32_t v) { return mov(0, v).exit(); }

  std::vector<bpf_insn> build() const {
    std::vector<bpf_insn> out = v_;
    for (const Fix &f : fix_) {
      auto it = labels_.find(f.label);
      if (it == labels_.end())
        throw std::runtime_error("Asm: unknown label " + f.label);
      int rel = it->second - (f.at + 1);
      if (f.imm)
        out[f.at].imm = rel;
      else
        out[f.at].off = int16_t(rel);
    }
    return out;
  }

private:
  struct Fix {
    int at;
    std::string label;
    bool imm;
  };
  std::vector<bpf_insn> v_;
  std::map<std::string, int> labels_;
  std::vector<Fix> fix_;
};

} // namespace sluice::vasm
