# Issue #20: the bad inputs, absurd options, misleading messages and surprises found on a93f420,
# each refused with exit 2, one line naming the file or option, and no output file (or, for the
# surprises, the corrected behaviour checked against an independent path).
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 120 3
"$RGFLOW" rbm train data.csv --hidden 4 --epochs 1 --seed 1 -q -o model.h5 >/dev/null
"$RGFLOW" ising sample -L 4 -T 2.5 -n 40 --seed 1 -q -o spins.h5 >/dev/null

# --- bad input that was accepted (exit 0) -------------------------------------------------------
expect_bad_input "train: --threshold nan" out.h5 "--threshold" -- \
  "$RGFLOW" rbm train data.csv --hidden 2 --binarize threshold --threshold nan -o out.h5
expect_bad_input "train: --threshold inf" out.h5 "--threshold" -- \
  "$RGFLOW" rbm train data.csv --hidden 2 --binarize threshold --threshold inf -o out.h5
expect_bad_input "observe: -T 0 (was: the file's T)" - "--temperature" -- \
  "$RGFLOW" ising observe spins.h5 -T 0
expect_bad_input "sample: --chains 0 (was: 64)" out.h5 "--chains" -- \
  "$RGFLOW" ising sample -L 4 -T 2.5 -n 10 --chains 0 -o out.h5
expect_bad_input "observe: --chains 10^9 on 40 samples" - "--chains" -- \
  "$RGFLOW" ising observe spins.h5 --chains 1000000000
expect_bad_input "mcrg: --chains 10^9 on 40 samples" - "--chains" -- \
  "$RGFLOW" ising mcrg spins.h5 --levels 1 --chains 1000000000
expect_bad_input "observe: --chains 41 on 40 samples" - "--chains 41: more chains than the 40 samples" -- \
  "$RGFLOW" ising observe spins.h5 --chains 41
expect_bad_input "mcrg: --chains 41 on 40 samples" - "--chains 41: more chains than the 40 samples" -- \
  "$RGFLOW" ising mcrg spins.h5 --levels 1 --chains 41
expect_bad_input "couplings: --lattice 0 (was: no lattice)" - "--lattice" -- \
  "$RGFLOW" rg couplings model.h5 --lattice 0
expect_bad_input "couplings: --extent 0 (was: --extent 2)" - "--extent" -- \
  "$RGFLOW" rg couplings model.h5 --lattice 4 --extent 0
expect_bad_input "train: --seed -1 (was: 2^64 - 1)" out.h5 "--seed" -- \
  "$RGFLOW" rbm train data.csv --hidden 2 --seed -1 -o out.h5
expect_bad_input "ising sample: --seed -1" out.h5 "--seed" -- \
  "$RGFLOW" ising sample -L 4 -T 2.5 -n 10 --seed -1 -o out.h5
expect_bad_input "vrg run: --seed -1 (was: the config's seed)" - "--seed" -- \
  "$RGFLOW" vrg run --seed -1 -o vrgout
[[ ! -e vrgout ]] || fail "vrg run --seed -1 created its output directory"

# --- misleading messages ------------------------------------------------------------------------
expect_bad_input "train: --hidden 0 (was: '--hidden is required')" out.h5 "--hidden: Value 0" -- \
  "$RGFLOW" rbm train data.csv --hidden 0 -o out.h5
expect_bad_input "train: --learning-rate 0" out.h5 "--learning-rate" -- \
  "$RGFLOW" rbm train data.csv --hidden 2 --learning-rate 0 -o out.h5
expect_bad_input "dbn train: --learning-rate 0" out.h5 "--learning-rate" -- \
  "$RGFLOW" dbn train data.csv --layers 16,3 --learning-rate 0 -o out.h5
expect_bad_input "mcrg: -T 0 (was: 'needs --size and --temperature')" - "--temperature" -- \
  "$RGFLOW" ising mcrg -L 8 -T 0
