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

# start_job NAME: a 3-rank AIS over 10^7 temperatures (hours) in the background (mpi_common.sh,
# start_mpi_job).
start_job() {
  start_mpi_job "$1" 3 "$RGFLOW" rbm logz model.h5 --method ais --data data.csv \
    --betas 10000000 --chains 100 --threads 1 --json
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
