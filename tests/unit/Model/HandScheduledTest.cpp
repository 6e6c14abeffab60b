//===- HandScheduledTest.cpp - A real sample, scheduled by hand, on model --===//
//
// Until the compiler lands, this checks that the stage ISA can express a real
// XDP program: bpf-samples/parse_decide.bpf.c (Ethernet, up to two VLAN
// tags, IPv4 with options or IPv6, TCP/UDP; drop telnet, chargen and
// truncated headers) scheduled by hand into the default datapath, run on
// model and compared with interp, packet by packet, on the sample's pcap.
// The schedule is what the scheduler should find: VLAN depth by predicates,
// o3 and o4 by SEL, variable reads (VLD) at o3 and o4, and a drop verdict
// raised by guarded SETVs, one per condition, over PASS set first.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include "sluice/Interp/InterpEngine.h"
#include "sluice/Model/ModelEngine.h"
#include "sluice/Support/Pcap.h"

using namespace sluice;
using isa::Op;

namespace {

struct Asm {
  StageImage img = StageImage::empty(TargetParams::defaults());
  void at(unsigned s, unsigned l, Op o, unsigned dst, unsigned a, unsigned b) {
    isa::Uop u;
    u.op = unsigned(o), u.dst = dst, u.a = a, u.b = b;
    img.setUop(s, l, u);
  }
  void ati(unsigned s, unsigned l, Op o, unsigned dst, unsigned a, uint32_t imm) {
    isa::Uop u;
    u.op = unsigned(o), u.dst = dst, u.a = a, u.bi = 1, u.imm = imm;
    img.setUop(s, l, u);
  }
  // pred[p] = [guard] a OP b (b slot) / imm
  void cmp(unsigned s, unsigned l, Op o, unsigned p, unsigned a, uint32_t imm, unsigned g = 0) {
    isa::Uop u;
    u.op = unsigned(o), u.p = p, u.a = a, u.bi = 1, u.imm = imm, u.g = g;
    img.setUop(s, l, u);
  }
  void cmpr(unsigned s, unsigned l, Op o, unsigned p, unsigned a, unsigned b, unsigned g = 0) {
    isa::Uop u;
    u.op = unsigned(o), u.p = p, u.a = a, u.b = b, u.g = g;
    img.setUop(s, l, u);
  }
  void plut(unsigned s, unsigned l, unsigned p, unsigned pa, unsigned pb, unsigned table) {
    isa::Uop u;
    u.op = unsigned(Op::PLUT), u.p = p, u.a = pa, u.b = pb, u.imm = table;
    img.setUop(s, l, u);
  }
  void sel(unsigned s, unsigned l, unsigned dst, unsigned p, unsigned a, unsigned b) {
    isa::Uop u;
    u.op = unsigned(Op::SEL), u.dst = dst, u.p = p, u.a = a, u.b = b;
    img.setUop(s, l, u);
  }
  void seli(unsigned s, unsigned l, unsigned dst, unsigned p, unsigned a, uint32_t imm) {
    isa::Uop u;
    u.op = unsigned(Op::SEL), u.dst = dst, u.p = p, u.a = a, u.bi = 1, u.imm = imm;
    img.setUop(s, l, u);
  }
  void vld(unsigned s, unsigned dst, unsigned a, uint32_t off, unsigned bytes) {
    isa::Uop u;
    u.op = unsigned(Op::VLD), u.dst = dst, u.a = a, u.bi = 1, u.imm = off;
    u.p = bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3;
    u.w = bytes == 8;
    img.setUop(s, 0, u);
    if (bytes == 8) {
      isa::Uop hi;
      hi.op = unsigned(Op::PAIR);
      img.setUop(s, 1, hi);
    }
  }
  void setv(unsigned s, unsigned l, uint32_t verdict, unsigned g = 0) {
    isa::Uop u;
    u.op = unsigned(Op::SETV), u.bi = 1, u.imm = verdict, u.g = g;
    img.setUop(s, l, u);
  }
  void extract(unsigned e, unsigned src, unsigned off, unsigned bytes) {
    isa::Extract x;
    x.en = 1, x.src = src, x.off = off, x.size = bytes == 1 ? 0 : bytes == 2 ? 1 : 2;
    img.extract[e] = isa::encode(x);
  }
};

constexpr unsigned PLUT_AND = 8, PLUT_OR = 14, PLUT_A_ANDNOT_B = 2;
constexpr unsigned XDP_DROP = 1, XDP_PASS = 2;

StageImage parseDecide() {
  Asm m;
  // Extractor: ethertypes at 12/16/20 (as LE loads) and the length, copied
  // into the banks that use them. Entry e writes slot extractor_slots[e].
  m.extract(0, 0, 12, 2);   // s0 = et12
  m.extract(4, 0, 12, 2);   // s8 = et12
  m.extract(8, 0, 16, 2);   // s16 = et16
  m.extract(9, 0, 20, 2);   // s17 = et20
  m.extract(10, 1, 0, 4);   // s18 = len
  m.extract(12, 0, 16, 2);  // s24 = et16
  m.extract(13, 0, 20, 2);  // s25 = et20
  m.extract(14, 1, 0, 4);   // s26 = len
  m.img.consts[5] = 18;
  m.img.consts[6] = 22;
  // VLAN tags: p5 = first tag, p9 = second; p13 = a tag is truncated.
  m.cmp(0, 0, Op::JEQ, 1, 0, 0x0081);
  m.cmp(0, 1, Op::JEQ, 2, 8, 0xa888);
  m.cmp(0, 2, Op::JEQ, 3, 16, 0x0081);
  m.cmp(0, 3, Op::JEQ, 4, 24, 0xa888);
  m.plut(1, 0, 5, 1, 2, PLUT_OR);
  m.plut(1, 1, 6, 3, 4, PLUT_OR);
  m.cmp(1, 2, Op::JLT, 11, 18, 22);
  m.setv(1, 3, XDP_PASS);
  m.seli(2, 0, 4, 5, 5, 14);          // s4 = o3 so far
  m.sel(2, 1, 10, 5, 16, 8);          // s10 = ethertype so far
  m.cmp(2, 2, Op::JLT, 10, 18, 18, 5);
  m.plut(2, 3, 9, 5, 6, PLUT_AND);
  m.sel(3, 0, 4, 9, 6, 4);            // s4 = o3
  m.sel(3, 1, 10, 9, 17, 10);         // s10 = ethertype
  m.plut(3, 3, 12, 9, 11, PLUT_AND);
  m.ati(4, 0, Op::ADD, 7, 4, 20);     // s7 = o3 + 20
  m.cmp(4, 1, Op::JEQ, 7, 10, 0x0008);  // p7 = IPv4
  m.plut(4, 3, 13, 10, 12, PLUT_OR);  // p13 = VLAN truncated
  m.ati(5, 0, Op::ADD, 3, 4, 40);     // s3 = o3 + 40
  m.cmp(5, 1, Op::JEQ, 8, 10, 0xdd86);  // p8 = IPv6
  m.cmpr(5, 3, Op::JLT, 14, 26, 7);   // p14 = len < o3 + 20
  // L3 header.
  m.vld(6, 0, 4, 0, 8);               // s0 = bytes o3..o3+3, s8 = o3+4..o3+7
  m.cmpr(6, 3, Op::JLT, 15, 26, 3);   // p15 = len < o3 + 40
  m.ati(7, 0, Op::AND, 2, 0, 0x0f);   // ihl
  m.ati(7, 1, Op::RSH, 11, 8, 16);    // frag_off (LE), v6 nexthdr in its low byte
  m.ati(7, 3, Op::AND, 27, 0, 0xf0);  // version << 4
  m.ati(8, 0, Op::LSH, 2, 2, 2);      // s2 = ihl * 4
  m.cmp(8, 1, Op::JSET, 1, 11, 0xff1f);  // p1 = fragment offset != 0
  m.cmp(8, 3, Op::JNE, 2, 27, 0x40);  // p2 = version != 4
  m.at(9, 0, Op::ADD, 6, 2, 4);       // s6 = o3 + ihl * 4
  m.ati(9, 1, Op::AND, 12, 11, 0xff); // s12 = v6 nexthdr
  m.cmp(9, 3, Op::JLT, 4, 2, 20);     // p4 = ihl < 5
  m.vld(10, 5, 4, 9, 1);              // s5 = v4 protocol
  m.cmp(10, 2, Op::JNE, 3, 27, 0x60); // p3 = version != 6
  m.cmpr(10, 3, Op::JLT, 6, 26, 6);   // p6 = len < o3 + ihl * 4
  m.sel(11, 0, 7, 7, 6, 3);           // s7 = o4
  m.plut(11, 1, 11, 14, 6, PLUT_OR);
  m.plut(11, 2, 10, 15, 3, PLUT_OR);  // p10 = IPv6 header bad
  m.plut(11, 3, 9, 2, 4, PLUT_OR);
  m.sel(12, 0, 5, 7, 5, 12);          // s5 = L4 protocol
  m.plut(12, 1, 12, 11, 9, PLUT_OR);  // p12 = IPv4 header bad
  m.plut(12, 2, 5, 8, 10, PLUT_AND);  // p5 = drop: IPv6 header
  m.ati(12, 3, Op::ADD, 28, 7, 20);   // s28 = o4 + 20
  m.setv(13, 0, XDP_DROP, 13);        // VLAN truncated
  m.plut(13, 1, 2, 7, 12, PLUT_AND);  // p2 = drop: IPv4 header
  m.ati(13, 3, Op::ADD, 29, 7, 8);    // s29 = o4 + 8
  // L4 header.
  m.vld(14, 0, 7, 0, 8);              // s0 = bytes o4..o4+3
  m.cmpr(14, 2, Op::JLT, 3, 18, 28);  // p3 = TCP truncated
  m.cmp(14, 3, Op::JEQ, 4, 5, 6);     // p4 = TCP
  m.ati(15, 0, Op::RSH, 0, 0, 16);    // s0 = destination port (LE)
  m.plut(15, 1, 10, 7, 1, PLUT_A_ANDNOT_B);  // p10 = IPv4, first fragment
  m.cmpr(15, 2, Op::JLT, 6, 18, 29);  // p6 = UDP truncated
  m.cmp(15, 3, Op::JEQ, 9, 5, 17);    // p9 = UDP
  m.setv(16, 0, XDP_DROP, 2);
  m.plut(16, 1, 11, 10, 8, PLUT_OR);  // p11 = the L4 header is parsed
  m.plut(16, 2, 14, 4, 3, PLUT_AND);
  m.cmp(16, 3, Op::JEQ, 12, 0, 0x1700, 4);  // p12 = TCP to telnet
  m.setv(17, 0, XDP_DROP, 5);
  m.plut(17, 1, 13, 9, 6, PLUT_AND);
  m.plut(17, 2, 1, 14, 12, PLUT_OR);
  m.cmp(17, 3, Op::JEQ, 15, 0, 0x1300, 9);  // p15 = UDP to chargen
  m.vld(18, 2, 7, 12, 1);             // s2 = TCP doff byte
  m.plut(18, 1, 2, 13, 15, PLUT_OR);
  m.plut(18, 2, 3, 11, 1, PLUT_AND);  // p3 = drop: TCP
  m.plut(18, 3, 10, 11, 4, PLUT_AND); // p10 = TCP header parsed
  m.ati(19, 0, Op::RSH, 3, 2, 2);
  m.plut(19, 1, 5, 11, 2, PLUT_AND);  // p5 = drop: UDP
  m.setv(19, 2, XDP_DROP, 3);
  m.cmp(19, 3, Op::JLT, 6, 2, 0x50, 10);  // p6 = doff < 5
  m.ati(20, 0, Op::AND, 3, 3, 0x3c);  // doff * 4
  m.setv(20, 1, XDP_DROP, 5);
  m.at(21, 0, Op::ADD, 3, 3, 7);      // o4 + doff * 4
  m.setv(21, 1, XDP_DROP, 6);
  m.cmpr(22, 3, Op::JLT, 12, 26, 3, 10);  // p12 = TCP options truncated
  m.setv(23, 0, XDP_DROP, 12);
  m.img.name = "xdp_parse_decide (by hand)";
  return m.img;
}

TEST(HandScheduled, ParseDecideOnModelEqualsInterp) {
  StageImage img = parseDecide();
  ASSERT_FALSE(bool(verifyStageImage(img, TargetParams::defaults())))
      << llvm::toString(verifyStageImage(img, TargetParams::defaults()));
  auto obj = Object::open(std::string(SLUICE_SAMPLES_DIR) + "/parse_decide.bpf.o");
  ASSERT_TRUE(bool(obj)) << llvm::toString(obj.takeError());
  auto pkts = readPcap(std::string(SLUICE_SOURCE_DIR) + "/bpf-samples/pcaps/parse_decide.pcap");
  ASSERT_TRUE(bool(pkts)) << llvm::toString(pkts.takeError());
  InterpEngine interp;
  ASSERT_FALSE(bool(interp.load(*obj, obj->programs[0])));
  ModelEngine model;
  ASSERT_FALSE(bool(model.loadImage(img)));
  unsigned compared = 0, drops = 0;
  for (size_t i = 0; i < pkts->size(); ++i) {
    if ((*pkts)[i].data.size() < 14)
      continue;
    PacketIn in{(*pkts)[i].data};
    auto a = interp.run(in);
    auto b = model.run(in);
    ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
    ASSERT_TRUE(bool(b)) << llvm::toString(b.takeError());
    EXPECT_EQ(a->action, b->action) << "packet " << i << ":\n" << formatStageImage(img, model.target());
    EXPECT_EQ(a->data, b->data) << "packet " << i;
    EXPECT_FALSE(model.lastFacts().fault) << model.lastFacts().faultReason;
    drops += b->action == XDP_DROP;
    ++compared;
  }
  EXPECT_GT(compared, 10u);
  EXPECT_GT(drops, 0u);
  EXPECT_EQ(model.lastFacts().stagesUsed, 24u);
}

} // namespace
