//===- Nic.cpp - The driver's service loop ---------------------------------===//
#include "sluice/Nic/Nic.h"

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "sluice/Nic/Eal.h"
#include "sluice/Support/Error.h"

namespace sluice::nic {

Nic::Nic(Device &dev, const NicOptions &opts) : dev_(dev), opts_(opts) {
  unsigned n = dev.networkPorts();
  sources_.resize(n);
  sinks_.resize(n);
  pendingIn_.resize(n);
  pendingOut_.resize(n);
  stats_.ports.resize(n);
  opened_ = std::chrono::steady_clock::now();
}

Nic::~Nic() { stopService(); }

llvm::Expected<std::unique_ptr<Nic>> Nic::open(Device &dev, const NicOptions &opts) {
  if (auto e = initEal())
    return std::move(e);
  std::unique_ptr<Nic> nic(new Nic(dev, opts));
  auto hp = HostPort::create(opts.hostPortName, opts.hostRingSize);
  if (!hp)
    return hp.takeError();
  nic->host_ = std::move(*hp);
  nic->openedCycles_ = dev.cycles();
  return std::move(nic);
}

void Nic::setSource(unsigned port, FrameSource src) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  sources_.at(port) = std::move(src);
}
void Nic::setSink(unsigned port, FrameSink sink) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  sinks_.at(port) = std::move(sink);
}

unsigned Nic::poll() {
  std::lock_guard<std::recursive_mutex> g(mu_);
  unsigned moved = 0;
  ++stats_.polls;
  const unsigned ports = unsigned(sources_.size());
  // 1. Sources -> network ports.
  for (unsigned p = 0; p < ports; ++p) {
    for (unsigned i = 0; i < opts_.burst; ++i) {
      if (!pendingIn_[p]) {
        if (!sources_[p])
          break;
        pendingIn_[p] = sources_[p]();
        if (!pendingIn_[p])
          break;
      }
      if (!dev_.pushNetwork(p, *pendingIn_[p])) {
        ++stats_.ports[p].held;
        break;
      }
      pendingIn_[p].reset();
      ++stats_.ports[p].fed;
      ++moved;
    }
  }
  // 2. Application TX -> the device's host queue.
  if (pendingHostTx_.size() < opts_.burst) {
    std::vector<Frame> tx;
    host_->collect(tx, opts_.burst);
    for (Frame &f : tx)
      pendingHostTx_.push_back(std::move(f));
  }
  while (!pendingHostTx_.empty() && dev_.pushHost(opts_.hostTxPort, pendingHostTx_.front())) {
    pendingHostTx_.pop_front();
    ++stats_.hostTx;
    ++moved;
  }
  // 3. Time.
  dev_.step(opts_.stepCycles);
  // 4. XDP_PASS -> the application's RX ring, never more than it can take.
  for (unsigned i = 0; i < opts_.burst; ++i) {
    if (host_->rxSpace() == 0) {
      ++stats_.hostRxStalls;
      break;
    }
    if (!pendingHostRx_) {
      pendingHostRx_ = dev_.popHost();
      if (!pendingHostRx_)
        break;
    }
    if (!host_->deliver(*pendingHostRx_)) {
      ++stats_.hostRxStalls;
      break;
    }
    pendingHostRx_.reset();
    ++stats_.hostRx;
    ++moved;
  }
  // 5. Egress -> sinks.
  for (unsigned p = 0; p < ports; ++p) {
    for (unsigned i = 0; i < opts_.burst; ++i) {
      if (!pendingOut_[p]) {
        pendingOut_[p] = dev_.popNetwork(p);
        if (!pendingOut_[p])
          break;
      }
      if (sinks_[p] && !sinks_[p](*pendingOut_[p]))
        break;
      pendingOut_[p].reset();
      ++stats_.ports[p].egress;
      ++moved;
    }
  }
#ifdef SLUICE_NIC_HAVE_SIM
  if (!mirrors_.empty())
    syncMirrors();  // counter mirrors that are due (lib/sim/Maps.cpp)
#endif
  return moved;
}

bool Nic::holding() const {
  std::lock_guard<std::recursive_mutex> g(mu_);
  bool held = pendingHostRx_.has_value() || !pendingHostTx_.empty();
  for (unsigned p = 0; p < pendingIn_.size(); ++p)
    held = held || pendingIn_[p] || pendingOut_[p];
  return held;
}

bool Nic::drain(const std::function<unsigned()> &app, uint64_t maxPolls) {
  for (uint64_t i = 0; i < maxPolls; ++i) {
    unsigned moved = poll();
    if (app)
      moved += app();
    std::lock_guard<std::recursive_mutex> g(mu_);
    if (moved == 0 && !holding() && dev_.idle())
      return true;
  }
  return false;
}

//===-- The service loop ---------------------------------------------------===//

void Nic::serviceLoop() {
  while (!serviceStop_.load(std::memory_order_relaxed)) {
    bool quiet;
    {
      std::lock_guard<std::recursive_mutex> g(mu_);
      quiet = poll() == 0 && !holding() && dev_.idle();
    }
    serviceRounds_.fetch_add(1, std::memory_order_relaxed);
    if (quiet && serviceOpts_.idleSleep.count() > 0)
      std::this_thread::sleep_for(serviceOpts_.idleSleep);
    else
      std::this_thread::yield();  // let a caller waiting for the lock in
  }
}

int Nic::serviceEntry(void *nic) {
  static_cast<Nic *>(nic)->serviceLoop();
  return 0;
}

llvm::Error Nic::startService(const ServiceOptions &opts) {
  if (serviceRunning_.load())
    return makeError("the NIC's service loop already runs");
  serviceOpts_ = opts;
  serviceStop_ = false;
  serviceRounds_ = 0;
  if (opts.lcore >= 0) {
    const unsigned lc = unsigned(opts.lcore);
    if (lc >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore())
      return makeError("lcore {} is not a worker lcore of the EAL (start the EAL with "
                       "EalOptions::workerLcores, then pick one of rte_get_next_lcore's)",
                       opts.lcore);
    if (int rc = rte_eal_remote_launch(&Nic::serviceEntry, this, lc); rc != 0)
      return makeError("lcore {} cannot take the service loop: {}", opts.lcore,
                       rc == -EBUSY ? "it is busy" : rte_strerror(-rc));
    serviceLcore_ = opts.lcore;
  } else {
    serviceThread_ = std::thread([this] { serviceLoop(); });
    serviceLcore_ = -1;
  }
  serviceRunning_ = true;
  return llvm::Error::success();
}

void Nic::stopService() {
  if (!serviceRunning_.load())
    return;
  serviceStop_ = true;
  if (serviceLcore_ >= 0)
    rte_eal_wait_lcore(unsigned(serviceLcore_));
  else if (serviceThread_.joinable())
    serviceThread_.join();
  serviceRunning_ = false;
}

} // namespace sluice::nic
