// sluice_nic: the NIC shell around the programmable pipeline (docs/sim.md).
//
//   port 0 rx ─┐                       ┌─ packet buffer (bytes past the window) ─┐
//              ├─ arbiter ─ parser ─ pipeline (window + metadata, fixed latency) ─ action ─┬─ egress 0 ─┬─ port 0 tx
//   port 1 rx ─┘                                                                          ├─ egress 1 ─┼─ port 1 tx
//                                                                host rx (tdest = port) ──┼────────────┘
//                                                                                          └─ host tx (XDP_PASS)
//
// Ingress: a packet-level round-robin arbiter between the two ports (no
// cycle lost when it switches), a parser that captures the first WINDOW
// bytes, the length, the port's ifindex and rx queue and the arrival
// timestamp (first beat); the beats past the window go into the packet
// buffer. A frame enters the pipeline with its last beat (its length is known
// then). Frames under 14 bytes (runts) and over MAX_FRAME are dropped and
// counted at ingress; an oversize frame's buffered beats are rolled back.
// The buffer holds BUF_BEATS beats; when it is full the ports are
// back-pressured (tready low), nothing is dropped.
//
// Action: the pipeline's results come out in order; the action stage takes
// one when it is free (otherwise the pipeline holds: en = 0), decides where
// it goes (DROP, ABORTED, faults and other verdicts: counted and discarded;
// PASS: host queue; TX: out of the ingress port; REDIRECT: the port whose
// ifindex register matches, else counted and dropped or, with
// CTRL.REDIR_TO_HOST, sent to the host) and assembles the output: bytes
// [HEADROOM + head, HEADROOM + len + tail) of the pipeline's buffer followed
// by the packet's buffered bytes, realigned onto the bus one beat per cycle,
// grown tail bytes 0. Every output is a FIFO; a stalled output fills its
// FIFO, then holds the action stage, the pipeline and ingress: nothing is
// lost or duplicated and each output keeps the order of the pipeline.
module sluice_nic #(
  parameter int BUF_BEATS = 512,     // packet buffer, bus beats (a power of two)
  parameter int EGRESS_DEPTH = 32,   // beats per output FIFO (a power of two)
  parameter int MAX_FRAME = 9216,    // bytes
  localparam int DW = 512,
  localparam int KW = DW / 8,
  localparam int UW = 40
) (
  input  logic clk, input logic rst,
  // register block, AXI4-Lite
  input  logic [15:0] s_axil_awaddr, input logic s_axil_awvalid, output logic s_axil_awready,
  input  logic [31:0] s_axil_wdata, input logic [3:0] s_axil_wstrb, input logic s_axil_wvalid,
  output logic s_axil_wready,
  output logic [1:0] s_axil_bresp, output logic s_axil_bvalid, input logic s_axil_bready,
  input  logic [15:0] s_axil_araddr, input logic s_axil_arvalid, output logic s_axil_arready,
  output logic [31:0] s_axil_rdata, output logic [1:0] s_axil_rresp, output logic s_axil_rvalid,
  input  logic s_axil_rready,
  // network port 0 and 1, receive
  input  logic [DW-1:0] p0_rx_tdata, input logic [KW-1:0] p0_rx_tkeep, input logic p0_rx_tlast,
  input  logic p0_rx_tvalid, output logic p0_rx_tready,
  input  logic [DW-1:0] p1_rx_tdata, input logic [KW-1:0] p1_rx_tkeep, input logic p1_rx_tlast,
  input  logic p1_rx_tvalid, output logic p1_rx_tready,
  // network port 0 and 1, transmit
  output logic [DW-1:0] p0_tx_tdata, output logic [KW-1:0] p0_tx_tkeep, output logic p0_tx_tlast,
  output logic p0_tx_tvalid, input logic p0_tx_tready,
  output logic [DW-1:0] p1_tx_tdata, output logic [KW-1:0] p1_tx_tkeep, output logic p1_tx_tlast,
  output logic p1_tx_tvalid, input logic p1_tx_tready,
  // host queue out (XDP_PASS): tuser [0] ingress port, [1] faulted, [2] a dropped packet
  // (CTRL.DROPS_TO_HOST), [39:8] redirect ifindex
  output logic [DW-1:0] host_tx_tdata, output logic [KW-1:0] host_tx_tkeep, output logic host_tx_tlast,
  output logic [UW-1:0] host_tx_tuser, output logic host_tx_tvalid, input logic host_tx_tready,
  // host queue in: frames the host sends out of network port tdest
  input  logic [DW-1:0] host_rx_tdata, input logic [KW-1:0] host_rx_tkeep, input logic host_rx_tlast,
  input  logic host_rx_tdest, input logic host_rx_tvalid, output logic host_rx_tready
);
  /* verilator lint_off UNUSEDPARAM */
