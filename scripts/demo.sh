#!/usr/bin/env bash
# demo.sh: the main job. Sets up and builds Sluice (Verilated NIC included),
# compiles the ttl_forward sample (TTL decrement with an incremental IPv4
# checksum update, bpf_redirect by destination port) into a stage image,
# streams its shipped pcap through the simulated NIC (the Verilated datapath,
# image loaded through the registers as a driver does) and prints the NIC's
# summary; then checks the NIC against the Linux kernel packet by packet
# (against `interp` when BPF is not available here).
#   scripts/demo.sh [SAMPLE]     (a sample of bpf-samples/samples.json without maps)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SLUICE_BUILD_DIR:-$root/build}"
sample="${1:-ttl_forward}"
echo "sluice demo: setting up and building (log: $build.log) ..."
"$root/scripts/build.sh" > "$build.log" 2>&1 || { tail -n 40 "$build.log"; exit 1; }
obj="$build/bpf-samples/$sample.bpf.o"
pcap="$root/bpf-samples/pcaps/$sample.pcap"
out="$build/demo-out"
mkdir -p "$out"
echo
echo "== compile: $sample.bpf.o -> $out/$sample.slc"
"$build/bin/sluice" build "$obj" -o "$out/$sample.slc" --report "$out/$sample.html"
echo
echo "== the simulated NIC (Verilated datapath), $pcap"
"$build/bin/sluice-sim" "$out/$sample.slc" --pcap "$pcap" --out "$out"
echo
oracle=kernel
if ! "$build/bin/sluice" run "$build/bpf-samples/pass_all.bpf.o" --pcap "$root/bpf-samples/pcaps/pass_all.pcap" \
     --engine kernel > /dev/null 2>&1; then
  oracle=interp
  echo "(BPF_PROG_TEST_RUN is not available here: comparing with interp instead of the kernel)"
fi
echo "== the NIC against the $oracle, packet by packet"
exec "$build/bin/sluice" diff "$obj" --pcap "$pcap" --engines "$oracle,rtl"
