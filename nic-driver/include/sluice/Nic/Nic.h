//===- sluice/Nic/Nic.h - The host driver of a Sluice NIC ------------------===//
//
// One Nic drives one Device: it owns the host queue's ethdev port (HostPort)
// and services it, feeds the network ports from their sources and drains
// their egress into sinks. Servicing is explicit: poll() does one round, on
// the caller's thread (the simulated device advances only then), so a
// DPDK application interleaves rte_eth_rx_burst / rte_eth_tx_burst on
// hostPort() with nic.poll(), or runs poll() on a thread of its own.
//
// Or the driver services the NIC itself: startService() runs poll() rounds
// on a thread of its own (a DPDK worker lcore, or a plain thread), and every
// other call of this class may come from any thread: a recursive mutex
// serialises them with the service rounds (a map operation runs whole
// between two rounds, polling the device itself while it waits).
// hostPort() bursts need no lock: the host port's rings are single-producer,
// single-consumer, the service loop on one side and one application thread
// on the other.
//
// One poll() round:
//   1. frames from each network port's source into the device (held back,
//      not dropped, when the port is busy);
//   2. frames the application transmitted on the host port into the device's
//      host queue, to go out of network port hostTxPort;
//   3. the device advances stepCycles cycles;
//   4. XDP_PASS frames from the device's host queue onto the host port's RX
//      ring (only as many as the ring has room for: the device is
//      back-pressured instead of dropping);
//   5. each network port's egress into its sink.
//
// Programs: loadImage() checks a stage image against the device (ID, register
// map and ISA version, the parameter hash and the parameters the registers
// report, then the image's CRC, parameters and ISA rules with
// readStageImage), writes it into the shadow bank through PM_ADDR/PM_DATA
// while traffic keeps flowing (the driver services the ports between
// register bursts), and makes it active with BANK_SWAP: the datapath switches
// between two packets, so every packet runs entirely on one program. Every
// check happens before the first write: a refused image changes nothing.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "llvm/Support/Error.h"
#include "sluice/Nic/Device.h"
#include "sluice/Engine/Engine.h"
#include "sluice/Maps/NicMaps.h"
#include "sluice/Target/StageImage.h"
#include "sluice/Target/TargetParams.h"
#include "sluice/Nic/HostPort.h"
#include "sluice/Nic/PortIo.h"

namespace sluice::sim {
struct RegisterIo;  // sluice/Sim/MapPort.h
enum class MapPortOp : uint32_t;
}

namespace sluice::nic {

struct NicOptions {
  std::string hostPortName = "sluice_host0";
  unsigned hostRingSize = 1024;
  /// Network port that frames the host transmits leave from.
  unsigned hostTxPort = 0;
  /// Cycles the device advances per poll().
  uint64_t stepCycles = 16;
  /// Frames moved per direction and port per poll().
  unsigned burst = 64;
  /// Parameter files the device's parameter hash is looked up in, besides
  /// the compiled-in default and hdl/params/*.json of the source tree.
  std::vector<std::string> paramFiles;
  /// Register writes between two service rounds while an image loads.
  unsigned loadBurst = 64;
};

/// What the device's identification registers say.
struct DeviceInfo {
  uint32_t id = 0, regVersion = 0, isaVersion = 0;
  uint64_t paramHash = 0;
  unsigned stages = 0, lanes = 0, slots = 0, extractorEntries = 0, deparserEntries = 0;
  unsigned windowBytes = 0, headroomBytes = 0, latencyCycles = 0, busBits = 0;
  unsigned bufBeats = 0, maxFrameBytes = 0, clockMhz = 0;
};

/// One successful prog load.
struct LoadReport {
  std::string program;     ///< the image's program name
  std::string source;      ///< the file (or "<memory>")
  uint64_t paramHash = 0;
  uint32_t crc = 0;        ///< the image's CRC-32
  size_t imageBytes = 0;
  unsigned bank = 0;       ///< the bank it was written to, now active
  uint64_t words = 0;      ///< program-memory words written
  uint64_t regWrites = 0;  ///< register writes (PM_ADDR, PM_DATA_HI/LO, BANK_SWAP)
  uint64_t cycles = 0;     ///< device cycles from the first write to the switch
  uint64_t switchCycles = 0;  ///< of which: BANK_SWAP until ACTIVE_BANK turned
  double checkUs = 0, writeUs = 0, switchUs = 0, totalUs = 0;  ///< wall clock
  uint64_t fedAtSwapWrite = 0;  ///< frames the driver had fed when it wrote BANK_SWAP
  /// Frames the device had received (RX_PKTS) when ACTIVE_BANK showed the
  /// new bank: about where the split is (the exact split is in the verdicts).
  uint64_t rxAtSwitch = 0;
  std::chrono::system_clock::time_point loadedAt;
};

/// What runs: from the registers (bank, enable) and what the driver wrote.
struct ProgramInfo {
  bool enabled = false;
  unsigned activeBank = 0;
  std::optional<LoadReport> active;  ///< what the driver wrote into the active bank
};

struct CounterValue {
  std::string name;
  uint64_t value = 0;
};

/// What the driver itself moved (the device's own counters are read from its
/// registers).
struct DriverStats {
  struct Port {
    uint64_t fed = 0;       ///< frames from the source into the device
    uint64_t egress = 0;    ///< frames out of the device into the sink (or discarded without one)
    uint64_t held = 0;      ///< polls on which the device refused a frame (back-pressure)
  };
  std::vector<Port> ports;
  uint64_t hostRx = 0;      ///< XDP_PASS frames delivered to the application
  uint64_t hostTx = 0;      ///< frames the application sent, into the device
  uint64_t hostRxStalls = 0;///< polls on which the RX ring was full
  uint64_t polls = 0;
  uint64_t mapOps = 0;          ///< operations through the map port
  uint64_t mirrorFailures = 0;  ///< counter-mirror syncs that failed (the copy kept its last state)
};

/// How startService() runs the service loop.
struct ServiceOptions {
  /// A DPDK worker lcore to launch it on (rte_eal_remote_launch; the EAL
  /// must have been started with it: EalOptions::workerLcores), or -1 for a
  /// plain thread.
  int lcore = -1;
  /// After a round that moved nothing while the device is idle, the loop
  /// sleeps this long before the next (0: it spins). A simulated device's
  /// clock advances only in rounds, so idle time passes slower than on a
  /// board; a real device would not need rounds at all.
  std::chrono::microseconds idleSleep{50};
};

class Nic {
public:
  /// Starts the EAL if needed (initEal defaults) and creates the host port.
  static llvm::Expected<std::unique_ptr<Nic>> open(Device &dev, const NicOptions &opts = {});
  ~Nic();

