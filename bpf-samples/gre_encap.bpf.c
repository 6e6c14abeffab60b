// SPDX-License-Identifier: GPL-2.0
/*
 * gre_encap: wraps IPv4 traffic into a GRE tunnel on its way out.
 *
 * An untagged IPv4 frame gets 24 bytes in front of its IPv4 header
 * (bpf_xdp_adjust_head(-24)): a new Ethernet header (same MACs), an outer
 * IPv4 header from this host's tunnel address to the peer's (DF, TTL 64,
 * protocol GRE, total length from the inner header, its checksum computed
 * with bpf_csum_diff) and a plain GRE header (no key, no sequence) carrying
 * EtherType IPv4; XDP_TX sends it back out. Other frames pass, truncated
 * ones are dropped.
 */
#include "include/xdp_common.h"

#define TUNNEL_LOCAL 0xc0000201  /* 192.0.2.1 */
#define TUNNEL_PEER 0xc6336401   /* 198.51.100.1 */

struct grehdr {
	__be16 flags;
	__be16 protocol;
};

#define ENCAP_LEN ((int)(sizeof(struct iphdr) + sizeof(struct grehdr)))

SEC("xdp")
int xdp_gre_encap(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data, *neth;
	struct iphdr *inner, *outer;
	struct grehdr *gre;
	__u8 dst[ETH_ALEN], src[ETH_ALEN];
	__u16 inner_len;
	__u32 csum;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	inner = (void *)(eth + 1);
	if ((void *)(inner + 1) > data_end)
		return XDP_DROP;

	inner_len = bpf_ntohs(inner->tot_len);
	__builtin_memcpy(dst, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(src, eth->h_source, ETH_ALEN);

	if (bpf_xdp_adjust_head(ctx, -ENCAP_LEN))
		return XDP_DROP;

	data_end = (void *)(long)ctx->data_end;
	data = (void *)(long)ctx->data;
	neth = data;
	outer = (void *)(neth + 1);
	gre = (void *)(outer + 1);
	if ((void *)(gre + 1) > data_end)
		return XDP_DROP;

	__builtin_memcpy(neth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(neth->h_source, src, ETH_ALEN);
	neth->h_proto = bpf_htons(ETH_P_IP);

	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + ENCAP_LEN);
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000); /* DF */
	outer->ttl = 64;
	outer->protocol = IPPROTO_GRE;
	outer->check = 0;
	outer->saddr = bpf_htonl(TUNNEL_LOCAL);
	outer->daddr = bpf_htonl(TUNNEL_PEER);
	csum = bpf_csum_diff(0, 0, (__be32 *)outer, sizeof(*outer), 0);
	outer->check = csum_fold_helper(csum);

	gre->flags = 0;
	gre->protocol = bpf_htons(ETH_P_IP);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
