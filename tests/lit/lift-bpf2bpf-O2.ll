; LIFT: bpf2bpf -O2
; From bpf-samples/bpf2bpf.bpf.c (clang-19 -O2 -g -target bpf), lifted with
; `sluice lift bpf2bpf.bpf.o -O2`: the noinline sub-programs become internal
; always-inline functions and are gone after the pipeline; the line info of
; their instructions survives as inlined locations.
;
; CHECK-NOT: define internal
; CHECK-LABEL: define {{.*}}i32 @xdp_bpf2bpf(ptr {{.*}}%ctx)
; CHECK-NOT: call {{.*}} @xdp_bpf2bpf.
; CHECK-NOT: define internal
; CHECK: distinct !DISubprogram(name: "count_verdict"
; CHECK: inlinedAt:
