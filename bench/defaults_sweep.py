#!/usr/bin/python3
"""The sweep behind `rgflow rbm train`'s default options (issue #16 item 6; docs/results.md).

Every candidate option set is run, with one seed per call, on the same data sets and scored by
`rbm train`'s own quality gate on held-out rows (exact log Z where a layer has <= 20 units, else
AIS; paired KL to the exact Ising model where the data record a temperature). One JSON per run
(`rbm train --json`, plus the wall time) goes to OUT/<dataset>/<candidate>_s<seed>.json and one
line per run to OUT/summary.jsonl.

    /usr/bin/python3 bench/defaults_sweep.py --rgflow build/release/rgflow \
        --data ../shared/data --work /tmp/sweep --out bench/results/defaults-sweep \
        [--datasets ising8_T2.0 ...] [--candidates pcd_c ...] [--seeds 1 2 3]

Data (made in --work if absent, by rgflow itself and numpy): periodic Ising at T_c on 16x16
(12,000 training / 4,000 held-out Wolff configurations) and on 8x8 at T = 2.0 and 3.0 (10,000 /
4,000), the sklearn digits thresholded at 8 of 16 (1,400 / 397 rows), binarized MNIST (50,000 /
10,000). Candidates' options are listed in CANDIDATES; "current" is the option set that was the
default before the sweep (CD-1, constant 0.05, momentum 0.5 -> 0.9, 10 epochs).
"""
import argparse
import json
import os
import subprocess
import sys
import time

TC = "2.269185314213022"

DATASETS = {
    # name: (train, held-out, unit options, hidden units)
    "ising8_T2.0": ("tr8_2.0.h5", "te8_2.0.h5", ["--visible-type", "spin", "--hidden-type", "spin"], 16),
    "ising8_T3.0": ("tr8_3.0.h5", "te8_3.0.h5", ["--visible-type", "spin", "--hidden-type", "spin"], 16),
    "ising16_Tc": ("tr16.h5", "te16.h5", ["--visible-type", "spin", "--hidden-type", "spin"], 64),
    "digits": ("dig_tr.npy", "dig_te.npy", [], 16),
    "mnist_h20": ("MNIST_TRAIN", "MNIST_TEST", [], 20),
    "mnist_h500": ("MNIST_TRAIN", "MNIST_TEST", ["--l2", "2e-4"], 500),
}

_SCHED = ["--method", "pcd", "--momentum", "0.5", "--epochs", "100"]
_LIN = ["--lr-schedule", "linear"]
CANDIDATES = {
    "current": [],
    "pcd_05": _SCHED + _LIN + ["--learning-rate", "0.05", "--learning-rate-final", "0.001"],
    "pcd_05_c": _SCHED + _LIN + ["--learning-rate", "0.05", "--learning-rate-final", "0.001", "--centering"],
    "pcd_02_c": _SCHED + _LIN + ["--learning-rate", "0.02", "--learning-rate-final", "0.0002", "--centering"],
    "pcd_01_c": _SCHED + _LIN + ["--learning-rate", "0.01", "--learning-rate-final", "0.0001", "--centering"],
    "pcd_05_c_exp": _SCHED + ["--learning-rate", "0.05", "--learning-rate-final", "0.0005",
                              "--lr-schedule", "exponential", "--centering"],
    "pcd_05_c_cos": _SCHED + ["--learning-rate", "0.05", "--learning-rate-final", "0.0005",
                              "--lr-schedule", "cosine", "--centering"],
    "pcd_05_c_b50": _SCHED + ["--learning-rate", "0.05", "--learning-rate-final", "0.001", "--centering",
                              "--batch-size", "50"],
    "adam_c": ["--method", "pcd", "--epochs", "100", "--optimizer", "adam", *_LIN, "--learning-rate", "0.003",
               "--learning-rate-final", "0.0003", "--centering"],
}
# Ising data are Z2-symmetric: every candidate but "current" ties the biases to 0 there.
Z2 = ["--symmetry", "z2"]


