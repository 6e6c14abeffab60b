// verify_reject_missing_bounds_check.bpf.c: the IPv4 protocol byte is read
// after checking only the Ethernet header. The kernel refuses the load.
// EXPECT: packet access at offset 23..23 is not bounds-checked
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end)
    return XDP_DROP;
  struct iphdr *ip = (void *)(eth + 1);
  if (ip->protocol == 17)
    return XDP_DROP;
  return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
