// map_twice.bpf.c: fixture for two lookups of one map in one packet
// (issue 6). A port policy keyed by the L4 port: the destination port is
// looked up first, and on a miss the source port (a reply to a listed
// service matches on its source port). The rule found last gives the
// verdict and counts the frame (a value read and an atomic add on the
// last lookup's entry); a frame whose two ports both miss passes. The
// first lookup's key and the second's differ, and either may miss: the
// compiler serves the first from a replica of `port_rules` in another map
// stage.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct port_rule {
	__u32 action; /* XDP_DROP or XDP_PASS */
	__u32 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, struct port_rule);
} port_rules SEC(".maps");

SEC("xdp")
int xdp_map_twice(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	struct port_rule *r;
	__u16 port;

	/* untagged IPv4 without options (the ports of TCP and UDP) */
	if (data + 14 + 20 + 4 > data_end)
		return XDP_PASS;
	if (*(__u16 *)(p + 12) != bpf_htons(ETH_P_IP) || p[14] != 0x45)
		return XDP_PASS;
	port = (__u16)(p[36] << 8 | p[37]);
	r = bpf_map_lookup_elem(&port_rules, &port);
	if (!r) {
		port = (__u16)(p[34] << 8 | p[35]);
		r = bpf_map_lookup_elem(&port_rules, &port);
		if (!r)
			return XDP_PASS;
	}
	__sync_fetch_and_add(&r->hits, 1);
	return r->action == XDP_DROP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
