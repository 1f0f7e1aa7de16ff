# Gaussian visible units from the command line (docs/gaussian.md): train with --standardize and
# --learn-sigma, exact log Z against AIS (forward and reverse, within 4 standard errors) and TAP
# (order 1 a lower bound, order 3 = order 2), loglik as a continuous density in the data's units
# (standardisation applied and its Jacobian reported), sampling, and bad input -> exit 2.
source "$(dirname "$0")/common.sh" "$1"

# make_gauss_csv FILE ROWS SEED: ROWS x 6 real values, two clusters (means ±(1,2,...)·scale per
# column) plus unit Gaussian noise, in data units far from standardised (offset 50, scale 3);
# deterministic (an LCG and Box-Muller in awk).
make_gauss_csv() {
  awk -v rows="$2" -v seed="$3" 'function u() { s = (s * 1103515245 + 12345) % 2147483648; return (s + 0.5) / 2147483648 }
  BEGIN {
    s = seed;
    for (r = 0; r < rows; r++) {
      k = (u() < 0.5) ? -1 : 1; line = "";
      for (c = 0; c < 6; c++) {
        z = sqrt(-2 * log(u())) * cos(6.283185307179586 * u());
        x = 50 + 3 * (k * (1 + c % 3) + z);
        line = line (c ? "," : "") sprintf("%.6f", x);
      }
      print line;
    }
  }' > "$1"
}

make_gauss_csv data.csv 500 7
"$RGFLOW" rbm train data.csv --visible-type gaussian --hidden 8 --method pcd --epochs 15 \
  --learning-rate 0.01 --standardize --learn-sigma --validation 0.2 --seed 3 -q -o model.h5 \
  --json >train.json
json_check train.json 'j["visible_type"] == "gaussian" and j["epochs_done"] == 15' "train summary"
json_check train.json 'j["final"]["free_energy_gap"] is not None' "Hinton's free-energy gap monitor"
if have_h5py "model attributes"; then
  "$PY_H5" - model.h5 <<'PY' || fail "model file lacks sigma / standardisation"
import h5py, sys, numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["rbm"]
a = {k: v.decode() if isinstance(v, bytes) else v for k, v in g.attrs.items()}  # fixed-length strings
assert a["visible_type"] == "gaussian" and a["learn_sigma"] == "true"
sigma = g["visible_sigma"][()]
assert sigma.shape == (6,) and np.all(sigma > 0) and not np.allclose(sigma, 1.0), sigma
assert g["standardize_mean"].shape == (6,) and np.all(np.abs(g["standardize_mean"][()] - 50) < 2)
assert a["standardize"] == "true" and a["seed"] == "3"
PY
fi

"$RGFLOW" rbm logz model.h5 --method exact --json >exact.json
for method in ais reverse-ais; do
  "$RGFLOW" rbm logz model.h5 --method "$method" --data data.csv --betas 2000 --chains 100 \
    --seed 5 --json >"$method.json"
  python3 - exact.json "$method.json" <<'PY' || fail "$method disagrees with exact log Z"
import json, sys
exact = json.load(open(sys.argv[1]))["log_z"]["mean"]
est = json.load(open(sys.argv[2]))["log_z"]
assert 0 < est["error"] < 0.1, est
assert abs(est["mean"] - exact) < 4 * est["error"] + 1e-4, (est, exact)
PY
done
json_check ais.json '"gaussian" in j["details"]["base"]' "AIS names its Gaussian base"

for order in 1 2 3; do
  "$RGFLOW" rbm logz model.h5 --method "tap$order" --data data.csv --json >"tap$order.json"
done
python3 - exact.json tap1.json tap2.json tap3.json <<'PY' || fail "TAP estimates"
import json, sys
exact, t1, t2, t3 = (json.load(open(p))["log_z"]["mean"] for p in sys.argv[1:])
assert t1 <= exact + 1e-9, (t1, exact)          # naive mean field: a lower bound
assert t3 == t2, (t2, t3)                      # no third cumulant for Gaussian units
assert abs(t2 - exact) < abs(t1 - exact), (t1, t2, exact)
PY

# loglik: a density of the data as given; the standardisation's Jacobian −Σ log s_i is included.
"$RGFLOW" rbm loglik model.h5 data.csv --method exact --json >ll.json
python3 - ll.json data.csv <<'PY' || fail "loglik output"
import json, sys, math
j = json.load(open(sys.argv[1]))
assert "density" in j["units"], j["units"]
cols = list(zip(*[[float(x) for x in l.split(",")] for l in open(sys.argv[2])]))
# The model saw 400 of the 500 rows (--validation 0.2), so compare loosely with all rows' sd.
jac = -sum(math.log(math.sqrt(sum((x - sum(c) / len(c)) ** 2 for x in c) / len(c))) for c in cols)
assert abs(j["standardization"]["log_jacobian"] - jac) < 0.2, (j["standardization"], jac)
assert math.isfinite(j["log_likelihood"]["mean"]) and j["log_likelihood"]["error"] > 0
PY
"$RGFLOW" rbm loglik model.h5 data.csv --method exact | grep -q "continuous density" ||
  fail "text output must say the log-likelihood is a density"

"$RGFLOW" rbm sample model.h5 --samples 20 --gibbs-steps 50 --seed 2 -o samples.h5 >/dev/null
if have_h5py "samples"; then
  "$PY_H5" -c 'import h5py,sys,numpy as np; d=h5py.File(sys.argv[1])["data"][()]; assert d.shape==(20,6) and abs(d.mean()-50) < 5, d.mean()' \
    samples.h5 || fail "samples must come back in the data's units"
fi

# --- bad input --------------------------------------------------------------------------------
{ head -3 data.csv; echo "50,51,nan,49,50,50"; } >nan.csv
expect_bad_input "gaussian train: NaN in data" out.h5 nan.csv -- \
  "$RGFLOW" rbm train nan.csv --visible-type gaussian --hidden 3 -o out.h5
{ head -3 data.csv; echo "50,51,inf,49,50,50"; } >inf.csv
expect_bad_input "gaussian loglik: Inf in data" - inf.csv -- \
  "$RGFLOW" rbm loglik model.h5 inf.csv --method exact
expect_bad_input "--sigma needs gaussian units" out.h5 "--sigma" -- \
  "$RGFLOW" rbm train data.csv --hidden 3 --sigma 2 -o out.h5
expect_bad_input "--standardize needs gaussian units" out.h5 "--standardize" -- \
  "$RGFLOW" rbm train data.csv --hidden 3 --standardize -o out.h5
expect_bad_input "--sigma must be positive" out.h5 "--sigma" -- \
  "$RGFLOW" rbm train data.csv --visible-type gaussian --hidden 3 --sigma 0 -o out.h5
echo "all gaussian CLI checks passed"
