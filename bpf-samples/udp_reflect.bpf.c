// SPDX-License-Identifier: GPL-2.0
/*
 * udp_reflect: a UDP echo service (port 7) answered on the NIC.
 *
 * An untagged IPv4 UDP datagram to port 7 that is not a fragment goes back
 * where it came from: MAC addresses, IP addresses and UDP ports swapped,
 * the TTL reset to 64 (the IPv4 header checksum patched incrementally over
 * the TTL/protocol word), XDP_TX. Swapping the addresses and ports leaves
 * the UDP checksum as it is (a one's-complement sum does not care about
 * order). Everything else passes; truncated headers are dropped.
 */
#include "include/xdp_common.h"

#define ECHO_PORT 7
#define REPLY_TTL 64

SEC("xdp")
int xdp_udp_reflect(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct udphdr *udp;
	__be32 addr;
	__be16 port, old_word, new_word;

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
	if (udp->dest != bpf_htons(ECHO_PORT))
		return XDP_PASS;

	swap_mac(eth);

	addr = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = addr;

	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;

	/* ttl and protocol share one 16-bit word of the header */
	old_word = *(__be16 *)&iph->ttl;
	iph->ttl = REPLY_TTL;
	new_word = *(__be16 *)&iph->ttl;
	csum_replace2(&iph->check, old_word, new_word);

	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
