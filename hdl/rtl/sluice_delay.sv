// sluice_delay: W bits delayed by D enabled cycles (en = 0 holds every
// register, as in every stage). The header window's line between its
// readers (docs/rtl.md "Header window line"): the window is read only by the
// VLD stages and the deparser, so it is carried once from the extractor (or
// the previous VLD stage) to the next reader instead of through the three
// registers of every stage in between. No reset: the data travels beside
// the valid bits, which the stages reset. D <= 32: one SRLC32E per bit on
// UltraScale+; D = 0 is a wire.
module sluice_delay #(
  parameter int W = 1024,
  parameter int D = 3
) (
  input  logic clk, input logic en,
  input  logic [W-1:0] i_d,
  output logic [W-1:0] o_d
);
  generate
    if (D == 0) begin : g_wire
      assign o_d = i_d;
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused;
      assign unused = ^{clk, en};
      /* verilator lint_on UNUSEDSIGNAL */
    end else begin : g_line
      logic [W-1:0] q [D];
      always_ff @(posedge clk)
        if (en) begin
          q[0] <= i_d;
          for (int k = 1; k < D; k++) q[k] <= q[k - 1];
        end
      assign o_d = q[D - 1];
    end
  endgenerate
endmodule
