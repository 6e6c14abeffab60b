// SPDX-License-Identifier: GPL-2.0
/*
 * bpf2bpf: a port-policy filter built from real BPF-to-BPF calls.
 *
 * The parser and the policy are separate noinline functions, so clang emits
 * BPF_PSEUDO_CALL instructions and separate sub-programs:
 *   xdp_bpf2bpf -> parse_l3 -> parse_ports
 *               -> apply_policy -> count_verdict
 * The policy (`port_policy`, host-filled) maps a destination port to a
 * verdict: XDP_DROP, XDP_PASS or XDP_TX (reflect: swap MACs first). Ports
 * not in the map pass; frames the parser rejects are dropped.
 * `verdict_stats` counts frames and bytes per verdict.
 */
#include "include/xdp_common.h"

#define POLICY_ANY_PROTO 0

struct policy_key {
	__u16 port; /* host order */
	__u8 proto; /* IPPROTO_TCP / IPPROTO_UDP, or 0 for both */
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct policy_key);
	__type(value, __u32); /* an XDP action */
} port_policy SEC(".maps");

struct verdict_rec {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1);
	__type(key, __u32);
	__type(value, struct verdict_rec);
} verdict_stats SEC(".maps");

/* Level 2: the two ports of TCP/UDP at `off`; 0 or -1. */
static __attribute__((noinline)) int parse_ports(void *data, void *data_end, __u32 off,
						 __u16 *sport, __u16 *dport)
{
	__be16 *ports;

	if (off > 128)
		return -1;
	ports = data + off;
	if ((void *)(ports + 2) > data_end)
		return -1;
	*sport = bpf_ntohs(ports[0]);
	*dport = bpf_ntohs(ports[1]);
	return 0;
}

/*
 * Level 1: IPv4 or IPv6 after `l3off`, then the ports. Returns the L4
 * protocol (TCP/UDP), 0 for other protocols, -1 for a malformed packet.
 */
static __attribute__((noinline)) int parse_l3(void *data, void *data_end, __u32 l3off,
					      __u16 eth_proto, __u16 *dport)
{
	struct iphdr *iph;
	struct ipv6hdr *ip6h;
	__u32 l4off;
	__u16 sport;
	int proto;

	if (l3off > 64)
		return -1;
	if (eth_proto == ETH_P_IP) {
		iph = data + l3off;
		if ((void *)(iph + 1) > data_end || iph->ihl < 5)
			return -1;
		if (iph->frag_off & bpf_htons(IP_OFFSET))
			return 0;
		proto = iph->protocol;
		l4off = l3off + iph->ihl * 4;
	} else if (eth_proto == ETH_P_IPV6) {
		ip6h = data + l3off;
		if ((void *)(ip6h + 1) > data_end)
			return -1;
		proto = ip6h->nexthdr;
		l4off = l3off + sizeof(*ip6h);
	} else {
		return 0;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0;
	if (parse_ports(data, data_end, l4off, &sport, dport) < 0)
		return -1;
	return proto;
}

/* Level 2: account a verdict. */
static __attribute__((noinline)) int count_verdict(__u32 action, __u64 bytes)
{
	struct verdict_rec *rec = bpf_map_lookup_elem(&verdict_stats, &action);

	if (rec) {
		__sync_fetch_and_add(&rec->packets, 1);
		__sync_fetch_and_add(&rec->bytes, bytes);
	}
	return action;
}

/* Level 1: look the port up (exact protocol first, then any) and act. */
static __attribute__((noinline)) int apply_policy(struct ethhdr *eth, void *data_end, int proto,
						  __u16 dport, __u64 bytes)
{
	struct policy_key key = { .port = dport, .proto = proto };
	__u32 *verdict, action = XDP_PASS;

	verdict = bpf_map_lookup_elem(&port_policy, &key);
	if (!verdict) {
		key.proto = POLICY_ANY_PROTO;
		verdict = bpf_map_lookup_elem(&port_policy, &key);
	}
	if (verdict && *verdict <= XDP_TX)
		action = *verdict;
	if (action == XDP_TX) {
		if ((void *)(eth + 1) > data_end)
			return count_verdict(XDP_DROP, bytes);
		swap_mac(eth);
	}
	return count_verdict(action, bytes);
}

SEC("xdp")
int xdp_bpf2bpf(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	__u64 bytes = data_end - data;
	__u16 dport = 0;
	int proto;

	if ((void *)(eth + 1) > data_end)
		return count_verdict(XDP_DROP, bytes);

	proto = parse_l3(data, data_end, sizeof(*eth), bpf_ntohs(eth->h_proto), &dport);
	if (proto < 0)
		return count_verdict(XDP_DROP, bytes);
	if (proto == 0)
		return count_verdict(XDP_PASS, bytes);
	return apply_policy(eth, data_end, proto, dport, bytes);
}

char LICENSE[] SEC("license") = "GPL";
