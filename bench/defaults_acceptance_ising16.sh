#!/bin/bash
# Issue #16 acceptance row: 16x16 periodic Ising at T_c, `rgflow rbm train` with default options and
# only --hidden 64, three seeds; KL(p_Ising || p_RBM) per spin from the paired estimate of the
# quality gate with log Z re-estimated by the full AIS and reverse-AIS schedules (100 chains,
# 14,501 temperatures). Usage: bench/defaults_acceptance_ising16.sh RGFLOW WORKDIR OUTDIR
# (WORKDIR holds tr16.h5 / te16.h5 from bench/defaults_sweep.py).
set -euo pipefail
B=$1; W=$2; OUT=$3
mkdir -p "$OUT"
for s in 1 2 3; do
  "$B" rbm train "$W/tr16.h5" --hidden 64 --validation "$W/te16.h5" --seed $s -o "$W/acc16_s$s.h5" --json -q > "$OUT/ising16_default_s$s.json"
  for m in ais reverse-ais; do
    "$B" rbm logz "$W/acc16_s$s.h5" --data "$W/te16.h5" --method $m --seed 1 --json > "$OUT/ising16_default_s${s}_$m.json"
  done
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, math, sys
out = sys.argv[1]
N = 256
rows = []
for s in (1, 2, 3):
    t = json.load(open(f"{out}/ising16_default_s{s}.json"))
    f = t["fit"]
    # mean log p_Ising(v) per spin over the held-out rows (paired with the model's rows)
    lp_ising = f["kl_per_unit"]["mean"] + f["log_likelihood_per_unit"]["mean"]
    row = {"seed": s, "gate_kl": f["kl_per_unit"], "gate_log_z": f["log_z"]}
    for m in ("ais", "reverse-ais"):
        z = json.load(open(f"{out}/ising16_default_s{s}_{m}.json"))["log_z"]
        shift = (z["mean"] - f["log_z"]["mean"]) / N
        kl = f["kl_per_unit"]["mean"] + shift
        # row spread of the paired difference (the gate's error without its log Z part) and log Z's
        err_rows = math.sqrt(max(f["kl_per_unit"]["error"] ** 2 - (f["log_z"]["error"] / N) ** 2, 0.0))
        row[m] = {"log_z": z, "kl": {"mean": kl, "error": math.hypot(err_rows, z["error"] / N)}}
    rows.append(row)
    print(f"seed {s}: KL (AIS) {row['ais']['kl']['mean']:.5f} ± {row['ais']['kl']['error']:.5f}, "
          f"(reverse AIS) {row['reverse-ais']['kl']['mean']:.5f} ± {row['reverse-ais']['kl']['error']:.5f}; "
          f"gate {f['kl_per_unit']['mean']:.5f}")
ks = [r["ais"]["kl"]["mean"] for r in rows]
m = sum(ks) / 3
sd = math.sqrt(sum((k - m) ** 2 for k in ks) / 2)
print(f"mean over seeds (AIS): {m:.5f} ± {sd / math.sqrt(3):.5f} (seed spread)")
json.dump({"runs": rows, "kl_mean_over_seeds": m, "kl_error_over_seeds": sd / math.sqrt(3)},
          open(f"{out}/ising16_default_summary.json", "w"), indent=1)
PY
