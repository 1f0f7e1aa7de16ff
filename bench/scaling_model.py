#!/usr/bin/env python3
"""A model of multi-node scaling for rgflow's distributed commands (issue #19, docs/scaling.md).

Predicts the parallel efficiency E(N) = T(1) / (N T(N)) of data-parallel training (CD-1 of a
784 x 500 RBM; rgflow's row shards, combined as implemented: every rank all-gathers every rank's
tree nodes and adds them) and of AIS (chains split, one gather at the end) on N nodes, from
  * the compute rate per core, measured on this repository's hosts (bench/compare,
    bench/results/perf-hosts/), scaled to a node of CORES cores at an intra-node efficiency;
  * a cluster interconnect's latency and bandwidth, stated with their source below;
  * the bytes each update moves, counted by rgflow itself (`rbm train --json` "communication",
    checked exactly by tests/unit/test_train_shards.cpp).
Ring all-gather of N messages of m bytes: (N - 1) (alpha + m / beta) per rank; adding the N - 1
received nodes: (N - 1) * 3 m / mem_bw (read two, write one). The alternative a fixed-tree
reduce + broadcast would give (the same bits; not implemented): 2 ceil(log2 N) (alpha + m / beta)
plus ceil(log2 N) additions. Prints a table and writes JSON (argv[1], optional).
"""
import json
import math
import sys

# --- measured here (bench/results/perf-hosts/xeon-avx512/compare.json, 1 thread) -------------
RATE_PER_CORE = 31.8e3      # CD-1 784x500 b100 samples/s on one core (Xeon AVX-512 host)
# --- assumed node ------------------------------------------------------------------------------
CORES = 32                  # cores per node
INTRA_NODE_EFFICIENCY = 0.7 # OpenMP efficiency of one update on all cores of a node (assumed;
                            # measured 0.75 for 2 threads here: 47.9k / (2 x 31.8k))
MEM_BW = 80e9               # bytes/s a node streams for the node additions, all cores (assumed)
# --- interconnect: InfiniBand HDR, 200 Gb/s per port (NVIDIA ConnectX-6 VPI product brief:
# "200Gb/s", "sub 600 nanosecond latency"); MPI-level figures used here, deliberately a little
# worse than the link: latency 1.5 us per message, 22 GB/s (88 % of 25 GB/s) -------------------
ALPHA = 1.5e-6
BETA = 22e9
# --- the problem ----------------------------------------------------------------------------
NV, NH = 784, 500
NODE_BYTES = 4 * (NV * NH + 2 * NV + 2 * NH)   # one tree node: dW, da, db, two batch means
AIS_BATCH_SECONDS = 25.3 / 4                   # one batch of 25 chains, 14,501 betas, 1 core
                                               # (bench/results/perf-hosts/xeon-avx512/ais)


def train_update_seconds(n, batch, tree=False):
    rate = RATE_PER_CORE * CORES * INTRA_NODE_EFFICIENCY
    compute = batch / (n * rate)
    if n == 1:
        return compute, 0.0
    if tree:
        steps = math.ceil(math.log2(n))
        comm = 2 * steps * (ALPHA + NODE_BYTES / BETA) + steps * 3 * NODE_BYTES / MEM_BW
    else:
        comm = (n - 1) * (ALPHA + NODE_BYTES / BETA) + (n - 1) * 3 * NODE_BYTES / MEM_BW
    return compute, comm


def efficiency(n, batch, tree=False):
    c1, _ = train_update_seconds(1, batch)
    c, m = train_update_seconds(n, batch, tree)
    return c1 / (n * (c + m))


def ais_efficiency(n, chains):
    batches = math.ceil(chains / 25)
    per_node = math.ceil(batches / n) * AIS_BATCH_SECONDS / (CORES * INTRA_NODE_EFFICIENCY)
    one = batches * AIS_BATCH_SECONDS / (CORES * INTRA_NODE_EFFICIENCY)
    # one all-gather of every chain's log weight (8 bytes) at the end
    comm = (n - 1) * (ALPHA + 8 * math.ceil(chains / n) / BETA)
    return one / (n * (per_node + comm))


# --- the model checked on this machine: 2 ranks of 1 core, MPI over shared memory ------------
# All-gather of 1.58 MB per rank between the 2 ranks, quiet machine (bench/mpi_allgather_probe.py,
# vader without single copy, as the benchmarks run; bench/results/mpi-train/allgather_probe.txt):
# 0.377 ms, i.e. beta ~ 4.2 GB/s received per rank; node additions at ~10 GB/s (assumed).
HOST = {"alpha": 5e-6, "beta": 4.2e9, "mem_bw": 10e9}


# The one-process rates (--shards 2, the 1-rank side) of the latest training measurement,
# bench/results/mpi-train/b*/summary.json: this host's speed drifts over a day.
HOST_RUN_RATE = {100: 23.8e3, 1000: 28.1e3}


def host_two_rank_speedup(batch, rate=RATE_PER_CORE):
    one = batch / rate
    two = batch / (2 * rate) + HOST["alpha"] + NODE_BYTES / HOST["beta"] + \
        3 * NODE_BYTES / HOST["mem_bw"]
    return one / two


def main():
    out = {"assumptions": {"rate_per_core": RATE_PER_CORE, "cores": CORES,
                           "intra_node_efficiency": INTRA_NODE_EFFICIENCY, "alpha_s": ALPHA,
                           "beta_bytes_per_s": BETA, "mem_bw": MEM_BW, "node_bytes": NODE_BYTES},
           "training": [], "ais": []}
    print(f"one tree node (the bytes a rank sends per update): {NODE_BYTES / 1e6:.2f} MB")
    print("training CD-1 784x500: efficiency E(N) [all-gather as implemented | fixed-tree reduce+bcast]")
    for batch in (100, 1000, 10000):
        row = {"batch": batch}
        cells = []
        for n in (2, 16, 64):
            if n > batch:
                continue
            e, t = efficiency(n, batch), efficiency(n, batch, tree=True)
            c, m = train_update_seconds(n, batch)
            row[str(n)] = {"allgather": e, "tree": t, "compute_s": c, "comm_s": m}
            cells.append(f"N={n}: {e:6.1%} | {t:6.1%}")
        out["training"].append(row)
        print(f"  batch {batch:>5}: " + "   ".join(cells))
    print("AIS 784x500, 14,501 betas: efficiency E(N)")
    for chains in (100, 1600, 6400):
        row = {"chains": chains}
        cells = []
        for n in (2, 16, 64):
            row[str(n)] = ais_efficiency(n, chains)
            cells.append(f"N={n}: {row[str(n)]:6.1%}")
        out["ais"].append(row)
        print(f"  {chains:>5} chains: " + "   ".join(cells))
    out["this_machine_two_ranks"] = {}
    print("this machine, 2 ranks x 1 core, predicted training speedup (measured: "
          "bench/results/mpi-train/b*/summary.json):")
    for batch in (100, 1000):
        at_run = host_two_rank_speedup(batch, HOST_RUN_RATE[batch])
        out["this_machine_two_ranks"][str(batch)] = host_two_rank_speedup(batch)
        out["this_machine_two_ranks"][f"{batch}_at_the_run_rate"] = at_run
        print(f"  batch {batch:>5}: {host_two_rank_speedup(batch):.2f}x "
              f"({at_run:.2f}x at the latest run's one-process rate, {HOST_RUN_RATE[batch] / 1e3:.1f}k/s)")
    if len(sys.argv) > 1:
        json.dump(out, open(sys.argv[1], "w"), indent=1)


if __name__ == "__main__":
    main()
