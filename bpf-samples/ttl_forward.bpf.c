// SPDX-License-Identifier: GPL-2.0
/*
 * ttl_forward: a stateless IPv4 forwarder.
 *
 * IPv4 frames (untagged, any header length) have their TTL decremented
 * with an incremental update of the header checksum (RFC 1624) and are
 * redirected with bpf_redirect() to one of two ports chosen by the
 * destination port of a TCP or UDP payload: even ports go out of ifindex
 * 1, odd ones (and other protocols) out of ifindex 2. A TTL of 0 or 1
 * goes to the host (XDP_PASS) so that it can send the ICMP time-exceeded;
 * truncated headers are dropped; non-IPv4 passes.
 */
#include "include/xdp_common.h"

#define PORT_EVEN 1
#define PORT_ODD 2

SEC("xdp")
int xdp_ttl_forward(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 ifindex = PORT_ODD;
	__u32 check;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->ihl < 5)
		return XDP_DROP;
	if (iph->ttl <= 1)
		return XDP_PASS;

	if ((iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) &&
	    !ipv4_is_fragment(iph)) {
		/* source and destination ports are the first 4 bytes of both */
		__be16 *ports = (void *)iph + iph->ihl * 4;

		if ((void *)(ports + 2) > data_end)
			return XDP_DROP;
		if (!(bpf_ntohs(ports[1]) & 1))
			ifindex = PORT_EVEN;
	}

	/* the TTL is the high byte of its 16-bit word: -1 there is +0x0100
	 * on the complemented sum, folded once */
	check = iph->check;
	check += bpf_htons(0x0100);
	iph->check = (__sum16)(check + (check >= 0xffff));
	iph->ttl--;

	return bpf_redirect(ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
