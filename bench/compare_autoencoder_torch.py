#!/usr/bin/env python3
"""Tied-weight denoising and contractive autoencoders: rgflow against the same architecture in
PyTorch (CPU) on binarized MNIST (Larochelle & Murray's fixed binarization, 50,000 training and
10,000 test rows from ../shared/data/binarized_mnist).

Both sides: h = sigmoid(x~ W + b), x^ = sigmoid(h W^T + c), loss = summed cross-entropy per row
(+ lambda * sum_j (h_j (1 - h_j))^2 sum_i W_ij^2 for the contractive variant), averaged over the
batch; masking noise (each input zeroed with probability nu) for the denoising variant; plain SGD
with the same learning rate, batch size and epochs; W ~ U(-r, r), r = 4 sqrt(6 / (n_in + n_out)),
biases 0; a fresh shuffle every epoch. The random streams differ (Philox vs torch's generator), so
the final losses are compared with errors over seeds: mean test reconstruction cross-entropy of the
clean input (nats per image) after the last epoch. Times: wall seconds of training, same process,
same thread count.

Usage: PYTHONPATH=build/release/python /usr/bin/python3 bench/compare_autoencoder_torch.py \
    --data ../shared/data --out bench/results/flowmaps/autoencoder_torch.json
"""
import argparse
import gzip
import json
import pathlib
import time

import numpy as np


def load_amat(path, rows):
    with gzip.open(path, "rt") as f:
        X = np.loadtxt(f, dtype=np.float32, max_rows=rows or None)
    return X


def torch_train(X, Xtest, hidden, nu, lam, epochs, batch, lr, seed, threads):
    import torch
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(seed)
    n, d = X.shape
    r = 4.0 * np.sqrt(6.0 / (d + hidden))
    W = ((torch.rand(d, hidden, generator=g) * 2 - 1) * r).requires_grad_()
    b = torch.zeros(hidden, requires_grad=True)
    c = torch.zeros(d, requires_grad=True)
    opt = torch.optim.SGD([W, b, c], lr=lr)
    Xt = torch.from_numpy(X)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        for start in range(0, n, batch):
            x = Xt[perm[start:start + batch]]
            xin = x * (torch.rand(x.shape, generator=g) >= nu) if nu > 0 else x
            h = torch.sigmoid(xin @ W + b)
            logits = h @ W.T + c
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
            if lam > 0:
                loss = loss + lam * ((h * (1 - h)) ** 2 * (W ** 2).sum(0)).sum() / len(x)
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        xt = torch.from_numpy(Xtest)
        logits = torch.sigmoid(xt @ W + b) @ W.T + c
        test = torch.nn.functional.binary_cross_entropy_with_logits(logits, xt, reduction="sum").item() / len(xt)
    return test, seconds


def rgflow_train(X, Xtest, hidden, nu, lam, epochs, batch, lr, seed, threads):
    import rgflow
    t0 = time.perf_counter()
    ae = rgflow.TiedAutoencoder(hidden=(hidden,), corruption=nu, contraction=lam, epochs=epochs, batch_size=batch,
                                learning_rate=lr, random_state=seed, threads=threads).fit(X)
    seconds = time.perf_counter() - t0
    return ae.reconstruction_loss(Xtest), seconds


def stat(v):
    v = np.asarray(v, dtype=float)
    return {"mean": float(v.mean()), "error": float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else None,
            "sd": float(v.std(ddof=1)) if len(v) > 1 else None}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--train-rows", type=int, default=0, help="first N training rows (0: all 50,000)")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=20)
    p.add_argument("--learning-rate", type=float, default=0.1)
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--variants", default="denoising,contractive")
    p.add_argument("--corruption", type=float, default=0.25)
    p.add_argument("--contraction", type=float, default=0.1)
    p.add_argument("--out", default="")
    a = p.parse_args()
    import torch
    import rgflow
    d = pathlib.Path(a.data) / "binarized_mnist"
    X = load_amat(d / "binarized_mnist_train.amat.gz", a.train_rows)
    Xtest = load_amat(d / "binarized_mnist_test.amat.gz", 0)
    seeds = [int(s) for s in a.seeds.split(",")]
    out = {"train_rows": int(len(X)), "test_rows": int(len(Xtest)), "hidden": a.hidden, "epochs": a.epochs,
           "batch_size": a.batch_size, "learning_rate": a.learning_rate, "threads": a.threads, "seeds": seeds,
           "torch": torch.__version__, "rgflow": rgflow.__version__, "variants": {}}
    for variant in a.variants.split(","):
        nu = a.corruption if variant == "denoising" else 0.0
        lam = a.contraction if variant == "contractive" else 0.0
        runs = {"rgflow": [], "torch": []}
        for s in seeds:
            for name, f in (("rgflow", rgflow_train), ("torch", torch_train)):
                loss, sec = f(X, Xtest, a.hidden, nu, lam, a.epochs, a.batch_size, a.learning_rate, s, a.threads)
                runs[name].append({"seed": s, "test_loss": loss, "seconds": sec})
                print(f"{variant:>11} {name:>6} seed {s}: test loss {loss:.3f} nats, {sec:.1f} s", flush=True)
        summary = {name: {"test_loss": stat([r["test_loss"] for r in rs]), "seconds": stat([r["seconds"] for r in rs])}
                   for name, rs in runs.items()}
        diff = summary["rgflow"]["test_loss"]["mean"] - summary["torch"]["test_loss"]["mean"]
        se = np.hypot(summary["rgflow"]["test_loss"]["error"] or 0, summary["torch"]["test_loss"]["error"] or 0)
        summary["loss_difference"] = {"mean": float(diff), "error": float(se)}
        summary["speedup"] = summary["torch"]["seconds"]["mean"] / summary["rgflow"]["seconds"]["mean"]
        out["variants"][variant] = {"corruption": nu, "contraction": lam, "runs": runs, "summary": summary}
        print(f"{variant}: loss rgflow - torch = {diff:.3f} ± {se:.3f}; speed-up {summary['speedup']:.2f}x", flush=True)
    if a.out:
        pathlib.Path(a.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
