#!/usr/bin/env bash
# test.sh: sets up and builds Sluice, then runs every test through ctest.
# Tests that need the kernel (root + BPF) skip loudly where it is missing;
# with SLUICE_REQUIRE_KERNEL=1 (set by CI) such a skip is a failure instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SLUICE_BUILD_DIR:-$root/build}"
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j2 "$@"
