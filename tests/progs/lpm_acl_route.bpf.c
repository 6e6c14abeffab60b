// lpm_acl_route.bpf.c: fixture for the placement of LPM tries (issue 5: the
// LPM CAM is a per-unit option, maps.lpm_stages). An IPv4 edge router with
// two prefix tables, as operators write them: a source-prefix blocklist
// (bogons, abusive networks) checked first, then the destination looked up
// in the routing table. Two LPM tries need two map units with a CAM: the
// default datapath has one (stage 5) and refuses the second lookup at its C
// line; a datapath with CAMs in stages 5 and 9 runs it.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct v4_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct v4_key);
	__type(value, __u32); /* reason code */
} blocked_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct v4_key);
	__type(value, __u32); /* egress port, 0: local */
} routes SEC(".maps");

SEC("xdp")
int xdp_acl_route(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct v4_key key;
	__u32 *port;

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	key.prefixlen = 32;
	key.addr = ip->saddr;
	if (bpf_map_lookup_elem(&blocked_src, &key))
		return XDP_DROP;

	key.prefixlen = 32;
	key.addr = ip->daddr;
	port = bpf_map_lookup_elem(&routes, &key);
	if (!port)
		return XDP_DROP;
	if (*port == 0)
		return XDP_PASS;
	return bpf_redirect(*port, 0);
}

char LICENSE[] SEC("license") = "GPL";
