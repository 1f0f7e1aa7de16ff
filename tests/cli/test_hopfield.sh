# rgflow hopfield store | recall | capacity | spurious: the JSON contracts of issue #22, retrieval
# below capacity, failure above it, the pseudo-inverse rule beyond the Hebbian capacity, mixture
# overlaps near theory, and bad input (one line, exit 2, no output file).
source "$(dirname "$0")/common.sh" "$1"

# make_spin_csv FILE ROWS COLS SEED: uniformly random -1/+1 rows (an LCG in awk, deterministic).
make_spin_csv() {
  awk -v rows="$2" -v cols="$3" -v seed="$4" 'BEGIN {
    s = seed;
    for (r = 0; r < rows; r++) {
      line = "";
      for (c = 0; c < cols; c++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        line = line (c ? "," : "") (s / 2147483648 < 0.5 ? -1 : 1);
      }
      print line;
    }
  }' >"$1"
}

make_spin_csv patterns.csv 5 100 1
"$RGFLOW" hopfield store patterns.csv -o net.h5 --json >store.json
json_check store.json 'j["neurons"] == 100 and j["patterns"] == 5 and abs(j["load"] - 0.05) < 1e-12' "store sizes"
json_check store.json 'j["fixed_patterns"] == 1.0' "every pattern a fixed point at load 0.05"
"$PY_H5" -c 'import h5py,sys; f=h5py.File(sys.argv[1],"r"); g=f["hopfield"]; assert g["patterns"].shape==(5,100) and g.attrs["rule"] in ("hebb", b"hebb") and g.attrs["n_neurons"]==100' net.h5 \
  || fail "network file layout"

"$RGFLOW" hopfield recall net.h5 --flip 0.15 --seed 2 --json >recall.json
json_check recall.json 'j["overlap"]["mean"] == 1.0 and j["initial_overlap"]["mean"] < 0.8' "recall from 15% noise"
json_check recall.json 'j["converged"] == 1.0 and j["rows"] == 5' "recall converged"
"$RGFLOW" hopfield recall net.h5 --dynamics sync --flip 0.1 --json >sync.json
json_check sync.json 'j["overlap"]["mean"] == 1.0' "synchronous recall"
"$RGFLOW" hopfield recall net.h5 --dynamics glauber --temperature 0.2 --sweeps 20 --flip 0.1 --json >glauber.json
json_check glauber.json 'j["overlap"]["mean"] > 0.9' "Glauber recall at T = 0.2"
"$RGFLOW" hopfield recall net.h5 patterns.csv -o final.npy >/dev/null
[[ -s final.npy ]] || fail "recall -o"

# Capacity: the contract {"points": [{"load", "overlap": {"mean", "error"}}]}.
"$RGFLOW" hopfield capacity --neurons 200 --loads 0.05,0.3 --trials 5 --seed 3 --json >cap.json
json_check cap.json '[p["load"] for p in j["points"]] == [0.05, 0.3]' "capacity loads"
json_check cap.json 'j["points"][0]["overlap"]["mean"] > 0.99 and j["points"][0]["overlap"]["error"] >= 0' "retrieval at 0.05"
json_check cap.json 'j["points"][1]["overlap"]["mean"] < 0.6' "no retrieval at 0.3"
"$RGFLOW" hopfield capacity --neurons 100,200 --loads 0.05:0.35:7 --trials 4 --threshold 0.9 --json >caps.json
json_check caps.json 'len(j["curves"]) == 2 and [(e["criterion"], e["exponent"]) for e in j["extrapolations"]] == [("retrieved", 0.5), ("retrieved", 1.0), ("overlap", 0.5), ("overlap", 1.0)]' "extrapolations"

# Pseudo-inverse: load 0.5, every pattern still a fixed point; Hebb fails there.
make_spin_csv many.csv 20 40 4
"$RGFLOW" hopfield store many.csv --rule pseudo-inverse -o pinv.h5 --json >pinv.json
json_check pinv.json 'j["fixed_patterns"] == 1.0' "pseudo-inverse fixed points"
"$RGFLOW" hopfield store many.csv -o hebb.h5 --json >hebb.json
json_check hebb.json 'j["fixed_patterns"] < 0.5' "Hebb beyond capacity"

"$RGFLOW" hopfield spurious --neurons 400 --patterns 5 --mixtures 3,5 --trials 4 --starts 20 --seed 5 --json >sp.json
json_check sp.json 'abs(j["mixtures"][0]["overlap"]["mean"] - 0.5) < 0.05 and j["mixtures"][0]["k"] == 3' "3-mixture overlap"
json_check sp.json 'abs(j["mixtures"][1]["theory_overlap"] - 0.375) < 1e-12' "5-mixture theory"
json_check sp.json 'j["classes"][0]["class"] == "pattern" and j["unconverged"]["mean"] == 0' "census"

