//===- MapUnitTest.cpp - sluice_map (Verilated) against NicMap --------------===//
//
// The map unit alone (hdl/rtl/sluice_map.sv), Verilated with the default
// datapath's sizes, driven with random transaction streams at one per clock
// (random stalls): the same key back to back, RMWs (MAPATOM), inserts on a
// miss, updates with every flag, deletes, full maps, forced d-left
// collisions (keys sharing both buckets), way reads. Every result (found,
// return code, value words, the host's key and value) is compared with the
// sequential execution on NicMap (compiler/lib/Maps), and the final memory,
// read back word by word through the unit's RAW port, with the byte image of
// a slot-exact mirror of NicMap's placement (the mirror is itself checked
// against NicMap on every operation and on the walk order).
// LPM tries (the unit's CAM, hdl/rtl/sluice_lpm_cam.sv): random lookups at
// one per clock with host updates, deletes and row reads between them,
// against NicMap's longest match and return codes, with the unit's
// documented ordering of a host write (docs/rtl.md "LPM CAM").
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "Vsluice_map.h"
#include "verilated.h"

#include "sluice/Maps/NicMaps.h"
#include "sluice/Target/TargetParams.h"

using namespace sluice;

namespace {

constexpr unsigned kKeyB = 64, kValB = 256;
constexpr unsigned KW = kKeyB / 8, VW = kValB / 8, EWM = 1 + KW + VW;
constexpr unsigned kRegs = 7;  // the default datapath: 3 * (3 - 1) + 1
constexpr uint64_t kMemWords = 104856;

enum Op : uint8_t { LOOKUP = 0, UPDATE = 1, DELETE = 2, READWAY = 3, RAW = 4 };

uint32_t ew(const NicMapLayout &l) { return uint32_t(l.entryBytes / 8); }
bool isLru(uint32_t t) { return t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH; }
bool isHash(uint32_t t) { return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH || isLru(t); }

/// NicMap's placement rules, slot for slot, to give the byte image the RTL
/// memory must hold (NicMap keeps its slots private). Checked against NicMap.
struct Mirror {
  NicMapLayout l;
  bool hash = false;
  struct Slot {
    bool valid = false;
    Bytes key, value;
  };
  std::vector<Slot> slots;
  uint32_t count = 0;
  uint64_t coll = 0;

  Mirror(const NicMapLayout &lay) : l(lay), hash(isHash(lay.type)) {
    if (hash) {
      slots.resize(l.ways + l.stashEntries);
    } else {
      slots.resize(l.maxEntries);
      for (auto &s : slots) s.valid = true, s.value.assign(l.valueSize, 0);
      count = l.maxEntries;
    }
  }
  uint64_t base(unsigned t, const Bytes &k) const {
    uint32_t h = t == 0 ? nicHash0(k.data(), k.size()) : nicHash1(k.data(), k.size());
    return (uint64_t(t) * l.buckets + ((uint64_t(h) * l.buckets) >> 32)) * 4;
  }
  int64_t find(const Bytes &k) const {
    if (!hash) {
      uint32_t i;
      std::memcpy(&i, k.data(), 4);
      return i < l.maxEntries ? int64_t(i) : -1;
    }
    for (unsigned t = 0; t < 2; ++t)
      for (unsigned w = 0; w < 4; ++w)
        if (slots[base(t, k) + w].valid && slots[base(t, k) + w].key == k) return int64_t(base(t, k) + w);
    for (size_t i = l.ways; i < slots.size(); ++i)
      if (slots[i].valid && slots[i].key == k) return int64_t(i);
    return -1;
  }
  int update(const Bytes &k, const Bytes &v, uint64_t flags) {
    if (flags > 2) return -EINVAL;
    int64_t at = find(k);
    if (!hash) {
      if (at < 0) return -E2BIG;
      if (flags == 1) return -EEXIST;
      slots[at].value = v;
      return 0;
    }
    if (at >= 0) {
      if (flags == 1) return -EEXIST;
      slots[at].value = v;
      return 0;
    }
    if (flags == 2) return -ENOENT;
    if (count >= l.maxEntries) return -E2BIG;
    uint64_t b0 = base(0, k), b1 = base(1, k);
    unsigned n0 = 0, n1 = 0;
    for (unsigned w = 0; w < 4; ++w) n0 += slots[b0 + w].valid, n1 += slots[b1 + w].valid;
    int64_t dst = -1;
    if (n0 < 4 || n1 < 4) {
      uint64_t b = n1 < n0 ? b1 : b0;
      for (unsigned w = 0; w < 4 && dst < 0; ++w)
        if (!slots[b + w].valid) dst = int64_t(b + w);
    } else {
      for (size_t i = l.ways; i < slots.size() && dst < 0; ++i)
        if (!slots[i].valid) dst = int64_t(i);
    }
    if (dst < 0) return ++coll, -E2BIG;
    slots[dst] = {true, k, v};
    ++count;
    return 0;
  }
  int del(const Bytes &k) {
    if (!hash) return -EINVAL;
    int64_t at = find(k);
    if (at < 0) return -ENOENT;
    slots[at] = {};
    --count;
    return 0;
  }
  /// Entry n's words as the RTL memory holds them.
  std::vector<uint64_t> entryWords(size_t n) const {
    std::vector<uint8_t> b(l.entryBytes, 0);
    const Slot &s = slots[n];
    if (hash) {
      if (s.valid) {
        b[0] = 1;
        std::memcpy(&b[8], s.key.data(), s.key.size());
        std::memcpy(&b[8 + ((l.keySize + 7) & ~7u)], s.value.data(), s.value.size());
      }
    } else {
      std::memcpy(b.data(), s.value.data(), s.value.size());
    }
    std::vector<uint64_t> w(b.size() / 8);
    std::memcpy(w.data(), b.data(), b.size());
    return w;
  }
};

struct Expect {
  Op op;
  bool found = false;
  uint32_t rc = 0;
  uint32_t words[4] = {};
  bool host = false;  // compare key and value too
  Bytes key, value;
  std::vector<uint64_t> raw;
  uint16_t tag = 0;
};

struct Txn {
  Op op = LOOKUP;
  unsigned map = 0;
  Bytes key, value;
  unsigned flags = 0;
  bool ins = false;
  unsigned w0 = 0;
  uint32_t arg = 0;
  unsigned ren = 0, rw = 0, rop[2] = {}, rword[2] = {};
  uint64_t ropnd[2] = {};
};

template <typename W> void putBytes(W &wide, unsigned words32, const Bytes &b) {
  for (unsigned i = 0; i < words32; ++i) wide[i] = 0;
  for (size_t i = 0; i < b.size(); ++i) wide[i / 4] |= uint32_t(b[i]) << (8 * (i % 4));
}
template <typename W> Bytes getBytes(const W &wide, size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(wide[i / 4] >> (8 * (i % 4)));
  return b;
}

class MapUnit {
public:
  MapUnit() : ctx_(std::make_unique<VerilatedContext>()) {
    top_ = std::make_unique<Vsluice_map>(ctx_.get());
    top_->rst = 1;
    top_->en = 1;
    tick();
    tick();
    top_->rst = 0;
    top_->clr = 1;
    tick();
    top_->clr = 0;
    while (top_->clr_busy) tick();
  }
  ~MapUnit() { top_->final(); }

