// sluice_rng: the random generator behind bpf_get_prandom_u32
// (docs/helpers.md). The sequence is splitmix64 from state 0: packet n (the
// n-th take since reset, from 0) gets the high half of
//   mix((n + 1) * GAMMA),  mix(z) = z ^= z >> 30, z *= C1, z ^= z >> 27,
//                                   z *= C2, z ^= z >> 31.
// A packet must get its word in the cycle it enters, and the mix is two
// chained 64 x 64 multiplies: too deep for one cycle at the target clock.
// Since the sequence does not depend on the packets, the mix runs ahead of
// them: a pipeline of five registers holds the words of packets n .. n+5 at
// successive steps of the mix, and every take moves it on by one. `word` is
// a register (packet n's word), so a consumer sees no logic in front of it.
//   R0: x       = (n + 6) * GAMMA               (the state of packet n + 5)
//   R1: pp1[i]  = (a[16i +: 16] * C1) << 16i,   a = x ^ x >> 30 (packet n + 4)
//   R2: z1      = sum of pp1                                    (packet n + 3)
//   R3: pp2[i]  = (b[16i +: 16] * C2) << 16i,   b = z1 ^ z1 >> 27 (packet n + 2)
//   R4: z2      = sum of pp2                                    (packet n + 1)
//   R5: word    = (z2 ^ z2 >> 31)[63:32]                        (packet n)
// Each 16 x 64 partial product maps to DSP slices; each sum is a 4-input
// 64-bit add. The reset values are the same steps for packets 0 .. 5,
// computed at elaboration by constant functions, so the first packet after
// reset already has its word (no priming cycles).
module sluice_rng (
  input  logic clk, input logic rst,
  input  logic take,            // a packet takes `word` at this clock edge
  output logic [31:0] word      // the next packet's word
);
  localparam logic [63:0] GAMMA = 64'h9e3779b97f4a7c15;
  localparam logic [63:0] C1 = 64'hbf58476d1ce4e5b9;
  localparam logic [63:0] C2 = 64'h94d049bb133111eb;

  // One partial product: the 16-bit chunk i of v times c, shifted into place
  // (bits past 63 fall off, as in the 64-bit product). Functions assign
  // their name (not `return`): yosys 0.23 parses that form only.
  function automatic logic [63:0] partial(input logic [63:0] v, input logic [63:0] c, input int i);
    logic [63:0] chunk, prod;
    chunk = 64'(v[16*i +: 16]);
    prod = chunk * c;
    partial = prod << (16 * i);
  endfunction
  function automatic logic [255:0] products(input logic [63:0] v, input logic [63:0] c);
    for (int i = 0; i < 4; i++) products[64*i +: 64] = partial(v, c, i);
  endfunction
  function automatic logic [63:0] sum4(input logic [255:0] p);
    sum4 = p[63:0] + p[127:64] + p[191:128] + p[255:192];
  endfunction
  function automatic logic [63:0] xs(input logic [63:0] v, input int s);
    xs = v ^ (v >> s);
  endfunction
  function automatic logic [63:0] state_of(input int n);
    state_of = (64'(n) + 64'd1) * GAMMA;
  endfunction
  // The steps for packet n, as the registers hold them.
  function automatic logic [255:0] r1_of(input int n);
    r1_of = products(xs(state_of(n), 30), C1);
  endfunction
  function automatic logic [63:0] r2_of(input int n);
    r2_of = sum4(r1_of(n));
  endfunction
  function automatic logic [255:0] r3_of(input int n);
    r3_of = products(xs(r2_of(n), 27), C2);
  endfunction
  function automatic logic [63:0] r4_of(input int n);
    r4_of = sum4(r3_of(n));
  endfunction
  localparam logic [63:0] R0_RESET = state_of(5);
  localparam logic [255:0] R1_RESET = r1_of(4);
  localparam logic [63:0] R2_RESET = r2_of(3);
  localparam logic [255:0] R3_RESET = r3_of(2);
  localparam logic [63:0] R4_RESET = r4_of(1);
  localparam logic [63:0] R5_FULL = xs(r4_of(0), 31);
  localparam logic [31:0] R5_RESET = R5_FULL[63:32];

  logic [63:0] r0, r2, r4;
  logic [255:0] r1, r3;
  logic [63:0] z3;
  assign z3 = xs(r4, 31);
  always_ff @(posedge clk) begin
    if (rst) begin
      r0 <= R0_RESET; r1 <= R1_RESET; r2 <= R2_RESET;
      r3 <= R3_RESET; r4 <= R4_RESET; word <= R5_RESET;
    end else if (take) begin
      r0 <= r0 + GAMMA;
      r1 <= products(xs(r0, 30), C1);
      r2 <= sum4(r1);
      r3 <= products(xs(r2, 27), C2);
      r4 <= sum4(r3);
      word <= z3[63:32];
    end
  end
  logic unused;
  assign unused = ^z3[31:0];  // the word is the high half
endmodule
