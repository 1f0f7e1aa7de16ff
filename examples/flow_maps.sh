#!/usr/bin/env bash
# The flow maps of the seed side by side on the same Ising data (docs/flow-maps.md, issue #22):
# Wolff configurations of the periodic L x L model at NT temperatures evenly spaced in [1, 5]
# (N per temperature, combined and shuffled: Iso, Shiba & Yokoo 2018), and on that one training
# set per seed
#   rbm          spin-spin RBM, N_h = L^2, PCD-5, 30 epochs (as examples/vrg_rbm_flow.sh)
#   hopfield     Hebbian network storing every training configuration (P = NT * N)
#   hopfield-10  Hebbian network storing 0.1 L^2 of them (below the capacity 0.138 L^2)
#   nmf          convex NMF, rank 10, of the configurations as 0/1 (v = (s + 1)/2)
#   autoencoder  tied denoising autoencoder L^2-L^2 (masking 0.1), 30 epochs, on v = (s + 1)/2
# then `rg flow --map ...` for STEPS steps from 500 fresh configurations at T = 1 and at T = 5.
# Prints T_E (and |m|, u) at steps 0, 1, 5 and STEPS per map, seed and start, and the mean and
# standard error over seeds; writes every JSON to WORKDIR (summary.json).
# Usage: examples/flow_maps.sh [PATH_TO_rgflow] [WORKDIR] [SEEDS] [L] [NT] [N] [STEPS]
# Defaults (the documented run): seeds "1 2 3", L = 10, 20 temperatures, 250 each, 60 steps.
set -euo pipefail
R="${1:-build/release/rgflow}"
W="${2:-$(mktemp -d)}"
SEEDS="${3:-1 2 3}"
L="${4:-10}"
NT="${5:-20}"
N="${6:-250}"
STEPS="${7:-60}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
PY=/usr/bin/python3  # Debian's, with python3-numpy and python3-h5py (scripts/install-deps)
[[ -x "$PY" ]] || PY=python3
"$PY" -c 'import h5py, numpy' 2>/dev/null || { echo "$PY lacks numpy or h5py (scripts/install-deps)" >&2; exit 1; }
mkdir -p "$W"
V=$((L * L))

for seed in $SEEDS; do
  files=()
  for ((k = 0; k < NT; k++)); do
    T=$("$PY" -c "print(1 + 4 * $k / ($NT - 1))")
    f="$W/train_s${seed}_T$k.h5"
    "$R" ising sample -L "$L" -T "$T" -n "$N" --algorithm wolff --sweeps-between 2 \
      --seed $((1000 * seed + k)) -q -o "$f" >/dev/null
    files+=("$f")
  done
  # /spins for the RBM and the Hopfield network, /data = (s + 1)/2 for NMF and the autoencoder,
  # and the first 0.1 L^2 rows for the small Hopfield network.
  "$PY" - "$W" "$seed" "$V" "${files[@]}" <<'PY'
import sys, h5py, numpy as np
W, seed, V, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
spins = np.concatenate([h5py.File(f, "r")["/spins"][()] for f in files])
spins = spins[np.random.default_rng(seed).permutation(len(spins))].astype(np.int8)
with h5py.File(f"{W}/train_s{seed}.h5", "w") as f:
    f.create_dataset("spins", data=spins).attrs["sources"] = ",".join(files)
