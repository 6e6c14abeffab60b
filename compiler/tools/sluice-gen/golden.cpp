//===- sluice-golden - Write the stage ISA golden vectors -------------------===//
//
// The only writer of tests/golden/isa-v2.json: hand-built stage images (made
// with the generated encoders) with input packets and the expected verdicts
// and output bytes. Expectations are computed here by reference functions
// written from docs/stage-isa.md, independently of the model engine; the
// model's unit test and, later, the RTL harness check against the file.
// Every micro-op (32- and 64-bit forms), the extractor, the deparser, guards,
// predicates, variable reads, units with their latency and head/tail
// adjustment are exercised. `--check FILE` compares instead of writing;
// `--list` and `--dump NAME` show the vectors and their images as text.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

using namespace sluice;
using isa::Op;
using nlohmann::json;
using Bytes = std::vector<uint8_t>;

namespace {

const TargetParams &T = TargetParams::defaults();
const unsigned H = T.headroomBytes;

struct Packet {
  Bytes in;
  uint32_t ifindex = 1, rxq = 0;
  uint64_t ts = 0;
  uint32_t verdict = 0;
  Bytes out;
  std::optional<uint32_t> redirect;
  bool fault = false;
};

struct Vector {
  std::string name, doc;
  StageImage img = StageImage::empty(T);
  std::vector<Packet> packets;
};

std::string hex(const Bytes &b) {
  std::string s;
  for (uint8_t x : b)
    s += fmt::format("{:02x}", x);
  return s;
}

// --- builders -------------------------------------------------------------
isa::Uop op(Op o, unsigned dst, unsigned a, unsigned b) {
  isa::Uop u;
  u.op = unsigned(o), u.dst = dst, u.a = a, u.b = b;
  return u;
}
isa::Uop opi(Op o, unsigned dst, unsigned a, uint32_t imm) {
  isa::Uop u = op(o, dst, a, 0);
  u.bi = 1, u.imm = imm;
  return u;
}
isa::Uop guarded(isa::Uop u, unsigned g, bool neg = false) {
  u.g = g, u.gn = neg;
  return u;
}
isa::Uop cmp(Op o, unsigned p, unsigned a, unsigned b) {
  isa::Uop u = op(o, 0, a, b);
  u.p = p;
  return u;
}
isa::Uop pairHi(uint32_t imm = 0) {
  isa::Uop u;
  u.op = unsigned(Op::PAIR), u.imm = imm;
  return u;
}
// A 64-bit op in lanes l, l+1.
void wide(StageImage &img, unsigned s, unsigned l, isa::Uop u, uint32_t immHi = 0) {
  u.w = 1;
  img.setUop(s, l, u);
  img.setUop(s, l + 1, pairHi(immHi));
}
uint32_t ext(unsigned off, unsigned bytes) {
  isa::Extract x;
  x.en = 1, x.src = 0, x.off = off, x.size = bytes == 1 ? 0 : bytes == 2 ? 1 : 2;
  return isa::encode(x);
}
uint32_t meta(unsigned which) {
  isa::Extract x;
  x.en = 1, x.src = 1, x.off = which;
  return isa::encode(x);
}
// Extractor entry writing `slot` (the default table: entry e -> extractor_slots[e]).
void extractTo(StageImage &img, unsigned slot, uint32_t word) {
  for (unsigned e = 0; e < T.extractorSlots.size(); ++e)
    if (T.extractorSlots[e] == slot) {
      img.extract[e] = word;
      return;
    }
  fmt::print(stderr, "sluice-golden: no extractor entry writes slot {}\n", slot);
  std::exit(2);
}
struct Dep {
  unsigned src = 0, bytes = 4;
  int offset = 0;
  unsigned g = 0;
  bool gn = false;
  std::optional<unsigned> base;
};
void deparse(StageImage &img, unsigned e, Dep d) {
  isa::Deparse x;
  x.en = 1, x.src = d.src, x.size = d.bytes == 1 ? 0 : d.bytes == 2 ? 1 : 2;
  x.pos = unsigned(d.offset + int(H)), x.g = d.g, x.gn = d.gn;
  if (d.base)
    x.based = 1, x.base = *d.base;
  img.deparse[e] = isa::encode(x);
}

Bytes basePacket(size_t len, unsigned seed) {
  Bytes b(len);
  for (size_t i = 0; i < len; ++i)
    b[i] = uint8_t(i * 7 + seed * 13 + 3);
  return b;
}
void put(Bytes &b, size_t off, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    b[off + i] = uint8_t(v >> (8 * i));
}

// --- reference semantics (docs/stage-isa.md) -------------------------------
uint32_t ref32(Op o, uint32_t a, uint32_t b) {
  switch (o) {
  case Op::MOV: return b;
  case Op::ADD: return a + b;
  case Op::SUB: return a - b;
  case Op::MUL: return uint32_t(uint64_t(a) * b);
  case Op::MULHU: return uint32_t(uint64_t(a) * uint64_t(b) >> 32);
  case Op::AND: return a & b;
  case Op::OR: return a | b;
  case Op::XOR: return a ^ b;
  case Op::LSH: return a << (b % 32);
  case Op::RSH: return a >> (b % 32);
  case Op::ARSH: return int32_t(a) < 0 ? ~(~a >> (b % 32)) : a >> (b % 32);
  case Op::NEG: return ~a + 1;
  case Op::BSWAP16: return uint32_t(a << 8 & 0xff00) | (a >> 8 & 0xff);
  case Op::BSWAP32: return (a >> 24) | (a >> 8 & 0xff00) | (a << 8 & 0xff0000) | (a << 24);
  case Op::SEXT8: return a & 0x80 ? a | 0xffffff00u : a & 0xff;
  case Op::SEXT16: return a & 0x8000 ? a | 0xffff0000u : a & 0xffff;
  case Op::ADDC: {
    uint64_t s = uint64_t(a) + b;
    return uint32_t(s % 0x100000000ull + s / 0x100000000ull);
  }
  case Op::DIV: return b == 0 ? 0 : a / b;
  case Op::MOD: return b == 0 ? a : a % b;
  case Op::SDIV: {
    if (b == 0) return 0;
    int64_t q = int64_t(int32_t(a)) / int64_t(int32_t(b));  // MIN / -1 = 2^31 wraps to MIN
    return uint32_t(q);
  }
  case Op::SMOD: {
    if (b == 0) return a;
    return uint32_t(int64_t(int32_t(a)) % int64_t(int32_t(b)));
  }
  default: std::abort();
  }
}
uint64_t ref64(Op o, uint64_t a, uint64_t b) {
  switch (o) {
  case Op::MOV: return b;
  case Op::SEL: return a;  // the vectors select on p0 here
  case Op::ADD: return a + b;
  case Op::SUB: return a - b;
  case Op::MUL: return a * b;
  case Op::AND: return a & b;
  case Op::OR: return a | b;
  case Op::XOR: return a ^ b;
  case Op::LSH: return a << (b % 64);
  case Op::RSH: return a >> (b % 64);
  case Op::ARSH: return int64_t(a) < 0 ? ~(~a >> (b % 64)) : a >> (b % 64);
  case Op::NEG: return ~a + 1;
  case Op::BSWAP32: {
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i)
      r |= (a >> (8 * i) & 0xff) << (8 * (7 - i));
    return r;
  }
  case Op::SEXT8: return a & 0x80 ? a | ~0xffull : a & 0xff;
  case Op::SEXT16: return a & 0x8000 ? a | ~0xffffull : a & 0xffff;
  case Op::SEXT32: return a & 0x80000000ull ? a | ~0xffffffffull : a & 0xffffffffull;
  case Op::DIV: return b == 0 ? 0 : a / b;
  case Op::MOD: return b == 0 ? a : a % b;
  case Op::SDIV:
    if (b == 0) return 0;
    if (a == 1ull << 63 && b == ~0ull) return a;
    return uint64_t(int64_t(a) / int64_t(b));
  case Op::SMOD:
    if (b == 0) return a;
    if (a == 1ull << 63 && b == ~0ull) return 0;
    return uint64_t(int64_t(a) % int64_t(b));
  default: std::abort();
  }
}
bool refCmp(Op o, uint64_t a, uint64_t b, bool wide) {
  int64_t sa = wide ? int64_t(a) : int64_t(int32_t(uint32_t(a)));
  int64_t sb = wide ? int64_t(b) : int64_t(int32_t(uint32_t(b)));
  switch (o) {
  case Op::JEQ: return a == b;
  case Op::JNE: return a != b;
  case Op::JGT: return a > b;
  case Op::JGE: return a >= b;
  case Op::JLT: return a < b;
  case Op::JLE: return a <= b;
  case Op::JSGT: return sa > sb;
  case Op::JSGE: return sa >= sb;
  case Op::JSLT: return sa < sb;
  case Op::JSLE: return sa <= sb;
  case Op::JSET: return (a & b) != 0;
  default: std::abort();
  }
}
const char *name(Op o) { return isa::opInfo(unsigned(o))->name; }

