// SPDX-License-Identifier: GPL-2.0
/*
 * mac_learn: per-source-MAC traffic accounting in a per-CPU hash.
 *
 * Every frame with a valid (unicast, non-zero) source MAC is counted on
 * that MAC in `mac_stats`, a PERCPU_HASH: the first frame from a MAC
 * creates the entry (bpf_map_update_elem with BPF_NOEXIST), later ones
 * add to it without atomics since each CPU owns its slot. Frames with a
 * group (multicast/broadcast) or all-zero source MAC are invalid on the
 * wire and drop; runts drop; everything else passes.
 */
#include "include/xdp_common.h"

struct mac_key {
	__u8 addr[ETH_ALEN];
};

struct mac_rec {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct mac_key);
	__type(value, struct mac_rec);
} mac_stats SEC(".maps");

SEC("xdp")
int xdp_mac_learn(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct mac_rec *rec, init;
	struct mac_key key;
	__u64 bytes = data_end - data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_source[0] & 1)
		return XDP_DROP;
	if (!(eth->h_source[0] | eth->h_source[1] | eth->h_source[2] | eth->h_source[3] |
	      eth->h_source[4] | eth->h_source[5]))
		return XDP_DROP;

	__builtin_memcpy(key.addr, eth->h_source, ETH_ALEN);
	rec = bpf_map_lookup_elem(&mac_stats, &key);
	if (rec) {
		rec->packets++;
		rec->bytes += bytes;
	} else {
		init.packets = 1;
		init.bytes = bytes;
		bpf_map_update_elem(&mac_stats, &key, &init, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
