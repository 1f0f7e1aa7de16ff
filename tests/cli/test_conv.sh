# rgflow conv bonds | logz | loglik | train (SGD and Adam): the Ising bond representation's exact log Z against
# `rgflow ising exact` (Kaufman) plus the documented constant 2L²(log 2 + K); AIS against exact;
# the Ising KL of the bond model itself (0 up to the float32 weight); training end to end with a
# bit-identical rerun; the HDF5 layout through h5py; bad input (one line, exit 2, no output).
source "$(dirname "$0")/common.sh" "$1"

KC=0.44068679350977147
"$RGFLOW" conv bonds --lattice 4 --coupling $KC -o b4.h5 --json >bonds.json
"$RGFLOW" conv logz b4.h5 --method exact --json >exact.json
K=$(json_get bonds.json 'j["coupling"]')
T=$(python3 -c "print(repr(1.0 / $K))")
"$RGFLOW" ising exact -L 4 -T "$T" --json >kaufman.json
python3 - "$K" <<'EOF' || fail "bond representation: log Z_RBM != log Z_Ising + 2L^2 (log 2 + K)"
import json, math, sys
K = float(sys.argv[1])
rbm = json.load(open("exact.json"))["log_z"]["mean"]
ising = json.load(open("kaufman.json"))["log_z"]["mean"]
expected = ising + 2 * 16 * (math.log(2) + K)
assert abs(rbm - expected) < 1e-9, (rbm, expected)
EOF

# AIS (a short linear schedule) agrees with the exact value within 4 standard errors + 0.05.
"$RGFLOW" conv logz b4.h5 --method ais --chains 50 --betas 1000 --seed 1 --json >ais.json
python3 - <<'EOF' || fail "AIS far from exact log Z"
import json
a = json.load(open("ais.json"))["log_z"]; e = json.load(open("exact.json"))["log_z"]["mean"]
assert abs(a["mean"] - e) < 4 * a["error"] + 0.05, (a, e)
EOF

# Ising data: loglik finds the exact Ising log-likelihood and KL ~ 0 for the bond model at K_c.
"$RGFLOW" ising sample -L 4 -T 2.269185314213022 -n 500 --seed 3 -o ising4.h5 -q >/dev/null
"$RGFLOW" conv loglik b4.h5 ising4.h5 --json >ll.json
json_check ll.json 'abs(j["ising"]["kl_per_spin"]["mean"]) < 1e-6' "the bond model's KL to its own Ising model"
json_check ll.json 'abs(j["log_likelihood_per_spin"]["mean"] - j["ising"]["log_likelihood_per_spin"]["mean"]) < 1e-6' \
  "the bond model's log-likelihood is the Ising one"

# Training end to end: PCD on the 4x4 Ising data beats independent spins (ln 2 per spin), and
# the same seed gives the same bytes of parameters.
"$RGFLOW" conv train ising4.h5 --conv kernel:2,stride:1,channels:2 --epochs 5 --weight-std 0.3 --seed 4 -o m.h5 -q \
  --json >train.json
json_check train.json 'j["lattice"] == 4 and j["n_hidden"] == 32 and j["parameters"] == 11' "train JSON"
"$RGFLOW" conv loglik m.h5 ising4.h5 --json >mll.json
json_check mll.json 'j["method"] == "exact" and j["log_likelihood_per_spin"]["mean"] > -0.69' "trained model beats coin flips"
"$RGFLOW" conv train ising4.h5 --conv kernel:2,stride:1,channels:2 --epochs 5 --weight-std 0.3 --seed 4 -o m2.h5 -q \
  >/dev/null
"$RGFLOW" conv loglik m2.h5 ising4.h5 --json >mll2.json
[[ "$(json_get mll.json 'j["log_likelihood_per_spin"]')" == "$(json_get mll2.json 'j["log_likelihood_per_spin"]')" ]] \
  || fail "same seed, same model"

# Adam with a cosine schedule and a warm-up epoch also beats coin flips; the JSON and the file
# record the optimiser and schedule (the last epoch runs at --learning-rate-final).
"$RGFLOW" conv train ising4.h5 --optimizer adam --learning-rate 0.02 --learning-rate-final 0.002 --lr-schedule cosine \
  --warmup-epochs 1 --epochs 5 --weight-std 0.3 --seed 4 -o ma.h5 -q --json >adam.json
json_check adam.json 'j["optimizer"] == "adam" and j["lr_schedule"] == "cosine" and j["warmup_epochs"] == 1 and abs(j["final_epoch_learning_rate"] - 0.002) < 1e-12' "adam JSON"
"$RGFLOW" conv loglik ma.h5 ising4.h5 --json >all.json
json_check all.json 'j["log_likelihood_per_spin"]["mean"] > -0.69' "Adam-trained model beats coin flips"

