// verify_reject_loop_callback_return.bpf.c: a bpf_loop callback must return
// 0 (go on) or 1 (stop); this one returns a count of matches, which the
// kernel refuses.
// EXPECT: At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct scan { __u32 want; __u32 seen; };

static long check(__u32 idx, void *data)
{
  struct scan *s = data;
  if (s->seen == s->want)
    return 2;
  s->seen++;
  return s->seen & 1;
}

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  struct scan s = { .want = ctx->data_end - ctx->data, .seen = 0 };
  bpf_loop(8, check, &s, 0);
  return s.seen > 4 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
