// u64_arith.bpf.c: fixture for 64-bit arithmetic in the compiler
// (docs/schedule.md, "64-bit values"). u64 values built from packet words
// (so every high half is data, not zero): add and sub with carries across
// the halves, a 32x32->64 multiply, shifts across the halves by constants,
// an arithmetic shift, xor/or/and, a sign extension, 64-bit unsigned and
// signed compares and a select; the results are written back into the
// packet (low and high halves) and decide the verdict. Compiled, run on
// model (and rtl) and compared with the kernel over a pcap.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int u64_arith(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u32 *w = data;

	if (data + 60 > data_end)
		return XDP_PASS;
	__u64 a = ((__u64)w[4] << 32) | w[5];
	__u64 b = ((__u64)w[6] << 32) | w[3];
	__u64 s = a + b;
	__u64 d = a - b;
	__u64 m = (__u64)w[7] * w[8];
	__u64 x = (a ^ (b >> 7)) | (d << 13);
	__s64 sd = (__s64)d >> 9;
	__s64 sx = (__s32)w[8];
	__u64 t = s > d ? m + sx : x - m;

	w[9] = (__u32)s;
	w[10] = (__u32)(s >> 32);
	w[11] = (__u32)d ^ (__u32)(d >> 32);
	w[12] = (__u32)(m >> 32);
	w[13] = (__u32)(x >> 40) + (__u32)sd;
	w[14] = (__u32)(t >> 32) ^ (__u32)t;
	if ((__s64)t < sd)
		return XDP_DROP;
	if (s == m)
		return XDP_ABORTED;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
