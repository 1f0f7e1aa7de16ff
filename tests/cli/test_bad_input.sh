# Bad input (DESIGN.md): missing, corrupt, truncated or empty files, wrong shapes, NaN, values
# outside the unit type's range, absurd sizes -> exit 2, one line "rgflow: error: ..." naming the
# file (or option) at fault, and no output file left behind.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 60 1
"$RGFLOW" rbm train data.csv --hidden 3 --epochs 1 --seed 1 -q -o model.h5 >/dev/null
[[ -f model.h5 ]] || fail "setup: no model"

# --- files that cannot be read ------------------------------------------------------------
expect_bad_input "train: missing data file" out.h5 missing.csv -- \
  "$RGFLOW" rbm train missing.csv --hidden 3 -o out.h5
expect_bad_input "logz: missing model" - nomodel.h5 -- "$RGFLOW" rbm logz nomodel.h5 --method exact
printf 'this is not an HDF5 file\n%.0s' {1..50} >corrupt.h5
expect_bad_input "logz: corrupt model" - corrupt.h5 -- "$RGFLOW" rbm logz corrupt.h5
: >empty.h5
expect_bad_input "loglik: empty model file" - empty.h5 -- "$RGFLOW" rbm loglik empty.h5 data.csv
head -c "$(($(stat -c %s model.h5) / 2))" model.h5 >truncated.h5
expect_bad_input "sample: truncated model" out.h5 truncated.h5 -- \
  "$RGFLOW" rbm sample truncated.h5 --samples 3 --gibbs-steps 1 -o out.h5
expect_bad_input "filters: model is a directory" out.png sub -- \
  bash -c "mkdir -p sub && '$RGFLOW' rbm filters sub -o out.png"
: >empty.csv
expect_bad_input "train: empty data file" out.h5 empty.csv -- \
  "$RGFLOW" rbm train empty.csv --hidden 3 -o out.h5
head -c 100 data.csv | gzip >truncated.csv.gz
head -c "$(($(stat -c %s truncated.csv.gz) - 12))" truncated.csv.gz >cut.csv.gz
expect_bad_input "train: truncated gzip" out.h5 cut.csv.gz -- \
  "$RGFLOW" rbm train cut.csv.gz --hidden 3 -o out.h5
printf '\x93NUMPY\x01\x00\x76\x00{"descr": "<f4", "fortran_order": False, "shape": (1000, 16), }' >trunc.npy
printf '%*s\n' 55 '' >>trunc.npy
expect_bad_input "train: truncated .npy" out.h5 trunc.npy -- \
  "$RGFLOW" rbm train trunc.npy --hidden 3 -o out.h5

# --- wrong values and shapes ------------------------------------------------------------------
{ head -3 data.csv; echo "0,1,0,1,nan,0,1,0,1,0,1,0,1,0,1,0"; } >nan.csv
expect_bad_input "train: NaN in data" out.h5 nan.csv -- "$RGFLOW" rbm train nan.csv --hidden 3 -o out.h5
{ head -3 data.csv; echo "0,1,0,1,2,0,1,0,1,0,1,0,1,0,1,0"; } >two.csv
expect_bad_input "train: value 2 for bernoulli units" out.h5 two.csv -- \
  "$RGFLOW" rbm train two.csv --hidden 3 -o out.h5
expect_bad_input "loglik: value 2 for bernoulli units" - two.csv -- "$RGFLOW" rbm loglik model.h5 two.csv
expect_bad_input "train: spin units on 0/1 data" out.h5 data.csv -- \
  "$RGFLOW" rbm train data.csv --hidden 3 --visible-type spin -o out.h5
{ head -3 data.csv; echo "0,1,0"; } >ragged.csv
expect_bad_input "train: ragged csv" out.h5 ragged.csv -- "$RGFLOW" rbm train ragged.csv --hidden 3 -o out.h5
cut -d, -f1-10 data.csv >narrow.csv
expect_bad_input "loglik: wrong number of columns" - narrow.csv -- "$RGFLOW" rbm loglik model.h5 narrow.csv
expect_bad_input "train: validation file with wrong width" out.h5 narrow.csv -- \
  "$RGFLOW" rbm train data.csv --hidden 3 --validation narrow.csv -o out.h5

