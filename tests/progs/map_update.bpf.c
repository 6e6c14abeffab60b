// map_update.bpf.c: fixture for MAPUPD and MAPDEL formed by the compiler
// (issue 6). Per IP protocol byte: insert the IPv4 total length into the
// hash `seen` with BPF_NOEXIST (a full map or a repeat returns an error:
// XDP_DROP), and delete the protocol from the hash `gone` (found and
// deleted: XDP_TX). Return codes drive the verdict.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} gone SEC(".maps");

SEC("xdp")
int xdp_map_update(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if (data + 34 > data_end)
		return XDP_DROP;
	__u32 proto = p[23];
	__u32 len = (__u32)p[16] << 8 | p[17];
	long rc = bpf_map_update_elem(&seen, &proto, &len, BPF_NOEXIST);
	long rd = bpf_map_delete_elem(&gone, &proto);
	if (rd == 0)
		return XDP_TX;
	return rc == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
