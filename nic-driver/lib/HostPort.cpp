//===- HostPort.cpp - The NIC's host queue as a net_ring ethdev ------------===//
#include "sluice/Nic/HostPort.h"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sluice/Nic/Eal.h"
#include "sluice/Nic/Mbuf.h"
#include "sluice/Support/Error.h"

namespace sluice::nic {

namespace {
void freeRing(rte_ring *r) {
  if (!r)
    return;
  void *m;
  while (rte_ring_dequeue(r, &m) == 0)
    rte_pktmbuf_free(static_cast<rte_mbuf *>(m));
  rte_ring_free(r);
}
} // namespace

llvm::Expected<std::unique_ptr<HostPort>> HostPort::create(const std::string &name,
                                                           unsigned ringSize) {
  if (!ealReady())
    return makeError("host port {}: the DPDK EAL is not initialised (initEal)", name);
  std::unique_ptr<HostPort> hp(new HostPort);
  hp->name_ = name;
  const unsigned flags = RING_F_SP_ENQ | RING_F_SC_DEQ;
  hp->rx_ = rte_ring_create((name + "_rx").c_str(), ringSize, SOCKET_ID_ANY, flags);
  hp->tx_ = rte_ring_create((name + "_tx").c_str(), ringSize, SOCKET_ID_ANY, flags);
  if (!hp->rx_ || !hp->tx_)
    return makeError("host port {}: cannot create its rings ({} entries): {}", name, ringSize,
                     rte_strerror(rte_errno));
  int port = rte_eth_from_rings(name.c_str(), &hp->rx_, 1, &hp->tx_, 1, SOCKET_ID_ANY);
  if (port < 0)
    return makeError("host port {}: rte_eth_from_rings failed: {}", name,
                     rte_strerror(rte_errno));
  hp->port_ = uint16_t(port);
  rte_eth_conf conf{};
  int rc = rte_eth_dev_configure(hp->port_, 1, 1, &conf);
  if (rc == 0)
    rc = rte_eth_rx_queue_setup(hp->port_, 0, ringSize, SOCKET_ID_ANY, nullptr, packetPool());
  if (rc == 0)
    rc = rte_eth_tx_queue_setup(hp->port_, 0, ringSize, SOCKET_ID_ANY, nullptr);
  if (rc == 0)
    rc = rte_eth_dev_start(hp->port_);
  if (rc != 0)
    return makeError("host port {}: cannot configure and start port {}: {}", name, hp->port_,
                     rte_strerror(-rc));
  return std::move(hp);
}

HostPort::~HostPort() {
  if (rx_ && tx_) {
    rte_eth_dev_stop(port_);
    rte_eth_dev_close(port_);
    // rte_eth_from_rings made the vdev net_ring_<name>: remove it so that the
    // name can be used again in this process.
    rte_eal_hotplug_remove("vdev", ("net_ring_" + name_).c_str());
  }
  freeRing(rx_);
  freeRing(tx_);
}

unsigned HostPort::rxSpace() const { return rte_ring_free_count(rx_); }

bool HostPort::deliver(std::span<const uint8_t> frame) {
  if (rte_ring_free_count(rx_) == 0)
    return false;
  rte_mbuf *m = mbufFromBytes(packetPool(), frame);
  if (!m)
    return false;
  m->port = port_;
  if (rte_ring_enqueue(rx_, m) != 0) {
    rte_pktmbuf_free(m);
    return false;
  }
  ++delivered_;
  return true;
}

unsigned HostPort::collect(std::vector<Frame> &out, unsigned max) {
  void *bufs[64];
  unsigned got = rte_ring_dequeue_burst(tx_, bufs, std::min(max, 64u), nullptr);
  for (unsigned i = 0; i < got; ++i) {
    rte_mbuf *m = static_cast<rte_mbuf *>(bufs[i]);
    out.push_back(bytesFromMbuf(m));
    rte_pktmbuf_free(m);
  }
  collected_ += got;
  return got;
}

} // namespace sluice::nic