# --- absurd sizes and options -----------------------------------------------------------------
expect_bad_input "train: --hidden 10000000000" out.h5 "--hidden" -- \
  "$RGFLOW" rbm train data.csv --hidden 10000000000 -o out.h5
expect_bad_input "train: --hidden -3" out.h5 "--hidden" -- \
  "$RGFLOW" rbm train data.csv --hidden -3 -o out.h5
expect_bad_input "train: --batch-size 0" out.h5 "--batch-size" -- \
  "$RGFLOW" rbm train data.csv --hidden 3 --batch-size 0 -o out.h5
expect_bad_input "train: --validation 1.5" out.h5 "--validation" -- \
  "$RGFLOW" rbm train data.csv --hidden 3 --validation 1.5 -o out.h5
expect_bad_input "sample: --samples -1" out.h5 "--samples" -- \
  "$RGFLOW" rbm sample model.h5 --samples -1 --gibbs-steps 1 -o out.h5
expect_bad_input "sample: --samples 10^12" out.h5 "--samples" -- \
  "$RGFLOW" rbm sample model.h5 --samples 1000000000000 --gibbs-steps 1 -o out.h5
expect_bad_input "train: output directory missing" nodir/out.h5 nodir/out.h5 -- \
  "$RGFLOW" rbm train data.csv --hidden 3 -o nodir/out.h5
expect_bad_input "sample: unsupported output type" out.txt out.txt -- \
  "$RGFLOW" rbm sample model.h5 --samples 2 -o out.txt
expect_bad_input "train: unknown unit type" out.h5 "--visible-type" -- \
  "$RGFLOW" rbm train data.csv --hidden 3 --visible-type gaussian2 -o out.h5
expect_bad_input "demo: --size 9" - "--size" -- "$RGFLOW" demo --size 9

# --- models with bad contents (written with h5py) ---------------------------------------------
if have_h5py "malformed model files"; then
  "$PY_H5" - <<'PY'
import h5py, numpy as np
def model(path, nv=16, nh=3, hb=None, w=None, vt="bernoulli"):
    with h5py.File(path, "w") as f:
        g = f.create_group("rbm")
        g["weights"] = np.zeros((nv, nh), np.float32) if w is None else w
        g["visible_bias"] = np.zeros(nv, np.float32)
        g["hidden_bias"] = np.zeros(nh if hb is None else hb, np.float32)
        g.attrs["visible_type"] = vt
        g.attrs["hidden_type"] = "bernoulli"
        g.attrs["format_version"] = 1
w = np.zeros((16, 3), np.float32); w[2, 1] = np.nan
model("nan_model.h5", w=w)
model("shape_model.h5", hb=5)
model("type_model.h5", vt="potts")
model("big_model.h5", nv=40, nh=40)
with h5py.File("no_rbm.h5", "w") as f:
    f["data"] = np.zeros((3, 3), np.float32)
PY
  expect_bad_input "logz: NaN weights" - nan_model.h5 -- "$RGFLOW" rbm logz nan_model.h5
  expect_bad_input "logz: inconsistent shapes" - shape_model.h5 -- "$RGFLOW" rbm logz shape_model.h5
  expect_bad_input "logz: unknown unit type" - type_model.h5 -- "$RGFLOW" rbm logz type_model.h5
  expect_bad_input "logz: no /rbm group" - no_rbm.h5 -- "$RGFLOW" rbm logz no_rbm.h5
  expect_bad_input "logz: too large to enumerate" - big_model.h5 -- "$RGFLOW" rbm logz big_model.h5
  expect_bad_input "train --resume: not a checkpoint" out.h5 model.h5 -- \
    "$RGFLOW" rbm train data.csv --resume model.h5 -o out.h5
fi
echo "PASS"
