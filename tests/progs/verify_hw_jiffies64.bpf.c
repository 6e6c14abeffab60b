// verify_hw_jiffies64.bpf.c: a coarse per-second window on the host's tick
// count; the NIC does not see the host's timer ticks: refused for the
// hardware, pointing at the NIC's own clock.
// EXPECT: bpf_jiffies64 has no meaning on the NIC: jiffies count the host kernel's timer ticks
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 window_start = 0;
__u32 in_window = 0;

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  __u64 now = bpf_jiffies64();
  if (now - window_start > 250) {
    window_start = now;
    in_window = 0;
  }
  return ++in_window > 1000 ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
