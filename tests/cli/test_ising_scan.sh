# rgflow ising sample as a temperature scan over several sizes: one JSON point per (L, T) with the
# Kaufman energy next to the estimate, one HDF5 file per point that `observe` reproduces, five
# plots, and bad scan syntax.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" ising sample --size 4,8 --temperature 2.0:2.6:4 --samples 2000 --thermalize 200 \
  --seed 7 -q --json --plot scan -o scan.h5 >scan.json
python3 - scan.json <<'PY' || fail "scan JSON"
import json, sys
j = json.load(open(sys.argv[1]))
pts = j["points"]
assert len(pts) == 8, len(pts)
for p in pts:
    e, x = p["energy_per_spin"], p["exact"]["energy_per_spin"]
    # Each point against Kaufman's exact finite-lattice energy: 5 standard errors.
    assert abs(e["mean"] - x) < 5 * e["error"] + 1e-12, p
assert len({p["seed"] for p in pts}) == 8, "every point needs its own seed"
PY
for q in energy specific_heat abs_magnetization susceptibility binder; do
  [[ -s "scan_$q.png" ]] || fail "missing plot scan_$q.png"
done
files=(scan_L*_T*.h5)
[[ ${#files[@]} -eq 8 ]] || fail "expected 8 point files, got ${files[*]}"
# Named by L and the temperature's value (2.0:2.6:4 = 2.0, 2.2, 2.4, 2.6), and listed.
for L in 4 8; do for T in 2.0 2.2 2.4 2.6; do
  [[ -f scan_L${L}_T$T.h5 ]] || fail "missing scan_L${L}_T$T.h5 (have ${files[*]})"
done; done
json_check scan.json 'sorted(p["output"] for p in j["points"]) == sorted("scan_L%d_T%s.h5" % (L, T) for L in (4, 8) for T in ("2.0", "2.2", "2.4", "2.6"))' "JSON lists the files"
"$RGFLOW" ising sample --size 4 --temperature 2.0:2.6:4 --samples 200 --thermalize 20 --seed 7 -q -o text.h5 >scan.txt
grep -q 'files (4, one per point): text_L4_T2.0.h5 text_L4_T2.2.h5 text_L4_T2.4.h5 text_L4_T2.6.h5' scan.txt || fail "text output does not list the files: $(cat scan.txt)"
"$RGFLOW" ising observe "${files[0]}" --json >observe.json
python3 - scan.json observe.json "${files[0]}" <<'PY' || fail "observe does not reproduce the scan point"
import json, sys
pts = json.load(open(sys.argv[1]))["points"]
o = json.load(open(sys.argv[2]))
e = o["energy_per_spin"]["mean"]
assert any(abs(p["energy_per_spin"]["mean"] - e) < 1e-12 for p in pts), (e, sys.argv[3])
PY

# MCRG sampling its own configurations (no DATA): y_h within 4 sigma plus the known truncation
# allowance of this operator set (tests/statistical/test_rg_mcrg.cpp) of 15/8.
"$RGFLOW" ising mcrg --size 16 --temperature 2.269185314 --samples 1000 --levels 2 --seed 3 --json >mcrg.json
json_check mcrg.json 'all(abs(s["y_h"]["mean"] - 1.875) < 4 * s["y_h"]["error"] + 0.015 for s in j["steps"]) and j["seed"] == 3' "MCRG y_h"
expect_bad_input "mcrg without data or size" - "--size" -- "$RGFLOW" ising mcrg

expect_bad_input "scan count of zero" - "--temperature" -- "$RGFLOW" ising sample --size 4 --temperature 2.0:2.5:0 --samples 10 -q
expect_bad_input "scan with garbage" - "--temperature" -- "$RGFLOW" ising sample --size 4 --temperature 2.0:x:3 --samples 10 -q
expect_bad_input "bad size list" - "--size" -- "$RGFLOW" ising sample --size 4,,8 --temperature 2.0 --samples 10 -q
echo "PASS"
