//===- pcapgen.cpp - Deterministic packet sets for the XDP samples --------===//
//
// Writes one classic pcap (DLT_EN10MB, microsecond timestamps) per sample of
// bpf-samples/, and the map-init files (<name>.maps.json) whose entries the
// packets are built to hit and miss. The output depends on nothing but this
// file: fixed timestamps (1 ms apart, so a capture spans well under one
// second), addresses and ports from the tables below, and payload bytes
// from a fixed-seed splitmix64 generator.
//
//   sluice-pcapgen --out bpf-samples/pcaps [--maps-out bpf-samples] [--list]
//
//===----------------------------------------------------------------------===//
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------------------
// Byte helpers and the PRNG.

void put8(Bytes &b, uint8_t v) { b.push_back(v); }
void put16(Bytes &b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
void put32(Bytes &b, uint32_t v) {
  put16(b, uint16_t(v >> 16));
  put16(b, uint16_t(v));
}
void append(Bytes &b, const Bytes &x) { b.insert(b.end(), x.begin(), x.end()); }
void set16(Bytes &b, size_t off, uint16_t v) {
  b[off] = uint8_t(v >> 8);
  b[off + 1] = uint8_t(v);
}
uint16_t get16(const Bytes &b, size_t off) { return uint16_t(b[off] << 8 | b[off + 1]); }

uint64_t rngState = 0;
uint64_t splitmix64() {
  uint64_t z = (rngState += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
Bytes randomBytes(size_t n) {
  Bytes b(n);
  for (auto &c : b)
    c = uint8_t(splitmix64());
  return b;
}
Bytes textBytes(const std::string &s) { return Bytes(s.begin(), s.end()); }

uint32_t fnv1a32(const Bytes &b) {
  uint32_t h = 2166136261u;
  for (uint8_t c : b)
    h = (h ^ c) * 16777619u;
  return h;
}

// One's-complement sum of big-endian 16-bit words.
uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2)
    acc += uint32_t(p[i] << 8 | p[i + 1]);
  if (n & 1)
    acc += uint32_t(p[n - 1] << 8);
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return uint16_t(~acc);
}

// ---------------------------------------------------------------------------
// Addresses.

struct Mac {
  uint8_t b[6];
};
constexpr Mac MAC_NIC{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};  // the port under test
constexpr Mac MAC_PEER{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}}; // the link peer
constexpr Mac MAC_BCAST{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

Mac mac(uint8_t last) { return Mac{{0x02, 0x00, 0x00, 0x00, 0x00, last}}; }

constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}
constexpr uint32_t CLIENT = ip4(10, 0, 0, 2);
constexpr uint32_t SERVER = ip4(10, 0, 0, 1);

struct In6 {
  uint8_t b[16];
};
In6 ip6(std::initializer_list<uint16_t> groups) { // 8 groups
  In6 a{};
  int i = 0;
  for (uint16_t g : groups) {
    a.b[2 * i] = uint8_t(g >> 8);
    a.b[2 * i + 1] = uint8_t(g);
    i++;
  }
  return a;
}
const In6 CLIENT6 = ip6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
const In6 SERVER6 = ip6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});

// ---------------------------------------------------------------------------
// Layer builders. L4 checksums are filled in by ipv4()/ipv6(), which know
// the pseudo-header.

enum : uint8_t { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };
enum : uint8_t {
  P_HOP = 0, P_ICMP = 1, P_IPIP = 4, P_TCP = 6, P_UDP = 17, P_IPV6 = 41, P_ROUTING = 43,
  P_FRAG = 44, P_GRE = 47, P_ESP = 50, P_AH = 51, P_ICMPV6 = 58, P_NONE = 59, P_DEST = 60,
  P_SCTP = 132
};
enum : uint16_t { ET_IP = 0x0800, ET_ARP = 0x0806, ET_IPV6 = 0x86dd, ET_8021Q = 0x8100,
                  ET_8021AD = 0x88a8, ET_TEB = 0x6558 };

Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq = 1000,
          const Bytes &payload = {}, const Bytes &options = {}) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, (flags & ACK) ? 5000 : 0);
  size_t hl = 20 + options.size();
  put8(b, uint8_t((hl / 4) << 4));
  put8(b, flags);
  put16(b, 64240); // window
  put16(b, 0);     // checksum
  put16(b, 0);     // urgent
  append(b, options);
  append(b, payload);
  return b;
}
// MSS 1460, SACK permitted, NOP, window scale 7: what a SYN carries.
Bytes synOptions() { return {2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7}; }
Bytes synOptionsPadded() {
  Bytes o = synOptions();
  o.push_back(1);
  o.push_back(1);
  return o;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes &payload = {}) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, uint16_t(8 + payload.size()));
  put16(b, 0);
  append(b, payload);
  return b;
}

Bytes icmpEcho(uint8_t type, uint16_t id, uint16_t seq, const Bytes &payload, uint8_t code = 0) {
  Bytes b;
  put8(b, type);
  put8(b, code);
  put16(b, 0);
  put16(b, id);
  put16(b, seq);
  append(b, payload);
  set16(b, 2, fold(sum16(b.data(), b.size())));
  return b;
}

// Offset of the checksum inside an L4 header, or -1.
int l4CsumOffset(uint8_t proto) {
  switch (proto) {
  case P_TCP:
    return 16;
  case P_UDP:
    return 6;
  case P_ICMPV6:
    return 2;
  default:
    return -1;
  }
}

void fillL4Csum4(Bytes &l4, uint32_t src, uint32_t dst, uint8_t proto) {
  int off = l4CsumOffset(proto);
  if (off < 0 || proto == P_ICMPV6 || l4.size() < size_t(off + 2))
    return;
  set16(l4, off, 0);
  Bytes ph;
  put32(ph, src);
  put32(ph, dst);
  put8(ph, 0);
  put8(ph, proto);
  put16(ph, uint16_t(l4.size()));
  uint16_t c = fold(sum16(l4.data(), l4.size(), sum16(ph.data(), ph.size())));
  if (proto == P_UDP && c == 0)
    c = 0xffff;
  set16(l4, off, c);
}

void fillL4Csum6(Bytes &l4, const In6 &src, const In6 &dst, uint8_t proto) {
  int off = l4CsumOffset(proto);
  if (off < 0 || l4.size() < size_t(off + 2))
    return;
  set16(l4, off, 0);
  Bytes ph(src.b, src.b + 16);
  ph.insert(ph.end(), dst.b, dst.b + 16);
  put32(ph, uint32_t(l4.size()));
  put32(ph, proto);
  uint16_t c = fold(sum16(l4.data(), l4.size(), sum16(ph.data(), ph.size())));
  if (proto == P_UDP && c == 0)
    c = 0xffff;
  set16(l4, off, c);
}

struct Ip4 {
  uint32_t src = CLIENT;
  uint32_t dst = SERVER;
  uint8_t proto = P_UDP;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t id = 0x1c46;
  uint16_t frag = 0x4000; // DF; MF = 0x2000; offset in 8-byte units
  Bytes options;          // multiple of 4 bytes
  bool badCsum = false;   // corrupt the header checksum
  bool l4Csum = true;     // compute the TCP/UDP checksum over the payload
  int ihl = -1;           // override the header-length field
  int totLen = -1;        // override the total-length field
};

Bytes ipv4(const Ip4 &h, Bytes l4) {
  if (h.l4Csum && (h.frag & 0x3fff) == 0)
    fillL4Csum4(l4, h.src, h.dst, h.proto);
  Bytes b;
  size_t hl = 20 + h.options.size();
  put8(b, uint8_t(0x40 | (h.ihl >= 0 ? h.ihl : int(hl / 4))));
  put8(b, h.tos);
  put16(b, uint16_t(h.totLen >= 0 ? h.totLen : int(hl + l4.size())));
  put16(b, h.id);
  put16(b, h.frag);
  put8(b, h.ttl);
  put8(b, h.proto);
  put16(b, 0);
  put32(b, h.src);
  put32(b, h.dst);
  append(b, h.options);
  uint16_t c = fold(sum16(b.data(), b.size()));
  set16(b, 10, h.badCsum ? uint16_t(c ^ 0x5a5a) : c);
  append(b, l4);
  return b;
}

// Recomputes the header checksum of an IPv4 packet after a field was
// deliberately mangled, so that the mangled field is its only defect.
void resumIpv4(Bytes &ip) {
  size_t hl = size_t(ip[0] & 0x0f) * 4;
  set16(ip, 10, 0);
  set16(ip, 10, fold(sum16(ip.data(), std::min(hl, ip.size()))));
}

// Splits an L4 datagram (checksum computed over the whole) into fragments
// carrying `chunk` bytes each (a multiple of 8).
std::vector<Bytes> ipv4Fragments(Ip4 h, Bytes l4, size_t chunk) {
  fillL4Csum4(l4, h.src, h.dst, h.proto);
  h.l4Csum = false;
  std::vector<Bytes> out;
  for (size_t off = 0; off < l4.size(); off += chunk) {
    size_t n = std::min(chunk, l4.size() - off);
    Ip4 f = h;
    f.frag = uint16_t((off / 8) | (off + n < l4.size() ? 0x2000 : 0));
    if (off)
      f.options.clear();
    out.push_back(ipv4(f, Bytes(l4.begin() + long(off), l4.begin() + long(off + n))));
  }
  return out;
}

// IPv4 options: Router Alert (4 bytes), or NOPs + Record Route (12 bytes).
Bytes optRouterAlert() { return {0x94, 0x04, 0x00, 0x00}; }
Bytes optRecordRoute() { return {0x01, 0x07, 0x0b, 0x04, 0, 0, 0, 0, 0, 0, 0, 0}; }
Bytes optTimestamp40() { // 40 bytes of options: the ihl = 15 maximum
  Bytes o = {0x44, 0x24, 0x05, 0x00};
  o.resize(36, 0);
  o.push_back(0x01);
  o.push_back(0x01);
  o.push_back(0x01);
  o.push_back(0x00);
  return o;
}

// An IPv6 extension header: its type and its bytes after (nexthdr, hdrlen).
struct Ext {
  uint8_t type;
  Bytes body;
};
// Hop-by-hop / destination options padded with PadN to 8n bytes in total.
Ext optsExt(uint8_t type, size_t total = 8) {
  Bytes body;
  if (type == P_HOP && total >= 8) {
    // Router alert (MLD) option, then padding.
    body = {0x05, 0x02, 0x00, 0x00};
  }
  size_t pad = total - 2 - body.size();
  if (pad == 1) {
    body.push_back(0);
  } else if (pad >= 2) {
    body.push_back(1);
    body.push_back(uint8_t(pad - 2));
    body.resize(body.size() + pad - 2, 0);
  }
  return Ext{type, body};
}
Ext routingExt(uint8_t rtype, int nAddrs = 1, uint8_t segsLeft = 0) {
  Bytes body = {rtype, segsLeft, 0, 0, 0, 0};
  for (int i = 0; i < nAddrs; i++) {
    In6 a = ip6({0x2001, 0xdb8, 0xff, 0, 0, 0, 0, uint16_t(i + 1)});
    body.insert(body.end(), a.b, a.b + 16);
  }
  return Ext{P_ROUTING, body};
}
Ext fragExt(uint16_t offsetUnits, bool more, uint32_t ident = 0xabcd0001) {
  Bytes body; // after nexthdr and the reserved byte
  put16(body, uint16_t(offsetUnits << 3 | (more ? 1 : 0)));
  put32(body, ident);
  return Ext{P_FRAG, body};
}
Ext ahExt() {
  Bytes body = {0, 0};  // reserved
  put32(body, 0x1000);  // SPI
  put32(body, 1);       // sequence
  Bytes icv(12, 0xa5);  // 96-bit ICV
  append(body, icv);
  return Ext{P_AH, body}; // 24 bytes in all: payload len (24/4)-2 = 4
}

struct Ip6 {
  In6 src = CLIENT6;
  In6 dst = SERVER6;
  uint8_t hlim = 64;
  std::vector<Ext> exts;
  bool l4Csum = true;
  int payloadLen = -1; // override
};

