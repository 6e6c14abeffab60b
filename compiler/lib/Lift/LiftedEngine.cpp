//===- LiftedEngine.cpp - The `lifted` engine: ORC JIT of the lifted IR ---===//
//
// load() lifts and optimises the program (the same pipeline as `sluice lift
// -O2`), checks that every @sluice.* function the module calls and every map
// of the object is one the runtime below implements, and JIT-compiles the
// module with ORC LLJIT; the @sluice.* functions resolve to the runtime's
// host functions. run() builds the kernel's XDP buffer (4096-byte frame, 256
// bytes of headroom, data_meta == data, 320 bytes of tailroom), calls the
// entry function with the run's context as %ctx, and reads the verdict and
// the bytes between data and data_end. @sluice.trap (a loop ran past the
// verifier's bound) leaves the JIT code through longjmp and is an Error.
// Map semantics follow interp (lib/Interp/InterpEngine.cpp's notes): hash
// updates of an existing key make a new element, old pointers stay valid
// for the rest of the run; per-CPU values are CPU 0's and updated in place.
//
//===----------------------------------------------------------------------===//
#include "sluice/Lift/LiftedEngine.h"

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"

#include "sluice/Engine/Run.h"
#include "sluice/Support/Checksum.h"
#include "sluice/Support/Error.h"
#include "sluice/Support/NicRandom.h"

namespace sluice {

namespace {

constexpr size_t kFrame = 4096, kHeadroom = 256, kTailroom = 320, kXdpFrameSize = 40;
constexpr size_t kEthHlen = 14;

//===-- Maps ---------------------------------------------------------------===//

struct RtMap {
  MapDef def;
  bool isArray = false, perCpu = false, frozen = false, lru = false;
  size_t stride = 0;
  std::unique_ptr<uint8_t[]> array;
  std::map<Bytes, std::unique_ptr<uint8_t[]>> hash;
  std::map<Bytes, uint64_t> lastUse;  // LRU: when each key was last used
  uint64_t clock = 0;
  // LPM trie: canonical key (prefix length, data masked) -> the key as last
  // given, and entries per prefix length.
  bool isLpm = false;
  std::map<Bytes, Bytes> lpmKeys;
  std::vector<uint32_t> lpmCount;
  // Devmap: which slots hold a device.
  bool isDevmap = false;  // devmap or cpumap
  bool isCpumap = false;
  bool isDevHash = false;  // devmap-hash: a hash of {ifindex, prog id}
  std::vector<bool> present;
  std::vector<std::unique_ptr<uint8_t[]>> retired;  // freed at the next run