  /// The device itself: its calls are not serialised with the service loop
  /// (use this class's calls while it runs).
  Device &device() { return dev_; }
  HostPort &hostPort() { return *host_; }
  uint16_t hostPortId() const { return host_->portId(); }

  /// What feeds network port `port` (nullptr: nothing).
  void setSource(unsigned port, FrameSource src);
  /// Where network port `port`'s egress goes (nullptr: counted and discarded).
  void setSink(unsigned port, FrameSink sink);

  /// One service round (above). Returns the frames moved.
  unsigned poll();
  /// Polls until a round moves nothing while no frame is held by the driver
  /// and the device is idle: sources exhausted (or quiet), outputs drained.
  /// `app` (optional) runs after every round and returns the frames it
  /// moved, e.g. an application emptying the host port. False if that does
  /// not happen within `maxPolls` rounds.
  bool drain(const std::function<unsigned()> &app = nullptr, uint64_t maxPolls = 10000000);
  /// True while the driver holds a frame the device or a sink refused.
  bool holding() const;

  /// Starts the service loop (above): poll() rounds on a thread of their
  /// own until stopService(). An Error if it already runs or the lcore
  /// cannot take it (not a worker lcore of the EAL, or busy).
  llvm::Error startService(const ServiceOptions &opts = {});
  /// Stops the service loop and waits for its last round (no-op if it does
  /// not run). The destructor stops it too.
  void stopService();
  bool serviceRunning() const { return serviceRunning_.load(); }
  /// Rounds the service loop has run since it last started.
  uint64_t serviceRounds() const { return serviceRounds_.load(); }

  // -- Programs.
  /// Reads and checks the identification registers (magic, register map
  /// version, ISA version).
  llvm::Expected<DeviceInfo> probe();
  /// The device's datapath parameters: the parameter file whose hash the
  /// device reports, cross-checked against the parameter registers.
  llvm::Expected<TargetParams> deviceParams();
  /// Checks and loads a stage image (above). `what` names it in errors.
  llvm::Expected<LoadReport> loadImage(const uint8_t *data, size_t size, std::string_view what);
  /// A stage image file (.slc), or an object file compiled for the
  /// device's parameters (sluice::compileProgram; `prog` picks the program).
  llvm::Expected<LoadReport> loadFile(const std::string &path, const std::string &prog = "");
  ProgramInfo program();

  /// Every device counter (CNT_*), in register-map order.
  std::vector<CounterValue> counters();
  /// One counter by index (the register map's order).
  uint64_t counter(unsigned index);
  /// Device cycles since the Nic opened (simulated devices).
  uint64_t uptimeCycles() {
    std::lock_guard<std::recursive_mutex> g(mu_);
    return dev_.cycles() - openedCycles_;
  }

