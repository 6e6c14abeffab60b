//===- InterpHelpers.cpp - BPF helpers of the `interp` engine -------------===//
//
// The helpers an XDP program may call, by number (linux/bpf.h), with the
// kernel's argument rules and return values (net/core/filter.c,
// kernel/bpf/helpers.c, kernel/trace/bpf_trace.c, kernel/bpf/ringbuf.c of
// Linux 6.18). A pointer argument the program could not have passed (the
// verifier checks them) is an engine error naming the call instruction.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>

#include "InterpMachine.h"
#include "sluice/Object/Disasm.h"
#include "sluice/Support/Checksum.h"
#include "sluice/Support/Error.h"
#include "sluice/Support/NicRandom.h"

namespace sluice::interp {

namespace {

uint64_t clockNs(clockid_t c) {
  timespec ts;
  clock_gettime(c, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}


bool isPrintOrSpace(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return std::isprint(u) || std::isspace(u);
}

} // namespace

Status Machine::callHelper(uint32_t id, uint64_t *r, const DInsn *ip, uint32_t depth) {
  auto fail = [&](std::string what) {
    return fault(ip, fmt::format("{}: {}", helperName(int32_t(id)), what));
  };
  // A pointer argument: `n` bytes at r[reg] the program may read (or write).
  auto mem = [&](int reg, uint64_t n, bool write, const char *what, uint8_t *&p) {
    if (n == 0) {
      p = reinterpret_cast<uint8_t *>(r[reg]);
      return Status::Ok;
    }
    p = xlate(r[reg], n, write);
    if (p)
      return Status::Ok;
    return fail(fmt::format("r{} ({}, {} bytes at 0x{:x}) is not memory the program may {}",
                            reg, what, n, r[reg], write ? "write" : "read"));
  };
  auto mapArg = [&](int reg, Map *&m) {
    m = asMap(r[reg]);
    if (m)
      return Status::Ok;
    return fail(fmt::format("r{} (0x{:x}) is not a map", reg, r[reg]));
  };
  auto ctxArg = [&]() {
    if (isCtx(r[1]))
      return Status::Ok;
    return fail("r1 is not the context");
  };

  switch (id) {
  case BPF_FUNC_map_lookup_elem:
  case BPF_FUNC_map_lookup_percpu_elem: {
    Map *m;
    uint8_t *key;
    if (mapArg(1, m) != Status::Ok)
      return Status::Fault;
    switch (m->type) {
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_CPUMAP:
      return fail(fmt::format("map '{}' cannot be looked up by programs (the kernel's "
                              "verifier refuses it)",
                              m->def.name));
    default:
      break;
    }
    if (id == BPF_FUNC_map_lookup_percpu_elem && m->type != BPF_MAP_TYPE_PERCPU_ARRAY &&
        m->type != BPF_MAP_TYPE_PERCPU_HASH && m->type != BPF_MAP_TYPE_LRU_PERCPU_HASH)
      return fail(fmt::format("map '{}' is not a per-CPU map", m->def.name));
    if (mem(2, m->keySize, false, "key", key) != Status::Ok)
      return Status::Fault;
    if (id == BPF_FUNC_map_lookup_percpu_elem && uint32_t(r[3]) >= 1) {
      r[0] = 0;  // one CPU: only CPU 0 exists
      break;
    }
    r[0] = uintptr_t(m->lookup(key));
    break;
  }

  case BPF_FUNC_map_update_elem:
  case BPF_FUNC_map_delete_elem: {
    Map *m;
    uint8_t *key, *value = nullptr;
    if (mapArg(1, m) != Status::Ok)
      return Status::Fault;
    switch (m->type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_LPM_TRIE:
      break;
    default:
      return fail(fmt::format("map '{}' cannot be changed by programs (the kernel's verifier "
                              "refuses it)",
                              m->def.name));
    }
    if (m->def.readonly || (m->def.flags & BPF_F_RDONLY_PROG))
      return fail(fmt::format("map '{}' is read-only to programs", m->def.name));
    if (mem(2, m->keySize, false, "key", key) != Status::Ok)
      return Status::Fault;
    if (id == BPF_FUNC_map_delete_elem) {
      r[0] = uint64_t(m->erase(key));
      break;
    }
    if (mem(3, m->valueSize, false, "value", value) != Status::Ok)
      return Status::Fault;
    r[0] = uint64_t(m->update(key, value, r[4]));
    break;
  }

  // With the NIC's clock (PacketIn::arrivalNs) every ktime helper reads the
  // packet's arrival timestamp, as the datapath does (docs/helpers.md).
  case BPF_FUNC_ktime_get_ns:
    r[0] = arrivalNs ? *arrivalNs : clockNs(CLOCK_MONOTONIC);
    break;
  case BPF_FUNC_ktime_get_boot_ns:
    r[0] = arrivalNs ? *arrivalNs : clockNs(CLOCK_BOOTTIME);
    break;
  case BPF_FUNC_ktime_get_coarse_ns:
    r[0] = arrivalNs ? *arrivalNs : clockNs(CLOCK_MONOTONIC_COARSE);
    break;
  case BPF_FUNC_ktime_get_tai_ns:
    r[0] = arrivalNs ? *arrivalNs : clockNs(CLOCK_TAI);
    break;

  case BPF_FUNC_get_prandom_u32: {
    // The NIC's generator (docs/helpers.md): one splitmix64 step per packet
    // (run() takes it), the first call of a packet returns its word. Later
    // calls of the same packet, which the NIC compiler refuses, get further
    // words of their own.
    uint64_t s = prandomState;
    if (prandomCalls)
      s ^= prandomCalls * 0xd1b54a32d192ed03ull;
    ++prandomCalls;
    r[0] = nic::randomWord(s);
    break;
  }
  case BPF_FUNC_get_smp_processor_id:
  case BPF_FUNC_get_numa_node_id:
    r[0] = 0;
    break;

  case BPF_FUNC_trace_printk: {
    uint32_t size = uint32_t(r[2]);
    uint8_t *fmtp;
    if (size == 0)
      return fail("the format size is 0 (the kernel's verifier refuses it)");
    if (mem(1, size, false, "format", fmtp) != Status::Ok)
      return Status::Fault;
    const char *f = reinterpret_cast<const char *>(fmtp);
    if (!std::memchr(f, 0, size)) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    // bpf_bprintf_prepare(): %% and at most 3 conversions among
    // [flags][width] d i u x X with l/ll, c, s, p, pK px ps pS pB, pI4 pi4
    // pI6 pi6, pks pus.
    std::string out;
    uint64_t args[3] = {r[3], r[4], r[5]};
    int nargs = 0;
    bool bad = false;
    for (size_t i = 0; f[i] && !bad; ++i) {
      if (!isPrintOrSpace(f[i])) {
        bad = true;
        break;
      }
      if (f[i] != '%') {
        out += f[i];
        continue;
      }
      if (f[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
      if (nargs >= 3) {
        bad = true;
        break;
      }
      std::string spec = "%";
      ++i;
      while (f[i] == '0' || f[i] == '+' || f[i] == '-' || f[i] == ' ')
        spec += f[i++];
      if (f[i] >= '1' && f[i] <= '9')
        while (f[i] >= '0' && f[i] <= '9')
          spec += f[i++];
      uint64_t arg = args[nargs++];
      char buf[1100];
      auto readStr = [&](uint64_t a) {
        std::string s;
        for (;; ++a) {
          uint8_t *c = xlate(a, 1, false);
          if (!c || !*c || s.size() >= 1023)
            break;
          s += char(*c);
        }
        return s;
      };
      if (f[i] == 'p') {
        char nx = f[i + 1];
        if (nx == 0 || std::isspace(static_cast<unsigned char>(nx)) ||
            std::ispunct(static_cast<unsigned char>(nx))) {
          std::snprintf(buf, sizeof buf, (spec + "llx").c_str(), (unsigned long long)arg);
          out += buf;
        } else if ((nx == 'k' || nx == 'u') && f[i + 2] == 's') {
          i += 2;
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), readStr(arg).c_str());
          out += buf;
        } else if (nx == 'K' || nx == 'x' || nx == 's' || nx == 'S' || nx == 'B') {
          ++i;
          std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)arg);
          out += buf;
        } else if ((nx == 'i' || nx == 'I') && (f[i + 2] == '4' || f[i + 2] == '6')) {
          bool v6 = f[i + 2] == '6';
          uint8_t a[16] = {};
          if (uint8_t *p = xlate(arg, v6 ? 16 : 4, false))
            std::memcpy(a, p, v6 ? 16 : 4);
          std::string s;
          if (!v6 && nx == 'I')
            s = fmt::format("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
          else if (!v6)
            s = fmt::format("{:03}.{:03}.{:03}.{:03}", a[0], a[1], a[2], a[3]);
          else
            for (int k = 0; k < 16; k += 2)
              s += fmt::format("{}{:02x}{:02x}", (k && nx == 'I') ? ":" : "", a[k], a[k + 1]);
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), s.c_str());
          out += buf;
          i += 2;
        } else {
          bad = true;
        }
        continue;
      }
      if (f[i] == 's') {
        std::snprintf(buf, sizeof buf, (spec + "s").c_str(), readStr(arg).c_str());
        out += buf;
        continue;
      }
      if (f[i] == 'c') {
        std::snprintf(buf, sizeof buf, (spec + "c").c_str(), int(char(arg)));
        out += buf;
        continue;
      }
      int longs = 0;
      while (f[i] == 'l' && longs < 2) {
        ++longs;
        ++i;
      }
      char conv = f[i];
      if (conv != 'd' && conv != 'i' && conv != 'u' && conv != 'x' && conv != 'X') {
        bad = true;
        break;
      }
      bool isSigned = conv == 'd' || conv == 'i';
      if (longs == 0) {
        if (isSigned)
          std::snprintf(buf, sizeof buf, (spec + conv).c_str(), int(int32_t(arg)));
        else
          std::snprintf(buf, sizeof buf, (spec + conv).c_str(), unsigned(uint32_t(arg)));
      } else {
        if (isSigned)
          std::snprintf(buf, sizeof buf, (spec + "ll" + conv).c_str(), (long long)arg);
        else
          std::snprintf(buf, sizeof buf, (spec + "ll" + conv).c_str(), (unsigned long long)arg);
      }
      out += buf;
    }
    if (bad) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    r[0] = out.size();
    InterpEvent ev;
    ev.kind = InterpEvent::TracePrintk;
    ev.run = runIndex;
    ev.text = std::move(out);
    events.push_back(std::move(ev));
    break;
  }

