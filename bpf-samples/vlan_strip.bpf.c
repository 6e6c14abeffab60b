// SPDX-License-Identifier: GPL-2.0
/*
 * vlan_strip: pops the outer 802.1Q tag of a frame before the host sees it.
 *
 * A frame whose EtherType is 802.1Q loses its 4-byte tag: the two MAC
 * addresses move 4 bytes towards the payload, the tag's encapsulated
 * EtherType takes the place of the 802.1Q one, and bpf_xdp_adjust_head(+4)
 * cuts the first 4 bytes. QinQ (802.1ad outer tags) and untagged frames
 * pass untouched; a frame too short for its tag is dropped.
 */
#include "include/xdp_common.h"

SEC("xdp")
int xdp_vlan_strip(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct vlan_hdr *vlh;
	__u8 dst[ETH_ALEN], src[ETH_ALEN];
	__be16 inner;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_8021Q))
		return XDP_PASS;

	vlh = (void *)(eth + 1);
	if ((void *)(vlh + 1) > data_end)
		return XDP_DROP;
	inner = vlh->h_vlan_encapsulated_proto;
	__builtin_memcpy(dst, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(src, eth->h_source, ETH_ALEN);

	if (bpf_xdp_adjust_head(ctx, (int)sizeof(*vlh)))
		return XDP_DROP;

	data_end = (void *)(long)ctx->data_end;
	data = (void *)(long)ctx->data;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	eth->h_proto = inner;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
