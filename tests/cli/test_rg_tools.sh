# rgflow rg couplings | receptive-fields | flow | free-energy-flow and rbm train --mask:
# structure of the outputs, exact zeros a block mask implies, the data's temperature recovered at
# flow step 0, the exact Ising free energy column, and bad input.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" ising sample -L 4 -T 3 -n 2000 --algorithm wolff --sweeps-between 2 --seed 7 -q \
  -o ising.h5 >/dev/null

# A locally connected RBM: one spin hidden unit per 2x2 block.
"$RGFLOW" rbm train ising.h5 -o masked.h5 --hidden 4 --visible-type spin --hidden-type spin \
  --mask block:2 --lattice 4 --method pcd --epochs 3 --learning-rate 0.01 --seed 1 -q >/dev/null
if have_h5py "mask dataset"; then
  "$PY_H5" - masked.h5 <<'PY' || fail "mask dataset and masked weights"
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], "r")
m, w = f["/rbm/mask"][()], f["/rbm/weights"][()]
assert m.shape == (16, 4) and set(np.unique(m)) == {0.0, 1.0}
assert np.all(w[m == 0] == 0) and np.all(w[m == 1] != 0)
assert f["/rbm"].attrs["mask"] in (b"block:2", "block:2")
PY
fi

"$RGFLOW" rg couplings masked.h5 --lattice 4 --json >couplings.json
json_check couplings.json 'j["exact_units"] == 4 and j["monte_carlo_units"] == 0' "all units exact"
json_check couplings.json 'all(set(c) == {"sites", "value", "error"} for c in j["couplings"])' \
  "coupling entries"
# Sites 0 and 2 lie in different blocks: no unit touches both, so K is exactly 0; 0 and 1 share one.
json_check couplings.json '[c["value"] for c in j["couplings"] if c["sites"] == [0, 2]] == [0.0]' \
  "cross-block coupling is exactly 0"
json_check couplings.json '[c["value"] != 0 for c in j["couplings"] if c["sites"] == [0, 1]] == [True]' \
  "in-block coupling"
json_check couplings.json 'any(b["order"] == 2 and b["dx"] == 1 and b["dy"] == 0 and b["count"] == 32
                              for b in j["by_displacement"])' "nearest-neighbour class"
"$RGFLOW" rg couplings masked.h5 --side hidden --max-order 2 --json >hidden.json
json_check hidden.json 'len(j["couplings"]) == 4 + 6 and j["side"] == "hidden"' "hidden side"

"$RGFLOW" rg receptive-fields masked.h5 --lattice 4 --radius 1.5 --json -o rf.png >rf.json
[[ -s rf.png ]] || fail "receptive-field PNG"
json_check rf.json 'j["levels"][0]["score"]["mean"] == 1.0' "masked block fields are local"

"$RGFLOW" rg flow masked.h5 ising.h5 --steps 2 --json -o flow.png >flow.json
[[ -s flow.png ]] || fail "flow PNG"
json_check flow.json 'len(j["steps"]) == 3 and j["data_temperature"] == 3.0' "flow steps"
json_check flow.json 'abs(j["steps"][0]["temperature_energy"]["mean"] - 3) < 5 * j["steps"][0]["temperature_energy"]["error"]' \
  "step 0 recovers the data temperature"

"$RGFLOW" dbn train ising.h5 --layers 16,8,4 --visible-type spin --hidden-type spin --epochs 2 \
  --learning-rate 0.01 --seed 2 -q -o dbn.h5 >/dev/null
"$RGFLOW" rg free-energy-flow dbn.h5 ising.h5 --log-z exact --json >fe.json
"$RGFLOW" ising exact -L 4 -T 3 --json >exact.json
python3 - fe.json exact.json <<'PY' || fail "free-energy flow"
import json, sys
fe, ex = (json.load(open(p)) for p in sys.argv[1:])
f = fe["ising_free_energy_per_site"]
# rgflow ising exact reports −T ln Z / N; the RBM side works in units of T: −ln Z / N.
assert abs(3 * f - ex["free_energy_per_spin"]["mean"]) < 1e-9, (f, ex)
layers = fe["layers"]
assert [l["n_visible"] for l in layers] == [16, 8]
assert abs(layers[1]["ising_free_energy_per_unit"] - 2 * f) < 1e-9
# The change with the step's constant kept: Δ n_0 = log Z_0 − log Z_1 + ⟨F^h_0⟩_u − ⟨F_1⟩_u, which
# is F'_1 − K_∅ − F'_0 (K_∅ = ⟨F_0⟩_u − ⟨F^h_0⟩_u, the constant the step generates).
l0, l1 = layers
d = (l0["log_z"]["mean"] - l1["log_z"]["mean"] + l0["uniform_mean_hidden_free_energy"]["mean"]
     - l1["uniform_mean_free_energy"]["mean"]) / 16
d2 = (l1["free_energy"]["mean"] - l0["generated_constant"]["mean"] - l0["free_energy"]["mean"]) / 16
assert abs(fe["change_per_site"][0]["mean"] - d) < 1e-9, (fe["change_per_site"], d)
assert abs(d2 - d) < 1e-9, (d, d2)
assert abs(fe["conservation"]["mean"] - abs(d)) < 1e-12
assert abs(l1["kept_free_energy_per_site"]["mean"] - l0["free_energy_per_site"]["mean"] - d) < 1e-9
assert "generated_constant" not in l1  # the top layer's hidden level is no model's visible level
PY

# Bad input: one line naming the file or option, exit status 2, no output file.
set +e
"$RGFLOW" rg couplings missing.h5 2>err.txt; rc=$?
set -e
[[ $rc -eq 2 && $(wc -l <err.txt) -eq 1 ]] && grep -q "missing.h5" err.txt || fail "missing model: $(cat err.txt)"
set +e
"$RGFLOW" rg couplings masked.h5 --lattice 5 2>err.txt; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "lattice 5" err.txt || fail "wrong lattice: $(cat err.txt)"
set +e
"$RGFLOW" rbm train ising.h5 -o bad.h5 --hidden 4 --mask block:3 --lattice 4 -q 2>err.txt; rc=$?
set -e
[[ $rc -eq 2 && ! -e bad.h5 ]] && grep -q "block 3" err.txt || fail "bad mask: $(cat err.txt)"
set +e
"$RGFLOW" rbm train ising.h5 -o bad.h5 --hidden 5 --visible-type spin --mask block:2 --lattice 4 -q 2>err.txt; rc=$?
set -e
[[ $rc -eq 2 && ! -e bad.h5 ]] && grep -q -- "--hidden 4" err.txt || fail "mask/hidden mismatch: $(cat err.txt)"
echo "rg tools OK"
