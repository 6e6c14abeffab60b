//===- MapPort.cpp - The driver's map operations through the map port -----===//
//
// The register sequence is sim/'s (sluice/Sim/MapPort.h), shared with the
// `rtl` engine; the driver's part is servicing its ports while it waits
// (the operation travels the pipeline between packets, and the pipeline
// moves only while its outputs drain) and the checks before any register
// write (lib/sim/Maps.cpp).
//
//===----------------------------------------------------------------------===//
#include "sluice/Nic/Nic.h"

#include <linux/bpf.h>

#include "sluice/Sim/MapPort.h"
#include "sluice/Support/Error.h"

namespace sluice::nic {

// The service rounds while an operation waits must not start another port
// operation (a counter mirror's sync from poll()): it would take the port's
// registers from under the waiting one. inPortOp_ holds the mirrors off.
sim::RegisterIo Nic::registerIo() {
  return {std::string(dev_.name()), [this](uint32_t a) { return dev_.read32(a); },
          [this](uint32_t a, uint32_t v) { dev_.write32(a, v); },
          [this] {
            bool outer = inPortOp_;
            inPortOp_ = true;
            poll();
            inPortOp_ = outer;
          }};
}

llvm::Expected<std::optional<Bytes>> Nic::mapLookup(unsigned map, const Bytes &key) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, &key, nullptr);
  if (!m)
    return m.takeError();
  auto io = registerIo();
  auto r = sim::mapPortOp(io, **m, map, sim::MapPortOp::Lookup, 0, &key, nullptr, 0, false, true);
  if (!r)
    return r.takeError();
  ++stats_.mapOps;
  if (!r->found)
    return std::optional<Bytes>();
  return std::optional<Bytes>(std::move(r->value));
}

llvm::Expected<int> Nic::mapUpdate(unsigned map, const Bytes &key, const Bytes &value,
                                   uint64_t flags) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, &key, &value);
  if (!m)
    return m.takeError();
  if (flags > BPF_EXIST)  // BPF_F_LOCK and the rest: the kernel says EINVAL too
    return -EINVAL;
  auto io = registerIo();
  auto r = sim::mapPortOp(io, **m, map, sim::MapPortOp::Update, uint32_t(flags), &key, &value, 0,
                          false, false);
  if (!r)
    return r.takeError();
  ++stats_.mapOps;
  return r->rc;
}

llvm::Expected<int> Nic::mapDelete(unsigned map, const Bytes &key) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, &key, nullptr);
  if (!m)
    return m.takeError();
  auto io = registerIo();
  auto r = sim::mapPortOp(io, **m, map, sim::MapPortOp::Delete, 0, &key, nullptr, 0, false, false);
  if (!r)
    return r.takeError();
  ++stats_.mapOps;
  return r->rc;
}

llvm::Expected<std::optional<Nic::MapEntry>> Nic::mapWalk(unsigned map, uint32_t from) {
  std::lock_guard<std::recursive_mutex> g(mu_);
  auto m = mapChecked(map, nullptr, nullptr);
  if (!m)
    return m.takeError();
  auto io = registerIo();
  auto e = sim::mapPortWalk(io, **m, map, from);
  if (!e)
    return e.takeError();
  if (!*e)
    return std::optional<MapEntry>();
  return std::optional<MapEntry>(MapEntry{(*e)->position, std::move((*e)->key), std::move((*e)->value)});
}

} // namespace sluice::nic