printf '0,1\n0,a\000b\033[31mRED\r\n' >hostile.csv
expect_bad_input "train: NUL, ESC and CR in a CSV token" out.h5 "'a\\x00b\\x1b[31mRED' is not a number" -- \
  "$RGFLOW" rbm train hostile.csv --hidden 2 -o out.h5
{ echo "0,1"; printf '0,'; head -c 200000 /dev/zero | tr '\0' 'z'; echo; } >long.csv
expect_bad_input "train: a 200 KB token" out.h5 "…(200000 bytes)" -- \
  "$RGFLOW" rbm train long.csv --hidden 2 -o out.h5
(($(wc -c <"$WORK/bad.err") < 300)) || fail "the 200 KB token was echoed: $(wc -c <"$WORK/bad.err") bytes"

# --- surprises ----------------------------------------------------------------------------------
cp model.h5 keep.h5
expect_bad_input "rbm sample: -o equal to its input" - "-o model.h5: is also an input" -- \
  "$RGFLOW" rbm sample model.h5 --samples 2 -o model.h5
cmp -s model.h5 keep.h5 || fail "rbm sample -o MODEL changed its input"
"$RGFLOW" dbn train data.csv --layers 16,3 --epochs 1 -q -o dbn.h5 >/dev/null
cp dbn.h5 keepdbn.h5
expect_bad_input "dbn sample: -o equal to its input" - "is also an input" -- \
  "$RGFLOW" dbn sample dbn.h5 --samples 2 -o ./dbn.h5
cmp -s dbn.h5 keepdbn.h5 || fail "dbn sample -o MODEL changed its input"
expect_bad_input "train: -o equal to the data" - "is also an input" -- \
  "$RGFLOW" rbm train spins.h5 --hidden 2 --visible-type spin -o spins.h5
cp data.csv keepdata.csv
expect_bad_input "train: --log equal to the data (would truncate it)" - "--log data.csv: is also an input" -- \
  "$RGFLOW" rbm train data.csv --hidden 2 --log data.csv -o out.h5
cmp -s data.csv keepdata.csv || fail "rbm train --log DATA changed the data"
expect_bad_input "block: -o equal to the data" - "is also an input" -- \
  "$RGFLOW" ising block spins.h5 -o spins.h5
mkfifo pipe.h5
expect_bad_input "train: -o a FIFO (the rename would replace it)" - "not a regular file" -- \
  "$RGFLOW" rbm train data.csv --hidden 2 -o pipe.h5
[[ -p pipe.h5 ]] || fail "the FIFO was replaced"
rm pipe.h5
# An unwritable output directory is found before the work (root writes anywhere except on a
# read-only file system, so use /proc/sys there).
mkdir ro && chmod 555 ro
if ! touch ro/probe 2>/dev/null; then
  expect_bad_input "train: unwritable -o directory" - "is not writable" -- \
    "$RGFLOW" rbm train data.csv --hidden 2 --epochs 100000 -o ro/out.h5
elif [[ ! -w /proc/sys ]]; then
  expect_bad_input "train: read-only -o directory" - "is not writable" -- \
    "$RGFLOW" rbm train data.csv --hidden 2 --epochs 100000 -o /proc/sys/out.h5
else
  echo "SKIP: no unwritable directory available" >&2
fi
chmod 755 ro && rm -rf ro

# Stale temporaries of dead writers (kill -9 during a write) are removed by the next write of the
# same file; those of live processes and of other files stay.
sleep 0.01 &
dead=$!
wait "$dead"
: >"model2.h5.tmp-$dead-0"
: >"model2.h5.tmp-$$-0"
: >"other.h5.tmp-$dead-0"
"$RGFLOW" rbm train data.csv --hidden 2 --epochs 1 -q -o model2.h5 >/dev/null
[[ ! -e "model2.h5.tmp-$dead-0" ]] || fail "stale temporary of a dead writer survived"
[[ -e "model2.h5.tmp-$$-0" && -e "other.h5.tmp-$dead-0" ]] || fail "a temporary not to touch was removed"
rm -f "model2.h5.tmp-$$-0" "other.h5.tmp-$dead-0"

