//===- KernelEngineTest.cpp - The `kernel` engine against the kernel ------===//
//
// Runs small XDP programs (tests/unit/Kernel/progs/*.bpf.c, compiled by this
// test with clang-19 into <build>/tests/unit/Kernel/progs/ on first use) in
// the running kernel, and pins down what BPF_PROG_TEST_RUN does at the edges
// (runts, jumbo frames, head/tail growth, metadata, map errors) so that the
// other engines can be held to it. The numbers asserted here were measured on
// Linux 6.18 (x86-64, 4 KiB pages) and are summarised in KernelEngine.h.
//
// Without BPF (not root, no CAP_BPF...) every test is skipped, loudly.
//
//===----------------------------------------------------------------------===//
#include <sys/utsname.h>
#include "sluice/Kernel/KernelEngine.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "sluice/Object/Object.h"
#include "sluice/Support/Error.h"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

#define ASSERT_OK(expr)                                                                  \
  do {                                                                                   \
    if (llvm::Error err_ = (expr))                                                       \
      FAIL() << llvm::toString(std::move(err_));                                         \
  } while (0)

/// The Error's errno and message, consuming it.
std::pair<int, std::string> errorOf(llvm::Error err) {
  std::string msg;
  int code = 0;
  llvm::handleAllErrors(std::move(err), [&](const llvm::ErrorInfoBase &e) {
    msg = e.message();
    std::error_code ec = e.convertToErrorCode();
    if (ec.category() == std::generic_category())
      code = ec.value();
  });
  return {code, msg};
}

Bytes le32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }
Bytes le64(uint64_t v) {
  Bytes b(8);
  std::memcpy(b.data(), &v, 8);
  return b;
}
int64_t asI64(const Bytes &b) {
  int64_t v = 0;
  std::memcpy(&v, b.data(), std::min<size_t>(b.size(), 8));
  return v;
}

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = uint8_t(i * 7 + 3);
  return b;
}

/// Compiles progs/<name>.bpf.c once per test run. Returns the object path, or
/// "" with `why` set.
std::string compileProg(const std::string &name, std::string &why) {
  static std::map<std::string, std::pair<std::string, std::string>> done;
  auto it = done.find(name);
  if (it == done.end()) {
    std::string src = SLUICE_SOURCE_DIR "/tests/unit/Kernel/progs/" + name + ".bpf.c";
    std::string outDir = SLUICE_BINARY_DIR "/tests/unit/Kernel/progs";
    std::error_code ec;
    fs::create_directories(outDir, ec);
    std::string out = outDir + "/" + name + ".bpf.o";
    // ctest runs tests as separate processes, maybe in parallel: each
    // compiles into its own file and renames it into place.
    std::string tmp = fmt::format("{}.{}.tmp", out, getpid());
    std::string log = tmp + ".log";
    const char *clang = std::getenv("SLUICE_BPF_CLANG");
    std::string cmd = fmt::format(
        "{} -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c '{}' -o '{}' 2>'{}'",
        clang ? clang : "clang-19", src, tmp, log);
    std::string error;
    if (std::system(cmd.c_str()) != 0) {
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      error = fmt::format("`{}` failed:\n{}", cmd, text);
      out.clear();
    } else {
      fs::rename(tmp, out, ec);
      if (ec) {
        error = fmt::format("rename {} -> {}: {}", tmp, out, ec.message());
        out.clear();
      }
    }
    fs::remove(log, ec);
    fs::remove(tmp, ec);
    it = done.emplace(name, std::make_pair(out, error)).first;
  }
  why = it->second.second;
  return it->second.first;
}

/// An Object filled by hand (the ELF bytes and the program names are all
/// the kernel engine needs), so these tests do not depend on the loader.
Object handObject(const std::string &path, const std::string &name) {
  Object o;
  o.path = path;
  o.name = name;
  std::ifstream in(path, std::ios::binary);
  o.elf.assign(std::istreambuf_iterator<char>(in), {});
  return o;
}

Program programNamed(const std::string &name) {
  Program p;
  p.name = name;
  p.section = "xdp";
  return p;
}

class KernelEngineTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string why = kernelUnavailableReason();
    if (!why.empty()) {
      std::fprintf(stderr,
                   "\n*************************************************************\n"
                   "*** KERNEL ENGINE UNAVAILABLE: %s\n"
                   "*** The kernel engine tests are SKIPPED: they check nothing.\n"
                   "*************************************************************\n\n",
                   why.c_str());
      GTEST_SKIP() << "kernel engine unavailable: " << why;
    }
    engine = std::make_unique<KernelEngine>();
  }

  /// Loads `prog` of progs/<file>.bpf.c.
  void load(const std::string &file, const std::string &prog) {
    std::string why;
    std::string path = compileProg(file, why);
    ASSERT_FALSE(path.empty()) << why;
    obj = handObject(path, file);
    ASSERT_OK(engine->load(obj, programNamed(prog)));
  }

  PacketOut run(const Bytes &data) {
    PacketIn in;
    in.data = data;
    auto out = engine->run(in);
    if (!out) {
      ADD_FAILURE() << llvm::toString(out.takeError());
      return {};
    }
    return *out;
  }

  int64_t seen(uint32_t i) {
    auto v = engine->mapLookup("seen", le32(i));
    if (!v) {
      ADD_FAILURE() << llvm::toString(v.takeError());
      return -999;
    }
    return *v ? asI64(**v) : -999;
  }
  void setDelta(int64_t d) { ASSERT_OK(engine->mapUpdate("cfg", le32(0), le64(d))); }

  const MapDump *findDump(const std::vector<MapDump> &dumps, const std::string &name) {
    for (const MapDump &d : dumps)
      if (d.name == name)
        return &d;
    return nullptr;
  }

  std::unique_ptr<KernelEngine> engine;
  Object obj;
};

// --- Verdicts and bytes ------------------------------------------------------

TEST_F(KernelEngineTest, PassAndDrop) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_verdict"));
  Bytes pkt = pattern(64);
  pkt[0] = 0x00;
  PacketOut out = run(pkt);
  EXPECT_EQ(out.action, uint32_t(XDP_PASS));
  EXPECT_EQ(out.data, pkt);
  EXPECT_FALSE(out.redirect.has_value());
  pkt[0] = 0xff;
  out = run(pkt);
  EXPECT_EQ(out.action, uint32_t(XDP_DROP));
  EXPECT_EQ(out.data, pkt);
}

TEST_F(KernelEngineTest, ReturnValueOutsideTheEnumIsReported) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_seven"));
  EXPECT_EQ(run(pattern(64)).action, 7u);
}

TEST_F(KernelEngineTest, RewriteIsVisibleInOutput) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_swap_mac"));
  Bytes pkt = pattern(60);
  PacketOut out = run(pkt);
  EXPECT_EQ(out.action, uint32_t(XDP_TX));
  ASSERT_EQ(out.data.size(), pkt.size());
  Bytes want = pkt;
  std::swap_ranges(want.begin(), want.begin() + 6, want.begin() + 6);
  EXPECT_EQ(out.data, want);
}

// bpf_xdp_adjust_head: the packet may grow by 216 bytes at most (256 bytes of
// headroom minus the struct xdp_frame the kernel keeps in front) and shrink
// down to 14 bytes; beyond either the helper returns -EINVAL and the packet
// is unchanged.
TEST_F(KernelEngineTest, AdjustHeadGrowsAndShrinksTheOutput) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_head"));
  Bytes pkt = pattern(64);

  setDelta(-int64_t(kernelxdp::MaxHeadGrowth));
  PacketOut out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  ASSERT_EQ(out.data.size(), 64u + kernelxdp::MaxHeadGrowth);
  EXPECT_EQ(Bytes(out.data.begin(), out.data.begin() + 4), Bytes(4, 0xee));
  EXPECT_EQ(Bytes(out.data.begin() + kernelxdp::MaxHeadGrowth, out.data.end()), pkt);

  setDelta(-int64_t(kernelxdp::MaxHeadGrowth) - 1);
  out = run(pkt);
  EXPECT_EQ(seen(0), -EINVAL);
  EXPECT_EQ(out.data, pkt);

  setDelta(50);  // 64 - 50 = 14 bytes left: allowed
  out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  EXPECT_EQ(out.data, Bytes(pkt.begin() + 50, pkt.end()));

  setDelta(51);  // 13 bytes would be left
  out = run(pkt);
  EXPECT_EQ(seen(0), -EINVAL);
  EXPECT_EQ(out.data, pkt);
}

