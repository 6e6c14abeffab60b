//===- Program.cpp - prog load: checks, shadow-bank writes, bank switch ----===//
//
// The loader talks to the device only through the registers of
// hdl/regs/regmap.json (the generated sluice/Sim/Regs.h): what it does here
// a board driver does over BAR0 unchanged.
//
//===----------------------------------------------------------------------===//
#include "sluice/Nic/Nic.h"

#include <filesystem>
#include <fstream>

#include <algorithm>
#include <linux/bpf.h>

#include "sluice/Sim/MapPort.h"
#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Sim/Regs.h"
#include "sluice/Support/Error.h"
#include "sluice/Target/StageImage.h"

namespace sluice::nic {

namespace {
using Clock = std::chrono::steady_clock;


double usSince(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}
uint64_t read64(Device &d, uint32_t lo) {
  uint64_t l = d.read32(lo);  // reading LO latches HI
  return l | uint64_t(d.read32(lo + 4)) << 32;
}
} // namespace

llvm::Expected<DeviceInfo> Nic::probe() {
  std::lock_guard<std::recursive_mutex> g(mu_);
  DeviceInfo i;
  i.id = dev_.read32(regs::ID);
  if (i.id != regs::kMagic)
    return makeError("{}: not a Sluice NIC (ID register 0x{:08x}, expected 0x{:08x})",
                     dev_.name(), i.id, regs::kMagic);
  uint32_t v = dev_.read32(regs::VERSION);
  i.regVersion = v & 0xffff;
  i.isaVersion = v >> 16;
  if (i.regVersion != regs::kVersion)
    return makeError("{}: register map v{}, this driver knows v{}", dev_.name(), i.regVersion,
                     regs::kVersion);
  if (i.isaVersion != isa::kIsaVersion)
    return makeError("{}: the datapath implements stage ISA v{}, this driver v{}", dev_.name(),
                     i.isaVersion, isa::kIsaVersion);
  i.paramHash = read64(dev_, regs::PARAM_HASH_LO);
  i.stages = dev_.read32(regs::STAGES);
  i.lanes = dev_.read32(regs::LANES);
  i.slots = dev_.read32(regs::SLOTS);
  i.extractorEntries = dev_.read32(regs::EXTRACTOR_ENTRIES);
  i.deparserEntries = dev_.read32(regs::DEPARSER_ENTRIES);
  i.windowBytes = dev_.read32(regs::WINDOW_BYTES);
  i.headroomBytes = dev_.read32(regs::HEADROOM_BYTES);
  i.latencyCycles = dev_.read32(regs::LATENCY_CYCLES);
  i.busBits = dev_.read32(regs::BUS_BITS);
  i.bufBeats = dev_.read32(regs::BUF_BEATS);
  i.maxFrameBytes = dev_.read32(regs::MAX_FRAME_BYTES);
  i.clockMhz = dev_.read32(regs::CLOCK_MHZ);
  return i;
}

llvm::Expected<TargetParams> Nic::deviceParams() {
  std::lock_guard<std::recursive_mutex> g(mu_);
  if (params_)
    return *params_;
  auto info = probe();
  if (!info)
    return info.takeError();
  // Candidates: the compiled-in default, the user's files, the source tree's.
  std::vector<std::pair<std::string, TargetParams>> cands;
  cands.emplace_back("<default>", TargetParams::defaults());
  std::vector<std::string> files = opts_.paramFiles;
#ifdef SLUICE_PARAMS_DIR
  std::error_code ec;
  for (auto &e : std::filesystem::directory_iterator(SLUICE_PARAMS_DIR, ec))
    if (e.path().extension() == ".json")
      files.push_back(e.path().string());
#endif
  for (const std::string &f : files) {
    auto p = TargetParams::fromFile(f);
    if (!p)
      return p.takeError();
    cands.emplace_back(f, std::move(*p));
  }
  for (auto &[file, p] : cands) {
    if (p.hash != info->paramHash)
      continue;
    // The same hash: the parameter registers must agree (they come from the
    // same file through sluice-gen; a mismatch is a broken build).
    std::string diff;
    auto check = [&](const char *name, unsigned dev, unsigned want) {
      if (dev != want && diff.empty())
        diff = fmt::format("{}: register {} vs file {}", name, dev, want);
    };
    check("STAGES", info->stages, p.stages);
    check("LANES", info->lanes, p.lanes);
    check("SLOTS", info->slots, p.slots);
    check("EXTRACTOR_ENTRIES", info->extractorEntries, unsigned(p.extractorSlots.size()));
    check("DEPARSER_ENTRIES", info->deparserEntries, p.deparserEntries);
    check("WINDOW_BYTES", info->windowBytes, p.headerWindowBytes);
    check("HEADROOM_BYTES", info->headroomBytes, p.headroomBytes);
    check("LATENCY_CYCLES", info->latencyCycles, p.pipelineLatencyCycles());
    check("BUS_BITS", info->busBits, p.busBits);
    check("CLOCK_MHZ", info->clockMhz, p.clockMhz);
    if (!diff.empty())
      return makeError("{}: parameter hash 0x{:016x} matches {} but the registers differ ({})",
                       dev_.name(), info->paramHash, file, diff);
    params_ = p;
    return p;
  }
  return makeError("{}: datapath parameter hash 0x{:016x} ({} stages, {} lanes, {} slots) is in "
                   "no known parameter file (the default, {} file(s) given or in hdl/params); "
                   "pass the datapath's file with --params",
                   dev_.name(), info->paramHash, info->stages, info->lanes, info->slots,
                   files.size());
}

llvm::Error Nic::waitStatus(uint32_t mask, uint32_t want, const char *what, uint64_t limit) {
  for (uint64_t i = 0; i < limit; ++i) {
    if ((dev_.read32(regs::STATUS) & mask) == want)
      return llvm::Error::success();
    poll();
  }
  return makeError("{}: {} did not happen within {} service rounds (STATUS 0x{:x})", dev_.name(),
                   what, limit, dev_.read32(regs::STATUS));
}

llvm::Expected<LoadReport> Nic::loadImage(const uint8_t *data, size_t size,
                                          std::string_view what) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto t0 = Clock::now();
  auto params = deviceParams();
  if (!params)
    return params.takeError();
  // CRC, format and ISA versions, parameters (naming the first difference)
  // and the ISA's static rules, against the device's parameters.
  auto img = readStageImage(data, size, *params, what);
  if (!img)
    return img.takeError();
  if (img->stages.size() != params->stages || img->extract.size() != params->extractorSlots.size() ||
      img->deparse.size() != params->deparserEntries || img->consts.size() != params->slots)
    return makeError("{}: image shape does not match the device", what);

