// SPDX-License-Identifier: GPL-2.0
/*
 * router: a minimal IPv4 forwarding plane.
 *
 * Looks the destination address up in an LPM trie of routes (filled by
 * the host: {prefixlen, addr} -> {egress port, next-hop MAC, our MAC}),
 * rewrites the Ethernet addresses from the route, decrements the TTL with
 * an incremental header-checksum update and redirects the frame to the
 * egress port through a DEVMAP. Frames whose TTL would expire (TTL <= 1),
 * frames without a route and everything that is not untagged IPv4 go to
 * the host stack, which sends the ICMP errors. A route whose port has no
 * DEVMAP entry makes bpf_redirect_map fail, which returns XDP_ABORTED.
 */
#include "include/xdp_common.h"

struct route_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

struct route_val {
	__u32 port;          /* key into tx_ports */
	__u8 dmac[ETH_ALEN]; /* next hop */
	__u8 smac[ETH_ALEN]; /* our address on the egress port */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct route_key);
	__type(value, struct route_val);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

enum { RT_FORWARDED, RT_TTL_EXCEEDED, RT_NO_ROUTE, RT_NOT_IPV4, NR_RT_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_RT_STATS);
	__type(key, __u32);
	__type(value, __u64);
} rt_stats SEC(".maps");

static __always_inline void rt_count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&rt_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* TTL is the high byte of the 16-bit word it shares with the protocol. */
static __always_inline void ip_decrease_ttl(struct iphdr *iph)
{
	__be16 old_word = *(__be16 *)&iph->ttl;

	iph->ttl--;
	csum_replace2(&iph->check, old_word, *(__be16 *)&iph->ttl);
}

SEC("xdp")
int xdp_router(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct route_key key;
	struct route_val *rt;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) {
		rt_count(RT_NOT_IPV4);
		return XDP_PASS;
	}
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->version != 4 || iph->ihl < 5)
		return XDP_DROP;

	if (iph->ttl <= 1) {
		rt_count(RT_TTL_EXCEEDED);
		return XDP_PASS;
	}

	key.prefixlen = 32;
	key.addr = iph->daddr;
	rt = bpf_map_lookup_elem(&routes, &key);
	if (!rt) {
		rt_count(RT_NO_ROUTE);
		return XDP_PASS;
	}

	ip_decrease_ttl(iph);
	__builtin_memcpy(eth->h_dest, rt->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, rt->smac, ETH_ALEN);
	rt_count(RT_FORWARDED);
	return bpf_redirect_map(&tx_ports, rt->port, 0);
}

char LICENSE[] SEC("license") = "GPL";