const std::vector<std::pair<uint32_t, uint32_t>> kEdges32 = {
    {0, 0}, {1, 1}, {0xffffffff, 1}, {0x80000000, 0xffffffff}, {0x7fffffff, 0x80000000},
    {0x12345678, 0x9abcdef0}, {5, 31}, {0xdeadbeef, 32}, {0x80000001, 33}, {3, 0},
    {0xffffff80, 0x7f}, {0x00018000, 0xfffe}};
const std::vector<std::pair<uint64_t, uint64_t>> kEdges64 = {
    {0, 0}, {1, 1}, {~0ull, 1}, {1ull << 63, ~0ull}, {(1ull << 63) - 1, 1ull << 63},
    {0x123456789abcdef0ull, 0x0fedcba987654321ull}, {5, 63}, {0xdeadbeefcafebabeull, 64},
    {0x8000000000000001ull, 33}, {3, 0}, {0xffffffffull, 0x100000000ull},
    {0xffffffff80000000ull, 0x7fffffffull}};

// --- vectors ----------------------------------------------------------------
// Four 32-bit ops side by side: lane l computes ops[l](A, B or imm) from its
// own bank's copies of A (offset 14) and B (offset 18), written to 22 + 4l.
Vector alu32(const std::string &nm, std::vector<Op> ops, std::optional<uint32_t> imm = {},
             unsigned stage = 0) {
  Vector v;
  v.name = nm;
  v.doc = "32-bit ";
  for (auto o : ops)
    v.doc += std::string(name(o)) + " ";
  v.doc += imm ? fmt::format("with B = imm 0x{:x}", *imm) : std::string("on register operands");
  v.doc += fmt::format(" in stage {}; lane l writes offset 22 + 4l", stage);
  for (unsigned l = 0; l < 4; ++l) {
    extractTo(v.img, 8 * l, ext(14, 4));
    extractTo(v.img, 8 * l + 1, ext(18, 4));
    v.img.setUop(stage, l, imm ? opi(ops[l], 8 * l + 4, 8 * l, *imm) : op(ops[l], 8 * l + 4, 8 * l, 8 * l + 1));
    deparse(v.img, l, {.src = 4, .bytes = 4, .offset = int(22 + 4 * l)});
  }
  v.img.setUop(stage + 1, 0, opi(Op::SETV, 0, 0, 2));
  unsigned seed = 0;
  for (auto [a, b] : kEdges32) {
    Packet p;
    p.in = basePacket(64, seed++);
    put(p.in, 14, a, 4);
    put(p.in, 18, b, 4);
    p.out = p.in;
    for (unsigned l = 0; l < 4; ++l)
      put(p.out, 22 + 4 * l, ref32(ops[l], a, imm ? *imm : b), 4);
    p.verdict = 2;
    v.packets.push_back(p);
  }
  return v;
}

