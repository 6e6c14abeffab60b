; LIFT: firewall -O2
; From bpf-samples/firewall.bpf.c (clang-19 -O2 -g -target bpf), lifted with
; `sluice lift firewall.bpf.o -O2`: map lookups are calls to
; @sluice.map.lookup with the map index and the key's address space (.p0: a
; key on the stack), returning a map-value pointer (addrspace(2)); the
; counters' __sync_fetch_and_add is an atomicrmw on addrspace(2).
;
; The lookup's memory effects are on the call (LRU lookups, which touch
; the entry, have none).
;
; CHECK-LABEL: define {{.*}}i32 @xdp_firewall(ptr {{.*}}%ctx)
; CHECK: call ptr addrspace(2) @sluice.map.lookup.p0(i32 0, ptr {{.*}}) #[[LOOKUP:[0-9]+]]
; CHECK: atomicrmw add ptr addrspace(2) %{{.*}}, i64 1 seq_cst
; CHECK: call ptr addrspace(2) @sluice.map.lookup.p0(i32 1, ptr
; CHECK: declare ptr addrspace(2) @sluice.map.lookup.p0(i32, ptr)
; CHECK: attributes #[[LOOKUP]] = { {{.*}}memory(argmem: read, inaccessiblemem: read){{.*}} }
