//===- sluice/Model/ModelEngine.h - The `model` engine ---------------------===//
//
// Executes a stage image stage by stage, bit-exact with the datapath RTL:
// extractor, the lanes of each stage in parallel with their guards, units
// whose results land stages later, the deparser's ordered writes, head/tail
// adjustment and the verdict. Besides the Engine interface it reports what
// the hardware would show for each packet (ModelFacts).
//
// load(obj, prog) compiles the program for the model's datapath; images load
// with loadImage / loadImageFile / loadImageBytes (ImageEngine, shared with
// `rtl`). Map ops (ISA v2) run on one NicMap per map of the image's MAPS
// section (compiler/lib/Model/ModelMaps.h): transactions with the unit's
// latency, host access with the kernel's return codes, dumps; per-CPU maps
// are one instance, seen by the host as CPU 0's value.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sluice/Engine/ImageEngine.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

namespace sluice {

namespace model {
class ModelMaps;
}

/// What the datapath shows for one packet, beyond verdict and bytes.
struct ModelFacts {
  unsigned stagesUsed = 0;     ///< 1 + the last stage with a micro-op or unit result (static)
  unsigned latencyCycles = 0;  ///< parser + stages x cycles_per_stage + deparser (every packet)
  unsigned uopsExecuted = 0;   ///< micro-ops whose guard held (a W op counts once)
  unsigned mapTransactions = 0;  ///< map transactions whose guard held
  bool fault = false;          ///< a VLD or deparser write outside the window
  std::string faultReason;
  int32_t headDelta = 0, tailDelta = 0;
  uint32_t redirectIfindex = 0;
};

class ModelEngine final : public ImageEngine {
public:
  /// A model of the datapath `target` (default: hdl/params/default.json).
  explicit ModelEngine(const TargetParams &target = TargetParams::defaults());
  ~ModelEngine() override;

  std::string_view name() const override { return "model"; }
  /// Checks the image against the target (verifyStageImage) and loads it.
  llvm::Error loadImage(const StageImage &img) override;

  /// Frames under 14 bytes are an Error with errno EINVAL (as every engine).
  llvm::Expected<PacketOut> run(const PacketIn &pkt) override;

  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags = BPF_ANY) override;
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map, const Bytes &key) override;
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override;
  llvm::Expected<std::vector<MapDump>> dumpMaps() override;
  /// Inserts on a miss that found their map full, since the load.
  uint64_t mapInsertFails() const;
  /// Hash inserts refused by a full bucket pair and stash (a NIC limit).
  uint64_t mapCollisions() const;

  const ModelFacts &lastFacts() const { return facts_; }
  const TargetParams &target() const { return target_; }

private:
  TargetParams target_;
  std::optional<StageImage> image_;
  unsigned stagesUsed_ = 0;
  ModelFacts facts_;
  /// The random generator's state (bpf_get_prandom_u32, docs/helpers.md):
  /// one splitmix64 step per packet, from 0 when the engine is made.
  uint64_t rngState_ = 0;
  std::unique_ptr<model::ModelMaps> maps_;
  const TargetParams &imageTarget() const override { return target_; }
};

std::unique_ptr<Engine> createModelEngine();

} // namespace sluice
