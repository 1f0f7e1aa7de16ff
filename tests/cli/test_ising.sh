# rgflow ising sample | exact | observe: round trip through HDF5, exact anchors, JSON contract,
# and bad input -> exit 2 with one "rgflow: error:" line and no output file.
source "$(dirname "$0")/common.sh" "$1"

TC=2.269185314213

# exact: Kaufman anchor e(16) and c(64) at T_c (shared/REFERENCES.md).
"$RGFLOW" ising exact --size 16 --temperature $TC --json >exact16.json
json_check exact16.json 'abs(j["energy_per_spin"]["mean"] - (-1.45306485281)) < 1e-9' "e(16) at T_c"
json_check exact16.json 'j["energy_per_spin"]["error"] == 0' "exact values carry error 0"
"$RGFLOW" ising exact -L 64 -T $TC --json >exact64.json
json_check exact64.json 'abs(j["specific_heat_per_spin"]["mean"] - 2.19221139314) < 1e-9' "c(64) at T_c"
"$RGFLOW" ising exact -L 8 -T 2.0 --json >exact8.json
json_check exact8.json 'abs(j["infinite_lattice"]["energy_per_spin"]["mean"] - (-1.745564575)) < 1e-9' "Onsager u(T=2)"
json_check exact8.json 'abs(j["infinite_lattice"]["spontaneous_magnetization"]["mean"] - 0.9113193779) < 1e-9' "Yang M(T=2)"
"$RGFLOW" ising exact -L 8 -T 2.0 | grep -q "Kaufman" || fail "text output of exact"
echo "ok: exact"

# sample -> file -> observe gives the same numbers; energy within 4 sigma of Kaufman.
for alg in metropolis wolff sw metropolis-scalar; do
  "$RGFLOW" ising sample --size 8 --temperature $TC --samples 1280 --algorithm $alg \
    --sweeps-between 2 --thermalize 100 --seed 7 -o "s_$alg.h5" --json >"s_$alg.json"
  json_check "s_$alg.json" 'abs(j["energy_per_spin"]["mean"] - j["exact"]["energy_per_spin"]) < 4 * j["energy_per_spin"]["error"]' "$alg energy vs Kaufman"
  json_check "s_$alg.json" 'all(k in j and set(j[k]) >= {"mean", "error"} for k in ["energy_per_spin", "specific_heat_per_spin", "abs_magnetization", "susceptibility", "binder", "tau_int"])' "$alg JSON observables"
  "$RGFLOW" ising observe "s_$alg.h5" --json >"o_$alg.json"
  python3 - "s_$alg.json" "o_$alg.json" <<'PY' || fail "$alg: observe differs from sample"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in ["energy_per_spin", "specific_heat_per_spin", "abs_magnetization", "binder"]:
    assert abs(a[k]["mean"] - b[k]["mean"]) < 1e-9 and abs(a[k]["error"] - b[k]["error"]) < 1e-9, k
assert b["chains"] == a["chains"] and b["temperature"] == a["temperature"]
PY
  echo "ok: sample/observe $alg"
done

# Same seed -> same file contents (observables); different seed -> different.
"$RGFLOW" ising sample -L 8 -T 3 -n 640 --seed 7 -o again.h5 --json >again1.json
"$RGFLOW" ising sample -L 8 -T 3 -n 640 --seed 7 --json >again2.json
cmp -s <(grep -v '"output"' again1.json) <(grep -v '"output"' again2.json) || fail "same seed, different output"
OMP_NUM_THREADS=1 "$RGFLOW" ising sample -L 8 -T 3 -n 640 --seed 7 --chains 128 --json >t1.json
OMP_NUM_THREADS=2 "$RGFLOW" ising sample -L 8 -T 3 -n 640 --seed 7 --chains 128 --json >t2.json
cmp -s t1.json t2.json || fail "1 and 2 threads differ"
echo "ok: reproducible"

if have_h5py "dataset layout"; then
  "$PY_H5" - s_wolff.h5 <<'PY' || fail "HDF5 layout of ising sample"
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], "r") as f:
    s = f["spins"]
    assert s.dtype == np.int8 and s.shape == (1280, 8, 8), (s.dtype, s.shape)
    v = s[...]
    assert set(np.unique(v)) <= {-1, 1}
    a = dict(s.attrs)
    for k in ["temperature", "coupling", "algorithm", "seed", "L", "samples", "sweeps_between", "thermalize", "chains"]:
        assert k in a, k
    val = lambda x: x.decode() if isinstance(x, bytes) else str(x)
    assert val(a["algorithm"]) == "wolff" and float(val(a["temperature"])) == 2.269185314213
PY
  echo "ok: HDF5 layout"
