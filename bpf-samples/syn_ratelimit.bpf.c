// SPDX-License-Identifier: GPL-2.0
/*
 * syn_ratelimit: per-source SYN flood limiter.
 *
 * For every TCP SYN (SYN set, ACK clear) over IPv4, possibly VLAN-tagged,
 * keeps per-source state in an LRU hash: the start of the current window
 * (bpf_ktime_get_ns) and the number of SYNs seen in it. A window lasts
 * WINDOW_NS from its first SYN; the first SYN after that starts a new one.
 * More than SYN_THRESHOLD SYNs in one window are dropped. Non-SYN traffic
 * passes untouched. Verdicts depend only on arrival order as long as a
 * capture is replayed within one second.
 */
#include "include/xdp_common.h"

#define WINDOW_NS 1000000000ULL /* 1 s */
#define SYN_THRESHOLD 5

struct syn_state {
	__u64 start; /* ktime of the first SYN of the window */
	__u32 count; /* SYNs seen in the window */
	__u32 dropped;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __be32);
	__type(value, struct syn_state);
} syn_state SEC(".maps");

enum { SYN_PASSED, SYN_DROPPED, NON_SYN, NR_SYN_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SYN_STATS);
	__type(key, __u32);
	__type(value, __u64);
} syn_stats SEC(".maps");

static __always_inline int syn_count(__u32 stat, int action)
{
	__u64 *v = bpf_map_lookup_elem(&syn_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
	return action;
}

SEC("xdp")
int xdp_syn_ratelimit(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct tcphdr *th;
	struct syn_state *st, fresh = {};
	__be32 saddr;
	__u64 now;
	int eth_type;

	eth_type = parse_ethhdr(&c, &eth);
	if (eth_type < 0)
		return XDP_DROP;
	if (eth_type != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (parse_iphdr(&c, &iph) < 0)
		return XDP_DROP;
	if (iph->protocol != IPPROTO_TCP || (iph->frag_off & bpf_htons(IP_OFFSET)))
		return syn_count(NON_SYN, XDP_PASS);
	th = c.pos;
	if ((void *)(th + 1) > data_end)
		return XDP_DROP;
	if (!th->syn || th->ack)
		return syn_count(NON_SYN, XDP_PASS);

	saddr = iph->saddr;
	now = bpf_ktime_get_ns();
	st = bpf_map_lookup_elem(&syn_state, &saddr);
	if (!st) {
		fresh.start = now;
		fresh.count = 1;
		bpf_map_update_elem(&syn_state, &saddr, &fresh, BPF_ANY);
		return syn_count(SYN_PASSED, XDP_PASS);
	}
	if (now - st->start > WINDOW_NS) {
		st->start = now;
		st->count = 0;
	}
	st->count++;
	if (st->count > SYN_THRESHOLD) {
		st->dropped++;
		return syn_count(SYN_DROPPED, XDP_DROP);
	}
	return syn_count(SYN_PASSED, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
