// verify_hw_spin_lock.bpf.c: a per-flow byte and packet pair kept consistent
// under bpf_spin_lock, as on a multi-core host; the NIC has one ordered
// pipeline: refused for the hardware, with what to do instead.
// EXPECT: bpf_spin_lock has no meaning on the NIC: bpf_spin_lock serialises the host's CPUs
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct stats {
  struct bpf_spin_lock lock;
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct stats);
} totals SEC(".maps");

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  __u32 key = 0;
  struct stats *s = bpf_map_lookup_elem(&totals, &key);
  if (!s)
    return XDP_PASS;
  bpf_spin_lock(&s->lock);
  s->packets++;
  s->bytes += ctx->data_end - ctx->data;
  bpf_spin_unlock(&s->lock);
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