// bpf_xdp_adjust_tail on a frame without fragments: it grows up to 3520
// bytes of linear data (the new bytes are zero) and shrinks down to 14.
TEST_F(KernelEngineTest, AdjustTailOnLinearFrame) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_tail"));
  Bytes pkt = pattern(64);

  setDelta(kernelxdp::MaxLinear - 64);
  PacketOut out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  ASSERT_EQ(out.data.size(), kernelxdp::MaxLinear);
  EXPECT_EQ(Bytes(out.data.begin(), out.data.begin() + 64), pkt);
  EXPECT_EQ(Bytes(out.data.begin() + 64, out.data.end()), Bytes(kernelxdp::MaxLinear - 64, 0));

  setDelta(kernelxdp::MaxLinear - 64 + 1);  // would need a fragment: refused
  out = run(pkt);
  EXPECT_EQ(seen(0), -EINVAL);
  EXPECT_EQ(out.data, pkt);

  setDelta(-50);
  out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  EXPECT_EQ(out.data, Bytes(pkt.begin(), pkt.begin() + 14));

  setDelta(-51);
  out = run(pkt);
  EXPECT_EQ(seen(0), -EINVAL);
  EXPECT_EQ(out.data, pkt);
}

// A 9000-byte frame. What the kernel (6.18) does, for the interpreter:
//  - The program sees the first 3520 bytes as linear data
//    (ctx->data_end - ctx->data == 3520, the last readable byte is byte 3519)
//    and the other 5480 bytes as two fragments of 4096 and 1384 bytes;
//    bpf_xdp_get_buff_len() == 9000.
//  - This holds for SEC("xdp") programs as much as for SEC("xdp.frags"):
//    BPF_PROG_TEST_RUN does not look at the frags flag.
//  - data_out holds the whole frame, linear part then fragments in order:
//    with no change it is byte for byte the input.
//  - adjust_tail grows the last fragment up to its page end (+2712 here, to
//    11712 bytes; +2713 is EINVAL) and shrinks across fragments: -5480 drops
//    both fragments (3520 bytes, all linear), -5481 also cuts the linear part.
//  - A frame is at most 3520 + 17 * 4096 = 73152 bytes; longer is ENOMEM.
TEST_F(KernelEngineTest, JumboFrameIsLinearPartPlusFragments) {
  Bytes pkt = pattern(9000);
  for (const char *prog : {"xdp_len", "xdp_len_frags"}) {
    SCOPED_TRACE(prog);
    ASSERT_NO_FATAL_FAILURE(load("packet", prog));
    PacketOut out = run(pkt);
    EXPECT_EQ(out.action, uint32_t(XDP_PASS));
    EXPECT_EQ(seen(0), int64_t(kernelxdp::MaxLinear));
    EXPECT_EQ(seen(1), 9000);
    EXPECT_EQ(seen(5), pkt[kernelxdp::MaxLinear - 1]);
    EXPECT_EQ(out.data, pkt);
  }

  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_tail_frags"));
  setDelta(2712);
  PacketOut out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  EXPECT_EQ(seen(2), 11712);
  ASSERT_EQ(out.data.size(), 11712u);
  EXPECT_EQ(Bytes(out.data.begin(), out.data.begin() + 9000), pkt);
  EXPECT_EQ(Bytes(out.data.begin() + 9000, out.data.end()), Bytes(2712, 0));

  setDelta(2713);
  out = run(pkt);
  EXPECT_EQ(seen(0), -EINVAL);
  EXPECT_EQ(out.data, pkt);

  setDelta(-5480);
  out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  EXPECT_EQ(seen(1), int64_t(kernelxdp::MaxLinear));
  EXPECT_EQ(out.data, Bytes(pkt.begin(), pkt.begin() + kernelxdp::MaxLinear));

  setDelta(-5481);
  out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  EXPECT_EQ(out.data, Bytes(pkt.begin(), pkt.begin() + kernelxdp::MaxLinear - 1));
}

