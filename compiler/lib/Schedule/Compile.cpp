//===- Compile.cpp - predicate, select, schedule, emit ----------------------===//
//
// See sluice/Schedule/Compile.h and docs/schedule.md.
//
//===----------------------------------------------------------------------===//
#include "sluice/Schedule/Compile.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "llvm/ADT/PostOrderIterator.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/Analysis/PostDominators.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/ConstantRange.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/KnownBits.h"
#include "llvm/Support/raw_ostream.h"
#include "sluice/Engine/Run.h"
#include "sluice/Lift/Lift.h"
#include "sluice/Maps/NicMaps.h"
#include "sluice/Support/Error.h"

namespace sluice {
namespace {

using isa::Op;
using namespace llvm;
using lift::bpfInsnOf;
using lift::kMapValueAS;
using lift::kPacketAS;
using lift::kTrapFunction;

enum class Res { None, Slot, Pred, Verdict, Redirect };
enum class Kind { Op, Const, Extract, Store };

struct Copy {
  int slot;
  int avail;  // readable from this stage on
};

struct Node {
  Kind kind = Kind::Op;
  Op op = Op::NOP;
  Res res = Res::None;
  int a = -1, b = -1;  // slot operands (node ids); b == -1 with bi: immediate
  bool bi = false;
  uint32_t imm = 0;
  int guard = -1;  // predicate node, -1: p0
  bool gn = false;
  int sel = -1;    // SEL's predicate node
  int pa = -1, pb = -1;  // PLUT's predicate inputs (-1: p0)
  uint32_t vsize = 0;    // VLD size code (3: a W VLD, its high half is node `hi`)
  int hi = -1;           // W VLD: the node of the high half; high-half node: its VLD
  bool isHigh = false;   // the high half of a W VLD (placed with it, never on its own)
  int fixedSlot = -1;    // the result's slot is fixed (map key/value words: MapOps.inc)
  bool freshPred = false;  // MAPLK: its found predicate in a never-written predicate
                           // (so found == guard && hit: predicates start false)
  std::vector<int> after;  // ordering-only dependences
  const Instruction *origin = nullptr;
  // Const / Extract
  uint32_t value = 0;
  uint32_t exSrc = 0, exSize = 0, exOff = 0;
  // schedule
  bool live = false;
  int users = 0;
  int height = 0;
  int stage = -1, lane = -1, pred = -1;
  std::vector<Copy> copies;
  std::vector<int> deps() const {
    std::vector<int> d;
    for (int x : {a, bi ? -1 : b, guard, sel, pa, pb})
      if (x >= 0)
        d.push_back(x);
    for (int x : after)
      d.push_back(x);
    return d;
  }
};

// A packet store: a deparser entry (value slot, optional base slot, guard).
struct StoreRec {
  int node = -1;     // the Kind::Store node
  int base = -1;     // variable part of the offset (node), -1: constant offset
  int64_t off = 0;   // constant part, in arrival coordinates (may be negative)
  unsigned size = 0; // bytes
  int value = -1;
  const BasicBlock *bb = nullptr;
  const Instruction *inst = nullptr;
  int entry = -1, vslot = -1, bslot = -1;
  // the bytes [ivLo, ivHi) the store may write, from the IR where it runs
  // (rangeAt: its block's dominating conditions); the node bounds otherwise
  int64_t ivLo = 0, ivHi = 0;
};

struct PVal {
  int node = -1;  // -1: constant p0 (true)
  bool neg = false;
  bool isTrue() const { return node < 0 && !neg; }
  bool isFalse() const { return node < 0 && neg; }
};

// file:line:col of an instruction (compiler style; col left out when 0).
std::string where(const Instruction *i, bool col = true) {
  if (!i)
    return "<unknown>";
  auto fmtLoc = [&](const DILocation *l) {
    if (col && l->getColumn())
      return fmt::format("{}:{}:{}", l->getFilename().str(), l->getLine(), l->getColumn());
    return fmt::format("{}:{}", l->getFilename().str(), l->getLine());
  };
  if (const DILocation *l = i->getDebugLoc().get(); l && l->getLine())
    return fmtLoc(l);
  // merged instructions (phis, selects) often carry line 0: the next line in the block
  for (const Instruction *n = i->getNextNode(); n; n = n->getNextNode())
    if (const DILocation *l = n->getDebugLoc().get(); l && l->getLine())
      return fmtLoc(l);
  int64_t insn = bpfInsnOf(*i);
  return insn >= 0 ? fmt::format("insn {}", insn) : "<no line>";
}

struct Compiler {
  Function &F;
  const TargetParams &T;
  const DataLayout &DL;
  std::vector<Node> nodes;
  std::map<const Value *, int> vals;
  std::map<const Value *, PVal> pvals;
  std::map<const BasicBlock *, PVal> blockPred;
  std::map<std::pair<const BasicBlock *, const BasicBlock *>, PVal> edgePred;
  std::map<uint32_t, int> consts;
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, int> extracts;
  std::vector<int> roots;  // side effects
  std::map<std::tuple<int, uint32_t, uint32_t>, int> vlds;
  const Instruction *cur = nullptr;
  DominatorTree DT;
  PostDominatorTree PDT;

  Compiler(Function &f, const TargetParams &t)
      : F(f), T(t), DL(f.getParent()->getDataLayout()), DT(f), PDT(f) {}

  Error fail(const Instruction *i, const std::string &what) {
    return makeError("{}: error: {}", where(i), what);
  }

  // value numbering of pure micro-ops (slot or predicate results)
  std::map<std::vector<int64_t>, int> vn;
  int add(Node n) {
    n.origin = cur;
    if (n.kind == Kind::Op && (n.res == Res::Slot || n.res == Res::Pred)) {
      std::vector<int64_t> key = {int64_t(n.op), n.a, n.bi ? -1 : n.b, n.bi, n.imm, n.guard,
                                  n.gn, n.sel, n.pa, n.pb, n.vsize, int64_t(n.res)};
      auto it = vn.find(key);
      if (it != vn.end())
        return it->second;
      nodes.push_back(std::move(n));
      return vn[key] = int(nodes.size()) - 1;
    }
    nodes.push_back(std::move(n));
    return int(nodes.size()) - 1;
  }
  int constant(uint32_t c) {
    auto it = consts.find(c);
    if (it != consts.end())
      return it->second;
    Node n;
    n.kind = Kind::Const, n.res = Res::Slot, n.value = c;
    return consts[c] = add(n);
  }
  int extract(uint32_t src, uint32_t size, uint32_t off) {
    auto key = std::make_tuple(src, size, off);
    auto it = extracts.find(key);
    if (it != extracts.end())
      return it->second;
    Node n;
    n.kind = Kind::Extract, n.res = Res::Slot, n.exSrc = src, n.exSize = size, n.exOff = off;
    return extracts[key] = add(n);
  }
  bool isConst(int n, uint32_t *c = nullptr) const {
    if (nodes[n].kind != Kind::Const)
      return false;
    if (c)
      *c = nodes[n].value;
    return true;
  }
  // dst = a OP b (b may be a constant: immediate).
  int alu(Op op, int a, int b, bool commutative = false) {
    if (isConst(a) && b >= 0 && !isConst(b) && commutative)
      std::swap(a, b);
    // (x & c1) & c2 = x & (c1 & c2)
    if (uint32_t c2; op == Op::AND && b >= 0 && isConst(b, &c2) && nodes[a].kind == Kind::Op &&
                     nodes[a].op == Op::AND && nodes[a].bi && nodes[a].guard < 0 && !nodes[a].gn)
      return alu(Op::AND, nodes[a].a, constant(nodes[a].imm & c2));
    Node n;
    n.op = op, n.res = Res::Slot, n.a = a;
    if (b >= 0 && isConst(b))
      n.bi = true, n.imm = nodes[b].value;
    else if (b >= 0)
      n.b = b;
    else
      n.bi = true;
    return add(n);
  }
  int mask(int x, unsigned bits) {
    if (bits >= 32)
      return x;
    return alu(Op::AND, x, constant(uint32_t((1ull << bits) - 1)));
  }
  // An unguarded micro-op node of opcode op with an immediate B.
  bool isImmOp(int n, Op op) const {
    const Node &x = nodes[n];
    return x.kind == Kind::Op && x.op == op && x.bi && x.guard < 0 && !x.gn;
  }
  // pred = guard && (a CMP b)
  PVal cmp(Op op, int a, int b, PVal guard = {}) {
    // Compares that are a bit test (JSET) of an earlier value: one micro-op
    // and one or two stages fewer on the path (docs/schedule.md).
    uint32_t c;
    // unsigned x < 0 never holds, x >= 0 always (the sign of a length:
    // the high half of proto_counters' 64-bit data_end - data)
    if (isConst(b, &c) && c == 0 && (op == Op::JLT || op == Op::JGE))
      return op == Op::JLT ? PVal{-1, true} : guard;
    if (isConst(b, &c) && (op == Op::JEQ || op == Op::JNE || op == Op::JGE || op == Op::JLT)) {
      int x = -1;
      uint32_t m = 0;
      bool set = false;  // true: the condition is (x & m) != 0
      if ((op == Op::JEQ || op == Op::JNE) && c == 0 && isImmOp(a, Op::AND)) {
        // (y & m) != 0 / == 0
        x = nodes[a].a, m = nodes[a].imm, set = op == Op::JNE;
      } else if ((op == Op::JGE || op == Op::JLT) && c > 1 && c <= 0x8000 && !(c & (c - 1)) &&
                 isImmOp(a, Op::BSWAP16)) {
        // ntohs(v) >= 2^k iff one of the (swapped) bits k..15 of v is set
        uint32_t m16 = 0xffffu & ~(c - 1);
        x = nodes[a].a, m = ((m16 & 0xff) << 8) | (m16 >> 8), set = op == Op::JGE;
        if (isImmOp(x, Op::RSH) && nodes[x].imm == 16)
          x = nodes[x].a, m <<= 16;
      }
      // (y & M) & m = y & m when m lies inside M
      while (x >= 0 && isImmOp(x, Op::AND) && (nodes[x].imm & m) == m)
        x = nodes[x].a;
      if (x >= 0 && (set || (guard.node < 0 && !guard.neg))) {
        Node n;
        n.op = Op::JSET, n.res = Res::Pred, n.a = x, n.bi = true, n.imm = m;
        n.guard = guard.node, n.gn = guard.neg;
        return {add(n), !set};
      }
    }
    Node n;
    n.op = op, n.res = Res::Pred, n.a = a, n.guard = guard.node, n.gn = guard.neg;
    if (isConst(b))
      n.bi = true, n.imm = nodes[b].value;
    else
      n.b = b;
    return {add(n), false};
  }
  // Any function of two predicates: f(x, y) for x, y in {0, 1}.
  // Known implications between predicates: `impliesOf[n]` is implied by
  // node n being true (a fresh MAPLK's found implies its single site's
  // block predicate).
  std::map<int, PVal> impliesOf;
  // True when predicate value y (as a PVal) being true makes x true.
  bool implies(PVal y, PVal x) const {
    if (y.node < 0 || x.node < 0)
      return false;
    if (y.node == x.node)
      return y.neg == x.neg;
    if (y.neg)
      return false;
    const Node &n = nodes[y.node];
    if (n.kind != Kind::Op || n.res != Res::Pred)
      return false;
    if (auto it = impliesOf.find(y.node);
        it != impliesOf.end() && it->second.node == x.node && it->second.neg == x.neg)
      return true;
    if (n.op == Op::MAPLK)
      return false;  // a guard-false MAPLK leaves its predicate
    // CMP and PLUT write guard && condition
    if (n.guard >= 0 && n.guard == x.node && n.gn == x.neg)
      return true;
    if (n.op == Op::PLUT)
      for (int k = 0; k < 2; ++k) {
        int in = k ? n.pb : n.pa;
        if (in != x.node)
          continue;
        bool ok = true;  // every true row of the table has input k == !x.neg
        for (unsigned i = 0; i < 4; ++i)
          if ((n.imm >> i & 1) && bool(i >> k & 1) == x.neg)
            ok = false;
        if (ok)
          return true;
      }
    return false;
  }
  template <class Fn> PVal plut(PVal x, PVal y, Fn f) {
    // constant folding
    if (x.node < 0 || y.node < 0) {
      bool xc = x.node < 0, yc = y.node < 0;
      if (xc && yc)
        return f(!x.neg, !y.neg) ? PVal{} : PVal{-1, true};
      if (xc) {
        bool xv = !x.neg;
        bool f0 = f(xv, false), f1 = f(xv, true);
        if (f0 == f1)
          return f0 ? PVal{} : PVal{-1, true};
        return f1 ? y : PVal{y.node, !y.neg};
      }
      bool yv = !y.neg;
      bool f0 = f(false, yv), f1 = f(true, yv);
      if (f0 == f1)
        return f0 ? PVal{} : PVal{-1, true};
      return f1 ? x : PVal{x.node, !x.neg};
    }
    // an implication between x and y rules out a row: f may then be x, y,
    // their negations or a constant on the rows left
    if (bool yx = implies(y, x), xy = implies(x, y); yx || xy) {
      bool fx = true, fnx = true, fy = true, fny = true, f1 = true, f0 = true;
      for (unsigned i = 0; i < 4; ++i) {
        bool xv = i & 1, yv = i & 2;
        if ((yx && yv && !xv) || (xy && xv && !yv))
          continue;
        bool r = f(xv, yv);
        fx &= r == xv, fnx &= r != xv, fy &= r == yv, fny &= r != yv, f1 &= r, f0 &= !r;
      }
      if (f1 || f0)
        return f1 ? PVal{} : PVal{-1, true};
      if (fx || fnx)
        return fx ? x : PVal{x.node, !x.neg};
      if (fy || fny)
        return fy ? y : PVal{y.node, !y.neg};
    }
    uint32_t table = 0;
    for (unsigned i = 0; i < 4; ++i)
      if (f(bool(i & 1) != x.neg, bool(i & 2) != y.neg))
        table |= 1u << i;
    Node n;
    n.op = Op::PLUT, n.res = Res::Pred, n.pa = x.node, n.pb = y.node, n.imm = table;
    return {add(n), false};
  }
  PVal pand(PVal x, PVal y) { return plut(x, y, [](bool a, bool b) { return a && b; }); }
  PVal por(PVal x, PVal y) { return plut(x, y, [](bool a, bool b) { return a || b; }); }
  PVal porTree(std::vector<PVal> v) {
    if (v.empty())
      return {-1, true};
    while (v.size() > 1) {
      std::vector<PVal> n;
      for (size_t i = 0; i + 1 < v.size(); i += 2)
        n.push_back(por(v[i], v[i + 1]));
      if (v.size() % 2)
        n.push_back(v.back());
      v = std::move(n);
    }
    return v[0];
  }
  PVal pandTree(std::vector<PVal> v) {
    if (v.empty())
      return {};
    while (v.size() > 1) {
      std::vector<PVal> n;
      for (size_t i = 0; i + 1 < v.size(); i += 2)
        n.push_back(pand(v[i], v[i + 1]));
      if (v.size() % 2)
        n.push_back(v.back());
      v = std::move(n);
    }
    return v[0];
  }
  // Stages from the packet's start until node n's value is ready (ports,
  // lanes and map stages left out): the order of exclusive selections.
  int readyEstimate(int n, std::map<int, int> &memo) {
    if (n < 0 || nodes[n].kind != Kind::Op)
      return 0;
    if (auto it = memo.find(n); it != memo.end())
      return it->second;
    memo[n] = 0;
    const Node &x = nodes[n];
    if (x.isHigh && x.hi >= 0)
      return memo[n] = readyEstimate(x.hi, memo);
    int r = 0;
    for (int d : x.deps())
      r = std::max(r, readyEstimate(d, memo));
    return memo[n] = r + latency(n);
  }
  // value[i] under pred[i], for predicates that exclude each other and a
  // result that matters only when one of them holds: a SEL chain taking the
  // cases in order of readiness, the latest one the default (untested),
  // the cases with the default's value left out.
  int exclusiveSelect(const std::vector<PVal> &preds, const std::vector<int> &values) {
    std::map<int, int> memo;
    std::vector<size_t> order(preds.size());
    std::vector<int> ready(preds.size());
    for (size_t k = 0; k < preds.size(); ++k)
      order[k] = k, ready[k] = readyEstimate(preds[k].node, memo);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return ready[a] < ready[b]; });
    int dflt = values[order.back()];
    int v = dflt;
    for (size_t k = 0; k + 1 < order.size(); ++k)
      if (values[order[k]] != dflt)
        v = select(preds[order[k]], values[order[k]], v);
    return v;
  }
  // True when every path from the entry to a return runs one of the blocks
  // of `calls`.
  bool sitesCoverAllPaths(const std::vector<CallInst *> &calls) {
    std::set<const BasicBlock *> cut;
    for (CallInst *c : calls)
      cut.insert(c->getParent());
    std::vector<const BasicBlock *> work{&F.getEntryBlock()};
    std::set<const BasicBlock *> seen;
    while (!work.empty()) {
      const BasicBlock *b = work.back();
      work.pop_back();
      if (cut.count(b) || !seen.insert(b).second)
        continue;
      if (succ_empty(b))
        return false;
      for (const BasicBlock *x : successors(b))
        work.push_back(x);
    }
    return true;
  }
  // dst = p ? a : b
  int select(PVal p, int a, int b) {
    if (p.isTrue())
      return a;
    if (p.isFalse())
      return b;
    if (a == b)
      return a;
    if (p.neg)
      std::swap(a, b), p.neg = false;
    if (isConst(a) && !isConst(b)) {
      // keep the constant as the immediate: invert through a PLUT-free swap is not
      // possible (SEL has no negated form); a const slot serves as A.
    }
    Node n;
    n.op = Op::SEL, n.res = Res::Slot, n.sel = p.node, n.a = a;
    if (isConst(b))
      n.bi = true, n.imm = nodes[b].value;
    else
      n.b = b;
    return add(n);
  }

  // An upper bound of a node's value (unsigned 32-bit).
  uint64_t maxValue(int id) {
    const Node &n = nodes[id];
    auto bOf = [&]() -> uint64_t { return n.bi ? n.imm : maxValue(n.b); };
    if (n.kind == Kind::Const)
      return n.value;
    if (n.kind == Kind::Extract)
      return n.exSrc == 0 ? (1ull << (8u << n.exSize)) - 1 : 0xffffffffull;
    switch (n.op) {
    case Op::ADD: return std::min<uint64_t>(maxValue(n.a) + bOf(), 0xffffffffull);
    case Op::AND: return std::min(maxValue(n.a), bOf());
    case Op::OR: case Op::XOR: {
      uint64_t m = maxValue(n.a) | bOf();
      uint64_t r = 1;
      while (r <= m && r < (1ull << 32))
        r <<= 1;
      return r - 1;
    }
    case Op::RSH: return n.bi ? maxValue(n.a) >> (n.imm & 31) : maxValue(n.a);
    case Op::LSH: return n.bi ? std::min<uint64_t>(maxValue(n.a) << (n.imm & 31), 0xffffffffull)
                              : 0xffffffffull;
    case Op::SEL: return std::max(maxValue(n.a), bOf());
    case Op::BSWAP16: return 0xffff;
    case Op::VLD: return n.vsize >= 2 ? 0xffffffffull : (1ull << (8u << n.vsize)) - 1;
    default: return 0xffffffffull;
    }
  }

  // (field[off+1] << 8) | field[off] of two 1-byte window fields (a 16-bit
  // load clang split in bytes): one 2-byte extractor field; likewise for two
  // 2-byte fields shifted by 16. -1 if the pattern does not match.
  int combinedField(int x, int y) {
    for (int pass = 0; pass < 2; ++pass, std::swap(x, y)) {
      const Node &hi = nodes[x], &lo = nodes[y];
      if (hi.kind != Kind::Op || hi.op != Op::LSH || !hi.bi || lo.kind != Kind::Extract ||
          lo.exSrc != 0 || lo.exSize > 1)
        continue;
      const Node &h = nodes[hi.a];
      unsigned bytes = 1u << lo.exSize;
      if (h.kind != Kind::Extract || h.exSrc != 0 || h.exSize != lo.exSize ||
          h.exOff != lo.exOff + bytes || hi.imm != 8 * bytes)
        continue;
      return extract(0, lo.exSize + 1, lo.exOff);
    }
    return -1;
  }

  unsigned widthOf(Type *t) {
    if (t->isPointerTy())
      return 32;
    return t->getIntegerBitWidth();
  }

  // ---- values ----
  Expected<int> val(Value *v) {
    auto it = vals.find(v);
    if (it != vals.end())
      return it->second;
    if (auto *c = dyn_cast<ConstantInt>(v)) {
      if (c->getBitWidth() > 32 && !c->getValue().isIntN(32))
        return fail(cur, fmt::format("64-bit constant {} is not supported yet (values must fit 32 bits)",
                                     c->getSExtValue()));
      return constant(uint32_t(c->getZExtValue()));
    }
    if (llvm::isa<UndefValue>(v) || llvm::isa<PoisonValue>(v))
      return constant(0);
    return fail(cur, "value is used before it is defined or is not supported");
  }

  Expected<PVal> pval(Value *v) {
    if (auto *c = dyn_cast<ConstantInt>(v))
      return c->isOne() ? PVal{} : PVal{-1, true};
    if (llvm::isa<UndefValue>(v))
      return PVal{-1, true};
    auto it = pvals.find(v);
    if (it != pvals.end())
      return it->second;
    // an i1 carried in a slot? (not produced by this lowering)
    return fail(cur, "boolean value is not available");
  }

  Error check64(Instruction &i) {
    if (!i.getType()->isIntegerTy() || i.getType()->getIntegerBitWidth() <= 32)
      return Error::success();
    if (i.getType()->getIntegerBitWidth() > 64)
      return fail(&i, fmt::format("i{} value ({}) is not supported", i.getType()->getIntegerBitWidth(),
                                  i.getOpcodeName()));
    return Error::success();
  }

