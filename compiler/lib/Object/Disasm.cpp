//===- Disasm.cpp - eBPF instructions as text -----------------------------===//
#include "sluice/Object/Disasm.h"

#include <fmt/format.h>

namespace sluice {

std::string helperName(int32_t id) {
#define SLUICE_HELPER_NAME(name) "bpf_" #name
  static const char *const names[] = {__BPF_FUNC_MAPPER(SLUICE_HELPER_NAME)};
#undef SLUICE_HELPER_NAME
  if (id > 0 && size_t(id) < std::size(names))
    return names[id];
  return fmt::format("helper#{}", id);
}

namespace {

const char *sizeName(uint8_t code) {
  switch (BPF_SIZE(code)) {
  case BPF_B: return "u8";
  case BPF_H: return "u16";
  case BPF_W: return "u32";
  default: return "u64";
  }
}

const char *signedSizeName(uint8_t code) {
  switch (BPF_SIZE(code)) {
  case BPF_B: return "s8";
  case BPF_H: return "s16";
  case BPF_W: return "s32";
  default: return "s64";
  }
}

std::string mem(int reg, int16_t off) {
  if (off == 0)
    return fmt::format("r{} + 0", reg);
  return off < 0 ? fmt::format("r{} - {}", reg, -int(off)) : fmt::format("r{} + {}", reg, off);
}

std::string aluOp(const bpf_insn &in) {
  bool is64 = BPF_CLASS(in.code) == BPF_ALU64;
  const char *r = is64 ? "r" : "w";
  std::string src = BPF_SRC(in.code) == BPF_X ? fmt::format("{}{}", r, in.src_reg)
                                              : fmt::format("{}", in.imm);
  std::string dst = fmt::format("{}{}", r, in.dst_reg);
  const char *op = nullptr;
  switch (BPF_OP(in.code)) {
  case BPF_ADD: op = "+="; break;
  case BPF_SUB: op = "-="; break;
  case BPF_MUL: op = "*="; break;
  case BPF_DIV: op = in.off == 1 ? "s/=" : "/="; break;
  case BPF_MOD: op = in.off == 1 ? "s%=" : "%="; break;
  case BPF_OR: op = "|="; break;
  case BPF_AND: op = "&="; break;
  case BPF_XOR: op = "^="; break;
  case BPF_LSH: op = "<<="; break;
  case BPF_RSH: op = ">>="; break;
  case BPF_ARSH: op = "s>>="; break;
  case BPF_NEG: return fmt::format("{} = -{}", dst, dst);
  case BPF_MOV:
    if (in.off == 8 || in.off == 16 || in.off == 32)
      return fmt::format("{} = (s{}){}", dst, in.off, src);
    return fmt::format("{} = {}", dst, src);
  case BPF_END: {
    if (is64)
      return fmt::format("r{} = bswap{} r{}", in.dst_reg, in.imm, in.dst_reg);
    const char *order = BPF_SRC(in.code) == BPF_TO_BE ? "be" : "le";
    return fmt::format("r{} = {}{} r{}", in.dst_reg, order, in.imm, in.dst_reg);
  }
  default:
    return fmt::format("<bad alu op 0x{:02x}>", in.code);
  }
  return fmt::format("{} {} {}", dst, op, src);
}

std::string jmpOp(const bpf_insn &in, uint32_t idx) {
  bool is32 = BPF_CLASS(in.code) == BPF_JMP32;
  const char *r = is32 ? "w" : "r";
  std::string src = BPF_SRC(in.code) == BPF_X ? fmt::format("{}{}", r, in.src_reg)
                                              : fmt::format("{}", in.imm);
  const char *op = nullptr;
  switch (BPF_OP(in.code)) {
  case BPF_JA:
    if (is32)
      return fmt::format("gotol {:+} <{}>", in.imm, int64_t(idx) + 1 + in.imm);
    return fmt::format("goto {:+} <{}>", in.off, int64_t(idx) + 1 + in.off);
  case BPF_JEQ: op = "=="; break;
  case BPF_JNE: op = "!="; break;
  case BPF_JGT: op = ">"; break;
  case BPF_JGE: op = ">="; break;
  case BPF_JLT: op = "<"; break;
  case BPF_JLE: op = "<="; break;
  case BPF_JSGT: op = "s>"; break;
  case BPF_JSGE: op = "s>="; break;
  case BPF_JSLT: op = "s<"; break;
  case BPF_JSLE: op = "s<="; break;
  case BPF_JSET: op = "&"; break;
  case BPF_CALL:
    if (in.src_reg == BPF_PSEUDO_CALL)
      return fmt::format("call pc{:+} <{}>", in.imm, int64_t(idx) + 1 + in.imm);
    if (in.src_reg == BPF_PSEUDO_KFUNC_CALL)
      return fmt::format("call kfunc#{}", in.imm);
    return fmt::format("call {}#{}", helperName(in.imm), in.imm);
  case BPF_EXIT:
    return "exit";
  default:
    return fmt::format("<bad jmp op 0x{:02x}>", in.code);
  }
  return fmt::format("if {}{} {} {} goto {:+} <{}>", r, in.dst_reg, op, src, in.off,
                     int64_t(idx) + 1 + in.off);
}

std::string atomicOp(const bpf_insn &in) {
  const char *sz = sizeName(in.code);
  std::string addr = fmt::format("*({} *)({})", sz, mem(in.dst_reg, in.off));
  const char *r = BPF_SIZE(in.code) == BPF_DW ? "r" : "w";
  bool fetch = in.imm & BPF_FETCH;
  const char *op = nullptr;
  switch (in.imm & ~BPF_FETCH) {
  case BPF_ADD: op = "add"; break;
  case BPF_AND: op = "and"; break;
  case BPF_OR: op = "or"; break;
  case BPF_XOR: op = "xor"; break;
  default: break;
  }
  if (in.imm == BPF_XCHG)
    return fmt::format("{}{} = atomic_xchg({}, {}{})", r, in.src_reg, addr, r, in.src_reg);
  if (in.imm == BPF_CMPXCHG)
    return fmt::format("{}0 = atomic_cmpxchg({}, {}0, {}{})", r, addr, r, r, in.src_reg);
  if (!op)
    return fmt::format("<bad atomic op 0x{:x}>", in.imm);
  if (fetch)
    return fmt::format("{}{} = atomic_fetch_{}({}, {}{})", r, in.src_reg, op, addr, r,
                       in.src_reg);
  return fmt::format("lock {} {}= {}{}", addr,
                     in.imm == BPF_ADD ? "+" : in.imm == BPF_AND ? "&" : in.imm == BPF_OR ? "|" : "^",
                     r, in.src_reg);
}

} // namespace

std::string disassemble(const Program &prog, uint32_t idx, const Object *obj) {
  if (idx >= prog.insns.size())
    return "<out of range>";
  const bpf_insn &in = prog.insns[idx];
  switch (BPF_CLASS(in.code)) {
  case BPF_ALU:
  case BPF_ALU64:
    return aluOp(in);
  case BPF_JMP:
  case BPF_JMP32:
    return jmpOp(in, idx);
  case BPF_LDX:
    if (BPF_MODE(in.code) == BPF_MEMSX)
      return fmt::format("r{} = *({} *)({})", in.dst_reg, signedSizeName(in.code),
                         mem(in.src_reg, in.off));
    return fmt::format("r{} = *({} *)({})", in.dst_reg, sizeName(in.code),
                       mem(in.src_reg, in.off));
  case BPF_ST:
    return fmt::format("*({} *)({}) = {}", sizeName(in.code), mem(in.dst_reg, in.off), in.imm);
  case BPF_STX:
    if (BPF_MODE(in.code) == BPF_ATOMIC)
      return atomicOp(in);
    return fmt::format("*({} *)({}) = r{}", sizeName(in.code), mem(in.dst_reg, in.off),
                       in.src_reg);
  case BPF_LD:
    if (in.code == (BPF_LD | BPF_IMM | BPF_DW)) {
      if (idx + 1 >= prog.insns.size())
        return fmt::format("r{} = <truncated ld_imm64>", in.dst_reg);
      const bpf_insn &hi = prog.insns[idx + 1];
      auto mapName = [&](int32_t i) {
        if (obj && i >= 0 && size_t(i) < obj->maps.size())
          return obj->maps[i].name;
        return fmt::format("map#{}", i);
      };
      switch (in.src_reg) {
      case BPF_PSEUDO_MAP_FD:
        return fmt::format("r{} = map[{}] ll", in.dst_reg, mapName(in.imm));
      case BPF_PSEUDO_MAP_VALUE:
        return fmt::format("r{} = &{}[{}] ll", in.dst_reg, mapName(in.imm), hi.imm);
      case BPF_PSEUDO_FUNC:
        return fmt::format("r{} = func pc{:+} <{}> ll", in.dst_reg, in.imm,
                           int64_t(idx) + 1 + in.imm);
      default: {
        uint64_t v = uint64_t(uint32_t(in.imm)) | (uint64_t(uint32_t(hi.imm)) << 32);
        return fmt::format("r{} = 0x{:x} ll", in.dst_reg, v);
      }
      }
    }
    return fmt::format("<legacy packet load 0x{:02x}>", in.code);
  }
  return fmt::format("<bad opcode 0x{:02x}>", in.code);
}

} // namespace sluice
