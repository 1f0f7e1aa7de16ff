#!/usr/bin/env bash
# The scaled-down binarized-MNIST likelihood table (bench/mnist_likelihood.py, issue #4): 2,000
# training digits, 12 hidden units, CD-1 and PCD-1 for one epoch, scored on 300 test digits by AIS,
# reverse AIS and exact enumeration. Checks the table's structure and that both AIS directions
# agree with the exact log Z within 4 of their reported standard errors.
SCRIPT="$(cd "$(dirname "$0")/../.." && pwd)/bench/mnist_likelihood.py"
source "$(dirname "$0")/common.sh" "$1"
DATA="${RGFLOW_SHARED_DATA_DIR:-}/binarized_mnist"
if [[ ! -f "$DATA/binarized_mnist_train.amat.gz" ]]; then
  echo "SKIP (shared data not found: $DATA)" >&2
  exit 0
fi

python3 "$SCRIPT" --rgflow "$RGFLOW" --train "$DATA/binarized_mnist_train.amat.gz" \
  --test "$DATA/binarized_mnist_test.amat.gz" --hidden 12 --rows 2000 --test-rows 300 --epochs 1 \
  --methods cd1,pcd1 --epochs-persistent 1 --exact --chains 50 --betas 1000 --out out > stdout.txt \
  || fail "mnist_likelihood.py failed"

[[ -f out/table.md && -f out/table.json ]] || fail "table.md / table.json missing"
[[ $(grep -c '^| \(cd1\|pcd1\) | 12 | 1 |' out/table.md) == 2 ]] || fail "table rows: $(cat out/table.md)"
json_check out/table.json 'j["parameters"]["seed"] == 1 and j["parameters"]["hidden"] == 12' \
  "parameters recorded"
for est in ais reverse-ais; do
  json_check out/table.json "all(abs(r['$est']['log_z']['mean'] - r['exact']['log_z']['mean'])
    < 4 * r['$est']['log_z']['error'] for r in j['rows'])" "$est log Z within 4 sigma of exact"
  json_check out/table.json "all(r['$est']['log_z']['error'] > 0 for r in j['rows'])" \
    "$est reports an error bar"
  json_check out/table.json "all(0 < r['$est']['ess'] <= 50 for r in j['rows'])" \
    "$est records its effective sample size (of 50 chains)"
done
# Log-likelihoods of the same model and rows differ only through log Z.
json_check out/table.json "all(abs((r['ais']['loglik']['mean'] - r['exact']['loglik']['mean'])
  + (r['ais']['log_z']['mean'] - r['exact']['log_z']['mean'])) < 1e-6 for r in j['rows'])" \
  "log-likelihood = -F - log Z"

# Equal wall time (issue #6): a 1-epoch calibration per method sets its epochs; --same-schedule
# gives CD the persistent schedule too.
python3 "$SCRIPT" --rgflow "$RGFLOW" --train "$DATA/binarized_mnist_train.amat.gz" \
  --test "$DATA/binarized_mnist_test.amat.gz" --hidden 12 --rows 2000 --test-rows 300 \
  --methods cd1,pt3,tap2-np --equal-time 0.2 --same-schedule --threads 1 --chains 20 --betas 300 \
  --filters --out eq > stdout-eq.txt || fail "mnist_likelihood.py --equal-time failed"
json_check eq/table.json "sorted(j['parameters']['calibration']) == ['cd1', 'pt3', 'tap2-np']" "calibration recorded"
json_check eq/table.json "all(r['epochs'] == j['parameters']['calibration'][r['method']]['epochs']
  == max(1, round(0.2 / j['parameters']['calibration'][r['method']]['seconds_per_epoch']))
  for r in j['rows'])" "epochs = equal time / calibrated seconds per epoch"
json_check eq/table.json "all('--learning-rate-final' in r['train_command'] for r in j['rows'])" \
  "--same-schedule reaches CD"
json_check eq/table.json "[r for r in j['rows'] if r['method'] == 'pt3'][0]['train_command'][
  [r for r in j['rows'] if r['method'] == 'pt3'][0]['train_command'].index('--replicas') + 1] == '3'" \
  "pt3 means three replicas"
json_check eq/table.json "({r['method']: '--no-tap-persistent' in r['train_command'] for r in j['rows']}
  == {'cd1': False, 'pt3': False, 'tap2-np': True})" "tap2-np (only) trains without persistent magnetisations"
for m in cd1 pt3 tap2-np; do
  [[ -s eq/$m-filters.png ]] || fail "--filters wrote no eq/$m-filters.png"
done
echo "ok"
