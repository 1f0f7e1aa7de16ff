# rgflow under mpirun (label mpi; docs/scaling.md): `rbm logz` / `rbm loglik` with AIS, reverse
# AIS and exact enumeration on 2 and 3 ranks (uneven splits) print the serial run's JSON bit for bit
# (timings aside); only rank 0 prints; a bad input on one rank ends every rank with one message and
# exit 2; a command that does not run distributed is refused the same way.
# Usage: bash test_mpi_cli.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

make_small_model

# 70 chains in batches of 25: 3 batches, 2 + 1 on 2 ranks, 1 + 1 + 1 on 3.
runs=(
  "ais|rbm logz model.h5 --method ais --data data.csv --betas 300 --chains 70 --seed 3 --json"
  "ais-uniform|rbm logz model.h5 --method ais --betas 300 --chains 70 --seed 4 --json"
  "reverse-ais|rbm logz model.h5 --method reverse-ais --data data.csv --betas 300 --chains 70 --seed 5 --json"
  "exact|rbm logz model.h5 --method exact --json"
  "tap2|rbm logz model.h5 --method tap2 --data data.csv --json"
  "loglik-ais|rbm loglik model.h5 data.csv --method ais --betas 300 --chains 70 --seed 6 --json"
)
for entry in "${runs[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  "$RGFLOW" "${args[@]}" --threads 1 >"$name.1.json"
  for np in 2 3; do
    mpi_run "$np" "$RGFLOW" "${args[@]}" --threads 1 >"$name.$np.json" 2>"$name.$np.err" ||
      fail "$name on $np ranks: exit $? ($(cat "$name.$np.err"))"
    mpi_no_stderr "$name.$np.err"
    [[ "$(wc -l <"$name.$np.json")" == "$(wc -l <"$name.1.json")" ]] ||
      fail "$name on $np ranks: more than one rank printed ($(wc -l <"$name.$np.json") lines)"
    same_json "$name.1.json" "$name.$np.json"
  done
  echo "ok: $name bit-identical on 1, 2, 3 ranks"
done
json_check ais.2.json 'j["details"]["chains"] == 70' "AIS chains"

# One rank fails (rank 1 is given a missing model, MPMD syntax) while rank 0 starts its AIS: every
# rank ends, exit 2, one line naming the file, nothing on stdout.
status=0
timeout -k 5 60 "$MPIRUN" $MPI_FLAGS -np 1 "$RGFLOW" rbm logz model.h5 --method ais --betas 3000000 --chains 50 --json : \
  -np 1 "$RGFLOW" rbm logz missing.h5 --method ais --betas 3000000 --chains 50 --json \
  >fail.out 2>fail.err || status=$?
[[ $status == 2 ]] || fail "a failing rank: exit $status, expected 2 ($(cat fail.err))"
mpi_one_line fail.err 'rgflow: error: ' missing.h5
[[ ! -s fail.out ]] || fail "a failing rank: something printed on stdout: $(cat fail.out)"
echo "ok: a bad input on one rank -> $(cat fail.err)"

# Bad input on every rank: the same single line as one process.
status=0
mpi_run 2 "$RGFLOW" rbm logz missing.h5 --json >bad.out 2>bad.err || status=$?
[[ $status == 2 ]] || fail "bad input on 2 ranks: exit $status ($(cat bad.err))"
mpi_one_line bad.err 'rgflow: error: ' missing.h5
# A command that does not run distributed yet.
status=0
"$RGFLOW" ising sample -L 8 -T 2.3 -n 2 -q -o spins.h5 >/dev/null
mpi_run 2 "$RGFLOW" ising block spins.h5 -o blocked.h5 >ising.out 2>ising.err || status=$?
[[ $status == 2 ]] || fail "ising block on 2 ranks: exit $status ($(cat ising.err))"
mpi_one_line ising.err 'rgflow: error: ' 'does not run distributed'
[[ ! -e blocked.h5 ]] || fail "ising block on 2 ranks wrote blocked.h5"
echo "ok: refused -> $(cat ising.err)"
echo "PASS"
