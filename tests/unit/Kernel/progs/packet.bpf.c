// Packet programs for KernelEngineTest: verdicts, rewrites, head/tail/meta
// adjustment and what the program sees of long frames. Built by the test
// itself: clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// cfg[0]: the delta for xdp_head / xdp_tail / xdp_tail_frags.
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __s64);
} cfg SEC(".maps");

// seen[i]: what the program observed (see each program).
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __s64);
} seen SEC(".maps");

static __always_inline void record(__u32 k, __s64 v) { bpf_map_update_elem(&seen, &k, &v, BPF_ANY); }

static __always_inline __s64 delta(void) {
  __u32 k = 0;
  __s64 *v = bpf_map_lookup_elem(&cfg, &k);
  return v ? *v : 0;
}

// XDP_DROP when the first byte is 0xff, else XDP_PASS.
SEC("xdp") int xdp_verdict(struct xdp_md *ctx) {
  unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
  if (d + 1 > e)
    return XDP_ABORTED;
  return d[0] == 0xff ? XDP_DROP : XDP_PASS;
}

// Swaps the Ethernet addresses and bounces the frame.
SEC("xdp") int xdp_swap_mac(struct xdp_md *ctx) {
  unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
  if (d + 14 > e)
    return XDP_ABORTED;
  for (int i = 0; i < 6; i++) {
    unsigned char t = d[i];
    d[i] = d[6 + i];
    d[6 + i] = t;
  }
  return XDP_TX;
}

// seen[0] = adjust_head(cfg[0]); seen[1] = linear length after; when the
// packet grew, its first 4 bytes are set to 0xee.
SEC("xdp") int xdp_head(struct xdp_md *ctx) {
  __s64 dl = delta();
  long rc = bpf_xdp_adjust_head(ctx, (int)dl);
  record(0, rc);
  unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
  record(1, e - d);
  if (rc == 0 && dl < 0 && d + 4 <= e)
    d[0] = d[1] = d[2] = d[3] = 0xee;
  return XDP_TX;
}

// seen[0] = adjust_tail(cfg[0]); seen[1] = linear length; seen[2] = total.
SEC("xdp") int xdp_tail(struct xdp_md *ctx) {
  record(0, bpf_xdp_adjust_tail(ctx, (int)delta()));
  record(1, ctx->data_end - ctx->data);
  record(2, bpf_xdp_get_buff_len(ctx));
  return XDP_TX;
}

SEC("xdp.frags") int xdp_tail_frags(struct xdp_md *ctx) {
  record(0, bpf_xdp_adjust_tail(ctx, (int)delta()));
  record(1, ctx->data_end - ctx->data);
  record(2, bpf_xdp_get_buff_len(ctx));
  return XDP_TX;
}

// seen[0] = linear length, seen[1] = total length, seen[2] = ingress
// ifindex, seen[3] = rx queue, seen[4] = CPU, seen[5] = the byte at offset
// 3519 (the last one of a full linear part) when the program can read it.
static __always_inline int lengths(struct xdp_md *ctx) {
  unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
  record(0, e - d);
  record(1, bpf_xdp_get_buff_len(ctx));
  record(2, ctx->ingress_ifindex);
  record(3, ctx->rx_queue_index);
  record(4, bpf_get_smp_processor_id());
  if (d + 3520 <= e)
    record(5, d[3519]);
  return XDP_PASS;
}
SEC("xdp") int xdp_len(struct xdp_md *ctx) { return lengths(ctx); }
SEC("xdp.frags") int xdp_len_frags(struct xdp_md *ctx) { return lengths(ctx); }

// Puts 8 bytes of metadata in front of the packet.
SEC("xdp") int xdp_meta(struct xdp_md *ctx) {
  record(0, bpf_xdp_adjust_meta(ctx, -8));
  unsigned char *m = (void *)(long)ctx->data_meta, *d = (void *)(long)ctx->data;
  if (m + 8 <= d)
    *(__u64 *)m = 0x1122334455667788ULL;
  return XDP_PASS;
}

// Returns a value outside the XDP enum.
SEC("xdp") int xdp_seven(struct xdp_md *ctx) { return 7; }

char LICENSE[] SEC("license") = "GPL";
