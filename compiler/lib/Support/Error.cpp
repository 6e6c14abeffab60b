//===- Error.cpp - Error helpers ------------------------------------------===//
#include "sluice/Support/Error.h"

namespace sluice {

int takeErrno(llvm::Error err) {
  int code = 0;
  llvm::handleAllErrors(std::move(err), [&](const llvm::ErrorInfoBase &e) {
    std::error_code ec = e.convertToErrorCode();
    if (ec.category() == std::generic_category())
      code = ec.value();
  });
  return code;
}

std::string hexBytes(const uint8_t *p, size_t n, size_t limit) {
  std::string s;
  size_t m = std::min(n, limit);
  for (size_t i = 0; i < m; ++i) {
    if (i)
      s += ' ';
    s += fmt::format("{:02x}", p[i]);
  }
  if (m < n)
    s += fmt::format(" ... ({} bytes)", n);
  return s;
}

} // namespace sluice
