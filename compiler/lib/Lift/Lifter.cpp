//===- Lifter.cpp - eBPF bytecode to LLVM IR, typed by the verifier -------===//
//
// One LLVM function per eBPF function of the linked program (the entry and
// its bpf-to-bpf sub-programs), one basic block per eBPF basic block. Each
// register lives in allocas, one per class of value it holds (i64 scalar,
// stack pointer, packet pointer, map-value pointer): the verifier's joined
// state before each instruction says which class a register holds there, so
// every read picks the right alloca and every memory access its address
// space; mem2reg/SROA then turn the allocas into SSA. The context and map
// references never live in allocas: the verifier tells which map a register
// names, and the context is the function's %ctx argument. Conventions are in
// docs/lift.md.
//
//===----------------------------------------------------------------------===//
#include "sluice/Lift/Lift.h"

#include <algorithm>
#include <cerrno>
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "llvm/IR/DIBuilder.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include "../Verify/Helpers.h"
#include "sluice/Object/Disasm.h"
#include "sluice/Support/Error.h"
#include "sluice/Verify/Verifier.h"

namespace sluice::lift {

Lifted::Lifted() = default;
Lifted::Lifted(Lifted &&) = default;
Lifted &Lifted::operator=(Lifted &&) = default;
Lifted::~Lifted() {
  module.reset();
  ctx.reset();
}

namespace {

using namespace llvm;
using verify::RegKind;
using verify::RegState;

/// Where a register's value lives in the lifted function.
enum class Cls : uint8_t { None, Scalar, Stack, Packet, MapValue, Ctx, MapRef, Func, Bad };

Cls classOf(RegKind k) {
  switch (k) {
  case RegKind::NotInit: return Cls::None;
  case RegKind::Scalar: return Cls::Scalar;
  case RegKind::PtrToCtx: return Cls::Ctx;
  case RegKind::PtrToPacket:
  case RegKind::PtrToPacketMeta:
  case RegKind::PtrToPacketEnd: return Cls::Packet;
  case RegKind::PtrToStack: return Cls::Stack;
  case RegKind::MapValue:
  case RegKind::MapValueOrNull: return Cls::MapValue;
  case RegKind::ConstMapPtr: return Cls::MapRef;
  case RegKind::PtrToFunc: return Cls::Func;
  case RegKind::Mixed: return Cls::Bad;
  }
  return Cls::Bad;
}

const char *clsName(Cls c) {
  switch (c) {
  case Cls::None: return "none";
  case Cls::Scalar: return "scalar";
  case Cls::Stack: return "stack pointer";
  case Cls::Packet: return "packet pointer";
  case Cls::MapValue: return "map-value pointer";
  case Cls::Ctx: return "context";
  case Cls::MapRef: return "map";
  case Cls::Func: return "callback";
  case Cls::Bad: return "mixed";
  }
  return "?";
}

unsigned bpfSize(uint8_t code) {
  switch (BPF_SIZE(code)) {
  case BPF_B: return 1;
  case BPF_H: return 2;
  case BPF_W: return 4;
  default: return 8;
  }
}

bool isPtrCls(Cls c) { return c == Cls::Stack || c == Cls::Packet || c == Cls::MapValue; }

struct FuncInfo {
  uint32_t start = 0, end = 0;  // [start, end) in Program::insns
  std::string name;
  Function *fn = nullptr;
  std::array<Cls, 6> argCls{};  // r1..r5 at entry (index 1..5)
  Cls retCls = Cls::Scalar;
  DISubprogram *sp = nullptr;
  /// Scopes for lines from other files than the subprogram's (inlined
  /// header functions): a DILexicalBlockFile per file, so `!dbg` names the
  /// header, not the .c file.
  std::map<std::string, DIScope *> fileScopes;
};

class Lifter {
public:
  Lifter(const Object &obj, const Program &prog, const verify::VerifyResult &vr, LLVMContext &C,
         bool inlineFrameHelpers)
      : obj_(obj), prog_(prog), vr_(vr), C_(C), inlineFrameHelpers_(inlineFrameHelpers),
        B_(C, ConstantFolder(), IRBuilderCallbackInserter([this](Instruction *I) {
             if (insnMD_)
               I->setMetadata(insnKind_, insnMD_);
           })) {}

  Expected<std::unique_ptr<Module>> run();

private:
  // Types.
  Type *i64() { return B_.getInt64Ty(); }
  Type *i32() { return B_.getInt32Ty(); }
  PointerType *ptrTy(unsigned as) { return PointerType::get(C_, as); }
  Type *clsType(Cls c) {
    switch (c) {
    case Cls::Stack: return ptrTy(kStackAS);
    case Cls::Packet: return ptrTy(kPacketAS);
    case Cls::MapValue: return ptrTy(kMapValueAS);
    default: return i64();
    }
  }

  Error fail(uint32_t i, const std::string &why) {
    return makeError("{}: cannot lift insn {} ({}): {}", prog_.where(i), i,
                     disassemble(prog_, i, &obj_), why);
  }

  const verify::InsnState &st(uint32_t i) const { return vr_.states[i]; }

  Error planFunctions();
  void analyseClasses();
  std::array<Cls, 11> transfer(uint32_t i, const std::array<Cls, 11> &in);
  Cls fillCls(uint32_t i);
  Error liftFunction(FuncInfo &f);
  Error liftInsn(FuncInfo &f, uint32_t i, bool &terminated);

  // Registers.
  AllocaInst *slot(unsigned r, Cls c);
  Expected<Value *> readReg(uint32_t i, unsigned r, Cls *clsOut = nullptr);
  void writeReg(unsigned r, Cls c, Value *v);
  Value *asInt(Value *v) {
    return v->getType()->isPointerTy() ? B_.CreatePtrToInt(v, i64()) : v;
  }

  // Memory.
  Expected<std::pair<Value *, Cls>> address(uint32_t i, unsigned base, int16_t off);
  Expected<Value *> ctxLoad(uint32_t i, unsigned base, int16_t off, unsigned size, Cls &cls);

  // Pieces.
  Error liftAlu(uint32_t i, const bpf_insn &in);
  Error liftJmp(FuncInfo &f, uint32_t i, const bpf_insn &in);
  Error liftHelper(uint32_t i, const bpf_insn &in);
  Error liftLocalCall(uint32_t i, const bpf_insn &in);
  Error liftLoop(uint32_t i);
  Error liftPacketBytes(uint32_t i, bool store);
  Value *xdpPtr(const char *field);
  Value *frameLen();
  Function *declare(const std::string &name, Type *ret, ArrayRef<Type *> args,
                    MemoryEffects me = MemoryEffects::unknown());
  BasicBlock *blockAt(uint32_t i) { return blocks_.at(i); }
  FuncInfo *funcAt(uint32_t start) {
    for (auto &f : funcs_)
      if (f.start == start)
        return &f;
    return nullptr;
  }
  DIFile *fileFor(const std::string &name);

  const Object &obj_;
  const Program &prog_;
  const verify::VerifyResult &vr_;
  LLVMContext &C_;
  bool inlineFrameHelpers_;
  MDNode *insnMD_ = nullptr;
  unsigned insnKind_ = 0;
  IRBuilder<ConstantFolder, IRBuilderCallbackInserter> B_;
  std::unique_ptr<Module> M_;
  std::unique_ptr<DIBuilder> DIB_;
  DICompileUnit *cu_ = nullptr;
  std::map<std::string, DIFile *> files_;

