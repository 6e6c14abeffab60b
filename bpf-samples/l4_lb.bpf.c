// SPDX-License-Identifier: GPL-2.0
/*
 * l4_lb: a layer-4 load balancer in the style of the IPIP-forwarding LBs.
 *
 * An untagged IPv4 TCP/UDP packet whose {daddr, dport, proto} is a VIP in
 * `vips` is sent to one backend: a hash of the 5-tuple picks slot
 * first + hash % count of the `backends` array, so a flow always reaches
 * the same backend. The packet is encapsulated in IPIP (bpf_xdp_adjust_head
 * with -20 bytes): a new outer IPv4 header from LB_SRC_ADDR to the backend,
 * its checksum computed in full over the header words, and a new Ethernet
 * header toward the backend's MAC. The frame leaves where it came in
 * (XDP_TX). Non-VIP traffic passes; fragments of VIP traffic pass (no L4
 * header to hash); a VIP without a usable backend drops.
 */
#include "include/xdp_common.h"

#define MAX_BACKENDS 16
#define MAX_BACKENDS_PER_VIP 8
#define LB_SRC_ADDR 0x0a000001 /* 10.0.0.1, the LB's tunnel source */
#define IP_DF 0x4000

struct vip_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct vip_meta {
	__u32 first; /* first slot in backends */
	__u32 count; /* number of slots */
};

struct backend {
	__be32 addr;
	__u8 mac[ETH_ALEN];
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct vip_key);
	__type(value, struct vip_meta);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

enum { LB_ENCAP, LB_NOT_VIP, LB_NO_BACKEND, LB_FRAGMENT, LB_ERROR, NR_LB_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_LB_STATS);
	__type(key, __u32);
	__type(value, __u64);
} lb_stats SEC(".maps");

static __always_inline int lb_count(__u32 stat, int action)
{
	__u64 *v = bpf_map_lookup_elem(&lb_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
	return action;
}

static __always_inline __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

static __always_inline __u32 flow_hash(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport,
				       __u8 proto)
{
	__u32 h = mix32(((__u32)sport << 16 | dport) ^ proto);

	h = mix32(h ^ daddr);
	return mix32(h ^ saddr);
}

/* Full Internet checksum of an option-less IPv4 header. */
static __always_inline __u16 ipv4_csum(struct iphdr *iph)
{
	__u16 *word = (__u16 *)iph;
	__u32 sum = 0;
	int i;

	for (i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += word[i];
	return csum_fold_helper(sum);
}

SEC("xdp")
int xdp_l4_lb(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data, *new_eth;
	struct iphdr *iph, *outer;
	struct vip_key vk = {};
	struct vip_meta *vip;
	struct backend *be;
	__u8 lb_mac[ETH_ALEN];
	__be16 sport, dport;
	__u16 inner_len;
	__u32 slot, count;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return lb_count(LB_NOT_VIP, XDP_PASS);
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return lb_count(LB_ERROR, XDP_DROP);
	if (iph->version != 4 || iph->ihl < 5)
		return lb_count(LB_ERROR, XDP_DROP);
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return lb_count(LB_NOT_VIP, XDP_PASS);
	if (ipv4_is_fragment(iph))
		return lb_count(LB_FRAGMENT, XDP_PASS);

	/* TCP and UDP both start with the two ports. */
	l4 = (void *)iph + iph->ihl * 4;
	if (l4 + 4 > data_end)
		return lb_count(LB_ERROR, XDP_DROP);
	sport = *(__be16 *)l4;
	dport = *(__be16 *)(l4 + 2);

	vk.addr = iph->daddr;
	vk.port = dport;
	vk.proto = iph->protocol;
	vip = bpf_map_lookup_elem(&vips, &vk);
	if (!vip)
		return lb_count(LB_NOT_VIP, XDP_PASS);

	count = vip->count;
	if (count == 0 || count > MAX_BACKENDS_PER_VIP)
		return lb_count(LB_NO_BACKEND, XDP_DROP);
	slot = vip->first + flow_hash(iph->saddr, iph->daddr, sport, dport, iph->protocol) % count;
	be = bpf_map_lookup_elem(&backends, &slot);
	if (!be || be->addr == 0)
		return lb_count(LB_NO_BACKEND, XDP_DROP);

	inner_len = bpf_ntohs(iph->tot_len);
	__builtin_memcpy(lb_mac, eth->h_dest, ETH_ALEN);

	if (bpf_xdp_adjust_head(ctx, 0 - (int)sizeof(struct iphdr)))
		return lb_count(LB_ERROR, XDP_DROP);

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	new_eth = data;
	outer = (void *)(new_eth + 1);
	if ((void *)(outer + 1) > data_end)
		return lb_count(LB_ERROR, XDP_DROP);

	__builtin_memcpy(new_eth->h_dest, be->mac, ETH_ALEN);
	__builtin_memcpy(new_eth->h_source, lb_mac, ETH_ALEN);
	new_eth->h_proto = bpf_htons(ETH_P_IP);

	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	outer->id = 0;
	outer->frag_off = bpf_htons(IP_DF);
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = bpf_htonl(LB_SRC_ADDR);
	outer->daddr = be->addr;
	outer->check = ipv4_csum(outer);

	return lb_count(LB_ENCAP, XDP_TX);
}

char LICENSE[] SEC("license") = "GPL";
