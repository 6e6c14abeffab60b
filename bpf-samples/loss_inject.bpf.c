// SPDX-License-Identifier: GPL-2.0
/*
 * loss_inject: a lossy link for testing, the XDP cousin of netem's "loss".
 *
 * TCP and UDP over untagged IPv4 are dropped at random, each with a
 * probability of LOSS_PER_MILLE / 1000 drawn from bpf_get_prandom_u32();
 * control traffic (ARP, ICMP, everything not TCP/UDP over IPv4) always
 * passes, so the link stays manageable. Truncated IPv4 headers are dropped.
 */
#include "include/xdp_common.h"

#define LOSS_PER_MILLE 250

SEC("xdp")
int xdp_loss_inject(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if (bpf_get_prandom_u32() % 1000 < LOSS_PER_MILLE)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
