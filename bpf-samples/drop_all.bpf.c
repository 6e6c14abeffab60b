// SPDX-License-Identifier: GPL-2.0
/* drop_all: drops every frame at the driver (the classic "blackhole" test). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop_all(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
