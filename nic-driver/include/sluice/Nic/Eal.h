//===- sluice/Nic/Eal.h - DPDK's EAL, started in-process ------------------===//
//
// The driver and the applications on the NIC's host port share one DPDK
// environment per process. initEal starts it once, by default without
// hugepages or PCI (`--no-huge --no-pci -m 128 --no-shconf`, a file prefix
// unique to the process, no telemetry socket), so tests and the simulated
// NIC need no privileges; later calls return at once. The packet pool
// (packetPool) is created with it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

struct rte_mempool;

namespace sluice::nic {

struct EalOptions {
  /// Memory for the EAL in MB (`-m`).
  unsigned memoryMb = 128;
  /// Mbufs in the packet pool (each 2176 bytes of buffer; larger frames are
  /// chained segments).
  unsigned poolMbufs = 8191;
  /// Extra EAL arguments, e.g. "--vdev=net_pcap0,rx_pcap=in.pcap" or
  /// "--log-level=8". They come after the defaults.
  std::vector<std::string> extraArgs;
  /// When false, hugepages and PCI are used as on a real machine (a board).
  bool noHuge = true;
  /// Worker lcores besides the main one (e.g. 1 for Nic::startService on an
  /// lcore of its own): lcores 1..workerLcores, allowed on every CPU the
  /// process may use (`--lcores`), so it works on a one-CPU machine too.
  unsigned workerLcores = 0;
};

/// Starts the EAL once per process (rte_eal_init can run only once); a second
/// call with any options returns success. An Error names the EAL's reason.
llvm::Error initEal(const EalOptions &opts = {});

/// True once initEal succeeded.
bool ealReady();

/// The arguments the EAL was started with (for logs and docs).
const std::vector<std::string> &ealArgs();

/// The packet pool every port of the driver allocates from (after initEal).
rte_mempool *packetPool();

/// Data room of one mbuf segment of packetPool().
inline constexpr uint16_t kMbufDataRoom = 2048;

} // namespace sluice::nic
