// adjust_head_var.bpf.c: bpf_xdp_adjust_head with a delta known only per
// packet (docs/helpers.md). An IPIP / GRE terminator for outer IPv4 headers
// with options: the outer header (ihl * 4 bytes, plus the 4 or 8 bytes of a
// GRE header without or with a key) goes with one bpf_xdp_adjust_head whose
// delta depends on the packet; then the Ethernet header is written at the
// new start and the inner IPv4 header is read and written there (TTL
// decrement with an incremental checksum): packet accesses at run-time
// offsets after the call. The outer header is not checked against the
// packet's length before the call, so a packet shorter than that header plus
// 14 bytes makes the call fail (-EINVAL): such packets are dropped, and the
// rest of the stripped packets are sent back out (XDP_TX) or dropped when the
// inner TTL runs out.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define GRE_KEY 0x2000

SEC("xdp")
int xdp_adjust_head_var(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	unsigned char dst[ETH_ALEN], src[ETH_ALEN];
	__u32 hlen;
	__u16 check;

	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->ihl < 5)
		return XDP_PASS;
	hlen = iph->ihl * 4;
	if (iph->protocol == IPPROTO_GRE) {
		__be16 *gre = (void *)iph + hlen;

		if ((void *)(gre + 2) > data_end)
			return XDP_PASS;
		if (gre[1] != bpf_htons(ETH_P_IP))
			return XDP_PASS;
		hlen += gre[0] & bpf_htons(GRE_KEY) ? 8 : 4;
	} else if (iph->protocol != IPPROTO_IPIP) {
		return XDP_PASS;
	}

	__builtin_memcpy(dst, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(src, eth->h_source, ETH_ALEN);
	if (bpf_xdp_adjust_head(ctx, (int)hlen))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	iph = (void *)(eth + 1);
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth->h_dest, src, ETH_ALEN);
	__builtin_memcpy(eth->h_source, dst, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (iph->ttl <= 1)
		return XDP_DROP;
	/* ttl is the high byte of its 16-bit word: the checksum gains 0x0100 */
	check = iph->check;
	__u32 sum = (__u32)check + bpf_htons(0x0100);
	iph->check = (__u16)(sum + (sum >> 16));
	iph->ttl--;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
