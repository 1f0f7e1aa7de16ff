# rg flow --map hopfield|nmf|autoencoder on the same small Ising data as the RBM (docs/flow-maps.md):
# the JSON of every map, the properties each map guarantees (the zero-temperature Hopfield flow and
# the NMF projection reach fixed points; deterministic maps repeat bit for bit), and bad input.
source "$(dirname "$0")/common.sh" "$1"
have_h5py "flow maps (needs h5py to combine temperatures)" || exit 0

files=()
for k in 0 1 2 3 4; do
  T=$(python3 -c "print(1 + $k)")
  "$RGFLOW" ising sample -L 6 -T "$T" -n 100 --algorithm wolff --sweeps-between 2 --seed $((300 + k)) -q -o "t$k.h5" >/dev/null
  files+=("t$k.h5")
done
"$PY_H5" - "${files[@]}" <<'PY'
import sys, h5py, numpy as np
spins = np.concatenate([h5py.File(f, "r")["/spins"][()] for f in sys.argv[1:]]).astype(np.int8)
h5py.File("train.h5", "w").create_dataset("spins", data=spins)
d = h5py.File("train01.h5", "w").create_dataset("data", data=((spins.reshape(len(spins), -1) + 1) // 2).astype(np.float32))
d.attrs["lattice_size"] = 6
PY
"$RGFLOW" ising sample -L 6 -T 3 -n 200 --algorithm wolff --seed 9 -q -o start.h5 >/dev/null
"$RGFLOW" hopfield store train.h5 -o hop.h5 >/dev/null
"$RGFLOW" nmf fit train01.h5 --rank 4 --seed 1 -o nmf.h5 >/dev/null
"$RGFLOW" autoencoder train train01.h5 --hidden 20 --epochs 5 --batch-size 20 --seed 1 -q -o ae.h5 >/dev/null

"$RGFLOW" rg flow hop.h5 start.h5 --map hopfield --propagate sample --hopfield-temperature 0 --steps 12 --seed 2 --json >hop0.json
json_check hop0.json 'j["map"] == "hopfield" and len(j["steps"]) == 13' "hopfield JSON"
json_check hop0.json 'j["steps"][-1]["energy"] == j["steps"][-2]["energy"] and j["steps"][-1]["abs_magnetization"] == j["steps"][-2]["abs_magnetization"]' \
  "zero-temperature Hopfield flow reaches its fixed points"
"$RGFLOW" rg flow hop.h5 start.h5 --map hopfield --propagate mean --hopfield-temperature 1 --steps 3 --json >hopm.json
json_check hopm.json 'j["hopfield_temperature"] == 1 and len(j["steps"]) == 4' "hopfield mean flow"

"$RGFLOW" rg flow nmf.h5 start.h5 --map nmf --steps 4 --json >nmf.json
json_check nmf.json 'all(abs(s["energy"]["mean"] - j["steps"][1]["energy"]["mean"]) < 1e-3 for s in j["steps"][1:])' \
  "the NMF flow is a projection: stationary after one step"
"$RGFLOW" rg flow ae.h5 start.h5 --map autoencoder --steps 4 --json -o ae.png >ae1.json
"$RGFLOW" rg flow ae.h5 start.h5 --map autoencoder --steps 4 --json >ae2.json
cmp -s ae1.json ae2.json || fail "the autoencoder flow is deterministic"
[[ -s ae.png ]] || fail "flow mosaic"
json_check ae1.json 'j["steps"][0]["temperature_energy"]["mean"] > 2 and j["steps"][0]["temperature_energy"]["mean"] < 4.5' "step 0 is the data (T = 3)"

expect_bad_input "deterministic map sampled" - "--propagate" -- "$RGFLOW" rg flow nmf.h5 start.h5 --map nmf --propagate sample
expect_bad_input "wrong model kind" - "hop.h5" -- "$RGFLOW" rg flow hop.h5 start.h5 --map nmf
expect_bad_input "negative temperature" - "--hopfield-temperature" -- "$RGFLOW" rg flow hop.h5 start.h5 --map hopfield --hopfield-temperature -1
"$RGFLOW" ising sample -L 4 -T 3 -n 10 --seed 1 -q -o small.h5 >/dev/null
expect_bad_input "lattice size" - "hop.h5" -- "$RGFLOW" rg flow hop.h5 small.h5 --map hopfield
echo ok
