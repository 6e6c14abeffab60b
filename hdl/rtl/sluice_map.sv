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
//             dumps; o_val holds the first VW words, o_key the next KW... see
//             o_raw).
// Unknown mid (not configured): rc -EINVAL.
//
// Memory: MEM_WORDS 64-bit words; a map's entries sit at word base + n*ew
// (ew = entry words: arrays ceil(value/8); hash maps 1 + ceil(key/8) +
// ceil(value/8): header word (1 = valid), key, value, zero padded; a free
// way is all zeros). Hash rows: sub-table 0's buckets, sub-table 1's, 4 ways
// each, then the 8 stash entries. The memory is NB = 4 * EWM banks of 64-bit
// words, word a in bank a mod NB, so one read returns a whole bucket at any
// word address; it is held twice (copy A reads bucket 0, copy B bucket 1),
// both written alike. The stash is also held as a CAM (one LUT-RAM per
// stash entry, indexed by mid id, read asynchronously at commit).
//
// Pipeline (REGS >= 6 registers from issue to o_*):
//   issue (comb)  key and value masked to the map's sizes; CRC-32, CRC-32C
//   r1            bucket_t = (h_t * buckets) >> 32; array / way range checks
//   r2            word addresses of the two buckets (or the entry)
//   r3            bank rows; the memory registers its output     (read)
//   r4            memory output register
//   r5 (commit)   rotate, forward the writes of the FWD = 2 transactions
//                 whose commits the read did not see, compare keys, decide,
//                 RMW, write one entry (memory copies, stash CAM, counts)
//   r6..REGS      result registers
// en = 0 holds everything (a global stall), as in every unit.
module sluice_map #(
  parameter int REGS = 7,
  parameter int MEM_WORDS = 104856,
  parameter int MAXMAPS = 8,
  parameter int KEYB = 64,                  // max key bytes
  parameter int VALB = 256,                 // max value bytes
  parameter int TAGW = 16,
  localparam int KW = (KEYB + 7) / 8,
  localparam int VW = (VALB + 7) / 8,
  localparam int EWM = 1 + KW + VW,         // max entry words
  localparam int AW = $clog2(MEM_WORDS + 1),
  localparam int MB = (MAXMAPS > 1) ? $clog2(MAXMAPS) : 1
) (
  input  logic clk, input logic rst, input logic en,
  // configuration of mid cfg_map (type 0 none, 1 array, 2 hash); resets its
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
  localparam int NB = 4 * EWM;
  localparam int DEPTH = (MEM_WORDS + NB - 1) / NB + 1;
  localparam int RB = $clog2(DEPTH);
  localparam int NS = 8;                    // stash entries
  localparam int SW = 1 + 64 * KW + 64 * VW;
  localparam logic [31:0] ENOENT = 32'hfffffffe, EEXIST = 32'hffffffef,
                          E2BIG = 32'hfffffff9, EINVAL = 32'hffffffea;
  localparam logic [2:0] OP_LOOKUP = 3'd0, OP_UPDATE = 3'd1, OP_DELETE = 3'd2,
                         OP_READWAY = 3'd3, OP_RAW = 3'd4;

  // ------------------------------------------------------------ configuration
  logic [1:0] m_type [MAXMAPS];
  logic [7:0] m_ksz [MAXMAPS];
  logic [9:0] m_vsz [MAXMAPS];
  logic [31:0] m_maxe [MAXMAPS];
  logic [31:0] m_buckets [MAXMAPS];
  logic [AW-1:0] m_base [MAXMAPS];
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
  logic [8*KEYB-1:0] key_m;
  logic [64*VW-1:0] val_m;
  logic [31:0] h0_c, h1_c;
  always_comb begin
    logic [31:0] c0, c1;
    logic [7:0] ks;
    logic [9:0] vs;
    ks = m_ksz[i_map];
    vs = m_vsz[i_map];
    for (int j = 0; j < KEYB; j++)
      key_m[8*j +: 8] = (32'(j) < 32'(ks)) ? i_key[8*j +: 8] : 8'd0;
    for (int j = 0; j < 8 * VW; j++)
      val_m[8*j +: 8] = (32'(j) < 32'(vs)) ? i_val[8*j +: 8] : 8'd0;
    c0 = 32'hffffffff;
    c1 = 32'hffffffff;
    for (int j = 0; j < KEYB; j++) begin
      if (32'(j) < 32'(ks)) begin
        c0 = c0 ^ {24'd0, key_m[8*j +: 8]};
        c1 = c1 ^ {24'd0, key_m[8*j +: 8]};
        for (int b = 0; b < 8; b++) begin
          c0 = (c0 >> 1) ^ (32'hEDB88320 & {32{c0[0]}});
          c1 = (c1 >> 1) ^ (32'h82F63B78 & {32{c1[0]}});
        end
      end
    end
    h0_c = ~c0;
    h1_c = ~c1;
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

  // r1: hashes
  logic [31:0] h0_1, h1_1;
  // r2: buckets, range checks
  logic [31:0] b0_2, b1_2;
  logic inrange_2, stash_2;
  logic [2:0] sidx_2;
  // r3: addresses
  logic [AW-1:0] aA_3, aB_3;
  logic inrange_3, stash_3;
  logic [2:0] sidx_3;
  // r4, r5: carried to the commit
  logic [AW-1:0] aA_4, aB_4, aA_5, aB_5;
  logic inrange_4, stash_4, inrange_5, stash_5;
  logic [2:0] sidx_4, sidx_5;

  always_ff @(posedge clk) begin
    if (rst) begin
      t1.valid <= 1'b0; t2.valid <= 1'b0; t3.valid <= 1'b0; t4.valid <= 1'b0; t5.valid <= 1'b0;
    end else if (en) begin
      t1.valid <= t0.valid; t2.valid <= t1.valid; t3.valid <= t2.valid;
      t4.valid <= t3.valid; t5.valid <= t4.valid;
    end
    if (en) begin
      t1[TXW-2:0] <= t0[TXW-2:0];
      t2[TXW-2:0] <= t1[TXW-2:0];
      t3[TXW-2:0] <= t2[TXW-2:0];
      t4[TXW-2:0] <= t3[TXW-2:0];
      t5[TXW-2:0] <= t4[TXW-2:0];
    end
  end

  // r1
  always_ff @(posedge clk)
    if (en) begin h0_1 <= h0_c; h1_1 <= h1_c; end

  // r2: buckets; array index / way ranges
  always_ff @(posedge clk) begin
    if (en) begin
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

  // r3: word addresses
  always_ff @(posedge clk) begin
    if (en) begin
      logic [63:0] ew, base, idx;
      ew = 64'(ewords(m_type[t2.mid], m_ksz[t2.mid], m_vsz[t2.mid]));
      base = 64'(m_base[t2.mid]);
      idx = (t2.op == OP_READWAY || t2.op == OP_RAW) ? 64'(t2.arg) : 64'(t2.key[31:0]);
      if (t2.op == OP_RAW) begin
        aA_3 <= AW'(idx);
        aB_3 <= AW'(idx);
      end else if (m_type[t2.mid] == 2'd2 && t2.op != OP_READWAY) begin
        aA_3 <= AW'(base + (64'(b0_2) << 2) * ew);
        aB_3 <= AW'(base + ((64'(m_buckets[t2.mid]) + 64'(b1_2)) << 2) * ew);
      end else begin                         // array entry, or READWAY's way
        aA_3 <= AW'(base + idx * ew);
        aB_3 <= AW'(base + idx * ew);
      end
      inrange_3 <= inrange_2; stash_3 <= stash_2; sidx_3 <= sidx_2;
    end
  end

  // ------------------------------------------------------------------ memory
  logic [AW-1:0] rd_a, rd_b;                 // word addresses read (r3)
  assign rd_a = aA_3;
  assign rd_b = aB_3;
  logic [AW-1:0] rowA, rowB, rowW;
  logic [RB-1:0] rowC;
  logic [$clog2(NB)-1:0] offA, offB, offW, offA_4, offB_4, offA_5, offB_5;
  assign rowA = rd_a / AW'(NB);
  assign offA = $clog2(NB)'(rd_a % AW'(NB));
  assign rowB = rd_b / AW'(NB);
  assign offB = $clog2(NB)'(rd_b % AW'(NB));

  // commit's write (one entry): w_en, w_addr, w_data (EWM words), w_ew
  logic w_en;
  logic [AW-1:0] w_addr;
  logic [64*EWM-1:0] w_data;
  logic [7:0] w_ew;
  assign rowW = w_addr / AW'(NB);
  assign offW = $clog2(NB)'(w_addr % AW'(NB));

  // clear engine
  logic [RB:0] clr_row;
  assign clr_busy = clr_row != '0;
  assign rowC = RB'(clr_row - 1'b1);

  logic [64*NB-1:0] qA, qB, qA2, qB2;        // bank outputs (r4), second register (r5)
  generate
    for (genvar b = 0; b < NB; b++) begin : g_bank
      logic [63:0] memA [DEPTH];
      logic [63:0] memB [DEPTH];
      logic [RB-1:0] ra, rb, wr;
      logic [$clog2(NB)-1:0] wj;
      logic we;
      logic [63:0] wd;
      assign ra = RB'(rowA + ((32'(b) < 32'(offA)) ? AW'(1) : AW'(0)));
      assign rb = RB'(rowB + ((32'(b) < 32'(offB)) ? AW'(1) : AW'(0)));
      always_comb begin
        logic [31:0] j;
        j = (32'(b) + 32'(NB) - 32'(offW)) % 32'(NB);
        wj = $clog2(NB)'(j);
        we = w_en && j < 32'(w_ew);
        wr = RB'(rowW + ((32'(b) < 32'(offW)) ? AW'(1) : AW'(0)));
        wd = w_data[64 * (j < 32'(EWM) ? j : 0) +: 64];
        if (clr_busy) begin
          we = 1'b1;
          wr = rowC;
          wd = 64'd0;
        end
      end
      always_ff @(posedge clk) begin
        if (en || clr_busy) begin
          if (we) begin
            memA[wr] <= wd;
            memB[wr] <= wd;
          end
        end
        if (en) begin
          qA[64*b +: 64] <= memA[ra];
          qB[64*b +: 64] <= memB[rb];
        end
      end
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused_wj;
      assign unused_wj = ^wj;
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  always_ff @(posedge clk) begin
    if (en) begin
      qA2 <= qA; qB2 <= qB;
      offA_4 <= offA; offB_4 <= offB; offA_5 <= offA_4; offB_5 <= offB_4;
      aA_4 <= aA_3; aB_4 <= aB_3; aA_5 <= aA_4; aB_5 <= aB_4;
      inrange_4 <= inrange_3; stash_4 <= stash_3; sidx_4 <= sidx_3;
      inrange_5 <= inrange_4; stash_5 <= stash_4; sidx_5 <= sidx_4;
    end
  end

  // ------------------------------------------------------------------ commit
  // The bucket words from the read address on (rotation of the banks).
  logic [64*NB-1:0] dA, dB;
  always_comb begin
    for (int j = 0; j < NB; j++) begin
      int ka, kb;
      ka = (32'(offA_5) + j) % NB;
      kb = (32'(offB_5) + j) % NB;
      dA[64*j +: 64] = qA2[64*ka +: 64];
      dB[64*j +: 64] = qB2[64*kb +: 64];
    end
  end

  // Forwarding: the writes of the two previous commits (fw 0 the newest).
  logic [1:0] fw_v;
  logic [AW-1:0] fw_a [2];
  logic [64*EWM-1:0] fw_d [2];

  // The 8 ways of the two buckets (ways 0..3 of A, 4..7 of B), forwarded.
  logic [7:0] ew_c, kw_c, vw_c;
  logic [1:0] ty_c;
  logic [64*EWM-1:0] way_e [8];
  logic [AW-1:0] way_a [8];
  always_comb begin
    ty_c = m_type[t5.mid];
    kw_c = kwords(m_ksz[t5.mid]);
    vw_c = vwords(m_vsz[t5.mid]);
    ew_c = ewords(ty_c, m_ksz[t5.mid], m_vsz[t5.mid]);
    for (int w = 0; w < 8; w++) begin
      logic [31:0] off;
      off = 32'(w % 4) * 32'(ew_c);
      way_a[w] = (w < 4 ? aA_5 : aB_5) + AW'(off);
      for (int j = 0; j < EWM; j++)
        way_e[w][64*j +: 64] = (32'(j) < 32'(ew_c))
            ? (w < 4 ? dA[64 * (off + 32'(j)) +: 64] : dB[64 * (off + 32'(j)) +: 64]) : 64'd0;
      for (int f = 1; f >= 0; f--)
        if (fw_v[f] && fw_a[f] == way_a[w]) way_e[w] = fw_d[f];
    end
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
  logic [SW-1:0] c_st_rec;                  // {value, key, valid}
  logic [31:0] c_rc;
  logic [64*KW-1:0] c_key;
  logic [64*VW-1:0] c_val;
  logic [64*EWM-1:0] c_entry, c_raw;
  logic [AW-1:0] c_addr;
  logic [127:0] c_words;
  logic [64*KW-1:0] qkey;
  assign qkey = (64 * KW)'(t5.key);

  always_comb begin
    logic [7:0] hit;
    logic [NS-1:0] shit, sfree;
    logic [3:0] n0, n1;
    logic found;
    logic [AW-1:0] at;
    logic in_stash;
    logic [2:0] sat;
    logic [64*VW-1:0] oldv, newv, vmask;
    logic [64*KW-1:0] ekey;
    logic ins;
    logic [31:0] cnt;
    logic [64*EWM-1:0] ent;
    int wi, wd;
    logic [63:0] ra, rb, rres;
    wi = 0; wd = 0; ra = '0; rb = '0; rres = '0; newv = '0;
    c_found = 1'b0; c_wr = 1'b0; c_st_we = 1'b0; c_cnt_inc = 1'b0; c_cnt_dec = 1'b0;
    c_coll = 1'b0; c_insfail = 1'b0; c_st_idx = 3'd0; c_rc = 32'd0;
    c_key = '0; c_val = '0; c_entry = '0; c_addr = way_a[0]; c_words = '0;
    c_raw = '0;
    for (int j = 0; j < EWM; j++) c_raw[64*j +: 64] = dA[64*j +: 64];
    c_st_rec = '0;
    cnt = m_count[t5.mid];
    for (int j = 0; j < VW; j++)
      vmask[64*j +: 64] = '0;
    for (int j = 0; j < 8 * VW; j++)
      vmask[8*j +: 8] = (32'(j) < 32'(m_vsz[t5.mid])) ? 8'hff : 8'h00;

    // find
    for (int w = 0; w < 8; w++)
      hit[w] = way_e[w][0] && e_key(way_e[w], kw_c) == qkey;
    for (int s = 0; s < NS; s++) begin
      shit[s] = st_e[s][0] && st_e[s][1 +: 64 * KW] == qkey;
      sfree[s] = !st_e[s][0];
    end
    n0 = 4'(way_e[0][0]) + 4'(way_e[1][0]) + 4'(way_e[2][0]) + 4'(way_e[3][0]);
    n1 = 4'(way_e[4][0]) + 4'(way_e[5][0]) + 4'(way_e[6][0]) + 4'(way_e[7][0]);
    found = 1'b0; at = way_a[0]; in_stash = 1'b0; sat = 3'd0;
    ent = way_e[0];
    for (int w = 7; w >= 0; w--)
      if (hit[w]) begin found = 1'b1; at = way_a[w]; ent = way_e[w]; in_stash = 1'b0; end
    if (!found)
      for (int s = NS - 1; s >= 0; s--)
        if (shit[s]) begin
          found = 1'b1; in_stash = 1'b1; sat = 3'(s);
          ent = mk_entry(2'd2, kw_c, vw_c, st_e[s][1 +: 64 * KW], st_e[s][1 + 64 * KW +: 64 * VW]);
          at = way_a[0];
        end
    if (ty_c != 2'd2) begin                  // array: the one entry read
      found = inrange_5;
      ent = way_e[0];
      at = way_a[0];
    end
    if (in_stash)
      at = m_base[t5.mid] + AW'((64'(m_buckets[t5.mid]) * 64'd8 + 64'(sat)) * 64'(ew_c));
    ekey = e_key(ent, kw_c);
    oldv = e_val(ent, ty_c, kw_c, vw_c);

    // placement of a new key: the less full bucket (ties: bucket 0), its
    // lowest free way; else the lowest free stash entry
    ins = 1'b0;
    begin
      logic [AW-1:0] pa;
      logic placed, ps;
      logic [2:0] pst;
      placed = 1'b0; ps = 1'b0; pst = 3'd0; pa = way_a[0];
      if (n0 < 4'd4 || n1 < 4'd4) begin
        for (int w = 3; w >= 0; w--) begin
          if (n1 < n0) begin
            if (!way_e[4 + w][0]) begin placed = 1'b1; pa = way_a[4 + w]; end
          end else begin
            if (!way_e[w][0]) begin placed = 1'b1; pa = way_a[w]; end
          end
        end
      end else begin
        for (int s = NS - 1; s >= 0; s--)
          if (sfree[s]) begin
            placed = 1'b1; ps = 1'b1; pst = 3'(s);
            pa = m_base[t5.mid] + AW'((64'(m_buckets[t5.mid]) * 64'd8 + 64'(s)) * 64'(ew_c));
          end
      end

      if (t5.valid) begin
        if (ty_c == 2'd0) begin
          c_rc = EINVAL;
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
              if (found && t5.r_en != 2'b00) begin
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
                c_wr = 1'b1; c_addr = at;
                c_entry = mk_entry(ty_c, kw_c, vw_c, ekey, newv);
                if (in_stash) begin c_st_we = 1'b1; c_st_idx = sat; c_st_rec = {newv, ekey, 1'b1}; end
              end
              if (!found && t5.ins && ty_c == 2'd2) begin
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
                  c_wr = 1'b1; c_addr = at;
                  c_entry = mk_entry(ty_c, kw_c, vw_c, '0, t5.val);
                end
              end else if (found) begin
                if (t5.flags == 2'd1) c_rc = EEXIST;
                else begin
                  c_wr = 1'b1; c_addr = at;
                  c_entry = mk_entry(ty_c, kw_c, vw_c, qkey, t5.val);
                  if (in_stash) begin c_st_we = 1'b1; c_st_idx = sat; c_st_rec = {t5.val, qkey, 1'b1}; end
                end
              end else if (t5.flags == 2'd2) c_rc = ENOENT;
              else if (cnt >= m_maxe[t5.mid]) c_rc = E2BIG;
              else if (!placed) begin c_rc = E2BIG; c_coll = 1'b1; end
              else ins = 1'b1;
            end
            OP_DELETE: begin
              if (ty_c != 2'd2) c_rc = EINVAL;
              else if (!found) c_rc = ENOENT;
              else begin
                c_wr = 1'b1; c_addr = at; c_entry = '0; c_cnt_dec = 1'b1;
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
            default: ;                       // OP_RAW: c_raw
          endcase
          // an insert (UPDATE of a new key, LOOKUP's insert-on-miss)
          if (ins && placed && !(t5.op == OP_LOOKUP && cnt >= m_maxe[t5.mid])) begin
            c_wr = 1'b1; c_addr = pa; c_cnt_inc = 1'b1;
            c_entry = mk_entry(2'd2, kw_c, vw_c, qkey, t5.val);
            if (ps) begin c_st_we = 1'b1; c_st_idx = pst; c_st_rec = {t5.val, qkey, 1'b1}; end
          end
        end
      end
    end
  end

  assign w_en = t5.valid && c_wr && en;
  assign w_addr = c_addr;
  assign w_data = c_entry;
  assign w_ew = ew_c;

  always_ff @(posedge clk) begin
    if (rst) begin
      fw_v <= 2'b00;
      clr_row <= '0;
    end else begin
      if (en) fw_v <= {fw_v[0], w_en};
      if (clr) clr_row <= (RB + 1)'(DEPTH);
      else if (clr_busy) clr_row <= clr_row - 1'b1;
    end
    if (en) begin
      fw_a[1] <= fw_a[0]; fw_d[1] <= fw_d[0];
      fw_a[0] <= w_addr; fw_d[0] <= w_data;
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
        m_type[m] <= 2'd0; m_count[m] <= 32'd0; m_coll[m] <= 64'd0;
      end
      o_insert_fail <= 32'd0;
    end else begin
      if (en && t5.valid) begin
        if (c_cnt_inc) m_count[t5.mid] <= m_count[t5.mid] + 32'd1;
        if (c_cnt_dec) m_count[t5.mid] <= m_count[t5.mid] - 32'd1;
        if (c_coll) m_coll[t5.mid] <= m_coll[t5.mid] + 64'd1;
        if (c_insfail) o_insert_fail <= o_insert_fail + 32'd1;
      end
      if (cfg_we) begin
        m_type[cfg_map] <= cfg_type; m_count[cfg_map] <= 32'd0; m_coll[cfg_map] <= 64'd0;
      end
    end
    if (cfg_we) begin
      m_ksz[cfg_map] <= cfg_ksz; m_vsz[cfg_map] <= cfg_vsz; m_maxe[cfg_map] <= cfg_maxe;
      m_buckets[cfg_map] <= cfg_buckets; m_base[cfg_map] <= cfg_base;
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
  assign res_c = {t5.valid, t5.tag, t5.op, c_found, c_rc, c_words, c_key, c_val, c_raw};
  logic [RW*(REGS-5)-1:0] rq;
  always_ff @(posedge clk) begin
    if (rst) begin
      for (int k = 0; k < REGS - 5; k++) rq[RW*k + RW - 1] <= 1'b0;
    end else if (en) begin
      rq[RW-1:0] <= res_c;
      for (int k = 1; k < REGS - 5; k++) rq[RW*k +: RW] <= rq[RW*(k-1) +: RW];
    end
  end
  assign {o_valid, o_tag, o_op, o_found, o_rc, o_words, o_key, o_val, o_raw} = rq[RW*(REGS-6) +: RW];

  generate
    if (REGS < 6) begin : g_bad_regs
      $error("sluice_map: REGS must be at least 6");
    end
  endgenerate
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_map;
  assign unused_map = ^{rowA, rowB};
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
