// verify_accept_ihl_ports.bpf.c: IPv4 with options (ihl * 4), then the TCP
// destination port at a variable offset. Accepted by the kernel and fits the
// 128-byte header window.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
    return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5 || ip->protocol != 6)
    return XDP_PASS;
  struct tcphdr *th = (void *)ip + ip->ihl * 4;
  if ((void *)(th + 1) > end)
    return XDP_PASS;
  return th->dest == bpf_htons(23) ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