  void configure(unsigned id, const NicMapLayout &l) {
    top_->cfg_we = 1;
    top_->cfg_map = id;
    top_->cfg_type = l.type == BPF_MAP_TYPE_LPM_TRIE ? 3 : isHash(l.type) ? 2 : 1;
    top_->cfg_ksz = l.keySize;
    top_->cfg_vsz = l.valueSize;
    top_->cfg_maxe = l.maxEntries;
    top_->cfg_buckets = l.buckets | (isLru(l.type) ? 1u << 31 : 0u);  // bit 31: LRU
    top_->cfg_base = uint32_t(l.offset / 8);
    tick();
    top_->cfg_we = 0;
  }

  /// One clock; `t` issued when non-null and en. Returns results leaving.
  void cycle(const Txn *t, bool en, uint16_t tag, std::vector<Expect> &out) {
    top_->en = en;
    top_->i_valid = t != nullptr;
    if (t) {
      top_->i_op = t->op;
      top_->i_map = t->map;
      putBytes(top_->i_key, kKeyB / 4, t->key);
      putBytes(top_->i_val, kValB / 4, t->value);
      top_->i_flags = t->flags;
      top_->i_ins = t->ins;
      top_->i_w0 = t->w0;
      top_->i_arg = t->arg;
      top_->i_r_en = t->ren;
      top_->i_r_w = t->rw;
      top_->i_r_op = t->rop[0] | (t->rop[1] << 3);
      top_->i_r_word = t->rword[0] | (t->rword[1] << 5);
      for (unsigned r = 0; r < 2; ++r) {
        top_->i_r_opnd[2 * r] = uint32_t(t->ropnd[r]);
        top_->i_r_opnd[2 * r + 1] = uint32_t(t->ropnd[r] >> 32);
      }
      top_->i_tag = tag;
    }
    tick();
    top_->i_valid = 0;
    if (en && top_->o_valid) {
      Expect e;
      e.op = Op(top_->o_op);
      e.tag = top_->o_tag;
      e.found = top_->o_found;
      e.rc = top_->o_rc;
      for (unsigned k = 0; k < 4; ++k) e.words[k] = top_->o_words[k];
      e.key = getBytes(top_->o_key, kKeyB);
      e.value = getBytes(top_->o_val, kValB);
      for (unsigned j = 0; j < EWM; ++j)
        e.raw.push_back(uint64_t(top_->o_raw[2 * j]) | uint64_t(top_->o_raw[2 * j + 1]) << 32);
      out.push_back(std::move(e));
    }
  }
  /// Drains: idle cycles until nothing is in flight.
  void drain(std::vector<Expect> &out) {
    for (unsigned i = 0; i < kRegs + 2; ++i) cycle(nullptr, true, 0, out);
  }
  uint64_t collisions(unsigned id) const {
    return uint64_t(top_->o_collisions[2 * id]) | uint64_t(top_->o_collisions[2 * id + 1]) << 32;
  }
  uint32_t count(unsigned id) const { return top_->o_count[id]; }
  uint32_t insertFail() const { return top_->o_insert_fail; }
  uint64_t cycles() const { return cycles_; }

private:
  void tick() {
    top_->clk = 0;
    top_->eval();
    top_->clk = 1;
    top_->eval();
    ++cycles_;
  }
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vsluice_map> top_;
  uint64_t cycles_ = 0;
};

/// The maps of one stage memory, with their reference stores.
struct Bench {
  std::vector<MapDef> defs;
  std::vector<NicMapLayout> lay;
  std::vector<NicMap> nic;
  std::vector<Mirror> mir;
  std::vector<std::vector<Bytes>> keys;  // the key pool per map
  uint32_t insertFail = 0;
  std::mt19937_64 rng{1};
  MapUnit unit;

  explicit Bench(std::vector<MapDef> d, uint64_t seed) : defs(std::move(d)), rng(seed) {
    auto planned = planMaps(defs, TargetParams::defaults());
    EXPECT_TRUE(bool(planned)) << llvm::toString(planned.takeError());
    lay = *planned;
    for (size_t i = 0; i < defs.size(); ++i) {
      EXPECT_LE((lay[i].offset + lay[i].bytes) / 8, kMemWords);
      nic.emplace_back(defs[i], lay[i]);
      mir.emplace_back(lay[i]);
      unit.configure(unsigned(i), lay[i]);
    }
    keys.resize(defs.size());
  }

  Bytes randBytes(size_t n) {
    Bytes b(n);
    for (auto &x : b) x = uint8_t(rng());
    return b;
  }

  /// LRU maps: the sequential result on NicMap alone (the mirror does not
  /// know LRU placement; the memory image comes from NicMap::entryWords).
  uint64_t lruEvictions = 0;  // inserts at max_entries that replaced an entry
  Expect referenceLru(const Txn &t) {
    Expect e;
    e.op = t.op;
    NicMap &n = nic[t.map];
    const NicMapLayout &l = lay[t.map];
    uint32_t before = n.size();
    uint64_t collBefore = n.collisions();
    auto evicted = [&](int rc) {
      if (rc == 0 && before == l.maxEntries && n.size() == before && n.collisions() == collBefore)
        ++lruEvictions;
    };
    switch (t.op) {
    case LOOKUP: {
      Bytes v;
      int rc = n.lookupUse(t.key, v);
      e.found = rc == 0;
      e.rc = uint32_t(rc);
      if (e.found) {
        e.value = v;
        for (unsigned k = 0; k < 4; ++k) {
          uint32_t w = 0;
          for (unsigned b = 0; b < 4; ++b)
            if (4 * (t.w0 + k) + b < v.size()) w |= uint32_t(v[4 * (t.w0 + k) + b]) << (8 * b);
          e.words[k] = w;
        }
        if (t.ren) {
          Bytes nv = v;
          nv.resize(((v.size() + 7) & ~size_t(7)) + 8, 0);
          for (unsigned r = 0; r < 2; ++r) {
            if (!(t.ren >> r & 1)) continue;
            unsigned wd = t.rword[r];
            bool wide = t.rw >> r & 1;
            uint64_t a = 0, b = t.ropnd[r];
            size_t nb = wide ? 8 : 4;
            if (!wide) b &= 0xffffffffu;
            for (size_t i = 0; i < nb; ++i)
              if (4 * wd + i < nv.size()) a |= uint64_t(nv[4 * wd + i]) << (8 * i);
            uint64_t res = t.rop[r] == 0 ? a + b : t.rop[r] == 1 ? a | b : t.rop[r] == 2 ? a & b
                         : t.rop[r] == 3 ? a ^ b : b;
            for (size_t i = 0; i < nb; ++i)
              if (4 * wd + i < nv.size()) nv[4 * wd + i] = uint8_t(res >> (8 * i));
          }
          nv.resize(l.valueSize);
          EXPECT_EQ(n.setValue(t.key, nv), 0);
        }
      } else if (t.ins) {
        int rc1 = n.update(t.key, t.value, BPF_NOEXIST);
        evicted(rc1);
        if (rc1 != 0) ++insertFail;
      }
      break;
    }
    case UPDATE: {
      int rc = n.update(t.key, t.value, t.flags);
      evicted(rc);
      e.rc = uint32_t(rc);
      break;
    }
    case DELETE:
      e.rc = uint32_t(n.deleteKey(t.key));
      break;
    case READWAY: {
      e.host = true;
      if (t.arg >= l.ways + l.stashEntries) {
        e.rc = uint32_t(-ENOENT);
      } else {
        auto w = n.entryWords(t.arg);
        e.found = w[0] & 1;
        if (e.found) {
          Bytes b(w.size() * 8);
          std::memcpy(b.data(), w.data(), b.size());
          e.key.assign(b.begin() + 8, b.begin() + 8 + l.keySize);
          size_t vo = 8 + ((l.keySize + 7) & ~7u);
          e.value.assign(b.begin() + vo, b.begin() + vo + l.valueSize);
        }
      }
      break;
    }
    case RAW:
      break;
    }
    EXPECT_LE(n.size(), l.maxEntries);
    return e;
  }

