// SPDX-License-Identifier: GPL-2.0
/*
 * redirect_devmap: bpf_redirect_map over a DEVMAP and a DEVMAP_HASH
 * (issue 7; docs/maps-design.md "bpf_redirect_map over devmaps").
 *
 * The destination MAC's last two bytes choose: byte 4 the case, byte 5 the
 * port index, read from the packet and used as the devmap key.
 *   case 0: DEVMAP `ports`, flags 0 (an empty slot or a key past the end:
 *           XDP_ABORTED)
 *   case 1: DEVMAP_HASH `port_ids`, fallback XDP_PASS on a missing key
 *   case 2: DEVMAP `ports`, fallback XDP_DROP
 *   case 3: DEVMAP_HASH, BPF_F_EXCLUDE_INGRESS | XDP_TX (without
 *           BPF_F_BROADCAST the kernel ignores the exclude flag)
 *   case 4: flags outside the masks: XDP_ABORTED whatever the key
 *   others: XDP_PASS
 * Redirected frames get the port index in the source MAC's last byte; every
 * verdict is counted in `verdicts` (the call's value as the key).
 * Map-init: redirect_devmap.maps.json (ifindex 1, the loopback device, so
 * the kernel accepts it) and redirect_devmap_ports.maps.json (other
 * ifindexes, for the engines that report the target: interp, model, rtl).
 */
#include "../../bpf-samples/include/xdp_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} port_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

SEC("xdp")
int xdp_redirect_devmap(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	__u32 port, rc;
	__u64 *n;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	port = eth->h_dest[5];
	switch (eth->h_dest[4]) {
	case 0:
		rc = bpf_redirect_map(&ports, port, 0);
		break;
	case 1:
		rc = bpf_redirect_map(&port_ids, port, XDP_PASS);
		break;
	case 2:
		rc = bpf_redirect_map(&ports, port, XDP_DROP);
		break;
	case 3:
		rc = bpf_redirect_map(&port_ids, port, BPF_F_EXCLUDE_INGRESS | XDP_TX);
		break;
	case 4:
		rc = bpf_redirect_map(&ports, port, 1 << 5);
		break;
	default:
		rc = XDP_PASS;
		break;
	}
	if (rc == XDP_REDIRECT)
		eth->h_source[5] = port;
	n = bpf_map_lookup_elem(&verdicts, &rc);
	if (n)
		__sync_fetch_and_add(n, 1);
	return rc;
}

char LICENSE[] SEC("license") = "GPL";
