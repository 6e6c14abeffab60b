// map_counters.bpf.c: fixture for map transactions on the NIC (issue 6).
// Per IP protocol byte (frame byte 23) an array entry of {packets, bytes}
// counted with atomics (one MAPLK + MAPATOM with two 64-bit RMWs); a hash
// of blocked protocols whose hit counter is bumped and whose presence drops
// the packet (the found predicate); a percpu array of per-EtherType-class
// counters updated with ++ (load, add, store: an RMW); a .rodata constant
// folded into the verdict. Everything a stateful sample needs of step 2 and
// short enough for the default datapath's stages.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct rec {
	__u64 packets;
	__u64 marks;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct rec);
} proto_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} class_stats SEC(".maps");

const volatile __u32 pass_verdict = XDP_PASS;

SEC("xdp")
int xdp_map_counters(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if (data + 34 > data_end)
		return XDP_DROP;
	__u32 proto = p[23];
	struct rec *r = bpf_map_lookup_elem(&proto_stats, &proto);
	if (r) {
		__sync_fetch_and_add(&r->packets, 1);
		__sync_fetch_and_or(&r->marks, 0x100);
	}
	__u32 cls = p[12] == 0x08 ? 1 : 2;
	__u32 *c = bpf_map_lookup_elem(&class_stats, &cls);
	if (c)
		*c += 3;
	__u64 *hits = bpf_map_lookup_elem(&blocked, &proto);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return XDP_DROP;
	}
	return pass_verdict;
}

char LICENSE[] SEC("license") = "GPL";
