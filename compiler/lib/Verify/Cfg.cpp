//===- Cfg.cpp - Structural checks and control flow of eBPF bytecode ------===//
//
// The first stage of the verifier: decoding rules (which fields each opcode
// may use), the control-flow graph, reachability, loop headers and register
// liveness. Messages follow the kernel's wording where it has one so that a
// kernel log and a Sluice diagnostic are easy to match up.
//
//===----------------------------------------------------------------------===//
#include "Cfg.h"

#include "Helpers.h"
#include "sluice/Object/BpfDefs.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sluice::verify {

namespace {

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;

bool isCondJmp(const bpf_insn &in) {
  uint8_t cls = BPF_CLASS(in.code), op = BPF_OP(in.code);
  return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JA && op != BPF_CALL &&
         op != BPF_EXIT;
}

bool isJa(const bpf_insn &in) {
  uint8_t cls = BPF_CLASS(in.code);
  return (cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(in.code) == BPF_JA;
}

/// Decoding rules of one instruction; "" when it is well formed.
std::string decodeIssue(const Program &prog, const Object &obj, uint32_t i) {
  const bpf_insn &in = prog.insns[i];
  const uint32_t n = prog.insns.size();
  uint8_t cls = BPF_CLASS(in.code);
  auto regs = [&](bool useSrc) -> std::string {
    if (in.dst_reg > 10)
      return fmt::format("R{} is invalid", in.dst_reg);
    if (useSrc && in.src_reg > 10)
      return fmt::format("R{} is invalid", in.src_reg);
    return "";
  };
  switch (cls) {
  case BPF_LD: {
    if (in.code == kLdImm64) {
      if (i + 1 >= n)
        return "invalid bpf_ld_imm64 insn (truncated: it is the last instruction)";
      const bpf_insn &hi = prog.insns[i + 1];
      if (hi.code != 0 || hi.dst_reg != 0 || hi.src_reg != 0 || hi.off != 0)
        return "invalid bpf_ld_imm64 insn (its second half has non-zero reserved fields)";
      if (in.off != 0)
        return "invalid bpf_ld_imm64 insn (reserved field off is not zero)";
      if (in.dst_reg > 10)
        return fmt::format("R{} is invalid", in.dst_reg);
      if (in.dst_reg == 10)
        return "frame pointer is read only";
      switch (in.src_reg) {
      case 0:
        return "";
      case BPF_PSEUDO_MAP_FD:
      case BPF_PSEUDO_MAP_VALUE:
        if (in.imm < 0 || size_t(in.imm) >= obj.maps.size())
          return fmt::format("fd {} is not pointing to valid bpf_map (the object has {} maps)",
                             in.imm, obj.maps.size());
        if (in.src_reg == BPF_PSEUDO_MAP_VALUE &&
            uint32_t(hi.imm) >= obj.maps[in.imm].value_size)
          return fmt::format("invalid access to map value pointer, value_size={} off={}",
                             obj.maps[in.imm].value_size, uint32_t(hi.imm));
        if (in.src_reg == BPF_PSEUDO_MAP_FD && hi.imm != 0)
          return "invalid bpf_ld_imm64 insn (map reference with a non-zero upper half)";
        return "";
      case BPF_PSEUDO_FUNC: {
        int64_t t = int64_t(i) + in.imm + 1;
        if (t < 0 || t >= n)
          return fmt::format("callback at insn {} is out of range", t);
        return "";
      }
      default:
        return fmt::format("unsupported ld_imm64 source {} (BTF ids and map indices must be "
                           "resolved by the loader)", in.src_reg);
      }
    }
    uint8_t mode = BPF_MODE(in.code);
    if (mode == BPF_ABS || mode == BPF_IND)
      return "BPF_LD_[ABS|IND] instructions not allowed for this program type";
    return fmt::format("invalid BPF_LD mode (opcode {:#04x})", in.code);
  }
  case BPF_LDX: {
    uint8_t mode = BPF_MODE(in.code);
    if ((mode != BPF_MEM && mode != BPF_MEMSX) || in.imm != 0 ||
        (mode == BPF_MEMSX && BPF_SIZE(in.code) == BPF_DW))
      return fmt::format("BPF_LDX uses reserved fields (opcode {:#04x})", in.code);
    if (auto r = regs(true); !r.empty())
      return r;
    if (in.dst_reg == 10)
      return "frame pointer is read only";
    return "";
  }
  case BPF_ST:
    if (BPF_MODE(in.code) != BPF_MEM || in.src_reg != 0)
      return fmt::format("BPF_ST uses reserved fields (opcode {:#04x})", in.code);
    return regs(false);
  case BPF_STX: {
    uint8_t mode = BPF_MODE(in.code);
    if (mode == BPF_MEM) {
      if (in.imm != 0)
        return "BPF_STX uses reserved fields";
      return regs(true);
    }
    if (mode != BPF_ATOMIC)
      return fmt::format("BPF_STX uses reserved fields (opcode {:#04x})", in.code);
    if (BPF_SIZE(in.code) != BPF_W && BPF_SIZE(in.code) != BPF_DW)
      return "invalid atomic operand size";
    switch (in.imm) {
    case BPF_ADD: case BPF_ADD | BPF_FETCH:
    case BPF_AND: case BPF_AND | BPF_FETCH:
    case BPF_OR: case BPF_OR | BPF_FETCH:
    case BPF_XOR: case BPF_XOR | BPF_FETCH:
    case BPF_XCHG: case BPF_CMPXCHG:
      break;
    default:
      return fmt::format("BPF_ATOMIC uses invalid atomic opcode {:#04x}", in.imm);
    }
    return regs(true);
  }
  case BPF_ALU:
  case BPF_ALU64: {
    uint8_t op = BPF_OP(in.code);
    bool x = BPF_SRC(in.code) == BPF_X;
    if (op > BPF_END)
      return fmt::format("invalid BPF_ALU opcode {:#x}", op);
    if (op == BPF_NEG) {
      if (x || in.src_reg != 0 || in.off != 0 || in.imm != 0)
        return "BPF_NEG uses reserved fields";
    } else if (op == BPF_END) {
      if (in.src_reg != 0 || in.off != 0 || (in.imm != 16 && in.imm != 32 && in.imm != 64) ||
          (cls == BPF_ALU64 && x))
        return "BPF_END uses reserved fields";
    } else if (op == BPF_MOV) {
      if (x) {
        bool offOk = in.off == 0 || in.off == 8 || in.off == 16 || (cls == BPF_ALU64 && in.off == 32);
        if (!offOk || in.imm != 0)
          return "BPF_MOV uses reserved fields";
      } else if (in.src_reg != 0 || in.off != 0) {
        return "BPF_MOV uses reserved fields";
      }
    } else {
      bool signedOk = in.off == 1 && (op == BPF_DIV || op == BPF_MOD);
      if (in.off != 0 && !signedOk)
        return "BPF_ALU uses reserved fields";
      if (x ? in.imm != 0 : in.src_reg != 0)
        return "BPF_ALU uses reserved fields";
      if (!x && (op == BPF_DIV || op == BPF_MOD) && in.imm == 0)
        return "div by zero";
      if (!x && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)) {
        int bits = cls == BPF_ALU64 ? 64 : 32;
        if (in.imm < 0 || in.imm >= bits)
          return fmt::format("invalid shift {}", in.imm);
      }
    }
    if (auto r = regs(x); !r.empty())
      return r;
    if (in.dst_reg == 10)
      return "frame pointer is read only";
    return "";
  }
  case BPF_JMP:
  case BPF_JMP32: {
    uint8_t op = BPF_OP(in.code);
    bool x = BPF_SRC(in.code) == BPF_X;
    if (op == BPF_JCOND)
      return "may_goto is not supported";
    if (op > BPF_JSLE || (cls == BPF_JMP32 && (op == BPF_CALL || op == BPF_EXIT)))
      return fmt::format("invalid BPF_JMP/JMP32 opcode {:#x}", op);
    if (op == BPF_JA) {
      if (x)
        return fmt::format("unknown opcode {:#04x}", in.code);
      if (in.src_reg != 0 || in.dst_reg != 0 || (cls == BPF_JMP ? in.imm != 0 : in.off != 0))
        return "BPF_JA uses reserved fields";
      return "";
    }
    if (op == BPF_EXIT) {
      if (x || in.imm != 0 || in.src_reg != 0 || in.dst_reg != 0 || in.off != 0)
        return "BPF_EXIT uses reserved fields";
      return "";
    }
    if (op == BPF_CALL) {
      if (x || in.dst_reg != 0 || in.off != 0 ||
          (in.src_reg != 0 && in.src_reg != BPF_PSEUDO_CALL && in.src_reg != BPF_PSEUDO_KFUNC_CALL))
        return "BPF_CALL uses reserved fields";
      if (in.src_reg == BPF_PSEUDO_KFUNC_CALL)
        return "kernel function calls (kfuncs) are not supported: a kfunc runs inside the host "
               "kernel, which the NIC does not have";
      if (in.src_reg == BPF_PSEUDO_CALL) {
        int64_t t = int64_t(i) + in.imm + 1;
        if (t < 0 || t >= n)
          return fmt::format("function call to insn {} is out of range", t);
      }
      return "";
    }
    if (x ? in.imm != 0 : in.src_reg != 0)
      return "BPF_JMP/JMP32 uses reserved fields";
    return regs(x);
  }
  }
  return fmt::format("unknown opcode {:#04x}", in.code);
}

/// Registers an instruction reads (bit r) and writes.
void useDef(const bpf_insn &in, uint16_t &use, uint16_t &def) {
  use = def = 0;
  auto bit = [](int r) { return uint16_t(r <= 10 ? 1u << r : 0); };
  uint8_t cls = BPF_CLASS(in.code);
  bool x = BPF_SRC(in.code) == BPF_X;
  switch (cls) {
  case BPF_LD:
    def = bit(in.dst_reg);
    return;
  case BPF_LDX:
    use = bit(in.src_reg);
    def = bit(in.dst_reg);
    return;
  case BPF_ST:
    use = bit(in.dst_reg);
    return;
  case BPF_STX:
    use = bit(in.dst_reg) | bit(in.src_reg);
    if (BPF_MODE(in.code) == BPF_ATOMIC) {
      if (in.imm == BPF_CMPXCHG) {
        use |= bit(0);
        def = bit(0);
      } else if (in.imm & BPF_FETCH) {
        def = bit(in.src_reg);
      }
    }
    return;
  case BPF_ALU:
  case BPF_ALU64:
    if (BPF_OP(in.code) == BPF_MOV)
      use = x ? bit(in.src_reg) : 0;
    else
      use = bit(in.dst_reg) | (x ? bit(in.src_reg) : 0);
    def = bit(in.dst_reg);
    return;
  default: {
    uint8_t op = BPF_OP(in.code);
    if (op == BPF_JA)
      return;
    if (op == BPF_EXIT) {
      use = bit(0);
      return;
    }
    if (op == BPF_CALL) {
      int nargs = 5;
      if (in.src_reg == 0) {
        if (const HelperProto *p = xdpHelper(in.imm)) {
          nargs = 0;
          while (nargs < 5 && p->args[nargs] != Arg::None)
            ++nargs;
        }
      }
      for (int r = 1; r <= nargs; ++r)
        use |= bit(r);
      def = 0x3f; // r0..r5
      return;
    }
    use = bit(in.dst_reg) | (x ? bit(in.src_reg) : 0);
    return;
  }
  }
}

} // namespace

