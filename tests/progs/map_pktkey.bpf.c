// map_pktkey.bpf.c: fixture for multi-slot map keys read straight from the
// packet (issue 6): the key pointer is a packet pointer, so the key is the
// packet loads it is, 4 bytes a slot. `macs` is keyed by the destination
// MAC (6 bytes: a 4-byte and a 2-byte load), its value the verdict;
// `tails` by the 7 bytes from the source MAC's first byte (4 + 2 + 1
// bytes), counting packets.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct mac_key {
	__u8 addr[6];
};

struct tail_key {
	__u8 b[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct mac_key);
	__type(value, __u32);
} macs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct tail_key);
	__type(value, __u32);
} tails SEC(".maps");

SEC("xdp")
int xdp_map_pktkey(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *v, *c;

	if (data + 14 > data_end)
		return XDP_DROP;
	c = bpf_map_lookup_elem(&tails, data + 6);
	if (c)
		__sync_fetch_and_add(c, 1);
	v = bpf_map_lookup_elem(&macs, data);
	if (v)
		return *v;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