// Two 64-bit ops: pair 0 (lanes 0,1) and pair 1 (lanes 2,3), A at 14, B at 22,
// results at 30 and 38.
Vector alu64(const std::string &nm, Op op0, Op op1, std::optional<uint64_t> imm = {}) {
  Vector v;
  v.name = nm;
  v.doc = fmt::format("64-bit (W) {} and {} {}; results at offsets 30 and 38", name(op0), name(op1),
                      imm ? fmt::format("with B = imm64 0x{:x}", *imm) : std::string("on register pairs"));
  for (unsigned pr = 0; pr < 2; ++pr) {
    unsigned lo = 16 * pr, hi = lo + 8;
    extractTo(v.img, lo, ext(14, 4));
    extractTo(v.img, hi, ext(18, 4));
    extractTo(v.img, lo + 1, ext(22, 4));
    extractTo(v.img, hi + 1, ext(26, 4));
    Op o = pr ? op1 : op0;
    if (imm)
      wide(v.img, 0, 2 * pr, opi(o, lo + 2, lo, uint32_t(*imm)), uint32_t(*imm >> 32));
    else
      wide(v.img, 0, 2 * pr, op(o, lo + 2, lo, lo + 1));
    deparse(v.img, 2 * pr, {.src = 2, .bytes = 4, .offset = int(30 + 8 * pr)});
    deparse(v.img, 2 * pr + 1, {.src = 2, .bytes = 4, .offset = int(34 + 8 * pr)});
  }
  v.img.setUop(1, 0, opi(Op::SETV, 0, 0, 2));
  unsigned seed = 0;
  for (auto [a, b] : kEdges64) {
    Packet p;
    p.in = basePacket(64, seed++);
    put(p.in, 14, a, 8);
    put(p.in, 22, b, 8);
    p.out = p.in;
    put(p.out, 30, ref64(op0, a, imm ? *imm : b), 8);
    put(p.out, 38, ref64(op1, a, imm ? *imm : b), 8);
    p.verdict = 2;
    v.packets.push_back(p);
  }
  return v;
}

// Compares: each writes a predicate; deparser entry e (guarded by p(e+1))
// writes the byte 0xEE at offset 30 + e. With `wide`, two per stage.
Vector compares(const std::string &nm, bool wide64, bool withImm) {
  const std::vector<Op> ops = {Op::JEQ, Op::JNE, Op::JGT, Op::JGE, Op::JLT, Op::JLE,
                               Op::JSGT, Op::JSGE, Op::JSLT, Op::JSLE, Op::JSET};
  const uint64_t imm = wide64 ? 0xfffffffffffffff0ull : 0x80000000ull;
  Vector v;
  v.name = nm;
  v.doc = fmt::format("every compare, {}-bit, B = {}; compare i writes p(i+1), which guards "
                      "deparser entry i writing 0xEE at offset 30 + i",
                      wide64 ? 64 : 32, withImm ? fmt::format("imm 0x{:x}", imm) : "register");
  for (unsigned l = 0; l < 4; ++l) {
    extractTo(v.img, 8 * l, ext(14, 4));
    extractTo(v.img, 8 * l + 1, ext(22, 4));
    extractTo(v.img, 8 * l + 2, ext(18, 4));  // high halves for W: slot+8 = next bank's +0
    v.img.consts[8 * l + 7] = 0xEE;
  }
  // W pairs read lo from bank 2p (slots 16p, 16p+1) and hi from bank 2p+1
  // (slots 16p+8, 16p+9): load the high halves there.
  if (wide64)
    for (unsigned pr = 0; pr < 2; ++pr) {
      extractTo(v.img, 16 * pr + 8, ext(18, 4));
      extractTo(v.img, 16 * pr + 9, ext(26, 4));
    }
  for (unsigned i = 0; i < ops.size(); ++i) {
    unsigned p = i + 1;
    if (wide64) {
      unsigned s = i / 2, pr = i % 2, lo = 16 * pr;
      isa::Uop u = withImm ? opi(ops[i], 0, lo, uint32_t(imm)) : op(ops[i], 0, lo, lo + 1);
      u.p = p;
      wide(v.img, s, 2 * pr, u, uint32_t(imm >> 32));
    } else {
      unsigned s = i / 4, l = i % 4;
      isa::Uop u = withImm ? opi(ops[i], 0, 8 * l, uint32_t(imm)) : op(ops[i], 0, 8 * l, 8 * l + 1);
      u.p = p;
      v.img.setUop(s, l, u);
    }
    deparse(v.img, i, {.src = 7, .bytes = 1, .offset = int(30 + i), .g = p});
  }
  v.img.setUop(7, 0, opi(Op::SETV, 0, 0, 3));
  unsigned seed = 0;
  if (wide64) {
    for (auto [a, b] : kEdges64) {
      Packet pk;
      pk.in = basePacket(64, seed++);
      put(pk.in, 14, a, 4);
      put(pk.in, 18, a >> 32, 4);
      put(pk.in, 22, b, 4);
      put(pk.in, 26, b >> 32, 4);
      pk.out = pk.in;
      for (unsigned i = 0; i < ops.size(); ++i)
        if (refCmp(ops[i], a, withImm ? imm : b, true))
          pk.out[30 + i] = 0xEE;
      pk.verdict = 3;
      v.packets.push_back(pk);
    }
  } else {
    for (auto [a, b] : kEdges32) {
      Packet pk;
      pk.in = basePacket(64, seed++);
      put(pk.in, 14, a, 4);
      put(pk.in, 22, b, 4);
      pk.out = pk.in;
      for (unsigned i = 0; i < ops.size(); ++i)
        if (refCmp(ops[i], a, withImm ? uint32_t(imm) : b, false))
          pk.out[30 + i] = 0xEE;
      pk.verdict = 3;
      v.packets.push_back(pk);
    }
  }
  return v;
}

