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

// A map the program looks up twice in one packet has replicas in other map
// stages (docs/maps-design.md "Two lookups of one map"): every host write
// goes to the map, then to each replica, one port operation each; the same
// operation on the same state answers the same return code.
llvm::Error Nic::replicaWrites(unsigned map, int rc, sim::MapPortOp op, uint32_t flags,
                               const Bytes &key, const Bytes *value) {
  const auto &ms = maps();
  for (unsigned r = 0; r < ms.size(); ++r) {
    if (ms[r].replicaOf != int32_t(map))
      continue;
    auto io = registerIo();
    auto x = sim::mapPortOp(io, ms[r], r, op, flags, &key, value, 0, false, false);
    if (!x)
      return x.takeError();
    ++stats_.mapOps;
    if (x->rc != rc)
      return makeErrnoError(EIO, "{}: replica {} of map '{}' answered {} to a host write, the map "
                            "{}",
                            dev_.name(), r, ms[map].name, x->rc, rc);
  }
  return llvm::Error::success();
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
  if (auto e = replicaWrites(map, r->rc, sim::MapPortOp::Update, uint32_t(flags), key, &value))
    return std::move(e);
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
  if (auto e = replicaWrites(map, r->rc, sim::MapPortOp::Delete, 0, key, nullptr))
    return std::move(e);
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
