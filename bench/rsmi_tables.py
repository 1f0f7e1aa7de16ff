#!/usr/bin/env python3
"""Markdown tables of docs/rsmi.md from the raw outputs in bench/results/rsmi/ (written by
bench/rsmi_acceptance.sh and bench/rsmi_beta_scan.py).

Usage: python3 bench/rsmi_tables.py bench/results/rsmi
"""
import json
import pathlib
import sys


def load(d, name):
    p = d / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() and p.stat().st_size else None  # empty: still running


def times(d):
    t = {}
    for line in (d / "times.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            t[parts[0]] = float(parts[1])
    return t


def est(r, digits=4):
    return f"{r['mean']:.{digits}f} ± {r['error']:.{digits}f}"


def mcrg_rows(name, j, t):
    rows = []
    for s in j["steps"]:
        yt, yh = s["y_t"], s["y_h"]
        f = lambda r: "—" if r["mean"] is None else f"{r['mean']:.4f} ± {r['error']:.4f}"
        rows.append(f"| {name} | {s['from_size']} → {s['to_size']} | {f(yt)} | {f(yh)} |")
    return rows


def mean_sd(xs):
    n = len(xs)
    m = sum(xs) / n
    sd = (sum((x - m) ** 2 for x in xs) / (n - 1)) ** 0.5 if n > 1 else float("nan")
    return m, sd


def conv_tables(d, t):
    """The convolutional RBM's learned blocking (stage conv of bench/rsmi_acceptance.sh)."""
    out = []
    for name, label in (("mcrg_conv_majority_sign", "majority-rule RBM, sign (positive control)"),
                        ("mcrg_conv_majority_sample", "majority-rule RBM, sampled")):
        j = load(d, name)
        if j:
            out += mcrg_rows(label, j, t)
    archs = [("k2", "kernel 2, stride 2"), ("k4", "kernel 4, stride 2")]
    fits, summary = [], []
    for a, alabel in archs:
        for h in ("sample", "sign"):
            runs = [load(d, f"mcrg_conv_{a}_{h}_seed{s}") for s in range(1, 6)]
            runs = [r for r in runs if r]
            if not runs:
                continue
            for k, step in enumerate(runs[0]["steps"]):
                cells = []
                for key in ("y_t", "y_h"):
                    m, sd = mean_sd([r["steps"][k][key]["mean"] for r in runs])
                    err = sorted(r["steps"][k][key]["error"] for r in runs)[len(runs) // 2]
                    cells.append(f"{m:.4f} (sd {sd:.4f}; ± {err:.4f})")
                summary.append(f"| conv RBM {alabel}, {h} ({len(runs)} seeds) | {step['from_size']} → "
                               f"{step['to_size']} | {cells[0]} | {cells[1]} |")
        for s in range(1, 6):
            ll = load(d, f"conv_{a}_loglik_seed{s}")
            ker = load(d, f"conv_{a}_kernels_seed{s}")
            if not ll:
                continue
            ising = ll.get("ising", {})
            digits = 3 if len(ker["kernels"][0]) <= 4 else 2 if ker else 3
            w = ", ".join(f"{x:.{digits}f}" for x in ker["kernels"][0]) if ker else "—"
            fits.append(f"| {alabel} | {s} | ({w}) | {est(ll['log_likelihood_per_spin'], 5)} | "
                        f"{ising['minus_entropy_per_spin']['mean']:.5f} | "
                        f"{est(ising['kl_per_spin'], 5) if 'kl_per_spin' in ising else '—'} | "
                        f"{t.get(f'conv_{a}_train_seed{s}', float('nan')):.0f} |")
    if summary:
        out += ["", "Learned blocking: the mean over the training seeds, their standard deviation (sd: the "
                "spread from training) and the median per-run statistical error (±: jackknife over chains; "
                "every run blocks the same configurations with MCRG seed 0):", "",
                "| rule | step | y_t | y_h |", "|---|---|---|---|"] + summary
    if fits:
        out += ["", "### Convolutional RBMs used as blocking rules: their fit", "",
                "Held-out log-likelihood per spin (AIS, 100 chains, 4000 configurations); independent spins: "
                "−ln 2 = −0.69315.", "",
                "| model | seed | kernel (row-major) | ℓ per spin | exact −s | KL per spin | train s |",
                "|---|---|---|---|---|---|---|"] + fits
    return out


def main(d):
    d = pathlib.Path(d)
    t = times(d)
    out = ["### Filters (5 seeds) and mutual information", "",
           "| run | filter (block sites row-major) | max deviation from uniform | I(H:E) nats (held out) | wall s |",
           "|---|---|---|---|---|"]
    for s in range(1, 6):
        j = load(d, f"rsmi_seed{s}")
        w = ", ".join(f"{x:.4f}" for x in j["filter"][0])
        out.append(f"| RSMI seed {s} | ({w}) | {100 * j['nonuniformity'][0]:.2f} % | "
                   f"{est(j['mutual_information'])} | {t.get(f'rsmi_seed{s}', float('nan')):.0f} |")
    for name, label in (("mi_majority", "majority rule (uniform, tie coin), critic seed 1"),
                        ("mi_majority_seed2", "majority rule, critic seed 2"),
                        ("mi_majority_seed3", "majority rule, critic seed 3"),
                        ("mi_decimation", "decimation (1, 0, 0, 0)")):
        j = load(d, name)
        if j:
            w = ", ".join(f"{x:g}" for x in j["filter"][0])
            out.append(f"| {label} | ({w}) | — | {est(j['mutual_information'])} | {t.get(name, float('nan')):.0f} |")
    out += ["", "### MCRG exponents (4 even / 2 odd operators, b = 2, 4 levels; exact y_t = 1, y_h = 1.875)", "",
            "| rule | step | y_t | y_h |", "|---|---|---|---|"]
    for name, label in (("mcrg_majority", "majority"), ("mcrg_uniform_file", "RSMI file with the uniform filter"),
                        ("mcrg_rsmi_seed1", "RSMI seed 1"), ("mcrg_rsmi_seed2", "RSMI seed 2"),
                        ("mcrg_rsmi_seed3", "RSMI seed 3"), ("mcrg_rsmi_seed4", "RSMI seed 4"),
                        ("mcrg_rsmi_seed5", "RSMI seed 5"), ("mcrg_decimation", "decimation")):
        j = load(d, name)
        if j:
            out += mcrg_rows(label, j, t)
    out += conv_tables(d, t)
    out += ["", "### Antiferromagnet control", "",
            "| run | filter | I(H:E) nats | wall s |", "|---|---|---|---|"]
    for name, label in (("af_rsmi_level0", "RSMI, level 0 (64²)"), ("af_mi_majority", "majority rule, level 0"),
                        ("af_rsmi_level1", "RSMI, level 1 (32², on the level-0 RSMI coarse-graining)")):
        j = load(d, name)
        if j:
            w = ", ".join(f"{x:.4f}" for x in j["filter"][0])
            out.append(f"| {label} | ({w}) | {est(j['mutual_information'], 5)} | {t.get(name, float('nan')):.0f} |")
    out += ["", "| rule | step | y_t | y_h |", "|---|---|---|---|"]
    for name, label in (("af_mcrg_majority", "majority"), ("af_mcrg_rsmi", "RSMI level 0, then level 1")):
        j = load(d, name)
        if j:
            out += mcrg_rows(label, j, t)
    scan = load(d, "beta_scan")
    if scan:
        c = scan["chain"]
        out += ["", "### Estimator on given filters (1D, exact samples)", "",
                "| filter | exact I | estimate | estimate − exact |", "|---|---|---|---|"]
        for f in c["fixed"]:
            e = f["estimate"]
            out.append(f"| ({', '.join(f'{x:g}' for x in f['filter'])}) | {f['exact_information']:.5f} | "
                       f"{est(e, 5)} | {e['mean'] - f['exact_information']:+.5f} |")
        out += ["", "### β scan", "",
                f"1D (exact optimum {c['exact_optimum']:.5f}, majority {c['exact_majority']:.5f} nats):", "",
                "| β | seed | learned filter | its exact I | estimate |", "|---|---|---|---|---|"]
        for r in c["runs"]:
            w = ", ".join(f"{x:.3f}" for x in r["filter"][0])
            out.append(f"| {r['beta']} | {r['seed']} | ({w}) | {r['exact_information']:.5f} | {est(r['estimate'], 5)} |")
        out += ["", "2D (T_c, L = 32):", "", "| β | seed | learned filter | deviation from uniform | estimate |",
                "|---|---|---|---|---|"]
        for r in scan["lattice"]["runs"]:
            w = ", ".join(f"{x:.3f}" for x in r["filter"][0])
            out.append(f"| {r['beta']} | {r['seed']} | ({w}) | {100 * r['nonuniformity']:.1f} % | {est(r['estimate'], 4)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
