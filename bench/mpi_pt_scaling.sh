#!/usr/bin/env bash
# Issue #19: strong scaling of distributed parallel tempering (`rgflow rbm sample --method pt`),
# 1 rank vs 2 ranks (1 OpenMP thread per rank), on a 784 × 500 Bernoulli RBM, SAMPLES chains of
# REPLICAS temperatures (geometric ladder to β = 0.1; 2 ranks: replicas [0, 8) and [8, 16)), STEPS
# PT steps (~28 ms each on one core: the default 500 is ~15 s per 1-rank run), alternating 1-rank
# and 2-rank runs for ROUNDS rounds. Prints each run's wall time (s), the medians and their ratio,
# and checks that the two runs agree bit for bit: the PNG mosaic of the samples byte for byte and
# the JSON (swap acceptances included, timings aside). Times (bench/mpi_scaling_common.sh): the
# wall clock of the whole command, rgflow's own "time" of the sampling (rank 0, "sampling"), the
# user CPU seconds of each rank. Raw outputs and summary.json in OUT.
# Expected ceiling (docs/scaling.md): the swaps of a step run in ladder order, rank after rank;
# what cannot be computed ahead is ~2 % of a step at this shape: 1 / (0.02 + 0.98 / 2) ≈ 1.96.
# Usage: bench/mpi_pt_scaling.sh [RGFLOW=build/release/rgflow] [STEPS=500] [SAMPLES=100]
#                                [REPLICAS=16] [ROUNDS=3] [OUT=bench/results/mpi-pt]  (as variables)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mpi_scaling_common.sh
STEPS=${STEPS:-500}
SAMPLES=${SAMPLES:-100}
REPLICAS=${REPLICAS:-16}
mpi_bench_setup bench/results/mpi-pt

mpi_bench_model "$TMP"
mpi_bench_alternate "$ROUNDS" png rbm sample "$TMP/model.h5" --method pt --replicas "$REPLICAS" \
  --pt-beta-min 0.1 --samples "$SAMPLES" --gibbs-steps "$STEPS" --seed 1 --json
mpi_bench_summary "$ROUNDS" sampling pt_swap_acceptance
