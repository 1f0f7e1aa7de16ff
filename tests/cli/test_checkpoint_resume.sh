# Checkpoint + resume through the CLI gives the same model as an uninterrupted run (PCD chains,
# momentum and the random stream all restored), across the momentum switch at epoch 6.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 200 3
# A constant learning rate (a decaying schedule runs over the epoch total, which the resume raises)
# and Hinton's momentum switch.
common=(--hidden 5 --method pcd --steps 2 --batch-size 25 --learning-rate 0.05 --l2 0.0001
        --lr-schedule constant --momentum hinton --sparsity-target 0.2 --validation 0.1 --seed 11 -q)

"$RGFLOW" rbm train data.csv "${common[@]}" --epochs 7 --log full.csv -o full.h5 >/dev/null
"$RGFLOW" rbm train data.csv "${common[@]}" --epochs 4 --checkpoint-every 2 --log part.csv \
  -o part.h5 >/dev/null
[[ -f part.checkpoint.h5 ]] || fail "no checkpoint file part.checkpoint.h5"
# A checkpoint is also a loadable model.
"$RGFLOW" rbm logz part.checkpoint.h5 --json >ckpt_logz.json
# The data options (DATA, --validation, --binarize) must be repeated; the rest comes from the
# checkpoint, and trying to change it is an error.
expect_bad_input "resume with a new learning rate" resumed.h5 "--learning-rate" -- \
  "$RGFLOW" rbm train data.csv --resume part.checkpoint.h5 --learning-rate 0.1 -o resumed.h5
"$RGFLOW" rbm train data.csv --resume part.checkpoint.h5 --validation 0.1 --epochs 7 --log part.csv \
  -q -o resumed.h5 >/dev/null

"$RGFLOW" rbm logz full.h5 --json >full.json
"$RGFLOW" rbm logz resumed.h5 --json >resumed.json
[[ "$(json_get full.json 'repr(j["log_z"]["mean"])')" == "$(json_get resumed.json 'repr(j["log_z"]["mean"])')" ]] ||
  fail "log Z differs: uninterrupted $(json_get full.json 'j["log_z"]["mean"]'), resumed $(json_get resumed.json 'j["log_z"]["mean"]')"
[[ $(wc -l <part.csv) -eq 8 ]] || fail "resumed log should append to 7 rows + header: $(cat part.csv)"

if have_h5py "bitwise parameter comparison"; then
  "$PY_H5" - <<'PY' || fail "resumed parameters differ from the uninterrupted run"
import h5py, numpy as np
with h5py.File("full.h5", "r") as a, h5py.File("resumed.h5", "r") as b:
    for k in ("weights", "visible_bias", "hidden_bias"):
        x, y = a["/rbm/" + k][()], b["/rbm/" + k][()]
        assert np.array_equal(x, y), (k, np.abs(x - y).max())
print("resumed == uninterrupted, bit for bit")
PY
fi
echo "PASS"
