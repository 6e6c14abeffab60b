// SPDX-License-Identifier: GPL-2.0
/*
 * ipv6_ext: walks the IPv6 extension-header chain to find the L4 header.
 *
 * Skips up to MAX_EXT_HDRS hop-by-hop, routing, destination-options,
 * fragment and AH headers in a bounded loop, with a variable offset bounded
 * against data_end at every step. Then:
 *   - a type-0 routing header (deprecated by RFC 5095)  -> XDP_DROP
 *   - a longer chain, or a header running off the frame -> XDP_DROP
 *   - a non-first fragment (no L4 header)              -> XDP_PASS
 *   - TCP to port 23                                   -> XDP_DROP
 *   - anything else                                    -> XDP_PASS
 * `l4_stats` counts the upper-layer protocol found (TCP, UDP, ICMPv6,
 * other, fragment, dropped). Non-IPv6 frames pass uncounted.
 */
#include "include/xdp_common.h"

#define MAX_EXT_HDRS 6

#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_NONE 59
#define NEXTHDR_DEST 60
#define NEXTHDR_ICMPV6 58

/* struct ipv6_opt_hdr and struct ipv6_rt_hdr come from linux/ipv6.h. */
struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

enum { L4_TCP, L4_UDP, L4_ICMPV6, L4_OTHER, L4_FRAGMENT, L4_DROPPED, NR_L4_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_L4_STATS);
	__type(key, __u32);
	__type(value, __u64);
} l4_stats SEC(".maps");

static __always_inline int l4_count(__u32 stat, int action)
{
	__u64 *v = bpf_map_lookup_elem(&l4_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
	return action;
}

SEC("xdp")
int xdp_ipv6_ext(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	struct ethhdr *eth;
	struct ipv6hdr *ip6h;
	struct ipv6_opt_hdr *opt;
	struct ipv6_rt_hdr *rth;
	struct ipv6_frag_hdr *fh;
	struct tcphdr *th;
	int eth_type, nexthdr, i;

	eth_type = parse_ethhdr(&c, &eth);
	if (eth_type < 0)
		return XDP_DROP;
	if (eth_type != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	nexthdr = parse_ip6hdr(&c, &ip6h);
	if (nexthdr < 0)
		return l4_count(L4_DROPPED, XDP_DROP);

	for (i = 0; i < MAX_EXT_HDRS; i++) {
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			opt = c.pos;
			if ((void *)(opt + 1) > data_end)
				return l4_count(L4_DROPPED, XDP_DROP);
			nexthdr = opt->nexthdr;
			c.pos += (opt->hdrlen + 1) * 8;
			break;
		case NEXTHDR_ROUTING:
			rth = c.pos;
			if ((void *)(rth + 1) > data_end)
				return l4_count(L4_DROPPED, XDP_DROP);
			if (rth->type == 0)
				return l4_count(L4_DROPPED, XDP_DROP);
			nexthdr = rth->nexthdr;
			c.pos += (rth->hdrlen + 1) * 8;
			break;
		case NEXTHDR_FRAGMENT:
			fh = c.pos;
			if ((void *)(fh + 1) > data_end)
				return l4_count(L4_DROPPED, XDP_DROP);
			if (fh->frag_off & bpf_htons(0xfff8))
				return l4_count(L4_FRAGMENT, XDP_PASS);
			nexthdr = fh->nexthdr;
			c.pos = fh + 1;
			break;
		case NEXTHDR_AUTH:
			opt = c.pos;
			if ((void *)(opt + 1) > data_end)
				return l4_count(L4_DROPPED, XDP_DROP);
			nexthdr = opt->nexthdr;
			c.pos += (opt->hdrlen + 2) * 4;
			break;
		default:
			goto found;
		}
	}
	/* Still an extension header after MAX_EXT_HDRS of them. */
	if (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_DEST || nexthdr == NEXTHDR_ROUTING ||
	    nexthdr == NEXTHDR_FRAGMENT || nexthdr == NEXTHDR_AUTH)
		return l4_count(L4_DROPPED, XDP_DROP);

found:
	switch (nexthdr) {
	case IPPROTO_TCP:
		th = c.pos;
		if ((void *)(th + 1) > data_end)
			return l4_count(L4_DROPPED, XDP_DROP);
		if (th->dest == bpf_htons(23))
			return l4_count(L4_DROPPED, XDP_DROP);
		return l4_count(L4_TCP, XDP_PASS);
	case IPPROTO_UDP:
		if (c.pos + sizeof(struct udphdr) > data_end)
			return l4_count(L4_DROPPED, XDP_DROP);
		return l4_count(L4_UDP, XDP_PASS);
	case NEXTHDR_ICMPV6:
		return l4_count(L4_ICMPV6, XDP_PASS);
	default:
		return l4_count(L4_OTHER, XDP_PASS);
	}
}

char LICENSE[] SEC("license") = "GPL";
