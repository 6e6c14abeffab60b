// sluice_extractor: the parser in front of the stages, 4 registered cycles.
//   P1: the inputs (window, length, metadata, tag, bank).
//   P2: per extractor entry, the 16-byte row at (off & ~7) (window padded
//       with zeros), and its metadata word (length, ifindex, rx queue,
//       timestamp low/high).
//   P3: the 4 bytes at off & 7 inside the row, masked to the size; or the
//       metadata word.
//   P4: every slot takes its constant (CONSTS of the packet's bank) or, when
//       its extractor entry is enabled, the field: entry e writes slot
//       SLUICE_EXTRACTOR_SLOTS[e] (fixed, no crossbar).
// Program memory: extractor entry e at 0x1000+e, constant of slot s at
// 0x3000+s (low 32 bits of pm_wdata), two banks.
module sluice_extractor #(
  parameter int TAG_BITS = 16
) (
  input  logic clk, input logic rst, input logic en,
  input  logic        pm_we, input logic pm_bank, input logic [15:0] pm_addr, input logic [31:0] pm_wdata,
  input  logic        i_valid, input logic i_bank,
  input  logic [sluice_pkg::WIN_VEC-1:0] i_window,
  input  logic [15:0] i_len, input logic [31:0] i_ifindex, input logic [31:0] i_rxq, input logic [63:0] i_ts,
  input  logic [TAG_BITS-1:0] i_tag,
  output logic        o_valid, output logic o_bank, output logic [TAG_BITS-1:0] o_tag,
  output logic [15:0] o_len,
  output logic [sluice_pkg::WIN_VEC-1:0] o_window,
  output logic [sluice_pkg::SLOT_VEC-1:0] o_slots
);
`include "sluice_defs.svh"
  localparam int E = NEXTRACT;
  localparam int ROWS = WIN_BYTES / 8;

  // ---- program memory
  logic [E*32-1:0] ex0, ex1;
  logic [NSLOTS*32-1:0] cs0, cs1;
  always_ff @(posedge clk) begin
    if (pm_we) begin
      for (int e = 0; e < E; e++)
        if (pm_addr == 16'(32'h1000 + e)) begin
          if (pm_bank) ex1[32*(e) +: 32] <= pm_wdata; else ex0[32*(e) +: 32] <= pm_wdata;
        end
      for (int s = 0; s < NSLOTS; s++)
        if (pm_addr == 16'(32'h3000 + s)) begin
          if (pm_bank) cs1[32*(s) +: 32] <= pm_wdata; else cs0[32*(s) +: 32] <= pm_wdata;
        end
    end
  end

  // ---- P1
  logic p1_valid, p1_bank;
  logic [WIN_VEC-1:0] p1_window;
  logic [15:0] p1_len;
  logic [31:0] p1_ifindex, p1_rxq;
  logic [63:0] p1_ts;
  logic [TAG_BITS-1:0] p1_tag;
  // The random generator behind bpf_get_prandom_u32 (sluice_rng: one
  // splitmix64 step per packet that enters, computed ahead of the packets).
  logic [31:0] rng_word, p1_rand;
  sluice_rng u_rng (.clk(clk), .rst(rst), .take(en && i_valid), .word(rng_word));
  always_ff @(posedge clk) if (en) p1_rand <= rng_word;
  always_ff @(posedge clk) begin
    if (rst) p1_valid <= 1'b0;
    else if (en) p1_valid <= i_valid;
    if (en) begin
      p1_bank <= i_bank; p1_window <= i_window; p1_len <= i_len; p1_ifindex <= i_ifindex;
      p1_rxq <= i_rxq; p1_ts <= i_ts; p1_tag <= i_tag;
    end
  end

  // ---- P2: rows and metadata
  logic [8*WIN_BYTES+127:0] winx;
  assign winx = {128'd0, p1_window};
  logic [E*128-1:0] row_c;
  logic [E*32-1:0] meta_c, exw;
  generate
    for (genvar e = 0; e < E; e++) begin : g_row
      logic [7:0] off;
      assign exw[32*(e) +: 32] = p1_bank ? ex1[32*(e) +: 32] : ex0[32*(e) +: 32];
      assign off = exw[32*(e) + (5) +: (12) - (5) + 1];
      always_comb begin
        row_c[128*(e) +: 128] = 128'd0;
        for (int r = 0; r < ROWS; r++)
          if (32'(off[7:3]) == r) row_c[128*(e) +: 128] = winx[64 * r +: 128];
        case (off)
          // data_end: the linear part, as the kernel lays out a longer frame
          8'd0: meta_c[32*(e) +: 32] = {16'd0, p1_len > 16'(SLUICE_MAX_LINEAR_BYTES)
                                                   ? 16'(SLUICE_MAX_LINEAR_BYTES) : p1_len};
          8'd1: meta_c[32*(e) +: 32] = p1_ifindex;
          8'd2: meta_c[32*(e) +: 32] = p1_rxq;
          8'd3: meta_c[32*(e) +: 32] = p1_ts[31:0];
          8'd4: meta_c[32*(e) +: 32] = p1_ts[63:32];
          8'd5: meta_c[32*(e) +: 32] = p1_rand;
          8'd6: meta_c[32*(e) +: 32] = {16'd0, p1_len};  // the whole frame
          default: meta_c[32*(e) +: 32] = 32'd0;
        endcase
      end
    end
  endgenerate

  logic p2_valid, p2_bank;
  logic [WIN_VEC-1:0] p2_window;
  logic [15:0] p2_len;
  logic [TAG_BITS-1:0] p2_tag;
  logic [E*128-1:0] p2_row;
  logic [E*32-1:0] p2_meta;
  logic [E-1:0] p2_en, p2_win;
  logic [E*2-1:0] p2_size;
  logic [E*3-1:0] p2_boff;
  always_ff @(posedge clk) begin
    if (rst) p2_valid <= 1'b0;
    else if (en) p2_valid <= p1_valid;
    if (en) begin
      p2_bank <= p1_bank; p2_window <= p1_window; p2_len <= p1_len; p2_tag <= p1_tag;
      p2_row <= row_c; p2_meta <= meta_c;
      for (int e = 0; e < E; e++) begin
        p2_en[e] <= exw[32*(e) + (0)];
        p2_win[e] <= exw[32*(e) + (1) +: (2) - (1) + 1] == 2'd0;
        p2_size[2*(e) +: 2] <= exw[32*(e) + (3) +: (4) - (3) + 1];
        p2_boff[3*(e) +: 3] <= exw[32*(e) + (5) +: (7) - (5) + 1];
      end
    end
  end

  // ---- P3: fields
  logic [E*32-1:0] fld_c;
  always_comb begin
    for (int e = 0; e < E; e++) begin
      logic [31:0] raw;
      raw = p2_row[128*(e) + (8 * 32'(p2_boff[3*(e) +: 3])) +: 32];
      case (p2_size[2*(e) +: 2])
        2'd0: raw = {24'd0, raw[7:0]};
        2'd1: raw = {16'd0, raw[15:0]};
        default: ;
      endcase
      fld_c[32*(e) +: 32] = p2_win[e] ? raw : p2_meta[32*(e) +: 32];
    end
  end

  logic p3_valid, p3_bank;
  logic [WIN_VEC-1:0] p3_window;
  logic [15:0] p3_len;
  logic [TAG_BITS-1:0] p3_tag;
  logic [E*32-1:0] p3_fld;
  logic [E-1:0] p3_en;
  always_ff @(posedge clk) begin
    if (rst) p3_valid <= 1'b0;
    else if (en) p3_valid <= p2_valid;
    if (en) begin
      p3_bank <= p2_bank; p3_window <= p2_window; p3_len <= p2_len; p3_tag <= p2_tag;
      p3_fld <= fld_c; p3_en <= p2_en;
    end
  end

  // ---- P4: slots
  logic [SLOT_VEC-1:0] slots_c;
  always_comb begin
    for (int s = 0; s < NSLOTS; s++)
      slots_c[32 * s +: 32] = p3_bank ? cs1[32*(s) +: 32] : cs0[32*(s) +: 32];
    for (int e = 0; e < E; e++)
      if (p3_en[e])
        slots_c[32 * 32'(SLUICE_EXTRACTOR_SLOTS[5 * e +: 5]) +: 32] = p3_fld[32*(e) +: 32];
  end

  always_ff @(posedge clk) begin
    if (rst) o_valid <= 1'b0;
    else if (en) o_valid <= p3_valid;
    if (en) begin
      o_bank <= p3_bank; o_window <= p3_window; o_len <= p3_len; o_tag <= p3_tag;
      o_slots <= slots_c;
    end
  end
endmodule
