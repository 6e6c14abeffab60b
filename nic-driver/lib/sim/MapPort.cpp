//===- MapPort.cpp - One host map operation through the registers ---------===//
//
// The register sequence of the host map port (docs/registers.md MAP_*):
// wait until MAP_STATUS.BUSY is 0, write the key (and value) words into the
// MAP_KEY / MAP_VALUE windows and MAP_ARG, write MAP_CMD, then service the
// NIC until MAP_STATUS.DONE and read MAP_RC, FOUND and the result windows.
// The operation travels the pipeline as a bubble between two packets, so
// the driver keeps servicing the ports while it waits: the pipeline must
// not stall on a full host queue.
//
//===----------------------------------------------------------------------===//
#include "sluice/Nic/Nic.h"

#include <linux/bpf.h>

#include "sluice/Sim/Regs.h"
#include "sluice/Support/Error.h"

namespace sluice::nic {

namespace {
enum PortOp : uint32_t { kLookup = 0, kUpdate = 1, kDelete = 2, kReadWay = 3 };

void writeWords(Device &dev, uint32_t base, const Bytes &bytes) {
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t w = 0;
    for (size_t b = 0; b < 4 && i + b < bytes.size(); ++b)
      w |= uint32_t(bytes[i + b]) << (8 * b);
    dev.write32(base + uint32_t(i), w);
  }
}

Bytes readWords(Device &dev, uint32_t base, size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; i += 4) {
    uint32_t w = dev.read32(base + uint32_t(i));
    for (size_t b = 0; b < 4 && i + b < n; ++b)
      out[i + b] = uint8_t(w >> (8 * b));
  }
  return out;
}
} // namespace

llvm::Expected<Nic::PortResult> Nic::mapPortOp(unsigned map, uint32_t op, uint32_t flags,
                                               const Bytes *key, const Bytes *value,
                                               uint32_t arg, bool wantKey, bool wantValue) {
  const ImageMap &m = maps()[map];
  if (auto e = waitMapPort(regs::MAP_STATUS_BUSY, 0, "the map port to be free"))
    return std::move(e);
  if (key)
    writeWords(dev_, regs::MAP_KEY, *key);
  if (value)
    writeWords(dev_, regs::MAP_VALUE, *value);
  if (op == kReadWay)
    dev_.write32(regs::MAP_ARG, arg);
  dev_.write32(regs::MAP_CMD, op << 0 | map << 3 | flags << 6);
  ++stats_.mapOps;
  if (auto e = waitMapPort(regs::MAP_STATUS_DONE, regs::MAP_STATUS_DONE, "the map operation"))
    return std::move(e);
  PortResult r;
  uint32_t st = dev_.read32(regs::MAP_STATUS);
  r.found = st & regs::MAP_STATUS_FOUND;
  r.rc = int32_t(dev_.read32(regs::MAP_RC));
  if (wantKey)
    r.key = readWords(dev_, regs::MAP_RKEY, m.keySize);
  if (wantValue)
    r.value = readWords(dev_, regs::MAP_RVALUE, m.valueSize);
  return r;
}

llvm::Error Nic::waitMapPort(uint32_t mask, uint32_t want, const char *what) {
  // A few register reads cover an idle pipeline; then the driver services
  // the NIC (the bubble moves only as the pipeline does).
  constexpr uint64_t kRounds = 200000;
  for (uint64_t i = 0; i < kRounds; ++i) {
    if ((dev_.read32(regs::MAP_STATUS) & mask) == want)
      return llvm::Error::success();
    if (i >= 4)
      poll();
    else
      dev_.step(4);
  }
  return makeErrnoError(ETIMEDOUT,
                        "{}: {} did not happen within {} service rounds (MAP_STATUS 0x{:x}; the "
                        "pipeline moves only while its outputs drain: is the application "
                        "receiving from the host port?)",
                        dev_.name(), what, kRounds, dev_.read32(regs::MAP_STATUS));
}

llvm::Expected<std::optional<Bytes>> Nic::mapLookup(unsigned map, const Bytes &key) {
  auto m = mapChecked(map, &key, nullptr);
  if (!m)
    return m.takeError();
  auto r = mapPortOp(map, kLookup, 0, &key, nullptr, 0, false, true);
  if (!r)
    return r.takeError();
  if (!r->found)
    return std::optional<Bytes>();
  return std::optional<Bytes>(std::move(r->value));
}

llvm::Expected<int> Nic::mapUpdate(unsigned map, const Bytes &key, const Bytes &value,
                                   uint64_t flags) {
  auto m = mapChecked(map, &key, &value);
  if (!m)
    return m.takeError();
  if (flags > BPF_EXIST)  // BPF_F_LOCK and the rest: the kernel says EINVAL too
    return -EINVAL;
  auto r = mapPortOp(map, kUpdate, uint32_t(flags), &key, &value, 0, false, false);
  if (!r)
    return r.takeError();
  return r->rc;
}

llvm::Expected<int> Nic::mapDelete(unsigned map, const Bytes &key) {
  auto m = mapChecked(map, &key, nullptr);
  if (!m)
    return m.takeError();
  auto r = mapPortOp(map, kDelete, 0, &key, nullptr, 0, false, false);
  if (!r)
    return r.takeError();
  return r->rc;
}

llvm::Expected<std::optional<Nic::MapEntry>> Nic::mapWalk(unsigned map, uint32_t from) {
  auto m = mapChecked(map, nullptr, nullptr);
  if (!m)
    return m.takeError();
  for (uint32_t pos = from;; ++pos) {
    auto r = mapPortOp(map, kReadWay, 0, nullptr, nullptr, pos, true, true);
    if (!r)
      return r.takeError();
    if (r->rc == -ENOENT && !r->found)
      return std::optional<MapEntry>();  // past the last way
    if (r->rc != 0 && r->rc != -ENOENT)
      return makeErrnoError(EIO, "{}: map '{}': reading way {} returned {}", dev_.name(),
                            (*m)->name, pos, r->rc);
    if (r->found)
      return std::optional<MapEntry>(MapEntry{pos, std::move(r->key), std::move(r->value)});
  }
}

} // namespace sluice::nic
