/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_common.h - shared header of the Sluice XDP samples.
 *
 * Kernel UAPI headers, libbpf's helper macros, and the small header-walking
 * and checksum helpers that almost every XDP program carries in some form.
 * Everything here is static __always_inline: the samples that want real
 * bpf-to-bpf calls (bpf2bpf.bpf.c) define their own noinline functions.
 */
#ifndef SLUICE_XDP_COMMON_H
#define SLUICE_XDP_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* linux/icmp.h pulls in libc's socket headers, so define what we use. */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

struct icmp_echohdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

#define VLAN_MAX_DEPTH 2
#define VLAN_VID_MASK 0x0fff

/* IPv4 fragment bits (host order after bpf_ntohs). */
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* 802.1Q / 802.1ad tag as it follows the MAC addresses. */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

/* Position of the next header to parse; `end` is ctx->data_end. */
struct hdr_cursor {
	void *pos;
	void *end;
};

static __always_inline int proto_is_vlan(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD);
}

/*
 * Parses the Ethernet header and up to VLAN_MAX_DEPTH VLAN tags.
 * Returns the encapsulated EtherType in network order, or -1 when the frame
 * is too short. `vids` (may be NULL) receives the VLAN ids, outer first, and
 * `nr_vlans` how many tags were found.
 */
static __always_inline int parse_ethhdr_vlan(struct hdr_cursor *c, struct ethhdr **ethhdr,
					     __u16 *vids, int *nr_vlans)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vlh;
	__u16 h_proto;
	int i, n = 0;

	if ((void *)(eth + 1) > c->end)
		return -1;
	c->pos = eth + 1;
	*ethhdr = eth;
	h_proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (!proto_is_vlan(h_proto))
			break;
		vlh = c->pos;
		if ((void *)(vlh + 1) > c->end)
			return -1;
		if (vids)
			vids[i] = bpf_ntohs(vlh->h_vlan_TCI) & VLAN_VID_MASK;
		h_proto = vlh->h_vlan_encapsulated_proto;
		c->pos = vlh + 1;
		n++;
	}
	if (nr_vlans)
		*nr_vlans = n;
	return h_proto;
}

static __always_inline int parse_ethhdr(struct hdr_cursor *c, struct ethhdr **ethhdr)
{
	return parse_ethhdr_vlan(c, ethhdr, 0, 0);
}

/* Parses an IPv4 header including options. Returns the protocol or -1. */
static __always_inline int parse_iphdr(struct hdr_cursor *c, struct iphdr **iphdr)
{
	struct iphdr *iph = c->pos;
	int hdrsize;

	if ((void *)(iph + 1) > c->end)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	hdrsize = iph->ihl * 4;
	if (c->pos + hdrsize > c->end)
		return -1;
	c->pos += hdrsize;
	*iphdr = iph;
	return iph->protocol;
}

/* Parses the fixed IPv6 header. Returns the next header or -1. */
static __always_inline int parse_ip6hdr(struct hdr_cursor *c, struct ipv6hdr **ip6hdr)
{
	struct ipv6hdr *ip6h = c->pos;

	if ((void *)(ip6h + 1) > c->end)
		return -1;
	if (ip6h->version != 6)
		return -1;
	c->pos = ip6h + 1;
	*ip6hdr = ip6h;
	return ip6h->nexthdr;
}

static __always_inline int parse_tcphdr(struct hdr_cursor *c, struct tcphdr **tcphdr)
{
	struct tcphdr *th = c->pos;
	int len;

	if ((void *)(th + 1) > c->end)
		return -1;
	len = th->doff * 4;
	if (len < (int)sizeof(*th))
		return -1;
	if (c->pos + len > c->end)
		return -1;
	c->pos += len;
	*tcphdr = th;
	return len;
}

static __always_inline int parse_udphdr(struct hdr_cursor *c, struct udphdr **udphdr)
{
	struct udphdr *uh = c->pos;

	if ((void *)(uh + 1) > c->end)
		return -1;
	c->pos = uh + 1;
	*udphdr = uh;
	return bpf_ntohs(uh->len) - (int)sizeof(*uh);
}

static __always_inline int ipv4_is_fragment(const struct iphdr *iph)
{
	return (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) != 0;
}

/* Folds a 32-bit one's-complement accumulator and complements it. */
static __always_inline __u16 csum_fold_helper(__u32 csum)
{
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	return (__u16)~csum;
}

/*
 * Incremental update of a 16-bit Internet checksum when one 16-bit word
 * changes from `from` to `to` (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 * All three values are in the same (network) byte order.
 */
static __always_inline void csum_replace2(__sum16 *sum, __be16 from, __be16 to)
{
	__u32 csum = (__u16)~*sum;

	csum += (__u16)~from;
	csum += to;
	*sum = csum_fold_helper(csum);
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

#endif /* SLUICE_XDP_COMMON_H */