  case BPF_FUNC_redirect:
    if (r[2] != 0) {
      r[0] = XDP_ABORTED;
      break;
    }
    redirect = RedirectTarget{RedirectTarget::Ifindex, uint32_t(r[1]), "", 0};
    r[0] = XDP_REDIRECT;
    break;

  case BPF_FUNC_redirect_map: {
    Map *m;
    if (mapArg(1, m) != Status::Ok)
      return Status::Fault;
    uint64_t flagMask = 0;
    switch (m->type) {
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH:
      flagMask = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
      break;
    case BPF_MAP_TYPE_CPUMAP:
    case BPF_MAP_TYPE_XSKMAP:
      break;
    default:
      return fail(fmt::format("map '{}' is not a devmap, devmap-hash, cpumap or xskmap",
                              m->def.name));
    }
    const uint64_t actionMask = XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX;
    uint64_t flags = r[3];
    if (flags & ~(actionMask | flagMask)) {
      r[0] = XDP_ABORTED;
      break;
    }
    uint32_t key = uint32_t(r[2]);
    if (!redirectTargetPresent(*m, key) && !(flags & BPF_F_BROADCAST)) {
      redirect.reset();  // a miss clears what an earlier call set
      r[0] = flags & actionMask;
      break;
    }
    redirect = RedirectTarget{RedirectTarget::Map, 0, m->def.name, key};
    r[0] = XDP_REDIRECT;
    break;
  }

