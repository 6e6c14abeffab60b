//===- Golden.cpp - Reading and checking the golden vectors -----------------===//
#include "sluice/Model/Golden.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sluice/Support/Error.h"

namespace sluice {

using nlohmann::json;

namespace {
// The ISA version of the golden format; kept equal to isa::kIsaVersion by
// ModelEngineTest (this file compiles without the generated headers).
constexpr unsigned kGoldenIsaVersion = 2;

bool unhex(const std::string &s, Bytes &out) {
  if (s.size() % 2)
    return false;
  out.clear();
  for (size_t i = 0; i < s.size(); i += 2) {
    auto nib = [](char c) -> int {
      return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out.push_back(uint8_t(hi << 4 | lo));
  }
  return true;
}
} // namespace

llvm::Expected<std::vector<GoldenVector>> readGoldenVectors(const std::string &path,
                                                            const TargetParams &target) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("{}: cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return makeError("{}: not valid JSON", path);
  std::vector<GoldenVector> out;
  try {
    if (j.at("isa_version").get<unsigned>() != kGoldenIsaVersion)
      return makeError("{}: golden vectors for stage ISA v{}, this build implements v{}", path,
                       j.at("isa_version").get<unsigned>(), kGoldenIsaVersion);
    std::string hash = fmt::format("0x{:016x}", target.hash);
    if (j.at("param_hash").get<std::string>() != hash)
      return makeError("{}: golden vectors for datapath parameters {}, this datapath has {}", path,
                       j.at("param_hash").get<std::string>(), hash);
    for (auto &jv : j.at("vectors")) {
      GoldenVector v;
      v.name = jv.at("name");
      v.doc = jv.at("doc");
      if (!unhex(jv.at("image"), v.image))
        return makeError("{}: vector {}: bad image hex", path, v.name);
      for (auto &jp : jv.at("packets")) {
        GoldenPacket p;
        if (!unhex(jp.at("in"), p.in.data) || !unhex(jp.at("out"), p.out))
          return makeError("{}: vector {}: bad packet hex", path, v.name);
        p.in.ingress_ifindex = jp.at("ingress_ifindex");
        p.in.rx_queue_index = jp.at("rx_queue_index");
        p.timestampNs = jp.at("timestamp_ns");
        p.verdict = jp.at("verdict");
        p.fault = jp.at("fault");
        if (jp.contains("redirect_ifindex"))
          p.redirectIfindex = jp["redirect_ifindex"].get<uint32_t>();
        v.packets.push_back(std::move(p));
      }
      out.push_back(std::move(v));
    }
  } catch (const std::exception &e) {
    return makeError("{}: malformed golden vectors ({})", path, e.what());
  }
  return out;
}

llvm::Error checkGoldenVector(const GoldenVector &v, Engine &engine, const GoldenHooks &hooks) {
  for (size_t i = 0; i < v.packets.size(); ++i) {
    const GoldenPacket &p = v.packets[i];
    if (hooks.setTimestamp)
      hooks.setTimestamp(p.timestampNs);
    auto out = engine.run(p.in);
    if (!out)
      return makeError("{} packet {}: {}", v.name, i, llvm::toString(out.takeError()));
    if (out->action != p.verdict)
      return makeError("{} packet {}: verdict {}, expected {}", v.name, i, out->action, p.verdict);
    if (out->data.size() != p.out.size())
      return makeError("{} packet {}: {} output bytes, expected {}", v.name, i, out->data.size(),
                       p.out.size());
    for (size_t k = 0; k < p.out.size(); ++k)
      if (out->data[k] != p.out[k])
        return makeError("{} packet {}: output byte {} is 0x{:02x}, expected 0x{:02x}", v.name, i, k,
                         out->data[k], p.out[k]);
    if (p.redirectIfindex && (!out->redirect || out->redirect->ifindex != *p.redirectIfindex))
      return makeError("{} packet {}: redirect to {}, expected ifindex {}", v.name, i,
                       out->redirect ? std::to_string(out->redirect->ifindex) : "nothing",
                       *p.redirectIfindex);
    if (hooks.lastFaulted && hooks.lastFaulted() != p.fault)
      return makeError("{} packet {}: fault {}, expected {}", v.name, i, hooks.lastFaulted(), p.fault);
  }
  return llvm::Error::success();
}

} // namespace sluice
