//===- sluice/Support/Error.h - Building llvm::Error from a format string --===//
//
// Every library boundary in Sluice returns llvm::Error / llvm::Expected<T>;
// these helpers make one from an {fmt} format string so that messages stay
// one readable line.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <fmt/format.h>

#include <string>
#include <system_error>

#include "llvm/Support/Error.h"

namespace sluice {

template <typename... Args>
llvm::Error makeError(fmt::format_string<Args...> f, Args &&...args) {
  return llvm::make_error<llvm::StringError>(
      fmt::format(f, std::forward<Args>(args)...), llvm::inconvertibleErrorCode());
}

/// An Error carrying an errno-style code (negative or positive), for host map
/// calls whose callers must tell ENOENT from EEXIST.
template <typename... Args>
llvm::Error makeErrnoError(int err, fmt::format_string<Args...> f, Args &&...args) {
  return llvm::make_error<llvm::StringError>(
      fmt::format(f, std::forward<Args>(args)...),
      std::error_code(err < 0 ? -err : err, std::generic_category()));
}

/// The errno of an Error made by makeErrnoError (0 if it has none); consumes it.
int takeErrno(llvm::Error err);

/// Hex dump "0a 00 00 01" of a byte range.
std::string hexBytes(const uint8_t *p, size_t n, size_t limit = SIZE_MAX);

} // namespace sluice
