// map_wide.bpf.c: fixture for multi-slot map values and several read words
// (issue 6). `rules`, keyed by the destination MAC (6 bytes from the packet,
// two key slots), holds {action, mark, limit (64-bit)}: one MAPLK reads all
// four value words (a 64-bit one among them) and the verdict is action + mark
// when the IPv4 total length is not over the limit, else XDP_DROP. `last`, keyed
// by {IP protocol, a constant tag} (8 bytes built on the stack), is updated
// with BPF_ANY to a 12-byte struct value from the packet {total length,
// ttl and tos, the version/ihl byte} (three value slots); its return code
// must be 0, else XDP_ABORTED.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct mac_key {
	__u8 addr[ETH_ALEN];
};

struct rule {
	__u32 action;
	__u32 mark;
	__u64 limit;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct mac_key);
	__type(value, struct rule);
} rules SEC(".maps");

struct last_key {
	__u16 proto;
	__u16 pad;
	__u32 tag;
};

struct last_val {
	__u32 tot_len;
	__u8 ttl;
	__u8 tos;
	__u16 pad;
	__u32 frame_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct last_key);
	__type(value, struct last_val);
} last SEC(".maps");

SEC("xdp")
int xdp_map_wide(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	struct mac_key mk;
	struct last_key lk;
	struct last_val lv;
	struct rule *r;
	int verdict = XDP_PASS;

	if (data + 34 > data_end)
		return XDP_DROP;
	lk.proto = p[23];
	lk.pad = 0;
	lk.tag = 0xabcd0001;
	__u32 tot_len = (__u32)p[16] << 8 | p[17];

	lv.tot_len = tot_len;
	lv.ttl = p[22];
	lv.tos = p[15];
	lv.pad = 0;
	lv.frame_len = p[14];
	if (bpf_map_update_elem(&last, &lk, &lv, BPF_ANY) != 0)
		return XDP_ABORTED;

	__builtin_memcpy(mk.addr, p, ETH_ALEN);
	r = bpf_map_lookup_elem(&rules, &mk);
	if (r) {
		if ((__u64)tot_len > r->limit)
			verdict = XDP_DROP;
		else
			verdict = r->action + r->mark;
	}
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
