# rgflow --version: the version line, then the build options and the threads a run would use
# (issue #21).
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" --version >v.txt
head -1 v.txt | grep -Eq '^rgflow [0-9]+\.[0-9]+\.[0-9]+$' || fail "first line: $(head -1 v.txt)"
grep -Eq '^build: [A-Za-z]+, (GNU|Clang) [0-9.]+, ' v.txt || fail "no build line: $(cat v.txt)"
# The MPI line tells the truth about the build (RGFLOW_WITH_MPI, set by tests/CMakeLists.txt).
if [[ "${RGFLOW_WITH_MPI:-OFF}" == "ON" ]]; then
  grep -Eq '^MPI: yes \(.*MPI' v.txt || fail "MPI build without an MPI line: $(cat v.txt)"
else
  grep -q '^MPI: no ' v.txt || fail "no MPI line: $(cat v.txt)"
  # Started by mpirun as one of several processes, a build without MPI refuses (instead of every
  # copy running the whole job): exit 2, one line.
  status=0
  OMPI_COMM_WORLD_SIZE=2 "$RGFLOW" rbm logz missing.h5 >launched.out 2>launched.err || status=$?
  [[ $status == 2 ]] || fail "launched without MPI: exit $status ($(cat launched.err))"
  [[ "$(wc -l <launched.err)" == 1 ]] && grep -q 'built without MPI' launched.err ||
    fail "launched without MPI: $(cat launched.err)"
fi
grep -Eq '^Python module: (built with this binary|not built)' v.txt || fail "no Python line: $(cat v.txt)"
OMP_NUM_THREADS=3 "$RGFLOW" --version | grep -q '^OpenMP threads: 3 ' || fail "OpenMP threads do not follow OMP_NUM_THREADS"
OMP_NUM_THREADS=1 "$RGFLOW" --version | grep -q '^OpenMP threads: 1 ' || fail "OpenMP threads do not follow OMP_NUM_THREADS"
echo "PASS"
