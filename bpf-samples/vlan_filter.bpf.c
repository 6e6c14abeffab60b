// SPDX-License-Identifier: GPL-2.0
/*
 * vlan_filter: admits only frames of allowed VLANs.
 *
 * Untagged frames pass. A tagged frame (802.1Q, or 802.1ad QinQ with two
 * tags) passes only if every VLAN id it carries is in `allowed_vlans`
 * (host-filled; key: the 12-bit VLAN id, priority bits masked off). Each
 * admitted frame is counted on the entry of its innermost VLAN (packets
 * and bytes, atomic adds). Everything else drops, including frames whose
 * tag is truncated and VLAN id 4095 (reserved).
 */
#include "include/xdp_common.h"

struct vlan_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u16);
	__type(value, struct vlan_stats);
} allowed_vlans SEC(".maps");

SEC("xdp")
int xdp_vlan_filter(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	struct vlan_stats *st = 0;
	__u16 vids[VLAN_MAX_DEPTH] = {};
	struct ethhdr *eth;
	int nr_vlans = 0, i;

	if (parse_ethhdr_vlan(&c, &eth, vids, &nr_vlans) < 0)
		return XDP_DROP;
	if (nr_vlans == 0)
		return XDP_PASS;

	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		__u16 vid = vids[i];

		if (i >= nr_vlans)
			break;
		if (vid == VLAN_VID_MASK)
			return XDP_DROP;
		st = bpf_map_lookup_elem(&allowed_vlans, &vid);
		if (!st)
			return XDP_DROP;
	}
	if (st) {
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, data_end - data);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