  case BPF_FUNC_perf_event_output: {
    Map *m;
    uint8_t *data;
    if (ctxArg() != Status::Ok || mapArg(2, m) != Status::Ok)
      return Status::Fault;
    if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
      return fail(fmt::format("map '{}' is not a perf-event-array", m->def.name));
    uint64_t flags = r[3], size = r[5];
    if (mem(4, size, false, "data", data) != Status::Ok)
      return Status::Fault;
    if (flags & ~(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK)) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    uint64_t pktBytes = (flags & BPF_F_CTXLEN_MASK) >> 32;
    if (pktBytes > buffLen()) {
      r[0] = uint64_t(-int64_t(EFAULT));
      break;
    }
    uint64_t index = flags & BPF_F_INDEX_MASK;
    if (index == BPF_F_CURRENT_CPU)
      index = 0;
    uint32_t slots = std::max<uint32_t>(m->maxEntries, 1);
    if (index >= slots) {
      r[0] = uint64_t(-int64_t(E2BIG));
      break;
    }
    InterpEvent ev;
    ev.kind = InterpEvent::PerfOutput;
    ev.run = runIndex;
    ev.map = m->def.name;
    ev.index = uint32_t(index);
    ev.data.assign(data, data + size);
    ev.data.resize(size + pktBytes);
    frameCopy(0, ev.data.data() + size, pktBytes, false);
    events.push_back(std::move(ev));
    // Without a perf event in the slot the kernel answers -ENOENT.
    r[0] = perfSlotAttached(*m, uint32_t(index)) ? 0 : uint64_t(-int64_t(ENOENT));
    break;
  }

