// map_flows.bpf.c: fixture for multi-slot map keys and 64-bit RMWs by a
// variable amount (issue 6). A 5-tuple flow counter: IPv4 TCP/UDP packets
// without options look up their flow in `flows` (a 16-byte struct key built
// on the stack field by field: 13 bytes and 3 of zero padding, four key
// slots) and count packets (+1) and bytes (64-bit += the frame's length,
// the operand a slot pair); known flows pass, unknown ones drop. A second
// hash is keyed by the source MAC copied from the packet with memcpy
// (6 bytes: two key slots, the second a partial word) and counts 64-bit
// bytes too; a MAC found there is sent back (XDP_TX) without the flow count.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

struct flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
};

struct flow_rec {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct flow_key);
	__type(value, struct flow_rec);
} flows SEC(".maps");

struct mac_key {
	__u8 addr[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct mac_key);
	__type(value, __u64);
} mac_bytes SEC(".maps");

SEC("xdp")
int xdp_map_flows(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	__u64 len = data_end - data;
	struct flow_key fk;
	struct mac_key mk;
	struct flow_rec *r;
	__u64 *mb;
	int verdict = XDP_DROP;

	if (data + 38 > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(mk.addr, p + 6, ETH_ALEN);
	mb = bpf_map_lookup_elem(&mac_bytes, &mk);
	if (mb) {
		*mb += len;
		return XDP_TX;
	}
	if (p[12] != 0x08 || p[13] != 0x00 || p[14] != 0x45)
		return XDP_PASS;
	if (p[23] != IPPROTO_TCP && p[23] != IPPROTO_UDP)
		return XDP_PASS;

	__builtin_memset(&fk, 0, sizeof(fk));
	fk.saddr = *(__u32 *)(p + 26);
	fk.daddr = *(__u32 *)(p + 30);
	fk.sport = *(__u16 *)(p + 34);
	fk.dport = *(__u16 *)(p + 36);
	fk.proto = p[23];
	r = bpf_map_lookup_elem(&flows, &fk);
	if (r) {
		__sync_fetch_and_add(&r->packets, 1);
		__sync_fetch_and_add(&r->bytes, len);
		verdict = XDP_PASS;
	}
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
