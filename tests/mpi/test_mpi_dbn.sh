# Data-parallel `rgflow dbn train` under mpirun (label mpi; docs/scaling.md): every layer's
# Trainer spreads its mini-batches' row shards (--shards, per layer) over the ranks, and the DBN
# file (every dataset and attribute but the command line) and the JSON report (timings aside) are
# the serial run's, bit for bit, on 2 and 3 ranks — three layers (PCD, PT, CD; propagated means and
# samples), with the per-layer quality gate and automatic stopping of the top layer; only rank 0
# writes and prints; without --shards on 2 ranks every rank ends with one line and exit 2 and no
# file is written.
# Usage: bash test_mpi_dbn.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

have_h5py "the DBN files are compared with h5py" || exit 77
make_binary_csv data.csv 200 7

# The DBN files (datasets and attributes, the command line aside) and the JSON (timings and the
# output's name aside) of two runs are the same.
same_dbn() { mpi_same_outputs "$1" "$2" seconds,output; }

runs=(
  "mean|--method pcd,pt,cd --shards 3,2,4 --epochs 2,2,auto --max-epochs 3 --patience 1 --validation 0.2"
  "sample|--method cd --shards 2 --epochs 2 --propagate sample"
)
for entry in "${runs[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  "$RGFLOW" dbn train data.csv --layers 16,10,8,6 --seed 3 --batch-size 40 "${args[@]}" -q --json \
    -o "$name.1.h5" >"$name.1.json" 2>"$name.1.err" || fail "$name: serial run failed: $(cat "$name.1.err")"
  for np in 2 3; do
    mpi_run "$np" "$RGFLOW" dbn train data.csv --layers 16,10,8,6 --seed 3 --batch-size 40 "${args[@]}" \
      -q --json -o "$name.$np.h5" >"$name.$np.json" 2>"$name.$np.err" ||
      fail "$name on $np ranks: exit $? ($(cat "$name.$np.err"))"
    json_check "$name.$np.json" "isinstance(j, dict)" "$name on $np ranks: more than one rank printed"
    same_dbn "$name.1" "$name.$np"
  done
  echo "ok: dbn train ($name) bit-identical on 1, 2, 3 ranks"
done

# Without --shards on 2 ranks: one line naming --shards, exit 2, no file.
status=0
mpi_run 2 "$RGFLOW" dbn train data.csv --layers 16,8 --epochs 1 -q -o noshards.h5 >noshards.out \
  2>noshards.err || status=$?
[[ $status == 2 ]] || fail "no --shards on 2 ranks: exit $status, expected 2 ($(cat noshards.err))"
mpi_one_line noshards.err 'rgflow: error: ' '--shards'
[[ ! -e noshards.h5 && ! -s noshards.out ]] || fail "no --shards on 2 ranks: wrote output"
echo "ok: no --shards on 2 ranks -> $(cat noshards.err)"
echo "PASS"
