// SPDX-License-Identifier: GPL-2.0
/*
 * global_data: a policy configured through global variables.
 *
 * .rodata (const volatile, set by the loader before load, frozen after):
 *   max_frame_len, allow_ipv6, blocked_port.
 * .data (initialised, writable): drop_budget, the number of blocked-port
 *   packets still to drop; once it reaches 0 they pass ("trial" mode).
 *   Also the last TTL seen.
 * .bss (zeroed, writable): packet, byte and drop counters.
 * Frames longer than max_frame_len drop; IPv6 drops unless allowed; TCP or
 * UDP to blocked_port drops while the budget lasts; the rest passes.
 */
#include "include/xdp_common.h"

/* .rodata */
const volatile __u32 max_frame_len = 1518;
const volatile __u8 allow_ipv6 = 0;
const volatile __u16 blocked_port = 8080;

/* .data */
__u32 drop_budget = 4;
__u8 last_ttl = 255;

/* .bss */
__u64 rx_packets;
__u64 rx_bytes;
__u64 dropped[4]; /* by reason: length, ipv6, port, malformed */

enum { DROP_LEN, DROP_IPV6, DROP_PORT, DROP_MALFORMED };

static __always_inline int drop(int reason)
{
	dropped[reason]++;
	return XDP_DROP;
}

SEC("xdp")
int xdp_global_data(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data, .end = data_end };
	__u32 len = data_end - data;
	struct ethhdr *eth;
	struct iphdr *iph;
	__be16 *ports;
	int eth_type, proto;

	rx_packets++;
	rx_bytes += len;

	if (len > max_frame_len)
		return drop(DROP_LEN);

	eth_type = parse_ethhdr(&c, &eth);
	if (eth_type < 0)
		return drop(DROP_MALFORMED);
	if (eth_type == bpf_htons(ETH_P_IPV6))
		return allow_ipv6 ? XDP_PASS : drop(DROP_IPV6);
	if (eth_type != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	proto = parse_iphdr(&c, &iph);
	if (proto < 0)
		return drop(DROP_MALFORMED);
	last_ttl = iph->ttl;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return XDP_PASS;
	if (iph->frag_off & bpf_htons(IP_OFFSET))
		return XDP_PASS;

	ports = c.pos;
	if ((void *)(ports + 2) > data_end)
		return drop(DROP_MALFORMED);
	if (ports[1] == bpf_htons(blocked_port) && drop_budget > 0) {
		drop_budget--;
		return drop(DROP_PORT);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
