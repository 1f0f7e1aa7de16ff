#!/usr/bin/env bash
# Issue #19: strong scaling of distributed parallel tempering (`rgflow rbm sample --method pt`),
# 1 rank vs 2 ranks (1 OpenMP thread per rank), on a 784 × 500 Bernoulli RBM, SAMPLES chains of
# REPLICAS temperatures (geometric ladder to β = 0.1; 2 ranks: replicas [0, 8) and [8, 16)), STEPS
# PT steps (~28 ms each on one core: the default 500 is ~15 s per 1-rank run), alternating 1-rank
# and 2-rank runs for ROUNDS rounds so that both see the same moments of a shared machine. Prints
# each run's wall time (s), the medians and their ratio, and checks that the two runs agree bit for
# bit: the PNG mosaic of the samples byte for byte and the JSON (swap acceptances included,
# timings aside). Two times per run: the wall clock of the whole command (mpirun's start-up and
# MPI_Init included) and rgflow's own "time" of the sampling (rank 0); and the user CPU seconds of
# each rank (/usr/bin/time; a rank waiting in MPI polls, so this counts waits as work). Raw
# outputs and summary.json in OUT. The model: 1 epoch of CD-1 on 200 random rows (the cost of a
# step does not depend on the weights; the swap acceptances do).
# Expected ceiling (docs/scaling.md): the swaps of a step run in ladder order, rank after rank, so
# they are not split (~7 % of a step at this shape); the sweeps are: 1 / (0.07 + 0.93 / 2) ≈ 1.87.
# Usage: bench/mpi_pt_scaling.sh [RGFLOW=build/release/rgflow] [STEPS=500] [SAMPLES=100]
#                                [REPLICAS=16] [ROUNDS=3] [OUT=bench/results/mpi-pt]  (as variables)
set -euo pipefail
cd "$(dirname "$0")/.."
RGFLOW=$(realpath "${RGFLOW:-build/release/rgflow}")
STEPS=${STEPS:-500}
SAMPLES=${SAMPLES:-100}
REPLICAS=${REPLICAS:-16}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-bench/results/mpi-pt}
MPIRUN=${MPIRUN:-mpirun}
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk 'BEGIN { s = 11; for (r = 0; r < 200; r++) { line = ""; for (c = 0; c < 784; c++) {
  s = (s * 1103515245 + 12345) % 2147483648; line = line (c ? "," : "") (s / 2147483648 < 0.2) } print line } }' \
  >"$tmp/data.csv"
"$RGFLOW" rbm train "$tmp/data.csv" --hidden 500 --epochs 1 --seed 1 -q -o "$tmp/model.h5" >/dev/null 2>&1

args=(rbm sample "$tmp/model.h5" --method pt --replicas "$REPLICAS" --pt-beta-min 0.1
      --samples "$SAMPLES" --gibbs-steps "$STEPS" --seed 1 --json)
flags=(--allow-run-as-root --oversubscribe -q --mca btl_vader_single_copy_mechanism none
       --bind-to none -x OMP_NUM_THREADS=1)
now() { date +%s.%N; }
: >"$OUT/times.txt"
for round in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  OMP_NUM_THREADS=1 /usr/bin/time -f %U -o "$OUT/cpu_np1_$round.0" "$RGFLOW" "${args[@]}" \
    -o "$OUT/np1_$round.png" >"$OUT/np1_$round.json"
  t1=$(now)
  "$MPIRUN" "${flags[@]}" -np 2 bash -c '/usr/bin/time -f %U -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
    "$OUT/cpu_np2_$round" "$RGFLOW" "${args[@]}" -o "$OUT/np2_$round.png" >"$OUT/np2_$round.json"
  t2=$(now)
  cmp -s "$OUT/np1_$round.png" "$OUT/np2_$round.png" ||
    { echo "round $round: the 1-rank and 2-rank samples differ" >&2; exit 1; }
  echo "round $round: 1 rank $(echo "$t1 - $t0" | bc) s, 2 ranks $(echo "$t2 - $t1" | bc) s" | tee -a "$OUT/times.txt"
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
t1, t2 = [], []
for line in open(f"{out}/times.txt"):
    a, b = re.findall(r"([0-9.]+) s", line)
    t1.append(float(a)); t2.append(float(b))
def drop(j):
    return {k: drop(v) for k, v in j.items() if k not in ("time", "output")} if isinstance(j, dict) else j
for r in range(1, rounds + 1):
    a = drop(json.load(open(f"{out}/np1_{r}.json"))); b = drop(json.load(open(f"{out}/np2_{r}.json")))
    assert a == b, f"round {r}: 1-rank and 2-rank JSON differ"
# rgflow's own time of the sampling (rank 0's "time"), without mpirun's start-up and MPI_Init.
c1 = [json.load(open(f"{out}/np1_{r}.json"))["time"]["seconds"] for r in range(1, rounds + 1)]
c2 = [json.load(open(f"{out}/np2_{r}.json"))["time"]["seconds"] for r in range(1, rounds + 1)]
u1 = [float(open(f"{out}/cpu_np1_{r}.0").read()) for r in range(1, rounds + 1)]
u2 = [max(float(open(f"{out}/cpu_np2_{r}.{k}").read()) for k in (0, 1)) for r in range(1, rounds + 1)]
m1, m2 = statistics.median(t1), statistics.median(t2)
k1, k2 = statistics.median(c1), statistics.median(c2)
summary = {"wall": {"median_seconds_1_rank": m1, "median_seconds_2_ranks": m2, "speedup": m1 / m2,
                    "seconds_1_rank": t1, "seconds_2_ranks": t2},
           "sampling": {"median_seconds_1_rank": k1, "median_seconds_2_ranks": k2, "speedup": k1 / k2,
                        "seconds_1_rank": c1, "seconds_2_ranks": c2},
           "cpu_user": {"median_seconds_1_rank": statistics.median(u1),
                        "median_seconds_busiest_of_2_ranks": statistics.median(u2),
                        "seconds_1_rank": u1, "seconds_busiest_of_2_ranks": u2},
           "pt_swap_acceptance": json.load(open(f"{out}/np1_1.json"))["pt_swap_acceptance"],
           "load_average": open("/proc/loadavg").read().split()[:3],
           "bit_identical": True}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(summary))
PY
