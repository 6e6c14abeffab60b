// SPDX-License-Identifier: GPL-2.0
/*
 * firewall: drop IPv4 traffic from blocklisted source addresses.
 *
 * The host fills `blocklist` (key: IPv4 source address in network order,
 * value: a 64-bit hit counter the program increments). Frames from a listed
 * source are dropped; everything else passes. A malformed IPv4 header is
 * an error (XDP_ABORTED, visible in the xdp:xdp_exception tracepoint).
 * `verdict_cnt` counts frames per returned action.
 */
#include "include/xdp_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __be32);
	__type(value, __u64);
} blocklist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1);
	__type(key, __u32);
	__type(value, __u64);
} verdict_cnt SEC(".maps");

static __always_inline int record(__u32 action)
{
	__u64 *cnt = bpf_map_lookup_elem(&verdict_cnt, &action);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return action;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	struct ethhdr *eth;
	struct iphdr *iph;
	__u64 *hits;
	__be32 saddr;
	int eth_type;

	eth_type = parse_ethhdr(&c, &eth);
	if (eth_type < 0)
		return record(XDP_DROP);
	if (eth_type != bpf_htons(ETH_P_IP))
		return record(XDP_PASS);
	if (parse_iphdr(&c, &iph) < 0)
		return record(XDP_ABORTED);

	saddr = iph->saddr;
	hits = bpf_map_lookup_elem(&blocklist, &saddr);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return record(XDP_DROP);
	}
	return record(XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
