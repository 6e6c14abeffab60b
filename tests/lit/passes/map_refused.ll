; OPT[SCHED] -passes=sluice-schedule
; OPT[PRED] -passes=sluice-predicate
; bpf-samples/firewall.bpf.c lifted with `sluice lift -O2`: a map lookup.
; The passes see the IR alone, without the object's map definitions, which
; map transactions need (issue 6): both print the diagnostic at the C line
; of the call and nothing else.
;
; SCHED: sluice-schedule: xdp_firewall: {{.*}}firewall.bpf.c:{{[0-9]+.*}} map operations need the object's maps (map.lookup.p0): compile the object (sluice build), not its IR alone
; SCHED-NOT: lane {{[0-9]}}:
;
; PRED: sluice-predicate: xdp_firewall: {{.*}}firewall.bpf.c:{{[0-9]+.*}} map operations need the object's maps (map.lookup.p0): compile the object (sluice build), not its IR alone
; PRED-NOT: predicated graph

; ModuleID = 'xdp_firewall'
source_filename = "xdp_firewall"

; Function Attrs: mustprogress nofree nounwind willreturn memory(readwrite, inaccessiblemem: read)
define i32 @xdp_firewall(ptr readonly %ctx) local_unnamed_addr #0 !dbg !4 {
entry:
  %frame = alloca [512 x i8], align 8, !dbg !7
  call void @llvm.memset.p0.i64(ptr noundef nonnull align 8 dereferenceable(512) %frame, i8 0, i64 512, i1 false), !dbg !7
  %data_end = tail call ptr addrspace(1) @sluice.xdp.data_end(ptr %ctx), !dbg !8, !sluice.insn !9
  %data = tail call ptr addrspace(1) @sluice.xdp.data(ptr %ctx), !dbg !10, !sluice.insn !11
  %0 = getelementptr i8, ptr addrspace(1) %data, i64 14, !dbg !12, !sluice.insn !13
  %1 = icmp ugt ptr addrspace(1) %0, %data_end, !dbg !14, !sluice.insn !15
  br i1 %1, label %bpf.64, label %bpf.5, !dbg !14, !sluice.insn !15

bpf.5:                                            ; preds = %entry
  %2 = getelementptr i8, ptr addrspace(1) %data, i64 12, !dbg !14, !sluice.insn !16
  %3 = load i8, ptr addrspace(1) %2, align 1, !dbg !14, !sluice.insn !16
  %4 = zext i8 %3 to i64, !dbg !14, !sluice.insn !16
  %5 = getelementptr i8, ptr addrspace(1) %data, i64 13, !dbg !14, !sluice.insn !17
  %6 = load i8, ptr addrspace(1) %5, align 1, !dbg !14, !sluice.insn !17
  %7 = zext i8 %6 to i64, !dbg !14, !sluice.insn !17
  %8 = shl nuw nsw i64 %7, 8, !dbg !14, !sluice.insn !18
  %9 = or disjoint i64 %8, %4, !dbg !14, !sluice.insn !19
  %trunc = trunc nuw i64 %9 to i16, !dbg !20
  switch i16 %trunc, label %bpf.27 [
    i16 -22392, label %bpf.11
    i16 129, label %bpf.11
  ], !dbg !20

bpf.11:                                           ; preds = %bpf.5, %bpf.5
  %10 = getelementptr i8, ptr addrspace(1) %data, i64 18, !dbg !21, !sluice.insn !22
  %11 = icmp ugt ptr addrspace(1) %10, %data_end, !dbg !23, !sluice.insn !24
  br i1 %11, label %bpf.64, label %bpf.14, !dbg !23, !sluice.insn !24

bpf.14:                                           ; preds = %bpf.11
  %12 = getelementptr i8, ptr addrspace(1) %data, i64 16, !dbg !23, !sluice.insn !25
  %13 = load i8, ptr addrspace(1) %12, align 1, !dbg !23, !sluice.insn !25
  %14 = zext i8 %13 to i64, !dbg !23, !sluice.insn !25
  %15 = getelementptr i8, ptr addrspace(1) %data, i64 17, !dbg !23, !sluice.insn !26
  %16 = load i8, ptr addrspace(1) %15, align 1, !dbg !23, !sluice.insn !26
  %17 = zext i8 %16 to i64, !dbg !23, !sluice.insn !26
  %18 = shl nuw nsw i64 %17, 8, !dbg !23, !sluice.insn !27
  %19 = or disjoint i64 %18, %14, !dbg !23, !sluice.insn !28
  %trunc128 = trunc nuw i64 %19 to i16, !dbg !20
  switch i16 %trunc128, label %bpf.27 [
    i16 -22392, label %bpf.20
    i16 129, label %bpf.20
  ], !dbg !20

