// SPDX-License-Identifier: GPL-2.0
/*
 * icmp_echo: answers ICMP echo requests (ping) straight from the NIC.
 *
 * For an untagged IPv4 ICMP echo request (type 8, code 0) that is not a
 * fragment: swap the MAC addresses, swap the IP addresses (the IPv4 header
 * checksum is a sum, so it does not change), turn the type into echo reply
 * (0), patch the ICMP checksum incrementally (RFC 1624) and send the frame
 * back out of the port it came from (XDP_TX). Everything else passes;
 * truncated headers are dropped. `icmp_stats` counts replies and others.
 */
#include "include/xdp_common.h"

enum { STAT_REPLIED, STAT_PASSED, STAT_DROPPED, NR_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_STATS);
	__type(key, __u32);
	__type(value, __u64);
} icmp_stats SEC(".maps");

static __always_inline int count(__u32 stat, int action)
{
	__u64 *v = bpf_map_lookup_elem(&icmp_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
	return action;
}

SEC("xdp")
int xdp_icmp_echo(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct icmp_echohdr *icmp;
	__be32 tmp_addr;
	__be16 old_word, new_word;

	if ((void *)(eth + 1) > data_end)
		return count(STAT_DROPPED, XDP_DROP);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(STAT_PASSED, XDP_PASS);

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return count(STAT_DROPPED, XDP_DROP);
	if (iph->ihl < 5)
		return count(STAT_DROPPED, XDP_DROP);
	if (iph->protocol != IPPROTO_ICMP || ipv4_is_fragment(iph))
		return count(STAT_PASSED, XDP_PASS);

	icmp = (void *)iph + iph->ihl * 4;
	if ((void *)(icmp + 1) > data_end)
		return count(STAT_DROPPED, XDP_DROP);
	if (icmp->type != ICMP_ECHO || icmp->code != 0)
		return count(STAT_PASSED, XDP_PASS);

	swap_mac(eth);
	tmp_addr = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = tmp_addr;

	/* type and code share the first 16-bit word of the ICMP header. */
	old_word = *(__be16 *)icmp;
	icmp->type = ICMP_ECHOREPLY;
	new_word = *(__be16 *)icmp;
	csum_replace2(&icmp->checksum, old_word, new_word);

	return count(STAT_REPLIED, XDP_TX);
}

char LICENSE[] SEC("license") = "GPL";
