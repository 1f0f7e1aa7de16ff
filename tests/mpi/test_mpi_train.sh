# Data-parallel `rgflow rbm train` under mpirun (label mpi; docs/scaling.md): with --shards S the
# mini-batches' row shards are spread over the ranks and the model file (every dataset and
# attribute) and the JSON report (timings aside) are the serial run's, bit for bit, on 2 and 3
# ranks (uneven splits) — CD, PCD with the default (centred) options and its quality gate, hidden-
# state PCD with Adam, parallel tempering (an adaptive ladder; more replicas than ranks or not, the
# chains' rows are what is split); a checkpoint written on 2 ranks resumes on 3 to the serial model
# (PCD and PT: the replicas, the ladder and the swap counters travel in it); only rank
# 0 writes and prints; without --shards, and with a bad input on one rank, every rank ends with one
# line and exit 2 and no file is written.
# Usage: bash test_mpi_train.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

have_h5py "the model files are compared with h5py" || exit 77
make_binary_csv data.csv 230 7

# same_run A B: the two runs' model files hold the same datasets and attributes (apart from the
# command line, which names the output) and their JSON the same values (apart from timings, the
# output's name and the traffic).
same_run() { mpi_same_outputs "$1" "$2" seconds,model,communication; }

runs=(
  "cd|--method cd --shards 4 --epochs 3 --learning-rate 0.1"
  "pcd-default|--shards 3 --epochs 3 --validation 0.2"
  "pcd-hidden-adam|--pcd-state hidden --optimizer adam --learning-rate 0.01 --shards 5 --epochs 2"
  "pt-adaptive|--method pt --replicas 4 --pt-beta-min 0.3 --pt-adaptive --steps 2 --shards 4 --epochs 2"
  "pt-12-replicas|--method pt --replicas 12 --pt-beta-min 0.1 --shards 3 --epochs 2 --validation 0.2"
)
for entry in "${runs[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  "$RGFLOW" rbm train data.csv --hidden 10 --seed 3 --batch-size 40 "${args[@]}" --threads 1 -q \
    --json -o "$name.1.h5" >"$name.1.json" 2>"$name.1.err" ||
    fail "$name: serial run failed: $(cat "$name.1.err")"
  for np in 2 3; do
    mpi_run "$np" "$RGFLOW" rbm train data.csv --hidden 10 --seed 3 --batch-size 40 "${args[@]}" \
      --threads 1 -q --json -o "$name.$np.h5" >"$name.$np.json" 2>"$name.$np.err" ||
      fail "$name on $np ranks: exit $? ($(cat "$name.$np.err"))"
    # One JSON document: a second rank printing would append a second one (json.load refuses).
    json_check "$name.$np.json" "isinstance(j, dict)" "$name on $np ranks: more than one rank printed"
    same_run "$name.1" "$name.$np"
    json_check "$name.$np.json" "j['communication']['ranks'] == $np and j['communication']['bytes_sent_per_update'] > 0" \
      "the traffic of $np ranks"
  done
  echo "ok: $name bit-identical on 1, 2, 3 ranks"
done

# A checkpoint written on 2 ranks, resumed on 3: the serial 4-epoch model (a constant learning
# rate: a schedule runs over the epoch total, which the resume raises).
"$RGFLOW" rbm train data.csv --hidden 10 --seed 5 --shards 4 --epochs 4 --lr-schedule constant --threads 1 -q \
  -o serial4.h5 >/dev/null 2>serial4.err || fail "serial 4 epochs: $(cat serial4.err)"
mpi_run 2 "$RGFLOW" rbm train data.csv --hidden 10 --seed 5 --shards 4 --epochs 2 --lr-schedule constant --threads 1 -q \
  --checkpoint-every 1 --checkpoint-file ck.h5 -o half.h5 >/dev/null 2>half.err ||
  fail "first half on 2 ranks: $(cat half.err)"
