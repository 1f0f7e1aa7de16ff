# rgflow under mpirun, stopped from outside (label mpi; docs/scaling.md): Ctrl-C (SIGINT) to
# mpirun during a distributed AIS run of hours (and to the ranks of a distributed training run) ends every rank within seconds with exit 130, the
# one line "rgflow: interrupted" and nothing on stdout; SIGKILL of one rank ends the whole job
# (mpirun tears the others down) with a failure status and nothing on stdout. In both cases no
# rgflow process is left running.
# Usage: bash test_mpi_interrupt.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

make_small_model

# start_job NAME: the 3-rank job `job` (default: an AIS over 10^7 temperatures, hours) in the
# background (mpi_common.sh, start_mpi_job).
job=(rbm logz model.h5 --method ais --data data.csv --betas 10000000 --chains 100 --threads 1 --json)
start_job() {
  start_mpi_job "$1" 3 "$RGFLOW" "${job[@]}"
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

# Data-parallel training (hours of epochs, checkpoints every epoch): SIGINT to the ranks, then
# SIGKILL of a rank. Neither leaves a model file; a checkpoint, when one exists, is a complete one
# (written atomically by rank 0 after a finished epoch).
job=(rbm train data.csv --hidden 12 --shards 3 --epochs 10000000 --threads 1 -q -o trained.h5
     --checkpoint-every 1 --checkpoint-file ck.h5)
start_job train-int
sleep 0.5
kill -INT "${RANKS[@]}" 2>/dev/null || true
end_job train-int
[[ $STATUS == 130 ]] || fail "SIGINT to training ranks: exit $STATUS, expected 130 ($(cat train-int.err))"
mpi_one_line train-int.err 'rgflow: interrupted' 'interrupted'
[[ ! -e trained.h5 ]] || fail "SIGINT to training ranks: wrote the model"
if [[ -e ck.h5 ]]; then "$RGFLOW" rbm logz ck.h5 --method exact >/dev/null || fail "ck.h5 is not a model"; fi
echo "ok: SIGINT to training ranks -> exit $STATUS, $(cat train-int.err)"
start_job train-kill
sleep 0.5
kill -KILL "${RANKS[2]}"
end_job train-kill
[[ $STATUS != 0 ]] || fail "SIGKILL of a training rank: mpirun exited 0"
[[ ! -e trained.h5 ]] || fail "SIGKILL of a training rank: wrote the model"
echo "ok: SIGKILL of a training rank -> exit $STATUS, no rank left, no model"
echo "PASS"
