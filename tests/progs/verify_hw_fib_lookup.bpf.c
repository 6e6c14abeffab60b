// verify_hw_fib_lookup.bpf.c: the kernel accepts bpf_fib_lookup in XDP, but
// the NIC has no FIB: refused for the hardware, with what to do instead.
// EXPECT: bpf_fib_lookup has no meaning on the NIC
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  struct bpf_fib_lookup p = {};
  p.family = 2;
  p.ifindex = ctx->ingress_ifindex;
  long rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
  return rc == 0 ? XDP_TX : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