  // ---- 64-bit values (docs/schedule.md, "64-bit values") ----
  // An i64 value whose high half may be non-zero is a pair of 32-bit nodes:
  // vals[v] the low half, hiVals[v] the high half. Values whose high half is
  // known zero (fits32) stay one slot, as before.
  std::map<const Value *, int> hiVals;
  bool isWide(Value *v) {
    if (auto *c = dyn_cast<ConstantInt>(v))
      return c->getBitWidth() > 32 && !c->getValue().isIntN(32);
    return hiVals.count(v) > 0;
  }
  // a zero high half (an AND with a 32-bit mask, a shift right by 32) makes
  // the value a 32-bit one again: the cheap path for its users
  void setWide(const Value *v, int lo, int hi) {
    vals[v] = lo;
    if (uint32_t c; isConst(hi, &c) && c == 0)
      fitSet.insert(v);
    else
      hiVals[v] = hi;
  }
  bool hasWideOperand(Instruction &i) {
    for (Value *o : i.operands())
      if (o->getType()->isIntegerTy(64) && isWide(o))
        return true;
    return false;
  }
  Expected<std::pair<int, int>> val64(Value *v) {
    if (auto *c = dyn_cast<ConstantInt>(v)) {
      uint64_t x = c->getValue().zextOrTrunc(64).getZExtValue();
      return std::make_pair(constant(uint32_t(x)), constant(uint32_t(x >> 32)));
    }
    auto lo = val(v);
    if (!lo)
      return lo.takeError();
    if (auto it = hiVals.find(v); it != hiVals.end())
      return std::make_pair(*lo, it->second);
    if (sext32.count(v))  // a helper's sign-extended 32-bit result
      return std::make_pair(*lo, alu(Op::ARSH, *lo, constant(31)));
    return std::make_pair(*lo, constant(0));
  }
  // alu with the constant folds the halves need (x + 0, x & 0, both constant, ...)
  int aluF(Op op, int a, int b, bool commutative = false) {
    uint32_t ca = 0, cb = 0;
    bool ka = isConst(a, &ca), kb = b >= 0 && isConst(b, &cb);
    if (ka && kb) {
      switch (op) {
      case Op::ADD: return constant(ca + cb);
      case Op::SUB: return constant(ca - cb);
      case Op::MUL: return constant(ca * cb);
      case Op::MULHU: return constant(uint32_t((uint64_t(ca) * cb) >> 32));
      case Op::AND: return constant(ca & cb);
      case Op::OR: return constant(ca | cb);
      case Op::XOR: return constant(ca ^ cb);
      case Op::LSH: return constant(ca << (cb & 31));
      case Op::RSH: return constant(ca >> (cb & 31));
      case Op::ARSH: return constant(uint32_t(int32_t(ca) >> (cb & 31)));
      default: break;
      }
    }
    if (commutative && ka && !kb)
      std::swap(a, b), std::swap(ka, kb), std::swap(ca, cb);
    if (kb) {
      if (cb == 0 && (op == Op::ADD || op == Op::SUB || op == Op::OR || op == Op::XOR ||
                      op == Op::LSH || op == Op::RSH || op == Op::ARSH))
        return a;
      if (cb == 0 && (op == Op::AND || op == Op::MUL || op == Op::MULHU))
        return constant(0);
      if (cb == 0xffffffffu && op == Op::AND)
        return a;
      if (cb == 1 && op == Op::MUL)
        return a;
    }
    if (ka && ca == 0 && (op == Op::LSH || op == Op::RSH || op == Op::ARSH))
      return a;
    return alu(op, a, b, commutative);
  }
  static Op swappedCmp(Op op) {
    switch (op) {
    case Op::JGT: return Op::JLT;
    case Op::JLT: return Op::JGT;
    case Op::JGE: return Op::JLE;
    case Op::JLE: return Op::JGE;
    case Op::JSGT: return Op::JSLT;
    case Op::JSLT: return Op::JSGT;
    case Op::JSGE: return Op::JSLE;
    case Op::JSLE: return Op::JSGE;
    default: return op;
    }
  }
  PVal cmpAny(Op op, int a, int b) {
    if (isConst(a) && !isConst(b))
      return cmp(swappedCmp(op), b, a);
    return cmp(op, a, b);
  }
  // A 64-bit compare on the halves: the high halves decide unless equal.
  PVal cmp64(CmpInst::Predicate pr, std::pair<int, int> x, std::pair<int, int> y) {
    auto [al, ah] = x;
    auto [bl, bh] = y;
    if (pr == CmpInst::ICMP_EQ || pr == CmpInst::ICMP_NE) {
      PVal eq = pand(cmpAny(Op::JEQ, al, bl), cmpAny(Op::JEQ, ah, bh));
      if (pr == CmpInst::ICMP_NE)
        eq.neg = !eq.neg;
      return eq;
    }
    Op hiOp, loOp;
    switch (pr) {
    case CmpInst::ICMP_ULT: hiOp = Op::JLT, loOp = Op::JLT; break;
    case CmpInst::ICMP_ULE: hiOp = Op::JLT, loOp = Op::JLE; break;
    case CmpInst::ICMP_UGT: hiOp = Op::JGT, loOp = Op::JGT; break;
    case CmpInst::ICMP_UGE: hiOp = Op::JGT, loOp = Op::JGE; break;
    case CmpInst::ICMP_SLT: hiOp = Op::JSLT, loOp = Op::JLT; break;
    case CmpInst::ICMP_SLE: hiOp = Op::JSLT, loOp = Op::JLE; break;
    case CmpInst::ICMP_SGT: hiOp = Op::JSGT, loOp = Op::JGT; break;
    default: hiOp = Op::JSGT, loOp = Op::JGE; break;  // SGE
    }
    return por(cmpAny(hiOp, ah, bh), pand(cmpAny(Op::JEQ, ah, bh), cmpAny(loOp, al, bl)));
  }
  // Instructions that read only the low half of an i64 operand (or whose
  // result is exact from it): trunc, GEP (32-bit packet offsets), and with a
  // 32-bit result, AND with a narrow operand and shift amounts.
  Error checkWideUses(Instruction &i) {
    if (llvm::isa<TruncInst>(&i) || llvm::isa<GetElementPtrInst>(&i) || llvm::isa<ICmpInst>(&i) ||
        hiVals.count(&i))
      return Error::success();
    for (unsigned k = 0; k < i.getNumOperands(); ++k) {
      Value *o = i.getOperand(k);
      if (!o->getType()->isIntegerTy(64) || !hiVals.count(o))
        continue;  // 64-bit constants: their consumers read them whole
      if (auto *c = dyn_cast<CallInst>(&i); c && k == 1 && c->getCalledFunction() &&
                                             (c->getCalledFunction()->getName() ==
                                                  "sluice.helper.xdp_adjust_tail" ||
                                              c->getCalledFunction()->getName() ==
                                                  "sluice.helper.xdp_adjust_head"))
        continue;  // the delta is an int: the kernel reads its low 32 bits
      if (auto *ii = dyn_cast<IntrinsicInst>(&i); ii && ii->getIntrinsicID() == Intrinsic::bswap)
        continue;  // a 64-bit bswap swaps the halves (lowered whole)
      if (auto *sti = dyn_cast<StoreInst>(&i);
          sti && k == 0 && sti->getPointerAddressSpace() == kPacketAS)
        continue;  // a 64-bit packet store writes both halves
      if (auto *bo = dyn_cast<BinaryOperator>(&i)) {
        if (bo->getOpcode() == Instruction::And)
          continue;  // the other operand fits 32 bits (fits32)
        if (k == 1 && (bo->getOpcode() == Instruction::Shl || bo->getOpcode() == Instruction::LShr ||
                       bo->getOpcode() == Instruction::AShr))
          continue;  // shift amounts >= 64 are poison: the low half decides
      }
      return fail(&i, fmt::format("64-bit value used by {} is not supported yet (its high half "
                                  "would be lost)", i.getOpcodeName()));
    }
    return Error::success();
  }
  // An i64 value whose high half matters: both halves in 32-bit micro-ops.
  Error lowerWide(Instruction &i, BasicBlock *bb) {
    auto done = [&](int lo, int hi) {
      setWide(&i, lo, hi);
      return Error::success();
    };
    if (auto *bo = dyn_cast<BinaryOperator>(&i)) {
      auto x = val64(bo->getOperand(0));
      if (!x)
        return x.takeError();
      auto y = val64(bo->getOperand(1));
      if (!y)
        return y.takeError();
      auto [al, ah] = *x;
      auto [bl, bh] = *y;
      switch (bo->getOpcode()) {
      case Instruction::Add: {
        int lo = aluF(Op::ADD, al, bl, true), hs = aluF(Op::ADD, ah, bh, true);
        // carry out of the low half: x > ~k for a constant addend k (beside
        // the add), else lo < an addend
        uint32_t k;
        PVal c = isConst(bl, &k)   ? cmpAny(Op::JGT, al, constant(~k))
                 : isConst(al, &k) ? cmpAny(Op::JGT, bl, constant(~k))
                                   : cmpAny(Op::JLT, lo, bl);
        return done(lo, select(c, aluF(Op::ADD, hs, constant(1), true), hs));
      }
      case Instruction::Sub: {
        int lo = aluF(Op::SUB, al, bl), hs = aluF(Op::SUB, ah, bh);
        PVal borrow = cmpAny(Op::JLT, al, bl);
        return done(lo, select(borrow, aluF(Op::ADD, hs, constant(0xffffffffu), true), hs));
      }
      case Instruction::Mul: {
        int lo = aluF(Op::MUL, al, bl, true);
        int hi = aluF(Op::ADD, aluF(Op::MULHU, al, bl, true),
                      aluF(Op::ADD, aluF(Op::MUL, al, bh, true), aluF(Op::MUL, ah, bl, true), true),
                      true);
        return done(lo, hi);
      }
      case Instruction::And: return done(aluF(Op::AND, al, bl, true), aluF(Op::AND, ah, bh, true));
      case Instruction::Or: return done(aluF(Op::OR, al, bl, true), aluF(Op::OR, ah, bh, true));
      case Instruction::Xor: return done(aluF(Op::XOR, al, bl, true), aluF(Op::XOR, ah, bh, true));
      case Instruction::Shl: case Instruction::LShr: case Instruction::AShr: {
        uint32_t k;
        if (!isConst(bl, &k)) {
          // a variable amount s (< 64): LSH/RSH mask it by 31; bit 5 (JSET s, 32)
          // selects the halves; the bits crossing the halves are shifted by
          // 1 and then by 31 - (s & 31) = s ^ 31 (no shift by 32)
          PVal big = cmp(Op::JSET, bl, constant(32));
          int inv = aluF(Op::XOR, bl, constant(31));
          if (bo->getOpcode() == Instruction::Shl) {
            int l = aluF(Op::LSH, al, bl);
            int cross = aluF(Op::RSH, aluF(Op::RSH, al, constant(1)), inv);
            return done(select(big, constant(0), l),
                        select(big, l, aluF(Op::OR, aluF(Op::LSH, ah, bl), cross, true)));
          }
          bool arith = bo->getOpcode() == Instruction::AShr;
          int h = aluF(arith ? Op::ARSH : Op::RSH, ah, bl);
          int cross = aluF(Op::LSH, aluF(Op::LSH, ah, constant(1)), inv);
          int lo = aluF(Op::OR, aluF(Op::RSH, al, bl), cross, true);
          return done(select(big, h, lo),
                      select(big, arith ? aluF(Op::ARSH, ah, constant(31)) : constant(0), h));
        }
        k &= 63;
        int c = constant(k & 31), rc = constant(32 - (k & 31));
        if (bo->getOpcode() == Instruction::Shl) {
          if (k >= 32)
            return done(constant(0), aluF(Op::LSH, al, c));
          if (k == 0)
            return done(al, ah);
          return done(aluF(Op::LSH, al, c),
                      aluF(Op::OR, aluF(Op::LSH, ah, c), aluF(Op::RSH, al, rc), true));
        }
        bool arith = bo->getOpcode() == Instruction::AShr;
        Op shr = arith ? Op::ARSH : Op::RSH;
        if (k >= 32)
          return done(aluF(shr, ah, c), arith ? aluF(Op::ARSH, ah, constant(31)) : constant(0));
        if (k == 0)
          return done(al, ah);
        return done(aluF(Op::OR, aluF(Op::RSH, al, c), aluF(Op::LSH, ah, rc), true),
                    aluF(shr, ah, c));
      }
      default:
        return fail(&i, fmt::format("64-bit value ({}) is not supported yet", bo->getOpcodeName()));
      }
    }
    if (auto *s = dyn_cast<SelectInst>(&i)) {
      auto c = pval(s->getCondition());
      if (!c)
        return c.takeError();
      auto x = val64(s->getTrueValue());
      if (!x)
        return x.takeError();
      auto y = val64(s->getFalseValue());
      if (!y)
        return y.takeError();
      return done(select(*c, x->first, y->first), select(*c, x->second, y->second));
    }
    if (auto *phi = dyn_cast<PHINode>(&i))
      return lowerPhi(phi, bb);
    if (auto *fr = dyn_cast<FreezeInst>(&i)) {
      auto x = val64(fr->getOperand(0));
      if (!x)
        return x.takeError();
      return done(x->first, x->second);
    }
    if (auto *se = dyn_cast<SExtInst>(&i)) {
      Value *src = se->getOperand(0);
      unsigned from = src->getType()->getIntegerBitWidth();
      if (from == 1) {
        auto p = pval(src);
        if (!p)
          return p.takeError();
        int m = select(*p, constant(0xffffffffu), constant(0));
        return done(m, m);
      }
      auto x = val(src);
      if (!x)
        return x.takeError();
      int lo = *x;
      if (from == 8 || from == 16)
        lo = alu(from == 8 ? Op::SEXT8 : Op::SEXT16, *x, -1);
      else if (from != 32)
        return fail(&i, fmt::format("sext from i{} is not supported", from));
      return done(lo, aluF(Op::ARSH, lo, constant(31)));
    }
    return fail(&i, fmt::format("64-bit value ({}) is not supported yet", i.getOpcodeName()));
  }

  // Whether an i64 value's upper half is zero (so it lives in one 32-bit slot).
  std::set<const Value *> fitSet;
  bool fits32(Value *v) {
    if (auto *c = dyn_cast<ConstantInt>(v))
      return c->getValue().isIntN(32);
    if (!v->getType()->isIntegerTy() || v->getType()->getIntegerBitWidth() <= 32)
      return true;
    if (fitSet.count(v))
      return true;
    bool ok = false;
    if (auto *i = dyn_cast<Instruction>(v)) {
      switch (i->getOpcode()) {
      case Instruction::ZExt:
        ok = i->getOperand(0)->getType()->getIntegerBitWidth() <= 32;
        break;
      case Instruction::PtrToInt:
        // a packet pointer is a byte offset from data (the verifier allows
        // only offsets, differences and compares of packet pointers)
        ok = i->getOperand(0)->getType()->getPointerAddressSpace() == kPacketAS;
        break;
      case Instruction::And:
        ok = fits32(i->getOperand(0)) || fits32(i->getOperand(1));
        break;
      case Instruction::Or: case Instruction::Xor:
        ok = fits32(i->getOperand(0)) && fits32(i->getOperand(1));
        break;
      case Instruction::LShr: case Instruction::UDiv: case Instruction::URem:
        ok = fits32(i->getOperand(0));
        break;
      case Instruction::Select:
        ok = fits32(i->getOperand(1)) && fits32(i->getOperand(2));
        break;
      case Instruction::PHI:
        ok = true;
        for (Value *in : cast<PHINode>(i)->incoming_values())
          ok = ok && (fitSet.count(in) || (llvm::isa<ConstantInt>(in) && fits32(in)) ||
                      llvm::isa<UndefValue>(in));
        break;
      default: break;
      }
      if (!ok)
        ok = bitsBound(v) <= 32;
      if (!ok)
        ok = computeKnownBits(v, DL).countMinLeadingZeros() >= 32;
    }
    if (ok)
      fitSet.insert(v);
    return ok;
  }

  // An upper bound of the number of significant bits of an integer value
  // (structural, unlimited depth: computeKnownBits stops after 6 levels,
  // which checksum fold chains exceed).
  std::map<const Value *, unsigned> bitsMemo;
  unsigned bitsBound(Value *v, unsigned depth = 0) {
    unsigned full = v->getType()->isIntegerTy() ? v->getType()->getIntegerBitWidth() : 64;
    if (auto *c = dyn_cast<ConstantInt>(v))
      return c->getValue().getActiveBits();
    auto it = bitsMemo.find(v);
    if (it != bitsMemo.end())
      return it->second;
    if (depth > 64)
      return full;
    bitsMemo[v] = full;  // cycles (phis) are conservative
    unsigned r = full;
    if (auto *i = dyn_cast<Instruction>(v)) {
      auto op = [&](unsigned k) { return bitsBound(i->getOperand(k), depth + 1); };
      auto cst = [&](unsigned k) -> std::optional<uint64_t> {
        if (auto *c = dyn_cast<ConstantInt>(i->getOperand(k)); c && c->getValue().isIntN(64))
          return c->getZExtValue();
        return std::nullopt;
      };
      switch (i->getOpcode()) {
      case Instruction::ZExt: r = op(0); break;
      case Instruction::Trunc: r = std::min(op(0), full); break;
      case Instruction::Load: r = full; break;
      case Instruction::And: r = std::min(op(0), op(1)); break;
      case Instruction::Or: case Instruction::Xor: r = std::max(op(0), op(1)); break;
      case Instruction::Add: r = std::max(op(0), op(1)) + 1; break;
      case Instruction::Mul: r = op(0) + op(1); break;
      case Instruction::LShr:
        if (auto c = cst(1))
          r = op(0) > *c ? unsigned(op(0) - *c) : 0;
        else
          r = op(0);
        break;
      case Instruction::Shl:
        if (auto c = cst(1); c && *c < 64)
          r = op(0) + unsigned(*c);
        break;
      case Instruction::UDiv: r = op(0); break;
      case Instruction::URem: r = std::min(op(0), op(1)); break;
      case Instruction::Select: r = std::max(op(1), op(2)); break;
      case Instruction::PHI: {
        r = 0;
        for (Value *in : cast<PHINode>(i)->incoming_values())
          r = std::max(r, bitsBound(in, depth + 1));
        break;
      }
      default: break;
      }
    }
    r = std::min(r, full);
    bitsMemo[v] = r;
    return r;
  }

  PVal edge(BasicBlock *p, BasicBlock *s) {
    auto key = std::make_pair((const BasicBlock *)p, (const BasicBlock *)s);
    auto it = edgePred.find(key);
    if (it != edgePred.end())
      return it->second;
    PVal pp = blockPred[p];
    const Instruction *saved = cur;
    cur = p->getTerminator();
    PVal r = pp;
    Instruction *term = p->getTerminator();
    if (auto *br = dyn_cast<BranchInst>(term); br && br->isConditional() &&
                                              br->getSuccessor(0) != br->getSuccessor(1)) {
      bool onTrue = br->getSuccessor(0) == s;
      r = condEdge(br->getCondition(), pp, !onTrue);
    } else if (auto *sw = dyn_cast<SwitchInst>(term)) {
      std::vector<PVal> ors;
      bool isDefault = sw->getDefaultDest() == s;
      int x = vals.count(sw->getCondition()) ? vals[sw->getCondition()] : -1;
      if (auto *c = dyn_cast<ConstantInt>(sw->getCondition()))
        x = constant(uint32_t(c->getZExtValue()));
      std::vector<PVal> ands;
      for (auto &cs : sw->cases()) {
        int k = constant(uint32_t(cs.getCaseValue()->getZExtValue()));
        // unguarded compares (computed as early as their operands allow),
        // combined with the block's predicate last: one stage per level
        if (isDefault) {
          // the default edge: none of the other cases, the negation of
          // their OR (the same JEQs as the case edges, no JNEs)
          if (cs.getCaseSuccessor() != s)
            ands.push_back(cmp(Op::JEQ, x, k));
        } else if (cs.getCaseSuccessor() == s) {
          ors.push_back(cmp(Op::JEQ, x, k));
        }
      }
      if (isDefault) {
        PVal any = porTree(ands);
        any.neg = !any.neg;
        ors = {any};
      }
      r = pand(pp, porTree(ors));
    }
    cur = saved;
    return edgePred[key] = r;
  }

  Op cmpOp(CmpInst::Predicate p) {
    switch (p) {
    case CmpInst::ICMP_EQ: return Op::JEQ;
    case CmpInst::ICMP_NE: return Op::JNE;
    case CmpInst::ICMP_UGT: return Op::JGT;
    case CmpInst::ICMP_UGE: return Op::JGE;
    case CmpInst::ICMP_ULT: return Op::JLT;
    case CmpInst::ICMP_ULE: return Op::JLE;
    case CmpInst::ICMP_SGT: return Op::JSGT;
    case CmpInst::ICMP_SGE: return Op::JSGE;
    case CmpInst::ICMP_SLT: return Op::JSLT;
    default: return Op::JSLE;
    }
  }

  // guard && (cond != negate), fusing a single-use icmp into a guarded CMP.
  // The condition of edge P->S alone (unguarded), for predicates relative
  // to a dominator.
  std::map<std::pair<const BasicBlock *, const BasicBlock *>, PVal> condMemo;
  PVal edgeCond(BasicBlock *p, BasicBlock *s) {
    auto key = std::make_pair((const BasicBlock *)p, (const BasicBlock *)s);
    auto it = condMemo.find(key);
    if (it != condMemo.end())
      return it->second;
    PVal r{};
    Instruction *term = p->getTerminator();
    if (auto *br = dyn_cast<BranchInst>(term); br && br->isConditional() &&
                                              br->getSuccessor(0) != br->getSuccessor(1)) {
      r = condEdge(br->getCondition(), PVal{}, br->getSuccessor(0) != s);
    } else if (auto *sw = dyn_cast<SwitchInst>(term)) {
      // the edge predicate from P's own predicate true
      PVal saved = blockPred[p];
      blockPred[p] = PVal{};
      auto ek = std::make_pair((const BasicBlock *)p, (const BasicBlock *)s);
      auto old = edgePred.find(ek);
      std::optional<PVal> oldv;
      if (old != edgePred.end())
        oldv = old->second, edgePred.erase(old);
      r = edge(p, s);
      edgePred.erase(ek);
      if (oldv)
        edgePred[ek] = *oldv;
      blockPred[p] = saved;
    }
    return condMemo[key] = r;
  }
  // Block X's predicate assuming `root` (a dominator of X) executes.
  std::map<std::pair<const BasicBlock *, const BasicBlock *>, PVal> relMemo;
  PVal relBlock(BasicBlock *x, BasicBlock *root) {
    if (x == root)
      return PVal{};
    auto key = std::make_pair((const BasicBlock *)x, (const BasicBlock *)root);
    auto it = relMemo.find(key);
    if (it != relMemo.end())
      return it->second;
    std::vector<PVal> es;
    std::set<BasicBlock *> seen;
    for (BasicBlock *q : predecessors(x))
      if (blockPred.count(q) && seen.insert(q).second)
        es.push_back(pand(relBlock(q, root), edgeCond(q, x)));
    return relMemo[key] = porTree(es);
  }
  PVal relEdge(BasicBlock *p, BasicBlock *s) {
    auto *node = DT.getNode(s);
    BasicBlock *root = node && node->getIDom() ? node->getIDom()->getBlock() : nullptr;
    if (!root)
      return edge(p, s);
    return pand(relBlock(p, root), edgeCond(p, s));
  }

  PVal condEdge(Value *c, PVal guard, bool negate) {
    if (auto *ic = dyn_cast<ICmpInst>(c); ic && ic->hasOneUse() && fusable.count(ic)) {
      auto pr = negate ? ic->getInversePredicate() : ic->getPredicate();
      auto r = icmpNode(ic, pr, guard);
      if (r)
        return *r;
      consumeError(r.takeError());
    }
    PVal p = pvals.count(c) ? pvals[c] : PVal{};
    if (auto *k = dyn_cast<ConstantInt>(c))
      p = k->isOne() ? PVal{} : PVal{-1, true};
    if (negate)
      p.neg = !p.neg;
    return pand(guard, p);
  }
  std::set<const ICmpInst *> fusable;
  // blocks whose predicate is the OR of these incoming edge predicates
  std::map<const BasicBlock *, std::vector<PVal>> orEdges;

  Expected<PVal> icmpNode(ICmpInst *ic, CmpInst::Predicate pr, PVal guard) {
    Value *l = ic->getOperand(0), *r = ic->getOperand(1);
    if (l->getType()->isIntegerTy(1)) {
      auto x = pval(l);
      if (!x)
        return x.takeError();
      auto y = pval(r);
      if (!y)
        return y.takeError();
      PVal e;
      if (pr == CmpInst::ICMP_EQ)
        e = plut(*x, *y, [](bool a, bool b) { return a == b; });
      else if (pr == CmpInst::ICMP_NE)
        e = plut(*x, *y, [](bool a, bool b) { return a != b; });
      else
        return fail(ic, "ordered comparison of booleans is not supported");
      return pand(guard, e);
    }
    unsigned w = widthOf(l->getType());
    if (w == 64 && (isWide(l) || isWide(r))) {
      auto x = val64(l);
      if (!x)
        return x.takeError();
      auto y = val64(r);
      if (!y)
        return y.takeError();
      return pand(guard, cmp64(pr, *x, *y));
    }
    auto a = val(l);
    if (!a)
      return a.takeError();
    auto b = val(r);
    if (!b)
      return b.takeError();
    int x = *a, y = *b;
    if (isConst(x) && !isConst(y))
      std::swap(x, y), pr = CmpInst::getSwappedPredicate(pr);
    if (w == 64 && (sext32.count(l) || sext32.count(r))) {
      // a helper's sign-extended 32-bit result: the 32-bit compare is exact
    } else if (CmpInst::isSigned(pr)) {
      if (w == 64) {
        pr = CmpInst::getUnsignedPredicate(pr);  // both operands < 2^32: nonnegative
      } else if (w < 32) {
        Op sx = w == 8 ? Op::SEXT8 : w == 16 ? Op::SEXT16 : Op::NOP;
        if (sx == Op::NOP)
          return fail(ic, fmt::format("signed comparison of i{} is not supported", w));
        auto sext = [&](int n) {
          uint32_t c;
          if (isConst(n, &c))
            return constant(uint32_t(int32_t(w == 8 ? int8_t(c) : int16_t(c))));
          return alu(sx, n, -1);
        };
        x = sext(x), y = sext(y);
      }
    }
    if (isConst(x)) {
      // both constant: LLVM folds these; materialise through a slot anyway
    }
    return cmp(cmpOp(pr), x, y, guard);
  }

  // ---- lowering ----
  // map transactions (issue 6): lowering, scheduling and emission hooks
#include "MapOps.inc"
  // bpf_redirect_map over devmaps (issue 7): sites of map transactions
#include "DevmapOps.inc"

