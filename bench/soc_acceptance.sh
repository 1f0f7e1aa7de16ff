#!/usr/bin/env bash
# The acceptance runs of issue #23 (docs/soc.md): exact-sample height runs (L = 32..1024),
# driven avalanche runs for the finite-size scaling (L = 64..1024), the real-space RG view, the
# LPPL coverage check, and the analyses. Raw JSON and logs go to bench/results/soc/.
# Sized for a shared, loaded 2-core machine (about an hour); run one at a time, niced:
#   nice -n 10 bench/soc_acceptance.sh [path/to/rgflow]
set -euo pipefail
B="${1:-build/release/rgflow}"
OUT=bench/results/soc
mkdir -p "$OUT"
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/acceptance.log" >&2; }
timed() {  # timed NAME COMMAND...: runs it, appends wall time to the log
  local name="$1"; shift
  local t0=$SECONDS
  "$@" 2>>"$OUT/$name.progress.log"
  log "$name: $((SECONDS - t0)) s"
}

log "rgflow $("$B" --version) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. Heights from exact stationary samples (Wilson + burning bijection), no driving.
declare -A LAT=([32]=100000 [64]=50000 [128]=20000 [256]=8000 [512]=3000 [1024]=600)
for L in 32 64 128 256 512 1024; do
  timed heights_L$L "$B" sandpile run -L "$L" --grains 0 --lattices "${LAT[$L]}" --seed 23 --json \
    -o "$OUT/heights_L$L.json" >/dev/null
done

# 2. Driven avalanche runs (4 lattices each, stationary start, no transient needed).
declare -A GRAINS=([64]=4000000 [128]=4000000 [256]=4000000 [512]=2000000 [1024]=1000000)
for L in 64 128 256 512 1024; do
  timed avalanches_L$L "$B" sandpile run -L "$L" --grains "${GRAINS[$L]}" --seed 23 --json \
    -o "$OUT/avalanches_L$L.json" >"$OUT/avalanches_L$L.summary.json"
done

# 3. Analyses: heights extrapolated in 1/L, moment analysis and collapse.
"$B" sandpile stats "$OUT"/heights_L*.json --order 2 --json >"$OUT/stats_heights.json"
"$B" sandpile stats "$OUT"/avalanches_L*.json --json --plot "$OUT/fss" >"$OUT/stats_avalanches.json"

# 4. Real-space RG view.
timed rg_L256 "$B" sandpile rg -L 256 --grains 1000000 --blocks 1,2,4,8,16,32,64 --height-samples 400 \
  --seed 23 --json -o "$OUT/rg_L256.json" --plot "$OUT/rg" >"$OUT/rg_L256.summary.json"

# 5. LPPL coverage over 250 synthetic series (defaults: t in [0, 1], t_c = 1.1, m = 0.5,
#    omega = 9, C = 0.05, 200 points, noise 0.01; 200 bootstrap refits each).
timed lppl_coverage "$B" lppl coverage --series 250 --seed 23 --json -o "$OUT/lppl_coverage_fits.json" \
  >"$OUT/lppl_coverage.json"
log "done"
