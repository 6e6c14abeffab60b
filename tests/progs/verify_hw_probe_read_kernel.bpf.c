// verify_hw_probe_read_kernel.bpf.c: a tracing habit carried into XDP, reading
// a kernel variable by address; the kernel accepts it, the NIC cannot reach
// host memory: refused for the hardware, with what to do instead.
// EXPECT: bpf_probe_read_kernel has no meaning on the NIC: the NIC cannot read host kernel or user memory
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u64 drop_flag_addr = 0;

SEC("xdp") int xdp_prog(struct xdp_md *ctx) {
  __u32 flag = 0;
  if (bpf_probe_read_kernel(&flag, sizeof(flag), (void *)drop_flag_addr) < 0)
    return XDP_PASS;
  return flag ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
