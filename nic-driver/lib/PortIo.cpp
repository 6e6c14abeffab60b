//===- PortIo.cpp - pcap files and DPDK ports as the NIC's wires -----------===//
#include "sluice/Nic/PortIo.h"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <memory>

#include "sluice/Nic/Eal.h"
#include "sluice/Nic/Mbuf.h"
#include "sluice/Support/Error.h"
#include "sluice/Support/Pcap.h"

namespace sluice::nic {

llvm::Expected<FrameSource> pcapSource(const std::string &path, unsigned repeat) {
  auto pkts = readPcap(path);
  if (!pkts)
    return pkts.takeError();
  auto frames = std::make_shared<std::vector<Frame>>();
  for (PcapPacket &p : *pkts)
    frames->push_back(std::move(p.data));
  auto pos = std::make_shared<size_t>(0);
  size_t total = frames->size() * repeat;
  return FrameSource([frames, pos, total]() -> std::optional<Frame> {
    if (*pos >= total)
      return std::nullopt;
    return (*frames)[(*pos)++ % frames->size()];
  });
}

FrameSource ethdevSource(uint16_t port) {
  return [port]() -> std::optional<Frame> {
    rte_mbuf *m = nullptr;
    if (rte_eth_rx_burst(port, 0, &m, 1) == 0)
      return std::nullopt;
    Frame f = bytesFromMbuf(m);
    rte_pktmbuf_free(m);
    return f;
  };
}

llvm::Expected<FrameSink> pcapSink(const std::string &path) {
  auto w = PcapWriter::create(path);
  if (!w)
    return w.takeError();
  std::shared_ptr<PcapWriter> writer(std::move(*w));
  return FrameSink([writer](const Frame &f) {
    PcapPacket p;
    p.orig_len = uint32_t(f.size());
    p.data = f;
    writer->write(p);
    return true;
  });
}

FrameSink ethdevSink(uint16_t port) {
  return [port](const Frame &f) {
    rte_mbuf *m = mbufFromBytes(packetPool(), f);
    if (!m)
      return false;
    if (rte_eth_tx_burst(port, 0, &m, 1) == 1)
      return true;
    rte_pktmbuf_free(m);
    return false;
  };
}

llvm::Expected<uint16_t> openVdev(const std::string &devargs) {
  if (!ealReady())
    return makeError("{}: the DPDK EAL is not initialised (initEal)", devargs);
  int rc = rte_dev_probe(devargs.c_str());
  if (rc < 0)
    return makeError("{}: cannot create the DPDK device: {}", devargs, rte_strerror(-rc));
  std::string name = devargs.substr(0, devargs.find(','));
  uint16_t port = 0;
  rc = rte_eth_dev_get_port_by_name(name.c_str(), &port);
  if (rc != 0)
    return makeError("{}: created, but no ethdev port named {}", devargs, name);
  rte_eth_conf conf{};
  rc = rte_eth_dev_configure(port, 1, 1, &conf);
  if (rc == 0)
    rc = rte_eth_rx_queue_setup(port, 0, 512, SOCKET_ID_ANY, nullptr, packetPool());
  if (rc == 0)
    rc = rte_eth_tx_queue_setup(port, 0, 512, SOCKET_ID_ANY, nullptr);
  if (rc == 0)
    rc = rte_eth_dev_start(port);
  if (rc != 0)
    return makeError("{}: cannot configure and start port {}: {}", devargs, port,
                     rte_strerror(-rc));
  return port;
}

void closeVdev(uint16_t port) {
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  rte_eth_dev_get_name_by_port(port, name);
  rte_eth_dev_stop(port);
  rte_eth_dev_close(port);
  rte_eal_hotplug_remove("vdev", name);
}

} // namespace sluice::nic
