// sluice_stage: one programmable stage of the pipeline, three registered
// cycles (docs/rtl.md):
//   F (fetch):   micro-op words of the packet's program bank, guards, operand
//                reads from the lane's read window (2 banks), pair halves,
//                predicate reads (SEL, PLUT).
//   E (execute): the lanes' ALUs and compares, SETV/REDIR values, ADJH/ADJT
//                checks against the head/tail deltas at stage entry, the VLD
//                address and its window check.
//   W (write):   the slot registers take the lanes' results (lane l writes
//                bank l; the odd lane's bank also takes the even lane's high
//                half), the VLD byte select, a unit result landing in this
//                stage; predicates, verdict, redirect, head/tail, fault.
// Every register advances when en = 1 and holds when en = 0.
module sluice_stage #(
  parameter int TAG_BITS = 16,
  parameter int STAGE = 0,
  parameter bit HAS_RET = 1'b0,             // a div result lands in this stage's W cycle
  parameter bit HAS_MRET = 1'b0             // a map transaction's results land in this stage's W cycle
) (
  input  logic clk, input logic rst, input logic en,
  input  logic        pm_we, input logic pm_bank, input logic [15:0] pm_addr, input logic [63:0] pm_wdata,
  input  logic        i_valid, input logic i_bank, input logic [TAG_BITS-1:0] i_tag,
  input  logic [15:0] i_len,
  input  logic [sluice_pkg::WIN_VEC-1:0] i_window,
  input  logic [sluice_pkg::SLOT_VEC-1:0] i_slots,
  input  logic [sluice_pkg::NPRED-1:0] i_preds,
  input  logic [31:0] i_verdict, input logic [31:0] i_redirect,
  input  logic signed [sluice_pkg::HT_BITS-1:0] i_head, input logic signed [sluice_pkg::HT_BITS-1:0] i_tail,
  input  logic        i_fault,
  output logic        o_valid, output logic o_bank, output logic [TAG_BITS-1:0] o_tag,
  output logic [15:0] o_len,
  output logic [sluice_pkg::WIN_VEC-1:0] o_window,
  output logic [sluice_pkg::SLOT_VEC-1:0] o_slots,
  output logic [sluice_pkg::NPRED-1:0] o_preds,
  output logic [31:0] o_verdict, output logic [31:0] o_redirect,
  output logic signed [sluice_pkg::HT_BITS-1:0] o_head, output logic signed [sluice_pkg::HT_BITS-1:0] o_tail,
  output logic        o_fault,
  // div unit issue (from the F registers of the unit's lane; stages with the unit)
  output logic        u_valid, output logic [5:0] u_op, output logic u_w, output logic [4:0] u_dst,
  output logic [63:0] u_a, output logic [63:0] u_b,
  // a unit result written in this stage's W cycle (HAS_RET)
  input  logic        r_valid, input logic [4:0] r_dst, input logic r_wide, input logic [63:0] r_value,
  // map transaction issue (from the F registers of the map lane and its pair
  // lane; map stages): sluice_map's transaction inputs, tag = {0, kind 2,
  // read mask 4, found predicate 4, dst 5}
  output logic        m_valid, output logic [2:0] m_op, output logic [2:0] m_map,
  output logic [511:0] m_key, output logic [511:0] m_val,
  output logic [1:0]  m_flags, output logic m_ins, output logic [7:0] m_w0,
  output logic [1:0]  m_r_en, output logic [1:0] m_r_w, output logic [5:0] m_r_op,
  output logic [9:0]  m_r_word, output logic [127:0] m_r_opnd, output logic [15:0] m_tag,
  // a map result written in this stage's W cycle (HAS_MRET)
  input  logic        mr_valid, input logic [15:0] mr_tag, input logic mr_found,
  input  logic [31:0] mr_rc, input logic [127:0] mr_words
);
`include "sluice_defs.svh"
  localparam int L = LANES;
  localparam int BS = BANK_SLOTS;
  localparam int BSB = $clog2(BANK_SLOTS);
  localparam int RW = SLUICE_READ_WINDOW_BANKS;
  localparam int HT = HT_BITS;
  localparam bit HAS_VLD = SLUICE_VREAD_STAGE_MASK[STAGE];
  localparam int VL = SLUICE_VREAD_LANE;
  localparam bit HAS_DIV = SLUICE_UNIT_DIV_STAGE_MASK[STAGE];
  localparam int DL = SLUICE_UNIT_DIV_LANE;
  localparam bit HAS_MAP = SLUICE_UNIT_MAP_STAGE_MASK[STAGE];
  localparam int ML = SLUICE_UNIT_MAP_LANE;
  localparam int WB = $clog2(WIN_BYTES);
  localparam logic [31:0] EINVAL = 32'hffffffea;

  // ---------------------------------------------------------------- program
  // Two banks of micro-op words: pm_addr = STAGE*lanes + lane.
  logic [L*64-1:0] pm0, pm1;
  generate
    for (genvar l = 0; l < L; l++) begin : g_pm
      localparam logic [15:0] ADDR = 16'(STAGE * L + l);
      always_ff @(posedge clk) begin
        if (pm_we && pm_addr == ADDR) begin
          if (pm_bank) pm1[64*(l) +: 64] <= pm_wdata;
          else pm0[64*(l) +: 64] <= pm_wdata;
        end
      end
    end
  endgenerate

  // ------------------------------------------------------------------ fetch
  logic [15:0] pv;                          // predicates, p0 true, 0 past NPRED
  always_comb begin
    pv = 16'd0;
    pv[NPRED-1:0] = i_preds;
    pv[0] = 1'b1;
  end

  logic [L*64-1:0] uop;
  logic [L*32-1:0] rd_a, rd_b, rd_ahi, rd_bhi;
  logic [L-1:0] guard_c, selp_c, plut_c;

  generate
    for (genvar l = 0; l < L; l++) begin : g_fetch
      logic [4:0] fa, fb;
      logic [31:0] imm;
      assign uop[64*(l) +: 64] = i_bank ? pm1[64*(l) +: 64] : pm0[64*(l) +: 64];
      assign fa = uop[64*(l) + (13) +: (17) - (13) + 1];
      assign fb = uop[64*(l) + (18) +: (22) - (18) + 1];
      assign imm = uop[64*(l) + (32) +: (63) - (32) + 1];
      assign guard_c[l] = pv[uop[64*(l) + (23) +: (26) - (23) + 1]] ^ uop[64*(l) + (27)];
      assign selp_c[l] = pv[uop[64*(l) + (28) +: (31) - (28) + 1]];
      assign plut_c[l] = imm[{3'd0, pv[fb[3:0]], pv[fa[3:0]]}];
      // Operand reads: bank (l+w) mod lanes for w < read_window_banks.
      always_comb begin
        rd_a[32*(l) +: 32] = 32'd0;
        rd_b[32*(l) +: 32] = 32'd0;
        for (int w = 0; w < RW; w++) begin
          if (32'(fa) / BS == (l + w) % L)
            rd_a[32*(l) +: 32] = i_slots[32 * (((l + w) % L) * BS + 32'(fa[BSB-1:0])) +: 32];
          if (32'(fb) / BS == (l + w) % L)
            rd_b[32*(l) +: 32] = i_slots[32 * (((l + w) % L) * BS + 32'(fb[BSB-1:0])) +: 32];
        end
        if (uop[64*(l) + (7)]) rd_b[32*(l) +: 32] = imm;
      end
      if (l % 2 == 0 && l + 1 < L) begin : g_pair
        // W: the high halves are the same index in the next bank.
        assign rd_ahi[32*(l) +: 32] = i_slots[32 * ((l + 1) * BS + 32'(fa[BSB-1:0])) +: 32];
        assign rd_bhi[32*(l) +: 32] = uop[64*(l) + (7)] ? uop[64*(l + 1) + (32) +: (63) - (32) + 1]
                                     : i_slots[32 * ((l + 1) * BS + 32'(fb[BSB-1:0])) +: 32];
      end else begin : g_nopair
        assign rd_ahi[32*(l) +: 32] = 32'd0;
        assign rd_bhi[32*(l) +: 32] = 32'd0;
      end
    end
  endgenerate

  // F registers
  logic f_valid, f_bank, f_fault;
  logic [TAG_BITS-1:0] f_tag;
  logic [15:0] f_len;
  logic [WIN_VEC-1:0] f_window;          // VLD stages only (else 0)
  logic [SLOT_VEC-1:0] f_slots;
  logic [NPRED-1:0] f_preds;
  logic [31:0] f_verdict, f_redirect;
  logic signed [HT-1:0] f_head, f_tail;
  logic [L*6-1:0] f_op;
  logic [L-1:0] f_w, f_guard, f_selp, f_plut;
  logic [L*5-1:0] f_dst;
  logic [L*4-1:0] f_p;
  logic [L*32-1:0] f_a, f_b, f_ahi, f_bhi;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [L*5-1:0] f_ia, f_ib;            // operand slot numbers (map lanes)
  /* verilator lint_on UNUSEDSIGNAL */
  /* verilator lint_off UNUSEDSIGNAL */
  logic [L*32-1:0] f_imm;                // used by the VLD lane only
  /* verilator lint_on UNUSEDSIGNAL */

  always_ff @(posedge clk) begin
    if (rst) f_valid <= 1'b0;
    else if (en) f_valid <= i_valid;
    if (en) begin
      f_bank <= i_bank; f_tag <= i_tag; f_len <= i_len; f_window <= HAS_VLD ? i_window : '0;
      f_slots <= i_slots; f_preds <= i_preds; f_verdict <= i_verdict; f_redirect <= i_redirect;
      f_head <= i_head; f_tail <= i_tail; f_fault <= i_fault;
      for (int l = 0; l < L; l++) begin
        f_op[6*(l) +: 6] <= uop[64*(l) + (0) +: (5) - (0) + 1];
        f_w[l] <= uop[64*(l) + (6)];
        f_dst[5*(l) +: 5] <= uop[64*(l) + (8) +: (12) - (8) + 1];
        f_p[4*(l) +: 4] <= uop[64*(l) + (28) +: (31) - (28) + 1];
        f_imm[32*(l) +: 32] <= uop[64*(l) + (32) +: (63) - (32) + 1];
        f_guard[l] <= guard_c[l];
        f_selp[l] <= selp_c[l];
        f_plut[l] <= plut_c[l];
        f_ia[5*(l) +: 5] <= uop[64*(l) + (13) +: 5];
        f_ib[5*(l) +: 5] <= uop[64*(l) + (18) +: 5];
        f_a[32*(l) +: 32] <= rd_a[32*(l) +: 32]; f_b[32*(l) +: 32] <= rd_b[32*(l) +: 32]; f_ahi[32*(l) +: 32] <= rd_ahi[32*(l) +: 32]; f_bhi[32*(l) +: 32] <= rd_bhi[32*(l) +: 32];
      end
    end
  end

  // ---------------------------------------------------------------- execute
  logic [L*64-1:0] x_val;
  logic [L-1:0] x_wlo, x_whi, x_pwe, x_pval, x_vwe, x_rwe, x_hwe, x_twe;
  logic [L*HT-1:0] x_adj;

  // One adjust unit per stage (the ISA allows one ADJH/ADJT per stage): B of
  // the lane that holds it, checked against the deltas at stage entry
  // (36-bit signed arithmetic); the lane writes 0 or -EINVAL.
  logic [L-1:0] adj_lane;
  logic [31:0] adj_b;
  always_comb begin
    adj_b = 32'd0;
    for (int l = 0; l < L; l++)
      if (adj_lane[l]) adj_b = f_b[32*l +: 32];
  end
  logic signed [35:0] d, h, t, n, nh, et;
  logic [HT-1:0] et_t;
  logic okh, okt;
  assign d = 36'(signed'(adj_b));
  assign h = 36'(f_head);
  assign t = 36'(f_tail);
  assign n = 36'(signed'({1'b0, f_len}));
  assign nh = h + d;
  assign et = n + t + d;
  assign okh = (nh >= -36'(HR_BYTES)) && (n + t - nh >= 36'sd14);
  assign okt = (et <= 36'(SLUICE_MAX_LINEAR_BYTES)) && (et - h >= 36'sd14);
  assign et_t = f_tail + HT'(d);

  generate
    for (genvar l = 0; l < L; l++) begin : g_exec
      localparam bit WIDE = (l % 2 == 0) && (l + 1 < L);
      logic [63:0] res;
      logic cond, is_alu, is_cmp, is_adjh, is_adjt, act;
      sluice_lane_alu #(.WIDE(WIDE)) u_alu (
        .op(f_op[6*(l) +: 6]), .w(f_w[l]), .a(f_a[32*(l) +: 32]), .b(f_b[32*(l) +: 32]), .ahi(f_ahi[32*(l) +: 32]), .bhi(f_bhi[32*(l) +: 32]),
        .selp(f_selp[l]), .res(res), .cond(cond));
      assign act = f_valid && f_guard[l];
      assign is_alu = f_op[6*(l) +: 6] >= SLUICE_OP_MOV && f_op[6*(l) +: 6] <= SLUICE_OP_ADDC;
      assign is_cmp = f_op[6*(l) +: 6] >= SLUICE_OP_JEQ && f_op[6*(l) +: 6] <= SLUICE_OP_JSET;
      assign is_adjh = f_op[6*(l) +: 6] == SLUICE_OP_ADJH;
      assign is_adjt = f_op[6*(l) +: 6] == SLUICE_OP_ADJT;

      assign x_wlo[l] = act && (is_alu || is_adjh || is_adjt);
      assign x_whi[l] = act && is_alu && f_w[l] && WIDE;
      assign x_pwe[l] = f_valid && (is_cmp || f_op[6*(l) +: 6] == SLUICE_OP_PLUT);
      assign x_pval[l] = f_guard[l] && (f_op[6*(l) +: 6] == SLUICE_OP_PLUT ? f_plut[l] : cond);
      assign x_vwe[l] = act && f_op[6*(l) +: 6] == SLUICE_OP_SETV;
      assign x_rwe[l] = act && f_op[6*(l) +: 6] == SLUICE_OP_REDIR;
      assign x_hwe[l] = act && is_adjh && okh;
      assign x_twe[l] = act && is_adjt && okt;
      assign x_adj[HT*(l) +: HT] = is_adjh ? nh[HT-1:0] : et_t;
      assign adj_lane[l] = is_adjh || is_adjt;
      always_comb begin
        if (is_adjh) x_val[64*(l) +: 64] = {32'd0, okh ? 32'd0 : EINVAL};
        else if (is_adjt) x_val[64*(l) +: 64] = {32'd0, okt ? 32'd0 : EINVAL};
        else if (is_alu) x_val[64*(l) +: 64] = res;
        else x_val[64*(l) +: 64] = {32'd0, f_b[32*(l) +: 32]};    // SETV, REDIR
      end
    end
  endgenerate

  // VLD: the address and its window check (E), the byte select (W).
  logic x_vld, x_vfault, x_vw;
  logic [1:0] x_vsz;
  logic [WB-1:0] x_voff;
  generate
    if (HAS_VLD) begin : g_vld_exec
      logic [31:0] off;
      logic [32:0] end_;
      logic is_vld;
      assign is_vld = f_valid && f_guard[VL] && f_op[6*(VL) +: 6] == SLUICE_OP_VLD;
      assign off = f_a[32*(VL) +: 32] + f_imm[32*(VL) +: 32];
      assign end_ = {1'b0, off} + (33'd1 << f_p[4*(VL) + (0) +: (1) - (0) + 1]);
      assign x_vld = is_vld && end_ <= 33'(WIN_BYTES);
      assign x_vfault = is_vld && end_ > 33'(WIN_BYTES);
      assign x_voff = off[WB-1:0];
      assign x_vsz = f_p[4*(VL) + (0) +: (1) - (0) + 1];
      assign x_vw = f_w[VL];
    end else begin : g_no_vld
      assign x_vld = 1'b0; assign x_vfault = 1'b0; assign x_voff = '0;
      assign x_vsz = 2'd0; assign x_vw = 1'b0;
    end
  endgenerate

  // E registers
  logic e_valid, e_bank, e_fault;
  logic [TAG_BITS-1:0] e_tag;
  logic [15:0] e_len;
  logic [WIN_VEC-1:0] e_window;
  logic [SLOT_VEC-1:0] e_slots;
  logic [NPRED-1:0] e_preds;
  logic [31:0] e_verdict, e_redirect;
  logic signed [HT-1:0] e_head, e_tail;
  logic [L*64-1:0] e_val;
  logic [L*5-1:0] e_dst;
  logic [L*4-1:0] e_pidx;
  logic [L-1:0] e_wlo, e_whi, e_pwe, e_pval, e_vwe, e_rwe, e_hwe, e_twe;
  logic [L*HT-1:0] e_adj;
  logic e_vld, e_vfault, e_vw;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [1:0] e_vsz;                        // VLD stages only
  logic [WB-1:0] e_voff;
  /* verilator lint_on UNUSEDSIGNAL */

  always_ff @(posedge clk) begin
    if (rst) e_valid <= 1'b0;
    else if (en) e_valid <= f_valid;
    if (en) begin
      e_bank <= f_bank; e_tag <= f_tag; e_len <= f_len; e_window <= f_window;
      e_slots <= f_slots; e_preds <= f_preds; e_verdict <= f_verdict; e_redirect <= f_redirect;
      e_head <= f_head; e_tail <= f_tail; e_fault <= f_fault;
      e_val <= x_val; e_dst <= f_dst; e_pidx <= f_p;
      e_wlo <= x_wlo; e_whi <= x_whi; e_pwe <= x_pwe; e_pval <= x_pval;
      e_vwe <= x_vwe; e_rwe <= x_rwe; e_hwe <= x_hwe; e_twe <= x_twe; e_adj <= x_adj;
      e_vld <= x_vld; e_vfault <= x_vfault; e_vw <= x_vw; e_vsz <= x_vsz; e_voff <= x_voff;
    end
  end

  // ------------------------------------------------------------------ write
  logic [63:0] vld_val;
  generate
    if (HAS_VLD) begin : g_vld_sel
      logic [8*WIN_BYTES+63:0] winx;
      logic [63:0] raw;
      assign winx = {64'd0, e_window};
      always_comb begin
        for (int i = 0; i < 8; i++)
          raw[8*i +: 8] = winx[8 * (32'(e_voff) + i) +: 8];
        case (e_vsz)
          2'd0: vld_val = {56'd0, raw[7:0]};
          2'd1: vld_val = {48'd0, raw[15:0]};
          2'd2: vld_val = {32'd0, raw[31:0]};
          default: vld_val = raw;
        endcase
      end
    end else begin : g_no_vld_sel
      assign vld_val = 64'd0;
    end
  endgenerate

  // Per lane: what it writes into its bank (lo) and, W, the next bank (hi).
  /* verilator lint_off UNUSEDSIGNAL */
  logic [L*64-1:0] wv;                      // odd lanes: low halves only
  /* verilator lint_on UNUSEDSIGNAL */
  logic [L-1:0] wlo, whi;
  always_comb begin
    for (int l = 0; l < L; l++) begin
      wv[64*(l) +: 64] = e_val[64*(l) +: 64];
      wlo[l] = e_wlo[l];
      whi[l] = e_whi[l];
    end
    if (HAS_VLD) begin
      if (e_vld) wv[64*(VL) +: 64] = vld_val;
      wlo[VL] = e_wlo[VL] || e_vld;
      whi[VL] = e_whi[VL] || (e_vld && e_vw && (VL % 2 == 0) && (VL + 1 < L));
    end
  end

  logic [SLOT_VEC-1:0] w_slots;
  generate
    for (genvar j = 0; j < NSLOTS; j++) begin : g_slot_write
      localparam int K = j / BS;              // the slot's bank = its writing lane
      logic hi_hit;                           // the even lane's W op writes its high half here
      logic [31:0] hi_val;
      if (K % 2 == 1) begin : g_hi
        assign hi_hit = whi[K - 1] && 32'(e_dst[5*(K - 1) +: 5]) + BS == j;
        assign hi_val = wv[64*(K - 1) + 32 +: 32];
      end else begin : g_no_hi
        assign hi_hit = 1'b0;
        assign hi_val = 32'd0;
      end
      always_comb begin
        w_slots[32 * j +: 32] = e_slots[32 * j +: 32];
        if (wlo[K] && 32'(e_dst[5*K +: 5]) == j)
          w_slots[32 * j +: 32] = wv[64*K +: 32];
        if (hi_hit)
          w_slots[32 * j +: 32] = hi_val;
        // a div result: the low half in the unit lane's bank, the high half
        // (W) in the next bank, like a lane's write
        if (HAS_RET && K == DL && r_valid && 32'(r_dst) == j)
          w_slots[32 * j +: 32] = r_value[31:0];
        if (HAS_RET && K == DL + 1 && r_valid && r_wide && 32'(r_dst) + BS == j)
          w_slots[32 * j +: 32] = r_value[63:32];
        // map results: MAPLK's read words k at dst, dst+bank_slots, dst+1,
        // dst+1+bank_slots (mask bit k); MAPUPD/MAPDEL's return code at dst
        if (HAS_MRET && mr_valid && !mr_tag[15]) begin
          if (mr_tag[14:13] == 2'd0) begin
            for (int k = 0; k < 4; k++)
              if (mr_tag[9 + k] && 32'(mr_tag[4:0]) + 32'(k / 2) + ((k % 2 == 1) ? 32'(BS) : 32'd0) == j)
                w_slots[32 * j +: 32] = mr_words[32*k +: 32];
          end else if (32'(mr_tag[4:0]) == j) begin
            w_slots[32 * j +: 32] = mr_rc;
          end
        end
      end
    end
  endgenerate

  logic [NPRED-1:0] w_preds;
  logic [31:0] w_verdict, w_redirect;
  logic signed [HT-1:0] w_head, w_tail;
  always_comb begin
    w_preds = e_preds;
    w_verdict = e_verdict;
    w_redirect = e_redirect;
    w_head = e_head;
    w_tail = e_tail;
    for (int l = 0; l < L; l++) begin
      for (int i = 1; i < NPRED; i++)
        if (e_pwe[l] && 32'(e_pidx[4*(l) +: 4]) == i) w_preds[i] = e_pval[l];
      if (e_vwe[l]) w_verdict = e_val[64*(l) + (0) +: (31) - (0) + 1];
      if (e_rwe[l]) w_redirect = e_val[64*(l) + (0) +: (31) - (0) + 1];
      if (e_hwe[l]) w_head = e_adj[HT*(l) +: HT];
      if (e_twe[l]) w_tail = e_adj[HT*(l) +: HT];
    end
    if (HAS_MRET && mr_valid && !mr_tag[15] && mr_tag[14:13] == 2'd0)
      for (int i = 1; i < NPRED; i++)
        if (32'(mr_tag[8:5]) == i) w_preds[i] = mr_found;
    w_preds[0] = 1'b1;
  end

  always_ff @(posedge clk) begin
    if (rst) o_valid <= 1'b0;
    else if (en) o_valid <= e_valid;
    if (en) begin
      o_bank <= e_bank; o_tag <= e_tag; o_len <= e_len; o_window <= e_window;
      o_slots <= w_slots; o_preds <= w_preds; o_verdict <= w_verdict; o_redirect <= w_redirect;
      o_head <= w_head; o_tail <= w_tail; o_fault <= e_fault || e_vfault;
    end
  end

  // ------------------------------------------------------------- div issue
  generate
    if (HAS_DIV) begin : g_div_issue
      assign u_valid = f_valid && f_guard[DL] && f_op[6*(DL) +: 6] >= SLUICE_OP_DIV && f_op[6*(DL) +: 6] <= SLUICE_OP_SMOD;
      assign u_op = f_op[6*(DL) +: 6];
      assign u_w = f_w[DL];
      assign u_dst = f_dst[5*(DL) +: 5];
      assign u_a = {f_ahi[32*(DL) +: 32], f_a[32*(DL) +: 32]};
      assign u_b = {f_bhi[32*(DL) +: 32], f_b[32*(DL) +: 32]};
    end else begin : g_no_div_issue
      assign u_valid = 1'b0; assign u_op = 6'd0; assign u_w = 1'b0; assign u_dst = 5'd0;
      assign u_a = 64'd0; assign u_b = 64'd0;
    end
    if (HAS_MAP) begin : g_map_issue
      logic [5:0] hop, pop;
      /* verilator lint_off UNUSEDSIGNAL */
      logic [31:0] himm, pimm;
      /* verilator lint_on UNUSEDSIGNAL */
      logic [15:0] pvf;
      logic [2047:0] sx;
      logic is_lk;
      assign hop = f_op[6*(ML) +: 6];
      assign pop = f_op[6*(ML + 1) +: 6];
      assign himm = f_imm[32*(ML) +: 32];
      assign pimm = f_imm[32*(ML + 1) +: 32];
      always_comb begin
        pvf = 16'd0;
        pvf[NPRED-1:0] = f_preds;
        pvf[0] = 1'b1;
      end
      assign sx = {{(2048 - SLOT_VEC){1'b0}}, f_slots};
      assign is_lk = hop == SLUICE_OP_MAPLK;
      assign m_valid = f_valid && f_guard[ML] && (is_lk || hop == SLUICE_OP_MAPUPD || hop == SLUICE_OP_MAPDEL);
      assign m_op = is_lk ? 3'd0 : (hop == SLUICE_OP_MAPUPD ? 3'd1 : 3'd2);
      assign m_map = himm[2:0];
      assign m_key = 512'(sx >> (32 * 32'(f_ia[5*(ML) +: 5])));
      assign m_val = 512'(sx >> (32 * 32'(f_ib[5*(ML) +: 5])));
      assign m_flags = himm[5:4];
      assign m_ins = is_lk && himm[3];
      assign m_w0 = himm[15:8];
      // MAPATOM beside a MAPLK: R0 from the fields (its guard is the op's),
      // R1 from the immediate (its guard from the predicates at stage entry)
      always_comb begin
        logic at;
        logic [4:0] ob0, ob1;
        at = is_lk && pop == SLUICE_OP_MAPATOM;
        m_r_en[0] = at && f_guard[ML + 1];
        m_r_en[1] = at && pimm[0] && (pvf[pimm[18:15]] ^ pimm[19]);
        m_r_w = {pimm[1], f_w[ML + 1]};
        m_r_op = {pimm[4:2], f_p[4*(ML + 1) +: 3]};
        m_r_word = {pimm[9:5], f_ia[5*(ML + 1) +: 5]};
        ob0 = f_ib[5*(ML + 1) +: 5];
        ob1 = pimm[14:10];
        m_r_opnd = {sx[32 * (32'(ob1) + BS) +: 32], sx[32 * 32'(ob1) +: 32],
                    sx[32 * (32'(ob0) + BS) +: 32], sx[32 * 32'(ob0) +: 32]};
      end
      assign m_tag = {1'b0, is_lk ? 2'd0 : 2'd1, himm[7:4], f_p[4*(ML) +: 4], f_dst[5*(ML) +: 5]};
    end else begin : g_no_map_issue
      assign m_valid = 1'b0; assign m_op = 3'd0; assign m_map = 3'd0; assign m_key = '0;
      assign m_val = '0; assign m_flags = 2'd0; assign m_ins = 1'b0; assign m_w0 = 8'd0;
      assign m_r_en = 2'd0; assign m_r_w = 2'd0; assign m_r_op = 6'd0; assign m_r_word = 10'd0;
      assign m_r_opnd = '0; assign m_tag = 16'd0;
    end
    if (!HAS_MRET) begin : g_no_mret
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused_mret;
      assign unused_mret = ^{mr_valid, mr_tag, mr_found, mr_rc, mr_words};
      /* verilator lint_on UNUSEDSIGNAL */
    end
    if (!HAS_RET) begin : g_no_ret
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused_ret;
      assign unused_ret = ^{r_valid, r_dst, r_wide, r_value};
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate
endmodule