// The destination the upper-layer checksum uses: with a routing header that
// still has segments left, the final one (RFC 8200 8.1).
In6 finalDestination(const Ip6 &h) {
  In6 dst = h.dst;
  for (const Ext &e : h.exts) {
    if (e.type != P_ROUTING || e.body.size() < 6 + 16 || e.body[1] == 0)
      continue;
    size_t at = e.body[0] == 4 ? 6 : e.body.size() - 16; // SRH lists the final segment first
    std::memcpy(dst.b, e.body.data() + at, 16);
  }
  return dst;
}

Bytes ipv6(const Ip6 &h, uint8_t proto, Bytes l4) {
  if (h.l4Csum)
    fillL4Csum6(l4, h.src, finalDestination(h), proto);
  Bytes chain;
  for (size_t i = 0; i < h.exts.size(); i++) {
    const Ext &e = h.exts[i];
    uint8_t next = i + 1 < h.exts.size() ? h.exts[i + 1].type : proto;
    chain.push_back(next);
    size_t total = 2 + e.body.size();
    if (e.type == P_FRAG)
      chain.push_back(0);
    else if (e.type == P_AH)
      chain.push_back(uint8_t(total / 4 - 2));
    else
      chain.push_back(uint8_t(total / 8 - 1));
    append(chain, e.body);
  }
  Bytes b;
  put32(b, 0x60000000);
  put16(b, uint16_t(h.payloadLen >= 0 ? h.payloadLen : int(chain.size() + l4.size())));
  put8(b, h.exts.empty() ? proto : h.exts[0].type);
  put8(b, h.hlim);
  b.insert(b.end(), h.src.b, h.src.b + 16);
  b.insert(b.end(), h.dst.b, h.dst.b + 16);
  append(b, chain);
  append(b, l4);
  return b;
}

Bytes icmp6Echo(uint16_t id, uint16_t seq, const Bytes &payload) {
  Bytes b = {128, 0, 0, 0};
  put16(b, id);
  put16(b, seq);
  append(b, payload);
  return b; // checksum filled by ipv6()
}

struct Tag {
  uint16_t tpid;
  uint16_t tci;
};

// An Ethernet frame, padded to the 60-byte minimum unless told otherwise.
Bytes eth(const Mac &dst, const Mac &src, uint16_t type, const Bytes &payload,
          std::vector<Tag> tags = {}, bool pad = true) {
  Bytes b(dst.b, dst.b + 6);
  b.insert(b.end(), src.b, src.b + 6);
  for (const Tag &t : tags) {
    put16(b, t.tpid);
    put16(b, t.tci);
  }
  put16(b, type);
  append(b, payload);
  if (pad && b.size() < 60)
    b.resize(60, 0);
  return b;
}
// Client -> server frame.
Bytes ethc(uint16_t type, const Bytes &payload, std::vector<Tag> tags = {}) {
  return eth(MAC_NIC, MAC_PEER, type, payload, std::move(tags));
}

Bytes arpRequest(uint32_t sender, uint32_t target) {
  Bytes b;
  put16(b, 1);
  put16(b, ET_IP);
  put8(b, 6);
  put8(b, 4);
  put16(b, 1);
  b.insert(b.end(), MAC_PEER.b, MAC_PEER.b + 6);
  put32(b, sender);
  b.insert(b.end(), 6, 0);
  put32(b, target);
  return eth(MAC_BCAST, MAC_PEER, ET_ARP, b);
}

// DNS: a query for `name` (dotted), or a raw QNAME.
Bytes qname(const std::string &dotted) {
  Bytes b;
  size_t start = 0;
  while (start <= dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string::npos)
      dot = dotted.size();
    if (dot > start) {
      b.push_back(uint8_t(dot - start));
      b.insert(b.end(), dotted.begin() + long(start), dotted.begin() + long(dot));
    }
    start = dot + 1;
  }
  b.push_back(0);
  return b;
}
Bytes dnsMessage(uint16_t id, uint16_t flags, uint16_t qdcount, const Bytes &qn,
                 uint16_t qtype = 1, bool withQtype = true) {
  Bytes b;
  put16(b, id);
  put16(b, flags);
  put16(b, qdcount);
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  append(b, qn);
  if (withQtype) {
    put16(b, qtype);
    put16(b, 1); // IN
  }
  return b;
}
Bytes dnsQuery(uint16_t id, const std::string &name, uint16_t qtype = 1) {
  return dnsMessage(id, 0x0100, 1, qname(name), qtype);
}
// The key dns_filter computes: FNV-1a over the lower-cased wire-format
// name without its terminating zero.
uint32_t dnsKey(const std::string &name) {
  std::string lower = name;
  for (auto &c : lower)
    if (c >= 'A' && c <= 'Z')
      c = char(c - 'A' + 'a');
  Bytes q = qname(lower);
  q.pop_back();
  return fnv1a32(q);
}

Bytes gre(uint16_t flags, uint16_t proto, const Bytes &payload, uint32_t key = 0,
          uint32_t seq = 0) {
  Bytes b;
  put16(b, flags);
  put16(b, proto);
  size_t csumAt = b.size();
  if (flags & 0x8000) {
    put16(b, 0);
    put16(b, 0);
  }
  if (flags & 0x2000)
    put32(b, key);
  if (flags & 0x1000)
    put32(b, seq);
  append(b, payload);
  if (flags & 0x8000)
    set16(b, csumAt, fold(sum16(b.data(), b.size())));
  return b;
}

// Finds an IPv4 id such that the header checksum comes out as `want`
// (e.g. 0x0000, an edge for incremental updates).
uint16_t idForChecksum(Ip4 h, const Bytes &l4, uint16_t want) {
  for (uint32_t id = 0; id <= 0xffff; id++) {
    h.id = uint16_t(id);
    Bytes p = ipv4(h, l4);
    if (get16(p, 10) == want)
      return uint16_t(id);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// The edge set every capture carries: runts, header-only and truncated
// frames, options, tags, extension headers, fragments, a jumbo frame and
// bad checksums, with ordinary traffic as the payloads.

void commonEdges(std::vector<Bytes> &v) {
  Bytes ok = ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(40000, 80, SYN, 1, {}, synOptionsPadded())));
  // Runts: 10 and 13 bytes (refused by BPF_PROG_TEST_RUN, kept on purpose).
  v.push_back(Bytes(ok.begin(), ok.begin() + 10));
  v.push_back(Bytes(ok.begin(), ok.begin() + 13));
  // Exactly an Ethernet header, IPv4 EtherType, nothing after it.
  v.push_back(Bytes(ok.begin(), ok.begin() + 14));
  // Ethernet + 10 bytes of IPv4 header.
  v.push_back(Bytes(ok.begin(), ok.begin() + 24));
  // IPv4 header complete, 8 bytes of a TCP header.
  v.push_back(Bytes(ok.begin(), ok.begin() + 42));
  // ihl = 4 (below the minimum).
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP, .ihl = 4}, udp(40001, 5000, randomBytes(16)))));
  // ihl = 15 announced, frame ends after 24 bytes of IPv4 header.
  {
    Bytes f = ethc(ET_IP, ipv4({.proto = P_TCP, .options = optTimestamp40()},
                              tcp(40002, 80, SYN, 7, {}, synOptionsPadded())));
    v.push_back(Bytes(f.begin(), f.begin() + 38));
  }
  // Options: router alert (ihl 6) over UDP, record route (ihl 8) over TCP.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP, .options = optRouterAlert()},
                               udp(40003, 5001, randomBytes(24)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .options = optRecordRoute()},
                               tcp(40004, 443, ACK | PSH, 99, randomBytes(40)))));
  // 802.1Q VLAN 10 and QinQ 100/10, then three tags (one more than parsed).
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(40005, 5002, randomBytes(20))),
                   {{ET_8021Q, 10}}));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(40006, 22, ACK, 5, randomBytes(12))),
                   {{ET_8021AD, 100}, {ET_8021Q, 10}}));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(40007, 5003, randomBytes(8))),
                   {{ET_8021AD, 100}, {ET_8021Q, 10}, {ET_8021Q, 20}}));
  // IPv6 with hop-by-hop, routing (segment routing, type 4) and fragment.
  v.push_back(ethc(ET_IPV6, ipv6({.exts = {optsExt(P_HOP), routingExt(4, 1),
                                           fragExt(0, false)}},
                                 P_UDP, udp(40008, 5004, randomBytes(32)))));
  // Plain IPv6 TCP.
  v.push_back(ethc(ET_IPV6, ipv6({}, P_TCP, tcp(40009, 443, SYN, 11, {}, synOptionsPadded()))));
  // A 9000-byte jumbo frame (IPv4 UDP).
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(40010, 5005, randomBytes(9000 - 14 - 28)))));
  // A UDP datagram in three fragments.
  for (auto &f : ipv4Fragments({.proto = P_UDP, .id = 0x7777, .frag = 0},
                               udp(40011, 5006, randomBytes(150)), 64))
    v.push_back(ethc(ET_IP, f));
  // Bad IPv4 header checksum; bad TCP checksum.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP, .badCsum = true}, udp(40012, 5007, randomBytes(18)))));
  {
    Bytes t = tcp(40013, 80, ACK, 77, randomBytes(10));
    fillL4Csum4(t, CLIENT, SERVER, P_TCP);
    t[16] ^= 0xff;
    v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .l4Csum = false}, t)));
  }
  // ARP request.
  v.push_back(arpRequest(CLIENT, SERVER));
}

// ---------------------------------------------------------------------------
// Per-sample packet sets.

std::vector<Bytes> genBasic() {
  std::vector<Bytes> v;
  commonEdges(v);
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(41000, 80, ACK | PSH, 1, textBytes("GET / HTTP/1.1\r\n\r\n")))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(41001, 53, dnsQuery(1, "example.com")))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 1, 1, randomBytes(56)))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_ICMPV6, icmp6Echo(2, 1, randomBytes(56)))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(41002, 123, randomBytes(48)))));
  v.push_back(eth(MAC_BCAST, MAC_PEER, 0x88cc, randomBytes(40))); // LLDP-like
  return v;
}

std::vector<Bytes> genParseDecide() {
  std::vector<Bytes> v;
  commonEdges(v);
  auto telnet = [] { return tcp(42000, 23, SYN, 1, {}, synOptionsPadded()); };
  // Telnet (drop) in every encapsulation.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, telnet())));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, telnet()), {{ET_8021Q, 5}}));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, telnet()), {{ET_8021AD, 300}, {ET_8021Q, 5}}));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .options = optRecordRoute()}, telnet())));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_TCP, telnet())));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_TCP, telnet()), {{ET_8021Q, 7}}));
  // Telnet behind three tags: the parser stops at two and passes it.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, telnet()),
                   {{ET_8021AD, 1}, {ET_8021Q, 2}, {ET_8021Q, 3}}));
  // Port 23 as the *source* port, and TCP to 2323: pass.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(23, 42001, SYN | ACK, 5))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(42002, 2323, SYN, 1))));
  // Chargen over UDP (drop), v4, v6 and tagged; UDP to 53 and 1900 pass.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(42003, 19, randomBytes(1)))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(42004, 19, randomBytes(1)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(42005, 19, randomBytes(1))), {{ET_8021Q, 9}}));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(42006, 53, dnsQuery(2, "example.org")))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(42007, 1900, randomBytes(90)))));
  // Telnet SYN as a first fragment (drop) and a non-first fragment whose
  // bytes look like a port 23 header (pass).
  {
    auto frags = ipv4Fragments({.proto = P_TCP, .id = 0x4242, .frag = 0},
                               tcp(42008, 23, ACK | PSH, 9, randomBytes(60)), 40);
    v.push_back(ethc(ET_IP, frags[0]));
    v.push_back(ethc(ET_IP, frags[1]));
  }
  // TCP with doff = 4, and doff = 15 running past the frame: drop.
  {
    Bytes t = tcp(42009, 80, SYN, 1);
    t[12] = 0x40;
    v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, t)));
    t[12] = 0xf0;
    v.push_back(eth(MAC_NIC, MAC_PEER, ET_IP, ipv4({.proto = P_TCP}, t), {}, false));
  }
  // UDP header cut after 6 bytes (no padding): drop. IPv6 header cut: drop.
  {
    Bytes f = ethc(ET_IP, ipv4({.proto = P_UDP}, udp(42010, 19, randomBytes(30))));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 6));
    Bytes g = ethc(ET_IPV6, ipv6({}, P_UDP, udp(42011, 53, randomBytes(10))));
    v.push_back(Bytes(g.begin(), g.begin() + 14 + 30));
  }
  // IPv4 EtherType carrying a version-6 header: drop.
  {
    Bytes p = ipv4({.proto = P_TCP}, telnet());
    p[0] = 0x65;
    resumIpv4(p);
    v.push_back(ethc(ET_IP, p));
  }
  // ICMP and GRE pass.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 3, 1, randomBytes(32)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_GRE}, gre(0, ET_IP, ipv4({.proto = P_TCP}, telnet())))));
  return v;
}

