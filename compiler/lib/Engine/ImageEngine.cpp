//===- ImageEngine.cpp - What the model and rtl engines share --------------===//
#include "sluice/Engine/ImageEngine.h"

#include <cerrno>
#include <ctime>

#include "sluice/Schedule/Compile.h"
#include "sluice/Support/Error.h"

namespace sluice {

llvm::Error ImageEngine::load(const Object &obj, const Program &prog) {
  auto img = compileProgram(obj, prog, imageTarget());
  if (!img)
    return makeError("{}: {}", name(), llvm::toString(img.takeError()));
  return loadImage(*img);
}

llvm::Error ImageEngine::loadImageFile(const std::string &path) {
  auto img = readStageImageFile(path, imageTarget());
  if (!img)
    return img.takeError();
  return loadImage(*img);
}

llvm::Error ImageEngine::loadImageBytes(const uint8_t *data, size_t size, std::string_view what) {
  auto img = readStageImage(data, size, imageTarget(), what);
  if (!img)
    return img.takeError();
  return loadImage(*img);
}

uint64_t ImageEngine::arrivalNs(const PacketIn &pkt) const {
  if (pkt.arrivalNs)
    return *pkt.arrivalNs;
  if (clock_)
    return *clock_;
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

llvm::Error ImageEngine::mapUpdate(const std::string &map, const Bytes &, const Bytes &, uint64_t) {
  return makeErrnoError(ENOENT, "{}: no map '{}' (maps run on the datapath from issue 6 on)",
                        name(), map);
}
llvm::Expected<std::optional<Bytes>> ImageEngine::mapLookup(const std::string &map, const Bytes &) {
  return makeErrnoError(ENOENT, "{}: no map '{}' (maps run on the datapath from issue 6 on)",
                        name(), map);
}
llvm::Error ImageEngine::mapDelete(const std::string &map, const Bytes &) {
  return makeErrnoError(ENOENT, "{}: no map '{}' (maps run on the datapath from issue 6 on)",
                        name(), map);
}
llvm::Expected<std::vector<MapDump>> ImageEngine::dumpMaps() { return std::vector<MapDump>{}; }

} // namespace sluice
