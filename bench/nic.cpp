//===- bench-nic - the NIC driver: host port rate, image load time --------===//
//
// On the simulated NIC (the Verilated datapath in this process): stage image
// load time (pass_all and drop_all compiled for the device, loaded in turn),
// and frames per second from a network port through the pipeline
// (pass_all) to an application's rte_eth_rx_burst on the host port, in wall
// clock and in device cycles per frame.
//
// The DPDK plumbing alone: frames per second through the host queue's ethdev
// port (the driver's deliver() onto the net_ring RX ring and an
// application's rte_eth_rx_burst, and the reverse with rte_eth_tx_burst and
// collect()), on the EAL without hugepages. Frame sizes 64 and 1500 bytes.
//
// Usage: bench-nic [--frames N] [--sim-frames N] [--loads N] [--json]
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "sluice/Nic/Eal.h"
#include "sluice/Nic/HostPort.h"
#include "sluice/Nic/Mbuf.h"
#include "sluice/Nic/Nic.h"
#include "sluice/Nic/SimDevice.h"
#include "sluice/Nic/sluice_bpf.h"
#include "sluice/Support/Error.h"
#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Target/StageImage.h"


using namespace sluice::nic;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Driver -> application: deliver() then rte_eth_rx_burst, bursts of 32.
double hostRxRate(HostPort &hp, size_t len, uint64_t frames) {
  Frame f(len, 0xab);
  rte_mbuf *bufs[32];
  uint64_t got = 0, sent = 0;
  auto t0 = Clock::now();
  while (got < frames) {
    for (unsigned i = 0; i < 32 && sent < frames && hp.deliver(f); ++i)
      ++sent;
    uint16_t n = rte_eth_rx_burst(hp.portId(), 0, bufs, 32);
    rte_pktmbuf_free_bulk(bufs, n);
    got += n;
  }
  return frames / seconds(t0, Clock::now());
}

/// Application -> driver: rte_eth_tx_burst then collect().
double hostTxRate(HostPort &hp, size_t len, uint64_t frames) {
  Frame f(len, 0xcd);
  std::vector<Frame> out;
  uint64_t got = 0, sent = 0;
  auto t0 = Clock::now();
  while (got < frames) {
    rte_mbuf *bufs[32];
    unsigned n = 0;
    for (; n < 32 && sent + n < frames; ++n)
      bufs[n] = mbufFromBytes(packetPool(), f);
    uint16_t tx = rte_eth_tx_burst(hp.portId(), 0, bufs, n);
    rte_pktmbuf_free_bulk(bufs + tx, n - tx);
    sent += tx;
    out.clear();
    got += hp.collect(out, 32);
  }
  return frames / seconds(t0, Clock::now());
}

#ifdef SLUICE_NIC_HAVE_SIM
/// The built samples: beside bin/ in the build tree.
std::string samplesDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (exe.parent_path().parent_path() / "bpf-samples").string();
}

llvm::Expected<std::vector<uint8_t>> imageOf(const std::string &sample) {
  auto obj = sluice::Object::open(samplesDir() + "/" + sample + ".bpf.o");
  if (!obj)
    return obj.takeError();
  auto img = sluice::compileProgram(*obj, obj->programs.at(0), sluice::TargetParams::defaults());
  if (!img)
    return img.takeError();
  return sluice::writeStageImage(*img);
}

/// The simulated NIC and the driver over it.
struct SimNic {
  std::unique_ptr<Device> dev;
  std::unique_ptr<Nic> nic;
};
llvm::Expected<SimNic> openSimNic() {
  auto dev = openDevice("sim");
  if (!dev)
    return dev.takeError();
  auto nic = Nic::open(**dev);
  if (!nic)
    return nic.takeError();
  return SimNic{std::move(*dev), std::move(*nic)};
}

