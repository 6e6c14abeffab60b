//===- InterpMachine.h - The interpreter's machine state (internal) -------===//
//
// The state shared by the decoder, the dispatch loop (InterpEngine.cpp) and
// the helpers (InterpHelpers.cpp): pre-decoded instructions, the XDP buffer,
// the stack frames, the context, the maps and the memory-region checks.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "InterpMaps.h"
#include "sluice/Interp/InterpEngine.h"

namespace sluice::interp {

/// Internal opcodes: one per (operation, operand kind, width), so that the
/// loop never decodes fields again. K forms carry their immediate already
/// sign- or zero-extended as the operation needs it. The list is an X-macro:
/// it makes the enum and the dispatch loop's label table, in one order.
#define SLUICE_INTERP_ALU_OPS(M, W)                                                       \
  M(ADD##W##X) M(ADD##W##K) M(SUB##W##X) M(SUB##W##K) M(MUL##W##X) M(MUL##W##K)           \
  M(DIV##W##X) M(DIV##W##K) M(SDIV##W##X) M(SDIV##W##K) M(MOD##W##X) M(MOD##W##K)         \
  M(SMOD##W##X) M(SMOD##W##K) M(OR##W##X) M(OR##W##K) M(AND##W##X) M(AND##W##K)           \
  M(LSH##W##X) M(LSH##W##K) M(RSH##W##X) M(RSH##W##K) M(ARSH##W##X) M(ARSH##W##K)         \
  M(XOR##W##X) M(XOR##W##K) M(MOV##W##X) M(MOV##W##K) M(NEG##W) M(MOVSX##W##_8)           \
  M(MOVSX##W##_16) M(MOVSX##W##_32)
#define SLUICE_INTERP_JMP_OPS(M, W)                                                       \
  M(JEQ##W##X) M(JEQ##W##K) M(JGT##W##X) M(JGT##W##K) M(JGE##W##X) M(JGE##W##K)           \
  M(JSET##W##X) M(JSET##W##K) M(JNE##W##X) M(JNE##W##K) M(JSGT##W##X) M(JSGT##W##K)       \
  M(JSGE##W##X) M(JSGE##W##K) M(JLT##W##X) M(JLT##W##K) M(JLE##W##X) M(JLE##W##K)         \
  M(JSLT##W##X) M(JSLT##W##K) M(JSLE##W##X) M(JSLE##W##K)
#define SLUICE_INTERP_OPS(M)                                                              \
  SLUICE_INTERP_ALU_OPS(M, 64)                                                            \
  SLUICE_INTERP_ALU_OPS(M, 32)                                                            \
  M(ZEXT16) M(ZEXT32) M(NOP) M(BSWAP16) M(BSWAP32) M(BSWAP64)                             \
  M(LDDW)                                                                                 \
  M(LDXB) M(LDXH) M(LDXW) M(LDXDW) M(LDXSB) M(LDXSH) M(LDXSW)                             \
  M(STB) M(STH) M(STW) M(STDW)                                                            \
  M(STXB) M(STXH) M(STXW) M(STXDW)                                                        \
  M(AADD32) M(AOR32) M(AAND32) M(AXOR32) M(AFADD32) M(AFOR32) M(AFAND32) M(AFXOR32)       \
  M(AXCHG32) M(ACMPXCHG32)                                                                \
  M(AADD64) M(AOR64) M(AAND64) M(AXOR64) M(AFADD64) M(AFOR64) M(AFAND64) M(AFXOR64)       \
  M(AXCHG64) M(ACMPXCHG64)                                                                \
  M(LDACQB) M(LDACQH) M(LDACQW) M(LDACQDW) M(STRELB) M(STRELH) M(STRELW) M(STRELDW)       \
  M(JA)                                                                                   \
  SLUICE_INTERP_JMP_OPS(M, 64)                                                            \
  SLUICE_INTERP_JMP_OPS(M, 32)                                                            \
  M(MAYGOTO)                                                                              \
  M(CALL)      /* helper `imm` */                                                         \
  M(TAILCALL)  /* bpf_tail_call */                                                        \
  M(CALLLOCAL) /* bpf-to-bpf call to `off` */                                             \
  M(EXIT)                                                                                 \
  M(LDDW2)     /* second half of ld_imm64: never executed */                              \
  M(FELLOFF)   /* past the last instruction of a program */

enum Op : uint8_t {
#define SLUICE_INTERP_ENUM(name) name,
  SLUICE_INTERP_OPS(SLUICE_INTERP_ENUM)
#undef SLUICE_INTERP_ENUM
  NUM_OPS
};

struct DInsn {
  uint8_t op;
  uint8_t dst;
  uint8_t src;
  uint8_t pad;
  int32_t off;   ///< memory offset, or absolute jump/call target
  uint64_t imm;  ///< prepared immediate, ld_imm64 value, helper id
};
static_assert(sizeof(DInsn) == 16);

constexpr uint32_t kStackSize = 512;     // MAX_BPF_STACK per frame
constexpr uint32_t kMaxFrames = 8;       // MAX_CALL_FRAMES
constexpr uint32_t kHeadroom = 256;      // XDP_PACKET_HEADROOM
constexpr uint32_t kFrameSize = 4096;    // PAGE_SIZE: frame_sz of the test run
constexpr uint32_t kTailroom = 320;      // SKB_DATA_ALIGN(sizeof(skb_shared_info))
constexpr uint32_t kMaxLinear = kFrameSize - kHeadroom - kTailroom;  // 3520
constexpr uint32_t kXdpFrameSize = 40;   // sizeof(struct xdp_frame), 6.18
constexpr uint32_t kMaxMeta = 252;       // xdp_metalen_invalid(): <= 255, 4-aligned
constexpr uint32_t kMaxFrags = 17;       // MAX_SKB_FRAGS
constexpr uint32_t kEthHlen = 14;
constexpr uint32_t kMaxTailCalls = 33;   // MAX_TAIL_CALL_CNT
constexpr uint64_t kMaxLoops = 1u << 23; // BPF_MAX_LOOPS
constexpr uint64_t kFuncTag = 0xf0ca000000000000ull;  // BPF_PSEUDO_FUNC values

/// struct xdp_md as the program sees it.
struct XdpMd {
  uint32_t data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};

/// One decoded program of the object.
struct DecodedProg {
  const Program *prog = nullptr;
  uint32_t base = 0;  ///< index of its first instruction in Machine::code
  bool ok = false;
  std::string error;  ///< why it could not be decoded
};

struct Frame {
  const DInsn *ret;
  uint64_t saved[4];  ///< r6..r9 of the caller
  uint64_t mayGoto;   ///< the caller's may_goto budget
};

enum class Status { Ok, Fault };

class Machine {
public:
  Machine();
  ~Machine();

  // Loading.
  llvm::Error load(const Object &obj, const Program &prog);
  void reset();

  // Running one packet.
  llvm::Expected<PacketOut> run(const PacketIn &pkt);

  // The dispatch loop: runs from `entry` in frame `depth` until that frame
  // exits; r0 receives its return value.
  Status exec(const DInsn *entry, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
              uint64_t r5, uint32_t depth, uint64_t &r0);
  Status callHelper(uint32_t id, uint64_t *r, const DInsn *ip, uint32_t depth);

  /// Records an engine error at instruction `ip` (the faulting one).
  Status fault(const DInsn *ip, std::string what);

  // Memory checks. Return the host address or nullptr.
  uint8_t *xlate(uint64_t a, uint64_t n, bool write) {
    uint64_t o = a - pktLo_;
    if (o < pktLen_ && pktLen_ - o >= n)
      return reinterpret_cast<uint8_t *>(a);
    o = a - stkLo_;
    if (o < stkLen_ && stkLen_ - o >= n)
      return reinterpret_cast<uint8_t *>(a);
    return regions.check(a, n, write);
  }
  bool isCtx(uint64_t a) const {
    return a - uintptr_t(&ctxMem_) < sizeof(ctxMem_);
  }
  /// A load that missed packet, stack and regions: the context, or a fault.
  Status slowLoad(const DInsn *ip, uint64_t a, uint32_t size, uint64_t &out);
  Status badAccess(const DInsn *ip, uint64_t a, uint64_t n, bool write);

  Map *asMap(uint64_t v) const;
  void setPacketBounds() {
    pktLo_ = uintptr_t(dataMeta_);
    pktLen_ = uint64_t(dataEnd_ - dataMeta_);
    lowWater_ = std::min(lowWater_, dataMeta_);
    highWater_ = std::max(highWater_, dataEnd_);
  }
  void setStackDepth(uint32_t depth) {
    stkLo_ = uintptr_t(stackTop() - (depth + 1) * kStackSize);
    stkLen_ = (depth + 1) * kStackSize;
    maxDepth_ = std::max(maxDepth_, depth);
  }
  uint8_t *stackTop() const { return stack_.get() + kMaxFrames * kStackSize; }
  uint64_t frameR10(uint32_t depth) const {
    return uintptr_t(stackTop()) - uint64_t(depth) * kStackSize;
  }
  /// Bytes of linear data plus fragments.
  uint64_t buffLen() const { return uint64_t(dataEnd_ - data_) + fragsSize_; }
  /// Copies between the frame (linear then fragments) and `buf`.
  void frameCopy(uint64_t off, uint8_t *buf, uint64_t len, bool toFrame);

  // Code.
  std::vector<DInsn> code;
  std::vector<DecodedProg> progs;  ///< by Object::programs index, then the entry if extra
  uint32_t entryProg = 0;
  const Object *obj = nullptr;

  // Maps.
  RegionTable regions;
  MapEnv mapEnv;
  std::vector<std::unique_ptr<Map>> maps;  ///< by Object::maps index
  std::vector<Map *> sortedMaps;           ///< for asMap()
  std::vector<bool> programUsable;
  std::vector<bool> hiddenMap;             ///< inner-map templates: not dumped

  // Per-run state.
  uint64_t insnCount = 0, totalInsns = 0, insnLimit = 1000000000;
  uint64_t runIndex = 0;
  uint32_t tailCalls = 0;
  std::optional<RedirectTarget> redirect;
  std::string error;  ///< set by fault()

  // Events and randomness.
  std::vector<InterpEvent> events;
  uint64_t prandomState = 0;  ///< the NIC generator's state (sluice/Support/NicRandom.h)
  uint64_t prandomCalls = 0;  ///< bpf_get_prandom_u32 calls of the running packet
  std::optional<uint64_t> arrivalNs;  ///< the running packet's (PacketIn::arrivalNs)

  // The XDP buffer.
  alignas(64) uint8_t frame_[kFrameSize];
  uint8_t *data_ = nullptr, *dataEnd_ = nullptr, *dataMeta_ = nullptr;
  uint8_t *lowWater_ = nullptr, *highWater_ = nullptr;
  std::vector<Bytes> frags_;
  uint64_t fragsSize_ = 0;
  XdpMd ctxMem_{};

private:
  llvm::Error decode(DecodedProg &dp, const Program &prog);
  Status mem(const DInsn *ip, uint64_t a, uint32_t n, bool write, uint8_t *&p);

  std::unique_ptr<uint8_t[]> stack_;
  uint64_t pktLo_ = 0, pktLen_ = 0, stkLo_ = 0, stkLen_ = 0;
  uint32_t maxDepth_ = 0;  ///< deepest frame of this run: what to zero after it
};

} // namespace sluice::interp
