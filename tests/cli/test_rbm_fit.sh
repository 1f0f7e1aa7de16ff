#!/usr/bin/env bash
# `rbm train` as a user meets the second wave's training (issue #16): Adam, centering, the Z2
# symmetry and schedules from the command line; the quality gate (held-out log-likelihood per unit
# next to the independent-unit baseline and, for Ising samples, the exact -s per spin from
# Kaufman); the divergence guard's exit status 3 with the last good state on disk.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" ising sample -L 4 -T 2.269 -n 3000 --algorithm wolff --sweeps-between 2 --seed 1 -o i4.h5 -q >/dev/null
"$RGFLOW" ising exact -L 4 -T 2.269 --json > exact.json

# Adam with the Z2 symmetry: the gate's numbers, exact log Z (8 hidden units are enumerable).
"$RGFLOW" rbm train i4.h5 --visible-type spin --hidden-type spin --hidden 8 --method pcd --epochs 20 \
  --validation 0.25 --optimizer adam --learning-rate 0.01 --learning-rate-final 0.001 \
  --lr-schedule cosine --symmetry z2 --seed 3 -o z2.h5 --json -q > z2.json
json_check z2.json 'j["fit"]["log_z_method"] == "exact" and j["fit"]["rows"] == "validation"' "exact gate on validation rows"
json_check z2.json 'j["config"]["optimizer"] == "adam" and j["config"]["symmetry"] == "z2" and j["config"]["schedule"] == "cosine"' "options recorded"
# -s per spin from Kaufman: -K u - ln Z / N with the exact command's numbers.
python3 - z2.json exact.json <<'PY' || fail "exact -s per spin disagrees with rgflow ising exact"
import json, sys
j = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))
K = e["coupling"] / 2.269
expected = -K * e["energy_per_spin"]["mean"] - e["log_z"]["mean"] / 16
sys.exit(0 if abs(j["fit"]["exact_per_unit"] - expected) < 1e-9 else 1)
PY
json_check z2.json 'j["fit"]["independent_per_unit"] < j["fit"]["log_likelihood_per_unit"]["mean"] - 0.2' "the model beats independent spins by far"
json_check z2.json 'j["fit"]["above_baseline"] is True' "above_baseline"
json_check z2.json 'abs(j["fit"]["log_likelihood_per_unit"]["mean"] - j["fit"]["exact_per_unit"]) < 0.05' "within 0.05 nats of the exact value"
# The paired KL: non-negative within its error, and close to -s - LL (they differ by the rows'
# mean of log p_Ising / N - (-s), a few hundredths at most on 750 rows).
json_check z2.json 'j["fit"]["kl_per_unit"]["mean"] > -3 * j["fit"]["kl_per_unit"]["error"] and abs(j["fit"]["kl_per_unit"]["mean"] - (j["fit"]["exact_per_unit"] - j["fit"]["log_likelihood_per_unit"]["mean"])) < 0.03' "paired KL"
# The independent baseline of +-1 data at T_c on L = 4: nearly ln 2 per spin.
json_check z2.json 'abs(j["fit"]["independent_per_unit"] + 0.6931) < 0.01' "independent spins near -ln 2"

# Centering and SGD.
"$RGFLOW" rbm train i4.h5 --visible-type spin --hidden-type spin --hidden 8 --method pcd --epochs 20 \
  --validation 0.25 --centering --momentum 0.5 --learning-rate 0.05 --learning-rate-final 0.005 \
  --warmup-epochs 2 --seed 3 -o c.h5 --json -q > c.json
json_check c.json 'j["config"]["centering"] is True and j["config"]["warmup_epochs"] == 2' "centering recorded"
json_check c.json 'j["fit"]["above_baseline"] is True' "centred model above its baseline"
json_check c.json 'abs(j["epochs"][0]["learning_rate"] - 0.05 / 3) < 1e-6' "warm-up scales epoch 1 by 1/3"

# Bad combinations: one line, exit 2, no output.
make_binary_csv data.csv 400 7
expect_bad_input "z2 needs spin units" bad.h5 "Z2" -- "$RGFLOW" rbm train data.csv --hidden 4 --symmetry z2 --epochs 1 -o bad.h5
expect_bad_input "unknown optimizer" bad.h5 "--optimizer" -- "$RGFLOW" rbm train i4.h5 --hidden 4 --optimizer rmsprop -o bad.h5
expect_bad_input "adam has no momentum" bad.h5 "--momentum" -- "$RGFLOW" rbm train i4.h5 --visible-type spin --hidden 4 --optimizer adam --momentum 0.5 -o bad.h5

# An absurd step: the guard halves it three times, then exit 3 with the last good state on disk.
status=0
"$RGFLOW" rbm train data.csv --hidden 6 --epochs 3 --learning-rate 1e5 --momentum 0 -o lr.h5 -q 2> lr.err || status=$?
[[ $status -eq 3 ]] || fail "absurd learning rate: exit $status, expected 3 ($(cat lr.err))"
[[ ! -e lr.h5 ]] || fail "a diverged run wrote its model"
[[ -e lr.checkpoint.h5 ]] || fail "a diverged run left no checkpoint"
grep -q "diverged 3 times" lr.err || fail "no divergence message: $(cat lr.err)"
[[ $(grep -c "warning: epoch 1 diverged" lr.err) -eq 2 ]] || fail "expected two warnings: $(cat lr.err)"
echo "PASS"
