#!/usr/bin/env bash
# Issue #19: strong scaling of data-parallel training, 1 rank vs 2 ranks (1 OpenMP thread per
# rank): `rgflow rbm train` of a 784 × 500 Bernoulli RBM, CD-1, batch BATCH, on ROWS rows of
# binarized MNIST (../shared/data; random rows at MNIST's density without it), EPOCHS epochs,
# --shards SHARDS, alternating 1-rank and 2-rank runs for ROUNDS rounds. Also, on one process, the
# cost of the shards themselves: the same run with --shards 1 (the whole batch in one block).
# Three times per run: the wall clock of the command (mpirun's start-up, reading the data and the
# quality gate's AIS included), rgflow's own training time (the sum of the epochs' "seconds" in the
# JSON, rank 0's), and the user CPU seconds of each rank (/usr/bin/time). Checks that the 1-rank
# and 2-rank models are the same bits. Raw outputs and summary.json in OUT.
# Usage: bench/mpi_train_scaling.sh   (variables: RGFLOW=build/release/rgflow ROWS=20000 EPOCHS=3
#        SHARDS=2 BATCH=100 ROUNDS=3 OUT=bench/results/mpi-train; METHOD="cd" and METHOD_ARGS=""
#        pick the estimator: bench/mpi_pt_train_scaling.sh sets them for parallel tempering)
set -euo pipefail
cd "$(dirname "$0")/.."
RGFLOW=$(realpath "${RGFLOW:-build/release/rgflow}")
ROWS=${ROWS:-20000}
EPOCHS=${EPOCHS:-3}
SHARDS=${SHARDS:-2}
BATCH=${BATCH:-100}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-bench/results/mpi-train}
METHOD=${METHOD:-cd}
read -r -a method_args <<<"${METHOD_ARGS:-}"
MPIRUN=${MPIRUN:-mpirun}
PY=/usr/bin/python3
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mnist=../shared/data/mnist/train-images-idx3-ubyte.gz
"$PY" - "$tmp/data.npy" "$ROWS" "$mnist" <<'EOF'
import gzip, os, sys
import numpy as np
out, rows, mnist = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if os.path.exists(mnist):
    with gzip.open(mnist) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:rows]
    x = (x > 127).astype(np.float32)
else:  # MNIST's mean density (0.13), independent pixels
    x = (np.random.default_rng(1).random((rows, 784)) < 0.13).astype(np.float32)
np.save(out, x)
EOF
args=(rbm train "$tmp/data.npy" --hidden 500 --method "$METHOD" "${method_args[@]}" --batch-size "$BATCH"
      --epochs "$EPOCHS" --seed 1 --threads 1 -q --json)
flags=(--allow-run-as-root --oversubscribe -q --mca btl_vader_single_copy_mechanism none
       --bind-to none -x OMP_NUM_THREADS=1)
now() { date +%s.%N; }
: >"$OUT/times.txt"
for round in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  OMP_NUM_THREADS=1 /usr/bin/time -f %U -o "$OUT/cpu_np1_$round.0" "$RGFLOW" "${args[@]}" \
    --shards "$SHARDS" -o "$tmp/np1.h5" >"$OUT/np1_$round.json"
  t1=$(now)
  "$MPIRUN" "${flags[@]}" -np 2 bash -c '/usr/bin/time -f %U -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
    "$OUT/cpu_np2_$round" "$RGFLOW" "${args[@]}" --shards "$SHARDS" -o "$tmp/np2.h5" >"$OUT/np2_$round.json"
  t2=$(now)
  OMP_NUM_THREADS=1 "$RGFLOW" "${args[@]}" --shards 1 -o "$tmp/s1.h5" >"$OUT/shards1_$round.json"
  cmp -s <("$PY" -c 'import h5py,sys; f=h5py.File(sys.argv[1]); sys.stdout.buffer.write(f["rbm/weights"][()].tobytes())' "$tmp/np1.h5") \
         <("$PY" -c 'import h5py,sys; f=h5py.File(sys.argv[1]); sys.stdout.buffer.write(f["rbm/weights"][()].tobytes())' "$tmp/np2.h5") ||
    { echo "round $round: the 1-rank and 2-rank models differ" >&2; exit 1; }
  echo "round $round: 1 rank $(echo "$t1 - $t0" | bc) s, 2 ranks $(echo "$t2 - $t1" | bc) s" | tee -a "$OUT/times.txt"
done
"$PY" - "$OUT" "$ROUNDS" "$ROWS" "$EPOCHS" "$SHARDS" "$BATCH" "$METHOD ${METHOD_ARGS:-}" <<'EOF'
import json, re, statistics, sys
out, rounds, rows, epochs, shards, batch = sys.argv[1], *map(int, sys.argv[2:7])
method, *rest = sys.argv[7].split(maxsplit=1)
method = " ".join([method + "-1", *rest])  # one Gibbs / PT step per update
R = range(1, rounds + 1)
t1, t2 = [], []
for line in open(f"{out}/times.txt"):
    a, b = re.findall(r"([0-9.]+) s", line)
    t1.append(float(a)); t2.append(float(b))
def train_seconds(name):
    return [sum(e["seconds"] for e in json.load(open(f"{out}/{name}_{r}.json"))["epochs"]) for r in R]
c1, c2, s1 = train_seconds("np1"), train_seconds("np2"), train_seconds("shards1")
u1 = [float(open(f"{out}/cpu_np1_{r}.0").read()) for r in R]
u2 = [max(float(open(f"{out}/cpu_np2_{r}.{k}").read()) for k in (0, 1)) for r in R]
med = statistics.median
samples = rows * epochs
summary = {
    "setup": {"rows": rows, "epochs": epochs, "shards": shards, "model": "784x500 bernoulli",
              "method": method, "batch": batch, "threads_per_rank": 1},
    "wall": {"median_seconds_1_rank": med(t1), "median_seconds_2_ranks": med(t2),
             "speedup": med(t1) / med(t2), "seconds_1_rank": t1, "seconds_2_ranks": t2},
    "training": {"median_seconds_1_rank": med(c1), "median_seconds_2_ranks": med(c2),
                 "speedup": med(c1) / med(c2),
                 "median_of_ratios": med([a / b for a, b in zip(c1, c2)]),
                 "samples_per_second_1_rank": samples / med(c1),
                 "samples_per_second_2_ranks": samples / med(c2),
                 "seconds_1_rank": c1, "seconds_2_ranks": c2},
    "shards_cost_one_process": {"median_seconds_shards_1": med(s1), f"median_seconds_shards_{shards}": med(c1),
                                "ratio": med(c1) / med(s1), "seconds_shards_1": s1},
    "communication_2_ranks": json.load(open(f"{out}/np2_1.json")).get("communication"),
    "cpu_user": {"median_seconds_1_rank": med(u1), "median_seconds_busiest_of_2_ranks": med(u2),
                 "ratio": med(u1) / med(u2)},
    "load_average": open("/proc/loadavg").read().split()[:3],
    "bit_identical": True,
}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(summary))
EOF