TEST_F(KernelEngineTest, LargestFrameAndOneByteMore) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_len"));
  const size_t largest = kernelxdp::MaxLinear + kernelxdp::MaxFrags * kernelxdp::FragSize;
  EXPECT_EQ(largest, 73152u);
  Bytes pkt = pattern(largest);
  EXPECT_EQ(run(pkt).data, pkt);
  PacketIn in;
  in.data = pattern(largest + 1);
  auto out = engine->run(in);
  ASSERT_FALSE(bool(out));
  auto [code, msg] = errorOf(out.takeError());
  EXPECT_EQ(code, ENOMEM) << msg;
}

TEST_F(KernelEngineTest, RuntIsRefused) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_verdict"));
  PacketIn in;
  in.data = pattern(13);
  auto out = engine->run(in);
  ASSERT_FALSE(bool(out));
  auto [code, msg] = errorOf(out.takeError());
  EXPECT_EQ(code, EINVAL);
  EXPECT_NE(msg.find("kernel refuses frames shorter than 14 bytes (EINVAL)"),
            std::string::npos) << msg;
  // 14 bytes run.
  EXPECT_EQ(run(pattern(14)).data, pattern(14));
}

// bpf_xdp_adjust_meta: the kernel returns the metadata in front of the
// packet in data_out; the engine strips it (ctx_out.data says how long).
// Some kernels (seen: 6.18.44-fc) refuse the helper for generic XDP
// programs at load ("program of this type cannot use helper
// bpf_xdp_adjust_meta#54"). The engine must pass that refusal on verbatim;
// the metadata check then cannot run on this kernel and says so loudly.
static std::string kernelRelease() {
  struct utsname u {};
  return uname(&u) == 0 ? std::string(u.release) : std::string("unknown");
}

TEST_F(KernelEngineTest, MetadataIsNotPartOfTheOutput) {
  std::string why;
  std::string path = compileProg("packet", why);
  ASSERT_FALSE(path.empty()) << why;
  obj = handObject(path, "packet");
  if (llvm::Error e = engine->load(obj, programNamed("xdp_meta"))) {
    std::string msg = llvm::toString(std::move(e));
    ASSERT_NE(msg.find("cannot use helper bpf_xdp_adjust_meta"), std::string::npos) << msg;
    GTEST_SKIP() << "SKIPPED: this kernel (" << kernelRelease()
                 << ") refuses bpf_xdp_adjust_meta in XDP programs it runs with "
                    "BPF_PROG_TEST_RUN; the refusal was passed on verbatim";
  }
  Bytes pkt = pattern(64);
  PacketOut out = run(pkt);
  EXPECT_EQ(seen(0), 0);
  EXPECT_EQ(out.data, pkt);
}

// The context: by default the loopback device (ifindex 1), queue 0, and the
// program runs on CPU 0. The kernel checks a given ifindex (ENODEV) and queue
// (EINVAL: lo has one rx queue).
TEST_F(KernelEngineTest, IngressContextAndCpu) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_len"));
  PacketOut out = run(pattern(64));
  EXPECT_EQ(out.action, uint32_t(XDP_PASS));
  EXPECT_EQ(seen(2), 1);
  EXPECT_EQ(seen(3), 0);
  EXPECT_EQ(seen(4), 0);

  PacketIn in;
  in.data = pattern(64);
  in.rx_queue_index = 1;
  auto bad = engine->run(in);
  ASSERT_FALSE(bool(bad));
  auto [code, msg] = errorOf(bad.takeError());
  EXPECT_EQ(code, EINVAL) << msg;
  EXPECT_NE(msg.find("rx_queue_index 1"), std::string::npos) << msg;

  in.rx_queue_index = 0;
  in.ingress_ifindex = 999999;
  bad = engine->run(in);
  ASSERT_FALSE(bool(bad));
  EXPECT_EQ(errorOf(bad.takeError()).first, ENODEV);
}

// --- Loading -----------------------------------------------------------------

TEST_F(KernelEngineTest, VerifierRejectionShowsTheLog) {
  std::string why;
  std::string path = compileProg("verifier", why);
  ASSERT_FALSE(path.empty()) << why;
  obj = handObject(path, "verifier");
  llvm::Error err = engine->load(obj, programNamed("xdp_unchecked"));
  ASSERT_TRUE(bool(err));
  auto [code, msg] = errorOf(std::move(err));
  EXPECT_EQ(code, EACCES) << msg;
  EXPECT_NE(msg.find("verifier rejected 'xdp_unchecked'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid access to packet"), std::string::npos) << msg;
  EXPECT_NE(engine->verifierLog().find("invalid access to packet"), std::string::npos);
  // The rejected program shares the object with one that loads: only the
  // chosen program is loaded.
  ASSERT_OK(engine->load(obj, programNamed("xdp_ok")));
  EXPECT_TRUE(engine->verifierLog().empty());
  EXPECT_EQ(run(pattern(64)).action, uint32_t(XDP_PASS));
}

