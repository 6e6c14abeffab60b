//===- TargetDefault.cpp - The compiled-in default datapath ---------------===//
//
// hdl/params/default.json, embedded by sluice-gen, parsed once. The hash is
// recomputed from the text by TargetParams (the one hash function); a test
// checks that it equals the hash sluice-gen wrote into the headers.
//
//===----------------------------------------------------------------------===//
#include "sluice/Target/TargetDefault.h"

#include <cstdio>
#include <cstdlib>

#include "sluice/Target/TargetParams.h"

namespace sluice {

const TargetParams &TargetParams::defaults() {
  static const TargetParams p = [] {
    auto r = TargetParams::fromJson(target_default::kParamsJson, "default parameters");
    if (!r) {
      // sluice-gen parsed the same text: this cannot happen in a built tree.
      std::fprintf(stderr, "sluice: %s\n", llvm::toString(r.takeError()).c_str());
      std::abort();
    }
    return *r;
  }();
  return p;
}

} // namespace sluice
