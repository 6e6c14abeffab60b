// verify_hw_loop_count.bpf.c: bpf_loop with a count read from the packet
// (how many 4-byte words to sum, at most 8): the kernel accepts it, the
// pipeline unrolls loops and needs the count when the program is built.
// EXPECT: bpf_loop's count is not a constant here
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct acc { __u32 sum; __u32 n; };

static long add(__u32 idx, void *data)
{
  struct acc *a = data;
  a->sum += idx * 3 + a->n;
  return 0;
}

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  struct acc a = { 0, 0 };
  if (data + 1 > end)
    return XDP_DROP;
  a.n = *(__u8 *)data & 7;
  bpf_loop(a.n, add, &a, 0);
  return a.sum & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
