//===- sluice/Sim/MapPort.h - The host map port, from the register side ----===//
//
// What any driver does to reach the maps on the NIC (docs/registers.md
// MAP_*, docs/maps-design.md "Host map port"), over any register backend:
// the `rtl` engine's in-process device and the DPDK driver's Device both
// use it. Also the program-memory words that configure the map units from
// an image's MAPS section (docs/rtl.md "Map unit"), written by both loaders.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Engine/Engine.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"

namespace sluice::sim {

/// Register access to one NIC.
struct RegisterIo {
  std::string name;                                  ///< for errors
  std::function<uint32_t(uint32_t)> read;
  std::function<void(uint32_t, uint32_t)> write;
  /// Moves the device on while the driver waits (the operation travels the
  /// pipeline between packets; a driver keeps its ports serviced here).
  std::function<void()> service;
};

enum class MapPortOp : uint32_t { Lookup = 0, Update = 1, Delete = 2, ReadWay = 3 };

struct MapPortResult {
  bool found = false;
  int rc = 0;  ///< 0 or -errno, as bpf(2) returns it for the map's type
  Bytes key, value;
};

/// One operation on map `id` (`def` its definition): waits until the port
/// is free, writes the key / value / way index, MAP_CMD, waits for DONE and
/// reads the results (the key and value only when asked for).
/// A devmap gets the kernel's host rules over the unit's array or hash
/// (ifindex 0 empties a DEVMAP slot, a delete writes the empty slot, ...:
/// devmapHost* in sluice/Maps/NicMaps.h); walking it skips empty slots.
llvm::Expected<MapPortResult> mapPortOp(RegisterIo &io, const ImageMap &def, unsigned id,
                                        MapPortOp op, uint32_t flags, const Bytes *key,
                                        const Bytes *value, uint32_t arg, bool wantKey,
                                        bool wantValue);

/// Services the device until MAP_STATUS & mask == want, or an Error (ETIMEDOUT).
llvm::Error waitMapStatus(RegisterIo &io, uint32_t mask, uint32_t want, const char *what);

/// An entry and its position in the NIC's walk order (hash maps: the ways
/// of sub-table 0, of sub-table 1, then the stash; arrays: the index).
struct MapPortEntry {
  uint32_t position = 0;
  Bytes key, value;
};
/// The first entry at a position >= `from`, nullopt past the last.
llvm::Expected<std::optional<MapPortEntry>> mapPortWalk(RegisterIo &io, const ImageMap &def,
                                                        unsigned id, uint32_t from);

/// The program-memory words (address, value) that configure every map id
/// of the datapath for `img`: 0x4000 + 2m + 1 then 0x4000 + 2m (which takes
/// effect); ids without a map, and maps the datapath never touches, are
/// configured as none.
llvm::Expected<std::vector<std::pair<uint32_t, uint64_t>>> mapConfigWords(const StageImage &img,
                                                                        const TargetParams &p);

} // namespace sluice::sim
