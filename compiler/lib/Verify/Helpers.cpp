//===- Helpers.cpp - Prototypes of the helpers an XDP program may call ----===//
//
// Written from the helpers' documentation in linux/bpf.h (argument meanings)
// and checked against the running kernel by the differential corpus test.
//
//===----------------------------------------------------------------------===//
#include "Helpers.h"

#include <linux/bpf.h>

#include <algorithm>
#include <iterator>

namespace sluice::verify {

namespace {

using A = Arg;
constexpr A N = A::None;

const HelperProto kHelpers[] = {
    {BPF_FUNC_map_lookup_elem, {A::ConstMapPtr, A::MapKey, N, N, N}, Ret::MapValueOrNull, false},
    {BPF_FUNC_map_update_elem, {A::ConstMapPtr, A::MapKey, A::MapValue, A::Anything, N}, Ret::Integer, false},
    {BPF_FUNC_map_delete_elem, {A::ConstMapPtr, A::MapKey, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_ktime_get_ns, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_trace_printk, {A::Mem, A::ConstSize, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_get_prandom_u32, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_get_smp_processor_id, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_tail_call, {A::Ctx, A::ConstMapPtr, A::Anything, N, N}, Ret::Void, false},
    {BPF_FUNC_redirect, {A::Anything, A::Anything, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_perf_event_output, {A::Ctx, A::ConstMapPtr, A::Anything, A::Mem, A::ConstSizeOrZero}, Ret::Integer, false},
    {BPF_FUNC_csum_diff, {A::MemOrNull, A::ConstSizeOrZero, A::MemOrNull, A::ConstSizeOrZero, A::Anything}, Ret::Integer, false},
    {BPF_FUNC_get_current_task, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_get_current_pid_tgid, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_get_cgroup_classid, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_send_signal, {A::Anything, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_send_signal_thread, {A::Anything, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_get_current_uid_gid, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_get_current_comm, {A::UninitMem, A::ConstSize, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_get_numa_node_id, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_xdp_adjust_head, {A::Ctx, A::Anything, N, N, N}, Ret::Integer, true},
    {BPF_FUNC_redirect_map, {A::ConstMapPtr, A::Anything, A::Anything, N, N}, Ret::Integer, false},
    {BPF_FUNC_xdp_adjust_meta, {A::Ctx, A::Anything, N, N, N}, Ret::Integer, true},
    {BPF_FUNC_xdp_adjust_tail, {A::Ctx, A::Anything, N, N, N}, Ret::Integer, true},
    {BPF_FUNC_fib_lookup, {A::Ctx, A::Mem, A::ConstSize, A::Anything, N}, Ret::Integer, false},
    {BPF_FUNC_probe_read_user, {A::UninitMem, A::ConstSizeOrZero, A::Anything, N, N}, Ret::Integer, false},
    {BPF_FUNC_probe_read_kernel, {A::UninitMem, A::ConstSizeOrZero, A::Anything, N, N}, Ret::Integer, false},
    {BPF_FUNC_probe_read_user_str, {A::UninitMem, A::ConstSizeOrZero, A::Anything, N, N}, Ret::Integer, false},
    {BPF_FUNC_probe_read_kernel_str, {A::UninitMem, A::ConstSizeOrZero, A::Anything, N, N}, Ret::Integer, false},
    {BPF_FUNC_jiffies64, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_ktime_get_boot_ns, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_ktime_get_coarse_ns, {N, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_check_mtu, {A::Ctx, A::Anything, A::PtrToInt, A::Anything, A::Anything}, Ret::Integer, false},
    {BPF_FUNC_xdp_get_buff_len, {A::Ctx, N, N, N, N}, Ret::Integer, false},
    {BPF_FUNC_xdp_load_bytes, {A::Ctx, A::Anything, A::UninitMem, A::ConstSize, N}, Ret::Integer, false},
    {BPF_FUNC_xdp_store_bytes, {A::Ctx, A::Anything, A::Mem, A::ConstSize, N}, Ret::Integer, false},
};

struct Refusal {
  int32_t id;
  const char *why;
};

const Refusal kRefusals[] = {
    {BPF_FUNC_fib_lookup, "route lookups read the host's FIB, which the NIC does not have; keep "
                          "the next hops in a map that the host fills, and look that up"},
    {BPF_FUNC_sk_lookup_tcp, "there are no sockets on the NIC; pass the packet to the host (XDP_PASS)"},
    {BPF_FUNC_sk_lookup_udp, "there are no sockets on the NIC; pass the packet to the host (XDP_PASS)"},
    {BPF_FUNC_skc_lookup_tcp, "there are no sockets on the NIC; pass the packet to the host (XDP_PASS)"},
    {BPF_FUNC_sk_release, "there are no sockets on the NIC; pass the packet to the host (XDP_PASS)"},
    {BPF_FUNC_tcp_check_syncookie, "syncookies need the host's socket state; pass SYNs to the host"},
    {BPF_FUNC_tcp_gen_syncookie, "syncookies need the host's socket state; pass SYNs to the host"},
    {BPF_FUNC_get_current_pid_tgid, "there is no current task on the NIC; drop the call"},
    {BPF_FUNC_get_current_uid_gid, "there is no current task on the NIC; drop the call"},
    {BPF_FUNC_get_current_comm, "there is no current task on the NIC; drop the call"},
    {BPF_FUNC_get_current_task, "there is no current task on the NIC; drop the call"},
    {BPF_FUNC_get_current_task_btf, "there is no current task on the NIC; drop the call"},
    {BPF_FUNC_probe_read, "the NIC cannot read host kernel or user memory; copy what you need "
                          "into a map from the host"},
    {BPF_FUNC_probe_read_str, "the NIC cannot read host kernel or user memory; copy what you need "
                              "into a map from the host"},
    {BPF_FUNC_probe_read_user, "the NIC cannot read host kernel or user memory; copy what you need "
                               "into a map from the host"},
    {BPF_FUNC_probe_read_kernel, "the NIC cannot read host kernel or user memory; copy what you "
                                 "need into a map from the host"},
    {BPF_FUNC_probe_read_user_str, "the NIC cannot read host kernel or user memory; copy what you "
                                   "need into a map from the host"},
    {BPF_FUNC_probe_read_kernel_str, "the NIC cannot read host kernel or user memory; copy what "
                                     "you need into a map from the host"},
    {BPF_FUNC_spin_lock, "bpf_spin_lock serialises the host's CPUs, and the NIC has one "
                         "ordered pipeline, where each map update is already atomic per entry; "
                         "use __sync_fetch_and_add or bpf_map_update_elem instead of a lock"},
    {BPF_FUNC_spin_unlock, "bpf_spin_lock serialises the host's CPUs, and the NIC has one "
                           "ordered pipeline, where each map update is already atomic per entry; "
                           "use __sync_fetch_and_add or bpf_map_update_elem instead of a lock"},
    {BPF_FUNC_trace_printk, "there is no trace pipe on the NIC; remove bpf_printk (or count "
                            "events in a map)"},
    {BPF_FUNC_tail_call, "tail calls would need every target program on the pipeline at once; "
                         "call the target as a bpf-to-bpf function instead"},
    {BPF_FUNC_for_each_map_elem, "iterating over a whole map has no bound the pipeline can "
                                 "unroll; keep a summary in a separate map entry"},
    {BPF_FUNC_timer_init, "there are no timers on the NIC; age entries by bpf_ktime_get_ns"},
    {BPF_FUNC_timer_set_callback, "there are no timers on the NIC; age entries by bpf_ktime_get_ns"},
    {BPF_FUNC_timer_start, "there are no timers on the NIC; age entries by bpf_ktime_get_ns"},
    {BPF_FUNC_timer_cancel, "there are no timers on the NIC; age entries by bpf_ktime_get_ns"},
    {BPF_FUNC_snprintf, "string formatting has no place on the datapath; format on the host"},
    {BPF_FUNC_get_numa_node_id, "the NIC has no NUMA node; drop the call"},
    {BPF_FUNC_get_cgroup_classid, "there are no cgroups on the NIC; drop the call"},
    {BPF_FUNC_send_signal, "there is no current task on the NIC to signal; drop the call"},
    {BPF_FUNC_send_signal_thread, "there is no current task on the NIC to signal; drop the call"},
    {BPF_FUNC_jiffies64, "jiffies count the host kernel's timer ticks, which the NIC does not "
                         "see; use bpf_ktime_get_ns (the NIC's timestamp counter) instead"},
    {BPF_FUNC_tcp_raw_gen_syncookie_ipv4, "syncookies are keyed by the host kernel's secret, "
                                          "which the NIC does not have; pass SYNs to the host"},
    {BPF_FUNC_tcp_raw_gen_syncookie_ipv6, "syncookies are keyed by the host kernel's secret, "
                                          "which the NIC does not have; pass SYNs to the host"},
    {BPF_FUNC_tcp_raw_check_syncookie_ipv4, "syncookies are keyed by the host kernel's secret, "
                                            "which the NIC does not have; pass ACKs to the host"},
    {BPF_FUNC_tcp_raw_check_syncookie_ipv6, "syncookies are keyed by the host kernel's secret, "
                                            "which the NIC does not have; pass ACKs to the host"},
    {BPF_FUNC_user_ringbuf_drain, "draining a user ring buffer runs a callback over host memory; "
                                  "have the host write what the program needs into a map"},
    {BPF_FUNC_kptr_xchg, "kernel object pointers (kptrs) live in host memory; keep plain values "
                         "in the map"},
    {BPF_FUNC_per_cpu_ptr, "per-CPU kernel variables live in host memory; keep the value in a "
                           "map the host fills"},
    {BPF_FUNC_this_cpu_ptr, "per-CPU kernel variables live in host memory; keep the value in a "
                            "map the host fills"},
};

} // namespace

const HelperProto *xdpHelper(int32_t id) {
  for (const HelperProto &h : kHelpers)
    if (h.id == id)
      return &h;
  return nullptr;
}

const char *nicRefusal(int32_t id) {
  for (const Refusal &r : kRefusals)
    if (r.id == id)
      return r.why;
  return nullptr;
}

bool helperNotModelled(int32_t id) {
  static const int32_t ids[] = {
      BPF_FUNC_sk_lookup_tcp, BPF_FUNC_sk_lookup_udp, BPF_FUNC_skc_lookup_tcp,
      BPF_FUNC_sk_release, BPF_FUNC_tcp_check_syncookie, BPF_FUNC_tcp_gen_syncookie,
      BPF_FUNC_spin_lock, BPF_FUNC_spin_unlock, BPF_FUNC_for_each_map_elem,
      BPF_FUNC_timer_init, BPF_FUNC_timer_set_callback, BPF_FUNC_timer_start,
      BPF_FUNC_timer_cancel, BPF_FUNC_snprintf, BPF_FUNC_ringbuf_output,
      BPF_FUNC_ringbuf_reserve, BPF_FUNC_ringbuf_submit, BPF_FUNC_ringbuf_discard,
      BPF_FUNC_ringbuf_query, BPF_FUNC_map_push_elem, BPF_FUNC_map_pop_elem,
      BPF_FUNC_map_peek_elem, BPF_FUNC_strncmp, BPF_FUNC_per_cpu_ptr, BPF_FUNC_this_cpu_ptr,
      BPF_FUNC_get_current_task_btf, BPF_FUNC_map_lookup_percpu_elem, BPF_FUNC_kptr_xchg,
      BPF_FUNC_dynptr_from_mem, BPF_FUNC_snprintf_btf, BPF_FUNC_task_pt_regs,
      BPF_FUNC_tcp_raw_gen_syncookie_ipv4, BPF_FUNC_tcp_raw_gen_syncookie_ipv6,
      BPF_FUNC_tcp_raw_check_syncookie_ipv4, BPF_FUNC_tcp_raw_check_syncookie_ipv6,
      BPF_FUNC_user_ringbuf_drain,
  };
  return std::find(std::begin(ids), std::end(ids), id) != std::end(ids);
}

} // namespace sluice::verify
