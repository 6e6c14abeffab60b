//===- sluice/Nic/Mbuf.h - Frames to and from rte_mbuf chains --------------===//
//
// The device moves frames as byte vectors; DPDK as mbuf chains. These copy
// between the two, chaining 2 KB segments for jumbo frames.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <span>
#include <vector>

struct rte_mbuf;
struct rte_mempool;

namespace sluice::nic {

/// A new mbuf chain holding `frame` (nullptr if the pool is exhausted).
rte_mbuf *mbufFromBytes(rte_mempool *pool, std::span<const uint8_t> frame);

/// The bytes of an mbuf chain (the mbuf is not freed).
std::vector<uint8_t> bytesFromMbuf(const rte_mbuf *m);

} // namespace sluice::nic
