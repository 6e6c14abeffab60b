// SPDX-License-Identifier: GPL-2.0
/*
 * loop_mix: bpf_loop with a constant count and a callback that breaks early.
 *
 * A flow tag as load balancers and samplers compute it: the IPv4 addresses
 * mixed in rounds by a callback over a state struct on the caller's stack.
 * The callback stops the loop (returns 1) when the tag's low byte matches
 * the packet's TTL, a data-dependent exit. The tag goes into the source
 * MAC and the verdict depends on the tag and on bpf_loop's return value
 * (the number of rounds run).
 */
#include "../../bpf-samples/include/xdp_common.h"

#define ROUNDS 4

struct mix_state {
	__u32 h;
	__u32 a;
	__u32 b;
	__u32 stop;	/* break when (h & 0xff) == stop */
	__u32 calls;
};

static long mix_round(__u32 idx, void *data)
{
	struct mix_state *s = data;

	s->h ^= s->a + idx;
	s->h += s->b;
	s->calls++;
	return (s->h & 0xff) == s->stop ? 1 : 0;
}

SEC("xdp")
int xdp_loop_mix(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct mix_state s = {};
	struct ethhdr *eth;
	struct iphdr *iph;
	__u16 tag;
	long n;

	eth = data;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	s.h = 0x9e3779b9;
	s.a = iph->saddr;
	s.b = iph->daddr;
	s.stop = iph->ttl;
	n = bpf_loop(ROUNDS, mix_round, &s, 0);
	if (n < 0 || n > ROUNDS || n != s.calls)
		return XDP_ABORTED;

	/* the tag into the last two bytes of the source MAC (a marker a
	 * downstream collector reads) */
	tag = (__u16)(s.h ^ (s.h >> 16));
	*(__u16 *)&eth->h_source[4] = tag;

	if (n < ROUNDS)
		return XDP_TX;		/* stopped early */
	/* bit 0 of the tag after four rounds is always 1: decide on bits 8-9 */
	return ((s.h >> 8) & 3) == 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