  Error lowerInst(Instruction &i, BasicBlock *bb) {
    cur = &i;
    curLoadIv.reset();
    if (auto r = lowerMapInst(i, bb))
      return std::move(*r);
    if (!llvm::isa<CallInst>(&i)) {
      if (auto e = check64(i))
        return e;
      if (i.getType()->isIntegerTy(64) && !llvm::isa<LoadInst>(&i) &&
          (!fits32(&i) || hasWideOperand(i)))
        return lowerWide(i, bb);
    }
    if (auto e = checkWideUses(i))
      return e;
    PVal bp = blockPred[bb];
    if (auto *phi = dyn_cast<PHINode>(&i))
      return lowerPhi(phi, bb);
    if (auto *bo = dyn_cast<BinaryOperator>(&i)) {
      if (bo->getType()->isIntegerTy(1)) {
        auto x = pval(bo->getOperand(0));
        if (!x)
          return x.takeError();
        auto y = pval(bo->getOperand(1));
        if (!y)
          return y.takeError();
        switch (bo->getOpcode()) {
        case Instruction::And: pvals[&i] = pand(*x, *y); return Error::success();
        case Instruction::Or: pvals[&i] = por(*x, *y); return Error::success();
        case Instruction::Xor:
          pvals[&i] = plut(*x, *y, [](bool a, bool b) { return a != b; });
          return Error::success();
        default: return fail(&i, fmt::format("boolean {} is not supported", bo->getOpcodeName()));
        }
      }
      unsigned w = widthOf(bo->getType());
      auto x = val(bo->getOperand(0));
      if (!x)
        return x.takeError();
      auto y = val(bo->getOperand(1));
      if (!y)
        return y.takeError();
      int r;
      switch (bo->getOpcode()) {
      case Instruction::Add: r = mask(alu(Op::ADD, *x, *y, true), w); break;
      case Instruction::Sub:
        if (uint32_t c; isConst(*x, &c) && c == 0)
          r = mask(alu(Op::NEG, *y, -1), w);
        else
          r = mask(alu(Op::SUB, *x, *y), w);
        break;
      case Instruction::Mul: r = mask(alu(Op::MUL, *x, *y, true), w); break;
      case Instruction::And: r = alu(Op::AND, *x, *y, true); break;
      case Instruction::Or:
        r = combinedField(*x, *y);
        if (r < 0)
          r = alu(Op::OR, *x, *y, true);
        break;
      case Instruction::Xor: r = alu(Op::XOR, *x, *y, true); break;
      case Instruction::Shl: r = mask(alu(Op::LSH, *x, *y), w); break;
      case Instruction::LShr:
        // a 32-bit value shifted right by 32..63 is 0 (RSH masks the amount by 31)
        if (uint32_t k; w == 64 && isConst(*y, &k) && (k & 63) >= 32)
          r = constant(0);
        else
          r = alu(Op::RSH, *x, *y);
        break;
      case Instruction::AShr:
        if (uint32_t k; w == 64 && isConst(*y, &k) && (k & 63) >= 32)
          r = constant(0);  // nonnegative (fits 32 bits)
        else if (w == 64)
          r = alu(Op::RSH, *x, *y);
        else if (w == 32)
          r = alu(Op::ARSH, *x, *y);
        else if (w == 8 || w == 16)
          r = mask(alu(Op::ARSH, alu(w == 8 ? Op::SEXT8 : Op::SEXT16, *x, -1), *y), w);
        else
          return fail(&i, fmt::format("ashr on i{} is not supported", w));
        break;
      case Instruction::UDiv: case Instruction::URem:
        if (!T.unit("div") || T.unit("div")->stages.empty())
          return fail(&i, fmt::format("{}: the target has no div unit", bo->getOpcodeName()));
        r = alu(bo->getOpcode() == Instruction::UDiv ? Op::DIV : Op::MOD, *x, *y);
        break;
      case Instruction::SDiv: case Instruction::SRem:
        if (w != 32)
          return fail(&i, fmt::format("signed {} of i{} is not supported yet", bo->getOpcodeName(), w));
        if (!T.unit("div") || T.unit("div")->stages.empty())
          return fail(&i, fmt::format("{}: the target has no div unit", bo->getOpcodeName()));
        r = alu(bo->getOpcode() == Instruction::SDiv ? Op::SDIV : Op::SMOD, *x, *y);
        break;
      default: return fail(&i, fmt::format("{} is not supported", bo->getOpcodeName()));
      }
      vals[&i] = r;
      return Error::success();
    }
    if (auto *ic = dyn_cast<ICmpInst>(&i)) {
      if (ic->hasOneUse()) {
        auto *u = dyn_cast<BranchInst>(*ic->user_begin());
        if (u && u->getParent() == bb) {
          fusable.insert(ic);
          return Error::success();
        }
      }
      auto r = icmpNode(ic, ic->getPredicate(), PVal{});
      if (!r)
        return r.takeError();
      pvals[&i] = *r;
      return Error::success();
    }
    if (auto *s = dyn_cast<SelectInst>(&i)) {
      auto c = pval(s->getCondition());
      if (!c)
        return c.takeError();
      if (s->getType()->isIntegerTy(1)) {
        auto x = pval(s->getTrueValue());
        if (!x)
          return x.takeError();
        auto y = pval(s->getFalseValue());
        if (!y)
          return y.takeError();
        PVal nc = *c;
        nc.neg = !nc.neg;
        // c ? true : y = c || y, c ? false : y = !c && y (one PLUT)
        if (x->isTrue())
          pvals[&i] = por(*c, *y);
        else if (x->isFalse())
          pvals[&i] = pand(nc, *y);
        else if (y->isTrue())
          pvals[&i] = por(nc, *x);
        else if (y->isFalse())
          pvals[&i] = pand(*c, *x);
        else
          pvals[&i] = por(pand(*c, *x), pand(nc, *y));
        return Error::success();
      }
      auto x = val(s->getTrueValue());
      if (!x)
        return x.takeError();
      auto y = val(s->getFalseValue());
      if (!y)
        return y.takeError();
      vals[&i] = select(*c, *x, *y);
      return Error::success();
    }
    if (auto *c = dyn_cast<CastInst>(&i)) {
      Value *src = c->getOperand(0);
      unsigned from = src->getType()->isIntegerTy() ? src->getType()->getIntegerBitWidth() : 32;
      unsigned to = c->getType()->isIntegerTy() ? c->getType()->getIntegerBitWidth() : 32;
      switch (c->getOpcode()) {
      case Instruction::ZExt:
        if (from == 1) {
          auto p = pval(src);
          if (!p)
            return p.takeError();
          vals[&i] = select(*p, constant(1), constant(0));
          return Error::success();
        } else {
          auto x = val(src);
          if (!x)
            return x.takeError();
          vals[&i] = *x;
          return Error::success();
        }
      case Instruction::SExt: {
        if (from == 1) {
          auto p = pval(src);
          if (!p)
            return p.takeError();
          vals[&i] = select(*p, constant(to >= 32 ? 0xffffffffu : uint32_t((1ull << to) - 1)),
                            constant(0));
          return Error::success();
        }
        auto x = val(src);
        if (!x)
          return x.takeError();
        if (from >= 32) {
          vals[&i] = *x;  // check64 proved the value nonnegative
          return Error::success();
        }
        if (from != 8 && from != 16)
          return fail(&i, fmt::format("sext from i{} is not supported", from));
        vals[&i] = mask(alu(from == 8 ? Op::SEXT8 : Op::SEXT16, *x, -1), to);
        return Error::success();
      }
      case Instruction::Trunc: {
        auto x = val(src);
        if (!x)
          return x.takeError();
        if (to == 1) {
          pvals[&i] = cmp(Op::JSET, *x, constant(1));
          return Error::success();
        }
        KnownBits kb = computeKnownBits(src, DL);
        if (to >= 32 || kb.countMinLeadingZeros() >= from - to)
          vals[&i] = *x;
        else
          vals[&i] = mask(*x, to);
        return Error::success();
      }
      case Instruction::PtrToInt:
      case Instruction::BitCast: {
        auto x = val(src);
        if (!x)
          return x.takeError();
        vals[&i] = *x;
        // data_end as a number (`data_end - data`) needs no clamp here: the
        // extractor's length word (metadata word 0) is already the kernel's
        // linear part, at most max_linear_bytes (docs/engines.md)
        return Error::success();
      }
      default:
        return fail(&i, fmt::format("{} is not supported", c->getOpcodeName()));
      }
    }
    if (auto *fr = dyn_cast<FreezeInst>(&i)) {
      if (fr->getType()->isIntegerTy(1)) {
        auto p = pval(fr->getOperand(0));
        if (!p)
          return p.takeError();
        pvals[&i] = *p;
      } else {
        auto x = val(fr->getOperand(0));
        if (!x)
          return x.takeError();
        vals[&i] = *x;
      }
      return Error::success();
    }
    if (auto *g = dyn_cast<GetElementPtrInst>(&i)) {
      if (g->getPointerAddressSpace() != kPacketAS)
        return fail(&i, "pointer arithmetic outside the packet is not supported yet");
      auto base = val(g->getPointerOperand());
      if (!base)
        return base.takeError();
      APInt off(64, 0);
      if (g->accumulateConstantOffset(DL, off)) {
        int r = *base;
        if (!off.isZero()) {
          uint32_t c;
          if (isConst(r, &c))
            r = constant(c + uint32_t(off.getZExtValue()));
          else if (const Node &rn = nodes[r]; rn.kind == Kind::Op && rn.op == Op::ADD && rn.bi &&
                                               rn.guard < 0 && !rn.gn)
            // (x + c) + off: one base for every field of a header
            r = alu(Op::ADD, rn.a, constant(rn.imm + uint32_t(off.getZExtValue())), true);
          else
            r = alu(Op::ADD, r, constant(uint32_t(off.getZExtValue())), true);
        }
        vals[&i] = r;
        return Error::success();
      }
      if (g->getNumIndices() != 1 || !g->getSourceElementType()->isIntegerTy(8))
        return fail(&i, "variable getelementptr other than i8 is not supported");
      auto idx = val(g->getOperand(1));
      if (!idx)
        return idx.takeError();
      vals[&i] = alu(Op::ADD, *base, *idx, true);
      return Error::success();
    }
    if (auto *ld = dyn_cast<LoadInst>(&i)) {
      if (ld->getPointerAddressSpace() != kPacketAS)
        return fail(&i, ld->getPointerAddressSpace() == kMapValueAS
                            ? "map operations arrive with issue 6 (load from a map value)"
                            : "stack memory is not supported yet (load from the stack)");
      unsigned w = widthOf(ld->getType());
      if (w != 8 && w != 16 && w != 32)
        return fail(&i, fmt::format("packet load of i{} is not supported yet", w));
      uint32_t code = w == 8 ? 0 : w == 16 ? 1 : 2;
      auto p = val(ld->getPointerOperand());
      if (!p)
        return p.takeError();
      uint32_t c;
      if (isConst(*p, &c)) {
        int64_t off = int32_t(c);
        bool inWindow = off >= 0 && off + w / 8 <= T.headerWindowBytes;
        if (!inWindow && !coveredByStores(-1, off, w / 8, bb))
          return fail(&i, fmt::format("packet load at offset {} is outside the {}-byte header window",
                                      off, T.headerWindowBytes));
        auto r = forward(inWindow ? extract(0, code, c) : constant(0), -1, off, w / 8, bb);
        if (!r)
          return r.takeError();
        vals[&i] = *r;
        return Error::success();
      }
      // a variable-offset load that some earlier store of the same base
      // writes in part or under a condition: the VLD, then forwarded
      bool forwardSameBase = false;
      {
        // a variable-offset load: forwarded from a store of the same base, or
        // refused where it may read bytes an earlier store wrote (stores of
        // other bases: disjoint by the offsets' ranges where each runs)
        if (auto ir = rangeAt(ld->getPointerOperand(), bb); ir && !ir->isSignWrappedSet())
          curLoadIv = std::make_pair(ir->getSignedMin().getSExtValue(),
                                     ir->getSignedMax().getSExtValue());
        int base = *p;
        int64_t off = 0;
        const Node &pn = nodes[*p];
        if (pn.kind == Kind::Op && pn.op == Op::ADD && pn.bi)
          base = pn.a, off = int32_t(pn.imm);
        for (const StoreRec &st : stores) {
          if (st.base == base) {
            if (st.off < off + w / 8 && off < st.off + int64_t(st.size) &&
                !(st.off <= off && off + w / 8 <= st.off + int64_t(st.size) &&
                  DT.dominates(st.bb, bb)))
              forwardSameBase = true;
            continue;
          }
          if (storeMayOverlap(st, base, off, w / 8))
            return fail(&i, fmt::format("packet load at a variable offset may read bytes an earlier "
                                        "store wrote ({}): the datapath reads the packet as it "
                                        "arrived, so such a load cannot see the store",
                                        where(st.inst)));
        }
        bool sameBase = false;
        for (const StoreRec &st : stores)
          sameBase |= st.base == base && st.off <= off && off + w / 8 <= st.off + int64_t(st.size) &&
                      DT.dominates(st.bb, bb);
        if (sameBase) {
          auto r = forward(constant(0), base, off, w / 8, bb);
          if (!r)
            return r.takeError();
          vals[&i] = *r;
          return Error::success();
        }
      }
      // a load through a selected address (the phi of two header offsets):
      // two unguarded reads and a SEL, so each read waits only for its own
      // address and can merge with other reads of its base
      if (stores.empty()) {
        const Node &pn = nodes[*p];
        if (pn.kind == Kind::Op && pn.op == Op::SEL && pn.guard < 0 && !pn.gn) {
          int sa = pn.a, sb = pn.bi ? constant(pn.imm) : pn.b, sel = pn.sel;
          std::function<int(int, int)> readAt = [&](int addr, int depth) -> int {
            uint32_t c;
            if (isConst(addr, &c))
              return c + w / 8 <= T.headerWindowBytes ? extract(0, code, c) : -1;
            const Node &sn = nodes[addr];
            // nested selections (the VLAN depth: 14/18/22) could become SELs of
            // extractor fields too; measured on parse_decide that is one
            // stage worse (30 vs 29: more SELs and fields compete for lanes),
            // so only the outer selection is split (kNestedSelReads = 0)
            constexpr int kNestedSelReads = 1;
            if (depth < kNestedSelReads && sn.kind == Kind::Op && sn.op == Op::SEL && sn.guard < 0 &&
                !sn.gn) {
              int x = readAt(sn.a, depth + 1);
              int y = x >= 0 ? readAt(sn.bi ? constant(sn.imm) : sn.b, depth + 1) : -1;
              if (x >= 0 && y >= 0)
                return select(PVal{sn.sel, false}, x, y);
            }
            Node n;
            n.op = Op::VLD, n.res = Res::Slot, n.vsize = code, n.bi = true, n.a = addr;
            const Node &an = nodes[addr];
            if (an.kind == Kind::Op && an.op == Op::ADD && an.bi)
              n.a = an.a, n.imm = an.imm;
            if (uint64_t(maxValue(n.a)) + n.imm + (1u << code) > T.headerWindowBytes)
              return -1;
            auto k = std::make_tuple(n.a, n.imm, code);
            auto it = vlds.find(k);
            if (it != vlds.end())
              return it->second;
            return vlds[k] = add(n);
          };
          int va = readAt(sa, 0), vb = va >= 0 ? readAt(sb, 0) : -1;
          if (va >= 0 && vb >= 0) {
            vals[&i] = select(PVal{sel, false}, va, vb);
            return Error::success();
          }
        }
      }
      Node n;
      n.op = Op::VLD, n.res = Res::Slot, n.vsize = code, n.bi = true;
      n.a = *p;
      const Node &pn = nodes[*p];
      if (pn.kind == Kind::Op && pn.op == Op::ADD && pn.bi)
        n.a = pn.a, n.imm = pn.imm;
      // a speculative VLD could fault: guard it unless its offset is provably in the window
      bool inWindow = uint64_t(maxValue(n.a)) + n.imm + (1u << code) <= T.headerWindowBytes;
      if (!inWindow) {
        // the verifier proved the bound from the packet start it saw; after
        // a variable bpf_xdp_adjust_head that start moved by a run-time
        // value, so the bound in the packet as it arrived is the compiler's
        // (the start's signed range: a negative delta wraps in VLD's add)
        if (const CallInst *adj = fromVariableStart(n.a)) {
          int64_t lo = int32_t(n.imm), hi = int64_t(maxValue(n.a)) + int32_t(n.imm) + (1 << code);
          if (auto r = startRange(n.a))
            lo += r->first, hi = r->second + int32_t(n.imm) + (1 << code);
          if (lo < 0 || hi > int64_t(T.headerWindowBytes))
            return fail(&i, fmt::format("packet load at offset {}..{} of the packet as it arrived "
                                        "(after bpf_xdp_adjust_head with a variable delta at {}) "
                                        "may be outside the {}-byte header window",
                                        lo, hi - 1, where(adj), T.headerWindowBytes));
          inWindow = true;
        }
      }
      if (!inWindow)
        n.guard = bp.node, n.gn = bp.neg;
      int v;
      if (n.guard < 0 && !n.gn) {
        // unguarded reads of one address are one VLD
        auto k = std::make_tuple(n.a, n.imm, code);
        auto it = vlds.find(k);
        v = it != vlds.end() ? it->second : (vlds[k] = add(n));
      } else {
        v = add(n);
      }
      if (forwardSameBase) {
        // the bytes earlier stores of the same base wrote, over the read
        auto r = forward(v, n.a, int32_t(n.imm), w / 8, bb);
        if (!r)
          return r.takeError();
        v = *r;
      }
      vals[&i] = v;
      return Error::success();
    }
    if (auto *st = dyn_cast<StoreInst>(&i); st && st->getPointerAddressSpace() == kPacketAS)
      return lowerStore(st, bb);
    if (llvm::isa<StoreInst>(&i) || llvm::isa<AtomicRMWInst>(&i) || llvm::isa<AtomicCmpXchgInst>(&i)) {
      unsigned as = llvm::isa<StoreInst>(&i) ? cast<StoreInst>(&i)->getPointerAddressSpace() : 0;
      if (as == kMapValueAS || !llvm::isa<StoreInst>(&i))
        return fail(&i, "map operations arrive with issue 6 (write to a map value)");
      return fail(&i, "stack memory is not supported yet (store to the stack)");
    }
    if (llvm::isa<AllocaInst>(&i))
      return fail(&i, "stack memory is not supported yet (escaping stack frame)");
    if (auto *call = dyn_cast<CallInst>(&i)) {
      Function *callee = call->getCalledFunction();
      std::string name = callee ? callee->getName().str() : "";
      if (name == "sluice.xdp.data" || name == "sluice.xdp.data_meta") {
        auto d = adjustedDelta(call, true);
        if (!d)
          return d.takeError();
        int start = constant(uint32_t(*d));
        // bpf_xdp_adjust_head with a variable delta that succeeded: the
        // start moved by the delta's value, so later packet accesses are at
        // run-time offsets (VLD, based deparser writes)
        const CallInst *varAdj = nullptr;
        int64_t lo = *d, hi = *d;
        for (const Adjust &a : adjusts)
          if (a.head && a.deltaNode >= 0 && DT.dominates(a.call, call)) {
            start = aluF(Op::ADD, start, a.deltaNode, true), varAdj = a.call;
            lo += a.minDelta, hi += a.maxDelta;
          }
        if (varAdj)
          variableStarts[start] = {varAdj, lo, hi};
        vals[&i] = start;
        return Error::success();
      }
      if (name == "sluice.xdp.data_end") {
        auto d = adjustedDelta(call, false);
        if (!d)
          return d.takeError();
        int end = *d ? alu(Op::ADD, extract(1, 2, 0), constant(uint32_t(*d)), true)
                     : extract(1, 2, 0);
        // bpf_xdp_adjust_tail with a variable delta that succeeded: the end
        // moved by the delta's value
        for (const Adjust &a : adjusts)
          if (!a.head && a.deltaNode >= 0 && DT.dominates(a.call, call))
            end = alu(Op::ADD, end, a.deltaNode, true);
        vals[&i] = end;
        return Error::success();
      }
      if (name == "sluice.helper.redirect")
        return lowerRedirect(call, bb);
      if (StringRef(name).starts_with("sluice.helper.csum_diff"))
        return lowerCsumDiff(call, bb);
      if (name == "sluice.helper.xdp_adjust_head" || name == "sluice.helper.xdp_adjust_tail")
        return lowerAdjust(call, bb, name == "sluice.helper.xdp_adjust_head");
      if (name == "sluice.helper.get_smp_processor_id") {
        vals[&i] = constant(0);  // the NIC is one processor (docs/helpers.md)
        fitSet.insert(&i);
        return Error::success();
      }
      if (name == "sluice.helper.ktime_get_ns" || name == "sluice.helper.ktime_get_boot_ns" ||
          name == "sluice.helper.ktime_get_coarse_ns" || name == "sluice.helper.ktime_get_tai_ns") {
        // the NIC's timestamp counter at the packet's arrival (docs/helpers.md)
        setWide(&i, extract(1, 2, 3), extract(1, 2, 4));
        return Error::success();
      }
      if (name == "sluice.helper.get_prandom_u32") {
        // the packet's word of the NIC's generator (docs/helpers.md): one
        // word per packet, so one call on any path through the program
        for (const CallInst *c : prandomCalls)
          if (c == call || isPotentiallyReachable(c, call, nullptr, &DT))
            return fail(call, fmt::format("bpf_get_prandom_u32 is called again for the same "
                                          "packet (first at {}): the NIC's generator gives one "
                                          "32-bit word per packet; call it once and take more "
                                          "bits from that word (or keep a generator in a map)",
                                          where(c)));
        prandomCalls.push_back(call);
        vals[&i] = extract(1, 2, 5);
        fitSet.insert(&i);
        return Error::success();
      }
      if (name == "sluice.xdp.ingress_ifindex") {
        vals[&i] = extract(1, 2, 1);
        return Error::success();
      }
      if (name == "sluice.xdp.rx_queue_index") {
        vals[&i] = extract(1, 2, 2);
        return Error::success();
      }
      if (name == "sluice.xdp.buff_len") {  // bpf_xdp_get_buff_len: the whole frame
        vals[&i] = extract(1, 2, 6);
        return Error::success();
      }
      if (name == "sluice.xdp.egress_ifindex") {
        vals[&i] = constant(0);
        return Error::success();
      }
      if (name == std::string(kTrapFunction))
        return Error::success();
      if (StringRef(name).starts_with("sluice.map."))
        return fail(&i, fmt::format("map operations arrive with issue 6 ({})", name.substr(7)));
      if (StringRef(name).starts_with("sluice.helper.redirect_map"))
        return fail(&i, "map operations arrive with issue 6 (bpf_redirect_map)");
      if (auto *ii = dyn_cast<IntrinsicInst>(call)) {
        switch (ii->getIntrinsicID()) {
        case Intrinsic::bswap: {
          unsigned w = widthOf(ii->getType());
          auto x = val(ii->getArgOperand(0));
          if (!x)
            return x.takeError();
          if (w == 64 && isWide(ii->getArgOperand(0))) {
            // the halves swap places, each byte-swapped
            auto x64 = val64(ii->getArgOperand(0));
            if (!x64)
              return x64.takeError();
            setWide(&i, alu(Op::BSWAP32, x64->second, -1), alu(Op::BSWAP32, x64->first, -1));
            return Error::success();
          }
          if (w == 16)
            vals[&i] = alu(Op::BSWAP16, *x, -1);
          else if (w == 32)
            vals[&i] = alu(Op::BSWAP32, *x, -1);
          else
            return fail(&i, fmt::format("bswap of i{} is not supported yet", w));
          return Error::success();
        }
        case Intrinsic::umin: case Intrinsic::umax: {
          auto x = val(ii->getArgOperand(0));
          if (!x)
            return x.takeError();
          auto y = val(ii->getArgOperand(1));
          if (!y)
            return y.takeError();
          int a = *x, b = *y;
          if (isConst(a))
            std::swap(a, b);
          PVal p = cmp(ii->getIntrinsicID() == Intrinsic::umin ? Op::JLT : Op::JGT, a, b);
          vals[&i] = select(p, a, b);
          return Error::success();
        }
        case Intrinsic::assume: case Intrinsic::lifetime_start: case Intrinsic::lifetime_end:
          return Error::success();
        default: break;
        }
      }
      return fail(&i, fmt::format("call to {} is not supported yet",
                                  StringRef(name).starts_with("sluice.helper.")
                                      ? "bpf_" + name.substr(14)
                                      : name));
    }
    if (auto *ret = dyn_cast<ReturnInst>(&i))
      return lowerRet(ret, bb);
    if (llvm::isa<BranchInst>(&i) || llvm::isa<SwitchInst>(&i) || llvm::isa<UnreachableInst>(&i))
      return Error::success();
    return fail(&i, fmt::format("{} is not supported", i.getOpcodeName()));
  }

  // ---- packet stores ----
  std::vector<StoreRec> stores;

