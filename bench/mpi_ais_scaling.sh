#!/usr/bin/env bash
# Issue #19: strong scaling of distributed AIS, 1 rank vs 2 ranks (1 OpenMP thread per rank), on a
# 784 × 500 Bernoulli RBM, CHAINS chains (batches of 25: 4 batches, 2 per rank), BETAS linear
# temperatures, alternating 1-rank and 2-rank runs for ROUNDS rounds so that both see the same
# moments of a shared machine. Prints each run's wall time (s), the medians and their ratio, and
# checks that the two runs' JSON agree bit for bit (timings aside). Two times per run: the wall
# clock of the whole command (mpirun's start-up and MPI_Init included) and rgflow's own "time" of
# the estimate (rank 0); and the user CPU seconds of each rank (/usr/bin/time), i.e. the work a
# rank did whatever share of the cores the machine gave it. Raw outputs and summary.json in OUT.
# The model: 1 epoch of CD-1 on 200 random rows (the timing does not depend on the weights).
# Usage: bench/mpi_ais_scaling.sh [RGFLOW=build/release/rgflow] [BETAS=1000] [CHAINS=100]
#                                 [ROUNDS=3] [OUT=bench/results/mpi-ais]   (as variables)
set -euo pipefail
cd "$(dirname "$0")/.."
RGFLOW=$(realpath "${RGFLOW:-build/release/rgflow}")
BETAS=${BETAS:-1000}
CHAINS=${CHAINS:-100}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-bench/results/mpi-ais}
MPIRUN=${MPIRUN:-mpirun}
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk 'BEGIN { s = 11; for (r = 0; r < 200; r++) { line = ""; for (c = 0; c < 784; c++) {
  s = (s * 1103515245 + 12345) % 2147483648; line = line (c ? "," : "") (s / 2147483648 < 0.2) } print line } }' \
  >"$tmp/data.csv"
"$RGFLOW" rbm train "$tmp/data.csv" --hidden 500 --epochs 1 --seed 1 -q -o "$tmp/model.h5" >/dev/null 2>&1

args=(rbm logz "$tmp/model.h5" --method ais --data "$tmp/data.csv" --betas "$BETAS" --chains "$CHAINS"
      --seed 1 --threads 1 --json)
flags=(--allow-run-as-root --oversubscribe -q --mca btl_vader_single_copy_mechanism none
       --bind-to none -x OMP_NUM_THREADS=1)
now() { date +%s.%N; }
: >"$OUT/times.txt"
for round in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  OMP_NUM_THREADS=1 /usr/bin/time -f %U -o "$OUT/cpu_np1_$round.0" "$RGFLOW" "${args[@]}" >"$OUT/np1_$round.json"
  t1=$(now)
  "$MPIRUN" "${flags[@]}" -np 2 bash -c '/usr/bin/time -f %U -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
    "$OUT/cpu_np2_$round" "$RGFLOW" "${args[@]}" >"$OUT/np2_$round.json"
  t2=$(now)
  echo "round $round: 1 rank $(echo "$t1 - $t0" | bc) s, 2 ranks $(echo "$t2 - $t1" | bc) s" | tee -a "$OUT/times.txt"
done
python3 - "$OUT" "$ROUNDS" <<'EOF'
import json, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
t1, t2 = [], []
for line in open(f"{out}/times.txt"):
    a, b = re.findall(r"([0-9.]+) s", line)
    t1.append(float(a)); t2.append(float(b))
def drop(j):
    return {k: drop(v) for k, v in j.items() if k != "time"} if isinstance(j, dict) else j
for r in range(1, rounds + 1):
    a = drop(json.load(open(f"{out}/np1_{r}.json"))); b = drop(json.load(open(f"{out}/np2_{r}.json")))
    assert a == b, f"round {r}: 1-rank and 2-rank JSON differ"
# rgflow's own time of the estimate (rank 0's "time"), without mpirun's start-up and MPI_Init.
c1 = [json.load(open(f"{out}/np1_{r}.json"))["time"]["seconds"] for r in range(1, rounds + 1)]
c2 = [json.load(open(f"{out}/np2_{r}.json"))["time"]["seconds"] for r in range(1, rounds + 1)]
# CPU seconds (user) of each rank: the work each did, whatever share of the cores it was given.
u1 = [float(open(f"{out}/cpu_np1_{r}.0").read()) for r in range(1, rounds + 1)]
u2 = [max(float(open(f"{out}/cpu_np2_{r}.{k}").read()) for k in (0, 1)) for r in range(1, rounds + 1)]
m1, m2 = statistics.median(t1), statistics.median(t2)
k1, k2 = statistics.median(c1), statistics.median(c2)
summary = {"wall": {"median_seconds_1_rank": m1, "median_seconds_2_ranks": m2, "speedup": m1 / m2,
                    "seconds_1_rank": t1, "seconds_2_ranks": t2},
           "estimate": {"median_seconds_1_rank": k1, "median_seconds_2_ranks": k2, "speedup": k1 / k2,
                        "seconds_1_rank": c1, "seconds_2_ranks": c2},
           "cpu_user": {"median_seconds_1_rank": statistics.median(u1),
                        "median_seconds_busiest_of_2_ranks": statistics.median(u2),
                        "ratio": statistics.median(u1) / statistics.median(u2),
                        "seconds_1_rank": u1, "seconds_busiest_of_2_ranks": u2},
           "load_average": open("/proc/loadavg").read().split()[:3],
           "bit_identical": True}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(summary))
EOF
