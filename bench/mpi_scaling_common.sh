# Shared by the bench/mpi_*_scaling.sh scripts (sourced; not a benchmark itself): the 784 × 500
# model, 1-rank and 2-rank runs alternated round by round (so that both see the same moments of a
# shared machine), and the summary with the bit-identity check. Sourced from the repository root.

# mpi_bench_setup OUT_DEFAULT: RGFLOW (default build/release/rgflow, made absolute), MPIRUN
# (default mpirun), ROUNDS (default 3), OUT (default OUT_DEFAULT, created) and TMP (a scratch
# directory removed at exit).
mpi_bench_setup() {
  RGFLOW=$(realpath "${RGFLOW:-build/release/rgflow}")
  ROUNDS=${ROUNDS:-3}
  MPIRUN=${MPIRUN:-mpirun}
  OUT=${OUT:-$1}
  mkdir -p "$OUT"
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
}

# mpi_bench_model DIR: DIR/data.csv (200 random rows of 784 binary units, density 0.2) and
# DIR/model.h5 (784 × 500 Bernoulli, 1 epoch of CD-1 on them: the cost of the benchmarked
# commands does not depend on the weights).
mpi_bench_model() {
  awk 'BEGIN { s = 11; for (r = 0; r < 200; r++) { line = ""; for (c = 0; c < 784; c++) {
    s = (s * 1103515245 + 12345) % 2147483648; line = line (c ? "," : "") (s / 2147483648 < 0.2) } print line } }' \
    >"$1/data.csv"
  "$RGFLOW" rbm train "$1/data.csv" --hidden 500 --epochs 1 --seed 1 -q -o "$1/model.h5" >/dev/null 2>&1
}

# mpi_bench_alternate ROUNDS EXT ARGS...: per round, `rgflow ARGS` on 1 rank then on 2 ranks (1
# OpenMP thread each): OUT/np{1,2}_ROUND.json (stdout), OUT/cpu_np{1,2}_ROUND.RANK (user CPU
# seconds of each rank, /usr/bin/time), wall times appended to OUT/times.txt. With EXT non-empty
# each run also writes -o OUT/np{1,2}_ROUND.EXT, and the two files must be equal byte for byte.
mpi_bench_alternate() {
  local rounds="$1" ext="$2"
  shift 2
  local flags=(--allow-run-as-root --oversubscribe -q --mca btl_vader_single_copy_mechanism none
               --bind-to none -x OMP_NUM_THREADS=1)
  local o1=() o2=() round t0 t1 t2
  now() { date +%s.%N; }
  : >"$OUT/times.txt"
  for round in $(seq 1 "$rounds"); do
    if [[ -n "$ext" ]]; then o1=(-o "$OUT/np1_$round.$ext"); o2=(-o "$OUT/np2_$round.$ext"); fi
    t0=$(now)
    OMP_NUM_THREADS=1 /usr/bin/time -f %U -o "$OUT/cpu_np1_$round.0" "$RGFLOW" "$@" "${o1[@]}" \
      >"$OUT/np1_$round.json"
    t1=$(now)
    "$MPIRUN" "${flags[@]}" -np 2 bash -c '/usr/bin/time -f %U -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
      "$OUT/cpu_np2_$round" "$RGFLOW" "$@" "${o2[@]}" >"$OUT/np2_$round.json"
    t2=$(now)
    if [[ -n "$ext" ]] && ! cmp -s "$OUT/np1_$round.$ext" "$OUT/np2_$round.$ext"; then
      echo "round $round: the 1-rank and 2-rank outputs differ" >&2
      return 1
    fi
    echo "round $round: 1 rank $(echo "$t1 - $t0" | bc) s, 2 ranks $(echo "$t2 - $t1" | bc) s" | tee -a "$OUT/times.txt"
  done
}

# mpi_bench_summary ROUNDS LABEL [KEY]: checks that each round's 1-rank and 2-rank JSON agree (the
# "time" and "output" members aside), then writes and prints OUT/summary.json: the medians of the
# wall clock of the whole command (mpirun's start-up included), of rgflow's own "time" (rank 0;
# under LABEL) and of the user CPU seconds of the (busiest) rank — the work a rank did whatever
# share of the cores it got (a rank waiting in MPI polls, so waits count too). With KEY, the
# 1-rank run's JSON member KEY is copied into the summary.
mpi_bench_summary() {
  python3 - "$OUT" "$1" "$2" "${3:-}" <<'PY'
import json, re, statistics, sys
out, rounds, label, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t1, t2 = [], []
for line in open(f"{out}/times.txt"):
    a, b = re.findall(r"([0-9.]+) s", line)
    t1.append(float(a)); t2.append(float(b))
def drop(j):
    return {k: drop(v) for k, v in j.items() if k not in ("time", "output")} if isinstance(j, dict) else j
runs = range(1, rounds + 1)
for r in runs:
    a = drop(json.load(open(f"{out}/np1_{r}.json"))); b = drop(json.load(open(f"{out}/np2_{r}.json")))
    assert a == b, f"round {r}: 1-rank and 2-rank JSON differ"
c1 = [json.load(open(f"{out}/np1_{r}.json"))["time"]["seconds"] for r in runs]
c2 = [json.load(open(f"{out}/np2_{r}.json"))["time"]["seconds"] for r in runs]
u1 = [float(open(f"{out}/cpu_np1_{r}.0").read()) for r in runs]
u2 = [max(float(open(f"{out}/cpu_np2_{r}.{k}").read()) for k in (0, 1)) for r in runs]
m1, m2 = statistics.median(t1), statistics.median(t2)
k1, k2 = statistics.median(c1), statistics.median(c2)
summary = {"wall": {"median_seconds_1_rank": m1, "median_seconds_2_ranks": m2, "speedup": m1 / m2,
                    "seconds_1_rank": t1, "seconds_2_ranks": t2},
           label: {"median_seconds_1_rank": k1, "median_seconds_2_ranks": k2, "speedup": k1 / k2,
                   "seconds_1_rank": c1, "seconds_2_ranks": c2},
           "cpu_user": {"median_seconds_1_rank": statistics.median(u1),
                        "median_seconds_busiest_of_2_ranks": statistics.median(u2),
                        "ratio": statistics.median(u1) / statistics.median(u2),
                        "seconds_1_rank": u1, "seconds_busiest_of_2_ranks": u2},
           "load_average": open("/proc/loadavg").read().split()[:3],
           "bit_identical": True}
if key:
    summary[key] = json.load(open(f"{out}/np1_1.json"))[key]
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(json.dumps(summary))
PY
}
