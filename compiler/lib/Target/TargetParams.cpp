//===- TargetParams.cpp - Reading, checking and hashing datapath parameters -===//
//
// A parameter file is strict JSON with every key present: a missing or
// unknown key is an error, so that a hash always covers the whole datapath.
// The canonical text is the parsed object dumped with sorted keys and no
// spaces, without the descriptive "name"; its FNV-1a 64 is the parameter
// hash that stage images, the C++ target and the Verilog header all carry.
// This file must not include generated headers: sluice-gen compiles it.
//
//===----------------------------------------------------------------------===//
#include "sluice/Target/TargetParams.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sluice/Support/Error.h"

namespace sluice {

using nlohmann::json;

uint64_t paramHash(std::string_view canonical) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : canonical) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

namespace {

const std::set<std::string> kTopKeys = {
    "name", "clock_mhz", "bus_bits", "stages", "cycles_per_stage", "parser_cycles",
    "deparser_cycles", "lanes", "lane_bits", "slots", "slot_bits", "read_window_banks",
    "predicates", "header_window_bytes", "headroom_bytes", "max_linear_bytes",
    "extractor_slots", "deparser_entries", "vread", "units", "maps"};

struct Reader {
  std::string what;
  llvm::Error err = llvm::Error::success();
  bool failed = false;
  ~Reader() { llvm::consumeError(std::move(err)); }

  void fail(std::string msg) {
    if (failed)
      return;
    failed = true;
    llvm::consumeError(std::move(err));
    err = makeError("{}: {}", what, msg);
  }
  unsigned num(const json &o, const char *key, const std::string &path, uint64_t lo, uint64_t hi) {
    auto it = o.find(key);
    if (it == o.end()) {
      fail(fmt::format("missing parameter '{}{}'", path, key));
      return 0;
    }
    if (!it->is_number_unsigned()) {
      fail(fmt::format("parameter '{}{}' must be a non-negative integer", path, key));
      return 0;
    }
    uint64_t v = it->get<uint64_t>();
    if (v < lo || v > hi) {
      fail(fmt::format("parameter '{}{}' is {}, it must be in {}..{}", path, key, v, lo, hi));
      return 0;
    }
    return unsigned(v);
  }
  std::vector<unsigned> list(const json &o, const char *key, const std::string &path,
                             uint64_t hi) {
    std::vector<unsigned> out;
    auto it = o.find(key);
    if (it == o.end() || !it->is_array()) {
      fail(fmt::format("parameter '{}{}' must be a list of integers", path, key));
      return out;
    }
    for (auto &v : *it) {
      if (!v.is_number_unsigned() || v.get<uint64_t>() >= hi) {
        fail(fmt::format("parameter '{}{}' has {}, each must be below {}", path, key, v.dump(), hi));
        return out;
      }
      out.push_back(v.get<unsigned>());
    }
    std::set<unsigned> seen(out.begin(), out.end());
    if (seen.size() != out.size())
      fail(fmt::format("parameter '{}{}' lists a value twice", path, key));
    return out;
  }
  void onlyKeys(const json &o, const std::set<std::string> &keys, const std::string &path) {
    for (auto &[k, v] : o.items())
      if (!keys.count(k))
        fail(fmt::format("unknown parameter '{}{}'", path, k));
  }
};

} // namespace

