#!/bin/sh
# bench/synth/synth.sh BUILD_DIR [OUT_DIR] [UNIT...]: yosys 0.23 synth_xilinx
# -family xcup (UltraScale+) of the pipeline's modules, one at a time, each
# flattened on its own; summarise.py multiplies by the instance counts of the
# default datapath. Logic levels: `ltp -noff` over every cell but the
# flip-flops (FD*), i.e. the longest register-to-register path in cells,
# carry and MUXF cells included. Not in CI (slow): run it under nice, in the background.
#   units: alu_wide alu_narrow stage_plain stage_vld stage_ret extractor deparser div map
#          lpm_cam lpm_cam_mid lpm_cam_small delay6 delay9 delay15
# (delayD: the header window's line to a reader, 1024 bits x D cycles: the
# default datapath has D = 6 to stage 2, 9 to stages 6, 10, 14, 18 and 15
# to the deparser)
# (map: sluice_map with its default sizes, the default datapath's; not in the
# default list: hours of yosys, run it on its own. lpm_cam: the LPM CAM of a
# map unit alone at the default sizes, 256 rows x 16 data bytes x 16 value
# bytes; lpm_cam_small / lpm_cam_mid: 16 / 64 rows of IPv4 prefixes, 8-byte
# values; not in the default list either)
# BUILD_DIR holds generated/hdl/sluice_params.vh (ninja sluice-generated).
set -e
BUILD=${1:?usage: synth.sh BUILD_DIR [OUT_DIR] [UNIT...]}
OUT=${2:-$BUILD/synth}
shift; [ $# -gt 0 ] && shift
UNITS=${*:-"alu_narrow alu_wide div extractor deparser stage_plain stage_vld stage_ret delay6 delay9 delay15"}
HERE=$(cd "$(dirname "$0")" && pwd)
RTL=$HERE/../../hdl/rtl
GEN=$BUILD/generated/hdl
mkdir -p "$OUT"
# Each unit reads only the files it elaborates: yosys 0.23's frontend alone
# takes tens of minutes on sluice_map.sv (see docs/benchmarks.md "The map
# unit"), which every unit paid when the list held it.
# stage numbers from the default parameters: 0 has neither VLD nor a unit,
# 2 has the VLD port, 14 = 3 + 12 - 1 ... see summarise.py (it reads the masks)
for u in $UNITS; do
  case $u in
    alu_wide)    top=sluice_lane_alu; set_p="chparam -set WIDE 1 sluice_lane_alu" ;;
    alu_narrow)  top=sluice_lane_alu; set_p="chparam -set WIDE 0 sluice_lane_alu" ;;
    stage_plain) top=sluice_stage; set_p="chparam -set STAGE 0 sluice_stage" ;;
    stage_vld)   top=sluice_stage; set_p="chparam -set STAGE 2 sluice_stage" ;;
    stage_ret)   top=sluice_stage; set_p="chparam -set STAGE 0 -set HAS_RET 1 sluice_stage" ;;
    extractor)   top=sluice_extractor; set_p="" ;;
    deparser)    top=sluice_deparser; set_p="" ;;
    div)         top=sluice_div; set_p="chparam -set REGS 34 sluice_div" ;;
    map)         top=sluice_map; set_p="" ;;
    delay6|delay9|delay15) top=sluice_delay; set_p="chparam -set W 1024 -set D ${u#delay} sluice_delay" ;;
    lpm_cam)     top=sluice_lpm_cam_regs; set_p="" ;;
    lpm_cam_small) top=sluice_lpm_cam_regs; set_p="chparam -set ROWS 16 -set DB 4 -set VB 8 sluice_lpm_cam_regs" ;;
    lpm_cam_mid) top=sluice_lpm_cam_regs; set_p="chparam -set ROWS 64 -set DB 4 -set VB 8 sluice_lpm_cam_regs" ;;
    *) echo "unknown unit $u"; exit 2 ;;
  esac
  echo "$(date -u +%H:%M:%S) $u ..."
  start=$(date +%s)
  # Stages keep their lanes' ALUs as black boxes (synthesised once each as
  # alu_wide / alu_narrow): summarise.py adds them by instance count.
  alu=""
  case $u in
    stage_*)   alu="read_verilog -sv -lib -I$RTL -I$GEN $RTL/sluice_lane_alu.sv"; srcs="$RTL/sluice_stage.sv" ;;
    alu_*)     srcs="$RTL/sluice_lane_alu.sv" ;;
    div)       srcs="$RTL/sluice_div.sv" ;;
    extractor) srcs="$RTL/sluice_rng.sv $RTL/sluice_extractor.sv" ;;
    deparser)  srcs="$RTL/sluice_deparser.sv" ;;
    map)       srcs="$RTL/sluice_lpm_cam.sv $RTL/sluice_map.sv" ;;
    delay*)    srcs="$RTL/sluice_delay.sv" ;;
    lpm_cam*)  srcs="$RTL/sluice_lpm_cam.sv $HERE/sluice_lpm_cam_regs.sv" ;;   # inputs and outputs registered
  esac
  nice -n 19 yosys -q -l "$OUT/$u.log" -p "
    read_verilog -sv -I$RTL -I$GEN $RTL/sluice_pkg.sv;
    $alu;
    read_verilog -sv -I$RTL -I$GEN $srcs;
    $set_p;
    synth_xilinx -family xcup -top $top -flatten;
    tee -o $OUT/$u.stat stat;
    write_json $OUT/$u.json;
    tee -o $OUT/$u.ltp ltp -noff t:FD* %n" > /dev/null
  end=$(date +%s)
  echo "$((end - start))" > "$OUT/$u.seconds"
  echo "$(date -u +%H:%M:%S) $u done in $((end - start)) s"
done
