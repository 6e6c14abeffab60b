//===- Samples.cpp - The sample manifest reader ---------------------------===//
#include "sluice/Engine/Samples.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "sluice/Support/Error.h"

namespace sluice {

llvm::Expected<std::vector<SampleSpec>> loadSampleManifest(const std::string &path) {
  using json = nlohmann::json;
  std::ifstream in(path);
  if (!in)
    return makeError("{}: cannot read the sample manifest", path);
  json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("samples") || !doc["samples"].is_array())
    return makeError("{}: expected {{\"samples\": [...]}}", path);
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  auto rel = [&](const std::string &p) { return p.empty() || p[0] == '/' ? p : dir + "/" + p; };
  std::vector<SampleSpec> out;
  for (size_t i = 0; i < doc["samples"].size(); ++i) {
    const json &s = doc["samples"][i];
    if (!s.is_object() || !s["name"].is_string() || !s["object"].is_string() ||
        !s["program"].is_string() || !s["pcap"].is_string())
      return makeError("{}: sample {} needs string fields name, object, program and pcap", path,
                       i);
    SampleSpec x;
    x.name = s["name"].get<std::string>();
    x.description = s.value("description", "");
    x.object = rel(s["object"].get<std::string>());
    x.program = s["program"].get<std::string>();
    x.pcap = rel(s["pcap"].get<std::string>());
    if (s.contains("map_init") && s["map_init"].is_string())
      x.mapInit = rel(s["map_init"].get<std::string>());
    if (s.contains("nic_values")) {
      x.nicValues = s["nic_values"].get<std::string>();
      if (x.nicValues != "clock" && x.nicValues != "random")
        return makeError("{}: sample '{}': nic_values must be \"clock\" or \"random\"", path,
                         x.name);
    }
    if (s.contains("volatile_maps")) {
      if (!s["volatile_maps"].is_array())
        return makeError("{}: sample '{}': volatile_maps must be an array", path, x.name);
      for (const json &m : s["volatile_maps"])
        x.volatileMaps.push_back(m.get<std::string>());
    }
    out.push_back(std::move(x));
  }
  return out;
}

} // namespace sluice