Vector guardsAndPredicates() {
  Vector v;
  v.name = "guards-plut-sel";
  v.doc = "p1 = A == B, p2 = A >s B; PLUT AND/OR/NOT; a guarded compare; guarded and negated-guard "
          "ALU ops leave their slot alone when false; SEL 32 and with an immediate; SETV under "
          "exclusive guards in two stages";
  for (unsigned l = 0; l < 4; ++l) {
    extractTo(v.img, 8 * l, ext(14, 4));
    extractTo(v.img, 8 * l + 1, ext(18, 4));
    v.img.consts[8 * l + 7] = 0xEE;
  }
  v.img.consts[4] = 0xaaaaaaaa;
  v.img.consts[12] = 0x100;
  v.img.consts[20] = 0xbbbb;
  auto &I = v.img;
  I.setUop(0, 0, cmp(Op::JEQ, 1, 0, 1));
  I.setUop(0, 1, cmp(Op::JSGT, 2, 8, 9));
  I.setUop(1, 0, [] { auto u = cmp(Op::PLUT, 3, 1, 2); u.imm = 8; return u; }());   // p1 & p2
  I.setUop(1, 1, [] { auto u = cmp(Op::PLUT, 4, 1, 2); u.imm = 14; return u; }());  // p1 | p2
  I.setUop(1, 2, [] { auto u = cmp(Op::PLUT, 5, 1, 1); u.imm = 1; return u; }());   // !p1
  I.setUop(1, 3, guarded(cmp(Op::JNE, 6, 24, 25), 2));                                // p2 && A != B
  I.setUop(2, 0, guarded(opi(Op::MOV, 4, 0, 0x11111111), 1));
  I.setUop(2, 1, guarded(opi(Op::ADD, 12, 12, 1), 2, true));
  I.setUop(2, 2, guarded(opi(Op::MOV, 20, 0, 0x2222), 3));
  I.setUop(2, 3, guarded(opi(Op::SETV, 0, 0, 2), 4));
  I.setUop(3, 3, guarded(opi(Op::SETV, 0, 0, 1), 4, true));
  // SEL: slot 5 = p2 ? A : B ; slot 13 = p1 ? A : 0x5555
  I.setUop(3, 0, [] { auto u = op(Op::SEL, 5, 0, 1); u.p = 2; return u; }());
  I.setUop(3, 1, [] { auto u = opi(Op::SEL, 13, 8, 0x5555); u.p = 1; return u; }());
  deparse(I, 0, {.src = 4, .bytes = 4, .offset = 22});
  deparse(I, 1, {.src = 4, .bytes = 4, .offset = 26});
  deparse(I, 2, {.src = 4, .bytes = 4, .offset = 30});
  deparse(I, 3, {.src = 7, .bytes = 1, .offset = 34, .g = 3});
  deparse(I, 7, {.src = 7, .bytes = 1, .offset = 35, .g = 4});
  deparse(I, 11, {.src = 7, .bytes = 1, .offset = 36, .g = 5});
  deparse(I, 4, {.src = 7, .bytes = 1, .offset = 37, .g = 6});
  deparse(I, 8, {.src = 5, .bytes = 4, .offset = 38});
  deparse(I, 5, {.src = 5, .bytes = 4, .offset = 42});
  deparse(I, 6, {.src = 7, .bytes = 1, .offset = 46, .g = 2, .gn = true});
  unsigned seed = 0;
  for (auto [a, b] : kEdges32) {
    Packet p;
    p.in = basePacket(64, seed++);
    put(p.in, 14, a, 4);
    put(p.in, 18, b, 4);
    p.out = p.in;
    bool p1 = a == b, p2 = int32_t(a) > int32_t(b);
    bool p3 = p1 && p2, p4 = p1 || p2, p5 = !p1, p6 = p2 && a != b;
    put(p.out, 22, p1 ? 0x11111111 : 0xaaaaaaaa, 4);
    put(p.out, 26, p2 ? 0x100 : 0x101, 4);
    put(p.out, 30, p3 ? 0x2222 : 0xbbbb, 4);
    if (p3) p.out[34] = 0xEE;
    if (p4) p.out[35] = 0xEE;
    if (p5) p.out[36] = 0xEE;
    if (p6) p.out[37] = 0xEE;
    put(p.out, 38, p2 ? a : b, 4);
    put(p.out, 42, p1 ? a : 0x5555, 4);
    if (!p2) p.out[46] = 0xEE;
    p.verdict = p4 ? 2 : 1;
    v.packets.push_back(p);
  }
  return v;
}

