// SPDX-License-Identifier: GPL-2.0
/*
 * dns_filter: drops DNS queries for blocked names.
 *
 * For a UDP datagram to port 53 over IPv4 (options allowed) or IPv6,
 * possibly VLAN-tagged, that holds a DNS query (QR = 0, QDCOUNT >= 1),
 * walks the QNAME of the first question label by label in bounded loops
 * (at most MAX_LABELS labels of at most 63 bytes, every byte checked
 * against data_end) and hashes it in wire format (length bytes included,
 * ASCII letters folded to lower case) with 32-bit FNV-1a. A name whose hash
 * is in `blocked_names` (filled by the host) is dropped and its counter
 * incremented. Malformed queries (bad label length, compression pointer,
 * too many labels, name running off the packet) pass to the host's
 * resolver, which answers FORMERR.
 */
#include "include/xdp_common.h"

#define DNS_PORT 53
#define MAX_LABELS 8
#define MAX_LABEL_LEN 63
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u
#define DNS_QR 0x8000

struct dnshdr {
	__be16 id;
	__be16 flags;
	__be16 qdcount;
	__be16 ancount;
	__be16 nscount;
	__be16 arcount;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   /* FNV-1a of the lower-cased wire-format QNAME */
	__type(value, __u64); /* queries dropped */
} blocked_names SEC(".maps");

enum { DNS_NOT_DNS, DNS_ALLOWED, DNS_BLOCKED, DNS_MALFORMED, NR_DNS_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_DNS_STATS);
	__type(key, __u32);
	__type(value, __u64);
} dns_stats SEC(".maps");

static __always_inline int dns_count(__u32 stat, int action)
{
	__u64 *v = bpf_map_lookup_elem(&dns_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
	return action;
}

SEC("xdp")
int xdp_dns_filter(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	struct ethhdr *eth;
	struct iphdr *iph;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	struct dnshdr *dns;
	__u32 hash = FNV_OFFSET, l, j, len;
	__u64 *hits;
	int eth_type, proto, done = 0;
	__u8 *p, *q, ch;

	eth_type = parse_ethhdr(&c, &eth);
	if (eth_type < 0)
		return XDP_PASS;
	if (eth_type == bpf_htons(ETH_P_IP)) {
		proto = parse_iphdr(&c, &iph);
		if (proto < 0 || (iph->frag_off & bpf_htons(IP_OFFSET)))
			return dns_count(DNS_NOT_DNS, XDP_PASS);
	} else if (eth_type == bpf_htons(ETH_P_IPV6)) {
		proto = parse_ip6hdr(&c, &ip6h);
	} else {
		return dns_count(DNS_NOT_DNS, XDP_PASS);
	}
	if (proto != IPPROTO_UDP)
		return dns_count(DNS_NOT_DNS, XDP_PASS);
	if (parse_udphdr(&c, &uh) < 0 || uh->dest != bpf_htons(DNS_PORT))
		return dns_count(DNS_NOT_DNS, XDP_PASS);

	dns = c.pos;
	if ((void *)(dns + 1) > data_end)
		return dns_count(DNS_MALFORMED, XDP_PASS);
	if ((dns->flags & bpf_htons(DNS_QR)) || dns->qdcount == 0)
		return dns_count(DNS_NOT_DNS, XDP_PASS);

	p = (void *)(dns + 1);
	/* MAX_LABELS labels, then one more length byte: the terminator. */
	for (l = 0; l <= MAX_LABELS; l++) {
		if ((void *)(p + 1) > data_end)
			break;
		len = *p;
		if (len == 0) {
			done = 1;
			break;
		}
		if (len > MAX_LABEL_LEN || l == MAX_LABELS)
			break;
		hash = (hash ^ len) * FNV_PRIME;
		for (j = 0; j < MAX_LABEL_LEN; j++) {
			if (j >= len)
				break;
			q = p + 1 + j;
			if ((void *)(q + 1) > data_end)
				return dns_count(DNS_MALFORMED, XDP_PASS);
			ch = *q;
			if (ch >= 'A' && ch <= 'Z')
				ch += 'a' - 'A';
			hash = (hash ^ ch) * FNV_PRIME;
		}
		/*
		 * Step over the label. The length byte is read again (it was
		 * checked <= 63 above) instead of reusing `len`: the inner
		 * loop lets the verifier learn `len` exactly on every exit, so
		 * `p += len + 1` would give it one state per length combination
		 * of all labels; a fresh read gives one variable offset.
		 */
		p += (*(volatile __u8 *)p & MAX_LABEL_LEN) + 1;
	}
	if (!done)
		return dns_count(DNS_MALFORMED, XDP_PASS);

	hits = bpf_map_lookup_elem(&blocked_names, &hash);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return dns_count(DNS_BLOCKED, XDP_DROP);
	}
	return dns_count(DNS_ALLOWED, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
