// kfunc_extern.bpf.c: loader fixture calling an extern kernel function
// (a kfunc), which the loader must refuse with the symbol's name.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
extern int bpf_fancy_kfunc(int x) __ksym;
SEC("xdp") int xdp_kfunc(struct xdp_md *ctx) { return bpf_fancy_kfunc(ctx->ingress_ifindex) ? XDP_PASS : XDP_DROP; }
char LICENSE[] SEC("license") = "GPL";
