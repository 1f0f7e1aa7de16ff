#!/usr/bin/env python3
"""Acceptance benchmark: rgflow PCD vs scikit-learn's BernoulliRBM on binarized MNIST.

Both RBMs get the same hidden units, epochs, batch size and learning rate (scikit-learn, like
rgflow, applies the learning rate to the batch-mean gradient, and uses PCD-1 with batch_size
persistent chains). scikit-learn's parameters are exported to an rgflow model file with h5py
(weights = components_.T) and BOTH models are evaluated by the same code:
`rgflow rbm loglik MODEL test.amat.gz --method exact --json` (exact log Z by enumerating the
2^n_hidden hidden states). Also times `rgflow rbm logz --method exact` on 784x20 and 784x25 models.

Usage (Debian: python3-sklearn, python3-h5py, python3-numpy):
  /usr/bin/python3 bench/compare_sklearn_loglik.py --rgflow build/release/rgflow \
      --data ../shared/data/binarized_mnist --seeds 1 2 3 --out bench/results
Prints a Markdown table (the one in docs/results.md) and writes results.json into --out.
"""
import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import time

import h5py
import numpy as np
import sklearn
from sklearn.neural_network import BernoulliRBM


def load_amat(path):
    with gzip.open(path, "rt") as f:
        return np.loadtxt(f, dtype=np.float64)


def run_json(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout), time.perf_counter() - t0