  /// The sequential result of `t` on NicMap (checked against the mirror).
  Expect reference(const Txn &t) {
    if (isLru(lay[t.map].type))
      return referenceLru(t);
    Expect e;
    e.op = t.op;
    NicMap &n = nic[t.map];
    Mirror &m = mir[t.map];
    const NicMapLayout &l = lay[t.map];
    switch (t.op) {
    case LOOKUP: {
      Bytes v;
      int rc = n.lookup(t.key, v);
      EXPECT_EQ(rc == 0, m.find(t.key) >= 0);
      e.found = rc == 0;
      e.rc = uint32_t(rc);
      if (e.found) {
        e.value = v;
        for (unsigned k = 0; k < 4; ++k) {
          unsigned wi = t.w0 + k;
          uint32_t w = 0;
          for (unsigned b = 0; b < 4; ++b)
            if (4 * wi + b < v.size()) w |= uint32_t(v[4 * wi + b]) << (8 * b);
          e.words[k] = w;
        }
        if (t.ren) {
          Bytes nv = v;
          nv.resize(((v.size() + 7) & ~size_t(7)) + 8, 0);
          for (unsigned r = 0; r < 2; ++r) {
            if (!(t.ren >> r & 1)) continue;
            unsigned wd = t.rword[r];
            bool wide = t.rw >> r & 1;
            uint64_t a = 0, b = t.ropnd[r];
            size_t nb = wide ? 8 : 4;
            if (!wide) b &= 0xffffffffu;
            for (size_t i = 0; i < nb; ++i)
              if (4 * wd + i < nv.size()) a |= uint64_t(nv[4 * wd + i]) << (8 * i);
            uint64_t res = t.rop[r] == 0 ? a + b : t.rop[r] == 1 ? a | b : t.rop[r] == 2 ? a & b
                         : t.rop[r] == 3 ? a ^ b : b;
            for (size_t i = 0; i < nb; ++i)
              if (4 * wd + i < nv.size()) nv[4 * wd + i] = uint8_t(res >> (8 * i));
          }
          nv.resize(l.valueSize);
          EXPECT_EQ(n.update(t.key, nv, m.hash ? BPF_EXIST : BPF_ANY), 0);
          EXPECT_EQ(m.update(t.key, nv, m.hash ? 2 : 0), 0);
        }
      } else if (t.ins && m.hash) {
        int rc1 = n.update(t.key, t.value, BPF_NOEXIST);
        int rc2 = m.update(t.key, t.value, 1);
        EXPECT_EQ(rc1, rc2);
        if (rc1 != 0) ++insertFail;
      }
      break;
    }
    case UPDATE: {
      int rc = n.update(t.key, t.value, t.flags);
      EXPECT_EQ(rc, m.update(t.key, t.value, t.flags));
      e.rc = uint32_t(rc);
      break;
    }
    case DELETE: {
      int rc = n.deleteKey(t.key);
      EXPECT_EQ(rc, m.del(t.key));
      e.rc = uint32_t(rc);
      break;
    }
    case READWAY: {
      e.host = true;
      if (t.arg >= m.slots.size()) {
        e.rc = uint32_t(-ENOENT);
      } else {
        const auto &s = m.slots[t.arg];
        e.found = s.valid;
        if (s.valid) {
          e.key = m.hash ? s.key : Bytes{};
          e.value = s.value;
        }
        if (!m.hash) {
          e.key.resize(4);
          std::memcpy(e.key.data(), &t.arg, 4);
        }
      }
      break;
    }
    case RAW:
      break;
    }
    EXPECT_EQ(n.size(), m.count);
    EXPECT_EQ(n.collisions(), m.coll);
    return e;
  }

  void compare(const Expect &want, const Expect &got, const Txn &t, size_t i) {
    const NicMapLayout &l = lay[t.map];
    std::string what = fmt::format("txn {} op {} map {} ('{}')", i, int(t.op), t.map, l.name);
    ASSERT_EQ(got.op, want.op) << what;
    EXPECT_EQ(got.rc, want.rc) << what;
    EXPECT_EQ(got.found, want.found) << what;
    if (t.op == LOOKUP)
      for (unsigned k = 0; k < 4; ++k) EXPECT_EQ(got.words[k], want.words[k]) << what << " word " << k;
    if (t.op == LOOKUP || t.op == READWAY) {
      Bytes gv(got.value.begin(), got.value.begin() + (want.found ? l.valueSize : 0));
      Bytes wv = want.found ? want.value : Bytes{};
      EXPECT_EQ(gv, wv) << what << " value";
      if (t.op == READWAY && want.found) {
        Bytes gk(got.key.begin(), got.key.begin() + l.keySize);
        EXPECT_EQ(gk, want.key) << what << " key";
      }
    }
  }

  /// Runs `txns` at one per clock (random stalls with `stallPct`), checks
  /// every result in order.
  void run(const std::vector<Txn> &txns, unsigned stallPct = 0) {
    std::vector<Expect> want, got;
    want.reserve(txns.size());
    size_t i = 0;
    while (i < txns.size()) {
      bool en = stallPct == 0 || rng() % 100 >= stallPct;
      if (en) want.push_back(reference(txns[i]));
      unit.cycle(en ? &txns[i] : nullptr, en, uint16_t(i), got);
      if (en) ++i;
    }
    unit.drain(got);
    ASSERT_EQ(got.size(), txns.size());
    for (size_t k = 0; k < txns.size(); ++k) {
      ASSERT_EQ(got[k].tag, uint16_t(k));
      compare(want[k], got[k], txns[k], k);
      if (::testing::Test::HasFailure()) return;  // the first difference is enough
    }
  }

