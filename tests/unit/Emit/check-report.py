#!/usr/bin/env python3
"""check-report.py REPORT.json: the JSON report of `sluice build --report` is
consistent with itself (tests/CMakeLists.txt, cli.build-report-json).

Checks the schema's fields, that every micro-op appears once per (stage, lane)
with a text, class, guard and source line, that the statistics agree with the
stages listed, and that the lower bound is at most the stages used. Prints
"report ok: <program> <stages> stages, <uops> micro-ops" on success.
"""
import json
import sys

r = json.load(open(sys.argv[1]))
for key in ("format", "version", "program", "target", "image", "stages", "extractor",
            "deparser", "constants", "stats", "sources"):
    assert key in r, f"missing field {key}"
assert r["format"] == "sluice-report"
t = r["target"]
assert t["hash"] == r["image"]["param_hash"], (t["hash"], r["image"]["param_hash"])
assert len(r["stages"]) == t["stages"]
seen = set()
last = 0
for st in r["stages"]:
    for u in st["uops"]:
        key = (st["stage"], u["lane"])
        assert key not in seen, f"stage/lane {key} twice"
        seen.add(key)
        assert 0 <= u["lane"] < t["lanes"]
        for f in ("text", "op", "class", "guard", "insn", "file", "line", "word"):
            assert f in u, f"micro-op {key} lacks {f}"
        last = st["stage"] + 1
s = r["stats"]
assert s["uops"] == len(seen), (s["uops"], len(seen))
assert s["stages_used"] == last, (s["stages_used"], last)
assert s["lower_bound"] is None or s["lower_bound"] <= s["stages_used"]
assert len(s["lane_occupancy_per_stage"]) == last
assert abs(s["lane_occupancy"] - len(seen) / max(1, last * t["lanes"])) < 1e-9
assert s["extractor_entries"] == len(r["extractor"])
assert s["deparser_entries"] == len(r["deparser"])
assert 0 <= s["slots_used"] <= t["slots"]
with_source = 0
for st in r["stages"]:
    for u in st["uops"]:
        if "source" in u:
            with_source += 1
            assert r["sources"][u["file"]]["lines"][str(u["line"])] == u["source"], u
assert with_source > 0 or not any(u["line"] for st in r["stages"] for u in st["uops"])
print(f"report ok: {r['program']} {s['stages_used']} stages, {s['uops']} micro-ops, "
      f"lower bound {s['lower_bound']}")
