# `rgflow rbm sample` under mpirun (label mpi; docs/scaling.md): block Gibbs (groups of 25 chains
# over the ranks) and parallel tempering (the ladder split over the ranks, swaps across them) on
# 2 and 3 ranks (uneven splits) write the one-process samples bit for bit (the PNG mosaic byte for
# byte, the HDF5 /data array when h5py is present) and print its JSON (timings aside, swap
# acceptances included); only rank 0 writes and prints; a bad input on one rank ends every rank with
# one line and exit 2; more ranks than PT replicas is refused with one line naming --replicas;
# SIGINT to the ranks of a PT run ends them all with exit 130 and one line.
# Usage: bash test_mpi_sample.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

make_small_model

# same_h5_data A B: the /data arrays are equal bit for bit (skipped without h5py).
same_h5_data() {
  have_h5py "HDF5 comparison of $1 and $2" || return 0
  "$PY_H5" - "$1" "$2" <<'EOF' || fail "$1 and $2: /data differs"
import h5py, sys
a, b = (h5py.File(p, "r")["data"][()] for p in sys.argv[1:3])
sys.exit(0 if a.shape == b.shape and a.tobytes() == b.tobytes() else 1)
EOF
}

# 70 chains: Gibbs groups of 25 → 2 + 1 on 2 ranks, 1 + 1 + 1 on 3. PT: 10 replicas → blocks of
# 5 + 5 and 3 + 3 + 4; a wide ladder so that swaps are both accepted and rejected.
runs=(
  "gibbs|rbm sample model.h5 --samples 70 --gibbs-steps 60 --seed 3 --json"
  "pt|rbm sample model.h5 --method pt --replicas 10 --pt-beta-min 0.05 --samples 30 --gibbs-steps 60 --seed 4 --json"
)
for entry in "${runs[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  for ext in png h5; do
    OMP_NUM_THREADS=1 "$RGFLOW" "${args[@]}" -o "$name.1.$ext" >"$name.1.$ext.json"
    for np in 2 3; do
      OMP_NUM_THREADS=1 mpi_run "$np" "$RGFLOW" "${args[@]}" -o "$name.$np.$ext" \
        >"$name.$np.$ext.json" 2>"$name.$np.$ext.err" ||
        fail "$name on $np ranks: exit $? ($(cat "$name.$np.$ext.err"))"
      mpi_no_stderr "$name.$np.$ext.err"
      [[ "$(wc -l <"$name.$np.$ext.json")" == "$(wc -l <"$name.1.$ext.json")" ]] ||
        fail "$name on $np ranks: more than one rank printed"
      same_json "$name.1.$ext.json" "$name.$np.$ext.json"
      if [[ $ext == png ]]; then
        cmp -s "$name.1.png" "$name.$np.png" || fail "$name on $np ranks: the mosaic differs"
      else
        same_h5_data "$name.1.h5" "$name.$np.h5"
      fi
    done
  done
  echo "ok: $name bit-identical on 1, 2, 3 ranks"
done
json_check pt.3.h5.json 'len(j["pt_swap_acceptance"]) == 9' "PT swap pairs"
json_check pt.3.h5.json 'all(0 < a < 1 for a in j["pt_swap_acceptance"])' "PT swaps accepted and rejected"
json_check gibbs.2.h5.json 'j["samples"] == 70' "Gibbs samples"

# One rank fails (rank 1 is given a missing model, MPMD syntax) while rank 0 samples: every rank
# ends, exit 2, one line naming the file, nothing written, nothing on stdout.
for method in gibbs pt; do
  status=0
  timeout -k 5 60 "$MPIRUN" $MPI_FLAGS \
    -np 1 "$RGFLOW" rbm sample model.h5 --method "$method" --replicas 4 --samples 50 --gibbs-steps 100000000 -o fail.h5 : \
    -np 1 "$RGFLOW" rbm sample missing.h5 --method "$method" --replicas 4 --samples 50 --gibbs-steps 100000000 -o fail.h5 \
    >fail.out 2>fail.err || status=$?
  [[ $status == 2 ]] || fail "$method, a failing rank: exit $status, expected 2 ($(cat fail.err))"
  mpi_one_line fail.err 'rgflow: error: ' missing.h5
  [[ ! -s fail.out ]] || fail "$method, a failing rank: something printed on stdout: $(cat fail.out)"
  [[ ! -e fail.h5 ]] || fail "$method, a failing rank: fail.h5 written"
  echo "ok: $method, a bad input on one rank -> $(cat fail.err)"
done

# More ranks than PT replicas: refused on every rank with one line.
status=0
mpi_run 3 "$RGFLOW" rbm sample model.h5 --method pt --replicas 2 -o few.h5 >few.out 2>few.err || status=$?
[[ $status == 2 ]] || fail "3 ranks, 2 replicas: exit $status ($(cat few.err))"
mpi_one_line few.err 'rgflow: error: ' '--replicas 2'
[[ ! -e few.h5 ]] || fail "3 ranks, 2 replicas: few.h5 written"
echo "ok: refused -> $(cat few.err)"

# Ctrl-C as srun forwards it, during a PT run of hours on 3 ranks (the ranks agree to stop at the
# same step between their exchange rounds): SIGINT to rank 1, then to the others; exit 130, the
# one line, nothing written, no rank left (mpi_common.sh, end_job).
start_mpi_job pt-int 3 "$RGFLOW" rbm sample model.h5 --method pt --replicas 10 --samples 50 \
  --gibbs-steps 100000000 -o int.h5 --json
kill -INT "${RANKS[1]}"
sleep 0.2
kill -INT "${RANKS[0]}" "${RANKS[2]}" 2>/dev/null || true
end_job pt-int
[[ $STATUS == 130 ]] || fail "SIGINT to the PT ranks: exit $STATUS, expected 130 ($(cat pt-int.err))"
mpi_one_line pt-int.err 'rgflow: interrupted' 'interrupted'
[[ ! -e int.h5 ]] || fail "SIGINT to the PT ranks: int.h5 written"
echo "ok: SIGINT to the PT ranks -> exit $STATUS, $(cat pt-int.err)"
echo "PASS"
