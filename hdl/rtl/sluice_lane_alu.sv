// sluice_lane_alu: the execute cycle of one lane (combinational): every ALU
// op (MOV..ADDC), the compares' condition and, in a wide (even) lane, the W
// forms on the lane pair. A narrow lane is 32 bits wide; a wide lane computes
// on 64 bits, with a 32-bit op's operands zero- or sign-extended so that the
// low half is the ALU32 result. The caller registers the result.
module sluice_lane_alu #(
  parameter bit WIDE = 1'b1                 // even lane: W ops on {hi, lo}
) (
  input  logic [5:0]  op,
  input  logic        w,                    // W op (ignored unless WIDE)
  input  logic [31:0] a, input logic [31:0] b,
  input  logic [31:0] ahi, input logic [31:0] bhi, // pair halves (WIDE only)
  input  logic        selp,                 // SEL: predicate p
  output logic [63:0] res,                  // result (narrow: low 32 bits)
  output logic        cond                  // compare condition
);
`include "sluice_defs.svh"
  localparam int N = WIDE ? 64 : 32;

  logic wide;
  logic [N-1:0] an, bn, sum, diff, logic_and, logic_or, logic_xor, shres, selres;
  /* verilator lint_off UNUSEDSIGNAL */
  logic sgn;                                // wide lanes only
  logic [N:0] sum_c;                        // the carry out is unused in a wide lane
  /* verilator lint_on UNUSEDSIGNAL */
  logic [63:0] ll;                          // a_lo * b_lo, full 64 bits
  logic [31:0] addc;
  logic eq, ult, slt;

  assign wide = WIDE && w;
  // Signed ops see sign-extended 32-bit operands in a wide lane.
  assign sgn = (op == SLUICE_OP_ARSH) || (op == SLUICE_OP_JSGT) || (op == SLUICE_OP_JSGE)
            || (op == SLUICE_OP_JSLT) || (op == SLUICE_OP_JSLE);

  generate
    if (WIDE) begin : g_wide_ops
      assign an = wide ? {ahi, a} : {(sgn ? {32{a[31]}} : 32'd0), a};
      assign bn = wide ? {bhi, b} : {(sgn ? {32{b[31]}} : 32'd0), b};
    end else begin : g_narrow_ops
      assign an = a;
      assign bn = b;
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused_hi;
      assign unused_hi = ^{ahi, bhi, w};
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  assign sum_c = {1'b0, an} + {1'b0, bn};
  assign sum = sum_c[N-1:0];
  assign diff = an - bn;
  assign logic_and = an & bn;
  assign logic_or = an | bn;
  assign logic_xor = an ^ bn;
  assign selres = selp ? an : bn;
  assign eq = (an == bn);
  assign ult = (an < bn);
  assign slt = ($signed(an) < $signed(bn));
  // ADDC: 32-bit end-around carry (the carry out of bit 31 of the sum).
  assign addc = sum_c[31:0] + {31'd0, sum_c[32]};

  // Multiplier: lo x lo for MUL/MULHU; the W form adds the xprod products.
  assign ll = {32'd0, a} * {32'd0, b};
  logic [31:0] mul_hi;
  generate
    if (WIDE) begin : g_wide_mul
      logic [31:0] xprod;
      assign xprod = a * bhi + ahi * b;
      assign mul_hi = ll[63:32] + xprod;
    end else begin : g_narrow_mul
      assign mul_hi = ll[63:32];
    end
  endgenerate

  // One right shifter; LSH through bit reversal; ARSH fills with the sign.
  logic left;
  logic [5:0] sh;
  logic [N-1:0] shin, shout;
  logic fill;                               // ARSH: the sign fills from the top
  assign left = (op == SLUICE_OP_LSH);
  assign sh = wide ? b[5:0] : {1'b0, b[4:0]};
  always_comb begin
    for (int i = 0; i < N; i++) shin[i] = left ? an[N-1-i] : an[i];
  end
  // A logical shift, then the vacated top bits set to the fill bit (a
  // thermometer mask of sh). The same as an (N+1)-bit arithmetic shift with
  // the fill bit on top, without the (N+1)-bit vector, which Verilator
  // evaluates with its slow wide-word shift for N = 64.
  assign fill = (op == SLUICE_OP_ARSH) & an[N-1];
  assign shout = (shin >> sh) | ({N{fill}} & ~({N{1'b1}} >> sh));
  always_comb begin
    for (int i = 0; i < N; i++) shres[i] = left ? shout[N-1-i] : shout[i];
  end

  logic [63:0] bswap;
  assign bswap = wide ? {a[7:0], a[15:8], a[23:16], a[31:24], ahi[7:0], ahi[15:8], ahi[23:16], ahi[31:24]}
                      : {32'd0, a[7:0], a[15:8], a[23:16], a[31:24]};

  always_comb begin
    res = 64'd0;
    case (op)
      SLUICE_OP_MOV:     res[N-1:0] = bn;
      SLUICE_OP_ADD:     res[N-1:0] = sum;
      SLUICE_OP_SUB:     res[N-1:0] = diff;
      SLUICE_OP_MUL:     res = {mul_hi, ll[31:0]};
      SLUICE_OP_MULHU:   res = {32'd0, ll[63:32]};
      SLUICE_OP_AND:     res[N-1:0] = logic_and;
      SLUICE_OP_OR:      res[N-1:0] = logic_or;
      SLUICE_OP_XOR:     res[N-1:0] = logic_xor;
      SLUICE_OP_LSH, SLUICE_OP_RSH, SLUICE_OP_ARSH: res[N-1:0] = shres;
      SLUICE_OP_NEG:     res[N-1:0] = {N{1'b0}} - an;
      SLUICE_OP_BSWAP16: res = {48'd0, a[7:0], a[15:8]};
      SLUICE_OP_BSWAP32: res = bswap;
      SLUICE_OP_SEXT8:   res = {{56{a[7]}}, a[7:0]};
      SLUICE_OP_SEXT16:  res = {{48{a[15]}}, a[15:0]};
      SLUICE_OP_SEXT32:  res = {{32{a[31]}}, a};
      SLUICE_OP_SEL:     res[N-1:0] = selres;
      SLUICE_OP_ADDC:    res = {32'd0, addc};
      default:           res = 64'd0;
    endcase
  end

  always_comb begin
    case (op)
      SLUICE_OP_JEQ:  cond = eq;
      SLUICE_OP_JNE:  cond = !eq;
      SLUICE_OP_JGT:  cond = !(ult || eq);
      SLUICE_OP_JGE:  cond = !ult;
      SLUICE_OP_JLT:  cond = ult;
      SLUICE_OP_JLE:  cond = ult || eq;
      SLUICE_OP_JSGT: cond = !(slt || eq);
      SLUICE_OP_JSGE: cond = !slt;
      SLUICE_OP_JSLT: cond = slt;
      SLUICE_OP_JSLE: cond = slt || eq;
      SLUICE_OP_JSET: cond = |logic_and;
      default:        cond = 1'b0;
    endcase
  end
endmodule