llvm::Expected<TargetParams> TargetParams::fromJson(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return makeError("{}: not a JSON object", what);
  Reader r{std::string(what)};
  TargetParams p;
  r.onlyKeys(j, kTopKeys, "");
  if (!j.contains("name") || !j["name"].is_string())
    r.fail("missing parameter 'name' (a string)");
  else
    p.name = j["name"].get<std::string>();
  p.clockMhz = r.num(j, "clock_mhz", "", 1, 2000);
  p.busBits = r.num(j, "bus_bits", "", 64, 4096);
  // Encoding limits of ISA v1: 5-bit slot fields, 4-bit predicate fields,
  // 3-bit bank indices in deparser entries, 8-bit extractor offsets, 9-bit
  // deparser positions.
  p.stages = r.num(j, "stages", "", 1, 256);
  p.cyclesPerStage = r.num(j, "cycles_per_stage", "", 1, 16);
  p.parserCycles = r.num(j, "parser_cycles", "", 1, 64);
  p.deparserCycles = r.num(j, "deparser_cycles", "", 1, 64);
  p.lanes = r.num(j, "lanes", "", 2, 16);
  p.laneBits = r.num(j, "lane_bits", "", 32, 32);
  p.slots = r.num(j, "slots", "", 2, 32);
  p.slotBits = r.num(j, "slot_bits", "", 32, 32);
  p.predicates = r.num(j, "predicates", "", 2, 16);
  p.headerWindowBytes = r.num(j, "header_window_bytes", "", 16, 256);
  p.headroomBytes = r.num(j, "headroom_bytes", "", 0, 256);
  p.maxLinearBytes = r.num(j, "max_linear_bytes", "", 64, 65535);
  p.deparserEntries = r.num(j, "deparser_entries", "", 0, 64);
  if (!r.failed) {
    p.readWindowBanks = r.num(j, "read_window_banks", "", 1, p.lanes);
    if (p.lanes % 2)
      r.fail(fmt::format("lanes is {}: lanes pair up for 64-bit ops, it must be even", p.lanes));
    if (p.slots % p.lanes || p.slots / p.lanes > 8)
      r.fail(fmt::format("slots ({}) must be a multiple of lanes ({}) with at most 8 slots per bank",
                         p.slots, p.lanes));
    if (p.headerWindowBytes + p.headroomBytes > 512)
      r.fail("header_window_bytes + headroom_bytes must be at most 512 (deparser positions are 9 bits)");
    if (p.headerWindowBytes % 4)
      r.fail("header_window_bytes must be a multiple of 4");
  }
  if (!r.failed)
    p.extractorSlots = r.list(j, "extractor_slots", "", p.slots);
  if (!r.failed && p.extractorSlots.size() > 64)
    r.fail("at most 64 extractor entries");
  if (!r.failed) {
    auto vr = j.find("vread");
    if (vr == j.end() || !vr->is_object()) {
      r.fail("missing parameter 'vread' (an object)");
    } else {
      r.onlyKeys(*vr, {"lane", "stages"}, "vread.");
      p.vreadLane = r.num(*vr, "lane", "vread.", 0, p.lanes - 1);
      p.vreadStages = r.list(*vr, "stages", "vread.", p.stages);
    }
  }
  if (!r.failed) {
    auto us = j.find("units");
    if (us == j.end() || !us->is_object()) {
      r.fail("missing parameter 'units' (an object)");
    } else {
      for (auto &[k, v] : us->items()) {
        if (k != "div" && k != "map" && k != "csum") {
          r.fail(fmt::format("unknown unit 'units.{}' (known: csum, div, map)", k));
          break;
        }
        std::string path = "units." + k + ".";
        if (!v.is_object()) {
          r.fail(fmt::format("parameter 'units.{}' must be an object", k));
          break;
        }
        r.onlyKeys(v, {"lane", "stages", "latency_cycles"}, path);
        UnitParams u;
        u.lane = r.num(v, "lane", path, 0, p.lanes - 1);
        u.stages = r.list(v, "stages", path, p.stages);
        u.latencyCycles = r.num(v, "latency_cycles", path, 1, 4096);
        p.units[k] = u;
      }
    }
  }
  if (!r.failed) {
    auto m = j.find("maps");
    if (m == j.end() || !m->is_object()) {
      r.fail("missing parameter 'maps' (an object)");
    } else {
      r.onlyKeys(*m, {"max_maps", "memory_bytes", "max_key_bytes", "max_value_bytes", "lpm_rows",
                       "lpm_data_bytes", "lpm_value_bytes", "lpm_stages"},
                 "maps.");
      p.maxMaps = r.num(*m, "max_maps", "maps.", 0, 256);
      p.mapMemoryBytes = r.num(*m, "memory_bytes", "maps.", 0, 1u << 31);
      p.maxKeyBytes = r.num(*m, "max_key_bytes", "maps.", 1, 512);
      p.maxValueBytes = r.num(*m, "max_value_bytes", "maps.", 1, 65536);
      p.lpmRows = r.num(*m, "lpm_rows", "maps.", 0, 4096);
      p.lpmDataBytes = r.num(*m, "lpm_data_bytes", "maps.", 1, 32);
      p.lpmValueBytes = r.num(*m, "lpm_value_bytes", "maps.", 1, 256);
      // Which map units have a CAM (each ~39,000 LUTs at the default
      // sizes, docs/benchmarks.md "The LPM CAM"): map stages only.
      p.lpmStages = r.list(*m, "lpm_stages", "maps.", p.stages);
      const UnitParams *mu = p.unit("map");
      for (unsigned s : p.lpmStages)
        if (!mu || std::find(mu->stages.begin(), mu->stages.end(), s) == mu->stages.end()) {
          r.fail(fmt::format("parameter 'maps.lpm_stages' has stage {}, which has no map unit "
                             "(units.map.stages)",
                             s));
          break;
        }
    }
  }
  if (r.failed)
    return std::move(r.err);
  json canon = j;
  canon.erase("name");
  p.canonical = canon.dump();
  p.hash = paramHash(p.canonical);
  return p;
}

