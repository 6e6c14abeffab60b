// SPDX-License-Identifier: GPL-2.0
/*
 * ecmp_steer: weighted multipath steering of flows over four egress ports.
 *
 * Written the way programs for multi-buffer frames are written: headers are
 * copied to the stack with bpf_xdp_load_bytes instead of read through
 * packet pointers. A flow hash over the IPv4 addresses, the protocol and,
 * for TCP and UDP, the ports (at ihl * 4) picks a point in [0, 64); a
 * bpf_loop over the four paths walks their cumulative weights (.rodata,
 * set by the loader) and stops at the path whose share holds the point;
 * the frame is redirected to that path's egress ifindex. Non-IPv4 frames
 * pass to the host; a header the frame is too short for drops (the copy's
 * -EINVAL); IPv4 fragments after the first are hashed without ports.
 */
#include "include/xdp_common.h"

#define NR_PATHS 4

/* .rodata: shares of 64, and the egress ifindex of each path */
const volatile __u32 path_weight[NR_PATHS] = { 24, 16, 16, 8 };
const volatile __u32 path_ifindex[NR_PATHS] = { 2, 3, 4, 5 };

struct pick {
	__u32 point;	/* the flow's point in [0, 64) */
	__u32 upto;	/* cumulative weight of the paths walked so far */
	__u32 ifindex;	/* the chosen path's egress */
};

static long walk_path(__u32 i, void *data)
{
	struct pick *p = data;

	if (i >= NR_PATHS)
		return 1;
	p->upto += path_weight[i];
	if (p->point < p->upto) {
		p->ifindex = path_ifindex[i];
		return 1;
	}
	return 0;
}

SEC("xdp")
int xdp_ecmp_steer(struct xdp_md *ctx)
{
	struct ethhdr eth;
	struct iphdr iph;
	__u16 ports[2] = { 0, 0 };
	struct pick p = { .ifindex = path_ifindex[NR_PATHS - 1] };
	__u32 h;

	if (bpf_xdp_load_bytes(ctx, 0, &eth, sizeof(eth)))
		return XDP_DROP;
	if (eth.h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (bpf_xdp_load_bytes(ctx, sizeof(eth), &iph, sizeof(iph)))
		return XDP_DROP;
	if (iph.ihl < 5)
		return XDP_DROP;
	if ((iph.protocol == IPPROTO_TCP || iph.protocol == IPPROTO_UDP) &&
	    !(iph.frag_off & bpf_htons(IP_OFFSET))) {
		if (bpf_xdp_load_bytes(ctx, sizeof(eth) + iph.ihl * 4, ports, sizeof(ports)))
			return XDP_DROP;
	}

	/* multiplicative hashing: the top 6 bits of the product are the point */
	h = (iph.saddr ^ iph.daddr ^ ((__u32)ports[0] << 16 | ports[1])) + iph.protocol;
	h *= 0x9e3779b1;
	p.point = h >> 26;
	bpf_loop(NR_PATHS, walk_path, &p, 0);
	return bpf_redirect(p.ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
