#!/usr/bin/env python3
"""Issue #16 acceptance for the controls of `rgflow vrg run`: for every dataset, the first layer's
held-out log-likelihood per unit (the model stage's quality gate) against its independent-unit
baseline and, where one exists, the best value the data allow (the exact -s per spin of the Ising
model; the site-permuted control has the critical data's -s, since permuting sites does not change
the entropy). Prints the table and writes a compact JSON (the gate records, the fraction of the gap
closed, and the findings' ids).

Usage: bench/vrg_controls.py OUT.json RUNDIR [RUNDIR ...]   (each RUNDIR holds a summary.json)
"""
import json
import math
import sys


def main():
    out_path, dirs = sys.argv[1], sys.argv[2:]
    runs = []
    for d in dirs:
        s = json.load(open(f"{d}/summary.json"))
        crit = s["datasets"]["critical"]["dbn"]["fit"][0]
        rows = {}
        for name, ds in s["datasets"].items():
            fits = ds["dbn"]["fit"]
            f = fits[0]
            ll, err = f["log_likelihood_per_unit"]["mean"], f["log_likelihood_per_unit"]["error"]
            base = f["independent_per_unit"]
            exact = f.get("exact_per_unit", crit.get("exact_per_unit") if name == "permuted" else None)
            row = {"log_likelihood_per_unit": f["log_likelihood_per_unit"], "independent_per_unit": base,
                   "exact_per_unit": exact, "kl_per_unit": f.get("kl_per_unit"),
                   "models_data": [g["models_data"] for g in fits if g]}
            if exact is not None:
                row["gap_closed"] = {"mean": (ll - base) / (exact - base), "error": err / abs(exact - base)}
            else:
                row["sigmas_above_baseline"] = (ll - base) / err if err > 0 else math.inf
            rows[name] = row
        runs.append({"run": d, "seed": s["seed"], "config": s["config"], "datasets": rows,
                     "findings": [[f["id"], f["shows"]] for f in s["findings"]]})
        print(f"{d} (seed {s['seed']}):")
        for name, r in rows.items():
            extra = (f"gap closed {r['gap_closed']['mean']:.3f} ± {r['gap_closed']['error']:.3f}" if "gap_closed" in r
                     else f"{r['sigmas_above_baseline']:.0f} σ above the baseline")
            print(f"  {name:11s} held-out {r['log_likelihood_per_unit']['mean']:.4f} ± "
                  f"{r['log_likelihood_per_unit']['error']:.4f}, independent {r['independent_per_unit']:.4f}, "
                  f"exact {r['exact_per_unit'] if r['exact_per_unit'] is None else round(r['exact_per_unit'], 4)}: "
                  f"{extra}; layers model their data: {r['models_data']}")
    json.dump(runs, open(out_path, "w"), indent=1)


if __name__ == "__main__":
    main()