bpf.20:                                           ; preds = %bpf.14, %bpf.14
  %20 = getelementptr i8, ptr addrspace(1) %data, i64 22, !dbg !21, !sluice.insn !29
  %21 = icmp ugt ptr addrspace(1) %20, %data_end, !dbg !23, !sluice.insn !30
  br i1 %21, label %bpf.64, label %bpf.23, !dbg !23, !sluice.insn !30

bpf.23:                                           ; preds = %bpf.20
  %22 = getelementptr i8, ptr addrspace(1) %data, i64 20, !dbg !23, !sluice.insn !31
  %23 = load i8, ptr addrspace(1) %22, align 1, !dbg !23, !sluice.insn !31
  %24 = zext i8 %23 to i64, !dbg !23, !sluice.insn !31
  %25 = getelementptr i8, ptr addrspace(1) %data, i64 21, !dbg !23, !sluice.insn !32
  %26 = load i8, ptr addrspace(1) %25, align 1, !dbg !23, !sluice.insn !32
  %27 = zext i8 %26 to i64, !dbg !23, !sluice.insn !32
  %28 = shl nuw nsw i64 %27, 8, !dbg !23, !sluice.insn !33
  %29 = or disjoint i64 %28, %24, !dbg !23, !sluice.insn !34
  br label %bpf.27, !dbg !23, !sluice.insn !34

bpf.27:                                           ; preds = %bpf.14, %bpf.5, %bpf.23
  %r4.i.0 = phi i64 [ %9, %bpf.5 ], [ %19, %bpf.14 ], [ %29, %bpf.23 ], !dbg !35
  %r1.p.0 = phi ptr addrspace(1) [ %0, %bpf.5 ], [ %10, %bpf.14 ], [ %20, %bpf.23 ], !dbg !35
  %30 = icmp eq i64 %r4.i.0, 8, !dbg !36, !sluice.insn !37
  br i1 %30, label %bpf.29, label %bpf.74, !dbg !36, !sluice.insn !37

bpf.29:                                           ; preds = %bpf.27
  %31 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 20, !dbg !38, !sluice.insn !39
  %32 = icmp ugt ptr addrspace(1) %31, %data_end, !dbg !40, !sluice.insn !41
  br i1 %32, label %bpf.83, label %bpf.32, !dbg !40, !sluice.insn !41

bpf.32:                                           ; preds = %bpf.29
  %33 = load i8, ptr addrspace(1) %r1.p.0, align 1, !dbg !42, !sluice.insn !43
  %34 = zext i8 %33 to i64, !dbg !42, !sluice.insn !43
  %35 = and i64 %34, 240, !dbg !44, !sluice.insn !45
  %.not = icmp ne i64 %35, 64, !dbg !46, !sluice.insn !47
  %36 = and i64 %34, 15, !dbg !46
  %37 = icmp ult i64 %36, 5, !dbg !46
  %or.cond = or i1 %.not, %37, !dbg !46
  br i1 %or.cond, label %bpf.83, label %bpf.40, !dbg !46, !sluice.insn !47

bpf.40:                                           ; preds = %bpf.32
  %38 = shl nuw nsw i64 %34, 2, !dbg !48, !sluice.insn !49
  %39 = and i64 %38, 60, !dbg !50, !sluice.insn !51
  %40 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 %39, !dbg !50, !sluice.insn !52
  %41 = icmp ugt ptr addrspace(1) %40, %data_end, !dbg !53, !sluice.insn !54
  br i1 %41, label %bpf.83, label %bpf.45, !dbg !53, !sluice.insn !54

bpf.45:                                           ; preds = %bpf.40
  %42 = getelementptr i8, ptr addrspace(1) %r1.p.0, i64 12, !dbg !55, !sluice.insn !56
  %43 = load i32, ptr addrspace(1) %42, align 1, !dbg !55, !sluice.insn !56
  %44 = getelementptr inbounds i8, ptr %frame, i64 504, !dbg !57
  store i32 %43, ptr %44, align 8, !dbg !57, !sluice.insn !58
  %map_lookup_elem = call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr nonnull %44) #4, !dbg !59, !sluice.insn !60
  %45 = icmp eq ptr addrspace(2) %map_lookup_elem, null, !dbg !61, !sluice.insn !62
  br i1 %45, label %bpf.92, label %bpf.53, !dbg !61, !sluice.insn !62

