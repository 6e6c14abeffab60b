//===- sluice-fw-demo - a DPDK application on the simulated Sluice NIC -----===//
//
// The demo of docs/nic-driver.md: the firewall sample runs on the NIC's
// datapath; this application receives the frames it passes on the NIC's
// host queue (an ethdev port: rte_eth_rx_burst), and manages the blocklist
// from the host with the libbpf-style calls of sluice/Nic/sluice_bpf.h
// while the traffic flows:
//
//   1. the blocklist starts with the sample's map-init entries;
//   2. after a third of the frames were fed, it blocks the busiest source
//      that still passes (sluice_map_update_elem);
//   3. after two thirds, it lifts the block of another source
//      (sluice_map_delete_elem);
//   4. at the end it reads the verdict counters (sluice_map_lookup_batch,
//      and their host mirror) and the blocklist (get_next_key + lookup).
//
// It then checks what sequential semantics promise, exactly: for the source
// blocked in step 2, frames received on the host port + its hit counter =
// the frames from it that were fed; the program's verdict counters (updated
// by every packet while the host reads them for its mirror) equal the NIC's
// verdict registers and the frames the application received. Runs on
// firewall.bpf.o or ip_blocklist.bpf.o (the same maps; --parse names the
// one whose header parsing the checks follow).
// Exit 0 when every check holds, 1 otherwise, 2 on an error.
//
//   sluice-fw-demo --object firewall.bpf.o --pcap firewall.pcap
//                  [--map-init firewall.maps.json] [--repeat N]
//                  [--parse firewall|ip_blocklist] [-j]
//
//===----------------------------------------------------------------------===//
#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>
#include <iostream>
#include <map>

#include "sluice/Engine/MapInit.h"
#include "sluice/Nic/Mbuf.h"
#include "sluice/Nic/Nic.h"
#include "sluice/Nic/SimDevice.h"
#include "sluice/Nic/sluice_bpf.h"
#include "sluice/Object/Object.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Support/Pcap.h"

using namespace sluice;
using namespace sluice::nic;
using json = nlohmann::json;

namespace {

int fail(const std::string &msg) {
  fmt::print(stderr, "sluice-fw-demo: error: {}\n", msg);
  return 2;
}

/// How the program finds the IPv4 header whose source it looks up: the
/// firewall sample skips up to two VLAN tags (802.1Q / 802.1ad) and wants
/// version 4 (xdp_common.h's parse_ethhdr and parse_iphdr); ip_blocklist
/// takes untagged frames only and does not check the version.
struct SourceRule {
  unsigned vlanDepth = 2;
  bool checkVersion = true;
};

/// The IPv4 source address of a frame the program looks up (Ethernet, the
/// VLAN tags `rule` skips, an IPv4 header with ihl >= 5 that fits in the
/// frame), or nothing.
std::optional<uint32_t> lookedUpSource(const Frame &f, const SourceRule &rule) {
  size_t off = 12;
  if (f.size() < off + 2)
    return std::nullopt;
  unsigned type = unsigned(f[off]) << 8 | f[off + 1];
  for (unsigned i = 0; i < rule.vlanDepth && (type == 0x8100 || type == 0x88a8); ++i) {
    off += 4;
    if (f.size() < off + 2)
      return std::nullopt;
    type = unsigned(f[off]) << 8 | f[off + 1];
  }
  size_t ip = off + 2;
  if (type != 0x0800 || f.size() < ip + 20)
    return std::nullopt;
  unsigned ihl = f[ip] & 0xf;
  if ((rule.checkVersion && f[ip] >> 4 != 4) || ihl < 5 || f.size() < ip + ihl * 4)
    return std::nullopt;
  uint32_t a;
  std::memcpy(&a, &f[ip + 12], 4);
  return a;  // network order, as the map key
}

std::string ipText(uint32_t netOrder) {
  char b[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &netOrder, b, sizeof b);
  return b;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"sluice-fw-demo: the firewall sample on the simulated NIC, its blocklist "
               "managed from a DPDK application while traffic flows"};
  std::string object, pcap, mapInit;
  unsigned repeat = 100;
  uint64_t mirrorPeriod = 2000;
  bool asJson = false;
  app.add_option("--object", object, "firewall.bpf.o")->required();
  app.add_option("--pcap", pcap, "frames fed into network port 0")->required();
  app.add_option("--map-init", mapInit, "initial blocklist (sluice run's map-init format)");
  app.add_option("--repeat", repeat, "feed the pcap this many times over")->capture_default_str();
  app.add_option("--mirror-period", mirrorPeriod, "device cycles between two syncs of the "
                                                  "verdict counters' host mirror")
      ->capture_default_str();
  std::string parse = "firewall";
  app.add_option("--parse", parse, "whose header parsing decides which frames are looked up: "
                                   "firewall (up to two VLAN tags, IPv4 version checked) or "
                                   "ip_blocklist (untagged only)")
      ->check(CLI::IsMember({"firewall", "ip_blocklist"}))
      ->capture_default_str();
  app.add_flag("-j,--json", asJson, "JSON summary");
  CLI11_PARSE(app, argc, argv);
  SourceRule rule;
  if (parse == "ip_blocklist")
    rule = SourceRule{0, false};

