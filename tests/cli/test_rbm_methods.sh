#!/usr/bin/env bash
# `rbm train --method tap1|tap2|tap3|pt` and `--learning-rate-final` through the CLI: each trains a
# 16x6 model on two noisy prototypes, records the method and its options in the model file and
# JSON summary, and raises the exact log-likelihood of the training data above that of the
# initial (Hinton-initialised, untrained) model. TAP runs from fresh magnetisations each update
# (--no-tap-persistent) and, for tap2, also persistently (with the particle monitor): on this bimodal toy set persistent
# order-1 and order-3 magnetisations can sit in one mode and train worse than the untrained model
# (docs/tap.md). Gaussian visible units: tap2 / tap3 / tap2 --learn-sigma on two Gaussian blobs.
# Same seed -> the same file; bad values -> exit 2.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 400 7
"$RGFLOW" rbm train data.csv --hidden 6 --epochs 1 --learning-rate 1e-9 --seed 3 -q -o init.h5
"$RGFLOW" rbm loglik init.h5 data.csv --json > init.json
init=$(json_get init.json 'j["log_likelihood"]["mean"]')

for run in tap1 tap2 tap3 tap2p pt; do
  method=${run%p}
  extra=()
  [[ $run == tap? ]] && extra=(--no-tap-persistent)
  [[ $run == pt ]] && extra=(--replicas 4)
  # (Every run: the linear schedule and no centring, the settings these thresholds were set with.)
  # Persistent without re-seeding and with the old 3 sweeps: on this toy set persistent runs
  # swing by several nats between epochs (docs/tap.md; with 10 sweeps or re-seeding the last epoch
  # lands at -11 to -12.5 nats at this seed), so the seed and the old settings are pinned here.
  [[ $run == tap2p ]] && method=tap2 && extra=(--tap-persistent --tap-reseed 0 --tap-iterations 3)
  "$RGFLOW" rbm train data.csv --hidden 6 --method $method "${extra[@]}" --epochs 30 --batch-size 20 \
    --learning-rate 0.05 --learning-rate-final 0.01 --lr-schedule linear --no-centering --momentum 0.5 \
    --seed 3 --json -q -o $run.h5 > $run.train.json || fail "$run: training failed"
  json_check $run.train.json "j['config']['method'] == '$method'" "$run: method recorded"
  json_check $run.train.json "abs(j['config']['learning_rate_final'] - 0.01) < 1e-9" \
    "$run: final learning rate recorded"
  "$RGFLOW" rbm loglik $run.h5 data.csv --json > $run.ll.json
  json_check $run.ll.json "j['log_likelihood']['mean'] > $init + 1.0" \
    "$run: exact training log-likelihood rises by > 1 nat over the untrained $init"
  echo "ok: $run -> $(json_get $run.ll.json 'j["log_likelihood"]["mean"]') (untrained $init)"
done
[[ $(json_get pt.train.json "j['config']['pt_replicas']") == 4 ]] || fail "pt: replicas not recorded"
# Persistent TAP reports its particles every epoch (distinct of all, re-seeded); others do not.
json_check tap2p.train.json "all(e['tap_particles']['particles'] == 20 and
  1 <= e['tap_particles']['distinct'] <= 20 and e['tap_particles']['reseeded'] == 0 for e in j['epochs'])" \
  "tap2p: per-epoch particle monitor, no re-seeding with --tap-reseed 0"
"$RGFLOW" rbm train data.csv --hidden 6 --method tap2 --tap-persistent --tap-reseed 1 --epochs 3 \
  --batch-size 20 --seed 3 --json -q -o tap2r.h5 > tap2r.train.json 2> tap2r.err || fail "tap2r: training failed"
json_check tap2r.train.json "(j['config']['tap_persistent'] and j['config']['tap_reseed_fraction'] == 1 and
  sum(e['tap_particles']['reseeded'] for e in j['epochs']) > 0)" "tap2r: collapsed particles re-seeded"
[[ $(grep -c "re-seeded" tap2r.err) -ge 1 && $(grep -c "re-seeded" tap2r.err) -le 3 ]] \
  || fail "tap2r: one stderr line per epoch with re-seeding expected: $(cat tap2r.err)"
json_check tap2.train.json "all(e.get('tap_particles') is None for e in j['epochs'])" \
  "tap2 (not persistent): no particle monitor"

# Same seed, same bytes of parameters.
"$RGFLOW" rbm train data.csv --hidden 6 --method tap2 --no-tap-persistent --epochs 30 --batch-size 20 \
  --learning-rate 0.05 --learning-rate-final 0.01 --lr-schedule linear --no-centering --momentum 0.5 \
  --seed 3 -q -o tap2b.h5
if [[ -n "$PY_H5" ]]; then
  "$PY_H5" - <<'PY' || fail "tap2: same seed gave different parameters"
import h5py, numpy as np
a, b = h5py.File("tap2.h5"), h5py.File("tap2b.h5")
for k in ("weights", "visible_bias", "hidden_bias"):
    assert np.array_equal(a["rbm"][k][()], b["rbm"][k][()]), k
PY
fi

# PT as a sampler.
"$RGFLOW" rbm sample pt.h5 --method pt --replicas 4 --samples 8 --gibbs-steps 50 --seed 2 -o s.h5 \
  || fail "rbm sample --method pt failed"
