//===- NicMapsTest.cpp - Maps through the driver, on the Verilated NIC -----===//
//
// tests/progs/map_counters.bpf.c (an array of per-protocol counters, a hash
// of blocked protocols whose presence drops the packet and whose hit
// counter it bumps, a per-CPU array) compiled for the NIC and loaded by the
// driver; its maps reached only through the register block's map port:
// the libbpf-style C API with the kernel's return codes, refusals that
// change nothing, and host updates interleaved with traffic giving exactly
// the sequential result.
//
//===----------------------------------------------------------------------===//
#include "NicRig.h"

#include <cerrno>
#include <cstring>
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include <rte_lcore.h>

#include "sluice/Nic/sluice_bpf.h"
#include "sluice/Maps/NicMaps.h"
#include "sluice/Sim/MapPort.h"

using namespace sluice;
using namespace sluice::nic;
using namespace sluice::nic::test;

namespace {

std::vector<uint8_t> mapCountersImage() {
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_counters.bpf.o");
  EXPECT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  auto img = compileProgram(*obj, obj->programs.at(0), TargetParams::defaults());
  EXPECT_TRUE(bool(img)) << llvm::toString(img.takeError());
  return writeStageImage(*img);
}

sluice_nic *handle(Rig &rig) { return reinterpret_cast<sluice_nic *>(rig.nic.get()); }

bool isUdp(const Frame &f) { return f.size() >= 34 && f[23] == 17; }

/// After UDP was blocked half-way through the traffic: every UDP frame fed
/// was either received or counted by the blocklist entry, and the program's
/// verdicts agree with the NIC's counters.
void expectUdpAccounted(Rig &rig, int blocked, uint64_t fedUdp, const std::string &what) {
  rig.runToEnd();
  uint32_t udp = 17;
  uint64_t hits = 0;
  ASSERT_EQ(sluice_map_lookup_elem(blocked, &udp, &hits), 0);
  uint64_t receivedUdp = 0;
  for (const Frame &f : rig.received)
    receivedUdp += isUdp(f);
  EXPECT_GT(hits, 0u);
  EXPECT_GT(receivedUdp, 0u);
  EXPECT_EQ(receivedUdp + hits, fedUdp) << what;
  EXPECT_EQ(rig.cnt(regs::VERDICT_PASS), rig.received.size());
}

} // namespace

TEST(NicMaps, CApiHasLibbpfsReturnCodes) {
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, mapCountersImage(), "map_counters"));
  int blocked = sluice_nic_map_fd_by_name(handle(rig), "blocked");
  int stats = sluice_nic_map_fd_by_name(handle(rig), "proto_stats");
  ASSERT_GE(blocked, 0);
  ASSERT_GE(stats, 0);
  EXPECT_EQ(sluice_nic_map_fd_by_name(handle(rig), "no_such_map"), -ENOENT);
  EXPECT_EQ(errno, ENOENT);

  uint32_t k = 6;
  uint64_t v = 0, got = 0;
  EXPECT_EQ(sluice_map_lookup_elem(blocked, &k, &got), -ENOENT);
  EXPECT_EQ(sluice_map_update_elem(blocked, &k, &v, BPF_EXIST), -ENOENT);
  EXPECT_EQ(sluice_map_update_elem(blocked, &k, &v, BPF_NOEXIST), 0);
  EXPECT_EQ(sluice_map_update_elem(blocked, &k, &v, BPF_NOEXIST), -EEXIST);
  EXPECT_EQ(errno, EEXIST);
  v = 41;
  EXPECT_EQ(sluice_map_update_elem(blocked, &k, &v, BPF_EXIST), 0);
  EXPECT_EQ(sluice_map_lookup_elem(blocked, &k, &got), 0);
  EXPECT_EQ(got, 41u);
  EXPECT_EQ(sluice_map_update_elem(blocked, &k, &v, 7), -EINVAL);

  // Fill the 16-entry hash: the 17th key is refused with E2BIG, as the kernel does.
  for (uint32_t i = 100; i < 115; ++i)
    ASSERT_EQ(sluice_map_update_elem(blocked, &i, &v, BPF_ANY), 0) << i;
  uint32_t extra = 200;
  EXPECT_EQ(sluice_map_update_elem(blocked, &extra, &v, BPF_ANY), -E2BIG);

  // get_next_key walks every key once.
  std::set<uint32_t> walked;
  uint32_t cur = 0, next = 0;
  for (bool first = true; sluice_map_get_next_key(blocked, first ? nullptr : &cur, &next) == 0;
       first = false) {
    EXPECT_TRUE(walked.insert(next).second) << next;
    cur = next;
  }
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(walked.size(), 16u);
  EXPECT_TRUE(walked.count(6));

  // Batches: delete three, then look the rest up in batches of 5.
  uint32_t del[3] = {100, 101, 102}, n = 3;
  EXPECT_EQ(sluice_map_delete_batch(blocked, del, &n, nullptr), 0);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(sluice_map_delete_elem(blocked, &del[0]), -ENOENT);
  uint32_t pos = 0, keys[5];
  uint64_t vals[5];
  size_t total = 0;
  for (bool first = true;; first = false) {
    uint32_t count = 5;
    int rc = sluice_map_lookup_batch(blocked, first ? nullptr : &pos, &pos, keys, vals, &count,
                                     nullptr);
    total += count;
    if (rc) {
      EXPECT_EQ(rc, -ENOENT);
      break;
    }
  }
  EXPECT_EQ(total, 13u);

  // Arrays: delete is EINVAL, an index past the end E2BIG on update.
  uint32_t idx = 17, past = 256;
  uint64_t rec[2] = {5, 6}, back[2] = {};
  EXPECT_EQ(sluice_map_delete_elem(stats, &idx), -EINVAL);
  EXPECT_EQ(sluice_map_update_elem(stats, &past, rec, BPF_ANY), -E2BIG);
  EXPECT_EQ(sluice_map_update_elem(stats, &idx, rec, BPF_ANY), 0);
  EXPECT_EQ(sluice_map_lookup_elem(stats, &idx, back), 0);
  EXPECT_EQ(back[0], 5u);
  EXPECT_EQ(back[1], 6u);

  // A handle outlives its program only as a refusal.
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, mapCountersImage(), "map_counters again"));
  EXPECT_EQ(sluice_map_lookup_elem(blocked, &k, &got), -EBADF);
}

