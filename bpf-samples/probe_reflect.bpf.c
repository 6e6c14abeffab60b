// SPDX-License-Identifier: GPL-2.0
/*
 * probe_reflect: a latency-probe reflector on the NIC, in the manner of
 * TWAMP Light (RFC 5357, port 862) stripped to what a stateless responder
 * does.
 *
 * An untagged, unfragmented IPv4 UDP datagram to port 862 carries a probe:
 *   payload[0..3]   sequence number (sender's)
 *   payload[8..15]  sender's transmit timestamp
 *   payload[16..23] receive timestamp: written here, bpf_ktime_get_ns()
 *                   in network byte order
 *   payload[24..27] the CPU that answered: written here,
 *                   bpf_get_smp_processor_id() in network byte order
 * It goes back where it came from (MACs, IP addresses and ports swapped,
 * UDP checksum cleared, which IPv4 allows), XDP_TX. A probe shorter than 28
 * payload bytes is dropped; everything else passes.
 */
#include "include/xdp_common.h"

#define PROBE_PORT 862
#define PROBE_LEN 28

struct probe {
	__be32 seq;
	__be32 reserved;
	__be64 tx_ts;
	__be64 rx_ts;
	__be32 cpu;
};

SEC("xdp")
int xdp_probe_reflect(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u64 now = bpf_ktime_get_ns();
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct udphdr *udp;
	struct probe *p;
	__be32 addr;
	__be16 port;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->ihl != 5 || iph->protocol != IPPROTO_UDP || ipv4_is_fragment(iph))
		return XDP_PASS;
	udp = (void *)(iph + 1);
	if ((void *)(udp + 1) > data_end)
		return XDP_DROP;
	if (udp->dest != bpf_htons(PROBE_PORT))
		return XDP_PASS;
	p = (void *)(udp + 1);
	if ((void *)p + PROBE_LEN > data_end)
		return XDP_DROP;

	p->rx_ts = bpf_cpu_to_be64(now);
	p->cpu = bpf_htonl(bpf_get_smp_processor_id());

	swap_mac(eth);
	addr = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = addr;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	udp->check = 0;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
