// bench/synth only: sluice_lpm_cam with every input and output registered,
// so that `ltp -noff` over the flattened netlist counts register-to-register
// paths (inside the map unit the CAM's inputs come from the F registers and
// the commit, its outputs go to the commit).
module sluice_lpm_cam_regs #(
  parameter int ROWS = 256, parameter int DB = 16, parameter int VB = 16,
  localparam int PLW = $clog2(8 * DB + 1),
  localparam int RWB = (ROWS > 1) ? $clog2(ROWS) : 1
) (
  input  logic clk, input logic rst, input logic en, input logic clr,
  input  logic s_valid, input logic [1:0] s_mode,
  input  logic [PLW-1:0] s_plen, input logic [8*DB-1:0] s_data,
  output logic r_hit, output logic [RWB-1:0] r_row, output logic [PLW-1:0] r_k,
  input  logic w_en, input logic [RWB-1:0] w_row, input logic w_valid,
  input  logic [PLW-1:0] w_plen, input logic [8*DB-1:0] w_data, input logic [8*VB-1:0] w_val,
  input  logic [RWB-1:0] rd_row,
  output logic rd_valid, output logic [PLW-1:0] rd_plen, output logic [8*DB-1:0] rd_data,
  output logic [8*VB-1:0] rd_val
);
  logic en_q, clr_q, s_valid_q, w_en_q, w_valid_q;
  logic [1:0] s_mode_q;
  logic [PLW-1:0] s_plen_q;
  logic [8*DB-1:0] s_data_q, w_data_q;
  logic [RWB-1:0] w_row_q, rd_row_q;
  logic [PLW-1:0] w_plen_q;
  logic [8*VB-1:0] w_val_q;
  logic hit, vld;
  logic [RWB-1:0] row;
  logic [PLW-1:0] k, pl;
  logic [8*DB-1:0] dt;
  logic [8*VB-1:0] vl;
  always_ff @(posedge clk) begin
    en_q <= en; clr_q <= clr; s_valid_q <= s_valid; s_mode_q <= s_mode; s_plen_q <= s_plen;
    s_data_q <= s_data; w_en_q <= w_en; w_row_q <= w_row; w_valid_q <= w_valid;
    w_plen_q <= w_plen; w_data_q <= w_data; w_val_q <= w_val; rd_row_q <= rd_row;
    r_hit <= hit; r_row <= row; r_k <= k;
    rd_valid <= vld; rd_plen <= pl; rd_data <= dt; rd_val <= vl;
  end
  sluice_lpm_cam #(.ROWS(ROWS), .DB(DB), .VB(VB)) u_cam (
    .clk(clk), .rst(rst), .en(en_q), .clr(clr_q),
    .s_valid(s_valid_q), .s_mode(s_mode_q), .s_plen(s_plen_q), .s_data(s_data_q),
    .r_hit(hit), .r_row(row), .r_k(k),
    .w_en(w_en_q), .w_row(w_row_q), .w_valid(w_valid_q), .w_plen(w_plen_q), .w_data(w_data_q),
    .w_val(w_val_q), .rd_row(rd_row_q), .rd_valid(vld), .rd_plen(pl), .rd_data(dt), .rd_val(vl));
endmodule
