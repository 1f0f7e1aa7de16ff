#!/usr/bin/env bash
# The seed's conjecture "the better model conserves the free energy between layers", measured
# (issue #7; docs/vrg-tools.md, "Free-energy conservation vs held-out log-likelihood").
# 4x4 periodic Ising data at T (Wolff; training and held-out sets from different seeds); a sweep of
# two-layer spin DBNs (hidden sizes, epochs, learning rate, CD/PCD); for each model
#   C      = |Δ_0| from `rg free-energy-flow --log-z exact` (every log Z enumerated),
#   ℓ_RBM  = held-out log-likelihood per site of the bottom RBM (exact, same command),
#   ℓ_DBN  = held-out log-likelihood per site of the DBN itself, exact: p(v) = Σ_h p(v|h) p_top(h)
#            with p_top the visible marginal of the top RBM (enumerated here in numpy).
# Then Spearman's rank correlation of C against each ℓ with a permutation p-value (two-sided,
# 100,000 random permutations, seed 1). The conjecture predicts a negative correlation (smaller C,
# higher ℓ). ~2 min on 2 busy cores.
# Usage: examples/vrg_conservation_sweep.sh [PATH_TO_rgflow] [WORKDIR] [T]
set -euo pipefail
R="${1:-build/release/rgflow}"
W="${2:-$(mktemp -d)}"
T="${3:-2.5}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
PY=""
for c in /usr/bin/python3 python3; do
  if command -v "$c" >/dev/null && "$c" -c 'import h5py, numpy' 2>/dev/null; then PY="$c"; break; fi
done
[[ -n "$PY" ]] || { echo "needs a python3 with numpy and h5py (apt-get install python3-h5py)" >&2; exit 1; }
mkdir -p "$W"
"$R" ising sample -L 4 -T "$T" -n 4000 --algorithm wolff --sweeps-between 2 --seed 11 -q -o "$W/train.h5" >/dev/null
"$R" ising sample -L 4 -T "$T" -n 4000 --algorithm wolff --sweeps-between 2 --seed 12 -q -o "$W/heldout.h5" >/dev/null

# name: layers method epochs learning-rate
models=(
  "a 16,8,4 cd 2 0.01"
  "b 16,8,4 cd 10 0.01"
  "c 16,8,4 cd 40 0.01"
  "d 16,8,4 pcd 40 0.01"
  "e 16,4,2 cd 40 0.01"
  "f 16,16,8 cd 40 0.01"
  "g 16,16,8 pcd 80 0.005"
  "h 16,8,4 cd 40 0.1"
  "i 16,16,16 pcd 40 0.01"
  "j 16,4,4 cd 5 0.05"
)
for m in "${models[@]}"; do
  read -r name layers method epochs lr <<<"$m"
  "$R" dbn train "$W/train.h5" --layers "$layers" --visible-type spin --hidden-type spin \
    --method "$method" --steps 5 --epochs "$epochs" --learning-rate "$lr" --seed 1 -q \
    -o "$W/dbn_$name.h5" >/dev/null
  "$R" rg free-energy-flow "$W/dbn_$name.h5" "$W/heldout.h5" --log-z exact --json >"$W/fe_$name.json"
done

"$PY" - "$W" "${models[@]}" <<'PY'
import itertools, json, sys
import h5py, numpy as np
W, models = sys.argv[1], [m.split() for m in sys.argv[2:]]
v = h5py.File(f"{W}/heldout.h5", "r")["/spins"][()].reshape(-1, 16).astype(np.float64)

def log2cosh(x):
    return np.abs(x) + np.log1p(np.exp(-2 * np.abs(x)))

def states(n):
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1) * 2.0 - 1.0

def dbn_loglik(path):
    f = h5py.File(path, "r")["/dbn"]
    W0, a0 = f["layer_0/weights"][()].astype(np.float64), f["layer_0/visible_bias"][()].astype(np.float64)
    W1, a1, b1 = (f[f"layer_1/{k}"][()].astype(np.float64) for k in ("weights", "visible_bias", "hidden_bias"))
    h = states(W0.shape[1])                       # all states of the first hidden layer
    log_top = h @ a1 + log2cosh(b1 + h @ W1).sum(1)   # top RBM's marginal on h (unnormalised)
    log_top -= np.logaddexp.reduce(log_top)
    field = a0[None, :] + h @ W0.T                    # [H, 16]: p(v|h) = Π exp(v f) / 2cosh f
    log_cond = v @ field.T - log2cosh(field).sum(1)[None, :]   # [N, H]
    ll = np.logaddexp.reduce(log_cond + log_top[None, :], axis=1) / 16
    return ll.mean(), ll.std(ddof=1) / np.sqrt(len(ll))

rows = []
for name, layers, method, epochs, lr in models:
    fe = json.load(open(f"{W}/fe_{name}.json"))
    C = fe["conservation"]["mean"]
    l_rbm = fe["layers"][0]["log_likelihood_per_unit"]
    l_dbn = dbn_loglik(f"{W}/dbn_{name}.h5")
    rows.append((name, layers, method, int(epochs), float(lr), C, l_rbm["mean"], l_rbm["error"], *l_dbn))
print(f"{'model':>5} {'layers':>9} {'method':>6} {'epochs':>6} {'lr':>6} {'C':>8} {'l_RBM':>17} {'l_DBN':>17}")
for r in rows:
    print(f"{r[0]:>5} {r[1]:>9} {r[2]:>6} {r[3]:>6} {r[4]:>6} {r[5]:8.4f} {r[6]:8.4f} ± {r[7]:.4f} {r[8]:8.4f} ± {r[9]:.4f}")

def ranks(x):
    x = np.asarray(x); r = np.empty(len(x)); r[np.argsort(x, kind="stable")] = np.arange(len(x))
    return r

def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    return np.corrcoef(rx, ry)[0, 1]

rng = np.random.default_rng(1)
C = [r[5] for r in rows]
for label, k in (("l_RBM", 6), ("l_DBN", 8)):
    y = [r[k] for r in rows]
    rho = spearman(C, y)
    perm = np.array([spearman(C, rng.permutation(y)) for _ in range(100000)])
    p = (np.sum(np.abs(perm) >= abs(rho) - 1e-12) + 1) / (len(perm) + 1)
    print(f"Spearman rho(C, {label}) = {rho:+.3f}, permutation p = {p:.4f} (n = {len(rows)}; "
          f"the conjecture predicts rho < 0)")
PY
