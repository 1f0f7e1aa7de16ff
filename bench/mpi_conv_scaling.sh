#!/usr/bin/env bash
# Issue #19: strong scaling of data-parallel `conv train` (docs/conv.md "Training under mpirun",
# docs/scaling.md), 1 OpenMP thread per rank.
#
# One training run (PCD-1, SGD, centred: the CLI defaults) of a convolutional RBM (KERNEL×KERNEL
# kernels, CHANNELS channels, stride 1) on ROWS Ising configurations of SIZE×SIZE at T_c, batches
# of BATCH rows and CHAINS persistent chains (each a multiple of 16·2 so both ranks get equal
# blocks), EPOCHS epochs, on 1 rank and on 2 ranks, alternating 1-rank and 2-rank runs for ROUNDS
# rounds so that both see the same moments of a shared machine. The defaults take ~10-20 s on one
# rank of the 2-core box. Checks that the two runs' model files hold the same bits (h5py).
#
# Per run: the wall clock of the whole command (mpirun's start-up and MPI_Init included) and the
# user CPU seconds of each rank (/usr/bin/time), i.e. the work a rank did whatever share of the
# cores the machine gave it. Raw outputs, times and summary.json in OUT.
# Usage: bench/mpi_conv_scaling.sh   with, as variables: [RGFLOW=build/release/rgflow] [SIZE=32]
#        [ROWS=2048] [KERNEL=5] [CHANNELS=8] [BATCH=256] [CHAINS=256] [EPOCHS=2] [ROUNDS=3]
#        [OUT=bench/results/mpi-conv] [PY=/usr/bin/python3]
set -euo pipefail
shopt -s inherit_errexit  # a failing run inside $(timed ...) stops the script
cd "$(dirname "$0")/.."
RGFLOW=$(realpath "${RGFLOW:-build/release/rgflow}")
SIZE=${SIZE:-32}
ROWS=${ROWS:-2048}
KERNEL=${KERNEL:-5}
CHANNELS=${CHANNELS:-8}
BATCH=${BATCH:-256}
CHAINS=${CHAINS:-256}
EPOCHS=${EPOCHS:-2}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-bench/results/mpi-conv}
MPIRUN=${MPIRUN:-mpirun}
PY=${PY:-/usr/bin/python3}  # with h5py (Debian python3-h5py)
mkdir -p "$OUT"

source bench/mpi_timed.sh  # timed NAME NP ARGS...

"$RGFLOW" ising sample -L "$SIZE" -T 2.269185314213022 -n "$ROWS" --seed 1 -q -o "$OUT/data.h5" >/dev/null
train() {  # train NAME: the training command writing OUT/NAME.h5
  echo conv train "$OUT/data.h5" --conv "kernel:$KERNEL,channels:$CHANNELS" --batch-size "$BATCH" \
    --chains "$CHAINS" --epochs "$EPOCHS" --seed 1 --json -q -o "$OUT/$1.h5"
}
: >"$OUT/times.txt"
for round in $(seq 1 "$ROUNDS"); do
  read -r -a c1 <<<"$(train "np1_$round")"
  read -r -a c2 <<<"$(train "np2_$round")"
  a=$(timed "np1_$round" 1 "${c1[@]}")
  b=$(timed "np2_$round" 2 "${c2[@]}")
  echo "round $round: 1 rank $a s, 2 ranks $b s" | tee -a "$OUT/times.txt"
done
"$PY" - "$OUT" "$ROUNDS" "$(train np)" <<'EOF'
import json, re, statistics, sys
import h5py
out, rounds = sys.argv[1], int(sys.argv[2])
def datasets(path):
    d = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: d.__setitem__(n, o[()].tobytes()) if isinstance(o, h5py.Dataset) else None)
    return d
for r in range(1, rounds + 1):
    assert datasets(f"{out}/np1_{r}.h5") == datasets(f"{out}/np2_{r}.h5"), f"round {r}: the models differ"
rows = [[float(x) for x in re.findall(r"([0-9.]+) s", line)] for line in open(f"{out}/times.txt")]
def cpu(ranks):  # the busiest rank's user CPU seconds, per round
    return [max(float(open(f"{out}/cpu_np{ranks}_{r}.{k}").read()) for k in range(ranks))
            for r in range(1, rounds + 1)]
t1, t2 = [row[0] for row in rows], [row[1] for row in rows]
u1, u2 = cpu(1), cpu(2)
m1, m2, c1, c2 = (statistics.median(x) for x in (t1, t2, u1, u2))
summary = {"command": sys.argv[3], "bit_identical": True,
           "wall": {"median_seconds_1_rank": m1, "median_seconds_2_ranks": m2, "ratio": m1 / m2,
                    "seconds_1_rank": t1, "seconds_2_ranks": t2},
           "cpu_user": {"median_seconds_1_rank": c1, "median_seconds_busiest_of_2_ranks": c2,
                        "ratio": c1 / c2, "seconds_1_rank": u1, "seconds_busiest_of_2_ranks": u2},
           "note": "ratio = speedup (ideal 2)",
           "load_average": open("/proc/loadavg").read().split()[:3]}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(summary))
EOF
