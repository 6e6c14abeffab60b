//===- sluice/Lift/LiftedEngine.h - The `lifted` engine -------------------===//
//
// Runs the optimised LLVM IR of compiler/lift, JIT-compiled with ORC LLJIT,
// over packets with the kernel's XDP buffer layout (4096-byte frame, 256
// bytes of headroom, data_meta == data at entry), with a small runtime of its
// own for the @sluice.* calls and the maps. Its purpose is to prove the lifted
// IR right: on every program it supports it must agree with `interp`.
//
// Supported today: maps ARRAY, PERCPU_ARRAY, HASH, PERCPU_HASH, LRU_HASH,
// LRU_PERCPU_HASH, LPM_TRIE, DEVMAP, DEVMAP_HASH, CPUMAP and global data;
// helpers map_lookup/update/delete_elem, xdp_adjust_head/meta/tail,
// xdp_get_buff_len, xdp_load/store_bytes, redirect, redirect_map, csum_diff,
// the ktime_get_*_ns clocks, get_smp_processor_id, get_numa_node_id; frames
// with fragments (the program sees the linear 3520 bytes). Anything else is refused by load() with "... not supported by the
// lifted engine yet"; so is a program that keeps a loop after optimisation.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>

#include "sluice/Engine/Engine.h"
#include "sluice/Lift/Lift.h"

namespace sluice {

std::unique_ptr<Engine> createLiftedEngine();

/// The lift/optimise statistics of the program the engine loaded last
/// (nullptr before a successful load). `engine` must come from
/// createLiftedEngine().
const lift::LiftStats *liftedEngineStats(const Engine &engine);

} // namespace sluice