  // [lo, hi) bounds of base + off .. + size (base -1: constant)
  std::pair<int64_t, int64_t> range(int base, int64_t off, unsigned size) {
    if (base < 0)
      return {off, off + size};
    if (fromVariableStart(base))
      if (auto r = startRange(base))
        return {off + r->first, off + r->second + size};
    return {off, off + int64_t(maxValue(base)) + size};
  }
  // The range of an integer value, or of a packet pointer's offset from
  // the arrival `data`, where block `at` runs: interval arithmetic through
  // GEPs and integer ops, narrowed by the conditions of the branches whose
  // edges dominate `at` (a header-length test such as `ihl < 5` bounds
  // ihl * 4 from below on the other edge). `and (shl x, k), m` is taken as
  // `shl (and x, m >> k), k`, the form such a test names. nullopt: unknown.
  std::optional<ConstantRange> rangeAt(Value *v, BasicBlock *at, unsigned depth = 0) {
    if (depth > 12)
      return std::nullopt;
    auto full = [&](Type *t) -> std::optional<ConstantRange> {
      if (!t->isIntegerTy() || t->getIntegerBitWidth() >= 64)
        return std::nullopt;
      return ConstantRange(APInt(64, 0), APInt(64, 1).shl(t->getIntegerBitWidth()));
    };
    if (auto *c = dyn_cast<ConstantInt>(v))
      return ConstantRange(c->getValue().sextOrTrunc(64));
    std::optional<ConstantRange> r;
    auto *ins = dyn_cast<Instruction>(v);
    if (!ins)
      return full(v->getType());
    auto sub = [&](Value *x) { return rangeAt(x, at, depth + 1); };
    if (auto *call = dyn_cast<CallInst>(ins)) {
      Function *callee = call->getCalledFunction();
      if (callee && callee->getName() == "sluice.xdp.data") {
        auto d = adjustedDelta(call, true);
        if (!d) {
          consumeError(d.takeError());
          return std::nullopt;
        }
        return ConstantRange(APInt(64, uint64_t(*d), true));
      }
    } else if (auto *gep = dyn_cast<GetElementPtrInst>(ins)) {
      if (gep->getNumIndices() == 1 && gep->getSourceElementType()->isIntegerTy(8)) {
        auto b = sub(gep->getPointerOperand()), i = sub(gep->getOperand(1));
        if (b && i)
          r = b->add(*i);
      }
    } else if (llvm::isa<LoadInst>(ins)) {
      r = full(ins->getType());
    } else if (auto *z = dyn_cast<ZExtInst>(ins)) {
      r = sub(z->getOperand(0));
      if (!r)
        r = full(z->getOperand(0)->getType());
    } else if (auto *bo = dyn_cast<BinaryOperator>(ins)) {
      auto *k = dyn_cast<ConstantInt>(bo->getOperand(1));
      if (bo->getOpcode() == Instruction::And && k) {
        // and (shl x, sh), m with m's low sh bits clear: shl (and x, m >> sh), sh
        Value *x;
        uint64_t sh;
        uint64_t m = k->getZExtValue();
        if (auto *shl = dyn_cast<BinaryOperator>(bo->getOperand(0));
            shl && shl->getOpcode() == Instruction::Shl &&
            llvm::isa<ConstantInt>(shl->getOperand(1)) &&
            (sh = cast<ConstantInt>(shl->getOperand(1))->getZExtValue()) < 64 &&
            (m & ((1ull << sh) - 1)) == 0) {
          x = shl->getOperand(0);
          for (User *u : x->users())
            if (auto *a = dyn_cast<BinaryOperator>(u);
                a && a->getOpcode() == Instruction::And && a->getOperand(0) == x &&
                llvm::isa<ConstantInt>(a->getOperand(1)) &&
                cast<ConstantInt>(a->getOperand(1))->getZExtValue() == (m >> sh)) {
              if (auto ra = sub(a))
                r = ra->shl(ConstantRange(APInt(64, sh)));
              break;
            }
        }
        if (!r) {
          auto ra = sub(bo->getOperand(0));
          r = (ra ? *ra : ConstantRange::getFull(64)).binaryAnd(ConstantRange(k->getValue().zextOrTrunc(64)));
        }
      } else {
        auto ra = sub(bo->getOperand(0)), rb = sub(bo->getOperand(1));
        if (ra && rb) {
          switch (bo->getOpcode()) {
          case Instruction::Add: r = ra->add(*rb); break;
          case Instruction::Or:
            if (cast<PossiblyDisjointInst>(bo)->isDisjoint())
              r = ra->add(*rb);
            break;
          case Instruction::Shl: r = ra->shl(*rb); break;
          case Instruction::LShr: r = ra->lshr(*rb); break;
          case Instruction::Mul: r = ra->multiply(*rb); break;
          default: break;
          }
        }
      }
    } else if (auto *phi = dyn_cast<PHINode>(ins)) {
      for (Value *in : phi->incoming_values()) {
        auto ri = sub(in);
        if (!ri)
          return std::nullopt;
        r = r ? r->unionWith(*ri) : *ri;
      }
    } else if (auto *sel = dyn_cast<SelectInst>(ins)) {
      auto ra = sub(sel->getTrueValue()), rb = sub(sel->getFalseValue());
      if (ra && rb)
        r = ra->unionWith(*rb);
    }
    if (r && ins->getType()->isIntegerTy() && ins->getType()->getIntegerBitWidth() < 64 &&
        (r->isWrappedSet() ||
         r->getUnsignedMax().uge(APInt(64, 1).shl(ins->getType()->getIntegerBitWidth()))))
      r.reset();  // wraps in its own width
    if (!r)
      r = full(ins->getType());
    if (!r || ins->getType()->isPointerTy())
      return r;
    // the conditions that hold where `at` runs
    for (DomTreeNode *dn = DT.getNode(at); dn && dn->getIDom(); dn = dn->getIDom()) {
      BasicBlock *d = dn->getIDom()->getBlock();
      auto *br = dyn_cast<BranchInst>(d->getTerminator());
      if (!br || !br->isConditional())
        continue;
      auto *ic = dyn_cast<ICmpInst>(br->getCondition());
      if (!ic)
        continue;
      for (unsigned e = 0; e < 2; ++e) {
        if (br->getSuccessor(0) == br->getSuccessor(1) ||
            !DT.dominates(BasicBlockEdge(d, br->getSuccessor(e)), at))
          continue;
        CmpInst::Predicate pr = e == 0 ? ic->getPredicate() : ic->getInversePredicate();
        Value *l = ic->getOperand(0), *rgt = ic->getOperand(1);
        if (rgt == v)
          std::swap(l, rgt), pr = CmpInst::getSwappedPredicate(pr);
        auto *k = dyn_cast<ConstantInt>(rgt);
        if (l != v || !k || k->getBitWidth() > 64)
          continue;
        unsigned bw = k->getBitWidth();
        ConstantRange allowed = ConstantRange::makeAllowedICmpRegion(pr, ConstantRange(k->getValue()));
        // as an unsigned 64-bit range of the zero-extended value
        ConstantRange wide = bw < 64 ? allowed.zeroExtend(64) : allowed;
        if (bw < 64 && ICmpInst::isSigned(pr))
          continue;
        r = r->intersectWith(wide, ConstantRange::Unsigned);
      }
    }
    return r;
  }
  // Whether store `st` may write a byte of [base + off, + bytes) (the load
  // being lowered: curLoadIv its offsets where it runs, when known).
  std::optional<std::pair<int64_t, int64_t>> curLoadIv;
  bool storeMayOverlap(const StoreRec &st, int base, int64_t off, unsigned bytes) {
    if (!mayOverlap(base, off, bytes, st.base, st.off, st.size))
      return false;
    if (!curLoadIv)
      return true;
    return curLoadIv->first < st.ivHi && st.ivLo < curLoadIv->second + int64_t(bytes);
  }
  bool mayOverlap(int b1, int64_t o1, unsigned s1, int b2, int64_t o2, unsigned s2) {
    auto [l1, h1] = range(b1, o1, s1);
    auto [l2, h2] = range(b2, o2, s2);
    return l1 < h2 && l2 < h1;
  }
  // Whether unconditional (dominating) stores of `base` write every byte of
  // [off, off + bytes).
  bool coveredByStores(int base, int64_t off, unsigned bytes, BasicBlock *bb) {
    for (unsigned k = 0; k < bytes; ++k) {
      bool cov = false;
      for (const StoreRec &st : stores)
        cov |= st.base == base && st.off <= off + k && off + k < st.off + int64_t(st.size) &&
               DT.dominates(st.bb, bb);
      if (!cov)
        return false;
    }
    return true;
  }
  // The value a load of `bytes` at base + off sees after the stores so far
  // (store-to-load forwarding at compile time; `prev` is the arrival value).
  Expected<int> forward(int prev, int base, int64_t off, unsigned bytes, BasicBlock *bb) {
    uint32_t loadMask = bytes >= 4 ? 0xffffffffu : (1u << (8 * bytes)) - 1;
    {
      // every byte from its last writer; when those all dominate the load,
      // one OR of the parts (constant bytes merged) instead of a chain
      std::vector<int> last(bytes, -1);
      bool simple = true;
      for (size_t k = 0; k < stores.size(); ++k) {
        const StoreRec &st = stores[k];
        if (st.base != base) {
          if (storeMayOverlap(st, base, off, bytes))
            simple = false;
          continue;
        }
        for (unsigned b = 0; b < bytes; ++b)
          if (st.off <= off + b && off + b < st.off + int64_t(st.size))
            last[b] = int(k);
      }
      bool any = false;
      for (unsigned b = 0; b < bytes && simple; ++b)
        if (last[b] >= 0) {
          any = true;
          simple = DT.dominates(stores[size_t(last[b])].bb, bb);
        }
      if (simple && any) {
        uint32_t constBits = 0, arrivalMask = 0;
        std::map<int, uint32_t> partMask;  // store index -> bytes of the load it supplies
        for (unsigned b = 0; b < bytes; ++b) {
          uint32_t m = 0xffu << (8 * b);
          if (last[b] < 0) {
            arrivalMask |= m;
            continue;
          }
          const StoreRec &st = stores[size_t(last[b])];
          uint32_t c;
          if (isConst(st.value, &c)) {
            unsigned sb = unsigned(off + b - st.off);
            constBits |= ((c >> (8 * sb)) & 0xff) << (8 * b);
          } else {
            partMask[last[b]] |= m;
          }
        }
        std::vector<int> parts;
        if (arrivalMask) {
          uint32_t c;
          if (isConst(prev, &c))
            constBits |= c & arrivalMask;
          else
            parts.push_back(arrivalMask == loadMask ? prev : alu(Op::AND, prev, constant(arrivalMask)));
        }
        for (auto &[k, m] : partMask) {
          const StoreRec &st = stores[size_t(k)];
          int64_t d = st.off - off;
          int v = st.value;
          if (d > 0)
            v = alu(Op::LSH, v, constant(uint32_t(8 * d)));
          else if (d < 0)
            v = alu(Op::RSH, v, constant(uint32_t(-8 * d)));
          // bytes the shifted value may hold beyond the part: mask them
          uint32_t holds = 0;
          for (int64_t q = std::max<int64_t>(d, 0); q < std::min<int64_t>(d + st.size, 4); ++q)
            holds |= 0xffu << (8 * q);
          if (holds & ~m)
            v = alu(Op::AND, v, constant(m));
          parts.push_back(v);
        }
        if (constBits || parts.empty())
          parts.push_back(constant(constBits));
        while (parts.size() > 1) {
          std::vector<int> n;
          for (size_t q = 0; q + 1 < parts.size(); q += 2)
            n.push_back(alu(Op::OR, parts[q], parts[q + 1], true));
          if (parts.size() % 2)
            n.push_back(parts.back());
          parts = std::move(n);
        }
        return parts[0];
      }
    }
    for (const StoreRec &st : stores) {
      if (st.base != base) {
        if (storeMayOverlap(st, base, off, bytes))
          return fail(cur, fmt::format("packet load may read bytes an earlier store at a variable "
                                       "offset wrote ({}): the datapath reads the packet as it "
                                       "arrived, so such a load cannot see the store",
                                       where(st.inst)));
        continue;
      }
      int64_t d = st.off - off;  // store position relative to the load
      if (d >= int64_t(bytes) || d + int64_t(st.size) <= 0)
        continue;
      int v = st.value;
      if (d > 0)
        v = alu(Op::LSH, v, constant(uint32_t(8 * d)));
      else if (d < 0)
        v = alu(Op::RSH, v, constant(uint32_t(-8 * d)));
      int64_t lo = std::max<int64_t>(d, 0), hi = std::min<int64_t>(d + st.size, bytes);
      uint32_t m = 0;
      for (int64_t k = lo; k < hi; ++k)
        m |= 0xffu << (8 * k);
      int merged;
      if (m == loadMask) {
        merged = (d < 0 || d + int64_t(st.size) > int64_t(bytes)) ? alu(Op::AND, v, constant(m))
                                                                   : v;
      } else {
        merged = alu(Op::OR, alu(Op::AND, prev, constant(loadMask & ~m)),
                     alu(Op::AND, v, constant(m)), true);
      }
      if (!DT.dominates(st.bb, bb)) {
        const Node &sn = nodes[st.node];
        merged = select(PVal{sn.guard, sn.gn}, merged, prev);
      }
      prev = merged;
    }
    return prev;
  }

  // Where each byte of a node's value comes from: a window byte at a
  // constant offset (arrival), a constant byte, or unknown.
  struct ByteSrc {
    int kind = 2;  // 0: constant v, 1: window byte at offset v, 2: unknown,
                   // 3: byte v % 4 of map read word node v / 4
    int64_t v = 0;
    bool operator==(const ByteSrc &) const = default;
  };
  using Bytes4 = std::array<ByteSrc, 4>;
  Bytes4 bytesOf(int id, int depth = 0) {
    Bytes4 r;
    const Node &n = nodes[id];
    if (depth > 16)
      return r;
    if (n.kind == Kind::Const) {
      for (int k = 0; k < 4; ++k)
        r[k] = {0, (n.value >> (8 * k)) & 0xff};
      return r;
    }
    if (n.kind == Kind::Extract) {
      if (n.exSrc != 0)
        return r;
      for (int k = 0; k < 4; ++k)
        r[k] = k < (1 << n.exSize) ? ByteSrc{1, int64_t(n.exOff) + k} : ByteSrc{0, 0};
      return r;
    }
    if (n.kind == Kind::Op && n.op == Op::MAPLK && n.isHigh) {
      // a word read from a map value (MAC addresses copied byte by byte
      // from a route: router)
      for (int k = 0; k < 4; ++k)
        r[k] = {3, int64_t(id) * 4 + k};
      return r;
    }
    if (n.kind != Kind::Op || n.guard >= 0 || n.gn)
      return r;
    auto bOf = [&]() { return n.bi ? bytesOf(constant(n.imm), depth + 1) : bytesOf(n.b, depth + 1); };
    switch (n.op) {
    case Op::MOV: return bOf();
    case Op::AND: case Op::OR: {
      Bytes4 x = bytesOf(n.a, depth + 1), y = bOf();
      for (int k = 0; k < 4; ++k) {
        bool xz = x[k].kind == 0 && x[k].v == 0, yz = y[k].kind == 0 && y[k].v == 0;
        bool xf = x[k].kind == 0 && x[k].v == 0xff, yf = y[k].kind == 0 && y[k].v == 0xff;
        if (n.op == Op::AND)
          r[k] = xz || yz ? ByteSrc{0, 0} : xf ? y[k] : yf ? x[k] : ByteSrc{};
        else
          r[k] = xz ? y[k] : yz ? x[k] : ByteSrc{};
      }
      return r;
    }
    case Op::LSH: case Op::RSH: {
      if (!n.bi || (n.imm & 7) || n.imm >= 32)
        return r;
      Bytes4 x = bytesOf(n.a, depth + 1);
      int sh = int(n.imm / 8);
      for (int k = 0; k < 4; ++k) {
        int from = n.op == Op::LSH ? k - sh : k + sh;
        r[k] = from >= 0 && from < 4 ? x[from] : ByteSrc{0, 0};
      }
      return r;
    }
    default: return r;
    }
  }

  // Runs of consecutive stores (one block, constant offsets, no byte written
  // twice) whose bytes come from window bytes or constants are re-cut into
  // as few deparser entries as possible: each entry 1, 2 or 4 bytes that are
  // contiguous in the window (one extractor field) or constant. MAC and
  // address swaps written byte by byte become a few wide entries.
  void mergeStores() {
    std::vector<StoreRec> out;
    size_t i = 0;
    auto known = [&](const StoreRec &st) {
      Bytes4 b = bytesOf(st.value);
      for (unsigned k = 0; k < st.size; ++k)
        if (b[k].kind == 2)
          return false;
      return true;
    };
    while (i < stores.size()) {
      if (!known(stores[i])) {
        out.push_back(stores[i++]);
        continue;
      }
      size_t j = i + 1;
      std::map<int64_t, ByteSrc> bytes;
      std::set<int64_t> opaqueBytes;  // written by stores of other values in the run
      std::vector<StoreRec> opaque;   // kept as they are (no byte overlaps: order is free)
      auto addBytes = [&](const StoreRec &st) {
        Bytes4 b = bytesOf(st.value);
        for (unsigned k = 0; k < st.size; ++k)
          bytes[st.off + k] = b[k];
      };
      addBytes(stores[i]);
      const Node &g0 = nodes[stores[i].node];
      while (j < stores.size()) {
        const StoreRec &st = stores[j];
        const Node &g = nodes[st.node];
        // one run: one block, one guard, one base (a variable start after
        // bpf_xdp_adjust_head: the same run-time offset for every byte)
        if (st.bb != stores[i].bb || g.guard != g0.guard || g.gn != g0.gn ||
            st.base != stores[i].base)
          break;
        bool clash = false;
        for (unsigned k = 0; k < st.size; ++k)
          clash |= bytes.count(st.off + k) > 0 || opaqueBytes.count(st.off + k) > 0;
        if (clash)
          break;
        if (known(st)) {
          addBytes(st);
        } else {
          for (unsigned k = 0; k < st.size; ++k)
            opaqueBytes.insert(st.off + k);
          opaque.push_back(st);
        }
        ++j;
      }
      // chunks in address order
      std::vector<StoreRec> chunks;
      for (auto it = bytes.begin(); it != bytes.end();) {
        int64_t start = it->first;
        ByteSrc first = it->second;
        unsigned len = 1;
        auto nx = std::next(it);
        while (len < 4 && nx != bytes.end() && nx->first == start + len &&
               nx->second.kind == first.kind &&
               (first.kind == 0 || nx->second.v == first.v + len) &&
               (first.kind != 3 || (first.v + len) / 4 == first.v / 4)) {
          ++len;
          ++nx;
        }
        if (len == 3)
          len = 2;
        if (first.kind == 1 && (first.v < 0 || first.v + len > T.headerWindowBytes))
          len = 0;  // not from the window: keep the original stores
        if (len == 0) {
          chunks.clear();
          break;
        }
        StoreRec c = stores[i];
        c.off = start, c.size = len;
        cur = stores[i].inst;
        if (first.kind == 1) {
          c.value = extract(0, len == 1 ? 0 : len == 2 ? 1 : 2, uint32_t(first.v));
        } else if (first.kind == 3) {
          int word = int(first.v / 4), b0 = int(first.v % 4);
          c.value = b0 ? alu(Op::RSH, word, constant(uint32_t(8 * b0))) : word;
        } else {
          uint32_t v = 0;
          for (unsigned k = 0; k < len; ++k)
            v |= uint32_t(bytes[start + k].v) << (8 * k);
          c.value = constant(v);
        }
        chunks.push_back(c);
        it = bytes.lower_bound(start + len);
      }
      size_t nKnown = j - i - opaque.size();
      if (chunks.empty() || (chunks.size() >= nKnown && nKnown > 1)) {
        for (size_t k = i; k < j; ++k)
          out.push_back(stores[k]);
      } else {
        for (const StoreRec &o : opaque)
          out.push_back(o);
        for (size_t k = i; k < j; ++k)
          if (std::find_if(opaque.begin(), opaque.end(),
                           [&](const StoreRec &o) { return o.node == stores[k].node; }) ==
              opaque.end())
            roots.erase(std::find(roots.begin(), roots.end(), stores[k].node));
        for (StoreRec &c : chunks) {
          Node n = nodes[stores[i].node];
          n.a = c.value, n.vsize = c.size, n.imm = uint32_t(c.off);
          n.origin = stores[i].inst;
          nodes.push_back(n);
          c.node = int(nodes.size()) - 1;
          roots.push_back(c.node);
          out.push_back(c);
        }
      }
      i = j;
    }
    stores = std::move(out);
  }

  Error lowerStore(StoreInst *st, BasicBlock *bb) {
    Value *v = st->getValueOperand();
    if (!v->getType()->isIntegerTy())
      return fail(st, "packet store of a non-integer value is not supported");
    unsigned w = v->getType()->getIntegerBitWidth();
    if (w == 64) {
      // two 4-byte writes, low half first (little-endian, as the kernel stores)
      auto x64 = val64(v);
      if (!x64)
        return x64.takeError();
      if (auto e = lowerStoreWord(st, bb, x64->first, 4, 0))
        return e;
      return lowerStoreWord(st, bb, x64->second, 4, 4);
    }
    if (w != 8 && w != 16 && w != 32)
      return fail(st, fmt::format("packet store of i{} is not supported yet (the deparser writes 1, "
                                  "2 or 4 bytes)", w));
    auto x = val(v);
    if (!x)
      return x.takeError();
    return lowerStoreWord(st, bb, *x, w / 8, 0);
  }
  Error lowerStoreWord(StoreInst *st, BasicBlock *bb, int value, unsigned bytes, int32_t plus) {
    auto p = val(st->getPointerOperand());
    if (!p)
      return p.takeError();
    StoreRec r;
    r.size = bytes, r.value = value, r.bb = bb, r.inst = st;
    uint32_t c;
    if (isConst(*p, &c)) {
      r.off = int32_t(c);
    } else {
      r.base = *p;
      const Node &pn = nodes[*p];
      if (pn.kind == Kind::Op && pn.op == Op::ADD && pn.bi)
        r.base = pn.a, r.off = int32_t(pn.imm);
    }
    r.off += plus;
    if (const CallInst *adj = r.base >= 0 ? fromVariableStart(r.base) : nullptr) {
      // an address computed from a moved start: its range from the start's
      auto sr = startRange(r.base);
      if (!sr)
        return fail(st, fmt::format("packet store at an address computed from the start moved "
                                    "by bpf_xdp_adjust_head with a variable delta ({}) in a way "
                                    "the compiler cannot bound", where(adj)));
      if (sr->first < 0) {
        // a start moved by a delta that may be negative (a header pushed
        // by a run-time length): the deparser adds its base slot unsigned,
        // so the base is biased up to 0 by its least value and the
        // constant part down by as much
        int biased = alu(Op::ADD, r.base, constant(uint32_t(-sr->first)), true);
        variableStarts[biased] = {adj, 0, sr->second - sr->first};
        r.base = biased, r.off += sr->first;
      }
    }
    auto [lo, hi] = range(r.base, r.off, r.size);
    r.ivLo = lo, r.ivHi = hi;
    if (auto ir = rangeAt(st->getPointerOperand(), bb); ir && !ir->isSignWrappedSet()) {
      r.ivLo = std::max(lo, ir->getSignedMin().getSExtValue() + plus);
      r.ivHi = std::min(hi, ir->getSignedMax().getSExtValue() + plus + int64_t(bytes));
    }
    if (lo < -int64_t(T.headroomBytes) || hi > int64_t(T.headerWindowBytes))
      return fail(st, fmt::format("packet store at offset {}..{} is outside the deparser's reach "
                                  "(-{}..{}: headroom and header window)",
                                  lo, hi - 1, T.headroomBytes, T.headerWindowBytes - 1));
    PVal g = blockPred[bb];
    if (g.isFalse())
      return Error::success();
    Node n;
    n.kind = Kind::Store, n.res = Res::None, n.a = r.value, n.b = r.base, n.bi = r.base < 0;
    n.guard = g.node, n.gn = g.neg, n.vsize = r.size, n.imm = uint32_t(r.off);
    r.node = add(n);
    roots.push_back(r.node);
    stores.push_back(r);
    return Error::success();
  }

  // ---- helpers ----
  struct Adjust {
    const CallInst *call;
    int64_t delta;  ///< the constant delta (0 for a variable one)
    bool head;
    int deltaNode = -1;  ///< a variable delta: its value
    int64_t minDelta = 0;  ///< the least value the delta may have (the constant one)
    int64_t maxDelta = 0;  ///< the greatest
  };
  std::vector<Adjust> adjusts;
  std::vector<const CallInst *> prandomCalls;
  std::vector<int> stateChain;  // REDIR / ADJH / ADJT in program order
  std::set<const Value *> sext32;  // i64 results that are sign-extended 32-bit values

