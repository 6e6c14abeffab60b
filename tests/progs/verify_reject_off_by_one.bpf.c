// verify_reject_off_by_one.bpf.c: checks 14 bytes, then reads the 15th.
// EXPECT: packet access at offset 14..14 is not bounds-checked
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 14 > end)
    return XDP_DROP;
  return data[14] == 0x45 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
