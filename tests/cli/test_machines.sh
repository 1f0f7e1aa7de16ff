# rgflow nmf | manifold | autoencoder on small data: outputs, JSON keys, the guarantees each
# command reports (monotone NMF objective, archetypes, a connected graph's spectrum, clusters of
# separated prototypes, autoencoder losses), the shared data options, and bad input.
source "$(dirname "$0")/common.sh" "$1"

# 300 rows of 16 binary pixels: two prototypes with 10 % noise (a label column appended).
make_binary_csv data.csv 300 3
# The label: which prototype (majority of the 8 pixels that carry it; make_binary_csv in common.sh).
awk -F, '{ s = 0; for (i = 1; i <= 16; i++) if ((i - 1) % 4 < 2) s += $i; print $0 "," (s >= 4 ? 1 : 0) }' data.csv >labelled.csv

"$RGFLOW" nmf fit data.csv --rank 3 --seed 1 -o nmf.h5 --json >nmf.json
json_check nmf.json 'j["objective_monotone"] and j["objective_final"] <= j["objective_initial"] and j["rank"] == 3' "NMF objective"
json_check nmf.json 'len(j["archetypes"]) == 3 and 0 < j["relative_error"] < 1' "archetypes"
"$RGFLOW" nmf flow nmf.h5 data.csv --steps 50 --json >flow.json
json_check flow.json 'len(j["eigenvalue_moduli"]) == 3 and len(j["change"]) == j["steps"]' "linear flow"
"$RGFLOW" nmf fit labelled.csv --label-column -1 --rank 2 --seed 1 -o nmf2.h5 --json >nmf2.json
json_check nmf2.json 'j["features"] == 16 and j["archetypes"][0]["label_of_top_point"] in (0, 1)' "label column"

# Two well separated prototypes: two components, so the eigenvalue 0 is double (and a warning).
"$RGFLOW" manifold embed data.csv --neighbors 8 --dimensions 2 -o emb.npy --json >emb.json 2>emb.err
json_check emb.json 'j["graph"]["components"] == 2 and j["eigenvalues"][:2] == [0.0, 0.0] and j["eigenvalues"][2] > 0.01' "embedding spectrum"
grep -q "2 connected components" emb.err || fail "disconnected-graph warning"
[[ -s emb.npy ]] || fail "embedding output"
"$RGFLOW" manifold cluster labelled.csv --label-column -1 --clusters 2 --neighbors 8 --json -o labels.csv >cl.json
json_check cl.json 'sum(j["cluster_sizes"]) == 300 and j["adjusted_rand_index"] > 0.9' "two prototypes found"
[[ $(wc -l <labels.csv) == 300 ]] || fail "labels output"

"$RGFLOW" autoencoder train data.csv --hidden 6 --corruption 0.2 --epochs 20 --batch-size 20 --seed 1 \
  --validation data.csv -o ae.h5 --json >ae.json
json_check ae.json 'j["log"][-1]["loss"] < j["log"][0]["loss"] and j["train_reconstruction"] < 16 * 0.6931' "autoencoder learns"
"$RGFLOW" autoencoder train data.csv --hidden 6,3 --contraction 0.1 --epochs 3 --seed 1 -q -o ae2.h5 >/dev/null
"$RGFLOW" autoencoder reconstruct ae2.h5 data.csv --steps 3 -o rec.csv --json >rec.json
json_check rec.json 'len(j["steps"]) == 3 and j["steps"][0]["rms_change"] > 0' "flow map steps"
[[ $(wc -l <rec.csv) == 300 ]] || fail "reconstruct output"
"$PY_H5" -c 'import h5py,sys; g=h5py.File(sys.argv[1],"r")["autoencoder"]; assert g.attrs["n_layers"]==2 and g["layer_1/weights"].shape==(6,3)' ae2.h5 \
  || fail "autoencoder file layout"

printf '0.5,1\n2,0\n' >big.csv
expect_bad_input "NMF rank" out.h5 "--rank" -- "$RGFLOW" nmf fit data.csv --rank 300 -o out.h5
expect_bad_input "NMF flow on other data" - "labelled.csv" -- "$RGFLOW" nmf flow nmf.h5 labelled.csv
expect_bad_input "label column" - "--label-column" -- "$RGFLOW" manifold embed data.csv --label-column 40
expect_bad_input "too many neighbours" - "neighbours" -- "$RGFLOW" manifold embed data.csv --neighbors 300
expect_bad_input "empty epsilon graph" - "epsilon" -- "$RGFLOW" manifold embed data.csv --epsilon 0.001
expect_bad_input "autoencoder data range" out.h5 "[0, 1]" -- "$RGFLOW" autoencoder train big.csv --hidden 2 -o out.h5
expect_bad_input "autoencoder hidden" out.h5 "--hidden" -- "$RGFLOW" autoencoder train data.csv --hidden 0 -o out.h5
expect_bad_input "not an autoencoder" - "nmf.h5" -- "$RGFLOW" autoencoder reconstruct nmf.h5 data.csv
expect_bad_input "missing data" out.h5 "missing.csv" -- "$RGFLOW" nmf fit missing.csv --rank 2 -o out.h5
echo ok
