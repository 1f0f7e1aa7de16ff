#!/usr/bin/env bash
# Convolutional RBM on 16x16 periodic Ising at T_c (issue #16 item 3; docs/conv.md): 12,000 training
# and 4,000 held-out configurations (Wolff), a kernel:2,stride:1,channels:2 model trained by PCD,
# and its held-out log-likelihood per spin by AIS next to the exact Ising one and KL(Ising || model)
# per spin (paired rows). Usage: bench/conv_ising16.sh RGFLOW OUTDIR [extra conv-train options...]
# The architecture is CONV (environment; default kernel:2,stride:1,channels:2).
# Raw JSON goes to OUTDIR (bench/results/conv/ for the documented runs).
set -euo pipefail
R="${1:?usage: conv_ising16.sh RGFLOW OUTDIR [train options]}"
OUT="${2:?usage: conv_ising16.sh RGFLOW OUTDIR [train options]}"
shift 2
CONV="${CONV:-kernel:2,stride:1,channels:2}"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/conv16.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
TC=2.269185314213022
"$R" ising sample -L 16 -T $TC -n 12000 --algorithm wolff --seed 1 -o "$WORK/train.h5" -q --json >"$OUT/sample_train.json"
"$R" ising sample -L 16 -T $TC -n 4000 --algorithm wolff --seed 2 -o "$WORK/test.h5" -q --json >"$OUT/sample_test.json"
"$R" conv train "$WORK/train.h5" --conv "$CONV" "$@" -o "$WORK/model.h5" -q --json >"$OUT/train.json"
"$R" conv loglik "$WORK/model.h5" "$WORK/test.h5" --method ais --chains 100 --seed 3 --json >"$OUT/loglik_ais.json"
"$R" conv loglik "$WORK/model.h5" "$WORK/test.h5" --method reverse-ais --chains 100 --seed 3 --json >"$OUT/loglik_reverse_ais.json"
cp "$WORK/model.h5" "$OUT/model.h5"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
for name in ("loglik_ais", "loglik_reverse_ais"):
    j = json.load(open(f"{out}/{name}.json"))
    ll, kl, i = j["log_likelihood_per_spin"], j["ising"]["kl_per_spin"], j["ising"]
    print(f"{name}: log Z {j['log_z']['mean']:.4f} +- {j['log_z']['error']:.4f}; held-out log-likelihood "
          f"{ll['mean']:.5f} +- {ll['error']:.5f} per spin; exact Ising {i['log_likelihood_per_spin']['mean']:.5f} "
          f"(-s = {i['minus_entropy_per_spin']['mean']:.5f}); KL {kl['mean']:.5f} +- {kl['error']:.5f} nats/spin")
PY
