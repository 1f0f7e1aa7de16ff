#!/usr/bin/env bash
# Acceptance experiment for `rgflow rg couplings` (docs/vrg-tools.md): a spin-spin RBM with
# N_h = N_v = 16 trained on 4x4 periodic Ising configurations at K = J/T = 0.3 should recover the
# nearest-neighbour coupling of its visible marginal within 5 %, with the other couplings near 0.
# Every unit touches 16 sites, so the couplings are exact (enumerated); the "error" of a shape
# class is the spread over the class. About 15 s on a loaded 2-core machine.
# Usage: examples/vrg_couplings_2d.sh [PATH_TO_rgflow] [WORKDIR]
set -euo pipefail
R="${1:-build/release/rgflow}"
W="${2:-$(mktemp -d)}"
"$R" ising sample -L 4 -T 3.3333333333 -n 20000 --algorithm wolff --sweeps-between 2 --seed 1 \
  -o "$W/ising4.h5" -q >/dev/null
"$R" rbm train "$W/ising4.h5" -o "$W/rbm4.h5" --hidden 16 --visible-type spin --hidden-type spin \
  --method pcd --steps 5 --epochs 60 --batch-size 100 --learning-rate 0.005 --seed 1 -q
"$R" rg couplings "$W/rbm4.h5" --lattice 4 --max-order 4
echo "expected: order 2, (dx, dy) = (1, 0): K = 0.3"
