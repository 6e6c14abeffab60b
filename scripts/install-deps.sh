#!/usr/bin/env bash
# install-deps.sh: installs every Debian bookworm package Sluice builds and tests with.
# Idempotent: packages already present are left alone. As non-root it prints the
# exact apt-get line to run and exits non-zero.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  clang-19 llvm-19-dev libclang-rt-19-dev lld-19
  libbpf-dev libelf-dev zlib1g-dev libzstd-dev linux-libc-dev
  libpcap-dev verilator libdpdk-dev yosys python3
  googletest libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages; run as root:" >&2
  echo "  $line" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
