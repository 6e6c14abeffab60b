; OPT[SCHED] -passes=sluice-schedule
; OPT[BADTARGET] -passes=sluice-schedule -sluice-target=%S/no-such-target.json
; OPT[PRED] -passes=sluice-predicate
; bpf-samples/pass_all.bpf.c lifted with `sluice lift pass_all.bpf.o -O2`:
; one return of XDP_PASS, one SETV in stage 0.
;
; SCHED: sluice-schedule: xdp_pass_all: 1 of 24 stages (lower bound 1), 1 micro-ops, 0 moves, 0 extractor entries, 0 deparser entries; target 'default'
; SCHED-NEXT: stage  0 lane 0: SETV #0x2 {{ *}}; pass_all.bpf.c:9
; SCHED-NOT: lane {{[0-9]}}:
;
; BADTARGET: sluice-schedule: xdp_pass_all: error: {{.*}}no-such-target.json: cannot open
;
; PRED: sluice-predicate: xdp_pass_all: target 'default'
; PRED-NEXT: ; predicated graph of 'xdp_pass_all': 1 nodes
; PRED-NEXT: n{{[0-9]+}} = SETV #0x2 ; h=1 ; pass_all.bpf.c:9
; PRED-NOT: n{{[0-9]+}} =

; ModuleID = 'xdp_pass_all'
source_filename = "xdp_pass_all"

; Function Attrs: mustprogress nofree norecurse nosync nounwind willreturn memory(none)
define noundef i32 @xdp_pass_all(ptr nocapture readnone %ctx) local_unnamed_addr #0 !dbg !4 {
entry:
  ret i32 2, !dbg !7, !sluice.insn !8
}

attributes #0 = { mustprogress nofree norecurse nosync nounwind willreturn memory(none) }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "sluice lift", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly)
!1 = !DIFile(filename: "pass_all.bpf.c", directory: "/work/main/bpf-samples")
!2 = !{i32 2, !"Debug Info Version", i32 3}
!3 = !{i32 2, !"Dwarf Version", i32 4}
!4 = distinct !DISubprogram(name: "xdp_pass_all", linkageName: "xdp_pass_all", scope: !1, file: !1, line: 9, type: !5, scopeLine: 9, spFlags: DISPFlagDefinition, unit: !0)
!5 = !DISubroutineType(types: !6)
!6 = !{}
!7 = !DILocation(line: 9, column: 2, scope: !4)
!8 = !{i32 1}
