//===- IrFixture.h - LLVM IR fixtures compiled for the default datapath ----===//
//
// The compiler tests that write `i32 @f(ptr %ctx)` in the lifter's dialect
// by hand (maps, devmaps, global data) share the pieces around their
// bodies: `!L<line>.<col>` locations in fix.bpf.c, the debug-info trailer
// that gives @f its subprogram (!2), and parsing + compiling with the
// object's maps.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "sluice/Object/Object.h"
#include "sluice/Schedule/Compile.h"
#include "sluice/Support/Error.h"

namespace sluice::test {

/// `body` with every `!L<line>.<col>` turned into a !dbg location in
/// fix.bpf.c (scope !2, the subprogram of @f).
inline std::string fixtureLocations(const std::string &body) {
  return std::regex_replace(body, std::regex("!L([0-9]+)\\.([0-9]+)"),
                            "!DILocation(line: $1, column: $2, scope: !2)");
}

/// What follows the body of @f: its closing brace and the module's debug
/// info (@f is `!dbg !2`, in fix.bpf.c).
inline const char *kFixtureTrailer = R"(
}
!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!10, !11}
!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "fixture", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "fix.bpf.c", directory: "/tmp")
!2 = distinct !DISubprogram(name: "f", scope: !1, file: !1, line: 1, type: !3, spFlags: DISPFlagDefinition, unit: !0)
!3 = !DISubroutineType(types: !{})
!10 = !{i32 2, !"Debug Info Version", i32 3}
!11 = !{i32 7, !"Dwarf Version", i32 5}
)";

/// Parses the module `text` and compiles its @f for the default datapath
/// with the object's `maps`. A text that does not parse is a test failure
/// (and an error).
inline llvm::Expected<StageImage> compileFixtureText(const std::string &text,
                                                     const std::vector<MapDef> &maps) {
  llvm::LLVMContext ctx;
  llvm::SMDiagnostic err;
  auto m = llvm::parseAssemblyString(text, err, ctx);
  if (!m) {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    err.print("fixture", os);
    ADD_FAILURE() << os.str() << "\n" << text;
    return makeError("the fixture does not parse");
  }
  return compileFunction(*m->getFunction("f"), TargetParams::defaults(), nullptr, &maps);
}

} // namespace sluice::test
