# rgflow rg rsmi | coarse-grain and ising mcrg --rule FILE: the JSON and HDF5 interfaces of
# issue #18, the uniform-filter RSMI file reproducing majority rule bit for bit (coarse-grain vs
# ising block, mcrg --rule FILE vs --rule majority), level-by-level iteration, 1D rings, Ctrl-C,
# and bad input (one line, exit 2, no output file).
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" ising sample -L 16 -T 2.269185314213 -n 1200 --algorithm wolff --chains 4 --seed 3 -q \
  -o ising.h5 >/dev/null

# A fixed filter: measured, written, and the interface keys present.
"$RGFLOW" rg rsmi ising.h5 --lattice 16 --block 2 --buffer 1 --environment 2 --filter 1,1,1,1 \
  --batch-size 64 --critic-epochs 3 --seed 4 -o uniform.h5 --json >uniform.json
json_check uniform.json 'j["filter"] == [[1.0, 1.0, 1.0, 1.0]] and j["learned"] is False' "given filter"
json_check uniform.json 'set(j["mutual_information"]) >= {"mean", "error"} and 0 < j["mutual_information"]["mean"] < 0.6932' \
  "mutual information of a bit, in nats"
json_check uniform.json 'j["mutual_information"]["error"] > 0 and j["environment_sites"] == 8 * 8 - 4 * 4' "error and geometry"
json_check uniform.json 'j["nonuniformity"] == [0.0] and j["training_curve"] == []' "uniform, no curve"

# Learning: a few epochs, the curve and the filter's shape.
"$RGFLOW" rg rsmi ising.h5 --block 2 --buffer 1 --environment 2 --epochs 3 --critic-epochs 2 \
  --batch-size 64 --seed 5 -o learned.h5 --json >learned.json
json_check learned.json 'len(j["filter"]) == 1 and len(j["filter"][0]) == 4 and j["learned"]' "learned filter"
json_check learned.json '[e["epoch"] for e in j["training_curve"]] == [1, 2, 3]' "training curve"
json_check learned.json 'abs(sum(w * w for w in j["filter"][0]) - 4.0) < 1e-9' "filter on its sphere (beta = 1)"
# Same seed, same bits (also with another thread count).
OMP_NUM_THREADS=1 "$RGFLOW" rg rsmi ising.h5 --block 2 --buffer 1 --environment 2 --epochs 3 --critic-epochs 2 \
  --batch-size 64 --seed 5 --json >again.json
python3 - learned.json again.json <<'PY' || fail "rg rsmi not reproducible"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("seconds", "output"):
    a.pop(k, None); b.pop(k, None)
assert a == b
PY
if have_h5py "RSMI file layout"; then
  "$PY_H5" - learned.h5 <<'PY' || fail "RSMI file layout"
import h5py, sys
g = h5py.File(sys.argv[1], "r")["/rsmi"]
assert g["filter"].shape == (1, 4) and g["training_curve"].shape == (3, 3)
assert g["filter_history"].shape == (3, 4) and g["environment_offsets"].shape == (48, 2)
for k in ("seed", "block", "buffer", "environment", "beta", "mutual_information_mean",
          "mutual_information_error", "format_version", "command", "bound"):
    assert k in g.attrs, k
assert int(g.attrs["learned"]) == 1 and int(g.attrs["lattice"]) == 16
PY
fi

# coarse-grain with the uniform filter = ising block --rule majority (same seed), bit for bit.
"$RGFLOW" rg coarse-grain uniform.h5 ising.h5 --seed 9 -o coarse.h5
"$RGFLOW" ising block ising.h5 --factor 2 --rule majority --seed 9 -o block.h5
"$RGFLOW" ising observe coarse.h5 --json >coarse_obs.json
"$RGFLOW" ising observe block.h5 --json >block_obs.json
python3 - coarse_obs.json block_obs.json <<'PY' || fail "coarse-grain with the uniform filter differs from majority rule"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a.pop("data"); b.pop("data")
assert a == b and a["L"] == 8, (a, b)
PY
if have_h5py "coarse-grained spins"; then
  "$PY_H5" - coarse.h5 block.h5 <<'PY' || fail "coarse-grained /spins"
import h5py, numpy as np, sys
a, b = (h5py.File(p, "r")["/spins"] for p in sys.argv[1:])
assert a.dtype == np.int8 and a.shape == (1200, 8, 8) and np.array_equal(a[()], b[()])
assert a.attrs["block_rule"] in ("rsmi", b"rsmi")
PY
fi
# ... iterable level by level: RSMI on the coarse lattice, coarse-grained again.
"$RGFLOW" rg rsmi coarse.h5 --block 2 --buffer 0 --environment 1 --filter 1,1,1,1 --batch-size 32 \
  --critic-epochs 1 -q -o level1.h5 >/dev/null
"$RGFLOW" rg coarse-grain level1.h5 coarse.h5 -o coarse2.h5
"$RGFLOW" ising observe coarse2.h5 --json >coarse2.json
json_check coarse2.json 'j["L"] == 4 and j["samples"] == 1200' "second level"