  // Packet starts moved by a variable bpf_xdp_adjust_head (node -> call),
  // and whether an address is computed from one (the call, or null).
  struct VarStart {
    const CallInst *call;
    int64_t lo, hi;  ///< the start's least and greatest value (arrival offsets)
  };
  std::map<int, VarStart> variableStarts;
  const CallInst *fromVariableStart(int n, int depth = 0) {
    if (n < 0 || depth > 16)
      return nullptr;
    if (auto it = variableStarts.find(n); it != variableStarts.end())
      return it->second.call;
    const Node &x = nodes[n];
    if (x.kind != Kind::Op || x.op == Op::VLD || isMapOp(x.op))
      return nullptr;
    for (int d : {x.a, x.bi ? -1 : x.b})
      if (const CallInst *c = fromVariableStart(d, depth + 1))
        return c;
    return nullptr;
  }
  // The signed range of an address computed from a moved start: the start's
  // range through ADDs of bounded values and SELs (clang merges the stores of
  // two branches into a store through a selected address); nullopt if unknown.
  std::optional<std::pair<int64_t, int64_t>> startRange(int n, int depth = 0) {
    if (n < 0 || depth > 16)
      return std::nullopt;
    if (auto it = variableStarts.find(n); it != variableStarts.end())
      return std::make_pair(it->second.lo, it->second.hi);
    uint32_t c;
    if (isConst(n, &c))
      return std::make_pair(int64_t(int32_t(c)), int64_t(int32_t(c)));
    if (!fromVariableStart(n, depth))
      return std::make_pair(int64_t(0), int64_t(maxValue(n)));
    const Node &x = nodes[n];
    if (x.kind != Kind::Op || (x.op != Op::ADD && x.op != Op::SEL))
      return std::nullopt;
    auto a = startRange(x.a, depth + 1);
    auto b = x.bi ? std::make_optional(std::make_pair(int64_t(int32_t(x.imm)),
                                                      int64_t(int32_t(x.imm))))
                  : startRange(x.b, depth + 1);
    if (!a || !b)
      return std::nullopt;
    if (x.op == Op::ADD)
      return std::make_pair(a->first + b->first, a->second + b->second);
    return std::make_pair(std::min(a->first, b->first), std::max(a->second, b->second));
  }
  // Whether `use` runs only when the adjust call `c` returned 0: a block on
  // its dominator path is entered from a branch on (c == 0) / (c != 0).
  bool onlyOnSuccess(const CallInst *c, const Instruction *use) {
    for (DomTreeNode *n = DT.getNode(use->getParent()); n && n->getBlock() != c->getParent();
         n = n->getIDom()) {
      BasicBlock *x = n->getBlock();
      BasicBlock *p = x->getSinglePredecessor();
      if (!p)
        continue;
      auto *br = dyn_cast<BranchInst>(p->getTerminator());
      if (!br || !br->isConditional())
        continue;
      auto *ic = dyn_cast<ICmpInst>(br->getCondition());
      if (!ic || !ic->isEquality())
        continue;
      Value *l = ic->getOperand(0), *r = ic->getOperand(1);
      if (auto *t = dyn_cast<TruncInst>(l))
        l = t->getOperand(0);
      auto *k = dyn_cast<ConstantInt>(r);
      if (l != c || !k || !k->isZero())
        continue;
      bool eq = ic->getPredicate() == CmpInst::ICMP_EQ;
      if ((br->getSuccessor(0) == x) == eq && br->getSuccessor(0) != br->getSuccessor(1))
        return true;
    }
    return false;
  }
  // The sum of the (constant) head or tail deltas of the adjust calls that
  // dominate `use`; an Error where such a call may have failed at `use`.
  Expected<int64_t> adjustedDelta(const Instruction *use, bool head) {
    int64_t d = 0;
    for (const Adjust &a : adjusts) {
      if (a.head != head || !DT.dominates(a.call, use))
        continue;
      if (!onlyOnSuccess(a.call, use))
        return fail(use, fmt::format("packet pointer read after bpf_xdp_adjust_{} ({}) where the "
                                     "call may have failed: test its result first (if it is not "
                                     "0 the packet did not move)",
                                     head ? "head" : "tail", where(a.call)));
      d += a.delta;
    }
    return d;
  }
  // A signed range of an integer IR value: LLVM's ranges and known bits,
  // refined through the arithmetic, casts, selections and phis between
  // (an adjust_head delta is often a phi of header lengths, or a negated one).
  ConstantRange irRange(const Value *v, std::map<const Value *, ConstantRange> &memo, int depth) {
    unsigned bw = v->getType()->getIntegerBitWidth();
    ConstantRange full = ConstantRange::getFull(bw);
    if (auto *c = dyn_cast<ConstantInt>(v))
      return ConstantRange(c->getValue());
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    ConstantRange base = computeConstantRange(v, /*ForSigned=*/true)
                             .intersectWith(ConstantRange::fromKnownBits(
                                 computeKnownBits(v, DL), /*IsSigned=*/true),
                                            ConstantRange::Signed);
    if (depth > 12)
      return base;
    memo.emplace(v, full);  // a cycle through a phi: unknown
    ConstantRange r = full;
    auto sub = [&](unsigned k) { return irRange(cast<User>(v)->getOperand(k), memo, depth + 1); };
    if (auto *c = dyn_cast<CastInst>(v); c && c->getSrcTy()->isIntegerTy()) {
      if (llvm::isa<SExtInst>(c))
        r = sub(0).signExtend(bw);
      else if (llvm::isa<ZExtInst>(c))
        r = sub(0).zeroExtend(bw);
      else if (llvm::isa<TruncInst>(c))
        r = sub(0).truncate(bw);
    } else if (auto *bo = dyn_cast<BinaryOperator>(v)) {
      switch (bo->getOpcode()) {
      case Instruction::Add: case Instruction::Sub: case Instruction::Mul:
      case Instruction::Shl: case Instruction::LShr: case Instruction::AShr:
      case Instruction::And: case Instruction::Or:
        r = sub(0).binaryOp(bo->getOpcode(), sub(1));
        break;
      default:
        break;
      }
    } else if (llvm::isa<SelectInst>(v)) {
      r = sub(1).unionWith(sub(2), ConstantRange::Signed);
    } else if (auto *phi = dyn_cast<PHINode>(v)) {
      r = ConstantRange::getEmpty(bw);
      for (const Use &u : phi->incoming_values())
        r = r.unionWith(irRange(u.get(), memo, depth + 1), ConstantRange::Signed);
    }
    r = r.intersectWith(base, ConstantRange::Signed);
    memo.insert_or_assign(v, r);
    return r;
  }
  Error lowerAdjust(CallInst *call, BasicBlock *bb, bool head) {
    const char *fn = head ? "bpf_xdp_adjust_head" : "bpf_xdp_adjust_tail";
    auto *k = dyn_cast<ConstantInt>(call->getArgOperand(1));
    // A variable delta: ADJH/ADJT check the kernel's limits on the value at
    // run time (docs/stage-isa.md)
    int deltaNode = -1;
    if (!k) {
      auto x = val(call->getArgOperand(1));
      if (!x)
        return x.takeError();
      deltaNode = *x;
    }
    int64_t delta = k ? int32_t(uint32_t(k->getZExtValue())) : 0;
    int64_t minDelta = delta, maxDelta = delta;
    if (!k) {
      // the kernel reads the delta as an int: the least value of its low
      // 32 bits, from the IR's known bits and ranges
      Value *dv = call->getArgOperand(1);
      std::map<const Value *, ConstantRange> memo;
      ConstantRange cr = irRange(dv, memo, 0);
      int64_t crMin = cr.getSignedMin().getSExtValue(), crMax = cr.getSignedMax().getSExtValue();
      KnownBits kb = computeKnownBits(dv, DL);
      if (kb.getBitWidth() > 32)
        kb = kb.trunc(32);
      minDelta = kb.getSignedMinValue().getSExtValue();
      maxDelta = kb.getSignedMaxValue().getSExtValue();
      if (crMin >= INT32_MIN && crMax <= INT32_MAX) {  // the low 32 bits are the value
        minDelta = std::max(minDelta, crMin);
        maxDelta = std::min(maxDelta, crMax);
      }
      // the micro-ops' own bound (through the if-converted selections):
      // below 2^31 unsigned is not negative
      if (maxValue(deltaNode) <= 0x7fffffffu) {
        minDelta = std::max<int64_t>(minDelta, 0);
        maxDelta = std::min<int64_t>(maxDelta, int64_t(maxValue(deltaNode)));
      }
    }
    if (head) {
      // the kernel's test run allows more headroom than the NIC has: a call
      // that may take more than the NIC's headroom would fail here only
      int64_t total = minDelta;
      for (const Adjust &a : adjusts)
        if (a.head && DT.dominates(a.call, call))
          total += a.minDelta;
      if (total < -int64_t(T.headroomBytes)) {
        if (k)
          return fail(call, fmt::format("{}({}) grows the head by {} bytes, the target has {} "
                                        "bytes of headroom", fn, delta, -total, T.headroomBytes));
        return fail(call, fmt::format("{} with a variable delta that may be as low as {} may grow "
                                      "the head by up to {} bytes, the target has {} bytes of "
                                      "headroom: check the delta against its bound before the "
                                      "call", fn, minDelta, -total, T.headroomBytes));
      }
    }
    PVal g = blockPred[bb];
    Node n;
    n.op = head ? Op::ADJH : Op::ADJT, n.res = Res::Slot;
    if (deltaNode >= 0)
      n.b = deltaNode;
    else
      n.bi = true, n.imm = uint32_t(delta);
    n.guard = g.node, n.gn = g.neg;
    if (!stateChain.empty())
      n.after.push_back(stateChain.back());
    int id = add(n);
    stateChain.push_back(id);
    roots.push_back(id);
    vals[call] = id;
    sext32.insert(call);
    adjusts.push_back({call, delta, head, deltaNode, minDelta, maxDelta});
    return Error::success();
  }
  // A packet word at a constant offset as a load there would see it.
  Expected<int> packetBytes(int64_t off, unsigned bytes, BasicBlock *bb) {
    if (bytes == 3) {
      auto lo = packetBytes(off, 2, bb);
      if (!lo)
        return lo.takeError();
      auto hi = packetBytes(off + 2, 1, bb);
      if (!hi)
        return hi.takeError();
      return alu(Op::OR, *lo, alu(Op::LSH, *hi, constant(16)), true);
    }
    uint32_t code = bytes == 1 ? 0 : bytes == 2 ? 1 : 2;
    bool inWindow = off >= 0 && off + bytes <= T.headerWindowBytes;
    if (!inWindow && !coveredByStores(-1, off, bytes, bb))
      return fail(cur, fmt::format("packet read at offset {} is outside the {}-byte header window",
                                   off, T.headerWindowBytes));
    return forward(inWindow ? extract(0, code, uint32_t(off)) : constant(0), -1, off, bytes, bb);
  }
  // bpf_csum_diff(from, fs, to, ts, seed) over packet bytes at constant
  // offsets and constant sizes: the kernel's order of one's-complement adds
  // (ADDC: 32-bit add with end-around carry), so the sum is bit-exact, then
  // the two folds to 16 bits.
  Error lowerCsumDiff(CallInst *call, BasicBlock *bb) {
    auto *fs = dyn_cast<ConstantInt>(call->getArgOperand(1));
    auto *ts = dyn_cast<ConstantInt>(call->getArgOperand(3));
    if (!fs || !ts)
      return fail(call, "bpf_csum_diff with a variable size is not supported (constant sizes only)");
    auto words = [&](Value *ptr, uint64_t size) -> Expected<std::vector<int>> {
      std::vector<int> w;
      if (size == 0)
        return w;
      if (size > 512)
        return fail(call, fmt::format("bpf_csum_diff over {} bytes is too long for an ADDC chain",
                                      size));
      if (!ptr->getType()->isPointerTy() || ptr->getType()->getPointerAddressSpace() != kPacketAS)
        return fail(call, "bpf_csum_diff over stack memory is not supported yet (packet bytes only)");
      auto p = val(ptr);
      if (!p)
        return p.takeError();
      uint32_t c;
      if (!isConst(*p, &c))
        return fail(call, "bpf_csum_diff over packet bytes at a variable offset is not supported yet");
      for (uint64_t i = 0; i < size; i += 4) {
        auto x = packetBytes(int32_t(c) + int64_t(i), unsigned(std::min<uint64_t>(4, size - i)), bb);
        if (!x)
          return x.takeError();
        w.push_back(*x);
      }
      return w;
    };
    auto from = words(call->getArgOperand(0), fs->getZExtValue());
    if (!from)
      return from.takeError();
    auto to = words(call->getArgOperand(2), ts->getZExtValue());
    if (!to)
      return to.takeError();
    if (!fits32(call->getArgOperand(4)))
      return fail(call, "bpf_csum_diff with a 64-bit seed is not supported");
    auto seed = val(call->getArgOperand(4));
    if (!seed)
      return seed.takeError();
    // A chain of ADDCs is 0 iff every input is 0 and otherwise the value in
    // [1, 2^32-1] congruent to the sum modulo 2^32-1, in any order: so
    // constants fold into one and the rest is a balanced tree, bit-exact.
    auto chain = [&](int sum, const std::vector<int> &ws) {
      std::vector<int> xs;
      uint64_t c = 0;
      bool anyConst = false;
      std::vector<int> all = {sum};
      all.insert(all.end(), ws.begin(), ws.end());
      for (int w : all) {
        uint32_t k;
        if (isConst(w, &k)) {
          uint64_t t = c + k;
          c = (t & 0xffffffffu) + (t >> 32);
          anyConst = true;
        } else {
          xs.push_back(w);
        }
      }
      if (anyConst && (c != 0 || xs.empty()))
        xs.push_back(constant(uint32_t(c)));
      while (xs.size() > 1) {
        std::vector<int> n;
        for (size_t i = 0; i + 1 < xs.size(); i += 2)
          n.push_back(alu(Op::ADDC, xs[i], xs[i + 1], true));
        if (xs.size() % 2)
          n.push_back(xs.back());
        xs = std::move(n);
      }
      return xs[0];
    };
    int sum = *seed;
    if (!from->empty() && !to->empty())
      sum = alu(Op::ADDC, chain(sum, *to), alu(Op::XOR, chain(constant(0), *from),
                                                constant(0xffffffffu)), true);
    else if (!to->empty())
      sum = chain(sum, *to);
    else if (!from->empty())
      sum = alu(Op::XOR, chain(alu(Op::XOR, sum, constant(0xffffffffu)), *from),
                constant(0xffffffffu));
    for (int k = 0; k < 2; ++k)
      sum = alu(Op::ADD, alu(Op::AND, sum, constant(0xffff)), alu(Op::RSH, sum, constant(16)), true);
    vals[call] = sum;
    fitSet.insert(call);
    return Error::success();
  }

  Error lowerRedirect(CallInst *call, BasicBlock *bb) {
    auto *flags = dyn_cast<ConstantInt>(call->getArgOperand(1));
    if (!flags)
      return fail(call, "bpf_redirect with variable flags is not supported (constant flags only)");
    if (!flags->isZero()) {
      vals[call] = constant(0);  // the kernel: XDP_ABORTED for any flag
      return Error::success();
    }
    auto x = val(call->getArgOperand(0));
    if (!x)
      return x.takeError();
    PVal g = blockPred[bb];
    Node n;
    n.op = Op::REDIR, n.res = Res::Redirect, n.guard = g.node, n.gn = g.neg;
    if (isConst(*x))
      n.bi = true, n.imm = nodes[*x].value;
    else
      n.b = *x;
    if (!stateChain.empty())
      n.after.push_back(stateChain.back());
    int id = add(n);
    stateChain.push_back(id);
    roots.push_back(id);
    vals[call] = constant(4);  // XDP_REDIRECT
    return Error::success();
  }

