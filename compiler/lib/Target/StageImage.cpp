//===- StageImage.cpp - Writing, reading and checking stage images ---------===//
//
// The container (header, sections, CRC) and the static ISA rules that the
// reader enforces before any engine or the NIC's loader sees an image. The
// rules are those of docs/stage-isa.md; each refusal is one line naming the
// stage, the lane and what is wrong.
//
// (Compiled only once sluice-gen's headers are on the include path, i.e.
// once compiler/CMakeLists.txt adds the isa subdirectory.)
//
//===----------------------------------------------------------------------===//
#include "sluice/Target/StageImage.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sluice/Maps/NicMaps.h"
#include "sluice/Support/Error.h"

namespace sluice {

using nlohmann::json;
using isa::Op;

namespace {
constexpr char kMagic[8] = {'S', 'L', 'U', 'I', 'C', 'E', 'I', 'M'};
constexpr size_t kHeaderBytes = 32;
enum SectionId : uint32_t {
  SecParams = 1, SecExtract = 2, SecStages = 3, SecDeparse = 4, SecConsts = 5, SecMeta = 6,
  SecMaps = 7,
};
constexpr uint32_t kSections = 7;
constexpr size_t kMapRecordBytes = 40;  // before the initial bytes

void put16(std::vector<uint8_t> &b, uint16_t v) {
  b.push_back(uint8_t(v));
  b.push_back(uint8_t(v >> 8));
}
void put32(std::vector<uint8_t> &b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(uint8_t(v >> (8 * i)));
}
void put64(std::vector<uint8_t> &b, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b.push_back(uint8_t(v >> (8 * i)));
}
uint32_t get32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint64_t get64(const uint8_t *p) { return uint64_t(get32(p)) | uint64_t(get32(p + 4)) << 32; }

void section(std::vector<uint8_t> &out, uint32_t id, const std::vector<uint8_t> &payload) {
  put32(out, id);
  put32(out, uint32_t(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  while (out.size() % 4)
    out.push_back(0);
}

std::vector<uint8_t> words32(const std::vector<uint32_t> &w) {
  std::vector<uint8_t> b;
  put32(b, uint32_t(w.size()));
  for (uint32_t x : w)
    put32(b, x);
  return b;
}

// MAPS: u32 count, then per map: id, type, key_size, value_size,
// max_entries, flags (u32), stage (i32, -1 unbound), u64 offset, u32 number
// of initial bytes (0 or value_size), then those bytes padded to 4.
std::vector<uint8_t> mapsPayload(const StageImage &img) {
  std::vector<uint8_t> b;
  put32(b, uint32_t(img.maps.size()));
  for (size_t i = 0; i < img.maps.size(); ++i) {
    const ImageMap &m = img.maps[i];
    for (uint32_t v : {uint32_t(i), m.type, m.keySize, m.valueSize, m.maxEntries, m.flags,
                       uint32_t(m.stage)})
      put32(b, v);
    put64(b, m.offset);
    put32(b, uint32_t(m.initial.size()));
    b.insert(b.end(), m.initial.begin(), m.initial.end());
    while (b.size() % 4)
      b.push_back(0);
  }
  return b;
}

std::string metaJson(const StageImage &img) {
  json j;
  j["name"] = img.name;
  j["maps"] = json::array();
  for (auto &m : img.maps) {
    j["maps"].push_back({{"name", m.name}, {"type", m.type}, {"key_size", m.keySize},
                         {"value_size", m.valueSize}, {"max_entries", m.maxEntries}});
    if (m.replicaOf >= 0)
      j["maps"].back()["replica_of"] = m.replicaOf;
    if (m.sliceOf >= 0)
      j["maps"].back()["slice_of"] = m.sliceOf, j["maps"].back()["slice_offset"] = m.sliceOffset;
  }
  j["lines"] = json::array();
  for (auto &l : img.lines)
    j["lines"].push_back(json::array({l.stage, l.lane, l.insn, l.file, l.line}));
  return j.dump();
}
} // namespace

uint32_t crc32(const uint8_t *data, size_t size, uint32_t crc) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < size; ++i)
    crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

isa::Uop encodeMapLookup(const MapLookupOp &m) {
  isa::Uop u;
  u.op = unsigned(Op::MAPLK);
  u.a = m.key, u.b = m.insertValue, u.dst = m.dst, u.p = m.found, u.g = m.g, u.gn = m.gn;
  u.imm = (m.map & 7) | uint32_t(m.insertOnMiss) << 3 | (m.readMask & 15) << 4 | (m.w0 & 255) << 8;
  return u;
}

MapLookupOp decodeMapLookup(const isa::Uop &u) {
  MapLookupOp m;
  m.map = u.imm & 7, m.insertOnMiss = (u.imm >> 3) & 1, m.readMask = (u.imm >> 4) & 15;
  m.w0 = (u.imm >> 8) & 255, m.key = u.a, m.insertValue = u.b, m.dst = u.dst, m.found = u.p;
  m.g = u.g, m.gn = u.gn;
  return m;
}

isa::Uop encodeMapAtom(const MapRmw &r0, const MapRmw &r1) {
  isa::Uop u;
  u.op = unsigned(Op::MAPATOM);
  u.p = uint32_t(r0.op) & 7, u.w = r0.wide, u.a = r0.word, u.b = r0.operand, u.g = r0.g, u.gn = r0.gn;
  if (r1.en)
    u.imm = 1 | uint32_t(r1.wide) << 1 | (uint32_t(r1.op) & 7) << 2 | (r1.word & 31) << 5 |
            (r1.operand & 31) << 10 | (r1.g & 15) << 15 | (r1.gn & 1) << 19;
  return u;
}

MapRmw decodeMapAtomR0(const isa::Uop &u) {
  MapRmw r;
  r.en = true, r.wide = u.w, r.op = MapRmwOp(u.p & 7), r.word = u.a, r.operand = u.b;
  r.g = u.g, r.gn = u.gn;
  return r;
}

MapRmw decodeMapAtomR1(const isa::Uop &u) {
  MapRmw r;
  r.en = u.imm & 1, r.wide = (u.imm >> 1) & 1, r.op = MapRmwOp((u.imm >> 2) & 7);
  r.word = (u.imm >> 5) & 31, r.operand = (u.imm >> 10) & 31, r.g = (u.imm >> 15) & 15;
  r.gn = (u.imm >> 19) & 1;
  return r;
}

isa::Uop encodeMapUpdate(unsigned map, unsigned key, unsigned value, unsigned flags, unsigned dst,
                         unsigned g, unsigned gn) {
  isa::Uop u;
  u.op = unsigned(Op::MAPUPD);
  u.a = key, u.b = value, u.dst = dst, u.g = g, u.gn = gn;
  u.imm = (map & 7) | (flags & 3) << 4;
  return u;
}

isa::Uop encodeMapDelete(unsigned map, unsigned key, unsigned dst, unsigned g, unsigned gn) {
  isa::Uop u;
  u.op = unsigned(Op::MAPDEL);
  u.a = key, u.dst = dst, u.g = g, u.gn = gn;
  u.imm = map & 7;
  return u;
}

StageImage StageImage::empty(const TargetParams &p) {
  StageImage img;
  img.paramHash = p.hash;
  img.paramsCanonical = p.canonical;
  img.extract.assign(p.extractorSlots.size(), 0);
  img.stages.assign(p.stages, std::vector<uint64_t>(p.lanes, 0));
  img.deparse.assign(p.deparserEntries, 0);
  img.consts.assign(p.slots, 0);
  return img;
}

std::vector<uint8_t> writeStageImage(const StageImage &img) {
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  put16(out, kImageFormatVersion);
  put16(out, uint16_t(img.isaVersion));
  put32(out, 0);  // total length, below
  put64(out, img.paramHash);
  put32(out, 0);  // CRC, below
  put32(out, kSections);
  section(out, SecParams, std::vector<uint8_t>(img.paramsCanonical.begin(), img.paramsCanonical.end()));
  section(out, SecExtract, words32(img.extract));
  std::vector<uint8_t> st;
  put32(st, uint32_t(img.stages.size()));
  put32(st, img.stages.empty() ? 0 : uint32_t(img.stages[0].size()));
  for (auto &s : img.stages)
    for (uint64_t w : s)
      put64(st, w);
  section(out, SecStages, st);
  section(out, SecDeparse, words32(img.deparse));
  section(out, SecConsts, words32(img.consts));
  std::string meta = metaJson(img);
  section(out, SecMeta, std::vector<uint8_t>(meta.begin(), meta.end()));
  section(out, SecMaps, mapsPayload(img));
  uint32_t len = uint32_t(out.size());
  std::memcpy(&out[12], &len, 4);  // little-endian host (x86-64, as the whole project)
  uint32_t c = crc32(out.data(), out.size());
  std::memcpy(&out[24], &c, 4);
  return out;
}

llvm::Error writeStageImageFile(const StageImage &img, const std::string &path) {
  auto bytes = writeStageImage(img);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
  if (!out)
    return makeError("{}: cannot write", path);
  return llvm::Error::success();
}

namespace {
llvm::Error readWords32(const uint8_t *p, uint32_t len, std::vector<uint32_t> &out,
                        std::string_view what, const char *name) {
  if (len < 4 || (len - 4) / 4 < get32(p) || len != 4 + 4 * get32(p))
    return makeError("{}: malformed {} section", what, name);
  uint32_t n = get32(p);
  out.resize(n);
  for (uint32_t i = 0; i < n; ++i)
    out[i] = get32(p + 4 + 4 * i);
  return llvm::Error::success();
}
} // namespace

llvm::Expected<StageImage> readStageImage(const uint8_t *data, size_t size,
                                          const TargetParams &target, std::string_view what) {
  if (size >= 8 && std::memcmp(data, kMagic, 8) != 0)
    return makeError("{}: not a Sluice stage image (bad magic)", what);
  if (size < kHeaderBytes)
    return makeError("{}: truncated stage image ({} bytes, the header alone is {})", what, size,
                     kHeaderBytes);
  uint16_t format = uint16_t(data[8] | data[9] << 8);
  uint16_t isaVersion = uint16_t(data[10] | data[11] << 8);
  uint32_t len = get32(data + 12);
  uint64_t hash = get64(data + 16);
  uint32_t storedCrc = get32(data + 24);
  uint32_t nsec = get32(data + 28);
  if (size < len)
    return makeError("{}: truncated stage image ({} bytes, its header says {})", what, size, len);
  if (size > len || len < kHeaderBytes)
    return makeError("{}: malformed stage image ({} bytes, its header says {})", what, size, len);
  std::vector<uint8_t> copy(data, data + size);
  std::memset(&copy[24], 0, 4);
  uint32_t crc = crc32(copy.data(), copy.size());
  if (crc != storedCrc)
    return makeError("{}: corrupted stage image (CRC mismatch: stored 0x{:08x}, computed 0x{:08x})",
                     what, storedCrc, crc);
  if (format != kImageFormatVersion)
    return makeError("{}: stage image format v{}, this build reads v{}", what, format,
                     kImageFormatVersion);
  if (isaVersion != isa::kIsaVersion)
    return makeError("{}: built for stage ISA v{}, this build implements v{}", what, isaVersion,
                     isa::kIsaVersion);

  StageImage img;
  img.isaVersion = isaVersion;
  img.paramHash = hash;
  bool seen[kSections + 1] = {};
  const uint8_t *mapsData = nullptr;
  uint32_t mapsLen = 0;
  size_t off = kHeaderBytes;
  for (uint32_t i = 0; i < nsec; ++i) {
    if (off + 8 > size)
      return makeError("{}: malformed stage image (section {} runs past the end)", what, i);
    uint32_t id = get32(data + off), slen = get32(data + off + 4);
    const uint8_t *p = data + off + 8;
    if (slen > size - off - 8)
      return makeError("{}: malformed stage image (section {} runs past the end)", what, i);
    off += 8 + ((size_t(slen) + 3) & ~size_t(3));
    if (id >= 1 && id <= kSections) {
      if (seen[id])
        return makeError("{}: malformed stage image (section {} twice)", what, id);
      seen[id] = true;
    }
    switch (id) {
    case SecParams:
      img.paramsCanonical.assign(reinterpret_cast<const char *>(p), slen);
      break;
    case SecExtract:
      if (auto e = readWords32(p, slen, img.extract, what, "extractor"))
        return std::move(e);
      break;
    case SecDeparse:
      if (auto e = readWords32(p, slen, img.deparse, what, "deparser"))
        return std::move(e);
      break;
    case SecConsts:
      if (auto e = readWords32(p, slen, img.consts, what, "constants"))
        return std::move(e);
      break;
    case SecStages: {
      if (slen < 8)
        return makeError("{}: malformed stages section", what);
      uint32_t ns = get32(p), nl = get32(p + 4);
      if (uint64_t(ns) * nl * 8 + 8 != slen)
        return makeError("{}: malformed stages section ({} stages x {} lanes in {} bytes)", what, ns,
                         nl, slen);
      img.stages.assign(ns, std::vector<uint64_t>(nl));
      for (uint32_t s = 0; s < ns; ++s)
        for (uint32_t l = 0; l < nl; ++l)
          img.stages[s][l] = get64(p + 8 + 8 * (size_t(s) * nl + l));
      break;
    }
    case SecMeta: {
      json j = json::parse(p, p + slen, nullptr, false);
      try {
        if (j.is_discarded())
          throw std::runtime_error("not JSON");
        img.name = j.at("name").get<std::string>();
        for (auto &m : j.at("maps")) {
          ImageMap im;
          im.name = m.at("name").get<std::string>();
          im.type = m.at("type"), im.keySize = m.at("key_size"), im.valueSize = m.at("value_size");
          im.maxEntries = m.at("max_entries");
          im.replicaOf = m.value("replica_of", -1);
          im.sliceOf = m.value("slice_of", -1);
          im.sliceOffset = m.value("slice_offset", 0u);
          img.maps.push_back(std::move(im));
        }
        for (auto &l : j.at("lines"))
          img.lines.push_back({l.at(0), l.at(1), l.at(2), l.at(3), l.at(4)});
      } catch (const std::exception &) {
        return makeError("{}: malformed metadata section", what);
      }
      break;
    }
    case SecMaps:
      mapsData = p, mapsLen = slen;
      break;
    default:
      break;  // unknown sections are skipped: later formats may add some
    }
  }
  for (uint32_t id = 1; id <= kSections; ++id)
    if (!seen[id])
      return makeError("{}: malformed stage image (section {} missing)", what, id);
  // MAPS after META: the names come from META, the rest must agree.
  {
    auto bad = [&](const std::string &why) {
      return makeError("{}: malformed MAPS section ({})", what, why);
    };
    if (mapsLen < 4)
      return bad("shorter than its count");
    uint32_t n = get32(mapsData);
    if (n != img.maps.size())
      return bad(fmt::format("{} maps, the metadata lists {}", n, img.maps.size()));
    size_t at = 4;
    for (uint32_t i = 0; i < n; ++i) {
      if (mapsLen - at < kMapRecordBytes)
        return bad(fmt::format("map {} runs past the end", i));
      const uint8_t *r = mapsData + at;
      ImageMap &m = img.maps[i];
      if (get32(r) != i)
        return bad(fmt::format("map {} has id {}", i, get32(r)));
      if (get32(r + 4) != m.type || get32(r + 8) != m.keySize || get32(r + 12) != m.valueSize ||
          get32(r + 16) != m.maxEntries)
        return bad(fmt::format("map {} ('{}') differs from the metadata", i, m.name));
      m.flags = get32(r + 20);
      m.stage = int32_t(get32(r + 24));
      m.offset = get64(r + 28);
      uint32_t ni = get32(r + 36);
      at += kMapRecordBytes;
      if (ni != 0 && ni != m.valueSize)
        return bad(fmt::format("map {} ('{}') has {} initial bytes, its value is {}", i, m.name,
                               ni, m.valueSize));
      if (mapsLen - at < ((size_t(ni) + 3) & ~size_t(3)))
        return bad(fmt::format("map {} runs past the end", i));
      m.initial.assign(mapsData + at, mapsData + at + ni);
      at += (size_t(ni) + 3) & ~size_t(3);
    }
    if (at != mapsLen)
      return bad(fmt::format("{} bytes after the last map", mapsLen - at));
  }
  if (hash != target.hash) {
    std::string diff = firstParamDifference(img.paramsCanonical, target.canonical);
    return makeError("{}: built for datapath parameters 0x{:016x}, this datapath has 0x{:016x}{}",
                     what, hash, target.hash,
                     diff.empty() ? std::string() : " (first difference: " + diff + ")");
  }
  if (paramHash(img.paramsCanonical) != hash)
    return makeError("{}: malformed stage image (its parameter text does not match its hash)", what);
  if (auto e = verifyStageImage(img, target))
    return makeError("{}: {}", what, llvm::toString(std::move(e)));
  return img;
}

llvm::Expected<StageImage> readStageImageFile(const std::string &path, const TargetParams &target) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("{}: cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return readStageImage(reinterpret_cast<const uint8_t *>(s.data()), s.size(), target, path);
}

//===----------------------------------------------------------------------===//
// The static rules
//===----------------------------------------------------------------------===//

namespace {

bool usesA(Op op) {
  switch (op) {
  case Op::NOP: case Op::MOV: case Op::PAIR: case Op::SETV: case Op::REDIR:
  case Op::ADJH: case Op::ADJT: case Op::PLUT:
    return false;
  default:
    return true;
  }
}

bool usesB(Op op) {
  switch (op) {
  case Op::NOP: case Op::PAIR: case Op::NEG: case Op::BSWAP16: case Op::BSWAP32:
  case Op::SEXT8: case Op::SEXT16: case Op::SEXT32: case Op::VLD: case Op::PLUT:
    return false;
  default:
    return true;
  }
}

struct Writers {
  // target name -> lane that writes it in the current stage
  std::map<std::string, std::string> byTarget;
  std::string conflict;
  void add(const std::string &target, const std::string &who) {
    auto [it, fresh] = byTarget.emplace(target, who);
    if (!fresh && conflict.empty())
      conflict = fmt::format("{} and {} both write {}", it->second, who, target);
  }
};

bool isMapOp(Op op) {
  return op == Op::MAPLK || op == Op::MAPUPD || op == Op::MAPDEL || op == Op::MAPATOM;
}

std::string stageList(const std::vector<unsigned> &v) {
  std::string o;
  for (unsigned s : v)
    o += (o.empty() ? "" : ", ") + std::to_string(s);
  return o.empty() ? "none" : o;
}

unsigned words(uint32_t bytes) { return (bytes + 3) / 4; }

/// The map rules of one map op in stage s, lane l (docs/maps-design.md).
llvm::Error checkMapOp(const StageImage &img, const TargetParams &t, unsigned s, unsigned l,
                       const isa::Uop &u, std::vector<Writers> &writers) {
  Op op = Op(u.op);
  const isa::OpInfo *info = isa::opInfo(u.op);
  auto where = [&] { return fmt::format("stage {} lane {}", s, l); };
  const UnitParams *unit = t.unit("map");
  if (!unit || std::find(unit->stages.begin(), unit->stages.end(), s) == unit->stages.end())
    return makeError("{}: {} needs a map stage, which this stage is not (map stages: {})", where(),
                     info->name, stageList(unit ? unit->stages : std::vector<unsigned>{}));
  const unsigned mapLane = unit->lane, bank = t.bankSlots();
  if (op == Op::MAPATOM ? l != mapLane + 1 : l != mapLane)
    return makeError("{}: {} stands in lane {} (the map lane is {}{})", where(), info->name,
                     op == Op::MAPATOM ? mapLane + 1 : mapLane, mapLane,
                     op == Op::MAPATOM ? ", MAPATOM its pair lane" : "");
  if (u.g >= t.predicates)
    return makeError("{}: guard p{} does not exist (the datapath has {} predicates)", where(), u.g,
                     t.predicates);
  if (u.bi)
    return makeError("{}: {} has no immediate operand B", where(), info->name);
  if (u.w && op != Op::MAPATOM)
    return makeError("{}: {} has no 64-bit form", where(), info->name);
  unsigned lat = t.unitLatencyStages("map");
  if (s + lat > t.stages)
    return makeError("{}: {} result would arrive after the last stage ({} stages of latency)",
                     where(), info->name, lat);
  const unsigned land = s + lat - 1;
  std::string who = fmt::format("the map unit issued in stage {}", s);
  auto window = [&](const char *what, unsigned first, unsigned n) -> llvm::Error {
    for (unsigned i = 0; i < n; ++i)
      if (first + i >= t.slots || !t.laneReads(mapLane, first + i))
        return makeError("{}: {} {} slots {}..{} are outside the map lane's read window", where(),
                         info->name, what, first, first + n - 1);
    return llvm::Error::success();
  };
  auto dstSlot = [&](const char *what, unsigned slot) -> llvm::Error {
    if (slot >= t.slots || !t.laneWrites(mapLane, slot))
      return makeError("{}: {} {} slot {} is outside the map lane's bank (slots {}..{})", where(),
                       info->name, what, slot, mapLane * bank, mapLane * bank + bank - 1);
    return llvm::Error::success();
  };

  // The head op (or, for MAPATOM, the MAPLK beside it) names the map.
  isa::Uop head = op == Op::MAPATOM ? img.uop(s, mapLane) : u;
  if (op == Op::MAPATOM && Op(head.op) != Op::MAPLK)
    return makeError("{}: MAPATOM without a MAPLK beside it in lane {}", where(), mapLane);
  unsigned id = head.imm & 7;
  if (id >= img.maps.size())
    return makeError("{}: {} on map {}, which does not exist (the image has {} maps)", where(),
                     info->name, id, img.maps.size());
  const ImageMap &m = img.maps[id];
  if (m.stage != int32_t(s))
    return makeError("{}: {} on map {} ('{}') in stage {}, but the map is {}", where(), info->name,
                     id, m.name, s,
                     m.stage < 0 ? std::string("bound to no stage")
                                 : fmt::format("bound to stage {}", m.stage));
  const bool hash = m.type == 1 /* HASH */ || m.type == 5 /* PERCPU_HASH */ ||
                    m.type == 9 /* LRU_HASH */ || m.type == 10 /* LRU_PERCPU_HASH */;
  const unsigned vwords = words(m.valueSize);
  if (m.type == BPF_MAP_TYPE_LPM_TRIE && op != Op::MAPLK)
    return makeError("{}: {} on map {} ('{}'), an LPM trie: the datapath only looks LPM tries up",
                     where(), info->name, id, m.name);
  if ((m.type == BPF_MAP_TYPE_DEVMAP || m.type == BPF_MAP_TYPE_DEVMAP_HASH) &&
      op != Op::MAPLK)
    return makeError("{}: {} on map {} ('{}'), a devmap: the datapath only reads devmaps "
                     "(bpf_redirect_map)",
                     where(), info->name, id, m.name);

  if (op == Op::MAPATOM) {
    MapRmw rmw[2] = {decodeMapAtomR0(u), decodeMapAtomR1(u)};
    if (u.p > 7)
      return makeError("{}: MAPATOM R0 op {} does not exist", where(), u.p);
    if (u.dst)
      return makeError("{}: MAPATOM writes no slot (dst must be 0)", where());
    if (u.imm >> 20)
      return makeError("{}: MAPATOM imm bits 31:20 must be 0", where());
    for (unsigned k = 0; k < 2; ++k) {
      const MapRmw &r = rmw[k];
      if (!r.en)
        continue;
      if (unsigned(r.op) > unsigned(MapRmwOp::Xchg))
        return makeError("{}: MAPATOM R{} op {} does not exist (0 add, 1 or, 2 and, 3 xor, 4 xchg)",
                         where(), k, unsigned(r.op));
      if (r.g >= t.predicates)
        return makeError("{}: MAPATOM R{} guard p{} does not exist", where(), k, r.g);
      if (r.word + (r.wide ? 2 : 1) > vwords)
        return makeError("{}: MAPATOM R{} {}-bit RMW on value word {} is outside the value of map "
                         "{} ('{}', {} bytes)", where(), k, r.wide ? 64 : 32, r.word, id, m.name,
                         m.valueSize);
      if (auto e = window(k ? "R1 operand" : "R0 operand", r.operand, 1))
        return e;
      if (r.wide)
        if (auto e = window(k ? "R1 operand high" : "R0 operand high", r.operand + bank, 1))
          return e;
    }
    return llvm::Error::success();
  }

  if (auto e = window("key", u.a, words(m.keySize)))
    return e;
  if (op == Op::MAPLK) {
    MapLookupOp lk = decodeMapLookup(u);
    if (u.imm >> 16)
      return makeError("{}: MAPLK imm bits 31:16 must be 0", where());
    if (lk.insertOnMiss) {
      if (!hash)
        return makeError("{}: MAPLK inserts on a miss into map {} ('{}'), which is not a hash map",
                         where(), id, m.name);
      if (auto e = window("inserted value", lk.insertValue, vwords))
        return e;
    }
    for (unsigned k = 0; k < 4; ++k) {
      if (!((lk.readMask >> k) & 1))
        continue;
      unsigned slot = lk.dst + (k >= 2 ? 1 : 0);
      if (auto e = dstSlot("read word", slot))
        return e;
      writers[land].add(fmt::format("slot {}", slot + (k & 1 ? bank : 0)), who);
    }
    if (lk.found) {
      if (lk.found >= t.predicates)
        return makeError("{}: MAPLK writes p{}, which is not a predicate of this datapath", where(),
                         lk.found);
      writers[land].add(fmt::format("predicate p{}", lk.found), who);
    }
    return llvm::Error::success();
  }
  if (u.p)
    return makeError("{}: {} writes no predicate (p must be 0)", where(), info->name);
  if (op == Op::MAPUPD) {
    unsigned flags = (u.imm >> 4) & 3;
    if (flags == 3 || (u.imm & ~0x37u))
      return makeError("{}: MAPUPD imm 0x{:x}: flags 3 and bits other than 2:0 and 5:4 are illegal",
                       where(), u.imm);
    if (auto e = window("value", u.b, vwords))
      return e;
  } else if (u.imm & ~7u) {
    return makeError("{}: MAPDEL imm 0x{:x}: only bits 2:0 (the map id) may be set", where(), u.imm);
  }
  if (auto e = dstSlot("return code", u.dst))
    return e;
  writers[land].add(fmt::format("slot {}", u.dst), who);
  return llvm::Error::success();
}

/// Each bound map in a map stage, inside that stage's memory, overlapping no
/// other map of the stage; map ids are 3 bits.
llvm::Error checkMapPlacement(const StageImage &img, const TargetParams &t) {
  const UnitParams *unit = t.unit("map");
  const uint64_t stageBytes = mapStageMemoryBytes(t);
  std::map<int32_t, std::vector<std::pair<uint64_t, uint64_t>>> used;
  for (size_t i = 0; i < img.maps.size(); ++i) {
    const ImageMap &m = img.maps[i];
    if (m.stage < 0) {
      if (m.stage != -1 || m.offset)
        return makeError("map {} ('{}'): an unbound map has stage -1 and offset 0", i, m.name);
      continue;
    }
    if (i > 7)
      return makeError("map {} ('{}') is bound to stage {}, but map ops name maps 0..7", i, m.name,
                       m.stage);
    if (!unit || std::find(unit->stages.begin(), unit->stages.end(), unsigned(m.stage)) ==
                     unit->stages.end())
      return makeError("map {} ('{}') is bound to stage {}, which has no map unit (map stages: {})",
                       i, m.name, m.stage, stageList(unit ? unit->stages : std::vector<unsigned>{}));
    if (m.replicaOf >= 0) {
      // a replica: of an earlier map of the object, with its definition
      const ImageMap *o = size_t(m.replicaOf) < i ? &img.maps[size_t(m.replicaOf)] : nullptr;
      if (!o || o->replicaOf >= 0 || o->name != m.name || o->type != m.type ||
          o->keySize != m.keySize || o->valueSize != m.valueSize ||
          o->maxEntries != m.maxEntries || o->flags != m.flags || !m.initial.empty())
        return makeError("map {} ('{}') is a replica of map {}, which is not an earlier map of "
                         "the same definition",
                         i, m.name, m.replicaOf);
      if (o->stage == m.stage)
        return makeError("map {} ('{}') is a replica of map {} in the same stage {}", i, m.name,
                         m.replicaOf, m.stage);
    }
    if (m.sliceOf >= 0) {
      // a slice of global data: an array over an earlier, unbound section
      const ImageMap *o = size_t(m.sliceOf) < i ? &img.maps[size_t(m.sliceOf)] : nullptr;
      if (!o || o->replicaOf >= 0 || o->sliceOf >= 0 || o->stage >= 0 || o->type != 2 ||
          o->maxEntries != 1 || o->initial.size() != o->valueSize || m.type != 2 ||
          m.keySize != 4 || m.replicaOf >= 0 || !m.initial.empty() || !m.valueSize ||
          uint64_t(m.sliceOffset) + uint64_t(m.valueSize) * m.maxEntries >
              uint64_t(o->valueSize) + 3)
        return makeError("map {} ('{}') is a slice of map {}, which is not an earlier unbound "
                         "global-data map holding its bytes",
                         i, m.name, m.sliceOf);
    }
    MapDef def;
    def.name = m.name, def.type = m.type, def.key_size = m.keySize, def.value_size = m.valueSize;
    def.max_entries = m.maxEntries, def.flags = m.flags;
    if (auto e = checkDatapathMapType(m.name, m.type))
      return e;
    if (auto e = checkLpmCam(def, t))
      return e;
    if (m.type == BPF_MAP_TYPE_LPM_TRIE && !t.hasLpmCam(unsigned(m.stage)))
      return makeError("map {} ('{}') is an LPM trie bound to stage {}, whose map unit has no LPM "
                       "CAM (maps.lpm_stages: {})",
                       i, m.name, m.stage, stageList(t.lpmStages));
    if (m.type == BPF_MAP_TYPE_LPM_TRIE)
      for (size_t j = 0; j < i; ++j)
        if (img.maps[j].type == BPF_MAP_TYPE_LPM_TRIE && img.maps[j].stage == m.stage)
          return makeError("maps {} ('{}') and {} ('{}') are LPM tries bound to stage {}: a map "
                           "unit's CAM holds one",
                           j, img.maps[j].name, i, m.name, m.stage);
    auto layout = nicMapLayout(def, t);
    if (!layout)
      return layout.takeError();
    if (m.offset > stageBytes || layout->bytes > stageBytes - m.offset)
      return makeError("map {} ('{}'): bytes {}..{} are outside stage {}'s {}-byte map memory", i,
                       m.name, m.offset, m.offset + layout->bytes - 1, m.stage, stageBytes);
    for (auto [from, to] : used[m.stage])
      if (m.offset < to && from < m.offset + layout->bytes)
        return makeError("map {} ('{}') overlaps another map in stage {}'s map memory", i, m.name,
                         m.stage);
    used[m.stage].push_back({m.offset, m.offset + layout->bytes});
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error verifyStageImage(const StageImage &img, const TargetParams &t) {
  if (img.stages.size() != t.stages || (t.stages && img.stages[0].size() != t.lanes))
    return makeError("the image has {} stages x {} lanes, the datapath {} x {}", img.stages.size(),
                     img.stages.empty() ? 0 : img.stages[0].size(), t.stages, t.lanes);
  for (auto &s : img.stages)
    if (s.size() != t.lanes)
      return makeError("a stage of the image does not have {} lanes", t.lanes);
  if (img.extract.size() != t.extractorSlots.size())
    return makeError("the image has {} extractor entries, the datapath {}", img.extract.size(),
                     t.extractorSlots.size());
  if (img.deparse.size() != t.deparserEntries)
    return makeError("the image has {} deparser entries, the datapath {}", img.deparse.size(),
                     t.deparserEntries);
  if (img.consts.size() != t.slots)
    return makeError("the image has {} constants, the datapath {} slots", img.consts.size(), t.slots);

  if (auto e = checkMapPlacement(img, t))
    return e;

  const unsigned bank = t.bankSlots();
  // Unit results land in later stages: writers[s] collects them ahead.
  std::vector<Writers> writers(t.stages);
  for (unsigned s = 0; s < t.stages; ++s) {
    for (unsigned l = 0; l < t.lanes; ++l) {
      isa::Uop u = img.uop(s, l);
      auto where = [&] { return fmt::format("stage {} lane {}", s, l); };
      const isa::OpInfo *info = isa::opInfo(u.op);
      if (!info)
        return makeError("{}: undefined opcode {}", where(), u.op);
      Op op = Op(u.op);
      if (info->reserved)
        return makeError("{}: {} is reserved in stage ISA v{} (its unit arrives later)", where(),
                         info->name, isa::kIsaVersion);
      if (op == Op::NOP) {
        if (img.stages[s][l] != 0)
          return makeError("{}: a NOP must be the all-zero word", where());
        continue;
      }
      if (isMapOp(op)) {
        if (auto e = checkMapOp(img, t, s, l, u, writers))
          return e;
        continue;
      }
      if (op == Op::PAIR) {
        if (l % 2 == 0 || img.uop(s, l - 1).w != 1)
          return makeError("{}: PAIR without a 64-bit op in lane {}", where(), l % 2 ? l - 1 : l);
        if (isa::encode(u) >> 6 != uint64_t(u.imm) << 26)
          return makeError("{}: PAIR may only set its imm", where());
        continue;
      }
      if (u.w) {
        if (l % 2)
          return makeError("{}: a 64-bit op must stand in an even lane", where());
        if (info->w == isa::WMode::No)
          return makeError("{}: {} has no 64-bit form", where(), info->name);
        if (Op(img.uop(s, l + 1).op) != Op::PAIR)
          return makeError("{}: 64-bit {} needs PAIR in lane {}", where(), info->name, l + 1);
      } else if (info->w == isa::WMode::Only) {
        return makeError("{}: {} exists only as a 64-bit op", where(), info->name);
      }
      if (u.g >= t.predicates)
        return makeError("{}: guard p{} does not exist (the datapath has {} predicates)", where(),
                         u.g, t.predicates);
      // Operands.
      auto checkRead = [&](const char *name, unsigned slot) -> llvm::Error {
        if (slot >= t.slots)
          return makeError("{}: operand {} slot {} does not exist", where(), name, slot);
        if (u.w ? t.bankOf(slot) != l : !t.laneReads(l, slot))
          return makeError("{}: operand {} slot {} is outside the lane's read window{}", where(),
                           name, slot, u.w ? " (64-bit ops read their own bank)" : "");
        return llvm::Error::success();
      };
      if (op == Op::PLUT) {
        if ((u.a & 15) >= t.predicates || (u.b & 15) >= t.predicates)
          return makeError("{}: PLUT reads a predicate that does not exist", where());
      } else {
        if (usesA(op))
          if (auto e = checkRead("A", u.a))
            return e;
        if (usesB(op) && !u.bi)
          if (auto e = checkRead("B", u.b))
            return e;
      }
      std::string who = fmt::format("lane {} ({})", l, info->name);
      // Class-specific rules and the targets written.
      std::string writes = info->writes;
      unsigned writeStage = s;
      if (info->cls == isa::OpClass::Unit) {
        if (!t.hasUnit(info->unit, s, l))
          return makeError("{}: {} needs the {} unit, which this stage lacks (it is in lane {} of "
                           "other stages)", where(), info->name, info->unit,
                           t.unit(info->unit) ? t.unit(info->unit)->lane : 0);
        unsigned lat = t.unitLatencyStages(info->unit);
        if (s + lat > t.stages)
          return makeError("{}: {} result would arrive after the last stage ({} stages of latency)",
                           where(), info->name, lat);
        writeStage = s + lat - 1;
        who = fmt::format("the {} unit issued in stage {}", info->unit, s);
      }
      if (op == Op::VLD) {
        if (!t.hasVread(s, l))
          return makeError("{}: VLD needs a variable read port, which this lane and stage lack", where());
        if (u.w ? u.p != 3 : u.p > 2)
          return makeError("{}: VLD size code {} is not allowed{}", where(), u.p,
                           u.w ? " (64-bit loads use 3)" : "");
      }
      if (writes == "slot" || writes == "slot+adjust") {
        if (u.dst >= t.slots || !t.laneWrites(l, u.dst))
          return makeError("{}: destination slot {} is outside the lane's bank (slots {}..{})",
                           where(), u.dst, l * bank, l * bank + bank - 1);
        writers[writeStage].add(fmt::format("slot {}", u.dst), who);
        if (u.w)
          writers[writeStage].add(fmt::format("slot {}", u.dst + bank), who);
      }
      if (writes == "pred") {
        if (u.p == 0 || u.p >= t.predicates)
          return makeError("{}: {} writes p{}, which is {}", where(), info->name, u.p,
                           u.p == 0 ? "constant true" : "not a predicate of this datapath");
        writers[s].add(fmt::format("predicate p{}", u.p), who);
      }
      if (op == Op::SEL && u.p >= t.predicates)
        return makeError("{}: SEL reads p{}, which does not exist", where(), u.p);
      if (writes == "verdict")
        writers[s].add("the verdict", who);
      if (writes == "redirect")
        writers[s].add("the redirect target", who);
      if (writes == "slot+adjust")
        writers[s].add("the adjust state", who);
    }
    if (!writers[s].conflict.empty())
      return makeError("stage {}: {}", s, writers[s].conflict);
  }

  for (unsigned e = 0; e < img.extract.size(); ++e) {
    isa::Extract x = isa::decodeExtract(img.extract[e]);
    if (!x.en) {
      if (img.extract[e])
        return makeError("extractor entry {}: a disabled entry must be the all-zero word", e);
      continue;
    }
    if (x.src == 0) {
      unsigned bytes = 1u << x.size;
      if (x.size > 2)
        return makeError("extractor entry {}: size code {} is not 1, 2 or 4 bytes", e, x.size);
      if (x.off + bytes > t.headerWindowBytes)
        return makeError("extractor entry {}: bytes {}..{} are outside the {}-byte header window", e,
                         x.off, x.off + bytes - 1, t.headerWindowBytes);
    } else if (x.src == 1) {
      if (x.off > 6)
        return makeError("extractor entry {}: metadata word {} does not exist", e, x.off);
    } else {
      return makeError("extractor entry {}: source {} does not exist", e, x.src);
    }
  }
  for (unsigned e = 0; e < img.deparse.size(); ++e) {
    isa::Deparse d = isa::decodeDeparse(img.deparse[e]);
    if (!d.en) {
      if (img.deparse[e])
        return makeError("deparser entry {}: a disabled entry must be the all-zero word", e);
      continue;
    }
    if (d.size > 2)
      return makeError("deparser entry {}: size code {} is not 1, 2 or 4 bytes", e, d.size);
    if (d.src >= bank || (d.based && d.base >= bank))
      return makeError("deparser entry {}: slot index beyond the bank's {} slots", e, bank);
    if (d.g >= t.predicates)
      return makeError("deparser entry {}: guard p{} does not exist", e, d.g);
    if (!d.based && d.pos + (1u << d.size) > t.headroomBytes + t.headerWindowBytes)
      return makeError("deparser entry {}: position {} + {} bytes is outside headroom and window "
                       "({} bytes)", e, d.pos, 1u << d.size, t.headroomBytes + t.headerWindowBytes);
  }
  for (auto &line : img.lines)
    if (line.stage >= t.stages || line.lane >= t.lanes)
      return makeError("source line {}:{} is attached to stage {} lane {}, which does not exist",
                       line.file, line.line, line.stage, line.lane);
  return llvm::Error::success();
}

} // namespace sluice

namespace sluice {

std::vector<SliceEntry> sectionSlices(const std::vector<ImageMap> &maps, unsigned section) {
  std::vector<SliceEntry> out;
  if (section >= maps.size())
    return out;
  const uint32_t size = maps[section].valueSize;
  for (unsigned i = 0; i < maps.size(); ++i) {
    const ImageMap &m = maps[i];
    if (m.sliceOf != int32_t(section))
      continue;
    for (uint32_t k = 0; k < m.maxEntries; ++k) {
      uint64_t off = uint64_t(m.sliceOffset) + uint64_t(k) * m.valueSize;
      if (off >= size)
        break;
      out.push_back({i, k, uint32_t(off), uint32_t(std::min<uint64_t>(m.valueSize, size - off))});
    }
  }
  return out;
}

std::vector<uint8_t> sliceValue(const std::vector<ImageMap> &maps, const SliceEntry &e,
                                const std::vector<uint8_t> &section) {
  std::vector<uint8_t> v(maps[e.map].valueSize, 0);
  for (uint32_t b = 0; b < e.bytes && e.offset + b < section.size(); ++b)
    v[b] = section[e.offset + b];
  return v;
}

} // namespace sluice
