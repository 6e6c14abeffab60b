// SPDX-License-Identifier: GPL-2.0
/*
 * ip_blocklist: drop untagged IPv4 traffic from blocklisted source addresses.
 *
 * The plain firewall many deployments start with: no VLAN parsing, the
 * IPv4 header right behind the Ethernet header. The host fills `blocklist`
 * (key: IPv4 source address in network order, value: a 64-bit hit counter
 * the program increments); frames from a listed source are dropped, the rest
 * pass. An IPv4 header that is shorter than 20 bytes or longer than the frame
 * is an error (XDP_ABORTED). `verdict_cnt` counts frames per returned action.
 * Same maps and map-init file as `firewall`, so the host side (and
 * sluice-fw-demo) drives either.
 */
#include "include/xdp_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __be32);
	__type(value, __u64);
} blocklist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1);
	__type(key, __u32);
	__type(value, __u64);
} verdict_cnt SEC(".maps");

static __always_inline int count(__u32 action)
{
	__u64 *cnt = bpf_map_lookup_elem(&verdict_cnt, &action);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return action;
}

SEC("xdp")
int xdp_ip_blocklist(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);
	__u64 *hits;
	__be32 saddr;

	if ((void *)(eth + 1) > data_end)
		return count(XDP_DROP);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(XDP_PASS);
	if ((void *)(iph + 1) > data_end)
		return count(XDP_ABORTED);
	if (iph->ihl < 5 || (void *)iph + iph->ihl * 4 > data_end)
		return count(XDP_ABORTED);

	saddr = iph->saddr;
	hits = bpf_map_lookup_elem(&blocklist, &saddr);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return count(XDP_DROP);
	}
	return count(XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
