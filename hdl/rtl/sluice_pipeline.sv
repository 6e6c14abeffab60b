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
  localparam int WINDOW = sluice_pkg::WINDOW,
  localparam int HEADROOM = sluice_pkg::HEADROOM
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
  import sluice_pkg::*;
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
  logic [S:0][TAG_BITS-1:0] c_tag;
  logic [S:0][15:0] c_len;
  logic [S:0][WIN_VEC-1:0] c_window;
  logic [S:0][SLOT_VEC-1:0] c_slots;
  logic [S:0][NPRED-1:0] c_preds;
  logic [S:0][31:0] c_verdict, c_redirect;
  logic [S:0][HT-1:0] c_head, c_tail;

  sluice_extractor #(.TAG_BITS(TAG_BITS)) u_extractor (
    .clk(clk), .rst(rst), .en(en),
    .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata[31:0]),
    .i_valid(in_valid), .i_bank(in_bank), .i_window(in_window), .i_len(in_len),
    .i_ifindex(in_ifindex), .i_rxq(in_rxq), .i_ts(in_ts), .i_tag(in_tag),
    .o_valid(c_valid[0]), .o_bank(c_bank[0]), .o_tag(c_tag[0]), .o_len(c_len[0]),
    .o_window(c_window[0]), .o_slots(c_slots[0]));
  assign c_preds[0] = NPRED'(1);
  assign c_verdict[0] = 32'd0;
  assign c_redirect[0] = 32'd0;
  assign c_head[0] = '0;
  assign c_tail[0] = '0;
  assign c_fault[0] = 1'b0;

  // Div issue ports of every stage (only the unit's stages drive them).
  /* verilator lint_off UNUSEDSIGNAL */
  logic [S-1:0] u_valid, u_w;
  logic [S-1:0][5:0] u_op;
  logic [S-1:0][4:0] u_dst;
  logic [S-1:0][63:0] u_a, u_b;
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
          .i_valid(u_valid[SRC]), .i_op(u_op[SRC]), .i_w(u_w[SRC]), .i_dst(u_dst[SRC]),
          .i_a(u_a[SRC]), .i_b(u_b[SRC]),
          .o_valid(r_valid), .o_dst(r_dst), .o_wide(r_wide), .o_value(r_value));
      end else begin : g_no_div
        assign r_valid = 1'b0; assign r_wide = 1'b0; assign r_dst = 5'd0; assign r_value = 64'd0;
      end
      sluice_stage #(.TAG_BITS(TAG_BITS), .STAGE(k), .HAS_RET(HAS_RET)) u_stage (
        .clk(clk), .rst(rst), .en(en),
        .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata),
        .i_valid(c_valid[k]), .i_bank(c_bank[k]), .i_tag(c_tag[k]), .i_len(c_len[k]),
        .i_window(c_window[k]), .i_slots(c_slots[k]), .i_preds(c_preds[k]),
        .i_verdict(c_verdict[k]), .i_redirect(c_redirect[k]), .i_head(c_head[k]),
        .i_tail(c_tail[k]), .i_fault(c_fault[k]),
        .o_valid(c_valid[k + 1]), .o_bank(c_bank[k + 1]), .o_tag(c_tag[k + 1]), .o_len(c_len[k + 1]),
        .o_window(c_window[k + 1]), .o_slots(c_slots[k + 1]), .o_preds(c_preds[k + 1]),
        .o_verdict(c_verdict[k + 1]), .o_redirect(c_redirect[k + 1]), .o_head(c_head[k + 1]),
        .o_tail(c_tail[k + 1]), .o_fault(c_fault[k + 1]),
        .u_valid(u_valid[k]), .u_op(u_op[k]), .u_w(u_w[k]), .u_dst(u_dst[k]),
        .u_a(u_a[k]), .u_b(u_b[k]),
        .r_valid(r_valid), .r_dst(r_dst), .r_wide(r_wide), .r_value(r_value));
    end
  endgenerate

  sluice_deparser #(.TAG_BITS(TAG_BITS)) u_deparser (
    .clk(clk), .rst(rst), .en(en),
    .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata[31:0]),
    .i_valid(c_valid[S]), .i_bank(c_bank[S]), .i_tag(c_tag[S]), .i_len(c_len[S]),
    .i_window(c_window[S]), .i_slots(c_slots[S]), .i_preds(c_preds[S]),
    .i_verdict(c_verdict[S]), .i_redirect(c_redirect[S]), .i_head(c_head[S]),
    .i_tail(c_tail[S]), .i_fault(c_fault[S]),
    .out_valid(out_valid), .out_tag(out_tag), .out_buf(out_buf), .out_len(out_len),
    .out_head(out_head), .out_tail(out_tail), .out_verdict(out_verdict),
    .out_redirect(out_redirect), .out_fault(out_fault));
endmodule