  /// The final state: counts, collisions, insert failures, walk order, and
  /// every memory word of every map.
  void checkFinal() {
    EXPECT_EQ(unit.insertFail(), insertFail);
    for (size_t id = 0; id < defs.size(); ++id) {
      const NicMapLayout &l = lay[id];
      EXPECT_EQ(unit.count(unsigned(id)), nic[id].size()) << l.name;
      EXPECT_EQ(unit.collisions(unsigned(id)), nic[id].collisions()) << l.name;
      // the mirror's walk is NicMap's
      std::vector<Bytes> walk;
      Bytes cur, next;
      for (int rc = nic[id].getNextKey(nullptr, next); rc == 0; rc = nic[id].getNextKey(&cur, next))
        walk.push_back(next), cur = next;
      std::vector<Bytes> mwalk;
      for (auto &s : mir[id].slots)
        if (s.valid) mwalk.push_back(mir[id].hash ? s.key : Bytes{});
      if (mir[id].hash && !isLru(l.type)) {
        EXPECT_EQ(walk, mwalk) << l.name;
      }
      // memory, entry by entry, through RAW reads
      std::vector<Txn> raws;
      for (size_t n = 0; n < mir[id].slots.size(); ++n) {
        Txn t;
        t.op = RAW;
        t.map = unsigned(id);
        t.arg = uint32_t(l.offset / 8 + n * ew(l));
        raws.push_back(t);
      }
      std::vector<Expect> got;
      for (size_t k = 0; k < raws.size(); ++k) unit.cycle(&raws[k], true, uint16_t(k), got);
      unit.drain(got);
      ASSERT_EQ(got.size(), raws.size());
      size_t bad = 0;
      for (size_t n = 0; n < raws.size(); ++n) {
        auto w = isLru(l.type) ? nic[id].entryWords(n) : mir[id].entryWords(n);
        std::vector<uint64_t> g(got[n].raw.begin(), got[n].raw.begin() + w.size());
        if (g != w && bad++ < 3)
          ADD_FAILURE() << fmt::format("map '{}' entry {}: memory {:#x} ... want {:#x} ...", l.name, n,
                                       g[0], w[0]);
      }
      EXPECT_EQ(bad, 0u) << l.name;
    }
  }

