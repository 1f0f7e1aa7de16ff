#!/usr/bin/env bash
# Issue #16 item 7: the cost of parallel tempering against PCD-1, measured two ways, raw outputs to
# OUT (default bench/results/pt-cost/):
#  1. pt_bench (Google Benchmark): one gradient update, PCD-1 vs PT-10, at 256×64 spin (16×16 Ising
#     at T_c) and 784×500 Bernoulli, batch 100, chains = batch, 1 and 2 threads, medians of
#     REPS repetitions (pt_bench_<threads>t.json);
#  2. the CLI end to end: `rgflow rbm train` on 12,000 16×16 Ising configurations at T_c (Wolff,
#     seed 1), 256×64 spin/spin, the recipe of issue #16 (learning rate 0.05 → 0.001, momentum 0.5),
#     EPOCHS epochs, --threads CLI_THREADS (default 1: the machine is shared and oversubscribed,
#     docs/benchmarks.md#threading-policy), PCD-1 and PT-10 alternating for ROUNDS rounds (cli_<method>_<round>.json:
#     the epochs' seconds, updates plus the per-epoch monitors; the fit's KL per spin). With BEFORE=path/to/an/older/rgflow, the same runs
#     of that binary too (cli_before_<method>_<round>.json), in the same rounds; with
#     BEFORE_BENCH=path/to/an/older/pt_bench, that benchmark too (pt_bench_before_<threads>t.json).
# Ratios are read from runs of the same moment (the machine is shared): see docs/benchmarks.md.
# Usage: bench/pt_cost.sh [BUILD_BENCH=build/bench] [RGFLOW=build/release/rgflow] [EPOCHS=10]
#                         [ROUNDS=3] [REPS=5] [BEFORE=...] [OUT=bench/results/pt-cost]  (as variables)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_BENCH=${BUILD_BENCH:-build/bench}
RGFLOW=${RGFLOW:-build/release/rgflow}
EPOCHS=${EPOCHS:-10}
ROUNDS=${ROUNDS:-3}
REPS=${REPS:-5}
OUT=${OUT:-bench/results/pt-cost}
BEFORE=${BEFORE:-}
BEFORE_BENCH=${BEFORE_BENCH:-}
CLI_THREADS=${CLI_THREADS:-1}
SKIP_BENCH=${SKIP_BENCH:-}   # non-empty: keep the pt_bench outputs already in OUT
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

uptime > "$OUT/load_before.txt"
for t in $([ -z "$SKIP_BENCH" ] && echo 1 2); do
  OMP_NUM_THREADS=$t "$BUILD_BENCH/bench/pt_bench" --benchmark_repetitions="$REPS" \
      --benchmark_report_aggregates_only=true --benchmark_format=json > "$OUT/pt_bench_${t}t.json"
  if [ -n "$BEFORE_BENCH" ]; then
    OMP_NUM_THREADS=$t "$BEFORE_BENCH" --benchmark_repetitions="$REPS" \
        --benchmark_report_aggregates_only=true --benchmark_format=json > "$OUT/pt_bench_before_${t}t.json"
  fi
done

"$RGFLOW" ising sample -L 16 -T 2.269185314213022 --algorithm wolff -n 12000 --sweeps-between 10 \
    --thermalize 200 --seed 1 -q -o "$tmp/ising16.h5" > /dev/null
train() {  # binary method output
  "$1" rbm train "$tmp/ising16.h5" --visible-type spin --hidden-type spin --hidden 64 \
      --method "$2" --replicas 10 --epochs "$EPOCHS" --learning-rate 0.05 --learning-rate-final 0.001 \
      --momentum 0.5 --seed 1 --threads "$CLI_THREADS" --json -q -o "$tmp/model.h5" > "$3"
}
for r in $(seq 1 "$ROUNDS"); do
  for m in pcd pt; do
    train "$RGFLOW" $m "$OUT/cli_${m}_${r}.json"
    if [ -n "$BEFORE" ]; then train "$BEFORE" $m "$OUT/cli_before_${m}_${r}.json"; fi
  done
done
uptime > "$OUT/load_after.txt"

CLI_THREADS=$CLI_THREADS python3 - "$OUT" "$ROUNDS" "$BEFORE" <<'EOF'
import glob, json, os, statistics, sys
out, rounds, before = sys.argv[1], int(sys.argv[2]), sys.argv[3]
summary = {"pt_bench": {}, "cli": {}}
for t in (1, 2):
    for tag in ("", "before_"):
        path = os.path.join(out, f"pt_bench_{tag}{t}t.json")
        if not os.path.exists(path):
            continue
        d = json.load(open(path))
        med = {b["run_name"]: b for b in d["benchmarks"] if b.get("aggregate_name") == "median"}
        for shape, label in ((0, "256x64 spin (Ising 16x16)"), (1, "784x500 bernoulli")):
            pcd = med[f"BM_Update/mnist:{shape}/pt:0/real_time"]
            pt = med[f"BM_Update/mnist:{shape}/pt:1/real_time"]
            summary["pt_bench"][f"{tag}{label}, {t} thread(s)"] = {
                "pcd1_update_us": pcd["real_time"], "pt10_update_us": pt["real_time"],
                "ratio_wall": pt["real_time"] / pcd["real_time"],
                "ratio_cpu": pt["cpu_time"] / pcd["cpu_time"]}
for tag in ("", "before_"):
    if tag and not before:
        continue
    # the epochs' seconds (updates and the per-epoch monitors, the same for both methods), not the
    # final quality gate's AIS
    secs = {m: [sum(e["seconds"] for e in json.load(open(os.path.join(out, f"cli_{tag}{m}_{r}.json")))["epochs"])
                for r in range(1, rounds + 1)] for m in ("pcd", "pt")}
    kl = {m: json.load(open(os.path.join(out, f"cli_{tag}{m}_1.json")))["fit"]["kl_per_unit"] for m in ("pcd", "pt")}
    per_round = [p / q for p, q in zip(secs["pt"], secs["pcd"])]
    summary["cli"][(tag.rstrip("_") or "this build") + f", --threads {os.environ.get('CLI_THREADS', '1')}"] = {
        "seconds": secs, "pt_over_pcd_per_round": per_round,
        "pt_over_pcd_median": statistics.median(per_round), "kl_per_spin_round1": kl}
summary["load_before"] = open(os.path.join(out, "load_before.txt")).read().strip()
summary["load_after"] = open(os.path.join(out, "load_after.txt")).read().strip()
with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump(summary, f, indent=2)
print(json.dumps(summary, indent=2))
EOF
