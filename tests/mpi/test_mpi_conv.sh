# Data-parallel `rgflow conv train` under mpirun (label mpi; docs/scaling.md, conv/train.hpp): each
# mini-batch's (and PCD's chains') 16-row blocks are spread over the ranks, and the model file
# (every dataset and attribute but the command line) and the JSON report (but the output's name;
# swap acceptance included) are the serial run's, bit for bit, on 2 and 3 ranks — CD with SGD,
# PCD with the CLI defaults (centred), PCD-2 with Adam and Z2 symmetry, parallel tempering; a
# checkpoint written on 2 ranks resumes on 3 to the serial model; only rank 0 writes and prints. A
# bad input on one rank ends every rank with one line and exit 2, Ctrl-C reaching one rank ends
# both with exit 130 and one line; then no file is written.
# Usage: bash test_mpi_conv.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

have_h5py "the model files are compared with h5py" || exit 77
export OMP_NUM_THREADS=1  # the bits do not depend on it; two cores shared by up to three ranks
# 150 rows of 6x6 spins: batches of 40 are 3 blocks of 16 rows (the last batch 30 rows, 2 blocks).
"$RGFLOW" ising sample -L 6 -T 2.4 -n 150 --seed 3 -q -o ising6.h5 >/dev/null || fail "ising sample"

# same_model A B: A.h5 and B.h5 hold the same datasets and attributes (apart from the command
# line, which names the output), A.json and B.json the same values (apart from the output's name).
same_model() {
  "$PY_H5" - "$1" "$2" <<'EOF' || fail "$1 and $2 differ"
import json, sys
a, b = sys.argv[1:3]
ja, jb = ({k: v for k, v in json.load(open(f"{p}.json")).items() if k != "output"} for p in (a, b))
if ja != jb:
    sys.exit(f"JSON differs: {ja} vs {jb}")
from h5_contents import contents, differences
def dump(path):
    return contents(path, ("command",))
da, db = dump(f"{a}.h5"), dump(f"{b}.h5")
if da != db:
    sys.exit(f"model files differ in {differences(da, db)}")
if not any("kernel" in k for k in da):
    sys.exit(f"no kernels in the model file: {sorted(da)}")
EOF
}

common=(--conv kernel:3,channels:2 --batch-size 40 --chains 37 --seed 4 -q --json)
runs=(
  "cd|--method cd -k 2 --epochs 3"
  "pcd-default|--epochs 3"
  "pcd-adam-z2|-k 2 --optimizer adam --learning-rate 0.01 --symmetry z2 --epochs 2"
  "pt|--method pt --replicas 4 --epochs 2"
)
for entry in "${runs[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  "$RGFLOW" conv train ising6.h5 "${common[@]}" "${args[@]}" -o "$name.1.h5" >"$name.1.json" 2>"$name.1.err" ||
    fail "$name: serial run failed: $(cat "$name.1.err")"
  for np in 2 3; do
    mpi_run "$np" "$RGFLOW" conv train ising6.h5 "${common[@]}" "${args[@]}" -o "$name.$np.h5" \
      >"$name.$np.json" 2>"$name.$np.err" || fail "$name on $np ranks: exit $? ($(cat "$name.$np.err"))"
    [[ "$(wc -l <"$name.$np.json")" == "$(wc -l <"$name.1.json")" ]] ||
      fail "$name on $np ranks: more than one rank printed"
    same_model "$name.1" "$name.$np"
  done
  echo "ok: $name bit-identical on 1, 2, 3 ranks"
done

# A checkpoint written on 2 ranks, resumed on 3: the serial 4-epoch model (the default constant
# learning rate: a schedule would run over the epoch total, which the resume raises).
"$RGFLOW" conv train ising6.h5 "${common[@]}" --epochs 4 -o serial4.h5 >/dev/null \
  2>serial4.err || fail "serial 4 epochs: $(cat serial4.err)"
mpi_run 2 "$RGFLOW" conv train ising6.h5 "${common[@]}" --epochs 2 --checkpoint-every 1 \
  --checkpoint-file ck.h5 -o half.h5 >/dev/null 2>half.err || fail "first half on 2 ranks: $(cat half.err)"
mpi_run 3 "$RGFLOW" conv train ising6.h5 --resume ck.h5 --epochs 4 -q -o resumed.h5 >/dev/null \
  2>resumed.err || fail "resume on 3 ranks: $(cat resumed.err)"
"$PY_H5" - <<'EOF' || fail "the model resumed on 3 ranks is not the serial one"
import sys, h5py
with h5py.File("serial4.h5") as a, h5py.File("resumed.h5") as b:
    names = []
    a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    for k in names:
        if a[k][()].tobytes() != b[k][()].tobytes():
            sys.exit(f"{k} differs")
    if not names:
        sys.exit("no datasets")
EOF
echo "ok: a checkpoint from 2 ranks resumes on 3 to the serial model"

# Rank 1 is given a missing data file (MPMD syntax) while rank 0 starts training: exit 2, one line
# naming the file, nothing written.
status=0
timeout -k 5 60 "$MPIRUN" $MPI_FLAGS -np 1 "$RGFLOW" conv train ising6.h5 --epochs 100000 -q -o fail.h5 \
  --checkpoint-every 1 : -np 1 "$RGFLOW" conv train missing.h5 --epochs 100000 -q -o fail.h5 --checkpoint-every 1 \
  >fail.out 2>fail.err || status=$?
[[ $status == 2 ]] || fail "a failing rank: exit $status, expected 2 ($(cat fail.err))"
mpi_one_line fail.err 'rgflow: error: ' missing.h5
[[ ! -e fail.h5 && ! -e fail.checkpoint.h5 && ! -s fail.out ]] || fail "a failing rank: wrote output"
echo "ok: a bad input on one rank -> $(cat fail.err)"
# Ctrl-C reaching one rank only (as Slurm's srun forwards it to a task): that rank tells the other,
# both stop within seconds: exit 130, the one line "rgflow: interrupted", no file, nothing on stdout.
"$MPIRUN" $MPI_FLAGS -np 2 "$RGFLOW" conv train ising6.h5 --epochs 10000000 -q -o int.h5 >int.out 2>int.err &
job=$!
ranks=()
for ((tries = 0; tries < 600 && ${#ranks[@]} < 2; tries++)); do
  mapfile -t ranks < <(pgrep -P "$job" -x rgflow || true)
  ((${#ranks[@]} == 2)) || sleep 0.1
done
((${#ranks[@]} == 2)) || { kill -KILL "$job" 2>/dev/null; fail "interrupt: the 2 ranks did not start: $(cat int.err)"; }
for p in "${ranks[@]}"; do
  wait_for_sigint_handler "$p" || { kill -KILL "$job" 2>/dev/null; fail "interrupt: rank process $p set no handler"; }
done
kill -INT "${ranks[1]}"
wait_ended "$job" "interrupt" "${ranks[@]}"
status=0
wait "$job" || status=$?
[[ $status == 130 ]] || fail "SIGINT to one rank: exit $status, expected 130 ($(cat int.err))"
mpi_one_line int.err 'rgflow: interrupted' 'interrupted'
[[ ! -e int.h5 && ! -s int.out ]] || fail "SIGINT to one rank: wrote output"
echo "ok: SIGINT to one rank -> exit 130, $(cat int.err)"
echo "PASS"