/// The simulated NIC: load times and frames per second to the host port.
llvm::Error benchSim(nlohmann::json &j, bool json, uint64_t simFrames, unsigned loads) {
  auto pass = imageOf("pass_all"), drop = imageOf("drop_all");
  if (!pass)
    return pass.takeError();
  if (!drop)
    return drop.takeError();
  auto sim = openSimNic();
  if (!sim)
    return sim.takeError();
  auto &dev = sim->dev;
  Nic &n = *sim->nic;
  // Load times: alternate the two images, idle NIC.
  std::vector<LoadReport> reps;
  for (unsigned i = 0; i < loads; ++i) {
    const auto &img = i % 2 ? *drop : *pass;
    auto r = n.loadImage(img.data(), img.size(), i % 2 ? "drop_all" : "pass_all");
    if (!r)
      return r.takeError();
    reps.push_back(*r);
  }
  if (loads % 2 == 0) {  // end on pass_all for the traffic below
    auto r = n.loadImage(pass->data(), pass->size(), "pass_all");
    if (!r)
      return r.takeError();
  }
  std::vector<double> us, wus;
  for (auto &r : reps) {
    us.push_back(r.totalUs);
    wus.push_back(r.writeUs);
  }
  std::sort(us.begin(), us.end());
  std::sort(wus.begin(), wus.end());
  const LoadReport &r0 = reps.front();
  j["load"] = {{"loads", loads},         {"image_bytes", r0.imageBytes},
               {"pm_words", r0.words},   {"reg_writes", r0.regWrites},
               {"device_cycles", r0.cycles}, {"switch_cycles", r0.switchCycles},
               {"median_us", us[us.size() / 2]}, {"min_us", us.front()},
               {"median_write_us", wus[wus.size() / 2]}};
  if (!json) {
    fmt::print("image load on the simulated NIC ({} loads, pass_all/drop_all, idle NIC)\n", loads);
    fmt::print("  {} bytes, {} program-memory words, {} register writes, {} device cycles "
               "(switch {} cycles)\n", r0.imageBytes, r0.words, r0.regWrites, r0.cycles,
               r0.switchCycles);
    fmt::print("  wall clock: median {:.0f} us (min {:.0f}), of which register writes {:.0f} us\n\n",
               us[us.size() / 2], us.front(), wus[wus.size() / 2]);
    fmt::print("{:<44} {:>6} {:>12} {:>12}\n", "simulated NIC, pass_all, port 0 -> DPDK port",
               "bytes", "frames/s", "cycles/frame");
  }
  for (size_t len : {64u, 1500u}) {
    Frame f(len, 0x11);
    uint64_t fed = 0;
    n.setSource(0, [&]() -> std::optional<Frame> {
      if (fed >= simFrames)
        return std::nullopt;
      ++fed;
      return f;
    });
    uint64_t got = 0, c0 = dev->cycles();
    rte_mbuf *bufs[32];
    auto t0 = Clock::now();
    while (got < simFrames) {
      n.poll();
      uint16_t k = rte_eth_rx_burst(n.hostPortId(), 0, bufs, 32);
      rte_pktmbuf_free_bulk(bufs, k);
      got += k;
    }
    double s = seconds(t0, Clock::now());
    double cpf = double(dev->cycles() - c0) / simFrames;
    j["sim"].push_back({{"bytes", len}, {"frames", simFrames}, {"fps", simFrames / s},
                        {"cycles_per_frame", cpf}});
    if (!json)
      fmt::print("{:<44} {:>6} {:>12.0f} {:>12.2f}\n", "network port -> pipeline -> rx_burst", len,
                 simFrames / s, cpf);
  }
  if (!json)
    fmt::print("\n");
  return llvm::Error::success();
}

/// Maps through the register map port: tests/progs/map_counters compiled
/// for the NIC; host operations per second (wall clock, the simulation's
/// speed) and device cycles per operation (what a board would take), single
/// calls and batches through the libbpf-style API; then a counter mirror
/// under traffic: its syncs and the staleness bound they give.
llvm::Error benchMaps(nlohmann::json &j, bool json, unsigned ops) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  auto obj = sluice::Object::open(
      (exe.parent_path().parent_path() / "tests/progs/map_counters.bpf.o").string());
  if (!obj)
    return obj.takeError();
  auto img = sluice::compileProgram(*obj, obj->programs.at(0), sluice::TargetParams::defaults());
  if (!img)
    return img.takeError();
  auto bytes = sluice::writeStageImage(*img);
  auto sim = openSimNic();
  if (!sim)
    return sim.takeError();
  auto &dev = sim->dev;
  Nic &n = *sim->nic;
  if (auto r = n.loadImage(bytes.data(), bytes.size(), "map_counters"); !r)
    return r.takeError();
  auto *h = reinterpret_cast<sluice_nic *>(&n);
  int blocked = sluice_nic_map_fd_by_name(h, "blocked");
  if (blocked < 0)
    return sluice::makeError("map_counters has no map 'blocked'");
  auto timeOps = [&](const char *what, auto &&op) {
    uint64_t c0 = dev->cycles();
    auto t0 = Clock::now();
    for (unsigned i = 0; i < ops; ++i)
      op(i);
    double s = seconds(t0, Clock::now());
    double cpo = double(dev->cycles() - c0) / ops;
    j["maps"].push_back({{"op", what}, {"ops", ops}, {"ops_per_s", ops / s},
                         {"cycles_per_op", cpo}});
    if (!json)
      fmt::print("{:<44} {:>8} {:>12.0f} {:>12.1f}\n", what, ops, ops / s, cpo);
  };
  if (!json)
    fmt::print("{:<44} {:>8} {:>12} {:>12}\n", "map port (map_counters, hash 'blocked')", "ops",
               "ops/s", "cycles/op");
  uint64_t v = 1;
  timeOps("update (BPF_ANY), 16 keys", [&](unsigned i) {
    uint32_t k = i % 16;
    sluice_map_update_elem(blocked, &k, &v, BPF_ANY);
  });
  timeOps("lookup, found", [&](unsigned i) {
    uint32_t k = i % 16;
    sluice_map_lookup_elem(blocked, &k, &v);
  });
  timeOps("lookup, absent", [&](unsigned i) {
    uint32_t k = 1000 + i;
    sluice_map_lookup_elem(blocked, &k, &v);
  });
  {
    uint32_t keys[16];
    uint64_t vals[16];
    for (unsigned i = 0; i < 16; ++i)
      keys[i] = i, vals[i] = i;
    unsigned batches = std::max(1u, ops / 16);
    uint64_t c0 = dev->cycles();
    auto t0 = Clock::now();
    for (unsigned b = 0; b < batches; ++b) {
      uint32_t count = 16;
      sluice_map_update_batch(blocked, keys, vals, &count, nullptr);
    }
    double s = seconds(t0, Clock::now());
    double cpo = double(dev->cycles() - c0) / (batches * 16);
    j["maps"].push_back({{"op", "update_batch of 16"}, {"ops", batches * 16},
                         {"ops_per_s", batches * 16 / s}, {"cycles_per_op", cpo}});
    if (!json)
      fmt::print("{:<44} {:>8} {:>12.0f} {:>12.1f}\n", "update_batch of 16", batches * 16,
                 batches * 16 / s, cpo);
  }
  // The mirror of 'class_stats' (4 counters) while 64-byte frames stream in.
  auto cls = n.mapIndex("class_stats");
  if (!cls)
    return cls.takeError();
  const uint64_t period = 2000;
  if (auto e = n.mirrorMap(*cls, period))
    return e;
  Frame f(64, 0);
  f[12] = 0x08;
  uint64_t fed = 0, frames = 4000;
  n.setSource(0, [&]() -> std::optional<Frame> {
    if (fed >= frames)
      return std::nullopt;
    ++fed;
    return f;
  });
  rte_mbuf *bufs[32];
  auto rx = [&] {
    uint16_t k = rte_eth_rx_burst(n.hostPortId(), 0, bufs, 32);
    rte_pktmbuf_free_bulk(bufs, k);
    return unsigned(k);
  };
  if (!n.drain(rx))
    return sluice::makeError("the NIC did not drain");
  std::optional<Nic::Mirror> m = n.mirrored(*cls);
  if (!m)
    return sluice::makeError("the mirror never completed a sync");
  j["mirror"] = {{"period_cycles", period}, {"syncs", m->syncs},
                 {"max_sync_cycles", m->maxSyncCycles},
                 {"staleness_bound_cycles", period + m->maxSyncCycles}};
  if (!json)
    fmt::print("\ncounter mirror of 'class_stats' (4 entries), period {} cycles, {} frames: {} "
               "syncs, the longest {} cycles: an entry is at most {} cycles old\n\n",
               period, frames, m->syncs, m->maxSyncCycles, period + m->maxSyncCycles);
  return llvm::Error::success();
}

