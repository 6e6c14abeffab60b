//===- GenFiles.h - File I/O of the generators (sluice-gen, sluice-regs) ---===//
//
// Reading a source and writing a generated file only when its content
// changed (so that what depends on it does not rebuild). Errors end the
// generator with "<tool>: error: <path>: ..." and exit code 2.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sluice::gen {

inline const char *toolName = "sluice-gen";

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "{}: error: {}: cannot open\n", toolName, path);
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::filesystem::path &path, const std::string &text) {
  if (std::filesystem::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str() == text)
      return;
  }
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    fmt::print(stderr, "{}: error: {}: cannot write\n", toolName, path.string());
    std::exit(2);
  }
}

} // namespace sluice::gen
