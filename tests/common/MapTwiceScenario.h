//===- MapTwiceScenario.h - Host writes between packets of map_twice -------===//
//
// tests/progs/map_twice looks `port_rules` up twice per packet (the first
// lookup reads a replica in another map unit). The scenario loads it on an
// engine and, between four packets from port 1000 to port 80, inserts a
// rule for port 80 the first lookup must see, updates it and adds one for
// port 1000, then deletes port 80's. The model and rtl tests
// (MapSamples.HostWritesReachEveryReplica, Nic.HostWritesToAMapLookedUp...)
// run the same sequence on the engines they compare.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <linux/bpf.h>

#include <vector>

#include "sluice/Engine/Engine.h"
#include "sluice/Object/Object.h"

namespace sluice::test {

/// A `port_rules` key: a port as the program stores it (little-endian).
inline Bytes mapTwicePort(uint16_t p) { return Bytes{uint8_t(p), uint8_t(p >> 8)}; }

/// A `port_rules` value: {u32 action, u32 hits}.
inline Bytes mapTwiceRule(uint32_t action, uint32_t hits) {
  return Bytes{uint8_t(action), uint8_t(action >> 8), uint8_t(action >> 16), uint8_t(action >> 24),
               uint8_t(hits),   uint8_t(hits >> 8),   uint8_t(hits >> 16),   uint8_t(hits >> 24)};
}

struct MapTwiceRun {
  std::vector<uint32_t> verdicts;  ///< the four packets'
  std::vector<MapDump> maps;       ///< the final dump
};

/// The scenario on `e` (map_twice loaded from `obj`).
inline llvm::Expected<MapTwiceRun> mapTwiceScenario(Engine &e, const Object &obj,
                                                    const Program &prog) {
  if (auto err = e.load(obj, prog))
    return std::move(err);
  MapTwiceRun r;
  PacketIn in;  // IPv4 UDP from port 1000 to port 80
  in.data.assign(60, 0);
  in.data[12] = 0x08, in.data[14] = 0x45, in.data[23] = 17;
  in.data[34] = uint8_t(1000 >> 8), in.data[35] = uint8_t(1000 & 0xff), in.data[37] = 80;
  auto step = [&]() -> llvm::Error {
    auto out = e.run(in);
    if (!out)
      return out.takeError();
    r.verdicts.push_back(out->action);
    return llvm::Error::success();
  };
  if (auto err = step())  // both ports miss: pass
    return std::move(err);
  if (auto err = e.mapUpdate("port_rules", mapTwicePort(80), mapTwiceRule(XDP_DROP, 0), BPF_NOEXIST))
    return std::move(err);
  if (auto err = step())  // the first lookup's replica has port 80: drop
    return std::move(err);
  if (auto err = e.mapUpdate("port_rules", mapTwicePort(1000), mapTwiceRule(XDP_PASS, 0), BPF_ANY))
    return std::move(err);
  if (auto err = e.mapUpdate("port_rules", mapTwicePort(80), mapTwiceRule(XDP_PASS, 5), BPF_EXIST))
    return std::move(err);
  if (auto err = step())  // port 80 again, now passing (its hits 5 -> 6)
    return std::move(err);
  if (auto err = e.mapDelete("port_rules", mapTwicePort(80)))
    return std::move(err);
  if (auto err = step())  // the replica misses 80: port 1000 counts
    return std::move(err);
  auto d = e.dumpMaps();
  if (!d)
    return d.takeError();
  r.maps = std::move(*d);
  return r;
}

} // namespace sluice::test