with h5py.File(f"{W}/train01_s{seed}.h5", "w") as f:
    d = f.create_dataset("data", data=((spins.reshape(len(spins), -1) + 1) // 2).astype(np.float32))
    d.attrs["lattice_size"] = spins.shape[1]
with h5py.File(f"{W}/train_small_s{seed}.h5", "w") as f:
    f.create_dataset("spins", data=spins[: max(1, V // 10)])
PY
  rm -f "${files[@]}"
  "$R" rbm train "$W/train_s$seed.h5" -o "$W/rbm_s$seed.h5" --hidden "$V" --visible-type spin --hidden-type spin \
    --method pcd --steps 5 --epochs 30 --batch-size 100 --learning-rate 0.005 --seed "$seed" -q >/dev/null
  "$R" hopfield store "$W/train_s$seed.h5" -o "$W/hopfield_s$seed.h5" >/dev/null
  "$R" hopfield store "$W/train_small_s$seed.h5" -o "$W/hopfield-10_s$seed.h5" >/dev/null
  "$R" nmf fit "$W/train01_s$seed.h5" --rank 10 --seed "$seed" -o "$W/nmf_s$seed.h5" >/dev/null
  "$R" autoencoder train "$W/train01_s$seed.h5" --hidden "$V" --corruption 0.1 --epochs 30 --batch-size 20 \
    --learning-rate 0.05 --seed "$seed" -q -o "$W/autoencoder_s$seed.h5" >/dev/null
  for T in 1 5; do
    start="$W/start_s${seed}_T$T.h5"
    "$R" ising sample -L "$L" -T "$T" -n 500 --algorithm wolff --sweeps-between 2 \
      --seed $((7000 + 10 * seed + T)) -q -o "$start" >/dev/null
    run() {  # NAME MAP MODEL [OPTIONS...]
      local name="$1" map="$2" model="$3"
      shift 3
      "$R" rg flow "$model" "$start" --map "$map" --steps "$STEPS" --seed "$seed" --json "$@" \
        >"$W/flow_${name}_s${seed}_T$T.json"
    }
    run rbm-mean rbm "$W/rbm_s$seed.h5" --propagate mean
    run rbm-sample rbm "$W/rbm_s$seed.h5" --propagate sample
    run hopfield-mean hopfield "$W/hopfield_s$seed.h5" --propagate mean --hopfield-temperature 1
    run hopfield-sample hopfield "$W/hopfield_s$seed.h5" --propagate sample --hopfield-temperature 1
    run hopfield-10-zeroT hopfield "$W/hopfield-10_s$seed.h5" --propagate sample --hopfield-temperature 0
    run nmf nmf "$W/nmf_s$seed.h5"
    run autoencoder autoencoder "$W/autoencoder_s$seed.h5"
  done
done

"$PY" - "$W" "$SEEDS" "$STEPS" <<'PY'
import json, math, sys
W, seeds, steps = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
maps = ["rbm-mean", "rbm-sample", "hopfield-mean", "hopfield-sample", "hopfield-10-zeroT", "nmf", "autoencoder"]
nan = float("nan")
val = lambda r, k: nan if r[k]["mean"] is None else r[k]["mean"]
summary = {"seeds": seeds, "steps": steps, "maps": {}}
print(f"{'map':>18} {'start':>5} {'seed':>4} {'T_E(0)':>8} {'T_E(1)':>8} {'T_E(5)':>8} {'T_E(end)':>16} {'|m|(end)':>9} {'u(end)':>8}")
for name in maps:
    summary["maps"][name] = {}
    for T in ("1", "5"):
        ends, mags, us = [], [], []
        for s in seeds:
            st = json.load(open(f"{W}/flow_{name}_s{s}_T{T}.json"))["steps"]
            te = lambda i: val(st[min(i, len(st) - 1)], "temperature_energy")
            last = st[-1]
            e = last["temperature_energy"]
            ends.append(te(steps)); mags.append(val(last, "abs_magnetization")); us.append(val(last, "energy"))
            err = nan if e["error"] is None else e["error"]
            print(f"{name:>18} {T:>5} {s:>4} {te(0):8.3f} {te(1):8.3f} {te(5):8.3f} {te(steps):8.3f} ± {err:.3f} "
                  f"{mags[-1]:9.4f} {us[-1]:8.4f}")
        def stat(v):
            v = [x for x in v if x == x]
            if not v:
                return {"mean": None, "error": None, "n": 0}
            m = sum(v) / len(v)
            se = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1) / len(v)) if len(v) > 1 else None
            return {"mean": m, "error": se, "n": len(v)}
        summary["maps"][name][T] = {"temperature_energy": stat(ends), "abs_magnetization": stat(mags),
                                    "energy": stat(us), "undefined_temperatures": sum(1 for x in ends if x != x)}
json.dump(summary, open(f"{W}/summary.json", "w"), indent=1)
print("\nmean ± standard error over seeds at the last step (T_E undefined = outside [0.05, 100], e.g. u = -2):")
for name, d in summary["maps"].items():
    for T, r in d.items():
        t, m = r["temperature_energy"], r["abs_magnetization"]
        ts = "undefined" if t["mean"] is None else f"{t['mean']:.3f} ± {t['error'] if t['error'] is not None else nan:.3f}"
        print(f"{name:>18} from T = {T}: T_E = {ts} ({r['undefined_temperatures']} undefined), |m| = {m['mean']:.4f}")
PY
