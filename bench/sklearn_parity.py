#!/usr/bin/env python3
"""Issue #21 item 2: where the downstream-accuracy gap between rgflow.BernoulliRBM and
scikit-learn's BernoulliRBM on the nudged digits comes from.

The task is scikit-learn's example "Restricted Boltzmann Machine features for digit
classification": the 8x8 digits and their four one-pixel shifts (8,985 rows), scaled to [0, 1],
an 80/20 split (random_state=0); a pipeline BernoulliRBM(n_components=100, learning_rate=0.06,
batch_size=10, n_iter=10) -> LogisticRegression(solver="newton-cg", tol=1, C=6000); the score is
the test accuracy. Every variant runs the same seeds 0..S-1 (the RBM's random_state only).

rgflow is run with scikit-learn's settings spelled out (its own defaults differ: docs/python.md):
momentum=0, lr_schedule='constant', centering=False, method='pcd', steps=1. The two trainers then
still differ in four ways, each of which a variant switches on the side that can switch it:
  chains   rgflow's PCD chains carry their visible states between updates (Tieleman 2008);
           scikit-learn's carry their hidden samples (h_samples_). rgflow: train_options
           {"pcd_hidden_state": True} runs scikit-learn's scheme.
  vbias    rgflow initialises the visible biases to logit(mean of the training rows) (Hinton 2010
           section 8); scikit-learn to 0. rgflow: visible_bias_init='zero'; scikit-learn: a
           run with the visible biases preset to rgflow's values (its partial_fit keeps preset
           parameters), same N(0, 0.01) weights from its RandomState.
  order    rgflow shuffles the rows into new mini-batches every epoch; scikit-learn takes the
           same even slices in data order every epoch. scikit-learn: a run that calls
           partial_fit (= one update of its fit) on the batches of a fresh permutation per epoch.
  float    rgflow trains in float32, scikit-learn in the input's dtype (float64 here).
The learning rate is scaled identically (both apply it to the batch-mean gradient, scikit-learn
as learning_rate / rows of the batch), and both initialise W ~ N(0, 0.01^2), hidden biases 0.

Usage: PYTHONPATH=build/release/python OMP_NUM_THREADS=1 /usr/bin/python3 bench/sklearn_parity.py \
          --seeds 10 --out bench/results/sklearn-parity
Writes results.json (every accuracy) and prints a Markdown table (mean +- standard error).
"""
import argparse
import json
import os
import platform
import time
import warnings

import numpy as np
import sklearn
from scipy.ndimage import convolve
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM as SkRBM
from sklearn.preprocessing import minmax_scale
from sklearn.utils import check_random_state, gen_even_slices

import rgflow
from rgflow import _core

N_COMPONENTS, LEARNING_RATE, BATCH, N_ITER = 100, 0.06, 10, 10
SKLEARN_SETTINGS = dict(momentum=0.0, lr_schedule="constant", centering=False, method="pcd",
                        steps=1)