// firewall: the blocklist holds these sources.
const uint32_t FW_BLOCKED[] = {ip4(10, 0, 0, 5), ip4(192, 168, 1, 66), ip4(172, 16, 9, 9)};

std::vector<Bytes> genFirewall() {
  std::vector<Bytes> v;
  commonEdges(v);
  for (int round = 0; round < 3; round++) {
    for (uint32_t src : FW_BLOCKED) {
      v.push_back(ethc(ET_IP, ipv4({.src = src, .proto = P_TCP},
                                   tcp(uint16_t(43000 + round), 443, SYN, 1, {}, synOptionsPadded()))));
      v.push_back(ethc(ET_IP, ipv4({.src = src + 1, .proto = P_UDP},
                                   udp(uint16_t(43100 + round), 53, dnsQuery(uint16_t(round), "example.net")))));
    }
  }
  // Blocked sources under VLAN / QinQ tags, with options, ICMP, fragments.
  v.push_back(ethc(ET_IP, ipv4({.src = FW_BLOCKED[0], .proto = P_UDP}, udp(43200, 69, randomBytes(20))),
                   {{ET_8021Q, 42}}));
  v.push_back(ethc(ET_IP, ipv4({.src = FW_BLOCKED[1], .proto = P_TCP}, tcp(43201, 22, SYN, 1)),
                   {{ET_8021AD, 7}, {ET_8021Q, 42}}));
  v.push_back(ethc(ET_IP, ipv4({.src = FW_BLOCKED[2], .proto = P_ICMP, .options = optRouterAlert()},
                               icmpEcho(8, 9, 9, randomBytes(24)))));
  for (auto &f : ipv4Fragments({.src = FW_BLOCKED[0], .proto = P_UDP, .id = 0x0101, .frag = 0},
                               udp(43202, 4789, randomBytes(100)), 48))
    v.push_back(ethc(ET_IP, f));
  // Near misses: the blocked address as destination, neighbouring addresses,
  // byte-swapped address.
  v.push_back(ethc(ET_IP, ipv4({.src = CLIENT, .dst = FW_BLOCKED[0], .proto = P_TCP}, tcp(43203, 80, SYN, 1))));
  v.push_back(ethc(ET_IP, ipv4({.src = FW_BLOCKED[0] - 1, .proto = P_TCP}, tcp(43204, 80, SYN, 1))));
  v.push_back(ethc(ET_IP, ipv4({.src = ip4(5, 0, 0, 10), .proto = P_TCP}, tcp(43205, 80, SYN, 1))));
  // A blocked source with a broken header (ihl 3): aborted before lookup.
  v.push_back(ethc(ET_IP, ipv4({.src = FW_BLOCKED[1], .proto = P_TCP, .ihl = 3}, tcp(43206, 80, SYN, 1))));
  // IPv6 from a v4-mapped blocked address: not IPv4, passes.
  v.push_back(ethc(ET_IPV6, ipv6({.src = ip6({0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0005})}, P_TCP,
                                 tcp(43207, 80, SYN, 1))));
  // Jumbo from a blocked source.
  v.push_back(ethc(ET_IP, ipv4({.src = FW_BLOCKED[2], .proto = P_UDP},
                               udp(43208, 9999, randomBytes(9000 - 42)))));
  return v;
}

std::vector<Bytes> genProtoCounters() {
  std::vector<Bytes> v;
  commonEdges(v);
  for (int i = 0; i < 4; i++) {
    v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(uint16_t(44000 + i), 80, ACK, uint32_t(i), randomBytes(size_t(10 * i))))));
    v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(uint16_t(44100 + i), 53, randomBytes(size_t(20 + 30 * i))))));
  }
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 1, 1, randomBytes(56)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(0, 1, 1, randomBytes(56)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_GRE}, gre(0, ET_IP, ipv4({.proto = P_UDP}, udp(1, 2))))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_SCTP}, randomBytes(48))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ESP}, randomBytes(64))));
  v.push_back(ethc(ET_IP, ipv4({.proto = 255}, randomBytes(8)))); // reserved protocol 255
  v.push_back(ethc(ET_IP, ipv4({.proto = 0}, randomBytes(8))));   // protocol 0
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(44200, 443, randomBytes(1200)))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_ICMPV6, icmp6Echo(5, 5, randomBytes(16)))));
  v.push_back(ethc(ET_IPV6, ipv6({.exts = {optsExt(P_HOP)}}, P_ICMPV6, icmp6Echo(6, 6, {}))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_NONE, {})));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(44300, 179, ACK, 1, randomBytes(19))), {{ET_8021Q, 3}}));
  v.push_back(eth(MAC_BCAST, MAC_PEER, 0x8863, randomBytes(20))); // PPPoE discovery
  v.push_back(eth(MAC_NIC, MAC_PEER, 0x0042, randomBytes(46)));   // 802.3 length field
  return v;
}

std::vector<Bytes> genIcmpEcho() {
  std::vector<Bytes> v;
  commonEdges(v);
  // Echo requests of several sizes and sources: replied (XDP_TX).
  for (int i = 0; i < 6; i++)
    v.push_back(ethc(ET_IP, ipv4({.src = ip4(10, 0, 0, uint8_t(10 + i)), .proto = P_ICMP,
                                  .id = uint16_t(0x100 + i)},
                                 icmpEcho(8, 0x55, uint16_t(i), randomBytes(size_t(8 << i))))));
  // Empty payload.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 0, 0, {}))));
  // Checksum edges for the incremental update (type 8 -> 0 adds 0x0800 to
  // the checksum): requests whose checksum is 0xf7ff (reply: 0xffff) and
  // 0xf800 (reply wraps to 0x0000 + end-around carry).
  for (uint16_t want : {uint16_t(0xf7ff), uint16_t(0xf800)}) {
    for (uint32_t w = 0; w <= 0xffff; w++) {
      Bytes req = icmpEcho(8, 0x77, 1, {uint8_t(w >> 8), uint8_t(w)});
      if (get16(req, 2) == want) {
        v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, req)));
        break;
      }
    }
  }
  // With IP options (ihl 8): ICMP at a variable offset.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP, .options = optRecordRoute()},
                               icmpEcho(8, 7, 7, randomBytes(32)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP, .options = optTimestamp40()},
                               icmpEcho(8, 7, 8, randomBytes(32)))));
  // Bad ICMP checksum: still answered, checksum stays wrong by the same amount.
  {
    Bytes e = icmpEcho(8, 8, 8, randomBytes(32));
    e[2] ^= 0x11;
    v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, e)));
  }
  // Bad IPv4 header checksum: answered (not verified).
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP, .badCsum = true}, icmpEcho(8, 8, 9, randomBytes(16)))));
  // Echo request with code 1, echo reply, dest unreachable: pass.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 9, 1, randomBytes(16), 1))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(0, 9, 2, randomBytes(16)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(3, 0, 0, randomBytes(28), 3))));
  // Tagged request: pass (untagged only).
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 10, 1, randomBytes(16))), {{ET_8021Q, 10}}));
  // Fragmented ping: both fragments pass.
  for (auto &f : ipv4Fragments({.proto = P_ICMP, .id = 0x5151, .frag = 0},
                               icmpEcho(8, 11, 1, randomBytes(120)), 64))
    v.push_back(ethc(ET_IP, f));
  // ICMP header cut at 4 bytes: drop.
  {
    Bytes f = ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 12, 1, {})));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 4));
  }
  // Jumbo ping (9000 bytes): replied.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 13, 1, randomBytes(9000 - 14 - 28)))));
  // ICMPv6 echo: pass.
  v.push_back(ethc(ET_IPV6, ipv6({}, P_ICMPV6, icmp6Echo(14, 1, randomBytes(16)))));
  return v;
}

std::vector<Bytes> genUdpReflect() {
  std::vector<Bytes> v;
  commonEdges(v);
  // Echo requests of several sizes and sources: reflected (XDP_TX).
  for (int i = 0; i < 5; i++)
    v.push_back(ethc(ET_IP, ipv4({.src = ip4(10, 0, 1, uint8_t(20 + i)), .ttl = uint8_t(30 + 20 * i),
                                  .id = uint16_t(0x200 + i)},
                                 udp(uint16_t(50000 + i), 7, randomBytes(size_t(4 << i))))));
  // Checksum edges for the TTL rewrite: header checksums 0x0000 and 0xffff.
  for (uint16_t want : {uint16_t(0x0000), uint16_t(0xffff), uint16_t(0x0100)}) {
    Bytes l4 = udp(50100, 7, randomBytes(12));
    Ip4 h{.ttl = 17};
    h.id = idForChecksum(h, l4, want);
    v.push_back(ethc(ET_IP, ipv4(h, l4)));
  }
  // TTL already 64, TTL 1, TTL 255.
  for (uint8_t ttl : {uint8_t(64), uint8_t(1), uint8_t(255)})
    v.push_back(ethc(ET_IP, ipv4({.ttl = ttl}, udp(50200, 7, randomBytes(10)))));
  // Not echo: other ports, TCP to port 7, options, fragments, VLAN, IPv6: pass.
  v.push_back(ethc(ET_IP, ipv4({}, udp(50300, 8, randomBytes(10)))));
  v.push_back(ethc(ET_IP, ipv4({}, udp(7, 50301, randomBytes(10)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(50302, 7, SYN, 3, {}, synOptionsPadded()))));
  v.push_back(ethc(ET_IP, ipv4({.options = optRouterAlert()}, udp(50303, 7, randomBytes(10)))));
  for (auto &f : ipv4Fragments({.id = 0x6161, .frag = 0}, udp(50304, 7, randomBytes(100)), 48))
    v.push_back(ethc(ET_IP, f));
  v.push_back(ethc(ET_IP, ipv4({}, udp(50305, 7, randomBytes(10))), {{ET_8021Q, 10}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(50306, 7, randomBytes(10)))));
  // UDP header cut at 6 bytes: drop.
  {
    Bytes f = ethc(ET_IP, ipv4({}, udp(50307, 7, {})));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 6));
  }
  // Jumbo echo (9000 bytes): reflected.
  v.push_back(ethc(ET_IP, ipv4({}, udp(50308, 7, randomBytes(9000 - 14 - 28)))));
  return v;
}

