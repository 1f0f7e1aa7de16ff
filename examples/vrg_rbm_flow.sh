#!/usr/bin/env bash
# Flow acceptance run of issue #7 (docs/vrg-tools.md, "RBM flow: fixed point"): Iso, Shiba & Yokoo
# 2018 on rgflow. Wolff configurations of the periodic L x L Ising model at NT temperatures evenly
# spaced in [1, 5] (N per temperature, combined and shuffled into one training set); a spin-spin RBM
# with N_h = N_v = L^2 trained on them; then `rg flow` (conditional means, v -> h -> v) from fresh
# samples at T = 1 (ordered side) and T = 5 (disordered side). Prints the last steps' T_E and T_PL
# of both flows per seed, and writes everything to WORKDIR.
# Also prints the trivial reference: the T_E of the training mixture's mean exact energy (where a
# Gibbs flow of a perfect model of the mixture ends).
# Usage: [PROPAGATE=sample|mean] [TMIN=1] [TMAX=5] examples/vrg_rbm_flow.sh [PATH_TO_rgflow]
#          [WORKDIR] [SEEDS] [L] [NT] [N] [EPOCHS] [STEPS]
# Defaults (the documented run): seeds "1 2 3", L = 10, 20 temperatures, 1000 per temperature,
# 30 epochs, 60 flow steps: ~10 s per seed on 2 busy cores (OMP_NUM_THREADS=2).
set -euo pipefail
R="${1:-build/release/rgflow}"
W="${2:-$(mktemp -d)}"
SEEDS="${3:-1 2 3}"
L="${4:-10}"
NT="${5:-20}"
N="${6:-1000}"
EPOCHS="${7:-30}"
STEPS="${8:-60}"
PROPAGATE="${PROPAGATE:-sample}"
TMIN="${TMIN:-1}"
TMAX="${TMAX:-5}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
PY=""
for c in /usr/bin/python3 python3; do
  if command -v "$c" >/dev/null && "$c" -c 'import h5py, numpy' 2>/dev/null; then PY="$c"; break; fi
done
[[ -n "$PY" ]] || { echo "needs a python3 with numpy and h5py (apt-get install python3-h5py)" >&2; exit 1; }
mkdir -p "$W"

for seed in $SEEDS; do
  # Training set: T_k = TMIN + (TMAX - TMIN) k / (NT - 1), one Wolff run each (seed 1000 s + k).
  files=()
  for ((k = 0; k < NT; k++)); do
    T=$("$PY" -c "print($TMIN + ($TMAX - $TMIN) * $k / ($NT - 1))")
    f="$W/train_s${seed}_T$k.h5"
    "$R" ising sample -L "$L" -T "$T" -n "$N" --algorithm wolff --sweeps-between 2 \
      --seed $((1000 * seed + k)) -q -o "$f" >/dev/null
    files+=("$f")
  done
  "$PY" - "$W/train_s$seed.h5" "$seed" "${files[@]}" <<'PY'
import sys, h5py, numpy as np
out, seed, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
spins = np.concatenate([h5py.File(f, "r")["/spins"][()] for f in files])
spins = spins[np.random.default_rng(seed).permutation(len(spins))]
with h5py.File(out, "w") as f:
    d = f.create_dataset("spins", data=spins.astype(np.int8))
    d.attrs["sources"] = ",".join(files)
    d.attrs["shuffle_seed"] = str(seed)
PY
  rm -f "${files[@]}"
  "$R" rbm train "$W/train_s$seed.h5" -o "$W/rbm_s$seed.h5" --hidden $((L * L)) \
    --visible-type spin --hidden-type spin --method pcd --steps 5 --epochs "$EPOCHS" \
    --batch-size 100 --learning-rate 0.005 --seed "$seed" -q >/dev/null
  side=0
  for T in "$TMIN" "$TMAX"; do
    side=$((side + 1))
    "$R" ising sample -L "$L" -T "$T" -n 500 --algorithm wolff --sweeps-between 2 \
      --seed $((7000 + 10 * seed + side)) -q -o "$W/start_s${seed}_T$T.h5" >/dev/null
    "$R" rg flow "$W/rbm_s$seed.h5" "$W/start_s${seed}_T$T.h5" --steps "$STEPS" --propagate "$PROPAGATE" --seed "$seed" --json \
      >"$W/flow_s${seed}_T$T.json"
  done
done

"$PY" - "$W" "$SEEDS" "$STEPS" "$TMIN" "$TMAX" "$R" "$L" "$NT" <<'PY'
import json, math, subprocess, sys
W, seeds, steps = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
tmin, tmax, R, L, NT = sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7]), int(sys.argv[8])
def u_exact(T):
    out = subprocess.run([R, "ising", "exact", "-L", str(L), "-T", repr(T), "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["energy_per_spin"]["mean"]
u_mix = sum(u_exact(float(tmin) + (float(tmax) - float(tmin)) * k / (NT - 1)) for k in range(NT)) / NT
lo, hi = 0.5, 20.0
for _ in range(50):
    mid = 0.5 * (lo + hi)
    lo, hi = (mid, hi) if u_exact(mid) < u_mix else (lo, mid)
print(f"training mixture T in [{tmin}, {tmax}]: mean exact energy {u_mix:.4f}, its T_E = {lo:.3f}")
print(f"{'seed':>4} {'start':>5} {'T_E(0)':>8} {'T_E(5)':>8} {'T_E(20)':>8} {'T_E(last)':>16} {'T_PL(last)':>16}")
ends = {"E": [], "PL": []}
for s in seeds:
    for T in (tmin, tmax):
        st = json.load(open(f"{W}/flow_s{s}_T{T}.json"))["steps"]
        nan = float("nan")
        fix = lambda r: {k: (nan if x is None else x) for k, x in r.items()}  # JSON null: NaN
        te = lambda i: fix(st[min(i, len(st) - 1)]["temperature_energy"])["mean"]
        last = st[-1]
        e, p = fix(last["temperature_energy"]), fix(last["temperature_pseudo_likelihood"])
        ends["E"].append(e["mean"]); ends["PL"].append(p["mean"])
        print(f"{s:>4} {T:>5} {te(0):8.3f} {te(5):8.3f} {te(20):8.3f} {e['mean']:8.3f} ± {e['error']:.3f} {p['mean']:8.3f} ± {p['error']:.3f}")
for k, v in ends.items():
    v = [x for x in v if x == x]
    if not v:
        continue
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else float("nan")
    print(f"T_{k} at step {steps}: mean {m:.3f}, sd over seeds x starts {sd:.3f}, se {sd / math.sqrt(len(v)):.3f}  (T_c = 2.269)")
PY