  case BPF_FUNC_csum_diff: {
    uint32_t fromSize = uint32_t(r[2]), toSize = uint32_t(r[4]);
    uint8_t *from, *to;
    if (mem(1, fromSize, false, "from", from) != Status::Ok ||
        mem(3, toSize, false, "to", to) != Status::Ok)
      return Status::Fault;
    r[0] = bpfCsumDiff(from, fromSize, to, toSize, uint32_t(r[5]));
    break;
  }

  case BPF_FUNC_xdp_adjust_head: {
    if (ctxArg() != Status::Ok)
      return Status::Fault;
    int32_t off = int32_t(r[2]);
    uint64_t metalen = uint64_t(data_ - dataMeta_);
    uint8_t *dataStart = frame_ + kXdpFrameSize + metalen;
    uint8_t *nd = data_ + off;
    // Pointer comparisons on the frame's addresses, as the kernel does.
    if (uintptr_t(nd) < uintptr_t(dataStart) ||
        uintptr_t(nd) > uintptr_t(dataEnd_) - kEthHlen) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    if (metalen)
      std::memmove(dataMeta_ + off, dataMeta_, metalen);
    dataMeta_ += off;
    data_ = nd;
    setPacketBounds();
    r[0] = 0;
    break;
  }

  case BPF_FUNC_xdp_adjust_meta: {
    if (ctxArg() != Status::Ok)
      return Status::Fault;
    int32_t off = int32_t(r[2]);
    uintptr_t meta = uintptr_t(dataMeta_) + intptr_t(off);
    if (meta < uintptr_t(frame_ + kXdpFrameSize) || meta > uintptr_t(data_)) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    uint64_t metalen = uintptr_t(data_) - meta;
    if (metalen % 4 || metalen > 255) {
      r[0] = uint64_t(-int64_t(EACCES));
      break;
    }
    dataMeta_ = reinterpret_cast<uint8_t *>(meta);
    setPacketBounds();
    r[0] = 0;
    break;
  }

