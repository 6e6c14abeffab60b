//===- SluiceBpf.cpp - libbpf's map calls over the NIC's map port ---------===//
//
// sluice/Nic/sluice_bpf.h: the C API. Handles ("fds") index a process-wide
// table of (Nic, map id, program generation); every call is one or more
// Nic::map* operations, each atomic per entry on the device.
//
//===----------------------------------------------------------------------===//
#include "sluice/Nic/sluice_bpf.h"

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "sluice/Nic/Nic.h"
#include "sluice/Support/Error.h"

using sluice::Bytes;
using sluice::nic::Nic;

namespace {

// Handles start above any descriptor a process is likely to have, so a
// handle passed to a kernel call by mistake fails instead of hitting a file.
constexpr int kFdBase = 1 << 20;

struct Handle {
  Nic *nic = nullptr;
  unsigned map = 0;
  uint64_t generation = 0;
};

std::mutex &tableLock() {
  static std::mutex m;
  return m;
}
std::vector<Handle> &table() {
  static std::vector<Handle> t;
  return t;
}

int fail(int err) {
  errno = err;
  return -err;
}

// The handle's NIC and map, or -EBADF when the handle is unknown or the NIC
// has loaded another program since.
int resolve(int fd, Handle &h, const sluice::ImageMap *&def) {
  {
    std::lock_guard<std::mutex> g(tableLock());
    if (fd < kFdBase || size_t(fd - kFdBase) >= table().size())
      return -EBADF;
    h = table()[fd - kFdBase];
  }
  if (h.nic->programGeneration() != h.generation || h.map >= h.nic->maps().size())
    return -EBADF;
  def = &h.nic->maps()[h.map];
  return 0;
}

uint32_t valueBytes(const sluice::ImageMap &m) {
  // Per-CPU maps: one instance, padded to 8 bytes as the kernel pads each CPU's value.
  bool percpu = m.type == BPF_MAP_TYPE_PERCPU_ARRAY || m.type == BPF_MAP_TYPE_PERCPU_HASH ||
                m.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  return percpu ? (m.valueSize + 7) / 8 * 8 : m.valueSize;
}

// An llvm::Error from the driver (not a map return code) as an errno.
int errnoOf(llvm::Error e) {
  int err = sluice::takeErrno(std::move(e));
  return err ? err : EIO;
}

} // namespace