def make_data(rgflow, data_dir, work):
    os.makedirs(work, exist_ok=True)

    def sample(L, T, n, seed, out):
        if not os.path.exists(os.path.join(work, out)):
            subprocess.run([rgflow, "ising", "sample", "-L", str(L), "-T", T, "-n", str(n),
                            "--algorithm", "wolff", "--sweeps-between", "4", "--seed", str(seed),
                            "-o", os.path.join(work, out), "-q"], check=True,
                           stdout=subprocess.DEVNULL)

    sample(16, TC, 12000, 1, "tr16.h5")
    sample(16, TC, 4000, 2, "te16.h5")
    for T in ("2.0", "3.0"):
        sample(8, T, 10000, 1, f"tr8_{T}.h5")
        sample(8, T, 4000, 2, f"te8_{T}.h5")
    if not os.path.exists(os.path.join(work, "dig_tr.npy")):
        import gzip
        import numpy as np
        X = np.loadtxt(gzip.open(os.path.join(data_dir, "digits", "digits.csv.gz")), delimiter=",")
        B = (X[:, :64] >= 8).astype(np.float32)
        p = np.random.default_rng(0).permutation(len(B))
        np.save(os.path.join(work, "dig_tr.npy"), B[p[:1400]])
        np.save(os.path.join(work, "dig_te.npy"), B[p[1400:]])


def resolve(path, data_dir, work):
    mnist = os.path.join(data_dir, "binarized_mnist")
    if path == "MNIST_TRAIN":
        return os.path.join(mnist, "binarized_mnist_train.amat.gz")
    if path == "MNIST_TEST":
        return os.path.join(mnist, "binarized_mnist_test.amat.gz")
    return os.path.join(work, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rgflow", required=True)
    ap.add_argument("--data", required=True, help="the shared data folder (binarized_mnist/, digits/)")
    ap.add_argument("--work", required=True, help="folder for the generated data and models")
    ap.add_argument("--out", required=True)
    ap.add_argument("--datasets", nargs="+", default=["ising8_T2.0", "ising8_T3.0", "digits", "ising16_Tc", "mnist_h20"])
    ap.add_argument("--candidates", nargs="+", default=list(CANDIDATES))
    ap.add_argument("--seeds", nargs="+", type=int, default=[1])
    ap.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                    help="options appended to every run (after the candidate's), e.g. --threads 2")
    a = ap.parse_args()
    make_data(a.rgflow, a.data, a.work)
    os.makedirs(a.out, exist_ok=True)
    summary = open(os.path.join(a.out, "summary.jsonl"), "a")
    for ds in a.datasets:
        train, test, units, hidden = DATASETS[ds]
        os.makedirs(os.path.join(a.out, ds), exist_ok=True)
        for cand in a.candidates:
            for seed in a.seeds:
                opts = list(CANDIDATES[cand])
                if ds.startswith("ising") and cand != "current":
                    opts += Z2
                model = os.path.join(a.work, f"{ds}_{cand}_s{seed}.h5")
                cmd = [a.rgflow, "rbm", "train", resolve(train, a.data, a.work), "--hidden", str(hidden),
                       *units, *opts, "--validation", resolve(test, a.data, a.work), "--seed", str(seed),
                       *a.extra, "-o", model, "--json", "-q"]
                t0 = time.time()
                r = subprocess.run(cmd, capture_output=True, text=True)
                wall = time.time() - t0
                if r.returncode != 0:
                    print(f"{ds} {cand} s{seed}: exit {r.returncode}: {r.stderr.strip()}", file=sys.stderr)
                    continue
                res = json.loads(r.stdout)
                res["wall_seconds"] = wall
                res["command"] = cmd
                with open(os.path.join(a.out, ds, f"{cand}_s{seed}.json"), "w") as f:
                    json.dump(res, f, indent=1)
                fit = res["fit"]
                line = {"dataset": ds, "candidate": cand, "seed": seed, "wall_seconds": round(wall, 1),
                        "ll": fit["log_likelihood_per_unit"], "independent": fit["independent_per_unit"],
                        "exact": fit.get("exact_per_unit"), "kl": fit.get("kl_per_unit"),
                        "log_z_method": fit["log_z_method"], "log_z": fit["log_z"]}
                summary.write(json.dumps(line) + "\n")
                summary.flush()
                ll = fit["log_likelihood_per_unit"]
                kl = fit.get("kl_per_unit")
                print(f"{ds:12s} {cand:10s} s{seed} LL/unit {ll['mean']:.5f} ± {ll['error']:.5f} "
                      f"indep {fit['independent_per_unit']:.5f}"
                      + (f" KL {kl['mean']:.5f} ± {kl['error']:.5f}" if kl else "") + f"  {wall:.0f} s",
                      flush=True)


if __name__ == "__main__":
    main()
