#!/usr/bin/env python3
"""bench/synth/summarise.py OUT_DIR [PARAMS_JSON]: the per-module yosys
results of synth.sh, and the default datapath summed by instance count:
  stages = N * stage_plain + (VLD stages) * (stage_vld - stage_plain)
           + (stages where a div result lands) * (stage_ret - stage_plain)
  + div units (one per div stage) + map units (one per map stage)
  + extractor + deparser + the header window's lines (one per VLD stage
  and one to the deparser, delayD = sluice_delay at 1024 x D).
LUT counts LUT1..LUT6 plus LUTs used as shift registers or RAM (SRL*, RAM*);
FF counts FD*; logic levels are `ltp -noff` (every cell on the longest
register-to-register path, carry cells included). BRAM counts RAMB36
and RAMB18 cells as written by synth_xilinx (RAMB18 = half a RAMB36),
URAM the URAM288 cells."""
import json, os, re, sys

out = sys.argv[1]
params = json.load(open(sys.argv[2] if len(sys.argv) > 2 else
                        os.path.join(os.path.dirname(__file__), '../../hdl/params/default.json')))

def read(unit):
    p = os.path.join(out, unit + '.stat')
    if not os.path.exists(p):
        return None
    cells = {}
    for line in open(p):
        m = re.match(r'\s+(\w+)\s+(\d+)$', line)
        if m:
            cells[m.group(1)] = cells.get(m.group(1), 0) + int(m.group(2))
    r = {'LUT': 0, 'FF': 0, 'BRAM': 0, 'URAM': 0, 'DSP': 0, 'CARRY': 0, 'MUXF': 0}
    for c, n in cells.items():
        if re.match(r'LUT\d$', c) or c.startswith('SRL') or re.match(r'RAM\d+[XM]', c):
            r['LUT'] += n
        elif c.startswith('FD'):
            r['FF'] += n
        elif c.startswith('RAMB36'):
            r['BRAM'] += n
        elif c.startswith('RAMB18'):
            r['BRAM'] += n / 2
        elif c.startswith('URAM'):
            r['URAM'] += n
        elif c.startswith('DSP'):
            r['DSP'] += n
        elif c.startswith('CARRY'):
            r['CARRY'] += n
        elif c.startswith('MUXF'):
            r['MUXF'] += n
    ltp = open(os.path.join(out, unit + '.ltp')).read() if os.path.exists(os.path.join(out, unit + '.ltp')) else ''
    m = re.search(r'length=(\d+)', ltp)
    r['levels'] = int(m.group(1)) if m else None
    s = os.path.join(out, unit + '.seconds')
    r['seconds'] = int(open(s).read()) if os.path.exists(s) else None
    return r

units = ['alu_narrow', 'alu_wide', 'stage_plain', 'stage_vld', 'stage_ret', 'div', 'map', 'extractor', 'deparser',
         'delay6', 'delay9', 'delay15']
res = {u: read(u) for u in units}
print('| module | LUT | FF | BRAM36 | URAM | DSP | CARRY | MUXF7/8/9 | ltp -noff | yosys s |')
print('|---|---|---|---|---|---|---|---|---|---|')
for u in units:
    r = res[u]
    if r:
        print(f"| {u} | {r['LUT']:,} | {r['FF']:,} | {r['BRAM']:g} | {r['URAM']} | {r['DSP']} | {r['CARRY']} | {r['MUXF']} | {r['levels']} | {r['seconds']} |")
    else:
        print(f'| {u} | not measured | | | | | | | | |')

S = params['stages']
C = params['cycles_per_stage']
vld = set(params['vread']['stages'])
div = params['units']['div']
L = -(-div['latency_cycles'] // C)
ret = {s + L - 1 for s in div['stages']}
mapu = params['units'].get('map', {'stages': [], 'latency_cycles': 0})
ML = -(-mapu['latency_cycles'] // C) if mapu['stages'] else 0
mret = {s + ML - 1 for s in mapu['stages']}
count = {'stage_plain': S, 'stage_vld': len(vld), 'stage_ret': len(ret | mret), 'div': len(div['stages']),
         'map': len(mapu['stages']), 'extractor': 1, 'deparser': 1}
# Lanes: the stage modules were synthesised with their ALUs as black boxes.
lanes = params['lanes']
n_wide = lanes // 2
n_narrow = lanes - n_wide
need = ['alu_wide', 'alu_narrow', 'stage_plain', 'stage_vld', 'stage_ret', 'div', 'extractor']
# the window line to each reader: 3 cycles per stage from the previous
# reader's output (or the extractor's) to the reader's input
line_depths, src = [], 0
for k in list(range(S)) + [S]:
    if k == S or k in vld:
        line_depths.append(C * (k - src))
        src = k + 1 if k < S else src
if all(res[u] for u in need):
    tot = {}
    parts = {}
    for k in ['LUT', 'FF', 'BRAM', 'URAM', 'DSP']:
        p = res['stage_plain'][k]
        alus = n_wide * res['alu_wide'][k] + n_narrow * res['alu_narrow'][k]
        parts[k] = {
            'stages (logic)': S * p + len(vld) * (res['stage_vld'][k] - p)
                              + len(ret | mret) * (res['stage_ret'][k] - p),
            'lane ALUs': S * alus,
            'div units': len(div['stages']) * res['div'][k],
            'map units': len(mapu['stages']) * res['map'][k] if res['map'] else 0,
            'extractor': res['extractor'][k],
            'deparser': res['deparser'][k] if res['deparser'] else 0,
            # the header window's lines (sluice_delay, 1024 bits x D): one
            # to each VLD stage and one to the deparser
            'window lines': sum((res.get(f'delay{d}') or res['delay9'] or {k: 0})[k] for d in line_depths),
        }
        tot[k] = sum(parts[k].values())
    print()
    print(f"default datapath ({S} stages x ({n_wide} wide + {n_narrow} narrow lanes); VLD stages {sorted(vld)}; "
          f"unit results land in {sorted(ret | mret)}; {len(div['stages'])} div units; "
          f"{len(mapu['stages'])} map units" + ("" if res['map'] else " NOT included")
          + ("" if res['deparser'] else "; deparser NOT included") + "):")
    for name in parts['LUT']:
        print(f"  {name:16s} LUT {parts['LUT'][name]:>9,}  FF {parts['FF'][name]:>9,}  DSP {parts['DSP'][name]:>5}"
              f"  BRAM36 {parts['BRAM'][name]:>6g}  URAM {parts['URAM'][name]:>4}")
    print(f"  {'total':16s} LUT {tot['LUT']:>9,}  FF {tot['FF']:>9,}  DSP {tot['DSP']:>5}  BRAM36 {tot['BRAM']:>6g}"
          f"  URAM {tot['URAM']:>4}")
    print(f"  max ltp -noff {max(res[u]['levels'] for u in units if res[u] and res[u]['levels'])}")
