/* sluice_bpf.h - libbpf's map calls for maps that live on the Sluice NIC.
 *
 * Control-plane code written against libbpf ports with a rename:
 * bpf_map_lookup_elem -> sluice_map_lookup_elem, and so on, with the same
 * arguments, the same flags and the same return convention as libbpf 1.x
 * (0 on success; on failure a negative errno, which is also left in errno).
 * The map "fd" is a handle from sluice_nic_map_fd_by_name (as
 * bpf_object__find_map_fd_by_name gives one), not a kernel descriptor: it
 * names a map of the program loaded on one NIC and is valid until another
 * program is loaded there (then every call on it fails with -EBADF).
 *
 * Every call goes through the NIC's register map port and is atomic per
 * entry against the traffic: the datapath orders it between two packets
 * (docs/maps-design.md). Batch calls are loops of single operations, each
 * atomic on its own, as the kernel's are for hash maps.
 *
 * Per-CPU maps have one instance on the NIC: sluice_num_possible_cpus()
 * is 1, and a per-CPU value buffer is round_up(value_size, 8) bytes.
 *
 * Batch positions (in_batch / out_batch of sluice_map_lookup_batch) are a
 * __u32 position in the NIC's walk order; the buffers must hold 4 bytes.
 */
#ifndef SLUICE_BPF_H
#define SLUICE_BPF_H

#include <bpf/bpf.h> /* struct bpf_map_batch_opts, BPF_ANY, BPF_NOEXIST, BPF_EXIST */
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sluice_nic; /* sluice::nic::Nic */

/* The handle of map `name` of the program loaded on `nic`; -ENOENT (and
 * errno) when it has no such map, -ENODEV when no program is loaded. */
int sluice_nic_map_fd_by_name(struct sluice_nic *nic, const char *name);
int sluice_num_possible_cpus(void);

int sluice_map_lookup_elem(int fd, const void *key, void *value);
int sluice_map_lookup_elem_flags(int fd, const void *key, void *value, __u64 flags);
int sluice_map_update_elem(int fd, const void *key, const void *value, __u64 flags);
int sluice_map_delete_elem(int fd, const void *key);
int sluice_map_get_next_key(int fd, const void *key, void *next_key);

int sluice_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
                            __u32 *count, const struct bpf_map_batch_opts *opts);
int sluice_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
                            const struct bpf_map_batch_opts *opts);
int sluice_map_delete_batch(int fd, const void *keys, __u32 *count,
                            const struct bpf_map_batch_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_BPF_H */
