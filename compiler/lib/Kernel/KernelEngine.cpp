//===- KernelEngine.cpp - The `kernel` engine: BPF_PROG_TEST_RUN ----------===//
//
// Loads the object with libbpf from memory (only the chosen program, forced
// to XDP), runs packets with BPF_PROG_TEST_RUN and reads maps with bpf(2).
// The numbers that shape the code (output sizes, the context the kernel
// accepts, what it refuses) were measured on Linux 6.18 and are recorded in
// KernelEngine.h and tests/unit/Kernel/KernelEngineTest.cpp.
//
//===----------------------------------------------------------------------===//
#include "sluice/Kernel/KernelEngine.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstring>
#include <mutex>

#include "sluice/Support/Error.h"

namespace sluice {

namespace {

long currentTid() { return syscall(SYS_gettid); }

std::string errnoText(int err) { return std::strerror(err < 0 ? -err : err); }

// --- CPU 0 pinning -----------------------------------------------------------
//
// Engines of one thread share one pin: the first saves the thread's affinity
// and pins it to CPU 0, the last one destroyed restores the saved mask.

struct ThreadPin {
  int users = 0;
  cpu_set_t saved;
};
thread_local ThreadPin threadPin;

std::string pinToCpu0() {
  if (threadPin.users++ > 0)
    return "";
  CPU_ZERO(&threadPin.saved);
  if (sched_getaffinity(0, sizeof(threadPin.saved), &threadPin.saved) != 0) {
    --threadPin.users;
    return fmt::format("sched_getaffinity: {}", errnoText(errno));
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  if (sched_setaffinity(0, sizeof(one), &one) != 0) {
    --threadPin.users;
    return fmt::format("cannot pin the thread to CPU 0 (sched_setaffinity: {}); "
                       "per-CPU maps would not match the NIC's one CPU",
                       errnoText(errno));
  }
  return "";
}

void unpin() {
  if (threadPin.users == 0 || --threadPin.users > 0)
    return;
  sched_setaffinity(0, sizeof(threadPin.saved), &threadPin.saved);
}

// --- libbpf messages ---------------------------------------------------------
//
// libbpf prints through one process-wide callback. While this engine calls
// into libbpf, warnings are collected here (to go into an Error) instead of
// going to stderr.

thread_local std::string *libbpfSink = nullptr;

int collectLibbpf(enum libbpf_print_level level, const char *fmt, va_list args) {
  if (level == LIBBPF_DEBUG || !libbpfSink)
    return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof(buf), fmt, args);
  // libbpf also prints the verifier log it was given; we keep our own copy.
  if (std::strstr(buf, "-- BEGIN PROG LOAD LOG --") || libbpfSink->size() > 16384)
    return n;
  libbpfSink->append(buf);
  return n;
}

class LibbpfCapture {
public:
  explicit LibbpfCapture(std::string &sink) {
    prevSink_ = libbpfSink;
    libbpfSink = &sink;
    prev_ = libbpf_set_print(collectLibbpf);
  }
  ~LibbpfCapture() {
    libbpf_set_print(prev_);
    libbpfSink = prevSink_;
  }

private:
  libbpf_print_fn_t prev_;
  std::string *prevSink_;
};

/// The last `maxLines` lines of a log, trimmed.
std::string logTail(const std::string &log, size_t maxLines) {
  std::string s = log;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0'))
    s.pop_back();
  size_t pos = s.size();
  for (size_t n = 0; n < maxLines && pos != std::string::npos && pos > 0; ++n)
    pos = s.rfind('\n', pos - 1);
  if (pos == std::string::npos || pos == 0)
    return s;
  return "...\n" + s.substr(pos + 1);
}

/// The name libbpf gives an object opened from a file: the base name up to
/// its first dot ("firewall.bpf.o" -> "firewall"), which prefixes the names
/// of global-data maps ("firewall.bss").
std::string libbpfObjectName(const std::string &path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos
                                     ? 0
                                     : path.find_last_of('/') + 1);
  base = base.substr(0, base.find('.'));
  return base.empty() ? "obj" : base;
}

/// For an internal (global data) map named by libbpf, the section it holds:
/// "firewall.bss" -> ".bss", ".data.extra" -> ".data.extra".
std::string internalSection(const std::string &libbpfName) {
  size_t dot = libbpfName.find('.');
  return dot == std::string::npos ? libbpfName : libbpfName.substr(dot);
}

size_t roundUp8(size_t n) { return (n + 7) & ~size_t(7); }

bool isAllZero(const uint8_t *p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

} // namespace

// --- Construction ------------------------------------------------------------

KernelEngine::KernelEngine() {
  pinError_ = pinToCpu0();
  ownerTid_ = currentTid();
  ncpus_ = libbpf_num_possible_cpus();
}

KernelEngine::~KernelEngine() {
  close();
  if (pinError_.empty() && currentTid() == ownerTid_)
    unpin();
}

void KernelEngine::close() {
  if (obj_)
    bpf_object__close(obj_);
  obj_ = nullptr;
  progFd_ = -1;
  maps_.clear();
  mapByName_.clear();
}

llvm::Error KernelEngine::checkThread() const {
  if (!pinError_.empty())
    return makeError("kernel engine: {}", pinError_);
  if (currentTid() != ownerTid_)
    return makeError("kernel engine: used from a thread other than the one that "
                     "created it (only that thread is pinned to CPU 0)");
  return llvm::Error::success();
}

// --- Loading -----------------------------------------------------------------

llvm::Error KernelEngine::load(const Object &obj, const Program &prog) {
  close();
  verifierLog_.clear();
  if (auto err = checkThread())
    return err;
  if (ncpus_ <= 0)
    return makeError("kernel engine: cannot count the possible CPUs: {}",
                     errnoText(ncpus_));
  if (obj.elf.empty())
    return makeError("kernel engine: object '{}' carries no ELF bytes", obj.path);

  std::string messages;
  LibbpfCapture capture(messages);

  elf_ = obj.elf;
  // The loader records the name it gave libbpf; the same name gives the
  // same global-data map names.
  std::string objName = obj.name.empty() ? libbpfObjectName(obj.path) : obj.name;
  LIBBPF_OPTS(bpf_object_open_opts, openOpts, .object_name = objName.c_str());
  bpf_object *bo = bpf_object__open_mem(elf_.data(), elf_.size(), &openOpts);
  if (!bo) {
    int err = errno;
    return makeErrnoError(err, "kernel engine: libbpf cannot open '{}': {}{}{}", obj.path,
                          errnoText(err), messages.empty() ? "" : "\n", messages);
  }
  obj_ = bo;

  // Autoload only the chosen program, as XDP.
  bpf_program *chosen = nullptr;
  std::string names;
  bpf_program *p;
  bpf_object__for_each_program(p, bo) {
    const char *n = bpf_program__name(p);
    names += fmt::format("{}{}", names.empty() ? "" : ", ", n);
    bool mine = prog.name == n;
    bpf_program__set_autoload(p, mine);
    if (mine)
      chosen = p;
  }
  if (!chosen) {
    close();
    return makeError("kernel engine: '{}' has no program named '{}' (programs: {})",
                     obj.path, prog.name, names);
  }
  bpf_program__set_type(chosen, BPF_PROG_TYPE_XDP);
  bpf_program__set_expected_attach_type(chosen, BPF_XDP);

  // libbpf loads without a log first and, if the kernel refuses, loads again
  // with log level 1 into this buffer. Since 6.4 the kernel keeps the end of
  // a log that does not fit, which is the part that says why.
  std::string logBuf(4 << 20, '\0');
  bpf_program__set_log_buf(chosen, logBuf.data(), logBuf.size());

  if (bpf_object__load(bo) != 0) {
    int err = errno;
    verifierLog_ = logBuf.c_str();
    close();
    if (err == EPERM && verifierLog_.empty())
      return makeErrnoError(err, "kernel engine: loading '{}' of '{}': {} (need root or "
                            "CAP_BPF+CAP_NET_ADMIN){}{}", prog.name, obj.path,
                            errnoText(err), messages.empty() ? "" : "\n", messages);
    if (!verifierLog_.empty())
      return makeErrnoError(err, "kernel engine: the kernel verifier rejected '{}' of '{}' "
                            "({}{})\nverifier log (tail):\n{}", prog.name, obj.path,
                            errnoText(err),
                            err == ENOSPC ? "; the log overflowed its 4 MiB buffer, the "
                                            "kernel kept its end"
                                          : "",
                            logTail(verifierLog_, 40));
    return makeErrnoError(err, "kernel engine: loading '{}' of '{}' failed: {}{}{}",
                          prog.name, obj.path, errnoText(err),
                          messages.empty() ? "" : "\n", logTail(messages, 20));
  }
  progFd_ = bpf_program__fd(chosen);

  // Maps, named as the Object names them where the two differ (global data
  // maps whose prefix the loader chose differently).
  bpf_map *m;
  bpf_object__for_each_map(m, bo) {
    MapInfo info;
    std::string libName = bpf_map__name(m);
    info.name = libName;
    bool known = std::any_of(obj.maps.begin(), obj.maps.end(),
                             [&](const MapDef &d) { return d.name == libName; });
    if (!known && bpf_map__is_internal(m)) {
      std::string sec = internalSection(libName);
      for (const MapDef &d : obj.maps)
        if (d.internal && d.section == sec)
          info.name = d.name;
    }
    info.fd = bpf_map__fd(m);
    info.type = bpf_map__type(m);
    info.keySize = bpf_map__key_size(m);
    info.valueSize = bpf_map__value_size(m);
    info.maxEntries = bpf_map__max_entries(m);
    info.perCpu = mapIsPerCpu(info.type);
    if (info.fd < 0)
      continue;
    mapByName_.emplace(info.name, maps_.size());
    mapByName_.emplace(libName, maps_.size());
    maps_.push_back(std::move(info));
  }
  return llvm::Error::success();
}

// --- Running -----------------------------------------------------------------

llvm::Expected<PacketOut> KernelEngine::testRun(const PacketIn &pkt, uint32_t repeat,
                                                uint32_t *durationNs) {
  if (progFd_ < 0)
    return makeError("kernel engine: no program loaded");
  if (auto err = checkThread())
    return err;
  const uint32_t n = pkt.data.size();

  // The output can exceed the input by the head growth (at most 216 bytes)
  // plus a tail growth: up to MaxLinear bytes of linear data for a frame
  // without fragments, up to the end of the last page for one with them.
  size_t outSize = std::max<size_t>(size_t(n) + kernelxdp::Headroom + kernelxdp::FragSize,
                                    2 * kernelxdp::FragSize);

  // The context, always passed so that ctx_out reports the metadata length.
  // ingress_ifindex 0 stands for the default (the loopback device, queue 0)
  // and is not validated; other values must name a device and queue that
  // exist with registered XDP rxq info.
  xdp_md ctxIn{}, ctxOut{};
  ctxIn.data = 0;
  ctxIn.data_end = n;  // the kernel caps the linear part at MaxLinear
  bool defaultRxq = pkt.ingress_ifindex == 1 && pkt.rx_queue_index == 0;
  if (!defaultRxq) {
    ctxIn.ingress_ifindex = pkt.ingress_ifindex;
    ctxIn.rx_queue_index = pkt.rx_queue_index;
  }

  for (int attempt = 0;; ++attempt) {
    if (outBuf_.size() < outSize)
      outBuf_.resize(outSize);
    LIBBPF_OPTS(bpf_test_run_opts, opts);
    opts.data_in = pkt.data.data();
    opts.data_size_in = n;
    opts.data_out = outBuf_.data();
    opts.data_size_out = outSize;
    opts.ctx_in = &ctxIn;
    opts.ctx_size_in = sizeof(ctxIn);
    opts.ctx_out = &ctxOut;
    opts.ctx_size_out = sizeof(ctxOut);
    opts.repeat = repeat;
    int rc = bpf_prog_test_run_opts(progFd_, &opts);
    int err = rc ? errno : 0;
    if (err == ENOSPC && attempt < 4) {
      // Never seen with the size above. The program has run already: the
      // retry runs it again (map side effects happen twice).
      outSize = std::max<size_t>(opts.data_size_out, outSize * 4);
      continue;
    }
    if (err) {
      if (err == EINVAL && n < ETH_HLEN)
        return makeErrnoError(err, "kernel refuses frames shorter than 14 bytes (EINVAL): "
                              "this frame has {}", n);
      if (err == ENODEV)
        return makeErrnoError(err, "kernel engine: ingress_ifindex {} names no device "
                              "(ENODEV)", pkt.ingress_ifindex);
      if (err == EINVAL && !defaultRxq)
        return makeErrnoError(err, "kernel engine: the kernel refuses ingress_ifindex {} "
                              "rx_queue_index {} (EINVAL: no such queue on the device, or "
                              "a queue without an ifindex)",
                              pkt.ingress_ifindex, pkt.rx_queue_index);
      if (err == ENOMEM && n > kernelxdp::MaxLinear)
        return makeErrnoError(err, "kernel engine: a {}-byte frame needs more fragments "
                              "than the kernel's test run holds ({} linear bytes + {} "
                              "pages) (ENOMEM)", n, kernelxdp::MaxLinear,
                              kernelxdp::MaxFrags);
      return makeErrnoError(err, "kernel engine: BPF_PROG_TEST_RUN: {}", errnoText(err));
    }
    uint32_t size = opts.data_size_out;
    uint32_t meta = ctxOut.data;  // bytes of metadata in front of the packet
    if (size > outSize || meta > size)
      return makeError("kernel engine: BPF_PROG_TEST_RUN returned {} bytes ({} of "
                       "metadata) into a {}-byte buffer", size, meta, outSize);
    PacketOut out;
    out.action = opts.retval;
    out.data.assign(outBuf_.begin() + meta, outBuf_.begin() + size);
    if (durationNs)
      *durationNs = opts.duration;
    return out;
  }
}

llvm::Expected<PacketOut> KernelEngine::run(const PacketIn &pkt) {
  return testRun(pkt, 1, nullptr);
}

llvm::Expected<KernelBenchResult> KernelEngine::benchmark(const PacketIn &pkt,
                                                          uint32_t repeat) {
  if (repeat == 0)
    repeat = 1;
  uint32_t duration = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto out = testRun(pkt, repeat, &duration);
  auto t1 = std::chrono::steady_clock::now();
  if (!out)
    return out.takeError();
  KernelBenchResult r;
  r.action = out->action;
  r.repeat = repeat;
  r.kernelNsPerRun = duration;
  r.wallNsPerRun =
      std::chrono::duration<double, std::nano>(t1 - t0).count() / double(repeat);
  return r;
}

// --- Maps --------------------------------------------------------------------

llvm::Expected<KernelEngine::MapInfo *> KernelEngine::findMap(const std::string &name) {
  if (!obj_)
    return makeError("kernel engine: no program loaded");
  auto it = mapByName_.find(name);
  if (it == mapByName_.end()) {
    std::string known;
    for (const MapInfo &m : maps_)
      known += fmt::format("{}{}", known.empty() ? "" : ", ", m.name);
    return makeErrnoError(ENOENT, "kernel engine: no map named '{}' (maps: {})", name,
                          known);
  }
  return &maps_[it->second];
}

size_t KernelEngine::perCpuStride(const MapInfo &m) const { return roundUp8(m.valueSize); }

static llvm::Error checkSizes(const std::string &map, const char *what, size_t got,
                              uint32_t want) {
  if (got == want)
    return llvm::Error::success();
  return makeErrnoError(EINVAL, "map '{}': {} is {} bytes, the map's {}_size is {}", map,
                        what, got, what, want);
}

llvm::Error KernelEngine::mapUpdate(const std::string &map, const Bytes &key,
                                    const Bytes &value, uint64_t flags) {
  auto mi = findMap(map);
  if (!mi)
    return mi.takeError();
  MapInfo &m = **mi;
  if (auto err = checkSizes(map, "key", key.size(), m.keySize))
    return err;
  if (auto err = checkSizes(map, "value", value.size(), m.valueSize))
    return err;
  const void *vp = value.data();
  Bytes all;
  if (m.perCpu) {
    // The kernel wants one 8-byte aligned slot per possible CPU.
    size_t stride = perCpuStride(m);
    all.assign(stride * ncpus_, 0);
    for (int c = 0; c < ncpus_; ++c)
      std::copy(value.begin(), value.end(), all.begin() + c * stride);
    vp = all.data();
  }
  if (bpf_map_update_elem(m.fd, key.empty() ? nullptr : key.data(), vp, flags) != 0) {
    int err = errno;
    return makeErrnoError(err, "map '{}': update of key {}: {}", map,
                          hexBytes(key.data(), key.size(), 32), errnoText(err));
  }
  if (m.perCpu)
    m.hostWritten[key] = value;
  return llvm::Error::success();
}

llvm::Expected<std::optional<Bytes>> KernelEngine::lookupRaw(MapInfo &m, const Bytes &key) {
  Bytes raw(m.perCpu ? perCpuStride(m) * ncpus_ : std::max<size_t>(m.valueSize, 1), 0);
  if (bpf_map_lookup_elem(m.fd, key.empty() ? nullptr : key.data(), raw.data()) != 0) {
    int err = errno;
    if (err == ENOENT)
      return std::nullopt;
    return makeErrnoError(err, "map '{}': lookup of key {}: {}", m.name,
                          hexBytes(key.data(), key.size(), 32), errnoText(err));
  }
  return raw;
}

llvm::Expected<std::optional<Bytes>> KernelEngine::mapLookup(const std::string &map,
                                                             const Bytes &key) {
  auto mi = findMap(map);
  if (!mi)
    return mi.takeError();
  MapInfo &m = **mi;
  if (auto err = checkSizes(map, "key", key.size(), m.keySize))
    return err;
  auto raw = lookupRaw(m, key);
  if (!raw || !*raw)
    return raw;
  (*raw)->resize(m.valueSize);  // per-CPU: CPU 0's slot comes first
  return raw;
}

llvm::Error KernelEngine::mapDelete(const std::string &map, const Bytes &key) {
  auto mi = findMap(map);
  if (!mi)
    return mi.takeError();
  MapInfo &m = **mi;
  if (auto err = checkSizes(map, "key", key.size(), m.keySize))
    return err;
  if (bpf_map_delete_elem(m.fd, key.empty() ? nullptr : key.data()) != 0) {
    int err = errno;
    return makeErrnoError(err, "map '{}': delete of key {}: {}", map,
                          hexBytes(key.data(), key.size(), 32), errnoText(err));
  }
  m.hostWritten.erase(key);
  return llvm::Error::success();
}

llvm::Error KernelEngine::checkOtherCpus(const MapInfo &m, const Bytes &key,
                                         const Bytes &raw) {
  size_t stride = perCpuStride(m);
  auto host = m.hostWritten.find(key);
  for (int c = 1; c < ncpus_; ++c) {
    const uint8_t *v = raw.data() + c * stride;
    if (isAllZero(v, m.valueSize))
      continue;
    if (host != m.hostWritten.end() && std::equal(v, v + m.valueSize, host->second.begin()))
      continue;
    return makeError("kernel engine: per-CPU map '{}' key {}: CPU {} holds {} (neither zero "
                     "nor what the host wrote): the program ran on a CPU other than 0, "
                     "so the pinning failed",
                     m.name, hexBytes(key.data(), key.size(), 32), c,
                     hexBytes(v, m.valueSize, 32));
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<MapDump>> KernelEngine::dumpMaps() {
  if (!obj_)
    return makeError("kernel engine: no program loaded");
  std::vector<MapDump> dumps;
  for (MapInfo &m : maps_) {
    if (!mapHasContent(m.type))
      continue;
    MapDump d;
    d.name = m.name;
    d.type = m.type;

    auto add = [&](const Bytes &key) -> llvm::Error {
      auto raw = lookupRaw(m, key);
      if (!raw)
        return raw.takeError();
      if (!*raw)
        return llvm::Error::success();  // gone, or an empty devmap/cpumap slot
      Bytes &v = **raw;
      if (m.perCpu)
        if (auto err = checkOtherCpus(m, key, v))
          return err;
      v.resize(m.valueSize);
      d.entries.push_back({key, std::move(v)});
      return llvm::Error::success();
    };

    switch (m.type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
      for (uint32_t i = 0; i < m.maxEntries; ++i) {
        Bytes key(4);
        std::memcpy(key.data(), &i, 4);
        if (auto err = add(key))
          return err;
      }
      break;
    case BPF_MAP_TYPE_XSKMAP:      // lookups from user space: EOPNOTSUPP
    case BPF_MAP_TYPE_QUEUE:       // no keys to walk
    case BPF_MAP_TYPE_STACK:
    case BPF_MAP_TYPE_BLOOM_FILTER:
      break;
    default: {
      Bytes key(m.keySize), next(m.keySize);
      const void *prev = nullptr;
      // A walk longer than max_entries means the map changes under us.
      for (uint64_t steps = 0;; ++steps) {
        if (bpf_map_get_next_key(m.fd, prev, next.data()) != 0) {
          int err = errno;
          if (err == ENOENT)
            break;
          return makeErrnoError(err, "map '{}': get_next_key: {}", m.name, errnoText(err));
        }
        if (steps > uint64_t(m.maxEntries) + 1)
          return makeError("map '{}': get_next_key walk does not end", m.name);
        if (auto err = add(next))
          return err;
        key = next;
        prev = key.data();
      }
      break;
    }
    }
    std::sort(d.entries.begin(), d.entries.end(),
              [](const MapEntry &a, const MapEntry &b) { return a.key < b.key; });
    dumps.push_back(std::move(d));
  }
  return dumps;
}

// --- Factory and probe -------------------------------------------------------

std::unique_ptr<Engine> createKernelEngine() { return std::make_unique<KernelEngine>(); }

static std::string probeKernel() {
  std::string pin = pinToCpu0();
  if (!pin.empty())
    return pin;
  unpin();

  // r0 = XDP_PASS; exit
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "sluice_probe", "GPL", insns, 2, nullptr);
  if (fd < 0) {
    int err = errno;
    if (err == EPERM || err == EACCES)
      return fmt::format("BPF_PROG_LOAD: {} (need root or CAP_BPF+CAP_NET_ADMIN; "
                         "kernel.unprivileged_bpf_disabled forbids it to others)",
                         errnoText(err));
    if (err == ENOSYS)
      return "bpf(2): Function not implemented (kernel without CONFIG_BPF_SYSCALL, or a "
             "seccomp filter forbids bpf)";
    return fmt::format("BPF_PROG_LOAD: {}", errnoText(err));
  }
  uint8_t pkt[64] = {};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
              .repeat = 1);
  int rc = bpf_prog_test_run_opts(fd, &opts);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return fmt::format("BPF_PROG_TEST_RUN: {}", errnoText(err));
  if (opts.retval != XDP_PASS)
    return fmt::format("BPF_PROG_TEST_RUN returned {} for a program returning XDP_PASS",
                       opts.retval);
  if (libbpf_num_possible_cpus() <= 0)
    return "cannot read the possible CPUs (/sys/devices/system/cpu/possible)";
  return "";
}

std::string kernelUnavailableReason() {
  static std::once_flag once;
  static std::string reason;
  std::call_once(once, [] { reason = probeKernel(); });
  return reason;
}

} // namespace sluice