def write_rgflow_model(path, weights, visible_bias, hidden_bias, attrs):
    with h5py.File(path, "w") as f:
        g = f.create_group("rbm")
        g["weights"] = np.asarray(weights, np.float32)
        g["visible_bias"] = np.asarray(visible_bias, np.float32)
        g["hidden_bias"] = np.asarray(hidden_bias, np.float32)
        g.attrs["visible_type"] = "bernoulli"
        g.attrs["hidden_type"] = "bernoulli"
        g.attrs["format_version"] = 1
        for k, v in attrs.items():
            g.attrs[k] = str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rgflow", default="build/release/rgflow")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                                   "data", "binarized_mnist"))
    ap.add_argument("--hidden", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--learning-rate", type=float, default=0.05)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--skip-timing", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    train_path = os.path.join(args.data, "binarized_mnist_train.amat.gz")
    test_path = os.path.join(args.data, "binarized_mnist_test.amat.gz")

    settings = dict(hidden=args.hidden, epochs=args.epochs, batch_size=args.batch_size,
                    learning_rate=args.learning_rate, method="PCD-1")
    print(f"settings: {settings}, seeds {args.seeds}", file=sys.stderr)
    X = load_amat(train_path)
    assert X.shape == (50000, 784), X.shape
    results = []
    for seed in args.seeds:
        row = {"seed": seed}
        # scikit-learn BernoulliRBM (PCD-1, no momentum, no weight decay).
        sk = BernoulliRBM(n_components=args.hidden, learning_rate=args.learning_rate,
                          batch_size=args.batch_size, n_iter=args.epochs, random_state=seed)
        t0 = time.perf_counter()
        sk.fit(X)
        row["sklearn_train_seconds"] = time.perf_counter() - t0
        sk_model = os.path.join(args.out, f"sklearn_h{args.hidden}_s{seed}.h5")
        write_rgflow_model(sk_model, sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_,
                           {"source": f"sklearn {sklearn.__version__} BernoulliRBM", "seed": seed,
                            "n_iter": args.epochs, "batch_size": args.batch_size,
                            "learning_rate": args.learning_rate})

        # rgflow, same settings: default momentum schedule (0.5 -> 0.9) and without momentum.
        for label, extra in (("rgflow", []), ("rgflow_no_momentum", ["--momentum", "0"])):
            model = os.path.join(args.out, f"{label}_h{args.hidden}_s{seed}.h5")
            summary, secs = run_json([args.rgflow, "rbm", "train", train_path,
                                      "--hidden", str(args.hidden), "--method", "pcd",
                                      "--steps", "1", "--epochs", str(args.epochs),
                                      "--batch-size", str(args.batch_size),
                                      "--learning-rate", str(args.learning_rate),
                                      "--seed", str(seed), "--quiet", "--json", "-o", model] + extra)
            row[f"{label}_train_seconds"] = secs
            ll, _ = run_json([args.rgflow, "rbm", "loglik", model, test_path,
                              "--method", "exact", "--json"])
            row[f"{label}_test_loglik"] = ll["log_likelihood"]
            row[f"{label}_log_z"] = ll["log_z"]["mean"]
        ll, _ = run_json([args.rgflow, "rbm", "loglik", sk_model, test_path, "--method", "exact",
                          "--json"])
        row["sklearn_test_loglik"] = ll["log_likelihood"]
        row["sklearn_log_z"] = ll["log_z"]["mean"]
        results.append(row)
        print(json.dumps(row), file=sys.stderr)

    timing = {}
    if not args.skip_timing:
        base = os.path.join(args.out, f"rgflow_h{args.hidden}_s{args.seeds[0]}.h5")
        with h5py.File(base, "r") as f:
            a = f["/rbm/visible_bias"][()]
        rng = np.random.default_rng(0)
        m25 = os.path.join(args.out, "random_h25.h5")
        write_rgflow_model(m25, rng.normal(0, 0.01, (784, 25)), a, np.zeros(25),
                           {"source": "random N(0, 0.01^2) weights, for timing only"})
        for name, path in ((f"784x{args.hidden}", base), ("784x25", m25)):
            runs = []
            for _ in range(3 if name != "784x25" else 1):
                j, wall = run_json([args.rgflow, "rbm", "logz", path, "--method", "exact", "--json"])
                runs.append({"enumeration_seconds": j["time"]["seconds"], "wall_seconds": wall})
            timing[name] = runs

    info = {"settings": settings, "seeds": args.seeds, "results": results, "logz_timing": timing,
            "sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
            "cpu_count": os.cpu_count(), "platform": platform.platform()}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(info, f, indent=2)

    print("| seed | scikit-learn BernoulliRBM | rgflow PCD-1 (momentum 0.5→0.9) | rgflow PCD-1 (no momentum) |")
    print("|---|---|---|---|")
    fmt = lambda r: f"{r['mean']:.2f} ± {r['error']:.2f}"
    for r in results:
        print(f"| {r['seed']} | {fmt(r['sklearn_test_loglik'])} | {fmt(r['rgflow_test_loglik'])} | "
              f"{fmt(r['rgflow_no_momentum_test_loglik'])} |")
    print()
    print("| | sklearn fit | rgflow train | rgflow train (no momentum) |")
    print("|---|---|---|---|")
    for r in results:
        print(f"| seed {r['seed']} seconds | {r['sklearn_train_seconds']:.1f} | "
              f"{r['rgflow_train_seconds']:.1f} | {r['rgflow_no_momentum_train_seconds']:.1f} |")
    for name, runs in timing.items():
        print(f"logz --method exact {name}: " +
              ", ".join(f"{x['enumeration_seconds']:.3f} s (wall {x['wall_seconds']:.3f} s)" for x in runs))
    # Acceptance compares like with like: scikit-learn has no momentum, so rgflow runs with
    # --momentum 0; the default (Hinton's 0.5 -> 0.9 schedule) is reported alongside.
    ok = all(r["rgflow_no_momentum_test_loglik"]["mean"] >= r["sklearn_test_loglik"]["mean"]
             for r in results)
    ok_default = all(r["rgflow_test_loglik"]["mean"] >= r["sklearn_test_loglik"]["mean"]
                     for r in results)
    print(f"\nacceptance (rgflow --momentum 0 >= sklearn on every seed): {'PASS' if ok else 'FAIL'}")
    print(f"rgflow with the default momentum schedule >= sklearn on every seed: "
          f"{'yes' if ok_default else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
