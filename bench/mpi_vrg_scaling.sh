#!/usr/bin/env bash
# Issue #19: strong scaling of `rgflow vrg run` (the stages spread over ranks in waves,
# docs/vrg.md "On several ranks"), 1 rank vs 2 ranks (1 OpenMP thread per rank), alternating
# 1-rank and 2-rank runs for ROUNDS rounds, each from an empty output directory (no stage cache),
# without figures. The configuration is `rgflow demo`'s (L = 16, 256-64-16, 4000 samples per
# dataset, 29 stages) unless SIZE / SAMPLES / EPOCHS change it. Three times per run: the wall clock
# of the command (mpirun's start-up included), rgflow's own run time (run.json "seconds", rank 0)
# and the user CPU seconds of each rank (/usr/bin/time); also the sum of the stages' own seconds
# (their records: the work, wherever it ran), the longest stage, and the waves' bound: the 1-rank
# stage times placed as the 2-rank run placed them (records' "placement"), each wave as long as its
# busier rank — the best speed-up this split allows. Checks that summary.json is the same bytes on
# 1 and 2 ranks. Raw outputs and summary.json in OUT.
# Usage: bench/mpi_vrg_scaling.sh   (variables: RGFLOW=build/release/rgflow SIZE=16 SAMPLES=4000
#        EPOCHS=100 ROUNDS=3 OUT=bench/results/mpi-vrg)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mpi_scaling_common.sh
mpi_bench_setup bench/results/mpi-vrg  # RGFLOW, ROUNDS, MPIRUN, OUT, TMP
SIZE=${SIZE:-16}
SAMPLES=${SAMPLES:-4000}
EPOCHS=${EPOCHS:-100}
tmp=$TMP
# rgflow demo's configuration (vrg::demo_config), with SIZE, SAMPLES and EPOCHS.
cat >"$OUT/config.toml" <<TOML
seed = 1
[data]
size = $SIZE
samples = $SAMPLES
pilot_samples = 1000
thermalize = 200
[model]
epochs = $EPOCHS
[measure]
rows = 1000
ais_chains = 32
ais_betas = 2000
[rsmi]
buffer = 1
TOML
args=(vrg run --config "$OUT/config.toml" --no-figures --threads 1 -q --json)
flags=(--allow-run-as-root --oversubscribe -q --mca btl_vader_single_copy_mechanism none
       --bind-to none -x OMP_NUM_THREADS=1)
now() { date +%s.%N; }
: >"$OUT/times.txt"
for round in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  OMP_NUM_THREADS=1 /usr/bin/time -f %U -o "$OUT/cpu_np1_$round.0" "$RGFLOW" "${args[@]}" \
    -o "$tmp/np1_$round" >"$OUT/np1_$round.json"
  t1=$(now)
  "$MPIRUN" "${flags[@]}" -np 2 bash -c '/usr/bin/time -f %U -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
    "$OUT/cpu_np2_$round" "$RGFLOW" "${args[@]}" -o "$tmp/np2_$round" >"$OUT/np2_$round.json"
  t2=$(now)
  cmp -s "$tmp/np1_$round/summary.json" "$tmp/np2_$round/summary.json" ||
    { echo "round $round: the 1-rank and 2-rank summary.json differ" >&2; exit 1; }
  for np in 1 2; do
    cp "$tmp/np${np}_$round/run.json" "$OUT/run_np${np}_$round.json"
    python3 -c 'import glob, json, sys
r = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/stages/*.json")]
s = {j["stage"]: {"seconds": j["seconds"], "placement": j.get("placement")} for j in r}
json.dump(s, open(sys.argv[2], "w"), indent=1)' "$tmp/np${np}_$round" "$OUT/stages_np${np}_$round.json"
  done
  rm -rf "$tmp/np1_$round" "$tmp/np2_$round"
  echo "round $round: 1 rank $(echo "$t1 - $t0" | bc) s, 2 ranks $(echo "$t2 - $t1" | bc) s" | tee -a "$OUT/times.txt"
done
python3 - "$OUT" "$ROUNDS" "$SIZE" "$SAMPLES" "$EPOCHS" <<'EOF'
import json, re, statistics, sys
out, rounds, size, samples, epochs = sys.argv[1], *map(int, sys.argv[2:6])
R = range(1, rounds + 1)
t1, t2 = [], []
for line in open(f"{out}/times.txt"):
    a, b = re.findall(r"([0-9.]+) s", line)
    t1.append(float(a)); t2.append(float(b))
r1 = [json.load(open(f"{out}/run_np1_{r}.json"))["seconds"] for r in R]
r2 = [json.load(open(f"{out}/run_np2_{r}.json"))["seconds"] for r in R]
def stages(np, r):
    return json.load(open(f"{out}/stages_np{np}_{r}.json"))
work1 = [sum(v["seconds"] for v in stages(1, r).values()) for r in R]
work2 = [sum(v["seconds"] for v in stages(2, r).values()) for r in R]
longest = max(stages(1, 1).items(), key=lambda kv: kv[1]["seconds"])
# The waves' bound: the 1-rank stage times placed as the 2-rank run placed them (record
# "placement"), each wave lasting as long as its busier rank: the best 2 ranks can do with this
# split, whatever the machine's load.
def bound(r):
    t1, p2 = stages(1, r), stages(2, r)
    load = {}
    for name, v in p2.items():
        key = (v["placement"]["wave"], v["placement"]["rank"])
        load[key] = load.get(key, 0.0) + t1[name]["seconds"]
    waves = {w for w, _ in load}
    return sum(max(t for (w2, _), t in load.items() if w2 == w) for w in waves)
bounds = [bound(r) for r in R]
u1 = [float(open(f"{out}/cpu_np1_{r}.0").read()) for r in R]
u2 = [max(float(open(f"{out}/cpu_np2_{r}.{k}").read()) for k in (0, 1)) for r in R]
med = statistics.median
summary = {
    "setup": {"config": "rgflow demo (vrg::demo_config)", "size": size, "samples": samples, "epochs": epochs,
              "stages": len(json.load(open(f"{out}/run_np1_1.json"))["ran"]), "figures": False,
              "threads_per_rank": 1},
    "wall": {"median_seconds_1_rank": med(t1), "median_seconds_2_ranks": med(t2),
             "speedup": med(t1) / med(t2), "seconds_1_rank": t1, "seconds_2_ranks": t2},
    "run": {"median_seconds_1_rank": med(r1), "median_seconds_2_ranks": med(r2), "speedup": med(r1) / med(r2),
            "seconds_1_rank": r1, "seconds_2_ranks": r2},
    "stage_work": {"median_sum_of_stage_seconds_1_rank": med(work1), "median_sum_of_stage_seconds_2_ranks": med(work2),
                   "longest_stage_1_rank": [longest[0], longest[1]["seconds"]],
                   "median_wave_bound_seconds_2_ranks": med(bounds),
                   "wave_bound_speedup": med([a / b for a, b in zip(work1, bounds)])},
    "cpu_user": {"median_seconds_1_rank": med(u1), "median_seconds_busiest_of_2_ranks": med(u2),
                 "ratio": med(u1) / med(u2)},
    "load_average": open("/proc/loadavg").read().split()[:3],
    "bit_identical": True,
}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(summary))
EOF