Vector verdictRedirect() {
  Vector v;
  v.name = "verdict-redirect";
  v.doc = "SETV from a register (the byte at offset 14) and REDIR from a register (offset 15); the "
          "verdict is reported as is, also when it is no XDP action";
  extractTo(v.img, 0, ext(14, 1));
  extractTo(v.img, 8, ext(15, 1));
  v.img.setUop(5, 0, op(Op::SETV, 0, 0, 0));
  v.img.setUop(5, 1, op(Op::REDIR, 0, 0, 8));
  unsigned seed = 0;
  for (uint32_t verdict : {0u, 1u, 2u, 3u, 4u, 7u}) {
    Packet p;
    p.in = basePacket(60, seed++);
    p.in[14] = uint8_t(verdict);
    p.in[15] = uint8_t(10 + verdict);
    p.out = p.in;
    p.verdict = verdict;
    if (verdict == 4)
      p.redirect = 10 + verdict;
    v.packets.push_back(p);
  }
  return v;
}

Vector variableReads() {
  Vector v;
  v.name = "vld";
  v.doc = "variable header reads after ihl*4: 2 bytes (stage 2), 8 bytes W (stage 6), 1 byte past "
          "the packet's end reads 0 (stage 10), and a 4-byte read past the window faults (stage 14) "
          "when ihl = 15: verdict XDP_ABORTED";
  auto &I = v.img;
  extractTo(I, 0, ext(14, 1));
  I.setUop(0, 0, opi(Op::AND, 1, 0, 0xf));
  I.setUop(1, 0, opi(Op::LSH, 2, 1, 2));
  auto vld = [](unsigned dst, unsigned a, uint32_t imm, unsigned sizeCode) {
    isa::Uop u = opi(Op::VLD, dst, a, imm);
    u.p = sizeCode;
    return u;
  };
  I.setUop(2, 0, vld(3, 2, 14, 1));
  { auto u = vld(4, 2, 16, 3); u.w = 1; I.setUop(6, 0, u); I.setUop(6, 1, pairHi()); }
  I.setUop(10, 0, vld(5, 2, 50, 0));
  I.setUop(14, 0, vld(6, 2, 70, 2));
  I.setUop(0, 1, opi(Op::SETV, 0, 0, 2));
  deparse(I, 0, {.src = 3, .bytes = 4, .offset = 16});
  deparse(I, 4, {.src = 4, .bytes = 4, .offset = 20});
  deparse(I, 1, {.src = 4, .bytes = 4, .offset = 24});  // bank 1 slot 12: the high half
  deparse(I, 8, {.src = 5, .bytes = 4, .offset = 28});
  unsigned seed = 0;
  for (unsigned ihl : {5u, 6u, 10u, 15u}) {
    for (size_t len : {size_t(128), size_t(64)}) {
      Packet p;
      p.in = basePacket(len, seed++);
      p.in[14] = uint8_t(0x40 | ihl);
      Bytes win(128, 0);
      std::copy_n(p.in.begin(), std::min<size_t>(len, 128), win.begin());
      auto le = [&](size_t off, unsigned n) {
        uint64_t x = 0;
        for (unsigned i = 0; i < n; ++i)
          x |= uint64_t(win[off + i]) << (8 * i);
        return x;
      };
      unsigned base = ihl * 4;
      p.out = p.in;
      put(p.out, 16, le(base + 14, 2), 4);
      uint64_t q = le(base + 16, 8);
      put(p.out, 20, q, 4);
      put(p.out, 24, q >> 32, 4);
      put(p.out, 28, le(base + 50, 1), 4);
      p.fault = base + 70 + 4 > 128;
      p.verdict = p.fault ? 0 : 2;
      v.packets.push_back(p);
    }
  }
  return v;
}

Vector extractorAndMeta() {
  Vector v;
  v.name = "extractor";
  v.doc = "extractor: 1 byte at an odd offset, 2 bytes at an odd offset, 4 bytes at an odd "
          "offset, a field past the packet's end (0), metadata (length, ifindex, rx queue, "
          "timestamp low and high), a disabled entry keeping its constant; shown by 12 deparser "
          "writes at offsets 16..63";
  auto &I = v.img;
  // bank 0: slots 0..3, bank 1: 8..11, bank 2: 16..19, bank 3: 24..27
  extractTo(I, 0, ext(23, 1));
  extractTo(I, 1, ext(13, 2));
  extractTo(I, 2, ext(27, 4));
  extractTo(I, 8, ext(120, 4));
  extractTo(I, 9, meta(0));
  extractTo(I, 10, meta(1));
  extractTo(I, 16, meta(2));
  extractTo(I, 17, meta(3));
  extractTo(I, 18, meta(4));
  extractTo(I, 24, ext(127, 1));
  // slot 25 has no enabled entry: its constant
  I.consts[25] = 0x5eed5eed;
  extractTo(I, 26, ext(62, 2));
  unsigned outs[12] = {0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26};
  for (unsigned e = 0; e < 12; ++e)
    deparse(I, e, {.src = outs[e] % 8, .bytes = 4, .offset = int(16 + 4 * e)});
  I.setUop(0, 0, opi(Op::SETV, 0, 0, 2));
  unsigned seed = 0;
  for (auto [len, ifindex, rxq] : {std::tuple{size_t(64), 1u, 0u}, {size_t(128), 7u, 3u},
                                   {size_t(300), 2u, 1u}}) {
    Packet p;
    p.in = basePacket(len, seed++);
    p.ifindex = ifindex;
    p.rxq = rxq;
    p.ts = 0x0123456789abcdefull + seed;
    Bytes win(128, 0);
    std::copy_n(p.in.begin(), std::min<size_t>(len, 128), win.begin());
    auto le = [&](size_t off, unsigned n) {
      uint32_t x = 0;
      for (unsigned i = 0; i < n; ++i)
        x |= uint32_t(win[off + i]) << (8 * i);
      return x;
    };
    uint32_t vals[12] = {le(23, 1), le(120, 4), rxq, le(127, 1),
                         le(13, 2), uint32_t(len), uint32_t(p.ts), 0x5eed5eed,
                         le(27, 4), ifindex, uint32_t(p.ts >> 32), le(62, 2)};
    p.out = p.in;
    for (unsigned e = 0; e < 12; ++e)
      put(p.out, 16 + 4 * e, vals[e], 4);
    p.verdict = 2;
    v.packets.push_back(p);
  }
  return v;
}