  std::vector<FuncInfo> funcs_;
  /// Class of each register before each instruction, joined over paths
  /// (the lifter's own analysis: the verifier's joined kinds lose the
  /// class when, say, two map values of different maps meet).
  std::vector<std::array<Cls, 11>> in_;
  std::vector<bool> reached_;
  uint32_t curInsn_ = UINT32_MAX;
  std::string consistencyError_;
  // Per function being lifted.
  std::map<uint32_t, BasicBlock *> blocks_;
  std::map<std::pair<unsigned, Cls>, AllocaInst *> slots_;
  AllocaInst *frame_ = nullptr;
  Value *ctxArg_ = nullptr;
  FuncInfo *cur_ = nullptr;
};

DIFile *Lifter::fileFor(const std::string &name) {
  auto it = files_.find(name);
  if (it != files_.end())
    return it->second;
  std::string dir, base = name;
  if (auto p = name.rfind('/'); p != std::string::npos) {
    dir = name.substr(0, p);
    base = name.substr(p + 1);
  }
  DIFile *f = DIB_->createFile(base.empty() ? "<unknown>" : base, dir);
  files_[name] = f;
  return f;
}

Function *Lifter::declare(const std::string &name, Type *ret, ArrayRef<Type *> args,
                          MemoryEffects me) {
  if (Function *f = M_->getFunction(name))
    return f;
  auto *fty = FunctionType::get(ret, args, false);
  Function *f = Function::Create(fty, Function::ExternalLinkage, name, *M_);
  f->addFnAttr(Attribute::NoUnwind);
  f->addFnAttr(Attribute::WillReturn);
  f->addFnAttr(Attribute::NoFree);
  f->addFnAttr(Attribute::NoSync);
  f->setMemoryEffects(me);
  return f;
}

AllocaInst *Lifter::slot(unsigned r, Cls c) {
  auto key = std::make_pair(r, c);
  auto it = slots_.find(key);
  if (it != slots_.end())
    return it->second;
  IRBuilder<> eb(&cur_->fn->getEntryBlock(), cur_->fn->getEntryBlock().begin());
  static const char *names[] = {"", ".i", ".s", ".p", ".m", "", "", ""};
  AllocaInst *a = eb.CreateAlloca(clsType(c), nullptr,
                                  "r" + std::to_string(r) + names[unsigned(c)]);
  slots_[key] = a;
  return a;
}

void Lifter::writeReg(unsigned r, Cls c, Value *v) {
  if (curInsn_ != UINT32_MAX) {
    Cls want = transfer(curInsn_, in_[curInsn_])[r];
    if (want != c)
      consistencyError_ = fmt::format("insn {}: r{} written as {} but analysed as {} (lifter bug)",
                                      curInsn_, r, clsName(c), clsName(want));
  }
  if (c == Cls::None)
    return;
  if (c == Cls::Bad) {
    B_.CreateStore(v, slot(r, Cls::Scalar));
    return;
  }
  // The integer shadow, read where classes meet (Cls::Bad).
  if (c == Cls::Ctx)
    B_.CreateStore(B_.CreatePtrToInt(ctxArg_, i64()), slot(r, Cls::Scalar));
  else if (c == Cls::MapRef || c == Cls::Func)
    B_.CreateStore(v ? v : B_.getInt64(0), slot(r, Cls::Scalar));
  else if (c != Cls::Scalar)
    B_.CreateStore(B_.CreatePtrToInt(v, i64()), slot(r, Cls::Scalar));
  if (c == Cls::Ctx || c == Cls::MapRef || c == Cls::Func)
    return;  // symbolic: reads come from %ctx and the verifier state
  B_.CreateStore(v, slot(r, c));
}

Expected<Value *> Lifter::readReg(uint32_t i, unsigned r, Cls *clsOut) {
  const RegState &rs = st(i).regs[r];
  Cls c = in_[i][r];
  if (clsOut)
    *clsOut = c;
  if (r == 10) {
    if (clsOut)
      *clsOut = Cls::Stack;
    return B_.CreateConstInBoundsGEP1_64(B_.getInt8Ty(), frame_, 512, "fp");
  }
  switch (c) {
  case Cls::None:
    return PoisonValue::get(i64());
  case Cls::Bad:
    // Different classes over paths: every write also keeps the value as an
    // integer, so comparisons and arithmetic still work on it.
    return B_.CreateLoad(i64(), slot(r, Cls::Scalar), "r" + std::to_string(r));
  case Cls::Ctx:
    return ctxArg_;
  case Cls::MapRef:
    if (rs.kind != RegKind::ConstMapPtr || rs.map < 0)  // maps differ over paths
      return B_.CreateLoad(i64(), slot(r, Cls::Scalar), "r" + std::to_string(r) + ".map");
    return B_.getInt64(uint64_t(rs.map));
  case Cls::Func:  // the callback's first instruction
    if (rs.kind != RegKind::PtrToFunc)
      return B_.CreateLoad(i64(), slot(r, Cls::Scalar), "r" + std::to_string(r) + ".fn");
    return B_.getInt64(uint64_t(rs.off));
  default:
    return B_.CreateLoad(clsType(c), slot(r, c), "r" + std::to_string(r));
  }
}

Expected<std::pair<Value *, Cls>> Lifter::address(uint32_t i, unsigned base, int16_t off) {
  Cls c;
  auto p = readReg(i, base, &c);
  if (!p)
    return p.takeError();
  // The region must be the one the verifier sees, wherever its joined
  // state is definite.
  Cls vc = base == 10 ? Cls::Stack : classOf(st(i).regs[base].kind);
  if (isPtrCls(vc) && vc != c)
    return fail(i, fmt::format("the lifter sees a {} in r{} where the verifier sees a {} "
                               "(lifter bug)",
                               clsName(c), base, clsName(vc)));
  if (!isPtrCls(c))
    return fail(i, fmt::format("memory access through a {} (r{}){}", clsName(c), base,
                               c == Cls::Bad ? ": its kind differs over the paths that reach here"
                                             : ""));
  Value *a = off ? B_.CreateGEP(B_.getInt8Ty(), *p, B_.getInt64(int64_t(off))) : *p;
  return std::make_pair(a, c);
}

/// struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index,
/// egress_ifindex, each 4 bytes.
Expected<Value *> Lifter::ctxLoad(uint32_t i, unsigned base, int16_t off, unsigned size,
                                  Cls &cls) {
  const RegState &rs = st(i).regs[base];
  if (!rs.var.isConst() || rs.var.constValue() != 0)
    return fail(i, "context access at a variable offset");
  int64_t o = int64_t(rs.off) + off;
  MemoryEffects readsCtx = MemoryEffects::inaccessibleMemOnly(ModRefInfo::Ref);
  const char *ptrField = o == 0 ? "data" : o == 4 ? "data_end" : o == 8 ? "data_meta" : nullptr;
  if (ptrField) {
    cls = Cls::Packet;
    return xdpPtr(ptrField);
  }
  const char *field = o == 12   ? "ingress_ifindex"
                      : o == 16 ? "rx_queue_index"
                      : o == 20 ? "egress_ifindex"
                                : nullptr;
  if (!field || size != 4)
    return fail(i, fmt::format("context access at offset {} size {}", o, size));
  cls = Cls::Scalar;
  Function *f = declare(std::string("sluice.xdp.") + field, i32(), {ptrTy(kStackAS)}, readsCtx);
  return B_.CreateZExt(B_.CreateCall(f, {ctxArg_}, field), i64());
}

Cls Lifter::fillCls(uint32_t i) {
  // What an 8-byte stack load at i reads: the verifier's kind of dst after
  // it, else the spilled register's kind in the slot.
  const bpf_insn &in = prog_.insns[i];
  if (i + 1 < prog_.insns.size()) {
    Cls c = classOf(st(i + 1).regs[in.dst_reg].kind);
    if (c != Cls::Bad && c != Cls::None)
      return c;
  }
  if (in.src_reg == 10 && in.off < 0) {
    size_t k = size_t(-int(in.off) - 1) / 8;
    if (k < st(i).stack.size() && st(i).stack[k].isSpill()) {
      Cls c = classOf(st(i).stack[k].spilled.kind);
      if (c != Cls::Bad && c != Cls::None)
        return c;
    }
  }
  return Cls::Scalar;
}

std::array<Cls, 11> Lifter::transfer(uint32_t i, const std::array<Cls, 11> &inCls) {
  std::array<Cls, 11> out = inCls;
  out[10] = Cls::Stack;
  const bpf_insn &in = prog_.insns[i];
  uint8_t cls = BPF_CLASS(in.code);
  uint8_t op = BPF_OP(in.code);
  auto clsReg = [&](unsigned r) { return r == 10 ? Cls::Stack : inCls[r]; };
  switch (cls) {
  case BPF_ALU:
  case BPF_ALU64: {
    unsigned d = in.dst_reg;
    bool x = BPF_SRC(in.code) == BPF_X;
    if (op == BPF_END || cls == BPF_ALU) {
      out[d] = Cls::Scalar;
    } else if (op == BPF_MOV && in.off == 0) {
      out[d] = x ? clsReg(in.src_reg) : Cls::Scalar;
    } else if (op == BPF_ADD || op == BPF_SUB) {
      Cls dc = clsReg(d), sc = x ? clsReg(in.src_reg) : Cls::Scalar;
      if (isPtrCls(dc) && sc == Cls::Scalar)
        out[d] = dc;
      else if (op == BPF_ADD && dc == Cls::Scalar && isPtrCls(sc))
        out[d] = sc;
      else
        out[d] = Cls::Scalar;
    } else {
      out[d] = Cls::Scalar;
    }
    break;
  }
  case BPF_LD:
    if (in.code == (BPF_LD | BPF_IMM | BPF_DW)) {
      if (in.src_reg == 0)
        out[in.dst_reg] = Cls::Scalar;
      else if (in.src_reg == BPF_PSEUDO_MAP_FD || in.src_reg == BPF_PSEUDO_MAP_IDX)
        out[in.dst_reg] = Cls::MapRef;
      else if (in.src_reg == BPF_PSEUDO_FUNC)
        out[in.dst_reg] = Cls::Func;
      else
        out[in.dst_reg] = Cls::MapValue;
    }
    break;
  case BPF_LDX: {
    Cls bc = clsReg(in.src_reg);
    if (bc == Cls::Ctx) {
      int64_t o = int64_t(st(i).regs[in.src_reg].off) + in.off;
      out[in.dst_reg] = (o == 0 || o == 4 || o == 8) ? Cls::Packet : Cls::Scalar;
    } else if (bpfSize(in.code) == 8 && bc == Cls::Stack && BPF_MODE(in.code) == BPF_MEM) {
      Cls after = fillCls(i);
      out[in.dst_reg] = (isPtrCls(after) || after == Cls::Ctx || after == Cls::MapRef)
                            ? after
                            : Cls::Scalar;
    } else {
      out[in.dst_reg] = Cls::Scalar;
    }
    break;
  }
  case BPF_STX:
    if (BPF_MODE(in.code) == BPF_ATOMIC) {
      if (in.imm == BPF_CMPXCHG)
        out[0] = Cls::Scalar;
      else if (in.imm & BPF_FETCH)
        out[in.src_reg] = Cls::Scalar;
    }
    break;
  case BPF_JMP:
  case BPF_JMP32:
    if (op == BPF_CALL) {
      if (in.src_reg == BPF_PSEUDO_CALL) {
        FuncInfo *callee = funcAt(uint32_t(int64_t(i) + 1 + in.imm));
        out[0] = callee ? callee->retCls : Cls::Scalar;
      } else {
        const verify::HelperProto *p = verify::xdpHelper(in.imm);
        out[0] = p && p->ret == verify::Ret::MapValueOrNull ? Cls::MapValue : Cls::Scalar;
      }
      for (unsigned r = 1; r <= 5; ++r)
        out[r] = Cls::None;
    }
    break;
  }
  return out;
}

static bool joinInto(std::array<Cls, 11> &dst, const std::array<Cls, 11> &src) {
  bool changed = false;
  for (int r = 0; r < 11; ++r) {
    Cls a = dst[r], b = src[r];
    Cls j = a == Cls::None ? b : b == Cls::None ? a : a == b ? a : Cls::Bad;
    if (j != a) {
      dst[r] = j;
      changed = true;
    }
  }
  return changed;
}

void Lifter::analyseClasses() {
  size_t n = prog_.insns.size();
  in_.assign(n, {});
  reached_.assign(n, false);
  std::array<Cls, 11> entry{};
  entry[1] = Cls::Ctx;
  entry[10] = Cls::Stack;
  in_[funcs_[0].start] = entry;
  reached_[funcs_[0].start] = true;
  for (auto &f : funcs_)
    f.retCls = Cls::None;
  for (int round = 0; round < 100; ++round) {
    bool changed = false;
    auto flow = [&](uint32_t to, const std::array<Cls, 11> &v) {
      if (to >= n)
        return;
      if (!reached_[to]) {
        reached_[to] = true;
        in_[to] = v;
        changed = true;
      } else {
        changed |= joinInto(in_[to], v);
      }
    };
    for (auto &f : funcs_) {
      for (uint32_t i = f.start; i < f.end; ++i) {
        const bpf_insn &in = prog_.insns[i];
        bool wide = in.code == (BPF_LD | BPF_IMM | BPF_DW);
        if (!reached_[i] || !st(i).reached) {
          i += wide;
          continue;
        }
        auto out = transfer(i, in_[i]);
        uint8_t cls = BPF_CLASS(in.code), op = BPF_OP(in.code);
        if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT) {
          Cls r0 = in_[i][0];
          Cls j = f.retCls == Cls::None ? r0 : f.retCls == r0 ? r0 : Cls::Bad;
          if (j != f.retCls) {
            f.retCls = j;
            changed = true;
          }
        } else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_CALL) {
          if (in.src_reg == BPF_PSEUDO_CALL) {
            std::array<Cls, 11> args{};
            for (unsigned r = 1; r <= 5; ++r)
              args[r] = in_[i][r] == Cls::None ? Cls::None : in_[i][r];
            args[10] = Cls::Stack;
            flow(uint32_t(int64_t(i) + 1 + in.imm), args);
          } else if (in.src_reg == 0 && in.imm == BPF_FUNC_loop &&
                     st(i).regs[2].kind == RegKind::PtrToFunc) {
            // callback(u32 index, void *ctx): ctx is bpf_loop's r3
            std::array<Cls, 11> args{};
            args[1] = Cls::Scalar;
            args[2] = in_[i][3];
            args[10] = Cls::Stack;
            flow(uint32_t(st(i).regs[2].off), args);
          }
          flow(i + 1, out);
        } else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_JA) {
          flow(uint32_t(int64_t(i) + 1 + (cls == BPF_JMP32 ? in.imm : in.off)), out);
        } else if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JCOND) {
          flow(uint32_t(int64_t(i) + 1 + in.off), out);
          flow(i + 1, out);
        } else if ((cls == BPF_JMP || cls == BPF_JMP32)) {
          flow(uint32_t(int64_t(i) + 1 + in.off), out);
          flow(i + 1, out);
        } else {
          flow(i + 1 + wide, out);
        }
        i += wide;
      }
    }
    if (!changed)
      break;
  }
}

