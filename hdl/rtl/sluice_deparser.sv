// sluice_deparser: after the last stage, the ordered header writes into the
// arrival buffer (headroom zeros, then the window), 4 registered cycles.
//   D1: per entry e: value and base from bank e mod lanes (8:1 each), the
//       guard, position = pos + base (if based), the window check (a write
//       outside faults the packet and is dropped).
//   D2: per entry: the value rotated to the position's byte lane and the
//       mask of buffer bytes it covers.
//   D3: per buffer byte: the last entry covering it (entry order: a later
//       entry wins).
//   D4: per buffer byte: that entry's byte, or the arrival byte; the verdict
//       (XDP_ABORTED if the packet faulted) and the outputs.
// Program memory: deparser entry e at 0x2000+e (low 32 bits), two banks.
module sluice_deparser #(
  parameter int TAG_BITS = 16
) (
  input  logic clk, input logic rst, input logic en,
  input  logic        pm_we, input logic pm_bank, input logic [15:0] pm_addr, input logic [31:0] pm_wdata,
  input  logic        i_valid, input logic i_bank, input logic [TAG_BITS-1:0] i_tag,
  input  logic [15:0] i_len,
  input  logic [sluice_pkg::WIN_VEC-1:0] i_window,
  input  logic [sluice_pkg::SLOT_VEC-1:0] i_slots,
  input  logic [sluice_pkg::NPRED-1:0] i_preds,
  input  logic [31:0] i_verdict, input logic [31:0] i_redirect,
  input  logic signed [sluice_pkg::HT_BITS-1:0] i_head, input logic signed [sluice_pkg::HT_BITS-1:0] i_tail,
  input  logic        i_fault,
  output logic        out_valid, output logic [TAG_BITS-1:0] out_tag,
  output logic [8*sluice_pkg::BUF_BYTES-1:0] out_buf,
  output logic [15:0] out_len,
  output logic signed [15:0] out_head, output logic signed [15:0] out_tail,
  output logic [31:0] out_verdict, output logic [31:0] out_redirect, output logic out_fault
);
`include "sluice_defs.svh"
  localparam int E = NDEPARSE;
  localparam int NB = BUF_BYTES;
  localparam int PB = $clog2(NB);           // position bits inside the buffer
  localparam int EB = $clog2(E + 1);
  localparam int BS = BANK_SLOTS;

  logic [E*32-1:0] dp0, dp1;
  always_ff @(posedge clk) begin
    if (pm_we)
      for (int e = 0; e < E; e++)
        if (pm_addr == 16'(32'h2000 + e)) begin
          if (pm_bank) dp1[32*(e) +: 32] <= pm_wdata; else dp0[32*(e) +: 32] <= pm_wdata;
        end
  end

  // ---- D1
  logic [15:0] pv;
  always_comb begin
    pv = 16'd0;
    pv[NPRED-1:0] = i_preds;
    pv[0] = 1'b1;
  end
  logic [E*32-1:0] val_c;
  logic [E*PB-1:0] pos_c;
  logic [E-1:0] act_c, flt_c;
  generate
    for (genvar e = 0; e < E; e++) begin : g_d1
      localparam int B0 = (e % LANES) * BS;
      /* verilator lint_off UNUSEDSIGNAL */
      logic [31:0] wd;                      // bits 31:24 are not part of the word
      /* verilator lint_on UNUSEDSIGNAL */
      logic [31:0] base;
      logic [34:0] pos, end_;
      logic on;
      assign wd = i_bank ? dp1[32*(e) +: 32] : dp0[32*(e) +: 32];
      assign val_c[32*(e) +: 32] = i_slots[32 * (B0 + 32'(wd[5:3])) +: 32];
      assign base = i_slots[32 * (B0 + 32'(wd[9:7])) +: 32];
      assign pos = 35'(wd[23:15]) + (wd[6] ? 35'(base) : 35'd0);
      assign end_ = pos + (35'd1 << wd[2:1]);
      assign on = i_valid && wd[0] && (pv[wd[13:10]] != wd[14]);
      assign act_c[e] = on && end_ <= 35'(NB);
      assign flt_c[e] = on && end_ > 35'(NB);
      assign pos_c[PB*(e) +: PB] = pos[PB-1:0];
    end
  endgenerate
  logic [E*2-1:0] size_c;
  always_comb
    for (int e = 0; e < E; e++) size_c[2*(e) +: 2] = i_bank ? dp1[32*(e) + (1) +: (2) - (1) + 1] : dp0[32*(e) + (1) +: (2) - (1) + 1];

  logic d1_valid, d1_fault;
  logic [TAG_BITS-1:0] d1_tag;
  logic [15:0] d1_len;
  logic [WIN_VEC-1:0] d1_window;
  logic [31:0] d1_verdict, d1_redirect;
  logic signed [HT_BITS-1:0] d1_head, d1_tail;
  logic [E*32-1:0] d1_val;
  logic [E*PB-1:0] d1_pos;
  logic [E*2-1:0] d1_size;
  logic [E-1:0] d1_act;
  always_ff @(posedge clk) begin
    if (rst) d1_valid <= 1'b0;
    else if (en) d1_valid <= i_valid;
    if (en) begin
      d1_tag <= i_tag; d1_len <= i_len; d1_window <= i_window; d1_verdict <= i_verdict;
      d1_redirect <= i_redirect; d1_head <= i_head; d1_tail <= i_tail;
      d1_fault <= i_fault || (|flt_c);
      d1_val <= val_c; d1_pos <= pos_c; d1_size <= size_c; d1_act <= act_c;
    end
  end

  // ---- D2: rotation and coverage
  logic [E*32-1:0] rot_c;
  logic [E*NB-1:0] hit_c;
  logic [NB+6:0] st;                        // st[b + 7] = (pos == b), per entry in turn
  logic [1:0] sz;
  always_comb begin
    for (int e = 0; e < E; e++) begin
      // buffer byte b takes value byte (b - pos) mod 4: rotate left by pos mod 4 bytes
      case (d1_pos[PB*(e) + (0) +: (1) - (0) + 1])
        2'd0: rot_c[32*(e) +: 32] = d1_val[32*(e) +: 32];
        2'd1: rot_c[32*(e) +: 32] = {d1_val[32*(e) + (0) +: (23) - (0) + 1], d1_val[32*(e) + (24) +: (31) - (24) + 1]};
        2'd2: rot_c[32*(e) +: 32] = {d1_val[32*(e) + (0) +: (15) - (0) + 1], d1_val[32*(e) + (16) +: (31) - (16) + 1]};
        default: rot_c[32*(e) +: 32] = {d1_val[32*(e) + (0) +: (7) - (0) + 1], d1_val[32*(e) + (8) +: (31) - (8) + 1]};
      endcase
      // coverage by decoding: the write starts at byte pos (one-hot) and
      // covers 1, 2, 4 (or 8) bytes from there
      st = '0;
      for (int b = 0; b < NB; b++)
        st[b + 7] = (32'(d1_pos[PB*(e) +: PB]) == b);
      sz = d1_size[2*(e) +: 2];
      for (int b = 0; b < NB; b++)
        hit_c[NB*(e) + (b)] = d1_act[e] && (st[b + 7]
            || (sz != 2'd0 && st[b + 6])
            || (sz[1] && (st[b + 5] || st[b + 4]))
            || (sz == 2'd3 && (st[b + 3] || st[b + 2] || st[b + 1] || st[b])));
    end
  end

  logic d2_valid, d2_fault;
  logic [TAG_BITS-1:0] d2_tag;
  logic [15:0] d2_len;
  logic [WIN_VEC-1:0] d2_window;
  logic [31:0] d2_verdict, d2_redirect;
  logic signed [HT_BITS-1:0] d2_head, d2_tail;
  logic [E*32-1:0] d2_rot;
  logic [E*NB-1:0] d2_hit;
  always_ff @(posedge clk) begin
    if (rst) d2_valid <= 1'b0;
    else if (en) d2_valid <= d1_valid;
    if (en) begin
      d2_tag <= d1_tag; d2_len <= d1_len; d2_window <= d1_window; d2_verdict <= d1_verdict;
      d2_redirect <= d1_redirect; d2_head <= d1_head; d2_tail <= d1_tail; d2_fault <= d1_fault;
      d2_rot <= rot_c; d2_hit <= hit_c;
    end
  end

  // ---- D3: the last entry covering each byte (0 = none, e+1 = entry e)
  logic [NB*EB-1:0] win_c;
  always_comb begin
    for (int b = 0; b < NB; b++) begin
      win_c[EB*(b) +: EB] = '0;
      for (int e = 0; e < E; e++)
        if (d2_hit[NB*(e) + (b)]) win_c[EB*(b) +: EB] = EB'(e + 1);
    end
  end

  logic d3_valid, d3_fault;
  logic [TAG_BITS-1:0] d3_tag;
  logic [15:0] d3_len;
  logic [WIN_VEC-1:0] d3_window;
  logic [31:0] d3_verdict, d3_redirect;
  logic signed [HT_BITS-1:0] d3_head, d3_tail;
  logic [E*32-1:0] d3_rot;
  logic [NB*EB-1:0] d3_win;
  always_ff @(posedge clk) begin
    if (rst) d3_valid <= 1'b0;
    else if (en) d3_valid <= d2_valid;
    if (en) begin
      d3_tag <= d2_tag; d3_len <= d2_len; d3_window <= d2_window; d3_verdict <= d2_verdict;
      d3_redirect <= d2_redirect; d3_head <= d2_head; d3_tail <= d2_tail; d3_fault <= d2_fault;
      d3_rot <= d2_rot; d3_win <= win_c;
    end
  end

  // ---- D4: the buffer
  logic [8*NB-1:0] buf_c;
  always_comb begin
    for (int b = 0; b < NB; b++) begin
      buf_c[8 * b +: 8] = (b >= HR_BYTES) ? d3_window[8 * (b - HR_BYTES) +: 8] : 8'd0;
      for (int e = 0; e < E; e++)
        if (32'(d3_win[EB*(b) +: EB]) == e + 1) buf_c[8 * b +: 8] = d3_rot[32*(e) + (8 * (b % 4)) +: 8];
    end
  end

  always_ff @(posedge clk) begin
    if (rst) out_valid <= 1'b0;
    else if (en) out_valid <= d3_valid;
    if (en) begin
      out_tag <= d3_tag; out_len <= d3_len; out_buf <= buf_c;
      out_head <= d3_head[15:0]; out_tail <= d3_tail[15:0];
      out_verdict <= d3_fault ? 32'd0 : d3_verdict;
      out_redirect <= d3_redirect; out_fault <= d3_fault;
    end
  end
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_dep;
  assign unused_dep = ^{d3_head[HT_BITS-1:16], d3_tail[HT_BITS-1:16]};
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