int64_t jumpTarget(const bpf_insn &in, uint32_t i) {
  if (BPF_CLASS(in.code) == BPF_JMP32 && BPF_OP(in.code) == BPF_JA)
    return int64_t(i) + in.imm + 1;
  return int64_t(i) + in.off + 1;
}

std::optional<CfgIssue> buildCfg(const Program &prog, const Object &obj, Cfg &cfg) {
  const uint32_t n = prog.insns.size();
  cfg = Cfg{};
  cfg.n = n;
  if (n == 0)
    return CfgIssue{0, "the program has no instructions"};
  if (n > 1000000)
    return CfgIssue{0, fmt::format("BPF program is too large: {} instructions", n)};
  cfg.secondHalf.assign(n, 0);
  cfg.prunePoint.assign(n, 0);
  cfg.loopHeader.assign(n, 0);
  cfg.liveIn.assign(n, 0);
  cfg.funcOf.assign(n, 0);

  // Decode, marking ld_imm64 halves. Invalid opcodes and broken ld_imm64
  // pairs stop here, as in the kernel; field problems wait (lazyIssue).
  cfg.lazyIssue.assign(n, "");
  static const char *const lazyPrefixes[] = {
      "R1", "frame pointer is read only", "BPF_NEG uses", "BPF_END uses", "BPF_MOV uses",
      "BPF_ALU uses", "div by zero", "invalid shift", "BPF_JA uses", "BPF_EXIT uses", "BPF_CALL uses",
      "BPF_JMP/JMP32 uses", "BPF_ST uses", "BPF_ATOMIC uses",
      "BPF_LD_[ABS|IND]"};
  for (uint32_t i = 0; i < n; ++i) {
    if (std::string why = decodeIssue(prog, obj, i); !why.empty()) {
      bool lazy = false;
      for (const char *p : lazyPrefixes)
        lazy |= why.rfind(p, 0) == 0;
      lazy |= why == "BPF_STX uses reserved fields"; // MEM with imm != 0 (not a bad mode)
      if (!lazy)
        return CfgIssue{i, why};
      cfg.lazyIssue[i] = why;
    }
    if (prog.insns[i].code == kLdImm64)
      cfg.secondHalf[++i] = 1;
  }

  // Functions: the entry, the loader's function list, every call target.
  std::set<uint32_t> starts{0};
  for (auto &[start, name] : prog.funcs)
    if (start < n)
      starts.insert(start);
  for (uint32_t i = 0; i < n; ++i) {
    const bpf_insn &in = prog.insns[i];
    if (cfg.secondHalf[i])
      continue;
    bool call = BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) == BPF_CALL &&
                in.src_reg == BPF_PSEUDO_CALL;
    bool func = in.code == kLdImm64 && in.src_reg == BPF_PSEUDO_FUNC;
    if (call || func) {
      int64_t target = int64_t(i) + in.imm + 1;
      if (target < 0 || target >= int64_t(n))
        return CfgIssue{i, fmt::format("{} target {} is outside the program ({} insns)",
                                       call ? "call" : "callback", target, n)};
      uint32_t t = uint32_t(target);
      if (cfg.secondHalf[t])
        return CfgIssue{i, fmt::format("function call into the middle of ldimm64 insn {}", t - 1)};
      starts.insert(t);
    }
  }
  cfg.funcStarts.assign(starts.begin(), starts.end());
  for (size_t f = 0; f < cfg.funcStarts.size(); ++f) {
    uint32_t end = f + 1 < cfg.funcStarts.size() ? cfg.funcStarts[f + 1] : n;
    for (uint32_t i = cfg.funcStarts[f]; i < end; ++i)
      cfg.funcOf[i] = f;
    // A function ends in exit or goto: nothing may fall off its end.
    uint32_t last = end - 1;
    if (cfg.secondHalf[last])
      return CfgIssue{last, "last insn is not an exit or jmp"};
    const bpf_insn &in = prog.insns[last];
    bool ok = (BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) == BPF_EXIT) || isJa(in);
    if (!ok)
      return CfgIssue{last, "last insn is not an exit or jmp"};
  }

  // Jumps: inside the function, on an instruction boundary.
  std::vector<std::vector<uint32_t>> succ(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (cfg.secondHalf[i])
      continue;
    const bpf_insn &in = prog.insns[i];
    uint8_t cls = BPF_CLASS(in.code);
    uint32_t next = in.code == kLdImm64 ? i + 2 : i + 1;
    bool jmpClass = cls == BPF_JMP || cls == BPF_JMP32;
    uint8_t op = BPF_OP(in.code);
    if (jmpClass && op == BPF_EXIT)
      continue;
    if (jmpClass && op != BPF_CALL) {
      int64_t t = jumpTarget(in, i);
      uint32_t f = cfg.funcOf[i];
      uint32_t fbeg = cfg.funcStarts[f];
      uint32_t fend = f + 1 < cfg.funcStarts.size() ? cfg.funcStarts[f + 1] : n;
      if (t < int64_t(fbeg) || t >= int64_t(fend))
        return CfgIssue{i, fmt::format("jump out of range from insn {} to {}", i, t)};
      if (cfg.secondHalf[t])
        return CfgIssue{i, fmt::format("jump into the middle of ldimm64 insn {}", t - 1)};
      succ[i].push_back(uint32_t(t));
      cfg.prunePoint[t] = 1;
      if (op != BPF_JA) {
        succ[i].push_back(next);
        cfg.prunePoint[next] = 1;
      }
      continue;
    }
    if (next < n)
      succ[i].push_back(next);
  }

  // Reachability from the entry (calls enter the callee and return after
  // themselves; both sides of every branch count), with back edges found by
  // the same depth-first walk.
  std::vector<uint8_t> color(n, 0); // 0 white, 1 on stack, 2 done
  std::vector<std::pair<uint32_t, size_t>> stack;
  auto extra = [&](uint32_t i) -> std::vector<uint32_t> {
    const bpf_insn &in = prog.insns[i];
    if (BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) == BPF_CALL && in.src_reg == BPF_PSEUDO_CALL)
      return {uint32_t(int64_t(i) + in.imm + 1)};
    if (in.code == kLdImm64 && in.src_reg == BPF_PSEUDO_FUNC)
      return {uint32_t(int64_t(i) + in.imm + 1)};
    return {};
  };
  std::vector<std::vector<uint32_t>> edges(n);
  for (uint32_t i = 0; i < n; ++i) {
    edges[i] = succ[i];
    for (uint32_t t : extra(i))
      edges[i].push_back(t);
  }
  stack.push_back({0, 0});
  color[0] = 1;
  while (!stack.empty()) {
    auto &[u, k] = stack.back();
    if (k < edges[u].size()) {
      uint32_t v = edges[u][k++];
      bool isCallEdge = std::find(succ[u].begin(), succ[u].end(), v) == succ[u].end();
      if (color[v] == 1) {
        if (isCallEdge)
          return CfgIssue{u, fmt::format("recursive call from insn {} to {}", u, v)};
        cfg.loopHeader[v] = 1;
      } else if (color[v] == 0) {
        color[v] = 1;
        stack.push_back({v, 0});
      }
      continue;
    }
    color[u] = 2;
    stack.pop_back();
  }
  for (uint32_t i = 0; i < n; ++i)
    if (!cfg.secondHalf[i] && color[i] == 0)
      return CfgIssue{i, fmt::format("unreachable insn {}", i)};

  // Liveness, backward to a fixed point (function-local: a call reads r1-r5
  // and clobbers r0-r5).
  std::vector<uint16_t> use(n), def(n);
  for (uint32_t i = 0; i < n; ++i)
    if (!cfg.secondHalf[i])
      useDef(prog.insns[i], use[i], def[i]);
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t k = n; k-- > 0;) {
      if (cfg.secondHalf[k])
        continue;
      uint16_t out = 0;
      for (uint32_t s : succ[k])
        out |= cfg.liveIn[s];
      uint16_t in = uint16_t(use[k] | (out & ~def[k]));
      if (in != cfg.liveIn[k]) {
        cfg.liveIn[k] = in;
        changed = true;
      }
    }
  }
  // Precision, backward like liveness: sinks generate, definitions kill and
  // pass the need on to their operands.
  cfg.preciseIn.assign(n, 0);
  std::vector<uint16_t> sink(n, 0), defs(n, 0), passOn(n, 0);
  auto bit = [](int r) { return uint16_t(r <= 10 ? 1u << r : 0); };
  for (uint32_t k = 0; k < n; ++k) {
    if (cfg.secondHalf[k])
      continue;
    const bpf_insn &in = prog.insns[k];
    uint8_t cls = BPF_CLASS(in.code), op = BPF_OP(in.code);
    bool x = BPF_SRC(in.code) == BPF_X;
    defs[k] = def[k];
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if (op == BPF_END || op == BPF_NEG) {
        passOn[k] = bit(in.dst_reg);
      } else if (op == BPF_MOV) {
        passOn[k] = x ? bit(in.src_reg) : 0;
      } else {
        passOn[k] = bit(in.dst_reg) | (x ? bit(in.src_reg) : 0);
        if (x && (op == BPF_ADD || op == BPF_SUB))
          sink[k] = bit(in.src_reg) | bit(in.dst_reg); // maybe pointer arithmetic
      }
      break;
    case BPF_LDX:
      sink[k] = bit(in.src_reg);
      break;
    case BPF_ST:
      sink[k] = bit(in.dst_reg);
      break;
    case BPF_STX:
      // The stored value matters only if it may be a spill (8 bytes, which
      // can be filled back whole) or an atomic operand.
      sink[k] = bit(in.dst_reg);
      if (BPF_SIZE(in.code) == BPF_DW || BPF_MODE(in.code) == BPF_ATOMIC)
        sink[k] |= bit(in.src_reg) | (in.imm == BPF_CMPXCHG ? bit(0) : 0);
      break;
    case BPF_JMP:
    case BPF_JMP32:
      if (op == BPF_CALL)
        sink[k] = 0x3e; // r1..r5
      else if (op == BPF_EXIT)
        sink[k] = cfg.funcOf[k] == 0 ? 0 : bit(0);
      else if (op != BPF_JA)
        sink[k] = bit(in.dst_reg) | (x ? bit(in.src_reg) : 0);
      break;
    default:
      break;
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t k = n; k-- > 0;) {
      if (cfg.secondHalf[k])
        continue;
      uint16_t out = 0;
      for (uint32_t s : succ[k])
        out |= cfg.preciseIn[s];
      uint16_t in = uint16_t((out & ~defs[k]) | sink[k] | ((out & defs[k]) ? passOn[k] : 0));
      if (in != cfg.preciseIn[k]) {
        cfg.preciseIn[k] = in;
        changed = true;
      }
    }
  }
  (void)isCondJmp;
  return std::nullopt;
}

} // namespace sluice::verify
