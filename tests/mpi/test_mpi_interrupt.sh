# rgflow under mpirun, stopped from outside (label mpi; docs/scaling.md): Ctrl-C (SIGINT) to
# mpirun during a distributed AIS run of hours ends every rank within seconds with exit 130, the
# one line "rgflow: interrupted" and nothing on stdout; SIGKILL of one rank ends the whole job
# (mpirun tears the others down) with a failure status and nothing on stdout. In both cases no
# rgflow process is left running.
# Usage: bash test_mpi_interrupt.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

make_small_model

# The ranks of the mpirun with process id $1 (its rgflow children), one per line.
ranks_of() { pgrep -P "$1" -x rgflow || true; }

# start_job NAME: a 3-rank AIS over 10^7 temperatures (hours) in the background; sets JOB and
# RANKS once every rank has installed its SIGINT handler (the computation has started).
start_job() {
  "$MPIRUN" $MPI_FLAGS -np 3 "$RGFLOW" rbm logz model.h5 --method ais --data data.csv \
    --betas 10000000 --chains 100 --threads 1 --json >"$1.out" 2>"$1.err" &
  JOB=$!
  local tries=0
  RANKS=()
  while ((tries < 600)); do
    mapfile -t RANKS < <(ranks_of "$JOB")
    if ((${#RANKS[@]} == 3)); then
      local ready=1
      for p in "${RANKS[@]}"; do
        wait_for_sigint_handler "$p" || ready=0
      done
      ((ready)) && return 0
    fi
    kill -0 "$JOB" 2>/dev/null || fail "$1: mpirun ended early: $(cat "$1.err")"
    sleep 0.1
    tries=$((tries + 1))
  done
  fail "$1: the 3 ranks did not start within 60 s"
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

start_job sigint
sleep 1
kill -INT "$JOB"
end_job sigint
# OpenMPI's mpirun answers SIGINT by sending the ranks SIGCONT, then SIGTERM a second later (which
# rgflow treats as Ctrl-C: the ranks agree, rank 0 prints "rgflow: interrupted", each exits 130),
# then SIGKILL; mpirun itself then exits 1 (a forced termination), other launchers 130.
[[ $STATUS == 130 || $STATUS == 1 ]] || fail "SIGINT to mpirun: exit $STATUS, expected 130 or 1 ($(cat sigint.err))"
if [[ -s sigint.err ]]; then mpi_one_line sigint.err 'rgflow: interrupted' 'interrupted'; fi
echo "ok: SIGINT to mpirun -> exit $STATUS, stderr: $(cat sigint.err)"

# Slurm's srun forwards Ctrl-C to the tasks: SIGINT to the ranks themselves, here to rank 2 first
# (it tells the others) and to the rest a moment later. Exit 130 and the one line, from rgflow.
start_job ranks
kill -INT "${RANKS[2]}"
sleep 0.2
kill -INT "${RANKS[0]}" "${RANKS[1]}" 2>/dev/null || true
end_job ranks
[[ $STATUS == 130 ]] || fail "SIGINT to the ranks: exit $STATUS, expected 130 ($(cat ranks.err))"
mpi_one_line ranks.err 'rgflow: interrupted' 'interrupted'
echo "ok: SIGINT to the ranks -> exit $STATUS, $(cat ranks.err)"

start_job sigkill
sleep 1
kill -KILL "${RANKS[1]}"
end_job sigkill
[[ $STATUS != 0 ]] || fail "SIGKILL of a rank: mpirun exited 0"
echo "ok: SIGKILL of rank 1 -> exit $STATUS, no rank left, nothing printed"
echo "PASS"
