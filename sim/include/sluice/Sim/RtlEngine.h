//===- sluice/Sim/RtlEngine.h - The `rtl` engine: the Verilated NIC --------===//
//
// Runs a program on the simulated NIC (Device) exactly as a driver would: the
// object is compiled (compileProgram) or a stage image read, loaded through
// the registers (loadStageImage), and each packet pushed into network port 0
// with the port's ifindex/rx-queue registers set from the PacketIn; the clock
// runs until the shell is idle. The verdict, redirect target and fault come
// from the LAST_* registers, the bytes from whichever output the frame left
// by (CTRL.DROPS_TO_HOST is set so that dropped packets come out too).
// Maps arrive with issue 6: the map API refuses, as the model's does.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <optional>

#include "sluice/Engine/ImageEngine.h"
#include "sluice/Maps/NicMaps.h"
#include "sluice/Sim/Device.h"
#include "sluice/Sim/MapPort.h"
#include "sluice/Target/StageImage.h"

namespace sluice::sim {

/// What the NIC showed for the last packet, beyond verdict and bytes.
struct RtlFacts {
  bool fault = false;
  unsigned output = kNumOutputs;   ///< where the frame came out (kHost for drops)
  bool dropped = false;            ///< the NIC would have dropped it
  uint64_t latencyCycles = 0;      ///< first beat in to first beat out
  uint64_t cycles = 0;             ///< clock cycles the packet's run() took
};

class RtlEngine final : public ImageEngine {
public:
  RtlEngine();
  ~RtlEngine() override;

  std::string_view name() const override { return "rtl"; }
  /// Checks the device and the image, then loads it through the registers.
  llvm::Error loadImage(const StageImage &img) override;

  llvm::Expected<PacketOut> run(const PacketIn &pkt) override;

  /// The maps of the loaded image, through the NIC's register map port
  /// (sluice/Sim/MapPort.h): each operation is a transaction of the
  /// datapath. Maps the datapath never touches (unbound in the MAPS
  /// section) have no NIC memory; the engine holds them on the host side.
  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags = BPF_ANY) override;
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map, const Bytes &key) override;
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override;
  llvm::Expected<std::vector<MapDump>> dumpMaps() override;

  const RtlFacts &lastFacts() const { return facts_; }
  Device &device() { return *dev_; }

private:
  std::unique_ptr<Device> dev_;
  bool loaded_ = false;
  uint32_t ifindex0_ = 0, rxq0_ = 0;
  RtlFacts facts_;
  std::vector<ImageMap> maps_;                    ///< of the loaded image
  std::vector<std::optional<NicMap>> hostMaps_;   ///< unbound maps (stored types only)
  /// The map's index after the name and size checks, or an Error.
  llvm::Expected<unsigned> findMap(const std::string &map, const Bytes *key, const Bytes *value);
  /// Global data (docs/maps-design.md "Global data"): the section's bytes
  /// (held host-side) written into its slices on the NIC, and the slices'
  /// bytes laid over a section value the host reads.
  llvm::Error syncSlices(unsigned section);
  llvm::Error overlaySlices(unsigned section, Bytes &value);
  llvm::Error replicaWrites(unsigned primary, int rc, MapPortOp op, uint32_t flags,
                            const Bytes &key, const Bytes *value);

  const TargetParams &imageTarget() const override { return TargetParams::defaults(); }
};

std::unique_ptr<Engine> createRtlEngine();
/// Adds "rtl" to the engine registry (createEngine, engineNames).
void registerRtlEngine();

} // namespace sluice::sim
