// lru_protos.bpf.c: an LRU per-CPU hash on the NIC (one instance; the host
// sees CPU 0's value). Packets per IPv4 protocol and source address byte,
// the entry inserted on a miss with BPF_ANY and bumped with an atomic on a
// hit; a source that has sent 4 packets of one protocol is dropped from
// then on. 64 entries, far above a capture's pairs: nothing is evicted and
// every engine equals the kernel exactly.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} protos SEC(".maps");

SEC("xdp")
int xdp_lru_protos(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if (data + 34 > data_end)
		return XDP_PASS;
	if (p[12] != 0x08 || p[13] != 0x00)
		return XDP_PASS;
	__u32 key = (__u32)p[23] << 8 | p[29];
	__u32 *n = bpf_map_lookup_elem(&protos, &key);
	if (!n) {
		__u32 one = 1;
		bpf_map_update_elem(&protos, &key, &one, BPF_ANY);
		return XDP_PASS;
	}
	__u32 seen = *n;
	__sync_fetch_and_add(n, 1);
	return seen >= 4 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