if have_h5py "files written with h5py"; then
  # Editing a sealed file in place (h5py keeps the user block) breaks the seal, with a hint.
  cp model.h5 edited.h5
  "$PY_H5" -c 'import h5py; h5py.File("edited.h5", "a")["rbm"].attrs["note"] = "x"'
  expect_bad_input "logz: a sealed model edited with h5py" - "if you edited it, e.g. with h5py, drop the seal" -- \
    "$RGFLOW" rbm logz edited.h5
  "$PY_H5" - <<'PY'
import h5py, numpy as np

def unsealed_copy(source, name):
    """The HDF5 part of a sealed rgflow file (what the seal's hint does), for editing."""
    data = open(source, "rb").read()
    assert data.startswith(b"RGFLOW-H5-SEAL1\n")
    open(name, "wb").write(data[512:])

np.save("vector.npy", np.array([0, 1, 1, 0, 1], np.float32))
with h5py.File("vector.h5", "w") as f:
    f["data"] = np.array([0, 1, 1, 0], np.float32)
with open("brace.npy", "wb") as f:
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), "
    header += " " * (64 - 10 - len(header) - 1) + "\n"
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + bytes(16))
for name, scale in (("zero_scale.h5", 0.0), ("mean_only.h5", None)):
    unsealed_copy("model.h5", name)
    with h5py.File(name, "a") as f:
        f["rbm/standardize_mean"] = np.zeros(16, np.float32)
        if scale is not None:
            f["rbm/standardize_scale"] = np.full(16, scale, np.float32)
with h5py.File("huge.h5", "w") as f:
    g = f.create_group("rbm")
    g.create_dataset("weights", (1000000, 100000), np.float32)  # claims 4e11 bytes, stores none
    g["visible_bias"] = np.zeros(1000000, np.float32)
    g["hidden_bias"] = np.zeros(100000, np.float32)
    g.attrs["visible_type"] = "bernoulli"; g.attrs["hidden_type"] = "bernoulli"
    g.attrs["format_version"] = 1
with h5py.File("claim.h5", "w") as f:  # 4e8 bytes claimed, under the element cap, none stored
    g = f.create_group("rbm")
    g.create_dataset("weights", (10000, 10000), np.float32)
    g["visible_bias"] = np.zeros(10000, np.float32)
    g["hidden_bias"] = np.zeros(10000, np.float32)
    g.attrs["visible_type"] = "bernoulli"; g.attrs["hidden_type"] = "bernoulli"
    g.attrs["format_version"] = 1