TEST_F(KernelEngineTest, UnknownProgramListsTheOthers) {
  std::string why;
  std::string path = compileProg("verifier", why);
  ASSERT_FALSE(path.empty()) << why;
  obj = handObject(path, "verifier");
  auto [code, msg] = errorOf(engine->load(obj, programNamed("xdp_nope")));
  EXPECT_NE(msg.find("no program named 'xdp_nope'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("xdp_ok, xdp_unchecked"), std::string::npos) << msg;
}

TEST_F(KernelEngineTest, NothingLoaded) {
  PacketIn in;
  in.data = pattern(64);
  auto out = engine->run(in);
  ASSERT_FALSE(bool(out));
  llvm::consumeError(out.takeError());
  auto dumps = engine->dumpMaps();
  ASSERT_FALSE(bool(dumps));
  llvm::consumeError(dumps.takeError());
}

TEST_F(KernelEngineTest, ThreadIsPinnedToCpu0AndRestored) {
  engine.reset();  // the fixture's engine: back to the thread's own mask
  cpu_set_t before, during, nested, after;
  CPU_ZERO(&before);
  ASSERT_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
  {
    KernelEngine a;
    CPU_ZERO(&during);
    ASSERT_EQ(sched_getaffinity(0, sizeof(during), &during), 0);
    EXPECT_EQ(CPU_COUNT(&during), 1);
    EXPECT_TRUE(CPU_ISSET(0, &during));
    {
      KernelEngine b;  // engines of one thread share the pin...
    }
    CPU_ZERO(&nested);
    ASSERT_EQ(sched_getaffinity(0, sizeof(nested), &nested), 0);
    EXPECT_TRUE(CPU_EQUAL(&nested, &during));  // ...so b's end does not unpin a
  }
  CPU_ZERO(&after);
  ASSERT_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&after, &before));
}

TEST_F(KernelEngineTest, OtherThreadsAreRefused) {
  ASSERT_NO_FATAL_FAILURE(load("packet", "xdp_verdict"));
  std::string msg;
  std::thread t([&] {
    PacketIn in;
    in.data = pattern(64);
    auto out = engine->run(in);
    msg = out ? "ran" : errorOf(out.takeError()).second;
  });
  t.join();
  EXPECT_NE(msg.find("thread other than the one that created it"), std::string::npos) << msg;
}

// --- Maps --------------------------------------------------------------------

