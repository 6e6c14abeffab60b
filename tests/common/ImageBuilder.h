//===- ImageBuilder.h - Hand-written stage images for tests ----------------===//
//
// The few builders the model's and the RTL pipeline's map tests write their
// images with (tests/unit/Model/ModelMapsTest.cpp, tests/rtl/PipelineTest.cpp),
// so both run the same images built the same way.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

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

} // namespace sluice::test
