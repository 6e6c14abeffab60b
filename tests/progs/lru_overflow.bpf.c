// lru_overflow.bpf.c: lru_flows' connection table with 8 entries, so that
// a capture with more connections overflows it and the map evicts. Where
// the NIC's eviction (the oldest entry among the new key's two buckets and
// the stash) and the kernel's (batches from its per-CPU LRU lists) choose
// differently, verdicts and contents differ; the tests compare properties
// with the kernel and everything exactly between model and rtl
// (docs/maps-design.md "LRU hash maps": what is equal, what may differ).
#define LRU_FLOW_ENTRIES 8
#define LRU_NO_PROTOS
#include "lru_flows.bpf.c"