# Continuing from the exact model (--init) with Z2 symmetry and a small step keeps it near the
# optimum (a model trained from scratch this briefly would be near independent spins, KL ~ 0.2).
"$RGFLOW" conv train ising4.h5 --init b4.h5 --symmetry z2 --epochs 2 --learning-rate 0.001 --seed 1 -o fine.h5 -q \
  --json >fine.json
json_check fine.json 'j["init"] == "b4.h5" and j["symmetry"] == "z2"' "fine-tune JSON"
"$RGFLOW" conv loglik fine.h5 ising4.h5 --json >fll.json
json_check fll.json 'abs(j["ising"]["kl_per_spin"]["mean"]) < 0.01' "fine-tuned bond model stays close to the Ising model"
if have_h5py "conv file layout"; then
  "$PY_H5" -c 'import h5py,sys; g=h5py.File(sys.argv[1],"r")["conv_rbm"]; assert g["kernels"].shape==(2,4) and g["hidden_bias"].shape==(2,) and g["visible_bias"].shape==(1,) and g.attrs["lattice"]==4 and g.attrs["kernel"]==2 and g.attrs["channels"]==2' m.h5 \
    || fail "conv file layout"
fi

# The dense tools read conv files as their dense equivalent: rbm logz equals conv logz; the bond
# model's visible couplings are K on nearest neighbours and 0 beyond; its receptive-field centres
# lie half a spacing from the kernel-geometry positions (each kernel fills one row or column).
"$RGFLOW" rbm logz b4.h5 --json >dense_logz.json
python3 -c 'import json; a=json.load(open("dense_logz.json"))["log_z"]["mean"]; b=json.load(open("exact.json"))["log_z"]["mean"]; assert abs(a-b) < 1e-9*abs(b), (a,b)' \
  || fail "rbm logz of a conv file != conv logz"
"$RGFLOW" rg couplings b4.h5 --lattice 4 --max-order 2 --json >couplings.json
python3 - "$K" <<'EOF' || fail "bond model couplings"
import json, sys
K = float(sys.argv[1])
for b in json.load(open("couplings.json"))["by_displacement"]:
    expected = K if (b["order"], b["dx"], b["dy"]) == (2, 1, 0) else 0.0
    assert abs(b["mean"] - expected) < 1e-7, (b, expected)
EOF
"$RGFLOW" rg receptive-fields b4.h5 --lattice 4 --permutations 0 --json >rf.json
json_check rf.json 'abs(j["levels"][0]["centre_offset"]["mean"] - 0.5) < 1e-9 and j["levels"][0]["units"][0]["position"] == [0.5, 0.5]' \
  "conv receptive-field positions"

# Bad input: one line, exit 2, no output file.
expect_error() {
  local out="$1"; shift
  set +e
  "$RGFLOW" "$@" >/dev/null 2>err.txt
  local rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "$* exited $rc, expected 2"
  [[ $(wc -l <err.txt) -eq 1 ]] || fail "$*: not one line: $(cat err.txt)"
  [[ -z "$out" || ! -e "$out" ]] || fail "$*: left $out behind"
}
expect_error bad.h5 conv train ising4.h5 --conv kernel:2,stride:3 -o bad.h5
expect_error bad.h5 conv train ising4.h5 --conv kernel:9 -o bad.h5
expect_error bad.h5 conv train ising4.h5 --conv kernal:2 -o bad.h5
expect_error bad.h5 conv train ising4.h5 --learning-rate 0 -o bad.h5
expect_error bad.h5 conv train ising4.h5 --momentum 1 -o bad.h5
expect_error bad.h5 conv train ising4.h5 --optimizer adam --momentum 0.5 -o bad.h5
expect_error bad.h5 conv train ising4.h5 --optimizer rmsprop -o bad.h5
expect_error bad.h5 conv train ising4.h5 --lr-schedule step -o bad.h5
expect_error bad.h5 conv train ising4.h5 --warmup-epochs -1 -o bad.h5
expect_error bad.h5 conv train ising4.h5 --visible-type gaussian -o bad.h5
expect_error bad.h5 conv train missing.h5 -o bad.h5
expect_error "" conv logz missing.h5
echo "not hdf5" >junk.h5
expect_error "" conv logz junk.h5
expect_error "" conv logz ising4.h5
expect_error "" conv logz b4.h5 --method magic
expect_error "" conv logz b4.h5 --method reverse-ais
expect_error "" conv logz b4.h5 --chains 1
expect_error "" conv loglik b4.h5 junk.h5
expect_error bad.h5 conv bonds --lattice 2 --coupling 0.4 -o bad.h5
expect_error bad.h5 conv bonds --lattice 4 --coupling -1 -o bad.h5
"$RGFLOW" ising sample -L 6 -T 2.5 -n 10 --seed 1 -o ising6.h5 -q >/dev/null
expect_error "" conv loglik b4.h5 ising6.h5
echo "conv CLI: ok"