std::vector<Bytes> genSnapTrim() {
  std::vector<Bytes> v;
  commonEdges(v);
  // Small UDP and TCP datagrams padded to the 60-byte Ethernet minimum (and
  // past it, as some switches pad to 64): the padding is trimmed.
  for (size_t pad : {size_t(60), size_t(64), size_t(61)}) {
    Bytes f = ethc(ET_IP, ipv4({}, udp(52000, 53, randomBytes(4))));
    f.resize(pad, 0);
    v.push_back(f);
  }
  {
    Bytes f = ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(52001, 80, ACK, 5, {})));
    f.resize(60, 0);
    v.push_back(f);
  }
  // Exactly as long as the IPv4 header says, around the snap length: kept
  // whole up to 96 bytes, cut to 96 above.
  for (size_t total : {size_t(94), size_t(96), size_t(97), size_t(128), size_t(590), size_t(1514)})
    v.push_back(ethc(ET_IP, ipv4({}, udp(52002, 9000, randomBytes(total - 14 - 28)))));
  // Padded and long: first trimmed to the IPv4 length, then cut to 96.
  {
    Bytes f = ethc(ET_IP, ipv4({}, udp(52003, 9000, randomBytes(200))));
    f.resize(f.size() + 30, 0xee);
    v.push_back(f);
  }
  // The IPv4 total length claims more than the frame holds: dropped.
  {
    Bytes f = ethc(ET_IP, ipv4({}, udp(52004, 9000, randomBytes(100))));
    f.resize(f.size() - 10);
    v.push_back(f);
  }
  // Total length below the header (19) and exactly the header (20, no L4).
  for (uint16_t tl : {uint16_t(19), uint16_t(20)}) {
    Bytes f = ethc(ET_IP, ipv4({}, udp(52005, 9000, randomBytes(30))));
    f[16] = uint8_t(tl >> 8);
    f[17] = uint8_t(tl);
    v.push_back(f);
  }
  // Not IPv4: IPv6 (cut to 96 when long), ARP (short, kept), VLAN-tagged IPv4
  // (not parsed: only cut).
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(52006, 9000, randomBytes(300)))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(52007, 9000, randomBytes(10)))));
  v.push_back(ethc(ET_ARP, arpRequest(CLIENT, SERVER)));
  v.push_back(ethc(ET_IP, ipv4({}, udp(52008, 9000, randomBytes(400))), {{ET_8021Q, 10}}));
  return v;
}

std::vector<Bytes> genProbeReflect() {
  std::vector<Bytes> v;
  commonEdges(v);
  // Probes: sequence number, zero, the sender's timestamp, room for the
  // answer; some longer (padding after the probe), from several senders.
  for (int i = 0; i < 8; i++) {
    Bytes p;
    put32(p, uint32_t(i + 1));
    put32(p, 0);
    put32(p, 0x65000000u + uint32_t(i));
    put32(p, uint32_t(i * 1000003));
    Bytes room(12, 0);
    p.insert(p.end(), room.begin(), room.end());
    Bytes pad = randomBytes(size_t(i) * 11);
    p.insert(p.end(), pad.begin(), pad.end());
    v.push_back(ethc(ET_IP, ipv4({.src = ip4(10, 0, 2, uint8_t(10 + i))}, udp(uint16_t(40862 + i), 862, p))));
  }
  // Short probes (27 and 0 payload bytes): dropped.
  v.push_back(ethc(ET_IP, ipv4({}, udp(40900, 862, randomBytes(27)))));
  v.push_back(ethc(ET_IP, ipv4({}, udp(40901, 862, {}))));
  // Not probes: other port, TCP to 862, options, fragment, VLAN, IPv6, ARP.
  v.push_back(ethc(ET_IP, ipv4({}, udp(40902, 863, randomBytes(40)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(40903, 862, SYN, 1, {}, synOptionsPadded()))));
  v.push_back(ethc(ET_IP, ipv4({.options = optRouterAlert()}, udp(40904, 862, randomBytes(40)))));
  for (auto &f : ipv4Fragments({.id = 0x7272, .frag = 0}, udp(40905, 862, randomBytes(100)), 48))
    v.push_back(ethc(ET_IP, f));
  v.push_back(ethc(ET_IP, ipv4({}, udp(40906, 862, randomBytes(40))), {{ET_8021Q, 10}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(40907, 862, randomBytes(40)))));
  v.push_back(ethc(ET_ARP, arpRequest(CLIENT, SERVER)));
  return v;
}

std::vector<Bytes> genLossInject() {
  std::vector<Bytes> v;
  commonEdges(v);
  // 140 TCP and UDP datagrams over IPv4: about a quarter dropped.
  for (int i = 0; i < 140; i++) {
    if (i % 2)
      v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(uint16_t(41000 + i), 443, ACK, uint32_t(i), randomBytes(size_t(i % 7) * 9)))));
    else
      v.push_back(ethc(ET_IP, ipv4({}, udp(uint16_t(41000 + i), 4789, randomBytes(size_t(8 + i % 5))))));
  }
  // Control traffic: always passes.
  for (int i = 0; i < 10; i++) {
    v.push_back(ethc(ET_ARP, arpRequest(CLIENT, SERVER)));
    v.push_back(ethc(ET_IP, ipv4({.proto = 1}, randomBytes(16))));
    v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(uint16_t(42000 + i), 53, randomBytes(12)))));
  }
  return v;
}

std::vector<Bytes> genTtlForward() {
  std::vector<Bytes> v;
  commonEdges(v);
  // TCP and UDP to even and odd ports, several TTLs: forwarded.
  for (int i = 0; i < 8; i++) {
    uint16_t dport = uint16_t(1000 + 37 * i);
    uint8_t ttl = uint8_t(2 + 31 * i);
    if (i % 2)
      v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .ttl = ttl}, tcp(51000, dport, ACK, 1, randomBytes(8)))));
    else
      v.push_back(ethc(ET_IP, ipv4({.ttl = ttl}, udp(51001, dport, randomBytes(size_t(8 + i))))));
  }
  // TTL 0 and 1: to the host. TTL 2: forwarded with TTL 1.
  for (uint8_t ttl : {uint8_t(0), uint8_t(1), uint8_t(2)})
    v.push_back(ethc(ET_IP, ipv4({.ttl = ttl}, udp(51002, 53, randomBytes(8)))));
  // Checksum edges of the incremental update (the TTL byte's word drops by
  // 0x0100): header checksums 0xfeff, 0xff00, 0xffff, 0x0000.
  for (uint16_t want : {uint16_t(0xfeff), uint16_t(0xff00), uint16_t(0xffff), uint16_t(0x0000)}) {
    Bytes l4 = udp(51003, 80, randomBytes(12));
    Ip4 h{.ttl = 9};
    h.id = idForChecksum(h, l4, want);
    v.push_back(ethc(ET_IP, ipv4(h, l4)));
  }
  // Options (ports at a variable offset), ICMP (no ports), fragments.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .options = optRecordRoute()},
                               tcp(51004, 8081, ACK, 2, randomBytes(20)))));
  v.push_back(ethc(ET_IP, ipv4({.options = optRouterAlert()}, udp(51005, 8080, randomBytes(20)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 1, 1, randomBytes(24)))));
  for (auto &f : ipv4Fragments({.id = 0x7171, .frag = 0}, udp(51006, 4000, randomBytes(100)), 48))
    v.push_back(ethc(ET_IP, f));
  // IPv4 header complete, L4 cut at 2 bytes: drop.
  {
    Bytes f = ethc(ET_IP, ipv4({}, udp(51007, 4001, {})));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 2));
  }
  // Tagged and IPv6: pass.
  v.push_back(ethc(ET_IP, ipv4({}, udp(51008, 4002, randomBytes(10))), {{ET_8021Q, 7}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(51009, 4003, randomBytes(10)))));
  return v;
}

std::vector<Bytes> genVlanStrip() {
  std::vector<Bytes> v;
  commonEdges(v);
  // 802.1Q tagged frames of several VLANs and payloads: the tag is popped.
  for (int i = 0; i < 6; i++) {
    uint16_t tci = uint16_t((i << 13) | (10 + 100 * i));
    if (i % 3 == 0)
      v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(52000, uint16_t(80 + i), ACK, 1, randomBytes(16))),
                       {{ET_8021Q, tci}}));
    else if (i % 3 == 1)
      v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(52001, 53, randomBytes(20))), {{ET_8021Q, tci}}));
    else
      v.push_back(ethc(ET_ARP, Bytes(28, uint8_t(i)), {{ET_8021Q, tci}}));
  }
  // QinQ (outer 802.1ad): passes untouched; 802.1Q inside 802.1Q: one popped.
  v.push_back(ethc(ET_IP, ipv4({}, udp(52002, 5000, randomBytes(8))), {{ET_8021AD, 100}, {ET_8021Q, 10}}));
  v.push_back(ethc(ET_IP, ipv4({}, udp(52003, 5001, randomBytes(8))), {{ET_8021Q, 100}, {ET_8021Q, 10}}));
  // A tag and nothing after it (18 bytes), a tag cut short (16 bytes).
  {
    Bytes f = eth(MAC_NIC, MAC_PEER, ET_IP, {}, {{ET_8021Q, 42}}, false);
    v.push_back(f);
    v.push_back(Bytes(f.begin(), f.begin() + 16));
  }
  // A tagged jumbo frame: popped.
  v.push_back(ethc(ET_IP, ipv4({}, udp(52004, 5002, randomBytes(9000 - 18 - 28))), {{ET_8021Q, 3}}));
  return v;
}

std::vector<Bytes> genGreEncap() {
  std::vector<Bytes> v;
  commonEdges(v);
  // IPv4 of several protocols and sizes: encapsulated (XDP_TX).
  for (int i = 0; i < 6; i++) {
    if (i % 3 == 0)
      v.push_back(ethc(ET_IP, ipv4({.src = ip4(10, 1, 0, uint8_t(i)), .proto = P_TCP},
                                   tcp(53000, uint16_t(443 + i), ACK, 9, randomBytes(size_t(10 * i))))));
    else if (i % 3 == 1)
      v.push_back(ethc(ET_IP, ipv4({.src = ip4(10, 1, 0, uint8_t(i))},
                                   udp(53001, 4789, randomBytes(size_t(3 + 50 * i))))));
    else
      v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 3, uint16_t(i), randomBytes(24)))));
  }
  // Inner total lengths at the edges of the outer one's 16 bits.
  for (int tl : {20, 0xffe7, 0xffff}) {
    Bytes f = ethc(ET_IP, ipv4({.totLen = tl}, udp(53002, 9, randomBytes(12))));
    v.push_back(f);
  }
  // Options, fragments, tagged, IPv6, ARP.
  v.push_back(ethc(ET_IP, ipv4({.options = optRouterAlert()}, udp(53003, 9, randomBytes(12)))));
  for (auto &f : ipv4Fragments({.id = 0x8181, .frag = 0}, udp(53004, 9, randomBytes(90)), 48))
    v.push_back(ethc(ET_IP, f));
  v.push_back(ethc(ET_IP, ipv4({}, udp(53005, 9, randomBytes(8))), {{ET_8021Q, 12}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(53006, 9, randomBytes(8)))));
  // An IPv4 header cut at 19 bytes: drop.
  {
    Bytes f = ethc(ET_IP, ipv4({}, udp(53007, 9, {})));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 19));
  }
  return v;
}

// router: routes and ports (also written to router.maps.json).
struct Route {
  uint32_t prefix;
  uint8_t len;
  uint32_t port;
  Mac dmac, smac;
};
const Route ROUTES[] = {
    {ip4(10, 1, 0, 0), 16, 0, mac(0xa1), mac(0x10)},
    {ip4(10, 1, 2, 0), 24, 1, mac(0xb2), mac(0x11)},
    {ip4(192, 168, 0, 0), 16, 1, mac(0xb3), mac(0x11)},
    {ip4(198, 51, 100, 7), 32, 0, mac(0xa4), mac(0x10)},
    {ip4(10, 9, 0, 0), 16, 5, mac(0xc5), mac(0x12)}, // port 5: no DEVMAP entry
};