Vector deparser() {
  Vector v;
  v.name = "deparser";
  v.doc = "deparser: 1/2/4-byte writes, overlapping entries (the later wins), a based write "
          "(offset from a slot), guards read after the last stage, and a based write past the "
          "window that faults";
  auto &I = v.img;
  I.consts[0] = 0x11223344;
  I.consts[1] = 0xa1a2a3a4;
  extractTo(I, 2, ext(14, 1));  // base for the based write
  I.consts[8] = 0xb1b2b3b4;
  I.consts[16] = 0xc1c2c3c4;
  extractTo(I, 24, ext(15, 1));  // p1 = byte15 != 0
  { auto u = opi(Op::JNE, 0, 24, 0); u.p = 1; I.setUop(4, 3, u); }
  I.setUop(0, 0, opi(Op::SETV, 0, 0, 3));
  deparse(I, 0, {.src = 0, .bytes = 4, .offset = 20});
  deparse(I, 1, {.src = 0, .bytes = 2, .offset = 22});  // bank 1 slot 8: overlaps entry 0
  deparse(I, 2, {.src = 0, .bytes = 1, .offset = 21});  // bank 2 slot 16: overlaps both
  deparse(I, 4, {.src = 1, .bytes = 4, .offset = 30, .base = 2});  // 30 + byte14
  deparse(I, 7, {.src = 0, .bytes = 1, .offset = 40, .g = 1});
  deparse(I, 11, {.src = 0, .bytes = 1, .offset = 41, .g = 1, .gn = true});
  unsigned seed = 0;
  for (auto [b14, b15] : {std::pair{0u, 0u}, {10u, 1u}, {94u, 5u}, {95u, 0u}, {200u, 9u}}) {
    Packet p;
    p.in = basePacket(140, seed++);
    p.in[14] = uint8_t(b14);
    p.in[15] = uint8_t(b15);
    p.out = p.in;
    put(p.out, 20, 0x11223344, 4);
    put(p.out, 22, 0xb3b4, 2);
    p.out[21] = 0xc4;
    if (30 + b14 + 4 <= 128)
      put(p.out, 30 + b14, 0xa1a2a3a4, 4);
    else
      p.fault = true;
    p.out[b15 ? 40 : 41] = uint8_t(b15);
    p.verdict = p.fault ? 0 : 3;
    v.packets.push_back(p);
  }
  return v;
}

Vector adjust(const std::string &nm, std::vector<int32_t> heads, std::vector<int32_t> tails) {
  Vector v;
  v.name = nm;
  v.doc = fmt::format("ADJH deltas {} then ADJT deltas {} (one per stage); each result (0 or "
                      "-EINVAL) is written at offset 80 + 4i, and a byte at offset -4 (headroom)",
                      heads.empty() ? "none" : fmt::format("{}", fmt::join(heads, ", ")),
                      tails.empty() ? "none" : fmt::format("{}", fmt::join(tails, ", ")));
  auto &I = v.img;
  unsigned s = 0, i = 0;
  std::vector<unsigned> resultSlots;
  for (int32_t d : heads) {
    unsigned lane = i % 4, slot = 8 * lane + 4 + i / 4;
    I.setUop(s++, lane, opi(Op::ADJH, slot, 0, uint32_t(d)));
    resultSlots.push_back(slot);
    ++i;
  }
  for (int32_t d : tails) {
    unsigned lane = i % 4, slot = 8 * lane + 4 + i / 4;
    I.setUop(s++, lane, opi(Op::ADJT, slot, 0, uint32_t(d)));
    resultSlots.push_back(slot);
    ++i;
  }
  for (unsigned k = 0; k < resultSlots.size(); ++k)
    deparse(I, k, {.src = resultSlots[k] % 8, .bytes = 4, .offset = int(80 + 4 * k)});
  deparse(I, 11, {.src = 7, .bytes = 1, .offset = -4});  // entry 11: bank 3, slot 31
  I.consts[31] = 0xe1;
  I.setUop(s, 0, opi(Op::SETV, 0, 0, 3));
  unsigned seed = 0;
  for (size_t len : {size_t(100), size_t(128), size_t(3500)}) {
    Packet p;
    p.in = basePacket(len, seed++);
    int64_t h = 0, t = 0;
    std::vector<uint32_t> results;
    for (int32_t d : heads) {
      bool ok = h + d >= -int64_t(H) && int64_t(len) + t - (h + d) >= 14;
      if (ok) h += d;
      results.push_back(ok ? 0 : 0xffffffea);
    }
    for (int32_t d : tails) {
      int64_t end = int64_t(len) + t + d;
      bool ok = end <= int64_t(T.maxLinearBytes) && end - h >= 14;
      if (ok) t += d;
      results.push_back(ok ? 0 : 0xffffffea);
    }
    Bytes buf(H + std::max<size_t>(len + std::max<int64_t>(t, 0), 128), 0);
    std::copy(p.in.begin(), p.in.end(), buf.begin() + H);
    for (unsigned k = 0; k < results.size(); ++k)
      put(buf, H + 80 + 4 * k, results[k], 4);
    buf[H - 4] = 0xe1;
    p.out.assign(buf.begin() + H + h, buf.begin() + int64_t(H) + int64_t(len) + t);
    p.verdict = 3;
    v.packets.push_back(p);
  }
  return v;
}

