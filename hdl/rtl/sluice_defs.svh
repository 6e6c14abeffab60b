// sluice_defs.svh: the datapath parameters and the stage ISA encodings, from
// the headers sluice-gen writes (<build>/generated/hdl/sluice_params.vh and
// sluice_isa.vh, one source: hdl/params/<name>.json and
// compiler/isa/stage-isa.json), plus names derived from them. Included inside
// every module of hdl/rtl (yosys 0.23 has no package import) and inside
// sluice_pkg (whose names the port declarations use). Nothing is copied by hand.
/* verilator lint_off UNUSEDPARAM */
`include "sluice_params.vh"
`include "sluice_isa.vh"

// Short names used across the RTL.
localparam int WIN_BYTES = SLUICE_HEADER_WINDOW_BYTES;   // header window bytes
localparam int HR_BYTES = SLUICE_HEADROOM_BYTES;      // headroom bytes
localparam int BUF_BYTES = HR_BYTES + WIN_BYTES;         // deparser buffer
localparam int LANES = SLUICE_LANES;
localparam int NSLOTS = SLUICE_SLOTS;
localparam int BANK_SLOTS = SLUICE_BANK_SLOTS;
localparam int NPRED = SLUICE_PREDICATES;
localparam int NSTAGES = SLUICE_STAGES;
localparam int NEXTRACT = SLUICE_EXTRACTOR_ENTRIES;
localparam int NDEPARSE = SLUICE_DEPARSER_ENTRIES;
localparam int SLOT_VEC = NSLOTS * 32;                // all slots, slot s at [32*s +: 32]
localparam int WIN_VEC = 8 * WIN_BYTES;
// Head and tail deltas inside the datapath (signed): head in
// [-HR_BYTES, 65535], tail in [-65535, max_linear_bytes]; outputs keep 16.
localparam int HT_BITS = 18;
// Input to output, in advancing cycles (sluice_pipeline is built for parser
// 4, stage 3, deparser 4 cycles and refuses other values; docs/rtl.md).
localparam int LATENCY = SLUICE_PARSER_CYCLES + SLUICE_STAGES * SLUICE_CYCLES_PER_STAGE
                         + SLUICE_DEPARSER_CYCLES;
// The div unit: issued from a stage's fetch registers, its result register
// feeds the write-back cycle of stage s + L - 1: C*(L-1)+1 registers.
localparam int DIV_STAGES = SLUICE_UNIT_DIV_LATENCY_STAGES;
localparam int DIV_REGS = SLUICE_CYCLES_PER_STAGE * (DIV_STAGES - 1) + 1;
// The map unit (sluice_map): issued from a map stage's F registers, its
// results feed the W cycle of stage s + L - 1, like the div unit. Each map
// stage has floor(memory_bytes / map stages / 64) * 64 bytes of map memory.
localparam int MAP_STAGES = SLUICE_UNIT_MAP_LATENCY_STAGES;
localparam int MAP_REGS = SLUICE_CYCLES_PER_STAGE * (MAP_STAGES - 1) + 1;
function automatic int sluice_map_nstages(input logic [NSTAGES-1:0] m);
  int n;
  n = 0;
  for (int i = 0; i < NSTAGES; i++)
    if (m[i]) n = n + 1;
  sluice_map_nstages = n;
endfunction
localparam int MAP_NSTAGES = sluice_map_nstages(SLUICE_UNIT_MAP_STAGE_MASK);
localparam int MAP_MEM_WORDS = (MAP_NSTAGES == 0) ? 8
    : SLUICE_MAP_MEMORY_BYTES / MAP_NSTAGES / 64 * 64 / 8;
/* verilator lint_on UNUSEDPARAM */