  case BPF_FUNC_xdp_adjust_tail: {
    if (ctxArg() != Status::Ok)
      return Status::Fault;
    int32_t off = int32_t(r[2]);
    if (!frags_.empty()) {
      if (off >= 0) {  // bpf_xdp_frags_increase_tail: into the last page
        Bytes &last = frags_.back();
        if (uint64_t(off) > kFrameSize - last.size()) {
          r[0] = uint64_t(-int64_t(EINVAL));
          break;
        }
        last.resize(last.size() + off, 0);
        fragsSize_ += off;
      } else {  // bpf_xdp_frags_shrink_tail: whole fragments, then linear
        uint64_t shrink = uint64_t(-int64_t(off));
        if (int64_t(shrink) > int64_t(buffLen()) - int64_t(kEthHlen)) {
          r[0] = uint64_t(-int64_t(EINVAL));
          break;
        }
        while (shrink && !frags_.empty()) {
          Bytes &last = frags_.back();
          uint64_t n = std::min<uint64_t>(shrink, last.size());
          last.resize(last.size() - n);
          fragsSize_ -= n;
          shrink -= n;
          if (last.empty())
            frags_.pop_back();
        }
        if (frags_.empty()) {
          dataEnd_ -= shrink;
          setPacketBounds();
        }
      }
      r[0] = 0;
      break;
    }
    uintptr_t end = uintptr_t(dataEnd_) + intptr_t(off);
    if (end > uintptr_t(frame_ + kFrameSize - kTailroom) || end < uintptr_t(data_) + kEthHlen) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    if (off > 0)
      std::memset(dataEnd_, 0, size_t(off));
    dataEnd_ = reinterpret_cast<uint8_t *>(end);
    setPacketBounds();
    r[0] = 0;
    break;
  }

  case BPF_FUNC_xdp_get_buff_len:
    if (ctxArg() != Status::Ok)
      return Status::Fault;
    r[0] = buffLen();
    break;

  case BPF_FUNC_xdp_load_bytes:
  case BPF_FUNC_xdp_store_bytes: {
    if (ctxArg() != Status::Ok)
      return Status::Fault;
    uint32_t off = uint32_t(r[2]), len = uint32_t(r[4]);
    bool store = id == BPF_FUNC_xdp_store_bytes;
    uint8_t *buf;
    if (len == 0)
      return fail("the length is 0 (the kernel's verifier refuses it)");
    if (mem(3, len, !store, "buffer", buf) != Status::Ok)
      return Status::Fault;
    // bpf_xdp_pointer(): EFAULT past 0xffff, EINVAL past the frame.
    if (off > 0xffff || len > 0xffff) {
      r[0] = uint64_t(-int64_t(EFAULT));
      break;
    }
    if (uint64_t(off) + len > buffLen()) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    frameCopy(off, buf, len, store);
    r[0] = 0;
    break;
  }

  case BPF_FUNC_spin_lock:
  case BPF_FUNC_spin_unlock: {
    uint8_t *lock;
    if (mem(1, 4, true, "lock", lock) != Status::Ok)
      return Status::Fault;
    r[0] = 0;  // one CPU: nothing to wait for
    break;
  }

