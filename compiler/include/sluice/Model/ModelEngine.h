//===- sluice/Model/ModelEngine.h - The `model` engine ---------------------===//
//
// Executes a stage image stage by stage, bit-exact with the datapath RTL:
// extractor, the lanes of each stage in parallel with their guards, units
// whose results land stages later, the deparser's ordered writes, head/tail
// adjustment and the verdict. Besides the Engine interface it reports what
// the hardware would show for each packet (ModelFacts).
//
// There is no compiler yet: load(obj, prog) refuses, saying so; load an image
// with loadImage / loadImageFile. Maps arrive with issue 6: the map API
// answers that the image has no such map.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sluice/Engine/Engine.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

namespace sluice {

/// What the datapath shows for one packet, beyond verdict and bytes.
struct ModelFacts {
  unsigned stagesUsed = 0;     ///< 1 + the last stage with a micro-op or unit result (static)
  unsigned latencyCycles = 0;  ///< parser + stages x cycles_per_stage + deparser (every packet)
  unsigned uopsExecuted = 0;   ///< micro-ops whose guard held (a W op counts once)
  bool fault = false;          ///< a VLD or deparser write outside the window
  std::string faultReason;
  int32_t headDelta = 0, tailDelta = 0;
  uint32_t redirectIfindex = 0;
};

class ModelEngine final : public Engine {
public:
  /// A model of the datapath `target` (default: hdl/params/default.json).
  explicit ModelEngine(const TargetParams &target = TargetParams::defaults());
  ~ModelEngine() override;

  std::string_view name() const override { return "model"; }
  /// No compiler yet: always an Error saying to load a stage image.
  llvm::Error load(const Object &obj, const Program &prog) override;
  /// Checks the image against the target (verifyStageImage) and loads it.
  llvm::Error loadImage(const StageImage &img);
  /// Reads (with every refusal of readStageImage) and loads.
  llvm::Error loadImageFile(const std::string &path);
  llvm::Error loadImageBytes(const uint8_t *data, size_t size, std::string_view what);

  /// Frames under 14 bytes are an Error with errno EINVAL (as every engine).
  llvm::Expected<PacketOut> run(const PacketIn &pkt) override;
  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags = BPF_ANY) override;
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map, const Bytes &key) override;
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override;
  llvm::Expected<std::vector<MapDump>> dumpMaps() override;

  const ModelFacts &lastFacts() const { return facts_; }
  const TargetParams &target() const { return target_; }
  /// Fixes the timestamp metadata (ns) packets arrive with; nullopt (the
  /// default) reads CLOCK_MONOTONIC as the other engines do.
  void setClock(std::optional<uint64_t> ns) { clock_ = ns; }

private:
  TargetParams target_;
  std::optional<StageImage> image_;
  unsigned stagesUsed_ = 0;
  ModelFacts facts_;
  std::optional<uint64_t> clock_;
};

std::unique_ptr<Engine> createModelEngine();

} // namespace sluice
