// verify_reject_loop_callback_index.bpf.c: the index bpf_loop passes its
// callback is an unknown number to the verifier (the kernel does not bound
// it by the count): used as an array index without a check, the kernel
// refuses the access.
// EXPECT: invalid variable-offset read from stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct acc { __u32 sum; __u32 w[4]; };

static long add(__u32 idx, void *data)
{
  struct acc *a = data;
  a->sum += a->w[idx];
  return 0;
}

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  struct acc a = { .w = { 1, 2, 3, ctx->data_end - ctx->data } };
  bpf_loop(4, add, &a, 0);
  return a.sum > 100 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
