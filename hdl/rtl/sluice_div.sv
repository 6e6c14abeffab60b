// sluice_div: the div unit (DIV/MOD/SDIV/SMOD, 32 and 64 bits, eBPF's zero
// rules), fully pipelined: it accepts an operation every cycle and returns
// it exactly REGS advancing cycles later. One 64-bit unsigned restoring
// divider on magnitudes: a pre cycle (operand extension, absolute values),
// REGS-2 cycles of ceil(64 / (REGS-2)) quotient bits each, a post cycle
// (signs, zero divisor). 32-bit ops run on extended operands: the low half of
// the 64-bit result is the 32-bit result, MIN / -1 and MIN % -1 included.
// Divisor 0: the restoring steps leave the remainder = |A|, so MOD gives A;
// DIV is forced to 0.
module sluice_div #(
  parameter int REGS = 34                   // registers from the issue to the result
) (
  input  logic clk, input logic rst, input logic en,
  input  logic        i_valid, input logic [5:0] i_op, input logic i_w, input logic [4:0] i_dst,
  input  logic [63:0] i_a, input logic [63:0] i_b,
  output logic        o_valid, output logic [4:0] o_dst, output logic o_wide, output logic [63:0] o_value
);
`include "sluice_defs.svh"
  localparam int ITER = REGS - 2;
  localparam int R = (64 + ITER - 1) / ITER;  // quotient bits per cycle
  localparam int PAD = ITER * R - 64;         // leading steps skipped

  // ---- pre
  logic sgn, is_mod;
  logic [63:0] a, b, ua, ub;
  assign sgn = (i_op == SLUICE_OP_SDIV) || (i_op == SLUICE_OP_SMOD);
  assign is_mod = (i_op == SLUICE_OP_MOD) || (i_op == SLUICE_OP_SMOD);
  assign a = i_w ? i_a : {(sgn ? {32{i_a[31]}} : 32'd0), i_a[31:0]};
  assign b = i_w ? i_b : {(sgn ? {32{i_b[31]}} : 32'd0), i_b[31:0]};
  assign ua = (sgn && a[63]) ? 64'd0 - a : a;
  assign ub = (sgn && b[63]) ? 64'd0 - b : b;

  // pipeline registers [0..ITER]: 0 after pre, k after iteration k
  logic [ITER:0] p_valid, p_w, p_mod, p_qneg, p_rneg, p_bz;
  logic [(ITER+1)*5-1:0] p_dst;
  logic [(ITER+1)*64-1:0] p_quo, p_div;        // dividend shifting into quotient; divisor
  logic [(ITER+1)*65-1:0] p_rem;

  always_ff @(posedge clk) begin
    if (rst) p_valid[0] <= 1'b0;
    else if (en) p_valid[0] <= i_valid;
    if (en) begin
      p_w[0] <= i_w; p_mod[0] <= is_mod; p_dst[5*(0) +: 5] <= i_dst;
      p_qneg[0] <= sgn && (a[63] ^ b[63]);
      p_rneg[0] <= sgn && a[63];
      p_bz[0] <= (b == 64'd0);
      p_quo[64*(0) +: 64] <= ua; p_div[64*(0) +: 64] <= ub; p_rem[65*(0) +: 65] <= 65'd0;
    end
  end

  generate
    for (genvar k = 0; k < ITER; k++) begin : g_iter
      logic [64:0] nrem;
      logic [63:0] nquo;
      always_comb begin
        logic [64:0] r, sh;
        logic [63:0] q;
        logic [65:0] diff;
        r = p_rem[65*(k) +: 65];
        q = p_quo[64*(k) +: 64];
        for (int j = 0; j < R; j++) begin
          if (k * R + j >= PAD) begin
            sh = {r[63:0], q[63]};
            diff = {1'b0, sh} - {2'b0, p_div[64*(k) +: 64]};
            r = diff[65] ? sh : diff[64:0];
            q = {q[62:0], !diff[65]};
          end
        end
        nrem = r;
        nquo = q;
      end
      always_ff @(posedge clk) begin
        if (rst) p_valid[k + 1] <= 1'b0;
        else if (en) p_valid[k + 1] <= p_valid[k];
        if (en) begin
          p_w[k + 1] <= p_w[k]; p_mod[k + 1] <= p_mod[k]; p_dst[5*(k + 1) +: 5] <= p_dst[5*(k) +: 5];
          p_qneg[k + 1] <= p_qneg[k]; p_rneg[k + 1] <= p_rneg[k]; p_bz[k + 1] <= p_bz[k];
          p_div[64*(k + 1) +: 64] <= p_div[64*(k) +: 64];
          p_rem[65*(k + 1) +: 65] <= nrem;
          p_quo[64*(k + 1) +: 64] <= nquo;
        end
      end
    end
  endgenerate

  // ---- post
  logic [63:0] q, r;
  assign q = p_qneg[ITER] ? 64'd0 - p_quo[64*(ITER) +: 64] : p_quo[64*(ITER) +: 64];
  assign r = p_rneg[ITER] ? 64'd0 - p_rem[65*(ITER) + (0) +: (63) - (0) + 1] : p_rem[65*(ITER) + (0) +: (63) - (0) + 1];
  always_ff @(posedge clk) begin
    if (rst) o_valid <= 1'b0;
    else if (en) o_valid <= p_valid[ITER];
    if (en) begin
      o_dst <= p_dst[5*(ITER) +: 5];
      o_wide <= p_w[ITER];
      o_value <= p_mod[ITER] ? r : (p_bz[ITER] ? 64'd0 : q);
    end
  end
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_div;
  assign unused_div = ^{p_rem[65*(ITER) + (64)], p_div[64*(ITER) +: 64]};
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
