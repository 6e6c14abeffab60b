// sluice_nic_regs: the NIC's register block (AXI4-Lite, 32-bit), its map
// generated from hdl/regs/regmap.json (sluice_regs.vh; docs/registers.md).
// Identity and datapath parameters (read-only, from sluice_params.vh, so a
// loader can check an image's parameter hash), control, the two program banks
// (writes go to the shadow bank; BANK_SWAP makes it active between packets),
// program-memory load, the timestamp counter, port ifindex/rx queue registers
// and the 64-bit event counters.
module sluice_nic_regs #(
  parameter int BUF_BEATS = 512,
  parameter int MAX_FRAME = 9216,
  parameter int NCNT = 25           // NUM_COUNTERS of sluice_regs.vh (checked)
) (
  input  logic clk, input logic rst,
  /* verilator lint_off UNUSEDSIGNAL */
  input  logic [15:0] awaddr, input logic awvalid, output logic awready,
  input  logic [31:0] wdata, input logic [3:0] wstrb, input logic wvalid, output logic wready,
  output logic [1:0] bresp, output logic bvalid, input logic bready,
  input  logic [15:0] araddr, input logic arvalid, output logic arready,
  /* verilator lint_on UNUSEDSIGNAL */
  output logic [31:0] rdata, output logic [1:0] rresp, output logic rvalid, input logic rready,
  // to the shell and the pipeline
  output logic enable, output logic drops_to_host,
  output logic active_bank,
  output logic pm_we, output logic pm_bank, output logic [15:0] pm_addr, output logic [63:0] pm_wdata,
  output logic [63:0] ts,
  output logic [31:0] ifindex0, output logic [31:0] ifindex1,
  output logic [31:0] rxq0, output logic [31:0] rxq1,
  // from the shell
  input  logic shadow_busy, input logic idle,
  input  logic [31:0] last_verdict, input logic [31:0] last_redirect, input logic [31:0] last_info,
  input  logic [16*NCNT-1:0] cnt_add,    // counter i adds cnt_add[16*i +: 16]
  // the host map port (sluice_pipeline's hp_*): a request is held until the
  // pipeline takes it (hp_busy), the results come with hp_done
  output logic hp_req, output logic [2:0] hp_op, output logic [2:0] hp_map,
  output logic [1:0] hp_flags, output logic [31:0] hp_arg,
  output logic [511:0] hp_key, output logic [2047:0] hp_val,
  input  logic map_busy,                 // map memories being cleared (PM 0x4100)
  input  logic hp_busy, input logic hp_done, input logic hp_found, input logic [31:0] hp_rc,
  input  logic [511:0] hp_rkey, input logic [2047:0] hp_rval
);
  /* verilator lint_off UNUSEDPARAM */
