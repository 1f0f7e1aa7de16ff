# rgflow conv sample: samples of the exact Ising bond model (L = 4, K = 0.3) are samples of the
# Ising model, so `rgflow ising observe` on them finds Kaufman's exact energy per spin within 4
# standard errors; the file is a /spins dataset the other commands read (conv loglik, h5py) with
# provenance; the same seed gives the same bytes, another seed other samples; Bernoulli models
# write /data with lattice_size; bad input: one line, exit 2, no output; Ctrl-C: exit 130, no output.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" conv bonds --lattice 4 --coupling 0.3 -o b4.h5 --json >bonds.json
K=$(json_get bonds.json 'j["coupling"]')
T=$(python3 -c "print(repr(1.0 / $K))")
"$RGFLOW" conv sample b4.h5 -n 1000 --sweeps 50 --seed 1 -o s.h5 -q --json >sample.json
json_check sample.json 'j["samples"] == 1000 and j["sweeps"] == 50 and j["seed"] == 1 and j["lattice"] == 4 and j["output"] == "s.h5"' \
  "sample JSON"
# Z2-symmetric model: the mean magnetisation is 0 within 4 standard errors.
json_check sample.json 'abs(j["site_mean"]["mean"]) < 4 * j["site_mean"]["error"]' "magnetisation of a Z2-symmetric model"
"$RGFLOW" ising observe s.h5 -T "$T" --json >observe.json
json_check observe.json 'abs(j["energy_per_spin"]["mean"] - j["exact"]["energy_per_spin"]) < 4 * j["energy_per_spin"]["error"]' \
  "sampled energy per spin vs Kaufman"
json_check observe.json 'abs(j["abs_magnetization"]["mean"] - 0) > 0.1' "observe read the samples"
# The samples are readable by conv loglik: the bond model's log-likelihood of its own samples
# is the Ising one (exactly, up to the float32 weight).
"$RGFLOW" conv loglik b4.h5 s.h5 --json >ll.json
json_check ll.json 'j["rows"] == 1000 and j["method"] == "exact"' "loglik reads the samples"
"$RGFLOW" conv sample b4.h5 -n 1000 --sweeps 50 --seed 1 -o s2.h5 -q >/dev/null
"$RGFLOW" conv sample b4.h5 -n 1000 --sweeps 50 --seed 2 -o s3.h5 -q >/dev/null
if have_h5py "conv sample layout"; then
  "$PY_H5" - <<'PY' || fail "conv sample file layout and provenance"
import h5py, numpy as np
a = h5py.File("s.h5", "r")["spins"]
assert a.shape == (1000, 4, 4) and a.dtype == np.int8, (a.shape, a.dtype)
for key, value in (("model", "b4.h5"), ("seed", "1"), ("sweeps", "50"), ("samples", "1000"),
                   ("conv", "kernel:2,stride:1,channels:2")):
    got = a.attrs[key]
    got = got.decode() if isinstance(got, bytes) else got
    assert got == value, (key, got)
assert "command" in a.attrs
b = h5py.File("s2.h5", "r")["spins"][()]
c = h5py.File("s3.h5", "r")["spins"][()]
assert np.array_equal(a[()], b), "same seed, different samples"
assert not np.array_equal(a[()], c), "another seed, same samples"
PY
fi
# Bernoulli visible units: /data [N, L*L] with lattice_size, read back by conv loglik.
"$RGFLOW" ising sample -L 4 -T 3 -n 200 --seed 3 -o ising4.h5 -q >/dev/null
"$RGFLOW" conv train ising4.h5 --visible-type bernoulli --hidden-type bernoulli --epochs 2 --seed 1 -o bern.h5 -q
"$RGFLOW" conv sample bern.h5 -n 100 --sweeps 10 -o sb.h5 -q
"$RGFLOW" conv loglik bern.h5 sb.h5 --json >llb.json
json_check llb.json 'j["rows"] == 100' "loglik reads Bernoulli samples"
if have_h5py "conv sample bernoulli layout"; then
  "$PY_H5" -c 'import h5py,sys; d=h5py.File("sb.h5","r")["data"]; assert d.shape==(100,16) and d.attrs["lattice_size"]==4 and set(d[()].ravel())<={0.0,1.0}' \
    || fail "Bernoulli sample layout"
fi

# Bad input and Ctrl-C.
expect_bad_input "missing model" out.h5 "missing.h5" -- "$RGFLOW" conv sample missing.h5 -o out.h5
expect_bad_input "zero samples" out.h5 "-n" -- "$RGFLOW" conv sample b4.h5 -n 0 -o out.h5
expect_bad_input "negative sweeps" out.h5 "--sweeps" -- "$RGFLOW" conv sample b4.h5 --sweeps -1 -o out.h5
expect_bad_input "output is the model" - "--output" -- "$RGFLOW" conv sample b4.h5 -o b4.h5
expect_bad_input "bad extension" out.txt "out.txt" -- "$RGFLOW" conv sample b4.h5 -o out.txt
"$RGFLOW" conv bonds --lattice 64 --coupling 0.4 -o b64.h5 >/dev/null
interrupt_run sigint "$RGFLOW" conv sample b64.h5 -n 1000 --sweeps 100000000 -o big.h5
[[ $STATUS -eq 130 ]] || fail "Ctrl-C: exit status $STATUS, expected 130 ($(cat sigint.err))"
grep -q "rgflow: interrupted" sigint.err || fail "Ctrl-C: no 'rgflow: interrupted' ($(cat sigint.err))"
[[ ! -e big.h5 ]] || fail "Ctrl-C left big.h5"
echo "ok"
