#!/usr/bin/env bash
# Issue #19: strong scaling of distributed AIS, 1 rank vs 2 ranks (1 OpenMP thread per rank), on a
# 784 × 500 Bernoulli RBM, CHAINS chains (batches of 25: 4 batches, 2 per rank), BETAS linear
# temperatures, alternating 1-rank and 2-rank runs for ROUNDS rounds so that both see the same
# moments of a shared machine. Prints each run's wall time (s), the medians and their ratio, and
# checks that the two runs' JSON agree bit for bit (timings aside). Two times per run: the wall
# clock of the whole command (mpirun's start-up and MPI_Init included) and rgflow's own "time" of
# the estimate (rank 0); and the user CPU seconds of each rank (/usr/bin/time), i.e. the work a
# rank did whatever share of the cores the machine gave it. Raw outputs and summary.json in OUT.
# The model: 1 epoch of CD-1 on 200 random rows (the timing does not depend on the weights).
# Usage: bench/mpi_ais_scaling.sh [RGFLOW=build/release/rgflow] [BETAS=1000] [CHAINS=100]
#                                 [ROUNDS=3] [OUT=bench/results/mpi-ais]   (as variables)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/mpi_scaling_common.sh
BETAS=${BETAS:-1000}
CHAINS=${CHAINS:-100}
mpi_bench_setup bench/results/mpi-ais

mpi_bench_model "$TMP"
mpi_bench_alternate "$ROUNDS" "" rbm logz "$TMP/model.h5" --method ais --data "$TMP/data.csv" \
  --betas "$BETAS" --chains "$CHAINS" --seed 1 --threads 1 --json
mpi_bench_summary "$ROUNDS" estimate
