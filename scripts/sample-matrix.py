#!/usr/bin/env python3
"""sample-matrix.py: which samples run on the NIC, engine pair by engine pair.

For every sample of bpf-samples/samples.json: `sluice build` for the default
datapath (stages used, or the compiler's refusal), then `sluice diff` of the
kernel against interp, model and rtl over the sample's pcap with its
map-init (model and rtl only when the sample compiles). Prints a Markdown
table (docs/features.md keeps the latest run) and exits 1 if any engine
pair that ran disagrees: a refusal is a known limit, a disagreement is a bug.

Usage: scripts/sample-matrix.py [--build DIR] [--only NAME ...] [--out FILE]
Needs root and a kernel that allows BPF (the kernel engine is the oracle).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout.strip()


def cell(text, limit=110):
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out")
    a = ap.parse_args()
    sluice = os.path.join(a.build, "bin", "sluice")
    samples_dir = os.path.join(ROOT, "bpf-samples")
    with open(os.path.join(samples_dir, "samples.json")) as f:
        samples = json.load(f)["samples"]
    if a.only:
        samples = [s for s in samples if s["name"] in a.only]

    rows, disagreements = [], 0
    for s in samples:
        obj = os.path.join(a.build, "bpf-samples", s["object"])
        pcap = os.path.join(samples_dir, s["pcap"])
        common = ["--prog", s["program"], "--pcap", pcap]
        if s.get("map_init"):
            common += ["--map-init", os.path.join(samples_dir, s["map_init"])]
        for vm in s.get("volatile_maps", []):
            common += ["--volatile-map", vm]
        rc, out = run([sluice, "build", obj, "--prog", s["program"], "-o", "/dev/null"])
        m = re.search(r"(\d+) of (\d+) stages", out)
        if rc == 0 and m:
            built = f"{m.group(1)} of {m.group(2)} stages"
        else:
            err = [l for l in out.splitlines() if "error:" in l]
            built = "refused: " + (err[0] if err else out.splitlines()[-1] if out else f"exit {rc}")
        verdicts = []
        # Samples reading the NIC clock or generator ("nic_values") equal the
        # kernel only on properties (NicValuesTest): they are diffed against
        # interp with the NIC clock instead, which must agree exactly.
        nicv = s.get("nic_values")
        for eng in ("interp", "model", "rtl"):
            if eng != "interp" and rc != 0:
                verdicts.append("-")
                continue
            if nicv and eng == "interp":
                verdicts.append(f"on properties ({nicv}: NicValuesTest)")
                continue
            t0 = time.time()
            ref = "interp" if nicv else "kernel"
            extra = ["--nic-clock"] if nicv else []
            drc, dout = run([sluice, "diff", obj, "--engines", ref + "," + eng] + common + extra)
            if drc == 0:
                m2 = re.search(r"agree on (\d+) packets and (\d+) map entries", dout)
                what = f"{m2.group(1)} pkts, {m2.group(2)} entries" if m2 else ""
                verdicts.append(f"equal{' to interp' if nicv else ''} ({what})")
            else:
                disagreements += 1
                verdicts.append("**DIFFERS**: " + cell(dout.splitlines()[-1] if dout else f"exit {drc}", 80))
            print(f"  {s['name']}: {ref},{eng}: {'ok' if drc == 0 else 'DIFFERS'} "
                  f"({time.time() - t0:.1f} s)", file=sys.stderr)
        rows.append((s["name"], cell(built), *verdicts))

    lines = ["| sample | default datapath | kernel = interp | kernel = model | kernel = rtl |",
             "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    compiled = sum(1 for r in rows if not r[1].startswith("refused"))
    lines.append("")
    lines.append(f"{compiled} of {len(rows)} samples compile for the default datapath; "
                 f"{disagreements} engine pairs disagree.")
    text = "\n".join(lines) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    print(text)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