bpf.53:                                           ; preds = %bpf.45
  %46 = atomicrmw add ptr addrspace(2) %map_lookup_elem, i64 1 seq_cst, align 8, !dbg !63, !sluice.insn !64
  %47 = getelementptr inbounds i8, ptr %frame, i64 508, !dbg !63
  store i32 1, ptr %47, align 4, !dbg !63, !sluice.insn !65
  %map_lookup_elem58 = call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr nonnull %47) #4, !dbg !66, !sluice.insn !67
  %48 = icmp eq ptr addrspace(2) %map_lookup_elem58, null, !dbg !68, !sluice.insn !69
  br i1 %48, label %bpf.102, label %bpf.102.sink.split, !dbg !68, !sluice.insn !69

bpf.64:                                           ; preds = %bpf.20, %bpf.11, %entry
  %49 = getelementptr inbounds i8, ptr %frame, i64 508, !dbg !70
  store i32 1, ptr %49, align 4, !dbg !70, !sluice.insn !71
  %map_lookup_elem65 = call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr nonnull %49) #4, !dbg !66, !sluice.insn !72
  %50 = icmp eq ptr addrspace(2) %map_lookup_elem65, null, !dbg !68, !sluice.insn !73
  br i1 %50, label %bpf.102, label %bpf.102.sink.split, !dbg !68, !sluice.insn !73

bpf.74:                                           ; preds = %bpf.27
  %51 = getelementptr inbounds i8, ptr %frame, i64 508, !dbg !70
  store i32 2, ptr %51, align 4, !dbg !70, !sluice.insn !74
  %map_lookup_elem74 = call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr nonnull %51) #4, !dbg !66, !sluice.insn !75
  %52 = icmp eq ptr addrspace(2) %map_lookup_elem74, null, !dbg !68, !sluice.insn !76
  br i1 %52, label %bpf.102, label %bpf.102.sink.split, !dbg !68, !sluice.insn !76

bpf.83:                                           ; preds = %bpf.40, %bpf.32, %bpf.29
  %53 = getelementptr inbounds i8, ptr %frame, i64 508, !dbg !68
  %map_lookup_elem81 = call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr nonnull %53) #4, !dbg !66, !sluice.insn !77
  %54 = icmp eq ptr addrspace(2) %map_lookup_elem81, null, !dbg !68, !sluice.insn !78
  br i1 %54, label %bpf.102, label %bpf.102.sink.split, !dbg !68, !sluice.insn !78

bpf.92:                                           ; preds = %bpf.45
  %55 = getelementptr inbounds i8, ptr %frame, i64 508, !dbg !68
  store i32 2, ptr %55, align 4, !dbg !68, !sluice.insn !79
  %map_lookup_elem88 = call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr nonnull %55) #4, !dbg !66, !sluice.insn !80
  %56 = icmp eq ptr addrspace(2) %map_lookup_elem88, null, !dbg !68, !sluice.insn !81
  br i1 %56, label %bpf.102, label %bpf.102.sink.split, !dbg !68, !sluice.insn !81

bpf.102.sink.split:                               ; preds = %bpf.92, %bpf.74, %bpf.83, %bpf.64, %bpf.53
  %r0.m.1.sink = phi ptr addrspace(2) [ %map_lookup_elem65, %bpf.64 ], [ %map_lookup_elem58, %bpf.53 ], [ %map_lookup_elem81, %bpf.83 ], [ %map_lookup_elem88, %bpf.92 ], [ %map_lookup_elem74, %bpf.74 ]
  %57 = atomicrmw add ptr addrspace(2) %r0.m.1.sink, i64 1 seq_cst, align 8, !dbg !70
  br label %bpf.102, !dbg !82

bpf.102:                                          ; preds = %bpf.102.sink.split, %bpf.92, %bpf.83, %bpf.74, %bpf.64, %bpf.53
  %58 = getelementptr inbounds i8, ptr %frame, i64 508, !dbg !82
  %59 = load i32, ptr %58, align 4, !dbg !82, !sluice.insn !83
  ret i32 %59, !dbg !84, !sluice.insn !85
}

; Function Attrs: mustprogress nocallback nofree nounwind willreturn memory(argmem: write)
declare void @llvm.memset.p0.i64(ptr nocapture writeonly, i8, i64, i1 immarg) #1

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read)
declare ptr addrspace(1) @sluice.xdp.data_end(ptr) local_unnamed_addr #2

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read)
declare ptr addrspace(1) @sluice.xdp.data(ptr) local_unnamed_addr #2

; Function Attrs: mustprogress nofree nosync nounwind willreturn memory(readwrite)
declare ptr addrspace(2) @sluice.map.lookup.p0(i32, ptr) local_unnamed_addr #3

