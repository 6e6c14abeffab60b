// sluice_pipeline: the programmable datapath core (issue 5): extractor
// (parser), SLUICE_STAGES stages, the div units, deparser. One packet per
// clock, fixed latency LATENCY = parser_cycles + stages * cycles_per_stage +
// deparser_cycles advancing cycles; en = 0 holds every register (a global
// stall). The NIC shell (sluice_nic, H2) feeds it and writes its program
// memory. docs/rtl.md has the microarchitecture and the pm address map:
//   stage s lane l micro-op word  s*lanes + l   (64 bits)
//   extractor entry e             0x1000 + e    (low 32 bits)
//   deparser entry e              0x2000 + e    (low 32 bits)
//   constant of slot s            0x3000 + s    (low 32 bits)
// Two banks (pm_bank); each packet runs with the bank it entered with.
module sluice_pipeline #(
  parameter int TAG_BITS = 16,
  localparam int WINDOW = sluice_pkg::WIN_BYTES,
  localparam int HEADROOM = sluice_pkg::HR_BYTES
) (
  input  logic clk, input logic rst,
  input  logic en,
  input  logic        pm_we, input logic pm_bank, input logic [15:0] pm_addr, input logic [63:0] pm_wdata,
  input  logic        in_valid,
  input  logic        in_bank,
  input  logic [8*WINDOW-1:0] in_window,
  input  logic [15:0] in_len,
  input  logic [31:0] in_ifindex, input logic [31:0] in_rxq, input logic [63:0] in_ts,
  input  logic [TAG_BITS-1:0] in_tag,
  output logic        out_valid, output logic [TAG_BITS-1:0] out_tag,
  output logic [8*(HEADROOM+WINDOW)-1:0] out_buf,
  output logic [15:0] out_len,
  output logic signed [15:0] out_head, output logic signed [15:0] out_tail,
  output logic [31:0] out_verdict,
  output logic [31:0] out_redirect, output logic out_fault
);
`include "sluice_defs.svh"
  localparam int S = NSTAGES;
  localparam int HT = HT_BITS;

  // The cycle counts this implementation has (docs/rtl.md).
  generate
    if (SLUICE_PARSER_CYCLES != 4 || SLUICE_CYCLES_PER_STAGE != 3 || SLUICE_DEPARSER_CYCLES != 4)
      begin : g_bad_cycles
        $error("sluice_pipeline: built for parser 4, stage 3, deparser 4 cycles");
      end
  endgenerate

  // Context between stages: index k = entering stage k (k = S: the deparser).
  logic [S:0] c_valid, c_bank, c_fault;
  logic [(S+1)*TAG_BITS-1:0] c_tag;
  logic [(S+1)*16-1:0] c_len;
  logic [(S+1)*WIN_VEC-1:0] c_window;
  logic [(S+1)*SLOT_VEC-1:0] c_slots;
  logic [(S+1)*NPRED-1:0] c_preds;
  logic [(S+1)*32-1:0] c_verdict, c_redirect;
  logic [(S+1)*HT-1:0] c_head, c_tail;

  sluice_extractor #(.TAG_BITS(TAG_BITS)) u_extractor (
    .clk(clk), .rst(rst), .en(en),
    .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata[31:0]),
    .i_valid(in_valid), .i_bank(in_bank), .i_window(in_window), .i_len(in_len),
    .i_ifindex(in_ifindex), .i_rxq(in_rxq), .i_ts(in_ts), .i_tag(in_tag),
    .o_valid(c_valid[0]), .o_bank(c_bank[0]), .o_tag(c_tag[TAG_BITS*(0) +: TAG_BITS]), .o_len(c_len[16*(0) +: 16]),
    .o_window(c_window[WIN_VEC*(0) +: WIN_VEC]), .o_slots(c_slots[SLOT_VEC*(0) +: SLOT_VEC]));
  assign c_preds[NPRED*(0) +: NPRED] = NPRED'(1);
  assign c_verdict[32*(0) +: 32] = 32'd0;
  assign c_redirect[32*(0) +: 32] = 32'd0;
  assign c_head[HT*(0) +: HT] = '0;
  assign c_tail[HT*(0) +: HT] = '0;
  assign c_fault[0] = 1'b0;

  // Div issue ports of every stage (only the unit's stages drive them).
  /* verilator lint_off UNUSEDSIGNAL */
  logic [S-1:0] u_valid, u_w;
  logic [S*6-1:0] u_op;
  logic [S*5-1:0] u_dst;
  logic [S*64-1:0] u_a, u_b;
  /* verilator lint_on UNUSEDSIGNAL */

  generate
    for (genvar k = 0; k < S; k++) begin : g_stage
      // A div issued in stage k - L + 1 lands in this stage's W cycle.
      localparam int SRC = k - (DIV_STAGES - 1);
      localparam bit HAS_RET = (SRC >= 0) && SLUICE_UNIT_DIV_STAGE_MASK[SRC >= 0 ? SRC : 0];
      logic r_valid, r_wide;
      logic [4:0] r_dst;
      logic [63:0] r_value;
      if (HAS_RET) begin : g_div
        sluice_div #(.REGS(DIV_REGS)) u_div (
          .clk(clk), .rst(rst), .en(en),
          .i_valid(u_valid[SRC]), .i_op(u_op[6*(SRC) +: 6]), .i_w(u_w[SRC]), .i_dst(u_dst[5*(SRC) +: 5]),
          .i_a(u_a[64*(SRC) +: 64]), .i_b(u_b[64*(SRC) +: 64]),
          .o_valid(r_valid), .o_dst(r_dst), .o_wide(r_wide), .o_value(r_value));
      end else begin : g_no_div
        assign r_valid = 1'b0; assign r_wide = 1'b0; assign r_dst = 5'd0; assign r_value = 64'd0;
      end
      sluice_stage #(.TAG_BITS(TAG_BITS), .STAGE(k), .HAS_RET(HAS_RET)) u_stage (
        .clk(clk), .rst(rst), .en(en),
        .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata),
        .i_valid(c_valid[k]), .i_bank(c_bank[k]), .i_tag(c_tag[TAG_BITS*(k) +: TAG_BITS]), .i_len(c_len[16*(k) +: 16]),
        .i_window(c_window[WIN_VEC*(k) +: WIN_VEC]), .i_slots(c_slots[SLOT_VEC*(k) +: SLOT_VEC]), .i_preds(c_preds[NPRED*(k) +: NPRED]),
        .i_verdict(c_verdict[32*(k) +: 32]), .i_redirect(c_redirect[32*(k) +: 32]), .i_head(c_head[HT*(k) +: HT]),
        .i_tail(c_tail[HT*(k) +: HT]), .i_fault(c_fault[k]),
        .o_valid(c_valid[k + 1]), .o_bank(c_bank[k + 1]), .o_tag(c_tag[TAG_BITS*(k + 1) +: TAG_BITS]), .o_len(c_len[16*(k + 1) +: 16]),
        .o_window(c_window[WIN_VEC*(k + 1) +: WIN_VEC]), .o_slots(c_slots[SLOT_VEC*(k + 1) +: SLOT_VEC]), .o_preds(c_preds[NPRED*(k + 1) +: NPRED]),
        .o_verdict(c_verdict[32*(k + 1) +: 32]), .o_redirect(c_redirect[32*(k + 1) +: 32]), .o_head(c_head[HT*(k + 1) +: HT]),
        .o_tail(c_tail[HT*(k + 1) +: HT]), .o_fault(c_fault[k + 1]),
        .u_valid(u_valid[k]), .u_op(u_op[6*(k) +: 6]), .u_w(u_w[k]), .u_dst(u_dst[5*(k) +: 5]),
        .u_a(u_a[64*(k) +: 64]), .u_b(u_b[64*(k) +: 64]),
        .r_valid(r_valid), .r_dst(r_dst), .r_wide(r_wide), .r_value(r_value));
    end
  endgenerate

  sluice_deparser #(.TAG_BITS(TAG_BITS)) u_deparser (
    .clk(clk), .rst(rst), .en(en),
    .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata[31:0]),
    .i_valid(c_valid[S]), .i_bank(c_bank[S]), .i_tag(c_tag[TAG_BITS*(S) +: TAG_BITS]), .i_len(c_len[16*(S) +: 16]),
    .i_window(c_window[WIN_VEC*(S) +: WIN_VEC]), .i_slots(c_slots[SLOT_VEC*(S) +: SLOT_VEC]), .i_preds(c_preds[NPRED*(S) +: NPRED]),
    .i_verdict(c_verdict[32*(S) +: 32]), .i_redirect(c_redirect[32*(S) +: 32]), .i_head(c_head[HT*(S) +: HT]),
    .i_tail(c_tail[HT*(S) +: HT]), .i_fault(c_fault[S]),
    .out_valid(out_valid), .out_tag(out_tag), .out_buf(out_buf), .out_len(out_len),
    .out_head(out_head), .out_tail(out_tail), .out_verdict(out_verdict),
    .out_redirect(out_redirect), .out_fault(out_fault));
endmodule