// Division unit: issued in stage 3 (and 11), lane 2; the result lands at the
// end of stage 3 + L - 1. Lane 1 reads the destination in the stage the
// result lands (old value) and the stage after (new value).
Vector divUnit(const std::string &nm, Op o0, Op o1, bool wide64) {
  Vector v;
  v.name = nm;
  unsigned L = T.unitLatencyStages("div");
  v.doc = fmt::format("div unit ({} stages of latency): {} issued in stage 3 and {} in stage 11, "
                      "{}-bit; stage {} sees the old destination, stage {} the result",
                      L, name(o0), name(o1), wide64 ? 64 : 32, 3 + L - 1, 3 + L);
  auto &I = v.img;
  extractTo(I, 16, ext(14, 4));
  extractTo(I, 17, ext(22, 4));
  extractTo(I, 24, ext(18, 4));
  extractTo(I, 25, ext(26, 4));
  I.consts[20] = 0x77777777;
  I.consts[28] = 0x66666666;
  auto issue = [&](unsigned s, Op o, unsigned dst) {
    isa::Uop u = op(o, dst, 16, 17);
    if (wide64)
      wide(I, s, 2, u);
    else
      I.setUop(s, 2, u);
  };
  issue(3, o0, 20);
  issue(11, o1, 21);
  I.setUop(3 + L - 1, 1, op(Op::MOV, 12, 0, 20));
  I.setUop(3 + L, 1, op(Op::MOV, 13, 0, 20));
  I.setUop(0, 0, opi(Op::SETV, 0, 0, 2));
  deparse(I, 2, {.src = 4, .bytes = 4, .offset = 30});   // slot 20
  deparse(I, 6, {.src = 5, .bytes = 4, .offset = 38});   // slot 21
  deparse(I, 3, {.src = 4, .bytes = 4, .offset = 34});   // slot 28 (high half of 20)
  deparse(I, 7, {.src = 5, .bytes = 4, .offset = 42});   // slot 29 (high half of 21)
  deparse(I, 1, {.src = 4, .bytes = 4, .offset = 46});   // slot 12
  deparse(I, 5, {.src = 5, .bytes = 4, .offset = 50});   // slot 13
  unsigned seed = 0;
  for (auto [a, b] : kEdges64) {
    Packet p;
    p.in = basePacket(64, seed++);
    put(p.in, 14, a, 4);
    put(p.in, 18, a >> 32, 4);
    put(p.in, 22, b, 4);
    put(p.in, 26, b >> 32, 4);
    p.out = p.in;
    uint64_t r0, r1;
    if (wide64) {
      r0 = ref64(o0, a, b);
      r1 = ref64(o1, a, b);
    } else {
      r0 = ref32(o0, uint32_t(a), uint32_t(b)) | 0x6666666600000000ull;
      r1 = ref32(o1, uint32_t(a), uint32_t(b)) | 0ull;
    }
    put(p.out, 30, r0, 4);
    put(p.out, 38, r1, 4);
    put(p.out, 34, r0 >> 32, 4);
    put(p.out, 42, wide64 ? r1 >> 32 : 0, 4);
    put(p.out, 46, 0x77777777, 4);
    put(p.out, 50, r0, 4);
    p.verdict = 2;
    v.packets.push_back(p);
  }
  return v;
}

Vector chain() {
  Vector v;
  v.name = "chain-all-stages";
  v.doc = "a dependency chain through every stage: slot 4 += stage index + 1 in each of the 24 "
          "stages; the verdict is set in the last stage";
  extractTo(v.img, 0, ext(14, 4));
  v.img.setUop(0, 0, opi(Op::ADD, 4, 0, 1));
  for (unsigned s = 1; s < T.stages; ++s)
    v.img.setUop(s, 0, opi(Op::ADD, 4, 4, s + 1));
  v.img.setUop(T.stages - 1, 1, opi(Op::SETV, 0, 0, 2));
  deparse(v.img, 0, {.src = 4, .bytes = 4, .offset = 18});
  unsigned seed = 0;
  for (uint32_t a : {0u, 0xfffffff0u, 12345u}) {
    Packet p;
    p.in = basePacket(64, seed++);
    put(p.in, 14, a, 4);
    p.out = p.in;
    uint32_t sum = a;
    for (unsigned s = 0; s < T.stages; ++s)
      sum += s + 1;
    put(p.out, 18, sum, 4);
    p.verdict = 2;
    v.packets.push_back(p);
  }
  return v;
}