TEST(NicMaps, WrongSizesAndUnknownMapsChangeNothing) {
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, mapCountersImage(), "map_counters"));
  Nic &nic = *rig.nic;
  auto id = nic.mapIndex("blocked");
  ASSERT_TRUE(bool(id)) << llvm::toString(id.takeError());
  ASSERT_EQ(*nic.mapUpdate(*id, {6, 0, 0, 0}, Bytes(8, 1), BPF_ANY), 0);
  auto before = nic.mapDump(*id);
  ASSERT_TRUE(bool(before));
  uint64_t opsBefore = nic.stats().mapOps;

  auto shortKey = nic.mapUpdate(*id, {6, 0, 0}, Bytes(8, 2), BPF_ANY);
  ASSERT_FALSE(bool(shortKey));
  std::string msg = llvm::toString(shortKey.takeError());
  EXPECT_NE(msg.find("map 'blocked' has 4-byte keys, got 3 bytes"), std::string::npos) << msg;
  auto longValue = nic.mapUpdate(*id, {6, 0, 0, 0}, Bytes(9, 2), BPF_ANY);
  ASSERT_FALSE(bool(longValue));
  msg = llvm::toString(longValue.takeError());
  EXPECT_NE(msg.find("map 'blocked' has 8-byte values, got 9 bytes"), std::string::npos) << msg;
  auto unknown = nic.mapIndex("nope");
  ASSERT_FALSE(bool(unknown));
  msg = llvm::toString(unknown.takeError());
  EXPECT_NE(msg.find("no map 'nope' in program xdp_map_counters (its maps: proto_stats, "
                     "class_stats, blocked"),
            std::string::npos)
      << msg;
  auto rodata = nic.mapIndex("map_coun.rodata");
  ASSERT_TRUE(bool(rodata)) << llvm::toString(rodata.takeError());
  auto folded = nic.mapLookup(*rodata, Bytes(4, 0));
  ASSERT_FALSE(bool(folded));
  msg = llvm::toString(folded.takeError());
  EXPECT_NE(msg.find("map 'map_coun.rodata' has no NIC memory"), std::string::npos) << msg;
  EXPECT_EQ(nic.stats().mapOps, opsBefore) << "a refused call reached the device";
  auto after = nic.mapDump(*id);
  ASSERT_TRUE(bool(after));
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].key, (*before)[i].key);
    EXPECT_EQ((*after)[i].value, (*before)[i].value);
  }
}

