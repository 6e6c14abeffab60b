//===- Cases.h - Hand-assembled corpus of the verifier --------------------===//
//
// Each case: a name, the maps it uses, its bytecode, Sluice's expected
// verdict with a substring of the expected diagnostic, and what the running
// kernel decides for a privileged XDP load (checked by the differential test
// in tests/unit/Verify/CorpusTest.cpp). `hw` cases are accepted by the
// kernel and refused only for the NIC (category hardware).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Asm.h"

#include <string>
#include <vector>

namespace sluice::vasm {

struct MapSpec {
  uint32_t type, key, value, entries, flags = 0;
};

enum class Expect { Accept, Reject, Hardware };

struct Case {
  std::string name;
  Expect expect;
  std::string message; ///< substring of Sluice's first error ("" for accept)
  std::vector<MapSpec> maps;
  std::vector<bpf_insn> code;
  bool strictStack = false; ///< verify with rejectUninitStack (kernel not compared)
};

inline MapSpec hashMap() { return {BPF_MAP_TYPE_HASH, 4, 8, 16}; }
inline MapSpec arrayMap(uint32_t value = 64) { return {BPF_MAP_TYPE_ARRAY, 4, value, 4}; }

/// r6 = lookup(map, &key=0 at fp-4); r0 = result (r6 too).
inline Asm &lookup(Asm &a, int map) {
  return a.st(W, 10, -4, 0).ldmap(1, map).mov(2, R(10)).add(2, -4).call(BPF_FUNC_map_lookup_elem);
}

inline Asm lk(int map) {
  Asm a;
  lookup(a, map);
  return a;
}

inline std::vector<Case> corpusCases() {
  std::vector<Case> c;
  auto rej = [&](std::string n, std::string msg, Asm a, std::vector<MapSpec> maps = {}) {
    c.push_back({std::move(n), Expect::Reject, std::move(msg), std::move(maps), a.build()});
  };
  auto acc = [&](std::string n, Asm a, std::vector<MapSpec> maps = {}) {
    c.push_back({std::move(n), Expect::Accept, "", std::move(maps), a.build()});
  };
  auto hw = [&](std::string n, std::string msg, Asm a, std::vector<MapSpec> maps = {}) {
    c.push_back({std::move(n), Expect::Hardware, std::move(msg), std::move(maps), a.build()});
  };
  const int DATA = 0, END = 4, META = 8, IFINDEX = 12;
  (void)DATA; (void)END;

  // ---------------------------------------------------------------- packet
  rej("pkt_no_bounds_check", "packet access at offset 0..0 is not bounds-checked",
      Asm().pkt().ldx(B, 0, 2, 0).exit());
  rej("pkt_read_past_checked_range", "packet access at offset 12..15 is not bounds-checked",
      Asm().pkt().check(14, "out").ldx(W, 0, 2, 12).label("out").ret(2));
  rej("pkt_access_on_failing_branch", "not bounds-checked",
      Asm().pkt().check(14, "bad").ret(2).label("bad").ldx(B, 0, 2, 0).exit());
  rej("pkt_negative_offset", "not bounds-checked",
      Asm().pkt().check(14, "out").ldx(B, 0, 2, -1).label("out").ret(2));
  rej("pkt_variable_offset_unchecked", "not bounds-checked",
      Asm().pkt().check(14, "out").ldx(B, 5, 2, 0).and_(5, 15).add(2, R(5)).ldx(B, 0, 2, 0)
          .label("out").ret(2));
  rej("pkt_add_unbounded_scalar", "unbounded min value",
      Asm().mov(6, R(1)).call(BPF_FUNC_ktime_get_ns).ldx(W, 2, 6, 0).add(2, R(0)).ret(2));
  rej("pkt_end_dereference", "invalid mem access 'pkt_end'", Asm().pkt().ldx(B, 0, 3, 0).exit());
  rej("pkt_end_arithmetic", "pointer arithmetic on pkt_end prohibited",
      Asm().pkt().add(3, 1).ret(2));
  rej("pkt_atomic", "BPF_ATOMIC stores into R2 pkt is not allowed",
      Asm().pkt().check(14, "out").mov(5, 1).atomic(W, 2, 5, 0, BPF_ADD).label("out").ret(2));
  rej("pkt_stale_after_adjust_head", "invalid mem access 'scalar'",
      Asm().mov(6, R(1)).pkt().check(14, "out").mov(7, R(2)).mov(1, R(6)).mov(2, 0)
          .call(BPF_FUNC_xdp_adjust_head).ldx(B, 0, 7, 0).exit().label("out").ret(2));
  rej("pkt_meta_unchecked", "packet metadata access",
      Asm().ldx(W, 2, 1, META).ldx(B, 0, 2, 0).exit());

  // ---------------------------------------------------------------- maps
  rej("map_value_without_null_check", "invalid mem access 'map_value_or_null'",
      lk(0).ldx(DW, 0, 0, 0).exit(), {hashMap()});
  rej("map_value_or_null_arithmetic", "pointer arithmetic on map_value_or_null prohibited",
      lk(0).add(0, 8).ret(2), {hashMap()});
  rej("map_value_used_on_null_branch", "invalid mem access 'scalar'",
      lk(0).jne(0, 0, "out").ldx(DW, 0, 0, 0).label("out").ret(2),
      {hashMap()});
  rej("map_value_out_of_bounds", "invalid access to map value, value_size=8 off=8 size=8",
      lk(0).jeq(0, 0, "out").ldx(DW, 0, 0, 8).label("out").ret(2),
      {hashMap()});
  rej("map_value_unbounded_index", "unbounded memory access",
      lk(0).jeq(0, 0, "out").ldx(W, 1, 0, 0).add(0, R(1))
          .ldx(B, 0, 0, 0).exit().label("out").ret(2), {arrayMap()});
  rej("map_value_negative_index", "min value is negative",
      lk(0).jeq(0, 0, "out").ldxsx(B, 1, 0, 0).add(0, R(1))
          .ldx(B, 0, 0, 0).exit().label("out").ret(2), {arrayMap()});
  rej("map_key_is_scalar", "R2 type=scalar expected=fp",
      Asm().ldmap(1, 0).mov(2, 0).call(BPF_FUNC_map_lookup_elem).ret(2), {hashMap()});
  rej("map_key_outside_stack", "invalid indirect access to stack",
      Asm().ldmap(1, 0).mov(2, R(10)).add(2, -2).call(BPF_FUNC_map_lookup_elem).ret(2),
      {hashMap()});
  rej("map_readonly_write", "write into map forbidden",
      Asm().ldmapval(1, 0, 0).st(W, 1, 0, 1).ret(2),
      {{BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG}});
  rej("map_atomic_misaligned", "misaligned value access",
      lk(0).jeq(0, 0, "out").mov(1, 1).atomic(W, 0, 1, 2, BPF_ADD)
          .label("out").ret(2), {hashMap()});
  rej("map_invalid_reference", "not pointing to valid bpf_map", Asm().ldmap(1, 3).ret(2));
  rej("map_value_reference_past_end", "invalid access to map value pointer",
      Asm().ldmapval(1, 0, 64).ret(2), {arrayMap()});

  // ---------------------------------------------------------------- helpers
  rej("helper_unknown_to_xdp", "unknown func bpf_skb_store_bytes#9",
      Asm().mov(2, 0).mov(3, R(10)).add(3, -8).st(DW, 10, -8, 0).mov(4, 8).mov(5, 0)
          .call(BPF_FUNC_skb_store_bytes).exit());
  rej("helper_nonexistent", "unknown func", Asm().call(100000).exit());
  rej("helper_map_arg_not_a_map", "R1 type=scalar expected=map_ptr",
      Asm().mov(1, 0).mov(2, R(10)).add(2, -8).st(DW, 10, -8, 0).call(BPF_FUNC_map_lookup_elem)
          .ret(2));
  rej("helper_redirect_map_on_hash", "cannot pass map_type 1 into func bpf_redirect_map",
      Asm().ldmap(1, 0).mov(2, 0).mov(3, 0).call(BPF_FUNC_redirect_map).exit(), {hashMap()});
  rej("helper_ctx_arg_is_stack", "R1 type=fp expected=ctx",
      Asm().mov(1, R(10)).mov(2, 0).call(BPF_FUNC_xdp_adjust_head).ret(2));
  rej("helper_unbounded_size", "unbounded memory access",
      Asm().ldx(W, 2, 1, IFINDEX).st(DW, 10, -8, 0).mov(1, R(10)).add(1, -8).mov(3, 0).mov(4, 0)
          .mov(5, 0).call(BPF_FUNC_csum_diff).ret(2));
  rej("helper_arg_uninitialised", "R2 !read_ok",
      Asm().ldmap(1, 0).call(BPF_FUNC_map_lookup_elem).ret(2), {hashMap()});
  rej("helper_tail_call_on_hash", "cannot pass map_type 1 into func bpf_tail_call",
      Asm().ldmap(2, 0).mov(3, 0).call(BPF_FUNC_tail_call).ret(2), {hashMap()});

  // ---------------------------------------------------------------- registers
  rej("uninit_register_read", "R5 !read_ok", Asm().mov(0, R(5)).exit());
  rej("uninit_r0_at_exit", "R0 !read_ok", Asm().exit());
  rej("caller_saved_clobbered_by_call", "R1 !read_ok",
      Asm().call(BPF_FUNC_ktime_get_ns).mov(0, R(1)).exit());
  rej("scalar_dereference", "invalid mem access 'scalar'", Asm().mov(0, 0).ldx(DW, 0, 0, 0).exit());
  rej("write_frame_pointer", "frame pointer is read only", Asm().mov(10, 0).ret(2));
  rej("pointer_bitwise_and", "bitwise operator &= on pointer prohibited",
      Asm().pkt().and_(2, 0xff).ret(2));
  rej("pointer_32bit_arithmetic", "32-bit pointer arithmetic prohibited",
      Asm().pkt().alu32(BPF_ADD, 2, 1).ret(2));
  rej("pointer_plus_pointer", "pointer += pointer prohibited", Asm().pkt().add(2, R(3)).ret(2));

  // ---------------------------------------------------------------- ctx
  rej("ctx_write_data", "invalid bpf_context access off=0 size=4",
      Asm().mov(2, 0).stx(W, 1, 2, 0).ret(2));
  rej("ctx_store_immediate", "BPF_ST stores into R1 ctx is not allowed",
      Asm().st(W, 1, IFINDEX, 0).ret(2));
  rej("ctx_narrow_read", "invalid bpf_context access off=0 size=1", Asm().ldx(B, 0, 1, 0).exit());
  rej("ctx_oversized_read", "invalid bpf_context access off=0 size=8", Asm().ldx(DW, 0, 1, 0).exit());
  rej("ctx_read_past_end", "invalid bpf_context access off=24", Asm().ldx(W, 0, 1, 24).exit());
  rej("ctx_egress_ifindex", "egress_ifindex", Asm().ldx(W, 0, 1, 20).exit());
  rej("ctx_modified_pointer", "dereference of modified ctx ptr", Asm().add(1, 4).ldx(W, 0, 1, 0).exit());

  // ---------------------------------------------------------------- stack
  rej("stack_misaligned", "misaligned stack access", Asm().stx(DW, 10, 1, -12).ret(2));
  rej("stack_beyond_512", "invalid write to stack R10 off=-520 size=8", Asm().st(DW, 10, -520, 0).ret(2));
  rej("stack_above_frame", "invalid write to stack R10 off=0 size=8", Asm().stx(DW, 10, 1, 0).ret(2));
  rej("stack_combined_depth", "combined stack size",
      Asm().st(DW, 10, -320, 0).callsub("f").exit()
          .label("f").st(DW, 10, -320, 0).ret(0));
  rej("call_stack_too_deep", "too deep", [] {
    Asm a;
    a.callsub("f1").exit();
    for (int k = 1; k <= 8; ++k)
      a.label("f" + std::to_string(k)).callsub("f" + std::to_string(k + 1)).exit();
    a.label("f9").ret(0);
    return a;
  }());

  // ---------------------------------------------------------------- control flow
  rej("infinite_loop_goto_self", "infinite loop detected",
      Asm().mov(0, 0).label("l").ja("l"));
  rej("unbounded_loop_on_packet_field", "infinite loop detected",
      Asm().label("l").ldx(W, 0, 1, IFINDEX).jne(0, 0, "l").exit());
  rej("jump_out_of_range", "jump out of range from insn 0 to 11",
      Asm().raw(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 10, 0).ret(2));
  rej("jump_before_start", "jump out of range",
      Asm().mov(0, 0).raw(BPF_JMP | BPF_JA, 0, 0, -3, 0).exit());
  rej("jump_into_ldimm64", "jump into the middle of ldimm64",
      Asm().raw(BPF_JMP | BPF_JA, 0, 0, 1, 0).ld64(0, 7).exit());
  rej("unreachable_instructions", "unreachable insn 2", Asm().ret(2).ret(1));
  rej("fall_off_the_end", "last insn is not an exit or jmp", Asm().mov(0, 2));

  // ---------------------------------------------------------------- malformed
  rej("bad_opcode", "opcode", Asm().raw(0xff, 0, 0, 0, 0).ret(2));
  rej("bad_alu_opcode", "invalid BPF_ALU opcode", Asm().raw(BPF_ALU64 | 0xe0 | BPF_K, 0, 0, 0, 1).ret(2));
  rej("truncated_ldimm64", "invalid bpf_ld_imm64", Asm().mov(0, 2).raw(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1));
  rej("ldimm64_bad_second_half", "invalid bpf_ld_imm64",
      Asm().raw(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1).raw(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0).exit());
  rej("bad_register_number", "R11 is invalid", Asm().raw(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0).ret(2));
  rej("reserved_field_alu", "BPF_ALU uses reserved fields",
      Asm().mov(0, 0).raw(BPF_ALU64 | BPF_ADD | BPF_K, 0, 1, 0, 1).exit());
  rej("ld_abs_in_xdp", "BPF_LD_[ABS|IND]", Asm().mov(6, R(1)).raw(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0).exit());
  rej("kfunc_call", "kfuncs", Asm().raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1).ret(2));