  explicit RtMap(const MapDef &d) : def(d) {
    isArray = d.type == BPF_MAP_TYPE_ARRAY || d.type == BPF_MAP_TYPE_PERCPU_ARRAY;
    perCpu = mapIsPerCpu(d.type);
    lru = d.type == BPF_MAP_TYPE_LRU_HASH || d.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    isLpm = d.type == BPF_MAP_TYPE_LPM_TRIE;
    isDevmap = d.type == BPF_MAP_TYPE_DEVMAP || d.type == BPF_MAP_TYPE_CPUMAP;
    isCpumap = d.type == BPF_MAP_TYPE_CPUMAP;
    isDevHash = d.type == BPF_MAP_TYPE_DEVMAP_HASH;
    if (isDevmap) {
      isArray = true;
      present.assign(d.max_entries, false);
    }
    if (isLpm)
      lpmCount.assign((d.key_size - 4) * 8 + 1, 0);
    frozen = d.internal && d.readonly;
    stride = (size_t(d.value_size) + 7) & ~size_t(7);
    if (isArray) {
      array.reset(new uint8_t[std::max<size_t>(1, stride * d.max_entries)]());
      if (!d.initial.empty() && d.max_entries)
        std::memcpy(array.get(), d.initial.data(), std::min<size_t>(d.initial.size(), d.value_size));
    }
  }
  /// `touch`: a lookup by the program, which makes an LRU entry recent.
  uint8_t *lookup(const uint8_t *key, bool touch = true) {
    if (isDevmap) {
      uint32_t i;
      std::memcpy(&i, key, 4);
      return i < def.max_entries && present[i] ? array.get() + size_t(i) * stride : nullptr;
    }
    if (isLpm) {
      uint32_t pl;
      std::memcpy(&pl, key, 4);
      if (pl >= lpmCount.size())
        return nullptr;
      for (int64_t l = pl; l >= 0; --l) {
        if (!lpmCount[l])
          continue;
        auto it = hash.find(lpmCanon(uint32_t(l), key + 4));
        if (it != hash.end())
          return it->second.get();
      }
      return nullptr;
    }
    if (isArray) {
      uint32_t i;
      std::memcpy(&i, key, 4);
      return i < def.max_entries ? array.get() + size_t(i) * stride : nullptr;
    }
    auto it = hash.find(Bytes(key, key + def.key_size));
    if (it == hash.end())
      return nullptr;
    if (lru && touch)
      lastUse[it->first] = ++clock;
    return it->second.get();
  }
  Bytes lpmCanon(uint32_t pl, const uint8_t *data) const {
    uint32_t n = def.key_size - 4;
    Bytes out(4 + n);
    std::memcpy(out.data(), &pl, 4);
    std::memcpy(out.data() + 4, data, n);
    uint32_t full = pl / 8, rem = pl % 8;
    if (full < n) {
      out[4 + full] &= uint8_t(0xff00 >> rem);
      for (uint32_t i = full + 1; i < n; ++i)
        out[4 + i] = 0;
    }
    return out;
  }
  int64_t lpmUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) {
    if (flags > BPF_EXIST)
      return -EINVAL;
    uint32_t pl;
    std::memcpy(&pl, key, 4);
    if (pl >= lpmCount.size())
      return -EINVAL;
    Bytes k = lpmCanon(pl, key + 4);
    auto it = hash.find(k);
    if (it == hash.end()) {
      if (flags == BPF_EXIST)
        return -ENOENT;
      if (hash.size() >= def.max_entries)
        return -ENOSPC;
      ++lpmCount[pl];
    } else if (flags == BPF_NOEXIST) {
      return -EEXIST;
    } else {
      retired.push_back(std::move(it->second));
    }
    std::unique_ptr<uint8_t[]> v(new uint8_t[stride ? stride : 8]());
    std::memcpy(v.get(), value, def.value_size);
    lpmKeys[k] = Bytes(key, key + def.key_size);
    hash[k] = std::move(v);
    return 0;
  }
  int64_t lpmErase(const uint8_t *key) {
    uint32_t pl;
    std::memcpy(&pl, key, 4);
    if (pl >= lpmCount.size())
      return -EINVAL;
    auto it = hash.find(lpmCanon(pl, key + 4));
    if (it == hash.end())
      return -ENOENT;
    --lpmCount[pl];
    lpmKeys.erase(it->first);
    retired.push_back(std::move(it->second));
    hash.erase(it);
    return 0;
  }
  /// Host update of a devmap slot: {ifindex, prog fd}; ifindex 0 empties it.
  int64_t devmapUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) {
    if (flags > BPF_EXIST)
      return -EINVAL;
    uint32_t i, ifindex, progFd = 0;
    std::memcpy(&i, key, 4);
    if (i >= def.max_entries)
      return -E2BIG;
    if (flags == BPF_NOEXIST)
      return -EEXIST;
    std::memcpy(&ifindex, value, 4);
    if (def.value_size >= 8)
      std::memcpy(&progFd, value + 4, 4);
    if (isCpumap && ifindex > 16384)
      return -EOVERFLOW;  // qsize sanity limit
    if (int32_t(progFd) > 0)
      return -EINVAL;
    if (ifindex == 0) {  // ifindex (devmap) or qsize (cpumap) 0 empties the slot
      present[i] = false;
      return 0;
    }
    uint8_t *p = array.get() + size_t(i) * stride;
    std::memset(p, 0, def.value_size);
    std::memcpy(p, &ifindex, 4);
    present[i] = true;
    return 0;
  }
  int64_t devHashUpdate(const uint8_t *key, const uint8_t *value, uint64_t flags) {
    if ((flags & BPF_F_LOCK) || flags > BPF_EXIST)
      return -EINVAL;
    uint32_t ifindex, progFd = 0;
    std::memcpy(&ifindex, value, 4);
    if (def.value_size >= 8)
      std::memcpy(&progFd, value + 4, 4);
    if (ifindex == 0)
      return -EINVAL;  // checked with the flags, before the key (as interp, NicDevmapVsKernel)
    Bytes k(key, key + 4);
    auto it = hash.find(k);
    if (it != hash.end() && flags == BPF_NOEXIST)
      return -EEXIST;
    if (int32_t(progFd) > 0)
      return -EINVAL;  // device programs not supported
    if (it == hash.end() && hash.size() >= def.max_entries)
      return -E2BIG;
    if (it == hash.end())
      it = hash.emplace(k, std::unique_ptr<uint8_t[]>(new uint8_t[stride ? stride : 8]())).first;
    std::memset(it->second.get(), 0, def.value_size);
    std::memcpy(it->second.get(), &ifindex, 4);
    return 0;
  }
  /// LRU, full: drops exactly the least recently used entry.
  void evict() {
    auto victim = std::min_element(lastUse.begin(), lastUse.end(), [](auto &a, auto &b) {
      return a.second < b.second;
    });
    if (victim == lastUse.end())
      return;
    auto it = hash.find(victim->first);
    if (it != hash.end()) {
      retired.push_back(std::move(it->second));
      hash.erase(it);
    }
    lastUse.erase(victim);
  }
  int64_t update(const uint8_t *key, const uint8_t *value, uint64_t flags) {
    if (isLpm)
      return lpmUpdate(key, value, flags);
    if (isDevmap)
      return devmapUpdate(key, value, flags);
    if (isDevHash)
      return devHashUpdate(key, value, flags);
    if ((flags & ~uint64_t(BPF_F_LOCK)) > BPF_EXIST)
      return -EINVAL;
    if (isArray) {
      uint32_t i;
      std::memcpy(&i, key, 4);
      if (i >= def.max_entries)
        return -E2BIG;
      if (flags & BPF_NOEXIST)
        return -EEXIST;
      if (flags & BPF_F_LOCK)
        return -EINVAL;
      std::memmove(array.get() + size_t(i) * stride, value, def.value_size);
      return 0;
    }
    if (flags & BPF_F_LOCK)
      return -EINVAL;
    Bytes k(key, key + def.key_size);
    auto it = hash.find(k);
    if (it != hash.end()) {
      if (flags == BPF_NOEXIST)
        return -EEXIST;
      if (lru)
        lastUse[k] = ++clock;
      if (perCpu) {
        std::memmove(it->second.get(), value, def.value_size);
        return 0;
      }
      std::unique_ptr<uint8_t[]> v(new uint8_t[stride ? stride : 8]());
      std::memcpy(v.get(), value, def.value_size);
      retired.push_back(std::move(it->second));
      it->second = std::move(v);
      return 0;
    }
    if (flags == BPF_EXIST)
      return -ENOENT;
    if (hash.size() >= def.max_entries) {
      if (!lru || hash.empty())
        return -E2BIG;
      evict();
    }
    if (lru)
      lastUse[k] = ++clock;
    std::unique_ptr<uint8_t[]> v(new uint8_t[stride ? stride : 8]());
    std::memcpy(v.get(), value, def.value_size);
    hash.emplace(std::move(k), std::move(v));
    return 0;
  }
  int64_t erase(const uint8_t *key) {
    if (isLpm)
      return lpmErase(key);
    if (isDevmap) {
      uint32_t i;
      std::memcpy(&i, key, 4);
      if (i >= def.max_entries)
        return -EINVAL;
      present[i] = false;
      return 0;
    }
    if (isArray)
      return -EINVAL;
    auto it = hash.find(Bytes(key, key + def.key_size));
    if (it == hash.end())
      return -ENOENT;
    retired.push_back(std::move(it->second));
    lastUse.erase(it->first);
    hash.erase(it);
    return 0;
  }
  void dump(std::vector<MapEntry> &out) const {
    if (isLpm) {
      for (auto &[k, v] : hash)
        out.push_back({lpmKeys.at(k), Bytes(v.get(), v.get() + def.value_size)});
    } else if (isArray) {
      for (uint32_t i = 0; i < def.max_entries; ++i) {
        if (isDevmap && !present[i])
          continue;
        const uint8_t *p = array.get() + size_t(i) * stride;
        Bytes k(4);
        std::memcpy(k.data(), &i, 4);
        out.push_back({std::move(k), Bytes(p, p + def.value_size)});
      }
    } else {
      for (auto &[k, v] : hash)
        out.push_back({k, Bytes(v.get(), v.get() + def.value_size)});
    }
    std::sort(out.begin(), out.end(),
              [](const MapEntry &a, const MapEntry &b) { return a.key < b.key; });
  }
};

