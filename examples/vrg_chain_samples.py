#!/usr/bin/env python3
"""Exact samples of the periodic 1D Ising chain p(s) ∝ exp(K Σ_i s_i s_{i+1}) (docs/vrg-tools.md).

Sequential sampling with the transfer matrix T = [[e^K, e^-K], [e^-K, e^K]]:
  p(s_{i+1} | s_i, s_0) ∝ T(s_i, s_{i+1}) · (T^{n-i-1})(s_{i+1}, s_0),  s_0 uniform (symmetry).
Writes /data float32 [N, n] of ±1 with attributes coupling, seed (h5py).
Usage: vrg_chain_samples.py N_SITES K N_SAMPLES SEED OUT.h5
"""
import sys

import h5py
import numpy as np

n, K, N, seed, out = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = np.random.default_rng(seed)
T = np.array([[np.exp(K), np.exp(-K)], [np.exp(-K), np.exp(K)]])
powers = [np.linalg.matrix_power(T, k) for k in range(n + 1)]
idx = np.zeros((N, n), dtype=np.int64)  # 0: spin -1, 1: spin +1
idx[:, 0] = rng.integers(0, 2, N)
for i in range(n - 1):
    a, s0 = idx[:, i], idx[:, 0]
    w = np.stack([T[a, b] * powers[n - i - 1][b, s0] for b in (0, 1)], axis=1)
    p1 = w[:, 1] / w.sum(axis=1)
    idx[:, i + 1] = (rng.random(N) < p1).astype(np.int64)
with h5py.File(out, "w") as f:
    d = f.create_dataset("data", data=(2 * idx - 1).astype(np.float32))
    d.attrs["coupling"] = str(K)
    d.attrs["seed"] = str(seed)
    d.attrs["sites"] = str(n)
