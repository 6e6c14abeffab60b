#include "sluice/Support/Pcap.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace sluice;

TEST(PcapTest, RoundTrip) {
  auto path = (std::filesystem::temp_directory_path() / "sluice-pcap-roundtrip.pcap").string();
  {
    auto w = PcapWriter::create(path);
    ASSERT_TRUE(!!w) << llvm::toString(w.takeError());
    (*w)->write({1500000, 3, {1, 2, 3}});
    (*w)->write({2000001, 60, std::vector<uint8_t>(60, 0xab)});
  }
  auto pkts = readPcap(path);
  ASSERT_TRUE(!!pkts) << llvm::toString(pkts.takeError());
  ASSERT_EQ(pkts->size(), 2u);
  EXPECT_EQ((*pkts)[0].data, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ((*pkts)[0].ts_usec, 1500000u);
  EXPECT_EQ((*pkts)[1].data.size(), 60u);
  EXPECT_EQ((*pkts)[1].ts_usec, 2000001u);
}

TEST(PcapTest, MissingFileIsAnError) {
  auto pkts = readPcap("/nonexistent/x.pcap");
  ASSERT_FALSE(!!pkts);
  EXPECT_NE(llvm::toString(pkts.takeError()).find("/nonexistent/x.pcap"), std::string::npos);
}