bool mapSupported(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LPM_TRIE || type == BPF_MAP_TYPE_DEVMAP ||
         type == BPF_MAP_TYPE_CPUMAP || type == BPF_MAP_TYPE_DEVMAP_HASH;
}

/// Why the kernel refuses to create map `d` (EINVAL), or nullptr.
const char *mapDefError(const MapDef &d) {
  if (d.max_entries == 0)
    return "max_entries must not be 0";
  switch (d.type) {
  case BPF_MAP_TYPE_ARRAY:
  case BPF_MAP_TYPE_PERCPU_ARRAY:
    return d.key_size == 4 && d.value_size > 0 ? nullptr
                                               : "array maps need 4-byte keys and a value";
  case BPF_MAP_TYPE_LPM_TRIE:
    if (!(d.flags & BPF_F_NO_PREALLOC))
      return "LPM tries need BPF_F_NO_PREALLOC";
    return d.key_size > 4 && d.key_size <= 4 + 256 && d.value_size > 0
               ? nullptr
               : "LPM trie keys are 4 bytes of prefix length and 1 to 256 data bytes";
  case BPF_MAP_TYPE_DEVMAP:
  case BPF_MAP_TYPE_CPUMAP:
  case BPF_MAP_TYPE_DEVMAP_HASH:
    return d.key_size == 4 && (d.value_size == 4 || d.value_size == 8)
               ? nullptr
               : "device and CPU maps need 4-byte keys and 4- or 8-byte values";
  default:
    return d.key_size > 0 && d.value_size > 0 ? nullptr : "hash maps need a key and a value";
  }
}

