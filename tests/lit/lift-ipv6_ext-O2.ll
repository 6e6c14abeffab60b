; LIFT: ipv6_ext -O2
; From bpf-samples/ipv6_ext.bpf.c (clang-19 -O2 -g -target bpf), lifted with
; `sluice lift ipv6_ext.bpf.o -O2`: the bounded walk along IPv6 extension
; headers leaves no loop (no note), and reads at variable packet offsets stay
; typed addrspace(1).
;
; CHECK-NOT: note:
; CHECK-LABEL: define {{.*}}i32 @xdp_ipv6_ext(ptr {{.*}}%ctx)
; CHECK: load i8, ptr addrspace(1)
; CHECK-NOT: note:
; CHECK: sluice: xdp_ipv6_ext:
