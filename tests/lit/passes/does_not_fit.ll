; OPT[SCHED] -passes=sluice-schedule -sluice-target=%S/../../../hdl/params/small.json
; OPT[PRED] -passes=sluice-predicate -sluice-target=%S/../../../hdl/params/small.json
; bpf-samples/parse_decide.bpf.c lifted with `sluice lift -O2`, compiled for
; hdl/params/small.json (8 stages): its dependence chain alone is longer, so
; the pass prints the diagnostic naming the stages it needs and the C lines
; on the critical path.
;
; SCHED: sluice-schedule: xdp_parse_decide: {{(.*: )?}}error: needs {{[0-9]+}} stages, target has 8 (critical path: parse_decide.bpf.c:{{[0-9]+}}
; SCHED-NOT: lane {{[0-9]}}:
;
; The predicated graph does not depend on the number of stages: it is
; printed for the small datapath too.
; PRED: sluice-predicate: xdp_parse_decide: target 'small'
; PRED-NEXT: ; predicated graph of 'xdp_parse_decide': {{[0-9]+}} nodes
; PRED: = VLD
; PRED: = SETV

; ModuleID = 'xdp_parse_decide'
source_filename = "xdp_parse_decide"

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(read)
define range(i32 1, 3) i32 @xdp_parse_decide(ptr readonly %ctx) local_unnamed_addr #0 !dbg !4 {
entry:
  %data_end = tail call ptr addrspace(1) @sluice.xdp.data_end(ptr %ctx), !dbg !7, !sluice.insn !8
  %data = tail call ptr addrspace(1) @sluice.xdp.data(ptr %ctx), !dbg !9, !sluice.insn !10
  %0 = getelementptr i8, ptr addrspace(1) %data, i64 14, !dbg !11, !sluice.insn !12
  %1 = icmp ugt ptr addrspace(1) %0, %data_end, !dbg !13, !sluice.insn !14
  br i1 %1, label %bpf.90, label %bpf.6, !dbg !13, !sluice.insn !14

bpf.6:                                            ; preds = %entry
  %2 = getelementptr i8, ptr addrspace(1) %data, i64 12, !dbg !13, !sluice.insn !15
  %3 = load i8, ptr addrspace(1) %2, align 1, !dbg !13, !sluice.insn !15
  %4 = zext i8 %3 to i64, !dbg !13, !sluice.insn !15
  %5 = getelementptr i8, ptr addrspace(1) %data, i64 13, !dbg !13, !sluice.insn !16
  %6 = load i8, ptr addrspace(1) %5, align 1, !dbg !13, !sluice.insn !16
  %7 = zext i8 %6 to i64, !dbg !13, !sluice.insn !16
  %8 = shl nuw nsw i64 %7, 8, !dbg !13, !sluice.insn !17
  %9 = or disjoint i64 %8, %4, !dbg !13, !sluice.insn !18
  %trunc = trunc nuw i64 %9 to i16, !dbg !19
  switch i16 %trunc, label %bpf.28 [
    i16 -22392, label %bpf.12
    i16 129, label %bpf.12
  ], !dbg !19

bpf.12:                                           ; preds = %bpf.6, %bpf.6
  %10 = getelementptr i8, ptr addrspace(1) %data, i64 18, !dbg !20, !sluice.insn !21
  %11 = icmp ugt ptr addrspace(1) %10, %data_end, !dbg !22, !sluice.insn !23
  br i1 %11, label %bpf.90, label %bpf.15, !dbg !22, !sluice.insn !23

bpf.15:                                           ; preds = %bpf.12
  %12 = getelementptr i8, ptr addrspace(1) %data, i64 16, !dbg !22, !sluice.insn !24
  %13 = load i8, ptr addrspace(1) %12, align 1, !dbg !22, !sluice.insn !24
  %14 = zext i8 %13 to i64, !dbg !22, !sluice.insn !24
  %15 = getelementptr i8, ptr addrspace(1) %data, i64 17, !dbg !22, !sluice.insn !25
  %16 = load i8, ptr addrspace(1) %15, align 1, !dbg !22, !sluice.insn !25
  %17 = zext i8 %16 to i64, !dbg !22, !sluice.insn !25
  %18 = shl nuw nsw i64 %17, 8, !dbg !22, !sluice.insn !26
  %19 = or disjoint i64 %18, %14, !dbg !22, !sluice.insn !27
  %trunc141 = trunc nuw i64 %19 to i16, !dbg !19
  switch i16 %trunc141, label %bpf.28 [
    i16 -22392, label %bpf.21
    i16 129, label %bpf.21
  ], !dbg !19

bpf.21:                                           ; preds = %bpf.15, %bpf.15
  %20 = getelementptr i8, ptr addrspace(1) %data, i64 22, !dbg !20, !sluice.insn !28
  %21 = icmp ugt ptr addrspace(1) %20, %data_end, !dbg !22, !sluice.insn !29
  br i1 %21, label %bpf.90, label %bpf.24, !dbg !22, !sluice.insn !29

bpf.24:                                           ; preds = %bpf.21
  %22 = getelementptr i8, ptr addrspace(1) %data, i64 20, !dbg !22, !sluice.insn !30
  %23 = load i8, ptr addrspace(1) %22, align 1, !dbg !22, !sluice.insn !30
  %24 = zext i8 %23 to i64, !dbg !22, !sluice.insn !30
  %25 = getelementptr i8, ptr addrspace(1) %data, i64 21, !dbg !22, !sluice.insn !31
  %26 = load i8, ptr addrspace(1) %25, align 1, !dbg !22, !sluice.insn !31
  %27 = zext i8 %26 to i64, !dbg !22, !sluice.insn !31
  %28 = shl nuw nsw i64 %27, 8, !dbg !22, !sluice.insn !32
  %29 = or disjoint i64 %28, %24, !dbg !22, !sluice.insn !33
  br label %bpf.28, !dbg !22, !sluice.insn !33

bpf.28:                                           ; preds = %bpf.15, %bpf.6, %bpf.24
  %r1.p.0 = phi ptr addrspace(1) [ %0, %bpf.6 ], [ %10, %bpf.15 ], [ %20, %bpf.24 ], !dbg !34
  %r4.i.0 = phi i64 [ %9, %bpf.6 ], [ %19, %bpf.15 ], [ %29, %bpf.24 ], !dbg !34
  switch i64 %r4.i.0, label %bpf.90 [
    i64 56710, label %bpf.54
    i64 8, label %bpf.31
  ], !dbg !35

bpf.31:                                           ; preds = %bpf.28
  %30 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 20, !dbg !36, !sluice.insn !37
  %31 = icmp ugt ptr addrspace(1) %30, %data_end, !dbg !38, !sluice.insn !39
  br i1 %31, label %bpf.90, label %bpf.35, !dbg !38, !sluice.insn !39

bpf.35:                                           ; preds = %bpf.31
  %32 = load i8, ptr addrspace(1) %r1.p.0, align 1, !dbg !40, !sluice.insn !41
  %33 = zext i8 %32 to i64, !dbg !40, !sluice.insn !41
  %34 = and i64 %33, 240, !dbg !42, !sluice.insn !43
  %.not134 = icmp ne i64 %34, 64, !dbg !44, !sluice.insn !45
  %35 = and i64 %33, 15, !dbg !44
  %36 = icmp ult i64 %35, 5, !dbg !44
  %or.cond = or i1 %.not134, %36, !dbg !44
  br i1 %or.cond, label %bpf.90, label %bpf.43, !dbg !44, !sluice.insn !45

bpf.43:                                           ; preds = %bpf.35
  %37 = shl nuw nsw i64 %33, 2, !dbg !46, !sluice.insn !47
  %38 = and i64 %37, 60, !dbg !48, !sluice.insn !49
  %39 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 %38, !dbg !48, !sluice.insn !50
  %40 = icmp ugt ptr addrspace(1) %39, %data_end, !dbg !51, !sluice.insn !52
  br i1 %40, label %bpf.90, label %bpf.48, !dbg !51, !sluice.insn !52

bpf.48:                                           ; preds = %bpf.43
  %41 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 6, !dbg !53, !sluice.insn !54
  %42 = load i16, ptr addrspace(1) %41, align 1, !dbg !53, !sluice.insn !54
  %43 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 9, !dbg !55, !sluice.insn !56
  %44 = and i16 %42, -225, !dbg !57
  %45 = icmp eq i16 %44, 0, !dbg !58
  br i1 %45, label %bpf.61, label %bpf.90, !dbg !58, !sluice.insn !59

bpf.54:                                           ; preds = %bpf.28
  %46 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 40, !dbg !60, !sluice.insn !61
  %47 = icmp ugt ptr addrspace(1) %46, %data_end, !dbg !62, !sluice.insn !63
  br i1 %47, label %bpf.90, label %bpf.57, !dbg !62, !sluice.insn !63

bpf.57:                                           ; preds = %bpf.54
  %48 = load i8, ptr addrspace(1) %r1.p.0, align 1, !dbg !64, !sluice.insn !65
  %49 = and i8 %48, -16, !dbg !66
  %.not135 = icmp eq i8 %49, 96, !dbg !67
  br i1 %.not135, label %bpf.60, label %bpf.90, !dbg !67, !sluice.insn !68

bpf.60:                                           ; preds = %bpf.57
  %50 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 6, !dbg !69, !sluice.insn !70
  br label %bpf.61, !dbg !69, !sluice.insn !70

bpf.61:                                           ; preds = %bpf.60, %bpf.48
  %r1.p.1 = phi ptr addrspace(1) [ %50, %bpf.60 ], [ %43, %bpf.48 ], !dbg !34
  %r3.p.0 = phi ptr addrspace(1) [ %46, %bpf.60 ], [ %39, %bpf.48 ], !dbg !34
  %51 = load i8, ptr addrspace(1) %r1.p.1, align 1, !dbg !69, !sluice.insn !71
  switch i8 %51, label %bpf.89 [
    i8 17, label %bpf.79
    i8 6, label %bpf.64
  ], !dbg !72

bpf.64:                                           ; preds = %bpf.61
  %52 = getelementptr i8, ptr addrspace(1) %r3.p.0, i64 20, !dbg !73, !sluice.insn !74
  %53 = icmp ugt ptr addrspace(1) %52, %data_end, !dbg !75, !sluice.insn !76
  br i1 %53, label %bpf.90, label %bpf.68, !dbg !75, !sluice.insn !76

bpf.68:                                           ; preds = %bpf.64
  %54 = getelementptr i8, ptr addrspace(1) %r3.p.0, i64 12, !dbg !77, !sluice.insn !78
  %55 = load i16, ptr addrspace(1) %54, align 1, !dbg !77, !sluice.insn !78
  %56 = lshr i16 %55, 2, !dbg !79
  %57 = and i16 %56, 60, !dbg !79
  %58 = icmp ult i16 %57, 20, !dbg !80
  %59 = zext nneg i16 %57 to i64
  %60 = getelementptr i8, ptr addrspace(1) %r3.p.0, i64 %59
  %61 = icmp ugt ptr addrspace(1) %60, %data_end
  %or.cond140 = select i1 %58, i1 true, i1 %61, !dbg !80
  br i1 %or.cond140, label %bpf.90, label %bpf.76, !dbg !80, !sluice.insn !81

bpf.76:                                           ; preds = %bpf.68
  %62 = getelementptr i8, ptr addrspace(1) %r3.p.0, i64 2, !dbg !82, !sluice.insn !83
  %63 = load i16, ptr addrspace(1) %62, align 1, !dbg !82, !sluice.insn !83
  %64 = icmp eq i16 %63, 5888, !dbg !84
  br i1 %64, label %bpf.90, label %bpf.89, !dbg !84, !sluice.insn !85

bpf.79:                                           ; preds = %bpf.61
  %65 = getelementptr i8, ptr addrspace(1) %r3.p.0, i64 8, !dbg !86, !sluice.insn !87
  %66 = icmp ugt ptr addrspace(1) %65, %data_end, !dbg !88, !sluice.insn !89
  br i1 %66, label %bpf.90, label %bpf.83, !dbg !88, !sluice.insn !89

bpf.83:                                           ; preds = %bpf.79
  %67 = getelementptr i8, ptr addrspace(1) %r3.p.0, i64 4, !dbg !90, !sluice.insn !91
  %68 = load i16, ptr addrspace(1) %67, align 1, !dbg !90, !sluice.insn !91
  %69 = tail call i16 @llvm.bswap.i16(i16 %68), !dbg !90, !sluice.insn !92
  %70 = icmp ult i16 %69, 8, !dbg !93
  br i1 %70, label %bpf.90, label %bpf.87, !dbg !93, !sluice.insn !94

bpf.87:                                           ; preds = %bpf.83
  %71 = getelementptr i8, ptr addrspace(1) %r3.p.0, i64 2, !dbg !95, !sluice.insn !96
  %72 = load i16, ptr addrspace(1) %71, align 1, !dbg !95, !sluice.insn !96
  %73 = icmp eq i16 %72, 4864, !dbg !97
  br i1 %73, label %bpf.90, label %bpf.89, !dbg !97, !sluice.insn !98

bpf.89:                                           ; preds = %bpf.61, %bpf.76, %bpf.87
  br label %bpf.90, !dbg !97, !sluice.insn !99

bpf.90:                                           ; preds = %bpf.28, %bpf.48, %bpf.89, %bpf.87, %bpf.83, %bpf.79, %bpf.76, %bpf.68, %bpf.64, %bpf.57, %bpf.54, %bpf.43, %bpf.35, %bpf.31, %bpf.21, %bpf.12, %entry
  %r0.i.0.off0 = phi i32 [ 1, %entry ], [ 1, %bpf.54 ], [ 1, %bpf.57 ], [ 1, %bpf.79 ], [ 1, %bpf.83 ], [ 1, %bpf.87 ], [ 2, %bpf.89 ], [ 1, %bpf.64 ], [ 1, %bpf.68 ], [ 1, %bpf.76 ], [ 1, %bpf.31 ], [ 1, %bpf.35 ], [ 1, %bpf.43 ], [ 2, %bpf.48 ], [ 1, %bpf.12 ], [ 1, %bpf.21 ], [ 2, %bpf.28 ]
  ret i32 %r0.i.0.off0, !dbg !100, !sluice.insn !101
}

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read)
declare ptr addrspace(1) @sluice.xdp.data_end(ptr) local_unnamed_addr #1

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read)
declare ptr addrspace(1) @sluice.xdp.data(ptr) local_unnamed_addr #1

