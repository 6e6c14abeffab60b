//===- Eal.cpp - DPDK's EAL, started once per process ----------------------===//
#include "sluice/Nic/Eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <sched.h>
#include <unistd.h>

#include <mutex>

#include "sluice/Support/Error.h"

namespace sluice::nic {

namespace {
std::mutex gMutex;
bool gReady = false;
std::vector<std::string> gArgs;
rte_mempool *gPool = nullptr;

/// The first CPU this process may run on: the EAL's main lcore. Only one
/// lcore is used: the driver's service loop runs on the caller's thread.
int firstCpu() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set))
        return c;
  return 0;
}
} // namespace

llvm::Error initEal(const EalOptions &opts) {
  std::lock_guard<std::mutex> lock(gMutex);
  if (gReady)
    return llvm::Error::success();
  std::vector<std::string> args = {"sluice-nic", "-l", std::to_string(firstCpu()),
                                   "--file-prefix", fmt::format("sluice-nic-{}", getpid()),
                                   "--no-telemetry", "--log-level=4"};
  if (opts.noHuge) {
    for (const char *a : {"--no-huge", "--no-pci", "--no-shconf"})
      args.push_back(a);
    args.push_back("-m");
    args.push_back(std::to_string(opts.memoryMb));
  }
  args.insert(args.end(), opts.extraArgs.begin(), opts.extraArgs.end());
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = rte_eal_init(int(argv.size() - 1), argv.data());
  if (rc < 0)
    return makeError("DPDK EAL initialisation failed: {} (arguments: {})",
                     rte_strerror(rte_errno), fmt::join(args, " "));
  gPool = rte_pktmbuf_pool_create("sluice_pkts", opts.poolMbufs, 256, 0,
                                  RTE_PKTMBUF_HEADROOM + kMbufDataRoom, SOCKET_ID_ANY);
  if (!gPool)
    return makeError("DPDK: cannot create the packet pool ({} mbufs): {}", opts.poolMbufs,
                     rte_strerror(rte_errno));
  gArgs = args;
  gReady = true;
  return llvm::Error::success();
}

bool ealReady() {
  std::lock_guard<std::mutex> lock(gMutex);
  return gReady;
}

const std::vector<std::string> &ealArgs() { return gArgs; }

rte_mempool *packetPool() { return gPool; }

} // namespace sluice::nic