attributes #0 = { mustprogress nofree nounwind willreturn memory(readwrite, inaccessiblemem: read) }
attributes #1 = { mustprogress nocallback nofree nounwind willreturn memory(argmem: write) }
attributes #2 = { mustprogress nofree nosync nounwind willreturn memory(inaccessiblemem: read) }
attributes #3 = { mustprogress nofree nosync nounwind willreturn memory(readwrite) }
attributes #4 = { memory(argmem: read, inaccessiblemem: read) }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "sluice lift", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly)
!1 = !DIFile(filename: "firewall.bpf.c", directory: "/work/main/bpf-samples")
!2 = !{i32 2, !"Debug Info Version", i32 3}
!3 = !{i32 2, !"Dwarf Version", i32 4}
!4 = distinct !DISubprogram(name: "xdp_firewall", linkageName: "xdp_firewall", scope: !1, file: !1, line: 39, type: !5, scopeLine: 39, spFlags: DISPFlagDefinition, unit: !0)
!5 = !DISubroutineType(types: !6)
!6 = !{}
!7 = !DILocation(line: 39, scope: !4)
!8 = !DILocation(line: 39, column: 38, scope: !4)
!9 = !{i32 0}
!10 = !DILocation(line: 40, column: 34, scope: !4)
!11 = !{i32 1}
!12 = !DILocation(line: 80, column: 19, scope: !4)
!13 = !{i32 3}
!14 = !DILocation(line: 80, column: 6, scope: !4)
!15 = !{i32 4}
!16 = !{i32 5}
!17 = !{i32 6}
!18 = !{i32 7}
!19 = !{i32 8}
!20 = !DILocation(line: 88, column: 7, scope: !4)
!21 = !DILocation(line: 91, column: 20, scope: !4)
!22 = !{i32 12}
!23 = !DILocation(line: 91, column: 7, scope: !4)
!24 = !{i32 13}
!25 = !{i32 14}
!26 = !{i32 15}
!27 = !{i32 16}
!28 = !{i32 17}
!29 = !{i32 21}
!30 = !{i32 22}
!31 = !{i32 23}
!32 = !{i32 24}
!33 = !{i32 25}
!34 = !{i32 26}
!35 = !DILocation(line: 0, scope: !4)
!36 = !DILocation(line: 51, column: 6, scope: !4)
!37 = !{i32 27}
!38 = !DILocation(line: 115, column: 19, scope: !4)
!39 = !{i32 30}
!40 = !DILocation(line: 115, column: 6, scope: !4)
!41 = !{i32 31}
!42 = !DILocation(line: 117, column: 11, scope: !4)
!43 = !{i32 32}
!44 = !DILocation(line: 117, column: 19, scope: !4)
!45 = !{i32 34}
!46 = !DILocation(line: 117, column: 24, scope: !4)
!47 = !{i32 35}
!48 = !DILocation(line: 119, column: 21, scope: !4)
!49 = !{i32 40}
!50 = !DILocation(line: 120, column: 13, scope: !4)
!51 = !{i32 41}
!52 = !{i32 43}
!53 = !DILocation(line: 120, column: 6, scope: !4)
!54 = !{i32 44}
!55 = !DILocation(line: 56, column: 15, scope: !4)
!56 = !{i32 45}
!57 = !DILocation(line: 56, column: 8, scope: !4)
!58 = !{i32 46}
!59 = !DILocation(line: 57, column: 9, scope: !4)
!60 = !{i32 51}
!61 = !DILocation(line: 58, column: 6, scope: !4)
!62 = !{i32 52}
!63 = !DILocation(line: 59, column: 3, scope: !4)
!64 = !{i32 55}
!65 = !{i32 56}
!66 = !DILocation(line: 29, column: 15, scope: !4)
!67 = !{i32 61}
!68 = !DILocation(line: 31, column: 6, scope: !4)
!69 = !{i32 62}
!70 = !DILocation(line: 32, column: 3, scope: !4)
!71 = !{i32 65}
!72 = !{i32 70}
!73 = !{i32 71}
!74 = !{i32 75}
!75 = !{i32 80}
!76 = !{i32 81}
!77 = !{i32 89}
!78 = !{i32 90}
!79 = !{i32 93}
!80 = !{i32 98}
!81 = !{i32 99}
!82 = !DILocation(line: 33, column: 9, scope: !4)
!83 = !{i32 102}
!84 = !DILocation(line: 63, column: 1, scope: !4)
!85 = !{i32 103}
