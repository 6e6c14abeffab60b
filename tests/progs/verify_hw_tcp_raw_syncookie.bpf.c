// verify_hw_tcp_raw_syncookie.bpf.c: the SYN-flood pattern of answering SYNs
// with a syncookie from XDP; the cookie is keyed by the host kernel's secret:
// refused for the hardware, with what to do instead.
// EXPECT: bpf_tcp_raw_gen_syncookie_ipv4 has no meaning on the NIC: syncookies are keyed by the host kernel's secret
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  struct iphdr *ip = data + sizeof(*eth);
  struct tcphdr *th = (void *)(ip + 1);
  if ((void *)(th + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != 6 ||
      ip->ihl != 5 || !th->syn || th->ack)
    return XDP_PASS;
  __s64 cookie = bpf_tcp_raw_gen_syncookie_ipv4(ip, th, sizeof(*th));
  return cookie < 0 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
