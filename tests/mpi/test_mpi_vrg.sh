# `rgflow vrg run` under mpirun (label mpi; docs/scaling.md, docs/vrg.md "On several ranks"): the
# stages are spread over the ranks in waves and every file of OUTDIR is the one-process run's, byte
# for byte (stage records and run.json: all but their timings), on 2 and 3 ranks; the printed JSON
# is one document from rank 0; the stage cache of a 2-rank run is reused by 3 ranks; a bad input on
# one rank (MPMD) ends every rank with one line naming it, exit 2, and no output directory; so do
# different options on the ranks; SIGINT to the ranks ends every rank with exit 130 and one line.
# Usage: bash test_mpi_vrg.sh PATH_TO_rgflow MPIRUN WITH_MPI   (exit 77: skipped)
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../cli/common.sh" "$1"
source "$HERE/mpi_common.sh" "${2:-}" "${3:-OFF}"

# The smallest configuration with every stage kind (29 stages): L = 8, a 64-16 DBN.
cat >tiny.toml <<'TOML'
seed = 5
[data]
size = 8
samples = 400
pilot_samples = 200
thermalize = 50
[model]
epochs = 2
[measure]
rows = 200
ais_chains = 8
ais_betas = 100
permutations = 10
[rsmi]
buffer = 1
environment = 1
batch_size = 32
epochs = 2
critic_epochs = 2
TOML

have_h5py "the HDF5 files are compared with h5py" || exit 77

# same_outdir A B: every file of A is in B with the same bytes, and B has no other (stage records
# and run.json compared without their time stamps and durations; HDF5 files by their contents,
# every dataset and attribute: equal contents leave a few bytes of the layout free).
same_outdir() {
  "$PY_H5" - "$1" "$2" <<'PY' || fail "$1 and $2 differ"
import json, os, sys
from h5_contents import contents as h5
def files(d):
    out = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, d)
            data = open(p, "rb").read()
            if rel.endswith(".h5"):
                data = h5(p)
            elif rel.startswith("stages/"):
                j = json.loads(data)
                data = json.dumps({k: j[k] for k in ("stage", "params", "outputs", "results", "gemm")}, sort_keys=True)
            elif rel == "run.json":
                j = json.loads(data)
                data = json.dumps({k: j[k] for k in ("ran", "skipped")})
            out[rel] = data
    return out
a, b = (files(d) for d in sys.argv[1:3])
if sorted(a) != sorted(b):
    sys.exit(f"file lists differ: {sorted(set(a) ^ set(b))}")
diff = [k for k in a if a[k] != b[k]]
if diff:
    sys.exit(f"files differ: {diff}")
PY
}
# The --json document without the paths that name each run's directory.
strip_paths() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); [j.pop(k) for k in ("outdir","summary","report")]; print(json.dumps(j, sort_keys=True))' "$1"
}

"$RGFLOW" vrg run --config tiny.toml -o out1 --no-figures --threads 1 -q --json >run1.json 2>run1.err ||
  fail "serial run: $(cat run1.err)"
json_check run1.json 'len(j["ran"]) == 29 and j["skipped"] == []' "the serial run computes every stage"
for np in 2 3; do
  mpi_run "$np" "$RGFLOW" vrg run --config tiny.toml -o "out$np" --no-figures --threads 1 -q --json \
    >"run$np.json" 2>"run$np.err" || fail "$np ranks: exit $? ($(cat "run$np.err"))"
  mpi_no_stderr "run$np.err"
  # One JSON document: a second rank printing would append a second one (json.load refuses).
  json_check "run$np.json" "isinstance(j, dict)" "$np ranks: more than one rank printed"
  [[ "$(strip_paths run1.json)" == "$(strip_paths "run$np.json")" ]] || fail "$np ranks: JSON differs"
  same_outdir out1 "out$np"
  echo "ok: vrg run on $np ranks is the serial run, file for file"
done

# The stage cache is shared across rank counts: 3 ranks reuse the 2-rank run's every stage, and
# the progress lines (rank 0 only) say so.
mpi_run 3 "$RGFLOW" vrg run --config tiny.toml -o out2 --no-figures --threads 1 --json >again.json 2>again.err ||
  fail "rerun on 3 ranks: $(cat again.err)"
json_check again.json 'j["ran"] == [] and len(j["skipped"]) == 29' "3 ranks reuse the 2-rank cache"
[[ "$(grep -c 'skipped (finished earlier' again.err)" == 29 ]] || fail "progress lines: $(cat again.err)"
rm out1/run.json out2/run.json  # each records its own invocation
same_outdir out1 out2
echo "ok: 3 ranks reuse the cache of 2"

# Rank 1 is given a missing config (MPMD syntax): exit 2, one line naming it, nothing written.
status=0
timeout -k 5 60 "$MPIRUN" $MPI_FLAGS -np 1 "$RGFLOW" vrg run --config tiny.toml -o bad -q : \
  -np 1 "$RGFLOW" vrg run --config missing.toml -o bad -q >bad.out 2>bad.err || status=$?
[[ $status == 2 ]] || fail "a bad input on one rank: exit $status, expected 2 ($(cat bad.err))"
mpi_one_line bad.err 'rgflow: error: ' missing.toml
[[ ! -e bad && ! -s bad.out ]] || fail "a bad input on one rank: wrote output"
echo "ok: a bad input on one rank -> $(cat bad.err)"

# Ranks started with different options (here the seed) refuse together before writing anything.
status=0
timeout -k 5 60 "$MPIRUN" $MPI_FLAGS -np 1 "$RGFLOW" vrg run --config tiny.toml -o bad -q : \
  -np 1 "$RGFLOW" vrg run --config tiny.toml --seed 9 -o bad -q >bad2.out 2>bad2.err || status=$?
[[ $status == 2 ]] || fail "different options: exit $status, expected 2 ($(cat bad2.err))"
mpi_one_line bad2.err 'rgflow: error: ' 'another configuration'
[[ ! -e bad && ! -s bad2.out ]] || fail "different options: wrote output"
echo "ok: different options on the ranks -> $(cat bad2.err)"

# Ctrl-C as srun delivers it (SIGINT to every rank) during the models' wave (3000 epochs): every
# rank ends within seconds, exit 130, one line from rank 0, nothing on stdout, only complete stages.
sed 's/^epochs = 2$/epochs = 3000/' tiny.toml >long.toml
start_mpi_job int 2 "$RGFLOW" vrg run --config long.toml -o int --no-figures --threads 1 -q
sleep 1
kill -INT "${RANKS[@]}" 2>/dev/null || true
end_job int
[[ $STATUS == 130 ]] || fail "SIGINT to the ranks: exit $STATUS, expected 130 ($(cat int.err))"
mpi_one_line int.err 'rgflow: interrupted' 'finished stages are kept in int'
[[ ! -e int/summary.json ]] || fail "SIGINT to the ranks: a report was written"
python3 - <<'PY' || fail "SIGINT to the ranks: an incomplete stage is recorded"
import glob, json, os
for p in glob.glob("int/stages/*.json"):
    for out in json.load(open(p))["outputs"]:
        assert os.path.exists(os.path.join("int", out)), (p, out)
PY
echo "ok: SIGINT to the ranks -> exit 130, $(cat int.err)"
echo "PASS"
