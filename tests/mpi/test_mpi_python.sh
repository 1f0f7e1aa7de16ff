# The Python module under mpirun with mpi4py (label mpi; docs/python.md "Under mpirun"): log Z by
# AIS, reverse AIS and exact enumeration and the log-likelihood with comm=MPI.COMM_WORLD (and a
# split of it) on 2 and 3 ranks equal each rank's serial call bit for bit, and one process's; a bad
# input, an inconsistent call, a failure and an interrupt on rank 1 raise on every rank without a
# hang (mpi_python_job.py runs the checks on each rank). docs/python.md's example script runs on 2
# ranks.
# Usage: bash test_mpi_python.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
# The package is BUILD/python next to BUILD/rgflow (RGFLOW_PYTHONPATH overrides).
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

PY=/usr/bin/python3  # Debian's: the one numpy, scikit-learn and python3-mpi4py belong to
PKG="${RGFLOW_PYTHONPATH:-$(dirname "$RGFLOW")/python}"
[[ -x "$PY" ]] || { echo "SKIP: no $PY"; exit 77; }
ls "$PKG"/rgflow/_core*.so >/dev/null 2>&1 || { echo "SKIP: the Python module is not built ($PKG)"; exit 77; }
"$PY" -c 'import mpi4py' 2>/dev/null || { echo "SKIP: mpi4py not installed (Debian: python3-mpi4py)"; exit 77; }
export PYTHONPATH="$PKG" OMP_NUM_THREADS=1
support="$("$PY" -c 'import rgflow; print(rgflow.distributed.comm_support()[1])')"
[[ -z "$support" ]] || fail "an MPI build with mpi4py installed, but comm= is unsupported: $support"

JOB="$HERE/mpi_python_job.py"
# job NP MODE: the job's checks on NP ranks (NP 0: one process without mpirun); every rank must
# report (in MODE.NP.RANK), the run must pass and end within mpi_run's timeout.
job() {
  local np="$1" mode="$2" status=0
  local run=("$PY" -W ignore::RuntimeWarning "$JOB" "$mode" "$mode.$np")
  if [[ "$np" == 0 ]]; then
    "${run[@]}" >"$mode.$np.out" 2>"$mode.$np.err" || status=$?
  else
    mpi_run "$np" "${run[@]}" >"$mode.$np.out" 2>"$mode.$np.err" || status=$?
  fi
  [[ $status == 0 ]] || fail "$mode on $np ranks: exit $status: $(cat "$mode.$np.out" "$mode.$np.err")"
  for ((r = 0; r < (np > 0 ? np : 1); ++r)); do
    grep -q "^rank $r: ok" "$mode.$np.$r" 2>/dev/null ||
      fail "$mode on $np ranks: rank $r did not report: $(cat "$mode.$np.out")"
    if grep -q "FAIL" "$mode.$np.$r"; then fail "$mode on $np ranks: $(cat "$mode.$np.$r")"; fi
    sed "s/^/  $mode, $np ranks: /" "$mode.$np.$r"
  done
}

# Bit-identical: each rank checks against its own serial call; the value is also the same as one
# process's without mpirun.
job 0 same
for np in 2 3; do
  job "$np" same
  one="$(cat same.0.0 | grep -o 'log Z by AIS [^)]*' | sort -u)"
  many="$(cat same.$np.* | grep -o 'log Z by AIS [^)]*' | sort -u)"
  [[ -n "$one" && "$one" == "$many" ]] || fail "log Z on $np ranks ($many) is not one process's ($one)"
done
echo "ok: log Z and log-likelihood with comm= bit-identical on 1, 2, 3 ranks and split communicators"

for np in 2 3; do job "$np" errors; done
echo "ok: a bad input, an inconsistent call, a failure and an interrupt on rank 1 raise on every rank"

# docs/python.md's example (the first python block of "Under mpirun") on 2 ranks.
"$PY" - "$HERE/../../docs/python.md" >logz_mpi.py <<'EOF' || fail "no example in docs/python.md"
import re, sys
text = open(sys.argv[1]).read()
start = text.index("## Under mpirun")
print(re.findall(r"```python\n(.*?)```", text[start:text.index("\n## ", start + 1)], flags=re.S)[0])
EOF
mpi_run 2 "$PY" -W ignore::RuntimeWarning logz_mpi.py >example.out 2>example.err ||
  fail "docs/python.md's example on 2 ranks: exit $? ($(cat example.out example.err))"
grep -q "^2 ranks: log Z = " example.out && grep -q "same bits as one process: True" example.out ||
  fail "docs/python.md's example on 2 ranks printed: $(cat example.out example.err)"
[[ "$(grep -c 'same bits' example.out)" == 1 ]] || fail "the example printed on more than rank 0"
echo "ok: docs/python.md's example on 2 ranks: $(head -1 example.out)"