`include "sluice_params.vh"
`include "sluice_regs.vh"
  /* verilator lint_on UNUSEDPARAM */
  localparam int WINDOW = SLUICE_HEADER_WINDOW_BYTES;
  localparam int HEADROOM = SLUICE_HEADROOM_BYTES;

  localparam int BUSB = KW;                        // bytes per beat
  localparam int WB = WINDOW / BUSB;               // window beats
  localparam int OB = (HEADROOM + WINDOW) / BUSB;  // beats of the pipeline's buffer
  localparam int MAX_BEATS = (MAX_FRAME + BUSB - 1) / BUSB;
  localparam int TAGW = 16;
  localparam int NCNT = NUM_COUNTERS;
  localparam int LB = $clog2(BUSB);                // log2 bytes per beat

  generate
    if (SLUICE_BUS_BITS != DW || WINDOW % BUSB != 0 || HEADROOM % BUSB != 0 || WB < 1) begin : g_bad_align
      $error("sluice_nic: header window and headroom must be multiples of the bus width");
    end
  endgenerate

  // ---------------------------------------------------------------- registers
  logic enable, drops_to_host, active_bank, shadow_busy, idle;
  logic pm_we, pm_bank;
  logic [15:0] pm_addr;
  logic [63:0] pm_wdata, ts;
  logic [31:0] ifindex0, ifindex1, rxq0, rxq1;
  logic [16*NCNT-1:0] cnt_add;
  logic [31:0] last_verdict, last_redirect, last_info;
  logic map_busy, hp_req, hp_busy, hp_done, hp_found;
  logic [2:0] hp_op, hp_map;
  logic [1:0] hp_flags;
  logic [31:0] hp_arg, hp_rc;
  logic [511:0] hp_key, hp_rkey;
  logic [2047:0] hp_val, hp_rval;

  sluice_nic_regs #(.BUF_BEATS(BUF_BEATS), .MAX_FRAME(MAX_FRAME), .NCNT(NCNT)) u_regs (
    .clk(clk), .rst(rst),
    .awaddr(s_axil_awaddr), .awvalid(s_axil_awvalid), .awready(s_axil_awready),
    .wdata(s_axil_wdata), .wstrb(s_axil_wstrb), .wvalid(s_axil_wvalid), .wready(s_axil_wready),
    .bresp(s_axil_bresp), .bvalid(s_axil_bvalid), .bready(s_axil_bready),
    .araddr(s_axil_araddr), .arvalid(s_axil_arvalid), .arready(s_axil_arready),
    .rdata(s_axil_rdata), .rresp(s_axil_rresp), .rvalid(s_axil_rvalid), .rready(s_axil_rready),
    .enable(enable), .drops_to_host(drops_to_host), .active_bank(active_bank),
    .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata), .ts(ts),
    .ifindex0(ifindex0), .ifindex1(ifindex1), .rxq0(rxq0), .rxq1(rxq1),
    .shadow_busy(shadow_busy), .idle(idle), .last_verdict(last_verdict),
    .last_redirect(last_redirect), .last_info(last_info), .cnt_add(cnt_add),
    .map_busy(map_busy), .hp_req(hp_req), .hp_op(hp_op), .hp_map(hp_map), .hp_flags(hp_flags),
    .hp_arg(hp_arg), .hp_key(hp_key), .hp_val(hp_val), .hp_busy(hp_busy), .hp_done(hp_done),
    .hp_found(hp_found), .hp_rc(hp_rc), .hp_rkey(hp_rkey), .hp_rval(hp_rval));

  function automatic logic [15:0] keep_bytes(input logic [KW-1:0] k);
    keep_bytes = '0;
    for (int i = 0; i < KW; i++)
      keep_bytes = keep_bytes + 16'(k[i]);
  endfunction

  function automatic logic [DW-1:0] keep_mask(input logic [KW-1:0] k);
    for (int i = 0; i < KW; i++)
      keep_mask[8*i +: 8] = {8{k[i]}};
  endfunction

  // ------------------------------------------------------------------ ingress
  logic en;                      // the pipeline advances
  logic in_pkt, cur, last_port;  // arbiter: mid-packet, its port, round-robin
  logic [7:0] beat;              // beat index in the current frame (saturates)
  logic [15:0] len_acc;
  logic ovs;                     // the current frame is oversize
  logic [63:0] ts_cap;
  logic [WB*DW-1:0] win_acc;

  logic pick;
  logic [DW-1:0] s_data;
  logic [KW-1:0] s_keep;
  logic s_last, s_valid;
  always_comb begin
    pick = in_pkt ? cur : ((p1_rx_tvalid && (!last_port || !p0_rx_tvalid)) ? 1'b1
                          : (p0_rx_tvalid ? 1'b0 : !last_port));
    s_data = pick ? p1_rx_tdata : p0_rx_tdata;
    s_keep = pick ? p1_rx_tkeep : p0_rx_tkeep;
    s_last = pick ? p1_rx_tlast : p0_rx_tlast;
    s_valid = pick ? p1_rx_tvalid : p0_rx_tvalid;
  end

  // Pipeline input register.
  logic pin_valid, pin_port;
  logic [8*WINDOW-1:0] pin_window;
  logic [15:0] pin_len;
  logic [31:0] pin_ifindex, pin_rxq;
  logic [63:0] pin_ts;

  // Packet buffer.
  logic buf_in_ready, buf_out_valid, buf_pop, buf_empty;
  logic [DW-1:0] buf_out;

  wire [15:0] s_bytes = s_last ? keep_bytes(s_keep) : 16'(BUSB);
  wire [DW-1:0] s_mdata = s_data & keep_mask(s_last ? s_keep : {KW{1'b1}});
  wire [15:0] s_len = len_acc + s_bytes;
  wire s_is_win = beat < 8'(WB);
  wire s_oversize = ovs || beat >= 8'(MAX_BEATS);
  wire s_runt = s_last && !s_oversize && s_len < 16'd14;
  wire s_need_buf = !s_is_win && !s_oversize;
  wire s_need_issue = s_last && !s_oversize && !s_runt;
  // A host map operation takes the pipeline's input slot for one cycle (the
  // bubble it travels in); the packet waiting there enters one cycle later.
  wire host_take = hp_req && !hp_busy;
  wire pin_take = en && !host_take;         // the pipeline takes the waiting packet
  wire pin_free = !pin_valid || pin_take;
  wire s_ok = (in_pkt || enable) && (!s_need_buf || buf_in_ready) && (!s_need_issue || pin_free);
  wire s_fire = s_valid && s_ok;
  assign p0_rx_tready = s_ok && !pick;
  assign p1_rx_tready = s_ok && pick;

  sluice_fifo #(.W(DW), .DEPTH(BUF_BEATS), .COMMIT(1'b1)) u_buf (
    .clk(clk), .rst(rst),
    .in_valid(s_fire && s_need_buf), .in_ready(buf_in_ready), .in_data(s_mdata),
    .in_commit(s_fire && s_need_issue), .in_abort(s_fire && s_last && s_oversize),
    .out_valid(buf_out_valid), .out_ready(buf_pop), .out_data(buf_out), .empty(buf_empty));

  logic [8*WINDOW-1:0] s_window;
  always_comb begin
    for (int i = 0; i < WB; i++)
      s_window[DW*i +: DW] = (8'(i) < beat) ? win_acc[DW*i +: DW] : ((8'(i) == beat) ? s_mdata : '0);
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      in_pkt <= 1'b0;
      cur <= 1'b0;
      last_port <= 1'b1;
      beat <= '0;
      len_acc <= '0;
      ovs <= 1'b0;
      pin_valid <= 1'b0;
    end else begin
      if (pin_take)
        pin_valid <= 1'b0;
      if (s_fire) begin
        in_pkt <= !s_last;
        cur <= pick;
        if (!in_pkt)
          last_port <= pick;
        beat <= s_last ? 8'd0 : (beat == 8'hff ? beat : beat + 8'd1);
        len_acc <= s_last ? 16'd0 : (s_len < len_acc ? 16'hffff : s_len);
        ovs <= s_last ? 1'b0 : s_oversize;
        if (s_need_issue)
          pin_valid <= 1'b1;
      end
    end
  end

  always_ff @(posedge clk) begin
    if (s_fire) begin
      if (beat == 8'd0)
        ts_cap <= ts;
      for (int i = 0; i < WB; i++)
        if (beat == 8'(i))
          win_acc[DW*i +: DW] <= s_mdata;
      if (s_need_issue) begin
        pin_window <= s_window;
        pin_len <= s_len;
        pin_port <= pick;
        pin_ifindex <= pick ? ifindex1 : ifindex0;
        pin_rxq <= pick ? rxq1 : rxq0;
        pin_ts <= beat == 8'd0 ? ts : ts_cap;
      end
    end
  end

  // ----------------------------------------------------------------- pipeline
  logic out_valid, out_fault;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [TAGW-1:0] out_tag;  // [0] ingress port, [1] bank
  /* verilator lint_on UNUSEDSIGNAL */
  logic [8*(HEADROOM+WINDOW)-1:0] out_buf;
  logic [15:0] out_len;
  logic signed [15:0] out_head, out_tail;
  logic [31:0] out_verdict, out_redirect;

  sluice_pipeline #(.TAG_BITS(TAGW)) u_pipe (
    .clk(clk), .rst(rst), .en(en),
    .pm_we(pm_we), .pm_bank(pm_bank), .pm_addr(pm_addr), .pm_wdata(pm_wdata),
    .in_valid(pin_valid && !host_take), .in_bank(active_bank), .in_window(pin_window), .in_len(pin_len),
    .in_ifindex(pin_ifindex), .in_rxq(pin_rxq), .in_ts(pin_ts),
    .in_tag({14'd0, active_bank, pin_port}),
    .out_valid(out_valid), .out_tag(out_tag), .out_buf(out_buf), .out_len(out_len),
    .out_head(out_head), .out_tail(out_tail), .out_verdict(out_verdict),
    .out_redirect(out_redirect), .out_fault(out_fault),
    // The host map port: the register block's MAP_* registers (docs/registers.md).
    // Map configuration goes through the PM port (0x4000 + 2m + w, 0x4100).
    .map_busy(map_busy), .hp_req(host_take), .hp_op(hp_op), .hp_map(hp_map), .hp_flags(hp_flags),
    .hp_arg(hp_arg), .hp_key(hp_key), .hp_val(hp_val), .hp_busy(hp_busy), .hp_done(hp_done),
    .hp_found(hp_found), .hp_rc(hp_rc), .hp_rkey(hp_rkey), .hp_rval(hp_rval), .hp_rraw(hp_rraw));
  /* verilator lint_off UNUSEDSIGNAL */
  logic [64*41-1:0] hp_rraw;                // raw memory reads: not in the register map
  /* verilator lint_on UNUSEDSIGNAL */

  // Packets in the pipeline per bank: the shadow bank may be rewritten when 0.
  logic [7:0] inflight0, inflight1;
  wire take = en && out_valid;
  wire issue = pin_take && pin_valid;
  always_ff @(posedge clk) begin
    if (rst) begin
      inflight0 <= '0;
      inflight1 <= '0;
    end else begin
      inflight0 <= inflight0 + 8'(issue && !active_bank) - 8'(take && !out_tag[1]);
      inflight1 <= inflight1 + 8'(issue && active_bank) - 8'(take && out_tag[1]);
    end
  end
  assign shadow_busy = active_bank ? inflight0 != 0 : inflight1 != 0;

  // ------------------------------------------------------------------- action
  localparam logic [1:0] D_DROP = 2'd0, D_P0 = 2'd1, D_P1 = 2'd2, D_HOST = 2'd3;
  logic r_valid;
  logic [1:0] r_dest;
  logic [8*(HEADROOM+WINDOW)-1:0] r_buf;
  logic [UW-1:0] r_user;
  logic [15:0] r_outlen, r_s, r_nbuf_end, r_nout, r_m, r_next;
  logic [DW-1:0] r_bprev;

  // Decisions for the result the pipeline presents.
  logic [2:0] o_vclass;     // 0..4 verdicts, 5 other
  logic [1:0] o_dest;
  logic o_redir_unknown, o_mirror;
  logic [15:0] o_outlen, o_nbuf;
  always_comb begin
    o_vclass = out_verdict < 32'd5 ? out_verdict[2:0] : 3'd5;
    o_redir_unknown = 1'b0;
    case (o_vclass)
      3'd2: o_dest = D_HOST;
      3'd3: o_dest = out_tag[0] ? D_P1 : D_P0;
      3'd4:
        if (out_redirect == ifindex0) o_dest = D_P0;
        else if (out_redirect == ifindex1) o_dest = D_P1;
        else begin
          o_redir_unknown = 1'b1;
          o_dest = D_DROP;
        end
      default: o_dest = D_DROP;
    endcase
    o_mirror = o_dest == D_DROP && drops_to_host;
    if (o_mirror)
      o_dest = D_HOST;
    o_outlen = out_len + out_tail - out_head;
    o_nbuf = out_len > 16'(WINDOW) ? (out_len - 16'(WINDOW) + 16'(BUSB - 1)) >> LB : 16'd0;
  end

  // The beat the action stage would emit now.
  logic [15:0] q, q1, rem;
  logic [LB-1:0] rsh;
  logic emitting, buf_left, need_hi, lo_buf, hi_buf, prefetch, drain, uses_head, emit, last_beat;
  logic r_done, eg_ready;
  logic [DW-1:0] lo, hi, e_data;
  logic [KW-1:0] e_keep;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [2*DW-1:0] funnel;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [2:0] eg_in_ready;
  always_comb begin
    q = (r_s >> LB) + r_m;
    q1 = q + 16'd1;
    rsh = r_s[LB-1:0];
    rem = r_outlen - (r_m << LB);
    emitting = r_valid && r_dest != D_DROP && r_m < r_nout;
    buf_left = r_next < r_nbuf_end;
    need_hi = rsh != '0 && rem > 16'(BUSB) - 16'(rsh);
    lo_buf = q >= 16'(OB) && q < r_nbuf_end;
    hi_buf = need_hi && q1 >= 16'(OB) && q1 < r_nbuf_end;
    prefetch = emitting && buf_left && (r_next < q || (r_next == q && hi_buf));
    drain = r_valid && !emitting && buf_left;
    uses_head = (lo_buf && q == r_next) || hi_buf;
    case (r_dest)
      D_P0: eg_ready = eg_in_ready[0];
      D_P1: eg_ready = eg_in_ready[1];
      D_HOST: eg_ready = eg_in_ready[2];
      default: eg_ready = 1'b0;
    endcase
    emit = emitting && !prefetch && (!uses_head || buf_out_valid) && eg_ready;
    buf_pop = ((prefetch || drain) && buf_out_valid) || (emit && uses_head);
    last_beat = r_m + 16'd1 == r_nout;
    r_done = r_valid && ((!emitting && !buf_left)
                         || (drain && buf_out_valid && r_next + 16'd1 == r_nbuf_end)
                         || (emit && last_beat && r_next + 16'(uses_head) == r_nbuf_end));
    lo = '0;
    hi = '0;
    for (int i = 0; i < OB; i++) begin
      if (q == 16'(i)) lo = r_buf[DW*i +: DW];
      if (q1 == 16'(i)) hi = r_buf[DW*i +: DW];
    end
    if (lo_buf) lo = q == r_next ? buf_out : r_bprev;
    if (!need_hi) hi = '0;
    else if (q1 >= 16'(OB)) hi = hi_buf ? buf_out : '0;
    funnel = {hi, lo} >> {rsh, 3'b000};
    e_keep = '1;
    if (last_beat)
      for (int i = 0; i < KW; i++)
        e_keep[i] = 16'(i) < rem;
    e_data = funnel[DW-1:0] & keep_mask(e_keep);
  end
  assign en = !r_valid || r_done;

  always_ff @(posedge clk) begin
    if (rst) begin
      r_valid <= 1'b0;
    end else begin
      if (r_done)
        r_valid <= 1'b0;
      if (take)
        r_valid <= 1'b1;
    end
  end
  always_ff @(posedge clk) begin
    if (rst) begin
      last_verdict <= '0;
      last_redirect <= '0;
      last_info <= '0;
    end else if (take) begin
      last_verdict <= out_verdict;
      last_redirect <= out_redirect;
      last_info <= {o_outlen, 11'd0, o_redir_unknown, o_mirror ? D_DROP : o_dest, out_tag[0], out_fault};
    end
  end
  always_ff @(posedge clk) begin
    if (take) begin
      r_dest <= o_dest;
      r_buf <= out_buf;
      r_user <= {out_redirect, 5'd0, o_mirror, out_fault, out_tag[0]};
      r_outlen <= o_outlen;
      r_s <= 16'(HEADROOM) + out_head;
      r_nbuf_end <= 16'(OB) + o_nbuf;
      r_nout <= (o_outlen + 16'(BUSB - 1)) >> LB;
      r_m <= '0;
      r_next <= 16'(OB);
    end else begin
      if (emit)
        r_m <= r_m + 16'd1;
      if (buf_pop) begin
        r_next <= r_next + 16'd1;
        r_bprev <= buf_out;
      end
    end
  end

  // ------------------------------------------------------------------- egress
  localparam int EW = DW + KW + 1;
  logic [2*EW-1:0] eg_out;
  logic [1:0] eg_valid, eg_ready_o, eg_empty;
  logic [EW+UW-1:0] host_out;
  logic host_empty;
  for (genvar p = 0; p < 2; p++) begin : g_egress
    sluice_fifo #(.W(EW), .DEPTH(EGRESS_DEPTH)) u_fifo (
      .clk(clk), .rst(rst),
      .in_valid(emit && r_dest == (p == 0 ? D_P0 : D_P1)), .in_ready(eg_in_ready[p]),
      .in_data({last_beat, e_keep, e_data}), .in_commit(1'b0), .in_abort(1'b0),
      .out_valid(eg_valid[p]), .out_ready(eg_ready_o[p]), .out_data(eg_out[EW*p +: EW]),
      .empty(eg_empty[p]));
  end
  sluice_fifo #(.W(EW + UW), .DEPTH(EGRESS_DEPTH)) u_host_fifo (
    .clk(clk), .rst(rst),
    .in_valid(emit && r_dest == D_HOST), .in_ready(eg_in_ready[2]),
    .in_data({r_user, last_beat, e_keep, e_data}), .in_commit(1'b0), .in_abort(1'b0),
    .out_valid(host_tx_tvalid), .out_ready(host_tx_tready), .out_data(host_out),
    .empty(host_empty));
  assign {host_tx_tuser, host_tx_tlast, host_tx_tkeep, host_tx_tdata} = host_out;

  // Each port's transmit side: pipeline traffic and host traffic, whole frames.
  logic [1:0] own_pipe, own_host, rr_host;
  logic [1:0] tx_valid, tx_ready, tx_last, hr_ready;
  logic [2*DW-1:0] tx_data;
  logic [2*KW-1:0] tx_keep;
  for (genvar p = 0; p < 2; p++) begin : g_txmux
    wire h_valid = host_rx_tvalid && host_rx_tdest == 1'(p);
    wire free = !own_pipe[p] && !own_host[p];
    wire sel_host = own_host[p] || (free && h_valid && (rr_host[p] || !eg_valid[p]));
    assign tx_valid[p] = sel_host ? h_valid : eg_valid[p];
    assign tx_data[DW*p +: DW] = sel_host ? host_rx_tdata : eg_out[EW*p +: DW];
    assign tx_keep[KW*p +: KW] = sel_host ? host_rx_tkeep : eg_out[EW*p+DW +: KW];
    assign tx_last[p] = sel_host ? host_rx_tlast : eg_out[EW*p+DW+KW];
    assign eg_ready_o[p] = !sel_host && tx_ready[p];
    assign hr_ready[p] = sel_host && tx_ready[p];
    always_ff @(posedge clk) begin
      if (rst) begin
        own_pipe[p] <= 1'b0;
        own_host[p] <= 1'b0;
        rr_host[p] <= 1'b0;
      end else if (tx_valid[p] && tx_ready[p]) begin
        own_host[p] <= sel_host && !tx_last[p];
        own_pipe[p] <= !sel_host && !tx_last[p];
        if (free)
          rr_host[p] <= !sel_host;
      end
    end
  end
  assign p0_tx_tvalid = tx_valid[0];
  assign p0_tx_tdata = tx_data[0 +: DW];
  assign p0_tx_tkeep = tx_keep[0 +: KW];
  assign p0_tx_tlast = tx_last[0];
  assign tx_ready[0] = p0_tx_tready;
  assign p1_tx_tvalid = tx_valid[1];
  assign p1_tx_tdata = tx_data[DW +: DW];
  assign p1_tx_tkeep = tx_keep[KW +: KW];
  assign p1_tx_tlast = tx_last[1];
  assign tx_ready[1] = p1_tx_tready;
  assign host_rx_tready = host_rx_tdest ? hr_ready[1] : hr_ready[0];

  assign idle = !in_pkt && !pin_valid && inflight0 == 0 && inflight1 == 0 && !r_valid && buf_empty
                && &eg_empty && host_empty && own_pipe == 2'b00 && own_host == 2'b00;

  // ----------------------------------------------------------------- counters
  wire rx_last = s_fire && s_last;
  wire [15:0] host_bytes = keep_bytes(host_tx_tkeep);
  always_comb begin
    cnt_add = '0;
    cnt_add[16*CNT_RX_PKTS_P0 +: 16] = 16'(rx_last && !pick);
    cnt_add[16*CNT_RX_PKTS_P1 +: 16] = 16'(rx_last && pick);
    cnt_add[16*CNT_RX_BYTES_P0 +: 16] = s_fire && !pick ? s_bytes : 16'd0;
    cnt_add[16*CNT_RX_BYTES_P1 +: 16] = s_fire && pick ? s_bytes : 16'd0;
    cnt_add[16*CNT_TX_PKTS_P0 +: 16] = 16'(tx_valid[0] && tx_ready[0] && tx_last[0]);
    cnt_add[16*CNT_TX_PKTS_P1 +: 16] = 16'(tx_valid[1] && tx_ready[1] && tx_last[1]);
    cnt_add[16*CNT_TX_BYTES_P0 +: 16] = tx_valid[0] && tx_ready[0] ? keep_bytes(tx_keep[0 +: KW]) : 16'd0;
    cnt_add[16*CNT_TX_BYTES_P1 +: 16] = tx_valid[1] && tx_ready[1] ? keep_bytes(tx_keep[KW +: KW]) : 16'd0;
    cnt_add[16*CNT_VERDICT_ABORTED +: 16] = 16'(take && o_vclass == 3'd0);
    cnt_add[16*CNT_VERDICT_DROP +: 16] = 16'(take && o_vclass == 3'd1);
    cnt_add[16*CNT_VERDICT_PASS +: 16] = 16'(take && o_vclass == 3'd2);
    cnt_add[16*CNT_VERDICT_TX +: 16] = 16'(take && o_vclass == 3'd3);
    cnt_add[16*CNT_VERDICT_REDIRECT +: 16] = 16'(take && o_vclass == 3'd4);
    cnt_add[16*CNT_VERDICT_OTHER +: 16] = 16'(take && o_vclass == 3'd5);
    cnt_add[16*CNT_FAULTS +: 16] = 16'(take && out_fault);
    cnt_add[16*CNT_DROP_REDIRECT_UNKNOWN +: 16] = 16'(take && o_redir_unknown);
    cnt_add[16*CNT_DROP_RUNT +: 16] = 16'(s_fire && s_runt);
    cnt_add[16*CNT_DROP_OVERSIZE +: 16] = 16'(rx_last && s_oversize);
    cnt_add[16*CNT_EGRESS_PKTS_P0 +: 16] = 16'(take && o_dest == D_P0);
    cnt_add[16*CNT_EGRESS_PKTS_P1 +: 16] = 16'(take && o_dest == D_P1);
    cnt_add[16*CNT_HOST_OUT_PKTS +: 16] = 16'(host_tx_tvalid && host_tx_tready && host_tx_tlast);
    cnt_add[16*CNT_HOST_OUT_BYTES +: 16] = host_tx_tvalid && host_tx_tready ? host_bytes : 16'd0;
    cnt_add[16*CNT_HOST_IN_PKTS +: 16] = 16'(host_rx_tvalid && host_rx_tready && host_rx_tlast);
    cnt_add[16*CNT_PIPE_STALL_CYCLES +: 16] = 16'(!en && out_valid);
    cnt_add[16*CNT_INGRESS_STALL_CYCLES +: 16] = 16'(s_valid && !s_ok);
  end
endmodule