Error Lifter::planFunctions() {
  const auto &fl = prog_.funcs;
  if (fl.empty())
    return makeError("{}: program has no functions", prog_.name);
  for (size_t k = 0; k < fl.size(); ++k) {
    FuncInfo f;
    f.start = fl[k].first;
    f.end = k + 1 < fl.size() ? fl[k + 1].first : uint32_t(prog_.insns.size());
    f.name = k == 0 ? prog_.name : prog_.name + "." + fl[k].second;
    funcs_.push_back(f);
  }
  // Call targets the object did not name (hand-built programs) start functions too.
  for (uint32_t i = 0; i < prog_.insns.size(); ++i) {
    const bpf_insn &in = prog_.insns[i];
    if (in.code == (BPF_JMP | BPF_CALL) && in.src_reg == BPF_PSEUDO_CALL) {
      int64_t t = int64_t(i) + 1 + in.imm;
      if (t <= 0 || t >= int64_t(prog_.insns.size()))
        return fail(i, "call target out of range");
      if (!funcAt(uint32_t(t))) {
        FuncInfo f;
        f.start = uint32_t(t);
        f.name = prog_.name + ".sub_" + std::to_string(t);
        funcs_.push_back(f);
      }
    }
  }
  std::sort(funcs_.begin() + 1, funcs_.end(),
            [](const FuncInfo &a, const FuncInfo &b) { return a.start < b.start; });
  // Ends from the sorted starts.
  std::vector<uint32_t> starts;
  for (auto &f : funcs_)
    starts.push_back(f.start);
  std::sort(starts.begin(), starts.end());
  for (auto &f : funcs_) {
    auto it = std::upper_bound(starts.begin(), starts.end(), f.start);
    f.end = it == starts.end() ? uint32_t(prog_.insns.size()) : *it;
  }
  analyseClasses();
  for (size_t k = 1; k < funcs_.size(); ++k)
    if (funcs_[k].retCls == Cls::None)
      funcs_[k].retCls = Cls::Scalar;
  // Signatures of sub-programs from their entry classes and exits.
  for (size_t k = 0; k < funcs_.size(); ++k) {
    FuncInfo &f = funcs_[k];
    std::vector<Type *> args{ptrTy(kStackAS)};
    if (k > 0) {
      if (!st(f.start).reached || !reached_[f.start])
        continue;  // never called: not lifted
      for (unsigned r = 1; r <= 5; ++r) {
        Cls c = in_[f.start][r];
        if (c == Cls::Bad)
          return fail(f.start, fmt::format("argument r{} of {} has different kinds over its calls",
                                           r, f.name));
        f.argCls[r] = c;
        args.push_back(clsType(c));
      }
      if (f.retCls == Cls::Ctx || f.retCls == Cls::MapRef || f.retCls == Cls::Func ||
          f.retCls == Cls::Bad)
        return fail(f.start, fmt::format("{} returns a {}", f.name, clsName(f.retCls)));
      if (f.retCls == Cls::None)
        f.retCls = Cls::Scalar;
    }
    Type *retTy = k == 0 ? i32() : clsType(f.retCls);
    auto *fty = FunctionType::get(retTy, args, false);
    f.fn = Function::Create(fty, k == 0 ? Function::ExternalLinkage : Function::InternalLinkage,
                            f.name, *M_);
    f.fn->getArg(0)->setName("ctx");
    if (k > 0) {
      f.fn->addFnAttr(Attribute::AlwaysInline);
      for (unsigned r = 1; r <= 5; ++r)
        f.fn->getArg(r)->setName("r" + std::to_string(r) + ".in");
    }
    f.fn->addFnAttr(Attribute::NoUnwind);
    // Debug info: one subprogram per function, at its first known line.
    const SourceLoc *loc = nullptr;
    for (uint32_t i = f.start; i < f.end && !loc; ++i)
      if (i < prog_.lines.size() && prog_.lines[i].known())
        loc = &prog_.lines[i];
    DIFile *file = fileFor(loc ? loc->file : obj_.path);
    auto *sty = DIB_->createSubroutineType(DIB_->getOrCreateTypeArray({}));
    f.sp = DIB_->createFunction(file, k == 0 ? prog_.name : funcs_[k].name.substr(prog_.name.size() + 1),
                                f.name, file, loc ? loc->line : 0, sty, loc ? loc->line : 0,
                                DINode::FlagZero,
                                DISubprogram::SPFlagDefinition |
                                    (k ? DISubprogram::SPFlagLocalToUnit : DISubprogram::SPFlagZero));
    f.fn->setSubprogram(f.sp);
  }
  return Error::success();
}

