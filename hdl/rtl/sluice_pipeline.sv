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
//   map m configuration           0x4000 + 2m + w (maps: not banked)
//     w = 1: buckets [31:0], base word address [63:32]
//     w = 0: key bytes [7:0], value bytes [17:8], type [19:18] (0 none,
//            1 array, 2 hash, 3 LPM trie), map stage [31:24] (0xff unbound),
//            max_entries [63:32]; this write takes effect
//   clear every map memory        0x4100        (map_busy until done)
// Two banks (pm_bank); each packet runs with the bank it entered with.
//
// Host map port (docs/rtl.md "Map unit"): hp_req with in_valid = 0 sends a
// bubble down the pipeline; in the F cycle of the map's stage the bubble
// issues hp_op on hp_map (sluice_map's transactions: 0 lookup, 1 update
// with hp_flags, 2 delete, 3 read way hp_arg, 4 raw words at hp_arg), so a
// host operation is ordered with the packets around it. hp_busy from hp_req
// until hp_done, which comes with the results (hp_found, hp_rc, hp_rkey,
// hp_rval, hp_rraw).
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
  output logic [31:0] out_redirect, output logic out_fault,
  output logic        map_busy,
  input  logic        hp_req, input logic [2:0] hp_op, input logic [2:0] hp_map,
  input  logic [1:0]  hp_flags, input logic [31:0] hp_arg,
  input  logic [511:0] hp_key, input logic [2047:0] hp_val,
  output logic        hp_busy, output logic hp_done, output logic hp_found,
  output logic [31:0] hp_rc, output logic [511:0] hp_rkey, output logic [2047:0] hp_rval,
  output logic [64*(1 + 8 + 32)-1:0] hp_rraw
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

  // The header window's source for stage k's reader: the output of the
  // last VLD stage before k (index v + 1), or the extractor's (index 0).
  // c_window[j] is valid only at those indices.
  function automatic int win_src(input int k);
    win_src = 0;
    for (int j = 0; j < k; j++)
      if (SLUICE_VREAD_STAGE_MASK[j]) win_src = j + 1;
  endfunction

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

  // ------------------------------------------------------------- map units
  // Map issue ports of every stage (only map stages drive them).
  /* verilator lint_off UNUSEDSIGNAL */
  logic [S-1:0] m_valid, m_ins;
  logic [S*3-1:0] m_op, m_map;
  logic [S*512-1:0] m_key, m_val;
  logic [S*2-1:0] m_flags, m_r_en, m_r_w;
  logic [S*8-1:0] m_w0;
  logic [S*6-1:0] m_r_op;
  logic [S*10-1:0] m_r_word;
  logic [S*128-1:0] m_r_opnd;
  logic [S*16-1:0] m_tag;
  /* verilator lint_on UNUSEDSIGNAL */

  // Configuration: map -> its stage; one write goes to every unit (the
  // others see the map as unbound).
  /* verilator lint_off UNUSEDSIGNAL */
  logic [63:0] cfg_w1;                      // base bits past the memory's
  /* verilator lint_on UNUSEDSIGNAL */
  logic cfg_we, cfg_clr;
  logic [2:0] cfg_map;
  logic [7:0] map_stage [8];
  assign cfg_we = pm_we && pm_addr[15:4] == 12'h400 && !pm_addr[0];
  assign cfg_map = pm_addr[3:1];
  assign cfg_clr = pm_we && pm_addr == 16'h4100;
  always_ff @(posedge clk) begin
    if (rst) begin
      for (int m = 0; m < 8; m++) map_stage[m] <= 8'hff;
    end else if (cfg_we) begin
      map_stage[cfg_map] <= pm_wdata[31:24];
    end
    if (pm_we && pm_addr[15:4] == 12'h400 && pm_addr[0]) cfg_w1 <= pm_wdata;
  end

  // The host bubble: hp_req at the input, at stage s's F cycle
  // parser_cycles + 3 s + 1 advancing cycles later.
  localparam int HOPN = SLUICE_PARSER_CYCLES + SLUICE_CYCLES_PER_STAGE * S + 1;
  logic [HOPN:1] hopq;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [HOPN:1] hop_kill;                  // the last position has no stage
  /* verilator lint_on UNUSEDSIGNAL */
  logic hop0, hop_req, hop_unbound;
  logic [7:0] hp_stage_q;                   // the stage the bubble's op runs in
  logic [2:0] hp_op_q, hp_map_q;
  logic [1:0] hp_flags_q;
  logic [31:0] hp_arg_q;
  logic [511:0] hp_key_q;
  logic [2047:0] hp_val_q;
  assign hop_req = hp_req && !hp_busy && en;
  assign hop_unbound = map_stage[hp_map] == 8'hff;
  assign hop0 = hop_req && !hop_unbound;
  // The bubble stops at its stage (a later host op may target a later stage).
  always_comb begin
    hop_kill = '0;
    for (int k = 0; k < S; k++)
      if (SLUICE_UNIT_MAP_STAGE_MASK[k] && 32'(hp_stage_q) == k)
        hop_kill[SLUICE_PARSER_CYCLES + SLUICE_CYCLES_PER_STAGE * k + 1] = 1'b1;
  end
  always_ff @(posedge clk) begin
    if (rst) hopq[HOPN:1] <= '0;
    else if (en) hopq <= {hopq[HOPN-1:1] & ~hop_kill[HOPN-1:1], hop0};
    if (hop0) begin
      hp_stage_q <= map_stage[hp_map];
      hp_op_q <= hp_op; hp_map_q <= hp_map; hp_flags_q <= hp_flags; hp_arg_q <= hp_arg;
      hp_key_q <= hp_key; hp_val_q <= hp_val;
    end
  end
  logic [S-1:0] mr_host, mr_busy;
  logic [S*32-1:0] mr_hrc;
  logic [S*512-1:0] mr_hkey;
  logic [S*2048-1:0] mr_hval;
  logic [S*64*41-1:0] mr_hraw;
  logic [S-1:0] mr_hfound;
  always_ff @(posedge clk) begin
    if (rst) begin
      hp_busy <= 1'b0; hp_done <= 1'b0;
    end else begin
      hp_done <= 1'b0;
      if (hop0) hp_busy <= 1'b1;
      if (hop_req && hop_unbound) hp_done <= 1'b1;   // no such map here: -EINVAL at once
      if (en && mr_host != '0) begin
        hp_busy <= 1'b0; hp_done <= 1'b1;
      end
    end
    if (hop_req && hop_unbound) begin
      hp_found <= 1'b0; hp_rc <= 32'hffffffea; hp_rkey <= '0; hp_rval <= '0; hp_rraw <= '0;
    end
    if (en)
      for (int k = 0; k < S; k++)
        if (mr_host[k]) begin
          hp_found <= mr_hfound[k]; hp_rc <= mr_hrc[32*k +: 32];
          hp_rkey <= mr_hkey[512*k +: 512]; hp_rval <= mr_hval[2048*k +: 2048];
          hp_rraw <= mr_hraw[64*41*k +: 64*41];
        end
  end
  assign map_busy = mr_busy != '0;

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
      localparam int MSRC = k - (MAP_STAGES - 1);
      localparam bit HAS_MRET = (MSRC >= 0) && SLUICE_UNIT_MAP_STAGE_MASK[MSRC >= 0 ? MSRC : 0];
      logic mr_valid, mr_found;
      logic [15:0] mr_tag;
      logic [31:0] mr_rc;
      logic [127:0] mr_words;
      if (HAS_MRET) begin : g_map
        localparam int SI = MSRC >= 0 ? MSRC : 0;
        logic hop, ivalid;
        logic [2:0] iop, imap;
        logic [511:0] ikey;
        logic [2047:0] ival;
        logic [1:0] iflags, iren;
        logic [31:0] iarg;
        logic [15:0] itag;
        logic [2:0] o_op;
        logic [511:0] o_key;
        logic [2047:0] o_val;
        logic [64*41-1:0] o_raw;
        /* verilator lint_off UNUSEDSIGNAL */
        logic [31:0] o_insert_fail;
        logic [64*8-1:0] o_coll;
        logic [32*8-1:0] o_count;
        /* verilator lint_on UNUSEDSIGNAL */
        assign hop = hopq[SLUICE_PARSER_CYCLES + SLUICE_CYCLES_PER_STAGE * SI + 1]
                     && hp_stage_q == 8'(SI);
        assign ivalid = hop || m_valid[SI];
        assign iop = hop ? hp_op_q : m_op[3*SI +: 3];
        assign imap = hop ? hp_map_q : m_map[3*SI +: 3];
        assign ikey = hop ? hp_key_q : m_key[512*SI +: 512];
        assign ival = hop ? hp_val_q : {1536'd0, m_val[512*SI +: 512]};
        assign iflags = hop ? hp_flags_q : m_flags[2*SI +: 2];
        assign iarg = hop ? hp_arg_q : 32'd0;
        assign iren = hop ? 2'd0 : m_r_en[2*SI +: 2];
        assign itag = hop ? 16'h8000 : m_tag[16*SI +: 16];
        sluice_map #(.REGS(MAP_REGS), .MEM_WORDS(MAP_MEM_WORDS), .MAXMAPS(8),
                     .KEYB(SLUICE_MAX_KEY_BYTES), .VALB(SLUICE_MAX_VALUE_BYTES), .TAGW(16),
                     .LPM_ROWS(SLUICE_LPM_STAGE_MASK[SI] ? SLUICE_LPM_ROWS : 0), .LPM_DB(SLUICE_LPM_DATA_BYTES),
                     .LPM_VB(SLUICE_LPM_VALUE_BYTES)) u_map (
          .clk(clk), .rst(rst), .en(en),
          .cfg_we(cfg_we), .cfg_map(cfg_map),
          .cfg_type(pm_wdata[31:24] == 8'(SI) ? pm_wdata[19:18] : 2'd0),
          .cfg_ksz(pm_wdata[7:0]), .cfg_vsz(pm_wdata[17:8]), .cfg_maxe(pm_wdata[63:32]),
          .cfg_buckets(cfg_w1[31:0]), .cfg_base(cfg_w1[32 +: $clog2(MAP_MEM_WORDS + 1)]),
          .clr(cfg_clr), .clr_busy(mr_busy[k]),
          .i_valid(ivalid), .i_op(iop), .i_map(imap),
          .i_key(ikey), .i_val(ival), .i_flags(iflags), .i_ins(!hop && m_ins[SI]),
          .i_w0(m_w0[8*SI +: 8]), .i_arg(iarg),
          .i_r_en(iren), .i_r_w(m_r_w[2*SI +: 2]), .i_r_op(m_r_op[6*SI +: 6]),
          .i_r_word(m_r_word[10*SI +: 10]), .i_r_opnd(m_r_opnd[128*SI +: 128]), .i_tag(itag),
          .o_valid(mr_valid), .o_tag(mr_tag), .o_op(o_op), .o_found(mr_found), .o_rc(mr_rc),
          .o_words(mr_words), .o_key(o_key), .o_val(o_val), .o_raw(o_raw),
          .o_insert_fail(o_insert_fail), .o_collisions(o_coll), .o_count(o_count));
        assign mr_host[k] = mr_valid && mr_tag[15];
        assign mr_hfound[k] = mr_found;
        assign mr_hrc[32*k +: 32] = mr_rc;
        assign mr_hkey[512*k +: 512] = o_key;
        assign mr_hval[2048*k +: 2048] = o_val;
        assign mr_hraw[64*41*k +: 64*41] = o_raw;
        /* verilator lint_off UNUSEDSIGNAL */
        logic unused_mop;
        assign unused_mop = ^o_op;
        /* verilator lint_on UNUSEDSIGNAL */
      end else begin : g_no_map
        assign mr_valid = 1'b0; assign mr_found = 1'b0; assign mr_tag = 16'd0;
        assign mr_rc = 32'd0; assign mr_words = '0;
        assign mr_host[k] = 1'b0; assign mr_busy[k] = 1'b0; assign mr_hfound[k] = 1'b0;
        assign mr_hrc[32*k +: 32] = 32'd0; assign mr_hkey[512*k +: 512] = '0;
        assign mr_hval[2048*k +: 2048] = '0; assign mr_hraw[64*41*k +: 64*41] = '0;
      end
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
      // The header window: only VLD stages read it; it reaches them (and
      // the deparser) through one delay line from the previous reader.
      logic [WIN_VEC-1:0] win_k;
      if (SLUICE_VREAD_STAGE_MASK[k]) begin : g_win
        localparam int Q = win_src(k);
        sluice_delay #(.W(WIN_VEC), .D(3 * (k - Q))) u_win (
          .clk(clk), .en(en), .i_d(c_window[WIN_VEC*(Q) +: WIN_VEC]), .o_d(win_k));
      end else begin : g_no_win
        assign win_k = '0;
      end
      sluice_stage #(.TAG_BITS(TAG_BITS), .STAGE(k), .HAS_RET(HAS_RET), .HAS_MRET(HAS_MRET)) u_stage (
        .clk(clk), .rst(rst), .en(en),
        .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata),
        .i_valid(c_valid[k]), .i_bank(c_bank[k]), .i_tag(c_tag[TAG_BITS*(k) +: TAG_BITS]), .i_len(c_len[16*(k) +: 16]),
        .i_window(win_k), .i_slots(c_slots[SLOT_VEC*(k) +: SLOT_VEC]), .i_preds(c_preds[NPRED*(k) +: NPRED]),
        .i_verdict(c_verdict[32*(k) +: 32]), .i_redirect(c_redirect[32*(k) +: 32]), .i_head(c_head[HT*(k) +: HT]),
        .i_tail(c_tail[HT*(k) +: HT]), .i_fault(c_fault[k]),
        .o_valid(c_valid[k + 1]), .o_bank(c_bank[k + 1]), .o_tag(c_tag[TAG_BITS*(k + 1) +: TAG_BITS]), .o_len(c_len[16*(k + 1) +: 16]),
        .o_window(c_window[WIN_VEC*(k + 1) +: WIN_VEC]), .o_slots(c_slots[SLOT_VEC*(k + 1) +: SLOT_VEC]), .o_preds(c_preds[NPRED*(k + 1) +: NPRED]),
        .o_verdict(c_verdict[32*(k + 1) +: 32]), .o_redirect(c_redirect[32*(k + 1) +: 32]), .o_head(c_head[HT*(k + 1) +: HT]),
        .o_tail(c_tail[HT*(k + 1) +: HT]), .o_fault(c_fault[k + 1]),
        .u_valid(u_valid[k]), .u_op(u_op[6*(k) +: 6]), .u_w(u_w[k]), .u_dst(u_dst[5*(k) +: 5]),
        .u_a(u_a[64*(k) +: 64]), .u_b(u_b[64*(k) +: 64]),
        .r_valid(r_valid), .r_dst(r_dst), .r_wide(r_wide), .r_value(r_value),
        .m_valid(m_valid[k]), .m_op(m_op[3*k +: 3]), .m_map(m_map[3*k +: 3]),
        .m_key(m_key[512*k +: 512]), .m_val(m_val[512*k +: 512]), .m_flags(m_flags[2*k +: 2]),
        .m_ins(m_ins[k]), .m_w0(m_w0[8*k +: 8]), .m_r_en(m_r_en[2*k +: 2]), .m_r_w(m_r_w[2*k +: 2]),
        .m_r_op(m_r_op[6*k +: 6]), .m_r_word(m_r_word[10*k +: 10]), .m_r_opnd(m_r_opnd[128*k +: 128]),
        .m_tag(m_tag[16*k +: 16]),
        .mr_valid(mr_valid), .mr_tag(mr_tag), .mr_found(mr_found), .mr_rc(mr_rc), .mr_words(mr_words));
    end
  endgenerate

  logic [WIN_VEC-1:0] win_dep;
  sluice_delay #(.W(WIN_VEC), .D(3 * (S - win_src(S)))) u_win_dep (
    .clk(clk), .en(en), .i_d(c_window[WIN_VEC*(win_src(S)) +: WIN_VEC]), .o_d(win_dep));
  sluice_deparser #(.TAG_BITS(TAG_BITS)) u_deparser (
    .clk(clk), .rst(rst), .en(en),
    .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata[31:0]),
    .i_valid(c_valid[S]), .i_bank(c_bank[S]), .i_tag(c_tag[TAG_BITS*(S) +: TAG_BITS]), .i_len(c_len[16*(S) +: 16]),
    .i_window(win_dep), .i_slots(c_slots[SLOT_VEC*(S) +: SLOT_VEC]), .i_preds(c_preds[NPRED*(S) +: NPRED]),
    .i_verdict(c_verdict[32*(S) +: 32]), .i_redirect(c_redirect[32*(S) +: 32]), .i_head(c_head[HT*(S) +: HT]),
    .i_tail(c_tail[HT*(S) +: HT]), .i_fault(c_fault[S]),
    .out_valid(out_valid), .out_tag(out_tag), .out_buf(out_buf), .out_len(out_len),
    .out_head(out_head), .out_tail(out_tail), .out_verdict(out_verdict),
    .out_redirect(out_redirect), .out_fault(out_fault));
endmodule
