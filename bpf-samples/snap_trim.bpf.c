// SPDX-License-Identifier: GPL-2.0
/*
 * snap_trim: the front end of a packet sampler that hands frames to a
 * capture process on the host, as tcpdump's -s would have cut them.
 *
 * Untagged IPv4 frames first lose their Ethernet padding: a frame longer
 * than 14 + the IPv4 total length is trimmed to it (bpf_xdp_adjust_tail
 * with a negative delta); a total length that claims more than the frame
 * holds, or less than the header, is malformed and dropped. Then every frame
 * longer than the snap length (SNAP_LEN bytes) is cut to it. A trim the
 * kernel refuses (it never should here) aborts. Everything left goes to the
 * host (XDP_PASS).
 */
#include "include/xdp_common.h"

#define SNAP_LEN 96

SEC("xdp")
int xdp_snap_trim(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	int len, want;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		iph = (void *)(eth + 1);
		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		len = (int)(data_end - data);
		want = (int)sizeof(*eth) + bpf_ntohs(iph->tot_len);
		if (want > len || want < (int)(sizeof(*eth) + sizeof(*iph)))
			return XDP_DROP;
		if (want < len && bpf_xdp_adjust_tail(ctx, want - len))
			return XDP_ABORTED;
	}

	/* the packet may have moved: reload the pointers */
	data_end = (void *)(long)ctx->data_end;
	data = (void *)(long)ctx->data;
	len = (int)(data_end - data);
	if (len > SNAP_LEN && bpf_xdp_adjust_tail(ctx, SNAP_LEN - len))
		return XDP_ABORTED;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
