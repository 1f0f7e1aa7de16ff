# rgflow rbm logz / loglik with every estimator against the exact value on a small model:
# AIS within 4 of its own standard errors (plus a float32 allowance), the forward/reverse AIS
# bracket, reverse AIS started from parallel-tempering samples, TAP order 1 as a lower bound, and
# the error messages for missing inputs.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 400 11
"$RGFLOW" rbm train data.csv --hidden 10 --method pcd --epochs 20 --learning-rate 0.1 \
  --momentum 0.5 --seed 4 -q -o model.h5 >/dev/null

"$RGFLOW" rbm logz model.h5 --method exact --json >exact.json
for method in ais reverse-ais; do
  "$RGFLOW" rbm logz model.h5 --method "$method" --data data.csv --betas 3000 --chains 100 \
    --seed 5 --json >"$method.json"
  python3 - exact.json "$method.json" <<'PY' || fail "$method disagrees with exact log Z"
import json, sys
exact = json.load(open(sys.argv[1]))["log_z"]["mean"]
est = json.load(open(sys.argv[2]))["log_z"]
assert est["error"] > 0, est
# 4 standard errors, plus 1e-4 for the float32 arithmetic of the annealing chains.
assert abs(est["mean"] - exact) < 4 * est["error"] + 1e-4, (est, exact)
PY
done
json_check ais.json 'j["details"]["temperatures"] == 3000 and j["details"]["chains"] == 100' "AIS details"

# Parallel tempering as the sampler of reverse AIS's starting states: model samples (not data rows)
# are what makes reverse AIS an over-estimate in expectation (docs/estimators.md).
"$RGFLOW" rbm sample model.h5 --method pt --replicas 5 --samples 100 --gibbs-steps 300 --seed 6 \
  -o pt_samples.h5 >/dev/null
"$RGFLOW" rbm logz model.h5 --method reverse-ais --data pt_samples.h5 --betas 3000 --chains 100 \
  --seed 7 --json >reverse-pt.json
python3 - exact.json reverse-pt.json <<'PY' || fail "reverse AIS from PT samples disagrees with exact log Z"
import json, sys
exact = json.load(open(sys.argv[1]))["log_z"]["mean"]
est = json.load(open(sys.argv[2]))["log_z"]
assert est["error"] > 0 and abs(est["mean"] - exact) < 4 * est["error"] + 1e-4, (est, exact)
PY

"$RGFLOW" rbm logz model.h5 --method tap1 --json >tap1.json
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["log_z"]["mean"]; t=json.load(open(sys.argv[2]))["log_z"]["mean"]; sys.exit(0 if t <= e + 1e-9 else 1)' \
  exact.json tap1.json || fail "naive mean field must be a lower bound on log Z"
"$RGFLOW" rbm logz model.h5 --method tap2 --data data.csv --json >tap2.json
json_check tap2.json 'j["details"]["order"] == 2' "TAP order in the output"

# loglik with AIS: log p = -F - log Z, so it differs from the exact one by the log Z difference.
"$RGFLOW" rbm loglik model.h5 data.csv --method exact --json >ll_exact.json
"$RGFLOW" rbm loglik model.h5 data.csv --method ais --betas 2000 --seed 1 --json >ll_ais.json
python3 - ll_exact.json ll_ais.json <<'PY' || fail "AIS log-likelihood inconsistent with exact"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
d_ll = b["log_likelihood"]["mean"] - a["log_likelihood"]["mean"]
d_z = b["log_z"]["mean"] - a["log_z"]["mean"]
assert abs(d_ll + d_z) < 1e-6, (d_ll, d_z)
assert b["log_likelihood"]["error"] >= a["log_likelihood"]["error"]
PY

expect_bad_input "reverse AIS without data" - "--data" -- "$RGFLOW" rbm logz model.h5 --method reverse-ais
expect_bad_input "one AIS chain" - "--chains" -- "$RGFLOW" rbm logz model.h5 --method ais --chains 1
expect_bad_input "one temperature" - "--betas" -- "$RGFLOW" rbm logz model.h5 --method ais --betas 1
expect_bad_input "bad damping" - "--tap-damping" -- "$RGFLOW" rbm logz model.h5 --method tap2 --tap-damping 1.5
echo "PASS"
