//===- Run.cpp - Running pcaps through engines and comparing the runs -----===//
#include "sluice/Engine/Run.h"

#include <cstring>
#include <filesystem>

#include "sluice/Support/Error.h"

namespace sluice {

std::string verdictName(uint32_t action) {
  switch (action) {
  case XDP_ABORTED:
    return "XDP_ABORTED";
  case XDP_DROP:
    return "XDP_DROP";
  case XDP_PASS:
    return "XDP_PASS";
  case XDP_TX:
    return "XDP_TX";
  case XDP_REDIRECT:
    return "XDP_REDIRECT";
  default:
    return fmt::format("XDP_{}", action);
  }
}

std::string verdictName(const PacketResult &r) {
  return r.runt ? "runt" : verdictName(r.out.action);
}

std::string verdictFileStem(const PacketResult &r) {
  if (r.runt)
    return "runt";
  std::string n = verdictName(r.out.action).substr(4);
  for (char &c : n)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  if (r.out.action == XDP_REDIRECT && r.out.redirect) {
    const RedirectTarget &t = *r.out.redirect;
    if (t.kind == RedirectTarget::Ifindex)
      n += fmt::format("-if{}", t.ifindex);
    else
      n += fmt::format("-{}-{}", t.map, t.key);
  }
  return n;
}

std::string mapTypeName(uint32_t type) {
  switch (type) {
  case BPF_MAP_TYPE_HASH: return "hash";
  case BPF_MAP_TYPE_ARRAY: return "array";
  case BPF_MAP_TYPE_PROG_ARRAY: return "prog_array";
  case BPF_MAP_TYPE_PERF_EVENT_ARRAY: return "perf_event_array";
  case BPF_MAP_TYPE_PERCPU_HASH: return "percpu_hash";
  case BPF_MAP_TYPE_PERCPU_ARRAY: return "percpu_array";
  case BPF_MAP_TYPE_LRU_HASH: return "lru_hash";
  case BPF_MAP_TYPE_LRU_PERCPU_HASH: return "lru_percpu_hash";
  case BPF_MAP_TYPE_LPM_TRIE: return "lpm_trie";
  case BPF_MAP_TYPE_ARRAY_OF_MAPS: return "array_of_maps";
  case BPF_MAP_TYPE_HASH_OF_MAPS: return "hash_of_maps";
  case BPF_MAP_TYPE_DEVMAP: return "devmap";
  case BPF_MAP_TYPE_DEVMAP_HASH: return "devmap_hash";
  case BPF_MAP_TYPE_CPUMAP: return "cpumap";
  case BPF_MAP_TYPE_XSKMAP: return "xskmap";
  case BPF_MAP_TYPE_RINGBUF: return "ringbuf";
  default: return fmt::format("type{}", type);
  }
}

llvm::Expected<RunResult> runPackets(Engine &engine, const Object &obj, const Program &prog,
                                     const std::vector<MapInitEntry> &init,
                                     const std::vector<PcapPacket> &packets, bool nicClock) {
  RunResult res;
  res.engine = std::string(engine.name());
  if (auto e = engine.load(obj, prog))
    return e;
  if (auto e = applyMapInit(engine, init))
    return e;
  res.packets.reserve(packets.size());
  for (size_t i = 0; i < packets.size(); ++i) {
    PacketResult pr;
    if (packets[i].data.size() < kMinFrame) {
      pr.runt = true;
    } else {
      PacketIn in;
      in.data = packets[i].data;
      if (nicClock)
        in.arrivalNs = packets[i].ts_usec * 1000;
      auto out = engine.run(in);
      if (!out)
        return makeError("{}: packet {}: {}", engine.name(), i + 1,
                         llvm::toString(out.takeError()));
      pr.out = std::move(*out);
    }
    res.packets.push_back(std::move(pr));
  }
  auto maps = engine.dumpMaps();
  if (!maps)
    return maps.takeError();
  res.maps = std::move(*maps);
  res.input = packets;
  return res;
}

llvm::Expected<RunResult> runProgram(const Object &obj, const Program &prog,
                                     const RunOptions &opts) {
  auto engine = createEngine(opts.engine);
  if (!engine)
    return engine.takeError();
  if (!*engine)
    return makeError("engine '{}' is not available in this build", opts.engine);
  auto packets = readPcap(opts.pcap);
  if (!packets)
    return packets.takeError();
  std::vector<MapInitEntry> init;
  if (!opts.mapInit.empty()) {
    auto parsed = parseMapInit(opts.mapInit, obj);
    if (!parsed)
      return parsed.takeError();
    init = std::move(*parsed);
  }
  return runPackets(**engine, obj, prog, init, *packets, opts.nicClock);
}

llvm::Error writeVerdictPcaps(const RunResult &r, const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return makeError("{}: cannot create directory: {}", dir, ec.message());
  std::map<std::string, std::unique_ptr<PcapWriter>> writers;
  for (size_t i = 0; i < r.packets.size(); ++i) {
    const PacketResult &p = r.packets[i];
    std::string stem = verdictFileStem(p);
    auto &w = writers[stem];
    if (!w) {
      auto created = PcapWriter::create(dir + "/" + stem + ".pcap");
      if (!created)
        return created.takeError();
      w = std::move(*created);
    }
    PcapPacket out;
    out.ts_usec = r.input[i].ts_usec;
    out.data = p.runt ? r.input[i].data : p.out.data;
    out.orig_len = out.data.size();
    w->write(out);
  }
  return llvm::Error::success();
}

namespace {

std::string describeBytes(const Bytes &b) { return hexBytes(b.data(), b.size(), 64); }

std::string diffBytes(const Bytes &a, const Bytes &b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i])
      return fmt::format("byte {}: 0x{:02x} vs 0x{:02x}", i, a[i], b[i]);
  return fmt::format("length {} vs {}", a.size(), b.size());
}

