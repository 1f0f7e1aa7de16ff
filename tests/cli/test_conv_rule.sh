# A convolutional RBM as the blocking rule of `rg coarse-grain` and `ising mcrg --rule` (the RBM's
# learned blocking, issues #17/#18): the hand-built majority-rule RBM (`conv majority`) reproduces
# majority rule bit for bit with --conv-hidden sign (coarse-grain vs ising block; mcrg JSON), and
# in sample mode gives the same observables within error; a trained conv RBM blocks level by
# level; bad input (one line, exit 2, no output file).
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" ising sample -L 16 -T 2.269185314213 -n 800 --algorithm wolff --chains 4 --seed 3 -q \
  -o ising.h5 >/dev/null

"$RGFLOW" conv majority --lattice 16 --block 2 --weight 20 -o maj.h5 --json >maj.json
json_check maj.json 'j["block"] == 2 and j["weight"] == 20 and j["max_minority_probability"] < 1e-17' \
  "majority-rule RBM"

# sign: majority rule bit for bit (the same tie coins).
"$RGFLOW" rg coarse-grain maj.h5 ising.h5 --conv-hidden sign --seed 9 -o coarse_sign.h5
"$RGFLOW" ising block ising.h5 --factor 2 --rule majority --seed 9 -o block.h5
if have_h5py "majority-rule RBM = majority rule"; then
  "$PY_H5" - coarse_sign.h5 block.h5 <<'PY' || fail "coarse-grain with the majority-rule RBM differs from majority rule"
import h5py, numpy as np, sys
a, b = (h5py.File(p, "r")["/spins"] for p in sys.argv[1:])
assert a.shape == (800, 8, 8) and np.array_equal(a[()], b[()])
rule = a.attrs["block_rule"]
assert (rule.decode() if isinstance(rule, bytes) else rule) == "conv-rbm-sign"
hidden = a.attrs["block_conv_hidden"]
assert (hidden.decode() if isinstance(hidden, bytes) else hidden) == "sign"
PY
fi
"$RGFLOW" ising mcrg ising.h5 --levels 2 --json >mcrg_maj.json
"$RGFLOW" ising mcrg ising.h5 --levels 2 --rule maj.h5 --conv-hidden sign --json >mcrg_sign.json
json_check mcrg_sign.json 'j["steps"] == json.load(open("mcrg_maj.json"))["steps"]' "mcrg: majority-rule RBM (sign) = majority"
json_check mcrg_sign.json '[r["rule"] for r in j["rules"]] == ["conv-rbm-sign", "conv-rbm-sign"]' "rules per level"

# sample (the default): other coins at the ties, the same distribution. |m| of the coarse
# configurations agrees with majority rule's within 4 combined standard errors.
"$RGFLOW" rg coarse-grain maj.h5 ising.h5 --seed 10 -o coarse_sample.h5
"$RGFLOW" ising observe coarse_sample.h5 --json >obs_sample.json
"$RGFLOW" ising observe block.h5 --json >obs_block.json
python3 - obs_sample.json obs_block.json <<'PY' || fail "sampled majority-rule RBM: |m| differs from majority rule"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
def am(j):
    for k in ("abs_magnetization", "abs_magnetisation"):
        if k in j:
            v = j[k]
            return (v["mean"], v["error"]) if isinstance(v, dict) else (v, j[k + "_error"])
    raise KeyError(sorted(j))
(x, ex), (y, ey) = am(a), am(b)
assert abs(x - y) < 4 * (ex * ex + ey * ey) ** 0.5, (x, ex, y, ey)
PY

# A trained conv RBM (kernel 2, stride 2, one channel) blocks level by level.
"$RGFLOW" conv train ising.h5 --conv kernel:2,stride:2,channels:1 --epochs 2 --batch-size 50 --seed 4 -q \
  -o learned.h5 >/dev/null
"$RGFLOW" ising mcrg ising.h5 --levels 2 --rule learned.h5 --json >mcrg_learned.json
json_check mcrg_learned.json 'len(j["steps"]) == 2 and j["steps"][1]["to_size"] == 4' "learned blocking, two levels"
json_check mcrg_learned.json '[r["rule"] for r in j["rules"]] == ["conv-rbm-sample"] * 2' "learned rule names"
"$RGFLOW" rg coarse-grain learned.h5 ising.h5 --conv-hidden sign -o l1.h5
"$RGFLOW" rg coarse-grain learned.h5 l1.h5 --conv-hidden sign -o l2.h5
"$RGFLOW" ising observe l2.h5 --json >l2.json
json_check l2.json 'j["L"] == 4 and j["samples"] == 800' "second level of the learned rule"

# Bad input.
"$RGFLOW" conv bonds --lattice 8 --coupling 0.4 -o bonds.h5 >/dev/null
expect_bad_input "two channels, none chosen" out.h5 "channels" -- "$RGFLOW" rg coarse-grain bonds.h5 ising.h5 -o out.h5
expect_bad_input "channel out of range" out.h5 "channel 2" -- \
  "$RGFLOW" rg coarse-grain bonds.h5 ising.h5 --conv-channel 2 -o out.h5
expect_bad_input "hidden state" out.h5 "--conv-hidden" -- \
  "$RGFLOW" rg coarse-grain maj.h5 ising.h5 --conv-hidden mean -o out.h5
expect_bad_input "conv option, RSMI-free built-in rule" - "--conv-" -- \
  "$RGFLOW" ising mcrg ising.h5 --levels 1 --conv-hidden sign --json
"$RGFLOW" conv majority --lattice 16 --block 4 -o maj4.h5 >/dev/null
expect_bad_input "mcrg factor mismatch" - "--factor" -- \
  "$RGFLOW" ising mcrg ising.h5 --rule maj4.h5 --factor 2 --levels 1 --json
expect_bad_input "block does not divide" out.h5 "--block" -- "$RGFLOW" conv majority --lattice 10 --block 4 -o out.h5
expect_bad_input "weight" out.h5 "--weight" -- "$RGFLOW" conv majority --lattice 8 --weight 0 -o out.h5
echo "ok"