`include "sluice_params.vh"
`include "sluice_isa.vh"
`include "sluice_regs.vh"
  /* verilator lint_on UNUSEDPARAM */
  localparam int NS_PER_CYCLE = 1000 / SLUICE_CLOCK_MHZ;
  localparam int LATENCY = SLUICE_PARSER_CYCLES + SLUICE_STAGES * SLUICE_CYCLES_PER_STAGE
                           + SLUICE_DEPARSER_CYCLES;

  generate
    if (NUM_COUNTERS != NCNT) begin : g_bad_ncnt
      $error("sluice_nic_regs: NCNT must equal NUM_COUNTERS of sluice_regs.vh");
    end
  endgenerate

  logic ts_hold;
  logic [31:0] pm_addr_r, pm_hi, ts_lo_stage, ts_hi_latch, cnt_hi_latch;
  logic [63:0] cnt [NCNT];
  logic cnt_clear;
  // Map port: the result registers and the DONE flag.
  logic map_done, map_found;
  logic [31:0] map_rc;
  logic [511:0] map_rkey;
  logic [2047:0] map_rval;
  wire port_busy = hp_req || hp_busy;

  // Write channel: address and data accepted together.
  logic wr_fire;
  assign awready = awvalid && wvalid && !bvalid;
  assign wready = awready;
  assign wr_fire = awready;
  assign bresp = 2'b00;
  assign rresp = 2'b00;
  assign arready = !rvalid;

  wire [15:0] wa = {awaddr[15:2], 2'b00};
  wire [15:0] ra = {araddr[15:2], 2'b00};

  always_ff @(posedge clk) begin
    if (rst) begin
      bvalid <= 1'b0;
      enable <= 1'b0;
      ts_hold <= 1'b0;
      drops_to_host <= 1'b0;
      active_bank <= 1'b0;
      pm_we <= 1'b0;
      pm_bank <= 1'b0;
      pm_addr <= '0;
      pm_wdata <= '0;
      pm_addr_r <= '0;
      pm_hi <= '0;
      ts_lo_stage <= '0;
      ts <= '0;
      ifindex0 <= REG_PORT0_IFINDEX_RESET;
      ifindex1 <= REG_PORT1_IFINDEX_RESET;
      rxq0 <= '0;
      rxq1 <= '0;
      cnt_clear <= 1'b0;
      hp_req <= 1'b0;
      hp_op <= '0;
      hp_map <= '0;
      hp_flags <= '0;
      hp_arg <= '0;
      map_done <= 1'b0;
      map_found <= 1'b0;
      map_rc <= '0;
    end else begin
      pm_we <= 1'b0;
      cnt_clear <= 1'b0;
      if (hp_busy || hp_done)
        hp_req <= 1'b0;                       // the pipeline took it (or answered at once:
                                              // a map no stage holds, -EINVAL)
      if (hp_done) begin
        map_done <= 1'b1;
        map_found <= hp_found;
        map_rc <= hp_rc;
      end
      if (!ts_hold)
        ts <= ts + 64'(NS_PER_CYCLE);
      if (bvalid && bready)
        bvalid <= 1'b0;
      if (wr_fire) begin
        bvalid <= 1'b1;
        case (wa)
          REG_CTRL: begin
            enable <= wdata[REG_CTRL_ENABLE];
            ts_hold <= wdata[REG_CTRL_TS_HOLD];
            drops_to_host <= wdata[REG_CTRL_DROPS_TO_HOST];
          end
          REG_BANK_SWAP: if (wdata[0]) begin
            active_bank <= !active_bank;
            if (wdata[1])
              enable <= 1'b1;
          end
          REG_PM_ADDR: pm_addr_r <= wdata;
          REG_PM_DATA_HI: pm_hi <= wdata;
          REG_PM_DATA_LO: begin
            pm_we <= 1'b1;
            pm_bank <= !active_bank;
            pm_addr <= pm_addr_r[15:0];
            pm_wdata <= {pm_hi, wdata};
            pm_addr_r <= pm_addr_r + 32'd1;
          end
          REG_TS_LO: ts_lo_stage <= wdata;
          REG_TS_HI: ts <= {wdata, ts_lo_stage};
          REG_PORT0_IFINDEX: ifindex0 <= wdata;
          REG_PORT1_IFINDEX: ifindex1 <= wdata;
          REG_PORT0_RXQ: rxq0 <= wdata;
          REG_PORT1_RXQ: rxq1 <= wdata;
          REG_CNT_CLEAR: cnt_clear <= wdata[0];
          REG_MAP_CMD: if (!port_busy) begin
            hp_req <= 1'b1;
            hp_op <= wdata[REG_MAP_CMD_OP +: 3];
            hp_map <= wdata[REG_MAP_CMD_MAP +: 3];
            hp_flags <= wdata[REG_MAP_CMD_FLAGS +: 2];
            map_done <= 1'b0;
          end
          REG_MAP_ARG: hp_arg <= wdata;
          default: ;
        endcase
      end
    end
  end

  // Map port data: the key and value windows (written by the host), the
  // results (latched when the operation completes).
  /* verilator lint_off UNUSEDSIGNAL */
  wire [15:0] wkey = wa - WIN_MAP_KEY, wval = wa - WIN_MAP_VALUE;
  /* verilator lint_on UNUSEDSIGNAL */
  always_ff @(posedge clk) begin
    if (wr_fire && wa >= WIN_MAP_KEY && wa < WIN_MAP_KEY + 16'(4 * WIN_MAP_KEY_WORDS))
      hp_key[32*wkey[5:2] +: 32] <= wdata;
    if (wr_fire && wa >= WIN_MAP_VALUE && wa < WIN_MAP_VALUE + 16'(4 * WIN_MAP_VALUE_WORDS))
      hp_val[32*wval[7:2] +: 32] <= wdata;
    if (hp_done) begin
      map_rkey <= hp_rkey;
      map_rval <= hp_rval;
    end
  end

  // Counters.
  always_ff @(posedge clk) begin
    for (int i = 0; i < NCNT; i++)
      if (rst || cnt_clear)
        cnt[i] <= '0;
      else
        cnt[i] <= cnt[i] + 64'(cnt_add[16*i +: 16]);
  end

  // Read channel: one cycle.
  wire in_counters = ra >= REG_COUNTERS_BASE && ra < REG_COUNTERS_BASE + 16'(8 * NCNT);
  /* verilator lint_off UNUSEDSIGNAL */
  wire [15:0] coff = ra - REG_COUNTERS_BASE;
  /* verilator lint_on UNUSEDSIGNAL */
  wire [4:0] cidx = coff[7:3];
  /* verilator lint_off UNUSEDSIGNAL */
  wire [15:0] rkey = ra - WIN_MAP_KEY, rval = ra - WIN_MAP_VALUE;
  wire [15:0] rrkey = ra - WIN_MAP_RKEY, rrval = ra - WIN_MAP_RVALUE;
  /* verilator lint_on UNUSEDSIGNAL */
  always_ff @(posedge clk) begin
    if (rst) begin
      rvalid <= 1'b0;
      rdata <= '0;
      ts_hi_latch <= '0;
      cnt_hi_latch <= '0;
    end else begin
      if (rvalid && rready)
        rvalid <= 1'b0;
      if (arvalid && arready) begin
        rvalid <= 1'b1;
        rdata <= '0;
        if (ra >= WIN_MAP_KEY && ra < WIN_MAP_KEY + 16'(4 * WIN_MAP_KEY_WORDS))
          rdata <= hp_key[32*rkey[5:2] +: 32];
        else if (ra >= WIN_MAP_VALUE && ra < WIN_MAP_VALUE + 16'(4 * WIN_MAP_VALUE_WORDS))
          rdata <= hp_val[32*rval[7:2] +: 32];
        else if (ra >= WIN_MAP_RKEY && ra < WIN_MAP_RKEY + 16'(4 * WIN_MAP_RKEY_WORDS))
          rdata <= map_rkey[32*rrkey[5:2] +: 32];
        else if (ra >= WIN_MAP_RVALUE && ra < WIN_MAP_RVALUE + 16'(4 * WIN_MAP_RVALUE_WORDS))
          rdata <= map_rval[32*rrval[7:2] +: 32];
        else if (in_counters) begin
          if (!coff[2]) begin
            rdata <= cnt[cidx][31:0];
            cnt_hi_latch <= cnt[cidx][63:32];
          end else
            rdata <= cnt_hi_latch;
        end else
          case (ra)
            REG_ID: rdata <= SLUICE_REGS_MAGIC;
            REG_VERSION: rdata <= {16'(SLUICE_ISA_VERSION), SLUICE_REGS_VERSION};
            REG_PARAM_HASH_LO: rdata <= SLUICE_PARAM_HASH[31:0];
            REG_PARAM_HASH_HI: rdata <= SLUICE_PARAM_HASH[63:32];
            REG_STAGES: rdata <= 32'(SLUICE_STAGES);
            REG_LANES: rdata <= 32'(SLUICE_LANES);
            REG_SLOTS: rdata <= 32'(SLUICE_SLOTS);
            REG_EXTRACTOR_ENTRIES: rdata <= 32'(SLUICE_EXTRACTOR_ENTRIES);
            REG_DEPARSER_ENTRIES: rdata <= 32'(SLUICE_DEPARSER_ENTRIES);
            REG_WINDOW_BYTES: rdata <= 32'(SLUICE_HEADER_WINDOW_BYTES);
            REG_HEADROOM_BYTES: rdata <= 32'(SLUICE_HEADROOM_BYTES);
            REG_LATENCY_CYCLES: rdata <= 32'(LATENCY);
            REG_BUS_BITS: rdata <= 32'(SLUICE_BUS_BITS);
            REG_BUF_BEATS: rdata <= 32'(BUF_BEATS);
            REG_MAX_FRAME_BYTES: rdata <= 32'(MAX_FRAME);
            REG_CLOCK_MHZ: rdata <= 32'(SLUICE_CLOCK_MHZ);
            REG_CTRL: rdata <= 32'({drops_to_host, ts_hold, enable});
            REG_STATUS: rdata <= 32'({idle, shadow_busy, enable, active_bank});
            REG_PM_ADDR: rdata <= pm_addr_r;
            REG_PM_DATA_HI: rdata <= pm_hi;
            REG_TS_LO: begin
              rdata <= ts[31:0];
              ts_hi_latch <= ts[63:32];
            end
            REG_TS_HI: rdata <= ts_hi_latch;
            REG_PORT0_IFINDEX: rdata <= ifindex0;
            REG_PORT1_IFINDEX: rdata <= ifindex1;
            REG_PORT0_RXQ: rdata <= rxq0;
            REG_PORT1_RXQ: rdata <= rxq1;
            REG_LAST_VERDICT: rdata <= last_verdict;
            REG_LAST_REDIRECT: rdata <= last_redirect;
            REG_LAST_INFO: rdata <= last_info;
            REG_MAP_ARG: rdata <= hp_arg;
            REG_MAP_STATUS: rdata <= 32'({map_busy, map_found, map_done, port_busy});
            REG_MAP_RC: rdata <= map_rc;
            default: rdata <= '0;
          endcase
      end
    end
  end
endmodule
