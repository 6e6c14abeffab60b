// SPDX-License-Identifier: GPL-2.0
/*
 * pkt_bytes: headers through bpf_xdp_load_bytes / bpf_xdp_store_bytes, the
 * style of programs written to work on multi-buffer frames (no direct
 * packet pointers): the Ethernet and IPv4 headers are copied to the stack,
 * the TTL is decremented with an incremental checksum update and the IPv4
 * header written back; the frame length comes from bpf_xdp_get_buff_len.
 * Frames too short for the copy see the helpers' -EINVAL and are dropped;
 * TTL <= 1 and frames over 1514 bytes pass to the host, frames over 4000
 * bytes (their tail in the kernel's fragments past 3520) are dropped.
 */
#include "../../bpf-samples/include/xdp_common.h"

SEC("xdp")
int xdp_pkt_bytes(struct xdp_md *ctx)
{
	struct ethhdr eth;
	struct iphdr iph;
	__u32 csum;
	long err;
	__u64 len;

	if (bpf_xdp_load_bytes(ctx, 0, &eth, sizeof(eth)) < 0)
		return XDP_DROP;
	if (eth.h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	err = bpf_xdp_load_bytes(ctx, sizeof(eth), &iph, sizeof(iph));
	if (err)
		return err == -22 ? XDP_DROP : XDP_ABORTED;
	len = bpf_xdp_get_buff_len(ctx);	/* the whole frame: jumbo too */
	if (len > 4000)
		return XDP_DROP;
	if (len > 1514)
		return XDP_PASS;
	if (iph.ttl <= 1)
		return XDP_PASS;

	/* RFC 1624: the TTL is the high byte of its 16-bit word */
	csum = (__u16)~iph.check;
	csum += (__u16)~bpf_htons(iph.ttl << 8);
	iph.ttl--;
	csum += bpf_htons(iph.ttl << 8);
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	iph.check = (__u16)~csum;
	if (bpf_xdp_store_bytes(ctx, sizeof(eth), &iph, sizeof(iph)))
		return XDP_ABORTED;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
