# rgflow demo --no-vrg (the exact check; the pipeline is tested by test_vrg.sh) with tiny settings: runs, its JSON parses, its self-checks pass, -o saves a model
# that the other commands read.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" demo --no-vrg --size 3 --hidden 4 --epochs 5 --samples 1000 --batch-size 50 --learning-rate 0.05 \
  --seed 2 --json -o demo.h5 >demo.json 2>demo.err
json_check demo.json 'j["checks"]["passed"] is True' "demo self-checks"
json_check demo.json 'j["ising"]["states"] == 512 and j["rbm"]["n_visible"] == 9' "demo sizes"
json_check demo.json 'j["log_likelihood"]["final"]["mean"] <= j["log_likelihood"]["best"]["mean"] + 1e-9' "KL >= 0"
json_check demo.json 'j["log_likelihood"]["final"]["mean"] > j["log_likelihood"]["initial"]["mean"]' "training helps"
# The exact check trains with rbm train's defaults for spin data: spin hidden units, Z2, PCD-1,
# cosine decay to ε/100, momentum 0.5, centring (train::default_config; issue #16 item 6).
json_check demo.json '(lambda r, c: r["hidden_type"] == "spin" and c["symmetry"] == "z2" and c["method"] == "pcd" and c["schedule"] == "cosine" and abs(c["learning_rate_final"] - 0.0005) < 1e-9 and c["momentum_initial"] == c["momentum_final"] == 0.5 and c["centering"])(j["rbm"], j["rbm"]["config"])' "demo uses the default training options"
"$RGFLOW" demo --no-vrg --size 2 --hidden 4 --hidden-type bernoulli --epochs 10 --samples 1000 --batch-size 20 --json -q >demo_b.json
json_check demo_b.json 'j["rbm"]["hidden_type"] == "bernoulli" and j["rbm"]["config"]["symmetry"] == "none"' "Bernoulli hidden units: no Z2"
grep -q 'epoch 5/5' demo.err || fail "no per-epoch progress lines on stderr: $(cat demo.err)"
"$RGFLOW" rbm logz demo.h5 --json >logz.json
json_check logz.json 'j["model"]["visible_type"] == "spin"' "demo model is spin-visible"

# Text mode prints the comparison table.
"$RGFLOW" demo --no-vrg --size 2 --hidden 4 --epochs 10 --samples 1000 --batch-size 20 --learning-rate 0.1 -q >demo.txt
grep -q 'best achievable' demo.txt || fail "demo text output: $(cat demo.txt)"
grep -q 'Self-checks' demo.txt || fail "demo text output lacks self-checks"
echo "PASS"
