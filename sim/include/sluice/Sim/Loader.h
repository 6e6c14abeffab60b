//===- sluice/Sim/Loader.h - Loading a stage image through the registers --===//
//
// What a driver does to put a program on the NIC (docs/sim.md): check the
// device's ID and parameter hash against the image, wait until the shadow
// bank is free, write the EXTRACT, STAGES, DEPARSE and CONSTS words into the
// shadow bank through PM_ADDR/PM_DATA_HI/PM_DATA_LO, then swap banks and
// enable in one register write (between two packets: hitless).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/Support/Error.h"
#include "sluice/Sim/Device.h"
#include "sluice/Sim/MapPort.h"
#include "sluice/Target/StageImage.h"

namespace sluice::sim {

/// The device's ID, register-map version and parameter hash, or an Error
/// naming what does not match (`expectHash`: the hash this build expects).
llvm::Error checkDevice(Device &dev, uint64_t expectHash);

/// Refuses an image built for other parameters than the device's (naming
/// both hashes and, when `deviceParams` is the device's, the first differing
/// parameter); otherwise loads it into the shadow bank and swaps.
/// Returns the number of register writes.
llvm::Expected<unsigned> loadStageImage(Device &dev, const StageImage &img,
                                        const TargetParams &deviceParams);

/// The in-process device's registers for the map port client
/// (sluice/Sim/MapPort.h); waiting advances the device a few cycles.
RegisterIo registerIo(Device &dev);

} // namespace sluice::sim
