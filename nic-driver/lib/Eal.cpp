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

/// The CPUs this process may run on; the first is the EAL's main lcore's.
std::vector<int> allowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set))
        cpus.push_back(c);
  if (cpus.empty())
    cpus.push_back(0);
  return cpus;
}

/// The lcore list: the main lcore 0 on the first allowed CPU; workers
/// 1..n each allowed on every CPU (`--lcores 0@3,(1,2)@(3,5)`).
std::string lcoreList(unsigned workers) {
  const std::vector<int> cpus = allowedCpus();
  std::string s = fmt::format("0@{}", cpus[0]);
  if (workers == 0)
    return s;
  std::vector<unsigned> ids;
  for (unsigned w = 1; w <= workers; ++w)
    ids.push_back(w);
  return fmt::format("{},({})@({})", s, fmt::join(ids, ","), fmt::join(cpus, ","));
}
} // namespace

llvm::Error initEal(const EalOptions &opts) {
  std::lock_guard<std::mutex> lock(gMutex);
  if (gReady)
    return llvm::Error::success();
  std::vector<std::string> args = {"sluice-nic", "--lcores", lcoreList(opts.workerLcores),
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