#endif // SLUICE_NIC_HAVE_SIM

} // namespace

int main(int argc, char **argv) {
  uint64_t frames = 2000000, simFrames = 20000;
  unsigned loads = 20, mapOps = 2000;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--frames") && i + 1 < argc)
      frames = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--sim-frames") && i + 1 < argc)
      simFrames = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--loads") && i + 1 < argc)
      loads = unsigned(std::stoul(argv[++i]));
    else if (!std::strcmp(argv[i], "--map-ops") && i + 1 < argc)
      mapOps = unsigned(std::stoul(argv[++i]));
    else if (!std::strcmp(argv[i], "--json"))
      json = true;
    else {
      fmt::print(stderr, "usage: bench-nic [--frames N] [--sim-frames N] [--loads N] [--map-ops N] [--json]\n");
      return 2;
    }
  }
  if (auto e = initEal()) {
    fmt::print(stderr, "bench-nic: {}\n", llvm::toString(std::move(e)));
    return 2;
  }
  auto hp = HostPort::create("bench_host0", 1024);
  if (!hp) {
    fmt::print(stderr, "bench-nic: {}\n", llvm::toString(hp.takeError()));
    return 2;
  }
  nlohmann::json j;
#ifdef SLUICE_NIC_HAVE_SIM
  if (auto e = benchSim(j, json, simFrames, loads)) {
    fmt::print(stderr, "bench-nic: {}\n", llvm::toString(std::move(e)));
    return 2;
  }
  if (auto e = benchMaps(j, json, mapOps)) {
    fmt::print(stderr, "bench-nic: {}\n", llvm::toString(std::move(e)));
    return 2;
  }
#else
  (void)simFrames;
  (void)loads;
  (void)mapOps;
  if (!json)
    fmt::print("(no simulated NIC in this build: plumbing only)\n\n");
#endif
  if (!json)
    fmt::print("{:<44} {:>6} {:>12}\n", "host port (no device)", "bytes", "Mframes/s");
  for (size_t len : {64u, 1500u}) {
    double rx = hostRxRate(**hp, len, frames), tx = hostTxRate(**hp, len, frames);
    j["host_port"].push_back({{"bytes", len}, {"rx_fps", rx}, {"tx_fps", tx}});
    if (!json) {
      fmt::print("{:<44} {:>6} {:>12.2f}\n", "deliver -> rte_eth_rx_burst", len, rx / 1e6);
      fmt::print("{:<44} {:>6} {:>12.2f}\n", "rte_eth_tx_burst -> collect", len, tx / 1e6);
    }
  }
  if (json)
    std::cout << j.dump(2) << "\n";
  return 0;
}
