# rgflow ising under mpirun (label mpi; docs/scaling.md): `ising sample` (one point with several
# chain groups, a temperature scan with files and plots, Wolff chains) and `ising mcrg` (sampled
# here, and from a file) on 2 and 3 ranks print the one-process JSON bit for bit and write the same
# files: HDF5 datasets and every attribute equal (compared with h5py when present; the bytes differ
# only by libhdf5's object timestamps), PNG plots byte for byte; only rank 0 prints. Bad input:
# one line, exit 2, no file.
# Usage: bash test_mpi_ising.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

"$RGFLOW" ising sample -L 8 -T 2.3 -n 200 --chains 100 --thermalize 20 --seed 2 -q -o data.h5 >/dev/null

# same_h5 A B: the same datasets and attributes (h5py), else the same observables (rgflow).
same_h5() {
  if [[ -n "$PY_H5" ]]; then
    "$PY_H5" - "$1" "$2" <<'EOF' || fail "$1 and $2 differ"
import sys
from h5_contents import contents as dump
sys.exit(0 if dump(sys.argv[1]) == dump(sys.argv[2]) else 1)
EOF
  else
    cmp -s <("$RGFLOW" ising observe "$1" --json) <("$RGFLOW" ising observe "$2" --json) || fail "$1 and $2 differ"
  fi
}

# NAME|ARGS: the scan's 6 points go 3 + 3 over 2 ranks and 2 + 2 + 2 over 3; the single point
# has 3 groups of 64 chains (2 + 1, 1 + 1 + 1); Wolff: 5 chains, one per unit.
runs=(
  "point|ising sample -L 8 -T 2.3 -n 300 --chains 150 --thermalize 20 --seed 3 -o point.h5 --json"
  "scan|ising sample -L 6,8 -T 2.1:2.5:3 -n 128 --thermalize 20 --seed 4 -o scan.h5 --plot scan --json"
  "wolff|ising sample -L 8 -T 2.2 -n 101 --algorithm wolff --chains 5 --thermalize 20 --seed 5 -o wolff.h5 --json"
  "mcrg|ising mcrg -L 16 -T 2.269 -n 300 --chains 5 --levels 2 --thermalize 20 --seed 6 --json"
  "mcrg-file|ising mcrg ../data.h5 --levels 1 --seed 7 --json"
)
for entry in "${runs[@]}"; do
  name="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  for np in 1 2 3; do
    mkdir -p "$name.$np"
    (cd "$name.$np" && if [[ $np == 1 ]]; then
      OMP_NUM_THREADS=1 "$RGFLOW" "${args[@]}" >out.json
    else
      OMP_NUM_THREADS=1 mpi_run "$np" "$RGFLOW" "${args[@]}" >out.json 2>err.txt ||
        fail "$name on $np ranks: exit $? ($(cat err.txt))"
      mpi_no_stderr err.txt
      rm -f err.txt err.txt.rgflow
    fi)
  done
  for np in 2 3; do
    [[ "$(wc -l <"$name.$np/out.json")" == "$(wc -l <"$name.1/out.json")" ]] ||
      fail "$name on $np ranks: more than one rank printed"
    cmp -s "$name.1/out.json" "$name.$np/out.json" ||
      fail "$name: 1 and $np ranks print different JSON: $(cat "$name.1/out.json") vs $(cat "$name.$np/out.json")"
    [[ "$(ls "$name.1")" == "$(ls "$name.$np")" ]] || fail "$name: 1 and $np ranks wrote different files"
    for f in "$name.1"/*; do
      base="${f##*/}"
      case "$base" in
        *.h5) same_h5 "$f" "$name.$np/$base" ;;
        *.png) cmp -s "$f" "$name.$np/$base" || fail "$name: $base differs on $np ranks" ;;
      esac
    done
  done
  echo "ok: $name bit-identical on 1, 2, 3 ranks ($(ls "$name.1" | wc -l) files)"
done
json_check scan.1/out.json 'len(j["points"]) == 6' "scan points"
[[ "$(ls scan.1/*.h5 | wc -l)" == 6 && "$(ls scan.1/*.png | wc -l)" == 5 ]] || fail "scan files: $(ls scan.1)"

# Bad input on every rank: the one line of one process, exit 2, no file.
status=0
mpi_run 3 "$RGFLOW" ising sample -L 8 -T 2.0:1.0:4 -n 10 -o bad.h5 >bad.out 2>bad.err || status=$?
[[ $status == 2 ]] || fail "bad input on 3 ranks: exit $status ($(cat bad.err))"
mpi_one_line bad.err 'rgflow: error: ' '--temperature'
[[ ! -s bad.out && ! -e bad.h5 && -z "$(ls bad_* 2>/dev/null)" ]] || fail "bad input on 3 ranks wrote something"
echo "ok: bad input -> $(cat bad.err)"
echo "PASS"