// A bpf_redirect_map target {map, key} (interp, lifted) as the device it
// names: the ifindex in value word 0 of that devmap's entry in the run's
// final dump (programs cannot write devmaps, so every packet saw that
// content); other targets, and keys without an entry, as they are.
RedirectTarget resolveRedirect(const RunResult &r, const RedirectTarget &t) {
  if (t.kind != RedirectTarget::Map)
    return t;
  for (const MapDump &m : r.maps) {
    if (m.name != t.map ||
        (m.type != BPF_MAP_TYPE_DEVMAP && m.type != BPF_MAP_TYPE_DEVMAP_HASH))
      continue;
    Bytes key(4);
    std::memcpy(key.data(), &t.key, 4);
    for (const MapEntry &e : m.entries)
      if (e.key == key && e.value.size() >= 4) {
        RedirectTarget d;
        std::memcpy(&d.ifindex, e.value.data(), 4);
        return d;
      }
  }
  return t;
}

std::string describeTarget(const RunResult &r, const PacketResult &p) {
  std::string s = verdictFileStem(p);
  RedirectTarget d = resolveRedirect(r, *p.out.redirect);
  if (!(d == *p.out.redirect))
    s += fmt::format(" (ifindex {})", d.ifindex);
  return s;
}

} // namespace

std::string firstDifference(const RunResult &a, const RunResult &b, const DiffOptions &opts) {
  const std::string &A = a.engine, &B = b.engine;
  if (a.packets.size() != b.packets.size())
    return fmt::format("packet count: {} {} vs {} {}", A, a.packets.size(), B,
                       b.packets.size());
  for (size_t i = 0; i < a.packets.size(); ++i) {
    const PacketResult &x = a.packets[i], &y = b.packets[i];
    std::string vx = verdictName(x), vy = verdictName(y);
    if (vx != vy)
      return fmt::format("packet {}: verdict: {}={} {}={}", i + 1, A, vx, B, vy);
    if (x.runt)
      continue;
    if (x.out.data != y.out.data)
      return fmt::format("packet {} ({}): output {}\n  {}: {}\n  {}: {}", i + 1, vx,
                         diffBytes(x.out.data, y.out.data), A, describeBytes(x.out.data), B,
                         describeBytes(y.out.data));
    if (x.out.redirect && y.out.redirect && !(*x.out.redirect == *y.out.redirect) &&
        (x.out.redirect->kind == y.out.redirect->kind ||
         !(resolveRedirect(a, *x.out.redirect) == resolveRedirect(b, *y.out.redirect))))
      return fmt::format("packet {}: redirect target: {}={} {}={}", i + 1, A,
                         describeTarget(a, x), B, describeTarget(b, y));
  }
  std::map<std::string, const MapDump *> bm;
  for (const MapDump &m : b.maps)
    bm[m.name] = &m;
  for (const MapDump &m : a.maps) {
    auto it = bm.find(m.name);
    if (it == bm.end())
      return fmt::format("map '{}': dumped by {} but not by {}", m.name, A, B);
    const MapDump &n = *it->second;
    bool keysOnly = std::find(opts.volatileMaps.begin(), opts.volatileMaps.end(), m.name) !=
                    opts.volatileMaps.end();
    size_t k = 0;
    for (; k < m.entries.size() && k < n.entries.size(); ++k) {
      const MapEntry &x = m.entries[k], &y = n.entries[k];
      if (x.key != y.key) {
        bool xFirst = x.key < y.key;
        const MapEntry &only = xFirst ? x : y;
        return fmt::format("map '{}': key {} present only in {}", m.name,
                           describeBytes(only.key), xFirst ? A : B);
      }
      if (!keysOnly && x.value != y.value)
        return fmt::format("map '{}' key {}: value {}\n  {}: {}\n  {}: {}", m.name,
                           describeBytes(x.key), diffBytes(x.value, y.value), A,
                           describeBytes(x.value), B, describeBytes(y.value));
    }
    if (m.entries.size() != n.entries.size()) {
      bool aLonger = m.entries.size() > n.entries.size();
      const MapEntry &extra = aLonger ? m.entries[k] : n.entries[k];
      return fmt::format("map '{}': key {} present only in {}", m.name,
                         describeBytes(extra.key), aLonger ? A : B);
    }
    bm.erase(it);
  }
  if (!bm.empty())
    return fmt::format("map '{}': dumped by {} but not by {}", bm.begin()->first, B, A);
  return "";
}

} // namespace sluice
