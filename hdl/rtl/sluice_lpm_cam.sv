// sluice_lpm_cam: the LPM trie of one map unit (docs/rtl.md "LPM CAM",
// docs/maps-design.md "LPM tries, step 2"). ROWS rows, row r holding
// NicMap's LPM row r (compiler/include/sluice/Maps/NicMaps.h): valid, the
// prefix length, the key's data bytes as the host gave them and, for the
// compare, the prefix mask; an entry RAM beside it holds {valid, prefix
// length, data, value} per row for reads.
//
// Search (s_valid at issue, the result TREE_REGS + 1 = 5 advancing cycles
// later in r_*): every row compares with the key in the issue cycle (the
// match vector, registered), then a max tree picks one row in 4 register
// stages of LPR = ceil(log2(ROWS) / 4) binary levels each (2 for 256
// rows). A tree node carries {v, k, row}: the right input wins when it is
// valid and its k is larger, so equal k go to the lower row.
//   mode 0 (lookup): v = valid && len <= key len && data equal under the
//                    row's mask, k = len: the longest match (matching rows
//                    have distinct lengths: two equal prefixes are one row)
//   mode 1 (update): v = exact || !valid, k = exact: the row holding
//                    exactly this prefix, else the lowest free row
//   mode 2 (delete): v = exact, k = 0
// exact = valid && len == key len && data equal under the mask. A key
// length over the trie's data bits (lookups find nothing, updates and
// deletes return -EINVAL) is the map unit's to check, at its commit.
// Bit i of a prefix is bit 7 - i % 8 of data byte i / 8 (network order,
// as lpm_trie.c); data byte j is s_data[8j +: 8].
//
// Writes (w_en, one row per clock, from the map unit's commit) take effect
// at the clock edge: searches issued after it see the row; reads of the
// entry RAM after it see the new value (the map unit's ordering: docs/rtl.md
// "LPM CAM"). rd_row reads
// the entry RAM asynchronously (LUT RAM). clr invalidates every row.
// en = 0 holds the search pipeline (a global stall); writes and clr are
// the caller's to gate.
module sluice_lpm_cam #(
  parameter int ROWS = 256,
  parameter int DB = 16,                    // data bytes compared (key_size - 4)
  parameter int VB = 16,                    // value bytes per row
  localparam int PLW = $clog2(8 * DB + 1),  // prefix length bits
  localparam int RWB = (ROWS > 1) ? $clog2(ROWS) : 1
) (
  input  logic clk, input logic rst, input logic en, input logic clr,
  input  logic s_valid, input logic [1:0] s_mode,
  input  logic [PLW-1:0] s_plen, input logic [8*DB-1:0] s_data,   // (the length's low bits)
  output logic r_hit, output logic [RWB-1:0] r_row, output logic [PLW-1:0] r_k,
  input  logic w_en, input logic [RWB-1:0] w_row, input logic w_valid,
  input  logic [PLW-1:0] w_plen, input logic [8*DB-1:0] w_data, input logic [8*VB-1:0] w_val,
  input  logic [RWB-1:0] rd_row,
  output logic rd_valid, output logic [PLW-1:0] rd_plen, output logic [8*DB-1:0] rd_data,
  output logic [8*VB-1:0] rd_val
);
  localparam int NL = RWB;                  // binary tree levels
  localparam int N = 1 << NL;               // leaves (rows padded with invalid ones)
  localparam int LPR = (NL + 3) / 4;        // levels per register stage
  localparam int NW = 1 + PLW + RWB;        // node {v, k, row}

  // ------------------------------------------------------------ the rows
  logic [ROWS-1:0] valid;
  logic [PLW-1:0] plen [ROWS];
  logic [8*DB-1:0] data [ROWS], mask [ROWS];

  function automatic logic [8*DB-1:0] prefix_mask(input logic [PLW-1:0] len);
    logic [8*DB-1:0] m;
    for (int j = 0; j < DB; j++)
      for (int b = 0; b < 8; b++)
        m[8*j + b] = 32'(8 * j + 7 - b) < 32'(len);
    prefix_mask = m;
  endfunction

  always_ff @(posedge clk) begin
    if (rst || clr) valid <= '0;
    else
      for (int r = 0; r < ROWS; r++)          // (a decoder: no shifter on w_row)
        if (w_en && w_row == RWB'(r)) valid[r] <= w_valid;
    if (w_en) begin
      plen[w_row] <= w_plen;
      data[w_row] <= w_data;
      mask[w_row] <= prefix_mask(w_plen);
    end
  end

  // entry RAM: {len, data, value}, one write port, async read. A delete
  // (w_valid = 0) clears only the row's valid bit: a lookup that matched
  // the row before the delete still reads the value it had.
  localparam int EW = PLW + 8 * DB + 8 * VB;
  logic [EW-1:0] eram [ROWS];
  always_ff @(posedge clk)
    if (w_en && w_valid) eram[w_row] <= {w_plen, w_data, w_val};
  assign rd_valid = valid[rd_row];
  assign {rd_plen, rd_data, rd_val} = eram[rd_row];

  // ------------------------------------------------------------ match vector
  logic [N*NW-1:0] leaf_c, lv0;
  always_comb begin
    logic eq, le, ex, v;
    logic [PLW-1:0] k;
    leaf_c = '0;
    for (int r = 0; r < ROWS; r++) begin
      // (only the low PLW bits of the key's length: a length over the
      // trie's data bits is refused or finds nothing at the commit)
      eq = ((data[r] ^ s_data) & mask[r]) == '0;
      le = plen[r] <= s_plen;
      ex = plen[r] == s_plen;
      case (s_mode)
        2'd0: begin v = valid[r] && le && eq; k = plen[r]; end
        2'd1: begin v = !valid[r] || (ex && eq); k = PLW'(valid[r] && ex && eq); end
        default: begin v = valid[r] && ex && eq; k = '0; end
      endcase
      leaf_c[NW*r +: NW] = {v, k, RWB'(r)};
    end
  end
  always_ff @(posedge clk)
    if (en) lv0 <= s_valid ? leaf_c : '0;

  // ------------------------------------------------------------ max tree
  function automatic logic [NW-1:0] pick(input logic [NW-1:0] a, input logic [NW-1:0] b);
    logic va, vb;
    logic [PLW-1:0] ka, kb;
    va = a[NW-1]; vb = b[NW-1];
    ka = a[RWB +: PLW]; kb = b[RWB +: PLW];
    pick = (vb && (!va || kb > ka)) ? b : a;
  endfunction

  localparam int N1 = (N >> LPR) > 0 ? (N >> LPR) : 1;
  localparam int N2 = (N >> (2 * LPR)) > 0 ? (N >> (2 * LPR)) : 1;
  localparam int N3 = (N >> (3 * LPR)) > 0 ? (N >> (3 * LPR)) : 1;
  logic [N1*NW-1:0] lv1;
  logic [N2*NW-1:0] lv2;
  logic [N3*NW-1:0] lv3;
  logic [NW-1:0] lv4;

  // One register stage: NI nodes into NO (groups of NI / NO, reduced pairwise).
  `define SLUICE_LPM_REDUCE(NI, NO, IN, OUT) \
    always_ff @(posedge clk) \
      if (en) \
        for (int o = 0; o < NO; o++) begin \
          logic [NW-1:0] t [NI / NO]; \
          for (int i = 0; i < NI / NO; i++) t[i] = IN[NW * (o * (NI / NO) + i) +: NW]; \
          for (int w = NI / NO; w > 1; w = w / 2) \
            for (int i = 0; i < w / 2; i++) t[i] = pick(t[2 * i], t[2 * i + 1]); \
          OUT[NW * o +: NW] <= t[0]; \
        end
  `SLUICE_LPM_REDUCE(N, N1, lv0, lv1)
  `SLUICE_LPM_REDUCE(N1, N2, lv1, lv2)
  `SLUICE_LPM_REDUCE(N2, N3, lv2, lv3)
  `SLUICE_LPM_REDUCE(N3, 1, lv3, lv4)
  `undef SLUICE_LPM_REDUCE

  assign {r_hit, r_k, r_row} = lv4;

  generate
    if (ROWS < 1 || N3 > (1 << LPR)) begin : g_bad
      $error("sluice_lpm_cam: the tree does not reduce to one node in 4 register stages");
    end
  endgenerate
endmodule
