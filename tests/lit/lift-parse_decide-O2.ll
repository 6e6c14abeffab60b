; LIFT: parse_decide -O2
; From bpf-samples/parse_decide.bpf.c (clang-19 -O2 -g -target bpf), lifted
; with `sluice lift parse_decide.bpf.o -O2`: registers are SSA (no alloca,
; nothing loaded from the stack), every packet read is typed addrspace(1),
; no loop remains (the lifter prints a note per remaining loop), and the
; verdict is one of DROP/PASS.
;
; CHECK-NOT: note:
; CHECK-LABEL: define {{.*}}i32 @xdp_parse_decide(ptr {{.*}}%ctx)
; CHECK-NOT: alloca
; CHECK-NOT: load {{.*}}, ptr %
; CHECK: call ptr addrspace(1) @sluice.xdp.data(ptr %ctx)
; CHECK: load i8, ptr addrspace(1)
; CHECK: load i16, ptr addrspace(1)
; CHECK: ret i32
; CHECK-NOT: alloca
; CHECK-NOT: load {{.*}}, ptr %
; CHECK-LABEL: declare
; CHECK-NOT: note:
; CHECK: sluice: xdp_parse_decide:
