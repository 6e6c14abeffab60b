//===- ImageBuilder.h - Hand-written stage images for tests ----------------===//
//
// The few builders the model's and the RTL pipeline's map tests write their
// images with, and the counter image both run (tests/unit/Model/ModelMapsTest.cpp, tests/rtl/PipelineTest.cpp),
// so both run the same images built the same way.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <linux/bpf.h>

#include <string>
#include <utility>

#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

namespace sluice::test {

/// A map of the MAPS section bound to `stage` (-1: unbound).
inline ImageMap imageMap(std::string name, uint32_t type, uint32_t keySize, uint32_t valueSize,
                         uint32_t maxEntries, int32_t stage) {
  ImageMap m;
  m.name = std::move(name), m.type = type, m.keySize = keySize, m.valueSize = valueSize;
  m.maxEntries = maxEntries, m.stage = stage;
  return m;
}

/// Extractor entry e: `src` 0 window / 1 metadata, `off`, size code.
inline void extractEntry(StageImage &img, unsigned e, unsigned src, unsigned off,
                         unsigned sizeCode) {
  isa::Extract x;
  x.en = 1, x.src = src, x.off = off, x.size = sizeCode;
  img.extract[e] = isa::encode(x);
}

/// Deparser entry e writes the 4 bytes of slot `slot` (which must be in
/// bank e mod lanes) at packet offset `off`.
inline void deparseEntry(StageImage &img, unsigned e, unsigned slot, unsigned off) {
  const TargetParams &t = TargetParams::defaults();
  isa::Deparse d;
  d.en = 1, d.size = 2, d.src = slot % t.bankSlots(), d.pos = t.headroomBytes + off;
  ASSERT_EQ(slot / t.bankSlots(), e % t.lanes);
  img.deparse[e] = isa::encode(d);
}

/// SETV of the immediate `v` in stage s lane l, guarded by (g, gn).
inline void setvUop(StageImage &img, unsigned s, unsigned l, uint32_t v, unsigned g,
                    unsigned gn) {
  isa::Uop u;
  u.op = unsigned(isa::Op::SETV), u.bi = 1, u.imm = v, u.g = g, u.gn = gn;
  img.setUop(s, l, u);
}

// A per-index counter: array 'cnt' of {u64 packets, u64 bytes}, index =
// packet byte 14, in map stage 1. MAPLK reads both words of `packets` into
// (s18, s26); MAPATOM adds 1 (s20:s28) to packets and the length (s17:s25)
// to bytes. s18 starts as 0x77: stage 3 copies it to s9 before the read
// words land (end of stage 3), so the packet shows both. Verdict PASS if
// found, DROP if not.
inline StageImage counterImage() {
  const TargetParams &T = TargetParams::defaults();
  StageImage img = StageImage::empty(T);
  img.name = "counter";
  img.maps = {imageMap("cnt", BPF_MAP_TYPE_ARRAY, 4, 16, 4, 1)};
  extractEntry(img, 8, 0, 14, 0);  // s16 = byte 14
  extractEntry(img, 9, 1, 0, 0);   // s17 = packet length
  img.consts[18] = 0x77;
  img.consts[20] = 1;
  MapLookupOp lk;
  lk.map = 0, lk.key = 16, lk.found = 1, lk.readMask = 0x3, lk.w0 = 0, lk.dst = 18;
  img.setUop(1, 2, encodeMapLookup(lk));
  img.setUop(1, 3, encodeMapAtom({.en = true, .wide = true, .op = MapRmwOp::Add, .word = 0,
                                  .operand = 20},
                                 {.en = true, .wide = true, .op = MapRmwOp::Add, .word = 2,
                                  .operand = 17}));
  isa::Uop mov;
  mov.op = unsigned(isa::Op::MOV), mov.dst = 9, mov.b = 18;
  img.setUop(3, 1, mov);
  setvUop(img, 4, 2, 2 /* XDP_PASS */, 1, 0);
  setvUop(img, 5, 2, 1 /* XDP_DROP */, 1, 1);
  deparseEntry(img, 1, 9, 20);   // the slot before the result landed
  deparseEntry(img, 2, 18, 24);  // packets before this packet (low word)
  deparseEntry(img, 3, 26, 28);  // high word
  return img;
}

} // namespace sluice::test
