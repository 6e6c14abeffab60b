//===- Engine.cpp - The engine registry and map-type facts ----------------===//
#include "sluice/Engine/Engine.h"

#include "sluice/Interp/InterpEngine.h"
#include "sluice/Kernel/KernelEngine.h"
#include "sluice/Lift/LiftedEngine.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Support/Error.h"

namespace sluice {

namespace {
std::vector<std::pair<std::string, EngineFactory>> &registered() {
  static std::vector<std::pair<std::string, EngineFactory>> r;
  return r;
}
} // namespace

void registerEngineFactory(std::string name, EngineFactory factory) {
  for (auto &[n, f] : registered())
    if (n == name) {
      f = factory;
      return;
    }
  registered().push_back({std::move(name), factory});
}

std::vector<std::string> engineNames() {
  std::vector<std::string> names = {"interp", "kernel", "lifted", "model"};
  for (auto &[n, f] : registered())
    names.push_back(n);
  return names;
}

llvm::Expected<std::unique_ptr<Engine>> createEngine(std::string_view name) {
  if (name == "interp")
    return createInterpEngine();
  if (name == "kernel")
    return createKernelEngine();
  if (name == "lifted")
    return createLiftedEngine();
  if (name == "model")
    return createModelEngine();
  for (auto &[n, f] : registered())
    if (n == name)
      return f();
  std::string known;
  for (const std::string &n : engineNames())
    known += (known.empty() ? "" : ", ") + n;
  return makeError("unknown engine '{}' (known: {})", name, known);
}

bool mapHasContent(uint32_t type) {
  switch (type) {
  case BPF_MAP_TYPE_PROG_ARRAY:
  case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
  case BPF_MAP_TYPE_RINGBUF:
  case BPF_MAP_TYPE_USER_RINGBUF:
  case BPF_MAP_TYPE_ARRAY_OF_MAPS:
  case BPF_MAP_TYPE_HASH_OF_MAPS:
    return false;
  default:
    return true;
  }
}

bool mapIsPerCpu(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

} // namespace sluice