fi

# block: L=8 -> 4 keeps N and the attributes; decimation of decimation = decimation by 4.
"$RGFLOW" ising block s_wolff.h5 --factor 2 --seed 3 -o b2.h5
"$RGFLOW" ising observe b2.h5 --json >b2.json
json_check b2.json 'j["L"] == 4 and j["samples"] == 1280 and abs(j["temperature"] - 2.269185314213) < 1e-12' "block keeps N, T; L -> L/b"
"$RGFLOW" ising block s_wolff.h5 --factor 2 --rule decimation -o d2.h5
"$RGFLOW" ising block d2.h5 --factor 2 --rule decimation -o d22.h5
"$RGFLOW" ising block s_wolff.h5 --factor 4 --rule decimation -o d4.h5
"$RGFLOW" ising observe d22.h5 --json >d22.json
"$RGFLOW" ising observe d4.h5 --json >d4.json
json_check d22.json "j['energy_per_spin']['mean'] == $(json_get d4.json 'j["energy_per_spin"]["mean"]')" "decimation composes"
echo "ok: block"

# mcrg on Wolff configurations at T_c: exponents near y_t = 1, y_h = 15/8.
"$RGFLOW" ising sample -L 16 -T $TC -n 2000 --algorithm wolff --chains 4 --thermalize 200 --seed 11 -o w16.h5 -q >/dev/null
"$RGFLOW" ising mcrg w16.h5 --levels 2 --json >mcrg.json
json_check mcrg.json 'len(j["steps"]) == 2 and all(abs(s["y_h"]["mean"] - 1.875) < 4 * s["y_h"]["error"] + 0.015 for s in j["steps"])' "mcrg y_h"
json_check mcrg.json 'all(abs(s["y_t"]["mean"] - 1) < 4 * s["y_t"]["error"] + 0.08 for s in j["steps"])' "mcrg y_t"
"$RGFLOW" ising mcrg w16.h5 --levels 2 | grep -q "y_t" || fail "mcrg text output"
echo "ok: mcrg"

# Bad input.
expect_bad_input "size 1" bad.h5 "--size" -- "$RGFLOW" ising sample -L 1 -T 2 -n 10 -o bad.h5
expect_bad_input "negative T" bad.h5 "--temperature" -- "$RGFLOW" ising sample -L 8 -T -1 -n 10 -o bad.h5
expect_bad_input "zero samples" bad.h5 "--samples" -- "$RGFLOW" ising sample -L 8 -T 2 -n 0 -o bad.h5
expect_bad_input "unknown algorithm" bad.h5 "heatbath" -- "$RGFLOW" ising sample -L 8 -T 2 -n 10 --algorithm heatbath -o bad.h5
expect_bad_input "wolff with field" bad.h5 "Wolff" -- "$RGFLOW" ising sample -L 8 -T 2 -n 10 --algorithm wolff --field 0.1 -o bad.h5
expect_bad_input "wrong extension" bad.txt "bad.txt" -- "$RGFLOW" ising sample -L 8 -T 2 -n 10 -o bad.txt
expect_bad_input "missing directory" nodir/bad.h5 "nodir" -- "$RGFLOW" ising sample -L 8 -T 2 -n 10 -o nodir/bad.h5
expect_bad_input "exact T=0" - "--temperature" -- "$RGFLOW" ising exact -L 8 -T 0
expect_bad_input "exact L=1" - "--size" -- "$RGFLOW" ising exact -L 1 -T 2
expect_bad_input "observe missing file" - "missing.h5" -- "$RGFLOW" ising observe missing.h5
echo "not hdf5" >corrupt.h5
expect_bad_input "observe corrupt file" - "corrupt.h5" -- "$RGFLOW" ising observe corrupt.h5
expect_bad_input "block factor" bad.h5 "--factor 3" -- "$RGFLOW" ising block s_wolff.h5 --factor 3 -o bad.h5
expect_bad_input "block rule" bad.h5 "median" -- "$RGFLOW" ising block s_wolff.h5 --rule median -o bad.h5
expect_bad_input "block missing input" bad.h5 "missing.h5" -- "$RGFLOW" ising block missing.h5 -o bad.h5
expect_bad_input "mcrg too many levels" - "w16.h5" -- "$RGFLOW" ising mcrg w16.h5 --levels 3
expect_bad_input "mcrg operators" - "--even" -- "$RGFLOW" ising mcrg w16.h5 --even 7
status=0
"$RGFLOW" ising sample -L eight -T 2 -n 10 >/dev/null 2>&1 || status=$?
[[ $status -eq 2 ]] || fail "non-numeric --size: exit $status, expected 2"
echo "ok: bad input"
echo "PASS"
