#!/usr/bin/env python3
"""How the relaxation's inverse temperature beta decides which filter RSMI learns (docs/rsmi.md).

1D: the periodic Ising chain (K = 1, L = 18, exact samples by transfer-matrix sampling), block 3,
buffer 1, environment 2: the estimator on four given filters against their exact information;
then the learned filter and its *exact* information (rgflow.coarse_graining.chain_information)
per beta, next to the exact values of majority rule and of the optimum.
2D: Ising at T_c, L = 32 (Wolff, rgflow.ising.sample), block 2, buffer 2, environment 2: the
learned filter's deviation from uniform per beta.

Usage: PYTHONPATH=build/release/python python3 bench/rsmi_beta_scan.py OUT.json
"""
import itertools
import json
import sys
import time

import numpy as np

import rgflow
from rgflow import coarse_graining as cg


def chain_samples(K, L, n, seed):
    """Exact samples of p(s) ~ exp(K sum s_i s_{i+1}) on a ring: s_0 uniform, then
    p(s_{i+1} | s_i, s_0) ~ T(s_i, s_{i+1}) T^{L-i-1}(s_{i+1}, s_0), T^k(s, t) = (lp^k + s t lm^k) / 2."""
    rng = np.random.default_rng(seed)
    lp, lm = 2 * np.cosh(K), 2 * np.sinh(K)
    tk = lambda k, s, t: 0.5 * (lp ** k + s * t * lm ** k)
    S = np.empty((n, L), np.int8)
    s0 = np.where(rng.random(n) < 0.5, -1, 1)
    S[:, 0] = s = s0
    for i in range(L - 1):
        up = np.exp(K * s) * tk(L - i - 1, 1, s0)
        down = np.exp(-K * s) * tk(L - i - 1, -1, s0)
        s = np.where(rng.random(n) < up / (up + down), 1, -1)
        S[:, i + 1] = s
    return S


def main(out):
    K, L, buffer = 1.0, 18, 1
    chain = chain_samples(K, L, 8000, seed=7)
    optimum = max(cg.chain_information(K, L, buffer, w)
                  for w in itertools.product(range(-3, 4), repeat=3) if any(w))
    result = {"chain": {"K": K, "L": L, "block": 3, "buffer": buffer, "environment": 2,
                        "samples": len(chain), "exact_optimum": optimum,
                        "exact_majority": cg.chain_information(K, L, buffer, [1, 1, 1]),
                        "runs": []},
              "lattice": {"L": 32, "temperature": rgflow.ising.critical_temperature(), "block": 2,
                          "buffer": 2, "environment": 2, "runs": []}}
    result["chain"]["fixed"] = []
    for w in ([1, 1, 1], [1, 0, 0], [0, 1, 0], [2, 1, -0.5]):  # the estimator on given filters
        r = rgflow.rsmi(chain, chain=True, block=3, buffer=buffer, environment=2, filter=w,
                        batch_size=128, critic_hidden=16, seed=1)
        result["chain"]["fixed"].append({
            "filter": w, "exact_information": cg.chain_information(K, L, buffer, w),
            "estimate": {"mean": r.mutual_information.mean, "error": r.mutual_information.error}})
        print("fixed", result["chain"]["fixed"][-1], flush=True)
    for beta in (0.5, 0.7, 0.85, 1.0, 2.0, 4.0):
        for seed in (1, 2, 3):
            t0 = time.time()
            r = rgflow.rsmi(chain, chain=True, block=3, buffer=buffer, environment=2, beta=beta,
                            batch_size=128, critic_hidden=16, epochs=30, seed=seed)
            result["chain"]["runs"].append({
                "beta": beta, "seed": seed, "filter": r.filter.tolist(),
                "exact_information": cg.chain_information(K, L, buffer, r.filter),
                "estimate": {"mean": r.mutual_information.mean, "error": r.mutual_information.error},
                "seconds": time.time() - t0})
            print("chain", result["chain"]["runs"][-1], flush=True)
    lattice = rgflow.ising.sample(32, rgflow.ising.critical_temperature(), algorithm="wolff",
                                  samples=8000, chains=8, seed=1).spins
    for beta in (0.5, 1.0, 2.0, 4.0):
        for seed in (1, 2):
            t0 = time.time()
            r = rgflow.rsmi(lattice, block=2, buffer=2, environment=2, beta=beta, epochs=60, seed=seed)
            result["lattice"]["runs"].append({
                "beta": beta, "seed": seed, "filter": r.filter.tolist(),
                "nonuniformity": r.nonuniformity(),
                "estimate": {"mean": r.mutual_information.mean, "error": r.mutual_information.error},
                "seconds": time.time() - t0})
            print("lattice", result["lattice"]["runs"][-1], flush=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
