# rgflow conv train --checkpoint-every / --resume / --centering / --method pt: a run stopped after
# 3 epochs and resumed to 6 ends with the same bits as 6 epochs in one go (PCD + Adam + centring,
# PT + SGD, on 1 then 2 threads); the checkpoint's layout through h5py; centring is the identity
# under Z2 and on by default; Ctrl-C leaves the last checkpoint, which resumes; bad input (one line,
# exit 2, no output).
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" ising sample -L 4 -T 2.5 -n 300 --seed 1 -o d4.h5 -q >/dev/null
"$RGFLOW" ising sample -L 4 -T 2.5 -n 300 --seed 2 -o other4.h5 -q >/dev/null
same_model() {  # same_model A B: the exact log Z of two model files agree to all printed digits
  cmp -s <("$RGFLOW" conv logz "$1" --method exact --json | grep -v '"model"') \
    <("$RGFLOW" conv logz "$2" --method exact --json | grep -v '"model"')
}
run_case() {  # run_case NAME OPTIONS...
  local name="$1"; shift
  "$RGFLOW" conv train d4.h5 "$@" --epochs 6 --seed 3 -o "full_$name.h5" -q >/dev/null
  OMP_NUM_THREADS=1 "$RGFLOW" conv train d4.h5 "$@" --epochs 3 --seed 3 -o "half_$name.h5" --checkpoint-every 2 \
    --json -q >"half_$name.json"
  grep -q "\"checkpoint\": \"half_$name.checkpoint.h5\"" "half_$name.json" || fail "$name: checkpoint path"
  OMP_NUM_THREADS=2 "$RGFLOW" conv train d4.h5 --resume "half_$name.checkpoint.h5" --epochs 6 -o "res_$name.h5" \
    --json -q >"res_$name.json"
  grep -q '"epochs": 6,' "res_$name.json" && grep -q '"seed": 3,' "res_$name.json" || fail "$name: resumed options"
  same_model "full_$name.h5" "res_$name.h5" || fail "$name: resumed run differs from the uninterrupted one"
  # The comparison can fail: another seed gives another model.
  "$RGFLOW" conv train d4.h5 "$@" --epochs 6 --seed 4 -o "seed4_$name.h5" -q >/dev/null
  same_model "full_$name.h5" "seed4_$name.h5" && fail "$name: another seed gave the same model"
  echo "ok: resume $name"
}
run_case pcd_adam --method pcd --optimizer adam --learning-rate 0.01 --centering
run_case pt_sgd --method pt --replicas 3 --pt-beta-min 0.3 --chains 20 --learning-rate 0.05

if have_h5py "conv checkpoint layout"; then
  "$PY_H5" - half_pcd_adam.checkpoint.h5 <<'PY' || fail "checkpoint layout"
import h5py, json, sys
f = h5py.File(sys.argv[1], "r")
t = f["conv_train"]
o = json.loads(t.attrs["options"])
assert t.attrs["epochs_done"] == 3 and t.attrs["checkpoint_format_version"] == 1 and t.attrs["data_rows"] == 300
assert o["optimizer"] == "adam" and o["centering"] and o["seed"] == 3 and o["epochs"] == 3
assert t["first_kernels"].shape == (2, 4) and t["second_kernels"].shape == (2, 4) and t["adam_steps"][0] == 9
assert t["chains"].shape == (100, 16) and sorted(t["order"][()]) == list(range(300))
assert t["hidden_offset"].shape == (2, 1) and t["shuffle_rng"].shape == (4,)
assert f["conv_rbm/kernels"].shape == (2, 4)
import numpy as np
for name in ("pcd_adam", "pt_sgd"):  # bit for bit, not only log Z
    a, b = h5py.File(f"full_{name}.h5", "r")["conv_rbm"], h5py.File(f"res_{name}.h5", "r")["conv_rbm"]
    for d in ("kernels", "hidden_bias", "visible_bias"):
        assert np.array_equal(a[d][()], b[d][()]), (name, d)
PY
fi

