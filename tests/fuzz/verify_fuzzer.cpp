//===- verify_fuzzer.cpp - libFuzzer target over random eBPF bytecode -----===//
//
// Input: one byte of map configuration (bits 0-1: how many maps, 0-3, taken
// in order from a hash, an array, a read-only array and a devmap), then raw
// 8-byte eBPF instructions. The verifier must return a verdict, never crash,
// hang or trip ASan/UBSan; every diagnostic is also rendered as text and
// the result as JSON. Built by tests/fuzz/CMakeLists.txt with clang++-19
// -fsanitize=fuzzer,address,undefined; regression inputs live in corpus/.
//
//===----------------------------------------------------------------------===//
#include "sluice/Object/Object.h"
#include "sluice/Verify/Verifier.h"

#include <cstdint>
#include <cstring>

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  static const MapDef kMaps[] = {
      {"hash", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, ".maps", false, false, {}, -1},
      {"array", BPF_MAP_TYPE_ARRAY, 4, 64, 4, 0, ".maps", false, false, {}, -1},
      {"prog.rodata", BPF_MAP_TYPE_ARRAY, 4, 16, 1, BPF_F_RDONLY_PROG, ".rodata", true, true,
       std::vector<uint8_t>(16, 7), -1},
      {"devmap", BPF_MAP_TYPE_DEVMAP, 4, 4, 8, 0, ".maps", false, false, {}, -1},
  };
  Object obj;
  obj.name = "fuzz";
  obj.path = "fuzz.o";
  for (unsigned i = 0; i < (data[0] & 3u); ++i)
    obj.maps.push_back(kMaps[i]);
  Program prog;
  prog.name = "xdp_fuzz";
  prog.section = "xdp";
  size_t n = (size - 1) / sizeof(bpf_insn);
  if (n > 4096)
    n = 4096;
  prog.insns.resize(n);
  if (n)
    std::memcpy(prog.insns.data(), data + 1, n * sizeof(bpf_insn));
  prog.lines.resize(n);
  prog.funcs.push_back({0, prog.name});
  obj.programs.push_back(prog);

  verify::VerifyOptions opts;
  opts.maxInsnsProcessed = 50000; // keep each input fast; the logic is the same
  auto r = verify::verify(obj, obj.programs[0], opts);
  if (!r) {
    llvm::consumeError(r.takeError());
    return 0;
  }
  for (const verify::Diagnostic &d : r->diags)
    (void)verify::formatDiagnostic(d, obj.programs[0], obj);
  (void)verify::resultJson(*r, obj.programs[0], obj);
  if (r->accepted && r->states.size() != n)
    __builtin_trap(); // an accepted program has a state per instruction
  return 0;
}
