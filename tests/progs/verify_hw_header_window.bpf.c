// verify_hw_header_window.bpf.c: reads byte 200 of the packet: fine for the
// kernel, beyond the NIC's 128-byte header window.
// EXPECT: needs a window of 201 bytes
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *end = (void *)(long)ctx->data_end;
  if (data + 201 > end)
    return XDP_PASS;
  return data[200] ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
