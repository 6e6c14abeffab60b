//===- RunTest.cpp - Comparing runs, verdict names, map-init parsing ------===//
#include "sluice/Engine/Run.h"

#include <gtest/gtest.h>

using namespace sluice;

namespace {

RunResult twoPackets(const char *engine) {
  RunResult r;
  r.engine = engine;
  r.input = {{0, 60, Bytes(60, 1)}, {0, 10, Bytes(10, 2)}};
  PacketResult a;
  a.out.action = XDP_PASS;
  a.out.data = Bytes(60, 1);
  PacketResult runt;
  runt.runt = true;
  r.packets = {a, runt};
  r.maps = {{"counts", BPF_MAP_TYPE_ARRAY, {{{0, 0, 0, 0}, {5, 0, 0, 0, 0, 0, 0, 0}}}}};
  return r;
}

Object objectWithMaps() {
  Object obj;
  obj.path = "t.o";
  MapDef h;
  h.name = "blocklist";
  h.type = BPF_MAP_TYPE_HASH;
  h.key_size = 4;
  h.value_size = 1;
  h.max_entries = 16;
  MapDef a;
  a.name = "cfg";
  a.type = BPF_MAP_TYPE_ARRAY;
  a.key_size = 4;
  a.value_size = 8;
  a.max_entries = 4;
  obj.maps = {h, a};
  return obj;
}

} // namespace

TEST(RunTest, EqualRunsHaveNoDifference) {
  EXPECT_EQ(firstDifference(twoPackets("interp"), twoPackets("kernel")), "");
}

TEST(RunTest, VerdictDifferenceNamesPacketAndBothVerdicts) {
  RunResult b = twoPackets("kernel");
  b.packets[0].out.action = XDP_DROP;
  EXPECT_EQ(firstDifference(twoPackets("interp"), b),
            "packet 1: verdict: interp=XDP_PASS kernel=XDP_DROP");
}

TEST(RunTest, ByteDifferenceNamesTheFirstByte) {
  RunResult b = twoPackets("kernel");
  b.packets[0].out.data[22] = 0x40;
  std::string d = firstDifference(twoPackets("interp"), b);
  EXPECT_EQ(d.rfind("packet 1 (XDP_PASS): output byte 22: 0x01 vs 0x40", 0), 0u) << d;
  b = twoPackets("kernel");
  b.packets[0].out.data.resize(59);
  d = firstDifference(twoPackets("interp"), b);
  EXPECT_NE(d.find("length 60 vs 59"), std::string::npos) << d;
}

TEST(RunTest, MapDifferences) {
  RunResult b = twoPackets("kernel");
  b.maps[0].entries[0].value[0] = 6;
  std::string d = firstDifference(twoPackets("interp"), b);
  EXPECT_EQ(d.rfind("map 'counts' key 00 00 00 00: value byte 0: 0x05 vs 0x06", 0), 0u) << d;
  // A volatile map compares keys only.
  EXPECT_EQ(firstDifference(twoPackets("interp"), b, {{"counts"}}), "");

  b = twoPackets("kernel");
  b.maps[0].entries.push_back({{1, 0, 0, 0}, Bytes(8, 0)});
  d = firstDifference(twoPackets("interp"), b);
  EXPECT_EQ(d, "map 'counts': key 01 00 00 00 present only in kernel");
  EXPECT_EQ(firstDifference(twoPackets("interp"), b, {{"counts"}}),
            "map 'counts': key 01 00 00 00 present only in kernel");
  b = twoPackets("kernel");
  b.maps.clear();
  EXPECT_EQ(firstDifference(twoPackets("interp"), b),
            "map 'counts': dumped by interp but not by kernel");
}

TEST(RunTest, RedirectTargetsCompareOnlyWhenBothKnowThem) {
  RunResult a = twoPackets("interp"), b = twoPackets("kernel");
  a.packets[0].out.action = b.packets[0].out.action = XDP_REDIRECT;
  a.packets[0].out.redirect = RedirectTarget{RedirectTarget::Map, 0, "ports", 1};
  EXPECT_EQ(firstDifference(a, b), "");
  b.packets[0].out.redirect = RedirectTarget{RedirectTarget::Map, 0, "ports", 2};
  EXPECT_EQ(firstDifference(a, b),
            "packet 1: redirect target: interp=redirect-ports-1 kernel=redirect-ports-2");
}

TEST(RunTest, VerdictNames) {
  PacketResult p;
  p.out.action = XDP_TX;
  EXPECT_EQ(verdictName(p), "XDP_TX");
  EXPECT_EQ(verdictFileStem(p), "tx");
  p.out.action = 9;
  EXPECT_EQ(verdictName(p), "XDP_9");
  p.out.action = XDP_REDIRECT;
  p.out.redirect = RedirectTarget{RedirectTarget::Ifindex, 3, "", 0};
  EXPECT_EQ(verdictFileStem(p), "redirect-if3");
  p.runt = true;
  EXPECT_EQ(verdictName(p), "runt");
}

TEST(MapInitTest, ParsesHexAndIntegers) {
  Object obj = objectWithMaps();
  auto e = parseMapInitText(
      R"({"maps": {"blocklist": [{"key": "0a 00 00 05", "value": "01"}],
                   "cfg": [{"key": 3, "value": 1000, "flags": 2}]}})",
      "init.json", obj);
  ASSERT_TRUE(!!e) << llvm::toString(e.takeError());
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].map, "blocklist");
  EXPECT_EQ((*e)[0].key, (Bytes{10, 0, 0, 5}));
  EXPECT_EQ((*e)[0].value, (Bytes{1}));
  EXPECT_EQ((*e)[1].key, (Bytes{3, 0, 0, 0}));
  EXPECT_EQ((*e)[1].value, (Bytes{0xe8, 0x03, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ((*e)[1].flags, 2u);
}

TEST(MapInitTest, ErrorsNameFileMapAndEntry) {
  Object obj = objectWithMaps();
  auto check = [&](const char *text, const char *want) {
    auto e = parseMapInitText(text, "init.json", obj);
    ASSERT_FALSE(!!e) << text;
    std::string msg = llvm::toString(e.takeError());
    EXPECT_NE(msg.find(want), std::string::npos) << msg;
  };
  check("{", "init.json: not valid JSON");
  check(R"({"maps": {"nope": []}})", "map 'nope' is not in t.o (its maps: blocklist, cfg)");
  check(R"({"maps": {"blocklist": [{"key": "0a 00 05", "value": "01"}]}})",
        "map 'blocklist' entry 0 key: 3 bytes given, the map wants 4");
  check(R"({"maps": {"blocklist": [{"key": 1, "value": 256}]}})",
        "entry 0 value: 256 does not fit in 1 bytes");
  check(R"({"maps": {"blocklist": [{"key": "zz", "value": "01"}]}})", "'z' is not a hex digit");
  check(R"({"maps": {"blocklist": [{"key": 1, "value": 1, "flag": 1}]}})",
        "unknown field 'flag'");
  check(R"({"maps": {"blocklist": [{"key": -1, "value": 1}]}})",
        "expected a hex byte string or a non-negative integer");
}