std::vector<Bytes> genRouter() {
  std::vector<Bytes> v;
  commonEdges(v);
  auto fwd = [&](uint32_t dst, uint8_t ttl, Bytes l4 = {}, uint8_t proto = P_UDP) {
    if (l4.empty())
      l4 = udp(45000, 7000, randomBytes(32));
    return ethc(ET_IP, ipv4({.dst = dst, .proto = proto, .ttl = ttl}, l4));
  };
  v.push_back(fwd(ip4(10, 1, 5, 5), 64));    // /16 -> port 0
  v.push_back(fwd(ip4(10, 1, 2, 3), 64));    // /24 beats /16 -> port 1
  v.push_back(fwd(ip4(10, 1, 3, 3), 64));    // next to the /24: /16
  v.push_back(fwd(ip4(192, 168, 200, 1), 2)); // TTL 2 -> forwarded with 1
  v.push_back(fwd(ip4(198, 51, 100, 7), 255));
  v.push_back(fwd(ip4(198, 51, 100, 8), 64)); // /32 neighbour: no route
  v.push_back(fwd(ip4(10, 9, 1, 1), 64));    // route to a port without a DEVMAP entry
  v.push_back(fwd(ip4(8, 8, 8, 8), 64));     // no route: pass
  v.push_back(fwd(ip4(10, 2, 0, 1), 64));    // no route
  v.push_back(fwd(ip4(10, 1, 5, 5), 1));     // TTL 1: to the host
  v.push_back(fwd(ip4(10, 1, 5, 5), 0));     // TTL 0: to the host
  v.push_back(fwd(ip4(10, 1, 2, 200), 64, tcp(45001, 443, SYN, 1, {}, synOptionsPadded()), P_TCP));
  v.push_back(fwd(ip4(10, 1, 2, 201), 128, icmpEcho(8, 1, 1, randomBytes(56)), P_ICMP));
  // Header checksum edges: 0x0000 before the TTL decrement, and one that
  // becomes 0x0000 / wraps after it.
  for (uint16_t want : {uint16_t(0x0000), uint16_t(0xfeff), uint16_t(0xff00)}) {
    Ip4 h{.dst = ip4(10, 1, 7, 7), .proto = P_UDP, .ttl = 17};
    Bytes l4 = udp(45002, 7001, randomBytes(12));
    h.id = idForChecksum(h, l4, want);
    v.push_back(ethc(ET_IP, ipv4(h, l4)));
  }
  // Bad header checksum: forwarded, stays bad.
  v.push_back(ethc(ET_IP, ipv4({.dst = ip4(10, 1, 5, 6), .proto = P_UDP, .badCsum = true},
                               udp(45003, 7002, randomBytes(20)))));
  // Options (ihl 6 and 15): forwarded.
  v.push_back(ethc(ET_IP, ipv4({.dst = ip4(10, 1, 5, 7), .proto = P_UDP, .options = optRouterAlert()},
                               udp(45004, 7003, randomBytes(20)))));
  v.push_back(ethc(ET_IP, ipv4({.dst = ip4(10, 1, 5, 8), .proto = P_UDP, .options = optTimestamp40()},
                               udp(45005, 7004, randomBytes(20)))));
  // Fragments: each forwarded.
  for (auto &f : ipv4Fragments({.dst = ip4(192, 168, 1, 1), .proto = P_UDP, .id = 0x3333, .frag = 0},
                               udp(45006, 7005, randomBytes(200)), 96))
    v.push_back(ethc(ET_IP, f));
  // Tagged and IPv6: to the host.
  v.push_back(ethc(ET_IP, ipv4({.dst = ip4(10, 1, 5, 5), .proto = P_UDP}, udp(45007, 7006, randomBytes(20))),
                   {{ET_8021Q, 10}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(45008, 7007, randomBytes(20)))));
  // Jumbo: forwarded.
  v.push_back(ethc(ET_IP, ipv4({.dst = ip4(10, 1, 2, 9), .proto = P_UDP},
                               udp(45009, 7008, randomBytes(9000 - 42)))));
  // Version 5 in an IPv4 EtherType: drop.
  {
    Bytes p = ipv4({.dst = ip4(10, 1, 5, 5), .proto = P_UDP}, udp(45010, 7009, randomBytes(8)));
    p[0] = 0x55;
    resumIpv4(p);
    v.push_back(ethc(ET_IP, p));
  }
  return v;
}

// l4_lb: VIPs and backends (also written to l4_lb.maps.json).
struct Vip {
  uint32_t addr;
  uint16_t port;
  uint8_t proto;
  uint32_t first, count;
};
const Vip VIPS[] = {
    {ip4(10, 100, 0, 1), 80, P_TCP, 0, 4},
    {ip4(10, 100, 0, 1), 53, P_UDP, 4, 2},
    {ip4(10, 100, 0, 2), 443, P_TCP, 6, 0},  // no backends: drop
    {ip4(10, 100, 0, 3), 8080, P_TCP, 8, 2}, // slot 9 left empty: some flows drop
    {ip4(10, 100, 0, 4), 25, P_TCP, 10, 9},  // count above the limit: drop
};
struct Backend {
  uint32_t slot;
  uint32_t addr;
  Mac mac;
};
const Backend BACKENDS[] = {
    {0, ip4(172, 16, 0, 10), mac(0x20)}, {1, ip4(172, 16, 0, 11), mac(0x21)},
    {2, ip4(172, 16, 0, 12), mac(0x22)}, {3, ip4(172, 16, 0, 13), mac(0x23)},
    {4, ip4(172, 16, 1, 10), mac(0x24)}, {5, ip4(172, 16, 1, 11), mac(0x25)},
    {8, ip4(172, 16, 2, 10), mac(0x28)},
};

std::vector<Bytes> genL4Lb() {
  std::vector<Bytes> v;
  commonEdges(v);
  // Many TCP flows to VIP:80 (spread over four backends), each SYN then data.
  for (int i = 0; i < 12; i++) {
    uint32_t src = ip4(198, 18, uint8_t(i / 4), uint8_t(1 + i));
    uint16_t sport = uint16_t(50000 + 37 * i);
    v.push_back(ethc(ET_IP, ipv4({.src = src, .dst = VIPS[0].addr, .proto = P_TCP},
                                 tcp(sport, 80, SYN, uint32_t(i), {}, synOptionsPadded()))));
    if (i % 3 == 0)
      v.push_back(ethc(ET_IP, ipv4({.src = src, .dst = VIPS[0].addr, .proto = P_TCP},
                                   tcp(sport, 80, ACK | PSH, uint32_t(i + 1), randomBytes(100)))));
  }
  // UDP to VIP:53.
  for (int i = 0; i < 6; i++)
    v.push_back(ethc(ET_IP, ipv4({.src = ip4(198, 18, 9, uint8_t(i + 1)), .dst = VIPS[1].addr},
                                 udp(uint16_t(33000 + i), 53, dnsQuery(uint16_t(i), "lb.example")))));
  // VIP:443 without backends, VIP:8080 half-populated, VIP:25 bad count.
  for (int i = 0; i < 2; i++)
    v.push_back(ethc(ET_IP, ipv4({.src = ip4(198, 18, 10, uint8_t(i + 1)), .dst = VIPS[2].addr, .proto = P_TCP},
                                 tcp(uint16_t(51000 + i), 443, SYN, 1))));
  for (int i = 0; i < 6; i++)
    v.push_back(ethc(ET_IP, ipv4({.src = ip4(198, 18, 11, uint8_t(i + 1)), .dst = VIPS[3].addr, .proto = P_TCP},
                                 tcp(uint16_t(52000 + i), 8080, SYN, 1))));
  v.push_back(ethc(ET_IP, ipv4({.dst = VIPS[4].addr, .proto = P_TCP}, tcp(52100, 25, SYN, 1))));
  // VIP address, other port or protocol: pass.
  v.push_back(ethc(ET_IP, ipv4({.dst = VIPS[0].addr, .proto = P_TCP}, tcp(52200, 81, SYN, 1))));
  v.push_back(ethc(ET_IP, ipv4({.dst = VIPS[0].addr, .proto = P_UDP}, udp(52201, 80, randomBytes(10)))));
  v.push_back(ethc(ET_IP, ipv4({.dst = VIPS[0].addr, .proto = P_ICMP}, icmpEcho(8, 1, 1, randomBytes(16)))));
  // VIP traffic with options: encapsulated with the options inside.
  v.push_back(ethc(ET_IP, ipv4({.src = ip4(198, 18, 12, 1), .dst = VIPS[0].addr, .proto = P_TCP,
                                .options = optRecordRoute()},
                               tcp(52300, 80, SYN, 1))));
  // VIP fragments: pass.
  for (auto &f : ipv4Fragments({.src = ip4(198, 18, 12, 2), .dst = VIPS[1].addr, .proto = P_UDP,
                                .id = 0x2222, .frag = 0},
                               udp(52301, 53, randomBytes(100)), 64))
    v.push_back(ethc(ET_IP, f));
  // VIP packet cut after two bytes of L4 header: drop.
  {
    Bytes f = ethc(ET_IP, ipv4({.dst = VIPS[0].addr, .proto = P_TCP}, tcp(52302, 80, SYN, 1)));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 2));
  }
  // Tagged VIP traffic and IPv6: pass.
  v.push_back(ethc(ET_IP, ipv4({.dst = VIPS[0].addr, .proto = P_TCP}, tcp(52303, 80, SYN, 1)), {{ET_8021Q, 10}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_TCP, tcp(52304, 80, SYN, 1))));
  // Jumbo to the VIP: encapsulated to 9020 bytes.
  v.push_back(ethc(ET_IP, ipv4({.src = ip4(198, 18, 13, 1), .dst = VIPS[1].addr},
                               udp(52305, 53, randomBytes(9000 - 42)))));
  return v;
}

// tunnel_decap: our tunnel endpoints (also in tunnel_decap.maps.json).
const uint32_t TUN_ENDPOINTS[] = {ip4(10, 200, 0, 1), ip4(10, 200, 0, 2)};

std::vector<Bytes> genTunnelDecap() {
  std::vector<Bytes> v;
  commonEdges(v);
  const uint32_t remote = ip4(203, 0, 113, 1);
  auto innerV4 = [](uint16_t sport) {
    return ipv4({.src = ip4(192, 168, 50, 2), .dst = ip4(192, 168, 60, 3), .proto = P_TCP},
                tcp(sport, 80, SYN, 1, {}, synOptionsPadded()));
  };
  auto innerV6 = [](uint16_t sport) { return ipv6({}, P_UDP, udp(sport, 53, dnsQuery(7, "inner.example"))); };
  auto outer = [&](uint32_t dst, uint8_t proto, const Bytes &payload, Ip4 base = {}) {
    base.src = remote;
    base.dst = dst;
    base.proto = proto;
    return ethc(ET_IP, ipv4(base, payload));
  };
  // IPIP and SIT to both endpoints: decapsulated.
  v.push_back(outer(TUN_ENDPOINTS[0], P_IPIP, innerV4(46000)));
  v.push_back(outer(TUN_ENDPOINTS[1], P_IPIP, innerV4(46001)));
  v.push_back(outer(TUN_ENDPOINTS[0], P_IPV6, innerV6(46002)));
  // GRE: plain, key, checksum+key+sequence, inner IPv6.
  v.push_back(outer(TUN_ENDPOINTS[0], P_GRE, gre(0x0000, ET_IP, innerV4(46003))));
  v.push_back(outer(TUN_ENDPOINTS[1], P_GRE, gre(0x2000, ET_IP, innerV4(46004), 0x1234)));
  v.push_back(outer(TUN_ENDPOINTS[0], P_GRE, gre(0xb000, ET_IP, innerV4(46005), 0xdeadbeef, 42)));
  v.push_back(outer(TUN_ENDPOINTS[0], P_GRE, gre(0x1000, ET_IPV6, innerV6(46006), 0, 7)));
  v.push_back(outer(TUN_ENDPOINTS[1], P_GRE, gre(0x8000, ET_IPV6, innerV6(46007))));
  // Outer header with options (ihl 8): decapsulated, options removed.
  v.push_back(outer(TUN_ENDPOINTS[0], P_IPIP, innerV4(46008), {.options = optRecordRoute()}));
  v.push_back(outer(TUN_ENDPOINTS[1], P_GRE, gre(0x2000, ET_IP, innerV4(46009), 5), {.options = optRouterAlert()}));
  // Not to an endpoint: unchanged.
  v.push_back(outer(ip4(10, 200, 0, 3), P_IPIP, innerV4(46010)));
  v.push_back(outer(SERVER, P_GRE, gre(0, ET_IP, innerV4(46011))));
  // GRE we do not terminate: Ethernet over GRE, version 1 (PPTP), routing bit.
  v.push_back(outer(TUN_ENDPOINTS[0], P_GRE, gre(0x0000, ET_TEB, ethc(ET_IP, innerV4(46012)))));
  v.push_back(outer(TUN_ENDPOINTS[0], P_GRE, gre(0x3001, 0x880b, randomBytes(40), 0x00280001, 3)));
  v.push_back(outer(TUN_ENDPOINTS[0], P_GRE, gre(0x4000, ET_IP, innerV4(46013))));
  // Truncated: IPIP with 12 bytes of inner header, GRE cut at 2 bytes,
  // GRE key announced but inner header missing: drop.
  {
    Bytes f = outer(TUN_ENDPOINTS[0], P_IPIP, innerV4(46014));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 12));
    Bytes g = outer(TUN_ENDPOINTS[0], P_GRE, gre(0, ET_IP, innerV4(46015)));
    v.push_back(Bytes(g.begin(), g.begin() + 14 + 20 + 2));
    Bytes h = outer(TUN_ENDPOINTS[0], P_GRE, gre(0xb000, ET_IPV6, innerV6(46016), 1, 1));
    v.push_back(Bytes(h.begin(), h.begin() + 14 + 20 + 16 + 30));
  }
  // Outer fragments: unchanged.
  for (auto &f : ipv4Fragments({.src = remote, .dst = TUN_ENDPOINTS[0], .proto = P_IPIP, .id = 0x6060, .frag = 0},
                               ipv4({.proto = P_UDP}, udp(46017, 9, randomBytes(100))), 64))
    v.push_back(ethc(ET_IP, f));
  // Tagged IPIP: unchanged.
  v.push_back(ethc(ET_IP, ipv4({.src = remote, .dst = TUN_ENDPOINTS[0], .proto = P_IPIP}, innerV4(46018)),
                   {{ET_8021Q, 10}}));
  // Jumbo GRE: decapsulated.
  v.push_back(outer(TUN_ENDPOINTS[1], P_GRE,
                    gre(0x2000, ET_IP, ipv4({.proto = P_UDP}, udp(46019, 9, randomBytes(9000 - 14 - 20 - 8 - 28))), 99)));
  // Bad outer header checksum: decapsulated (not verified).
  v.push_back(outer(TUN_ENDPOINTS[0], P_IPIP, innerV4(46020), {.badCsum = true}));
  return v;
}

