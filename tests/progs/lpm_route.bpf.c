// lpm_route.bpf.c: fixture for LPM tries on the datapath (issue 6, LPM
// step 2). An IPv4 router's forwarding decision without a devmap: the
// destination address is looked up in an LPM trie of routes that the host
// fills ({prefixlen, addr} -> {egress port, next-hop MAC}); a route to port
// 0 is local (XDP_PASS to the host stack), any other port gets the next
// hop's MAC written into the Ethernet destination and bpf_redirect(port).
// No route: XDP_DROP. Every decision is counted in an array indexed by the
// outcome. tests/progs/lpm_route.maps.json holds overlapping prefixes and
// /32 host routes; lpm_route_default.maps.json adds a /0 default route.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct route_key {
	__u32 prefixlen;
	__u32 daddr; /* network order */
};

struct route {
	__u32 port;
	__u8 nh_mac[6];
	__u16 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct route_key);
	__type(value, struct route);
} routes SEC(".maps");

enum { OUT_LOCAL, OUT_FORWARD, OUT_NO_ROUTE, OUT_NOT_IP, OUT_MAX };

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OUT_MAX);
	__type(key, __u32);
	__type(value, struct counter);
} outcomes SEC(".maps");

SEC("xdp")
int xdp_lpm_route(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct route_key key;
	struct route *rt;
	struct counter *c;
	__u32 out;
	int verdict;

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) {
		out = OUT_NOT_IP;
		verdict = XDP_PASS;
		goto count;
	}

	key.prefixlen = 32;
	key.daddr = ip->daddr;
	rt = bpf_map_lookup_elem(&routes, &key);
	if (!rt) {
		out = OUT_NO_ROUTE;
		verdict = XDP_DROP;
	} else if (rt->port == 0) {
		out = OUT_LOCAL;
		verdict = XDP_PASS;
	} else {
		__builtin_memcpy(eth->h_dest, rt->nh_mac, sizeof(eth->h_dest));
		out = OUT_FORWARD;
		verdict = bpf_redirect(rt->port, 0);
	}

count:
	c = bpf_map_lookup_elem(&outcomes, &out);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, (__u64)(data_end - data));
	}
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
