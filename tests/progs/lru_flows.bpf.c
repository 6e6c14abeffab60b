// lru_flows.bpf.c: an LRU hash map on the NIC below its capacity (issue 6).
// A connection table in an LRU hash keyed by the IPv4 addresses and ports
// (12 bytes built on the stack), inserted on a miss with BPF_NOEXIST and
// counted on a hit ({packets, bytes}, 64-bit). The verdict shows what the
// lookup saw: a new connection passes, a known one is sent back (XDP_TX)
// until it has sent 3 packets, then dropped. With max_entries far above the
// connections of a capture nothing is evicted, so every engine equals the
// kernel exactly (docs/maps-design.md "LRU hash maps").
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef LRU_FLOW_ENTRIES
#define LRU_FLOW_ENTRIES 256
#endif

struct conn {
	__u32 saddr, daddr;
	__u16 sport, dport;
};

struct conn_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LRU_FLOW_ENTRIES);
	__type(key, struct conn);
	__type(value, struct conn_stats);
} conns SEC(".maps");

SEC("xdp")
int xdp_lru_flows(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if (data + 38 > data_end)
		return XDP_PASS;
	if (p[12] != 0x08 || p[13] != 0x00 || p[14] != 0x45)
		return XDP_PASS;

	struct conn k = {};
	__builtin_memcpy(&k.saddr, p + 26, 4);
	__builtin_memcpy(&k.daddr, p + 30, 4);
	__builtin_memcpy(&k.sport, p + 34, 2);
	__builtin_memcpy(&k.dport, p + 36, 2);
	__u64 len = data_end - data;

	struct conn_stats *s = bpf_map_lookup_elem(&conns, &k);
	if (!s) {
		struct conn_stats init = { .packets = 1, .bytes = len };
		bpf_map_update_elem(&conns, &k, &init, BPF_NOEXIST);
		return XDP_PASS;
	}
	__u64 seen = s->packets;
	__sync_fetch_and_add(&s->packets, 1);
	s->bytes += len;
	return seen >= 3 ? XDP_DROP : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
