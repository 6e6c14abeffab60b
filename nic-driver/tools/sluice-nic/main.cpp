//===- sluice-nic - the NIC's command line, in the style of bpftool --------===//
//
//   sluice-nic [-j] [--device sim] [--params FILE] prog load FILE [--prog P]
//   sluice-nic [-j] ... prog show [--image FILE]
//   sluice-nic [-j] ... stats [--image FILE] [--pcap IN]
//   sluice-nic [-j] ... run --image FILE --pcap IN [--pcap1 IN] [--repeat N]
//                           [--out-dir D] [--swap FILE --swap-after N]
//   sluice-nic [-j] ... map show|dump MAP|lookup MAP --key HEX|update MAP --key HEX
//                           --value HEX [--flags any|noexist|exist]|delete MAP --key HEX
//                           --image FILE [--map-init FILE] [--pcap IN] [--pcap1 IN]
//
// The simulated NIC lives in this process, so every invocation starts a
// fresh device: commands that need state take it on their command line
// (--image loads a program first, --pcap runs traffic through the network
// ports and the host queue's DPDK port before the command reports). A board
// backend would keep its state across invocations (docs/nic-driver.md).
// Errors: "sluice-nic: error: ..." on stderr, exit code 2.
//
//===----------------------------------------------------------------------===//
#include <CLI/CLI.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <linux/bpf.h>
#include <iostream>

#include "sluice/Engine/MapInit.h"
#include "sluice/Engine/Run.h"
#include "sluice/Nic/Eal.h"
#include "sluice/Nic/Mbuf.h"
#include "sluice/Nic/Nic.h"
#include "sluice/Nic/SimDevice.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Support/Error.h"
#include "sluice/Support/Pcap.h"

using namespace sluice;
using namespace sluice::nic;
using json = nlohmann::json;

