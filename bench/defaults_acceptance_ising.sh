#!/bin/bash
# Issue #16 acceptance rows: periodic Ising data, `rgflow rbm train` with default options and only
# --hidden N, three seeds; KL(p_Ising || p_RBM) per spin from the paired estimate of the quality
# gate with log Z re-estimated by the full AIS and reverse-AIS schedules (100 chains, 14,501
# temperatures); wall time of training + evaluation per seed.
# Usage: bench/defaults_acceptance_ising.sh RGFLOW WORKDIR OUTDIR TAG HIDDEN
#   WORKDIR holds trTAG.h5 / teTAG.h5 (training / test configurations, `rgflow ising sample`), e.g.
#   TAG 16 (16x16 at T_c from bench/defaults_sweep.py, HIDDEN 64) or TAG 40 (40x40 at K = 0.408,
#   HIDDEN 400). Outputs: OUTDIR/isingTAG_default_s{1,2,3}{,_ais,_reverse-ais}.json and
#   OUTDIR/isingTAG_default_summary.json.
set -euo pipefail
B=$1; W=$2; OUT=$3; TAG=$4; H=$5
mkdir -p "$OUT"
for s in 1 2 3; do
  t0=$(date +%s.%N)
  "$B" rbm train "$W/tr$TAG.h5" --hidden "$H" --validation "$W/te$TAG.h5" --seed $s -o "$W/acc${TAG}_s$s.h5" --json -q > "$OUT/ising${TAG}_default_s$s.json"
  t1=$(date +%s.%N)
  for m in ais reverse-ais; do
    "$B" rbm logz "$W/acc${TAG}_s$s.h5" --data "$W/te$TAG.h5" --method $m --seed 1 --json > "$OUT/ising${TAG}_default_s${s}_$m.json"
  done
  t2=$(date +%s.%N)
  echo "{\"train_seconds\": $(echo "$t1 - $t0" | bc), \"evaluation_seconds\": $(echo "$t2 - $t1" | bc), \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" > "$OUT/ising${TAG}_default_s${s}_time.json"
done
/usr/bin/python3 - "$OUT" "$TAG" <<'PY'
import json, math, os, sys
out, tag = sys.argv[1], sys.argv[2]
rows = []
for s in (1, 2, 3):
    t = json.load(open(f"{out}/ising{tag}_default_s{s}.json"))
    f = t["fit"]
    N = t["n_visible"]
    row = {"seed": s, "gate_kl": f["kl_per_unit"], "gate_log_z": f["log_z"]}
    tf = f"{out}/ising{tag}_default_s{s}_time.json"
    if os.path.exists(tf):
        row["time"] = json.load(open(tf))
    for m in ("ais", "reverse-ais"):
        z = json.load(open(f"{out}/ising{tag}_default_s{s}_{m}.json"))["log_z"]
        shift = (z["mean"] - f["log_z"]["mean"]) / N
        kl = f["kl_per_unit"]["mean"] + shift
        # row spread of the paired difference (the gate's error without its log Z part) and log Z's
        err_rows = math.sqrt(max(f["kl_per_unit"]["error"] ** 2 - (f["log_z"]["error"] / N) ** 2, 0.0))
        row[m] = {"log_z": z, "kl": {"mean": kl, "error": math.hypot(err_rows, z["error"] / N)}}
    rows.append(row)
    print(f"seed {s}: KL (AIS) {row['ais']['kl']['mean']:.5f} ± {row['ais']['kl']['error']:.5f}, "
          f"(reverse AIS) {row['reverse-ais']['kl']['mean']:.5f} ± {row['reverse-ais']['kl']['error']:.5f}; "
          f"gate {f['kl_per_unit']['mean']:.5f}" + (f"; {row['time']}" if "time" in row else ""))
ks = [r["ais"]["kl"]["mean"] for r in rows]
m = sum(ks) / 3
sd = math.sqrt(sum((k - m) ** 2 for k in ks) / 2)
print(f"mean over seeds (AIS): {m:.5f} ± {sd / math.sqrt(3):.5f} (seed spread)")
json.dump({"runs": rows, "kl_mean_over_seeds": m, "kl_error_over_seeds": sd / math.sqrt(3)},
          open(f"{out}/ising{tag}_default_summary.json", "w"), indent=1)
PY
