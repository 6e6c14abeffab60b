#!/usr/bin/env bash
# demo.sh: the main job. Sets up and builds Sluice, then runs the firewall
# sample over its shipped pcap (blocklist filled from the host) on the chosen
# engine (default interp) and prints a summary: packets, verdicts, maps.
#   scripts/demo.sh [interp|kernel]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SLUICE_BUILD_DIR:-$root/build}"
engine="${1:-interp}"
echo "sluice demo: setting up and building (log: $build.log) ..."
"$root/scripts/build.sh" > "$build.log" 2>&1 || { tail -n 40 "$build.log"; exit 1; }
exec "$build/bin/sluice" run "$build/bpf-samples/firewall.bpf.o" \
  --pcap "$root/bpf-samples/pcaps/firewall.pcap" \
  --map-init "$root/bpf-samples/firewall.maps.json" \
  --engine "$engine" --out "$build/demo-out"