TEST_F(KernelEngineTest, MapErrorsCarryTheKernelsErrno) {
  ASSERT_NO_FATAL_FAILURE(load("maps", "xdp_count"));
  // Hash: EEXIST, ENOENT, E2BIG.
  ASSERT_OK(engine->mapUpdate("small_hash", le32(1), le64(10)));
  EXPECT_EQ(takeErrno(engine->mapUpdate("small_hash", le32(1), le64(11), BPF_NOEXIST)), EEXIST);
  EXPECT_EQ(takeErrno(engine->mapUpdate("small_hash", le32(7), le64(11), BPF_EXIST)), ENOENT);
  ASSERT_OK(engine->mapUpdate("small_hash", le32(2), le64(20)));
  EXPECT_EQ(takeErrno(engine->mapUpdate("small_hash", le32(3), le64(30))), E2BIG);
  ASSERT_OK(engine->mapUpdate("small_hash", le32(2), le64(21), BPF_EXIST));  // full, but exists
  EXPECT_EQ(takeErrno(engine->mapDelete("small_hash", le32(9))), ENOENT);
  auto absent = engine->mapLookup("small_hash", le32(9));
  ASSERT_TRUE(bool(absent)) << llvm::toString(absent.takeError());
  EXPECT_FALSE(absent->has_value());
  auto present = engine->mapLookup("small_hash", le32(2));
  ASSERT_TRUE(bool(present)) << llvm::toString(present.takeError());
  ASSERT_TRUE(present->has_value());
  EXPECT_EQ(**present, le64(21));
  ASSERT_OK(engine->mapDelete("small_hash", le32(1)));
  ASSERT_OK(engine->mapUpdate("small_hash", le32(3), le64(30)));  // room again

  // Array: E2BIG past the end, EINVAL on delete, EEXIST with NOEXIST (every
  // index exists).
  EXPECT_EQ(takeErrno(engine->mapUpdate("small_array", le32(4), le32(1))), E2BIG);
  EXPECT_EQ(takeErrno(engine->mapDelete("small_array", le32(0))), EINVAL);
  EXPECT_EQ(takeErrno(engine->mapUpdate("small_array", le32(0), le32(1), BPF_NOEXIST)), EEXIST);
  auto past = engine->mapLookup("small_array", le32(4));
  ASSERT_TRUE(bool(past)) << llvm::toString(past.takeError());
  EXPECT_FALSE(past->has_value());

  // Sizes are checked before the kernel reads past a short buffer.
  EXPECT_EQ(takeErrno(engine->mapUpdate("small_hash", Bytes(3), le64(1))), EINVAL);
  EXPECT_EQ(takeErrno(engine->mapUpdate("small_hash", le32(1), le32(1))), EINVAL);
  auto [code, msg] = errorOf(engine->mapDelete("no_such_map", le32(0)));
  EXPECT_EQ(code, ENOENT);
  EXPECT_NE(msg.find("small_hash"), std::string::npos) << msg;

  // Dumps: hashes list what is there, arrays every index, sorted by key bytes.
  auto dumps = engine->dumpMaps();
  ASSERT_TRUE(bool(dumps)) << llvm::toString(dumps.takeError());
  const MapDump *h = findDump(*dumps, "small_hash");
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(h->entries.size(), 2u);
  EXPECT_EQ(h->entries[0], (MapEntry{le32(2), le64(21)}));
  EXPECT_EQ(h->entries[1], (MapEntry{le32(3), le64(30)}));
  const MapDump *a = findDump(*dumps, "small_array");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->entries.size(), 4u);
  EXPECT_EQ(findDump(*dumps, "jumps"), nullptr);  // prog-array: no content
}

// Per-CPU maps: the host writes every CPU, the program (pinned) only CPU 0,
// dumps show CPU 0.
TEST_F(KernelEngineTest, PerCpuMapsShowCpu0) {
  ASSERT_NO_FATAL_FAILURE(load("maps", "xdp_count"));
  Bytes host(12, 0);
  uint32_t init[3] = {5, 6, 7};
  std::memcpy(host.data(), init, 12);
  ASSERT_OK(engine->mapUpdate("pcpu_stats", le32(1), host));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(run(pattern(64)).action, uint32_t(XDP_PASS));
  EXPECT_EQ(run(pattern(100)).action, uint32_t(XDP_PASS));

  auto dumps = engine->dumpMaps();
  ASSERT_TRUE(bool(dumps)) << llvm::toString(dumps.takeError());
  const MapDump *s = findDump(*dumps, "pcpu_stats");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->entries.size(), 2u);
  uint32_t got[3];
  ASSERT_EQ(s->entries[0].value.size(), 12u);
  std::memcpy(got, s->entries[0].value.data(), 12);
  EXPECT_EQ(got[0], 4u);
  EXPECT_EQ(got[1], 3 * 64u + 100u);
  EXPECT_EQ(got[2], 0u);  // bpf_get_smp_processor_id()
  EXPECT_EQ(s->entries[1].value, host);

  const MapDump *ph = findDump(*dumps, "pcpu_hash");
  ASSERT_NE(ph, nullptr);
  ASSERT_EQ(ph->entries.size(), 2u);
  EXPECT_EQ(ph->entries[0], (MapEntry{le32(64), le64(3)}));  // 40 00 00 00
  EXPECT_EQ(ph->entries[1], (MapEntry{le32(100), le64(1)})); // 64 00 00 00

  auto lk = engine->mapLookup("pcpu_stats", le32(1));
  ASSERT_TRUE(bool(lk)) << llvm::toString(lk.takeError());
  ASSERT_TRUE(lk->has_value());
  EXPECT_EQ(**lk, host);
}