  Txn randomTxn(unsigned id) {
    const NicMapLayout &l = lay[id];
    bool hash = isHash(l.type);
    Txn t;
    t.map = id;
    auto &pool = keys[id];
    if (hash) {
      t.key = pool[rng() % pool.size()];
    } else {
      uint32_t i = uint32_t(rng() % (l.maxEntries + 3));  // a few past the end
      t.key.resize(4);
      std::memcpy(t.key.data(), &i, 4);
    }
    t.value = randBytes(l.valueSize);
    unsigned r = unsigned(rng() % 100);
    if (r < 40) {
      t.op = LOOKUP;
      t.w0 = unsigned(rng() % ((l.valueSize + 3) / 4 + 2));
      t.ins = hash && rng() % 2;
      if (rng() % 2) {
        t.ren = unsigned(1 + rng() % 3);
        for (unsigned k = 0; k < 2; ++k) {
          unsigned words = (l.valueSize + 3) / 4;
          t.rw |= unsigned(rng() % 2) << k;
          t.rop[k] = unsigned(rng() % 5);
          t.rword[k] = unsigned(rng() % std::min(words, 32u));
          if ((t.rw >> k & 1) && t.rword[k] + 1 >= words) t.rw &= ~(1u << k);
          t.ropnd[k] = rng() % 4 ? rng() % 1000 : rng();
        }
      }
    } else if (r < 75) {
      t.op = UPDATE;
      unsigned f = unsigned(rng() % 20);
      t.flags = f < 8 ? 0 : f < 13 ? 1 : f < 19 ? 2 : 3;
    } else if (r < 95) {
      t.op = DELETE;
    } else {
      t.op = READWAY;
      t.arg = uint32_t(rng() % (mir[id].slots.size() + 2));
    }
    return t;
  }
};

MapDef def(const char *name, uint32_t type, uint32_t k, uint32_t v, uint32_t n) {
  MapDef d;
  d.name = name;
  d.type = type;
  d.key_size = k;
  d.value_size = v;
  d.max_entries = n;
  return d;
}

std::vector<MapDef> stageMaps() {
  return {def("flows", BPF_MAP_TYPE_HASH, 13, 20, 64),
          def("small", BPF_MAP_TYPE_HASH, 4, 8, 16),
          def("counters", BPF_MAP_TYPE_ARRAY, 4, 12, 32),
          def("wide", BPF_MAP_TYPE_PERCPU_HASH, 64, 256, 8),
          def("pcpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4),
          def("odd", BPF_MAP_TYPE_HASH, 7, 5, 40)};
}

void fillPools(Bench &b, unsigned perMap) {
  for (size_t id = 0; id < b.defs.size(); ++id)
    if (isHash(b.defs[id].type))
      for (unsigned i = 0; i < std::max(perMap, b.defs[id].max_entries + 8); ++i)
        b.keys[id].push_back(b.randBytes(b.defs[id].key_size));
}

} // namespace

// Random streams over six maps at one transaction per clock, no stalls.
TEST(MapUnit, RandomStreamsMatchNicMap) {
  Bench b(stageMaps(), 7);
  fillPools(b, 24);
  std::vector<Txn> txns;
  for (int i = 0; i < 20000; ++i) {
    unsigned id = unsigned(b.rng() % b.defs.size());
    Txn t = b.randomTxn(id);
    txns.push_back(t);
    // bursts on one entry: the same key back to back
    if (b.rng() % 8 == 0)
      for (unsigned k = 0, n = unsigned(1 + b.rng() % 6); k < n; ++k) txns.push_back(b.randomTxn(id)), txns.back().key = t.key;
  }
  b.run(txns);
  b.checkFinal();
}

// The same with random global stalls (en = 0 holds the unit).
TEST(MapUnit, RandomStreamsWithStalls) {
  Bench b(stageMaps(), 11);
  fillPools(b, 24);
  std::vector<Txn> txns;
  for (int i = 0; i < 8000; ++i) {
    unsigned id = unsigned(b.rng() % b.defs.size());
    Txn t = b.randomTxn(id);
    txns.push_back(t);
    if (b.rng() % 4 == 0)
      for (unsigned k = 0, n = unsigned(1 + b.rng() % 4); k < n; ++k) txns.push_back(b.randomTxn(id)), txns.back().key = t.key;
  }
  b.run(txns, 30);
  b.checkFinal();
}

// 10,000 back-to-back counter updates on one entry (MAPLK + MAPATOM add,
// 32- and 64-bit): every packet sees the previous one's RMW; one per clock.
TEST(MapUnit, BackToBackSameKeyRmw) {
  Bench b({def("flows", BPF_MAP_TYPE_HASH, 13, 16, 64), def("stats", BPF_MAP_TYPE_ARRAY, 4, 16, 4)}, 3);
  Bytes key = b.randBytes(13);
  Txn ins;
  ins.op = UPDATE;
  ins.map = 0;
  ins.key = key;
  ins.value.assign(16, 0);
  std::vector<Txn> txns{ins};
  for (int i = 0; i < 10000; ++i) {
    Txn t;
    t.op = LOOKUP;
    t.map = unsigned(i % 3 == 2);  // mostly the hash entry, some array entry 1
    t.key = t.map ? Bytes{1, 0, 0, 0} : key;
    t.w0 = 0;
    t.ren = 3;
    t.rw = 2;        // R0 32-bit packets, R1 64-bit bytes
    t.rop[0] = 0;
    t.rword[0] = 0;
    t.ropnd[0] = 1;
    t.rop[1] = 0;
    t.rword[1] = 2;
    t.ropnd[1] = 60 + uint64_t(i % 1400);
    txns.push_back(t);
  }
  uint64_t c0 = b.unit.cycles();
  b.run(txns);
  uint64_t cyc = b.unit.cycles() - c0;
  b.checkFinal();
  Bytes v;
  ASSERT_EQ(b.nic[0].lookup(key, v), 0);
  uint32_t pk;
  std::memcpy(&pk, v.data(), 4);
  EXPECT_EQ(pk, 6667u);
  // issue to drain: one transaction per clock plus the unit's latency
  EXPECT_EQ(cyc, txns.size() + kRegs + 2);
  fmt::print("map unit: {} back-to-back same-entry transactions in {} cycles ({:.4f} per clock)\n",
             txns.size(), cyc, double(txns.size()) / double(cyc - kRegs - 2));
}

// Collisions: 17 keys that share both buckets in a 64-entry map fill the 8
// ways and the 8 stash entries; the 17th is -E2BIG and counted; deletes free
// a stash entry for the next; then the map is filled to max_entries.
TEST(MapUnit, CollisionsAndFullMap) {
  Bench b({def("flows", BPF_MAP_TYPE_HASH, 8, 8, 64)}, 5);
  const NicMapLayout &l = b.lay[0];
  std::map<std::pair<uint64_t, uint64_t>, std::vector<Bytes>> groups;
  std::vector<Bytes> same;
  while (same.empty()) {
    Bytes k = b.randBytes(8);
    uint64_t h0 = (uint64_t(nicHash0(k.data(), 8)) * l.buckets) >> 32;
    uint64_t h1 = (uint64_t(nicHash1(k.data(), 8)) * l.buckets) >> 32;
    auto &g = groups[{h0, h1}];
    g.push_back(k);
    if (g.size() == 20) same = g;
  }
  std::vector<Txn> txns;
  auto upd = [&](const Bytes &k, unsigned flags) {
    Txn t;
    t.op = UPDATE;
    t.key = k;
    t.value = b.randBytes(8);
    t.flags = flags;
    txns.push_back(t);
  };
  auto del = [&](const Bytes &k) {
    Txn t;
    t.op = DELETE;
    t.key = k;
    txns.push_back(t);
  };
  for (auto &k : same) upd(k, 0);           // 16 in, 4 collisions
  del(same[10]);                             // a stash entry frees
  upd(same[17], 1);
  upd(same[18], 0);                          // collision again
  for (auto &k : same) {                     // lookups with RMW and insert-on-miss
    Txn t;
    t.op = LOOKUP;
    t.key = k;
    t.ins = true;
    t.value = b.randBytes(8);
    t.ren = 1;
    t.ropnd[0] = 5;
    txns.push_back(t);
  }
  for (int i = 0; i < 80; ++i) upd(b.randBytes(8), 0);  // to max_entries and past
  b.run(txns);
  b.checkFinal();
  EXPECT_GE(b.nic[0].collisions(), 5u);
  EXPECT_EQ(b.nic[0].size(), 64u);
  EXPECT_GT(b.nic[0].stashUsed(), 0u);
}

// The whole memory in use, every map dense: maps with odd entry sizes at odd
// word bases (hash sub-tables split over the two physical memories, arrays
// and stashes interleaved over both), the last array ending at the
// memory's last word. Every array entry is written, and each hash map gets
// keys that fill the buckets at both ends of both sub-tables and the whole
// stash (the places where one piece of the layout meets the next), then
// random streams run over all of it. Two logical words sharing a physical
// word, or a word outside its map's share, shows as a wrong result or a
// wrong word in the final entry-by-entry read of every map.
TEST(MapUnit, MapsFillTheMemory) {
  std::vector<MapDef> d = {def("a3", BPF_MAP_TYPE_ARRAY, 4, 20, 7),     // 3-word entries
                           def("h3", BPF_MAP_TYPE_HASH, 5, 3, 32),      // 3-word entries
                           def("a1", BPF_MAP_TYPE_ARRAY, 4, 8, 6),
                           def("hw", BPF_MAP_TYPE_HASH, 64, 256, 32),   // 41-word entries
                           def("h6", BPF_MAP_TYPE_HASH, 13, 20, 32)};   // 6-word entries
  auto planned = planMaps(d, TargetParams::defaults());
  ASSERT_TRUE(bool(planned)) << llvm::toString(planned.takeError());
  uint64_t used = 0;
  for (auto &l : *planned) {
    if (isHash(l.type)) EXPECT_EQ(l.offset / 8 % 2, 1u) << l.name;  // odd bases
    used += l.bytes / 8;
  }
  ASSERT_LT(used, kMemWords);
  uint64_t left = kMemWords - used;  // 1-word entries, then 32-word ones to the end
  if (left % 32) d.push_back(def("pad", BPF_MAP_TYPE_ARRAY, 4, 8, uint32_t(left % 32)));
  d.push_back(def("rest", BPF_MAP_TYPE_ARRAY, 4, 256, uint32_t(left / 32)));
  Bench b(d, 17);
  ASSERT_EQ((b.lay.back().offset + b.lay.back().bytes) / 8, kMemWords);
  fillPools(b, 16);
  std::vector<Txn> txns;
  auto upd = [&](unsigned id, const Bytes &k) {
    Txn t;
    t.op = UPDATE;
    t.map = id;
    t.key = k;
    t.value = b.randBytes(b.defs[id].value_size);
    for (auto &x : t.value) x |= 1;  // no zero word
    txns.push_back(t);
  };
  for (unsigned id = 0; id < d.size(); ++id) {
    const NicMapLayout &l = b.lay[id];
    if (!isHash(l.type)) {
      for (uint32_t i = 0; i < l.maxEntries; ++i) {
        Bytes k(4);
        std::memcpy(k.data(), &i, 4);
        upd(id, k);
      }
      continue;
    }
    // 16 keys on buckets (0, last): 8 ways and the 8 stash entries; 8 on
    // (last, 0)
    uint32_t last = l.buckets - 1;
    for (auto [w0, w1, n] : {std::tuple{0u, last, 16u}, std::tuple{last, 0u, 8u}}) {
      for (unsigned got = 0; got < n;) {
        Bytes k = b.randBytes(l.keySize);
        uint64_t h0 = (uint64_t(nicHash0(k.data(), k.size())) * l.buckets) >> 32;
        uint64_t h1 = (uint64_t(nicHash1(k.data(), k.size())) * l.buckets) >> 32;
        if (h0 == w0 && h1 == w1) upd(id, k), b.keys[id].push_back(k), ++got;
      }
    }
  }
  b.run(txns);
  for (unsigned id = 0; id < d.size(); ++id)
    if (isHash(b.lay[id].type)) EXPECT_EQ(b.nic[id].stashUsed(), 8u) << b.lay[id].name;
  b.checkFinal();  // dense
  txns.clear();
  for (int i = 0; i < 8000; ++i) txns.push_back(b.randomTxn(unsigned(b.rng() % d.size())));
  b.run(txns);
  b.checkFinal();
}

// ---- LPM tries in the unit's CAM ----
namespace {

constexpr unsigned kLpmRows = 256, kLpmDataB = 16, kLpmValB = 16;

/// One LPM trie as map 0 of a unit, NicMap as the reference. A host write
/// (update or delete) issued in slot c changes which rows match for
/// searches issued from slot c + kRegs - 1 on (the CAM row is written at
/// the write's commit); lookups issued between see the trie before it
/// (`prev`), except that a write that only replaces the value of a prefix
/// (which rows match is unchanged) is seen by every later lookup. Host
/// writes are kRegs slots apart at least, as the pipeline's host port
/// spaces them (hp_busy until hp_done).
struct LpmBench {
  MapDef d;
  NicMapLayout l;
  std::optional<NicMap> cur, prev;
  struct Row {
    bool valid = false;
    Bytes key, value;
  };
  std::vector<Row> rows;  // NicMap's rows: the lowest free row, a replaced prefix keeps its row
  std::vector<Bytes> pool;
  std::mt19937_64 rng;
  MapUnit unit;
  uint64_t slot = kRegs, lastWrite = 0;  // (slot: enabled cycles; no write before)
  bool lastChangedMatch = false;