std::vector<Bytes> genSynRatelimit() {
  std::vector<Bytes> v;
  commonEdges(v); // one SYN from CLIENT (over IPv4) is in there, one over IPv6
  const uint32_t A = ip4(198, 51, 100, 10), B = ip4(198, 51, 100, 11), C = ip4(198, 51, 100, 12);
  auto syn = [](uint32_t src, uint16_t sport, std::vector<Tag> tags = {}, Bytes opts = {}) {
    return ethc(ET_IP, ipv4({.src = src, .proto = P_TCP, .options = std::move(opts)},
                            tcp(sport, 80, SYN, sport, {}, synOptionsPadded())),
                std::move(tags));
  };
  // A: 9 SYNs interleaved with B (3) and C (7, tagged); threshold is 5.
  for (int i = 0; i < 9; i++) {
    v.push_back(syn(A, uint16_t(47000 + i)));
    if (i < 3)
      v.push_back(syn(B, uint16_t(47100 + i)));
    if (i < 7)
      v.push_back(syn(C, uint16_t(47200 + i), i % 2 ? std::vector<Tag>{{ET_8021Q, 10}}
                                                     : std::vector<Tag>{{ET_8021AD, 100}, {ET_8021Q, 10}}));
    // Handshake traffic from A does not count.
    if (i == 2) {
      v.push_back(ethc(ET_IP, ipv4({.src = A, .proto = P_TCP}, tcp(47000, 80, ACK, 1))));
      v.push_back(ethc(ET_IP, ipv4({.src = A, .proto = P_TCP}, tcp(47001, 80, SYN | ACK, 1))));
      v.push_back(ethc(ET_IP, ipv4({.src = A, .proto = P_TCP}, tcp(47002, 80, RST, 1))));
      v.push_back(ethc(ET_IP, ipv4({.src = A, .proto = P_TCP}, tcp(47003, 80, FIN | ACK, 1))));
    }
  }
  // D: SYNs with IP options count too (6: the last drops).
  for (int i = 0; i < 6; i++)
    v.push_back(syn(ip4(198, 51, 100, 13), uint16_t(47300 + i), {}, optRecordRoute()));
  // SYN with ECN bits (SYN|ECE|CWR) counts.
  v.push_back(ethc(ET_IP, ipv4({.src = B, .proto = P_TCP}, tcp(47400, 443, SYN | 0xc0, 1))));
  // IPv6 SYN flood: not IPv4, passes.
  for (int i = 0; i < 7; i++)
    v.push_back(ethc(ET_IPV6, ipv6({.src = ip6({0x2001, 0xdb8, 0xbad, 0, 0, 0, 0, 1})}, P_TCP,
                                   tcp(uint16_t(47500 + i), 80, SYN, 1))));
  // Truncated TCP header from A: drop; UDP from A: pass; SYN in a non-first
  // fragment position: pass.
  {
    Bytes f = syn(A, 47600);
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 12));
  }
  v.push_back(ethc(ET_IP, ipv4({.src = A, .proto = P_UDP}, udp(47601, 80, randomBytes(20)))));
  {
    auto frags = ipv4Fragments({.src = ip4(198, 51, 100, 14), .proto = P_TCP, .id = 0x0bad, .frag = 0},
                               tcp(47602, 80, SYN, 1, randomBytes(64)), 40);
    v.push_back(ethc(ET_IP, frags[1]));
    v.push_back(ethc(ET_IP, frags[0]));
  }
  // A once more: still over the threshold.
  v.push_back(syn(A, 47700));
  return v;
}

// dns_filter: blocked names (also in dns_filter.maps.json).
const char *DNS_BLOCKED[] = {
    "blocked.example",
    "ads.tracker.net",
    "evil.test",
    "a.b.c.d.e.f.g.h", // eight labels: the maximum walked
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.test", // 63-byte label
};

std::vector<Bytes> genDnsFilter() {
  std::vector<Bytes> v;
  commonEdges(v);
  auto q4 = [](const Bytes &msg, Ip4 h = {}, std::vector<Tag> tags = {}, uint16_t dport = 53) {
    h.proto = P_UDP;
    return ethc(ET_IP, ipv4(h, udp(53000, dport, msg)), std::move(tags));
  };
  uint16_t id = 100;
  // Every blocked name: dropped. The same names as other record types too.
  for (const char *n : DNS_BLOCKED) {
    v.push_back(q4(dnsQuery(id++, n)));
    v.push_back(q4(dnsQuery(id++, n, 28)));
  }
  // Case folding: dropped.
  v.push_back(q4(dnsQuery(id++, "BLOCKED.Example")));
  v.push_back(q4(dnsQuery(id++, "Ads.Tracker.NET")));
  // Allowed names: parents, children, neighbours.
  for (const char *n : {"example", "www.blocked.example", "blocked.example.com", "evil.tes", "evil.testx",
                        "tracker.net", "a.b.c.d.e.f.g", "example.com", "x"})
    v.push_back(q4(dnsQuery(id++, n)));
  // Root name (empty QNAME).
  v.push_back(q4(dnsMessage(id++, 0x0100, 1, Bytes{0})));
  // Over IPv6, tagged, QinQ, with IP options: dropped.
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(53001, 53, dnsQuery(id++, "evil.test")))));
  v.push_back(q4(dnsQuery(id++, "evil.test"), {}, {{ET_8021Q, 53}}));
  v.push_back(q4(dnsQuery(id++, "ads.tracker.net"), {}, {{ET_8021AD, 5}, {ET_8021Q, 53}}));
  v.push_back(q4(dnsQuery(id++, "blocked.example"), {.options = optRecordRoute()}));
  // Responses (QR = 1) for a blocked name, and qdcount = 0: pass.
  v.push_back(q4(dnsMessage(id++, 0x8180, 1, qname("blocked.example"))));
  v.push_back(q4(dnsMessage(id++, 0x0100, 0, qname("blocked.example"))));
  // Not DNS: TCP to 53, UDP to 5353, UDP from 53.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(53002, 53, ACK | PSH, 1, dnsQuery(id++, "evil.test")))));
  v.push_back(q4(dnsQuery(id++, "evil.test"), {}, {}, 5353));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(53, 53003, dnsQuery(id++, "evil.test")))));
  // Malformed: nine labels, label of 64, compression pointer, name running
  // off the frame, DNS header cut short, label bytes missing.
  v.push_back(q4(dnsQuery(id++, "a.b.c.d.e.f.g.h.i")));
  {
    Bytes qn(66, 'q'); // a 64-byte label: one more than allowed
    qn.front() = 64;
    qn.back() = 0;
    v.push_back(q4(dnsMessage(id++, 0x0100, 1, qn)));
    v.push_back(q4(dnsMessage(id++, 0x0100, 1, Bytes{4, 'e', 'v', 'i', 'l', 0xc0, 0x0c})));
    Bytes f = q4(dnsQuery(id++, "blocked.example"));
    size_t cut = 14 + 20 + 8 + 12 + 10; // in the middle of "example"
    f.resize(cut);
    v.push_back(f);
    Bytes g = q4(dnsQuery(id++, "evil.test"));
    g.resize(14 + 20 + 8 + 7);
    v.push_back(g);
    Bytes h = q4(dnsQuery(id++, "evil.test"));
    h.resize(14 + 20 + 8 + 12 + 5 + 5); // terminator missing
    v.push_back(h);
  }
  // Trailing garbage after a blocked name, and a name without QTYPE: dropped
  // (only the name is looked at).
  {
    Bytes m = dnsQuery(id++, "evil.test");
    append(m, randomBytes(30));
    v.push_back(q4(m));
    v.push_back(q4(dnsMessage(id++, 0x0100, 1, qname("evil.test"), 1, false)));
  }
  // Non-first fragment to port 53: pass.
  {
    auto frags = ipv4Fragments({.proto = P_UDP, .id = 0x5353, .frag = 0},
                               udp(53004, 53, dnsQuery(id++, std::string(60, 'z') + ".evil.test")), 48);
    for (auto &f : frags)
      v.push_back(ethc(ET_IP, f));
  }
  return v;
}

// bpf2bpf: policy entries (also in bpf2bpf.maps.json).
struct Policy {
  uint16_t port;
  uint8_t proto;
  uint32_t action;
};
const Policy POLICIES[] = {
    {23, P_TCP, 1}, // drop telnet
    {9, 0, 1},      // drop discard, TCP or UDP
    {7, P_UDP, 3},  // reflect UDP echo
    {80, P_TCP, 2}, // pass http
    {53, 0, 2},     // pass dns
    {6000, P_TCP, 7}, // out-of-range action: treated as pass
};

std::vector<Bytes> genBpf2bpf() {
  std::vector<Bytes> v;
  commonEdges(v);
  auto t4 = [](uint16_t dport, std::vector<Tag> tags = {}) {
    return ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(54000, dport, SYN, 1)), std::move(tags));
  };
  auto u4 = [](uint16_t dport) { return ethc(ET_IP, ipv4({.proto = P_UDP}, udp(54001, dport, randomBytes(24)))); };
  v.push_back(t4(23));
  v.push_back(u4(23)); // UDP 23: no entry for UDP or any
  v.push_back(t4(9));
  v.push_back(u4(9));
  v.push_back(u4(7)); // reflected
  v.push_back(t4(7)); // TCP 7: no entry
  v.push_back(t4(80));
  v.push_back(u4(53));
  v.push_back(t4(53));
  v.push_back(t4(6000));
  v.push_back(t4(8080));
  v.push_back(u4(5353));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(54002, 7, randomBytes(16)))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_TCP, tcp(54003, 23, SYN, 1))));
  v.push_back(ethc(ET_IPV6, ipv6({.exts = {optsExt(P_HOP)}}, P_TCP, tcp(54004, 23, SYN, 1))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP, .options = optTimestamp40()}, udp(54005, 7, randomBytes(16)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .options = optRecordRoute()}, tcp(54006, 9, SYN, 1))));
  v.push_back(t4(23, {{ET_8021Q, 10}})); // tagged: not parsed, pass
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 1, 1, randomBytes(16)))));
  {
    Bytes f = u4(7);
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 3)); // ports cut: drop
  }
  for (auto &f : ipv4Fragments({.proto = P_UDP, .id = 0x0707, .frag = 0}, udp(54007, 7, randomBytes(80)), 48))
    v.push_back(ethc(ET_IP, f)); // first reflected, rest pass
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(54008, 7, randomBytes(9000 - 42)))));
  return v;
}

