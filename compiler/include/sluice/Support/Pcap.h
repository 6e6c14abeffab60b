//===- sluice/Support/Pcap.h - Reading and writing pcap files -------------===//
//
// Thin RAII wrappers over libpcap for the Ethernet captures every engine
// consumes and produces.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

namespace sluice {

struct PcapPacket {
  uint64_t ts_usec = 0;       ///< capture time, microseconds since the epoch
  uint32_t orig_len = 0;      ///< length on the wire
  std::vector<uint8_t> data;  ///< captured bytes (orig_len unless truncated by snaplen)
};

/// Reads every packet of an Ethernet (DLT_EN10MB) pcap.
llvm::Expected<std::vector<PcapPacket>> readPcap(const std::string &path);

/// Writes packets to a new Ethernet pcap (snaplen 65535).
class PcapWriter {
public:
  static llvm::Expected<std::unique_ptr<PcapWriter>> create(const std::string &path);
  ~PcapWriter();
  void write(const PcapPacket &pkt);
  uint64_t count() const { return count_; }

private:
  PcapWriter() = default;
  void *pcap_ = nullptr;
  void *dumper_ = nullptr;
  uint64_t count_ = 0;
};

} // namespace sluice