rng = np.random.RandomState(5)
x = (rng.rand(100, 16) < 0.4)
np.save("bytes01.npy", x.astype(np.uint8))
np.save("float01.npy", x.astype(np.float32))
PY
  expect_bad_input "train: 1-D .npy (was: N x 1)" out.h5 "vector.npy: a 1-D array of 5 values" -- \
    "$RGFLOW" rbm train vector.npy --hidden 2 -o out.h5
  expect_bad_input "train: 1-D HDF5 /data (was: N x 1)" out.h5 "vector.h5: a 1-D array of 4 values" -- \
    "$RGFLOW" rbm train vector.h5 --hidden 2 -o out.h5
  expect_bad_input "train: NPY header without its closing brace" out.h5 "brace.npy: malformed NPY header" -- \
    "$RGFLOW" rbm train brace.npy --hidden 2 -o out.h5
  expect_bad_input "logz: standardize_scale = 0" - "zero_scale.h5: dataset '/rbm/standardize_scale' entry 0 is 0" -- \
    "$RGFLOW" rbm logz zero_scale.h5
  expect_bad_input "logz: a mean without a scale" - "mean_only.h5: '/rbm/standardize_mean' without" -- \
    "$RGFLOW" rbm logz mean_only.h5
  expect_bad_input "logz: 10^6 x 10^5 weights (was: 'out of memory')" - "huge.h5: '/rbm/weights' has shape [1000000, 100000]" -- \
    "$RGFLOW" rbm logz huge.h5
  expect_bad_input "logz: 10^8 weights claimed, none stored" - "claim.h5: dataset '/rbm/weights' claims 100000000 elements" -- \
    "$RGFLOW" rbm logz claim.h5
  # uint8 0/1 data are binary, not intensities 0 and 1/255: they train directly, and
  # --binarize threshold keeps them (it made them all 0); both give the float32 0/1 model.
  for variant in plain threshold; do
    args=()
    [[ $variant == threshold ]] && args=(--binarize threshold)
    "$RGFLOW" rbm train bytes01.npy --hidden 3 --epochs 2 --seed 4 -q "${args[@]}" -o "b_$variant.h5" >/dev/null ||
      fail "uint8 0/1 data ($variant) refused"
  done
  "$RGFLOW" rbm train float01.npy --hidden 3 --epochs 2 --seed 4 -q -o f.h5 >/dev/null
  "$PY_H5" - <<'PY' || fail "uint8 0/1 data trained a different model than the same float32 data"
import h5py, numpy as np, sys
ref = h5py.File("f.h5", "r")["rbm/weights"][()]
for name in ("b_plain.h5", "b_threshold.h5"):
    w = h5py.File(name, "r")["rbm/weights"][()]
    if w.tobytes() != ref.tobytes():
        sys.exit(f"{name} differs")
PY
  # A checkpoint whose persistent chains hold 0.5 (not a bernoulli state) is refused on --resume.
  "$RGFLOW" rbm train data.csv --hidden 3 --epochs 2 --method pcd --checkpoint-every 1 --seed 2 -q \
    -o pcd.h5 >/dev/null
  tail -c +513 pcd.checkpoint.h5 >edited.checkpoint.h5 && mv edited.checkpoint.h5 pcd.checkpoint.h5
  "$PY_H5" - <<'PY'
import h5py
with h5py.File("pcd.checkpoint.h5", "a") as f:
    d = f["train/persistent_chains"]; x = d[()]; x[0, 0] = 0.5; d[...] = x
PY
  expect_bad_input "resume: chains holding 0.5" out.h5 "'/train/persistent_chains' holds 0.5 at row 0, column 0" -- \
    "$RGFLOW" rbm train data.csv --resume pcd.checkpoint.h5 --epochs 3 -o out.h5
fi

# --- a corrupted file is refused, never a crash: one changed byte anywhere in each kind ---------
"$RGFLOW" rbm train data.csv --hidden 3 --epochs 2 --method pcd --checkpoint-every 1 --seed 2 -q \
  -o ck.h5 >/dev/null
for f in model.h5 ck.checkpoint.h5 dbn.h5 spins.h5; do
  size=$(stat -c %s "$f")
  for offset in 3 100 700 $((size / 2)) $((size - 5)); do
    cp "$f" bad.h5
    printf '\x5a' | dd of=bad.h5 bs=1 seek="$offset" conv=notrunc status=none
    cmp -s "$f" bad.h5 && continue  # the byte was already 0x5a
    case "$f" in
      model.h5) cmd=("$RGFLOW" rbm logz bad.h5) ;;
      ck.checkpoint.h5) cmd=("$RGFLOW" rbm train data.csv --resume bad.h5 --epochs 3 -o out.h5) ;;
      dbn.h5) cmd=("$RGFLOW" dbn flow bad.h5 data.csv) ;;
      spins.h5) cmd=("$RGFLOW" ising observe bad.h5) ;;
    esac
    expect_bad_input "$f with byte $offset changed" out.h5 "bad.h5" -- "${cmd[@]}" >/dev/null
  done
done
echo "ok"
