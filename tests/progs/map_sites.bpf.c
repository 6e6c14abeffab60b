// map_sites.bpf.c: fixture for multi-slot keys merged across exclusive
// lookup sites (issue 6). IPv4 and IPv6 frames build different 12-byte
// struct keys {family, address word, protocol and padding} on their own
// paths and look up `hosts` at two call sites: one MAPLK whose key words
// are selected by the sites' block predicates. A hit counts the frame and
// passes it; a miss drops.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct host_key {
	__u32 family;
	__u32 addr;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct host_key);
	__type(value, __u32);
} hosts SEC(".maps");

SEC("xdp")
int xdp_map_sites(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	struct host_key k;
	__u32 *c;

	if (data + 54 > data_end)
		return XDP_ABORTED;
	__builtin_memset(&k, 0, sizeof(k));
	if (p[12] == 0x08 && p[13] == 0x00) {
		k.family = 4;
		k.addr = *(__u32 *)(p + 26);
		k.proto = p[23];
		c = bpf_map_lookup_elem(&hosts, &k);
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		k.family = 6;
		k.addr = *(__u32 *)(p + 34);
		k.proto = p[20];
		c = bpf_map_lookup_elem(&hosts, &k);
	} else {
		return XDP_PASS;
	}
	if (!c)
		return XDP_DROP;
	__sync_fetch_and_add(c, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
