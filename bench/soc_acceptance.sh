#!/usr/bin/env bash
# The acceptance runs of issue #23 (docs/soc.md): exact-sample height runs (L = 32..1024),
# driven avalanche runs for the finite-size scaling (L = 64..1024), the real-space RG view
# (L = 64, 128, 256), the LPPL coverage check, and the analyses. Raw JSON and logs go to
# bench/results/soc/. Sized for a shared, loaded 2-core machine (about 1.5 hours); run one at a
# time, niced:
#   nice -n 10 bench/soc_acceptance.sh [path/to/rgflow] [step...]
# Steps: heights avalanches stats rg lppl (default: all, in this order).
set -euo pipefail
B="${1:-build/release/rgflow}"
shift || true
STEPS="${*:-heights avalanches stats rg lppl}"
OUT=bench/results/soc
mkdir -p "$OUT"
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/acceptance.log" >&2; }
timed() {  # timed NAME COMMAND...: runs it, appends its wall time to the log
  local name="$1"; shift
  local t0=$SECONDS
  "$@"
  log "$name: $((SECONDS - t0)) s"
}
want() { [[ " $STEPS " == *" $1 "* ]]; }

log "rgflow $("$B" --version) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), steps: $STEPS"

# 1. Heights from exact stationary samples (Wilson + burning bijection), no driving.
if want heights; then
  declare -A LAT=([32]=100000 [64]=50000 [128]=20000 [256]=8000 [512]=3000 [1024]=600)
  for L in 32 64 128 256 512 1024; do
    timed heights_L$L "$B" sandpile run -L "$L" --grains 0 --lattices "${LAT[$L]}" --seed 23 --json \
      -o "$OUT/heights_L$L.json" >/dev/null
  done
fi

# 2. Driven avalanche runs (4 lattices each, stationary start, no transient needed).
if want avalanches; then
  declare -A GRAINS=([64]=4000000 [128]=4000000 [256]=4000000 [512]=2000000 [1024]=1000000)
  for L in 64 128 256 512 1024; do
    timed avalanches_L$L "$B" sandpile run -L "$L" --grains "${GRAINS[$L]}" --seed 23 --json \
      -o "$OUT/avalanches_L$L.json" >"$OUT/summary_avalanches_L$L.json"
  done
fi

# 3. Analyses: heights extrapolated in 1/L, moment analysis and collapse, fit-range sensitivity.
if want stats; then
  H=() A=()
  for L in 32 64 128 256 512 1024; do H+=("$OUT/heights_L$L.json"); done
  for L in 64 128 256 512 1024; do A+=("$OUT/avalanches_L$L.json"); done
  "$B" sandpile stats "${H[@]}" --order 2 --json >"$OUT/stats_heights.json"
  "$B" sandpile stats "${H[@]:2}" --order 1 --json >"$OUT/stats_heights_order1_L128up.json"
  "$B" sandpile stats "${A[@]}" --json --plot "$OUT/fss" >"$OUT/stats_avalanches.json"
  for q in "1 3" "1.5 4" "2 4"; do
    set -- $q
    "$B" sandpile stats "${A[@]}" --q-min "$1" --q-max "$2" --json >"$OUT/stats_avalanches_q$1-$2.json"
    "$B" sandpile stats "${A[@]:1}" --q-min "$1" --q-max "$2" --json >"$OUT/stats_avalanches_L128up_q$1-$2.json"
  done
  "$B" sandpile stats "${A[@]:1}" --json >"$OUT/stats_avalanches_L128up_q1-4.json"
fi

# 4. Real-space RG view at three sizes (p_k against b/L).
if want rg; then
  declare -A RGG=([64]=2000000 [128]=2000000 [256]=1000000)
  declare -A BLK=([64]=1,2,4,8,16,32 [128]=1,2,4,8,16,32,64 [256]=1,2,4,8,16,32,64)
  for L in 64 128 256; do
    timed rg_L$L "$B" sandpile rg -L "$L" --grains "${RGG[$L]}" --blocks "${BLK[$L]}" --height-samples 400 \
      --seed 23 --json -o "$OUT/rg_L$L.json" --plot "$OUT/rg_L$L" >"$OUT/summary_rg_L$L.json"
  done
fi

# 5. LPPL: an example fit and the coverage over 250 synthetic series (defaults: t in [0, 1],
#    t_c = 1.1, m = 0.5, omega = 9, C = 0.05, 200 points, noise 0.01; 200 bootstrap refits each).
if want lppl; then
  "$B" lppl synth --seed 7 -o "$OUT/lppl_series_example.csv"
  "$B" lppl fit "$OUT/lppl_series_example.csv" --seed 7 --json --plot "$OUT/lppl_fit_example.png" \
    >"$OUT/lppl_fit_example.json"
  timed lppl_coverage "$B" lppl coverage --series 250 --seed 23 --json -o "$OUT/lppl_coverage_fits.json" \
    >"$OUT/lppl_coverage.json"
fi
log "done: $STEPS"