  // -- Maps of the loaded program, through the register block's map port
  // (docs/nic-driver.md "Maps"). Each operation is atomic per entry against
  // the traffic: the datapath orders it between two packets. Return codes
  // are the kernel's (bpf(2): 0 or -errno for this map type); an llvm::Error
  // (with an errno) means the driver refused the call before the device saw
  // it (unknown map, wrong key or value size, no program) or the device did
  // not answer.
  struct MapEntry {
    uint32_t position = 0;  ///< in the NIC's walk order
    Bytes key, value;
  };
  /// The maps of the program in the active bank (empty if none).
  const std::vector<ImageMap> &maps() const;
  /// The index of map `name`, or an Error naming the maps there are.
  llvm::Expected<unsigned> mapIndex(std::string_view name);
  /// Counts program loads: handles to maps of an older program are stale.
  uint64_t programGeneration() const { return generation_; }
  llvm::Expected<std::optional<Bytes>> mapLookup(unsigned map, const Bytes &key);
  llvm::Expected<int> mapUpdate(unsigned map, const Bytes &key, const Bytes &value, uint64_t flags);
  llvm::Expected<int> mapDelete(unsigned map, const Bytes &key);
  /// bpf_map_get_next_key: the key after `key` in the NIC's walk order (the
  /// first if `key` is null or absent), nullopt at the end.
  llvm::Expected<std::optional<Bytes>> mapNextKey(unsigned map, const Bytes *key);
  /// The first entry at walk position >= `from`, nullopt at the end.
  llvm::Expected<std::optional<MapEntry>> mapWalk(unsigned map, uint32_t from);
  /// Every entry, in walk order.
  llvm::Expected<std::vector<MapEntry>> mapDump(unsigned map);

  /// Counter maps mirrored on the host: every `periodCycles` device cycles,
  /// poll() re-reads the whole map through the port into a host copy. An
  /// entry in the copy is at most periodCycles + one sync's duration old
  /// (docs/nic-driver.md "Counter mirrors"; bench-nic measures it).
  struct Mirror {
    std::vector<MapEntry> entries;
    uint64_t syncStart = 0, syncEnd = 0;  ///< device cycles of the last complete sync
    uint64_t syncs = 0;
    uint64_t maxSyncCycles = 0;           ///< the longest sync so far
    std::string lastError;                ///< why the last failed sync failed (the copy kept its state)
  };
  llvm::Error mirrorMap(unsigned map, uint64_t periodCycles);
  /// A copy of the last complete copy (nullopt if `map` is not mirrored).
  std::optional<Mirror> mirrored(unsigned map) const;

  /// A snapshot of the driver's counters.
  DriverStats stats() const {
    std::lock_guard<std::recursive_mutex> g(mu_);
    return stats_;
  }
  std::chrono::steady_clock::time_point openedAt() const { return opened_; }

private:
  Nic(Device &dev, const NicOptions &opts);
  /// Serialises every call with the service loop's rounds (recursive: map
  /// operations poll while they wait).
  mutable std::recursive_mutex mu_;
  std::atomic<bool> serviceRunning_{false}, serviceStop_{false};
  std::atomic<uint64_t> serviceRounds_{0};
  std::thread serviceThread_;
  int serviceLcore_ = -1;
  ServiceOptions serviceOpts_;
  void serviceLoop();
  static int serviceEntry(void *nic);
  Device &dev_;
  NicOptions opts_;
  std::unique_ptr<HostPort> host_;
  std::vector<FrameSource> sources_;
  std::vector<FrameSink> sinks_;
  std::vector<std::optional<Frame>> pendingIn_;   ///< per port: refused by the device
  std::vector<std::optional<Frame>> pendingOut_;  ///< per port: refused by the sink
  std::deque<Frame> pendingHostTx_;
  std::optional<Frame> pendingHostRx_;
  DriverStats stats_;
  std::chrono::steady_clock::time_point opened_;
  uint64_t openedCycles_ = 0;
  std::optional<LoadReport> banks_[2];
  std::optional<TargetParams> params_;
  std::vector<ImageMap> maps_[2];  ///< per bank: the maps of the program written there
  /// Global-data sections cut into slices (docs/maps-design.md "Global
  /// data"), by map index: the section's bytes host-side (its kernel return
  /// codes); the slices on the NIC hold the bytes the datapath touches.
  std::map<unsigned, NicMap> sections_;
  llvm::Error sectionSync(unsigned map);
  llvm::Error sectionOverlay(unsigned map, Bytes &value);
  uint64_t generation_ = 0;
  struct MirrorState {
    unsigned map = 0;
    uint64_t period = 0, generation = 0;
    uint64_t due = 0;  ///< device cycle when the next sync starts
    Mirror copy;
  };
  std::vector<MirrorState> mirrors_;
  bool syncing_ = false;
  bool inPortOp_ = false;  ///< poll() runs inside a map port operation's wait
  /// poll()'s part: syncs every mirror that is due (not re-entrant: the map
  /// port's waits call poll()).
  void syncMirrors();
  struct {
    unsigned map = ~0u;
    uint64_t generation = 0;
    uint32_t position = 0;
    Bytes key;
  } nextKeyCache_;  ///< where mapNextKey's last answer was
  /// The register access the map port client (sluice/Sim/MapPort.h) uses:
  /// the device's registers, poll() while it waits.
  sim::RegisterIo registerIo();
  llvm::Error replicaWrites(unsigned map, int rc, sim::MapPortOp op, uint32_t flags,
                            const Bytes &key, const Bytes *value);
  /// The map's definition after checking the index and the sizes given.
  llvm::Expected<const ImageMap *> mapChecked(unsigned map, const Bytes *key,
                                              const Bytes *value);
  /// Polls until STATUS & mask == want, or an Error after `limit` rounds.
  llvm::Error waitStatus(uint32_t mask, uint32_t want, const char *what, uint64_t limit = 1000000);
};

} // namespace sluice::nic
