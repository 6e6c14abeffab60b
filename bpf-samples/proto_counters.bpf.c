// SPDX-License-Identifier: GPL-2.0
/*
 * proto_counters: packet and byte counters per IP protocol.
 *
 * Index = IPv4 protocol / IPv6 next header (0..255); index 256 counts
 * non-IP frames and index 257 frames too short to classify. Counts go both
 * into a shared ARRAY (atomic adds, as every CPU writes the same entry) and
 * into a PERCPU_ARRAY (plain per-CPU slots, summed by the host). Every frame
 * passes.
 */
#include "include/xdp_common.h"

#define IDX_NON_IP 256
#define IDX_RUNT 257
#define NR_IDX 258

struct datarec {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_IDX);
	__type(key, __u32);
	__type(value, struct datarec);
} proto_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_IDX);
	__type(key, __u32);
	__type(value, struct datarec);
} proto_stats_percpu SEC(".maps");

static __always_inline __u32 classify(struct hdr_cursor *c)
{
	struct ethhdr *eth;
	struct iphdr *iph;
	struct ipv6hdr *ip6h;
	int eth_type, proto;

	eth_type = parse_ethhdr(c, &eth);
	if (eth_type < 0)
		return IDX_RUNT;
	if (eth_type == bpf_htons(ETH_P_IP))
		proto = parse_iphdr(c, &iph);
	else if (eth_type == bpf_htons(ETH_P_IPV6))
		proto = parse_ip6hdr(c, &ip6h);
	else
		return IDX_NON_IP;
	if (proto < 0)
		return IDX_RUNT;
	return proto & 0xff;
}

SEC("xdp")
int xdp_proto_counters(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	__u64 bytes = data_end - data;
	struct datarec *rec;
	__u32 key;

	key = classify(&c);

	rec = bpf_map_lookup_elem(&proto_stats, &key);
	if (rec) {
		__sync_fetch_and_add(&rec->packets, 1);
		__sync_fetch_and_add(&rec->bytes, bytes);
	}

	rec = bpf_map_lookup_elem(&proto_stats_percpu, &key);
	if (rec) {
		rec->packets++;
		rec->bytes += bytes;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
