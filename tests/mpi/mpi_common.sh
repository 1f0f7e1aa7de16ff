# Shared set-up for the MPI tests (sourced after ../cli/common.sh; not a test itself).
# Usage: source mpi_common.sh MPIRUN WITH_MPI — exits 77 (ctest: skipped) when mpirun is absent or
# rgflow was built without MPI (then `mpirun -np 2 rgflow` would run two unrelated serial copies).
MPIRUN="${1:-}"
if [[ "${2:-OFF}" != "ON" ]]; then
  echo "SKIP: rgflow was built without MPI (RGFLOW_WITH_MPI OFF)"
  exit 77
fi
if [[ -z "$MPIRUN" || ! -x "$MPIRUN" ]]; then
  echo "SKIP: no mpirun (scripts/install-deps installs openmpi-bin)"
  exit 77
fi
# As root in CI containers; more ranks than cores; no single-copy (CMA) shared memory, which
# containers often forbid (ptrace); -q: no launcher banners, so rgflow's one line is all on stderr.
MPI_FLAGS="--allow-run-as-root --oversubscribe -q --mca btl_vader_single_copy_mechanism none"
export OMPI_MCA_rmaps_base_oversubscribe=1
# Each test's mpiruns keep their session directory in the test's own work folder: OpenMPI 4.1's
# shared /tmp/ompi.<host>.<uid> is created and removed by every mpirun, and two tests running at
# once (ctest -j) race on it ("ORTE_ERROR_LOG: Error in file … session_dir.c").
mkdir -p "$WORK/ompi"
export OMPI_MCA_orte_tmpdir_base="$WORK/ompi"
# h5_contents.py (the HDF5 comparisons' one helper) for the tests' Python snippets.
export PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"

# mpi_run NP COMMAND...: the command on NP ranks, killed after 120 s (a hung rank fails the test).
mpi_run() {
  local np="$1"
  shift
  timeout -k 5 120 "$MPIRUN" $MPI_FLAGS -np "$np" "$@"
}

# rgflow_lines FILE: FILE.rgflow, its lines other than mpirun's libevent noise (below).
rgflow_lines() { grep -v '^\[warn\] Epoll ' "$1" >"$1.rgflow" || true; }
# mpi_no_stderr FILE: nothing on stderr but that noise.
mpi_no_stderr() {
  rgflow_lines "$1"
  [[ ! -s "$1.rgflow" ]] || fail "unexpected output on stderr: $(cat "$1")"
}

# mpi_one_line FILE PREFIX NEEDLE: FILE holds exactly one line, starting with PREFIX and naming
# NEEDLE. Lines "[warn] Epoll ... Bad file descriptor" are dropped first: mpirun's own libevent
# sometimes prints them when ranks end while it forwards their output (OpenMPI 4.1), not rgflow.
mpi_one_line() {
  rgflow_lines "$1"
  [[ "$(wc -l <"$1.rgflow")" == 1 ]] || fail "expected one line on stderr, got: $(cat "$1")"
  grep -q "^$2" "$1.rgflow" || fail "stderr does not start with '$2': $(cat "$1")"
  grep -qF -- "$3" "$1.rgflow" || fail "stderr does not name '$3': $(cat "$1")"
}

# make_small_model: data.csv (200 rows of 16 binary units) and model.h5 (16 x 12, 2 epochs of CD),
# the inputs the MPI tests share.
make_small_model() {
  make_binary_csv data.csv 200 7
  "$RGFLOW" rbm train data.csv --hidden 12 --epochs 2 --seed 1 -q -o model.h5 >/dev/null 2>train.err
}

# same_json A B: equal after dropping the wall-clock timings ("time") and the output path
# ("output", which names each run's own file).
same_json() {
  python3 - "$1" "$2" <<'EOF' || fail "$1 and $2 differ: $(cat "$1") vs $(cat "$2")"
import json, sys
def drop(j):
    if isinstance(j, dict):
        return {k: drop(v) for k, v in j.items() if k not in ("time", "output")}
    return j
a, b = (drop(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
EOF
}

# The ranks of the mpirun with process id $1 (its rgflow children), one per line.
ranks_of() { pgrep -P "$1" -x rgflow || true; }

# start_mpi_job NAME NP COMMAND...: COMMAND on NP ranks in the background (stdout NAME.out,
# stderr NAME.err); sets JOB (mpirun's pid) and RANKS once every rank has installed its SIGINT
# handler (the computation has started).
start_mpi_job() {
  local name="$1" np="$2"
  shift 2
  "$MPIRUN" $MPI_FLAGS -np "$np" "$@" >"$name.out" 2>"$name.err" &
  JOB=$!
  local tries=0
  RANKS=()
  while ((tries < 600)); do
    mapfile -t RANKS < <(ranks_of "$JOB")
    if ((${#RANKS[@]} == np)); then
      local ready=1
      for p in "${RANKS[@]}"; do
        wait_for_sigint_handler "$p" || ready=0
      done
      ((ready)) && return 0
    fi
    kill -0 "$JOB" 2>/dev/null || fail "$name: mpirun ended early: $(cat "$name.err")"
    sleep 0.1
    tries=$((tries + 1))
  done
  fail "$name: the $np ranks did not start within 60 s"
}

# end_job NAME: waits at most 30 s for mpirun to end; sets STATUS; fails on a leftover rank.
end_job() {
  wait_ended "$JOB" "$1" "${RANKS[@]}"
  STATUS=0
  wait "$JOB" || STATUS=$?
  # A rank that ended may linger as a zombie until init reaps it (mpirun, its parent, is gone):
  # only a rank in any other state is still running.
  local p state tries
  for p in "${RANKS[@]}"; do
    tries=0
    while state=$(ps -o stat= -p "$p" 2>/dev/null) && [[ -n "$state" && "$state" != Z* ]]; do
      if ((tries >= 50)); then
        kill -KILL "$p" 2>/dev/null || true
        fail "$1: rank process $p still running ($state) 5 s after mpirun ended"
      fi
      sleep 0.1
      tries=$((tries + 1))
    done
  done
  [[ ! -s "$1.out" ]] || fail "$1: printed on stdout: $(cat "$1.out")"
}

# mpi_same_outputs A B KEYS: the runs' model files A.h5 and B.h5 hold the same datasets and
# attributes (apart from the command line, which names the output; at least one dataset named
# *weights) and their JSON A.json and B.json the same values apart from the members named in KEYS
# (comma-separated: timings, output names, traffic), at any depth.
mpi_same_outputs() {
  "$PY_H5" - "$1" "$2" "$3" <<'EOF' || fail "$1 and $2 differ"
import json, sys
import h5py, numpy as np
a, b, keys = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
def drop(j):
    if isinstance(j, dict):
        return {k: drop(v) for k, v in j.items() if k not in keys}
    if isinstance(j, list):
        return [drop(v) for v in j]
    return j
ja, jb = (drop(json.load(open(f"{p}.json"))) for p in (a, b))
if ja != jb:
    sys.exit(f"JSON differs: {ja} vs {jb}")
from h5_contents import contents, differences
ia, ib = contents(f"{a}.h5", ("command",)), contents(f"{b}.h5", ("command",))
diff = differences(ia, ib)
if diff:
    sys.exit(f"model files differ in {diff}")
if not any(k.endswith("weights") for k in ia):
    sys.exit("no weights in the model file")
EOF
}
