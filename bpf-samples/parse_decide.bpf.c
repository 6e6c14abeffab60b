// SPDX-License-Identifier: GPL-2.0
/*
 * parse_decide: a stateless header parser with a fixed policy.
 *
 * Walks Ethernet, up to two VLAN tags (802.1Q / 802.1ad QinQ), IPv4 (with
 * options) or IPv6, then TCP or UDP, and decides:
 *   - TCP to port 23 (telnet)              -> XDP_DROP
 *   - UDP to port 19 (chargen, reflection) -> XDP_DROP
 *   - a truncated IP, TCP or UDP header    -> XDP_DROP
 *   - everything else (ARP, non-first fragments, ICMP, ...) -> XDP_PASS
 * It never aborts.
 */
#include "include/xdp_common.h"

#define PORT_TELNET 23
#define PORT_CHARGEN 19

SEC("xdp")
int xdp_parse_decide(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct ipv6hdr *ip6h;
	struct tcphdr *th;
	struct udphdr *uh;
	int eth_type, ip_type;

	eth_type = parse_ethhdr(&c, &eth);
	if (eth_type < 0)
		return XDP_DROP;

	if (eth_type == bpf_htons(ETH_P_IP)) {
		ip_type = parse_iphdr(&c, &iph);
		if (ip_type < 0)
			return XDP_DROP;
		/* Only the first fragment carries the L4 header. */
		if (iph->frag_off & bpf_htons(IP_OFFSET))
			return XDP_PASS;
	} else if (eth_type == bpf_htons(ETH_P_IPV6)) {
		ip_type = parse_ip6hdr(&c, &ip6h);
		if (ip_type < 0)
			return XDP_DROP;
	} else {
		return XDP_PASS;
	}

	if (ip_type == IPPROTO_TCP) {
		if (parse_tcphdr(&c, &th) < 0)
			return XDP_DROP;
		if (th->dest == bpf_htons(PORT_TELNET))
			return XDP_DROP;
	} else if (ip_type == IPPROTO_UDP) {
		if (parse_udphdr(&c, &uh) < 0)
			return XDP_DROP;
		if (uh->dest == bpf_htons(PORT_CHARGEN))
			return XDP_DROP;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