  LoadReport r;
  r.program = img->name;
  r.source = std::string(what);
  r.paramHash = img->paramHash;
  r.imageBytes = size;
  r.crc = uint32_t(data[24]) | uint32_t(data[25]) << 8 | uint32_t(data[26]) << 16 |
          uint32_t(data[27]) << 24;
  r.checkUs = usSince(t0);

  // The shadow bank may still hold packets of the program before last.
  auto t1 = Clock::now();
  uint64_t c0 = dev_.cycles();
  if (auto e = waitStatus(regs::STATUS_SHADOW_BUSY, 0, "the shadow bank draining"))
    return std::move(e);
  uint32_t status = dev_.read32(regs::STATUS);
  unsigned active = status & regs::STATUS_ACTIVE_BANK ? 1 : 0;
  r.bank = active ^ 1;

  // Program memory, in the order of docs/image-format.md; the driver
  // services the ports every loadBurst writes so traffic keeps flowing.
  uint64_t sinceService = 0;
  auto wr = [&](uint32_t off, uint32_t v) {
    dev_.write32(off, v);
    ++r.regWrites;
    if (++sinceService >= opts_.loadBurst) {
      sinceService = 0;
      poll();
    }
  };
  std::optional<uint32_t> hi;
  auto word = [&](uint64_t w) {
    uint32_t h = uint32_t(w >> 32);
    if (hi != h) {
      wr(regs::PM_DATA_HI, h);
      hi = h;
    }
    wr(regs::PM_DATA_LO, uint32_t(w));
    ++r.words;
  };
  wr(regs::PM_ADDR, 0);
  for (const auto &stage : img->stages)
    for (uint64_t u : stage)
      word(u);
  wr(regs::PM_ADDR, 0x1000);
  for (uint32_t e : img->extract)
    word(e);
  wr(regs::PM_ADDR, 0x2000);
  for (uint32_t e : img->deparse)
    word(e);
  wr(regs::PM_ADDR, 0x3000);
  for (uint32_t c : img->consts)
    word(c);
  // The maps (docs/rtl.md "Map unit"): every map memory cleared, then each
  // map's configuration. Maps are not banked: a program with maps starts
  // with empty maps (global data with its initial value, written through
  // the map port once the program is active).
  auto cfg = sim::mapConfigWords(*img, *params);
  if (!cfg)
    return cfg.takeError();
  if (!img->maps.empty() || !maps_[active].empty()) {
    wr(regs::PM_ADDR, 0x4100);
    word(0);
    auto io = registerIo();
    if (auto e = sim::waitMapStatus(io, regs::MAP_STATUS_CLEARING, 0, "the map memories' clear"))
      return std::move(e);
    for (auto [addr, w] : *cfg) {
      wr(regs::PM_ADDR, addr);
      word(w);
    }
  }
  r.writeUs = usSince(t1);

