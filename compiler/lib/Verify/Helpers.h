//===- Helpers.h - Prototypes of the helpers an XDP program may call ------===//
//
// Private to compiler/lib/Verify. For each helper the kernel offers a
// privileged XDP program and that the verifier models: its argument and
// return types, whether it moves packet data (which invalidates every packet
// pointer), and, when the NIC datapath cannot run it, why and what to do.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace sluice::verify {

enum class Arg : uint8_t {
  None,
  Anything,       ///< any initialised register
  ConstMapPtr,    ///< a map (ld_imm64)
  MapKey,         ///< pointer to key_size readable bytes of the preceding map
  MapValue,       ///< pointer to value_size readable bytes of the preceding map
  Ctx,            ///< the unmodified ctx pointer
  Mem,            ///< pointer to readable memory, size in the next argument
  MemOrNull,      ///< Mem, or the constant 0 with size 0
  UninitMem,      ///< pointer to writable memory, size in the next argument
  ConstSize,      ///< the size of the previous argument, > 0 and bounded
  ConstSizeOrZero,///< the size of the previous argument, >= 0 and bounded
  PtrToInt,       ///< pointer to 4 writable bytes (stack or map value)
};

enum class Ret : uint8_t { Integer, Void, MapValueOrNull };

struct HelperProto {
  int32_t id;
  Arg args[5];
  Ret ret;
  bool changesPktData;
};

/// The prototype of helper `id` for a privileged XDP program, or nullptr when
/// the kernel does not offer it there (or the verifier does not model it).
const HelperProto *xdpHelper(int32_t id);

/// Why the NIC cannot run helper `id`, with what to do instead; nullptr when
/// it can.
const char *nicRefusal(int32_t id);

/// Helpers the kernel offers an XDP program but whose rules (callbacks,
/// reference tracking, BTF-described fields) this verifier does not model.
bool helperNotModelled(int32_t id);

} // namespace sluice::verify
