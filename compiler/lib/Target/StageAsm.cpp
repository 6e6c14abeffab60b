//===- StageAsm.cpp - Stage images as text ----------------------------------===//
//
// The assembly form of micro-ops and images, for reports, test failures and
// debugging the RTL against the model. Output only: nothing parses it (images
// are hand-written in C++ with isa::Uop and the encodeMap* builders of
// StageImage.h). The map ops print as (docs/image-format.md):
//
//   MAPLK m0, key s16, p3, read w0 mask 0x3 -> s18[, insert s20]
//   MAPATOM add.32 w0, s17; [p2] xchg.64 w2, s20     (R0; R1 if enabled)
//   MAPUPD s18, m1, key s16, value s20, noexist      (any / noexist / exist)
//   MAPDEL s18, m1, key s16
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "sluice/Target/StageImage.h"

namespace sluice {

using isa::Op;

std::string formatUop(const isa::Uop &u, uint32_t pairImm) {
  const isa::OpInfo *info = isa::opInfo(u.op);
  if (!info)
    return fmt::format(".word op={}", u.op);
  Op op = Op(u.op);
  if (op == Op::NOP)
    return "NOP";
  if (op == Op::PAIR)
    return fmt::format("PAIR #0x{:x}", u.imm);
  std::string g = u.g || u.gn ? fmt::format("[{}p{}] ", u.gn ? "!" : "", u.g) : "";
  std::string name = std::string(info->name) + (u.w ? ".w" : "");
  auto slot = [&](unsigned s) { return fmt::format("s{}", s); };
  std::string b = u.bi ? (u.w ? fmt::format("#0x{:x}", uint64_t(pairImm) << 32 | u.imm)
                              : fmt::format("#0x{:x}", u.imm))
                       : slot(u.b);
  switch (info->cls) {
  case isa::OpClass::Cmp:
    return fmt::format("{}{} p{}, {}, {}", g, name, u.p, slot(u.a), b);
  case isa::OpClass::Pred:
    return fmt::format("{}{} p{}, p{}, p{}, #0x{:x}", g, name, u.p, u.a & 15, u.b & 15, u.imm & 15);
  case isa::OpClass::Vread:
    return fmt::format("{}{}.{} {}, [{} + {}]", g, name, 1u << u.p, slot(u.dst), slot(u.a), u.imm);
  default:
    break;
  }
  static const char *kRmw[] = {"add", "or", "and", "xor", "xchg", "rmw5", "rmw6", "rmw7"};
  static const char *kFlags[] = {"any", "noexist", "exist", "flags3"};
  auto rmw = [&](const MapRmw &r) {
    std::string rg = r.g || r.gn ? fmt::format("[{}p{}] ", r.gn ? "!" : "", r.g) : "";
    return fmt::format("{}{}.{} w{}, {}", rg, kRmw[unsigned(r.op) & 7], r.wide ? 64 : 32, r.word,
                       slot(r.operand));
  };
  switch (op) {
  case Op::MAPLK: {
    MapLookupOp m = decodeMapLookup(u);
    return fmt::format("{}MAPLK m{}, key {}, p{}, read w{} mask 0x{:x} -> {}{}", g, m.map,
                       slot(m.key), m.found, m.w0, m.readMask, slot(m.dst),
                       m.insertOnMiss ? ", insert " + slot(m.insertValue) : "");
  }
  case Op::MAPATOM: {
    MapRmw r1 = decodeMapAtomR1(u);
    return fmt::format("MAPATOM {}{}", rmw(decodeMapAtomR0(u)), r1.en ? "; " + rmw(r1) : "");
  }
  case Op::MAPUPD:
    return fmt::format("{}MAPUPD {}, m{}, key {}, value {}, {}", g, slot(u.dst), u.imm & 7,
                       slot(u.a), slot(u.b), kFlags[(u.imm >> 4) & 3]);
  case Op::MAPDEL:
    return fmt::format("{}MAPDEL {}, m{}, key {}", g, slot(u.dst), u.imm & 7, slot(u.a));
  case Op::SETV:
  case Op::REDIR:
    return fmt::format("{}{} {}", g, name, b);
  case Op::ADJH:
  case Op::ADJT:
  case Op::MOV:
    return fmt::format("{}{} {}, {}", g, name, slot(u.dst), b);
  case Op::SEL:
    return fmt::format("{}{} {}, p{} ? {} : {}", g, name, slot(u.dst), u.p, slot(u.a), b);
  case Op::NEG: case Op::BSWAP16: case Op::BSWAP32: case Op::SEXT8: case Op::SEXT16:
  case Op::SEXT32:
    return fmt::format("{}{} {}, {}", g, name, slot(u.dst), slot(u.a));
  default:
    return fmt::format("{}{} {}, {}, {}", g, name, slot(u.dst), slot(u.a), b);
  }
}

std::string formatStageImage(const StageImage &img, const TargetParams &t) {
  static const char *kMeta[] = {"length", "ingress_ifindex", "rx_queue_index", "timestamp_lo",
                                "timestamp_hi"};
  std::string o = fmt::format("; stage image '{}': ISA v{}, parameters 0x{:016x}\n", img.name,
                              img.isaVersion, img.paramHash);
  for (size_t i = 0; i < img.maps.size(); ++i) {
    const ImageMap &m = img.maps[i];
    o += fmt::format("; map m{} {} type {} key {} value {} max {}", i, m.name, m.type, m.keySize,
                     m.valueSize, m.maxEntries);
    if (m.stage >= 0)
      o += fmt::format(" in stage {} at byte {}", m.stage, m.offset);
    o += m.initial.empty() ? "\n" : fmt::format(" ({} initial bytes)\n", m.initial.size());
  }
  for (unsigned s = 0; s < img.consts.size(); ++s)
    if (img.consts[s])
      o += fmt::format("const s{} = 0x{:x}\n", s, img.consts[s]);
  for (unsigned e = 0; e < img.extract.size(); ++e) {
    isa::Extract x = isa::decodeExtract(img.extract[e]);
    if (!x.en)
      continue;
    unsigned slot = e < t.extractorSlots.size() ? t.extractorSlots[e] : 0;
    if (x.src == 0)
      o += fmt::format("extract e{}: s{} = window[{}..{}]\n", e, slot, x.off, x.off + (1u << x.size) - 1);
    else
      o += fmt::format("extract e{}: s{} = {}\n", e, slot, x.off < 5 ? kMeta[x.off] : "?");
  }
  for (unsigned s = 0; s < img.stages.size(); ++s) {
    bool any = false;
    for (uint64_t w : img.stages[s])
      any |= w != 0;
    if (!any)
      continue;
    o += fmt::format("stage {}:\n", s);
    for (unsigned l = 0; l < img.stages[s].size(); ++l) {
      isa::Uop u = img.uop(s, l);
      if (Op(u.op) == Op::NOP)
        continue;
      uint32_t hi = l + 1 < img.stages[s].size() ? img.uop(s, l + 1).imm : 0;
      std::string line = fmt::format("  lane {}: {}", l, formatUop(u, hi));
      for (auto &src : img.lines)
        if (src.stage == s && src.lane == l) {
          line = fmt::format("{:<44} ; {}:{} insn {}", line, src.file, src.line, src.insn);
          break;
        }
      o += line + "\n";
    }
  }
  for (unsigned e = 0; e < img.deparse.size(); ++e) {
    isa::Deparse d = isa::decodeDeparse(img.deparse[e]);
    if (!d.en)
      continue;
    unsigned bank0 = (e % t.lanes) * t.bankSlots();
    std::string g = d.g || d.gn ? fmt::format("[{}p{}] ", d.gn ? "!" : "", d.g) : "";
    int off = int(d.pos) - int(t.headroomBytes);
    std::string where = d.based ? fmt::format("s{} + {}", bank0 + d.base, off) : fmt::format("{}", off);
    o += fmt::format("deparse d{}: {}window[{}] ({} bytes) = s{}\n", e, g, where, 1u << d.size,
                     bank0 + d.src);
  }
  return o;
}

} // namespace sluice
