//===- ModelMaps.h - The model's map unit (private) ------------------------===//
//
// The maps of a loaded stage image as the NIC holds them: one NicMap per map
// of the MAPS section (layout from nicMapLayout at the section's offset in
// its stage's memory; global data starts with its initial bytes), the host
// operations with the kernel's return codes, and one map transaction of the
// ISA v2 contract (docs/maps-design.md): MAPLK with its read words, found
// predicate and insert-on-miss, the MAPATOM beside it, MAPUPD, MAPDEL.
//
// Per-CPU maps are one instance, which the host sees as CPU 0's value (as
// the kernel engine, pinned to CPU 0, shows them). Maps of types the NIC does
// not store (devmap, prog-array, ...) exist only by name: host operations on
// them are refused and dumps omit them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sluice/Engine/Engine.h"
#include "sluice/Maps/NicMaps.h"
#include "sluice/Target/StageImage.h"

namespace sluice::model {

/// A result of a transaction, written at the end of the unit's last stage.
struct MapWrite {
  bool pred = false;  ///< true: predicate `index` := value != 0; false: slot `index` := value
  unsigned index = 0;
  uint32_t value = 0;
};

class ModelMaps {
public:
  llvm::Error load(const StageImage &img, const TargetParams &t);
  void clear() { maps_.clear(), defs_.clear(); }

  /// One transaction: the head op `head` (MAPLK, MAPUPD, MAPDEL) whose guard
  /// held, and for MAPLK the MAPATOM beside it (`atom`, op NOP if none).
  /// `slots` and `preds` are the context at stage entry. Results go to
  /// `writes`.
  void transaction(const isa::Uop &head, const isa::Uop &atom, const uint32_t *slots,
                   uint32_t preds, unsigned bankSlots, std::vector<MapWrite> &writes);

  // Host operations (the Engine map API), errors prefixed "model: ".
  llvm::Error update(const std::string &map, const Bytes &key, const Bytes &value, uint64_t flags);
  llvm::Expected<std::optional<Bytes>> lookup(const std::string &map, const Bytes &key);
  llvm::Error remove(const std::string &map, const Bytes &key);
  std::vector<MapDump> dump() const;

  /// Inserts on a miss that found the map full (map_insert_fail).
  uint64_t insertFails() const { return insertFails_; }
  /// Hash inserts refused by a full bucket pair and stash (all maps).
  uint64_t collisions() const;

private:
  llvm::Expected<NicMap *> find(const std::string &name, const Bytes &key, const Bytes *value);
  /// A host write: on map `m`, then on each of its replicas (a map looked
  /// up twice in one packet), which must answer the same.
  llvm::Error hostWrite(NicMap *m, const std::function<int(NicMap &)> &op, const char *what,
                        const std::string &map);

  /// Global data (docs/maps-design.md "Global data"): the section's bytes
  /// written into its slices (after load and host updates), and the slices'
  /// bytes laid over a section value the host reads.
  llvm::Error syncSlices(unsigned section);
  void overlaySlices(unsigned section, Bytes &value) const;

  std::vector<ImageMap> defs_;
  std::vector<std::optional<NicMap>> maps_;  ///< nullopt: type not stored
  uint64_t insertFails_ = 0;
};

} // namespace sluice::model
