// Map programs for KernelEngineTest: every map type a dump must handle, and
// global data. Built by the test itself (see packet.bpf.c).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} small_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} small_array SEC(".maps");

// A 12-byte value: per CPU the kernel wants it rounded up to 16.
struct stats { __u32 packets; __u32 bytes; __u32 cpu; };
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct stats);
} pcpu_stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} pcpu_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} tx_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CPUMAP);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} cpus SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} xsks SEC(".maps");

struct lpm_key { __u32 prefixlen; __u8 addr[4]; };
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 8);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct lpm_key);
  __type(value, __u32);
} routes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} jumps SEC(".maps");

const volatile __u32 magic = 0xc0ffee;  // .rodata
__u32 seed = 42;                        // .data
__u64 packets;                          // .bss

// Counts per CPU (pcpu_stats[0], pcpu_hash[len]) and globally (packets);
// small_array[1] = the CPU it ran on; small_array[2] = magic + seed.
SEC("xdp") int xdp_count(struct xdp_md *ctx) {
  __u32 k0 = 0, k1 = 1, k2 = 2;
  __u32 len = ctx->data_end - ctx->data;
  struct stats *s = bpf_map_lookup_elem(&pcpu_stats, &k0);
  if (s) {
    s->packets++;
    s->bytes += len;
    s->cpu = bpf_get_smp_processor_id();
  }
  __u64 one = 1, *c = bpf_map_lookup_elem(&pcpu_hash, &len);
  if (c)
    (*c)++;
  else
    bpf_map_update_elem(&pcpu_hash, &len, &one, BPF_NOEXIST);
  __u32 cpu = bpf_get_smp_processor_id(), sum = magic + seed;
  bpf_map_update_elem(&small_array, &k1, &cpu, BPF_ANY);
  bpf_map_update_elem(&small_array, &k2, &sum, BPF_ANY);
  __sync_fetch_and_add(&packets, 1);
  return XDP_PASS;
}

// Redirects through tx_ports[1].
SEC("xdp") int xdp_redirect(struct xdp_md *ctx) {
  return bpf_redirect_map(&tx_ports, 1, XDP_ABORTED);
}

char LICENSE[] SEC("license") = "GPL";