  LpmBench(MapDef def, uint64_t seed) : d(std::move(def)), rng(seed) {
    auto lay = nicMapLayout(d, TargetParams::defaults());
    EXPECT_TRUE(bool(lay)) << llvm::toString(lay.takeError());
    l = *lay;
    cur.emplace(d, l);
    prev.emplace(d, l);
    rows.resize(l.maxEntries);
    unit.configure(0, l);
  }
  unsigned dataB() const { return d.key_size - 4; }
  Bytes prefix(uint32_t plen) {
    Bytes k(d.key_size, 0);
    std::memcpy(k.data(), &plen, 4);
    // locality: few first bytes, so prefixes nest and overlap
    k[4] = std::array<uint8_t, 3>{10, 192, 0xfe}[rng() % 3];
    for (unsigned i = 1; i < dataB(); ++i)
      k[4 + i] = rng() % 2 ? uint8_t(rng() % 4) : std::array<uint8_t, 4>{0, 128, 255, 7}[rng() % 4];
    return k;
  }
  uint32_t randomLen() {
    unsigned bits = 8 * dataB();
    unsigned r = unsigned(rng() % 100);
    if (r < 3) return bits + 1 + uint32_t(rng() % 3);  // -EINVAL / no match
    if (r < 5) return 0x80000000u | bits;              // high bits set
    if (r < 10) return 0;
    if (r < 30) return bits;
    return uint32_t(rng() % (bits + 1));
  }
  static uint32_t plenOf(const Bytes &k) {
    uint32_t p;
    std::memcpy(&p, k.data(), 4);
    return p;
  }
  bool samePrefix(const Bytes &a, const Bytes &b, uint32_t bits) const {
    for (uint32_t i = 0; i < bits; ++i) {
      unsigned x = a[4 + i / 8] >> (7 - i % 8) & 1, y = b[4 + i / 8] >> (7 - i % 8) & 1;
      if (x != y) return false;
    }
    return true;
  }
  /// The row a new or replaced prefix goes to (the mirror of NicMap's rule).
  int64_t rowOf(const Bytes &k) const {
    for (size_t r = 0; r < rows.size(); ++r)
      if (rows[r].valid && plenOf(rows[r].key) == plenOf(k) && samePrefix(rows[r].key, k, plenOf(k)))
        return int64_t(r);
    return -1;
  }

  Txn lookup(const Bytes &key) {
    Txn t;
    t.op = LOOKUP;
    t.map = 0;
    t.key = key;
    t.w0 = unsigned(rng() % ((d.value_size + 3) / 4 + 1));
    t.ins = rng() % 8 == 0;  // ignored on LPM maps
    return t;
  }
  Txn randomTxn(bool writeOk) {
    unsigned r = unsigned(rng() % 100);
    Txn t;
    t.map = 0;
    if (writeOk && r < 45) {
      t.op = r < 32 ? UPDATE : DELETE;
      t.key = pool[rng() % pool.size()];
      if (rng() % 10 == 0) {  // another length, or bits past the prefix changed
        t.key = prefix(randomLen());
        if (rng() % 2 && plenOf(t.key) <= 8 * dataB()) pool.push_back(t.key);
      }
      t.value = Bytes(d.value_size);
      for (auto &x : t.value) x = uint8_t(rng());
      unsigned f = unsigned(rng() % 20);
      t.flags = f < 10 ? 0 : f < 14 ? 1 : f < 19 ? 2 : 3;
    } else if (r < 95) {
      Bytes k = rng() % 4 ? pool[rng() % pool.size()] : prefix(0);
      uint32_t len = randomLen();
      std::memcpy(k.data(), &len, 4);
      if (rng() % 3 == 0) k[4 + dataB() - 1] ^= uint8_t(rng());  // a host in the prefix
      t = lookup(k);
    } else {
      t.op = READWAY;
      t.arg = uint32_t(rng() % (l.maxEntries + 3));
    }
    // bytes past the key in the key slots: whatever the slots hold
    for (unsigned i = d.key_size; i < kKeyB; ++i) t.key.push_back(uint8_t(rng()));
    return t;
  }

  Expect reference(const Txn &t) {
    Expect e;
    e.op = t.op;
    Bytes key(t.key.begin(), t.key.begin() + std::min<size_t>(t.key.size(), d.key_size));
    switch (t.op) {
    case LOOKUP: {
      bool inWindow = lastChangedMatch && slot < lastWrite + kRegs - 1;
      const NicMap &m = inWindow ? *prev : *cur;
      Bytes v;
      int rc = m.lookup(key, v);
      e.found = rc == 0;
      e.rc = uint32_t(rc);
      if (e.found) {
        e.value = v;
        for (unsigned k = 0; k < 4; ++k) {
          unsigned wi = t.w0 + k;
          for (unsigned b = 0; b < 4; ++b)
            if (4 * wi + b < v.size()) e.words[k] |= uint32_t(v[4 * wi + b]) << (8 * b);
        }
      }
      if (!inWindow) {  // the mirror's row is NicMap's
        int64_t best = -1;
        uint32_t pl = plenOf(key);
        for (size_t r = 0; r < rows.size(); ++r)
          if (rows[r].valid && pl <= 8 * dataB() && plenOf(rows[r].key) <= pl &&
              samePrefix(rows[r].key, key, plenOf(rows[r].key)) &&
              (best < 0 || plenOf(rows[r].key) > plenOf(rows[size_t(best)].key)))
            best = int64_t(r);
        EXPECT_EQ(cur->lpmMatch(key), best);
      }
      break;
    }
    case UPDATE:
    case DELETE: {
      EXPECT_GE(slot, lastWrite + kRegs) << "host writes must be kRegs slots apart";
      prev = cur;
      uint32_t before = cur->size();
      int64_t at = rowOf(key);
      int rc = t.op == UPDATE ? cur->update(key, t.value, t.flags) : cur->deleteKey(key);
      e.rc = uint32_t(rc);
      lastWrite = slot;
      lastChangedMatch = rc == 0 && cur->size() != before;
      if (rc == 0 && t.op == DELETE) {
        rows[size_t(at)] = {};
      } else if (rc == 0) {
        if (at < 0)
          for (size_t r = 0; r < rows.size() && at < 0; ++r)
            if (!rows[r].valid) at = int64_t(r);
        rows[size_t(at)] = {true, key, t.value};
      }
      break;
    }
    case READWAY:
      if (t.arg >= rows.size()) {
        e.rc = uint32_t(-ENOENT);
      } else if (rows[t.arg].valid) {
        e.found = true;
        e.key = rows[t.arg].key;
        e.value = rows[t.arg].value;
      }
      break;
    default:
      break;
    }
    ++slot;
    return e;
  }

