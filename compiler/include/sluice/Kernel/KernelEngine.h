//===- sluice/Kernel/KernelEngine.h - The `kernel` engine -----------------===//
//
// The ground truth: the running Linux kernel loads the unmodified object with
// libbpf and runs the chosen XDP program through BPF_PROG_TEST_RUN, one packet
// per call; maps are read and written through bpf(2). The engine pins its
// thread to CPU 0 for its whole life so that per-CPU maps and
// bpf_get_smp_processor_id() see the one CPU the NIC has.
//
// What the kernel does not tell, the engine cannot report: PacketOut.redirect
// stays empty (BPF_PROG_TEST_RUN returns XDP_REDIRECT but not its target), and
// xskmap entries are left out of dumps (user-space lookups of an xskmap are
// EOPNOTSUPP). Everything else is what the kernel says, including its errors.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sluice/Engine/Engine.h"

struct bpf_object;
struct bpf_map;

namespace sluice {

/// The running kernel through BPF_PROG_TEST_RUN. load() fails with a clear
/// reason where BPF is not available (not root, no CAP_BPF, ...).
std::unique_ptr<Engine> createKernelEngine();
/// Empty when this process can load XDP programs into the kernel and run
/// them with BPF_PROG_TEST_RUN, else the reason it cannot. Probed once.
std::string kernelUnavailableReason();

/// What BPF_PROG_TEST_RUN does with an XDP packet, measured on Linux 6.18
/// (x86-64, 4 KiB pages, MAX_SKB_FRAGS 17) by tests/unit/Kernel. Other
/// engines that must agree with the kernel start from these numbers.
namespace kernelxdp {
/// Shorter frames are refused with EINVAL before the program runs.
constexpr uint32_t MinFrame = 14;
/// XDP_PACKET_HEADROOM in front of the packet...
constexpr uint32_t Headroom = 256;
/// ...of which bpf_xdp_adjust_head may take this much (256 minus the
/// struct xdp_frame the kernel keeps at the start); -217 is EINVAL. Shrinking
/// is allowed down to MinFrame bytes of linear data.
constexpr uint32_t MaxHeadGrowth = 216;
/// The linear part: 4096 - 256 headroom - 320 skb_shared_info. A frame up to
/// this size is all linear (data_end - data == length); a longer one is this
/// many linear bytes followed by page-sized fragments (see FragSize). The
/// tail of a linear-only frame grows with bpf_xdp_adjust_tail up to this
/// many bytes after data (64 + 3456 succeeds, 64 + 3457 is EINVAL).
constexpr uint32_t MaxLinear = 3520;
/// Each fragment is one page; the last one grows with adjust_tail up to its
/// page end. A frame needing more than MaxFrags fragments (73,152 bytes in
/// all) is refused with ENOMEM.
constexpr uint32_t FragSize = 4096;
constexpr uint32_t MaxFrags = 17;
} // namespace kernelxdp

/// One BPF_PROG_TEST_RUN with repeat = N.
struct KernelBenchResult {
  uint32_t action = 0;      ///< the verdict of the last repetition
  uint32_t repeat = 0;
  double kernelNsPerRun = 0;  ///< the kernel's own average (test.duration)
  double wallNsPerRun = 0;    ///< the syscall's wall clock divided by repeat
};

class KernelEngine final : public Engine {
public:
  KernelEngine();
  ~KernelEngine() override;
  KernelEngine(const KernelEngine &) = delete;
  KernelEngine &operator=(const KernelEngine &) = delete;

  std::string_view name() const override { return "kernel"; }
  llvm::Error load(const Object &obj, const Program &prog) override;
  /// Frames shorter than 14 bytes are an Error (errno EINVAL) whose message
  /// says "kernel refuses frames shorter than 14 bytes (EINVAL)".
  /// Metadata added with bpf_xdp_adjust_meta is not part of PacketOut.data.
  llvm::Expected<PacketOut> run(const PacketIn &pkt) override;
  /// Per-CPU maps: `value` is one CPU's value; it is written to every
  /// possible CPU. Lookups return CPU 0's value.
  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags = BPF_ANY) override;
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map,
                                                 const Bytes &key) override;
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override;
  /// Arrays and per-CPU arrays (global data included) list every index;
  /// every other map lists what lookup returns for each key the kernel's
  /// get_next_key walk yields (devmap/cpumap: the occupied slots, values as
  /// the kernel returns them, i.e. ifindex/qsize then the attached program's
  /// id). xskmap, queue, stack and bloom-filter maps are listed without
  /// entries (the kernel cannot enumerate or read them from user space).
  /// Per-CPU maps give CPU 0's value and fail if another CPU holds anything
  /// but zero or the value the host last wrote there (the pinning failed).
  llvm::Expected<std::vector<MapDump>> dumpMaps() override;

  /// Runs `pkt` `repeat` times in one BPF_PROG_TEST_RUN. The kernel does not
  /// reset the packet between repetitions: rewrites and head/tail
  /// adjustments accumulate, as do map updates.
  llvm::Expected<KernelBenchResult> benchmark(const PacketIn &pkt, uint32_t repeat);

  /// The verifier log of the last failed load (empty after a success).
  const std::string &verifierLog() const { return verifierLog_; }
  /// The loaded program's fd, or -1.
  int programFd() const { return progFd_; }

private:
  struct MapInfo {
    std::string name;  ///< as dumps report it (the Object's name when known)
    int fd = -1;
    uint32_t type = 0;
    uint32_t keySize = 0;
    uint32_t valueSize = 0;
    uint32_t maxEntries = 0;
    bool perCpu = false;
    /// Per-CPU maps: what the host last wrote to every CPU, by key.
    std::map<Bytes, Bytes> hostWritten;
  };

  llvm::Expected<MapInfo *> findMap(const std::string &name);
  llvm::Error checkThread() const;
  llvm::Expected<PacketOut> testRun(const PacketIn &pkt, uint32_t repeat,
                                    uint32_t *durationNs);
  llvm::Expected<std::optional<Bytes>> lookupRaw(MapInfo &m, const Bytes &key);
  llvm::Error checkOtherCpus(const MapInfo &m, const Bytes &key, const Bytes &raw);
  size_t perCpuStride(const MapInfo &m) const;
  void close();

  bpf_object *obj_ = nullptr;
  int progFd_ = -1;
  Bytes elf_;  ///< libbpf reads the ELF in place until the load ends
  std::vector<MapInfo> maps_;                    ///< in libbpf's order
  std::map<std::string, size_t> mapByName_;      ///< every accepted name
  std::string verifierLog_;
  Bytes outBuf_;
  int ncpus_ = 0;
  long ownerTid_ = 0;
  std::string pinError_;  ///< non-empty if the thread could not be pinned
};

} // namespace sluice