  auto dev = openDevice("sim", "");
  if (!dev)
    return fail(llvm::toString(dev.takeError()));
  auto nicp = Nic::open(**dev);
  if (!nicp)
    return fail(llvm::toString(nicp.takeError()));
  Nic &nic = **nicp;
  auto load = nic.loadFile(object);
  if (!load)
    return fail(llvm::toString(load.takeError()));
  auto *handle = reinterpret_cast<sluice_nic *>(&nic);
  int blockFd = sluice_nic_map_fd_by_name(handle, "blocklist");
  int cntFd = sluice_nic_map_fd_by_name(handle, "verdict_cnt");
  if (blockFd < 0 || cntFd < 0)
    return fail(fmt::format("{} has no blocklist/verdict_cnt maps: {}", object, std::strerror(errno)));

  uint64_t zero = 0;
  if (!mapInit.empty()) {
    auto obj = Object::open(object);
    if (!obj)
      return fail(llvm::toString(obj.takeError()));
    auto entries = parseMapInit(mapInit, *obj);
    if (!entries)
      return fail(llvm::toString(entries.takeError()));
    for (const MapInitEntry &e : *entries) {
      int fd = sluice_nic_map_fd_by_name(handle, e.map.c_str());
      if (fd < 0 || sluice_map_update_elem(fd, e.key.data(), e.value.data(), e.flags))
        return fail(fmt::format("{}: map '{}': {}", mapInit, e.map, std::strerror(errno)));
    }
  }
  auto cntId = nic.mapIndex("verdict_cnt");
  if (!cntId)
    return fail(llvm::toString(cntId.takeError()));
  if (auto e = nic.mirrorMap(*cntId, mirrorPeriod))
    return fail(llvm::toString(std::move(e)));

  // What is fed, per source address (the frames the firewall looks up).
  auto frames = readPcap(pcap);
  if (!frames)
    return fail(llvm::toString(frames.takeError()));
  const uint64_t total = uint64_t(frames->size()) * repeat;
  std::map<uint32_t, uint64_t> perSourceInPcap;
  for (auto &p : *frames)
    if (auto s = lookedUpSource(p.data, rule))
      ++perSourceInPcap[*s];
  uint64_t fed = 0;
  std::map<uint32_t, uint64_t> fedBy, fedAfterBlock;
  std::optional<uint32_t> blocked, unblocked;
  nic.setSource(0, [&]() -> std::optional<Frame> {
    if (fed == total)
      return std::nullopt;
    const Frame &f = (*frames)[fed % frames->size()].data;
    ++fed;
    if (auto s = lookedUpSource(f, rule))
      ++fedBy[*s];
    return f;
  });

  // The busiest source that the initial blocklist lets through, and one it blocks.
  uint64_t v;
  for (auto &[src, n] : perSourceInPcap) {
    bool listed = sluice_map_lookup_elem(blockFd, &src, &v) == 0;
    if (!listed && (!blocked || n > perSourceInPcap[*blocked]))
      blocked = src;
    if (listed && !unblocked)
      unblocked = src;
  }
  if (!blocked)
    return fail("the pcap has no IPv4 source the blocklist lets through");

  std::map<uint32_t, uint64_t> receivedBy;
  uint64_t received = 0, fedAtBlock = 0, fedAtUnblock = 0;
  auto rx = [&] {
    rte_mbuf *bufs[32];
    uint16_t n = rte_eth_rx_burst(nic.hostPortId(), 0, bufs, 32);
    for (uint16_t i = 0; i < n; ++i) {
      Frame f = bytesFromMbuf(bufs[i]);
      if (auto s = lookedUpSource(f, rule))
        ++receivedBy[*s];
      ++received;
      rte_pktmbuf_free(bufs[i]);
    }
    return unsigned(n);
  };
  bool didBlock = false, didUnblock = false;
  while (fed < total) {
    nic.poll();
    rx();
    if (!didBlock && fed >= total / 3) {
      // The update is ordered between two packets as they enter the
      // pipeline: frames from `blocked` before it pass, every one after it
      // (including those already fed but still queued at the port) is
      // dropped and counted.
      if (sluice_map_update_elem(blockFd, &*blocked, &zero, BPF_NOEXIST))
        return fail(fmt::format("blocking {}: {}", ipText(*blocked), std::strerror(errno)));
      fedAtBlock = fed;
      didBlock = true;
    }
    if (!didUnblock && unblocked && fed >= 2 * total / 3) {
      if (sluice_map_delete_elem(blockFd, &*unblocked))
        return fail(fmt::format("unblocking {}: {}", ipText(*unblocked), std::strerror(errno)));
      fedAtUnblock = fed;
      didUnblock = true;
    }
  }
  if (!nic.drain(rx))
    return fail("the NIC did not drain");

