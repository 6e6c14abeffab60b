// SPDX-License-Identifier: GPL-2.0
/* pass_all: the smallest XDP program. Every frame goes on to the host stack. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass_all(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
