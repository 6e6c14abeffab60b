// global_counters.bpf.c: statistics and settings in global variables, the
// way small XDP programs keep them (issue 6, docs/maps-design.md "Global
// data"). .bss: 64-bit packet and byte counters and 32-bit counters by
// reason, indexed by the reason an inlined helper is called with; .data: a
// TTL threshold the host may change (read), a 32-bit count of passed frames
// that starts at 100 (an RMW), and the last IPv4 protocol seen (a byte
// store). Frames shorter than Ethernet or IPv4 headers drop, IPv4 under the
// threshold drops, the rest passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* .bss */
__u64 rx_packets;
__u64 rx_bytes;
__u32 verdicts[4]; /* by reason: short, not IPv4, low TTL, passed */

/* .data */
__u32 min_ttl = 2;
__u32 passed = 100;
__u8 last_proto = 0xff;

enum { R_SHORT, R_NOT_IP, R_LOW_TTL, R_PASSED };

static __always_inline int count(int reason, int verdict)
{
	verdicts[reason]++;
	return verdict;
}

SEC("xdp")
int xdp_global_counters(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);

	rx_packets++;
	rx_bytes += data_end - data;

	if ((void *)(eth + 1) > data_end)
		return count(R_SHORT, XDP_DROP);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(R_NOT_IP, XDP_PASS);
	if ((void *)(iph + 1) > data_end)
		return count(R_SHORT, XDP_DROP);
	last_proto = iph->protocol;
	if (iph->ttl < min_ttl)
		return count(R_LOW_TTL, XDP_DROP);
	passed++;
	return count(R_PASSED, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