  // Read back: the verdict counters in one batch, and their host mirror.
  uint32_t keys[8], pos = 0, count = 8;
  uint64_t vals[8] = {};
  int rc = sluice_map_lookup_batch(cntFd, nullptr, &pos, keys, vals, &count, nullptr);
  if (rc && errno != ENOENT)
    return fail(fmt::format("lookup_batch verdict_cnt: {}", std::strerror(errno)));
  uint64_t verdicts[5] = {};
  for (uint32_t i = 0; i < count; ++i)
    if (keys[i] < 5)
      verdicts[keys[i]] = vals[i];
  std::map<std::string, uint64_t> devCnt;
  for (auto &c : nic.counters())
    devCnt[c.name] = c.value;
  uint64_t hits = 0;
  sluice_map_lookup_elem(blockFd, &*blocked, &hits);
  std::vector<std::pair<uint32_t, uint64_t>> blocklist;
  uint32_t cur = 0, next = 0;
  for (bool first = true; sluice_map_get_next_key(blockFd, first ? nullptr : &cur, &next) == 0;
       first = false) {
    uint64_t h = 0;
    if (sluice_map_lookup_elem(blockFd, &next, &h) == 0)
      blocklist.emplace_back(next, h);
    cur = next;
  }
  std::optional<Nic::Mirror> mirror = nic.mirrored(*cntId);

  // The checks.
  struct Check {
    std::string what;
    uint64_t got, want;
  };
  uint64_t blockedFed = fedBy[*blocked], blockedRecv = receivedBy[*blocked];
  std::vector<Check> checks = {
      {fmt::format("frames from {} received + its hits = frames from it fed", ipText(*blocked)),
       blockedRecv + hits, blockedFed},
      {"verdict_cnt[XDP_PASS] = frames received on the host port", verdicts[XDP_PASS], received},
      {"verdict_cnt[XDP_PASS] = the NIC's VERDICT_PASS", verdicts[XDP_PASS], devCnt["VERDICT_PASS"]},
      {"verdict_cnt[XDP_DROP] = the NIC's VERDICT_DROP", verdicts[XDP_DROP], devCnt["VERDICT_DROP"]},
      {"verdict_cnt[XDP_ABORTED] = the NIC's VERDICT_ABORTED", verdicts[XDP_ABORTED],
       devCnt["VERDICT_ABORTED"]},
      {"frames fed = NIC RX", total, devCnt["RX_PKTS_P0"]},
  };
  bool ok = true;
  for (auto &c : checks)
    ok &= c.got == c.want;

  if (asJson) {
    json j = {{"frames", total},
              {"received_on_host_port", received},
              {"blocked", {{"addr", ipText(*blocked)}, {"at_frame", fedAtBlock}, {"fed", blockedFed},
                           {"received", blockedRecv}, {"hits", hits}}},
              {"verdict_cnt", {{"XDP_ABORTED", verdicts[0]}, {"XDP_DROP", verdicts[1]},
                               {"XDP_PASS", verdicts[2]}, {"XDP_TX", verdicts[3]},
                               {"XDP_REDIRECT", verdicts[4]}}},
              {"ok", ok}};
    if (unblocked)
      j["unblocked"] = {{"addr", ipText(*unblocked)}, {"at_frame", fedAtUnblock}};
    if (mirror)
      j["mirror"] = {{"syncs", mirror->syncs}, {"max_sync_cycles", mirror->maxSyncCycles},
                     {"period_cycles", mirrorPeriod}};
    json checksJ = json::array();
    for (auto &c : checks)
      checksJ.push_back({{"check", c.what}, {"got", c.got}, {"want", c.want}});
    j["checks"] = checksJ;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("firewall on the simulated NIC: {} frames in ({} x {}), {} received by the DPDK "
               "application on the host port\n", total, repeat, pcap, received);
    fmt::print("  frame {:>6}: blocked {} (sluice_map_update_elem, BPF_NOEXIST)\n", fedAtBlock,
               ipText(*blocked));
    if (unblocked)
      fmt::print("  frame {:>6}: unblocked {} (sluice_map_delete_elem)\n", fedAtUnblock,
                 ipText(*unblocked));
    fmt::print("verdict_cnt (lookup_batch): ABORTED {}  DROP {}  PASS {}  TX {}  REDIRECT {}\n",
               verdicts[0], verdicts[1], verdicts[2], verdicts[3], verdicts[4]);
    if (mirror)
      fmt::print("verdict_cnt host mirror: {} syncs every {} cycles, each at most {} cycles: an "
                 "entry is at most {} cycles old\n", mirror->syncs, mirrorPeriod,
                 mirror->maxSyncCycles, mirrorPeriod + mirror->maxSyncCycles);
    fmt::print("blocklist (get_next_key + lookup):\n");
    for (auto &[a, h] : blocklist)
      fmt::print("  {:<15} {:>8} hits\n", ipText(a), h);
    fmt::print("checks:\n");
    for (auto &c : checks)
      fmt::print("  {} {}: {} vs {}\n", c.got == c.want ? "ok  " : "FAIL", c.what, c.got, c.want);
    fmt::print("{}\n", ok ? "all checks hold" : "CHECKS FAILED");
  }
  return ok ? 0 : 1;
}