  case BPF_FUNC_ringbuf_output:
  case BPF_FUNC_ringbuf_reserve:
  case BPF_FUNC_ringbuf_query: {
    Map *m;
    if (mapArg(1, m) != Status::Ok)
      return Status::Fault;
    if (m->type != BPF_MAP_TYPE_RINGBUF)
      return fail(fmt::format("map '{}' is not a ring buffer", m->def.name));
    auto &rb = static_cast<RingBufMap &>(*m);
    if (id == BPF_FUNC_ringbuf_query) {
      switch (r[2]) {
      case BPF_RB_AVAIL_DATA: r[0] = rb.availData(); break;
      case BPF_RB_RING_SIZE: r[0] = rb.maxEntries; break;
      case BPF_RB_CONS_POS: r[0] = rb.consPos(); break;
      case BPF_RB_PROD_POS: r[0] = rb.prodPos(); break;
      default: r[0] = 0; break;
      }
      break;
    }
    if (id == BPF_FUNC_ringbuf_reserve) {
      r[0] = r[3] ? 0 : uintptr_t(rb.reserve(r[2]));
      break;
    }
    uint8_t *data;
    uint64_t size = r[3];
    if (mem(2, size, false, "data", data) != Status::Ok)
      return Status::Fault;
    if (r[4] & ~uint64_t(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    uint8_t *sample = rb.reserve(size);
    if (!sample) {
      r[0] = uint64_t(-int64_t(EAGAIN));
      break;
    }
    std::memcpy(sample, data, size);
    InterpEvent ev;
    ev.kind = InterpEvent::Ringbuf;
    ev.run = runIndex;
    ev.map = m->def.name;
    rb.release(sample, &ev.data);
    events.push_back(std::move(ev));
    r[0] = 0;
    break;
  }

  case BPF_FUNC_ringbuf_submit:
  case BPF_FUNC_ringbuf_discard: {
    RingBufMap *rb = nullptr;
    for (auto &m : maps)
      if (m->type == BPF_MAP_TYPE_RINGBUF && static_cast<RingBufMap &>(*m).owns(r[1]))
        rb = static_cast<RingBufMap *>(m.get());
    InterpEvent ev;
    if (!rb || !rb->release(reinterpret_cast<uint8_t *>(r[1]),
                            id == BPF_FUNC_ringbuf_submit ? &ev.data : nullptr))
      return fail(fmt::format("r1 (0x{:x}) is not a sample from bpf_ringbuf_reserve", r[1]));
    if (id == BPF_FUNC_ringbuf_submit) {
      ev.kind = InterpEvent::Ringbuf;
      ev.run = runIndex;
      ev.map = rb->def.name;
      events.push_back(std::move(ev));
    }
    r[0] = 0;
    break;
  }

  case BPF_FUNC_loop: {
    // The verifier inlines bpf_loop when flags is a known 0 (what clang
    // emits), and the inlined loop differs from the helper: nr_loops is
    // compared as 64 bits and -E2BIG is a 32-bit move (kernel: 0xfffffff9).
    // This follows the inlined loop whenever flags is 0.
    uint64_t nr = r[1], fn = r[2], ctx = r[3], flags = r[4];
    uint64_t target = fn & ~kFuncTag;
    if ((fn & kFuncTag) != kFuncTag || target >= code.size() || code[target].op == LDDW2 ||
        code[target].op == FELLOFF)
      return fail(fmt::format("r2 (0x{:x}) is not a callback function", fn));
    if (flags) {
      r[0] = uint64_t(-int64_t(EINVAL));
      break;
    }
    if (nr > kMaxLoops) {
      r[0] = uint32_t(-E2BIG);
      break;
    }
    if (depth + 1 >= kMaxFrames)
      return fail(fmt::format("the callback would nest deeper than {} frames", kMaxFrames));
    uint64_t i = 0, ret = 0;
    for (; i < nr; ++i) {
      if (exec(code.data() + target, i, ctx, 0, 0, 0, depth + 1, ret) != Status::Ok)
        return Status::Fault;
      if (ret)
        break;
    }
    setStackDepth(depth);
    r[0] = i < nr ? i + 1 : i;
    break;
  }

  default:
    return fail("not implemented");
  }
  return Status::Ok;
}

} // namespace sluice::interp
