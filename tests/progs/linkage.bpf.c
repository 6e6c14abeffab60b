// linkage.bpf.c: loader fixture. Two entry programs sharing bpf-to-bpf
// sub-programs in .text, a BTF-defined array map, and .rodata/.data/.bss
// globals referenced from the entry and from sub-programs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } cnt SEC(".maps");
const volatile int limit = 7;
int hits;
int seen = 3;
static __attribute__((noinline)) int helper2(int x) { return x * 3 + limit; }
static __attribute__((noinline)) int helper1(int x, int y) { return helper2(x) + y + seen; }
SEC("xdp") int xdp_a(struct xdp_md *ctx) {
  __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&cnt, &k);
  if (v) __sync_fetch_and_add(v, 1);
  hits++;
  return helper1(ctx->ingress_ifindex, 2) > 100 ? XDP_DROP : XDP_PASS;
}
SEC("xdp.frags") int xdp_b(struct xdp_md *ctx) { return helper2(1) ? XDP_PASS : XDP_DROP; }
char LICENSE[] SEC("license") = "GPL";