# MCRG with the uniform-filter file: today's majority-rule JSON, bit for bit.
"$RGFLOW" ising mcrg ising.h5 --levels 2 --json >maj.json
"$RGFLOW" ising mcrg ising.h5 --levels 2 --rule uniform.h5 --json >filt.json
json_check filt.json 'j["steps"] == json.load(open("maj.json"))["steps"]' "mcrg --rule uniform.h5 = majority"
json_check filt.json '[r["rule"] for r in j["rules"]] == ["rsmi", "rsmi"]' "rules per level"
"$RGFLOW" ising mcrg ising.h5 --levels 2 --rule decimation,uniform.h5 --json >mixed.json
json_check mixed.json '[r["rule"] for r in j["rules"]] == ["decimation", "rsmi"]' "a rule list"

# 1D rings (CSV rows of +-1).
awk 'BEGIN { s = 11; for (r = 0; r < 400; r++) { line = ""; for (c = 0; c < 12; c++) {
  s = (s * 1103515245 + 12345) % 2147483648; line = line (c ? "," : "") ((s / 2147483648 < 0.5) ? -1 : 1) }
  print line } }' >ring.csv
"$RGFLOW" rg rsmi ring.csv --chain --block 3 --buffer 1 --environment 1 --filter 1,0,0 --batch-size 32 \
  --critic-epochs 1 -o ring_rule.h5 --json >ring.json
json_check ring.json 'j["dimension"] == 1 and j["lattice"] == 12 and j["environment_sites"] == 2' "1D geometry"
# Independent random spins: no information, up to the estimate's error and bias.
json_check ring.json 'abs(j["mutual_information"]["mean"]) < 0.05' "no information in independent spins"
"$RGFLOW" rg coarse-grain ring_rule.h5 ring.csv -o ring_coarse.h5
if have_h5py "1D coarse-graining = decimation of every third site"; then
  "$PY_H5" - ring.csv ring_coarse.h5 <<'PY' || fail "1D coarse-graining"
import h5py, numpy as np, sys
x = np.loadtxt(sys.argv[1], delimiter=",")
y = h5py.File(sys.argv[2], "r")["/data"][()]
assert y.shape == (400, 4) and np.array_equal(y, x[:, ::3])
PY
fi

# Ctrl-C during learning: 130, one line, no output file.
"$RGFLOW" rg rsmi ising.h5 --block 2 --buffer 1 --environment 2 --epochs 100000 --batch-size 64 \
  -o never.h5 >int.out 2>int.err &
pid=$!
sleep 1.5
wait_for_sigint_handler "$pid" || fail "rg rsmi installed no SIGINT handler within 60 s"
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[[ $status -eq 130 ]] || fail "rg rsmi after SIGINT: status $status ($(cat int.err))"
grep -qx "rgflow: interrupted" int.err || fail "rg rsmi after SIGINT: $(cat int.err)"
[[ ! -e never.h5 ]] || fail "rg rsmi left an output after SIGINT"

# Bad input.
printf '1,0,2,1\n' >nonbinary.csv
expect_bad_input "missing data" out.h5 "nothing.h5" -- "$RGFLOW" rg rsmi nothing.h5 -o out.h5
expect_bad_input "non-binary data" out.h5 "nonbinary.csv" -- "$RGFLOW" rg rsmi nonbinary.csv --chain -o out.h5
expect_bad_input "block does not divide" out.h5 "--block" -- "$RGFLOW" rg rsmi ising.h5 --block 3 -o out.h5
expect_bad_input "environment wraps" out.h5 "exceeds the lattice size" -- "$RGFLOW" rg rsmi ising.h5 --environment 6 -o out.h5
expect_bad_input "filter size" out.h5 "--filter" -- "$RGFLOW" rg rsmi ising.h5 --filter 1,1,1 -o out.h5
expect_bad_input "filter NaN" out.h5 "--filter" -- "$RGFLOW" rg rsmi ising.h5 --filter 1,nan,1,1 -o out.h5
expect_bad_input "filter zero" out.h5 "all zero" -- "$RGFLOW" rg rsmi ising.h5 --filter 0,0,0,0 -o out.h5
expect_bad_input "beta" out.h5 "--beta" -- "$RGFLOW" rg rsmi ising.h5 --beta 0 -o out.h5
expect_bad_input "batch too large" out.h5 "ising.h5" -- "$RGFLOW" rg rsmi ising.h5 --batch-size 1000 -o out.h5
expect_bad_input "lattice mismatch" out.h5 "--lattice 8" -- "$RGFLOW" rg rsmi ising.h5 --lattice 8 -o out.h5
expect_bad_input "output directory" - "no/such" -- "$RGFLOW" rg rsmi ising.h5 -o no/such/out.h5
expect_bad_input "not a rule file" out.h5 "no blocking rule" -- "$RGFLOW" rg coarse-grain ising.h5 ising.h5 -o out.h5
cut -d, -f1-10 ring.csv >ring10.csv
expect_bad_input "block does not divide the ring" out.h5 "multiple" -- "$RGFLOW" rg coarse-grain ring_rule.h5 ring10.csv -o out.h5
expect_bad_input "1D rule on 2D data" - "1D" -- "$RGFLOW" ising mcrg ising.h5 --rule ring_rule.h5 --json
expect_bad_input "mcrg missing rule" - "nope.h5" -- "$RGFLOW" ising mcrg ising.h5 --rule nope.h5 --json
expect_bad_input "mcrg rule name" - "majorty" -- "$RGFLOW" ising mcrg ising.h5 --rule majorty --json
expect_bad_input "mcrg factor mismatch" - "--factor" -- "$RGFLOW" ising mcrg ising.h5 --rule uniform.h5 --factor 4 --levels 1 --json
echo "ok"
