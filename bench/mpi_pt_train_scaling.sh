#!/usr/bin/env bash
# Issue #19: strong scaling of data-parallel parallel-tempering TRAINING, 1 rank vs 2 ranks (1
# OpenMP thread per rank): `rgflow rbm train --method pt` of a 784 × 500 Bernoulli RBM, PT-1 on a
# small geometric ladder (REPLICAS temperatures down to β = BETA_MIN), batch BATCH (so BATCH chains
# of REPLICAS replicas), on ROWS rows of binarized MNIST, EPOCHS epochs, --shards SHARDS: each rank
# runs the chains of its shards at every temperature and sends, per update, its tree node of the
# gradient, its swap counts and its chains' rows of every replica (docs/scaling.md). The run,
# timing and summary are bench/mpi_train_scaling.sh's (this script only picks the method): the
# 1-rank and 2-rank models must be the same bits; summary.json in OUT (communication per update
# included). A PT-1 update is 2·REPLICAS + 1 products of BATCH rows (CD-1: 3) plus the sampling of
# every replica; per update on 2 ranks each sends its gradient node (1.58 MB), REPLICAS − 1 counts
# and its BATCH/2 chains at REPLICAS temperatures (0.63 MB with the defaults). A brief check run
# (1,000 rows, one round, load average 4 on the 2-core machine) trained at 27 ms per update on one
# rank; the defaults (20,000 rows, 1 epoch: 200 updates) aim at ~5-10 s of training per run.
# Usage: bench/mpi_pt_train_scaling.sh   (variables: REPLICAS=4 BETA_MIN=0.5 ROWS=20000 EPOCHS=1
#        SHARDS=2 BATCH=100 ROUNDS=3 OUT=bench/results/mpi-pt-train RGFLOW=build/release/rgflow)
set -euo pipefail
cd "$(dirname "$0")/.."
REPLICAS=${REPLICAS:-4}
BETA_MIN=${BETA_MIN:-0.5}
METHOD=pt METHOD_ARGS="--replicas $REPLICAS --pt-beta-min $BETA_MIN" ROWS=${ROWS:-20000} \
  EPOCHS=${EPOCHS:-1} OUT=${OUT:-bench/results/mpi-pt-train} exec bash bench/mpi_train_scaling.sh
