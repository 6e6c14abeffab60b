// map_read.bpf.c: fixture for MAPLK read words (issue 6). Per IP protocol
// byte an array entry {u8 verdict, u8 pad, u16 mark}: the two fields share
// one value word, which the lookup reads (one read word, shifted and
// masked per field); mark 7 bounces the frame (XDP_TX), a non-zero verdict
// is returned as is, anything else passes.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct action {
	__u8 verdict;
	__u8 pad;
	__u16 mark;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct action);
} proto_action SEC(".maps");

SEC("xdp")
int xdp_map_read(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if (data + 34 > data_end)
		return XDP_DROP;
	__u32 proto = p[23];
	struct action *a = bpf_map_lookup_elem(&proto_action, &proto);
	if (!a)
		return XDP_ABORTED;
	if (a->mark == 7)
		return XDP_TX;
	return a->verdict ? a->verdict : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
