; OPT[SCHED] -passes=sluice-schedule
; OPT[PRED] -passes=sluice-predicate
; tests/progs/verify_accept_ihl_ports.bpf.c lifted with `sluice lift -O2`:
; Ethernet, IPv4 with options, the TCP destination port at the variable
; offset 14 + ihl * 4: branches if-converted into predicates, constant-offset
; loads as extractor entries, the port read by a VLD in lane 0 of a stage
; with a variable read port (2, 6, 10, 14, 18 on the default datapath), the
; verdict last.
;
; SCHED: sluice-schedule: xdp_prog: {{[0-9]+}} of 24 stages (lower bound {{[0-9]+}}), {{[0-9]+}} micro-ops, {{[0-9]+}} moves, {{[0-9]+}} extractor entries, 0 deparser entries; target 'default'
; SCHED-DAG: extract e{{[0-9]+}}: s{{[0-9]+}} = length
; SCHED-DAG: extract e{{[0-9]+}}: s{{[0-9]+}} = window[12..13]
; SCHED-DAG: extract e{{[0-9]+}}: s{{[0-9]+}} = window[23..23]
; SCHED: stage {{ ?(2|6|10|14|18)}} lane 0: {{(\[!?p[0-9]+\] )?}}VLD.2 s{{[0-9]+}}, [s{{[0-9]+}} + {{[0-9]+}}] {{ *}}; verify_accept_ihl_ports.bpf.c:23
; SCHED: JEQ p{{[0-9]+}}, s{{[0-9]+}}, #0x1700 {{ *}}; verify_accept_ihl_ports.bpf.c:23
; SCHED: SETV {{.*}}; verify_accept_ihl_ports.bpf.c:{{[0-9]+}}
; SCHED-NOT: VLD
;
; The predicated graph: the constant-offset fields first, the port read at
; 14 + (ihl & 0xf) * 4 + 2 through a VLD (the constants folded into its
; offset), compared with htons(23), every branch a compare or PLUT, one SETV
; last.
; PRED: sluice-predicate: xdp_prog: target 'default'
; PRED-NEXT: ; predicated graph of 'xdp_prog': {{[0-9]+}} nodes
; PRED-DAG: n{{[0-9]+}} = META length ; verify_accept_ihl_ports.bpf.c:{{[0-9]+}}
; PRED-DAG: n{{[0-9]+}} = FIELD 2B @12 ; verify_accept_ihl_ports.bpf.c:15
; PRED-DAG: [[IHL:n[0-9]+]] = FIELD 1B @14 ; verify_accept_ihl_ports.bpf.c:18
; PRED-DAG: n{{[0-9]+}} = FIELD 1B @23 ; verify_accept_ihl_ports.bpf.c:18
; PRED: = LSH [[IHL]], #0x2 ; h={{[0-9]+}} ; verify_accept_ihl_ports.bpf.c:20
; PRED: [[PORT:n[0-9]+]] = VLD n{{[0-9]+}}, +{{[0-9]+}} (2B) ; h={{[0-9]+}} ; verify_accept_ihl_ports.bpf.c:23
; PRED: = JEQ [[PORT]], #0x1700 ; h={{[0-9]+}} ; verify_accept_ihl_ports.bpf.c:23
; PRED: = PLUT
; PRED: = SETV n{{[0-9]+}} ; h=1 ; verify_accept_ihl_ports.bpf.c:24
; PRED-NOT: =

; ModuleID = 'xdp_prog'
source_filename = "xdp_prog"

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(read)
define range(i32 1, 3) i32 @xdp_prog(ptr readonly %ctx) local_unnamed_addr #0 !dbg !4 {
entry:
  %data_end = tail call ptr addrspace(1) @sluice.xdp.data_end(ptr %ctx), !dbg !7, !sluice.insn !8
  %data = tail call ptr addrspace(1) @sluice.xdp.data(ptr %ctx), !dbg !9, !sluice.insn !10
  %0 = getelementptr i8, ptr addrspace(1) %data, i64 14, !dbg !11, !sluice.insn !12
  %1 = icmp ugt ptr addrspace(1) %0, %data_end, !dbg !13, !sluice.insn !14
  br i1 %1, label %bpf.34, label %bpf.6, !dbg !13, !sluice.insn !14

bpf.6:                                            ; preds = %entry
  %2 = getelementptr i8, ptr addrspace(1) %data, i64 13, !dbg !15, !sluice.insn !16
  %3 = load i8, ptr addrspace(1) %2, align 1, !dbg !15, !sluice.insn !16
  %4 = zext i8 %3 to i64, !dbg !15, !sluice.insn !16
  %5 = shl nuw nsw i64 %4, 8, !dbg !15, !sluice.insn !17
  %6 = getelementptr i8, ptr addrspace(1) %data, i64 12, !dbg !15, !sluice.insn !18
  %7 = load i8, ptr addrspace(1) %6, align 1, !dbg !15, !sluice.insn !18
  %8 = zext i8 %7 to i64, !dbg !15, !sluice.insn !18
  %9 = or disjoint i64 %5, %8, !dbg !15, !sluice.insn !19
  %.not = icmp ne i64 %9, 8, !dbg !20, !sluice.insn !21
  %10 = getelementptr i8, ptr addrspace(1) %data, i64 34, !dbg !20
  %11 = icmp ugt ptr addrspace(1) %10, %data_end, !dbg !20
  %or.cond = or i1 %11, %.not, !dbg !20
  br i1 %or.cond, label %bpf.34, label %bpf.14, !dbg !20, !sluice.insn !21

