; LIFT: pass_all -O2
; From bpf-samples/pass_all.bpf.c (clang-19 -O2 -g -target bpf), lifted with
; `sluice lift pass_all.bpf.o -O2`: the whole program folds to one return.
;
; CHECK-NOT: note:
; CHECK-LABEL: define {{.*}}i32 @xdp_pass_all(ptr {{.*}}%ctx)
; CHECK-NEXT: entry:
; CHECK-NEXT: ret i32 2, !dbg [[LOC:![0-9]+]], !sluice.insn
; CHECK: [[LOC]] = !DILocation(line: {{[0-9]+}}
; CHECK: sluice: xdp_pass_all: 2 insns
