#!/usr/bin/env bash
# `dbn train --epochs auto` (docs/training.md): each layer stops when its held-out score (exact
# log-likelihood of the validation rows sampled up through the layers below) has not improved for
# --patience epochs and keeps its best epoch; --json reports a "stop" object per layer, the file
# records each layer's best_epoch and stop_reason, and the quality gate's held-out log-likelihood
# of every layer (the same sampled states, the final = best model) equals the best score. Per-layer
# lists, the cap, and bad values (exit 2, one line).
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 400 7
common=(--layers 16,8,4 --method pcd --learning-rate 0.2 --momentum 0 --batch-size 20 --seed 5)

"$RGFLOW" dbn train data.csv "${common[@]}" --validation 0.25 --epochs auto --patience 3 \
  --max-epochs 200 -o auto.h5 --json > auto.json 2> auto.err
json_check auto.json 'len(j["stops"]) == 2 and [s["layer"] for s in j["stops"]] == [0, 1]' "a stop object per layer"
json_check auto.json 'all(s["score"] == "exact" and s["patience"] == 3 and s["max_epochs"] == 200 for s in j["stops"])' "rule recorded"
json_check auto.json 'all(s["stop_reason"] == "converged" and len(s["history"]) == s["best_epoch"] + 3 for s in j["stops"])' "each layer stops 3 epochs after its best"
json_check auto.json 'all(s["best_score"] == s["history"][s["best_epoch"] - 1]["score"] for s in j["stops"])' "best score is the best epoch's"
# Both layers learned before stopping: past epoch 1, and above their independent-unit baselines.
json_check auto.json 'all(s["best_epoch"] >= 2 and f["above_baseline"] for s, f in zip(j["stops"], j["layer_fits"]))' "layers learned"
json_check auto.json '[e["heldout_score"] for e in j["epochs"]] == [h["score"] for s in j["stops"] for h in s["history"]]' "epochs carry the scores"
json_check auto.json 'all(abs(f["log_likelihood_per_unit"]["mean"] - s["best_score"]["mean"]) < 1e-9 and f["log_z_method"] == "exact" for f, s in zip(j["layer_fits"], j["stops"]))' "gate LL == best score, every layer"
json_check auto.json 'j["layer_fits"][0]["n_rows"] == 100' "the gate scores the 100 validation rows"
grep -q "layer 2/2 epoch 1: .*held-out" auto.err || fail "progress lines do not show the held-out score"
if have_h5py "stop attributes"; then
  "$PY_H5" - auto.h5 auto.json <<'PY' || fail "layer attributes best_epoch / stop_reason"
import sys, json, h5py
f, j = h5py.File(sys.argv[1]), json.load(open(sys.argv[2]))
for k, s in enumerate(j["stops"]):
    a = f[f"/dbn/layer_{k}"].attrs
    text = lambda v: v.decode() if isinstance(v, bytes) else v
    assert text(a["best_epoch"]) == str(s["best_epoch"]), (k, a["best_epoch"])
    assert text(a["stop_reason"]) == "converged"
    assert json.loads(text(a["train_config"]))["auto_epochs"] is True
PY
fi

# Per-layer lists: layer 1 automatic with a cap that comes first, layer 2 a fixed 3 epochs.
"$RGFLOW" dbn train data.csv "${common[@]}" --validation 0.25 --epochs auto,3 --patience 50 \
  --max-epochs 2 -o mixed.h5 --json -q > mixed.json
json_check mixed.json 'j["stops"][0]["stop_reason"] == "max_epochs" and len(j["stops"][0]["history"]) == 2 and j["stops"][1] is None' "cap and a fixed layer"
json_check mixed.json '[(e["layer"], e["epoch"]) for e in j["epochs"]] == [(0, 1), (0, 2), (1, 1), (1, 2), (1, 3)]' "epochs per layer"

# A validation file works like a fraction.
head -n 100 data.csv > heldout.csv
"$RGFLOW" dbn train data.csv "${common[@]}" --validation heldout.csv --epochs auto --max-epochs 2 -o file.h5 --json -q > file.json
json_check file.json 'j["layer_fits"][1]["n_rows"] == 100 and len(j["stops"]) == 2' "validation file"

# Bad values: exit 2, one line naming the option.
expect_bad_input "auto without validation" bad.h5 "--validation" -- "$RGFLOW" dbn train data.csv "${common[@]}" --epochs auto -o bad.h5
expect_bad_input "epochs foo" bad.h5 "--epochs" -- "$RGFLOW" dbn train data.csv "${common[@]}" --epochs foo -o bad.h5
expect_bad_input "patience 0" bad.h5 "--patience" -- "$RGFLOW" dbn train data.csv "${common[@]}" --validation 0.2 --epochs auto --patience 0 -o bad.h5
expect_bad_input "max-epochs 0" bad.h5 "--max-epochs" -- "$RGFLOW" dbn train data.csv "${common[@]}" --validation 0.2 --epochs auto --max-epochs 0 -o bad.h5
expect_bad_input "patience without auto" bad.h5 "--patience" -- "$RGFLOW" dbn train data.csv "${common[@]}" --epochs 2 --patience 4 -o bad.h5
expect_bad_input "stop score" bad.h5 "--stop-score" -- "$RGFLOW" dbn train data.csv "${common[@]}" --validation 0.2 --epochs auto --stop-score best -o bad.h5
expect_bad_input "patience list" bad.h5 "--patience" -- "$RGFLOW" dbn train data.csv "${common[@]}" --validation 0.2 --epochs auto --patience 1,2,3 -o bad.h5
expect_bad_input "validation fraction" bad.h5 "--validation" -- "$RGFLOW" dbn train data.csv "${common[@]}" --validation 1.5 --epochs auto -o bad.h5
expect_bad_input "validation missing" bad.h5 "nothere.csv" -- "$RGFLOW" dbn train data.csv "${common[@]}" --validation nothere.csv --epochs auto -o bad.h5
echo "ok"