std::vector<Vector> allVectors() {
  std::vector<Vector> vs;
  vs.push_back(alu32("alu32-arith", {Op::ADD, Op::SUB, Op::MUL, Op::MULHU}));
  vs.push_back(alu32("alu32-logic", {Op::AND, Op::OR, Op::XOR, Op::LSH}));
  vs.push_back(alu32("alu32-shift", {Op::RSH, Op::ARSH, Op::NEG, Op::BSWAP16}));
  vs.push_back(alu32("alu32-bytes", {Op::BSWAP32, Op::SEXT8, Op::SEXT16, Op::ADDC}, {}, 9));
  vs.push_back(alu32("alu32-imm", {Op::ADD, Op::LSH, Op::MOV, Op::ARSH}, 0xffffffe3u));
  vs.push_back(alu32("alu32-mov", {Op::MOV, Op::XOR, Op::ADDC, Op::MUL}, 0x80000001u, 22));
  vs.push_back(alu64("alu64-arith", Op::ADD, Op::SUB));
  vs.push_back(alu64("alu64-mul-and", Op::MUL, Op::AND));
  vs.push_back(alu64("alu64-or-xor", Op::OR, Op::XOR));
  vs.push_back(alu64("alu64-shift", Op::LSH, Op::RSH));
  vs.push_back(alu64("alu64-arsh-neg", Op::ARSH, Op::NEG));
  vs.push_back(alu64("alu64-bswap-sext8", Op::BSWAP32, Op::SEXT8));
  vs.push_back(alu64("alu64-sext", Op::SEXT16, Op::SEXT32));
  vs.push_back(alu64("alu64-imm", Op::MOV, Op::ADD, 0xfedcba9876543210ull));
  vs.push_back(alu64("alu64-imm-shift", Op::ARSH, Op::LSH, 0x000000000000004full));
  vs.push_back(compares("cmp32", false, false));
  vs.push_back(compares("cmp32-imm", false, true));
  vs.push_back(compares("cmp64", true, false));
  vs.push_back(compares("cmp64-imm", true, true));
  vs.push_back(guardsAndPredicates());
  vs.push_back(verdictRedirect());
  vs.push_back(variableReads());
  vs.push_back(extractorAndMeta());
  vs.push_back(deparser());
  vs.push_back(adjust("adjust-head", {14, -20, -64}, {}));
  vs.push_back(adjust("adjust-tail", {}, {-10, 30, -200}));
  vs.push_back(adjust("adjust-both", {-8, 100}, {20, 4000}));
  vs.push_back(divUnit("div32", Op::DIV, Op::MOD, false));
  vs.push_back(divUnit("sdiv32", Op::SDIV, Op::SMOD, false));
  vs.push_back(divUnit("div64", Op::DIV, Op::SMOD, true));
  vs.push_back(divUnit("sdiv64", Op::SDIV, Op::MOD, true));
  vs.push_back(chain());
  // W SEL: pair 0 with p0 (always A), guarded variant in the 64-bit guard vector.
  {
    Vector v = alu64("alu64-sel", Op::SEL, Op::SEL);
    v.doc = "64-bit SEL on p0 (A) and on p15 (never written: B)";
    isa::Uop u = v.img.uop(0, 2);
    u.p = 15;
    v.img.setUop(0, 2, u);
    for (auto &p : v.packets) {
      Bytes b(p.in.begin() + 22, p.in.begin() + 30);
      std::copy(b.begin(), b.end(), p.out.begin() + 38);
    }
    vs.push_back(v);
  }
  return vs;
}

std::string render() {
  json j;
  j["generated_by"] = "sluice-golden (compiler/tools/sluice-gen/golden.cpp): do not edit";
  j["isa_version"] = isa::kIsaVersion;
  j["param_hash"] = fmt::format("0x{:016x}", T.hash);
  j["vectors"] = json::array();
  for (auto &v : allVectors()) {
    v.img.name = v.name;
    if (auto e = verifyStageImage(v.img, T)) {
      fmt::print(stderr, "sluice-golden: vector {}: {}\n", v.name, llvm::toString(std::move(e)));
      std::exit(2);
    }
    json jv;
    jv["name"] = v.name;
    jv["doc"] = v.doc;
    jv["image"] = hex(writeStageImage(v.img));
    jv["packets"] = json::array();
    for (auto &p : v.packets) {
      json jp;
      jp["in"] = hex(p.in);
      jp["ingress_ifindex"] = p.ifindex;
      jp["rx_queue_index"] = p.rxq;
      jp["timestamp_ns"] = p.ts;
      jp["verdict"] = p.verdict;
      jp["out"] = hex(p.out);
      jp["fault"] = p.fault;
      if (p.redirect)
        jp["redirect_ifindex"] = *p.redirect;
      jv["packets"].push_back(jp);
    }
    j["vectors"].push_back(jv);
  }
  return j.dump(1) + "\n";
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc >= 2 ? argv[1] : "";
  if (mode == "--list" && argc == 2) {
    for (auto &v : allVectors())
      fmt::print("{:<20} {} packets  {}\n", v.name, v.packets.size(), v.doc);
    return 0;
  }
  if (mode == "--dump" && argc == 3) {
    for (auto &v : allVectors())
      if (v.name == argv[2]) {
        fmt::print("; {}\n{}", v.doc, formatStageImage(v.img, T));
        return 0;
      }
    fmt::print(stderr, "sluice-golden: no vector '{}' (see --list)\n", argv[2]);
    return 2;
  }
  if ((mode != "-o" && mode != "--check") || argc != 3) {
    fmt::print(stderr, "usage: sluice-golden -o FILE | --check FILE | --list | --dump NAME\n");
    return 2;
  }
  std::string text = render();
  if (mode == "-o") {
    std::ofstream out(argv[2], std::ios::binary);
    out << text;
    return out ? 0 : 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str() != text) {
    fmt::print(stderr, "sluice-golden: {} differs from a fresh generation; run `ninja "
                       "sluice-golden-regen`, review the diff and commit it\n", argv[2]);
    return 1;
  }
  fmt::print("{} is up to date\n", argv[2]);
  return 0;
}
