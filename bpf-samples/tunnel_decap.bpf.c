// SPDX-License-Identifier: GPL-2.0
/*
 * tunnel_decap: terminates IPIP, IPv6-in-IPv4 (SIT) and GRE tunnels.
 *
 * For an untagged IPv4 packet addressed to one of our tunnel endpoints
 * (`tunnel_endpoints`, filled by the host) that carries IPIP (proto 4),
 * IPv6 (proto 41) or GRE version 0 (proto 47, with optional checksum, key
 * and sequence fields, carrying IPv4 or IPv6), remove the outer IPv4 header
 * (options included) and the GRE header with bpf_xdp_adjust_head (positive
 * delta), write a fresh Ethernet header with the original addresses and the
 * inner EtherType, and pass the inner packet to the host stack. Everything
 * else passes unchanged; outer fragments are left to the stack; a tunnel
 * packet too short for its inner header is dropped. `decap_stats` counts.
 */
#include "include/xdp_common.h"

#define GRE_CSUM 0x8000
#define GRE_ROUTING 0x4000
#define GRE_KEY 0x2000
#define GRE_SEQ 0x1000
#define GRE_VERSION 0x0007

struct gre_base_hdr {
	__be16 flags;
	__be16 protocol;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __be32);
	__type(value, __u32);
} tunnel_endpoints SEC(".maps");

enum { DECAP_IPIP, DECAP_SIT, DECAP_GRE, DECAP_NOT_OURS, DECAP_BAD, NR_DECAP_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_DECAP_STATS);
	__type(key, __u32);
	__type(value, __u64);
} decap_stats SEC(".maps");

static __always_inline int decap_count(__u32 stat, int action)
{
	__u64 *v = bpf_map_lookup_elem(&decap_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
	return action;
}

SEC("xdp")
int xdp_tunnel_decap(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data, orig_eth;
	struct iphdr *iph;
	struct gre_base_hdr *gre;
	__u32 outer_len, stat;
	__u16 inner_proto, flags;
	void *inner;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return decap_count(DECAP_NOT_OURS, XDP_PASS);
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return decap_count(DECAP_BAD, XDP_DROP);
	if (iph->version != 4 || iph->ihl < 5)
		return decap_count(DECAP_BAD, XDP_DROP);
	if (iph->protocol != IPPROTO_IPIP && iph->protocol != IPPROTO_IPV6 &&
	    iph->protocol != IPPROTO_GRE)
		return decap_count(DECAP_NOT_OURS, XDP_PASS);
	if (!bpf_map_lookup_elem(&tunnel_endpoints, &iph->daddr))
		return decap_count(DECAP_NOT_OURS, XDP_PASS);
	if (ipv4_is_fragment(iph))
		return decap_count(DECAP_NOT_OURS, XDP_PASS);

	outer_len = iph->ihl * 4;
	if (iph->protocol == IPPROTO_IPIP) {
		inner_proto = ETH_P_IP;
		stat = DECAP_IPIP;
	} else if (iph->protocol == IPPROTO_IPV6) {
		inner_proto = ETH_P_IPV6;
		stat = DECAP_SIT;
	} else {
		gre = (void *)iph + outer_len;
		if ((void *)(gre + 1) > data_end)
			return decap_count(DECAP_BAD, XDP_DROP);
		flags = bpf_ntohs(gre->flags);
		if (flags & (GRE_VERSION | GRE_ROUTING))
			return decap_count(DECAP_NOT_OURS, XDP_PASS);
		inner_proto = bpf_ntohs(gre->protocol);
		if (inner_proto != ETH_P_IP && inner_proto != ETH_P_IPV6)
			return decap_count(DECAP_NOT_OURS, XDP_PASS);
		outer_len += sizeof(*gre);
		if (flags & GRE_CSUM)
			outer_len += 4;
		if (flags & GRE_KEY)
			outer_len += 4;
		if (flags & GRE_SEQ)
			outer_len += 4;
		stat = DECAP_GRE;
	}

	/* The inner header must be there before we commit to the decap. */
	inner = (void *)iph + outer_len;
	if (inner_proto == ETH_P_IP) {
		if (inner + sizeof(struct iphdr) > data_end)
			return decap_count(DECAP_BAD, XDP_DROP);
	} else {
		if (inner + sizeof(struct ipv6hdr) > data_end)
			return decap_count(DECAP_BAD, XDP_DROP);
	}

	__builtin_memcpy(&orig_eth, eth, sizeof(orig_eth));
	if (bpf_xdp_adjust_head(ctx, (int)outer_len))
		return decap_count(DECAP_BAD, XDP_DROP);

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return decap_count(DECAP_BAD, XDP_DROP);
	__builtin_memcpy(eth->h_dest, orig_eth.h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_source, orig_eth.h_source, ETH_ALEN);
	eth->h_proto = bpf_htons(inner_proto);

	return decap_count(stat, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
