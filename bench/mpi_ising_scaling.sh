#!/usr/bin/env bash
# Issue #19: scaling of the distributed Ising sampler (docs/scaling.md), 1 OpenMP thread per rank.
#
# Strong scaling: one temperature scan (`ising sample -L SIZE -T TEMPS`, multi-spin Metropolis, 64
# chains per point, SAMPLES samples and THERMALIZE sweeps per point), on 1 rank and on 2 ranks
# (point k on rank k mod 2), alternating 1-rank and 2-rank runs for ROUNDS rounds so that both see
# the same moments of a shared machine. The defaults (14 points at L = 128) take ~15-20 s on one
# rank of the 2-core box. Checks that the two runs' JSON agree bit for bit.
#
# Weak scaling: one point whose chains grow with the ranks, the work per rank fixed: GROUPS_PER_RANK groups
# of 64 chains per rank (`--chains 64·GROUPS_PER_RANK·ranks`, WEAK_ROUNDS measurements per chain, group g on
# rank g mod ranks), 1 rank vs 2 ranks, alternating as above. Ideal: equal times.
#
# Per run: the wall clock of the whole command (mpirun's start-up and MPI_Init included) and the
# user CPU seconds of each rank (/usr/bin/time), i.e. the work a rank did whatever share of the
# cores the machine gave it. Raw outputs, times and summary.json in OUT.
# Usage: bench/mpi_ising_scaling.sh   with, as variables: [RGFLOW=build/release/rgflow] [SIZE=128]
#        [TEMPS=2.0:2.6:14] [SAMPLES=64000] [THERMALIZE=1000] [WEAK_SIZE=128] [GROUPS_PER_RANK=6]
#        [WEAK_ROUNDS=1000] [ROUNDS=3] [OUT=bench/results/mpi-ising]
set -euo pipefail
shopt -s inherit_errexit  # a failing run inside $(timed ...) stops the script
cd "$(dirname "$0")/.."
RGFLOW=$(realpath "${RGFLOW:-build/release/rgflow}")
SIZE=${SIZE:-128}
TEMPS=${TEMPS:-2.0:2.6:14}
SAMPLES=${SAMPLES:-64000}
THERMALIZE=${THERMALIZE:-1000}
WEAK_SIZE=${WEAK_SIZE:-128}
GROUPS_PER_RANK=${GROUPS_PER_RANK:-6}
WEAK_ROUNDS=${WEAK_ROUNDS:-1000}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-bench/results/mpi-ising}
MPIRUN=${MPIRUN:-mpirun}
mkdir -p "$OUT"

source bench/mpi_timed.sh  # timed NAME NP ARGS...

strong=(ising sample -L "$SIZE" -T "$TEMPS" -n "$SAMPLES" --thermalize "$THERMALIZE" --seed 1 --json -q)
weak() {  # weak NP: the point with GROUPS_PER_RANK groups of 64 chains per rank
  local chains=$((64 * GROUPS_PER_RANK * $1))
  echo ising sample -L "$WEAK_SIZE" -T 2.3 -n $((chains * WEAK_ROUNDS)) --chains "$chains" \
    --thermalize "$THERMALIZE" --seed 1 --json -q
}
: >"$OUT/times.txt"
for round in $(seq 1 "$ROUNDS"); do
  a=$(timed "strong_np1_$round" 1 "${strong[@]}")
  b=$(timed "strong_np2_$round" 2 "${strong[@]}")
  read -r -a w1 <<<"$(weak 1)"
  read -r -a w2 <<<"$(weak 2)"
  c=$(timed "weak_np1_$round" 1 "${w1[@]}")
  d=$(timed "weak_np2_$round" 2 "${w2[@]}")
  echo "round $round: strong 1 rank $a s, 2 ranks $b s; weak 1 rank $c s, 2 ranks $d s" | tee -a "$OUT/times.txt"
done
python3 - "$OUT" "$ROUNDS" "${strong[*]}" "$(weak 1)" "$(weak 2)" <<'EOF'
import json, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows = [[float(x) for x in re.findall(r"([0-9.]+) s", line)] for line in open(f"{out}/times.txt")]
for r in range(1, rounds + 1):
    a = json.load(open(f"{out}/strong_np1_{r}.json")); b = json.load(open(f"{out}/strong_np2_{r}.json"))
    assert a == b, f"round {r}: the scan's 1-rank and 2-rank JSON differ"
def cpu(name, ranks):  # the busiest rank's user CPU seconds, per round
    return [max(float(open(f"{out}/cpu_{name}_{r}.{k}").read()) for k in range(ranks))
            for r in range(1, rounds + 1)]
def block(i1, i2, name):
    t1, t2 = [row[i1] for row in rows], [row[i2] for row in rows]
    u1, u2 = cpu(f"{name}_np1", 1), cpu(f"{name}_np2", 2)
    m1, m2, c1, c2 = (statistics.median(x) for x in (t1, t2, u1, u2))
    return {"wall": {"median_seconds_1_rank": m1, "median_seconds_2_ranks": m2, "ratio": m1 / m2,
                     "seconds_1_rank": t1, "seconds_2_ranks": t2},
            "cpu_user": {"median_seconds_1_rank": c1, "median_seconds_busiest_of_2_ranks": c2,
                         "ratio": c1 / c2, "seconds_1_rank": u1, "seconds_busiest_of_2_ranks": u2}}
summary = {"strong": {"command": sys.argv[3], **block(0, 1, "strong"), "bit_identical": True},
           "weak": {"command_1_rank": sys.argv[4], "command_2_ranks": sys.argv[5], **block(2, 3, "weak")},
           "note": "strong: ratio = speedup (ideal 2); weak: ratio = efficiency (ideal 1)",
           "load_average": open("/proc/loadavg").read().split()[:3]}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(summary))
EOF