bpf.14:                                           ; preds = %bpf.6
  %12 = load i8, ptr addrspace(1) %0, align 1, !dbg !22, !sluice.insn !23
  %13 = zext i8 %12 to i64, !dbg !22, !sluice.insn !23
  %14 = and i64 %13, 240, !dbg !24, !sluice.insn !25
  %.not40 = icmp ne i64 %14, 64, !dbg !26, !sluice.insn !27
  %15 = and i64 %13, 15, !dbg !26
  %16 = icmp ult i64 %15, 5, !dbg !26
  %or.cond44 = or i1 %.not40, %16, !dbg !26
  br i1 %or.cond44, label %bpf.34, label %bpf.22, !dbg !26, !sluice.insn !27

bpf.22:                                           ; preds = %bpf.14
  %17 = getelementptr i8, ptr addrspace(1) %data, i64 23, !dbg !28, !sluice.insn !29
  %18 = load i8, ptr addrspace(1) %17, align 1, !dbg !28, !sluice.insn !29
  %.not41 = icmp eq i8 %18, 6, !dbg !30
  br i1 %.not41, label %bpf.24, label %bpf.34, !dbg !30, !sluice.insn !31

bpf.24:                                           ; preds = %bpf.22
  %19 = shl nuw nsw i64 %13, 2, !dbg !32, !sluice.insn !33
  %20 = and i64 %19, 60, !dbg !34, !sluice.insn !35
  %21 = getelementptr i8, ptr addrspace(1) %0, i64 %20, !dbg !34, !sluice.insn !36
  %22 = getelementptr i8, ptr addrspace(1) %21, i64 20, !dbg !37, !sluice.insn !38
  %23 = icmp ugt ptr addrspace(1) %22, %data_end, !dbg !39, !sluice.insn !40
  br i1 %23, label %bpf.34, label %bpf.30, !dbg !39, !sluice.insn !40

bpf.30:                                           ; preds = %bpf.24
  %24 = getelementptr i8, ptr addrspace(1) %21, i64 2, !dbg !41, !sluice.insn !42
  %25 = load i16, ptr addrspace(1) %24, align 1, !dbg !41, !sluice.insn !42
  %26 = icmp eq i16 %25, 5888, !dbg !43
  %extract.t = select i1 %26, i32 1, i32 2, !dbg !43
  br label %bpf.34, !dbg !43

bpf.34:                                           ; preds = %bpf.30, %bpf.24, %bpf.22, %bpf.14, %bpf.6, %entry
  %r0.i.0.off0 = phi i32 [ 2, %entry ], [ 2, %bpf.6 ], [ 2, %bpf.14 ], [ 2, %bpf.22 ], [ 2, %bpf.24 ], [ %extract.t, %bpf.30 ]
  ret i32 %r0.i.0.off0, !dbg !44, !sluice.insn !45
}

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read)
declare ptr addrspace(1) @sluice.xdp.data_end(ptr) local_unnamed_addr #1

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read)
declare ptr addrspace(1) @sluice.xdp.data(ptr) local_unnamed_addr #1

attributes #0 = { mustprogress nofree nosync nounwind willreturn memory(read) }
attributes #1 = { mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read) }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "sluice lift", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly)
!1 = !DIFile(filename: "verify_accept_ihl_ports.bpf.c", directory: "/work/main/tests/progs")
!2 = !{i32 2, !"Debug Info Version", i32 3}
!3 = !{i32 2, !"Dwarf Version", i32 4}
!4 = distinct !DISubprogram(name: "xdp_prog", linkageName: "xdp_prog", scope: !1, file: !1, line: 11, type: !5, scopeLine: 11, spFlags: DISPFlagDefinition, unit: !0)
!5 = !DISubroutineType(types: !6)
!6 = !{}
!7 = !DILocation(line: 13, column: 34, scope: !4)
!8 = !{i32 1}
!9 = !DILocation(line: 12, column: 35, scope: !4)
!10 = !{i32 2}
!11 = !DILocation(line: 15, column: 20, scope: !4)
!12 = !{i32 4}
!13 = !DILocation(line: 15, column: 31, scope: !4)
!14 = !{i32 5}
!15 = !DILocation(line: 15, column: 39, scope: !4)
!16 = !{i32 6}
!17 = !{i32 7}
!18 = !{i32 8}
!19 = !{i32 9}
!20 = !DILocation(line: 15, column: 7, scope: !4)
!21 = !{i32 10}
!22 = !DILocation(line: 18, column: 37, scope: !4)
!23 = !{i32 14}
!24 = !DILocation(line: 18, column: 45, scope: !4)
!25 = !{i32 16}
!26 = !DILocation(line: 18, column: 50, scope: !4)
!27 = !{i32 17}
!28 = !DILocation(line: 18, column: 72, scope: !4)
!29 = !{i32 22}
!30 = !DILocation(line: 18, column: 7, scope: !4)
!31 = !{i32 23}
!32 = !DILocation(line: 20, column: 44, scope: !4)
!33 = !{i32 24}
!34 = !DILocation(line: 20, column: 34, scope: !4)
!35 = !{i32 25}
!36 = !{i32 26}
!37 = !DILocation(line: 21, column: 19, scope: !4)
!38 = !{i32 28}
!39 = !DILocation(line: 21, column: 7, scope: !4)
!40 = !{i32 29}
!41 = !DILocation(line: 23, column: 14, scope: !4)
!42 = !{i32 30}
!43 = !DILocation(line: 23, column: 10, scope: !4)
!44 = !DILocation(line: 24, column: 1, scope: !4)
!45 = !{i32 34}
