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
