# rgflow conv transform: one channel's hidden lattice of every data row, as data for the next
# `conv train` (stacking conv layers). Samples of the L = 4 Ising bond model give a 4x4 hidden
# lattice per channel (stride 1) with site mean 0 by the model's Z2 symmetry (within 4 sigma); the
# output is an `rgflow ising sample`-style /spins file that `conv train` reads; --mean writes
# /data with lattice_size; same seed, same bits; bad input (one line, exit 2, no output).
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" conv bonds --lattice 4 --coupling 0.3 -o b4.h5 >/dev/null
"$RGFLOW" conv sample b4.h5 -n 1000 --sweeps 20 --seed 1 -o v.h5 -q >/dev/null
"$RGFLOW" conv transform b4.h5 v.h5 --channel 1 --seed 2 -o h.h5 --json >h.json
json_check h.json 'j["lattice"] == 4 and j["rows"] == 1000 and j["channel"] == 1 and j["mode"] == "sample" and abs(j["site_mean"]["mean"]) < 4 * j["site_mean"]["error"] + 1e-12 and j["site_mean"]["error"] > 0' \
  "transform JSON"
"$RGFLOW" conv transform b4.h5 v.h5 --channel 1 --seed 2 -o h_again.h5 >/dev/null
"$RGFLOW" conv transform b4.h5 v.h5 --channel 1 --seed 3 -o h_other.h5 >/dev/null
"$RGFLOW" conv train h.h5 --conv kernel:2,stride:2,channels:1 --epochs 2 --seed 1 -o layer2.h5 --json -q >l2.json
json_check l2.json 'j["lattice"] == 4 and j["rows"] == 1000 and j["n_hidden"] == 4' "second layer trained on the hidden lattice"
"$RGFLOW" conv transform b4.h5 v.h5 --mean -o m.h5 >/dev/null
if have_h5py "conv transform layout"; then
  "$PY_H5" - <<'PY' || fail "transform layout"
import h5py, numpy as np
h, again, other = (h5py.File(n, "r")["spins"] for n in ("h.h5", "h_again.h5", "h_other.h5"))
assert h.shape == (1000, 4, 4) and h.dtype == np.int8
assert np.array_equal(h[()], again[()]) and not np.array_equal(h[()], other[()])
assert h.attrs["channel"] == b"1" or h.attrs["channel"] == "1"
m = h5py.File("m.h5", "r")["data"]
assert m.shape == (1000, 16) and m.attrs["lattice_size"] == 4
x = m[()]
assert np.all(np.abs(x) < 1) and np.any(np.abs(x) > 0.1)   # tanh of the fields: means, not states
PY
fi
expect_bad_input "channel" bad.h5 "--channel" -- "$RGFLOW" conv transform b4.h5 v.h5 --channel 2 -o bad.h5
"$RGFLOW" ising sample -L 6 -T 2.5 -n 10 --seed 1 -o v6.h5 -q >/dev/null
expect_bad_input "wrong lattice" bad.h5 "v6.h5" -- "$RGFLOW" conv transform b4.h5 v6.h5 -o bad.h5
expect_bad_input "missing model" bad.h5 "none.h5" -- "$RGFLOW" conv transform none.h5 v.h5 -o bad.h5
expect_bad_input "output is input" - "--output" -- "$RGFLOW" conv transform b4.h5 v.h5 -o v.h5
expect_bad_input "means are not states" bad.h5 "m.h5" -- "$RGFLOW" conv train m.h5 --epochs 1 -o bad.h5
echo "conv stack CLI: ok"