namespace {

int fail(llvm::Error e) {
  fmt::print(stderr, "sluice-nic: error: {}\n", llvm::toString(std::move(e)));
  return 2;
}

struct Options {
  bool json = false;
  std::string device = "sim", paramsFile;
  std::string file, prog, image, pcap, pcap1, outDir, swap;
  uint64_t swapAfter = 0;
  unsigned repeat = 1;
  std::string mapInit, map, key, value, flags = "any";
};

/// "0a 00 00 05", "0a000005" or "0x0a000005": bytes in order.
llvm::Expected<Bytes> parseHexBytes(std::string_view what, std::string text) {
  if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0)
    text = text.substr(2);
  std::string digits;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)))
      continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return makeErrnoError(EINVAL, "{} '{}': not hex bytes (e.g. \"0a 00 00 05\")", what, text);
    digits += c;
  }
  if (digits.empty() || digits.size() % 2)
    return makeErrnoError(EINVAL, "{} '{}': {} hex digits, not whole bytes", what, text,
                          digits.size());
  Bytes out;
  for (size_t i = 0; i < digits.size(); i += 2)
    out.push_back(uint8_t(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

std::string hexOf(const Bytes &b) {
  std::string s;
  for (size_t i = 0; i < b.size(); ++i)
    s += fmt::format("{}{:02x}", i ? " " : "", b[i]);
  return s;
}

json mapsJson(const std::vector<ImageMap> &maps) {
  json a = json::array();
  for (unsigned i = 0; i < maps.size(); ++i)
    a.push_back({{"id", i}, {"name", maps[i].name}, {"type", mapTypeName(maps[i].type)},
                 {"key_size", maps[i].keySize}, {"value_size", maps[i].valueSize},
                 {"max_entries", maps[i].maxEntries}});
  return a;
}

json loadJson(const LoadReport &r) {
  return {{"name", r.program},
          {"source", r.source},
          {"param_hash", fmt::format("0x{:016x}", r.paramHash)},
          {"crc", fmt::format("0x{:08x}", r.crc)},
          {"bytes", r.imageBytes},
          {"bank", r.bank},
          {"pm_words", r.words},
          {"reg_writes", r.regWrites},
          {"load_cycles", r.cycles},
          {"switch_cycles", r.switchCycles},
          {"load_us", r.totalUs},
          {"check_us", r.checkUs},
          {"write_us", r.writeUs},
          {"switch_us", r.switchUs},
          {"loaded_at", fmt::format("{:%FT%TZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(r.loadedAt)))}};
}

void printLoad(const LoadReport &r) {
  fmt::print("loaded {} ({}) into bank {}: {} bytes, crc 0x{:08x}, params 0x{:016x}\n", r.program,
             r.source, r.bank, r.imageBytes, r.crc, r.paramHash);
  fmt::print("  {} program-memory words in {} register writes; load {:.1f} us (checks {:.1f}, "
             "writes {:.1f}, switch {:.1f}); {} device cycles, switch {} cycles\n",
             r.words, r.regWrites, r.totalUs, r.checkUs, r.writeUs, r.switchUs, r.cycles,
             r.switchCycles);
}

json progJson(const ProgramInfo &pi) {
  json j = {{"enabled", pi.enabled}, {"active_bank", pi.activeBank}};
  if (pi.active)
    j["program"] = loadJson(*pi.active);
  else
    j["program"] = nullptr;
  return j;
}

void printProg(const ProgramInfo &pi, const DeviceInfo &di) {
  if (!pi.enabled) {
    fmt::print("no program: every frame goes to the host queue (bank {} active)\n", pi.activeBank);
  } else if (!pi.active) {
    fmt::print("bank {} enabled, holding a program this driver did not load\n", pi.activeBank);
  } else {
    const LoadReport &r = *pi.active;
    fmt::print("{}: xdp  name {}  crc 0x{:08x}  bank {}\n", pi.activeBank, r.program, r.crc,
               pi.activeBank);
    fmt::print("\tloaded_at {:%FT%TZ}  from {}  {} bytes  load_time {:.1f}us\n",
               fmt::gmtime(std::chrono::system_clock::to_time_t(r.loadedAt)), r.source,
               r.imageBytes, r.totalUs);
  }
  fmt::print("\tdevice: params 0x{:016x}  {} stages x {} lanes  window {} B  latency {} cycles  "
             "{} MHz\n",
             di.paramHash, di.stages, di.lanes, di.windowBytes, di.latencyCycles, di.clockMhz);
}

/// The device's counters grouped as `stats` shows them.
json statsJson(Nic &nic, const DeviceInfo &di) {
  std::map<std::string, uint64_t> c;
  for (auto &cv : nic.counters())
    c[cv.name] = cv.value;
  json ports = json::array();
  for (unsigned p = 0; p < 2; ++p) {
    std::string s = std::to_string(p);
    const DriverStats::Port &d = nic.stats().ports[p];
    ports.push_back({{"port", p},
                     {"rx_packets", c["RX_PKTS_P" + s]},
                     {"rx_bytes", c["RX_BYTES_P" + s]},
                     {"tx_packets", c["TX_PKTS_P" + s]},
                     {"tx_bytes", c["TX_BYTES_P" + s]},
                     {"driver_fed", d.fed},
                     {"driver_egress", d.egress}});
  }
  json verdicts = {{"XDP_ABORTED", c["VERDICT_ABORTED"]}, {"XDP_DROP", c["VERDICT_DROP"]},
                   {"XDP_PASS", c["VERDICT_PASS"]},       {"XDP_TX", c["VERDICT_TX"]},
                   {"XDP_REDIRECT", c["VERDICT_REDIRECT"]}, {"other", c["VERDICT_OTHER"]}};
  json drops = {{"aborted", c["VERDICT_ABORTED"]},       {"faults", c["FAULTS"]},
                {"drop", c["VERDICT_DROP"]},             {"other_verdict", c["VERDICT_OTHER"]},
                {"redirect_unknown", c["DROP_REDIRECT_UNKNOWN"]},
                {"runt", c["DROP_RUNT"]},                {"oversize", c["DROP_OVERSIZE"]}};
  rte_eth_stats es{};
  rte_eth_stats_get(nic.hostPortId(), &es);
  json host = {{"ethdev_port", nic.hostPortId()},
               {"to_host_packets", c["HOST_OUT_PKTS"]},
               {"to_host_bytes", c["HOST_OUT_BYTES"]},
               {"from_host_packets", c["HOST_IN_PKTS"]},
               {"ethdev_ipackets", es.ipackets},
               {"ethdev_opackets", es.opackets}};
  ProgramInfo pi = nic.program();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - nic.openedAt()).count();
  uint64_t cycles = nic.uptimeCycles();
  return {{"ports", ports},
          {"verdicts", verdicts},
          {"drops", drops},
          {"host_queue", host},
          {"stalls", {{"pipeline_cycles", c["PIPE_STALL_CYCLES"]},
                      {"ingress_cycles", c["INGRESS_STALL_CYCLES"]}}},
          {"program", pi.active ? json(pi.active->program) : json(nullptr)},
          {"uptime", {{"wall_s", secs}, {"device_cycles", cycles},
                      {"device_us", di.clockMhz ? double(cycles) / di.clockMhz : 0.0}}}};
}

void printStats(const json &s) {
  fmt::print("program: {}\n", s["program"].is_null() ? "(none: every frame to the host)"
                                                     : s["program"].get<std::string>());
  fmt::print("uptime: {:.3f} s wall, {} device cycles ({:.1f} us at the device clock)\n",
             s["uptime"]["wall_s"].get<double>(), s["uptime"]["device_cycles"].get<uint64_t>(),
             s["uptime"]["device_us"].get<double>());
  fmt::print("\n{:<6} {:>10} {:>12} {:>10} {:>12}\n", "port", "rx pkts", "rx bytes", "tx pkts",
             "tx bytes");
  for (auto &p : s["ports"])
    fmt::print("{:<6} {:>10} {:>12} {:>10} {:>12}\n", p["port"].get<int>(),
               p["rx_packets"].get<uint64_t>(), p["rx_bytes"].get<uint64_t>(),
               p["tx_packets"].get<uint64_t>(), p["tx_bytes"].get<uint64_t>());
  auto &h = s["host_queue"];
  fmt::print("{:<6} {:>10} {:>12} {:>10} {:>12}   (ethdev port {})\n", "host",
             h["to_host_packets"].get<uint64_t>(), h["to_host_bytes"].get<uint64_t>(),
             h["from_host_packets"].get<uint64_t>(), "", h["ethdev_port"].get<int>());
  fmt::print("\nverdicts:");
  for (auto &[k, v] : s["verdicts"].items())
    fmt::print("  {} {}", k, v.get<uint64_t>());
  fmt::print("\ndrops:   ");
  for (auto &[k, v] : s["drops"].items())
    fmt::print("  {} {}", k, v.get<uint64_t>());
  fmt::print("\nstalls:   pipeline {} cycles, ingress {} cycles\n",
             s["stalls"]["pipeline_cycles"].get<uint64_t>(),
             s["stalls"]["ingress_cycles"].get<uint64_t>());
}

struct Session {
  std::unique_ptr<Device> dev;
  std::unique_ptr<Nic> nic;
  DeviceInfo info;
};

llvm::Expected<Session> openSession(const Options &o) {
  Session s;
  auto dev = openDevice(o.device, o.paramsFile);
  if (!dev)
    return dev.takeError();
  s.dev = std::move(*dev);
  NicOptions no;
  if (!o.paramsFile.empty())
    no.paramFiles.push_back(o.paramsFile);
  auto nic = Nic::open(*s.dev, no);
  if (!nic)
    return nic.takeError();
  s.nic = std::move(*nic);
  auto info = s.nic->probe();
  if (!info)
    return info.takeError();
  s.info = *info;
  return std::move(s);
}

/// Runs the pcaps through the network ports; the host queue's frames are
/// received by rte_eth_rx_burst on the DPDK port (into pass.pcap), each
/// port's egress goes to portN.pcap (with --out-dir). Optionally swaps to
/// another program after `swapAfter` frames were fed.
llvm::Error runTraffic(Session &s, const Options &o, std::optional<LoadReport> *swapped) {
  Nic &nic = *s.nic;
  std::unique_ptr<PcapWriter> pass;
  if (!o.outDir.empty()) {
    std::filesystem::create_directories(o.outDir);
    auto w = PcapWriter::create(o.outDir + "/pass.pcap");
    if (!w)
      return w.takeError();
    pass = std::move(*w);
    for (unsigned p = 0; p < 2; ++p) {
      auto sink = pcapSink(fmt::format("{}/port{}.pcap", o.outDir, p));
      if (!sink)
        return sink.takeError();
      nic.setSink(p, *sink);
    }
  }
  const std::string *ins[2] = {&o.pcap, &o.pcap1};
  for (unsigned p = 0; p < 2; ++p)
    if (!ins[p]->empty()) {
      auto src = pcapSource(*ins[p], o.repeat);
      if (!src)
        return src.takeError();
      nic.setSource(p, *src);
    }
  auto app = [&] {
    rte_mbuf *bufs[32];
    uint16_t n = rte_eth_rx_burst(nic.hostPortId(), 0, bufs, 32);
    for (uint16_t i = 0; i < n; ++i) {
      if (pass) {
        PcapPacket pk;
        pk.data = bytesFromMbuf(bufs[i]);
        pk.orig_len = uint32_t(pk.data.size());
        pass->write(pk);
      }
      rte_pktmbuf_free(bufs[i]);
    }
    return n;
  };
  // Until the swap (if any) the loop is explicit, then drain() finishes.
  for (bool swapDone = o.swap.empty(); !swapDone;) {
    unsigned moved = nic.poll() + app();
    uint64_t fed = nic.stats().ports[0].fed + nic.stats().ports[1].fed;
    bool ended = moved == 0 && !nic.holding() && s.dev->idle();  // fewer frames than --swap-after
    if (fed >= o.swapAfter || ended) {
      auto r = nic.loadFile(o.swap, o.prog);
      if (!r)
        return r.takeError();
      *swapped = *r;
      swapDone = true;
    }
  }
  if (!nic.drain(app))
    return makeError("the NIC did not drain");
  return llvm::Error::success();
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"sluice-nic: the Sluice NIC's host driver (simulated NIC in this process)"};
  app.require_subcommand(1);
  Options o;
  app.add_flag("-j,--json", o.json, "JSON output");
  app.add_option("--device", o.device, "the NIC: sim (the Verilated datapath in this process)")
      ->capture_default_str();
  app.add_option("--params", o.paramsFile,
                 "datapath parameter file (default: hdl/params/default.json)");

  auto *prog = app.add_subcommand("prog", "programs");
  prog->require_subcommand(1);
  auto *load = prog->add_subcommand("load", "load a stage image (.slc) or an object (compiled "
                                             "for the device), hitless");
  load->add_option("file", o.file, "stage image or BPF object")->required();
  load->add_option("--prog", o.prog, "program of the object (function or section name)");
  load->add_option("--pcap", o.pcap, "then run these frames in on port 0");
  load->add_option("--out-dir", o.outDir, "write pass.pcap, port0.pcap, port1.pcap here");
  auto *show = prog->add_subcommand("show", "the program the NIC runs");
  show->add_option("--image", o.image, "load this image or object first");
  auto *stats = app.add_subcommand("stats", "counters: per port, per verdict, drops by reason, "
                                            "host queue, program, uptime");
  stats->add_option("--image", o.image, "load this image or object first");
  stats->add_option("--pcap", o.pcap, "run these frames in on port 0 first");
  stats->add_option("--pcap1", o.pcap1, "and these on port 1");
  auto *run = app.add_subcommand("run", "load a program, run pcaps through the NIC, report");
  run->add_option("--image", o.image, "stage image or object")->required();
  run->add_option("--prog", o.prog, "program of the object");
  run->add_option("--pcap", o.pcap, "frames into port 0")->required();
  run->add_option("--pcap1", o.pcap1, "frames into port 1");
  run->add_option("--out-dir", o.outDir, "write pass.pcap, port0.pcap, port1.pcap here");
  run->add_option("--repeat", o.repeat, "feed the pcaps this many times over")->capture_default_str();
  run->add_option("--swap", o.swap, "load this program while the traffic flows ...");
  run->add_option("--swap-after", o.swapAfter, "... once this many frames were fed");
  auto *mapc = app.add_subcommand("map", "the loaded program's maps, through the NIC's map port "
                                          "(after --image, --map-init and the --pcap traffic)");
  mapc->require_subcommand(1);
  auto *mshow = mapc->add_subcommand("show", "the maps: id, name, type, sizes");
  auto *mdump = mapc->add_subcommand("dump", "every entry of a map, in the NIC's walk order");
  auto *mlookup = mapc->add_subcommand("lookup", "one entry");
  auto *mupdate = mapc->add_subcommand("update", "create or change an entry");
  auto *mdelete = mapc->add_subcommand("delete", "delete an entry");
  for (CLI::App *c : {mshow, mdump, mlookup, mupdate, mdelete}) {
    c->add_option("--image", o.image, "load this image or object first")->required();
    c->add_option("--prog", o.prog, "program of the object");
    c->add_option("--map-init", o.mapInit, "then fill maps from this file (sluice run's format)");
    c->add_option("--pcap", o.pcap, "then run these frames in on port 0");
    c->add_option("--pcap1", o.pcap1, "and these on port 1");
    c->add_option("--repeat", o.repeat, "feed the pcaps this many times over");
    if (c != mshow)
      c->add_option("map", o.map, "map name")->required();
    if (c == mlookup || c == mupdate || c == mdelete)
      c->add_option("--key", o.key, "key bytes in hex, e.g. \"0a 00 00 05\"")->required();
  }
  mupdate->add_option("--value", o.value, "value bytes in hex")->required();
  mupdate->add_option("--flags", o.flags, "any, noexist or exist (BPF_ANY, ...)")
      ->check(CLI::IsMember({"any", "noexist", "exist"}))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto s = openSession(o);
  if (!s)
    return fail(s.takeError());
  Nic &nic = *s->nic;
  json out;

  if (load->parsed()) {
    auto r = nic.loadFile(o.file, o.prog);
    if (!r)
      return fail(r.takeError());
    if (!o.pcap.empty())
      if (auto e = runTraffic(*s, o, nullptr))
        return fail(std::move(e));
    if (o.json) {
      out = loadJson(*r);
      if (!o.pcap.empty())
        out["stats"] = statsJson(nic, s->info);
    } else {
      printLoad(*r);
      if (!o.pcap.empty())
        printStats(statsJson(nic, s->info));
    }
  } else if (show->parsed()) {
    if (!o.image.empty())
      if (auto r = nic.loadFile(o.image, o.prog); !r)
        return fail(r.takeError());
    ProgramInfo pi = nic.program();
    if (o.json)
      out = progJson(pi);
    else
      printProg(pi, s->info);
  } else if (stats->parsed() || run->parsed()) {
    std::optional<LoadReport> first, swapped;
    if (!o.image.empty()) {
      auto r = nic.loadFile(o.image, o.prog);
      if (!r)
        return fail(r.takeError());
      first = *r;
    }
    if (!o.pcap.empty() || !o.pcap1.empty())
      if (auto e = runTraffic(*s, o, &swapped))
        return fail(std::move(e));
    json st = statsJson(nic, s->info);
    if (o.json) {
      out = st;
      if (first)
        out["load"] = loadJson(*first);
      if (swapped) {
        out["swap"] = loadJson(*swapped);
        out["swap"]["fed_at_swap_write"] = swapped->fedAtSwapWrite;
        out["swap"]["device_rx_at_switch"] = swapped->rxAtSwitch;
      }
    } else {
      if (first)
        printLoad(*first);
      if (swapped) {
        printLoad(*swapped);
        fmt::print("  BANK_SWAP written after {} frames were fed; the device had received {} when "
                   "the new bank showed\n", swapped->fedAtSwapWrite, swapped->rxAtSwitch);
      }
      printStats(st);
      if (!o.outDir.empty())
        fmt::print("\noutputs in {}: pass.pcap (host queue, received on the DPDK port), "
                   "port0.pcap, port1.pcap\n", o.outDir);
    }
  } else if (mapc->parsed()) {
    if (auto r = nic.loadFile(o.image, o.prog); !r)
      return fail(r.takeError());
    if (!o.mapInit.empty()) {
      // The file names maps and checks sizes against the loaded program's maps.
      Object defs;
      for (const ImageMap &m : nic.maps())
        defs.maps.push_back({.name = m.name, .type = m.type, .key_size = m.keySize,
                             .value_size = m.valueSize, .max_entries = m.maxEntries});
      auto entries = parseMapInit(o.mapInit, defs);
      if (!entries)
        return fail(entries.takeError());
      for (const MapInitEntry &e : *entries) {
        auto id = nic.mapIndex(e.map);
        if (!id)
          return fail(id.takeError());
        auto rc = nic.mapUpdate(*id, e.key, e.value, e.flags);
        if (!rc)
          return fail(rc.takeError());
        if (*rc)
          return fail(makeErrnoError(-*rc, "{}: map '{}' key {}: update returned {} ({})",
                                     o.mapInit, e.map, hexOf(e.key), *rc, std::strerror(-*rc)));
      }
    }
    if (!o.pcap.empty() || !o.pcap1.empty())
      if (auto e = runTraffic(*s, o, nullptr))
        return fail(std::move(e));
    if (mshow->parsed()) {
      out = mapsJson(nic.maps());
      if (!o.json)
        for (auto &m : out)
          fmt::print("{}: {}  name {}  key {}B  value {}B  max_entries {}\n", m["id"].get<int>(),
                     m["type"].get<std::string>(), m["name"].get<std::string>(),
                     m["key_size"].get<int>(), m["value_size"].get<int>(),
                     m["max_entries"].get<int>());
    } else {
      auto id = nic.mapIndex(o.map);
      if (!id)
        return fail(id.takeError());
      Bytes key;
      if (!mdump->parsed()) {
        auto k = parseHexBytes("--key", o.key);
        if (!k)
          return fail(k.takeError());
        key = *k;
      }
      if (mdump->parsed()) {
        auto d = nic.mapDump(*id);
        if (!d)
          return fail(d.takeError());
        out = json::array();
        for (auto &e : *d)
          out.push_back({{"key", hexOf(e.key)}, {"value", hexOf(e.value)}});
        if (!o.json) {
          for (auto &e : *d)
            fmt::print("key: {}  value: {}\n", hexOf(e.key), hexOf(e.value));
          fmt::print("Found {} element{}\n", d->size(), d->size() == 1 ? "" : "s");
        }
      } else if (mlookup->parsed()) {
        auto v = nic.mapLookup(*id, key);
        if (!v)
          return fail(v.takeError());
        if (!*v)
          return fail(makeErrnoError(ENOENT, "map '{}': key {}: not found", o.map, hexOf(key)));
        out = {{"key", hexOf(key)}, {"value", hexOf(**v)}};
        if (!o.json)
          fmt::print("key: {}  value: {}\n", hexOf(key), hexOf(**v));
      } else {
        llvm::Expected<int> rc = 0;
        if (mupdate->parsed()) {
          auto v = parseHexBytes("--value", o.value);
          if (!v)
            return fail(v.takeError());
          uint64_t flags = o.flags == "noexist" ? BPF_NOEXIST : o.flags == "exist" ? BPF_EXIST : BPF_ANY;
          rc = nic.mapUpdate(*id, key, *v, flags);
        } else {
          rc = nic.mapDelete(*id, key);
        }
        if (!rc)
          return fail(rc.takeError());
        if (*rc)
          return fail(makeErrnoError(-*rc, "map '{}': key {}: {} returned {} ({})", o.map,
                                     hexOf(key), mupdate->parsed() ? "update" : "delete", *rc,
                                     std::strerror(-*rc)));
        out = {{"key", hexOf(key)}, {"result", 0}};
      }
    }
  }
  if (o.json)
    std::cout << out.dump(2) << "\n";
  return 0;
}
