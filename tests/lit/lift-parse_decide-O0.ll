; LIFT: parse_decide -O0
; From bpf-samples/parse_decide.bpf.c (clang-19 -O2 -g -target bpf), lifted
; with `sluice lift parse_decide.bpf.o -O0`: the form before optimisation.
; One 512-byte frame, registers in allocas per class, the context read
; through @sluice.xdp.*, packet bytes through addrspace(1), and every
; instruction with its C line and eBPF instruction index.
;
; CHECK-LABEL: define i32 @xdp_parse_decide(ptr %ctx)
; CHECK: %frame = alloca [512 x i8], align 8
; CHECK: bpf.0:
; CHECK: call ptr addrspace(1) @sluice.xdp.data_end(ptr %ctx), !dbg !{{[0-9]+}}, !sluice.insn
; CHECK: store ptr addrspace(1) %data_end, ptr %r{{[0-9]}}.p
; CHECK: load i8, ptr addrspace(1)
; CHECK: declare ptr addrspace(1) @sluice.xdp.data(ptr){{.*}} #[[CTXREAD:[0-9]+]]
; CHECK: attributes #[[CTXREAD]] = { {{.*}}memory(inaccessiblemem: read){{.*}} }
; CHECK: !DILocation(line: {{[0-9]+}}, column: {{[0-9]+}}
