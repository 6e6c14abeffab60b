// vlan_push_var.bpf.c: bpf_xdp_adjust_head with a negative delta known only
// per packet (docs/helpers.md): a provider edge that tags untagged frames
// with one 802.1Q tag, or with an 802.1ad service tag and a customer tag
// when the sender's MAC is odd (a stand-in for a per-port service table),
// i.e. pushes 4 or 8 bytes, and writes the Ethernet header and the tags at
// the new, run-time start (header writes at a negative run-time offset).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_tag {
	__be16 tpid;
	__be16 tci;
};

struct tagged_hdr {
	unsigned char h_dest[ETH_ALEN];
	unsigned char h_source[ETH_ALEN];
	struct vlan_tag outer;
};

SEC("xdp")
int xdp_vlan_push_var(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	unsigned char dst[ETH_ALEN], src[ETH_ALEN];
	struct tagged_hdr *h;
	int ntags;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD))
		return XDP_PASS;
	ntags = (eth->h_source[5] & 1) + 1;
	__builtin_memcpy(dst, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(src, eth->h_source, ETH_ALEN);
	if (bpf_xdp_adjust_head(ctx, -4 * ntags))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	h = data;
	if ((void *)(h + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(h->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(h->h_source, src, ETH_ALEN);
	if (ntags == 2) {
		struct vlan_tag *inner = (void *)(h + 1);

		if ((void *)(inner + 1) > data_end)
			return XDP_ABORTED;
		h->outer.tpid = bpf_htons(ETH_P_8021AD);
		h->outer.tci = bpf_htons(100);
		inner->tpid = bpf_htons(ETH_P_8021Q);
		inner->tci = bpf_htons(200);
	} else {
		h->outer.tpid = bpf_htons(ETH_P_8021Q);
		h->outer.tci = bpf_htons(200);
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