  void run(const std::vector<Txn> &txns, unsigned stallPct) {
    std::vector<Expect> want, got;
    size_t i = 0;
    while (i < txns.size()) {
      bool en = stallPct == 0 || rng() % 100 >= stallPct;
      if (en) want.push_back(reference(txns[i]));
      unit.cycle(en ? &txns[i] : nullptr, en, uint16_t(i), got);
      if (en) ++i;
    }
    unit.drain(got);
    slot += kRegs + 2;  // the drain's cycles
    ASSERT_EQ(got.size(), txns.size());
    for (size_t k = 0; k < txns.size(); ++k) {
      const Expect &w = want[k], &g = got[k];
      std::string what = fmt::format("txn {} op {} key {}", k, int(txns[k].op),
                                     fmt::join(Bytes(txns[k].key.begin(), txns[k].key.begin() + d.key_size), " "));
      ASSERT_EQ(g.tag, uint16_t(k)) << what;
      EXPECT_EQ(g.rc, w.rc) << what;
      EXPECT_EQ(g.found, w.found) << what;
      if (txns[k].op == LOOKUP)
        for (unsigned j = 0; j < 4; ++j) EXPECT_EQ(g.words[j], w.words[j]) << what << " word " << j;
      if ((txns[k].op == LOOKUP || txns[k].op == READWAY) && w.found) {
        EXPECT_EQ(Bytes(g.value.begin(), g.value.begin() + d.value_size), w.value) << what;
        EXPECT_TRUE(std::all_of(g.value.begin() + d.value_size, g.value.end(),
                                [](uint8_t b) { return b == 0; })) << what;
      }
      if (txns[k].op == READWAY && w.found)
        EXPECT_EQ(Bytes(g.key.begin(), g.key.begin() + d.key_size), w.key) << what;
      if (::testing::Test::HasFailure()) return;
    }
    EXPECT_EQ(unit.count(0), cur->size());
  }