//===-- The run's context (the %ctx handle) and the runtime ----------------===//

struct RunCtx {
  uint8_t *frame = nullptr;
  uint8_t *data = nullptr, *dataEnd = nullptr, *dataMeta = nullptr;
  uint32_t ifindex = 0, rxq = 0;
  std::optional<uint64_t> arrivalNs;  ///< PacketIn::arrivalNs: the NIC's clock
  uint64_t rngState = 0, rngCalls = 0;  ///< the NIC's generator (NicRandom.h)
  std::vector<std::unique_ptr<RtMap>> *maps = nullptr;
  std::optional<RedirectTarget> redirect;
  std::vector<Bytes> frags;  // bytes past the linear 3520, in 4096-byte pages
  bool trapped = false;
  int32_t trapInsn = -1;
  std::jmp_buf trapJmp;
};

thread_local RunCtx *tlsRun = nullptr;

RunCtx &rc(void *ctx) { return *static_cast<RunCtx *>(ctx); }

void *rtData(void *ctx) { return rc(ctx).data; }
void *rtDataEnd(void *ctx) { return rc(ctx).dataEnd; }
void *rtDataMeta(void *ctx) { return rc(ctx).dataMeta; }
uint32_t rtIfindex(void *ctx) { return rc(ctx).ifindex; }
uint32_t rtRxq(void *ctx) { return rc(ctx).rxq; }
uint32_t rtEgress(void *) { return 0; }

void *rtMapValue(uint32_t map) { return (*tlsRun->maps)[map]->array.get(); }
void *rtLookup(uint32_t map, const uint8_t *key) { return (*tlsRun->maps)[map]->lookup(key); }
int64_t rtUpdate(uint32_t map, const uint8_t *key, const uint8_t *value, uint64_t flags) {
  return (*tlsRun->maps)[map]->update(key, value, flags);
}
int64_t rtDelete(uint32_t map, const uint8_t *key) { return (*tlsRun->maps)[map]->erase(key); }

