// sluice_params_check: includes the generated parameter and ISA headers so
// that ctest (isa.verilog-headers-lint) lints them with Verilator -Wall.
`default_nettype none
module sluice_params_check (
  input  wire        clk,
  output wire [63:0] status_hash
);
`include "sluice_params.vh"
`include "sluice_isa.vh"
  assign status_hash = SLUICE_PARAM_HASH
      ^ {58'd0, SLUICE_OP_ADD}
      ^ {59'd0, SLUICE_EXTRACTOR_SLOTS[4:0]}
      ^ {{(64 - SLUICE_STAGES){1'b0}}, SLUICE_VREAD_STAGE_MASK}
      ^ {{(64 - SLUICE_STAGES){1'b0}}, SLUICE_UNIT_DIV_STAGE_MASK};
endmodule
`default_nettype wire