Expected<std::unique_ptr<Module>> Lifter::run() {
  M_ = std::make_unique<Module>(prog_.name, C_);
  DIB_ = std::make_unique<DIBuilder>(*M_);
  std::string srcFile;
  for (auto &l : prog_.lines)
    if (l.known()) {
      srcFile = l.file;
      break;
    }
  DIFile *cuFile = fileFor(srcFile.empty() ? obj_.path : srcFile);
  cu_ = DIB_->createCompileUnit(dwarf::DW_LANG_C11, cuFile, "sluice lift", true, "", 0, "",
                                DICompileUnit::LineTablesOnly);
  M_->addModuleFlag(Module::Warning, "Debug Info Version", DEBUG_METADATA_VERSION);
  M_->addModuleFlag(Module::Warning, "Dwarf Version", 4);
  insnKind_ = C_.getMDKindID("sluice.insn");
  if (auto e = planFunctions())
    return std::move(e);
  for (auto &f : funcs_)
    if (f.fn)
      if (auto e = liftFunction(f))
        return std::move(e);
  DIB_->finalize();
  return std::move(M_);
}

Error Lifter::liftFunction(FuncInfo &f) {
  cur_ = &f;
  blocks_.clear();
  slots_.clear();
  Function *fn = f.fn;
  // Leaders: the function start, jump targets, instructions after jumps.
  std::set<uint32_t> leaders{f.start};
  for (uint32_t i = f.start; i < f.end; ++i) {
    const bpf_insn &in = prog_.insns[i];
    uint8_t cls = BPF_CLASS(in.code);
    if (in.code == (BPF_LD | BPF_IMM | BPF_DW)) {
      ++i;
      continue;
    }
    if (cls != BPF_JMP && cls != BPF_JMP32)
      continue;
    uint8_t op = BPF_OP(in.code);
    if (op == BPF_CALL)
      continue;
    if (op == BPF_EXIT) {
      leaders.insert(i + 1);
      continue;
    }
    int64_t tgt = i + 1 + (cls == BPF_JMP32 && op == BPF_JA ? in.imm : in.off);
    if (tgt < f.start || tgt >= f.end)
      return fail(i, "jump outside its function");
    leaders.insert(uint32_t(tgt));
    leaders.insert(i + 1);
  }
  BasicBlock *entry = BasicBlock::Create(C_, "entry", fn);
  for (uint32_t l : leaders)
    if (l < f.end)
      blocks_[l] = BasicBlock::Create(C_, "bpf." + std::to_string(l), fn);
  B_.SetInsertPoint(entry);
  B_.SetCurrentDebugLocation(DILocation::get(C_, f.sp->getLine(), 0, f.sp));
  ctxArg_ = fn->getArg(0);
  frame_ = B_.CreateAlloca(ArrayType::get(B_.getInt8Ty(), 512), nullptr, "frame");
  frame_->setAlignment(Align(8));
  // The frame starts zeroed, as interp's (the kernel leaves it uninitialised
  // and its verifier keeps that unobservable, except for bytes a privileged
  // program may read unwritten): no undef reaches keys or packet bytes, and
  // SROA folds the zeros away wherever the program writes first.
  B_.CreateMemSet(frame_, B_.getInt8(0), 512, Align(8));
  for (unsigned r = 1; r <= 5 && f.start != funcs_[0].start; ++r)
    writeReg(r, f.argCls[r], fn->getArg(r));
  B_.CreateBr(blocks_.at(f.start));

  bool terminated = true;
  for (uint32_t i = f.start; i < f.end; ++i) {
    auto bit = blocks_.find(i);
    if (bit != blocks_.end()) {
      if (!terminated)
        B_.CreateBr(bit->second);
      B_.SetInsertPoint(bit->second);
      terminated = false;
    }
    if (terminated)
      continue;  // the second half of ld_imm64, or unreachable code
    if (!st(i).reached || !reached_[i]) {
      B_.CreateUnreachable();
      terminated = true;
      continue;
    }
    // Line info and the instruction index on everything lifted from `i`.
    const SourceLoc *loc = i < prog_.lines.size() && prog_.lines[i].known() ? &prog_.lines[i] : nullptr;
    DIScope *scope = f.sp;
    if (loc && fileFor(loc->file) != f.sp->getFile()) {
      DIScope *&s = f.fileScopes[loc->file];
      if (!s)
        s = DIB_->createLexicalBlockFile(f.sp, fileFor(loc->file));
      scope = s;
    }
    B_.SetCurrentDebugLocation(
        DILocation::get(C_, loc ? loc->line : 0, loc ? loc->col : 0, scope));
    insnMD_ = MDNode::get(C_, {ConstantAsMetadata::get(B_.getInt32(i))});
    curInsn_ = i;
    if (auto e = liftInsn(f, i, terminated))
      return e;
    curInsn_ = UINT32_MAX;
    if (!consistencyError_.empty())
      return makeError("{}: {}", prog_.name, consistencyError_);
    if (prog_.insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
      ++i;
  }
  if (!terminated)
    B_.CreateUnreachable();  // falls off the end: the verifier refuses it
  insnMD_ = nullptr;
  return Error::success();
}

Error Lifter::liftInsn(FuncInfo &f, uint32_t i, bool &terminated) {
  const bpf_insn &in = prog_.insns[i];
  uint8_t cls = BPF_CLASS(in.code);
  switch (cls) {
  case BPF_ALU:
  case BPF_ALU64:
    return liftAlu(i, in);
  case BPF_LD: {
    if (in.code != (BPF_LD | BPF_IMM | BPF_DW))
      return fail(i, "legacy packet access (BPF_ABS/BPF_IND) is not supported");
    if (i + 1 >= prog_.insns.size())
      return fail(i, "truncated ld_imm64");
    switch (in.src_reg) {
    case 0: {
      uint64_t v = uint64_t(uint32_t(in.imm)) | uint64_t(uint32_t(prog_.insns[i + 1].imm)) << 32;
      writeReg(in.dst_reg, Cls::Scalar, B_.getInt64(v));
      return Error::success();
    }
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX:
      // The verifier state names the map at each use; the index is also
      // kept as an integer for uses where paths bring different maps.
      writeReg(in.dst_reg, Cls::MapRef, B_.getInt64(uint32_t(in.imm)));
      return Error::success();
    case BPF_PSEUDO_FUNC:  // a bpf_loop callback: symbolic, named by its first insn
      writeReg(in.dst_reg, Cls::Func, B_.getInt64(uint64_t(int64_t(i) + 1 + in.imm)));
      return Error::success();
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE: {
      Function *mv = declare("sluice.map.value", ptrTy(kMapValueAS), {i32()},
                             MemoryEffects::none());
      Value *base = B_.CreateCall(mv, {B_.getInt32(uint32_t(in.imm))}, "global");
      uint32_t off = uint32_t(prog_.insns[i + 1].imm);
      Value *p = off ? B_.CreateGEP(B_.getInt8Ty(), base, B_.getInt64(off)) : base;
      writeReg(in.dst_reg, Cls::MapValue, p);
      return Error::success();
    }
    default:
      return fail(i, "ld_imm64 of this kind (function or BTF object) is not supported");
    }
  }
  case BPF_LDX: {
    uint8_t mode = BPF_MODE(in.code);
    if (mode != BPF_MEM && mode != BPF_MEMSX)
      return fail(i, "unsupported load mode");
    unsigned size = bpfSize(in.code);
    Cls bc = in.src_reg == 10 ? Cls::Stack : in_[i][in.src_reg];
    if (bc == Cls::Ctx) {
      Cls rc;
      auto v = ctxLoad(i, in.src_reg, in.off, size, rc);
      if (!v)
        return v.takeError();
      writeReg(in.dst_reg, rc, *v);
      return Error::success();
    }
    auto a = address(i, in.src_reg, in.off);
    if (!a)
      return a.takeError();
    // A pointer filled back from the stack: its class is the one the
    // verifier sees in dst afterwards.
    Cls after = fillCls(i);
    if (size == 8 && a->second == Cls::Stack && isPtrCls(after) && mode == BPF_MEM) {
      LoadInst *ld = B_.CreateAlignedLoad(clsType(after), a->first, Align(1));
      writeReg(in.dst_reg, after, ld);
      return Error::success();
    }
    if (size == 8 && a->second == Cls::Stack && (after == Cls::Ctx || after == Cls::MapRef)) {
      // A spilled context or map reference: symbolic, plus the integer the
      // spill stored (the map index).
      writeReg(in.dst_reg, after,
               after == Cls::MapRef ? B_.CreateAlignedLoad(i64(), a->first, Align(1)) : nullptr);
      return Error::success();
    }
    Type *ty = B_.getIntNTy(size * 8);
    Value *v = B_.CreateAlignedLoad(ty, a->first, Align(1));
    v = mode == BPF_MEMSX ? B_.CreateSExt(v, i64()) : B_.CreateZExt(v, i64());
    writeReg(in.dst_reg, Cls::Scalar, v);
    return Error::success();
  }
  case BPF_ST:
  case BPF_STX: {
    uint8_t mode = BPF_MODE(in.code);
    unsigned size = bpfSize(in.code);
    if (cls == BPF_STX && mode == BPF_ATOMIC) {
      auto a = address(i, in.dst_reg, in.off);
      if (!a)
        return a.takeError();
      if (size != 4 && size != 8)
        return fail(i, "atomic of this size");
      Type *ty = B_.getIntNTy(size * 8);
      auto sv = readReg(i, in.src_reg);
      if (!sv)
        return sv.takeError();
      Value *val = B_.CreateTrunc(asInt(*sv), ty);
      int32_t op = in.imm;
      bool fetch = op & BPF_FETCH;
      AtomicRMWInst::BinOp rop;
      switch (op & ~BPF_FETCH) {
      case BPF_ADD: rop = AtomicRMWInst::Add; break;
      case BPF_OR: rop = AtomicRMWInst::Or; break;
      case BPF_AND: rop = AtomicRMWInst::And; break;
      case BPF_XOR: rop = AtomicRMWInst::Xor; break;
      case BPF_XCHG & ~BPF_FETCH:
        if (op == BPF_XCHG) {
          rop = AtomicRMWInst::Xchg;
          fetch = true;
          break;
        }
        [[fallthrough]];
      case BPF_CMPXCHG & ~BPF_FETCH:
        if (op == BPF_CMPXCHG) {
          auto r0 = readReg(i, 0);
          if (!r0)
            return r0.takeError();
          Value *cmp = B_.CreateTrunc(asInt(*r0), ty);
          auto *cx = B_.CreateAtomicCmpXchg(a->first, cmp, val, Align(size),
                                            AtomicOrdering::SequentiallyConsistent,
                                            AtomicOrdering::SequentiallyConsistent);
          writeReg(0, Cls::Scalar, B_.CreateZExt(B_.CreateExtractValue(cx, 0), i64()));
          return Error::success();
        }
        [[fallthrough]];
      default:
        return fail(i, "unsupported atomic operation");
      }
      Value *old = B_.CreateAtomicRMW(rop, a->first, val, Align(size),
                                      AtomicOrdering::SequentiallyConsistent);
      if (fetch)
        writeReg(in.src_reg, Cls::Scalar, B_.CreateZExt(old, i64()));
      return Error::success();
    }
    if (mode != BPF_MEM)
      return fail(i, "unsupported store mode");
    Cls bc = in.dst_reg == 10 ? Cls::Stack : in_[i][in.dst_reg];
    if (bc == Cls::Ctx)
      return fail(i, "store to the context");
    auto a = address(i, in.dst_reg, in.off);
    if (!a)
      return a.takeError();
    Value *v;
    if (cls == BPF_ST) {
      v = B_.getIntN(size * 8, uint64_t(int64_t(in.imm)));
    } else {
      Cls sc;
      auto sv = readReg(i, in.src_reg, &sc);
      if (!sv)
        return sv.takeError();
      v = *sv;
      if (!(size == 8 && isPtrCls(sc))) {
        if (sc == Cls::Ctx && size == 8)
          v = ctxArg_;  // a spilled context: stored as the handle
        else
          v = B_.CreateTrunc(asInt(v), B_.getIntNTy(size * 8));
      }
    }
    B_.CreateAlignedStore(v, a->first, Align(1));
    return Error::success();
  }
  case BPF_JMP:
  case BPF_JMP32: {
    uint8_t op = BPF_OP(in.code);
    if (op == BPF_CALL) {
      if (in.src_reg == BPF_PSEUDO_CALL)
        return liftLocalCall(i, in);
      if (in.src_reg != 0)
        return fail(i, "kfunc calls are not supported");
      return liftHelper(i, in);
    }
    if (op == BPF_EXIT) {
      Cls c;
      auto r0 = readReg(i, 0, &c);
      if (!r0)
        return r0.takeError();
      if (&f == &funcs_[0]) {
        B_.CreateRet(B_.CreateTrunc(asInt(*r0), i32()));
      } else {
        Value *v = *r0;
        if (v->getType() != clsType(f.retCls))
          v = asInt(v);
        B_.CreateRet(v);
      }
      terminated = true;
      return Error::success();
    }
    terminated = true;
    return liftJmp(f, i, in);
  }
  }
  return fail(i, "unknown instruction class");
}

Error Lifter::liftJmp(FuncInfo &f, uint32_t i, const bpf_insn &in) {
  uint8_t cls = BPF_CLASS(in.code);
  uint8_t op = BPF_OP(in.code);
  if (op == BPF_JA) {
    int64_t tgt = i + 1 + (cls == BPF_JMP32 ? in.imm : in.off);
    B_.CreateBr(blockAt(uint32_t(tgt)));
    return Error::success();
  }
  if (op == BPF_JCOND)
    return fail(i, "may_goto is not supported");
  BasicBlock *taken = blockAt(uint32_t(i + 1 + in.off));
  BasicBlock *fall = blockAt(i + 1);
  Cls dc, sc = Cls::Scalar;
  auto d = readReg(i, in.dst_reg, &dc);
  if (!d)
    return d.takeError();
  Value *a = *d, *b;
  if (BPF_SRC(in.code) == BPF_X) {
    auto s = readReg(i, in.src_reg, &sc);
    if (!s)
      return s.takeError();
    b = *s;
  } else {
    b = B_.getInt64(uint64_t(int64_t(in.imm)));
  }
  bool is32 = cls == BPF_JMP32;
  if (!is32 && op != BPF_JSET && isPtrCls(dc) && sc == Cls::Scalar && BPF_SRC(in.code) == BPF_K &&
      in.imm == 0) {
    b = ConstantPointerNull::get(cast<PointerType>(a->getType()));  // a null check
  } else if (!is32 && op != BPF_JSET && isPtrCls(dc) && dc == sc) {
    // Two pointers of one region: compared as pointers.
  } else {
    a = asInt(a);
    b = asInt(b);
    if (is32) {
      a = B_.CreateTrunc(a, i32());
      b = B_.CreateTrunc(b, i32());
    }
  }
  Value *c;
  switch (op) {
  case BPF_JEQ: c = B_.CreateICmpEQ(a, b); break;
  case BPF_JNE: c = B_.CreateICmpNE(a, b); break;
  case BPF_JGT: c = B_.CreateICmpUGT(a, b); break;
  case BPF_JGE: c = B_.CreateICmpUGE(a, b); break;
  case BPF_JLT: c = B_.CreateICmpULT(a, b); break;
  case BPF_JLE: c = B_.CreateICmpULE(a, b); break;
  case BPF_JSGT: c = B_.CreateICmpSGT(a, b); break;
  case BPF_JSGE: c = B_.CreateICmpSGE(a, b); break;
  case BPF_JSLT: c = B_.CreateICmpSLT(a, b); break;
  case BPF_JSLE: c = B_.CreateICmpSLE(a, b); break;
  case BPF_JSET: c = B_.CreateICmpNE(B_.CreateAnd(a, b), ConstantInt::get(a->getType(), 0)); break;
  default:
    return fail(i, "unknown jump");
  }
  B_.CreateCondBr(c, taken, fall);
  return Error::success();
}

Error Lifter::liftAlu(uint32_t i, const bpf_insn &in) {
  bool is64 = BPF_CLASS(in.code) == BPF_ALU64;
  uint8_t op = BPF_OP(in.code);
  unsigned d = in.dst_reg;
  bool useReg = BPF_SRC(in.code) == BPF_X;

  if (op == BPF_END) {
    auto v = readReg(i, d);
    if (!v)
      return v.takeError();
    unsigned bits = unsigned(in.imm);
    if (bits != 16 && bits != 32 && bits != 64)
      return fail(i, "byte swap width");
    Value *x = B_.CreateTrunc(asInt(*v), B_.getIntNTy(bits));
    bool swap = is64 || useReg;  // BPF_ALU64 bswap, or BPF_TO_BE on a little-endian CPU
    if (swap && bits > 8)
      x = B_.CreateUnaryIntrinsic(Intrinsic::bswap, x);
    writeReg(d, Cls::Scalar, B_.CreateZExt(x, i64()));
    return Error::success();
  }

  Cls dc = Cls::Scalar, sc = Cls::Scalar;
  Value *dv = nullptr, *sv = nullptr;
  if (op != BPF_MOV) {
    auto v = readReg(i, d, &dc);
    if (!v)
      return v.takeError();
    dv = *v;
  }
  if (op != BPF_NEG) {
    if (useReg) {
      auto v = readReg(i, in.src_reg, &sc);
      if (!v)
        return v.takeError();
      sv = *v;
    } else {
      sv = B_.getInt64(uint64_t(int64_t(in.imm)));
    }
  }

  if (op == BPF_MOV && is64 && in.off == 0) {
    writeReg(d, sc, sv);  // keeps the class (pointers stay pointers)
    return Error::success();
  }
  if (is64 && (op == BPF_ADD || op == BPF_SUB)) {
    // Pointer arithmetic.
    if (isPtrCls(dc) && sc == Cls::Scalar) {
      Value *o = op == BPF_SUB ? B_.CreateNeg(sv) : sv;
      writeReg(d, dc, B_.CreateGEP(B_.getInt8Ty(), dv, o));
      return Error::success();
    }
    if (op == BPF_ADD && dc == Cls::Scalar && isPtrCls(sc)) {
      writeReg(d, sc, B_.CreateGEP(B_.getInt8Ty(), sv, dv));
      return Error::success();
    }
  }
  if (dc == Cls::Ctx || sc == Cls::Ctx || dc == Cls::MapRef || sc == Cls::MapRef ||
      dc == Cls::Func || sc == Cls::Func)
    return fail(i, "arithmetic on the context, a map reference or a callback");

  // Everything else is scalar arithmetic (pointers as their addresses).
  Value *a = dv ? asInt(dv) : nullptr;
  Value *b = sv ? asInt(sv) : nullptr;
  Type *ty = is64 ? i64() : i32();
  if (!is64) {
    if (a)
      a = B_.CreateTrunc(a, ty);
    if (b)
      b = B_.CreateTrunc(b, ty);
  }
  unsigned w = is64 ? 64 : 32;
  auto zero = ConstantInt::get(ty, 0);
  auto one = ConstantInt::get(ty, 1);
  auto minus1 = ConstantInt::getAllOnesValue(ty);
  Value *r;
  switch (op) {
  case BPF_ADD: r = B_.CreateAdd(a, b); break;
  case BPF_SUB: r = B_.CreateSub(a, b); break;
  case BPF_MUL: r = B_.CreateMul(a, b); break;
  case BPF_OR: r = B_.CreateOr(a, b); break;
  case BPF_AND: r = B_.CreateAnd(a, b); break;
  case BPF_XOR: r = B_.CreateXor(a, b); break;
  case BPF_LSH: r = B_.CreateShl(a, B_.CreateAnd(b, w - 1)); break;
  case BPF_RSH: r = B_.CreateLShr(a, B_.CreateAnd(b, w - 1)); break;
  case BPF_ARSH: r = B_.CreateAShr(a, B_.CreateAnd(b, w - 1)); break;
  case BPF_NEG: r = B_.CreateNeg(a); break;
  case BPF_MOV:
    if (in.off == 0) {
      r = b;
    } else if (in.off == 8 || in.off == 16 || (in.off == 32 && is64)) {
      r = B_.CreateSExt(B_.CreateTrunc(b, B_.getIntNTy(in.off)), ty);
    } else {
      return fail(i, "movsx width");
    }
    break;
  case BPF_DIV:
  case BPF_MOD: {
    Value *isZero = B_.CreateICmpEQ(b, zero);
    if (in.off == 0) {
      Value *safe = B_.CreateSelect(isZero, one, b);
      if (op == BPF_DIV)
        r = B_.CreateSelect(isZero, zero, B_.CreateUDiv(a, safe));
      else
        r = B_.CreateSelect(isZero, a, B_.CreateURem(a, safe));
    } else if (in.off == 1) {
      // Signed: x/0 = 0, x%0 = x, x/-1 = -x (wrapping), x%-1 = 0.
      Value *isM1 = B_.CreateICmpEQ(b, minus1);
      Value *safe = B_.CreateSelect(B_.CreateOr(isZero, isM1), one, b);
      if (op == BPF_DIV)
        r = B_.CreateSelect(isZero, zero,
                            B_.CreateSelect(isM1, B_.CreateNeg(a), B_.CreateSDiv(a, safe)));
      else
        r = B_.CreateSelect(isZero, a, B_.CreateSelect(isM1, zero, B_.CreateSRem(a, safe)));
    } else {
      return fail(i, "division offset");
    }
    break;
  }
  default:
    return fail(i, "unknown ALU operation");
  }
  if (!is64)
    r = B_.CreateZExt(r, i64());
  writeReg(d, Cls::Scalar, r);
  return Error::success();
}

Error Lifter::liftHelper(uint32_t i, const bpf_insn &in) {
  if (in.imm == BPF_FUNC_loop)
    return liftLoop(i);
  if (inlineFrameHelpers_ &&
      (in.imm == BPF_FUNC_xdp_load_bytes || in.imm == BPF_FUNC_xdp_store_bytes))
    return liftPacketBytes(i, in.imm == BPF_FUNC_xdp_store_bytes);
  if (inlineFrameHelpers_ && in.imm == BPF_FUNC_xdp_get_buff_len) {
    writeReg(0, Cls::Scalar, frameLen());
    return Error::success();
  }
  const verify::HelperProto *proto = verify::xdpHelper(in.imm);
  if (!proto)
    return fail(i, "helper not known to the verifier");
  std::string hname = helperName(in.imm);
  if (hname.rfind("bpf_", 0) == 0)
    hname = hname.substr(4);
  std::string base;
  MemoryEffects me = MemoryEffects::unknown();
  // A lookup only reads the key and which entries exist, except in an LRU
  // map, where it also makes the entry recent: the narrower effects go on
  // the call, not the declaration, so LRU lookups are never merged or dropped.
  std::optional<MemoryEffects> callMe;
  if (in.imm == BPF_FUNC_map_lookup_elem) {
    base = "sluice.map.lookup";
    const RegState &m = st(i).regs[1];
    bool lru = m.kind != RegKind::ConstMapPtr || m.map < 0 ||
               size_t(m.map) >= obj_.maps.size() ||
               obj_.maps[m.map].type == BPF_MAP_TYPE_LRU_HASH ||
               obj_.maps[m.map].type == BPF_MAP_TYPE_LRU_PERCPU_HASH;  // or unknown
    if (!lru)
      callMe = MemoryEffects::argMemOnly(ModRefInfo::Ref) |
               MemoryEffects::inaccessibleMemOnly(ModRefInfo::Ref);
  } else if (in.imm == BPF_FUNC_map_update_elem) {
    base = "sluice.map.update";
  } else if (in.imm == BPF_FUNC_map_delete_elem) {
    base = "sluice.map.delete";
  } else {
    base = "sluice.helper." + hname;
  }
  if (in.imm == BPF_FUNC_tail_call)
    return fail(i, hname + " is not supported by the lifter");
  std::string name = base;
  std::vector<Type *> tys;
  std::vector<Value *> args;
  for (unsigned k = 0; k < 5; ++k) {
    verify::Arg ak = proto->args[k];
    if (ak == verify::Arg::None)
      break;
    unsigned r = k + 1;
    if (ak == verify::Arg::ConstMapPtr) {
      if (in_[i][r] != Cls::MapRef)
        return fail(i, fmt::format("r{} must name a map", r));
      auto m = readReg(i, r);  // a constant, or the index paths brought
      if (!m)
        return m.takeError();
      tys.push_back(i32());
      args.push_back(B_.CreateTrunc(*m, i32()));
      continue;
    }
    if (ak == verify::Arg::Ctx) {
      tys.push_back(ptrTy(kStackAS));
      args.push_back(ctxArg_);
      continue;
    }
    Cls c;
    auto v = readReg(i, r, &c);
    if (!v)
      return v.takeError();
    if (c == Cls::MapRef || c == Cls::Ctx || c == Cls::Func)
      return fail(i, fmt::format("r{}: a {} as a helper argument", r, clsName(c)));
    tys.push_back((*v)->getType());
    args.push_back(*v);
    bool ptrArg = ak == verify::Arg::MapKey || ak == verify::Arg::MapValue ||
                  ak == verify::Arg::Mem || ak == verify::Arg::MemOrNull ||
                  ak == verify::Arg::UninitMem || ak == verify::Arg::PtrToInt;
    if (ptrArg || isPtrCls(c))
      name += isPtrCls(c) ? ".p" + std::to_string(clsType(c)->getPointerAddressSpace()) : ".i64";
  }
  Type *ret = proto->ret == verify::Ret::MapValueOrNull ? (Type *)ptrTy(kMapValueAS) : i64();
  Function *fn = declare(name, ret, tys, me);
  if (fn->getFunctionType() != FunctionType::get(ret, tys, false))
    return fail(i, "helper called with two different signatures");
  CallInst *call = B_.CreateCall(fn, args, hname);
  if (callMe)
    call->setMemoryEffects(*callMe);
  writeReg(0, proto->ret == verify::Ret::MapValueOrNull ? Cls::MapValue : Cls::Scalar, call);
  return Error::success();
}

// bpf_loop(nr, callback, ctx, flags) as the kernel's inlined form: flags
// other than 0 return -EINVAL, a count over 1 << 23 returns -E2BIG (as a
// 32-bit move: 0xfffffff9), otherwise the callback runs for index 0, 1, ...
// until it returns non-zero or the count is reached; the value is the
// number of calls. With a constant count the loop unrolls completely.
Value *Lifter::xdpPtr(const char *field) {
  MemoryEffects readsCtx = MemoryEffects::inaccessibleMemOnly(ModRefInfo::Ref);
  Function *f = declare(std::string("sluice.xdp.") + field, ptrTy(kPacketAS), {ptrTy(kStackAS)},
                        readsCtx);
  return B_.CreateCall(f, {ctxArg_}, field);
}

/// The whole frame's length (bpf_xdp_get_buff_len): data_end - data up to
/// max_linear_bytes, where the kernel puts the rest into fragments.
Value *Lifter::frameLen() {
  MemoryEffects readsCtx = MemoryEffects::inaccessibleMemOnly(ModRefInfo::Ref);
  Function *f = declare("sluice.xdp.buff_len", i32(), {ptrTy(kStackAS)}, readsCtx);
  return B_.CreateZExt(B_.CreateCall(f, {ctxArg_}, "buff_len"), i64());
}

// bpf_xdp_load_bytes / bpf_xdp_store_bytes(ctx, offset, buf, len) as the
// kernel runs them on a frame without fragments: -EFAULT for an offset or
// length over 0xffff, -EINVAL when offset + len passes the frame's end,
// else the bytes copied and 0. The copy is a memcpy between the packet and
// the stack buffer that SROA turns into loads and stores of the sizes the
// program uses the buffer at; the length must be a constant.
Error Lifter::liftPacketBytes(uint32_t i, bool store) {
  const char *name = store ? "bpf_xdp_store_bytes" : "bpf_xdp_load_bytes";
  const RegState &lr = st(i).regs[4];
  if (lr.kind != RegKind::Scalar || !lr.var.isConst())
    return fail(i, fmt::format("{} with a length that is not a constant", name));
  uint64_t len = lr.var.constValue() & 0xffffffff;
  Cls bc;
  auto buf = readReg(i, 3, &bc);
  if (!buf)
    return buf.takeError();
  if (bc != Cls::Stack)
    return fail(i, fmt::format("{} with a {} as its buffer (the stack only)", name, clsName(bc)));
  auto offv = readReg(i, 2);
  if (!offv)
    return offv.takeError();
  Value *off = B_.CreateAnd(asInt(*offv), B_.getInt64(0xffffffff));
  Value *flen = frameLen();
  Value *efault = len > 0xffff ? (Value *)B_.getTrue() : B_.CreateICmpUGT(off, B_.getInt64(0xffff));
  Value *einval = B_.CreateICmpUGT(B_.CreateAdd(off, B_.getInt64(len)), flen);
  Function *fn = B_.GetInsertBlock()->getParent();
  BasicBlock *pre = B_.GetInsertBlock();
  auto *copy = BasicBlock::Create(C_, "bytes.copy." + std::to_string(i), fn);
  auto *done = BasicBlock::Create(C_, "bytes.done." + std::to_string(i), fn);
  Value *err = B_.CreateSelect(efault, B_.getInt64(uint64_t(-int64_t(EFAULT))),
                               B_.getInt64(uint64_t(-int64_t(EINVAL))));
  B_.CreateCondBr(B_.CreateOr(efault, einval), done, copy);
  B_.SetInsertPoint(copy);
  Value *pkt = B_.CreateGEP(B_.getInt8Ty(), xdpPtr("data"), off);
  if (store)
    B_.CreateMemCpy(pkt, Align(1), *buf, Align(1), len);
  else
    B_.CreateMemCpy(*buf, Align(1), pkt, Align(1), len);
  B_.CreateBr(done);
  B_.SetInsertPoint(done);
  PHINode *r0 = B_.CreatePHI(i64(), 2, "bytes.ret");
  r0->addIncoming(err, pre);
  r0->addIncoming(B_.getInt64(0), copy);
  writeReg(0, Cls::Scalar, r0);
  return Error::success();
}

Error Lifter::liftLoop(uint32_t i) {
  const RegState &fr = st(i).regs[2];
  if (fr.kind != RegKind::PtrToFunc)
    return fail(i, "bpf_loop's callback differs over the paths to this call");
  FuncInfo *cb = funcAt(uint32_t(fr.off));
  if (!cb || !cb->fn)
    return fail(i, "bpf_loop's callback is not a lifted function");
  auto nr = readReg(i, 1);
  if (!nr)
    return nr.takeError();
  Cls cc;
  auto cx = readReg(i, 3, &cc);
  if (!cx)
    return cx.takeError();
  auto fl = readReg(i, 4);
  if (!fl)
    return fl.takeError();
  Value *n = asInt(*nr), *flags = asInt(*fl);
  Function *fn = B_.GetInsertBlock()->getParent();
  BasicBlock *pre = B_.GetInsertBlock();
  auto *head = BasicBlock::Create(C_, "loop.head." + std::to_string(i), fn);
  auto *body = BasicBlock::Create(C_, "loop.body." + std::to_string(i), fn);
  auto *latch = BasicBlock::Create(C_, "loop.next." + std::to_string(i), fn);
  auto *done = BasicBlock::Create(C_, "loop.done." + std::to_string(i), fn);
  Value *bad = B_.CreateOr(B_.CreateICmpNE(flags, B_.getInt64(0)),
                           B_.CreateICmpUGT(n, B_.getInt64(1u << 23)));
  Value *early = B_.CreateSelect(B_.CreateICmpNE(flags, B_.getInt64(0)),
                                 B_.getInt64(uint64_t(-int64_t(EINVAL))),
                                 B_.getInt64(uint32_t(-E2BIG)));
  B_.CreateCondBr(bad, done, head);
  B_.SetInsertPoint(head);
  PHINode *idx = B_.CreatePHI(i64(), 2, "loop.i");
  idx->addIncoming(B_.getInt64(0), pre);
  B_.CreateCondBr(B_.CreateICmpULT(idx, n), body, done);
  B_.SetInsertPoint(body);
  std::vector<Value *> args{ctxArg_};
  for (unsigned r = 1; r <= 5; ++r) {
    Cls want = cb->argCls[r];
    if (r == 1 && want == Cls::Scalar)
      args.push_back(B_.CreateAnd(idx, B_.getInt64(0xffffffff)));
    else if (r == 2 && want != Cls::None && want != Cls::Bad && cc == want)
      args.push_back(*cx);
    else if (want == Cls::None || want == Cls::Ctx || want == Cls::MapRef || want == Cls::Func)
      args.push_back(PoisonValue::get(i64()));
    else if (r == 2)
      return fail(i, fmt::format("bpf_loop's context is a {} here but a {} in {}", clsName(cc),
                                 clsName(want), cb->name));
    else
      args.push_back(PoisonValue::get(clsType(want)));
  }
  Value *ret = asInt(B_.CreateCall(cb->fn, args));
  Value *next = B_.CreateAdd(idx, B_.getInt64(1));
  B_.CreateCondBr(B_.CreateICmpNE(ret, B_.getInt64(0)), done, latch);
  B_.SetInsertPoint(latch);
  idx->addIncoming(next, latch);
  B_.CreateBr(head);
  B_.SetInsertPoint(done);
  PHINode *res = B_.CreatePHI(i64(), 3, "loop.calls");
  res->addIncoming(early, pre);
  res->addIncoming(idx, head);   // the count reached
  res->addIncoming(next, body);  // stopped by the callback after this call
  writeReg(0, Cls::Scalar, res);
  return Error::success();
}

Error Lifter::liftLocalCall(uint32_t i, const bpf_insn &in) {
  uint32_t tgt = uint32_t(int64_t(i) + 1 + in.imm);
  FuncInfo *callee = funcAt(tgt);
  if (!callee || !callee->fn)
    return fail(i, "call to an unknown sub-program");
  std::vector<Value *> args{ctxArg_};
  for (unsigned r = 1; r <= 5; ++r) {
    Cls want = callee->argCls[r];
    if (want == Cls::None || want == Cls::Ctx || want == Cls::MapRef || want == Cls::Func) {
      args.push_back(PoisonValue::get(i64()));
      continue;
    }
    Cls c;
    auto v = readReg(i, r, &c);
    if (!v)
      return v.takeError();
    if (c == Cls::None) {  // not set by this caller: the callee does not read it on this path
      args.push_back(PoisonValue::get(clsType(want)));
      continue;
    }
    if (c != want)
      return fail(i, fmt::format("argument r{} is a {} here but a {} in {}", r, clsName(c),
                                 clsName(want), callee->name));
    args.push_back(*v);
  }
  CallInst *call = B_.CreateCall(callee->fn, args);
  writeReg(0, callee->retCls, call);
  return Error::success();
}

} // namespace