def nudged_digits():
    """scikit-learn's example, verbatim in effect: the digits and 4 one-pixel shifts."""
    X, y = datasets.load_digits(return_X_y=True)
    X = np.asarray(X, "float32")
    directions = [[[0, 1, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
                  [[0, 0, 0], [0, 0, 1], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 1, 0]]]
    shift = lambda x, w: convolve(x.reshape((8, 8)), mode="constant", weights=w).ravel()
    X = np.concatenate([X] + [np.apply_along_axis(shift, 1, X, np.array(w)) for w in directions])
    y = np.concatenate([y for _ in range(5)], axis=0)
    X = minmax_scale(X, feature_range=(0, 1))
    return train_test_split(X, y, test_size=0.2, random_state=0)


def data_visible_bias(X):
    p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
    return np.log(p / (1 - p))


def sklearn_rbm(X, seed, *, vbias="zero", order="fixed"):
    """scikit-learn's BernoulliRBM.fit, optionally with rgflow's visible-bias initialisation
    and/or reshuffled batches; with neither it is fit() itself."""
    if vbias == "zero" and order == "fixed":
        return SkRBM(n_components=N_COMPONENTS, learning_rate=LEARNING_RATE, batch_size=BATCH,
                     n_iter=N_ITER, random_state=seed).fit(X)
    rbm = SkRBM(n_components=N_COMPONENTS, learning_rate=LEARNING_RATE, batch_size=BATCH,
                n_iter=N_ITER, random_state=seed)
    rng = check_random_state(seed)
    # fit()'s initialisation from the same RandomState, then preset for partial_fit to keep.
    rbm.components_ = np.asarray(rng.normal(0, 0.01, (N_COMPONENTS, X.shape[1])), order="F")
    rbm._n_features_out = N_COMPONENTS
    rbm.intercept_hidden_ = np.zeros(N_COMPONENTS)
    rbm.intercept_visible_ = data_visible_bias(X) if vbias == "data" else np.zeros(X.shape[1])
    rbm.h_samples_ = np.zeros((BATCH, N_COMPONENTS))
    rbm.random_state_ = rng
    n = X.shape[0]
    n_batches = int(np.ceil(n / BATCH))
    slices = list(gen_even_slices(n_batches * BATCH, n_batches, n_samples=n))
    for _ in range(N_ITER):
        rows = X if order == "fixed" else X[rng.permutation(n)]
        for s in slices:
            rbm._fit(rows[s], rng)  # the body of fit()'s loop (partial_fit minus validation)
    rbm.n_features_in_ = X.shape[1]
    return rbm


def rgflow_rbm(X, seed, *, chains="visible", vbias="data"):
    options = {"pcd_hidden_state": chains == "hidden"}
    rbm = rgflow.BernoulliRBM(n_components=N_COMPONENTS, learning_rate=LEARNING_RATE,
                              batch_size=BATCH, n_iter=N_ITER, random_state=seed,
                              train_options=options, visible_bias_init=vbias, **SKLEARN_SETTINGS)
    return rbm.fit(X)


VARIANTS = {
    "sklearn fit": lambda X, s: sklearn_rbm(X, s),
    "sklearn, rgflow's visible-bias init": lambda X, s: sklearn_rbm(X, s, vbias="data"),
    "sklearn, reshuffled batches": lambda X, s: sklearn_rbm(X, s, order="shuffled"),
    "sklearn, both": lambda X, s: sklearn_rbm(X, s, vbias="data", order="shuffled"),
    "rgflow (sklearn settings)": lambda X, s: rgflow_rbm(X, s),
    "rgflow, hidden-state chains": lambda X, s: rgflow_rbm(X, s, chains="hidden"),
    "rgflow, visible_bias_init='zero'": lambda X, s: rgflow_rbm(X, s, vbias="zero"),
    "rgflow, both": lambda X, s: rgflow_rbm(X, s, chains="hidden", vbias="zero"),
}


def accuracy(rbm, X_train, y_train, X_test, y_test):
    logistic = LogisticRegression(solver="newton-cg", tol=1, C=6000.0)
    logistic.fit(rbm.transform(X_train), y_train)
    return float(logistic.score(rbm.transform(X_test), y_test))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    X_train, X_test, y_train, y_test = nudged_digits()
    results = {}
    for name in args.variants:
        accs, secs = [], []
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rbm = VARIANTS[name](X_train, seed)
                accs.append(accuracy(rbm, X_train, y_train, X_test, y_test))
            secs.append(time.perf_counter() - t0)
        a = np.array(accs)
        results[name] = {"accuracy": accs, "mean": a.mean(),
                         "error": a.std(ddof=1) / np.sqrt(len(a)), "seconds": secs}
        print(f"{name}: {a.mean():.4f} +- {results[name]['error']:.4f}", flush=True)
    print("\n| variant | test accuracy (mean +- s.e., %d seeds) |\n|---|---|" % args.seeds)
    for name, r in results.items():
        print(f"| {name} | {r['mean']:.4f} +- {r['error']:.4f} |")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        meta = {"sklearn": sklearn.__version__, "rgflow": _core.__version__,
                "python": platform.python_version(), "machine": platform.machine(),
                "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "seeds": args.seeds,
                "rbm": dict(n_components=N_COMPONENTS, learning_rate=LEARNING_RATE,
                            batch_size=BATCH, n_iter=N_ITER, rgflow_settings=SKLEARN_SETTINGS),
                "logistic": dict(solver="newton-cg", tol=1, C=6000.0)}
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
