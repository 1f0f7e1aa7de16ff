"""Issue #19: how long MPI's all-gather takes on this machine for the message sizes of
data-parallel training (1.58 MB per rank for a 784 x 500 RBM; docs/scaling.md, "Measured").
Run: mpirun --allow-run-as-root --oversubscribe -np 2 [--mca btl_vader_single_copy_mechanism none]
     /usr/bin/python3 bench/mpi_allgather_probe.py   (mpi4py, Debian python3-mpi4py)
Prints, per message size, the median over 5 repeats of the mean time of 50 all-gathers."""
import statistics
import time

import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
for n in (1 << 14, 1 << 18, 1 << 20, 1578272):
    a = np.ones(n, np.uint8)
    out = np.empty(n * comm.size, np.uint8)
    times = []
    for _ in range(5):
        comm.Barrier()
        t = time.perf_counter()
        for _ in range(50):
            comm.Allgather(a, out)
        times.append((time.perf_counter() - t) / 50)
    dt = statistics.median(times)
    if comm.rank == 0:
        print(f"{n} bytes per rank: {dt * 1e3:.3f} ms, {n * comm.size / dt / 1e9:.2f} GB/s gathered")
