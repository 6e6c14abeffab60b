//===- sluice/Engine/MapInit.h - Initial map contents from a file ---------===//
//
// The --map-init file (format in docs/map-init.md): JSON naming maps and the
// entries to put in them before the first packet, applied through an
// Engine's host map API so every engine starts from the same state.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

#include "sluice/Engine/Engine.h"

namespace sluice {

struct MapInitEntry {
  std::string map;
  Bytes key;
  Bytes value;
  uint64_t flags = BPF_ANY;
};

/// Parses a map-init file against the maps of `obj`: every map must exist
/// and every key and value must have the map's sizes. Errors name the file,
/// the map and the entry.
llvm::Expected<std::vector<MapInitEntry>> parseMapInit(const std::string &path,
                                                       const Object &obj);
llvm::Expected<std::vector<MapInitEntry>> parseMapInitText(const std::string &text,
                                                           const std::string &origin,
                                                           const Object &obj);

/// Applies the entries in order; the first failure names its entry.
llvm::Error applyMapInit(Engine &engine, const std::vector<MapInitEntry> &entries);

} // namespace sluice