// Host operations while frames stream in: blocking a protocol takes effect
// between two packets, so every frame of that protocol is either passed
// (before) or counted by the entry (after), exactly: received + hits = fed.
TEST(NicMaps, HostUpdatesInterleavedWithTrafficAreSequential) {
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, mapCountersImage(), "map_counters"));
  Nic &nic = *rig.nic;
  auto frames = readPcap(pcapPath("firewall"));
  ASSERT_TRUE(bool(frames));
  const unsigned repeat = 8;
  const uint64_t total = frames->size() * repeat;
  uint64_t fed = 0, fedUdp = 0;
  nic.setSource(0, [&]() -> std::optional<Frame> {
    if (fed == total)
      return std::nullopt;
    const Frame &f = (*frames)[fed++ % frames->size()].data;
    fedUdp += isUdp(f);
    return f;
  });
  int blocked = sluice_nic_map_fd_by_name(handle(rig), "blocked");
  ASSERT_GE(blocked, 0);
  uint32_t udp = 17;
  uint64_t zero = 0;
  bool done = false;
  uint64_t fedAtBlock = 0;
  while (fed < total) {
    nic.poll();
    rig.receive();
    if (!done && fed >= total / 2) {
      ASSERT_EQ(sluice_map_update_elem(blocked, &udp, &zero, BPF_NOEXIST), 0);
      fedAtBlock = fed;
      done = true;
    }
  }
  expectUdpAccounted(rig, blocked, fedUdp, fmt::format("blocked after frame {}", fedAtBlock));
}

// The driver services the NIC itself (Nic::startService): traffic flows on
// the service loop's thread while this thread, the control plane, blocks a
// protocol through the C API and the application receives from the host
// port. Whatever the interleaving, every UDP frame is either received or
// counted by the blocklist entry (the sequential result of some
// interleaving), and this thread never polls.
void serviceRun(Rig &rig, const ServiceOptions &so) {
  Nic &nic = *rig.nic;
  ASSERT_NO_FATAL_FAILURE(loadOk(nic, mapCountersImage(), "map_counters"));
  auto frames = readPcap(pcapPath("firewall"));
  ASSERT_TRUE(bool(frames));
  const uint64_t total = frames->size() * 8;
  std::atomic<uint64_t> fed{0}, fedUdp{0};
  nic.setSource(0, [&]() -> std::optional<Frame> {
    if (fed == total)
      return std::nullopt;
    const Frame &f = (*frames)[fed % frames->size()].data;
    fedUdp += isUdp(f);
    ++fed;
    return f;
  });
  int blocked = sluice_nic_map_fd_by_name(handle(rig), "blocked");
  ASSERT_GE(blocked, 0);
  const uint64_t pollsBefore = nic.stats().polls;
  if (llvm::Error e = nic.startService(so))
    FAIL() << llvm::toString(std::move(e));
  ASSERT_TRUE(nic.serviceRunning());
  // A second start is refused; the loop keeps running.
  llvm::Error twice = nic.startService(so);
  ASSERT_TRUE(bool(twice));
  EXPECT_EQ(llvm::toString(std::move(twice)), "the NIC's service loop already runs");
  uint32_t udp = 17;
  uint64_t zero = 0;
  bool done = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (fed < total && std::chrono::steady_clock::now() < deadline) {
    rig.receive();
    if (!done && fed >= total / 2) {
      ASSERT_EQ(sluice_map_update_elem(blocked, &udp, &zero, BPF_NOEXIST), 0);
      done = true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_EQ(fed.load(), total) << "the service loop stopped feeding";
  ASSERT_TRUE(done);
  nic.stopService();
  EXPECT_FALSE(nic.serviceRunning());
  EXPECT_GT(nic.serviceRounds(), 0u);
  EXPECT_GT(nic.stats().polls, pollsBefore);
  expectUdpAccounted(rig, blocked, fedUdp.load(), "service loop");
}

TEST(NicMaps, ServiceThreadCarriesTrafficWhileTheHostUpdates) {
  Rig rig;
  serviceRun(rig, ServiceOptions{});
}

TEST(NicMaps, ServiceLcoreCarriesTrafficWhileTheHostUpdates) {
  // This process's EAL with one worker lcore (ctest runs each test alone).
  if (ealReady() && rte_get_next_lcore(-1, 1, 0) >= RTE_MAX_LCORE)
    GTEST_SKIP() << "SKIPPED: this process started the EAL without worker lcores in an earlier "
                    "test; run this test alone (ctest does: one process per test)";
  EalOptions eo;
  eo.workerLcores = 1;
  if (llvm::Error e = initEal(eo))
    FAIL() << llvm::toString(std::move(e));
  const unsigned worker = rte_get_next_lcore(-1, 1, 0);
  ASSERT_LT(worker, unsigned(RTE_MAX_LCORE)) << "the EAL has no worker lcore";
  Rig rig;
  ServiceOptions bad;
  bad.lcore = int(rte_get_main_lcore());
  llvm::Error e = rig.nic->startService(bad);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("is not a worker lcore of the EAL"), std::string::npos);
  ServiceOptions so;
  so.lcore = int(worker);
  serviceRun(rig, so);
}

// The register level: an operation on a map id no stage holds is answered at
// once with -EINVAL, and the pipeline's input is not held by it afterwards.
TEST(NicMaps, PortAnswersAnUnconfiguredMapIdAndTrafficFlows) {
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, mapCountersImage(), "map_counters"));
  Device &dev = rig.nic->device();
  dev.write32(regs::MAP_CMD, 0 /* lookup */ | 7u << 3);
  uint32_t st = 0;
  for (int i = 0; i < 1000 && !(st & regs::MAP_STATUS_DONE); ++i) {
    rig.nic->poll();
    st = dev.read32(regs::MAP_STATUS);
  }
  ASSERT_TRUE(st & regs::MAP_STATUS_DONE) << std::hex << st;
  EXPECT_FALSE(st & regs::MAP_STATUS_BUSY);
  EXPECT_EQ(int32_t(dev.read32(regs::MAP_RC)), -EINVAL);
  // traffic still passes
  auto frames = readPcap(pcapPath("udp_reflect"));
  ASSERT_TRUE(bool(frames));
  size_t k = 0;
  rig.nic->setSource(0, [&]() -> std::optional<Frame> {
    if (k == frames->size())
      return std::nullopt;
    return (*frames)[k++].data;
  });
  rig.runToEnd();
  EXPECT_EQ(rig.cnt(regs::RX_PKTS_P0), frames->size());
  EXPECT_GT(rig.received.size(), 0u);
}