; Function Attrs: mustprogress nocallback nofree nosync nounwind speculatable willreturn memory(none)
declare i16 @llvm.bswap.i16(i16) #2

attributes #0 = { mustprogress nofree nosync nounwind willreturn memory(read) }
attributes #1 = { mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read) }
attributes #2 = { mustprogress nocallback nofree nosync nounwind speculatable willreturn memory(none) }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "sluice lift", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly)
!1 = !DIFile(filename: "parse_decide.bpf.c", directory: "/work/main/bpf-samples")
!2 = !{i32 2, !"Debug Info Version", i32 3}
!3 = !{i32 2, !"Dwarf Version", i32 4}
!4 = distinct !DISubprogram(name: "xdp_parse_decide", linkageName: "xdp_parse_decide", scope: !1, file: !1, line: 19, type: !5, scopeLine: 19, spFlags: DISPFlagDefinition, unit: !0)
!5 = !DISubroutineType(types: !6)
!6 = !{}
!7 = !DILocation(line: 21, column: 38, scope: !4)
!8 = !{i32 1}
!9 = !DILocation(line: 22, column: 34, scope: !4)
!10 = !{i32 2}
!11 = !DILocation(line: 80, column: 19, scope: !4)
!12 = !{i32 4}
!13 = !DILocation(line: 80, column: 6, scope: !4)
!14 = !{i32 5}
!15 = !{i32 6}
!16 = !{i32 7}
!17 = !{i32 8}
!18 = !{i32 9}
!19 = !DILocation(line: 88, column: 7, scope: !4)
!20 = !DILocation(line: 91, column: 20, scope: !4)
!21 = !{i32 13}
!22 = !DILocation(line: 91, column: 7, scope: !4)
!23 = !{i32 14}
!24 = !{i32 15}
!25 = !{i32 16}
!26 = !{i32 17}
!27 = !{i32 18}
!28 = !{i32 22}
!29 = !{i32 23}
!30 = !{i32 24}
!31 = !{i32 25}
!32 = !{i32 26}
!33 = !{i32 27}
!34 = !DILocation(line: 0, scope: !4)
!35 = !DILocation(line: 35, column: 6, scope: !4)
!36 = !DILocation(line: 115, column: 19, scope: !4)
!37 = !{i32 32}
!38 = !DILocation(line: 115, column: 6, scope: !4)
!39 = !{i32 34}
!40 = !DILocation(line: 117, column: 11, scope: !4)
!41 = !{i32 35}
!42 = !DILocation(line: 117, column: 19, scope: !4)
!43 = !{i32 37}
!44 = !DILocation(line: 117, column: 24, scope: !4)
!45 = !{i32 38}
!46 = !DILocation(line: 119, column: 21, scope: !4)
!47 = !{i32 43}
!48 = !DILocation(line: 120, column: 13, scope: !4)
!49 = !{i32 44}
!50 = !{i32 46}
!51 = !DILocation(line: 120, column: 6, scope: !4)
!52 = !{i32 47}
!53 = !DILocation(line: 40, column: 12, scope: !4)
!54 = !{i32 48}
!55 = !DILocation(line: 124, column: 14, scope: !4)
!56 = !{i32 49}
!57 = !DILocation(line: 40, column: 21, scope: !4)
!58 = !DILocation(line: 40, column: 7, scope: !4)
!59 = !{i32 52}
!60 = !DILocation(line: 132, column: 20, scope: !4)
!61 = !{i32 55}
!62 = !DILocation(line: 132, column: 6, scope: !4)
!63 = !{i32 56}
!64 = !DILocation(line: 134, column: 12, scope: !4)
!65 = !{i32 57}
!66 = !DILocation(line: 134, column: 20, scope: !4)
!67 = !DILocation(line: 134, column: 6, scope: !4)
!68 = !{i32 59}
!69 = !DILocation(line: 138, column: 15, scope: !4)
!70 = !{i32 60}
!71 = !{i32 61}
!72 = !DILocation(line: 50, column: 6, scope: !4)
!73 = !DILocation(line: 146, column: 18, scope: !4)
!74 = !{i32 65}
!75 = !DILocation(line: 146, column: 6, scope: !4)
!76 = !{i32 67}
!77 = !DILocation(line: 148, column: 12, scope: !4)
!78 = !{i32 68}
!79 = !DILocation(line: 148, column: 17, scope: !4)
!80 = !DILocation(line: 149, column: 6, scope: !4)
!81 = !{i32 72}
!82 = !DILocation(line: 53, column: 11, scope: !4)
!83 = !{i32 76}
!84 = !DILocation(line: 53, column: 7, scope: !4)
!85 = !{i32 77}
!86 = !DILocation(line: 162, column: 18, scope: !4)
!87 = !{i32 80}
!88 = !DILocation(line: 162, column: 6, scope: !4)
!89 = !{i32 82}
!90 = !DILocation(line: 166, column: 9, scope: !4)
!91 = !{i32 83}
!92 = !{i32 84}
!93 = !DILocation(line: 56, column: 7, scope: !4)
!94 = !{i32 86}
!95 = !DILocation(line: 58, column: 11, scope: !4)
!96 = !{i32 87}
!97 = !DILocation(line: 58, column: 7, scope: !4)
!98 = !{i32 88}
!99 = !{i32 89}
!100 = !DILocation(line: 62, column: 1, scope: !4)
!101 = !{i32 90}
