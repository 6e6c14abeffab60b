//===- Pcap.cpp - pcap files through libpcap ------------------------------===//
#include "sluice/Support/Pcap.h"

#include <pcap/pcap.h>

#include "sluice/Support/Error.h"

namespace sluice {

llvm::Expected<std::vector<PcapPacket>> readPcap(const std::string &path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t *p = pcap_open_offline(path.c_str(), errbuf);
  if (!p)
    return makeError("{}: cannot read pcap: {}", path, errbuf);
  std::unique_ptr<pcap_t, void (*)(pcap_t *)> guard(p, pcap_close);
  if (pcap_datalink(p) != DLT_EN10MB)
    return makeError("{}: link type {} is not Ethernet (DLT_EN10MB)", path,
                     pcap_datalink_val_to_name(pcap_datalink(p)));
  std::vector<PcapPacket> out;
  struct pcap_pkthdr *hdr;
  const u_char *data;
  int rc;
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    PcapPacket pkt;
    pkt.ts_usec = uint64_t(hdr->ts.tv_sec) * 1000000 + hdr->ts.tv_usec;
    pkt.orig_len = hdr->len;
    pkt.data.assign(data, data + hdr->caplen);
    out.push_back(std::move(pkt));
  }
  if (rc == PCAP_ERROR)
    return makeError("{}: packet {}: {}", path, out.size() + 1, pcap_geterr(p));
  return out;
}

llvm::Expected<std::unique_ptr<PcapWriter>> PcapWriter::create(const std::string &path) {
  std::unique_ptr<PcapWriter> w(new PcapWriter());
  pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
  if (!p)
    return makeError("{}: cannot create pcap handle", path);
  pcap_dumper_t *d = pcap_dump_open(p, path.c_str());
  if (!d) {
    std::string msg = pcap_geterr(p);
    pcap_close(p);
    return makeError("{}: cannot write pcap: {}", path, msg);
  }
  w->pcap_ = p;
  w->dumper_ = d;
  return w;
}

PcapWriter::~PcapWriter() {
  if (dumper_)
    pcap_dump_close(static_cast<pcap_dumper_t *>(dumper_));
  if (pcap_)
    pcap_close(static_cast<pcap_t *>(pcap_));
}

void PcapWriter::write(const PcapPacket &pkt) {
  struct pcap_pkthdr hdr = {};
  hdr.ts.tv_sec = pkt.ts_usec / 1000000;
  hdr.ts.tv_usec = pkt.ts_usec % 1000000;
  hdr.caplen = pkt.data.size();
  hdr.len = std::max<uint32_t>(pkt.orig_len, pkt.data.size());
  pcap_dump(static_cast<u_char *>(dumper_), &hdr, pkt.data.data());
  ++count_;
}

} // namespace sluice