extern "C" {

int sluice_nic_map_fd_by_name(struct sluice_nic *nicp, const char *name) {
  auto *nic = reinterpret_cast<Nic *>(nicp);
  if (!nic || !name)
    return fail(EINVAL);
  if (!nic->program().active)
    return fail(ENODEV);
  const auto &maps = nic->maps();
  for (unsigned i = 0; i < maps.size(); ++i) {
    if (maps[i].name != name)
      continue;
    std::lock_guard<std::mutex> g(tableLock());
    table().push_back({nic, i, nic->programGeneration()});
    return kFdBase + int(table().size() - 1);
  }
  return fail(ENOENT);
}

int sluice_num_possible_cpus(void) { return 1; }

int sluice_map_lookup_elem_flags(int fd, const void *key, void *value, __u64 flags) {
  Handle h;
  const sluice::ImageMap *m = nullptr;
  if (int r = resolve(fd, h, m))
    return fail(-r);
  if (!key || !value || flags != 0)  // BPF_F_LOCK needs spin locks: none on the NIC
    return fail(EINVAL);
  auto k = static_cast<const uint8_t *>(key);
  auto v = h.nic->mapLookup(h.map, Bytes(k, k + m->keySize));
  if (!v)
    return fail(errnoOf(v.takeError()));
  if (!*v)
    return fail(ENOENT);
  std::memset(value, 0, valueBytes(*m));
  std::memcpy(value, (*v)->data(), std::min<size_t>((*v)->size(), valueBytes(*m)));
  return 0;
}

int sluice_map_lookup_elem(int fd, const void *key, void *value) {
  return sluice_map_lookup_elem_flags(fd, key, value, 0);
}

int sluice_map_update_elem(int fd, const void *key, const void *value, __u64 flags) {
  Handle h;
  const sluice::ImageMap *m = nullptr;
  if (int r = resolve(fd, h, m))
    return fail(-r);
  if (!key || !value)
    return fail(EINVAL);
  auto k = static_cast<const uint8_t *>(key);
  auto v = static_cast<const uint8_t *>(value);
  auto rc = h.nic->mapUpdate(h.map, Bytes(k, k + m->keySize), Bytes(v, v + m->valueSize), flags);
  if (!rc)
    return fail(errnoOf(rc.takeError()));
  return *rc ? fail(-*rc) : 0;
}

int sluice_map_delete_elem(int fd, const void *key) {
  Handle h;
  const sluice::ImageMap *m = nullptr;
  if (int r = resolve(fd, h, m))
    return fail(-r);
  if (!key)
    return fail(EINVAL);
  auto k = static_cast<const uint8_t *>(key);
  auto rc = h.nic->mapDelete(h.map, Bytes(k, k + m->keySize));
  if (!rc)
    return fail(errnoOf(rc.takeError()));
  return *rc ? fail(-*rc) : 0;
}

int sluice_map_get_next_key(int fd, const void *key, void *next_key) {
  Handle h;
  const sluice::ImageMap *m = nullptr;
  if (int r = resolve(fd, h, m))
    return fail(-r);
  if (!next_key)
    return fail(EINVAL);
  std::optional<Bytes> cur;
  if (key) {
    auto k = static_cast<const uint8_t *>(key);
    cur = Bytes(k, k + m->keySize);
  }
  auto next = h.nic->mapNextKey(h.map, cur ? &*cur : nullptr);
  if (!next)
    return fail(errnoOf(next.takeError()));
  if (!*next)
    return fail(ENOENT);
  std::memcpy(next_key, (*next)->data(), m->keySize);
  return 0;
}

int sluice_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
                            __u32 *count, const struct bpf_map_batch_opts *opts) {
  Handle h;
  const sluice::ImageMap *m = nullptr;
  if (int r = resolve(fd, h, m))
    return fail(-r);
  if (!out_batch || !keys || !values || !count || (opts && (opts->elem_flags || opts->flags)))
    return fail(EINVAL);
  uint32_t pos = 0;
  if (in_batch)
    std::memcpy(&pos, in_batch, sizeof pos);
  __u32 want = *count, got = 0;
  *count = 0;
  if (want == 0)
    return fail(EINVAL);
  auto *ko = static_cast<uint8_t *>(keys);
  auto *vo = static_cast<uint8_t *>(values);
  uint32_t vb = valueBytes(*m);
  while (got < want) {
    auto e = h.nic->mapWalk(h.map, pos);
    if (!e)
      return fail(errnoOf(e.takeError()));
    if (!*e) {  // the end: what was found is returned with ENOENT, as the kernel does
      *count = got;
      std::memcpy(out_batch, &pos, sizeof pos);
      return fail(ENOENT);
    }
    std::memcpy(ko + size_t(got) * m->keySize, (*e)->key.data(), m->keySize);
    std::memset(vo + size_t(got) * vb, 0, vb);
    std::memcpy(vo + size_t(got) * vb, (*e)->value.data(), std::min<size_t>((*e)->value.size(), vb));
    pos = (*e)->position + 1;
    ++got;
  }
  *count = got;
  std::memcpy(out_batch, &pos, sizeof pos);
  return 0;
}

int sluice_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
                            const struct bpf_map_batch_opts *opts) {
  Handle h;
  const sluice::ImageMap *m = nullptr;
  if (int r = resolve(fd, h, m))
    return fail(-r);
  if (!keys || !values || !count || (opts && opts->flags))
    return fail(EINVAL);
  __u64 flags = opts ? opts->elem_flags : 0;
  __u32 n = *count;
  *count = 0;
  auto *k = static_cast<const uint8_t *>(keys);
  auto *v = static_cast<const uint8_t *>(values);
  for (__u32 i = 0; i < n; ++i) {
    int r = sluice_map_update_elem(fd, k + size_t(i) * m->keySize, v + size_t(i) * valueBytes(*m),
                                   flags);
    if (r)
      return r;  // errno set; *count says how many were done
    *count = i + 1;
  }
  return 0;
}

int sluice_map_delete_batch(int fd, const void *keys, __u32 *count,
                            const struct bpf_map_batch_opts *opts) {
  Handle h;
  const sluice::ImageMap *m = nullptr;
  if (int r = resolve(fd, h, m))
    return fail(-r);
  if (!keys || !count || (opts && (opts->flags || opts->elem_flags)))
    return fail(EINVAL);
  __u32 n = *count;
  *count = 0;
  auto *k = static_cast<const uint8_t *>(keys);
  for (__u32 i = 0; i < n; ++i) {
    int r = sluice_map_delete_elem(fd, k + size_t(i) * m->keySize);
    if (r)
      return r;
    *count = i + 1;
  }
  return 0;
}

} // extern "C"