  // The switch: between two packets, enabling the program if none ran.
  auto t2 = Clock::now();
  uint64_t c1 = dev_.cycles();
  bool enabled = status & regs::STATUS_ENABLED;
  dev_.write32(regs::BANK_SWAP, enabled ? 1 : 3);
  ++r.regWrites;
  uint64_t fedBefore = 0;
  for (auto &p : stats_.ports)
    fedBefore += p.fed;
  if (auto e = waitStatus(regs::STATUS_ACTIVE_BANK | regs::STATUS_ENABLED,
                          (r.bank ? regs::STATUS_ACTIVE_BANK : 0) | regs::STATUS_ENABLED,
                          "the bank switch"))
    return std::move(e);
  r.fedAtSwapWrite = fedBefore;
  r.rxAtSwitch = counter(regs::RX_PKTS_P0) + counter(regs::RX_PKTS_P1);
  r.switchCycles = dev_.cycles() - c1;
  r.cycles = dev_.cycles() - c0;
  r.switchUs = usSince(t2);
  r.totalUs = usSince(t0);
  r.loadedAt = std::chrono::system_clock::now();
  banks_[r.bank] = r;
  maps_[r.bank] = img->maps;
  ++generation_;  // handles to the maps of the program before are stale now
  // Global data cut into slices: the section host-side, its slices from it.
  sections_.clear();
  for (unsigned m = 0; m < img->maps.size(); ++m) {
    if (sectionSlices(img->maps, m).empty())
      continue;
    const ImageMap &im = img->maps[m];
    MapDef def;
    def.name = im.name, def.type = im.type, def.key_size = im.keySize;
    def.value_size = im.valueSize, def.max_entries = im.maxEntries, def.flags = im.flags;
    def.initial = im.initial;
    auto nm = NicMap::create(def, *params);
    if (!nm)
      return nm.takeError();
    sections_.emplace(m, std::move(*nm));
    if (auto e = sectionSync(m))
      return std::move(e);
  }
  // Global data starts with its initial value (.data; .bss is zero anyway).
  for (unsigned m = 0; m < img->maps.size(); ++m) {
    const ImageMap &im = img->maps[m];
    if (im.initial.empty() || im.stage < 0 ||
        std::all_of(im.initial.begin(), im.initial.end(), [](uint8_t b) { return b == 0; }))
      continue;
    auto rc = mapUpdate(m, Bytes(4, 0), im.initial, BPF_ANY);
    if (!rc)
      return rc.takeError();
    if (*rc)
      return makeErrnoError(-*rc, "{}: writing the initial value of '{}' returned {}", what,
                            im.name, *rc);
  }
  return r;
}

llvm::Expected<LoadReport> Nic::loadFile(const std::string &path, const std::string &prog) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("{}: cannot open", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  static const char kMagic[8] = {'S', 'L', 'U', 'I', 'C', 'E', 'I', 'M'};
  if (bytes.size() >= 8 && std::equal(kMagic, kMagic + 8, bytes.begin()))
    return loadImage(bytes.data(), bytes.size(), path);
  if (bytes.size() < 4 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
    return makeError("{}: neither a stage image nor an ELF object", path);
  // An object: compiled for the device's parameters, then loaded as an image.
  auto params = deviceParams();
  if (!params)
    return params.takeError();
  auto obj = Object::open(path);
  if (!obj)
    return obj.takeError();
  const Program *p = obj->findProgram(prog);
  if (!p)
    return makeError("{}: {}", path,
                     prog.empty() ? "has several programs, choose one with --prog"
                                  : fmt::format("no program or section '{}'", prog));
  auto img = compileProgram(*obj, *p, *params);
  if (!img)
    return img.takeError();
  std::vector<uint8_t> image = writeStageImage(*img);
  return loadImage(image.data(), image.size(), path);
}

ProgramInfo Nic::program() {
  std::lock_guard<std::recursive_mutex> g(mu_);
  ProgramInfo pi;
  uint32_t s = dev_.read32(regs::STATUS);
  pi.enabled = s & regs::STATUS_ENABLED;
  pi.activeBank = s & regs::STATUS_ACTIVE_BANK ? 1 : 0;
  if (pi.enabled)
    pi.active = banks_[pi.activeBank];
  return pi;
}

uint64_t Nic::counter(unsigned index) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  return read64(dev_, regs::counterAddr(index));
}

std::vector<CounterValue> Nic::counters() {
  std::lock_guard<std::recursive_mutex> g(mu_);
  std::vector<CounterValue> out;
  for (unsigned i = 0; i < regs::kNumCounters; ++i)
    out.push_back({std::string(regs::kCounterNames[i]), counter(i)});
  return out;
}

} // namespace sluice::nic