llvm::Expected<TargetParams> TargetParams::fromFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("{}: cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return fromJson(ss.str(), path);
}

bool TargetParams::laneReads(unsigned lane, unsigned slot) const {
  if (slot >= slots)
    return false;
  unsigned b = bankOf(slot);
  unsigned rel = (b + lanes - lane) % lanes;
  return rel < readWindowBanks;
}

bool TargetParams::hasVread(unsigned stage, unsigned lane) const {
  return lane == vreadLane &&
         std::find(vreadStages.begin(), vreadStages.end(), stage) != vreadStages.end();
}

const UnitParams *TargetParams::unit(const std::string &n) const {
  auto it = units.find(n);
  return it == units.end() ? nullptr : &it->second;
}

bool TargetParams::hasUnit(const std::string &n, unsigned stage, unsigned lane) const {
  const UnitParams *u = unit(n);
  return u && u->lane == lane &&
         std::find(u->stages.begin(), u->stages.end(), stage) != u->stages.end();
}

bool TargetParams::hasLpmCam(unsigned stage) const {
  return lpmRows > 0 && std::find(lpmStages.begin(), lpmStages.end(), stage) != lpmStages.end();
}

unsigned TargetParams::unitLatencyStages(const std::string &n) const {
  const UnitParams *u = unit(n);
  if (!u)
    return 1;
  return std::max(1u, (u->latencyCycles + cyclesPerStage - 1) / cyclesPerStage);
}

namespace {
// Depth-first walk of two JSON values in key order; the first leaf that
// differs (or a key present on one side only) names the difference.
bool firstDiff(const json &a, const json &b, const std::string &path, std::string &out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto &[k, v] : a.items())
      keys.insert(k);
    for (auto &[k, v] : b.items())
      keys.insert(k);
    for (auto &k : keys) {
      std::string sub = path.empty() ? k : path + "." + k;
      if (!a.contains(k) || !b.contains(k)) {
        out = fmt::format("{}: {} vs {}", sub, a.contains(k) ? a[k].dump() : "absent",
                          b.contains(k) ? b[k].dump() : "absent");
        return true;
      }
      if (firstDiff(a[k], b[k], sub, out))
        return true;
    }
    return false;
  }
  if (a != b) {
    out = fmt::format("{}: {} vs {}", path, a.dump(), b.dump());
    return true;
  }
  return false;
}
} // namespace

std::string firstParamDifference(std::string_view canonicalA, std::string_view canonicalB) {
  json a = json::parse(canonicalA, nullptr, false);
  json b = json::parse(canonicalB, nullptr, false);
  if (a.is_discarded() || b.is_discarded())
    return "";
  std::string out;
  firstDiff(a, b, "", out);
  return out;
}

} // namespace sluice