// A map the program looks up twice in one packet (tests/progs/map_twice: the
// destination port, then the source port) has a replica in another map
// stage for the first lookup: the driver writes the map and then every
// replica, so an insert and a delete through the port are seen by the first
// lookup too (read back from the replica's map id at the register level,
// and by traffic); the replica's index is not a map of its own to the host.
TEST(NicMaps, HostWritesToAMapLookedUpTwiceReachEveryReplica) {
  Rig rig;
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/map_twice.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  auto img = compileProgram(*obj, obj->programs.at(0), TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, writeStageImage(*img), "map_twice"));
  Nic &nic = *rig.nic;
  ASSERT_EQ(nic.maps().size(), 2u);
  EXPECT_EQ(nic.maps()[1].name, "port_rules");
  EXPECT_EQ(nic.maps()[1].replicaOf, 0);
  auto id = nic.mapIndex("port_rules");
  ASSERT_TRUE(bool(id)) << llvm::toString(id.takeError());
  EXPECT_EQ(*id, 0u);
  Device &dev = nic.device();
  sim::RegisterIo io{"test", [&](uint32_t a) { return dev.read32(a); },
                     [&](uint32_t a, uint32_t v) { dev.write32(a, v); }, [&] { nic.poll(); }};
  auto inReplica = [&](const Bytes &key) {
    auto r = sim::mapPortOp(io, nic.maps()[1], 1, sim::MapPortOp::Lookup, 0, &key, nullptr, 0,
                            false, true);
    EXPECT_TRUE(bool(r)) << (r ? "" : llvm::toString(r.takeError()));
    return r && r->found;
  };
  auto port = [](uint16_t p) { return Bytes{uint8_t(p), uint8_t(p >> 8)}; };
  auto frame = [](uint16_t sport, uint16_t dport) {
    Frame f(60, 0);
    f[12] = 0x08, f[14] = 0x45, f[23] = 17;
    f[34] = uint8_t(sport >> 8), f[35] = uint8_t(sport);
    f[36] = uint8_t(dport >> 8), f[37] = uint8_t(dport);
    return f;
  };
  Bytes drop = {XDP_DROP, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(inReplica(port(80)));
  ASSERT_EQ(*nic.mapUpdate(*id, port(80), drop, BPF_NOEXIST), 0);
  EXPECT_TRUE(inReplica(port(80)));
  // traffic: to port 80 drops (the first lookup, from the replica), to 81 passes
  std::vector<Frame> feed = {frame(1000, 80), frame(1000, 81), frame(1000, 80)};
  size_t next = 0;
  nic.setSource(0, [&]() -> std::optional<Frame> {
    if (next == feed.size())
      return std::nullopt;
    return feed[next++];
  });
  rig.runToEnd();
  ASSERT_EQ(rig.received.size(), 1u);
  EXPECT_EQ(rig.received[0][37], 81);
  auto v = nic.mapLookup(*id, port(80));
  ASSERT_TRUE(bool(v)) << llvm::toString(v.takeError());
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((**v)[4], 2) << "hits on the map itself";
  ASSERT_EQ(*nic.mapDelete(*id, port(80)), 0);
  EXPECT_FALSE(inReplica(port(80)));
  // the replica's index is refused: the host reads and writes the map
  auto direct = nic.mapLookup(1, port(80));
  ASSERT_FALSE(bool(direct));
  std::string msg = llvm::toString(direct.takeError());
  EXPECT_NE(msg.find("map index 1 is a replica of map 'port_rules' (index 0)"), std::string::npos)
      << msg;
}