namespace {
/// The fd of map `name` used by program `progFd` (through the kernel's ids).
int mapFdOfProgram(int progFd, const std::string &name) {
  uint32_t ids[16] = {};
  bpf_prog_info info = {};
  info.nr_map_ids = 16;
  info.map_ids = reinterpret_cast<uint64_t>(ids);
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(progFd, &info, &len) != 0)
    return -1;
  for (uint32_t i = 0; i < info.nr_map_ids && i < 16; ++i) {
    int fd = bpf_map_get_fd_by_id(ids[i]);
    bpf_map_info mi = {};
    uint32_t mlen = sizeof(mi);
    if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 && name == mi.name)
      return fd;
    if (fd >= 0)
      close(fd);
  }
  return -1;
}
} // namespace

// A value on another CPU means the program ran elsewhere: the dump refuses.
TEST_F(KernelEngineTest, PerCpuDumpRefusesValuesOnOtherCpus) {
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus < 2)
    GTEST_SKIP() << "one possible CPU: nothing to check";
  ASSERT_NO_FATAL_FAILURE(load("maps", "xdp_count"));
  int fd = mapFdOfProgram(engine->programFd(), "pcpu_stats");
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> raw(16 * ncpus, 0);
  raw[16 * 1] = 9;  // CPU 1: packets = 9
  uint32_t key = 0;
  ASSERT_EQ(bpf_map_update_elem(fd, &key, raw.data(), BPF_ANY), 0) << std::strerror(errno);
  close(fd);
  auto dumps = engine->dumpMaps();
  ASSERT_FALSE(bool(dumps));
  auto [code, msg] = errorOf(dumps.takeError());
  EXPECT_NE(msg.find("CPU 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pinning failed"), std::string::npos) << msg;
}

// devmap/cpumap: only occupied slots, values as the kernel returns them;
// xskmap: listed without entries (user-space lookups are EOPNOTSUPP);
// lpm-trie: every prefix; XDP_REDIRECT has no target in the kernel engine.
TEST_F(KernelEngineTest, SpecialMapDumps) {
  ASSERT_NO_FATAL_FAILURE(load("maps", "xdp_redirect"));
  ASSERT_OK(engine->mapUpdate("tx_ports", le32(1), le32(1)));  // lo
  ASSERT_OK(engine->mapUpdate("cpus", le32(0), le32(64)));      // qsize 64
  EXPECT_EQ(takeErrno(engine->mapUpdate("xsks", le32(0), le32(0))), ENOTSOCK);
  Bytes r1 = {24, 0, 0, 0, 10, 1, 2, 0}, r2 = {16, 0, 0, 0, 10, 1, 0, 0};
  ASSERT_OK(engine->mapUpdate("routes", r1, le32(100)));
  ASSERT_OK(engine->mapUpdate("routes", r2, le32(200)));

  auto dumps = engine->dumpMaps();
  ASSERT_TRUE(bool(dumps)) << llvm::toString(dumps.takeError());
  const MapDump *dev = findDump(*dumps, "tx_ports");
  ASSERT_NE(dev, nullptr);
  ASSERT_EQ(dev->entries.size(), 1u);
  EXPECT_EQ(dev->entries[0], (MapEntry{le32(1), le32(1)}));
  const MapDump *cpu = findDump(*dumps, "cpus");
  ASSERT_NE(cpu, nullptr);
  ASSERT_EQ(cpu->entries.size(), 1u);
  EXPECT_EQ(cpu->entries[0], (MapEntry{le32(0), le32(64)}));
  const MapDump *xsk = findDump(*dumps, "xsks");
  ASSERT_NE(xsk, nullptr);
  EXPECT_TRUE(xsk->entries.empty());
  const MapDump *lpm = findDump(*dumps, "routes");
  ASSERT_NE(lpm, nullptr);
  ASSERT_EQ(lpm->entries.size(), 2u);
  EXPECT_EQ(lpm->entries[0], (MapEntry{r2, le32(200)}));
  EXPECT_EQ(lpm->entries[1], (MapEntry{r1, le32(100)}));

  PacketOut out = run(pattern(64));
  EXPECT_EQ(out.action, uint32_t(XDP_REDIRECT));
  EXPECT_FALSE(out.redirect.has_value());
}