  /// `n` transactions: host writes kRegs apart at least, lookups between.
  std::vector<Txn> stream(size_t n) {
    std::vector<Txn> v;
    size_t since = kRegs;
    while (v.size() < n) {
      Txn t = randomTxn(since >= kRegs);
      since = (t.op == UPDATE || t.op == DELETE) ? 1 : since + 1;
      v.push_back(std::move(t));
    }
    return v;
  }
};

} // namespace

// IPv4 routes (8-byte keys, 12-byte values, 64 rows): random lookups back to
// back with host updates (every flag, -EINVAL lengths), deletes and row
// reads, without and with stalls.
TEST(MapUnitLpm, Ipv4RandomStreamsMatchNicMap) {
  MapDef d = def("routes", BPF_MAP_TYPE_LPM_TRIE, 8, 12, 64);
  LpmBench b(d, 5);
  for (int i = 0; i < 90; ++i) b.pool.push_back(b.prefix(uint32_t(b.rng() % 33)));
  b.run(b.stream(6000), 0);
  ASSERT_FALSE(::testing::Test::HasFailure());
  b.run(b.stream(3000), 30);
  EXPECT_GT(b.cur->size(), 40u);  // (64 rows: -ENOSPC is reached too)
}

// IPv6-sized keys (16 data bytes, the CAM's width), 16-byte values, every
// row of the CAM: filled to -ENOSPC, then random traffic.
TEST(MapUnitLpm, WideKeysFillTheCam) {
  MapDef d = def("routes6", BPF_MAP_TYPE_LPM_TRIE, 4 + kLpmDataB, kLpmValB, kLpmRows);
  LpmBench b(d, 9);
  std::vector<Txn> txns;
  std::set<std::pair<uint32_t, Bytes>> seen;
  while (b.pool.size() < kLpmRows + 4) {
    Bytes k = b.prefix(uint32_t(b.rng() % 129));
    uint32_t pl = LpmBench::plenOf(k);
    Bytes masked(k.begin() + 4, k.end());
    for (uint32_t i = pl; i < 128; ++i) masked[i / 8] &= uint8_t(~(0x80u >> (i % 8)));
    if (seen.insert({pl, masked}).second) b.pool.push_back(k);
  }
  for (const Bytes &k : b.pool) {  // kLpmRows new prefixes, then -ENOSPC
    Txn t;
    t.op = UPDATE;
    t.key = k;
    t.value = Bytes(d.value_size);
    for (auto &x : t.value) x = uint8_t(b.rng());
    txns.push_back(t);
    for (unsigned i = 0; i + 1 < kRegs; ++i) {
      Bytes q = b.pool[b.rng() % b.pool.size()];
      uint32_t all = 128;
      std::memcpy(q.data(), &all, 4);
      txns.push_back(b.lookup(q));
    }
  }
  b.run(txns, 0);
  EXPECT_EQ(b.cur->size(), kLpmRows);
  ASSERT_FALSE(::testing::Test::HasFailure());
  b.run(b.stream(4000), 10);
}

// The measure of docs/benchmarks.md "LPM CAM": one lookup's latency from
// issue to result, and 10,000 back-to-back lookups at one per clock.
TEST(MapUnitLpm, OneLookupPerClockAndLatency) {
  MapDef d = def("routes", BPF_MAP_TYPE_LPM_TRIE, 8, 8, kLpmRows);
  LpmBench b(d, 11);
  std::vector<Txn> fill;
  for (unsigned i = 0; i < 200; ++i) {
    Txn t;
    t.op = UPDATE;
    t.key = b.prefix(uint32_t(b.rng() % 33));
    t.value = Bytes(8, uint8_t(i));
    fill.push_back(t);
    for (unsigned k = 0; k + 1 < kRegs; ++k) fill.push_back(b.lookup(b.prefix(32)));
  }
  b.run(fill, 0);
  ASSERT_FALSE(::testing::Test::HasFailure());
  // latency: the cycles from the issuing clock to the one that delivers
  std::vector<Expect> got;
  Txn one = b.lookup(b.prefix(32));
  b.unit.cycle(&one, true, 1, got);
  unsigned lat = 1;
  while (got.empty() && lat < 50) b.unit.cycle(nullptr, true, 0, got), ++lat;
  EXPECT_EQ(lat, kRegs) << "an LPM lookup takes the map unit's latency";
  b.unit.drain(got);
  b.slot += lat + kRegs + 2;
  std::vector<Txn> txns;
  for (int i = 0; i < 10000; ++i) txns.push_back(b.lookup(b.prefix(i % 5 ? 32 : uint32_t(i % 33))));
  uint64_t c0 = b.unit.cycles();
  b.run(txns, 0);
  uint64_t cyc = b.unit.cycles() - c0;
  EXPECT_EQ(cyc, txns.size() + kRegs + 2);
  fmt::print("LPM CAM ({} rows, {} prefixes): lookup latency {} cycles; {} back-to-back lookups "
             "in {} cycles ({:.4f} per clock)\n",
             kLpmRows, b.cur->size(), lat, txns.size(), cyc,
             double(txns.size()) / double(cyc - kRegs - 2));
}

//===-- LRU hash maps (docs/maps-design.md "LRU hash maps") ----------------===//

namespace {

std::vector<MapDef> lruStageMaps() {
  return {def("flows", BPF_MAP_TYPE_LRU_HASH, 13, 20, 64),
          def("small", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 16),
          def("plain", BPF_MAP_TYPE_HASH, 7, 5, 40),
          def("counters", BPF_MAP_TYPE_ARRAY, 4, 12, 32),
          def("odd", BPF_MAP_TYPE_LRU_HASH, 5, 3, 37)};
}

/// Random streams over LRU maps (key pools 3x max_entries: the maps stay at
/// capacity and evict) beside a hash map and an array in one unit.
void lruStreams(uint64_t seed, int n, unsigned stallPct) {
  Bench b(lruStageMaps(), seed);
  for (size_t id = 0; id < b.defs.size(); ++id)
    if (isHash(b.defs[id].type))
      for (unsigned i = 0; i < 3 * b.defs[id].max_entries; ++i)
        b.keys[id].push_back(b.randBytes(b.defs[id].key_size));
  std::vector<Txn> txns;
  for (int i = 0; i < n; ++i) {
    unsigned id = unsigned(b.rng() % b.defs.size());
    Txn t = b.randomTxn(id);
    if (t.op == DELETE && isLru(b.defs[id].type) && b.rng() % 2)
      t.op = UPDATE, t.flags = 0;  // fewer deletes: the LRU maps stay full
    txns.push_back(t);
    if (b.rng() % 8 == 0)  // bursts on one entry: forwarding of stamps and evictions
      for (unsigned k = 0, m = unsigned(1 + b.rng() % 6); k < m; ++k)
        txns.push_back(b.randomTxn(id)), txns.back().key = t.key;
  }
  uint64_t c0 = b.unit.cycles();
  b.run(txns, stallPct);
  uint64_t cyc = b.unit.cycles() - c0;
  b.checkFinal();
  EXPECT_GT(b.lruEvictions, 100u) << "the stream must evict at capacity";
  if (stallPct == 0)  // one per clock, evictions included
    EXPECT_EQ(cyc, txns.size() + kRegs + 2);
  fmt::print("LRU streams: {} transactions in {} cycles ({} stalled)\n", txns.size(), cyc,
             stallPct ? "some" : "none");
  EXPECT_GE(b.unit.count(0), 56u);
  fmt::print("LRU streams: {} evictions at capacity, {} NIC-limit events (early evictions and "
             "inserts with no victim)\n",
             b.lruEvictions, b.nic[0].collisions() + b.nic[1].collisions() + b.nic[4].collisions());
}

} // namespace

TEST(MapUnitLru, RandomStreamsMatchNicMap) { lruStreams(21, 20000, 0); }
TEST(MapUnitLru, RandomStreamsWithStalls) { lruStreams(23, 8000, 30); }

// Full buckets: 20 keys sharing both buckets of a 64-entry LRU map fill the
// 8 ways and the stash below max_entries; the next 4 evict the oldest of the
// 16 (early evictions, counted); lookups refresh chosen keys so that the
// victims are known; then the map is filled past max_entries.
TEST(MapUnitLru, FullBucketsEvictTheOldest) {
  Bench b({def("lru", BPF_MAP_TYPE_LRU_HASH, 8, 8, 64)}, 5);
  const NicMapLayout &l = b.lay[0];
  std::map<std::pair<uint64_t, uint64_t>, std::vector<Bytes>> groups;
  std::vector<Bytes> same;
  while (same.empty()) {
    Bytes k = b.randBytes(8);
    uint64_t h0 = (uint64_t(nicHash0(k.data(), 8)) * l.buckets) >> 32;
    uint64_t h1 = (uint64_t(nicHash1(k.data(), 8)) * l.buckets) >> 32;
    auto &g = groups[{h0, h1}];
    g.push_back(k);
    if (g.size() == 24) same = g;
  }
  std::vector<Txn> txns;
  auto upd = [&](const Bytes &k) {
    Txn t;
    t.op = UPDATE;
    t.key = k;
    t.value = b.randBytes(8);
    txns.push_back(t);
  };
  auto look = [&](const Bytes &k) {
    Txn t;
    t.op = LOOKUP;
    t.key = k;
    t.ins = true;
    t.value = b.randBytes(8);
    txns.push_back(t);
  };
  for (int i = 0; i < 16; ++i) upd(same[i]);  // 8 ways, 8 stash entries
  look(same[0]);                              // key 0 and 8 (in the stash) are used again
  look(same[8]);
  for (int i = 16; i < 20; ++i) upd(same[i]);  // evict keys 1, 2, 3, 4 (the oldest)
  look(same[20]);                               // insert on a miss evicts key 5
  b.run(txns);
  b.checkFinal();
  Bytes v;
  EXPECT_EQ(b.nic[0].collisions(), 5u);
  EXPECT_EQ(b.nic[0].size(), 16u);
  for (int i : {1, 2, 3, 4, 5}) EXPECT_EQ(b.nic[0].lookup(same[i], v), -ENOENT) << i;
  for (int i : {0, 6, 7, 8, 9, 15, 16, 19, 20}) EXPECT_EQ(b.nic[0].lookup(same[i], v), 0) << i;
  // past max_entries: every insert stays, the count stays at 64
  txns.clear();
  for (int i = 0; i < 200; ++i) upd(b.randBytes(8));
  b.run(txns);
  b.checkFinal();
  EXPECT_EQ(b.unit.count(0), 64u);
}

// At max_entries, an insert whose two buckets and the stash hold nothing has
// no victim: -E2BIG (UPDATE) or an insert failure (LOOKUP), counted.
TEST(MapUnitLru, FullMapWithEmptyBucketsRefusesAndCounts) {
  Bench b({def("lru", BPF_MAP_TYPE_LRU_HASH, 8, 8, 64)}, 9);
  const NicMapLayout &l = b.lay[0];
  auto buckets = [&](const Bytes &k) {
    return std::pair<uint64_t, uint64_t>((uint64_t(nicHash0(k.data(), 8)) * l.buckets) >> 32,
                                         (uint64_t(nicHash1(k.data(), 8)) * l.buckets) >> 32);
  };
  Bytes lonely = b.randBytes(8);
  auto [x0, x1] = buckets(lonely);
  std::vector<Txn> txns;
  unsigned n = 0;
  while (n < 64) {
    Bytes k = b.randBytes(8);
    auto [k0, k1] = buckets(k);
    if (k0 == x0 || k1 == x1)
      continue;
    Txn t;
    t.op = UPDATE;
    t.key = k;
    t.value = b.randBytes(8);
    txns.push_back(t);
    ++n;
  }
  Txn u;
  u.op = UPDATE;
  u.key = lonely;
  u.value = b.randBytes(8);
  txns.push_back(u);
  Txn lk = u;
  lk.op = LOOKUP;
  lk.ins = true;
  txns.push_back(lk);
  b.run(txns);
  b.checkFinal();
  ASSERT_EQ(b.nic[0].stashUsed(), 0u) << "the fill must leave the stash empty (choose another seed)";
  EXPECT_EQ(b.nic[0].size(), 64u);
  EXPECT_EQ(b.nic[0].collisions(), 2u);
  EXPECT_EQ(b.unit.insertFail(), 1u);
}

// Back-to-back uses of the entries of one bucket pair: the stamps of the
// previous two commits come through the forwarding (a stale stamp would
// pick another victim).
TEST(MapUnitLru, BackToBackUsesPickTheRightVictim) {
  Bench b({def("lru", BPF_MAP_TYPE_LRU_HASH, 8, 8, 16)}, 13);
  std::vector<Txn> txns;
  for (int round = 0; round < 400; ++round) {
    Txn t;
    t.key = b.randBytes(8);
    t.key[0] = uint8_t(b.rng() % 40);  // 40 keys over 16 entries
    std::fill(t.key.begin() + 1, t.key.end(), 0);
    t.value = b.randBytes(8);
    t.op = b.rng() % 2 ? LOOKUP : UPDATE;
    t.ins = true;
    txns.push_back(t);
  }
  b.run(txns);
  b.checkFinal();
  EXPECT_GT(b.lruEvictions, 50u);
}