# The RBM twin (Barra et al. 2012): log Z of the Gaussian-hidden RBM by exact enumeration equals
# (P/2) log 2pi + log sum_s exp(-beta E(s)), computed here from the stored patterns; and back.
make_spin_csv small.csv 4 12 3
"$RGFLOW" hopfield store small.csv -o small.h5 >/dev/null
"$RGFLOW" hopfield to-rbm small.h5 --beta 0.7 -o twin.h5 --json >twin.json
json_check twin.json 'j["n_visible"] == 12 and j["n_hidden"] == 4 and j["beta"] == 0.7' "twin sizes"
"$RGFLOW" rbm logz twin.h5 --method exact --json >twin_logz.json
"$PY_H5" - small.h5 twin_logz.json <<'PY' || fail "twin log Z differs from the Hopfield partition function"
import h5py, itertools, json, math, sys
import numpy as np
xi = h5py.File(sys.argv[1], "r")["hopfield/patterns"][()].astype(float)
P, N = xi.shape
s = np.array(list(itertools.product([-1.0, 1.0], repeat=N)))
x = 0.7 * ((s @ xi.T) ** 2).sum(axis=1) / (2 * N)   # -beta E(s)
log_z = x.max() + math.log(np.exp(x - x.max()).sum()) + 0.5 * P * math.log(2 * math.pi)
got = json.load(open(sys.argv[2]))["log_z"]["mean"]
assert abs(got - log_z) < 1e-5 * max(1.0, abs(log_z)), (got, log_z)
PY
"$RGFLOW" rbm to-hopfield twin.h5 -o back.h5 --json >back.json
json_check back.json 'abs(j["beta"] - 0.7) < 1e-6 and j["patterns"] == 4 and j["neurons"] == 12' "beta and sizes recovered"
"$PY_H5" -c 'import h5py,sys,numpy as np; a=h5py.File(sys.argv[1],"r")["hopfield/patterns"][()]; b=h5py.File(sys.argv[2],"r")["hopfield/patterns"][()]; assert (a==b).all()' small.h5 back.h5 \
  || fail "rbm to-hopfield did not recover the patterns"
expect_bad_input "beta 0" out.h5 "--beta" -- "$RGFLOW" hopfield to-rbm small.h5 --beta 0 -o out.h5
expect_bad_input "to-rbm -o = input" - "is also an input" -- "$RGFLOW" hopfield to-rbm small.h5 -o small.h5
"$RGFLOW" rbm train small.csv --visible-type spin --hidden 2 --epochs 1 -q -o trained.h5 >/dev/null
expect_bad_input "not a twin" out.h5 "trained.h5" -- "$RGFLOW" rbm to-hopfield trained.h5 -o out.h5

# Bad input.
printf '1,-1,1\n1,0.5,-1\n' >bad.csv
expect_bad_input "non-spin pattern" out.h5 "bad.csv" -- "$RGFLOW" hopfield store bad.csv -o out.h5
expect_bad_input "missing patterns" out.h5 "nope.csv" -- "$RGFLOW" hopfield store nope.csv -o out.h5
expect_bad_input "missing directory" - "nodir" -- "$RGFLOW" hopfield store patterns.csv -o nodir/out.h5
expect_bad_input "unknown rule" out.h5 "--rule" -- "$RGFLOW" hopfield store patterns.csv --rule storkey -o out.h5
expect_bad_input "not a network" - "patterns.csv" -- "$RGFLOW" hopfield recall patterns.csv
expect_bad_input "probe size" - "bad.csv" -- "$RGFLOW" hopfield recall net.h5 bad.csv
expect_bad_input "glauber at T = 0" - "--temperature" -- "$RGFLOW" hopfield recall net.h5 --dynamics glauber
expect_bad_input "bad load" - "--loads" -- "$RGFLOW" hopfield capacity --neurons 100 --loads 0.1,x --trials 3
expect_bad_input "zero load" - "--loads" -- "$RGFLOW" hopfield capacity --neurons 100 --loads 0 --trials 3
expect_bad_input "one trial" - "--trials" -- "$RGFLOW" hopfield capacity --neurons 100 --loads 0.1 --trials 1
expect_bad_input "even mixture" - "--mixtures" -- "$RGFLOW" hopfield spurious --neurons 100 --patterns 5 --mixtures 4
echo ok