int64_t rtAdjustHead(void *ctx, uint64_t delta) {
  RunCtx &r = rc(ctx);
  int32_t off = int32_t(delta);
  uint64_t metalen = uint64_t(r.data - r.dataMeta);
  uintptr_t start = uintptr_t(r.frame + kXdpFrameSize + metalen);
  uintptr_t nd = uintptr_t(r.data) + intptr_t(off);
  if (nd < start || nd > uintptr_t(r.dataEnd) - kEthHlen)
    return -EINVAL;
  if (metalen)
    std::memmove(r.dataMeta + off, r.dataMeta, metalen);
  r.dataMeta += off;
  r.data = reinterpret_cast<uint8_t *>(nd);
  return 0;
}
int64_t rtAdjustMeta(void *ctx, uint64_t delta) {
  RunCtx &r = rc(ctx);
  uintptr_t meta = uintptr_t(r.dataMeta) + intptr_t(int32_t(delta));
  if (meta < uintptr_t(r.frame + kXdpFrameSize) || meta > uintptr_t(r.data))
    return -EINVAL;
  uint64_t metalen = uintptr_t(r.data) - meta;
  if (metalen % 4 || metalen > 255)
    return -EACCES;
  r.dataMeta = reinterpret_cast<uint8_t *>(meta);
  return 0;
}
int64_t rtAdjustTail(void *ctx, uint64_t delta) {
  RunCtx &r = rc(ctx);
  int32_t off = int32_t(delta);
  if (!r.frags.empty()) {
    if (off >= 0) {  // grows into the last page
      Bytes &last = r.frags.back();
      if (uint64_t(off) > kFrame - last.size())
        return -EINVAL;
      last.resize(last.size() + off, 0);
      return 0;
    }
    uint64_t shrink = uint64_t(-int64_t(off));
    uint64_t total = uint64_t(r.dataEnd - r.data);
    for (const Bytes &f : r.frags)
      total += f.size();
    if (int64_t(shrink) > int64_t(total) - int64_t(kEthHlen))
      return -EINVAL;
    while (shrink && !r.frags.empty()) {  // whole pages from the end, then linear
      Bytes &last = r.frags.back();
      uint64_t n = std::min<uint64_t>(shrink, last.size());
      last.resize(last.size() - n);
      shrink -= n;
      if (last.empty())
        r.frags.pop_back();
    }
    if (r.frags.empty())
      r.dataEnd -= shrink;
    return 0;
  }
  uintptr_t end = uintptr_t(r.dataEnd) + intptr_t(off);
  if (end > uintptr_t(r.frame + kFrame - kTailroom) || end < uintptr_t(r.data) + kEthHlen)
    return -EINVAL;
  if (off > 0)
    std::memset(r.dataEnd, 0, size_t(off));
  r.dataEnd = reinterpret_cast<uint8_t *>(end);
  return 0;
}
uint64_t buffLen(const RunCtx &r) {
  uint64_t n = uint64_t(r.dataEnd - r.data);
  for (const Bytes &f : r.frags)
    n += f.size();
  return n;
}
int64_t rtGetBuffLen(void *ctx) { return int64_t(buffLen(rc(ctx))); }
/// Copies between `buf` and bytes [off, off + len) of linear part + fragments.
void frameCopy(RunCtx &r, uint64_t off, uint8_t *buf, uint64_t len, bool toFrame) {
  uint64_t lin = uint64_t(r.dataEnd - r.data);
  while (len) {
    uint8_t *p;
    uint64_t avail;
    if (off < lin) {
      p = r.data + off;
      avail = lin - off;
    } else {
      uint64_t o = off - lin;
      size_t f = 0;
      while (o >= r.frags[f].size())
        o -= r.frags[f++].size();
      p = r.frags[f].data() + o;
      avail = r.frags[f].size() - o;
    }
    uint64_t n = std::min(avail, len);
    if (toFrame)
      std::memmove(p, buf, n);
    else
      std::memmove(buf, p, n);
    off += n;
    buf += n;
    len -= n;
  }
}
int64_t xdpBytes(void *ctx, uint64_t off64, uint8_t *buf, uint64_t len64, bool store) {
  RunCtx &r = rc(ctx);
  uint32_t off = uint32_t(off64), len = uint32_t(len64);
  if (off > 0xffff || len > 0xffff)
    return -EFAULT;  // bpf_xdp_pointer()
  if (uint64_t(off) + len > buffLen(r))
    return -EINVAL;
  frameCopy(r, off, buf, len, store);
  return 0;
}
int64_t rtLoadBytes(void *ctx, uint64_t off, uint8_t *buf, uint64_t len) {
  return xdpBytes(ctx, off, buf, len, false);
}
int64_t rtStoreBytes(void *ctx, uint64_t off, uint8_t *buf, uint64_t len) {
  return xdpBytes(ctx, off, buf, len, true);
}
int64_t rtRedirect(uint64_t ifindex, uint64_t flags) {
  if (flags)
    return XDP_ABORTED;
  tlsRun->redirect = RedirectTarget{RedirectTarget::Ifindex, uint32_t(ifindex), "", 0};
  return XDP_REDIRECT;
}
int64_t rtRedirectMap(uint32_t map, uint64_t key, uint64_t flags) {
  RtMap &m = *(*tlsRun->maps)[map];
  const uint64_t actionMask = XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX;
  uint64_t flagMask = (m.isDevmap && !m.isCpumap) || m.isDevHash
                          ? (BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)
                          : 0;
  if (flags & ~(actionMask | flagMask))
    return XDP_ABORTED;
  uint32_t k = uint32_t(key);
  bool there = m.isDevHash ? m.hash.count(Bytes((uint8_t *)&k, (uint8_t *)&k + 4)) > 0
                           : m.isDevmap && k < m.def.max_entries && m.present[k];
  if (!there && !(flags & BPF_F_BROADCAST)) {
    tlsRun->redirect.reset();  // a miss clears what an earlier call set
    return int64_t(flags & actionMask);
  }
  tlsRun->redirect = RedirectTarget{RedirectTarget::Map, 0, m.def.name, k};
  return XDP_REDIRECT;
}
int64_t rtCsumDiff(const uint8_t *from, uint64_t fromSize, const uint8_t *to, uint64_t toSize,
                   uint64_t seed) {
  return bpfCsumDiff(from, uint32_t(fromSize), to, uint32_t(toSize), uint32_t(seed));
}
int64_t clockNs(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
// With the NIC's clock every ktime helper reads the packet's arrival time.
int64_t nicOr(clockid_t c) {
  return tlsRun && tlsRun->arrivalNs ? int64_t(*tlsRun->arrivalNs) : clockNs(c);
}
int64_t rtKtime() { return nicOr(CLOCK_MONOTONIC); }
int64_t rtKtimeBoot() { return nicOr(CLOCK_BOOTTIME); }
int64_t rtKtimeCoarse() { return nicOr(CLOCK_MONOTONIC_COARSE); }
int64_t rtKtimeTai() { return nicOr(CLOCK_TAI); }
int64_t rtZero() { return 0; }
// As interp: the packet's word first, further words for later calls.
int64_t rtPrandom() {
  uint64_t s = tlsRun->rngState;
  if (tlsRun->rngCalls)
    s ^= tlsRun->rngCalls * 0xd1b54a32d192ed03ull;
  ++tlsRun->rngCalls;
  return nic::randomWord(s);
}
[[noreturn]] void rtTrap(uint32_t insn) {
  tlsRun->trapped = true;
  tlsRun->trapInsn = int32_t(insn);
  std::longjmp(tlsRun->trapJmp, 1);
}

/// The runtime: base names of the @sluice.* functions (any suffix of
/// argument kinds ".p0", ".p1", ".i64"... maps to the same host function).
struct RtFn {
  const char *name;
  void *addr;
};
const RtFn kRuntime[] = {
    {"sluice.xdp.data", (void *)&rtData},
    {"sluice.xdp.data_end", (void *)&rtDataEnd},
    {"sluice.xdp.data_meta", (void *)&rtDataMeta},
    {"sluice.xdp.ingress_ifindex", (void *)&rtIfindex},
    {"sluice.xdp.rx_queue_index", (void *)&rtRxq},
    {"sluice.xdp.egress_ifindex", (void *)&rtEgress},
    {"sluice.map.value", (void *)&rtMapValue},
    {"sluice.map.lookup", (void *)&rtLookup},
    {"sluice.map.update", (void *)&rtUpdate},
    {"sluice.map.delete", (void *)&rtDelete},
    {"sluice.helper.xdp_adjust_head", (void *)&rtAdjustHead},
    {"sluice.helper.xdp_adjust_meta", (void *)&rtAdjustMeta},
    {"sluice.helper.xdp_adjust_tail", (void *)&rtAdjustTail},
    {"sluice.helper.redirect", (void *)&rtRedirect},
    {"sluice.helper.redirect_map", (void *)&rtRedirectMap},
    {"sluice.helper.xdp_get_buff_len", (void *)&rtGetBuffLen},
    {"sluice.helper.xdp_load_bytes", (void *)&rtLoadBytes},
    {"sluice.helper.xdp_store_bytes", (void *)&rtStoreBytes},
    {"sluice.helper.csum_diff", (void *)&rtCsumDiff},
    {"sluice.helper.ktime_get_ns", (void *)&rtKtime},
    {"sluice.helper.ktime_get_boot_ns", (void *)&rtKtimeBoot},
    {"sluice.helper.ktime_get_coarse_ns", (void *)&rtKtimeCoarse},
    {"sluice.helper.ktime_get_tai_ns", (void *)&rtKtimeTai},
    {"sluice.helper.get_smp_processor_id", (void *)&rtZero},
    {"sluice.helper.get_prandom_u32", (void *)&rtPrandom},
    {"sluice.helper.get_numa_node_id", (void *)&rtZero},
    {"sluice.trap", (void *)&rtTrap},
};

void *runtimeFor(llvm::StringRef name) {
  for (const RtFn &f : kRuntime) {
    llvm::StringRef base(f.name);
    if (name == base)
      return f.addr;
    if (name.starts_with(base) && name.size() > base.size() && name[base.size()] == '.') {
      llvm::StringRef rest = name.substr(base.size());
      bool kinds = true;  // only ".p<N>" / ".i64" suffixes
      while (!rest.empty() && kinds) {
        size_t n = rest.find('.', 1);
        llvm::StringRef part = rest.substr(0, n);
        kinds = part == ".i64" || (part.size() == 3 && part[1] == 'p' && isdigit(part[2]));
        rest = n == llvm::StringRef::npos ? "" : rest.substr(n);
      }
      if (kinds)
        return f.addr;
    }
  }
  return nullptr;
}

//===-- The engine ---------------------------------------------------------===//

class LiftedEngine final : public Engine {
public:
  std::string_view name() const override { return "lifted"; }

  llvm::Error load(const Object &obj, const Program &prog) override {
    static std::once_flag once;
    std::call_once(once, [] {
      llvm::InitializeNativeTarget();
      llvm::InitializeNativeTargetAsmPrinter();
    });
    obj_ = nullptr;
    jit_.reset();
    entry_ = nullptr;
    maps_.clear();
    for (const MapDef &d : obj.maps) {
      if (!mapSupported(d.type))
        return makeError("lifted: map '{}' ({}) is not supported by the lifted engine yet",
                         d.name, mapTypeName(d.type));
      if (const char *why = mapDefError(d))
        return makeErrnoError(EINVAL, "lifted: map '{}': {}", d.name, why);
    }
    auto l = lift::liftProgram(obj, prog, {.inlineFrameHelpers = false});
    if (!l)
      return l.takeError();
    if (!l->remainingLoops.empty())
      return makeError("lifted: {}: a loop remains after optimisation: {}", prog.name,
                       l->remainingLoops.front());
    llvm::orc::SymbolMap syms;
    auto jit = llvm::orc::LLJITBuilder().create();
    if (!jit)
      return jit.takeError();
    for (llvm::Function &f : *l->module) {
      if (!f.isDeclaration() || f.isIntrinsic())
        continue;
      void *addr = runtimeFor(f.getName());
      if (!addr)
        return makeError("lifted: {} ({}) is not supported by the lifted engine yet",
                         f.getName().str(), prog.name);
      syms[(*jit)->mangleAndIntern(f.getName())] = {
          llvm::orc::ExecutorAddr::fromPtr(addr),
          llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
    }
    if (auto e = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(syms))))
      return e;
    stats_ = l->stats;
    std::string entry = l->entry;
    llvm::orc::ThreadSafeModule tsm(std::move(l->module), std::move(l->ctx));
    if (auto e = (*jit)->addIRModule(std::move(tsm)))
      return e;
    auto sym = (*jit)->lookup(entry);
    if (!sym)
      return sym.takeError();
    entry_ = sym->toPtr<uint32_t (*)(void *)>();
    jit_ = std::move(*jit);
    for (const MapDef &d : obj.maps)
      maps_.push_back(std::make_unique<RtMap>(d));
    obj_ = &obj;
    prog_ = &prog;
    loaded_ = true;
    rngState_ = 0;
    return llvm::Error::success();
  }

  llvm::Expected<PacketOut> run(const PacketIn &pkt) override {
    if (!entry_)
      return makeError("lifted: no program loaded");
    size_t len = pkt.data.size();
    if (len < kEthHlen)
      return makeErrnoError(EINVAL, "lifted: frame of {} bytes (the kernel needs 14)", len);
    constexpr size_t kLinear = kFrame - kHeadroom - kTailroom;
    if (len > kLinear + 17 * kFrame)
      return makeErrnoError(ENOMEM, "lifted: frame of {} bytes (at most {})", len,
                            kLinear + 17 * kFrame);
    size_t lin = std::min(len, kLinear);
    std::memset(frame_, 0, sizeof(frame_));
    RunCtx r;
    r.frame = frame_;
    r.data = frame_ + kHeadroom;
    std::memcpy(r.data, pkt.data.data(), lin);
    r.dataEnd = r.data + lin;
    for (size_t off = lin; off < len; off += kFrame)
      r.frags.emplace_back(pkt.data.begin() + off,
                           pkt.data.begin() + std::min(len, off + kFrame));
    r.dataMeta = r.data;
    r.ifindex = pkt.ingress_ifindex;
    r.arrivalNs = pkt.arrivalNs;
    r.rngState = (rngState_ += nic::kRngGamma);
    r.rxq = pkt.rx_queue_index;
    r.maps = &maps_;
    for (auto &m : maps_)
      m->retired.clear();
    tlsRun = &r;
    uint32_t action = 0;
    if (setjmp(r.trapJmp) == 0)
      action = entry_(&r);
    tlsRun = nullptr;
    if (r.trapped)
      return makeError("lifted: {}: a loop ran past the verifier's bound (insn {})",
                       prog_->name, r.trapInsn);
    PacketOut out;
    out.action = action;
    out.data.assign(r.data, r.dataEnd);
    for (const Bytes &f : r.frags)
      out.data.insert(out.data.end(), f.begin(), f.end());
    if (action == XDP_REDIRECT)
      out.redirect = r.redirect;
    return out;
  }

  llvm::Expected<RtMap *> findMap(const std::string &name, const Bytes &key, const Bytes *value) {
    if (!loaded_)
      return makeError("lifted: no program loaded");
    for (auto &m : maps_) {
      if (m->def.name != name)
        continue;
      if (key.size() != m->def.key_size)
        return makeErrnoError(EINVAL, "lifted: map '{}': key of {} bytes, the map's keys have {}",
                              name, key.size(), m->def.key_size);
      if (value && value->size() != m->def.value_size)
        return makeErrnoError(EINVAL,
                              "lifted: map '{}': value of {} bytes, the map's values have {}",
                              name, value->size(), m->def.value_size);
      return m.get();
    }
    return makeErrnoError(ENOENT, "lifted: no map named '{}'", name);
  }

  static llvm::Error errnoResult(int64_t rc, const char *what, const std::string &map) {
    if (rc == 0)
      return llvm::Error::success();
    return makeErrnoError(int(-rc), "lifted: {} on map '{}': {}", what, map,
                          std::strerror(int(-rc)));
  }

  llvm::Error mapUpdate(const std::string &map, const Bytes &key, const Bytes &value,
                        uint64_t flags) override {
    auto m = findMap(map, key, &value);
    if (!m)
      return m.takeError();
    if ((*m)->frozen)
      return makeErrnoError(EPERM, "lifted: update on map '{}': it is read-only", map);
    if (flags & BPF_F_LOCK)
      return makeErrnoError(EINVAL, "lifted: update on map '{}': BPF_F_LOCK", map);
    return errnoResult((*m)->update(key.data(), value.data(), flags), "update", map);
  }
  llvm::Expected<std::optional<Bytes>> mapLookup(const std::string &map,
                                                 const Bytes &key) override {
    auto m = findMap(map, key, nullptr);
    if (!m)
      return m.takeError();
    const uint8_t *p = (*m)->lookup(key.data(), /*touch=*/false);
    if (!p)
      return std::nullopt;
    return Bytes(p, p + (*m)->def.value_size);
  }
  llvm::Error mapDelete(const std::string &map, const Bytes &key) override {
    auto m = findMap(map, key, nullptr);
    if (!m)
      return m.takeError();
    return errnoResult((*m)->erase(key.data()), "delete", map);
  }
  llvm::Expected<std::vector<MapDump>> dumpMaps() override {
    if (!loaded_)
      return makeError("lifted: no program loaded");
    std::vector<MapDump> out;
    for (auto &m : maps_) {
      MapDump d;
      d.name = m->def.name;
      d.type = m->def.type;
      m->dump(d.entries);
      out.push_back(std::move(d));
    }
    return out;
  }

  const lift::LiftStats *stats() const { return loaded_ ? &stats_ : nullptr; }

private:
  const Object *obj_ = nullptr;
  const Program *prog_ = nullptr;
  bool loaded_ = false;
  uint64_t rngState_ = 0;  // the NIC generator (NicRandom.h)
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  uint32_t (*entry_)(void *) = nullptr;
  std::vector<std::unique_ptr<RtMap>> maps_;
  lift::LiftStats stats_;
  alignas(64) uint8_t frame_[kFrame];
};

} // namespace

std::unique_ptr<Engine> createLiftedEngine() { return std::make_unique<LiftedEngine>(); }

const lift::LiftStats *liftedEngineStats(const Engine &engine) {
  auto *e = dynamic_cast<const LiftedEngine *>(&engine);
  return e ? e->stats() : nullptr;
}

} // namespace sluice