std::vector<Bytes> genGlobalData() {
  std::vector<Bytes> v;
  commonEdges(v); // includes a jumbo (dropped by length) and IPv6 (dropped)
  auto sized = [](size_t frameLen) {
    return ethc(ET_IP, ipv4({.proto = P_UDP}, udp(55000, 9000, randomBytes(frameLen - 42))));
  };
  v.push_back(sized(1514));
  v.push_back(sized(1518)); // max_frame_len: pass
  v.push_back(sized(1519)); // one more: drop
  v.push_back(sized(4000));
  // Six TCP and two UDP packets to 8080: the first four drop (drop_budget),
  // then they pass.
  for (int i = 0; i < 6; i++)
    v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .ttl = uint8_t(60 + i)}, tcp(uint16_t(55100 + i), 8080, SYN, 1))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(55200, 8080, randomBytes(10)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(8080, 55201, randomBytes(10))))); // source port only
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(55202, 8081, SYN, 1))));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(55203, 8080, randomBytes(10)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(55204, 8080, randomBytes(10))), {{ET_8021Q, 8}}));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP, .ttl = 7}, icmpEcho(8, 1, 1, randomBytes(16)))));
  {
    Bytes f = ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(55205, 8080, SYN, 1)));
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 20 + 3)); // ports cut
  }
  return v;
}

// vlan_filter: allowed VLAN ids (also in vlan_filter.maps.json).
const uint16_t VLANS_ALLOWED[] = {10, 20, 100, 4094};

std::vector<Bytes> genVlanFilter() {
  std::vector<Bytes> v;
  commonEdges(v); // untagged, VLAN 10, QinQ 100/10, triple tag 100/10/20
  auto tagged = [](std::vector<Tag> tags, uint8_t proto = P_UDP) {
    Bytes l4 = proto == P_UDP ? udp(56000, 5000, randomBytes(30)) : tcp(56001, 80, SYN, 1);
    return ethc(ET_IP, ipv4({.proto = proto}, l4), std::move(tags));
  };
  v.push_back(tagged({{ET_8021Q, 10}}));
  v.push_back(tagged({{ET_8021Q, 20}}, P_TCP));
  v.push_back(tagged({{ET_8021Q, 4094}}));
  v.push_back(tagged({{ET_8021Q, 11}}));
  v.push_back(tagged({{ET_8021Q, 0}}));           // priority tag: not allowed
  v.push_back(tagged({{ET_8021Q, 4095}}));        // reserved
  v.push_back(tagged({{ET_8021Q, 0xa000 | 10}})); // PCP 5, VLAN 10: allowed
  v.push_back(tagged({{ET_8021Q, 0x1000 | 20}})); // DEI set, VLAN 20
  v.push_back(tagged({{ET_8021Q, 0xf000 | 4095}})); // all bits set
  v.push_back(tagged({{ET_8021AD, 100}, {ET_8021Q, 20}}));
  v.push_back(tagged({{ET_8021AD, 100}, {ET_8021Q, 11}})); // inner not allowed
  v.push_back(tagged({{ET_8021AD, 200}, {ET_8021Q, 10}})); // outer not allowed
  v.push_back(tagged({{ET_8021Q, 10}, {ET_8021Q, 20}}));   // double 802.1Q
  v.push_back(tagged({{ET_8021AD, 20}, {ET_8021Q, 4095}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(56002, 53, randomBytes(10))), {{ET_8021Q, 100}}));
  v.push_back(ethc(ET_ARP, Bytes(28, 0), {{ET_8021Q, 20}}));
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(56003, 53, randomBytes(10))), {{ET_8021Q, 30}}));
  // Tags cut short: 16 bytes (half a tag), 20 bytes (second tag cut).
  {
    Bytes f = tagged({{ET_8021AD, 100}, {ET_8021Q, 10}});
    v.push_back(Bytes(f.begin(), f.begin() + 16));
    v.push_back(Bytes(f.begin(), f.begin() + 20));
  }
  // Jumbo on VLAN 100.
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(56004, 5000, randomBytes(9000 - 46))), {{ET_8021Q, 100}}));
  return v;
}

std::vector<Bytes> genIpv6Ext() {
  std::vector<Bytes> v;
  commonEdges(v);
  auto p6 = [](std::vector<Ext> exts, uint8_t proto, Bytes l4) {
    return ethc(ET_IPV6, ipv6({.exts = std::move(exts)}, proto, std::move(l4)));
  };
  auto u = [] { return udp(57000, 53, randomBytes(20)); };
  auto t = [](uint16_t dport) { return tcp(57001, dport, SYN, 1, {}, synOptionsPadded()); };
  v.push_back(p6({}, P_UDP, u()));
  v.push_back(p6({}, P_TCP, t(80)));
  v.push_back(p6({}, P_TCP, t(23)));
  v.push_back(p6({}, P_ICMPV6, icmp6Echo(1, 1, randomBytes(8))));
  v.push_back(p6({optsExt(P_HOP)}, P_UDP, u()));
  v.push_back(p6({optsExt(P_HOP, 16)}, P_TCP, t(23)));
  v.push_back(p6({optsExt(P_DEST, 24)}, P_TCP, t(443)));
  v.push_back(p6({optsExt(P_HOP), optsExt(P_DEST), routingExt(4, 2), fragExt(0, true), optsExt(P_DEST)},
                 P_TCP, t(22)));
  v.push_back(p6({routingExt(0, 1, 1)}, P_UDP, u()));               // RH0: drop
  v.push_back(p6({optsExt(P_HOP), routingExt(0, 2, 0)}, P_UDP, u())); // RH0 after HBH: drop
  v.push_back(p6({routingExt(2, 1, 1)}, P_TCP, t(80)));             // mobility RH2: fine
  v.push_back(p6({fragExt(0, false)}, P_UDP, u()));                 // atomic fragment
  v.push_back(p6({fragExt(0, true)}, P_TCP, t(23)));                // first fragment, telnet: drop
  v.push_back(p6({fragExt(185, false)}, P_TCP, randomBytes(40)));   // non-first: pass
  v.push_back(p6({optsExt(P_HOP), fragExt(8, true)}, P_UDP, randomBytes(64)));
  v.push_back(p6({ahExt()}, P_TCP, t(179)));
  v.push_back(p6({ahExt()}, P_ESP, randomBytes(48)));
  v.push_back(p6({optsExt(P_DEST)}, P_NONE, {}));
  // Six extension headers (the maximum walked) then UDP; seven: drop.
  v.push_back(p6({optsExt(P_HOP), optsExt(P_DEST), optsExt(P_DEST), optsExt(P_DEST), optsExt(P_DEST),
                  optsExt(P_DEST)}, P_UDP, u()));
  v.push_back(p6({optsExt(P_HOP), optsExt(P_DEST), optsExt(P_DEST), optsExt(P_DEST), optsExt(P_DEST),
                  optsExt(P_DEST), optsExt(P_DEST)}, P_UDP, u()));
  // Truncated: ext header cut after one byte; hdrlen pointing past the end;
  // TCP header cut; UDP header cut.
  {
    Bytes f = p6({optsExt(P_HOP)}, P_UDP, u());
    v.push_back(Bytes(f.begin(), f.begin() + 14 + 40 + 1));
    Bytes g = p6({optsExt(P_DEST)}, P_UDP, u());
    g[14 + 40 + 1] = 200; // (200+1)*8 bytes announced
    v.push_back(g);
    Bytes h = p6({optsExt(P_HOP)}, P_TCP, t(80));
    v.push_back(Bytes(h.begin(), h.begin() + 14 + 40 + 8 + 12));
    Bytes k = p6({fragExt(0, true)}, P_UDP, u());
    v.push_back(Bytes(k.begin(), k.begin() + 14 + 40 + 8 + 4));
  }
  // VLAN and QinQ IPv6 with extensions.
  v.push_back(ethc(ET_IPV6, ipv6({.exts = {optsExt(P_HOP)}}, P_TCP, t(23)), {{ET_8021Q, 10}}));
  v.push_back(ethc(ET_IPV6, ipv6({.exts = {routingExt(0)}}, P_UDP, u()), {{ET_8021AD, 100}, {ET_8021Q, 10}}));
  // Jumbo IPv6 behind a hop-by-hop header.
  v.push_back(p6({optsExt(P_HOP)}, P_UDP, udp(57002, 9, randomBytes(9000 - 14 - 40 - 8 - 8))));
  // IPv6 EtherType with a version-4 header: drop.
  {
    Bytes f = p6({}, P_UDP, u());
    f[14] = 0x45;
    v.push_back(f);
  }
  return v;
}

// redirect_port: forwarding table (also in redirect_port.maps.json).
struct MacEntry {
  Mac mac;
  uint32_t ifindex;
};
const MacEntry MAC_TABLE[] = {{mac(0x0a), 1}, {mac(0x0b), 2}, {mac(0x0c), 1}};

std::vector<Bytes> genRedirectPort() {
  std::vector<Bytes> v;
  commonEdges(v); // all to MAC_NIC, not in the table: pass
  auto to = [](const Mac &dst, int i) {
    return eth(dst, MAC_PEER, ET_IP, ipv4({.proto = P_UDP}, udp(uint16_t(58000 + i), 5000, randomBytes(size_t(20 + i)))));
  };
  for (int r = 0; r < 3; r++)
    for (const MacEntry &e : MAC_TABLE)
      v.push_back(to(e.mac, r));
  v.push_back(to(mac(0x0d), 0));                                    // unknown
  v.push_back(to(Mac{{0x03, 0, 0, 0, 0, 0x0a}}, 0));                // group bit set
  v.push_back(to(MAC_BCAST, 0));
  v.push_back(to(Mac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}}, 0));    // IPv4 multicast
  v.push_back(to(Mac{{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}}, 0));    // IPv6 multicast
  v.push_back(to(Mac{{0x0a, 0, 0, 0, 0, 0x02}}, 0));                // reversed-looking, unknown
  v.push_back(eth(mac(0x0b), MAC_PEER, ET_ARP, Bytes(28, 1)));
  v.push_back(eth(mac(0x0c), MAC_PEER, ET_IP, ipv4({.proto = P_UDP}, udp(58100, 1, {})), {{ET_8021Q, 10}}));
  v.push_back(eth(mac(0x0a), MAC_PEER, ET_IP, ipv4({.proto = P_UDP}, udp(58101, 1, randomBytes(9000 - 42)))));
  {
    Bytes f = to(mac(0x0a), 9);
    v.push_back(Bytes(f.begin(), f.begin() + 14)); // header only, known MAC
  }
  return v;
}

std::vector<Bytes> genMacLearn() {
  std::vector<Bytes> v;
  commonEdges(v); // all from MAC_PEER
  auto from = [](const Mac &src, size_t n) {
    return eth(MAC_NIC, src, ET_IP, ipv4({.proto = P_UDP}, udp(59000, 5000, randomBytes(n))));
  };
  for (int r = 0; r < 4; r++)
    for (uint8_t m = 0x30; m < 0x30 + 5; m++)
      v.push_back(from(mac(m), size_t(10 * r + m - 0x30)));
  v.push_back(from(Mac{{0x01, 0x00, 0x5e, 0, 0, 1}}, 10)); // multicast source: drop
  v.push_back(from(MAC_BCAST, 10));                        // broadcast source: drop
  v.push_back(from(Mac{{0, 0, 0, 0, 0, 0}}, 10));          // zero source: drop
  v.push_back(from(Mac{{0, 0, 0, 0, 0, 1}}, 10));          // almost zero: counted
  v.push_back(from(Mac{{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff}}, 10));
  v.push_back(eth(MAC_NIC, mac(0x30), ET_IP, ipv4({.proto = P_UDP}, udp(59001, 5000, randomBytes(9000 - 42)))));
  return v;
}