// Global data starts as the object holds it; .rodata is frozen.
TEST_F(KernelEngineTest, GlobalDataStartsFromTheObject) {
  ASSERT_NO_FATAL_FAILURE(load("maps", "xdp_count"));
  auto before = engine->dumpMaps();
  ASSERT_TRUE(bool(before)) << llvm::toString(before.takeError());
  const MapDump *ro = findDump(*before, "maps.rodata");
  const MapDump *data = findDump(*before, "maps.data");
  const MapDump *bss = findDump(*before, "maps.bss");
  ASSERT_NE(ro, nullptr);
  ASSERT_NE(data, nullptr);
  ASSERT_NE(bss, nullptr);
  ASSERT_EQ(ro->entries.size(), 1u);
  EXPECT_EQ(ro->entries[0], (MapEntry{le32(0), le32(0xc0ffee)}));
  EXPECT_EQ(data->entries[0], (MapEntry{le32(0), le32(42)}));
  EXPECT_EQ(bss->entries[0], (MapEntry{le32(0), le64(0)}));

  run(pattern(64));
  run(pattern(64));
  auto after = engine->dumpMaps();
  ASSERT_TRUE(bool(after)) << llvm::toString(after.takeError());
  EXPECT_EQ(findDump(*after, "maps.bss")->entries[0].value, le64(2));
  EXPECT_EQ(findDump(*after, "small_array")->entries[2].value, le32(0xc0ffee + 42));
  EXPECT_EQ(takeErrno(engine->mapUpdate("maps.rodata", le32(0), le32(1))), EPERM);
  ASSERT_OK(engine->mapUpdate("maps.data", le32(0), le32(7)));
}

// The loader's names for maps are the names the kernel engine reports.
TEST_F(KernelEngineTest, MapNamesMatchTheObjectLoader) {
  std::string why;
  std::string path = compileProg("maps", why);
  ASSERT_FALSE(path.empty()) << why;
  auto opened = Object::open(path);
  ASSERT_TRUE(bool(opened)) << llvm::toString(opened.takeError());
  obj = std::move(*opened);
  const Program *prog = obj.findProgram("xdp_count");
  ASSERT_NE(prog, nullptr);
  ASSERT_OK(engine->load(obj, *prog));
  auto dumps = engine->dumpMaps();
  ASSERT_TRUE(bool(dumps)) << llvm::toString(dumps.takeError());
  for (const MapDump &d : *dumps) {
    int i = obj.mapIndex(d.name);
    ASSERT_GE(i, 0) << d.name << " is not a map of the Object";
    EXPECT_EQ(obj.maps[i].type, d.type) << d.name;
    if (obj.maps[i].internal && !obj.maps[i].initial.empty()) {
      ASSERT_EQ(d.entries.size(), 1u) << d.name;
      EXPECT_EQ(d.entries[0].value, obj.maps[i].initial) << d.name;
    }
  }
}

// --- Benchmark ---------------------------------------------------------------

// repeat = N runs the program N times on the same buffer (not reset between
// repetitions): map updates accumulate.
TEST_F(KernelEngineTest, BenchmarkRepeats) {
  ASSERT_NO_FATAL_FAILURE(load("maps", "xdp_count"));
  PacketIn in;
  in.data = pattern(64);
  auto r = engine->benchmark(in, 1000);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_EQ(r->action, uint32_t(XDP_PASS));
  EXPECT_EQ(r->repeat, 1000u);
  EXPECT_GT(r->kernelNsPerRun, 0);
  EXPECT_GT(r->wallNsPerRun, 0);
  auto bss = engine->mapLookup("maps.bss", le32(0));
  ASSERT_TRUE(bool(bss)) << llvm::toString(bss.takeError());
  ASSERT_TRUE(bss->has_value());
  EXPECT_EQ(**bss, le64(1000));
}

// The kernel engine, created through the registry, is this engine.
TEST_F(KernelEngineTest, RegistryCreatesIt) {
  auto e = createEngine("kernel");
  ASSERT_TRUE(bool(e)) << llvm::toString(e.takeError());
  ASSERT_NE(e->get(), nullptr);
  EXPECT_EQ((*e)->name(), "kernel");
  EXPECT_NE(dynamic_cast<KernelEngine *>(e->get()), nullptr);
}

} // namespace
