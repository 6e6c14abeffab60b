// verify_accept_bounded_loop.bpf.c: a loop the compiler keeps (no unroll)
// over the first 16 bytes of the packet; the verifier follows it to its end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  unsigned int sum = 0;
#pragma clang loop unroll(disable)
  for (int i = 0; i < 16; i++) {
    if (data + i + 1 > end)
      break;
    sum += data[i];
  }
  return sum & 1 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