  Error lowerPhi(PHINode *phi, BasicBlock *bb) {
    // group incoming edges by value
    bool boolean = phi->getType()->isIntegerTy(1);
    std::vector<std::pair<Value *, std::vector<PVal>>> groups;
    std::map<Value *, std::vector<BasicBlock *>> groupBlocks;
    for (unsigned k = 0; k < phi->getNumIncomingValues(); ++k) {
      Value *v = phi->getIncomingValue(k);
      BasicBlock *p = phi->getIncomingBlock(k);
      if (!blockPred.count(p))
        continue;  // unreachable predecessor
      PVal e = relEdge(p, bb);  // the phi's value matters only when bb runs
      cur = phi;
      groupBlocks[v].push_back(p);
      auto it = std::find_if(groups.begin(), groups.end(), [&](auto &g) { return g.first == v; });
      if (it == groups.end())
        groups.push_back({v, {e}});
      else
        it->second.push_back(e);
    }
    if (boolean) {
      std::vector<PVal> terms;
      for (auto &[v, es] : groups) {
        auto x = pval(v);
        if (!x)
          return x.takeError();
        terms.push_back(pand(porTree(es), *x));
      }
      pvals[phi] = porTree(terms);
      return Error::success();
    }
    std::vector<std::pair<int, PVal>> g;
    std::vector<int> ghi;  // a 64-bit phi: the high halves
    bool wide = phi->getType()->isIntegerTy(64) && (!fits32(phi) || hasWideOperand(*phi));
    for (auto &[v, es] : groups) {
      int lo;
      if (wide) {
        auto x = val64(v);
        if (!x)
          return x.takeError();
        lo = x->first;
        ghi.push_back(x->second);
      } else {
        auto x = val(v);
        if (!x)
          return x.takeError();
        lo = *x;
      }
      g.push_back({lo, PVal{-1, true}});
      g.back().second = porTree(es);
    }
    if (g.empty())
      return fail(phi, "phi without reachable predecessors");
    // Two values whose edges come from the two sides of one branch (the
    // nearest common dominator's): that branch's own condition selects,
    // not the edges' predicates (the protocol byte's offset, 9 after the
    // IPv4 checks or 6 after the IPv6 ones, selected by the EtherType test
    // instead of the end of the IPv4 checks)
    if (groups.size() == 2) {
      BasicBlock *d = nullptr;
      for (auto &[v, bs] : groupBlocks)
        for (BasicBlock *b : bs)
          d = d ? DT.findNearestCommonDominator(d, b) : b;
      Instruction *term = d ? d->getTerminator() : nullptr;
      if (term && (llvm::isa<SwitchInst>(term) ||
                   (llvm::isa<BranchInst>(term) && cast<BranchInst>(term)->isConditional()))) {
        // the successor of d whose edge dominates every block of the group
        auto side = [&](Value *v) -> BasicBlock * {
          for (unsigned k = 0; k < term->getNumSuccessors(); ++k) {
            BasicBlock *sx = term->getSuccessor(k);
            bool all = true;
            for (BasicBlock *b : groupBlocks[v])
              all = all && DT.dominates(BasicBlockEdge(d, sx), b);
            if (all)
              return sx;
          }
          return nullptr;
        };
        BasicBlock *s0 = side(groups[0].first), *s1 = side(groups[1].first);
        if (s0 && s1 && s0 != s1) {
          cur = phi;
          PVal c = edgeCond(d, s0);
          vals[phi] = select(c, g[0].first, g[1].first);
          if (wide)
            setWide(phi, vals[phi], select(c, ghi[0], ghi[1]));
          return Error::success();
        }
      }
    }
    // The value on most edges (3 or more: an OR tree of 2 levels or more)
    // is the default, last: its OR is never needed. classify()'s key is
    // IDX_RUNT from 8 edges (every failed bounds check): the other values
    // under their own edges instead of 257 under the OR of the 8.
    {
      size_t m = 0;
      for (size_t k = 1; k < groups.size(); ++k)
        if (groups[k].second.size() > groups[m].second.size())
          m = k;
      if (groups[m].second.size() >= 3 && m + 1 < g.size()) {
        std::rotate(g.begin() + long(m), g.begin() + long(m) + 1, g.end());
        if (wide)
          std::rotate(ghi.begin() + long(m), ghi.begin() + long(m) + 1, ghi.end());
      }
      // and the others as a chain, the latest-ready predicate (or value)
      // outermost: the SEL on the late condition is the last one
      if (groups[m].second.size() >= 3 && g.size() > 2) {
        std::map<int, int> memo;
        std::vector<size_t> order(g.size() - 1);
        std::vector<int> ready(g.size() - 1);
        for (size_t k = 0; k + 1 < g.size(); ++k)
          order[k] = k, ready[k] = std::max(readyEstimate(g[k].second.node, memo),
                                            readyEstimate(g[k].first, memo));
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return ready[a] > ready[b]; });
        std::vector<std::pair<int, PVal>> g2;
        std::vector<int> ghi2;
        for (size_t k : order) {
          g2.push_back(g[k]);
          if (wide)
            ghi2.push_back(ghi[k]);
        }
        g2.push_back(g.back());
        if (wide)
          ghi2.push_back(ghi.back());
        g = std::move(g2), ghi = std::move(ghi2);
        std::function<int(size_t)> chain = [&](size_t k) -> int {
          return k + 1 == g.size() ? g[k].first : select(g[k].second, g[k].first, chain(k + 1));
        };
        vals[phi] = chain(0);
        if (wide) {
          for (size_t k = 0; k < g.size(); ++k)
            g[k].first = ghi[k];
          setWide(phi, vals[phi], chain(0));
        }
        return Error::success();
      }
    }
    // balanced SEL tree; the last group needs no predicate
    std::function<int(size_t, size_t)> tree = [&](size_t lo, size_t hi) -> int {
      if (hi - lo == 1)
        return g[lo].first;
      size_t mid = (lo + hi) / 2;
      std::vector<PVal> left;
      for (size_t k = lo; k < mid; ++k)
        left.push_back(g[k].second);
      PVal pl = porTree(left);
      return select(pl, tree(lo, mid), tree(mid, hi));
    };
    vals[phi] = tree(0, g.size());
    if (wide) {
      for (size_t k = 0; k < g.size(); ++k)
        g[k].first = ghi[k];
      setWide(phi, vals[phi], tree(0, g.size()));
    }
    return Error::success();
  }

  Error lowerRet(ReturnInst *ret, BasicBlock *bb) {
    PVal bp = blockPred[bb];
    if (bp.isFalse())
      return Error::success();
    Value *rv = ret->getReturnValue();
    auto setv = [&](int v, PVal g) {
      Node n;
      n.op = Op::SETV, n.res = Res::Verdict, n.guard = g.node, n.gn = g.neg;
      if (isConst(v))
        n.bi = true, n.imm = nodes[v].value;
      else
        n.b = v;
      int id = add(n);
      roots.push_back(id);
      return id;
    };
    auto *phi = dyn_cast_or_null<PHINode>(rv);
    // an incoming value that lowered to a constant (e.g. bpf_redirect's
    // XDP_REDIRECT) counts as one
    auto constOf = [&](Value *v) -> std::optional<uint32_t> {
      if (auto *k = dyn_cast<ConstantInt>(v))
        return uint32_t(k->getZExtValue());
      auto it = vals.find(v);
      uint32_t c;
      if (it != vals.end() && isConst(it->second, &c))
        return c;
      return std::nullopt;
    };
    // an incoming phi of constants in a block that only branches here (a
    // sunk common tail, such as the map update that several `return
    // count(STAT, ACTION)` share): its incoming edges count as the outer
    // phi's, each with its constant
    auto innerPhi = [&](Value *v, BasicBlock *p) -> PHINode * {
      auto *q = dyn_cast<PHINode>(v);
      auto *br = dyn_cast<BranchInst>(p->getTerminator());
      if (!q || q->getParent() != p || !br || !br->isUnconditional() ||
          !std::all_of(q->incoming_values().begin(), q->incoming_values().end(),
                       [&](Value *x) { return constOf(x).has_value(); }))
        return nullptr;
      return q;
    };
    auto constOrInner = [&]() {
      for (unsigned k = 0; k < phi->getNumIncomingValues(); ++k) {
        Value *v = phi->getIncomingValue(k);
        if (!constOf(v) && !innerPhi(v, phi->getIncomingBlock(k)))
          return false;
      }
      return true;
    };
    if (phi && phi->getParent() == bb && constOrInner()) {
      // one SETV per returned constant: the most frequent first, unguarded by
      // its edges; the others, each under the OR of its edges, after it.
      // The edges into here (directly or through an inner phi's block), by
      // the block they leave: a block all of whose edges return one
      // constant is one source, under its block predicate (count()'s found
      // and not-found edges of one call site return the same action: the
      // verdict does not wait for the lookup)
      struct In {
        BasicBlock *from, *to;
        uint32_t v;
      };
      std::vector<In> ins;
      std::set<BasicBlock *> via;  // blocks of inner phis
      for (unsigned k = 0; k < phi->getNumIncomingValues(); ++k) {
        BasicBlock *p = phi->getIncomingBlock(k);
        Value *x = phi->getIncomingValue(k);
        if (auto c = constOf(x)) {
          ins.push_back({p, bb, *c});
        } else {
          PHINode *q = innerPhi(x, p);
          via.insert(p);
          for (unsigned j = 0; j < q->getNumIncomingValues(); ++j)
            ins.push_back({q->getIncomingBlock(j), p, *constOf(q->getIncomingValue(j))});
        }
      }
      std::map<BasicBlock *, std::optional<uint32_t>> whole;  // source -> its one constant
      for (const In &in : ins) {
        // (a block with one edge keeps it: the edge's own rules below)
        if (!blockPred.count(in.from) || via.count(in.from) || succ_size(in.from) < 2)
          continue;
        bool all = true;
        for (BasicBlock *sx : successors(in.from))
          all = all && (sx == bb || via.count(sx));
        for (const In &o : ins)
          all = all && (o.from != in.from || o.v == in.v);
        if (all)
          whole[in.from] = in.v;
      }
      std::map<uint32_t, std::vector<PVal>> groups;
      std::set<BasicBlock *> wholeDone;
      for (const In &in : ins) {
        BasicBlock *p = in.from;
        if (!blockPred.count(p) || (via.count(p) && in.to == bb))
          continue;
        if (whole.count(p)) {
          if (wholeDone.insert(p).second)
            groups[in.v].push_back(blockPred[p]);
          continue;
        }
        PVal e = edge(p, in.to);
        uint32_t v = in.v;
        // an edge from a block that only branches here, whose predicate is
        // the OR of its own incoming edges: one SETV per such edge instead
        // (no OR tree before the SETV)
        auto *br = dyn_cast<BranchInst>(p->getTerminator());
        if (in.to == bb && br && br->isUnconditional() && orEdges.count(p) &&
            orEdges[p].size() > 1) {
          for (PVal pe : orEdges[p])
            groups[v].push_back(pe);
          continue;
        }
        groups[v].push_back(e);
      }
      cur = ret;
      uint32_t best = 0;
      size_t bestN = 0;
      for (auto &[v, es] : groups)
        if (es.size() > bestN)
          best = v, bestN = es.size();
      int first = setv(constant(best), bp);
      // one SETV per edge (as the hand schedule does): the edges are
      // exclusive, so their order does not matter, and no OR tree lengthens
      // the critical path; one verdict writer per stage is the scheduler's
      for (auto &[v, es] : groups) {
        if (v == best)
          continue;
        for (PVal e : es) {
          if (e.isFalse())
            continue;
          int id = setv(constant(v), e);
          nodes[id].after.push_back(first);
        }
      }
      return Error::success();
    }
    auto v = val(rv);
    if (!v)
      return v.takeError();
    setv(*v, bp);
    return Error::success();
  }

  Error lower() {
    ReversePostOrderTraversal<Function *> rpo(&F);
    // map operations first: what the datapath cannot do is refused before the rest
    if (auto e = mapPrepass())
      return e;
    for (BasicBlock *bb : rpo) {
      // block predicate
      cur = bb->getFirstNonPHI();
      if (bb == &F.getEntryBlock()) {
        blockPred[bb] = PVal{};
      } else {
        auto *idom = DT.getNode(bb) ? DT.getNode(bb)->getIDom() : nullptr;
        if (idom && PDT.dominates(bb, idom->getBlock()) && blockPred.count(idom->getBlock())) {
          blockPred[bb] = blockPred[idom->getBlock()];
        } else {
          std::vector<PVal> es;
          std::set<BasicBlock *> seen;
          for (BasicBlock *p : predecessors(bb))
            if (blockPred.count(p) && seen.insert(p).second)
              es.push_back(edge(p, bb));
          cur = bb->getFirstNonPHI();
          blockPred[bb] = porTree(es);
          orEdges[bb] = es;
        }
      }
      for (Instruction &i : *bb)
        if (auto e = lowerInst(i, bb))
          return e;
    }
    finishMaps();
    finishRedirectMaps();  // DevmapOps.inc
    return Error::success();
  }

  // ---- schedule ----
  struct Placed {
    int node;
    int aSlot = -1, bSlot = -1;
    int stage, lane;
    bool isMove = false;
    int moveSrc = -1;  // MOV: source slot
    int moveDst = -1;
  };
  std::vector<Placed> placed;
  std::vector<int> slotOwner;  // node holding the slot, -1 free
  std::vector<bool> slotEverUsed;
  std::vector<int> predOwner;
  std::vector<bool> predEverUsed;
  unsigned moves = 0, usedStages = 0, criticalPath = 0;
  bool exhausted = false;  ///< schedule() stopped: predicates or slots ran out
  bool beyondBound = false;  ///< refused: the lower bound exceeds the target's stages

  int bank(int slot) const { return int(T.bankOf(unsigned(slot))); }
  static bool isDiv(Op op) { return op == Op::DIV || op == Op::MOD || op == Op::SDIV || op == Op::SMOD; }
  int latency(int n) const {
    const Node &x = nodes[n];
    if (x.kind == Kind::Op && isMapOp(x.op))
      return int(mapLatency());
    return x.kind == Kind::Op && isDiv(x.op) ? int(T.unitLatencyStages("div")) : 1;
  }
  bool reads(int lane, int slot) const { return T.laneReads(unsigned(lane), unsigned(slot)); }

  int freeSlot(int lane) {
    unsigned bs = T.bankSlots();
    // prefer slots that were used before (keep never-used ones for constants)
    int fresh = -1;
    for (unsigned k = 0; k < bs; ++k) {
      int s = int(lane * bs + (bs - 1 - k));
      if (slotOwner[s] >= 0)
        continue;
      if (slotEverUsed[s])
        return s;
      if (fresh < 0)
        fresh = s;
    }
    return fresh;
  }
  int freePred() {
    // one written before if any (never-written ones serve fresh-found
    // lookups), else the lowest
    int fresh = -1;
    for (unsigned p = 1; p < T.predicates; ++p)
      if (predOwner[p] < 0) {
        if (predEverUsed[p])
          return int(p);
        if (fresh < 0)
          fresh = int(p);
      }
    return fresh;
  }
  // The predicate for node n: freePred's, or for a fresh MAPLK one
  // never written before in the packet (the highest such).
  int freePredFor(int n) {
    if (!nodes[n].freshPred)
      return freePred();
    for (unsigned p = T.predicates; p-- > 1;)
      if (predOwner[p] < 0 && !predEverUsed[p])
        return int(p);
    return -1;
  }
  // Whether placing n frees a predicate it may write itself: one of its
  // operands' (or its guard's) predicates whose last reader n is. A
  // micro-op's write lands after its stage's reads (the ISA's parallel
  // stage), so `PLUT x, y` may write x's predicate: an OR or AND tree at
  // full predicate pressure needs no free predicate to combine two leaves.
  bool freesPred(int n) const {
    if (nodes[n].freshPred)
      return false;
    std::vector<int> d = nodes[n].deps();
    for (int x : d) {
      const Node &o = nodes[x];
      if (o.pred > 0 && predOwner[o.pred] == x && o.users == int(std::count(d.begin(), d.end(), x)))
        return true;
    }
    return false;
  }
  // a readable copy of node n for lane l at stage s (allocating a const slot)
  int readable(int n, int lane, int s, bool allocate) {
    for (const Copy &c : nodes[n].copies)
      if (c.avail <= s && reads(lane, c.slot))
        return c.slot;
    if (nodes[n].kind == Kind::Const && allocate) {
      for (unsigned k = 0; k < T.slots; ++k)
        if (reads(lane, int(k)) && !slotEverUsed[k] && slotOwner[k] < 0) {
          slotEverUsed[k] = true;
          slotOwner[k] = n;
          nodes[n].copies.push_back({int(k), 0});
          return int(k);
        }
    }
    return -1;
  }
  // W ops read their own bank only
  static bool isW(const Node &x) { return x.kind == Kind::Op && x.op == Op::VLD && x.vsize == 3; }
  bool readsFor(const Node &x, int lane, int slot) const {
    return isW(x) ? bank(slot) == lane : reads(lane, slot);
  }
  int readableFor(const Node &x, int n, int lane, int s, bool allocate) {
    if (!isW(x))
      return readable(n, lane, s, allocate);
    for (const Copy &c : nodes[n].copies)
      if (c.avail <= s && bank(c.slot) == lane)
        return c.slot;
    if (nodes[n].kind == Kind::Const && allocate)
      for (unsigned k = 0; k < T.bankSlots(); ++k) {
        int sl = int(lane * T.bankSlots() + k);
        if (!slotEverUsed[sl] && slotOwner[sl] < 0) {
          slotEverUsed[sl] = true, slotOwner[sl] = n;
          nodes[n].copies.push_back({sl, 0});
          return sl;
        }
      }
    return -1;
  }
  bool canReadFor(const Node &x, int n, int lane, int s) {
    if (!isW(x))
      return canRead(n, lane, s);
    if (readableFor(x, n, lane, s, false) >= 0)
      return true;
    if (nodes[n].kind == Kind::Const)
      for (unsigned k = 0; k < T.bankSlots(); ++k) {
        int sl = int(lane * T.bankSlots() + k);
        if (!slotEverUsed[sl] && slotOwner[sl] < 0)
          return true;
      }
    return false;
  }
  // a slot index free in both banks of the pair (lane, lane + 1)
  int freePairSlot(int lane) {
    unsigned bs = T.bankSlots();
    int fresh = -1;
    for (unsigned k = 0; k < bs; ++k) {
      int lo = int(lane * bs + (bs - 1 - k)), hi = lo + int(bs);
      if (slotOwner[lo] >= 0 || slotOwner[hi] >= 0)
        continue;
      if (slotEverUsed[lo] && slotEverUsed[hi])
        return lo;
      if (fresh < 0)
        fresh = lo;
    }
    return fresh;
  }
  bool canRead(int n, int lane, int s) {
    if (readable(n, lane, s, false) >= 0)
      return true;
    if (nodes[n].kind == Kind::Const)
      for (unsigned k = 0; k < T.slots; ++k)
        if (reads(lane, int(k)) && !slotEverUsed[k] && slotOwner[k] < 0)
          return true;
    return false;
  }
  void release(int n) {
    Node &x = nodes[n];
    if (--x.users > 0)
      return;
    if (x.kind == Kind::Const)
      return;  // constants keep their slots (initial values)
    for (const Copy &c : x.copies)
      if (slotOwner[c.slot] == n)
        slotOwner[c.slot] = -1;
    if (x.pred > 0 && predOwner[x.pred] == n)
      predOwner[x.pred] = -1;
  }
  int vreadPeriod() const {
    auto &v = T.vreadStages;
    return v.size() < 2 ? 1 : int(v[1] - v[0]);
  }
  bool vreadAt(int s) const {
    if (unsigned(s) < T.stages)
      return T.hasVread(unsigned(s), T.vreadLane);
    auto &v = T.vreadStages;
    if (v.size() < 2)
      return !v.empty() && (unsigned(s) - v.back()) % 4 == 0;
    unsigned period = v[1] - v[0];
    return (unsigned(s) - v[0]) % period == 0;
  }

  // Unguarded VLDs of one base within 4 bytes become one 4-byte VLD and
  // RSH/AND extractions (VLD ports are scarce: one lane every few stages).
  void mergeVlds() {
    std::map<int, std::vector<int>> byBase;
    for (int n = 0; n < int(nodes.size()); ++n) {
      const Node &x = nodes[n];
      if (x.kind == Kind::Op && x.op == Op::VLD && x.guard < 0 && !x.gn && x.vsize < 2)
        byBase[x.a].push_back(n);
    }
    for (auto &[base, list] : byBase) {
      std::vector<bool> done(list.size(), false);
      for (size_t i = 0; i < list.size(); ++i) {
        if (done[i])
          continue;
        std::vector<int> group = {list[i]};
        uint32_t lo = nodes[list[i]].imm, hi = lo + (1u << nodes[list[i]].vsize);
        for (size_t j = i + 1; j < list.size(); ++j) {
          if (done[j])
            continue;
          uint32_t o = nodes[list[j]].imm, e = o + (1u << nodes[list[j]].vsize);
          uint32_t nlo = std::min(lo, o), nhi = std::max(hi, e);
          if (nhi - nlo <= 8 && maxValue(base) + nlo + (nhi - nlo <= 4 ? 4 : 8) <= T.headerWindowBytes) {
            group.push_back(list[j]), lo = nlo, hi = nhi, done[j] = true;
          }
        }
        if (group.size() < 2)
          continue;
        // the wide read is a new node; every member becomes its extraction
        Node w = nodes[group[0]];
        bool pair = hi - lo > 4;
        w.imm = lo, w.vsize = pair ? 3 : 2;
        nodes.push_back(w);
        int wide = int(nodes.size()) - 1;
        int high = -1;
        if (pair) {
          Node h;
          h.kind = Kind::Op, h.op = Op::PAIR, h.res = Res::Slot, h.isHigh = true, h.hi = wide;
          h.origin = w.origin;
          nodes.push_back(h);
          high = int(nodes.size()) - 1;
          nodes[wide].hi = high;
        }
        for (int m : group) {
          uint32_t off = nodes[m].imm, bytes = 1u << nodes[m].vsize;
          const Instruction *origin = nodes[m].origin;
          if (pair && off - lo + bytes > 4) {
            Node &x = nodes[m];
            uint32_t o = off - lo, mask = bytes >= 4 ? 0xffffffffu : (1u << (8 * bytes)) - 1;
            if (o >= 4) {
              // entirely in the high half
              int v = high;
              if (o != 4) {
                Node r;
                r.op = Op::RSH, r.res = Res::Slot, r.a = high, r.bi = true, r.imm = 8 * (o - 4);
                r.origin = origin;
                nodes.push_back(r);
                v = int(nodes.size()) - 1;
              }
              x.a = v, x.vsize = 0, x.bi = true, x.guard = -1, x.gn = false;
              if (o - 4 + bytes < 4)
                x.op = Op::AND, x.imm = mask;
              else
                x.op = Op::MOV, x.a = -1, x.bi = false, x.b = v, x.imm = 0;
            } else {
              // straddles the halves: (lo >> 8o) | (hi << (32 - 8o)), masked
              Node r;
              r.op = Op::RSH, r.res = Res::Slot, r.a = wide, r.bi = true, r.imm = 8 * o;
              r.origin = origin;
              nodes.push_back(r);
              int lo8 = int(nodes.size()) - 1;
              Node l;
              l.op = Op::LSH, l.res = Res::Slot, l.a = high, l.bi = true, l.imm = 32 - 8 * o;
              l.origin = origin;
              nodes.push_back(l);
              int hi8 = int(nodes.size()) - 1;
              Node orr;
              orr.op = Op::OR, orr.res = Res::Slot, orr.a = lo8, orr.b = hi8;
              orr.origin = origin;
              nodes.push_back(orr);
              int v = int(nodes.size()) - 1;
              Node &y = nodes[m];
              y.a = v, y.vsize = 0, y.bi = true, y.guard = -1, y.gn = false;
              if (bytes < 4)
                y.op = Op::AND, y.imm = mask;
              else
                y.op = Op::MOV, y.a = -1, y.bi = false, y.b = v, y.imm = 0;
            }
            continue;
          }
          int v = wide;
          if (off != lo) {
            Node r;
            r.op = Op::RSH, r.res = Res::Slot, r.a = v, r.bi = true, r.imm = 8 * (off - lo);
            r.origin = origin;
            nodes.push_back(r);
            v = int(nodes.size()) - 1;
          }
          // m itself becomes the mask (or a move) of the shifted word: its
          // users keep their references
          Node &x = nodes[m];
          x.a = v, x.vsize = 0, x.imm = 0, x.bi = true;
          if (off - lo + bytes < 4) {
            x.op = Op::AND, x.imm = (1u << (8 * bytes)) - 1;
          } else {
            x.op = Op::MOV, x.a = -1, x.bi = false, x.b = v;
          }
        }
      }
    }
  }

  // Unguarded MOVs (whole-word extractions of merged VLDs) are no work:
  // their users read the source instead.
  void propagateCopies() {
    std::vector<int> to(nodes.size());
    for (int n = 0; n < int(nodes.size()); ++n)
      to[n] = n;
    auto root = [&](int n) {
      while (n >= 0 && nodes[n].kind == Kind::Op && nodes[n].op == Op::MOV && !nodes[n].bi &&
             nodes[n].b >= 0 && nodes[n].guard < 0 && !nodes[n].gn)
        n = nodes[n].b;
      return n;
    };
    for (auto &x : nodes) {
      for (int *r : {&x.a, &x.sel, &x.pa, &x.pb, &x.guard})
        if (*r >= 0)
          *r = root(*r);
      if (!x.bi && x.b >= 0)
        x.b = root(x.b);
      for (int &d : x.after)
        d = root(d);
    }
    for (auto &st : stores) {
      st.value = root(st.value);
      if (st.base >= 0)
        st.base = root(st.base);
    }
    for (int &r : roots)
      r = root(r);
  }

  // A bit test of a shifted or masked value tests the value itself (the
  // extractions that mergeVlds made, or that the program wrote): JSET
  // (y >> k), m is JSET y, m << k when no bit of m is shifted out; JSET
  // (y & M), m is JSET y, m & M.
  void foldBitTests() {
    for (auto &x : nodes) {
      if (x.kind != Kind::Op || x.op != Op::JSET || !x.bi)
        continue;
      for (int k = 0; k < 8; ++k) {
        const Node &y = nodes[x.a];
        if (y.kind != Kind::Op || !y.bi || y.guard >= 0 || y.gn)
          break;
        if (y.op == Op::RSH && y.imm < 32 && ((uint64_t(x.imm) << y.imm) >> 32) == 0)
          x.imm <<= y.imm, x.a = y.a;
        else if (y.op == Op::AND)
          x.imm &= y.imm, x.a = y.a;
        else
          break;
      }
    }
  }

  // A compare guarded by an AND of two predicates, the later of which is
  // ready after the compare's operands: guard the compare by the earlier one
  // and AND the later one in after it (same micro-op count, one stage less
  // on the path of the late predicate): [x & !y] cmp = ([x] cmp) & !y.
  void hoistGuards() {
    std::vector<int> early(nodes.size(), -1);
    std::function<int(int)> at = [&](int n) -> int {
      if (n < 0 || nodes[n].kind != Kind::Op)
        return 0;
      if (early[n] >= 0)
        return early[n];
      int e = 0;
      for (int d : nodes[n].deps())
        if (nodes[d].kind == Kind::Op)
          e = std::max(e, at(d) + latency(d));
      if (nodes[n].op == Op::VLD)
        while (e < 4096 && !vreadAt(e))
          ++e;
      return early[n] = e;
    };
    // uses by the nodes that reach a side effect
    std::vector<char> reach(nodes.size(), 0);
    std::vector<int> stack = roots;
    for (auto &st : stores)
      stack.push_back(st.node);
    while (!stack.empty()) {
      int n = stack.back();
      stack.pop_back();
      if (reach[n])
        continue;
      reach[n] = 1;
      for (int d : nodes[n].deps())
        stack.push_back(d);
      if (nodes[n].isHigh)
        stack.push_back(nodes[n].hi);
    }
    std::vector<int> uses(nodes.size(), 0);
    for (size_t n = 0; n < nodes.size(); ++n)
      if (reach[n])
        for (int d : nodes[n].deps())
          uses[d]++;
    size_t count = nodes.size();
    for (size_t n = 0; n < count; ++n) {
      Node x = nodes[n];
      if (!reach[n] || x.kind != Kind::Op || x.res != Res::Pred || x.op == Op::PLUT ||
          x.guard < 0 || x.gn)
        continue;
      const Node g = nodes[x.guard];
      if (g.kind != Kind::Op || g.op != Op::PLUT || g.guard >= 0 || g.pa < 0 || g.pb < 0 ||
          uses[x.guard] != 1)
        continue;
      // g = (pa == va) && (pb == vb): a truth table with one bit set
      uint32_t t = g.imm & 15;
      if (!t || (t & (t - 1)))
        continue;
      unsigned bit = __builtin_ctz(t);
      bool va = bit & 1, vb = bit & 2;
      int ops = 0;
      for (int o : {x.a, x.bi ? -1 : x.b})
        if (o >= 0)
          ops = std::max(ops, at(o) + (nodes[o].kind == Kind::Op ? latency(o) : 0));
      int ea = at(g.pa) + 1, eb = at(g.pb) + 1;
      // keep the earlier input as the guard, the later one ANDed after
      int keep = ea <= eb ? g.pa : g.pb, late = ea <= eb ? g.pb : g.pa;
      bool vk = ea <= eb ? va : vb, vl = ea <= eb ? vb : va;
      int elate = std::max(ea, eb);
      if (elate <= std::max(ops, std::min(ea, eb)))
        continue;
      Node c = x;
      c.guard = keep, c.gn = !vk;
      c.origin = x.origin;
      nodes.push_back(c);
      int ci = int(nodes.size()) - 1;
      Node &y = nodes[n];
      y.op = Op::PLUT, y.a = -1, y.b = -1, y.bi = false, y.guard = -1, y.gn = false;
      y.pa = ci, y.pb = late;
      // y = c && (late == vl)
      y.imm = vl ? 8 : 2;
      early.assign(nodes.size(), -1);
    }
  }

  // Before scheduling: merged VLDs, liveness, users, heights.
  std::vector<std::vector<int>> userList;
  bool prepared = false;
  void prepare() {
    if (prepared)
      return;
    prepared = true;
    mergeStores();
    mergeVlds();
    propagateCopies();
    foldBitTests();
    hoistGuards();
    // liveness: nodes reachable from the side effects
    std::vector<int> stack = roots;
    while (!stack.empty()) {
      int n = stack.back();
      stack.pop_back();
      if (nodes[n].live)
        continue;
      nodes[n].live = true;
      for (int d : nodes[n].deps())
        stack.push_back(d);
      if (nodes[n].isHigh)
        stack.push_back(nodes[n].hi);
    }
    for (auto &n : nodes)
      if (n.live)
        for (int d : n.deps())
          nodes[d].users++;
    // heights: longest path to a side effect (over users, memoised)
    userList.assign(nodes.size(), {});
    for (int n = 0; n < int(nodes.size()); ++n)
      if (nodes[n].live) {
        for (int d : nodes[n].deps())
          userList[d].push_back(n);
        if (nodes[n].isHigh)
          userList[nodes[n].hi].push_back(n);
      }
    std::vector<int> memo(nodes.size(), -1);
    std::function<int(int)> height = [&](int n) -> int {
      if (memo[n] >= 0)
        return memo[n];
      // a VLD waits for a port (one every few stages): weigh that in
      int lat = nodes[n].kind != Kind::Op || nodes[n].isHigh ? 0
                : nodes[n].op == Op::VLD                     ? vreadPeriod()
                                                             : latency(n);
      int h = lat;
      for (int u : userList[n])
        h = std::max(h, height(u) + lat);
      return memo[n] = h;
    };
    for (int n = 0; n < int(nodes.size()); ++n)
      if (nodes[n].live)
        nodes[n].height = height(n);
  }

  // The refusal of a program that needs more stages than the target has:
  // the C lines of the critical path, walked back from node `last` along
  // the dependence issued last (`at`: each node's stage).
  Error doesNotFit(int last, unsigned needs, const std::vector<int> &at) {
    std::vector<std::string> lines, cols;
    for (int n = last; n >= 0;) {
      std::string w = where(nodes[n].origin, false);
      if (lines.empty() || lines.back() != w) {
        lines.push_back(w);
        cols.push_back(where(nodes[n].origin));
      }
      int next = -1;
      for (int d : nodes[n].deps())
        if (nodes[d].kind == Kind::Op && (next < 0 || at[d] > at[next]))
          next = d;
      n = next;
    }
    std::reverse(lines.begin(), lines.end());
    std::reverse(cols.begin(), cols.end());
    std::set<std::string> seen;
    std::string list, notes;
    for (size_t k = 0; k < lines.size(); ++k)
      if (seen.insert(lines[k]).second) {
        list += (list.empty() ? "" : ", ") + lines[k];
        notes += fmt::format("\nnote: {}: on the critical path", cols[k]);
      }
    return makeError("{}: error: needs {} stages, target has {} (critical path: {}; lower bound "
                     "{} stages){}",
                     cols.empty() ? "<unknown>" : cols.front(), needs, T.stages, list,
                     criticalPath, notes);
  }

  Error schedule() {
    prepare();
    feedsVld.assign(nodes.size(), false);
    // the address of a VLD and the values that compute it, up the chain
    // (lane 0 reads banks 0 and 1: keeping the chain there needs no MOVs);
    // the even attempts only one level up
    {
      int depthLimit = variant & 2 ? 4 : 1;
      std::vector<std::pair<int, int>> work;
      for (auto &n : nodes)
        if (n.live && n.kind == Kind::Op && n.op == Op::VLD)
          work.push_back({n.a, 0});
      while (!work.empty()) {
        auto [m, d] = work.back();
        work.pop_back();
        if (m < 0 || feedsVld[m])
          continue;
        feedsVld[m] = true;
        const Node &a = nodes[m];
        if (a.kind != Kind::Op || a.op == Op::VLD || d >= depthLimit)
          continue;
        work.push_back({a.a, d + 1});
        if (!a.bi)
          work.push_back({a.b, d + 1});
      }
    }
    slotOwner.assign(T.slots, -1);
    slotEverUsed.assign(T.slots, false);
    predOwner.assign(T.predicates, -1);
    predOwner[0] = -2;
    predEverUsed.assign(T.predicates, false);
    if (auto e = reserveMapSlots())
      return e;
    // extractor entries, spread over the banks
    std::vector<int> fields;
    for (int n = 0; n < int(nodes.size()); ++n)
      if (nodes[n].live && nodes[n].kind == Kind::Extract)
        fields.push_back(n);
    if (fields.size() > T.extractorSlots.size())
      return fail(nodes[fields[T.extractorSlots.size()]].origin,
                  fmt::format("needs {} extractor entries, target has {} (header fields at "
                              "constant offsets and metadata words)",
                              fields.size(), T.extractorSlots.size()));
    storeBank.clear();  // stored value -> bank of its (predicted) deparser entry
    {
      int e = 0;
      std::map<int, int> otherUses;
      for (int n = 0; n < int(nodes.size()); ++n)
        if (nodes[n].live && nodes[n].kind != Kind::Store)
          for (int d : nodes[n].deps())
            otherUses[d]++;
      for (const StoreRec &st : stores) {
        if (!nodes[st.node].live)
          continue;
        if (!otherUses.count(st.value) && !storeBank.count(st.value))
          storeBank[st.value] = e % int(T.lanes);
        ++e;
      }
      // and up the single-use chains that compute such a value (a lane of
      // bank b reads banks b and b+1: the chain can stay in bank b)
      std::vector<std::pair<int, int>> work(storeBank.begin(), storeBank.end());
      for (size_t w = 0; w < work.size() && w < 256; ++w) {
        auto [n, b] = work[w];
        const Node &x = nodes[n];
        if (x.kind != Kind::Op)
          continue;
        for (int o : {x.a, x.bi ? -1 : x.b})
          if (o >= 0 && nodes[o].kind == Kind::Op && nodes[o].res == Res::Slot &&
              otherUses[o] == 1 && !storeBank.count(o)) {
            storeBank[o] = b;
            work.push_back({o, b});
          }
      }
    }
    std::vector<bool> entryUsed(T.extractorSlots.size(), false);
    extractEntry.assign(nodes.size(), -1);
    for (size_t k = 0; k < fields.size(); ++k) {
      unsigned want = feedsVld[fields[k]] ? T.vreadLane : unsigned(k) % T.lanes;
      // a field only stored: the bank of its (predicted) deparser entry,
      // entries being taken in store order
      if (!feedsVld[fields[k]] && storeBank.count(fields[k]))
        want = unsigned(storeBank[fields[k]]);
      int e = -1;
      for (unsigned tries = 0; tries < T.lanes && e < 0; ++tries)
        for (size_t j = 0; j < T.extractorSlots.size(); ++j)
          if (!entryUsed[j] && T.bankOf(T.extractorSlots[j]) == (want + tries) % T.lanes) {
            e = int(j);
            break;
          }
      entryUsed[e] = true;
      int slot = int(T.extractorSlots[e]);
      extractEntry[fields[k]] = e;
      slotOwner[slot] = fields[k];
      slotEverUsed[slot] = true;
      nodes[fields[k]].copies.push_back({slot, 0});
    }
    // Spare extractor entries copy much-used fields into the bank two away
    // as well (lanes b-1 and b read bank b: the two copies reach every lane,
    // so their users need no MOVs); odd attempts only, since the copies take
    // slots that would otherwise be temporaries.
    if (variant & 1) {
      std::vector<int> byUse = fields;
      std::stable_sort(byUse.begin(), byUse.end(),
                       [&](int a, int b) { return nodes[a].users > nodes[b].users; });
      for (int f : byUse) {
        if (nodes[f].users < 3 || nodes[f].copies.empty())
          continue;
        unsigned want = (T.bankOf(unsigned(nodes[f].copies[0].slot)) + 2) % T.lanes;
        for (size_t j = 0; j < T.extractorSlots.size(); ++j)
          if (!entryUsed[j] && T.bankOf(T.extractorSlots[j]) == want) {
            entryUsed[j] = true;
            int slot = int(T.extractorSlots[j]);
            extraEntries.push_back({int(j), f});
            slotOwner[slot] = f;
            slotEverUsed[slot] = true;
            nodes[f].copies.push_back({slot, 0});
            break;
          }
      }
    }
    // The lower bound (criticalPath; docs/schedule.md, "The lower bound"):
    // the earliest stage of every micro-op along its dependences (one stage
    // per micro-op, a unit's latency), where a VLD issues only at a stage
    // with a variable read port, one VLD per port (the best assignment of
    // the VLDs to ports), and a div op only at a stage with the div unit;
    // then one SETV per stage, and the lane count of the stages. Every
    // step only relaxes the ISA's rules, so no schedule is shorter. Then
    // the latest stage of every micro-op for that length: the priority.
    {
      std::vector<int> order;  // topological (deps first)
      std::vector<char> mark(nodes.size(), 0);
      std::function<void(int)> visit = [&](int n) {
        if (mark[n])
          return;
        mark[n] = 1;
        for (int d : nodes[n].deps())
          visit(d);
        if (nodes[n].isHigh)
          visit(nodes[n].hi);
        order.push_back(n);
      };
      for (int n = 0; n < int(nodes.size()); ++n)
        if (nodes[n].live)
          visit(n);
      auto isOp = [&](int n) { return nodes[n].kind == Kind::Op && !nodes[n].isHigh; };
      auto upTo = [&](int n, int s) {  // the first stage >= s where n can issue
        if (nodes[n].op == Op::VLD) {
          for (int k = s; k < s + 64; ++k)
            if (vreadAt(k))
              return k;
        } else if (isDiv(nodes[n].op) && T.unit("div") && !T.unit("div")->stages.empty()) {
          for (unsigned k : T.unit("div")->stages)
            if (int(k) >= s)
              return int(k);
        } else if (isMapOp(nodes[n].op) && T.unit("map") && !T.unit("map")->stages.empty()) {
          for (unsigned k : T.unit("map")->stages)
            if (int(k) >= s)
              return int(k);
        }
        return s;
      };
      auto downTo = [&](int n, int s) {  // the last stage <= s where n can issue
        if (nodes[n].op == Op::VLD) {
          for (int k = s; k >= 0; --k)
            if (vreadAt(k))
              return k;
        } else if (isDiv(nodes[n].op) && T.unit("div") && !T.unit("div")->stages.empty()) {
          int best = s;
          for (unsigned k : T.unit("div")->stages)
            if (int(k) <= s)
              best = int(k);
          return best;
        } else if (isMapOp(nodes[n].op) && T.unit("map") && !T.unit("map")->stages.empty()) {
          int best = s;
          for (unsigned k : T.unit("map")->stages)
            if (int(k) <= s)
              best = int(k);
          return best;
        }
        return s;
      };
      // the stages a micro-op needs from its issue to the end of the program
      // (its latency and its users'): the "tail" of the lane-count bound
      std::vector<int> tail(nodes.size(), 0);
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        int n = *it;
        if (nodes[n].kind != Kind::Op)
          continue;
        int lat = nodes[n].isHigh ? 1 : latency(n), h = lat;
        for (int u : userList[n])
          if (nodes[u].kind == Kind::Op)
            h = std::max(h, nodes[u].isHigh ? tail[u] : lat + tail[u]);
        tail[n] = h;
      }
      std::vector<int> vldList;
      for (int n : order)
        if (isOp(n) && nodes[n].op == Op::VLD)
          vldList.push_back(n);
      // for the lane count: 1 a SETV, 2 a micro-op whose users are all
      // SETVs, 0 any other; perSetv: the most such inputs of one SETV
      std::vector<int> laneClass(nodes.size(), 0);
      int perSetv = 0;
      for (int n : order) {
        if (!isOp(n))
          continue;
        if (nodes[n].res == Res::Verdict) {
          laneClass[n] = 1;
          continue;
        }
        bool onlySetv = !userList[n].empty();
        for (int u : userList[n])
          onlySetv = onlySetv && isOp(u) && nodes[u].res == Res::Verdict;
        laneClass[n] = onlySetv ? 2 : 0;
      }
      for (int n : order)
        if (isOp(n) && nodes[n].res == Res::Verdict) {
          std::set<int> in;
          for (int d : nodes[n].deps())
            if (isOp(d) && laneClass[d] == 2)
              in.insert(d);
          perSetv = std::max(perSetv, int(in.size()));
        }
      // the bound for VLD stages fixed in `fixed` (the others rounded up to a
      // port on their own); -1 if a fixed stage is before the VLD is ready
      std::vector<int> fixedAt(nodes.size(), -1), setvs;
      auto evalBound = [&](std::vector<int> &e) -> int {
        e.assign(nodes.size(), 0);
        int b = 0;
        for (int n : order) {
          if (nodes[n].kind != Kind::Op)
            continue;
          if (nodes[n].isHigh)
            continue;
          int r = 0;
          for (int d : nodes[n].deps())
            if (isOp(d))
              r = std::max(r, e[d] + latency(d));
          if (fixedAt[n] >= 0) {
            if (fixedAt[n] < r)
              return -1;
            r = fixedAt[n];
          }
          e[n] = upTo(n, r);
          if (nodes[n].hi >= 0)
            e[nodes[n].hi] = e[n];
          b = std::max(b, e[n] + latency(n));
        }
        // One verdict writer per stage: the SETVs (one stage each, no
        // users but later SETVs) in the order of their earliest stages.
        setvs.clear();
        for (int n : order)
          if (isOp(n) && nodes[n].res == Res::Verdict)
            setvs.push_back(n);
        std::stable_sort(setvs.begin(), setvs.end(), [&](int x, int y) { return e[x] < e[y]; });
        for (int k = 0, at = 0; k < int(setvs.size()); ++k) {
          at = std::max(at, e[setvs[k]]);
          b = std::max(b, at + 1);
          ++at;
        }
        // Lane counts: the micro-ops that cannot issue before stage t and
        // need at least q stages to the end share the lanes of stages
        // t .. b-q: b >= t + q - 1 + ceil(count / lanes). Of the SETVs (one
        // per stage) at most q-1 are in the last q-1 stages, so all but q-1
        // count; of the micro-ops used only by SETVs (their guards, their
        // B operands: at most `perSetv` per SETV) at most (q-2) * perSetv.
        int maxT = 0, maxQ = 0;
        for (int n : order)
          if (nodes[n].kind == Kind::Op)
            maxT = std::max(maxT, e[n]), maxQ = std::max(maxQ, tail[n]);
        using Grid = std::vector<std::vector<int>>;
        Grid cnt[3];
        for (auto &g : cnt)
          g.assign(size_t(maxT + 2), std::vector<int>(size_t(maxQ + 3), 0));
        for (int n : order)
          if (nodes[n].kind == Kind::Op)
            cnt[laneClass[n]][size_t(e[n])][size_t(tail[n])]++;
        for (auto &g : cnt)
          for (int t = maxT; t >= 0; --t)
            for (int q = maxQ + 1; q >= 0; --q)
              g[t][q] += g[t + 1][q] + g[t][q + 1] - g[t + 1][q + 1];
        for (int t = 0; t <= maxT; ++t)
          for (int q = 1; q <= maxQ + 1; ++q) {
            int c = cnt[0][t][q] + std::max(cnt[1][t][q], cnt[1][t][0] - (q - 1));
            c += q < 2 ? cnt[2][t][q] : std::max(cnt[2][t][q], cnt[2][t][0] - (q - 2) * perSetv);
            if (c > 0)
              b = std::max(b, t + q - 1 + (c + int(T.lanes) - 1) / int(T.lanes));
          }
        return b;
      };
      // One VLD per port: the best assignment of the VLDs to distinct port
      // stages (in dependence order, each to one of the first #VLDs ports
      // from where it is ready: a later port never helps, one of those is
      // free), when there are few VLDs; else each rounded up alone.
      int bound = evalBound(asap);
      if (getenv("SLUICE_BOUND_DEBUG")) {
        int dep = 0;
        for (int n : order)
          if (isOp(n))
            dep = std::max(dep, asap[n] + latency(n));
        fprintf(stderr, "bound: ports each alone %d, +setv+lanes %d (%zu micro-ops)\n", dep,
                bound, size_t(std::count_if(order.begin(), order.end(), isOp)));
      }
      if (!vldList.empty() && vldList.size() <= 6) {
        int best = std::numeric_limits<int>::max(), evals = 0;
        std::vector<int> e, used;
        std::function<void(size_t)> assign = [&](size_t k) {
          if (++evals > 50000)
            return;
          int b = evalBound(e);
          if (b < 0 || b >= best)
            return;  // infeasible, or no better whatever comes (b only grows)
          if (k == vldList.size()) {
            best = b;
            return;
          }
          int v = vldList[k];
          int r = e[v];
          std::vector<int> ports;
          for (int st = r; int(ports.size()) < int(vldList.size()) && st < r + 4096; ++st)
            if (vreadAt(st) && std::find(used.begin(), used.end(), st) == used.end())
              ports.push_back(st);
          for (int st : ports) {
            fixedAt[v] = st;
            used.push_back(st);
            assign(k + 1);
            used.pop_back();
            fixedAt[v] = -1;
          }
        };
        assign(0);
        if (evals <= 50000 && best != std::numeric_limits<int>::max())
          bound = std::max(bound, best);
        if (getenv("SLUICE_BOUND_DEBUG"))
          fprintf(stderr, "bound: with one VLD per port %d (%d evaluations)\n", bound, evals);
        evalBound(asap);
      }
      criticalPath = unsigned(bound);
      // No schedule is shorter than the bound: a program whose bound
      // exceeds the target is refused without scheduling (dns_filter's
      // schedule past the end ran out of predicates, and took seconds).
      if (criticalPath > T.stages) {
        int last = -1;
        for (int n : order)
          if (isOp(n) && (last < 0 || asap[n] + latency(n) > asap[last] + latency(last)))
            last = n;
        beyondBound = true;
        return doesNotFit(last, criticalPath, asap);
      }
      // The priorities: the latest stages for a schedule 1 (attempts 8-15:
      // 3) stages shorter than the bound: a tighter anchor makes the
      // off-path micro-ops more urgent, so they fill the early stages'
      // lanes instead of competing with the critical path's at the end.
      bound -= (variant & 8) ? 3 : 1;
      // and, for the priorities, each SETV gets its own latest stage (the
      // latest earliest-stage one the last)
      std::map<int, int> setvCap;
      for (int k = int(setvs.size()) - 1, cap = bound - 1; k >= 0; --k, --cap)
        setvCap[setvs[k]] = cap;
      alap.assign(nodes.size(), bound);
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        int n = *it;
        if (!isOp(n))
          continue;
        int l = bound - latency(n);
        for (int u : userList[n])
          if (isOp(u))
            l = std::min(l, alap[u] - latency(n));
          else if (nodes[u].isHigh)
            for (int uu : userList[u])
              if (isOp(uu))
                l = std::min(l, alap[uu] - latency(n));
        if (auto c = setvCap.find(n); c != setvCap.end())
          l = std::min(l, c->second);
        alap[n] = downTo(n, l);
      }
    }

    std::vector<int> pending;
    for (int n = 0; n < int(nodes.size()); ++n)
      if (nodes[n].live && nodes[n].kind == Kind::Op && !nodes[n].isHigh)
        pending.push_back(n);
    const int maxStages = int(std::max(T.stages * 8, 512u));
    int idle = 0;
    int s = 0;
    for (; !pending.empty(); ++s) {
      if (s >= maxStages || idle > 64) {
        // report a micro-op whose operands are all placed (what holds the
        // others up), the first pending one if none is
        int stuck = pending.front();
        for (int q : pending) {
          bool ready = true;
          for (int d : nodes[q].deps())
            ready = ready && (nodes[d].kind != Kind::Op || nodes[d].stage >= 0);
          if (ready) {
            stuck = q;
            break;
          }
        }
        const Node &n = nodes[stuck];
        if (getenv("SLUICE_SCHED_DEBUG")) {
          for (unsigned k = 0; k < T.slots; ++k)
            fprintf(stderr, "s%u owner %d\n", k, slotOwner[k]);
          for (unsigned k = 0; k < T.predicates; ++k)
            fprintf(stderr, "p%u owner %d\n", k, predOwner[k]);
          for (int q : pending) {
            fprintf(stderr, "pending %d op %s a %d b %d g %d users %d deps:", q,
                    isa::opInfo(unsigned(nodes[q].op))->name, nodes[q].a, nodes[q].b,
                    nodes[q].guard, nodes[q].users);
            for (int d : nodes[q].deps())
              fprintf(stderr, " %d@%d", d, nodes[d].stage);
            fprintf(stderr, "\n");
          }
        }
        if (isDiv(n.op)) {
          std::string st;
          for (unsigned k : T.unit("div")->stages)
            st += (st.empty() ? "" : ", ") + std::to_string(k);
          return fail(n.origin, fmt::format("{} needs the div unit (lane {} of stages {}) and none "
                                            "is left when its operands are ready",
                                            isa::opInfo(unsigned(n.op))->name, T.unit("div")->lane,
                                            st));
        }
        if (getenv("SLUICE_SCHED_DEBUG"))
          for (auto &p : placed)
            fprintf(stderr, "st %d lane %d %s n%d h%d alap %d\n", p.stage, p.lane,
                    p.isMove ? "MOV" : isa::opInfo(unsigned(nodes[p.node].op))->name, p.node,
                    nodes[p.node].height, alap[p.node]);
        if (isMapOp(n.op) || n.fixedSlot != -1) {
          // the map op stuck first: one whose operands are all placed
          stuck = pending.front();
          for (int q : pending) {
            bool placedDeps = isMapOp(nodes[q].op);
            for (int d : nodes[q].deps())
              placedDeps = placedDeps && (nodes[d].kind != Kind::Op || nodes[d].stage >= 0);
            if (placedDeps) {
              stuck = q;
              break;
            }
          }
          return fail(nodes[stuck].origin, mapStuck(stuck));
        }
        // Nothing can be placed any more: name the resource that ran out.
        exhausted = true;
        std::string why;
        if (n.res == Res::Pred && freePredFor(stuck) < 0 && !freesPred(stuck)) {
          why = fmt::format("all {} writable predicates hold conditions that later micro-ops still "
                            "need (the target has {}, p0 is constant): too many conditions are "
                            "live at once",
                            T.predicates - 1, T.predicates);
        } else {
          unsigned free = 0;
          for (unsigned l = 0; l < T.lanes; ++l)
            free += freeSlot(int(l)) >= 0;
          why = free ? "no lane that can read its operands has a free slot or lane left"
                     : fmt::format("all {} context slots hold values that later micro-ops still "
                                   "need",
                                   T.slots);
        }
        return fail(n.origin, fmt::format("cannot place {}: {}",
                                          isa::opInfo(unsigned(n.op))->name, why));
      }
      std::vector<bool> laneBusy(T.lanes, false);
      bool verdictBusy = false, redirBusy = false, adjustBusy = false;
      bool progress = false;
      std::vector<int> ready;
      for (int n : pending) {
        bool ok = true;
        for (int d : nodes[n].deps())
          if (nodes[d].kind == Kind::Op &&
              (nodes[d].stage < 0 || nodes[d].stage + latency(d) > s))
            ok = false;
        if (ok)
          ready.push_back(n);
      }
      // VLDs first where a port exists (the port's lane would otherwise go
      // to any op of greater height), then by height
      std::map<int, int> rank;
      for (int x : ready)
        rank[x] = (nodes[x].op == Op::VLD ? 1000000 : 0) - 1000 * alap[x] + nodes[x].height +
                  (variant ? int(noise() % 1500) : 0);
      std::stable_sort(ready.begin(), ready.end(),
                       [&](int x, int y) { return rank[x] > rank[y]; });
      auto laneOkFor = [&](int n, int l) {
        const Node &x = nodes[n];
        if (laneBusy[l])
          return false;
        if (x.op == Op::VLD && (unsigned(l) != T.vreadLane || !vreadAt(s)))
          return false;
        if (isDiv(x.op) && !T.hasUnit("div", unsigned(s), unsigned(l)))
          return false;
        if (isMapOp(x.op) && !mapLaneOk(x, l, s, laneBusy))
          return false;
        if (x.fixedSlot == -2 && !mapRunAlloc(n))
          return false;
        if (x.fixedSlot >= 0 && bank(x.fixedSlot) != l)
          return false;
        for (int o : {x.a, x.bi ? -1 : x.b})
          if (o >= 0 && !canReadFor(x, o, l, s))
            return false;
        if (x.res == Res::Slot && !isW(x) && x.fixedSlot < 0) {
          int f = freeSlot(l);
          if (f < 0)
            return false;
          // a constant operand not in a slot yet takes a never-used one: not f
          for (int o : {x.a, x.bi ? -1 : x.b})
            if (o >= 0 && nodes[o].kind == Kind::Const && readable(o, l, s, false) < 0) {
              bool other = false;
              for (unsigned k = 0; k < T.slots && !other; ++k)
                other = reads(l, int(k)) && !slotEverUsed[k] && slotOwner[k] < 0 && int(k) != f;
              if (!other)
                return false;
            }
        }
        if (isW(x) && (unsigned(l) + 1 >= T.lanes || laneBusy[l + 1] || freePairSlot(l) < 0))
          return false;
        return true;
      };
      // the lanes each ready micro-op could take at the start of the stage:
      // a lane that few can take is kept for them (a PLUT can take any)
      std::map<int, std::vector<int>> canTake;
      for (int n : ready)
        for (int l = 0; l < int(T.lanes); ++l)
          if (laneOkFor(n, l))
            canTake[n].push_back(l);
      std::set<int> placedNow;
      std::vector<int> done;
      for (int n : ready) {
        Node &x = nodes[n];
        if (x.res == Res::Verdict && verdictBusy)
          continue;
        if ((x.res == Res::Redirect && redirBusy) ||
            ((x.op == Op::ADJH || x.op == Op::ADJT) && adjustBusy))
          continue;
        std::vector<int> ops;
        if (x.a >= 0)
          ops.push_back(x.a);
        if (!x.bi && x.b >= 0)
          ops.push_back(x.b);
        auto laneOk = [&](int l) { return laneOkFor(n, l); };
        if (x.res == Res::Pred && freePredFor(n) < 0 && !freesPred(n))
          continue;
        int lane = -1;
        int bestFree = std::numeric_limits<int>::min();
        for (int l = 0; l < int(T.lanes); ++l)
          if (laneOk(l)) {
            int nf = 0;
            for (unsigned k = 0; k < T.bankSlots(); ++k)
              nf += slotOwner[l * T.bankSlots() + k] < 0;
            if (feedsVld[n] && T.laneReads(T.vreadLane, unsigned(l) * T.bankSlots()))
              nf += 100;
            // a map op's key or value: in a bank the map lane reads
            if (T.unit("map") && x.res == Res::Slot)
              for (int u : userList[n])
                if (nodes[u].kind == Kind::Op && isMapOp(nodes[u].op) &&
                    (nodes[u].a == n || (!nodes[u].bi && nodes[u].b == n)) &&
                    T.laneReads(T.unit("map")->lane, unsigned(l) * T.bankSlots()))
                  nf += 100;
            // the stored value in the bank of its deparser entry
            if (auto it = storeBank.find(n); it != storeBank.end() && it->second == l)
              nf += 40;
            // a user whose other operand is placed: some lane must read both
            if (x.res == Res::Slot)
              for (int u : userList[n]) {
                const Node &un = nodes[u];
                if (un.kind != Kind::Op)
                  continue;
                for (int o : {un.a, un.bi ? -1 : un.b}) {
                  if (o < 0 || o == n || nodes[o].copies.empty() || nodes[o].kind == Kind::Const)
                    continue;
                  bool together = false;
                  for (const Copy &c : nodes[o].copies)
                    for (int m = 0; m < int(T.lanes) && !together; ++m)
                      together = reads(m, c.slot) && reads(m, l * int(T.bankSlots()));
                  nf += together ? 20 : 0;
                }
              }
            if (variant)
              nf += int(noise() % 40);
            // keep the lane for the later ready micro-ops that have few
            for (int m : ready) {
              if (m == n || placedNow.count(m))
                continue;
              auto &ls = canTake[m];
              if (!(variant & 4) && ls.size() <= 2 &&
                  std::find(ls.begin(), ls.end(), l) != ls.end())
                nf -= 60 / int(ls.size());
            }
            if (nf > bestFree)
              bestFree = nf, lane = l;
          }
        if (lane < 0) {
          // bring an unreachable operand closer with a MOV, if that helps:
          // only when no lane could read the operands (not merely busy lanes)
          bool reachable = false;
          for (int l = 0; l < int(T.lanes) && !reachable; ++l) {
            if ((x.op == Op::VLD && unsigned(l) != T.vreadLane) ||
                (isDiv(x.op) && unsigned(l) != T.unit("div")->lane) ||
                (isMapOp(x.op) && unsigned(l) != T.unit("map")->lane) ||
                (x.fixedSlot >= 0 && l != bank(x.fixedSlot)))
              continue;
            bool all = true;
            for (int o : ops)
              all = all && canReadFor(x, o, l, s);
            reachable = all;
          }
          if (reachable)
            continue;
          tryMove(x, ops, s, laneBusy);
          continue;
        }
        Placed pl{n, -1, -1, s, lane};
        // the result's slot first: a constant operand taking a never-used
        // slot must not take it
        int resSlot = -1;
        if (x.res == Res::Slot && !isW(x) && x.fixedSlot < 0)
          resSlot = freeSlot(lane), slotOwner[resSlot] = n;
        if (x.a >= 0)
          pl.aSlot = readableFor(x, x.a, lane, s, true);
        if (!x.bi && x.b >= 0)
          pl.bSlot = readable(x.b, lane, s, true);
        laneBusy[lane] = true;
        if (isMapOp(x.op))
          mapPlaced(n, lane, s, laneBusy);
        if (x.res == Res::Verdict)
          verdictBusy = true;
        if (x.res == Res::Redirect)
          redirBusy = true;
        if (x.op == Op::ADJH || x.op == Op::ADJT)
          adjustBusy = true;
        x.stage = s, x.lane = lane;
        for (int d : x.deps())
          release(d);
        if (isW(x)) {
          int slot = freePairSlot(lane), hs = slot + int(T.bankSlots());
          slotOwner[slot] = n, slotEverUsed[slot] = true;
          x.copies.push_back({slot, s + 1});
          Node &h = nodes[x.hi];
          slotOwner[hs] = x.hi, slotEverUsed[hs] = true;
          h.copies.push_back({hs, s + 1});
          h.stage = s, h.lane = lane + 1;
          laneBusy[lane + 1] = true;
          placed.push_back(Placed{x.hi, -1, -1, s, lane + 1});
        } else if (x.res == Res::Slot) {
          int slot = x.fixedSlot >= 0 ? x.fixedSlot : resSlot;
          slotOwner[slot] = n;
          slotEverUsed[slot] = true;
          x.copies.push_back({slot, s + latency(n)});
        } else if (x.res == Res::Pred) {
          x.pred = freePredFor(n);
          predOwner[x.pred] = n;
          predEverUsed[x.pred] = true;
        }
        placed.push_back(pl);
        done.push_back(n);
        placedNow.insert(n);
        progress = true;
      }
      // a map op waits for its guard, and then for a map stage: an operand
      // ready before them that the map lane cannot read is moved in a lane
      // left free now, not when the op is ready
      if (T.unit("map"))
        for (int n : pending) {
          Node &x = nodes[n];
          if (x.kind != Kind::Op || !isMapOp(x.op) || placedNow.count(n))
            continue;
          int ml = int(T.unit("map")->lane);
          for (int o : {x.a, x.bi ? -1 : x.b}) {
            if (o < 0 || nodes[o].kind != Kind::Op || nodes[o].stage < 0 ||
                nodes[o].stage + latency(o) > s || canReadFor(x, o, ml, s))
              continue;
            bool avail = false;
            for (const Copy &c : nodes[o].copies)
              avail = avail || c.avail <= s;
            if (avail)
              tryMove(x, {o}, s, laneBusy);
          }
        }
      for (int n : done)
        pending.erase(std::find(pending.begin(), pending.end(), n));
      idle = progress ? 0 : idle + 1;
    }
    usedStages = unsigned(s);
    // a unit's transaction lasts until its results land, used or not (a map
    // update whose return code nothing reads still runs L stages)
    for (const Placed &p : placed)
      if (!p.isMove && nodes[p.node].kind == Kind::Op)
        usedStages = std::max(usedStages, unsigned(p.stage + latency(p.node)));
    if (auto e = assignDeparser())
      return e;
    if (getenv("SLUICE_SCHED_DEBUG"))
      for (auto &p : placed) {
        const Node &x = nodes[p.node];
        fprintf(stderr, "st %d lane %d %s n%d h%d a%d b%d g%d sel%d pa%d pb%d %s\n", p.stage, p.lane,
                p.isMove ? "MOV" : isa::opInfo(unsigned(x.op))->name, p.node, x.height, x.a,
                x.bi ? -1 : x.b, x.guard, x.sel, x.pa, x.pb, where(x.origin).c_str());
      }
    // trailing stages that only held moves do not exist: s is 1 + last stage used
    if (usedStages > T.stages) {
      // the critical path: walk back from the last node placed
      int last = -1;
      for (auto &p : placed)
        if (!p.isMove && (last < 0 || nodes[p.node].stage >= nodes[last].stage))
          last = p.node;
      std::vector<int> at(nodes.size(), -1);
      for (int n = 0; n < int(nodes.size()); ++n)
        at[n] = nodes[n].stage;
      return doesNotFit(last, usedStages, at);
    }
    return Error::success();
  }
  std::vector<int> extractEntry;
  std::vector<std::pair<int, int>> extraEntries;  // (entry, field node): copies of a field
  std::vector<int> asap, alap;  // earliest / latest stage (the lower bound's)
  // Attempt k > 0 of the list scheduler perturbs the priorities and the lane
  // preferences with a deterministic pseudo-random sequence (compileFunction
  // keeps the shortest schedule of a few attempts).
  unsigned variant = 0;
  uint64_t rng = 0;
  uint32_t noise() {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(rng >> 33);
  }
  std::vector<bool> feedsVld;
  std::map<int, int> storeBank;

  // ---- deparser entries ----
  // Entry e reads its value (and base) from bank e mod lanes; entries apply
  // in store order. Values and guards are pinned (never released), so their
  // slots and predicates hold the final values after the last stage. A value
  // that is not in the entry's bank is copied there with MOVs placed in free
  // lanes after it is available (stages are added only if no lane is free).
  std::set<std::pair<int, int>> laneTaken;
  std::vector<int> lastWrite, lastRead;
  void noteUses() {
    laneTaken.clear();
    lastWrite.assign(T.slots, -1), lastRead.assign(T.slots, -1);
    for (auto &p : placed) {
      laneTaken.insert({p.stage, p.lane});
      auto rd = [&](int sl) {
        if (sl >= 0)
          lastRead[sl] = std::max(lastRead[sl], p.stage);
      };
      auto wr = [&](int sl) {
        if (sl >= 0)
          lastWrite[sl] = std::max(lastWrite[sl], p.stage);
      };
      if (p.isMove) {
        rd(p.moveSrc), wr(p.moveDst);
      } else {
        rd(p.aSlot), rd(p.bSlot);
        const Node &x = nodes[p.node];
        if (x.res == Res::Slot)
          for (const Copy &c : x.copies)
            if (c.avail == p.stage + latency(p.node))
              lastWrite[c.slot] = std::max(lastWrite[c.slot], c.avail - 1);
      }
    }
  }
  // one MOV of node n from slot src into bank m (lane m), as early as possible
  int moveInto(int n, int src, int avail, int m) {
    unsigned bs = T.bankSlots();
    int best = -1, bestStage = 1 << 30;
    for (unsigned k = 0; k < bs; ++k) {
      int d = int(m * bs + k);
      if (slotOwner[d] >= 0)
        continue;
      int st = std::max({avail, lastWrite[d] + 1, lastRead[d]});
      while (laneTaken.count({st, m}))
        ++st;
      if (st < bestStage)
        bestStage = st, best = d;
    }
    if (best < 0)
      return -1;
    slotOwner[best] = n;
    slotEverUsed[best] = true;
    lastWrite[best] = bestStage;
    lastRead[src] = std::max(lastRead[src], bestStage);
    laneTaken.insert({bestStage, m});
    nodes[n].copies.push_back({best, bestStage + 1});
    Placed pl{n, src, -1, bestStage, m};
    pl.isMove = true, pl.moveSrc = src, pl.moveDst = best;
    placed.push_back(pl);
    ++moves;
    usedStages = std::max(usedStages, unsigned(bestStage + 1));
    return best;
  }
  int inBank(int n, int b) {
    for (const Copy &c : nodes[n].copies)
      if (bank(c.slot) == b)
        return c.slot;
    return -1;
  }
  // a slot of bank b holding node n after the last stage (MOVs if needed)
  int bringToBank(int n, int b) {
    if (int sl = inBank(n, b); sl >= 0)
      return sl;
    if (nodes[n].kind == Kind::Const) {
      for (unsigned k = 0; k < T.bankSlots(); ++k) {
        int sl = int(b * T.bankSlots() + k);
        if (!slotEverUsed[sl] && slotOwner[sl] < 0) {
          slotEverUsed[sl] = true, slotOwner[sl] = n;
          nodes[n].copies.push_back({sl, 0});
          return sl;
        }
      }
    }
    for (int hop = 0; hop < int(T.lanes); ++hop) {
      // a copy lane b reads: one MOV
      for (const Copy &c : nodes[n].copies)
        if (reads(b, c.slot))
          return moveInto(n, c.slot, c.avail, b);
      // else step the nearest copy one bank down
      int pick = -1, dist = 1 << 30;
      for (int k = 0; k < int(nodes[n].copies.size()); ++k) {
        int dd = (bank(nodes[n].copies[k].slot) - b + int(T.lanes)) % int(T.lanes);
        if (dd < dist)
          dist = dd, pick = k;
      }
      if (pick < 0)
        return -1;
      Copy c = nodes[n].copies[pick];
      int m = (bank(c.slot) + int(T.lanes) - 1) % int(T.lanes);
      if (moveInto(n, c.slot, c.avail, m) < 0)
        return -1;
    }
    return -1;
  }
  // Entries in any order that keeps stores which may overlap in program
  // order (the later one in a later entry): a store takes the first free
  // entry above those of the earlier stores it may overlap whose bank
  // already holds its value (and base), or else the first free one and MOVs.
  Error assignDeparser() {
    if (stores.empty())
      return Error::success();
    noteUses();
    int nEntries = int(T.deparserEntries);
    int live = 0;
    const StoreRec *firstLive = nullptr;
    for (const StoreRec &st : stores)
      if (nodes[st.node].live) {
        ++live;
        if (!firstLive)
          firstLive = &st;
      }
    if (live > nEntries)
      return fail(firstLive->inst, fmt::format("needs {} deparser entries, target has {} (packet "
                                               "stores after merging adjacent ones)",
                                               live, nEntries));
    std::vector<bool> used(size_t(nEntries), false);
    int remaining = live;
    for (size_t k = 0; k < stores.size(); ++k) {
      StoreRec &st = stores[k];
      if (!nodes[st.node].live)
        continue;
      --remaining;
      int lb = 0;
      for (size_t q = 0; q < k; ++q) {
        const StoreRec &o = stores[q];
        if (o.entry >= 0 && mayOverlap(st.base, st.off, st.size, o.base, o.off, o.size))
          lb = std::max(lb, o.entry + 1);
      }
      // leave enough free entries for the stores still to come
      auto freeAbove = [&](int e) {
        int n = 0;
        for (int c = 0; c < nEntries; ++c)
          n += !used[size_t(c)] && c != e;
        return n;
      };
      int e = -1;
      for (int c = lb; c < nEntries && e < 0; ++c) {
        if (used[size_t(c)] || freeAbove(c) < remaining)
          continue;
        int b = c % int(T.lanes);
        bool valueOk = inBank(st.value, b) >= 0 || nodes[st.value].kind == Kind::Const;
        bool baseOk = st.base < 0 || inBank(st.base, b) >= 0 || nodes[st.base].kind == Kind::Const;
        if (valueOk && baseOk)
          e = c;
      }
      for (int c = lb; c < nEntries && e < 0; ++c)
        if (!used[size_t(c)])
          e = c;
      if (e < 0)
        return fail(st.inst, fmt::format("needs more than {} deparser entries (stores that may "
                                         "overlap keep their order)", nEntries));
      int b = e % int(T.lanes);
      st.vslot = bringToBank(st.value, b);
      st.bslot = st.base < 0 ? -1 : bringToBank(st.base, b);
      if (st.vslot < 0 || (st.base >= 0 && st.bslot < 0))
        return fail(st.inst, fmt::format("no free slot in bank {} for the stored value "
                                         "(deparser entry {})", b, e));
      st.entry = e;
      used[size_t(e)] = true;
    }
    return Error::success();
  }

  void tryMove(Node &x, const std::vector<int> &ops, int s, std::vector<bool> &laneBusy) {
    for (int o : ops) {
      for (int m = 0; m < int(T.lanes); ++m) {
        if (laneBusy[m])
          continue;
        int src = readable(o, m, s, false);
        if (src < 0 || bank(src) == m)
          continue;
        int dst = freeSlot(m);
        if (dst < 0)
          continue;
        // after the move, is there a lane reading every operand?
        bool helps = false;
        for (int l = 0; l < int(T.lanes) && !helps; ++l) {
          if ((x.op == Op::VLD && unsigned(l) != T.vreadLane) ||
                (isDiv(x.op) && unsigned(l) != T.unit("div")->lane) ||
                (isMapOp(x.op) && unsigned(l) != T.unit("map")->lane) ||
                (x.fixedSlot >= 0 && l != bank(x.fixedSlot)))
            continue;
          bool all = true;
          for (int q : ops)
            if (q == o ? !readsFor(x, l, dst) : !canReadFor(x, q, l, s + 1))
              all = false;
          helps = all;
        }
        if (!helps)
          continue;
        doMove(o, src, dst, s, m, laneBusy);
        return;
      }
    }
    // no single move helps: step the first unreadable operand one bank down
    // (lane b-1 reads bank b and writes bank b-1)
    for (int o : ops) {
      bool reach = false;
      for (int l = 0; l < int(T.lanes); ++l)
        if ((x.op != Op::VLD || unsigned(l) == T.vreadLane) &&
            (!isDiv(x.op) || unsigned(l) == T.unit("div")->lane) &&
            (!isMapOp(x.op) || unsigned(l) == T.unit("map")->lane) &&
            (x.fixedSlot < 0 || l == bank(x.fixedSlot)) && canReadFor(x, o, l, s))
          reach = true;
      // a lane-restricted op (VLD, div, map unit, fixed slot): step only what its lane cannot read
      if (reach && (ops.size() == 1 || x.op == Op::VLD || isDiv(x.op) || isMapOp(x.op) ||
                    x.fixedSlot >= 0))
        continue;
      for (const Copy &c : nodes[o].copies) {
        if (c.avail > s)
          continue;
        int m = (bank(c.slot) + int(T.lanes) - 1) % int(T.lanes);
        if (laneBusy[m] || !reads(m, c.slot))
          continue;
        int dst = freeSlot(m);
        if (dst < 0)
          continue;
        doMove(o, c.slot, dst, s, m, laneBusy);
        return;
      }
    }
  }

  void doMove(int o, int src, int dst, int s, int m, std::vector<bool> &laneBusy) {
    {
      {
        slotOwner[dst] = o;
        slotEverUsed[dst] = true;
        nodes[o].copies.push_back({dst, s + 1});
        Placed pl{-1, src, -1, s, m};
        pl.isMove = true, pl.moveSrc = src, pl.moveDst = dst;
        pl.node = o;
        placed.push_back(pl);
        laneBusy[m] = true;
        ++moves;
        return;
      }
    }
  }

  // ---- the predicated graph as text ----
  void print(raw_ostream &os) {
    prepare();
    auto name = [](int n) { return n < 0 ? std::string("p0") : fmt::format("n{}", n); };
    auto guard = [&](int g, bool gn) {
      return g < 0 && !gn ? std::string() : fmt::format("[{}{}] ", gn ? "!" : "", name(g));
    };
    static const char *kMeta[] = {"length", "ingress_ifindex", "rx_queue_index", "timestamp_lo",
                                  "timestamp_hi", "random", "frame_length"};
    os << fmt::format("; predicated graph of '{}': {} nodes\n", F.getName().str(),
                      std::count_if(nodes.begin(), nodes.end(), [](const Node &n) { return n.live; }));
    for (int pass = 0; pass < 2; ++pass)
      for (int n = 0; n < int(nodes.size()); ++n) {
        const Node &x = nodes[n];
        bool leaf = x.kind == Kind::Const || x.kind == Kind::Extract;
        if (!x.live || (pass == 0) != leaf)
          continue;
        std::string line = name(n) + " = ";
        if (x.kind == Kind::Store) {
          line += guard(x.guard, x.gn) +
                  fmt::format("STORE {}B @{}{} <- {}", x.vsize, x.b >= 0 ? name(x.b) + "+" : "",
                              int32_t(x.imm), name(x.a));
        } else if (x.kind == Kind::Const) {
          line += fmt::format("CONST {:#x}", x.value);
        } else if (x.kind == Kind::Extract) {
          line += x.exSrc == 0 ? fmt::format("FIELD {}B @{}", 1u << x.exSize, x.exOff)
                               : fmt::format("META {}", x.exOff < 5 ? kMeta[x.exOff] : "?");
        } else {
          line += guard(x.guard, x.gn) + isa::opInfo(unsigned(x.op))->name;
          std::vector<std::string> ops;
          if (x.op == Op::PLUT) {
            ops = {name(x.pa), name(x.pb), fmt::format("#{:#x}", x.imm)};
          } else {
            if (x.op == Op::SEL)
              ops.push_back(name(x.sel));
            if (x.a >= 0)
              ops.push_back(name(x.a));
            if (x.bi && x.op != Op::VLD && x.op != Op::NEG && !(x.op >= Op::BSWAP16 && x.op <= Op::SEXT32))
              ops.push_back(fmt::format("#{:#x}", x.imm));
            else if (!x.bi && x.b >= 0)
              ops.push_back(name(x.b));
            if (x.op == Op::VLD)
              ops.push_back(fmt::format("+{} ({}B)", x.imm, 1u << x.vsize));
          }
          for (size_t k = 0; k < ops.size(); ++k)
            line += (k ? ", " : " ") + ops[k];
          for (size_t k = 0; k < x.after.size(); ++k)
            line += fmt::format("{}{}", k ? ", " : " after ", name(x.after[k]));
          line += fmt::format("  ; h={}", x.height);
        }
        line += " ; " + where(x.origin);
        os << line << "\n";
      }
  }

  // ---- emit ----
  StageImage emit(const std::string &name) {
    StageImage img = StageImage::empty(T);
    img.name = name;
    unsigned last = 0;
    for (auto &p : placed)
      last = std::max(last, unsigned(p.stage) + 1);
    for (int n = 0; n < int(nodes.size()); ++n) {
      const Node &x = nodes[n];
      if (x.kind == Kind::Const)
        for (const Copy &c : x.copies)
          img.consts[c.slot] = x.value;
      if (x.kind == Kind::Extract && extractEntry[n] >= 0) {
        isa::Extract e;
        e.en = 1, e.src = x.exSrc, e.size = x.exSize, e.off = x.exOff;
        img.extract[extractEntry[n]] = isa::encode(e);
        for (auto [entry, f] : extraEntries)
          if (f == n)
            img.extract[entry] = isa::encode(e);
      }
    }
    auto predOf = [&](int n) { return n < 0 ? 0u : unsigned(nodes[n].pred); };
    for (const StoreRec &st : stores) {
      if (st.entry < 0)
        continue;
      const Node &sn = nodes[st.node];
      isa::Deparse d;
      d.en = 1, d.size = st.size == 1 ? 0 : st.size == 2 ? 1 : 2;
      d.src = unsigned(st.vslot) % T.bankSlots();
      if (st.base >= 0)
        d.based = 1, d.base = unsigned(st.bslot) % T.bankSlots();
      d.g = predOf(sn.guard), d.gn = sn.gn;
      d.pos = uint32_t(st.off + int64_t(T.headroomBytes));
      img.deparse[unsigned(st.entry)] = isa::encode(d);
    }
    img.maps.resize(mapDefs ? mapDefs->size() + replicaDefs.size() : 0);
    for (auto &p : placed) {
      if (emitMapOp(img, p))
        continue;
      isa::Uop u;
      const Instruction *origin = nullptr;
      if (p.isMove) {
        u.op = unsigned(Op::MOV), u.dst = unsigned(p.moveDst), u.b = unsigned(p.moveSrc);
        origin = nodes[p.node].origin;
      } else {
        const Node &x = nodes[p.node];
        origin = x.origin;
        u.op = unsigned(x.op);
        if (x.isHigh) {
          img.setUop(unsigned(p.stage), unsigned(p.lane), u);  // PAIR: no other field
          continue;
        }
        if (isW(x))
          u.w = 1;
        u.g = predOf(x.guard), u.gn = x.gn;
        if (x.res == Res::Slot)
          u.dst = unsigned(x.copies.front().slot);
        if (x.op == Op::PLUT) {
          u.a = predOf(x.pa), u.b = predOf(x.pb), u.imm = x.imm, u.p = unsigned(x.pred);
        } else {
          if (p.aSlot >= 0)
            u.a = unsigned(p.aSlot);
          if (p.bSlot >= 0)
            u.b = unsigned(p.bSlot);
          u.bi = x.bi, u.imm = x.imm;
          if (x.res == Res::Pred)
            u.p = unsigned(x.pred);
          if (x.op == Op::SEL)
            u.p = predOf(x.sel);
          if (x.op == Op::VLD)
            u.p = x.vsize;
        }
      }
      img.setUop(unsigned(p.stage), unsigned(p.lane), u);
      ImageLine l;
      l.stage = unsigned(p.stage), l.lane = unsigned(p.lane);
      if (origin) {
        l.insn = int32_t(bpfInsnOf(*origin));
        if (const DILocation *d = origin->getDebugLoc().get())
          l.file = d->getFilename().str(), l.line = d->getLine();
      }
      img.lines.push_back(l);
    }
    (void)last;
    std::sort(img.lines.begin(), img.lines.end(), [](const ImageLine &a, const ImageLine &b) {
      return std::tie(a.stage, a.lane) < std::tie(b.stage, b.lane);
    });
    return img;
  }
};

} // namespace