Expected<Lifted> liftVerified(const Object &obj, const Program &prog,
                              const verify::VerifyResult &vr, const LiftOptions &opts) {
  auto t0 = std::chrono::steady_clock::now();
  if (!vr.kernelAccepted || vr.states.size() != prog.insns.size())
    return makeError("{}: lift needs an accepted program with its verifier states", prog.name);
  Lifted out;
  out.ctx = std::make_unique<LLVMContext>();
  out.entry = prog.name;
  Lifter l(obj, prog, vr, *out.ctx, opts.inlineFrameHelpers);
  auto m = l.run();
  if (!m)
    return m.takeError();
  out.module = std::move(*m);
  out.stats.bpfInsns = unsigned(prog.insns.size());
  for (auto &f : *out.module)
    out.stats.irInsnsLifted += unsigned(f.getInstructionCount());
  if (opts.verifyIR) {
    std::string msg;
    raw_string_ostream os(msg);
    if (verifyModule(*out.module, &os))
      return makeError("{}: the lifted IR is invalid (lifter bug): {}", prog.name, os.str());
  }
  auto t1 = std::chrono::steady_clock::now();
  out.stats.liftMs = std::chrono::duration<double, std::milli>(t1 - t0).count();
  if (opts.optLevel > 0) {
    if (auto e = optimizeModule(*out.module, opts.optLevel, prog, vr, out.remainingLoops))
      return std::move(e);
    if (opts.verifyIR) {
      std::string msg;
      raw_string_ostream os(msg);
      if (verifyModule(*out.module, &os))
        return makeError("{}: the optimised IR is invalid: {}", prog.name, os.str());
    }
    out.stats.optMs = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - t1).count();
  }
  for (auto &f : *out.module)
    out.stats.irInsnsOptimised += unsigned(f.getInstructionCount());
  return std::move(out);
}

Expected<Lifted> liftProgram(const Object &obj, const Program &prog, const LiftOptions &opts) {
  auto t0 = std::chrono::steady_clock::now();
  verify::VerifyOptions vo;
  vo.hardwareLimits = false;
  vo.keepStates = true;
  auto vr = verify::verify(obj, prog, vo);
  if (!vr)
    return vr.takeError();
  double vms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!vr->kernelAccepted) {
    std::string first = vr->diags.empty() ? std::string("rejected")
                                          : verify::formatDiagnostic(vr->diags[0], prog, obj);
    while (!first.empty() && first.back() == '\n')
      first.pop_back();
    return makeError("{}: the verifier rejects the program: {}", prog.name, first);
  }
  auto l = liftVerified(obj, prog, *vr, opts);
  if (l)
    l->stats.verifyMs = vms;
  return l;
}

} // namespace sluice::lift
