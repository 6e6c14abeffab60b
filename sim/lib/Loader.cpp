//===- Loader.cpp - Loading a stage image through the registers -----------===//
#include "sluice/Sim/Loader.h"
#include "sluice/Sim/MapPort.h"
#include "sluice/Sim/Regs.h"

#include "sluice/Support/Error.h"

namespace sluice::sim {

llvm::Error checkDevice(Device &dev, uint64_t expectHash) {
  uint32_t id = dev.read(regs::ID);
  if (id != regs::kMagic)
    return makeError("not a Sluice NIC (ID register 0x{:08x}, expected 0x{:08x})", id, regs::kMagic);
  uint32_t ver = dev.read(regs::VERSION);
  if ((ver & 0xffff) != regs::kVersion)
    return makeError("NIC register map v{}, this driver speaks v{}", ver & 0xffff, regs::kVersion);
  if ((ver >> 16) != isa::kIsaVersion)
    return makeError("NIC implements stage ISA v{}, this build emits v{}", ver >> 16, isa::kIsaVersion);
  uint64_t hash = dev.read(regs::PARAM_HASH_LO) | uint64_t(dev.read(regs::PARAM_HASH_HI)) << 32;
  if (hash != expectHash)
    return makeError("NIC datapath parameters 0x{:016x}, this build expects 0x{:016x}", hash, expectHash);
  return llvm::Error::success();
}

llvm::Expected<unsigned> loadStageImage(Device &dev, const StageImage &img,
                                        const TargetParams &deviceParams) {
  uint64_t hash = dev.read(regs::PARAM_HASH_LO) | uint64_t(dev.read(regs::PARAM_HASH_HI)) << 32;
  if (img.paramHash != hash) {
    std::string diff;
    if (hash == deviceParams.hash) {
      std::string d = firstParamDifference(img.paramsCanonical, deviceParams.canonical);
      if (!d.empty())
        diff = " (first difference: " + d + ")";
    }
    return makeError("image '{}' built for datapath parameters 0x{:016x}, this NIC has 0x{:016x}{}",
                     img.name, img.paramHash, hash, diff);
  }
  uint32_t stages = dev.read(regs::STAGES), lanes = dev.read(regs::LANES);
  if (img.stages.size() != stages || (stages && img.stages[0].size() != lanes))
    return makeError("image '{}' has {} stages, the NIC {}", img.name, img.stages.size(), stages);
  // The shadow bank may still serve packets that entered before the last swap.
  for (unsigned guard = 0; dev.read(regs::STATUS) & regs::STATUS_SHADOW_BUSY; ++guard)
    if (guard > 100000)
      return makeError("the NIC's shadow bank stays busy");
  unsigned writes = 0;
  uint32_t hi = 0;
  auto wr = [&](uint32_t addr, uint32_t v) {
    dev.write(addr, v);
    ++writes;
  };
  auto word = [&](uint64_t w) {
    if (uint32_t(w >> 32) != hi) {
      hi = uint32_t(w >> 32);
      wr(regs::PM_DATA_HI, hi);
    }
    wr(regs::PM_DATA_LO, uint32_t(w));
  };
  wr(regs::PM_DATA_HI, 0);
  wr(regs::PM_ADDR, 0x1000);
  for (uint32_t x : img.extract)
    word(x);
  wr(regs::PM_ADDR, 0);
  for (const auto &stage : img.stages)
    for (uint64_t u : stage)
      word(u);
  wr(regs::PM_ADDR, 0x2000);
  for (uint32_t d : img.deparse)
    word(d);
  wr(regs::PM_ADDR, 0x3000);
  for (uint32_t c : img.consts)
    word(c);
  // The maps: every map memory cleared, then each map id configured
  // (docs/rtl.md "Map unit"; maps are not banked).
  auto cfg = mapConfigWords(img, deviceParams);
  if (!cfg)
    return cfg.takeError();
  if (!img.maps.empty()) {  // (an image without maps leaves the map units alone)
    wr(regs::PM_ADDR, 0x4100);
    word(0);
    RegisterIo io = registerIo(dev);
    if (auto e = waitMapStatus(io, regs::MAP_STATUS_CLEARING, 0, "the map memories' clear"))
      return std::move(e);
    for (auto [addr, w] : *cfg) {
      wr(regs::PM_ADDR, addr);
      word(w);
    }
  }
  wr(regs::BANK_SWAP, 3);  // swap and enable
  return writes;
}

RegisterIo registerIo(Device &dev) {
  return {"rtl", [&dev](uint32_t a) { return dev.read(a); },
          [&dev](uint32_t a, uint32_t v) { dev.write(a, v); }, [&dev] { dev.tick(4); }};
}

} // namespace sluice::sim
