; LIFT: dns_filter -O2
; From bpf-samples/dns_filter.bpf.c (clang-19 -O2 -g -target bpf), lifted
; with `sluice lift dns_filter.bpf.o -O2`: the label loop (bounded by the
; verifier) and the loop over a label's characters (bounded by SCEV) are
; peeled. Each remainder's entry became a call to @sluice.trap, which the
; cleanup then proved unreachable (the last peeled iteration always exits),
; so no trap is left and no loop remains (no note).
;
; CHECK-NOT: note:
; CHECK-LABEL: define {{.*}}i32 @xdp_dns_filter(ptr {{.*}}%ctx)
; CHECK-NOT: call void @sluice.trap
; CHECK: call ptr addrspace(2) @sluice.map.lookup.p0(
; CHECK-NOT: call void @sluice.trap
; CHECK: declare void @sluice.trap(i32)
; CHECK-NOT: note:
; CHECK: sluice: xdp_dns_filter:
