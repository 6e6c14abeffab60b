//===- Verifier.cpp - Abstract interpretation of an XDP program -----------===//
//
// The path-sensitive interpreter at the heart of compiler/verify. It walks
// every path of the program depth first, one abstract State (registers and
// stack of each call frame) at a time, forking at branches the state cannot
// decide. At jump targets it keeps checkpoints: a path that arrives in a
// state covered by a finished checkpoint is cut (pruning), a path that
// arrives in exactly the state of a checkpoint still on its own path is an
// infinite loop, and everything else goes on, so bounded loops are followed
// until they end. The rules are the kernel's for a privileged XDP program;
// the limits of the NIC are checked alongside and reported separately.
//
//===----------------------------------------------------------------------===//
#include "sluice/Verify/Verifier.h"

#include "Cfg.h"
#include "Helpers.h"
#include "ScalarOps.h"
#include "sluice/Object/BpfDefs.h"
#include "sluice/Object/Disasm.h"
#include "sluice/Support/Error.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <set>

namespace sluice::verify {

const char *categoryName(Category c) {
  switch (c) {
  case Category::Malformed: return "malformed";
  case Category::Kernel: return "kernel";
  case Category::Hardware: return "hardware";
  case Category::Limit: return "limit";
  }
  return "?";
}

namespace {

constexpr int kStackSize = 512;
constexpr int kMaxFrames = 8;
constexpr int64_t kMaxVarOff = 1 << 29;
constexpr int64_t kMaxPacketOff = 0xffff;
constexpr size_t kMaxPending = 8192;
/// Packet pointer ranges marking a pointer known past / at the packet end.
constexpr int32_t kBeyondPktEnd = -2;
constexpr int32_t kAtPktEnd = -1;

//===----------------------------------------------------------------------===//
// State
//===----------------------------------------------------------------------===//

struct Frame {
  std::array<RegState, 11> regs;
  /// stype[k] is the byte at fp - 1 - k.
  std::array<StackByte, kStackSize> stype{};
  /// Spilled registers by slot (slot s covers fp-8(s+1) .. fp-8s-1); empty
  /// until the first spill.
  std::vector<RegState> spill;
  uint32_t callsite = 0; ///< the call instruction in the caller (frames > 0)
  uint32_t func = 0;
  /// A bpf_loop callback: its exit goes back to the bpf_loop call, which
  /// either calls it again or returns (the kernel's callback iteration).
  bool callback = false;
  /// Calls of a callback made so far by the bpf_loop call this frame is
  /// at (0 once the call returns).
  uint16_t cbIter = 0;
  /// Bytes below fp that were ever written (stype[k] is Invalid for k >= used).
  uint16_t used = 0;

  void touch(int k) {
    if (k + 1 > used)
      used = uint16_t(((k + 8) / 8) * 8);
  }

  RegState &spillAt(int slot) {
    if (spill.empty())
      spill.resize(kStackSize / 8);
    return spill[slot];
  }
};

struct PathNode {
  uint32_t insn;
  bool taken;
  std::shared_ptr<const PathNode> prev;
};

struct Checkpoint;

struct State {
  std::vector<Frame> frames;
  std::shared_ptr<const PathNode> path;
  Checkpoint *parent = nullptr;
  std::vector<std::pair<uint32_t, uint32_t>> trips; ///< loop header -> back edges taken
  uint32_t idx = 0;
  uint32_t sinceCheckpoint = 0;