[[ -s s.h5 ]] || fail "rbm sample --method pt: no output"
if [[ -n "$PY_H5" ]]; then
  "$PY_H5" - <<'PY' || fail "rbm sample --method pt: expected 8 binary rows of 16"
import h5py, numpy as np
f = h5py.File("s.h5")
d = [f[k] for k in f if isinstance(f[k], h5py.Dataset)][0][()]
assert d.shape == (8, 16), d.shape
assert set(np.unique(d)) <= {0, 1}
PY
fi

# Gaussian visible units (docs/gaussian.md §4): TAP-2 from fresh magnetisations on two Gaussian
# blobs in 4 dimensions (centres ±(1.5, 1.5, -1.5, -1.5), spread 0.5; deterministic awk LCG and
# Box-Muller) raises the exact held-out log-likelihood (a density, hidden layer enumerated) by
# > 2 nats over the untrained model (measured in the unit test: +3.7); with --learn-sigma sigma
# falls below 0.7 (the blobs' spread is 0.5). tap3 = tap2 for Gaussian units: same parameters.
make_blobs_csv() {
  awk -v rows="$2" -v seed="$3" 'function u() { s = (s * 1103515245 + 12345) % 2147483648; return (s + 0.5) / 2147483648 }
  BEGIN {
    s = seed;
    for (r = 0; r < rows; r++) {
      k = (u() < 0.5) ? -1 : 1; line = "";
      for (c = 0; c < 4; c++) {
        z = sqrt(-2 * log(u())) * cos(6.283185307179586 * u());
        line = line (c ? "," : "") sprintf("%.6f", k * (c < 2 ? 1.5 : -1.5) + 0.5 * z);
      }
      print line;
    }
  }' > "$1"
}
make_blobs_csv blobs.csv 400 11
make_blobs_csv blobs_test.csv 1000 12
gauss=(--visible-type gaussian --hidden 2 --no-tap-persistent --batch-size 20
       --learning-rate 0.02 --lr-schedule constant --momentum 0.5 --seed 5 -q)
"$RGFLOW" rbm train blobs.csv --visible-type gaussian --hidden 2 --epochs 1 --learning-rate 1e-9 \
  --seed 5 -q -o ginit.h5
"$RGFLOW" rbm loglik ginit.h5 blobs_test.csv --json > ginit.json
ginit=$(json_get ginit.json 'j["log_likelihood"]["mean"]')
for method in tap2 tap3; do
  "$RGFLOW" rbm train blobs.csv "${gauss[@]}" --epochs 20 --method $method --json -o g$method.h5 \
    > g$method.train.json || fail "gaussian $method: training failed"
  json_check g$method.train.json "j['config']['method'] == '$method'" "gaussian $method: method recorded"
  "$RGFLOW" rbm loglik g$method.h5 blobs_test.csv --json > g$method.ll.json
  json_check g$method.ll.json "j['log_likelihood']['mean'] > $ginit + 2.0" \
    "gaussian $method: exact held-out log-likelihood rises by > 2 nats over the untrained $ginit"
  echo "ok: gaussian $method -> $(json_get g$method.ll.json 'j["log_likelihood"]["mean"]') (untrained $ginit)"
done
"$RGFLOW" rbm train blobs.csv "${gauss[@]}" --method tap2 --epochs 40 --learn-sigma -o gsigma.h5 \
  || fail "gaussian tap2 --learn-sigma: training failed"
"$RGFLOW" rbm loglik gsigma.h5 blobs_test.csv --json > gsigma.ll.json
json_check gsigma.ll.json "j['log_likelihood']['mean'] > $ginit + 4.0" \
  "gaussian tap2 --learn-sigma: held-out log-likelihood rises by > 4 nats over $ginit"
if [[ -n "$PY_H5" ]]; then
  "$PY_H5" - <<'PY' || fail "gaussian: tap3 != tap2 or sigma not learned"
import h5py, numpy as np
a, b = h5py.File("gtap2.h5"), h5py.File("gtap3.h5")
for k in ("weights", "visible_bias", "hidden_bias"):
    assert np.array_equal(a["rbm"][k][()], b["rbm"][k][()]), k
s = h5py.File("gsigma.h5")["rbm"]["visible_sigma"][()]
assert s.max() < 0.7, s
PY
fi

expect_bad_input "TAP damping 1.5" out.h5 "--tap-damping" -- \
  "$RGFLOW" rbm train data.csv --hidden 4 --method tap2 --tap-damping 1.5 -o out.h5
expect_bad_input "TAP re-seed fraction 2" out.h5 "--tap-reseed" -- \
  "$RGFLOW" rbm train data.csv --hidden 4 --method tap2 --tap-persistent --tap-reseed 2 -o out.h5
expect_bad_input "one PT replica" out.h5 "--replicas" -- \
  "$RGFLOW" rbm train data.csv --hidden 4 --method pt --replicas 1 -o out.h5
expect_bad_input "negative final learning rate" out.h5 "--learning-rate-final" -- \
  "$RGFLOW" rbm train data.csv --hidden 4 --learning-rate-final -1 -o out.h5
expect_bad_input "unknown method" out.h5 "--method" -- \
  "$RGFLOW" rbm train data.csv --hidden 4 --method adam -o out.h5
echo "ok"