mpi_run 3 "$RGFLOW" rbm train data.csv --resume ck.h5 --epochs 4 --threads 1 -q -o resumed.h5 \
  >/dev/null 2>resumed.err || fail "resume on 3 ranks: $(cat resumed.err)"
"$PY_H5" - <<'EOF' || fail "the model resumed on 3 ranks is not the serial one"
import sys, h5py
with h5py.File("serial4.h5") as a, h5py.File("resumed.h5") as b:
    for k in ("rbm/weights", "rbm/visible_bias", "rbm/hidden_bias"):
        if a[k][()].tobytes() != b[k][()].tobytes():
            sys.exit(f"{k} differs")
EOF
echo "ok: a checkpoint from 2 ranks resumes on 3 to the serial model"

# The same for parallel tempering with an adaptive ladder.
pt=(--method pt --replicas 4 --pt-beta-min 0.3 --pt-adaptive --shards 4 --lr-schedule constant)
"$RGFLOW" rbm train data.csv --hidden 10 --seed 5 "${pt[@]}" --epochs 4 --threads 1 -q \
  -o pt-serial4.h5 >/dev/null 2>pt-serial4.err || fail "PT serial 4 epochs: $(cat pt-serial4.err)"
mpi_run 2 "$RGFLOW" rbm train data.csv --hidden 10 --seed 5 "${pt[@]}" --epochs 2 --threads 1 -q \
  --checkpoint-every 1 --checkpoint-file pt-ck.h5 -o pt-half.h5 >/dev/null 2>pt-half.err ||
  fail "PT first half on 2 ranks: $(cat pt-half.err)"
mpi_run 3 "$RGFLOW" rbm train data.csv --resume pt-ck.h5 --epochs 4 --threads 1 -q -o pt-resumed.h5 \
  >/dev/null 2>pt-resumed.err || fail "PT resume on 3 ranks: $(cat pt-resumed.err)"
"$PY_H5" - <<'EOF2' || fail "the PT model resumed on 3 ranks is not the serial one"
import sys, h5py
with h5py.File("pt-serial4.h5") as a, h5py.File("pt-resumed.h5") as b:
    for k in ("rbm/weights", "rbm/visible_bias", "rbm/hidden_bias"):
        if a[k][()].tobytes() != b[k][()].tobytes():
            sys.exit(f"{k} differs")
EOF2
echo "ok: a PT checkpoint from 2 ranks resumes on 3 to the serial model"

# Without --shards on 2 ranks: one line naming --shards, exit 2, no file.
status=0
mpi_run 2 "$RGFLOW" rbm train data.csv --hidden 10 --epochs 1 -q -o noshards.h5 >noshards.out \
  2>noshards.err || status=$?
[[ $status == 2 ]] || fail "no --shards on 2 ranks: exit $status, expected 2 ($(cat noshards.err))"
mpi_one_line noshards.err 'rgflow: error: ' '--shards'
[[ ! -e noshards.h5 && ! -s noshards.out ]] || fail "no --shards on 2 ranks: wrote output"
echo "ok: no --shards on 2 ranks -> $(cat noshards.err)"

# Rank 1 is given a missing data file (MPMD syntax) while rank 0 starts training: exit 2, one line
# naming the file, nothing written.
status=0
timeout -k 5 60 "$MPIRUN" $MPI_FLAGS -np 1 "$RGFLOW" rbm train data.csv --hidden 10 --epochs 100000 \
  --shards 2 -q -o fail.h5 : -np 1 "$RGFLOW" rbm train missing.csv --hidden 10 --epochs 100000 \
  --shards 2 -q -o fail.h5 >fail.out 2>fail.err || status=$?
[[ $status == 2 ]] || fail "a failing rank: exit $status, expected 2 ($(cat fail.err))"
mpi_one_line fail.err 'rgflow: error: ' missing.csv
[[ ! -e fail.h5 && ! -e fail.checkpoint.h5 && ! -s fail.out ]] || fail "a failing rank: wrote output"
echo "ok: a bad input on one rank -> $(cat fail.err)"
echo "PASS"
