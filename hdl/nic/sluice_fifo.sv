// sluice_fifo: a synchronous FIFO with a first-word-fall-through output
// register. The memory has one write port and one registered read port (block
// RAM on FPGAs); the output register is refilled in the cycle its word is
// taken, so the FIFO moves one word per cycle. Optional commit/rollback for
// the packet buffer: the read side sees only committed words, and `abort`
// forgets every word written since the last commit (a frame dropped at
// ingress). Without them (COMMIT = 0) every write is visible at once.
module sluice_fifo #(
  parameter int W = 8,
  parameter int DEPTH = 16,       // a power of two
  parameter bit COMMIT = 1'b0,
  localparam int AW = $clog2(DEPTH)
) (
  input  logic clk, input logic rst,
  input  logic in_valid, output logic in_ready, input logic [W-1:0] in_data,
  input  logic in_commit,         // COMMIT: this write (or none) ends a frame
  input  logic in_abort,          // COMMIT: forget the uncommitted words
  output logic out_valid, input logic out_ready, output logic [W-1:0] out_data,
  output logic empty              // nothing stored, committed or not
);
  logic [W-1:0] mem [DEPTH];
  logic [AW:0] wr_ptr, rd_ptr, cm_ptr;
  logic [AW:0] used, avail;
  logic do_wr, do_rd;

  assign used = wr_ptr - rd_ptr;
  assign avail = (COMMIT ? cm_ptr : wr_ptr) - rd_ptr;
  assign in_ready = used < (AW+1)'(DEPTH);
  assign do_wr = in_valid && in_ready && !(COMMIT && in_abort);
  assign do_rd = avail != '0 && (!out_valid || out_ready);
  assign empty = used == '0 && !out_valid;

  always_ff @(posedge clk) begin
    if (do_wr)
      mem[wr_ptr[AW-1:0]] <= in_data;
    if (do_rd)
      out_data <= mem[rd_ptr[AW-1:0]];
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
      cm_ptr <= '0;
      out_valid <= 1'b0;
    end else begin
      if (COMMIT && in_abort)
        wr_ptr <= cm_ptr;
      else if (do_wr)
        wr_ptr <= wr_ptr + 1'b1;
      if (COMMIT && in_commit && !in_abort)
        cm_ptr <= wr_ptr + (AW+1)'(do_wr);
      if (do_rd) begin
        rd_ptr <= rd_ptr + 1'b1;
        out_valid <= 1'b1;
      end else if (out_ready)
        out_valid <= 1'b0;
    end
  end
endmodule