  // ---------------------------------------------------------------- division
  rej("div_by_zero_immediate", "div by zero", Asm().mov(0, 5).alu64(BPF_DIV, 0, 0).exit());
  rej("mod32_by_zero_immediate", "div by zero", Asm().mov(0, 5).alu32(BPF_MOD, 0, 0).exit());
  rej("sdiv_bad_offset", "BPF_ALU uses reserved fields",
      Asm().mov(0, 5).mov(1, 2).alu64(BPF_DIV, 0, R(1), 2).exit());
  rej("signed_form_of_add", "BPF_ALU uses reserved fields",
      Asm().mov(0, 5).mov(1, 2).alu64(BPF_ADD, 0, R(1), 1).exit());
  rej("shift_by_64", "invalid shift 64", Asm().mov(0, 5).lsh(0, 64).exit());

  // ================================================================ accepted
  acc("pkt_check_gt", Asm().pkt().check(14, "out").ldx(H, 0, 2, 12).label("out").ret(2));
  acc("pkt_check_end_lt_p", Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JLT, 3, R(4), "out")
                                .ldx(H, 0, 2, 12).label("out").ret(2));
  acc("pkt_check_ge", Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JGE, 4, R(3), "out")
                          .ldx(H, 0, 2, 12).label("out").ret(2));
  acc("pkt_check_lt_taken", Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JLT, 4, R(3), "ok").ret(2)
                                .label("ok").ldx(H, 0, 2, 12).exit());
  acc("pkt_check_le_taken", Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JLE, 4, R(3), "ok").ret(2)
                                .label("ok").ldx(H, 0, 2, 12).exit());
  acc("pkt_check_end_gt_p_taken", Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JGT, 3, R(4), "ok").ret(2)
                                      .label("ok").ldx(H, 0, 2, 12).exit());
  acc("pkt_check_end_ge_p_taken", Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JGE, 3, R(4), "ok").ret(2)
                                      .label("ok").ldx(H, 0, 2, 12).exit());
  acc("pkt_variable_offset_ihl",
      Asm().pkt().check(34, "out").ldx(B, 5, 2, 14).and_(5, 15).lsh(5, 2).mov(6, R(2)).add(6, 14)
          .add(6, R(5)).mov(7, R(6)).add(7, 20).jgt(7, R(3), "out").ldx(H, 0, 6, 2)
          .ldx(W, 0, 6, 16).label("out").ret(2));
  acc("pkt_version_checked_ihl",
      Asm().pkt().check(34, "out").ldx(B, 4, 2, 14).mov(5, R(4)).and_(5, 0xf0).jne(5, 0x40, "out")
          .lsh(4, 2).and_(4, 0xfc).mov(6, R(2)).add(6, 14).add(6, R(4)).mov(7, R(6)).add(7, 8)
          .jgt(7, R(3), "out").ldx(H, 0, 6, 2).label("out").ret(2));
  acc("spill_fill_packet_pointer",
      Asm().pkt().check(14, "out").stx(DW, 10, 2, -8).mov(2, 0).ldx(DW, 5, 10, -8)
          .ldx(H, 0, 5, 12).label("out").ret(2));
  acc("spill_fill_map_value_or_null",
      lk(0).stx(DW, 10, 0, -16).ldx(DW, 1, 10, -16).jeq(1, 0, "out")
          .ldx(DW, 0, 1, 0).label("out").ret(2), {hashMap()});
  acc("null_check_on_a_copy",
      lk(0).mov(6, R(0)).jeq(6, 0, "out").ldx(DW, 0, 0, 0)
          .label("out").ret(2), {hashMap()});
  acc("null_check_reversed",
      lk(0).jne(0, 0, "use").ret(2).label("use").ldx(DW, 0, 0, 0).exit(),
      {hashMap()});
  acc("subreg_bound_indexes_map",
      Asm().ldx(W, 6, 1, IFINDEX).apply([](Asm &a) { lookup(a, 0); }).jeq(0, 0, "out")
          .jmp32(BPF_JGT, 6, 60, "out").add(0, R(6)).ldx(B, 0, 0, 0).exit().label("out").ret(2),
      {arrayMap()});
  acc("subreg_signed_bounds",
      Asm().ldx(W, 6, 1, IFINDEX).apply([](Asm &a) { lookup(a, 0); }).jeq(0, 0, "out")
          .jmp32(BPF_JSGT, 6, 60, "out").jmp32(BPF_JSLT, 6, 0, "out").add(0, R(6)).ldx(B, 0, 0, 0)
          .exit().label("out").ret(2), {arrayMap()});
  acc("bounded_loop_counter", Asm().mov(0, 0).mov(1, 10).label("l").add(0, 1).sub(1, 1)
                                  .jne(1, 0, "l").exit());
  acc("bounded_loop_over_packet",
      Asm().pkt().mov(5, 0).mov(6, 0).label("l").mov(4, R(2)).add(4, 1).jgt(4, R(3), "out")
          .ldx(B, 0, 2, 0).add(6, R(0)).mov(2, R(4)).add(5, 1).jmp(BPF_JLT, 5, 8, "l")
          .label("out").ret(2));
  acc("loop_with_data_dependent_exit",
      Asm().ldx(W, 6, 1, IFINDEX).mov(1, 0).label("l").jeq(6, R(1), "out").add(1, 1)
          .jmp(BPF_JLT, 1, 16, "l").label("out").ret(2));
  acc("bpf2bpf_call", Asm().mov(1, 5).callsub("f").exit().label("f").mov(0, R(1)).add(0, R(1)).exit());
  acc("bpf2bpf_stack_pointer_argument",
      Asm().mov(1, R(10)).add(1, -8).callsub("f").ldx(DW, 0, 10, -8).exit()
          .label("f").st(DW, 1, 0, 2).ret(0));
  acc("array_lookup_constant_key",
      lk(0).jeq(0, 0, "out").ldx(DW, 0, 0, 56).label("out").ret(2),
      {arrayMap()});
  acc("map_update_from_stack",
      Asm().st(W, 10, -4, 1).st(DW, 10, -16, 7).ldmap(1, 0).mov(2, R(10)).add(2, -4).mov(3, R(10))
          .add(3, -16).mov(4, 0).call(BPF_FUNC_map_update_elem).ret(2), {hashMap()});
  acc("atomic_add_to_map_value",
      lk(0).jeq(0, 0, "out").mov(1, 1).atomic(DW, 0, 1, 0, BPF_ADD)
          .label("out").ret(2), {hashMap()});
  acc("div_by_register_maybe_zero",
      Asm().ldx(W, 0, 1, IFINDEX).ldx(W, 2, 1, 16).alu64(BPF_DIV, 0, R(2)).alu32(BPF_MOD, 0, R(2)).exit());
  acc("sdiv_smod_cpu_v4",
      Asm().ldx(W, 0, 1, IFINDEX).mov(2, -3).alu64(BPF_DIV, 0, R(2), 1).alu64(BPF_MOD, 0, R(2), 1).exit());
  acc("packet_metadata_checked",
      Asm().ldx(W, 2, 1, DATA).ldx(W, 4, 1, META).mov(5, R(4)).add(5, 4).jgt(5, R(2), "out")
          .ldx(W, 0, 4, 0).label("out").ret(2));
  acc("uninitialised_stack_read_privileged", Asm().ldx(DW, 0, 10, -8).exit());
  acc("pointer_difference", Asm().pkt().mov(0, R(3)).sub(0, R(2)).exit());
  acc("packet_write", Asm().pkt().check(14, "out").st(B, 2, 0, 1).label("out").ret(2));
  acc("adjust_head_then_recheck",
      Asm().mov(6, R(1)).mov(2, -14).call(BPF_FUNC_xdp_adjust_head).mov(1, R(6)).pkt()
          .check(14, "out").ldx(B, 0, 2, 13).label("out").ret(2));
  acc("movsx_and_ldsx",
      Asm().pkt().check(14, "out").ldxsx(B, 5, 2, 0).alu64(BPF_MOV, 0, R(5), 16).label("out").ret(2));
  acc("bswap64_and_gotol",
      Asm().ldx(W, 0, 1, IFINDEX).raw(BPF_ALU64 | BPF_END | BPF_TO_LE, 0, 0, 0, 64).gotol("e")
          .label("e").exit());
  acc("variable_offset_stack_write",
      Asm().ldx(W, 5, 1, IFINDEX).and_(5, 0x38).mov(4, R(10)).add(4, -64).add(4, R(5))
          .st(DW, 4, 0, 0).ret(2));
  acc("pointer_vs_pointer_compare",
      Asm().pkt().mov(4, R(2)).add(4, 8).jgt(4, R(2), "out").label("out").ret(2));

  // ---------------------------------------------------------------- edges of the kernel's rules
  acc("pkt_lt_check_covers_one_more_byte",
      Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JLT, 4, R(3), "ok").ret(2)
          .label("ok").ldx(B, 0, 2, 14).exit());
  rej("pkt_le_check_does_not_cover_next_byte", "not bounds-checked",
      Asm().pkt().mov(4, R(2)).add(4, 14).jmp(BPF_JLE, 4, R(3), "ok").ret(2)
          .label("ok").ldx(B, 0, 2, 14).exit());
  acc("array_lookup_constant_key_needs_no_null_check",
      lk(0).ldx(DW, 0, 0, 0).exit(), {arrayMap()});
  rej("array_lookup_key_out_of_range_needs_null_check", "map_value_or_null",
      Asm().st(W, 10, -4, 9).ldmap(1, 0).mov(2, R(10)).add(2, -4).call(BPF_FUNC_map_lookup_elem)
          .ldx(DW, 0, 0, 0).exit(), {arrayMap()});
  rej("subprog_returns_stack_pointer", "cannot return stack pointer to the caller",
      Asm().callsub("f").exit().label("f").mov(0, R(10)).exit());
  rej("subprog_returns_caller_stack_pointer", "cannot return stack pointer to the caller",
      Asm().mov(1, R(10)).add(1, -8).st(DW, 10, -8, 5).callsub("f").ldx(DW, 0, 0, 0).exit()
          .label("f").mov(0, R(1)).exit());
  acc("subprog_returns_ctx_pointer",
      Asm().callsub("f").ldx(W, 0, 0, IFINDEX).exit().label("f").mov(0, R(1)).exit());
  acc("subprog_leaves_r0_unset_caller_ignores",
      Asm().callsub("f").ret(2).label("f").exit());
  rej("subprog_leaves_r0_unset_caller_reads", "R0 !read_ok",
      Asm().callsub("f").exit().label("f").exit());
  acc("main_returns_pointer_privileged", Asm().mov(0, R(10)).exit());
  rej("same_insn_ctx_and_stack", "same insn cannot be used with different pointers",
      Asm().mov(6, R(1)).ldx(W, 7, 1, IFINDEX).st(DW, 10, -8, 0).mov(2, R(10)).add(2, -8)
          .jeq(7, 0, "j").mov(2, R(6)).label("j").ldx(W, 0, 2, 0).exit());
  rej("partial_spill_of_pointer", "invalid size of register spill",
      Asm().stx(W, 10, 1, -8).ret(2));
  acc("reserved_fields_in_dead_code_are_not_checked",
      lk(0).jeq(0, 0, "dead").ret(2).label("dead").raw(BPF_ALU64 | BPF_ADD | BPF_K, 0, 3, 0, 1).exit(),
      {arrayMap()});
  acc("linked_scalar_with_constant_offset",
      Asm().ldx(W, 6, 1, IFINDEX).apply([](Asm &a) { lookup(a, 0); }).jeq(0, 0, "out")
          .mov(7, R(6)).add(7, 4).jgt(7, 60, "out").add(0, R(6)).ldx(B, 0, 0, 0).exit()
          .label("out").ret(2), {arrayMap()});
  rej("linked_scalar_second_constant_breaks_link", "unbounded memory access",
      Asm().ldx(W, 6, 1, IFINDEX).apply([](Asm &a) { lookup(a, 0); }).jeq(0, 0, "out")
          .mov(7, R(6)).add(7, 4).add(7, 1).jgt(7, 60, "out").add(0, R(6)).ldx(B, 0, 0, 0).exit()
          .label("out").ret(2), {arrayMap()});
  rej("or_null_compared_with_nonzero_constant", "map_value_or_null",
      lk(0).jeq(0, 2, "use").ret(2).label("use").ldx(DW, 0, 0, 0).exit(), {hashMap()});
  rej("or_null_not_equal_nonzero_constant_is_no_check", "map_value_or_null",
      lk(0).jeq(0, 2, "o").ldx(DW, 0, 0, 0).label("o").ret(2), {hashMap()});
  rej("pointer_past_end_stays_unusable", "not bounds-checked",
      Asm().pkt().check(14, "o").mov(4, R(2)).add(4, 34).jgt(4, R(3), "past").ret(2)
          .label("past").add(4, -30).ldx(B, 0, 4, 0).exit().label("o").ret(1));
  acc("pointer_past_end_decides_the_next_compare",
      Asm().pkt().mov(4, R(2)).add(4, 8).jgt(4, R(3), "past").ret(2)
          .label("past").jgt(4, R(3), "done").ldx(B, 0, 2, 100).label("done").ret(1));
  acc("array_key_from_narrow_register_spill",
      Asm().mov(1, 2).stx(W, 10, 1, -8).ldmap(1, 0).mov(2, R(10)).add(2, -8)
          .call(BPF_FUNC_map_lookup_elem).ldx(DW, 0, 0, 0).exit(), {arrayMap()});
  rej("array_key_from_full_spill_needs_null_check", "map_value_or_null",
      Asm().st(DW, 10, -8, 1).ldmap(1, 0).mov(2, R(10)).add(2, -8)
          .call(BPF_FUNC_map_lookup_elem).ldx(DW, 0, 0, 0).exit(), {arrayMap()});
  acc("narrow_spill_keeps_bounds",
      Asm().ldx(W, 6, 1, IFINDEX).and_(6, 31).stx(W, 10, 6, -16).apply([](Asm &a) { lookup(a, 0); })
          .jeq(0, 0, "o").ldx(W, 5, 10, -16).add(0, R(5)).ldx(B, 0, 0, 0).exit().label("o").ret(2),
      {arrayMap()});
  acc("jmp32_on_pointers", Asm().pkt().jmp32(BPF_JGT, 2, R(3), "o").label("o").ret(2));
  rej("partial_read_of_spilled_pointer", "invalid size of register fill",
      Asm().stx(DW, 10, 1, -8).ldx(W, 0, 10, -8).exit());
  acc("spilled_constant_keeps_bounds",
      Asm().st(DW, 10, -16, 7).apply([](Asm &a) { lookup(a, 0); })
          .jeq(0, 0, "o").ldx(DW, 5, 10, -16).add(0, R(5)).ldx(B, 0, 0, 0).exit().label("o").ret(2),
      {arrayMap()});
  rej("null_check_on_32bit_compare_does_not_count", "map_value_or_null",
      lk(0).jmp32(BPF_JEQ, 0, 0, "o").ldx(DW, 0, 0, 0).label("o").ret(2), {hashMap()});

  // ================================================================ hardware
  hw("header_window_exceeded", "needs a window of 152 bytes",
     Asm().pkt().check(200, "out").ldx(H, 0, 2, 150).label("out").ret(2));
  hw("helper_fib_lookup", "bpf_fib_lookup has no meaning on the NIC",
     Asm().mov(6, R(1)).mov(2, R(10)).add(2, -64).mov(3, 64).mov(4, 0).call(BPF_FUNC_fib_lookup).ret(2));
  hw("helper_probe_read_kernel", "bpf_probe_read_kernel has no meaning on the NIC",
     Asm().mov(1, R(10)).add(1, -8).mov(2, 8).mov(3, 0).call(BPF_FUNC_probe_read_kernel).ret(2));
  hw("helper_trace_printk", "bpf_trace_printk has no meaning on the NIC",
     Asm().st(DW, 10, -8, 0x0a6968).mov(1, R(10)).add(1, -8).mov(2, 8).call(BPF_FUNC_trace_printk).ret(2));
  hw("helper_get_current_pid_tgid", "bpf_get_current_pid_tgid has no meaning on the NIC",
     Asm().call(BPF_FUNC_get_current_pid_tgid).exit());
  hw("helper_get_current_comm", "bpf_get_current_comm has no meaning on the NIC",
     Asm().mov(1, R(10)).add(1, -16).mov(2, 16).call(BPF_FUNC_get_current_comm).ret(2));
  hw("loop_too_long_to_unroll", "runs more than 256 times",
     Asm().mov(0, 0).mov(1, 1000).label("l").add(0, 1).sub(1, 1).jne(1, 0, "l").exit());

  // ================================================================ options
  c.push_back({"uninitialised_stack_read_strict", Expect::Reject, "invalid read from stack", {},
               Asm().ldx(DW, 0, 10, -8).exit().build(), true});
  return c;
}

} // namespace sluice::vasm
