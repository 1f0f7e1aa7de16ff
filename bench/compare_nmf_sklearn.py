#!/usr/bin/env python3
"""Convex NMF (rgflow, Ding, Li & Jordan 2010) against ordinary NMF (scikit-learn) on the full
scikit-learn digits (1797 x 64, pixel values 0..16) at equal rank: reconstruction error
||X - X_hat||_F side by side, iterations and wall time, errors over initialisation seeds.
Convex NMF's basis is confined to convex combinations of data rows, so it cannot fit better than
an unconstrained NMF of the same rank at the optimum; the table shows what the constraint costs.

Usage (from the checkout, after building the Python package):
  PYTHONPATH=build/release/python /usr/bin/python3 bench/compare_nmf_sklearn.py \
      --data ../shared/data --ranks 5,10,20,40 --seeds 0,1,2 --out bench/results/flowmaps/nmf_digits.json
"""
import argparse
import gzip
import json
import pathlib
import time

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--ranks", default="5,10,20,40")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--rows", type=int, default=0, help="first N rows only (0: all)")
    p.add_argument("--out", default="")
    a = p.parse_args()
    import rgflow
    from sklearn import __version__ as skv
    from sklearn.decomposition import NMF
    with gzip.open(pathlib.Path(a.data) / "digits" / "digits.csv.gz", "rt") as f:
        X = np.loadtxt(f, delimiter=",")[:, :64]
    if a.rows:
        X = X[: a.rows]
    ranks = [int(r) for r in a.ranks.split(",")]
    seeds = [int(s) for s in a.seeds.split(",")]
    norm = np.linalg.norm(X)

    def stat(v):
        v = np.asarray(v, dtype=float)
        return {"mean": float(v.mean()), "error": float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else None}

    rows = []
    for k in ranks:
        res = {"rank": k, "rgflow_convex": [], "sklearn_random": [], "sklearn_nndsvda": None}
        for s in seeds:
            t = time.perf_counter()
            m = rgflow.ConvexNMF(n_components=k, max_iter=5000, tol=1e-7, random_state=s).fit(X)
            res["rgflow_convex"].append({"seed": s, "error": m.reconstruction_err_, "iterations": m.n_iter_,
                                         "converged": bool(m.converged_), "seconds": time.perf_counter() - t})
            t = time.perf_counter()
            n = NMF(n_components=k, init="random", max_iter=5000, tol=1e-6, random_state=s).fit(X)
            res["sklearn_random"].append({"seed": s, "error": float(n.reconstruction_err_), "iterations": int(n.n_iter_),
                                          "seconds": time.perf_counter() - t})
        t = time.perf_counter()
        n = NMF(n_components=k, init="nndsvda", max_iter=5000, tol=1e-6).fit(X)
        res["sklearn_nndsvda"] = {"error": float(n.reconstruction_err_), "iterations": int(n.n_iter_),
                                  "seconds": time.perf_counter() - t}
        res["summary"] = {
            "rgflow_convex_error": stat([r["error"] for r in res["rgflow_convex"]]),
            "sklearn_random_error": stat([r["error"] for r in res["sklearn_random"]]),
            "rgflow_convex_seconds": stat([r["seconds"] for r in res["rgflow_convex"]]),
            "sklearn_random_seconds": stat([r["seconds"] for r in res["sklearn_random"]]),
        }
        rows.append(res)
        s = res["summary"]
        print(f"rank {k:>3}: convex NMF {s['rgflow_convex_error']['mean']:.2f} ± {s['rgflow_convex_error']['error']:.2f} "
              f"(relative {s['rgflow_convex_error']['mean'] / norm:.4f}, {s['rgflow_convex_seconds']['mean']:.2f} s) | "
              f"sklearn NMF random {s['sklearn_random_error']['mean']:.2f} ± {s['sklearn_random_error']['error']:.2f} "
              f"({s['sklearn_random_seconds']['mean']:.2f} s), nndsvda {res['sklearn_nndsvda']['error']:.2f} | "
              f"ratio {s['rgflow_convex_error']['mean'] / s['sklearn_random_error']['mean']:.3f}", flush=True)
    out = {"data": "digits.csv.gz (1797 x 64, values 0..16)", "rows": int(X.shape[0]), "norm": float(norm),
           "seeds": seeds, "sklearn": skv, "rgflow": rgflow.__version__, "results": rows}
    if a.out:
        pathlib.Path(a.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
