//===- MapInit.cpp - The --map-init file ----------------------------------===//
//
// Format (docs/map-init.md):
//   { "maps": { "<map>": [ {"key": K, "value": V, "flags": F}, ... ] } }
// K and V are strings of hex bytes in memory order (whitespace ignored) or
// non-negative integers, encoded little-endian to the map's size.
//
//===----------------------------------------------------------------------===//
#include "sluice/Engine/MapInit.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sluice/Support/Error.h"

namespace sluice {

namespace {

using json = nlohmann::json;

llvm::Expected<Bytes> encode(const json &v, uint32_t size, const std::string &where) {
  Bytes out;
  if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
    uint64_t x = v.get<uint64_t>();
    if (size < 8 && (x >> (size * 8)) != 0)
      return makeError("{}: {} does not fit in {} bytes", where, x, size);
    for (uint32_t i = 0; i < size; ++i)
      out.push_back(i < 8 ? uint8_t(x >> (8 * i)) : 0);
    return out;
  }
  if (!v.is_string())
    return makeError("{}: expected a hex byte string or a non-negative integer", where);
  std::string digits;
  for (char c : v.get<std::string>()) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':')
      continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return makeError("{}: '{}' is not a hex digit", where, c);
    digits += c;
  }
  if (digits.size() % 2)
    return makeError("{}: odd number of hex digits", where);
  for (size_t i = 0; i < digits.size(); i += 2)
    out.push_back(uint8_t(std::stoul(digits.substr(i, 2), nullptr, 16)));
  if (out.size() != size)
    return makeError("{}: {} bytes given, the map wants {}", where, out.size(), size);
  return out;
}

} // namespace

llvm::Expected<std::vector<MapInitEntry>> parseMapInitText(const std::string &text,
                                                           const std::string &origin,
                                                           const Object &obj) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error &e) {
    return makeError("{}: not valid JSON: {}", origin, e.what());
  }
  if (!doc.is_object() || !doc.contains("maps") || !doc["maps"].is_object())
    return makeError("{}: expected {{\"maps\": {{\"<map>\": [entries...]}}}}", origin);
  std::vector<MapInitEntry> out;
  for (auto &[name, entries] : doc["maps"].items()) {
    int idx = obj.mapIndex(name);
    if (idx < 0) {
      std::string known;
      for (const MapDef &m : obj.maps)
        known += (known.empty() ? "" : ", ") + m.name;
      return makeError("{}: map '{}' is not in {} (its maps: {})", origin, name, obj.path,
                       known);
    }
    const MapDef &m = obj.maps[idx];
    if (!entries.is_array())
      return makeError("{}: map '{}': expected an array of entries", origin, name);
    for (size_t i = 0; i < entries.size(); ++i) {
      const json &e = entries[i];
      std::string where = fmt::format("{}: map '{}' entry {}", origin, name, i);
      if (!e.is_object() || !e.contains("key") || !e.contains("value"))
        return makeError("{}: expected {{\"key\": ..., \"value\": ...}}", where);
      for (auto &[field, _] : e.items())
        if (field != "key" && field != "value" && field != "flags")
          return makeError("{}: unknown field '{}'", where, field);
      auto key = encode(e["key"], m.key_size, where + " key");
      if (!key)
        return key.takeError();
      auto value = encode(e["value"], m.value_size, where + " value");
      if (!value)
        return value.takeError();
      MapInitEntry entry{name, std::move(*key), std::move(*value), BPF_ANY};
      if (e.contains("flags")) {
        if (!e["flags"].is_number_unsigned())
          return makeError("{}: flags must be a non-negative integer", where);
        entry.flags = e["flags"].get<uint64_t>();
      }
      out.push_back(std::move(entry));
    }
  }
  return out;
}

llvm::Expected<std::vector<MapInitEntry>> parseMapInit(const std::string &path,
                                                       const Object &obj) {
  std::ifstream in(path);
  if (!in)
    return makeError("{}: cannot open: {}", path, std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return parseMapInitText(ss.str(), path, obj);
}

llvm::Error applyMapInit(Engine &engine, const std::vector<MapInitEntry> &entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const MapInitEntry &e = entries[i];
    if (auto err = engine.mapUpdate(e.map, e.key, e.value, e.flags))
      return makeError("map-init on {}: map '{}' key {}: {}", engine.name(), e.map,
                       hexBytes(e.key.data(), e.key.size()), llvm::toString(std::move(err)));
  }
  return llvm::Error::success();
}

} // namespace sluice
