//===- Mbuf.cpp - Frames to and from rte_mbuf chains -----------------------===//
#include "sluice/Nic/Mbuf.h"

#include <rte_mbuf.h>

#include <cstring>

namespace sluice::nic {

rte_mbuf *mbufFromBytes(rte_mempool *pool, std::span<const uint8_t> frame) {
  rte_mbuf *head = rte_pktmbuf_alloc(pool);
  if (!head)
    return nullptr;
  rte_mbuf *last = head;
  size_t off = 0;
  do {
    size_t n = std::min<size_t>(frame.size() - off, rte_pktmbuf_tailroom(last));
    if (n == 0 && off < frame.size()) {
      rte_mbuf *seg = rte_pktmbuf_alloc(pool);
      if (!seg) {
        rte_pktmbuf_free(head);
        return nullptr;
      }
      last->next = seg;
      last = seg;
      head->nb_segs++;
      continue;
    }
    std::memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len), frame.data() + off, n);
    last->data_len += n;
    head->pkt_len += n;
    off += n;
  } while (off < frame.size());
  return head;
}

std::vector<uint8_t> bytesFromMbuf(const rte_mbuf *m) {
  std::vector<uint8_t> out;
  out.reserve(m->pkt_len);
  for (const rte_mbuf *s = m; s; s = s->next) {
    const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
    out.insert(out.end(), p, p + s->data_len);
  }
  return out;
}

} // namespace sluice::nic
