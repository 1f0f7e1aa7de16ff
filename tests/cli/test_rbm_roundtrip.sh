# rbm train -> logz -> loglik -> sample -> filters on a tiny generated dataset; every --json
# output parses; the model and sample files have the documented HDF5 layout and carry the seed
# and the training parameters.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" --version | grep -q '^rgflow [0-9]' || fail "--version"
"$RGFLOW" --help >/dev/null || fail "--help"
for cmd in demo "rbm" "rbm train" "rbm logz" "rbm loglik" "rbm sample" "rbm filters"; do
  # shellcheck disable=SC2086
  "$RGFLOW" $cmd --help >help.txt || fail "$cmd --help"
  grep -q "Usage" help.txt || fail "$cmd --help prints no usage"
done

make_binary_csv data.csv 300 7
make_binary_csv test.csv 100 8

"$RGFLOW" rbm train data.csv --hidden 4 --method pcd --steps 1 --epochs 5 --batch-size 10 \
  --learning-rate 0.1 --seed 3 --validation 0.2 --log log.csv --json -o model.h5 >train.json
json_check train.json 'j["epochs_done"] == 5 and j["n_visible"] == 16 and j["n_hidden"] == 4' "train summary"
json_check train.json 'j["training_rows"] == 240 and j["validation_rows"] == 60' "validation split"
json_check train.json 'j["final"]["free_energy_gap"] is not None' "validation monitor"
[[ -f model.h5 ]] || fail "no model file"
[[ $(wc -l <log.csv) -eq 6 ]] || fail "log.csv should have a header and 5 rows: $(cat log.csv)"
head -1 log.csv | grep -q '^epoch,' || fail "log.csv header"

"$RGFLOW" rbm train data.csv --hidden 4 --epochs 2 --seed 3 --log log.jsonl -q -o model_cd.h5 >/dev/null
[[ $(wc -l <log.jsonl) -eq 2 ]] || fail "log.jsonl should have 2 lines"
python3 -c 'import json,sys; [json.loads(l) for l in open("log.jsonl")]' || fail "log.jsonl parses"

"$RGFLOW" rbm logz model.h5 --method exact --json >logz.json
json_check logz.json 'j["log_z"]["error"] == 0 and isinstance(j["log_z"]["mean"], float)' "logz JSON"
json_check logz.json 'j["method"] == "exact" and j["units"] == "nats" and "seconds" in j["time"]' "logz fields"
"$RGFLOW" rbm logz model.h5 --method exact | grep -q 'log Z = ' || fail "logz text output"

"$RGFLOW" rbm loglik model.h5 test.csv --method exact --json >loglik.json
json_check loglik.json 'j["log_likelihood"]["mean"] < 0 and j["log_likelihood"]["error"] > 0' "loglik JSON"
json_check loglik.json 'j["samples"] == 100 and j["method"] == "exact"' "loglik fields"
# Training must beat 16 independent fair coins (−16 log 2 = −11.09) on this structured data.
json_check loglik.json 'j["log_likelihood"]["mean"] > -11.0' "trained model no better than coins"

"$RGFLOW" rbm sample model.h5 --samples 12 --gibbs-steps 20 --seed 9 -o samples.h5 >/dev/null
"$RGFLOW" rbm sample model.h5 --samples 12 --gibbs-steps 20 --seed 9 --json -o samples.png >sample.json
json_check sample.json 'j["samples"] == 12 and j["seed"] == 9' "sample JSON"
"$RGFLOW" rbm filters model.h5 -o filters.png >/dev/null
for png in samples.png filters.png; do
  [[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] || fail "$png is not a PNG"
done

# Spin visible units on 0/1 data: refused with a hint, accepted with --to-spins.
status=0
"$RGFLOW" rbm train data.csv --hidden 4 --visible-type spin --epochs 1 -o spin.h5 2>err.txt || status=$?
[[ $status -eq 2 ]] || fail "spin units on 0/1 data: exit $status"
grep -q 'to-spins' err.txt || fail "spin units on 0/1 data: no hint: $(cat err.txt)"
[[ ! -e spin.h5 ]] || fail "spin.h5 written despite the error"
"$RGFLOW" rbm train data.csv --hidden 3 --visible-type spin --hidden-type spin --to-spins \
  --epochs 2 --seed 4 -q -o spin.h5 >/dev/null
"$RGFLOW" rbm loglik spin.h5 test.csv --to-spins --json >spin_ll.json
json_check spin_ll.json 'j["log_likelihood"]["mean"] < 0' "spin loglik"
"$RGFLOW" rbm sample spin.h5 --samples 5 --gibbs-steps 3 -o spin_samples.h5 >/dev/null

if have_h5py "model/sample layout checks"; then
  "$PY_H5" - <<'PY' || fail "HDF5 layout"
import h5py, numpy as np
with h5py.File("model.h5", "r") as f:
    g = f["/rbm"]
    assert g["weights"].shape == (16, 4), g["weights"].shape
    assert g["visible_bias"].shape == (16,) and g["hidden_bias"].shape == (4,)
    assert g["weights"].dtype == np.float32
    a = dict(g.attrs)
    def s(x): return x.decode() if isinstance(x, bytes) else str(x)
    assert s(a["visible_type"]) == "bernoulli" and s(a["hidden_type"]) == "bernoulli", a
    assert int(a["format_version"]) == 1, a
    assert s(a["seed"]) == "3", a
    assert s(a["method"]) == "pcd" and s(a["epochs"]) == "5" and s(a["batch_size"]) == "10", a
    assert s(a["learning_rate"]) == "0.1", a
    assert "rgflow_version" in a and "command" in a, a
    assert np.isfinite(g["weights"][()]).all()
with h5py.File("samples.h5", "r") as f:
    d = f["/data"]
    assert d.shape == (12, 16), d.shape
    assert set(np.unique(d[()])) <= {0.0, 1.0}
    assert str(d.attrs.get("seed", f.attrs.get("seed"))) in ("9", "b'9'"), dict(d.attrs)
with h5py.File("spin.h5", "r") as f:
    a = f["/rbm"].attrs
    assert s(a["visible_type"]) == "spin" and s(a["hidden_type"]) == "spin"
with h5py.File("spin_samples.h5", "r") as f:
    s = f["/spins"]
    assert s.shape == (5, 4, 4) and s.dtype == np.int8, (s.shape, s.dtype)
    assert set(np.unique(s[()])) <= {-1, 1}
print("h5py layout checks passed")
PY
fi
echo "PASS"
