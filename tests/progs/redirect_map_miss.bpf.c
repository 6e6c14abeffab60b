// SPDX-License-Identifier: GPL-2.0
/*
 * redirect_map_miss: a bpf_redirect_map that misses clears the target an
 * earlier bpf_redirect set (the kernel's __bpf_xdp_redirect_map), so a
 * program that returns XDP_REDIRECT anyway has its frame dropped by the
 * kernel's xdp_do_redirect; on the NIC the miss sets the target to
 * ifindex 0, which no port has (DROP_REDIRECT_UNKNOWN). The destination
 * MAC's last byte is the DEVMAP key.
 */
#include "../../bpf-samples/include/xdp_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int xdp_redirect_map_miss(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	bpf_redirect(1, 0);
	bpf_redirect_map(&ports, eth->h_dest[5], XDP_PASS);
	return XDP_REDIRECT;
}

char LICENSE[] SEC("license") = "GPL";