// Devmaps through the driver (tests/progs/redirect_devmap.bpf.c: 'ports' a
// DEVMAP of 8 x {ifindex, program}, 'port_ids' a DEVMAP_HASH of 16 x
// ifindex): the kernel's host rules over the map unit's array and hash
// (sim/lib/MapPort.cpp), the same return codes as NicDevmapVsKernel pins
// against kernel devmaps.
TEST(NicMaps, DevmapsHaveTheKernelsHostRulesThroughThePort) {
  Rig rig;
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/redirect_devmap.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  auto img = compileProgram(*obj, obj->programs.at(0), TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, writeStageImage(*img), "redirect_devmap"));
  int ports = sluice_nic_map_fd_by_name(handle(rig), "ports");
  int ids = sluice_nic_map_fd_by_name(handle(rig), "port_ids");
  ASSERT_GE(ports, 0);
  ASSERT_GE(ids, 0);

  uint32_t k = 2, past = 8;
  int32_t v[2] = {4, -1}, got[2] = {};
  EXPECT_EQ(sluice_map_lookup_elem(ports, &k, got), -ENOENT);  // an empty slot
  EXPECT_EQ(sluice_map_update_elem(ports, &k, v, BPF_NOEXIST), -EEXIST);
  EXPECT_EQ(sluice_map_update_elem(ports, &past, v, BPF_ANY), -E2BIG);
  EXPECT_EQ(sluice_map_update_elem(ports, &k, v, BPF_EXIST), 0);
  EXPECT_EQ(sluice_map_lookup_elem(ports, &k, got), 0);
  EXPECT_EQ(got[0], 4);
  EXPECT_EQ(got[1], 0);  // the program id: none
  int32_t prog[2] = {4, 7};
  EXPECT_EQ(sluice_map_update_elem(ports, &k, prog, BPF_ANY), -EINVAL);
  uint32_t k5 = 5;
  EXPECT_EQ(sluice_map_update_elem(ports, &k5, v, BPF_ANY), 0);
  // get_next_key walks every index, entry or not, as the kernel's
  std::vector<uint32_t> walked;
  uint32_t cur = 0, next = 0;
  for (bool first = true; sluice_map_get_next_key(ports, first ? nullptr : &cur, &next) == 0;
       first = false)
    walked.push_back(cur = next);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(walked, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(sluice_map_get_next_key(ports, &past, &next), 0);  // past the end: the first
  EXPECT_EQ(next, 0u);
  int32_t zero[2] = {0, 0};
  EXPECT_EQ(sluice_map_update_elem(ports, &k, zero, BPF_ANY), 0);  // ifindex 0 empties it
  EXPECT_EQ(sluice_map_lookup_elem(ports, &k, got), -ENOENT);
  EXPECT_EQ(sluice_map_delete_elem(ports, &k5), 0);
  EXPECT_EQ(sluice_map_lookup_elem(ports, &k5, got), -ENOENT);
  EXPECT_EQ(sluice_map_delete_elem(ports, &k5), 0);  // already empty: fine
  EXPECT_EQ(sluice_map_delete_elem(ports, &past), -EINVAL);

  uint32_t key = 100, ifindex = 0, back = 0;
  EXPECT_EQ(sluice_map_update_elem(ids, &key, &ifindex, BPF_ANY), -EINVAL);
  ifindex = 9;
  EXPECT_EQ(sluice_map_update_elem(ids, &key, &ifindex, BPF_EXIST), 0);  // inserts
  EXPECT_EQ(sluice_map_update_elem(ids, &key, &ifindex, BPF_NOEXIST), -EEXIST);
  ifindex = 0;
  EXPECT_EQ(sluice_map_update_elem(ids, &key, &ifindex, BPF_NOEXIST), -EINVAL);  // ifindex first
  EXPECT_EQ(sluice_map_lookup_elem(ids, &key, &back), 0);
  EXPECT_EQ(back, 9u);
  uint32_t other = 101;
  EXPECT_EQ(sluice_map_delete_elem(ids, &other), -ENOENT);
  EXPECT_EQ(sluice_map_delete_elem(ids, &key), 0);
  EXPECT_EQ(sluice_map_lookup_elem(ids, &key, &back), -ENOENT);
}

