// SPDX-License-Identifier: GPL-2.0
/*
 * redirect_port: a static MAC forwarding table.
 *
 * Looks the destination MAC up in `mac_table` (host-filled: MAC -> egress
 * ifindex) and redirects the frame there with bpf_redirect(ifindex, 0).
 * Broadcast and multicast destinations and unknown MACs go to the host
 * stack (XDP_PASS), which floods or learns. Runts drop. Per-ifindex
 * forwarded-frame counters live in `fwd_count` (a HASH keyed by ifindex,
 * created on first use).
 */
#include "include/xdp_common.h"

struct mac_key {
	__u8 addr[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct mac_key);
	__type(value, __u32); /* ifindex */
} mac_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} fwd_count SEC(".maps");

SEC("xdp")
int xdp_redirect_port(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct mac_key key;
	__u32 *ifindex, out;
	__u64 *cnt, one = 1;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	/* I/G bit: group address (broadcast or multicast). */
	if (eth->h_dest[0] & 1)
		return XDP_PASS;

	__builtin_memcpy(key.addr, eth->h_dest, ETH_ALEN);
	ifindex = bpf_map_lookup_elem(&mac_table, &key);
	if (!ifindex)
		return XDP_PASS;
	out = *ifindex;

	cnt = bpf_map_lookup_elem(&fwd_count, &out);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		bpf_map_update_elem(&fwd_count, &out, &one, BPF_NOEXIST);

	return bpf_redirect(out, 0);
}

char LICENSE[] SEC("license") = "GPL";
