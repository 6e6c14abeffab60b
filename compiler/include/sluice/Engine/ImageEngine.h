//===- sluice/Engine/ImageEngine.h - Engines that run stage images ---------===//
//
// What the `model` and `rtl` engines share: a program object is compiled for
// the engine's datapath (compileProgram) and loaded as a stage image; an image
// is read with every refusal of readStageImage (other parameters, CRC, ...);
// the packets' arrival timestamp is CLOCK_MONOTONIC or a fixed value; the map
// API refuses unless the engine overrides it (`model` does, with the image's
// maps; `rtl` with the register map port, issue 6 step 3). Each engine
// supplies its datapath (imageTarget) and how an image is loaded (loadImage).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/Engine/Engine.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

namespace sluice {

class ImageEngine : public Engine {
public:
  /// Compiles `prog` for imageTarget() and loads the image; a compiler
  /// refusal is an Error "<engine>: <diagnostic>".
  llvm::Error load(const Object &obj, const Program &prog) override;
  /// Checks the image against the engine's datapath and loads it.
  virtual llvm::Error loadImage(const StageImage &img) = 0;
  /// Reads (with every refusal of readStageImage) and loads.
  llvm::Error loadImageFile(const std::string &path);
  llvm::Error loadImageBytes(const uint8_t *data, size_t size, std::string_view what);

  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags = BPF_ANY) override;
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map, const Bytes &key) override;
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override;
  llvm::Expected<std::vector<MapDump>> dumpMaps() override;

  /// Fixes the timestamp metadata (ns) packets arrive with; nullopt (the
  /// default) reads CLOCK_MONOTONIC as the other engines do.
  void setClock(std::optional<uint64_t> ns) { clock_ = ns; }

protected:
  /// The datapath parameters images are compiled for and checked against.
  virtual const TargetParams &imageTarget() const = 0;
  /// The arrival timestamp of `pkt`: its own (PacketIn::arrivalNs), else
  /// setClock's, else now.
  uint64_t arrivalNs(const PacketIn &pkt) const;

private:
  std::optional<uint64_t> clock_;
};

} // namespace sluice