// An LRU hash through the driver's map port (tests/progs/lru_overflow: 8
// entries, 12-byte keys, 16-byte values): host updates past max_entries
// evict instead of failing, host lookups are uses, deletes free; every
// return code, every value and the final walk equal NicMap's LRU replaying
// the same operations (docs/maps-design.md "LRU hash maps").
TEST(NicMaps, LruHashThroughThePortEvictsAsNicMap) {
  Rig rig;
  auto obj = Object::open(std::string(SLUICE_TEST_PROGS_DIR) + "/lru_overflow.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  auto img = compileProgram(*obj, obj->programs.at(0), TargetParams::defaults());
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  ASSERT_EQ(img->maps.size(), 1u);
  ASSERT_EQ(img->maps[0].type, unsigned(BPF_MAP_TYPE_LRU_HASH));
  ASSERT_NO_FATAL_FAILURE(loadOk(*rig.nic, writeStageImage(*img), "lru_overflow"));
  MapDef def;
  def.name = "conns", def.type = BPF_MAP_TYPE_LRU_HASH, def.key_size = 12;
  def.value_size = 16, def.max_entries = 8;
  auto ref = NicMap::create(def, TargetParams::defaults());
  ASSERT_TRUE(bool(ref)) << llvm::toString(ref.takeError());
  int fd = sluice_nic_map_fd_by_name(handle(rig), "conns");
  ASSERT_GE(fd, 0);
  std::mt19937 rng(3);
  auto key = [](uint32_t i) {
    Bytes k(12, 0);
    std::memcpy(k.data(), &i, 4);
    k[8] = uint8_t(i * 7);
    return k;
  };
  unsigned evictions = 0;
  for (int op = 0; op < 400; ++op) {
    Bytes k = key(rng() % 40);
    unsigned r = rng() % 10;
    if (r < 5) {
      Bytes v(16);
      for (auto &b : v) b = uint8_t(rng());
      uint64_t flags = rng() % 4 == 0 ? BPF_NOEXIST : BPF_ANY;
      uint32_t before = ref->size();
      Bytes probe;
      bool had = ref->lookup(k, probe) == 0;
      int want = ref->update(k, v, flags);
      EXPECT_EQ(sluice_map_update_elem(fd, k.data(), v.data(), flags), want) << "op " << op;
      evictions += want == 0 && !had && before == 8;
    } else if (r < 8) {
      Bytes want, got(16);
      int rc = ref->lookupUse(k, want);
      EXPECT_EQ(sluice_map_lookup_elem(fd, k.data(), got.data()), rc) << "op " << op;
      if (rc == 0) EXPECT_EQ(got, want) << "op " << op;
    } else {
      EXPECT_EQ(sluice_map_delete_elem(fd, k.data()), ref->deleteKey(k)) << "op " << op;
    }
    ASSERT_LE(ref->size(), 8u);
  }
  EXPECT_GT(evictions, 20u);
  std::set<Bytes> walked;
  Bytes cur(12), next(12);
  for (bool first = true; sluice_map_get_next_key(fd, first ? nullptr : cur.data(), next.data()) == 0;
       first = false) {
    EXPECT_TRUE(walked.insert(next).second);
    cur = next;
  }
  std::set<Bytes> want;
  for (const MapEntry &e : ref->entries()) want.insert(e.key);
  EXPECT_EQ(walked, want);
  EXPECT_LE(walked.size(), 8u);
}
