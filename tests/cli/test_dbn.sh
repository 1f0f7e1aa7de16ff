# rgflow dbn train / flow / sample: the file layout, the flow table against the per-layer exact
# values (AIS within its error bars), the 2-layer bound, sampling, and bad input.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 300 5
"$RGFLOW" dbn train data.csv --layers 16,10,6 --method pcd --epochs 8,4 --learning-rate 0.1 \
  --momentum 0.5 --seed 3 -q --json -o dbn.h5 >train.json
json_check train.json 'len(j["epochs"]) == 12 and j["layers"] == [16, 10, 6]' "per-layer epochs"
# The bottom layer's quality gate: 10 hidden units, so log Z is exact. 24 updates leave the layer at
# the independent-pixel model (the two prototypes are complements, so every marginal is ~1/2); 60
# epochs of batches of 20 learn the two modes.
json_check train.json 'j["fit"]["log_z_method"] == "exact" and not j["fit"]["above_baseline"]' "24 updates: not above the baseline"
"$RGFLOW" dbn train data.csv --layers 16,10,6 --method pcd --epochs 60,1 --batch-size 20 --learning-rate 0.05 \
  --momentum 0.5 --seed 3 -q --json -o dbn60.h5 >train60.json
json_check train60.json 'j["fit"]["above_baseline"] and j["fit"]["log_likelihood_per_unit"]["mean"] > j["fit"]["independent_per_unit"] + 0.1' "trained bottom layer beats independent units"
# Every layer's gate: layer 2 (10-6) is scored on level-1 states sampled from layer 1, exactly.
json_check train60.json 'len(j["layer_fits"]) == 2 and j["layer_fits"][0] == j["fit"] and j["layer_fits"][1]["log_z_method"] == "exact" and j["layer_fits"][1]["n_rows"] == 300' "a gate per layer"
"$RGFLOW" dbn train data.csv --layers 16,10,6 --method pcd --epochs 60,1 --batch-size 20 --learning-rate 0.05 \
  --momentum 0.5 --seed 3 -q -o dbn60b.h5 >train60.txt 2>train60.err
grep -q "^layer 2 fit (training rows of sampled states, exact log Z)" train60.txt || fail "layer 2's fit line"
# One epoch of layer 2 barely moves it from its initialisation: the warning names it if it does not
# beat its baseline, and never names a layer that does.
if ! python3 -c 'import json,sys; sys.exit(0 if json.load(open("train60.json"))["layer_fits"][1]["above_baseline"] else 1)'; then
  grep -q "warning: layer 2 does not beat independent units" train60.err || fail "layer 2 warning"
fi
grep -q "warning: layer 1 " train60.err && fail "layer 1 beats its baseline: no warning"

if have_h5py "DBN layout"; then
  "$PY_H5" - dbn.h5 <<'PY' || fail "DBN file layout"
import h5py, sys
f = h5py.File(sys.argv[1], "r")
assert int(f["/dbn"].attrs["n_layers"]) == 2
assert f["/dbn/layer_0/weights"].shape == (16, 10)
assert f["/dbn/layer_1/weights"].shape == (10, 6)
assert f["/dbn/layer_1"].attrs["seed"] in (b"4", "4")
PY
fi

"$RGFLOW" dbn flow dbn.h5 data.csv --log-z exact --bound --json >exact.json
"$RGFLOW" dbn flow dbn.h5 data.csv --log-z ais --betas 2000 --seed 2 --json >ais.json
python3 - exact.json ais.json <<'PY' || fail "flow: AIS and exact disagree"
import json, sys
e, a = (json.load(open(p)) for p in sys.argv[1:])
assert [l["n_visible"] for l in e["layers"]] == [16, 10]
for le, la in zip(e["layers"], a["layers"]):
    assert le["log_z_method"] == "exact" and la["log_z_method"] == "ais"
    assert abs(le["free_energy"]["mean"] - la["free_energy"]["mean"]) < 1e-9
    err = la["log_z"]["error"]
    assert abs(le["log_z"]["mean"] - la["log_z"]["mean"]) < 4 * err + 1e-4, (le, la)
    per_unit = le["log_likelihood"]["mean"] / le["n_visible"]
    assert abs(per_unit - le["log_likelihood_per_unit"]["mean"]) < 1e-9
b = e["lower_bound"]["mean"]["mean"]
assert b < 0 and b > -16 * 0.7 - 1, b   # a log-probability of 16 binary units, better than uniform
PY

"$RGFLOW" dbn sample dbn.h5 --samples 20 --gibbs-steps 100 --seed 1 -o samples.h5 >/dev/null
if have_h5py "samples"; then
  "$PY_H5" -c 'import h5py,sys,numpy as np; d=h5py.File(sys.argv[1])["/data"][()]; assert d.shape==(20,16) and set(np.unique(d))<={0.0,1.0}' samples.h5 \
    || fail "DBN samples"
fi

"$RGFLOW" dbn train data.csv --layers 16,4,4,3 --epochs 1 -q -o deep.h5 >/dev/null
expect_bad_input "bound on 3 layers" - "deep.h5" -- "$RGFLOW" dbn flow deep.h5 data.csv --bound
expect_bad_input "wrong visible size" out.h5 "data.csv" -- "$RGFLOW" dbn train data.csv --layers 17,4 -o out.h5
expect_bad_input "per-layer list length" out.h5 "--epochs" -- "$RGFLOW" dbn train data.csv --layers 16,4 --epochs 1,2 -o out.h5
expect_bad_input "missing DBN" - "nope.h5" -- "$RGFLOW" dbn flow nope.h5 data.csv
expect_bad_input "RBM file is not a DBN" - "notdbn.h5" -- bash -c "\"$RGFLOW\" rbm train data.csv --hidden 3 --epochs 1 -q -o notdbn.h5 >/dev/null 2>&1 && \"$RGFLOW\" dbn flow notdbn.h5 data.csv"
echo "PASS"