  Frame &top() { return frames.back(); }
  const Frame &top() const { return frames.back(); }
};

struct Checkpoint {
  State st;
  uint32_t branches = 1;
  Checkpoint *parent = nullptr;
  uint32_t hits = 0, misses = 0;
};

/// Thrown (internally only) to abandon the walk at the first kernel error.
struct Reject {
  Diagnostic diag;
};

/// Id correspondences between an old and a new state, for comparisons.
struct IdMap {
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  bool check(uint32_t a, uint32_t b) {
    if (a == 0 && b == 0)
      return true;
    if (a == 0 || b == 0)
      return false;
    for (auto &[x, y] : pairs) {
      if (x == a)
        return y == b;
      if (y == b)
        return false;
    }
    pairs.push_back({a, b});
    return true;
  }
};

bool regCovers(const RegState &o, const RegState &c, bool exact, IdMap &ids) {
  if (exact) {
    if (o.kind != c.kind)
      return false;
    if (o.kind == RegKind::NotInit)
      return true;
    return o.var == c.var && o.off == c.off && o.map == c.map && o.range == c.range &&
           o.frame == c.frame && o.andMask == c.andMask && o.linkOff == c.linkOff &&
           o.linkAdd == c.linkAdd && ids.check(o.id, c.id) &&
           (!o.andId || ids.check(o.andId, c.andId));
  }
  if (o.kind == RegKind::NotInit)
    return true;
  if (o.kind != c.kind)
    return false;
  if (o.kind == RegKind::Scalar) {
    if (!o.var.contains(c.var))
      return false;
    // A linked scalar in the old state may have been narrowed through its
    // partner; only a matching link in the new one guarantees the same.
    if (o.andId && (o.andMask != c.andMask || !ids.check(o.andId, c.andId)))
      return false;
    if (o.id && (o.linkOff != c.linkOff || o.linkAdd != c.linkAdd))
      return false;
    return o.id == 0 || ids.check(o.id, c.id);
  }
  if (o.off != c.off || o.map != c.map || o.frame != c.frame || !o.var.contains(c.var))
    return false;
  if (o.isPkt() && o.range > c.range)
    return false;
  if (o.kind == RegKind::MapValueOrNull || o.isPkt())
    return ids.check(o.id, c.id);
  return true;
}

bool stackCovers(const Frame &o, const Frame &c, bool exact, bool uninitOk, IdMap &ids) {
  const int used = std::max(o.used, c.used);
  for (int k = 0; k < used; ++k) {
    StackByte ob = o.stype[k], cb = c.stype[k];
    if (exact) {
      if (ob != cb)
        return false;
    } else if (ob == StackByte::Invalid) {
      continue;
    } else if (ob == StackByte::Misc) {
      if (cb == StackByte::Invalid && !uninitOk)
        return false;
      if (cb == StackByte::Spill) {
        // Reading part of a spill gives a scalar, as misc would; but a
        // spilled pointer read whole is not misc.
        const RegState &sp = c.spill[k / 8];
        if (sp.kind != RegKind::Scalar)
          return false;
      }
      continue;
    } else if (ob == StackByte::Zero) {
      if (cb == StackByte::Zero)
        continue;
      if (cb == StackByte::Spill) {
        const RegState &sp = c.spill[k / 8];
        if (sp.kind == RegKind::Scalar && sp.var.isConst() && sp.var.constValue() == 0)
          continue;
      }
      return false;
    } else if (cb != StackByte::Spill) {
      return false;
    }
    if (ob == StackByte::Spill && (k % 8) == 7) {
      if (!regCovers(o.spill[k / 8], c.spill[k / 8], exact, ids))
        return false;
    }
  }
  return true;
}

bool stateCovers(const State &o, const State &c, uint16_t live, uint16_t precise, bool exact,
                 bool uninitOk) {
  if (o.frames.size() != c.frames.size())
    return false;
  IdMap ids;
  for (size_t f = 0; f < o.frames.size(); ++f) {
    const Frame &of = o.frames[f], &cf = c.frames[f];
    if (of.callsite != cf.callsite || of.callback != cf.callback || of.cbIter != cf.cbIter)
      return false;
    bool isTop = f + 1 == o.frames.size();
    // Under a callback, r1..r5 are the arguments of the bpf_loop call that
    // runs again when the callback returns.
    bool argsKept = !isTop && o.frames[f + 1].callback;
    for (int r = 0; r < 11; ++r) {
      if (isTop && !(live & (1u << r)))
        continue;
      if (!isTop && r <= 5 && !argsKept)
        continue; // clobbered by the return
      if (!exact && isTop && !(precise & (1u << r)) && of.regs[r].kind == RegKind::Scalar &&
          cf.regs[r].kind == RegKind::Scalar)
        continue; // its exact value never matters from here on
      if (!regCovers(of.regs[r], cf.regs[r], exact, ids))
        return false;
    }
    if (!stackCovers(of, cf, exact, uninitOk, ids))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Per-instruction summaries (joined over paths)
//===----------------------------------------------------------------------===//

bool sameReg(const RegState &a, const RegState &b) {
  return a.kind == b.kind && a.off == b.off && a.map == b.map && a.range == b.range &&
         a.id == b.id && a.frame == b.frame && a.andId == b.andId && a.linkOff == b.linkOff &&
         a.var == b.var;
}

RegState joinReg(const RegState &a, const RegState &b) {
  if (sameReg(a, b))
    return a;
  if (a.kind == RegKind::NotInit)
    return b;
  if (b.kind == RegKind::NotInit)
    return a;
  if (a.kind != b.kind || a.map != b.map || a.frame != b.frame) {
    RegState m;
    m.kind = RegKind::Mixed;
    return m;
  }
  RegState r = a;
  if (a.kind == RegKind::Scalar) {
    r.var = scalarJoin(a.var, b.var);
    r.id = a.id == b.id && a.linkOff == b.linkOff ? a.id : 0;
    return r;
  }
  int32_t off = std::min(a.off, b.off);
  Scalar va = aluScalar(BPF_ADD, a.var, Scalar::constant(uint64_t(int64_t(a.off - off))), 64, false);
  Scalar vb = aluScalar(BPF_ADD, b.var, Scalar::constant(uint64_t(int64_t(b.off - off))), 64, false);
  r.off = off;
  r.var = a.off == b.off ? scalarJoin(a.var, b.var) : scalarJoin(va, vb);
  r.range = std::min(a.range - (a.off - off), b.range - (b.off - off));
  if (r.range < 0)
    r.range = 0;
  r.id = a.id == b.id ? a.id : 0;
  return r;
}

void summarise(const Frame &f, uint8_t depth, InsnState &out) {
  InsnState s;
  s.reached = true;
  s.frameDepth = depth;
  s.regs = f.regs;
  int used = 0;
  for (int k = 0; k < f.used; ++k)
    if (f.stype[k] != StackByte::Invalid)
      used = k / 8 + 1;
  s.stack.resize(used);
  for (int sl = 0; sl < used; ++sl) {
    for (int j = 0; j < 8; ++j)
      s.stack[sl].bytes[j] = f.stype[sl * 8 + 7 - j];
    if (f.stype[sl * 8 + 7] == StackByte::Spill)
      s.stack[sl].spilled = f.spill[sl];
  }
  if (!out.reached) {
    out = std::move(s);
    return;
  }
  out.frameDepth = std::max(out.frameDepth, depth);
  for (int r = 0; r < 11; ++r)
    out.regs[r] = joinReg(out.regs[r], s.regs[r]);
  if (out.stack.size() < s.stack.size())
    out.stack.resize(s.stack.size());
  for (size_t sl = 0; sl < out.stack.size(); ++sl) {
    StackSlot &o = out.stack[sl];
    StackSlot n = sl < s.stack.size() ? s.stack[sl] : StackSlot{};
    bool os = o.isSpill(), ns = n.isSpill();
    if (os && ns) {
      o.spilled = joinReg(o.spilled, n.spilled);
      continue;
    }
    for (int j = 0; j < 8; ++j) {
      StackByte &ob = o.bytes[j];
      StackByte nb = n.bytes[j];
      if (ob == nb)
        continue;
      ob = StackByte::Misc;
    }
    if (os || ns)
      o.spilled = RegState{};
  }
}

//===----------------------------------------------------------------------===//
// The interpreter
//===----------------------------------------------------------------------===//

class Interp {
public:
  Interp(const Object &obj, const Program &prog, const VerifyOptions &opts, const Cfg &cfg,
         VerifyResult &res)
      : obj_(obj), prog_(prog), opts_(opts), cfg_(cfg), res_(res) {}

  void run();

private:
  // --- diagnostics ---------------------------------------------------------
  Diagnostic makeDiag(const State &st, Category cat, std::string msg) const;
  [[noreturn]] void reject(const State &st, std::string msg, Category cat = Category::Kernel) {
    throw Reject{makeDiag(st, cat, std::move(msg))};
  }
  [[noreturn]] void rejectWithNote(const State &st, std::string msg, std::string note) {
    Diagnostic d = makeDiag(st, Category::Kernel, std::move(msg));
    d.notes.insert(d.notes.begin(), std::move(note));
    throw Reject{std::move(d)};
  }
  void hardware(const State &st, std::string msg, std::vector<std::string> notes = {});
  void loopCall(State &st);
  /// Pushes `callee` (r1..r5 set) as the frame of the function at `target`
  /// called from insn `at`, and continues there.
  void enterFrame(State &st, Frame callee, uint32_t at, uint32_t target);

  // --- registers -------------------------------------------------------------
  RegState &reg(State &st, int r) { return st.top().regs[r]; }
  const RegState &readReg(State &st, int r) {
    RegState &x = reg(st, r);
    if (x.kind == RegKind::NotInit)
      reject(st, fmt::format("R{} !read_ok (read of a register never written on this path)", r));
    return x;
  }
  void setReg(State &st, int r, RegState v) {
    if (r == 10)
      reject(st, "frame pointer is read only");
    st.top().regs[r] = std::move(v);
  }
  uint32_t newId() { return ++idGen_; }
  template <typename F> void forEachReg(State &st, F &&fn) {
    for (Frame &f : st.frames) {
      for (RegState &r : f.regs)
        fn(r);
      if (!f.spill.empty())
        for (int s = 0; s < f.used / 8; ++s)
          if (f.stype[s * 8 + 7] == StackByte::Spill)
            fn(f.spill[s]);
    }
  }

  // --- steps -----------------------------------------------------------------
  void step(State &st);
  void alu(State &st, const bpf_insn &in);
  void ptrArith(State &st, const bpf_insn &in, RegState &dst, const RegState &ptr,
                const RegState &sc, bool ptrIsDst);
  void ldImm64(State &st, const bpf_insn &in);
  void load(State &st, const bpf_insn &in);
  void store(State &st, const bpf_insn &in);
  void atomic(State &st, const bpf_insn &in);
  void jump(State &st, const bpf_insn &in);
  void call(State &st, const bpf_insn &in);
  void helperCall(State &st, const bpf_insn &in);
  bool exit(State &st); ///< true when the path ends

  /// Checks an access of `size` bytes at ptr + off; returns what a read gives.
  RegState access(State &st, int ptrReg, int32_t off, int size, bool write,
                  const RegState *value, bool atomicOp, bool signExt);
  RegState stackAccess(State &st, const RegState &ptr, int ptrReg, int32_t off, int size,
                       bool write, const RegState *value, bool signExt);
  /// Checks a helper memory argument: `size` bytes (umin..umax) at `ptr`.
  void memArg(State &st, int argReg, const RegState &ptr, uint64_t sizeMin, uint64_t sizeMax,
              bool write, const char *what);
  void noteAccessType(State &st, RegKind k);

  void branchTo(State &st, uint32_t from, uint32_t to, bool taken, bool decided);
  void pushPending(State st) {
    if (pending_.size() >= kMaxPending)
      reject(st, fmt::format("the sequence of {} jumps is too complex", pending_.size() + 1),
             Category::Limit);
    if (st.parent)
      ++st.parent->branches;
    pending_.push_back(std::move(st));
  }
  void finishPath(State &st);
  /// At a prune point: true when the path can stop here.
  bool visit(State &st);

  Scalar loadedScalar(int size, bool signExt) const {
    if (size == 8)
      return Scalar::unknown();
    uint64_t m = (1ULL << (size * 8)) - 1;
    if (!signExt)
      return Scalar::urange(0, m);
    return sextScalar(Scalar::urange(0, m), size * 8, 64);
  }

  const Object &obj_;
  const Program &prog_;
  const VerifyOptions &opts_;
  const Cfg &cfg_;
  VerifyResult &res_;

  std::deque<State> pending_;
  std::deque<Checkpoint> checkpoints_;
  std::vector<std::vector<Checkpoint *>> atInsn_;
  std::vector<uint32_t> visitsAt_;
  std::vector<RegKind> accessKind_;
  std::vector<int> funcStack_; ///< deepest stack byte used, per function
  std::map<uint32_t, uint32_t> maxTrips_;
  std::set<std::pair<uint32_t, std::string>> hwSeen_;
  std::set<std::pair<uint32_t, uint32_t>> callEdges_;
  uint32_t idGen_ = 0;
};

Diagnostic Interp::makeDiag(const State &st, Category cat, std::string msg) const {
  Diagnostic d;
  d.category = cat;
  d.insn = st.idx;
  d.message = std::move(msg);
  std::vector<BranchStep> steps;
  for (const PathNode *p = st.path.get(); p; p = p->prev.get())
    steps.push_back({p->insn, p->taken});
  std::reverse(steps.begin(), steps.end());
  const size_t keep = 12;
  bool cut = steps.size() > keep;
  if (cut)
    steps.erase(steps.begin(), steps.end() - keep);
  d.path = steps;
  if (!steps.empty()) {
    std::string s = cut ? "reached through: ... -> " : "reached through: ";
    for (size_t i = 0; i < steps.size(); ++i) {
      if (i)
        s += " -> ";
      s += fmt::format("insn {} ({}) {}", steps[i].insn, disassemble(prog_, steps[i].insn, &obj_),
                       steps[i].taken ? "taken" : "not taken");
    }
    d.notes.push_back(s);
  }
  if (!st.frames.empty()) {
    InsnState is;
    summarise(st.top(), uint8_t(st.frames.size() - 1), is);
    d.notes.push_back("state: " + is.str());
  }
  if (st.frames.size() > 1) {
    std::string s = "in a call from";
    for (size_t f = 1; f < st.frames.size(); ++f)
      s += fmt::format(" insn {}", st.frames[f].callsite);
    d.notes.push_back(s);
  }
  return d;
}

void Interp::hardware(const State &st, std::string msg, std::vector<std::string> notes) {
  if (!opts_.hardwareLimits)
    return;
  if (!hwSeen_.insert({st.idx, msg}).second)
    return;
  Diagnostic d = makeDiag(st, Category::Hardware, std::move(msg));
  for (auto &n : notes)
    d.notes.insert(d.notes.begin(), n);
  res_.diags.push_back(std::move(d));
}

void Interp::run() {
  const uint32_t n = cfg_.n;
  atInsn_.resize(n);
  visitsAt_.assign(n, 0);
  accessKind_.assign(n, RegKind::NotInit);
  funcStack_.assign(cfg_.funcStarts.size(), 0);
  if (opts_.keepStates)
    res_.states.assign(n, InsnState{});

  State init;
  init.frames.emplace_back();
  Frame &f = init.frames.back();
  f.regs[1].kind = RegKind::PtrToCtx;
  f.regs[1].var = Scalar::constant(0);
  f.regs[10].kind = RegKind::PtrToStack;
  f.regs[10].var = Scalar::constant(0);
  f.regs[10].frame = 0;
  pending_.push_back(std::move(init));

  uint64_t &processed = res_.stats.insnsProcessed;
  while (!pending_.empty()) {
    State st = std::move(pending_.back());
    pending_.pop_back();
    for (;;) {
      if (++processed > opts_.maxInsnsProcessed)
        reject(st, fmt::format("program too complex: more than {} instructions processed "
                               "(the kernel's limit is 1000000)", opts_.maxInsnsProcessed),
               Category::Limit);
      // Joined before pruning: a pruned path still contributes its state here
      // (beyond this point the covering state stands for it).
      if (opts_.keepStates)
        summarise(st.top(), uint8_t(st.frames.size() - 1), res_.states[st.idx]);
      if (cfg_.prunePoint[st.idx] && visit(st)) {
        finishPath(st);
        break;
      }
      if (!cfg_.lazyIssue[st.idx].empty()) {
        Category cat = cfg_.lazyIssue[st.idx].starts_with("BPF_LD_[ABS") ? Category::Kernel
                                                                         : Category::Malformed;
        reject(st, cfg_.lazyIssue[st.idx], cat);
      }
      const bpf_insn &in = prog_.insns[st.idx];
      uint8_t cls = BPF_CLASS(in.code);
      if ((cls == BPF_JMP) && BPF_OP(in.code) == BPF_EXIT) {
        if (exit(st)) {
          finishPath(st);
          break;
        }
        continue;
      }
      step(st);
    }
  }
  res_.stats.peakFrames = std::max<uint32_t>(res_.stats.peakFrames, 1);

  // Combined stack depth over every call chain that occurred (rounded as the
  // kernel rounds each frame for the JIT).
  std::function<int(uint32_t, int)> deepest = [&](uint32_t fn, int level) -> int {
    int own = (funcStack_[fn] + 15) / 16 * 16;
    int best = 0;
    if (level < kMaxFrames)
      for (auto &[caller, callee] : callEdges_)
        if (caller == fn)
          best = std::max(best, deepest(callee, level + 1));
    return own + best;
  };
  int total = deepest(0, 1);
  res_.stats.maxStackDepth = total;
  if (total > kStackSize) {
    State st;
    st.idx = 0;
    reject(st, fmt::format("combined stack size of the call chain is {} bytes; the limit is {}",
                           total, kStackSize));
  }
  for (auto &[h, t] : maxTrips_)
    res_.loopTrips.push_back({h, t});
}

bool Interp::visit(State &st) {
  uint32_t i = st.idx;
  ++visitsAt_[i];
  uint16_t live = cfg_.liveIn[i] | (1u << 10);
  bool uninitOk = !opts_.rejectUninitStack;
  auto &list = atInsn_[i];
  int onPathCompared = 0;
  for (size_t n = list.size(); n-- > 0;) {
    Checkpoint *cp = list[n];
    if (cp->branches > 0) {
      // Still on the way: the same state again means the path goes round
      // forever. Only the most recent ones are compared: a state that
      // repeats does so within a few stored turns of the loop.
      if (cfg_.loopHeader[i] && ++onPathCompared <= 64 &&
          stateCovers(cp->st, st, live, 0, /*exact=*/true, uninitOk))
        reject(st, fmt::format("infinite loop detected at insn {}", i));
      continue;
    }
    if (stateCovers(cp->st, st, live, cfg_.preciseIn[i], /*exact=*/false, uninitOk)) {
      ++cp->hits;
      ++res_.stats.statesPruned;
      return true;
    }
    // A finished checkpoint that keeps failing to cover is dropped (it only
    // costs comparisons); states still on a path stay for loop detection.
    if (++cp->misses > cp->hits * 4 + 16)
      list.erase(list.begin() + n);
  }
  // Keep a checkpoint, but not at every turn of a long loop.
  bool keep = list.size() < 64 || st.sinceCheckpoint >= 256 || (visitsAt_[i] % 64) == 0;
  if (!keep) {
    return false;
  }
  checkpoints_.emplace_back();
  Checkpoint *cp = &checkpoints_.back();
  cp->st = st;
  cp->st.path.reset();
  cp->parent = st.parent;
  cp->branches = 1;
  st.parent = cp;
  st.sinceCheckpoint = 0;
  atInsn_[i].push_back(cp);
  ++res_.stats.statesStored;
  return false;
}

void Interp::finishPath(State &st) {
  for (Checkpoint *cp = st.parent; cp;) {
    if (--cp->branches > 0)
      break;
    cp = cp->parent;
  }
  st.parent = nullptr;
}

void Interp::branchTo(State &st, uint32_t from, uint32_t to, bool taken, bool decided) {
  if (!decided)
    st.path = std::make_shared<PathNode>(PathNode{from, taken, st.path});
  if (to <= from && cfg_.loopHeader[to]) {
    uint32_t *cnt = nullptr;
    for (auto &[h, c] : st.trips)
      if (h == to)
        cnt = &c;
    if (!cnt) {
      st.trips.push_back({to, 0});
      cnt = &st.trips.back().second;
    }
    ++*cnt;
    uint32_t &mx = maxTrips_[to];
    if (*cnt > mx) {
      mx = *cnt;
      if (mx == opts_.maxLoopTrips + 1) {
        State at = st;
        at.idx = from;
        hardware(at, fmt::format("the loop at insn {} runs more than {} times on some path; "
                                 "the pipeline unrolls every loop and allows {} iterations",
                                 to, opts_.maxLoopTrips, opts_.maxLoopTrips),
                 {"give the loop a smaller constant bound"});
      }
    }
  }
  st.idx = to;
}

void Interp::step(State &st) {
  const bpf_insn &in = prog_.insns[st.idx];
  ++st.sinceCheckpoint;
  switch (BPF_CLASS(in.code)) {
  case BPF_ALU:
  case BPF_ALU64:
    alu(st, in);
    ++st.idx;
    return;
  case BPF_LD:
    ldImm64(st, in);
    st.idx += 2;
    return;
  case BPF_LDX:
    load(st, in);
    ++st.idx;
    return;
  case BPF_ST:
  case BPF_STX:
    if (BPF_MODE(in.code) == BPF_ATOMIC)
      atomic(st, in);
    else
      store(st, in);
    ++st.idx;
    return;
  default:
    if (BPF_OP(in.code) == BPF_CALL) {
      call(st, in);
      return;
    }
    jump(st, in);
    return;
  }
}

//===----------------------------------------------------------------------===//
// ALU
//===----------------------------------------------------------------------===//

const char *aluOpName(uint8_t op) {
  switch (op) {
  case BPF_ADD: return "+=";
  case BPF_SUB: return "-=";
  case BPF_MUL: return "*=";
  case BPF_DIV: return "/=";
  case BPF_OR: return "|=";
  case BPF_AND: return "&=";
  case BPF_LSH: return "<<=";
  case BPF_RSH: return ">>=";
  case BPF_NEG: return "neg";
  case BPF_MOD: return "%=";
  case BPF_XOR: return "^=";
  case BPF_MOV: return "=";
  case BPF_ARSH: return "s>>=";
  case BPF_END: return "endian";
  }
  return "?";
}

void Interp::alu(State &st, const bpf_insn &in) {
  const bool is64 = BPF_CLASS(in.code) == BPF_ALU64;
  const unsigned w = is64 ? 64 : 32;
  const uint8_t op = BPF_OP(in.code);
  const bool x = BPF_SRC(in.code) == BPF_X;
  const int d = in.dst_reg;

  if (op == BPF_MOV) {
    if (!x) {
      uint64_t v = is64 ? uint64_t(int64_t(in.imm)) : uint64_t(uint32_t(in.imm));
      setReg(st, d, RegState::constant(v));
      return;
    }
    RegState src = readReg(st, in.src_reg);
    if (in.off != 0) { // movsx
      if (src.kind != RegKind::Scalar)
        src = RegState::scalar();
      setReg(st, d, RegState::scalar(sextScalar(src.var, in.off, w)));
      return;
    }
    if (!is64) {
      if (src.kind != RegKind::Scalar)
        setReg(st, d, RegState::scalar(Scalar::urange(0, UINT32_MAX)));
      else
        setReg(st, d, RegState::scalar(src.var.zext32()));
      return;
    }
    if (src.kind == RegKind::Scalar && !src.var.isConst()) {
      // Copies of one unknown scalar stay linked: a comparison on either
      // narrows both, as in the kernel.
      if (!src.id)
        reg(st, in.src_reg).id = src.id = newId();
    }
    setReg(st, d, src);
    return;
  }

  RegState dst = readReg(st, d);
  if (op == BPF_NEG || op == BPF_END) {
    if (dst.kind != RegKind::Scalar) {
      setReg(st, d, RegState::scalar(is64 ? Scalar::unknown() : Scalar::urange(0, UINT32_MAX)));
      return;
    }
    Scalar r = op == BPF_NEG
                   ? aluScalar(BPF_SUB, Scalar::constant(0), dst.var, w, false)
                   : endScalar(dst.var, in.imm, BPF_SRC(in.code) == BPF_TO_BE, is64);
    setReg(st, d, RegState::scalar(r));
    return;
  }
  RegState src = x ? readReg(st, in.src_reg) : RegState::constant(is64 ? uint64_t(int64_t(in.imm))
                                                                       : uint64_t(uint32_t(in.imm)));

  if (dst.isPtr() || src.isPtr()) {
    if (!is64)
      reject(st, fmt::format("R{} 32-bit pointer arithmetic prohibited", dst.isPtr() ? d : in.src_reg));
    if (dst.isPtr() && src.isPtr()) {
      if (op != BPF_SUB)
        reject(st, fmt::format("R{} pointer {} pointer prohibited", d, aluOpName(op)));
      setReg(st, d, RegState::scalar()); // privileged: the difference is a number
      return;
    }
    if (src.isPtr()) {
      if (op != BPF_ADD)
        reject(st, fmt::format("R{} tried to {} pointer from scalar", d,
                               op == BPF_SUB ? "subtract" : "combine"));
      RegState out;
      ptrArith(st, in, out, src, dst, false);
      setReg(st, d, out);
      return;
    }
    RegState out;
    ptrArith(st, in, out, dst, src, true);
    setReg(st, d, out);
    return;
  }

  bool sdiv = in.off == 1;
  Scalar r = aluScalar(op, dst.var, src.var, w, sdiv);
  RegState out = RegState::scalar(r);
  if (is64 && (op == BPF_ADD || op == BPF_SUB) && dst.id && src.var.isConst() && !dst.linkAdd) {
    // r2 = r1; r2 += 4: the two stay linked, 4 apart (the kernel's
    // BPF_ADD_CONST). A second constant breaks the link.
    int64_t v = int64_t(src.var.constValue());
    if (v >= INT32_MIN && v <= INT32_MAX && !(op == BPF_SUB && v == INT32_MIN)) {
      out.id = dst.id;
      out.linkOff = int32_t(op == BPF_ADD ? v : -v);
      out.linkAdd = true;
    }
  }
  if (op == BPF_AND && dst.id && dst.linkOff == 0 && src.var.isConst() && !r.isConst()) {
    out.andId = dst.id;
    out.andMask = is64 ? src.var.constValue() : (src.var.constValue() & 0xffffffffULL);
  }
  setReg(st, d, out);
}

void Interp::ptrArith(State &st, const bpf_insn &in, RegState &out, const RegState &ptr,
                      const RegState &sc, bool ptrIsDst) {
  const uint8_t op = BPF_OP(in.code);
  int preg = ptrIsDst ? in.dst_reg : in.src_reg;
  switch (ptr.kind) {
  case RegKind::MapValueOrNull:
    reject(st, fmt::format("R{} pointer arithmetic on map_value_or_null prohibited, null-check "
                           "it first", preg));
  case RegKind::PtrToPacketEnd:
  case RegKind::ConstMapPtr:
  case RegKind::PtrToFunc:
    reject(st, fmt::format("R{} pointer arithmetic on {} prohibited", preg, regKindName(ptr.kind)));
  default:
    break;
  }
  if (op != BPF_ADD && op != BPF_SUB) {
    bool bitwise = op == BPF_AND || op == BPF_OR || op == BPF_XOR;
    reject(st, bitwise ? fmt::format("R{} bitwise operator {} on pointer prohibited", preg, aluOpName(op))
                       : fmt::format("R{} pointer arithmetic with {} operator prohibited", preg,
                                     aluOpName(op)));
  }
  const char *kname = regKindName(ptr.kind);
  if (sc.var.isConst()) {
    int64_t v = int64_t(sc.var.constValue());
    if (v >= kMaxVarOff || v <= -kMaxVarOff)
      reject(st, fmt::format("math between {} pointer and {} is not allowed", kname, v));
  } else {
    if (sc.var.smin == INT64_MIN)
      reject(st, fmt::format("math between {} pointer and register with unbounded min value is "
                             "not allowed", kname));
    if (sc.var.smin >= kMaxVarOff || sc.var.smin <= -kMaxVarOff)
      reject(st, fmt::format("value {} makes {} pointer be out of bounds", sc.var.smin, kname));
  }
  out = ptr;
  if (sc.var.isConst()) {
    int64_t v = int64_t(sc.var.constValue());
    int64_t noff = op == BPF_ADD ? int64_t(ptr.off) + v : int64_t(ptr.off) - v;
    if (noff >= kMaxVarOff || noff <= -kMaxVarOff)
      reject(st, fmt::format("value {} makes {} pointer be out of bounds", noff, kname));
    out.off = int32_t(noff);
    return;
  }
  out.var = aluScalar(op, ptr.var, sc.var, 64, false);
  if (out.var.smin <= -kMaxVarOff || out.var.smax >= kMaxVarOff) {
    if (ptr.kind != RegKind::PtrToStack && ptr.kind != RegKind::MapValue) {
      // The kernel lets the bound show at the access; keep it wide.
    }
  }
  if (ptr.isPkt()) {
    out.id = newId();
    out.range = 0;
  }
}

void Interp::ldImm64(State &st, const bpf_insn &in) {
  const bpf_insn &hi = prog_.insns[st.idx + 1];
  RegState r;
  switch (in.src_reg) {
  case BPF_PSEUDO_MAP_FD:
    r.kind = RegKind::ConstMapPtr;
    r.map = in.imm;
    break;
  case BPF_PSEUDO_MAP_VALUE:
    r.kind = RegKind::MapValue;
    r.map = in.imm;
    r.off = hi.imm;
    break;
  case BPF_PSEUDO_FUNC: {
    int64_t t = int64_t(st.idx) + in.imm + 1;
    if (!std::binary_search(cfg_.funcStarts.begin(), cfg_.funcStarts.end(), uint32_t(t)))
      reject(st, fmt::format("callback at insn {} is not the start of a function", t));
    r.kind = RegKind::PtrToFunc;
    r.off = int32_t(t);
    break;
  }
  default:
    r = RegState::constant(uint64_t(uint32_t(in.imm)) | (uint64_t(uint32_t(hi.imm)) << 32));
    break;
  }
  setReg(st, in.dst_reg, r);
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

int sizeBytes(uint8_t code) {
  switch (BPF_SIZE(code)) {
  case BPF_B: return 1;
  case BPF_H: return 2;
  case BPF_W: return 4;
  default: return 8;
  }
}

void Interp::noteAccessType(State &st, RegKind k) {
  RegKind &prev = accessKind_[st.idx];
  if (prev == RegKind::NotInit) {
    prev = k;
    return;
  }
  if (prev != k && (prev == RegKind::PtrToCtx || k == RegKind::PtrToCtx))
    reject(st, "same insn cannot be used with different pointers (ctx on one path, "
               "another pointer on another)");
}

void Interp::load(State &st, const bpf_insn &in) {
  readReg(st, in.src_reg);
  bool sx = BPF_MODE(in.code) == BPF_MEMSX;
  RegState v = access(st, in.src_reg, in.off, sizeBytes(in.code), false, nullptr, false, sx);
  setReg(st, in.dst_reg, v);
}

void Interp::store(State &st, const bpf_insn &in) {
  readReg(st, in.dst_reg);
  int size = sizeBytes(in.code);
  if (BPF_CLASS(in.code) == BPF_ST) {
    const RegState &p = reg(st, in.dst_reg);
    if (p.kind == RegKind::PtrToCtx)
      reject(st, fmt::format("BPF_ST stores into R{} ctx is not allowed", in.dst_reg));
    RegState imm = RegState::constant(uint64_t(int64_t(in.imm)));
    access(st, in.dst_reg, in.off, size, true, &imm, false, false);
    return;
  }
  RegState v = readReg(st, in.src_reg);
  access(st, in.dst_reg, in.off, size, true, &v, false, false);
}

void Interp::atomic(State &st, const bpf_insn &in) {
  readReg(st, in.dst_reg);
  RegState v = readReg(st, in.src_reg);
  if (in.imm == BPF_CMPXCHG)
    readReg(st, 0);
  const RegState &p = reg(st, in.dst_reg);
  if (p.kind == RegKind::PtrToCtx || p.isPkt())
    reject(st, fmt::format("BPF_ATOMIC stores into R{} {} is not allowed", in.dst_reg,
                           regKindName(p.kind)));
  int size = sizeBytes(in.code);
  if (v.isPtr() && p.kind != RegKind::PtrToStack)
    v = RegState::scalar();
  RegState misc = RegState::scalar();
  access(st, in.dst_reg, in.off, size, false, nullptr, true, false);
  access(st, in.dst_reg, in.off, size, true, &misc, true, false);
  Scalar result = size == 8 ? Scalar::unknown() : Scalar::urange(0, UINT32_MAX);
  if (in.imm == BPF_CMPXCHG)
    setReg(st, 0, RegState::scalar(result));
  else if (in.imm & BPF_FETCH)
    setReg(st, in.src_reg, RegState::scalar(result));
}

RegState Interp::access(State &st, int preg, int32_t off, int size, bool write,
                        const RegState *value, bool atomicOp, bool signExt) {
  const RegState p = reg(st, preg);
  const char *rw = write ? "write" : "read";
  switch (p.kind) {
  case RegKind::NotInit:
    reject(st, fmt::format("R{} !read_ok", preg));
  case RegKind::Scalar:
  case RegKind::PtrToPacketEnd:
  case RegKind::ConstMapPtr:
  case RegKind::PtrToFunc:
  case RegKind::MapValueOrNull:
  case RegKind::Mixed:
    reject(st, fmt::format("R{} invalid mem access '{}'", preg,
                           p.kind == RegKind::Scalar ? "scalar" : regKindName(p.kind)));
  default:
    break;
  }
  noteAccessType(st, p.kind);

  if (p.kind == RegKind::PtrToStack)
    return stackAccess(st, p, preg, off, size, write, value, signExt);

  if (p.kind == RegKind::PtrToCtx) {
    if (p.off != 0)
      reject(st, fmt::format("dereference of modified ctx ptr R{} off={} disallowed", preg, p.off));
    if (!p.var.isConst() || p.var.constValue() != 0)
      reject(st, fmt::format("variable ctx access var_off={} disallowed", p.var.tn.str()));
    auto bad = [&](const char *why) {
      reject(st, fmt::format("invalid bpf_context access off={} size={} ({})", off, size, why));
    };
    if (write)
      bad("the fields of struct xdp_md are read-only");
    if (off < 0 || off >= 24 || off % size != 0)
      bad("outside struct xdp_md or misaligned");
    if (size != 4)
      bad("the fields of struct xdp_md are read as 32-bit words");
    if (off == 20)
      bad("egress_ifindex is only readable by devmap programs");
    if (signExt)
      bad("sign-extending loads from ctx are not allowed");
    RegState r;
    switch (off) {
    case 0:
      r.kind = RegKind::PtrToPacket;
      break;
    case 4:
      r.kind = RegKind::PtrToPacketEnd;
      break;
    case 8:
      r.kind = RegKind::PtrToPacketMeta;
      break;
    default:
      return RegState::scalar(Scalar::urange(0, UINT32_MAX));
    }
    r.var = Scalar::constant(0);
    return r;
  }

  if (p.isPkt()) {
    const char *what = p.kind == RegKind::PtrToPacket ? "packet" : "packet metadata";
    if (p.var.smin < 0)
      reject(st, fmt::format("R{} min value is negative, either use unsigned index or do a if "
                             "(index >=0) check.", preg));
    int64_t o = int64_t(p.off) + off;
    if (o < 0 || o + size > p.range) {
      std::string span = fmt::format("{}..{}", int64_t(p.off) + off + p.var.smin,
                                     int64_t(p.off) + off + int64_t(p.var.umax) + size - 1);
      if (p.var.isConst())
        span = fmt::format("{}..{}", o, o + size - 1);
      rejectWithNote(st, fmt::format("{} access at offset {} is not bounds-checked", what, span),
                     fmt::format("the kernel says: invalid access to packet, off={} size={}, "
                                 "R{}(id={},off={},r={}); compare the pointer past the access "
                                 "with data_end first", o, size, preg, p.id, p.off, p.range));
    }
    if (p.kind == RegKind::PtrToPacket) {
      uint64_t last = uint64_t(o) + p.var.umax + size; // one past the last byte
      if (last > opts_.headerWindow)
        hardware(st, fmt::format("packet access at offset {}..{} is beyond the header window: it "
                                 "needs a window of {} bytes, the target has {}",
                                 o + p.var.umin, last - 1, last, opts_.headerWindow),
                 {"the datapath reads and writes only the first bytes of each packet; keep "
                  "parsing within the window or raise VerifyOptions::headerWindow"});
    }
    (void)atomicOp;
    (void)rw;
    if (write)
      return RegState{};
    return RegState::scalar(loadedScalar(size, signExt));
  }

  // Map values.
  const MapDef &m = obj_.maps[p.map];
  int64_t lo = int64_t(p.off) + off + p.var.smin;
  if (p.var.smin < 0 && (p.var.smin == INT64_MIN || lo < 0))
    reject(st, fmt::format("R{} min value is negative, either use unsigned index or do a if "
                           "(index >=0) check.", preg));
  if (p.var.umax >= uint64_t(kMaxVarOff))
    reject(st, fmt::format("R{} unbounded memory access, make sure to bounds check any such "
                           "access", preg));
  int64_t hi = int64_t(p.off) + off + int64_t(p.var.umax) + size;
  if (lo < 0 || hi > int64_t(m.value_size))
    reject(st, fmt::format("invalid access to map value, value_size={} off={} size={} (map '{}')",
                           m.value_size, int64_t(p.off) + off + (p.var.isConst() ? int64_t(p.var.umin) : 0),
                           size, m.name));
  if (atomicOp) {
    // Alignment: only atomics are checked on map values (x86 does not
    // enforce strict alignment for other accesses).
    Tnum t = tnumAdd(p.var.tn, Tnum::constant(uint64_t(int64_t(p.off) + off)));
    if ((t.value | t.mask) & uint64_t(size - 1))
      reject(st, fmt::format("misaligned value access off {}+{} size {}", p.off, off, size));
  }
  if (write && (m.readonly || (m.flags & BPF_F_RDONLY_PROG)))
    reject(st, fmt::format("write into map forbidden, value_size={} off={} size={} (map '{}' is "
                           "read-only to the program)", m.value_size, int64_t(p.off) + off, size,
                           m.name));
  if (write)
    return RegState{};
  // Frozen read-only data: the kernel reads the actual bytes.
  if ((m.readonly || (m.flags & BPF_F_RDONLY_PROG)) && p.var.isConst() &&
      m.initial.size() == m.value_size && !signExt) {
    int64_t at = int64_t(p.off) + off + int64_t(p.var.constValue());
    uint64_t v = 0;
    for (int b = size - 1; b >= 0; --b)
      v = (v << 8) | m.initial[at + b];
    return RegState::constant(v);
  }
  return RegState::scalar(loadedScalar(size, signExt));
}

RegState Interp::stackAccess(State &st, const RegState &p, int preg, int32_t off, int size,
                             bool write, const RegState *value, bool signExt) {
  Frame &fr = st.frames[p.frame];
  const char *rw = write ? "write to" : "read from";
  int64_t lo = int64_t(p.off) + off + p.var.smin;
  int64_t hi = int64_t(p.off) + off + p.var.smax;
  if (p.var.isConst()) {
    lo = hi = int64_t(p.off) + off + int64_t(p.var.constValue());
    if (lo < -kStackSize || lo + size > 0)
      reject(st, fmt::format("invalid {} stack R{} off={} size={} (the stack is {} bytes below r10)",
                             rw, preg, lo, size, kStackSize));
    if (lo % size != 0)
      reject(st, fmt::format("misaligned stack access off {}+{} size {}", p.off, off, size));
  } else {
    if (lo < -kStackSize || hi + size > 0)
      reject(st, fmt::format("invalid variable-offset {} stack R{} var_off={} off={} size={}", rw,
                             preg, p.var.tn.str(), p.off + off, size));
    Tnum t = tnumAdd(p.var.tn, Tnum::constant(uint64_t(int64_t(p.off) + off)));
    if ((t.value | t.mask) & uint64_t(size - 1))
      reject(st, fmt::format("misaligned stack access off {}+{}+{} size {}", p.var.tn.str(), p.off,
                             off, size));
  }
  int &depth = funcStack_[cfg_.funcOf[fr.func]];
  depth = std::max<int>(depth, int(-lo));

  auto kOf = [](int64_t o) { return int(-o - 1); }; // byte index of fp+o
  if (write) {
    if (!p.var.isConst()) {
      for (int64_t o = lo; o < hi + size; ++o) {
        int k = kOf(o);
        fr.touch(k);
        if (fr.stype[k] == StackByte::Spill)
          for (int j = (k / 8) * 8; j < (k / 8) * 8 + 8; ++j)
            fr.stype[j] = StackByte::Misc;
        fr.stype[k] = StackByte::Misc;
      }
      return RegState{};
    }
    int slot = kOf(lo) / 8;
    fr.touch(slot * 8 + 7);
    if (value && value->isPtr() && !(size == 8 && (lo % 8) == 0))
      reject(st, fmt::format("invalid size of register spill: {} bytes of a {} pointer at fp{}",
                             size, regKindName(value->kind), lo));
    if (value && (lo % 8) == 0 && (value->isPtr() || value->kind == RegKind::Scalar)) {
      // A spill: the whole register at a slot start, kept with its bounds
      // (narrow scalar spills too, as the kernel keeps them). Bytes of the
      // slot it does not cover become misc (zero and unwritten ones stay).
      int low = slot * 8 + 7; // the byte at the slot's lowest address
      for (int j = 0; j < 8; ++j) {
        StackByte &b = fr.stype[slot * 8 + j];
        bool covered = slot * 8 + j > low - size;
        if (covered)
          b = StackByte::Spill;
        else if (b == StackByte::Spill)
          b = StackByte::Misc;
      }
      RegState sp = *value;
      if (size < 8) {
        uint64_t m = (1ULL << (size * 8)) - 1;
        if (sp.var.isConst())
          sp = RegState::constant(sp.var.constValue() & m);
        else if (sp.var.umax > m)
          sp = RegState::scalar(Scalar::urange(0, m));
        sp.id = sp.var.umax <= m ? value->id : 0;
        sp.linkOff = sp.id ? value->linkOff : 0;
        sp.linkAdd = sp.id ? value->linkAdd : false;
      }
      fr.spillAt(slot) = sp;
      return RegState{};
    }
    if (fr.stype[slot * 8 + 7] == StackByte::Spill)
      for (int j = 0; j < 8; ++j)
        if (fr.stype[slot * 8 + j] == StackByte::Spill)
          fr.stype[slot * 8 + j] = StackByte::Misc;
    bool zero = value && value->kind == RegKind::Scalar && value->var.isConst() &&
                value->var.constValue() == 0;
    for (int64_t o = lo; o < lo + size; ++o)
      fr.stype[kOf(o)] = zero ? StackByte::Zero : StackByte::Misc;
    return RegState{};
  }

  // Reads.
  if (p.var.isConst()) {
    int slot = kOf(lo) / 8;
    if (fr.stype[slot * 8 + 7] == StackByte::Spill) {
      const RegState &sp = fr.spill[slot];
      int spillSize = 0;
      while (spillSize < 8 && fr.stype[slot * 8 + 7 - spillSize] == StackByte::Spill)
        ++spillSize;
      if (size == 8 && spillSize == 8)
        return sp;
      if (sp.kind != RegKind::Scalar)
        reject(st, fmt::format("invalid size of register fill: {} bytes of a spilled {} at "
                               "fp{}", size, regKindName(sp.kind), lo));
      if (lo == -8 * (slot + 1) && size <= spillSize) {
        // The low bytes of a spilled scalar.
        Scalar v = sp.var;
        uint64_t m = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
        if (v.isConst())
          v = Scalar::constant(v.constValue() & m);
        else if (v.umax > m)
          v = Scalar::urange(0, m);
        if (signExt && size < 8)
          v = sextScalar(v, size * 8, 64);
        RegState out = RegState::scalar(v);
        if (size == spillSize && !signExt && v.umax <= m) {
          out.id = sp.id;
          out.linkOff = sp.linkOff;
          out.linkAdd = sp.linkAdd;
        }
        return out;
      }
    }
  }
  bool allZero = true;
  for (int64_t o = lo; o < hi + size; ++o) {
    StackByte b = fr.stype[kOf(o)];
    if (b == StackByte::Invalid) {
      if (opts_.rejectUninitStack)
        reject(st, fmt::format("invalid read from stack off {}+{} size {} (the byte was never "
                               "written)", lo, o - lo, size));
      allZero = false;
    } else if (b != StackByte::Zero) {
      allZero = false;
    }
  }
  if (allZero)
    return RegState::constant(0);
  return RegState::scalar(loadedScalar(size, signExt));
}

void Interp::memArg(State &st, int argReg, const RegState &p, uint64_t sizeMin, uint64_t sizeMax,
                    bool write, const char *what) {
  if (sizeMax == 0)
    return;
  switch (p.kind) {
  case RegKind::PtrToStack: {
    Frame &fr = st.frames[p.frame];
    int64_t lo = int64_t(p.off) + p.var.smin;
    int64_t hi = int64_t(p.off) + p.var.smax + int64_t(sizeMax);
    if (lo < -kStackSize || hi > 0)
      reject(st, fmt::format("invalid indirect access to stack R{} off={} size={} ({})", argReg,
                             lo, sizeMax, what));
    int &depth = funcStack_[cfg_.funcOf[fr.func]];
    depth = std::max<int>(depth, int(-lo));
    for (int64_t o = lo; o < hi; ++o) {
      int k = int(-o - 1);
      if (write) {
        fr.touch(k);
        if (fr.stype[k] == StackByte::Spill)
          for (int j = (k / 8) * 8; j < (k / 8) * 8 + 8; ++j)
            fr.stype[j] = StackByte::Misc;
        fr.stype[k] = StackByte::Misc;
      } else if (fr.stype[k] == StackByte::Invalid && opts_.rejectUninitStack) {
        reject(st, fmt::format("invalid indirect read from stack R{} off {}+{} size {} ({})",
                               argReg, lo, o - lo, sizeMax, what));
      }
    }
    return;
  }
  case RegKind::PtrToPacket:
  case RegKind::PtrToPacketMeta: {
    if (p.var.smin < 0)
      reject(st, fmt::format("R{} min value is negative", argReg));
    int64_t need = int64_t(p.off) + int64_t(sizeMax);
    if (p.off < 0 || need > p.range)
      reject(st, fmt::format("invalid access to packet, off={} size={}, R{}(id={},off={},r={}) "
                             "({})", p.off, sizeMax, argReg, p.id, p.off, p.range, what));
    if (p.kind == RegKind::PtrToPacket) {
      uint64_t last = uint64_t(p.off) + p.var.umax + sizeMax;
      if (last > opts_.headerWindow)
        hardware(st, fmt::format("helper argument R{} reaches packet offset {}: it needs a header "
                                 "window of {} bytes, the target has {}", argReg, last - 1, last,
                                 opts_.headerWindow));
    }
    return;
  }
  case RegKind::MapValue: {
    const MapDef &m = obj_.maps[p.map];
    int64_t lo = int64_t(p.off) + p.var.smin;
    int64_t hi = int64_t(p.off) + int64_t(p.var.umax) + int64_t(sizeMax);
    if (lo < 0 || hi > int64_t(m.value_size) || p.var.umax >= uint64_t(kMaxVarOff))
      reject(st, fmt::format("invalid access to map value, value_size={} off={} size={} ({})",
                             m.value_size, lo, sizeMax, what));
    if (write && (m.readonly || (m.flags & BPF_F_RDONLY_PROG)))
      reject(st, fmt::format("write into map forbidden ({} of map '{}')", what, m.name));
    return;
  }
  default:
    reject(st, fmt::format("R{} type={} expected=fp, pkt, pkt_meta, map_value ({})", argReg,
                           regKindName(p.kind), what));
  }
  (void)sizeMin;
}

//===----------------------------------------------------------------------===//
// Jumps
//===----------------------------------------------------------------------===//

const char *jmpName(uint8_t op) {
  switch (op) {
  case BPF_JEQ: return "==";
  case BPF_JNE: return "!=";
  case BPF_JGT: return ">";
  case BPF_JGE: return ">=";
  case BPF_JLT: return "<";
  case BPF_JLE: return "<=";
  case BPF_JSGT: return "s>";
  case BPF_JSGE: return "s>=";
  case BPF_JSLT: return "s<";
  case BPF_JSLE: return "s<=";
  case BPF_JSET: return "&";
  }
  return "?";
}

/// Bytes known in bounds from `p OP end` holding, or -1 for none.
/// (p <= end: p.off bytes; p < end: p.off + 1 bytes.)
int pktRangeFrom(uint8_t op, const RegState &p) {
  if (p.off < 0 || p.var.umax > uint64_t(kMaxPacketOff) ||
      p.var.umax + uint64_t(p.off) > uint64_t(kMaxPacketOff))
    return -1;
  switch (op) {
  case BPF_JLE:
    return p.off;
  case BPF_JLT:
    return p.off == 0 ? -1 : p.off + 1;
  default:
    return -1;
  }
}

void Interp::jump(State &st, const bpf_insn &in) {
  const uint32_t i = st.idx;
  const uint8_t op = BPF_OP(in.code);
  const uint32_t target = uint32_t(jumpTarget(in, i));
  if (op == BPF_JA) {
    branchTo(st, i, target, true, true);
    return;
  }
  const bool is32 = BPF_CLASS(in.code) == BPF_JMP32;
  const unsigned w = is32 ? 32 : 64;
  const bool x = BPF_SRC(in.code) == BPF_X;
  RegState a = readReg(st, in.dst_reg);
  RegState b = x ? readReg(st, in.src_reg)
                 : RegState::constant(is32 ? uint64_t(uint32_t(in.imm)) : uint64_t(int64_t(in.imm)));

  // Both sides, each possibly narrowed; nullopt: that side cannot happen.
  std::optional<State> taken, fall;
  auto both = [&]() {
    taken = st;
    fall = std::move(st);
  };

  if (a.kind == RegKind::Scalar && b.kind == RegKind::Scalar) {
    int out = branchOutcome(op, a.var, b.var, w);
    if (out == 1) {
      branchTo(st, i, target, true, true);
      return;
    }
    if (out == 0) {
      branchTo(st, i, i + 1, false, true);
      return;
    }
    both();
    auto refine = [&](State &s, uint8_t o) -> bool {
      RegState ra = a, rb = b;
      if (!refineBranch(o, ra.var, rb.var, w))
        return false;
      auto apply = [&](int r, const RegState &nv) {
        RegState &cur = s.top().regs[r];
        uint32_t id = cur.id, andId = cur.andId;
        uint64_t andMask = cur.andMask;
        int32_t linkOff = cur.linkOff;
        cur.var = nv.var;
        if (id)
          forEachReg(s, [&](RegState &o2) {
            if (o2.kind != RegKind::Scalar || o2.id != id)
              return;
            int64_t delta = int64_t(o2.linkOff) - linkOff;
            o2.var = delta == 0 ? nv.var
                                : aluScalar(BPF_ADD, nv.var, Scalar::constant(uint64_t(delta)), 64, false);
          });
        if (andId) {
          // Bits of the mask known here are known in the source.
          uint64_t known = andMask & ~nv.var.tn.mask;
          Tnum t{nv.var.tn.value & known, ~known};
          forEachReg(s, [&](RegState &o2) {
            if (o2.kind == RegKind::Scalar && o2.id == andId && o2.linkOff == 0) {
              Scalar v = o2.var;
              if ((v.tn.value ^ t.value) & ~(v.tn.mask | t.mask))
                return; // contradiction: leave it (the path is infeasible)
              v.tn = tnumIntersect(v.tn, t);
              if (v.sync())
                o2.var = v;
            }
          });
        }
      };
      apply(in.dst_reg, ra);
      if (x)
        apply(in.src_reg, rb);
      return true;
    };
    if (!refine(*taken, op))
      taken.reset();
    if (!refine(*fall, negateJmp(op)))
      fall.reset();
  } else {
    // Pointer comparisons.
    bool aPtr = a.isPtr(), bPtr = b.isPtr();
    const RegState &ptr = aPtr ? a : b;
    const RegState &other = aPtr ? b : a;
    bool otherZero = other.kind == RegKind::Scalar && other.var.isConst() && other.var.constValue() == 0;
    // Only a comparison with 0 null-checks (the kernel learns nothing from
    // `if (p == 2)`).
    if (aPtr != bPtr && otherZero && (op == BPF_JEQ || op == BPF_JNE) && !is32) {
      if (ptr.kind == RegKind::MapValueOrNull) {
        both();
        uint32_t id = ptr.id;
        auto mark = [&](State &s, bool isNull) {
          forEachReg(s, [&](RegState &r) {
            if (r.kind == RegKind::MapValueOrNull && r.id == id) {
              if (isNull) {
                r = RegState::constant(0);
              } else {
                r.kind = RegKind::MapValue;
                r.id = 0;
              }
            }
          });
        };
        mark(*taken, op == BPF_JEQ);
        mark(*fall, op == BPF_JNE);
      } else if (ptr.kind == RegKind::MapValue || ptr.kind == RegKind::ConstMapPtr) {
        // Never null.
        bool eq = op == BPF_JEQ;
        branchTo(st, i, eq ? i + 1 : target, !eq, true);
        return;
      } else {
        both();
      }
    } else if (aPtr && bPtr && !is32 &&
               ((a.kind == RegKind::PtrToPacket && b.kind == RegKind::PtrToPacketEnd) ||
                (a.kind == RegKind::PtrToPacketEnd && b.kind == RegKind::PtrToPacket) ||
                (a.kind == RegKind::PtrToPacketMeta && b.kind == RegKind::PtrToPacket) ||
                (a.kind == RegKind::PtrToPacket && b.kind == RegKind::PtrToPacketMeta &&
                 false))) {
      // Normalise to "p OP end" (end: pkt_end, or pkt for a meta pointer).
      bool pIsA = (a.kind == RegKind::PtrToPacket && b.kind == RegKind::PtrToPacketEnd) ||
                  a.kind == RegKind::PtrToPacketMeta;
      const RegState p = pIsA ? a : b;
      const int preg = pIsA ? in.dst_reg : in.src_reg;
      uint8_t o = pIsA ? op : swapJmp(op);
      // A pointer already known to be at or past the end decides the branch.
      if (p.range < 0) {
        int out = -1;
        if ((o == BPF_JGT || o == BPF_JLE) && p.range == kBeyondPktEnd)
          out = o == BPF_JGT;
        if ((o == BPF_JLT || o == BPF_JGE) && (p.range == kBeyondPktEnd || p.range == kAtPktEnd))
          out = o == BPF_JGE;
        if (out >= 0) {
          branchTo(st, i, out ? target : i + 1, out == 1, true);
          return;
        }
      }
      both();
      // Where p > end (or p >= end) holds, that register is marked so.
      auto mark = [&](State &s, uint8_t holds) {
        if (holds == BPF_JGT)
          s.top().regs[preg].range = kBeyondPktEnd;
        else if (holds == BPF_JGE)
          s.top().regs[preg].range = kAtPktEnd;
      };
      auto widen = [&](State &s, uint8_t holds) {
        int r = pktRangeFrom(holds, p);
        if (r < 0)
          return;
        forEachReg(s, [&](RegState &q) {
          if (q.kind == p.kind && q.id == p.id)
            q.range = std::max(q.range, r);
        });
      };
      if (o == BPF_JGT || o == BPF_JGE || o == BPF_JLT || o == BPF_JLE) {
        widen(*taken, o);
        widen(*fall, negateJmp(o));
        mark(*taken, o);
        mark(*fall, negateJmp(o));
      }
    } else {
      both();
    }
  }

  if (taken && fall) {
    branchTo(*taken, i, target, true, false);
    branchTo(*fall, i, i + 1, false, false);
    pushPending(std::move(*taken));
    st = std::move(*fall);
    return;
  }
  if (taken) {
    branchTo(*taken, i, target, true, true);
    st = std::move(*taken);
    return;
  }
  if (fall) {
    branchTo(*fall, i, i + 1, false, true);
    st = std::move(*fall);
    return;
  }
  // Neither side is possible: the path is dead (contradictory facts).
  branchTo(st, i, i + 1, false, true);
  (void)jmpName;
}

//===----------------------------------------------------------------------===//
// Calls and exits
//===----------------------------------------------------------------------===//

void Interp::call(State &st, const bpf_insn &in) {
  const uint32_t i = st.idx;
  if (in.src_reg == 0 && in.imm == BPF_FUNC_loop) {
    loopCall(st);
    return;
  }
  if (in.src_reg == 0) {
    helperCall(st, in);
    ++st.idx;
    return;
  }
  // bpf-to-bpf call.
  Frame callee;
  for (int r = 1; r <= 5; ++r)
    callee.regs[r] = st.top().regs[r];
  enterFrame(st, std::move(callee), i, uint32_t(int64_t(i) + in.imm + 1));
}

void Interp::enterFrame(State &st, Frame callee, uint32_t at, uint32_t target) {
  if (st.frames.size() >= size_t(kMaxFrames))
    reject(st, fmt::format("the call stack of {} frames is too deep (the limit is {})",
                           st.frames.size() + 1, kMaxFrames));
  callEdges_.insert({cfg_.funcOf[at], cfg_.funcOf[target]});
  callee.callsite = at;
  callee.func = target;
  callee.regs[10].kind = RegKind::PtrToStack;
  callee.regs[10].var = Scalar::constant(0);
  callee.regs[10].frame = uint8_t(st.frames.size());
  st.frames.push_back(std::move(callee));
  res_.stats.peakFrames = std::max<uint32_t>(res_.stats.peakFrames, st.frames.size());
  st.idx = target;
}

bool Interp::exit(State &st) {
  if (st.frames.size() == 1) {
    readReg(st, 0);
    return true;
  }
  if (st.top().callback) {
    // The kernel's check of a bpf_loop callback's return (1 stops the loop).
    const RegState &r0 = readReg(st, 0);
    if (r0.kind != RegKind::Scalar)
      reject(st, fmt::format("At callback return the register R0 is {}, not a scalar",
                             regKindName(r0.kind)));
    if (r0.var.smin < 0 || r0.var.smax > 1)
      reject(st, fmt::format("At callback return the register R0 has smin={} smax={} should "
                             "have been in [0, 1]", r0.var.smin, r0.var.smax));
    uint32_t callsite = st.top().callsite;
    st.frames.pop_back();
    st.idx = callsite;  // the bpf_loop call: the callback again, or the return
    ++st.sinceCheckpoint;
    return false;
  }
  // A callee hands back whatever R0 holds (even nothing: only a read in the
  // caller is an error), but never a pointer into a stack.
  const RegState &r0 = reg(st, 0);
  if (r0.kind == RegKind::PtrToStack)
    reject(st, "cannot return stack pointer to the caller");
  RegState ret = r0;
  uint32_t callsite = st.top().callsite;
  st.frames.pop_back();
  Frame &caller = st.top();
  caller.regs[0] = ret;
  for (int r = 1; r <= 5; ++r)
    caller.regs[r] = RegState{};
  st.idx = callsite + 1;
  ++st.sinceCheckpoint;
  return false;
}

// bpf_loop(nr_loops, callback, callback_ctx, flags): the kernel follows the
// callback as a loop (callback_fn(u32 index, void *ctx) with the index an
// unknown scalar, ctx the caller's r3, r3..r5 uninitialised; its return in
// [0, 1]) and the call returns an unknown scalar. Here the callback is
// followed for each call the count allows: the call returns after 0 .. n
// calls (a return of 1 may stop it at any of them), the n + 1st call is not
// made. The count must be a constant (the pipeline unrolls the loop).
void Interp::loopCall(State &st) {
  const uint32_t i = st.idx;
  const char *name = "bpf_loop";
  auto typeErr = [&](int r, const RegState &v, const char *expected) {
    reject(st, fmt::format("R{} type={} expected={} (argument {} of {})", r,
                           regKindName(v.kind), expected, r, name));
  };
  const RegState nr = readReg(st, 1), fn = readReg(st, 2), cx = readReg(st, 3),
                 fl = readReg(st, 4);
  if (nr.kind != RegKind::Scalar)
    typeErr(1, nr, "scalar");
  if (fn.kind != RegKind::PtrToFunc)
    typeErr(2, fn, "func");
  bool null = cx.kind == RegKind::Scalar && cx.var.isConst() && cx.var.constValue() == 0;
  if (cx.kind != RegKind::PtrToStack && !null)
    typeErr(3, cx, "fp or null");
  if (fl.kind != RegKind::Scalar)
    typeErr(4, fl, "scalar");
  uint64_t bound = nr.var.umax;
  if (!nr.var.isConst())
    hardware(st, "bpf_loop's count is not a constant here: the pipeline unrolls the loop, so "
                 "its count must be known when the program is built",
             {"pass bpf_loop a constant count (at most " + std::to_string(opts_.maxLoopTrips) +
              ")"});
  else if (bound > opts_.maxLoopTrips)
    hardware(st, fmt::format("bpf_loop calls its callback up to {} times; the pipeline unrolls "
                             "every loop and allows {} iterations", bound, opts_.maxLoopTrips),
             {"give bpf_loop a smaller constant count"});
  if (!fl.var.isConst())
    hardware(st, "bpf_loop's flags are not a constant here; pass 0");
  if (bound > opts_.maxLoopTrips)
    reject(st, fmt::format("bpf_loop with up to {} calls of its callback is not modelled: this "
                           "verifier follows the callback at most {} times", bound,
                           opts_.maxLoopTrips),
           Category::Limit);
  uint32_t target = uint32_t(fn.off);
  uint16_t k = st.top().cbIter;
  if (k < bound) {
    // The callback once more, and (pushed) the call returning now.
    State ret = st;
    ret.top().cbIter = 0;
    ret.top().regs[0] = RegState::scalar();
    for (int r = 1; r <= 5; ++r)
      ret.top().regs[r] = RegState{};
    ret.idx = i + 1;
    pushPending(std::move(ret));
    st.top().cbIter = uint16_t(k + 1);
    Frame callee;
    callee.callback = true;
    callee.regs[1] = RegState::scalar();
    callee.regs[2] = cx;
    enterFrame(st, std::move(callee), i, target);
    return;
  }
  st.top().cbIter = 0;
  st.top().regs[0] = RegState::scalar();
  for (int r = 1; r <= 5; ++r)
    st.top().regs[r] = RegState{};
  st.idx = i + 1;
}

void Interp::helperCall(State &st, const bpf_insn &in) {
  const int32_t id = in.imm;
  const char *refusal = nicRefusal(id);
  const HelperProto *proto = xdpHelper(id);
  if (!proto) {
    if (helperNotModelled(id)) {
      if (refusal && opts_.hardwareLimits) {
        Diagnostic d = makeDiag(st, Category::Hardware,
                                fmt::format("{} has no meaning on the NIC: {}", helperName(id), refusal));
        throw Reject{d};
      }
      reject(st, fmt::format("{}#{} is not modelled by this verifier (callbacks, references or "
                             "BTF-described fields)", helperName(id), id), Category::Limit);
    }
    Diagnostic d = makeDiag(st, Category::Kernel,
                            fmt::format("unknown func {}#{} (not available to XDP programs)",
                                        helperName(id), id));
    if (refusal)
      d.notes.push_back(fmt::format("the NIC could not run it either: {}", refusal));
    throw Reject{d};
  }
  if (refusal)
    hardware(st, fmt::format("{} has no meaning on the NIC: {}", helperName(id), refusal));

  int mapIdx = -1;
  for (int a = 0; a < 5 && proto->args[a] != Arg::None; ++a) {
    int r = a + 1;
    Arg kind = proto->args[a];
    if (kind == Arg::ConstSize || kind == Arg::ConstSizeOrZero)
      continue; // checked with the pointer before it
    const RegState &v = readReg(st, r);
    auto typeErr = [&](const char *expected) {
      reject(st, fmt::format("R{} type={} expected={} (argument {} of {})", r,
                             v.kind == RegKind::Scalar ? "scalar" : regKindName(v.kind), expected,
                             r, helperName(id)));
    };
    switch (kind) {
    case Arg::Anything:
      break;
    case Arg::ConstMapPtr: {
      if (v.kind != RegKind::ConstMapPtr)
        typeErr("map_ptr");
      mapIdx = v.map;
      uint32_t t = obj_.maps[mapIdx].type;
      bool ok = true;
      switch (id) {
      case BPF_FUNC_redirect_map:
        ok = t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH ||
             t == BPF_MAP_TYPE_CPUMAP || t == BPF_MAP_TYPE_XSKMAP;
        break;
      case BPF_FUNC_tail_call:
        ok = t == BPF_MAP_TYPE_PROG_ARRAY;
        break;
      case BPF_FUNC_perf_event_output:
        ok = t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
        break;
      case BPF_FUNC_map_lookup_elem:
        ok = t != BPF_MAP_TYPE_PROG_ARRAY && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
             t != BPF_MAP_TYPE_RINGBUF;
        break;
      case BPF_FUNC_map_update_elem:
      case BPF_FUNC_map_delete_elem:
        ok = t != BPF_MAP_TYPE_PROG_ARRAY && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
             t != BPF_MAP_TYPE_RINGBUF && t != BPF_MAP_TYPE_DEVMAP &&
             t != BPF_MAP_TYPE_DEVMAP_HASH && t != BPF_MAP_TYPE_CPUMAP &&
             t != BPF_MAP_TYPE_XSKMAP;
        if (id == BPF_FUNC_map_delete_elem &&
            (t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY))
          ok = true; // the kernel accepts the call; it fails at run time
        break;
      default:
        break;
      }
      if (!ok)
        reject(st, fmt::format("cannot pass map_type {} into func {}#{} (map '{}')", t,
                               helperName(id), id, obj_.maps[mapIdx].name));
      break;
    }
    case Arg::MapKey:
    case Arg::MapValue: {
      if (mapIdx < 0)
        reject(st, "map argument missing before key/value");
      const MapDef &m = obj_.maps[mapIdx];
      uint32_t sz = kind == Arg::MapKey ? m.key_size : m.value_size;
      if (v.kind != RegKind::PtrToStack && !v.isPkt() && v.kind != RegKind::MapValue)
        typeErr("fp, pkt, pkt_meta, map_key, map_value");
      memArg(st, r, v, sz, sz, false, kind == Arg::MapKey ? "map key" : "map value");
      break;
    }
    case Arg::Ctx:
      if (v.kind != RegKind::PtrToCtx)
        typeErr("ctx");
      if (v.off != 0 || !v.var.isConst() || v.var.constValue() != 0)
        reject(st, fmt::format("dereference of modified ctx ptr R{} off={} disallowed", r, v.off));
      break;
    case Arg::Mem:
    case Arg::MemOrNull:
    case Arg::UninitMem:
    case Arg::PtrToInt: {
      uint64_t smin = 4, smax = 4;
      bool orZero = false;
      if (kind != Arg::PtrToInt) {
        const RegState &sz = readReg(st, r + 1);
        Arg sk = proto->args[a + 1];
        orZero = sk == Arg::ConstSizeOrZero;
        if (sz.kind != RegKind::Scalar)
          reject(st, fmt::format("R{} type={} expected=scalar (size of argument {})", r + 1,
                                 regKindName(sz.kind), r));
        if (sz.var.smin < 0)
          reject(st, fmt::format("R{} min value is negative, either use unsigned or 'var &= const'",
                                 r + 1));
        if (sz.var.umin == 0 && !orZero)
          reject(st, fmt::format("R{} invalid zero-sized read", r + 1));
        if (sz.var.umax >= (1ULL << 29))
          reject(st, fmt::format("R{} unbounded memory access, use 'var &= const' or 'if (var < "
                                 "const)'", r + 1));
        smin = sz.var.umin;
        smax = sz.var.umax;
      }
      bool isNull = v.kind == RegKind::Scalar && v.var.isConst() && v.var.constValue() == 0;
      if (isNull && kind == Arg::MemOrNull) {
        if (smax != 0)
          reject(st, fmt::format("R{} type=scalar expected=fp, pkt, pkt_meta, map_value (a null "
                                 "buffer needs size 0)", r));
        break;
      }
      if (v.kind != RegKind::PtrToStack && !v.isPkt() && v.kind != RegKind::MapValue)
        typeErr("fp, pkt, pkt_meta, map_value");
      if (kind == Arg::PtrToInt && v.isPkt())
        typeErr("fp, map_value");
      memArg(st, r, v, smin, smax, kind == Arg::UninitMem || kind == Arg::PtrToInt,
             "helper memory argument");
      break;
    }
    default:
      break;
    }
  }

  // Results.
  Frame &f = st.top();
  RegState ret;
  switch (proto->ret) {
  case Ret::Integer:
    ret = RegState::scalar();
    break;
  case Ret::Void:
    ret = RegState::scalar();
    break;
  case Ret::MapValueOrNull: {
    const MapDef &m = obj_.maps[mapIdx];
    ret.kind = RegKind::MapValueOrNull;
    ret.map = mapIdx;
    ret.var = Scalar::constant(0);
    ret.id = newId();
    // Newer kernels know an array lookup with a constant in-range key
    // cannot fail.
    const RegState &key = f.regs[2];
    bool isArray = m.type == BPF_MAP_TYPE_ARRAY || m.type == BPF_MAP_TYPE_PERCPU_ARRAY;
    if (isArray && key.kind == RegKind::PtrToStack && key.var.isConst()) {
      Frame &kf = st.frames[key.frame];
      int64_t o = int64_t(key.off) + int64_t(key.var.constValue());
      if (o >= -kStackSize && o + int64_t(m.key_size) <= 0) {
        int slot = int(-o - 1) / 8;
        std::optional<uint64_t> kv;
        // As the kernel: key_size zero bytes from the key's start within its
        // slot, or a scalar constant spilled with exactly key_size bytes.
        int k0 = int(-o - 1);
        int zeros = 0;
        for (int k = k0; k >= slot * 8 && kf.stype[k] == StackByte::Zero; --k)
          ++zeros;
        if (zeros >= int(m.key_size))
          kv = 0;
        int spillSize = 0;
        for (int k = k0; k >= slot * 8 && kf.stype[k] == StackByte::Spill; --k)
          ++spillSize;
        // (The kernel takes the spilled register's value wherever in the
        // slot the key starts; so does this, to decide alike.)
        if (!kv && spillSize == int(m.key_size) && kf.stype[slot * 8 + 7] == StackByte::Spill &&
            kf.spill[slot].kind == RegKind::Scalar && kf.spill[slot].var.isConst())
          kv = kf.spill[slot].var.constValue();
        if (kv && *kv < m.max_entries) {
          ret.kind = RegKind::MapValue;
          ret.id = 0;
        }
      }
    }
    break;
  }
  }
  for (int r = 1; r <= 5; ++r)
    f.regs[r] = RegState{};
  f.regs[0] = ret;
  if (proto->changesPktData) {
    // Every packet pointer is stale after the packet moved.
    forEachReg(st, [](RegState &r) {
      if (r.isPkt() || r.kind == RegKind::PtrToPacketEnd)
        r = RegState::scalar();
    });
  }
}

} // namespace

llvm::Expected<VerifyResult> verify(const Object &obj, const Program &prog,
                                    const VerifyOptions &opts) {
  bool ours = false;
  for (const Program &p : obj.programs)
    ours |= &p == &prog;
  if (!ours && !obj.programs.empty() && prog.insns.empty())
    return makeError("verify: program '{}' has no instructions", prog.name);
  if (prog.lines.size() != prog.insns.size() && !prog.lines.empty())
    return makeError("verify: program '{}' has {} instructions but {} line entries", prog.name,
                     prog.insns.size(), prog.lines.size());

  VerifyResult res;
  Cfg cfg;
  if (auto issue = buildCfg(prog, obj, cfg)) {
    Diagnostic d;
    d.category = Category::Malformed;
    d.insn = issue->insn;
    d.message = issue->message;
    // Program-type rules the kernel applies at the same stage are kernel errors.
    if (d.message.find("not allowed for this program type") != std::string::npos ||
        d.message.find("unreachable insn") != std::string::npos ||
        d.message.find("kfuncs") != std::string::npos)
      d.category = Category::Kernel;
    res.diags.push_back(std::move(d));
    return res;
  }
  Interp interp(obj, prog, opts, cfg, res);
  try {
    interp.run();
  } catch (Reject &r) {
    res.diags.push_back(std::move(r.diag));
  }
  res.kernelAccepted = true;
  bool hwError = false;
  for (const Diagnostic &d : res.diags) {
    if (d.severity != Severity::Error)
      continue;
    if (d.category == Category::Hardware)
      hwError = true;
    else
      res.kernelAccepted = false;
  }
  // A hardware refusal that stopped the walk leaves the kernel's decision open.
  res.accepted = res.kernelAccepted && !hwError;
  if (!res.accepted)
    res.states.clear();
  return res;
}

} // namespace sluice::verify
