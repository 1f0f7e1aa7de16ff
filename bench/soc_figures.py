#!/usr/bin/env python3
"""Figures of docs/soc.md from the acceptance outputs in bench/results/soc/ (bench/soc_acceptance.sh).

    /usr/bin/python3 bench/soc_figures.py [bench/results/soc] [docs/img]

Writes soc_fss.png (size distributions, collapse, moment exponents, heights against 1/L),
soc_rg.png (the real-space RG view) and soc_lppl.png (an example fit and the coverage check).
Needs numpy and matplotlib only."""
import glob
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

RES = sys.argv[1] if len(sys.argv) > 1 else "bench/results/soc"
IMG = sys.argv[2] if len(sys.argv) > 2 else "docs/img"
P_INF = [0.073636229551877, 0.173899919179485, 0.306291472985397, 0.446172378283240]


def load(path):
    with open(path) as f:
        return json.load(f)


def density(h):
    """(x, p) of a log-binned histogram of an integer observable."""
    e = np.asarray(h["edges"], float)
    c = np.asarray(h["counts"], float)
    keep = c > 0
    x = np.sqrt(e[:-1] * (e[1:] - 1.0))
    p = c / (h["total"] * (e[1:] - e[:-1]))
    return x[keep], p[keep]


def fss(fig_path):
    runs = sorted((load(p) for p in glob.glob(os.path.join(RES, "avalanches_L*.json"))), key=lambda r: r["L"])
    stats = load(os.path.join(RES, "stats_avalanches.json"))["exponents"]
    heights = load(os.path.join(RES, "stats_heights.json"))["heights"]
    D, tau = stats["size"]["D"]["mean"], stats["size"]["tau"]["mean"]
    fig, ax = plt.subplots(2, 2, figsize=(10, 7.5))
    for r in runs:
        x, p = density(r["raw"]["histograms"]["size"])
        ax[0, 0].loglog(x, p, ".-", ms=3, lw=0.8, label=f"L = {r['L']}")
        ax[0, 1].loglog(x / r["L"] ** D, p * x ** tau, ".-", ms=3, lw=0.8, label=f"L = {r['L']}")
    ax[0, 0].set(xlabel="avalanche size s (topplings)", ylabel="P(s)", title="size distributions")
    ax[0, 0].legend(fontsize=8)
    ax[0, 1].set(xlabel=r"$s / L^{D}$", ylabel=r"$s^{\tau} P(s)$",
                 title=f"collapse: D = {D:.3f}, τ = {tau:.3f} (moment analysis)")
    q = np.asarray(stats["size"]["q"])
    for name, mk in (("size", "o"), ("area", "s"), ("duration", "^"), ("radius", "v")):
        sig = stats[name]["sigma"]
        ax[1, 0].errorbar(q, [s["mean"] for s in sig], [s["error"] for s in sig], fmt=mk, ms=3, label=name)
        d, t = stats[name]["D"]["mean"], stats[name]["tau"]["mean"]
        ax[1, 0].plot(q, d * (q + 1 - t), lw=0.7, color="gray")
    lo, hi = stats["q_range"]
    ax[1, 0].axvspan(lo, hi, color="0.93")
    ax[1, 0].set(xlabel="q", ylabel=r"$\sigma(q)$: $\langle x^q\rangle \propto L^{\sigma(q)}$",
                 title="moment analysis (shaded: fit range)")
    ax[1, 0].legend(fontsize=8)
    Ls = np.asarray(heights["sizes"], float)
    files = {int(os.path.basename(p)[9:-5]): load(p) for p in glob.glob(os.path.join(RES, "heights_L*.json"))}
    for z in range(4):
        y = np.array([files[int(L)]["height_distribution"][z]["mean"] for L in Ls]) - P_INF[z]
        e = np.array([files[int(L)]["height_distribution"][z]["error"] for L in Ls])
        c = heights["probabilities"][z]["coefficients"]
        xx = np.linspace(0, 1 / Ls.min(), 100)
        line = ax[1, 1].plot(xx, sum(ci * xx ** k for k, ci in enumerate(c)) - P_INF[z], lw=0.8)[0]
        ax[1, 1].errorbar(1 / Ls, y, e, fmt="o", ms=3, color=line.get_color(), label=f"z = {z}")
    ax[1, 1].axhline(0, color="k", lw=0.5)
    ax[1, 1].set(xlabel="1/L", ylabel=r"$P_L(z) - P_\infty(z)$",
                 title="heights (exact samples) and fits $a + b/L + c/L^2$")
    ax[1, 1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(fig_path, dpi=72)


def rg(fig_path):
    runs = sorted((load(p) for p in glob.glob(os.path.join(RES, "rg_L*.json")) if "summary" not in p),
                  key=lambda r: r["L"])
    big = runs[-1]
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    marks = {64: "s", 128: "^", 256: "o"}
    for r in runs:
        lev = r["levels"]
        bl = np.array([l["b"] for l in lev], float) / r["L"]
        for k in range(5):
            ax[0].errorbar(bl, [l["p_k"][k]["mean"] for l in lev], [l["p_k"][k]["error"] for l in lev],
                           fmt=marks.get(r["L"], "o") + "-", ms=3, lw=0.7, color=f"C{k}",
                           label=f"k = {k}" if r is big else None)
        ax[0].plot(bl, [l["rho"]["mean"] for l in lev], marks.get(r["L"], "o") + "--", ms=3, lw=0.7, color="k",
                   label="ρ" if r is big else None)
    ax[0].set(xscale="log", xlabel="b / L  (squares L = 64, triangles 128, circles 256)", ylabel="fraction",
              title="$p_k$: relaxing b×b blocks passing grains to k sides")
    ax[0].legend(fontsize=7)
    for l in big["levels"]:
        x, p = density(l["block_area_histogram"])
        line = ax[1].loglog(x, p, "o", ms=2.5, label=f"b = {l['b']}")[0]
        xs, ps = density(l["small_lattice_area_histogram"])
        ax[1].loglog(xs, ps, "-", lw=0.8, color=line.get_color())
    ax[1].set(xlabel="blocks $a_b$ (points, L = %d) / area on L/b (lines)" % big["L"], ylabel="P",
              title="coarse-grained avalanches vs the L/b lattice")
    ax[1].legend(fontsize=7)
    for r in runs:
        v = [l["block_height_variance"] for l in r["levels"]]
        ax[2].errorbar([l["b"] for l in r["levels"]], [x["mean"] for x in v], [x["error"] for x in v],
                       fmt=marks.get(r["L"], "o") + "-", ms=3, label=f"L = {r['L']}")
    ax[2].set(xscale="log", xlabel="block side b", ylabel=r"$b^2\,\mathrm{Var}(\bar z_b)$",
              title="block-averaged heights")
    ax[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(fig_path, dpi=72)


def lppl(fig_path):
    fit = load(os.path.join(RES, "lppl_fit_example.json"))
    data = np.loadtxt(os.path.join(RES, "lppl_series_example.csv"), delimiter=",", skiprows=2)
    cov = load(os.path.join(RES, "lppl_coverage_fits.json"))
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    t, y = data[:, 0], data[:, 1]
    tc, m, w = fit["t_c"]["mean"], fit["m"]["mean"], fit["omega"]["mean"]
    A, B, C1, C2 = fit["A"]["mean"], fit["B"]["mean"], fit["C1"], fit["C2"]
    tt = np.linspace(t[0], tc - 1e-6, 800)
    f = (tc - tt) ** m
    ax[0].plot(t, y, ".", ms=2, color="0.5", label="data")
    ax[0].plot(tt, A + B * f + C1 * f * np.cos(w * np.log(tc - tt)) + C2 * f * np.sin(w * np.log(tc - tt)), "C0",
               lw=1, label="fit")
    ax[0].axvspan(fit["t_c"]["lower"], fit["t_c"]["upper"], color="C1", alpha=0.3, label="95% interval of $t_c$")
    ax[0].axvline(cov["truth"]["tc"], color="k", lw=0.8, ls="--", label="true $t_c$")
    ax[0].set(xlabel="t", ylabel="y", title=f"LPPL fit: $t_c$ = {tc:.4f}, m = {m:.3f}, ω = {w:.3f}")
    ax[0].legend(fontsize=8)
    fits = cov["fits"][:80]
    truth = cov["truth"]["tc"]
    for i, q in enumerate(fits):
        inside = q["t_c"]["lower"] <= truth <= q["t_c"]["upper"]
        ax[1].plot([i, i], [q["t_c"]["lower"], q["t_c"]["upper"]], color="C0" if inside else "C3", lw=1.2)
        ax[1].plot(i, q["t_c"]["mean"], ".", color="k", ms=2)
    ax[1].axhline(truth, color="k", lw=0.8)
    c = cov["coverage"]["t_c"]
    ax[1].set(xlabel="synthetic series", ylabel="$t_c$ interval",
              title=f"coverage of $t_c$: {c['covered']}/{cov['series']} = {c['mean']:.3f} ± {c['error']:.3f}")
    fig.tight_layout()
    fig.savefig(fig_path, dpi=72)


if __name__ == "__main__":
    os.makedirs(IMG, exist_ok=True)
    fss(os.path.join(IMG, "soc_fss.png"))
    rg(os.path.join(IMG, "soc_rg.png"))
    lppl(os.path.join(IMG, "soc_lppl.png"))
    print("wrote", ", ".join(os.path.join(IMG, n) for n in ("soc_fss.png", "soc_rg.png", "soc_lppl.png")))