// ---------------------------------------------------------------------------
// Map-init files.

std::string hex(const uint8_t *p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; i++) {
    snprintf(buf, sizeof buf, "%02x", p[i]);
    if (i)
      s += ' ';
    s += buf;
  }
  return s;
}
std::string hexBe32(uint32_t v) {
  uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  return hex(b, 4);
}
std::string hexLe32(uint32_t v) {
  uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
  return hex(b, 4);
}
std::string hexLe16(uint16_t v) {
  uint8_t b[2] = {uint8_t(v), uint8_t(v >> 8)};
  return hex(b, 2);
}

struct MapJson {
  std::vector<std::pair<std::string, std::vector<std::string>>> maps;
  void add(const std::string &map, const std::string &key, const std::string &value) {
    for (auto &[name, entries] : maps)
      if (name == map) {
        entries.push_back("{\"key\": " + key + ", \"value\": " + value + "}");
        return;
      }
    maps.push_back({map, {"{\"key\": " + key + ", \"value\": " + value + "}"}});
  }
  std::string str() const {
    std::string s = "{\n  \"maps\": {\n";
    for (size_t m = 0; m < maps.size(); m++) {
      s += "    \"" + maps[m].first + "\": [\n";
      for (size_t e = 0; e < maps[m].second.size(); e++)
        s += "      " + maps[m].second[e] + (e + 1 < maps[m].second.size() ? ",\n" : "\n");
      s += std::string("    ]") + (m + 1 < maps.size() ? ",\n" : "\n");
    }
    return s + "  }\n}\n";
  }
};
std::string q(const std::string &s) { return "\"" + s + "\""; }

MapJson mapsFirewall() {
  MapJson j;
  for (uint32_t a : FW_BLOCKED)
    j.add("blocklist", q(hexBe32(a)), "0");
  return j;
}
MapJson mapsRouter() {
  MapJson j;
  for (const Route &r : ROUTES) {
    std::string key = hexLe32(r.len) + "  " + hexBe32(r.prefix);
    std::string val = hexLe32(r.port) + "  " + hex(r.dmac.b, 6) + "  " + hex(r.smac.b, 6);
    j.add("routes", q(key), q(val));
  }
  j.add("tx_ports", "0", "1");
  j.add("tx_ports", "1", "1");
  return j;
}
MapJson mapsL4Lb() {
  MapJson j;
  for (const Vip &v : VIPS) {
    uint8_t port[2] = {uint8_t(v.port >> 8), uint8_t(v.port)};
    std::string key = hexBe32(v.addr) + "  " + hex(port, 2) + "  " + hex(&v.proto, 1) + " 00";
    j.add("vips", q(key), q(hexLe32(v.first) + "  " + hexLe32(v.count)));
  }
  for (const Backend &b : BACKENDS)
    j.add("backends", std::to_string(b.slot), q(hexBe32(b.addr) + "  " + hex(b.mac.b, 6) + "  00 00"));
  return j;
}
MapJson mapsTunnelDecap() {
  MapJson j;
  for (uint32_t a : TUN_ENDPOINTS)
    j.add("tunnel_endpoints", q(hexBe32(a)), "1");
  return j;
}
MapJson mapsDnsFilter() {
  MapJson j;
  for (const char *n : DNS_BLOCKED)
    j.add("blocked_names", std::to_string(dnsKey(n)), "0");
  return j;
}
MapJson mapsBpf2bpf() {
  MapJson j;
  for (const Policy &p : POLICIES)
    j.add("port_policy", q(hexLe16(p.port) + "  " + hex(&p.proto, 1) + " 00"), std::to_string(p.action));
  return j;
}
MapJson mapsVlanFilter() {
  MapJson j;
  for (uint16_t vid : VLANS_ALLOWED)
    j.add("allowed_vlans", std::to_string(vid), "0");
  return j;
}
MapJson mapsRedirectPort() {
  MapJson j;
  for (const MacEntry &e : MAC_TABLE)
    j.add("mac_table", q(hex(e.mac.b, 6)), std::to_string(e.ifindex));
  return j;
}

// ecmp_steer: flows spread over four weighted paths by a hash of addresses,
// protocol and ports; every header copy's failure, options, fragments.
std::vector<Bytes> genEcmpSteer() {
  std::vector<Bytes> v;
  commonEdges(v);
  for (int f = 0; f < 48; f++) {
    uint32_t src = ip4(10, uint8_t(f >> 3), uint8_t(splitmix64()), uint8_t(1 + f));
    uint32_t dst = ip4(192, 168, uint8_t(splitmix64() & 3), uint8_t(splitmix64()));
    uint16_t sport = uint16_t(1024 + splitmix64() % 60000), dport = f % 3 ? 443 : 53;
    if (f % 2)
      v.push_back(ethc(ET_IP, ipv4({.src = src, .dst = dst, .proto = P_TCP},
                                   tcp(sport, dport, ACK, uint32_t(f), randomBytes(size_t(f))))));
    else
      v.push_back(ethc(ET_IP, ipv4({.src = src, .dst = dst, .proto = P_UDP},
                                   udp(sport, dport, randomBytes(size_t(8 + f))))));
  }
  // the same flow twice (one path), and its reverse direction
  Bytes again = ethc(ET_IP, ipv4({.proto = P_TCP}, tcp(41000, 80, ACK, 1, randomBytes(10))));
  v.push_back(again), v.push_back(again);
  v.push_back(ethc(ET_IP, ipv4({.src = SERVER, .dst = CLIENT, .proto = P_TCP},
                               tcp(80, 41000, ACK, 1, randomBytes(10)))));
  // ICMP and GRE: hashed without ports
  v.push_back(ethc(ET_IP, ipv4({.proto = P_ICMP}, icmpEcho(8, 7, 1, randomBytes(16)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_GRE}, randomBytes(24))));
  // a first fragment (ports hashed) and a later one (without ports)
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP, .frag = 0x2000}, udp(41001, 53, randomBytes(40)))));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP, .frag = 0x0005}, randomBytes(40))));
  // options: the ports read at ihl * 4
  v.push_back(ethc(ET_IP, ipv4({.proto = P_TCP, .options = optTimestamp40()},
                               tcp(41002, 22, ACK, 3, randomBytes(8)))));
  // ports cut off: the frame ends 2 bytes into the UDP header (the copy fails)
  {
    Bytes f = eth(MAC_NIC, MAC_PEER, ET_IP, ipv4({.proto = P_UDP}, udp(41003, 53, {})), {}, false);
    v.push_back(Bytes(f.begin(), f.begin() + 36));
  }
  v.push_back(ethc(ET_IPV6, ipv6({}, P_UDP, udp(41004, 53, randomBytes(8)))));
  v.push_back(eth(MAC_NIC, MAC_PEER, ET_ARP, arpRequest(CLIENT, SERVER)));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(41005, 53, randomBytes(8))), {{ET_8021Q, 10}}));
  v.push_back(ethc(ET_IP, ipv4({.proto = P_UDP}, udp(41006, 5000, randomBytes(9000 - 42)))));
  return v;
}

struct Sample {
  const char *name;
  std::function<std::vector<Bytes>()> packets;
  std::function<MapJson()> maps; // empty: no map-init file
};

const std::vector<Sample> &samples() {
  static const std::vector<Sample> all = {
      {"pass_all", genBasic, {}},
      {"drop_all", genBasic, {}},
      {"parse_decide", genParseDecide, {}},
      {"firewall", genFirewall, mapsFirewall},
      {"proto_counters", genProtoCounters, {}},
      {"icmp_echo", genIcmpEcho, {}},
      {"router", genRouter, mapsRouter},
      {"l4_lb", genL4Lb, mapsL4Lb},
      {"tunnel_decap", genTunnelDecap, mapsTunnelDecap},
      {"syn_ratelimit", genSynRatelimit, {}},
      {"dns_filter", genDnsFilter, mapsDnsFilter},
      {"bpf2bpf", genBpf2bpf, mapsBpf2bpf},
      {"global_data", genGlobalData, {}},
      {"vlan_filter", genVlanFilter, mapsVlanFilter},
      {"ipv6_ext", genIpv6Ext, {}},
      {"redirect_port", genRedirectPort, mapsRedirectPort},
      {"mac_learn", genMacLearn, {}},
      {"udp_reflect", genUdpReflect, {}},
      {"ttl_forward", genTtlForward, {}},
      {"vlan_strip", genVlanStrip, {}},
      {"gre_encap", genGreEncap, {}},
      {"snap_trim", genSnapTrim, {}},
      {"probe_reflect", genProbeReflect, {}},
      {"loss_inject", genLossInject, {}},
      {"ecmp_steer", genEcmpSteer, {}},
  };
  return all;
}

// ---------------------------------------------------------------------------
// Output.

void le16(std::string &s, uint16_t v) {
  s += char(v & 0xff);
  s += char(v >> 8);
}
void le32(std::string &s, uint32_t v) {
  le16(s, uint16_t(v));
  le16(s, uint16_t(v >> 16));
}

constexpr uint32_t BASE_SEC = 1700000000; // 2023-11-14T22:13:20Z
constexpr uint32_t STEP_USEC = 1000;

bool writeFile(const std::string &path, const std::string &content) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f) {
    perror(path.c_str());
    return false;
  }
  bool ok = fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = (fclose(f) == 0) && ok;
  if (!ok)
    fprintf(stderr, "pcapgen: cannot write %s\n", path.c_str());
  return ok;
}

std::string pcapImage(const std::vector<Bytes> &frames) {
  std::string s;
  le32(s, 0xa1b2c3d4); // microsecond timestamps
  le16(s, 2);
  le16(s, 4);
  le32(s, 0);     // thiszone
  le32(s, 0);     // sigfigs
  le32(s, 65535); // snaplen
  le32(s, 1);     // LINKTYPE_ETHERNET
  for (size_t i = 0; i < frames.size(); i++) {
    uint64_t usec = uint64_t(i) * STEP_USEC;
    le32(s, BASE_SEC + uint32_t(usec / 1000000));
    le32(s, uint32_t(usec % 1000000));
    le32(s, uint32_t(frames[i].size()));
    le32(s, uint32_t(frames[i].size()));
    s.append(reinterpret_cast<const char *>(frames[i].data()), frames[i].size());
  }
  return s;
}

uint64_t seedFor(const char *name) {
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = name; *p; p++)
    h = (h ^ uint8_t(*p)) * 1099511628211ULL;
  return h;
}

int usage() {
  fprintf(stderr, "usage: sluice-pcapgen --out DIR [--maps-out DIR] [--only NAME] [--list]\n"
                  "  writes DIR/<sample>.pcap for every sample and, with --maps-out,\n"
                  "  DIR/<sample>.maps.json for the samples with host-filled maps\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::string out, mapsOut, only;
  bool list = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--maps-out" && i + 1 < argc)
      mapsOut = argv[++i];
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else if (a == "--list")
      list = true;
    else
      return usage();
  }
  if (out.empty() && mapsOut.empty() && !list)
    return usage();

  bool ok = true;
  for (const Sample &s : samples()) {
    if (!only.empty() && only != s.name)
      continue;
    rngState = seedFor(s.name);
    std::vector<Bytes> frames = s.packets();
    if (frames.size() < 20 || frames.size() > 200) {
      fprintf(stderr, "pcapgen: %s has %zu frames (want 20..200)\n", s.name, frames.size());
      ok = false;
    }
    if (list)
      printf("%-16s %3zu frames%s\n", s.name, frames.size(), s.maps ? ", map-init" : "");
    if (!out.empty())
      ok = writeFile(out + "/" + s.name + ".pcap", pcapImage(frames)) && ok;
    if (!mapsOut.empty() && s.maps)
      ok = writeFile(mapsOut + "/" + s.name + ".maps.json", s.maps().str()) && ok;
  }
  return ok ? 0 : 1;
}
