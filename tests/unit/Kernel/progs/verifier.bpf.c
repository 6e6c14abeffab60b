// One program the verifier accepts and one it rejects, in the same object:
// loading the first must not load the second. Built by the test itself.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int xdp_ok(struct xdp_md *ctx) { return XDP_PASS; }

// Reads the packet without checking data_end.
SEC("xdp") int xdp_unchecked(struct xdp_md *ctx) {
  unsigned char *d = (void *)(long)ctx->data;
  return d[20] == 6 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
