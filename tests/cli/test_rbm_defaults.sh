# `rbm train` with no training options: the shared defaults (train::default_config, docs/training.md
# "Default options"), unit types read off the data, and the automatic Z2 symmetry.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv bits.csv 300 5
# The same rows as spins (the two prototypes are each other's flip, in equal proportions), and a
# copy folded into the sector where the first spin is up.
awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++) $i = 2 * $i - 1; print }' bits.csv > spins.csv
awk -F, -v OFS=, '{ if ($1 < 0) for (i = 1; i <= NF; i++) $i = -$i; print }' spins.csv > folded.csv

"$RGFLOW" rbm train bits.csv --hidden 4 --epochs 3 --seed 1 -q --json -o bits.h5 > bits.json
json_check bits.json "j['visible_type'] == 'bernoulli' and j['hidden_type'] == 'bernoulli'" "0/1 data: Bernoulli units"
json_check bits.json "j['config']['method'] == 'pcd' and j['config']['centering'] and j['config']['schedule'] == 'cosine'" \
  "defaults: PCD, centred, cosine schedule"
json_check bits.json "abs(j['config']['learning_rate_final'] - j['config']['learning_rate'] / 100) < 1e-9" \
  "defaults: the rate decays to 1/100 of its start"
json_check bits.json "j['config']['momentum_initial'] == j['config']['momentum_final'] == 0.5" "defaults: momentum 0.5"
json_check bits.json "j['config']['symmetry'] == 'none'" "0/1 data: no symmetry"

"$RGFLOW" rbm train spins.csv --hidden 4 --epochs 3 --seed 1 -q --json -o spins.h5 > spins.json
json_check spins.json "j['visible_type'] == 'spin' and j['hidden_type'] == 'spin'" "-1/+1 data: spin units on both layers"
json_check spins.json "j['config']['symmetry'] == 'z2'" "symmetric spin data: Z2"
"$RGFLOW" rbm train folded.csv --hidden 4 --epochs 3 --seed 1 -q --json -o folded.h5 > folded.json
json_check folded.json "j['config']['symmetry'] == 'none'" "spin data in one sector: no symmetry"
# An explicit choice wins, and the learning rate given alone decays to its 1/100.
"$RGFLOW" rbm train spins.csv --hidden 4 --epochs 3 --hidden-type bernoulli --learning-rate 0.02 \
  --momentum hinton --seed 1 -q --json -o sb.h5 > sb.json
json_check sb.json "j['hidden_type'] == 'bernoulli' and j['config']['symmetry'] == 'none'" \
  "Bernoulli hidden units: no Z2 map, no symmetry"
json_check sb.json "abs(j['config']['learning_rate_final'] - 0.0002) < 1e-9 and j['config']['momentum_final'] == 0.9" \
  "--learning-rate alone decays to 1/100; --momentum hinton"
"$RGFLOW" rbm train bits.csv --hidden 4 --epochs 3 --lr-schedule constant --no-centering --seed 1 -q --json \
  -o const.h5 > const.json
json_check const.json "j['config']['learning_rate_final'] is None and not j['config']['centering']" \
  "--lr-schedule constant, --no-centering"

awk -F, -v OFS=, '{ $1 = $1 + 0.25; print }' bits.csv > real.csv
expect_bad_input "real-valued data without a unit type" out.h5 "gaussian" -- \
  "$RGFLOW" rbm train real.csv --hidden 3 -o out.h5
expect_bad_input "constant schedule with a final rate" out.h5 "--learning-rate-final" -- \
  "$RGFLOW" rbm train bits.csv --hidden 3 --lr-schedule constant --learning-rate-final 0.01 -o out.h5
expect_bad_input "momentum neither a number nor hinton" out.h5 "--momentum" -- \
  "$RGFLOW" rbm train bits.csv --hidden 3 --momentum fast -o out.h5
expect_bad_input "sigma with the type read off the data" out.h5 "--sigma" -- \
  "$RGFLOW" rbm train bits.csv --hidden 3 --sigma 2 -o out.h5
echo "ok: rbm train defaults"
