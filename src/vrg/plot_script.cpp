// The figure script of the vrg report, shipped inside the binary and written next to the figures
// (OUTDIR/figures/plot.py) so a reader can rerun or edit it: python3 plot.py figdata.json DIR.
#include "rgflow/vrg/report.hpp"

namespace rgflow::vrg {

const char* plot_script() {
  return R"PY(#!/usr/bin/env python3
"""Figures of `rgflow vrg run` (matplotlib, Agg backend): python3 plot.py FIGDATA.json OUTDIR."""
import json, math, os, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

data = json.load(open(sys.argv[1]))
out = sys.argv[2]
D = data["datasets"]
names = list(D.keys())
colors = dict(zip(["critical", "paramagnet", "ordered", "permuted", "textures"],
                  ["C0", "C3", "C2", "C1", "C4"]))

def save(fig, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=90)
    plt.close(fig)

def mean_err(e):
    """(mean, error) of a summary estimate; NaN (JSON null) where it is undefined."""
    if not isinstance(e, dict): return (float("nan"), 0.0)
    m, s = e.get("mean"), e.get("error")
    return (float("nan") if m is None else m, 0.0 if s is None or s != s else s)

# Sample configurations: rows datasets, columns block-spin levels.
nlev = max(len(D[n]["blockspin"]["levels"]) for n in names)
fig, axes = plt.subplots(len(names), nlev, figsize=(2.0 * nlev, 2.0 * len(names)), squeeze=False)
for i, n in enumerate(names):
    for k in range(nlev):
        ax = axes[i][k]
        ax.set_xticks([]); ax.set_yticks([])
        levels = D[n]["blockspin"]["levels"]
        if k < len(levels):
            side = levels[k]["side"]
            ax.imshow(np.array(levels[k]["examples"][0]).reshape(side, side), cmap="gray", vmin=-1, vmax=1)
        if k == 0: ax.set_ylabel(n)
        if i == 0: ax.set_title("data" if k == 0 else "block level %d" % k)
save(fig, "samples.png")

# Receptive fields of the critical DBN, one mosaic per layer.
L = data["size"]
rfs = D["critical"]["measure"]["receptive_fields"] if "critical" in D else []
fig, axes = plt.subplots(1, max(1, len(rfs)), figsize=(4.0 * max(1, len(rfs)), 4.2), squeeze=False)
for j, rf in enumerate(rfs):
    f = np.array(rf["fields"])
    n = min(len(f), 16)
    g = int(math.ceil(math.sqrt(n)))
    mosaic = np.full((g * (L + 1) + 1, g * (L + 1) + 1), np.nan)
    for u in range(n):
        r, c = divmod(u, g)
        t = f[u].reshape(L, L)
        s = np.max(np.abs(t)) or 1.0
        mosaic[1 + r * (L + 1):1 + r * (L + 1) + L, 1 + c * (L + 1):1 + c * (L + 1) + L] = t / s
    ax = axes[0][j]
    ax.imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_title("level %d (%d of %d units)" % (rf["level"], n, rf["units"]))
    ax.set_xticks([]); ax.set_yticks([])
if not rfs:
    axes[0][0].text(0.5, 0.5, "no hidden layers", ha="center")
save(fig, "receptive_fields.png")

# Magnetisation distributions, critical data: DBN vs block spins per level.
fig, ax = plt.subplots(figsize=(7, 4))
if "critical" in D:
    dl = D["critical"]["measure"]["levels"]; bl = D["critical"]["blockspin"]["levels"]
    for k in range(len(dl)):
        h = [x["mean"] for x in dl[k]["magnetization_histogram"]]
        x = np.linspace(-1, 1, len(h) + 1); xc = 0.5 * (x[1:] + x[:-1])
        ax.plot(xc, h, "-", color="C%d" % k, label="DBN level %d" % k)
        if k < len(bl):
            hb = [x["mean"] for x in bl[k]["magnetization_histogram"]]
            ax.plot(xc, hb, "--", color="C%d" % k, label="block level %d" % k)
ax.set_xlabel("magnetisation m"); ax.set_ylabel("fraction of configurations"); ax.legend(fontsize=8)
save(fig, "magnetization.png")

# Correlation length vs level for every dataset.
fig, ax = plt.subplots(figsize=(7, 4))
for n in names:
    c = colors.get(n, "k")
    for side, style, fill in (("measure", "-o", "full"), ("blockspin", "--o", "none")):
        lv = D[n][side]["levels"]
        y = [mean_err(l["correlation_length"]) for l in lv]
        ax.errorbar(range(len(y)), [a for a, _ in y], yerr=[b for _, b in y], fmt=style, color=c, fillstyle=fill,
                    label="%s (%s)" % (n, "DBN" if side == "measure" else "block"))
ax.set_yscale("log")
ax.set_xlabel("level"); ax.set_ylabel("ξ (original lattice spacings)"); ax.legend(fontsize=7, ncol=2)
save(fig, "correlation_length.png")

# Renormalised couplings per level: block spins (pseudo-likelihood K1, K2, K4) vs the RBMs' K_nn.
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
def flow_series(flow, side, term):
    pts = [(e["level"], mean_err(e[side][term] if side in ("blockspin", "rsmi") else e[side]["nearest_neighbour"]))
           for e in flow if isinstance(e.get(side), dict)]
    pts = [(k, m, s) for k, (m, s) in pts if m == m]
    return [k for k, _, _ in pts], [m for _, m, _ in pts], [s for _, _, s in pts]
if "critical" in D:
    flow = data["summary"]["datasets"]["critical"].get("coupling_flow", [])
    for term, style, label in (("nearest_neighbour", "--o", "block K1"), ("next_nearest_neighbour", "--s", "block K2"),
                               ("plaquette", "--D", "block K4")):
        x, y, e = flow_series(flow, "blockspin", term)
        if x: axes[0].errorbar(x, y, yerr=e, fmt=style, fillstyle="none", label=label)
    for term, style, label in (("nearest_neighbour", ":o", "RSMI K1"), ("next_nearest_neighbour", ":s", "RSMI K2"),
                               ("plaquette", ":D", "RSMI K4")):
        x, y, e = flow_series(flow, "rsmi", term)
        if x: axes[0].errorbar(x, y, yerr=e, fmt=style, color="C2", ms=4, label=label)
    x, y, e = flow_series(flow, "dbn", None)
    if x: axes[0].errorbar(x, y, yerr=e, fmt="-o", color="C0", label="DBN K_nn (centres)")
    x, y, e = flow_series(flow, "local", None)
    if x: axes[0].errorbar(x, y, yerr=e, fmt="-^", color="k", label="local K_nn (block lattice)")
    ex = D["critical"]["measure"].get("exact")
    if ex: axes[0].plot([0], [ex["coupling"]["mean"]], "r*", ms=12, label="bare K")
axes[0].axhline(0, color="gray", lw=0.5)
axes[0].set_xlabel("level k (spacing b^k)"); axes[0].set_ylabel("coupling"); axes[0].set_title("critical data")
axes[0].legend(fontsize=7)
for n in names:
    flow = data["summary"]["datasets"][n].get("coupling_flow", [])
    x, y, e = flow_series(flow, "blockspin", "nearest_neighbour")
    if x: axes[1].errorbar(x, y, yerr=e, fmt="--o", fillstyle="none", color=colors.get(n, "k"), label=n + " block K1")
    x, y, e = flow_series(flow, "dbn", None)
    if x: axes[1].errorbar(x, y, yerr=e, fmt="-o", color=colors.get(n, "k"), label=n + " DBN K_nn")
axes[1].axhline(0, color="gray", lw=0.5)
axes[1].set_xlabel("level k"); axes[1].set_ylabel("nearest-neighbour coupling"); axes[1].legend(fontsize=6, ncol=2)
for ax in axes: ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
save(fig, "renormalized_couplings.png")

# Free-energy flow: F'_k per original site per layer with each RG step's constant kept (flat for an
# exact RG), exact Ising f per site.
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for n in names:
    m = D[n]["measure"]
    fe = m["free_energy"]
    y = [mean_err(f.get("kept_free_energy_per_site", f.get("free_energy_per_site"))) for f in fe]
    axes[0].errorbar(range(len(y)), [a for a, _ in y], yerr=[b for _, b in y], fmt="-o", color=colors.get(n, "k"), label=n)
    ex = m.get("free_energy_conservation", {}).get("exact_free_energy_per_site")
    if ex: axes[0].axhline(ex["mean"], color=colors.get(n, "k"), ls=":", lw=1)
    y = [mean_err(f.get("log_likelihood_per_unit")) for f in fe]
    axes[1].errorbar(range(len(y)), [a for a, _ in y], yerr=[b for _, b in y], fmt="-o", color=colors.get(n, "k"), label=n)
    exs = m.get("exact")
    if exs: axes[1].axhline(exs["log_likelihood_per_spin"]["mean"], color=colors.get(n, "k"), ls=":", lw=1)
if "local" in data:
    fe = data["local"]["free_energy"]
    y = [mean_err(f.get("kept_free_energy_per_site", f.get("free_energy_per_site"))) for f in fe]
    axes[0].errorbar(range(len(y)), [a for a, _ in y], yerr=[b for _, b in y], fmt="--^", color="k", label="critical, local")
axes[0].set_xlabel("layer k"); axes[0].set_ylabel("F'_k − Σ K_∅ per original site"); axes[0].legend(fontsize=7)
axes[0].set_title("dotted: exact Ising f per site")
axes[1].set_xlabel("layer k"); axes[1].set_ylabel("ℓ_k / n_k (nats per unit)")
axes[1].set_title("dotted: exact −s per spin (level 0)")
save(fig, "free_energy.png")

# Receptive-field locality vs level: data vs controls, with the permutation null.
fig, ax = plt.subplots(figsize=(7, 4))
for n in names:
    lv = [l for l in D[n]["measure"]["levels"] if "locality" in l]
    if not lv: continue
    x = [l["level"] for l in lv]
    y = [mean_err(l["locality"]["score"]) for l in lv]; z = [mean_err(l["locality"]["null"]) for l in lv]
    ax.errorbar(x, [a for a, _ in y], yerr=[b for _, b in y], fmt="-o", color=colors.get(n, "k"), label=n)
    ax.errorbar(x, [a for a, _ in z], yerr=[b for _, b in z], fmt="x:", color=colors.get(n, "k"), alpha=0.6)
if "local" in data:
    lv = [l for l in data["local"]["levels"] if "locality" in l]
    ax.plot([l["level"] for l in lv], [l["locality"]["score"]["mean"] for l in lv], "k--^", label="critical, local")
ax.set_xlabel("level"); ax.set_ylabel("locality S(r) (dotted: permutation null)"); ax.set_ylim(0, 1.05)
ax.legend(fontsize=7)
save(fig, "locality.png")

# Couplings vs distance: hidden-side pair couplings of the first RBM.
fig, ax = plt.subplots(figsize=(7, 4))
for label, m, style in ([("critical, local", data["local"], "k--^")] if "local" in data else []) + \
        [(n + " (centres)", D[n]["measure"], "-o") for n in names]:
    cp = m.get("couplings", [])
    if not cp: continue
    y = [mean_err(c["coupling"]) for c in cp]
    ax.errorbar([c["distance"] for c in cp], [a for a, _ in y], yerr=[b for _, b in y], fmt=style,
                color=None if style != "-o" else colors.get(label.split()[0], "k"), label=label)
if "critical" in D and D["critical"]["measure"].get("exact"):
    K = D["critical"]["measure"]["exact"]["coupling"]["mean"]
    ax.plot([1], [K], "r*", ms=12, label="bare K (data, distance 1)")
ax.axhline(0, color="gray", lw=0.5)
ax.set_xlabel("distance (original lattice spacings)"); ax.set_ylabel("pair coupling K_ij"); ax.legend(fontsize=7)
save(fig, "couplings.png")

# RBM flow T(n) of the first layer.
fig, ax = plt.subplots(figsize=(7, 4))
for n in names:
    fl = D[n]["measure"].get("rbm_flow", [])
    y = [mean_err(s["temperature_energy"]) for s in fl]
    if fl: ax.errorbar([s["step"] for s in fl], [a for a, _ in y], yerr=[b for _, b in y], fmt="-o", color=colors.get(n, "k"), label=n)
ax.axhline(2.269185, color="gray", ls=":", label="T_c")
ax.set_xlabel("flow step n"); ax.set_ylabel("T(n) from the energy (exact finite-L u)"); ax.legend(fontsize=7)
save(fig, "rbm_flow.png")

# Reconstructions of the critical data from each level.
rec = D["critical"]["measure"]["reconstructions"] if "critical" in D else []
ncol = max([len(r) for r in rec] + [1])
fig, axes = plt.subplots(max(1, len(rec)), ncol, figsize=(1.6 * ncol, 1.6 * max(1, len(rec))), squeeze=False)
for i, rows in enumerate(rec):
    for j in range(ncol):
        ax = axes[i][j]; ax.set_xticks([]); ax.set_yticks([])
        if j < len(rows):
            ax.imshow(np.array(rows[j]).reshape(L, L), cmap="gray", vmin=-1, vmax=1)
        if j == 0: ax.set_ylabel("data" if i == 0 else "from level %d" % i)
save(fig, "reconstructions.png")

# MCRG exponents per blocking step.
fig, ax = plt.subplots(figsize=(7, 4))
for n in names:
    steps = D[n]["blockspin"].get("mcrg", [])
    if not steps: continue
    for key, style in (("y_t", "-o"), ("y_h", "--s")):
        y = [mean_err(s[key]) for s in steps]
        ax.errorbar(range(1, len(y) + 1), [a for a, _ in y], yerr=[b for _, b in y], fmt=style,
                    color=colors.get(n, "k"), label="%s %s" % (n, key))
if "critical" in D and isinstance(D["critical"].get("rsmi"), dict):
    steps = D["critical"]["rsmi"].get("mcrg", [])
    for key, style in (("y_t", ":^"), ("y_h", ":v")):
        y = [mean_err(s[key]) for s in steps]
        if y: ax.errorbar([i + 1.08 for i in range(len(y))], [a for a, _ in y], yerr=[b for _, b in y], fmt=style,
                          color=colors.get("critical", "k"), fillstyle="none", label="critical %s (RSMI rule)" % key)
ax.axhline(1.0, color="gray", lw=1, ls=":"); ax.axhline(1.875, color="gray", lw=1, ls=":")
ax.set_xlabel("blocking step"); ax.set_ylabel("RG eigenvalue exponent"); ax.legend(fontsize=7, ncol=2)
save(fig, "mcrg.png")
)PY";
}

}  // namespace rgflow::vrg
