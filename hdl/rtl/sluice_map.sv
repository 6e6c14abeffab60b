// sluice_map: the mid unit of one mid stage (docs/rtl.md "Map unit",
// docs/maps-design.md "ISA v2 mid operations: the contract"). It holds the
// stage's mid memory with the byte layout of NicMap (compiler/include/sluice/
// Maps/NicMaps.h) and runs one transaction per clock, each returning exactly
// REGS advancing cycles after its issue, with sequential semantics: every
// transaction sees the writes of every earlier one.
//
// Transactions (i_op):
//   0 LOOKUP  find i_key; found, the 4 value words from word i_w0 (pre-RMW),
//             up to two RMWs on the found entry (MAPATOM's R0, R1), and with
//             i_ins an insert of i_val on a miss (hash maps, BPF_NOEXIST;
//             a failure counts o_insert_fail); rc 0 / -ENOENT.
//   1 UPDATE  bpf_map_update_elem(i_key, i_val, i_flags): 0, -EEXIST,
//             -ENOENT, -E2BIG (full; or both buckets and the stash full:
//             counted in o_collisions), -EINVAL (flags > 2).
//   2 DELETE  bpf_map_delete_elem: 0, -ENOENT; arrays -EINVAL.
//   3 READWAY entry i_arg of the mid (hash: the 8*buckets ways in NicMap's
//             order, then the stash; arrays: index i_arg): o_found = valid,
//             o_key, o_val; rc -ENOENT past the last entry.
//   4 RAW     EWM 64-bit words of the memory from word address i_arg (host
//             dumps of an idle unit) in o_raw: exact for the words up to the
//             end of the piece of the layout i_arg is in (one sub-table of
//             hash mid i_map, or anything outside hash sub-tables: arrays,
//             stashes, free words); past it, unspecified.
// Unknown mid (not configured): rc -EINVAL.
// LRU hash maps (type 2 with cfg_buckets bit 31; docs/maps-design.md "LRU
// hash maps"): the header word of an entry holds a 32-bit use stamp in bits
// 63:32 (the stash CAM record too); each map id has a use clock. Every
// valid entry a commit writes (a LOOKUP hit, which then always writes its
// entry back; an UPDATE of a present key; an insert) gets the clock as its
// stamp and advances it. An insert at max_entries, or into full buckets and
// a full stash, replaces the oldest valid entry (age = clock - stamp mod
// 2^32; ties: the first) among its 8 ways and the map's 8 stash entries,
// in place, count unchanged; none valid at max_entries: -E2BIG / an insert
// failure. Early evictions and no-victim inserts count in o_collisions.
// LPM tries (type 3, at most one per unit, LPM_ROWS > 0) live in the
// sluice_lpm_cam beside the memory, not in it: LOOKUP is the longest match
// (read words and o_val from the CAM's entry RAM; i_ins and RMWs are
// ignored: the image verifier allows only plain MAPLK on LPM maps), UPDATE
// and DELETE have lpm_trie.c's return codes (-EINVAL for a prefix length
// over the key's data bits or flags 3, -EEXIST, -ENOENT, -ENOSPC) and
// write one CAM row at the commit, READWAY i reads CAM row i (NicMap's row
// i; -ENOENT past max_entries). The CAM search runs from issue to the
// commit in parallel with the memory pipeline below.
//
// Memory: MEM_WORDS 64-bit words of logical address space; a map's entries
// sit at word base + n*ew (ew = entry words: arrays ceil(value/8); hash maps
// 1 + ceil(key/8) + ceil(value/8): header word (1 = valid), key, value, zero
// padded; a free way is all zeros). Hash rows: sub-table 0's buckets,
// sub-table 1's, 4 ways each, then the 8 stash entries.
// Physically that is two memories of MEM_WORDS/2 words, P0 and P1 (together
// exactly MEM_WORDS words), each NB = 4 * EWM banks of 64-bit words (word x
// of a memory in bank x mod NB, row x / NB), so one read returns NB
// consecutive words (a whole bucket) at any address, and each bank is a
// 1R1W memory: one read (registered) and one write per clock. Logical word
// a lives in P(a mod 2) at a / 2 (interleaved), except inside a hash map's
// two sub-tables (logical [base, base + 2S), S = 4 * buckets * ew): that
// range's P0 half holds sub-table 0 and its P1 half sub-table 1, in order
// (sub-table 0 word o at P0 ceil(base/2) + o, sub-table 1 word o at
// P1 floor(base/2) + o). Both halves occupy exactly the words interleaving
// would give the range, so every map's words stay inside its own share of
// each memory, and a lookup reads its bucket 0 from P0 and its bucket 1
// from P1: one read per memory per transaction. An array entry or a stash
// entry is interleaved (its even words in one memory, odd in the other);
// a commit writes one entry: one write per memory. The stash is also held
// as a CAM (one LUT-RAM per stash entry, indexed by mid id, read
// asynchronously at commit).
//
// Pipeline (REGS >= 6 registers from issue to o_*):
//   issue (comb)  key and value masked to the map's sizes; CRC-32, CRC-32C
//                 (the key right-aligned in KEYB bytes through a constant
//                 XOR matrix, plus the constant of the key's length)
//   r1            the two hashes
//   r2            bucket_t = (h_t * buckets) >> 32; array / way range checks
//   r3            logical word addresses of the two buckets (or the entry)
//                 and their places in P0 / P1; bank rows (comb)
//   r4            the memories' output registers                  (read)
//   r5 (commit)   second memory register; rotate, forward the writes of the
//                 FWD = 2 transactions whose commits the read did not see,
//                 compare keys, decide, RMW, write one entry (memories, stash
//                 CAM, counts)
//   r6..REGS      result registers
// en = 0 holds everything (a global stall), as in every unit.
module sluice_map #(
  parameter int REGS = 7,
  parameter int MEM_WORDS = 104856,
  parameter int MAXMAPS = 8,
  parameter int KEYB = 64,                  // max key bytes
  parameter int VALB = 256,                 // max value bytes
  parameter int TAGW = 16,
  parameter int LPM_ROWS = 256,             // CAM rows (0: no LPM tries)
  parameter int LPM_DB = 16,                // LPM key data bytes the CAM compares
  parameter int LPM_VB = 16,                // LPM value bytes per row
  localparam int KW = (KEYB + 7) / 8,
  localparam int VW = (VALB + 7) / 8,
  localparam int EWM = 1 + KW + VW,         // max entry words
  localparam int AW = $clog2(MEM_WORDS + 1),
  localparam int MB = (MAXMAPS > 1) ? $clog2(MAXMAPS) : 1
) (
  input  logic clk, input logic rst, input logic en,
  // configuration of mid cfg_map (type 0 none, 1 array, 2 hash, 3 LPM); resets its
  // count, stash and collision counter
  input  logic cfg_we, input logic [MB-1:0] cfg_map, input logic [1:0] cfg_type,
  input  logic [7:0] cfg_ksz, input logic [9:0] cfg_vsz, input logic [31:0] cfg_maxe,
  input  logic [31:0] cfg_buckets, input logic [AW-1:0] cfg_base,
  // clear the whole memory (busy for the memory's rows; no transactions then)
  input  logic clr, output logic clr_busy,
  // transaction issue
  input  logic i_valid, input logic [2:0] i_op, input logic [MB-1:0] i_map,
  input  logic [8*KEYB-1:0] i_key, input logic [64*VW-1:0] i_val,
  input  logic [1:0] i_flags, input logic i_ins, input logic [7:0] i_w0,
  input  logic [31:0] i_arg,
  // RMWs: en, w (64-bit pair), op (0 add 1 or 2 and 3 xor 4 xchg), word, operand
  input  logic [1:0] i_r_en, input logic [1:0] i_r_w, input logic [5:0] i_r_op,
  input  logic [9:0] i_r_word, input logic [127:0] i_r_opnd,
  input  logic [TAGW-1:0] i_tag,
  // results, REGS cycles later
  output logic o_valid, output logic [TAGW-1:0] o_tag, output logic [2:0] o_op,
  output logic o_found, output logic [31:0] o_rc, output logic [127:0] o_words,
  output logic [64*KW-1:0] o_key, output logic [64*VW-1:0] o_val,
  output logic [64*EWM-1:0] o_raw,
  output logic [31:0] o_insert_fail, output logic [64*MAXMAPS-1:0] o_collisions,
  output logic [32*MAXMAPS-1:0] o_count
);
  localparam int NB = 4 * EWM;              // banks of each memory
  localparam int OB = $clog2(NB);
  localparam int HW0 = (MEM_WORDS + 1) / 2; // words of P0 (P1: MEM_WORDS / 2)
  localparam int HW1 = MEM_WORDS / 2;
  localparam int ROWS = (HW0 + NB - 1) / NB; // rows of the deepest bank
  localparam int RB = $clog2(ROWS + 1);
  localparam int NS = 8;                    // stash entries
  localparam int SW = 1 + 64 * KW + 64 * VW + 32;   // {stamp, value, key, valid}
  localparam int KB = 8 * KEYB;             // key bits
  localparam logic [31:0] ENOENT = 32'hfffffffe, EEXIST = 32'hffffffef,
                          E2BIG = 32'hfffffff9, EINVAL = 32'hffffffea, ENOSPC = 32'hffffffe4;
  localparam logic [2:0] OP_LOOKUP = 3'd0, OP_UPDATE = 3'd1, OP_DELETE = 3'd2,
                         OP_READWAY = 3'd3, OP_RAW = 3'd4;
  // where an entry (or a read) is: 0 P0 from x (bucket 0 / sub-table 0),
  // 1 P1 from x (sub-table 1), 2 interleaved from the logical address
  localparam logic [1:0] IN_P0 = 2'd0, IN_P1 = 2'd1, IN_IL = 2'd2;

  // ------------------------------------------------------------ CRC matrices
  // The reflected CRC of a key of n bytes, right-aligned in KEYB bytes (the
  // KEYB - n leading bytes zero), is linear in the KEYB bytes plus a
  // constant of n: crc = M * key ^ A^(8n) * 0xffffffff, A one shift-xor
  // step. crc_cols gives M by columns: column 8j + b (key byte j, bit b) =
  // A^(8 (KEYB - j)) e_b.
  function automatic logic [32*KB-1:0] crc_cols(input logic [31:0] poly);
    logic [32*KB-1:0] m;
    logic [8*32-1:0] v;
    for (int b = 0; b < 8; b++) v[32*b +: 32] = 32'd1 << b;
    for (int j = KEYB - 1; j >= 0; j--)
      for (int b = 0; b < 8; b++) begin
        for (int s = 0; s < 8; s++)
          v[32*b +: 32] = (v[32*b +: 32] >> 1) ^ (poly & {32{v[32*b]}});
        m[32 * (8*j + b) +: 32] = v[32*b +: 32];
      end
    crc_cols = m;
  endfunction
  // Row i of M: bit i of every column.
  function automatic logic [KB-1:0] crc_row(input logic [32*KB-1:0] cols, input int i);
    logic [KB-1:0] r;
    for (int k = 0; k < KB; k++) r[k] = cols[32*k + i];
    crc_row = r;
  endfunction
  // A^(8n) * 0xffffffff for n = 0..KEYB.
  function automatic logic [32*(KEYB+1)-1:0] crc_inits(input logic [31:0] poly);
    logic [32*(KEYB+1)-1:0] t;
    logic [31:0] c;
    c = 32'hffffffff;
    for (int n = 0; n <= KEYB; n++) begin
      t[32*n +: 32] = c;
      for (int s = 0; s < 8; s++) c = (c >> 1) ^ (poly & {32{c[0]}});
    end
    crc_inits = t;
  endfunction
  localparam logic [32*KB-1:0] COLS0 = crc_cols(32'hEDB88320);
  localparam logic [32*KB-1:0] COLS1 = crc_cols(32'h82F63B78);
  localparam logic [32*(KEYB+1)-1:0] INIT0 = crc_inits(32'hEDB88320);
  localparam logic [32*(KEYB+1)-1:0] INIT1 = crc_inits(32'h82F63B78);
  logic [KB-1:0] crow0 [32], crow1 [32];
  generate
    for (genvar i = 0; i < 32; i++) begin : g_crow
      localparam logic [KB-1:0] R0 = crc_row(COLS0, i);
      localparam logic [KB-1:0] R1 = crc_row(COLS1, i);
      assign crow0[i] = R0;
      assign crow1[i] = R1;
    end
  endgenerate

  // ------------------------------------------------------------ configuration
  logic [1:0] m_type [MAXMAPS];
  logic [7:0] m_ksz [MAXMAPS];
  logic [9:0] m_vsz [MAXMAPS];
  logic [31:0] m_maxe [MAXMAPS];
  logic [31:0] m_buckets [MAXMAPS];
  logic m_lru [MAXMAPS];                   // hash maps: LRU (cfg_buckets bit 31)
  logic [31:0] m_clk [MAXMAPS];             // LRU maps: the use clock (next stamp)
  logic [AW-1:0] m_base [MAXMAPS];
  logic [AW:0] m_sub [MAXMAPS];             // hash: words of one sub-table
  logic [31:0] m_count [MAXMAPS];
  logic [63:0] m_coll [MAXMAPS];

  function automatic logic [7:0] kwords(input logic [7:0] ksz);
    kwords = (ksz + 8'd7) >> 3;
  endfunction
  function automatic logic [7:0] vwords(input logic [9:0] vsz);
    /* verilator lint_off UNUSEDSIGNAL */
    logic [9:0] t;
    /* verilator lint_on UNUSEDSIGNAL */
    t = (vsz + 10'd7) >> 3;
    vwords = t[7:0];
  endfunction
  function automatic logic [7:0] ewords(input logic [1:0] ty, input logic [7:0] ksz, input logic [9:0] vsz);
    ewords = ty == 2'd2 ? 8'd1 + kwords(ksz) + vwords(vsz) : vwords(vsz);
  endfunction

  // ------------------------------------------------------------ issue (comb)
  logic [8*KEYB-1:0] key_m, key_r;
  logic [64*VW-1:0] val_m;
  logic [31:0] h0_c, h1_c;
  always_comb begin
    logic [7:0] ks;
    logic [9:0] vs;
    logic [31:0] l0, l1;
    ks = m_ksz[i_map];
    vs = m_vsz[i_map];
    if (32'(ks) > 32'(KEYB)) ks = 8'(KEYB);
    key_m = 'x; val_m = 'x; key_r = 'x; l0 = 'x; l1 = 'x;
    if (i_valid) begin                      // (don't care otherwise: less to simulate)
      key_m = i_key & ~({(8 * KEYB){1'b1}} << (32'(ks) * 8));
      val_m = i_val & ~({(64 * VW){1'b1}} << (32'(vs) * 8));
      key_r = key_m << (32'(KEYB) - 32'(ks)) * 8;
      for (int i = 0; i < 32; i++) begin
        l0[i] = ^(key_r & crow0[i]);
        l1[i] = ^(key_r & crow1[i]);
      end
    end
    h0_c = ~(l0 ^ INIT0[32 * 32'(ks) +: 32]);
    h1_c = ~(l1 ^ INIT1[32 * 32'(ks) +: 32]);
  end

  // Transaction payload carried down the pipeline.
  typedef struct packed {
    logic valid;
    logic [2:0] op;
    logic [MB-1:0] mid;
    logic [8*KEYB-1:0] key;
    logic [64*VW-1:0] val;
    logic [1:0] flags;
    logic ins;
    logic [7:0] w0;
    logic [31:0] arg;
    logic [1:0] r_en, r_w;
    logic [5:0] r_op;
    logic [9:0] r_word;
    logic [127:0] r_opnd;
    logic [TAGW-1:0] tag;
  } txn_t;

  localparam int TXW = 1 + 3 + MB + 8 * KEYB + 64 * VW + 2 + 1 + 8 + 32 + 2 + 2 + 6 + 10 + 128 + TAGW;
  txn_t t0, t1, t2, t3, t4, t5;
  assign t0 = {i_valid && !clr_busy, i_op, i_map, key_m, val_m, i_flags, i_ins, i_w0, i_arg,
                i_r_en, i_r_w, i_r_op, i_r_word, i_r_opnd, i_tag};   // txn_t's fields in order

  // ------------------------------------------------------------ LPM CAM
  // The unit's one LPM trie (map lpm_map when lpm_on): searched at issue
  // with the raw key ({u32 prefixlen, data}: the rows' masks ignore bytes
  // past the map's data), its result aligned with the commit (t5).
  localparam int LROWS = LPM_ROWS > 0 ? LPM_ROWS : 1;
  localparam int LPLW = $clog2(8 * LPM_DB + 1);
  localparam int LRB = (LROWS > 1) ? $clog2(LROWS) : 1;
  logic lpm_on;
  logic [MB-1:0] lpm_map;
  logic [31:0] lpm_maxplen;                 // 8 x data bytes of the trie's keys
  logic l_hit, l_we, l_wvalid, l_rd_valid;
  logic [LRB-1:0] l_row, l_wrow, l_rd_row;
  logic [LPLW-1:0] l_k, l_rd_plen;
  logic [8*LPM_DB-1:0] l_rd_data;
  logic [8*LPM_VB-1:0] l_rd_val;
  generate
    if (LPM_ROWS > 0) begin : g_lpm
      logic [8*LPM_DB-1:0] sdata;
      always_comb begin
        sdata = '0;
        for (int b = 0; b < LPM_DB; b++)
          if (4 + b < KEYB) sdata[8*b +: 8] = i_key[8 * (4 + b < KEYB ? 4 + b : 0) +: 8];
      end
      sluice_lpm_cam #(.ROWS(LPM_ROWS), .DB(LPM_DB), .VB(LPM_VB)) u_cam (
        .clk(clk), .rst(rst), .en(en), .clr(clr || clr_busy || (cfg_we && (cfg_type == 2'd3 || cfg_map == lpm_map))),
        .s_valid(i_valid && !clr_busy && lpm_on && i_map == lpm_map),
        .s_mode(i_op == OP_UPDATE ? 2'd1 : i_op == OP_DELETE ? 2'd2 : 2'd0),
        .s_plen(LPLW'(i_key[31:0])), .s_data(sdata),
        .r_hit(l_hit), .r_row(l_row), .r_k(l_k),
        .w_en(l_we), .w_row(l_wrow), .w_valid(l_wvalid),
        .w_plen(LPLW'(t5.key[31:0])), .w_data((8 * LPM_DB)'(t5.key >> 32)),
        .w_val((8 * LPM_VB)'(t5.val)),
        .rd_row(l_rd_row), .rd_valid(l_rd_valid), .rd_plen(l_rd_plen), .rd_data(l_rd_data),
        .rd_val(l_rd_val));
    end else begin : g_no_lpm
      assign l_hit = 1'b0; assign l_row = '0; assign l_k = '0; assign l_rd_valid = 1'b0;
      assign l_rd_plen = '0; assign l_rd_data = '0; assign l_rd_val = '0;
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused_lpm;                     // a unit without a CAM (maps.lpm_stages)
      assign unused_lpm = ^{l_wvalid, l_wrow, l_rd_row};
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate
  always_ff @(posedge clk) begin
    if (rst) lpm_on <= 1'b0;
    else if (cfg_we && cfg_type == 2'd3 && LPM_ROWS > 0) lpm_on <= 1'b1;
    else if (cfg_we && cfg_map == lpm_map) lpm_on <= 1'b0;
    if (cfg_we && cfg_type == 2'd3) begin
      lpm_map <= cfg_map;
      lpm_maxplen <= (cfg_ksz < 8'd4) ? 32'd0 : {21'd0, cfg_ksz - 8'd4, 3'd0};
    end
  end

  assign l_rd_row = t5.op == OP_READWAY ? LRB'(t5.arg) : l_row;


  // r1: hashes
  logic [31:0] h0_1, h1_1;
  // r2: buckets, range checks
  logic [31:0] b0_2, b1_2;
  logic inrange_2, stash_2;
  logic [2:0] sidx_2;
  // r3: logical addresses (aA bucket 0 or the entry, aB bucket 1), places
  logic [AW-1:0] aA_3, aB_3, x0_3, x1_3;
  logic [1:0] md_3;
  logic inrange_3, stash_3;
  logic [2:0] sidx_3;
  // r4, r5: carried to the commit
  logic [AW-1:0] aA_4, aB_4, aA_5, aB_5, x0_4, x1_4, x0_5, x1_5;
  logic [1:0] md_4, md_5;
  logic inrange_4, stash_4, inrange_5, stash_5;
  logic [2:0] sidx_4, sidx_5;

  always_ff @(posedge clk) begin
    if (rst) begin
      t1.valid <= 1'b0; t2.valid <= 1'b0; t3.valid <= 1'b0; t4.valid <= 1'b0; t5.valid <= 1'b0;
    end else if (en) begin
      t1.valid <= t0.valid; t2.valid <= t1.valid; t3.valid <= t2.valid;
      t4.valid <= t3.valid; t5.valid <= t4.valid;
    end
    if (en) begin                           // payloads load with their transactions only
      if (t0.valid) t1[TXW-2:0] <= t0[TXW-2:0];
      if (t1.valid) t2[TXW-2:0] <= t1[TXW-2:0];
      if (t2.valid) t3[TXW-2:0] <= t2[TXW-2:0];
      if (t3.valid) t4[TXW-2:0] <= t3[TXW-2:0];
      if (t4.valid) t5[TXW-2:0] <= t4[TXW-2:0];
    end
  end

  // r1
  always_ff @(posedge clk)
    if (en && t0.valid) begin h0_1 <= h0_c; h1_1 <= h1_c; end

  // r2: buckets; array index / way ranges
  always_ff @(posedge clk) begin
    if (en && t1.valid) begin
      /* verilator lint_off UNUSEDSIGNAL */
      logic [63:0] p0, p1;
      /* verilator lint_on UNUSEDSIGNAL */
      logic [63:0] ways;
      logic [31:0] idx;
      p0 = 64'(h0_1) * 64'(m_buckets[t1.mid]);
      p1 = 64'(h1_1) * 64'(m_buckets[t1.mid]);
      b0_2 <= p0[63:32];
      b1_2 <= p1[63:32];
      idx = (t1.op == OP_READWAY || t1.op == OP_RAW) ? t1.arg : t1.key[31:0];
      ways = 64'(m_buckets[t1.mid]) << 3;
      stash_2 <= 1'b0;
      sidx_2 <= idx[2:0];
      if (m_type[t1.mid] == 2'd2) begin  // hash: READWAY's way range
        inrange_2 <= 64'(idx) < ways + 64'(NS);
        stash_2 <= 64'(idx) >= ways;
        sidx_2 <= 3'(64'(idx) - ways);
      end else begin
        inrange_2 <= idx < m_maxe[t1.mid];
      end
    end
  end

  // r3: logical word addresses and where they are in P0 / P1
  always_ff @(posedge clk) begin
    if (en && t2.valid) begin
      logic [63:0] ew, base, idx, sub, rel, a;
      logic hash;
      ew = 64'(ewords(m_type[t2.mid], m_ksz[t2.mid], m_vsz[t2.mid]));
      base = 64'(m_base[t2.mid]);
      sub = 64'(m_sub[t2.mid]);
      hash = m_type[t2.mid] == 2'd2;
      idx = (t2.op == OP_READWAY || t2.op == OP_RAW) ? 64'(t2.arg) : 64'(t2.key[31:0]);
      rel = (t2.op == OP_RAW) ? idx - base : idx * ew;   // word offset in the map
      a = (t2.op == OP_RAW) ? idx : base + rel;
      aA_3 <= AW'(a);
      aB_3 <= AW'(a);
      md_3 <= IN_IL;
      x0_3 <= AW'((a + 64'd1) >> 1);
      x1_3 <= AW'(a >> 1);
      if (hash && (t2.op == OP_LOOKUP || t2.op == OP_UPDATE || t2.op == OP_DELETE)) begin
        aA_3 <= AW'(base + (64'(b0_2) << 2) * ew);
        aB_3 <= AW'(base + sub + (64'(b1_2) << 2) * ew);
        x0_3 <= AW'(((base + 64'd1) >> 1) + (64'(b0_2) << 2) * ew);
        x1_3 <= AW'((base >> 1) + (64'(b1_2) << 2) * ew);
        md_3 <= IN_P0;
      end else if (hash && rel < sub) begin
        x0_3 <= AW'(((base + 64'd1) >> 1) + rel);
        md_3 <= IN_P0;
      end else if (hash && rel < 2 * sub) begin
        x1_3 <= AW'((base >> 1) + rel - sub);
        md_3 <= IN_P1;
      end
      inrange_3 <= inrange_2; stash_3 <= stash_2; sidx_3 <= sidx_2;
    end
  end

  // ------------------------------------------------------------------ memory
  // Reads: P0 from x0_3, P1 from x1_3 (NB words each). The commit's write:
  // per memory an enable, a start address and up to EWM words with a mask.
  logic [AW-1:0] rowR [2], rowW [2];
  logic [OB-1:0] offR [2], offW [2], offR_4 [2], offR_5 [2];
  logic wm_en [2];
  logic [AW-1:0] wm_x [2];
  logic [64*EWM-1:0] wm_d [2];
  logic [EWM-1:0] wm_m [2];
  assign rowR[0] = x0_3 / AW'(NB);
  assign offR[0] = OB'(x0_3 % AW'(NB));
  assign rowR[1] = x1_3 / AW'(NB);
  assign offR[1] = OB'(x1_3 % AW'(NB));
  assign rowW[0] = wm_x[0] / AW'(NB);
  assign offW[0] = OB'(wm_x[0] % AW'(NB));
  assign rowW[1] = wm_x[1] / AW'(NB);
  assign offW[1] = OB'(wm_x[1] % AW'(NB));

  // clear engine
  logic [RB:0] clr_row;
  logic [RB-1:0] rowC;
  assign clr_busy = clr_row != '0;
  assign rowC = RB'(clr_row - 1'b1);

  logic [63:0] q0_5 [NB], q1_5 [NB];       // bank outputs after the second register (r5)
  generate
    for (genvar p = 0; p < 2; p++) begin : g_mem
      localparam int HW = p == 0 ? HW0 : HW1;
      for (genvar b = 0; b < NB; b++) begin : g_bank
        // bank b holds words b, b + NB, ... below HW: exactly HW words in all
        localparam int DEPTH = HW > b ? (HW - b + NB - 1) / NB : 1;
        logic [63:0] mem [DEPTH];
        logic [RB-1:0] ra, wr;
        logic we;
        logic [63:0] wd, q, q2;
        assign ra = RB'(rowR[p] + ((32'(b) < 32'(offR[p])) ? AW'(1) : AW'(0)));
        always_comb begin
          int j;
          j = 0; we = 1'b0; wr = 'x; wd = 'x;
          if (wm_en[p]) begin
            j = 32'(b) - 32'(offW[p]);
            if (j < 0) j = j + NB;
            we = j < EWM && wm_m[p][j < EWM ? j : 0];
            wr = RB'(rowW[p] + ((32'(b) < 32'(offW[p])) ? AW'(1) : AW'(0)));
            wd = wm_d[p][64 * (j < EWM ? j : 0) +: 64];
          end
          if (clr_busy) begin
            we = 1'b1;
            wr = rowC;
            wd = 64'd0;
          end
        end
        always_ff @(posedge clk) begin
          if ((en || clr_busy) && we) mem[wr] <= wd;
          if (en && t3.valid) q <= mem[ra];   // read only for a transaction
          if (en && t4.valid) q2 <= q;        // the memory's output register
        end
        if (p == 0) begin : g_q0
          assign q0_5[b] = q2;
        end else begin : g_q1
          assign q1_5[b] = q2;
        end
      end
    end
  endgenerate

  always_ff @(posedge clk) begin
    if (en) begin
      if (t3.valid) begin
        for (int p = 0; p < 2; p++) offR_4[p] <= offR[p];
        aA_4 <= aA_3; aB_4 <= aB_3; x0_4 <= x0_3; x1_4 <= x1_3; md_4 <= md_3;
        inrange_4 <= inrange_3; stash_4 <= stash_3; sidx_4 <= sidx_3;
      end
      if (t4.valid) begin
        for (int p = 0; p < 2; p++) offR_5[p] <= offR_4[p];
        aA_5 <= aA_4; aB_5 <= aB_4; x0_5 <= x0_4; x1_5 <= x1_4; md_5 <= md_4;
        inrange_5 <= inrange_4; stash_5 <= stash_4; sidx_5 <= sidx_4;
      end
    end
  end

  // ------------------------------------------------------------------ commit
  // The words of each memory from its read address on (rotation of the
  // banks), for a transaction only.
  logic [63:0] dA [NB], dB [NB];
  always_comb
    for (int j = 0; j < NB; j++) begin
      int ka, kb;
      ka = 32'(offR_5[0]) + j;
      kb = 32'(offR_5[1]) + j;
      if (ka >= NB) ka = ka - NB;
      if (kb >= NB) kb = kb - NB;
      dA[j] = t5.valid ? q0_5[ka] : 'x;
      dB[j] = t5.valid ? q1_5[kb] : 'x;
    end

  // The entry (or RAW's words) at aA: P0's words, P1's, or both interleaved.
  logic [64*EWM-1:0] line;
  always_comb
    for (int j = 0; j < EWM; j++) begin
      if (md_5 == IN_P1) line[64*j +: 64] = dB[j];
      else if (md_5 == IN_IL) line[64*j +: 64] = ((j % 2 == 1) != aA_5[0]) ? dB[j / 2] : dA[j / 2];
      else line[64*j +: 64] = dA[j];
    end

  // Forwarding: the writes of the two previous commits (fw 0 the newest).
  logic [1:0] fw_v;
  logic [AW-1:0] fw_a [2];
  logic [64*EWM-1:0] fw_d [2];

  // The 8 ways of the two buckets (ways 0..3 of A in P0, 4..7 of B in P1),
  // forwarded; way 0 is also the entry of every other transaction.
  logic [7:0] ew_c, kw_c, vw_c;
  logic [1:0] ty_c;
  logic [64*EWM-1:0] way_e [8];
  logic [AW-1:0] way_a [8], way_x [8];
  logic [1:0] way_md [8];
  always_comb begin
    ty_c = m_type[t5.mid];
    kw_c = kwords(m_ksz[t5.mid]);
    vw_c = vwords(m_vsz[t5.mid]);
    ew_c = ewords(ty_c, m_ksz[t5.mid], m_vsz[t5.mid]);
    for (int w = 0; w < 8; w++) begin
      int off, k;
      off = (w % 4) * 32'(ew_c);
      k = 0;
      way_a[w] = (w < 4 ? aA_5 : aB_5) + AW'(off);
      way_x[w] = (w < 4 ? x0_5 : x1_5) + AW'(off);
      way_md[w] = w < 4 ? IN_P0 : IN_P1;
      way_e[w] = 'x;
      if (t5.valid) begin                   // (don't care otherwise: less to simulate)
        for (int j = 0; j < EWM; j++) begin
          k = off + j;
          if (k >= NB) k = 0;
          if (j >= 32'(ew_c)) way_e[w][64*j +: 64] = 64'd0;
          else if (w == 0) way_e[w][64*j +: 64] = line[64*j +: 64];
          else if (w < 4) way_e[w][64*j +: 64] = dA[k];
          else way_e[w][64*j +: 64] = dB[k];
        end
        for (int f = 1; f >= 0; f--)
          if (fw_v[f] && fw_a[f] == way_a[w]) way_e[w] = fw_d[f];
      end
    end
    way_md[0] = md_5;
  end

  // Entry fields: hash {header, key, value}; array {value}.
  function automatic logic [64*KW-1:0] e_key(input logic [64*EWM-1:0] e, input logic [7:0] kw);
    logic [64*KW-1:0] k;
    for (int j = 0; j < KW; j++)
      k[64*j +: 64] = (32'(j) < 32'(kw)) ? e[64 * (1 + j) +: 64] : 64'd0;
    e_key = k;
  endfunction
  function automatic logic [64*VW-1:0] e_val(input logic [64*EWM-1:0] e, input logic [1:0] ty,
                                             input logic [7:0] kw, input logic [7:0] vw);
    logic [64*VW-1:0] v;
    for (int j = 0; j < VW; j++) begin
      int s;
      s = (ty == 2'd2) ? 1 + 32'(kw) + j : j;
      v[64*j +: 64] = (32'(j) < 32'(vw) && s < EWM) ? e[64 * (s < EWM ? s : 0) +: 64] : 64'd0;
    end
    e_val = v;
  endfunction
  function automatic logic [64*EWM-1:0] mk_entry(input logic [1:0] ty, input logic [7:0] kw,
                                                 input logic [7:0] vw, input logic [64*KW-1:0] k,
                                                 input logic [64*VW-1:0] v);
    logic [64*EWM-1:0] e;
    e = '0;
    if (ty == 2'd2) begin
      e[63:0] = 64'd1;
      for (int j = 0; j < KW; j++)
        if (32'(j) < 32'(kw)) e[64 * (1 + j) +: 64] = k[64*j +: 64];
      for (int j = 0; j < VW; j++)
        if (32'(j) < 32'(vw) && 1 + 32'(kw) + j < EWM) e[64 * (1 + 32'(kw) + j) +: 64] = v[64*j +: 64];
    end else begin
      for (int j = 0; j < VW; j++)
        if (32'(j) < 32'(vw)) e[64*j +: 64] = v[64*j +: 64];
    end
    mk_entry = e;
  endfunction
  function automatic logic [63:0] rmw(input logic [2:0] op, input logic [63:0] a, input logic [63:0] b);
    case (op)
      3'd0: rmw = a + b;
      3'd1: rmw = a | b;
      3'd2: rmw = a & b;
      3'd3: rmw = a ^ b;
      3'd4: rmw = b;
      default: rmw = a;
    endcase
  endfunction

  // Stash CAM of the transaction's map.
  logic [SW-1:0] st_mem [NS][MAXMAPS];
  logic [SW-1:0] st_e [NS];
  always_comb
    for (int s = 0; s < NS; s++) st_e[s] = st_mem[s][t5.mid];

  // Decision.
  logic c_found, c_wr, c_st_we, c_cnt_inc, c_cnt_dec, c_coll, c_insfail;
  logic [2:0] c_st_idx;
  logic [SW-1:0] c_st_rec;                  // {stamp, value, key, valid}
  logic c_use;                              // an LRU entry written valid: its stamp is m_clk
  logic [31:0] c_rc;
  logic [64*KW-1:0] c_key;
  logic [64*VW-1:0] c_val;
  logic [64*EWM-1:0] c_entry;
  logic [AW-1:0] c_addr, c_x;               // the write: logical address, place
  logic [1:0] c_md;
  logic [127:0] c_words;
  logic [64*KW-1:0] qkey;
  assign qkey = (64 * KW)'(t5.key);

  always_comb begin
    logic [7:0] hit;
    logic eq;
    logic [AW-1:0] pa_a, pa_x;
    logic [1:0] pa_md;
    logic placed, ps;
    logic [2:0] pst;
    logic [NS-1:0] shit, sfree;
    logic [3:0] n0, n1;
    logic found, in_stash;
    logic [2:0] wsel;
    logic [AW-1:0] at_a, at_x, st_base;
    logic [1:0] at_md;
    logic [2:0] sat;
    logic [64*VW-1:0] oldv, newv;
    logic [64*VW-1:0] vmask;
    logic [64*KW-1:0] ekey;
    logic [64*EWM-1:0] ent;
    logic ins;
    logic [31:0] cnt;
    int wi, wd;
    logic [63:0] ra, rb, rres;
    logic plbig, l_exact;
    logic lru, vfound, evict;
    logic [3:0] vi;
    logic [31:0] bage, age;
    plbig = 1'b0; l_exact = 1'b0; l_we = 1'b0; l_wvalid = 1'b0; l_wrow = l_row;
    wi = 0; wd = 0; ra = '0; rb = '0; rres = '0; newv = '0;
    c_found = 1'b0; c_wr = 1'b0; c_st_we = 1'b0; c_cnt_inc = 1'b0; c_cnt_dec = 1'b0;
    c_coll = 1'b0; c_insfail = 1'b0; c_st_idx = 3'd0; c_rc = 32'd0;
    c_key = '0; c_val = '0; c_entry = '0; c_addr = way_a[0]; c_x = way_x[0]; c_md = way_md[0];
    c_words = '0;
    c_st_rec = '0;
    c_use = 1'b0;
    cnt = m_count[t5.mid];
    eq = 1'b0; pa_a = '0; pa_x = '0; pa_md = '0; placed = 1'b0; ps = 1'b0; pst = '0;
    hit = '0; shit = '0; sfree = '0; n0 = '0; n1 = '0; found = 1'b0; in_stash = 1'b0;
    wsel = '0; at_a = '0; at_x = '0; at_md = '0; sat = '0; oldv = '0; ekey = '0; ent = '0;
    ins = 1'b0; vmask = '0; st_base = '0;
    lru = 1'b0; vfound = 1'b0; vi = '0; bage = '0; age = '0; evict = 1'b0;
    if (t5.valid) begin                     // (nothing to decide otherwise: less to simulate)
    vmask = ~({(64 * VW){1'b1}} << (32'(m_vsz[t5.mid]) * 8));
    st_base = m_base[t5.mid] + AW'(2 * m_sub[t5.mid]);   // logical address of stash entry 0

    // find
    for (int w = 0; w < 8; w++) begin
      eq = 1'b1;
      for (int j = 0; j < KW; j++)
        if (((32'(j) < 32'(kw_c)) ? way_e[w][64 * (1 + j) +: 64] : 64'd0) != qkey[64*j +: 64]) eq = 1'b0;
      hit[w] = way_e[w][0] && eq;
    end
    for (int s = 0; s < NS; s++) begin
      shit[s] = st_e[s][0] && st_e[s][1 +: 64 * KW] == qkey;
      sfree[s] = !st_e[s][0];
    end
    n0 = 4'(way_e[0][0]) + 4'(way_e[1][0]) + 4'(way_e[2][0]) + 4'(way_e[3][0]);
    n1 = 4'(way_e[4][0]) + 4'(way_e[5][0]) + 4'(way_e[6][0]) + 4'(way_e[7][0]);
    found = 1'b0; in_stash = 1'b0; sat = 3'd0; wsel = 3'd0;
    for (int w = 7; w >= 0; w--)
      if (hit[w]) begin found = 1'b1; wsel = 3'(w); end
    if (!found)
      for (int s = NS - 1; s >= 0; s--)
        if (shit[s]) begin found = 1'b1; in_stash = 1'b1; sat = 3'(s); end
    if (ty_c != 2'd2) begin                  // array: the one entry read
      found = inrange_5;
      wsel = 3'd0;
      in_stash = 1'b0;
    end
    ent = way_e[wsel];
    at_a = way_a[wsel]; at_x = way_x[wsel]; at_md = way_md[wsel];
    if (in_stash) begin
      at_a = st_base + AW'(32'(sat) * 32'(ew_c));
      at_md = IN_IL;
      ekey = st_e[sat][1 +: 64 * KW];
      oldv = st_e[sat][1 + 64 * KW +: 64 * VW];
    end else begin
      ekey = e_key(ent, kw_c);
      oldv = e_val(ent, ty_c, kw_c, vw_c);
    end

    // LRU: the oldest valid entry an insert can see, its 8 ways then the
    // stash (age = clock - stamp mod 2^32; ties: the first)
    lru = ty_c == 2'd2 && m_lru[t5.mid];
    if (lru) begin
      for (int w = 0; w < 8; w++) begin
        age = m_clk[t5.mid] - way_e[w][63:32];
        if (way_e[w][0] && (!vfound || age > bage)) begin vfound = 1'b1; vi = 4'(w); bage = age; end
      end
      for (int s = 0; s < NS; s++) begin
        age = m_clk[t5.mid] - st_e[s][SW-1 -: 32];
        if (st_e[s][0] && (!vfound || age > bage)) begin vfound = 1'b1; vi = 4'(8 + s); bage = age; end
      end
    end

    // placement of a new key: the less full bucket (ties: bucket 0), its
    // lowest free way; else the lowest free stash entry
    ins = 1'b0;
    begin
      placed = 1'b0; ps = 1'b0; pst = 3'd0; pa_a = way_a[0]; pa_x = way_x[0]; pa_md = IN_P0;
      if (n0 < 4'd4 || n1 < 4'd4) begin
        for (int w = 3; w >= 0; w--) begin
          if (n1 < n0) begin
            if (!way_e[4 + w][0]) begin
              placed = 1'b1; pa_a = way_a[4 + w]; pa_x = way_x[4 + w]; pa_md = IN_P1;
            end
          end else begin
            if (!way_e[w][0]) begin
              placed = 1'b1; pa_a = way_a[w]; pa_x = way_x[w]; pa_md = IN_P0;
            end
          end
        end
      end else begin
        for (int s = NS - 1; s >= 0; s--)
          if (sfree[s]) begin
            placed = 1'b1; ps = 1'b1; pst = 3'(s);
            pa_a = st_base + AW'(s * 32'(ew_c));
            pa_md = IN_IL;
          end
      end

      if (t5.valid) begin
        if (ty_c == 2'd0 || (ty_c == 2'd3 && !(lpm_on && t5.mid == lpm_map))) begin
          c_rc = EINVAL;
        end else if (ty_c == 2'd3) begin      // LPM: the CAM decides, the memory is not touched
          plbig = t5.key[31:0] > lpm_maxplen;
          l_exact = l_hit && l_k != '0;
          case (t5.op)
            OP_LOOKUP: begin
              c_found = l_hit && !plbig;      // a prefixlen over the data bits finds nothing
              c_rc = c_found ? 32'd0 : ENOENT;
              c_key = (64 * KW)'({l_rd_data, 32'(l_rd_plen)});
              c_val = c_found ? (64 * VW)'(l_rd_val) : '0;
              for (int k = 0; k < 4; k++) begin
                wi = 32'(t5.w0) + k;
                c_words[32*k +: 32] = (c_found && wi < (LPM_VB + 3) / 4)
                    ? 32'(l_rd_val >> (32 * (wi < (LPM_VB + 3) / 4 ? wi : 0))) : 32'd0;
              end
            end
            OP_UPDATE: begin
              if (t5.flags == 2'd3 || plbig) c_rc = EINVAL;
              else if (l_exact) begin
                if (t5.flags == 2'd1) c_rc = EEXIST;
                else begin l_we = 1'b1; l_wvalid = 1'b1; l_wrow = l_row; end
              end else if (t5.flags == 2'd2) c_rc = ENOENT;
              else if (cnt >= m_maxe[t5.mid] || !l_hit) c_rc = ENOSPC;
              else begin l_we = 1'b1; l_wvalid = 1'b1; l_wrow = l_row; c_cnt_inc = 1'b1; end
            end
            OP_DELETE: begin
              if (plbig) c_rc = EINVAL;
              else if (!l_hit) c_rc = ENOENT;
              else begin l_we = 1'b1; l_wvalid = 1'b0; l_wrow = l_row; c_cnt_dec = 1'b1; end
            end
            OP_READWAY: begin
              if (!inrange_5) c_rc = ENOENT;
              else begin
                c_found = l_rd_valid;
                c_key = (64 * KW)'({l_rd_data, 32'(l_rd_plen)});
                c_val = (64 * VW)'(l_rd_val);
              end
            end
            default: ;
          endcase
          l_we = l_we && en;
        end else begin
          case (t5.op)
            OP_LOOKUP: begin
              c_found = found;
              c_rc = found ? 32'd0 : ENOENT;
              c_key = ekey;
              c_val = found ? oldv : '0;
              for (int k = 0; k < 4; k++) begin
                wi = 32'(t5.w0) + k;
                c_words[32*k +: 32] = (found && wi < 2 * 32'(vw_c) && wi < 2 * VW)
                    ? oldv[32 * (wi < 2 * VW ? wi : 0) +: 32] : 32'd0;
              end
              if (found && (t5.r_en != 2'b00 || lru)) begin   // LRU: every hit is a use
                newv = oldv;
                for (int r = 0; r < 2; r++) begin
                  if (t5.r_en[r]) begin
                    wd = 32'(t5.r_word[5*r +: 5]);
                    rb = t5.r_opnd[64*r +: 64];
                    if (t5.r_w[r]) begin
                      ra = {(wd + 1 < 2 * VW) ? newv[32 * (wd + 1 < 2 * VW ? wd + 1 : 0) +: 32] : 32'd0,
                            newv[32*wd +: 32]};
                      rres = rmw(t5.r_op[3*r +: 3], ra, rb);
                      newv[32*wd +: 32] = rres[31:0];
                      if (wd + 1 < 2 * VW) newv[32 * (wd + 1 < 2 * VW ? wd + 1 : 0) +: 32] = rres[63:32];
                    end else begin
                      ra = {32'd0, newv[32*wd +: 32]};
                      rres = rmw(t5.r_op[3*r +: 3], ra, {32'd0, rb[31:0]});
                      newv[32*wd +: 32] = rres[31:0];
                    end
                  end
                end
                newv = newv & vmask;
                c_wr = 1'b1; c_addr = at_a; c_x = at_x; c_md = at_md;
                c_entry = mk_entry(ty_c, kw_c, vw_c, ekey, newv);
                if (in_stash) begin c_st_we = 1'b1; c_st_idx = sat; c_st_rec = {32'd0, newv, ekey, 1'b1}; end
              end
              if (!found && t5.ins && lru && (cnt >= m_maxe[t5.mid] || !placed)) begin
                if (!vfound) begin c_insfail = 1'b1; c_coll = 1'b1; end
                else begin evict = 1'b1; c_coll = cnt < m_maxe[t5.mid]; end
              end else if (!found && t5.ins && ty_c == 2'd2) begin
                ins = 1'b1;
                if (cnt >= m_maxe[t5.mid]) c_insfail = 1'b1;
                else if (!placed) begin c_insfail = 1'b1; c_coll = 1'b1; end
              end
            end
            OP_UPDATE: begin
              if (t5.flags == 2'd3) c_rc = EINVAL;
              else if (ty_c != 2'd2) begin
                if (!inrange_5) c_rc = E2BIG;
                else if (t5.flags == 2'd1) c_rc = EEXIST;
                else begin
                  c_wr = 1'b1; c_addr = at_a; c_x = at_x; c_md = at_md;
                  c_entry = mk_entry(ty_c, kw_c, vw_c, '0, t5.val);
                end
              end else if (found) begin
                if (t5.flags == 2'd1) c_rc = EEXIST;
                else begin
                  c_wr = 1'b1; c_addr = at_a; c_x = at_x; c_md = at_md;
                  c_entry = mk_entry(ty_c, kw_c, vw_c, qkey, t5.val);
                  if (in_stash) begin c_st_we = 1'b1; c_st_idx = sat; c_st_rec = {32'd0, t5.val, qkey, 1'b1}; end
                end
              end else if (t5.flags == 2'd2) c_rc = ENOENT;
              else if (lru && (cnt >= m_maxe[t5.mid] || !placed)) begin
                if (!vfound) begin c_rc = E2BIG; c_coll = 1'b1; end
                else begin evict = 1'b1; c_coll = cnt < m_maxe[t5.mid]; end
              end
              else if (cnt >= m_maxe[t5.mid]) c_rc = E2BIG;
              else if (!placed) begin c_rc = E2BIG; c_coll = 1'b1; end
              else ins = 1'b1;
            end
            OP_DELETE: begin
              if (ty_c != 2'd2) c_rc = EINVAL;
              else if (!found) c_rc = ENOENT;
              else begin
                c_wr = 1'b1; c_addr = at_a; c_x = at_x; c_md = at_md; c_entry = '0; c_cnt_dec = 1'b1;
                if (in_stash) begin c_st_we = 1'b1; c_st_idx = sat; end
              end
            end
            OP_READWAY: begin
              if (!inrange_5) c_rc = ENOENT;
              else if (ty_c == 2'd2 && stash_5) begin
                c_found = st_e[sidx_5][0];
                c_key = st_e[sidx_5][1 +: 64 * KW];
                c_val = st_e[sidx_5][1 + 64 * KW +: 64 * VW];
              end else begin
                c_found = ty_c != 2'd2 || way_e[0][0];
                c_key = ty_c == 2'd2 ? e_key(way_e[0], kw_c) : (64 * KW)'(t5.arg);
                c_val = e_val(way_e[0], ty_c, kw_c, vw_c);
              end
            end
            default: ;                       // OP_RAW: line
          endcase
          // an insert (UPDATE of a new key, LOOKUP's insert-on-miss)
          if (ins && placed && !(t5.op == OP_LOOKUP && cnt >= m_maxe[t5.mid])) begin
            c_wr = 1'b1; c_addr = pa_a; c_x = pa_x; c_md = pa_md; c_cnt_inc = 1'b1;
            c_entry = mk_entry(2'd2, kw_c, vw_c, qkey, t5.val);
            if (ps) begin c_st_we = 1'b1; c_st_idx = pst; c_st_rec = {32'd0, t5.val, qkey, 1'b1}; end
          end
          // an LRU eviction: the new key takes the victim's place (count unchanged)
          if (evict) begin
            c_wr = 1'b1;
            c_entry = mk_entry(2'd2, kw_c, vw_c, qkey, t5.val);
            if (vi < 4'd8) begin
              c_addr = way_a[vi[2:0]]; c_x = way_x[vi[2:0]]; c_md = way_md[vi[2:0]];
            end else begin
              c_addr = st_base + AW'(32'(vi[2:0]) * 32'(ew_c)); c_md = IN_IL;
              c_st_we = 1'b1; c_st_idx = vi[2:0]; c_st_rec = {32'd0, t5.val, qkey, 1'b1};
            end
          end
          // LRU: an entry written valid is used now
          if (lru && c_wr && c_entry[0]) begin
            c_use = 1'b1;
            c_entry[63:32] = m_clk[t5.mid];
            c_st_rec[SW-1 -: 32] = m_clk[t5.mid];
          end
        end
      end
    end
    end
  end

  logic w_en;
  assign w_en = t5.valid && c_wr && en;

  // The commit's write into P0 / P1: an entry in one memory (a way), or
  // interleaved (array and stash entries: word j at logical c_addr + j in
  // P((c_addr + j) mod 2)).
  always_comb begin
    logic par;
    int j0, j1;
    par = c_addr[0];
    j0 = 0; j1 = 0;
    wm_en[0] = 1'b0; wm_en[1] = 1'b0;
    wm_x[0] = c_x; wm_x[1] = c_x;
    wm_d[0] = c_entry; wm_d[1] = c_entry;
    wm_m[0] = '0; wm_m[1] = '0;
    if (c_md == IN_IL) begin
      wm_en[0] = w_en; wm_en[1] = w_en;
      wm_x[0] = AW'(((AW + 1)'(c_addr) + 1'b1) >> 1);
      wm_x[1] = c_addr >> 1;
      for (int k = 0; k < EWM; k++) begin
        j0 = 2 * k + 32'(par);
        j1 = 2 * k + 1 - 32'(par);
        wm_d[0][64*k +: 64] = j0 < EWM ? c_entry[64 * (j0 < EWM ? j0 : 0) +: 64] : 64'd0;
        wm_d[1][64*k +: 64] = j1 < EWM ? c_entry[64 * (j1 < EWM ? j1 : 0) +: 64] : 64'd0;
        wm_m[0][k] = j0 < 32'(ew_c);
        wm_m[1][k] = j1 < 32'(ew_c);
      end
    end else begin
      for (int k = 0; k < EWM; k++) begin
        wm_m[0][k] = k < 32'(ew_c);
        wm_m[1][k] = k < 32'(ew_c);
      end
      if (c_md == IN_P1) wm_en[1] = w_en;
      else wm_en[0] = w_en;
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      fw_v <= 2'b00;
      clr_row <= '0;
    end else begin
      if (en) fw_v <= {fw_v[0], w_en};
      if (clr) clr_row <= (RB + 1)'(ROWS);
      else if (clr_busy) clr_row <= clr_row - 1'b1;
    end
    if (en) begin
      fw_a[1] <= fw_a[0]; fw_d[1] <= fw_d[0];
      fw_a[0] <= c_addr; fw_d[0] <= c_entry;
    end
  end

  // Stash CAM and per-mid state.
  always_ff @(posedge clk) begin
    if (en && t5.valid && c_st_we)
      st_mem[c_st_idx][t5.mid] <= c_st_rec;
    if (cfg_we)
      for (int s = 0; s < NS; s++) st_mem[s][cfg_map] <= '0;
  end
  always_ff @(posedge clk) begin
    if (rst) begin
      for (int m = 0; m < MAXMAPS; m++) begin
        m_type[m] <= 2'd0; m_count[m] <= 32'd0; m_coll[m] <= 64'd0; m_clk[m] <= 32'd0;
      end
      o_insert_fail <= 32'd0;
    end else begin
      if (en && t5.valid) begin
        if (c_cnt_inc) m_count[t5.mid] <= m_count[t5.mid] + 32'd1;
        if (c_cnt_dec) m_count[t5.mid] <= m_count[t5.mid] - 32'd1;
        if (c_coll) m_coll[t5.mid] <= m_coll[t5.mid] + 64'd1;
        if (c_use) m_clk[t5.mid] <= m_clk[t5.mid] + 32'd1;
        if (c_insfail) o_insert_fail <= o_insert_fail + 32'd1;
      end
      if (cfg_we) begin
        m_type[cfg_map] <= cfg_type; m_count[cfg_map] <= 32'd0; m_coll[cfg_map] <= 64'd0;
        m_clk[cfg_map] <= 32'd0;
      end
      if (clr)                              // the CAM empties with the memory
        for (int m = 0; m < MAXMAPS; m++) if (m_type[m] == 2'd3) m_count[m] <= 32'd0;
    end
    if (cfg_we) begin
      m_ksz[cfg_map] <= cfg_ksz; m_vsz[cfg_map] <= cfg_vsz; m_maxe[cfg_map] <= cfg_maxe;
      m_buckets[cfg_map] <= {1'b0, cfg_buckets[30:0]}; m_base[cfg_map] <= cfg_base;
      m_lru[cfg_map] <= cfg_type == 2'd2 && cfg_buckets[31];
      m_sub[cfg_map] <= (AW + 1)'(64'(cfg_buckets[30:0]) * 64'(ewords(cfg_type, cfg_ksz, cfg_vsz)) * 64'd4);
    end
  end
  always_comb
    for (int m = 0; m < MAXMAPS; m++) begin
      o_collisions[64*m +: 64] = m_coll[m];
      o_count[32*m +: 32] = m_type[m] == 2'd1 ? m_maxe[m] : m_count[m];
    end

  // --------------------------------------------------------------- results
  localparam int RW = 1 + TAGW + 3 + 1 + 32 + 128 + 64 * KW + 64 * VW + 64 * EWM;
  logic [RW-1:0] res_c;
  assign res_c = {t5.valid, t5.tag, t5.op, c_found, c_rc, c_words, c_key, c_val, line};
  logic [RW*(REGS-5)-1:0] rq;
  always_ff @(posedge clk) begin
    if (rst) begin
      for (int k = 0; k < REGS - 5; k++) rq[RW*k + RW - 1] <= 1'b0;
    end else if (en) begin
      rq[RW-1] <= res_c[RW-1];
      for (int k = 1; k < REGS - 5; k++) rq[RW*k + RW - 1] <= rq[RW*(k-1) + RW - 1];
    end
    if (en) begin                           // results load with their valid bit only
      if (res_c[RW-1]) rq[RW-2:0] <= res_c[RW-2:0];
      for (int k = 1; k < REGS - 5; k++)
        if (rq[RW*(k-1) + RW - 1]) rq[RW*k +: RW-1] <= rq[RW*(k-1) +: RW-1];
    end
  end
  assign {o_valid, o_tag, o_op, o_found, o_rc, o_words, o_key, o_val, o_raw} = rq[RW*(REGS-6) +: RW];

  generate
    if (REGS < 6) begin : g_bad_regs
      $error("sluice_map: REGS must be at least 6");
    end
  endgenerate
endmodule
