#!/usr/bin/env bash
# `rbm train --epochs auto` (docs/training.md): the run stops when the exact held-out
# log-likelihood has not improved for --patience epochs and keeps the best epoch, whose model
# equals a plain run of that many epochs; --json reports the rule, the epoch kept and the score
# history; bad values of --epochs, --patience and --max-epochs exit 2 with one line.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" ising sample -L 4 -T 2.5 -n 2000 --seed 3 -o i4.h5 -q >/dev/null
common=(--visible-type spin --hidden-type spin --hidden 8 --method pcd --validation 0.25
        --learning-rate 0.05 --momentum 0 --seed 5)

"$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs auto --patience 3 -o auto.h5 --json \
  > auto.json 2> auto.err
json_check auto.json 'j["config"]["auto_epochs"] is True and j["config"]["patience"] == 3 and j["config"]["epochs"] == 1000' "auto recorded with the default cap"
json_check auto.json 'j["stop"]["score"] == "exact" and j["stop"]["patience"] == 3 and j["stop"]["max_epochs"] == 1000' "stop block"
json_check auto.json 'j["stop"]["stop_reason"] == "converged" and j["epochs_done"] == j["stop"]["best_epoch"] + 3' "stops 3 epochs after the best"
json_check auto.json 'len(j["stop"]["history"]) == j["epochs_done"] and [h["epoch"] for h in j["stop"]["history"]] == list(range(1, j["epochs_done"] + 1))' "one score per epoch"
json_check auto.json 'all(e["heldout_score"] == h["score"] for e, h in zip(j["epochs"], j["stop"]["history"]))' "epochs carry the score"
json_check auto.json 'j["stop"]["best_score"] == j["stop"]["history"][j["stop"]["best_epoch"] - 1]["score"]' "best score is the best epoch's"
grep -q "held-out" auto.err || fail "the progress lines do not show the held-out score"

# The model kept is the one of a plain run of best_epoch epochs (constant learning rate): same
# bits, and the gate's exact held-out log-likelihood per unit is the best epoch's score.
best=$(json_get auto.json 'j["stop"]["best_epoch"]')
"$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs "$best" -o plain.h5 --json -q > plain.json
json_check auto.json 'abs(j["fit"]["log_likelihood_per_unit"]["mean"] - j["stop"]["best_score"]["mean"]) < 1e-9' "gate LL == best score"
json_check plain.json "abs(j['fit']['log_likelihood_per_unit']['mean'] - $(json_get auto.json 'j["stop"]["best_score"]["mean"]')) < 1e-12" "plain run of best_epoch epochs scores the same"
if have_h5py "model comparison"; then
  "$PY_H5" - auto.h5 plain.h5 <<'PY' || fail "auto model differs from the plain run of best_epoch epochs"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
for k in ("weights", "visible_bias", "hidden_bias"):
    assert np.array_equal(a["rbm"][k][()], b["rbm"][k][()]), k
assert a["rbm"].attrs["stop_reason"] in (b"converged", "converged")
PY
fi

# A cap that comes first.
"$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs auto --patience 50 --max-epochs 2 -o cap.h5 --json -q > cap.json
json_check cap.json 'j["stop"]["stop_reason"] == "max_epochs" and j["epochs_done"] == 2' "cap reached"

# Bad values: exit 2, one line naming the option.
expect_bad_input "epochs 0" bad.h5 "--epochs" -- "$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs 0 -o bad.h5
expect_bad_input "epochs foo" bad.h5 "--epochs foo" -- "$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs foo -o bad.h5
expect_bad_input "epochs -3" bad.h5 "--epochs" -- "$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs=-3 -o bad.h5
expect_bad_input "patience 0" bad.h5 "--patience" -- "$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs auto --patience 0 -o bad.h5
expect_bad_input "max-epochs 0" bad.h5 "--max-epochs" -- "$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs auto --max-epochs 0 -o bad.h5
expect_bad_input "patience without auto" bad.h5 "--patience" -- "$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs 5 --patience 4 -o bad.h5
expect_bad_input "stop score" bad.h5 "--stop-score" -- "$RGFLOW" rbm train i4.h5 "${common[@]}" --epochs auto --stop-score best -o bad.h5
expect_bad_input "auto without validation" bad.h5 "--validation" -- "$RGFLOW" rbm train i4.h5 --visible-type spin --hidden-type spin --hidden 8 --epochs auto -o bad.h5
echo "ok"