Error printPredicatedGraph(Function &f, const TargetParams &t, raw_ostream &os) {
  Compiler c(f, t);
  if (auto e = c.lower())
    return e;
  c.print(os);
  return Error::success();
}

void printSchedule(const StageImage &img, raw_ostream &os) {
  // the canonical text leaves out the name
  std::string text = img.paramsCanonical;
  if (!text.empty() && text[0] == '{')
    text.insert(1, "\"name\":\"image\",");
  auto t = TargetParams::fromJson(text, "image parameters");
  if (!t) {
    consumeError(t.takeError());
    os << formatStageImage(img, TargetParams::defaults());
    return;
  }
  os << formatStageImage(img, *t);
}

Expected<StageImage> compileFunction(Function &f, const TargetParams &target, CompileStats *stats,
                                     const std::vector<MapDef> *maps) {
  auto t0 = std::chrono::steady_clock::now();
  // The list scheduler is greedy: attempt 0 uses the plain priorities
  // (latest stage, then height), the others perturb them; the shortest
  // schedule (then the fewest moves) wins, the first on a tie, so the result
  // is deterministic; a schedule at the lower bound ends the search. A
  // refusal from lowering is the same in every attempt.
  std::unique_ptr<Compiler> best;
  std::optional<Error> firstErr;
  unsigned exhaustedAttempts = 0;
  // SLUICE_ATTEMPTS=N overrides the count (for experiments; docs/schedule.md)
  const unsigned kAttempts =
      getenv("SLUICE_ATTEMPTS") ? std::max(1, atoi(getenv("SLUICE_ATTEMPTS"))) : 16u;
  for (unsigned k = 0; k < kAttempts; ++k) {
    auto c = std::make_unique<Compiler>(f, target);
    c->mapDefs = maps;
    if (auto e = c->lower()) {
      if (best || firstErr)
        consumeError(std::move(e));
      else
        return std::move(e);
      break;
    }
    c->variant = k, c->rng = 0x9e3779b97f4a7c15ull * (k + 1);
    if (getenv("SLUICE_SCHED_DEBUG"))
      fprintf(stderr, "attempt %u\n", k);
    if (k == 0 && getenv("SLUICE_GRAPH_DEBUG"))
      c->print(errs());
    if (auto e = c->schedule()) {
      // the bound is the same in every attempt
      if (c->beyondBound && !best && !firstErr)
        return std::move(e);
      // Running out of predicates or slots (not of stages) is rarely cured
      // by other priorities: after four such attempts without a schedule,
      // the refusal stands (dns_filter took 3 s for sixteen).
      if (c->exhausted && ++exhaustedAttempts >= 4 && !best) {
        if (!firstErr)
          firstErr.emplace(std::move(e));
        else
          consumeError(std::move(e));
        break;
      }
      if (!firstErr)
        firstErr.emplace(std::move(e));
      else
        consumeError(std::move(e));
      continue;
    }
    if (!best || c->usedStages < best->usedStages ||
        (c->usedStages == best->usedStages && c->moves < best->moves))
      best = std::move(c);
    // at the lower bound: no shorter schedule exists
    if (best->usedStages <= best->criticalPath)
      break;
  }
  if (!best)
    return std::move(*firstErr);
  if (firstErr)
    consumeError(std::move(*firstErr));
  Compiler &c = *best;
  StageImage img = c.emit(f.getName().str());
  if (auto e = c.emitMaps(img))
    return std::move(e);
  if (auto e = verifyStageImage(img, target))
    return makeError("internal error: the compiled image is illegal: {}", toString(std::move(e)));
  if (stats) {
    stats->stagesUsed = c.usedStages;
    stats->uops = 0;  // not the map read words' entries (MAPLK writes them)
    for (auto &p : c.placed)
      stats->uops += p.isMove || !(c.nodes[p.node].op == Op::MAPLK && c.nodes[p.node].isHigh);
    stats->moves = c.moves;
    stats->criticalPath = c.criticalPath;
    stats->extractorEntries = 0;
    for (int e : c.extractEntry)
      stats->extractorEntries += e >= 0;
    stats->extractorEntries += unsigned(c.extraEntries.size());
    stats->deparserEntries = 0;
    for (auto &st : c.stores)
      stats->deparserEntries += st.entry >= 0;
    stats->slotsUsed = unsigned(std::count(c.slotEverUsed.begin(), c.slotEverUsed.end(), true));
    std::set<unsigned> preds;
    for (auto &p : c.placed)
      if (!p.isMove && c.nodes[p.node].pred > 0)
        preds.insert(unsigned(c.nodes[p.node].pred));
    stats->predicatesUsed = unsigned(preds.size());
    stats->laneOccupancy =
        c.usedStages ? double(stats->uops) / double(c.usedStages * target.lanes) : 0.0;
    stats->compileMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  return img;
}

Expected<StageImage> compileProgram(const Object &obj, const Program &prog,
                                    const TargetParams &target, CompileStats *stats) {
  auto l = lift::liftProgram(obj, prog, {.optLevel = 2});
  if (!l)
    return l.takeError();
  if (!l->remainingLoops.empty())
    return makeError("{}", l->remainingLoops.front());
  Function *f = l->module->getFunction(l->entry);
  if (!f)
    return makeError("{}: the lifted module has no function '{}'", prog.name, l->entry);
  auto img = compileFunction(*f, target, stats, &obj.maps);
  if (!img)
    return img.takeError();
  img->name = prog.name;
  return img;
}

} // namespace sluice