# Centring: on by default, the identity under Z2, a different model otherwise.
"$RGFLOW" conv train d4.h5 --epochs 2 --seed 1 -o c_default.h5 -q >/dev/null
"$RGFLOW" conv train d4.h5 --epochs 2 --seed 1 --centering -o c_on.h5 -q >/dev/null
"$RGFLOW" conv train d4.h5 --epochs 2 --seed 1 --no-centering -o c_off.h5 -q >/dev/null
same_model c_default.h5 c_on.h5 || fail "centring is not the default"
same_model c_on.h5 c_off.h5 && fail "--no-centering changed nothing"
"$RGFLOW" conv train d4.h5 --epochs 2 --seed 1 --symmetry z2 --centering -o z_on.h5 -q >/dev/null
"$RGFLOW" conv train d4.h5 --epochs 2 --seed 1 --symmetry z2 --no-centering -o z_off.h5 -q >/dev/null
same_model z_on.h5 z_off.h5 || fail "centring is not the identity under Z2"
echo "ok: centring"

# Ctrl-C: exit 130, no model, the last checkpoint resumes.
interrupt_run sigint "$RGFLOW" conv train d4.h5 --epochs 1000000 --checkpoint-every 1 -o int.h5
[[ $STATUS -eq 130 ]] || fail "Ctrl-C: exit status $STATUS, expected 130"
grep -q "rgflow: interrupted" sigint.err || fail "Ctrl-C: no 'rgflow: interrupted'"
[[ ! -e int.h5 ]] || fail "Ctrl-C left a model file"
[[ -e int.checkpoint.h5 ]] || fail "Ctrl-C: no checkpoint left"
if have_h5py "resume after Ctrl-C"; then
  done_epochs=$("$PY_H5" -c 'import h5py,sys; print(int(h5py.File(sys.argv[1],"r")["conv_train"].attrs["epochs_done"]))' int.checkpoint.h5)
  "$RGFLOW" conv train d4.h5 --resume int.checkpoint.h5 --epochs $((done_epochs + 1)) -o int.h5 -q >/dev/null
  [[ -e int.h5 ]] || fail "resume after Ctrl-C wrote no model"
fi
echo "ok: Ctrl-C"

B=bad.h5
expect_bad_input "resume + --conv" $B "--conv" -- "$RGFLOW" conv train d4.h5 --resume half_pt_sgd.checkpoint.h5 --conv kernel:3 -o $B
expect_bad_input "resume + --seed" $B "--seed" -- "$RGFLOW" conv train d4.h5 --resume half_pt_sgd.checkpoint.h5 --seed 1 -o $B
expect_bad_input "resume other data" $B "--resume" -- "$RGFLOW" conv train other4.h5 --resume half_pt_sgd.checkpoint.h5 -o $B
expect_bad_input "resume fewer epochs" $B "--epochs" -- "$RGFLOW" conv train d4.h5 --resume half_pt_sgd.checkpoint.h5 --epochs 2 -o $B
expect_bad_input "resume a model file" $B "full_pt_sgd.h5" -- "$RGFLOW" conv train d4.h5 --resume full_pt_sgd.h5 -o $B
expect_bad_input "resume missing" $B "nothere.h5" -- "$RGFLOW" conv train d4.h5 --resume nothere.h5 -o $B
expect_bad_input "checkpoint file alone" $B "--checkpoint-file" -- "$RGFLOW" conv train d4.h5 --checkpoint-file c.h5 -o $B
expect_bad_input "checkpoint every" $B "--checkpoint-every" -- "$RGFLOW" conv train d4.h5 --checkpoint-every -1 -o $B
expect_bad_input "replicas" $B "--replicas" -- "$RGFLOW" conv train d4.h5 --method pt --replicas 1 -o $B
expect_bad_input "pt beta" $B "--pt-beta-min" -- "$RGFLOW" conv train d4.h5 --method pt --pt-beta-min 1 -o $B
expect_bad_input "method" $B "--method" -- "$RGFLOW" conv train d4.h5 --method tap2 -o $B
echo "conv resume CLI: ok"
