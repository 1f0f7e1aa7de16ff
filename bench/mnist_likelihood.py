#!/usr/bin/env python3
"""The binarized-MNIST likelihood table (issue #4; Salakhutdinov & Murray 2008, Table 2).

Trains one Bernoulli RBM per method with the rgflow CLI, then scores the test digits with forward
AIS and reverse AIS (the default 14,501-temperature schedule, 100 chains) and, for hidden layers
small enough, exactly. Writes OUT/table.json (every number, the parameters, seeds and timings) and
OUT/table.md (the table for docs/results.md). Standard library only.

Full run (hours on 2 cores; not part of CI):
    bench/mnist_likelihood.py --rgflow build/release/rgflow --out bench/results/mnist500

Scaled-down run (what tests/cli/test_bench_mnist_likelihood.sh does, seconds):
    bench/mnist_likelihood.py --rgflow build/release/rgflow --hidden 12 --rows 2000 \
        --test-rows 500 --epochs 1 --methods cd1,pcd1 --exact --out /tmp/mnist-small

Method names: cdK and pcdK (K Gibbs steps), and any other `rbm train --method` value as is
(e.g. tap2, pt).
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time

# Published anchors, nats per test digit (Salakhutdinov & Murray 2008, 500 hidden units, AIS).
ANCHORS = {
    "cd25": (-86.34, "Salakhutdinov & Murray (2008), CD25(500)"),
    "cd3": (-105.50, "Salakhutdinov & Murray (2008), CD3(500), recalled, not verified here"),
    "cd1": (-125.53, "Salakhutdinov & Murray (2008), CD1(500), recalled, not verified here"),
}


def method_args(name):
    m = re.fullmatch(r"(cd|pcd)(\d+)", name)
    if m:
        return ["--method", m.group(1), "--steps", m.group(2)]
    return ["--method", name]


def run(cmd, log):
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"mnist_likelihood: command failed ({p.returncode}): {' '.join(cmd)}")
    return p.stdout, seconds


def head_rows(src, dst, rows):
    """First `rows` lines of an .amat(.gz) file into dst (plain text)."""
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt") as f, open(dst, "w") as g:
        for i, line in enumerate(f):
            if i >= rows:
                break
            g.write(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "..", "shared", "data", "binarized_mnist")
    ap.add_argument("--rgflow", default=os.path.join(here, "..", "build", "release", "rgflow"))
    ap.add_argument("--train", default=os.path.join(data, "binarized_mnist_train.amat.gz"))
    ap.add_argument("--test", default=os.path.join(data, "binarized_mnist_test.amat.gz"))
    ap.add_argument("--rows", type=int, default=0, help="use the first ROWS training digits (0: all)")
    ap.add_argument("--test-rows", type=int, default=0, help="use the first ROWS test digits (0: all)")
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--methods", default="cd1,pcd1,cd25")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--epochs-cd25", type=int, default=20, help="epochs for methods with K >= 10 steps")
    ap.add_argument("--epochs-persistent", type=int, default=1600,
                    help="epochs for persistent methods (pcdK, pt, tap*)")
    ap.add_argument("--persistent-momentum", type=float, default=0.5,
                    help="constant momentum for persistent methods (others: 0.5 then 0.9)")
    ap.add_argument("--persistent-learning-rate-final", type=float, default=0.0001,
                    help="persistent methods decay the learning rate linearly to this value")
    ap.add_argument("--learning-rate", type=float, default=0.01)
    ap.add_argument("--l2", type=float, default=2e-4)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--chains", type=int, default=100)
    ap.add_argument("--betas", type=int, default=0,
                    help="AIS temperatures in a linear schedule (0: the default 14,501-step schedule)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exact", action="store_true", help="also the exact test log-likelihood (hidden <= 32)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    for path in (a.rgflow, a.train, a.test):
        if not os.path.exists(path):
            sys.exit(f"mnist_likelihood: not found: {path}")
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, "commands.log"), "w")
    tmp = tempfile.mkdtemp(prefix="mnist-likelihood.")
    train, test = a.train, a.test
    if a.rows:
        train = os.path.join(tmp, "train.amat")
        head_rows(a.train, train, a.rows)
    if a.test_rows:
        test = os.path.join(tmp, "test.amat")
        head_rows(a.test, test, a.test_rows)

    rows = []
    for name in a.methods.split(","):
        steps = re.fullmatch(r"(?:cd|pcd)(\d+)", name)
        persistent = not re.fullmatch(r"cd\d+", name)
        epochs = a.epochs_cd25 if steps and int(steps.group(1)) >= 10 else a.epochs
        schedule = []
        if persistent:
            epochs = a.epochs_persistent
            schedule = ["--momentum", str(a.persistent_momentum),
                        "--learning-rate-final", str(a.persistent_learning_rate_final)]
        model = os.path.join(a.out, f"{name}.h5")
        train_cmd = [a.rgflow, "rbm", "train", train, "--hidden", str(a.hidden), *method_args(name),
                     "--epochs", str(epochs), "--batch-size", str(a.batch_size),
                     "--learning-rate", str(a.learning_rate), *schedule, "--l2", str(a.l2),
                     "--seed", str(a.seed), "--log", os.path.join(a.out, f"{name}.csv"),
                     "--json", "-q", "-o", model]
        _, train_seconds = run(train_cmd, log)
        row = {"method": name, "hidden": a.hidden, "epochs": epochs, "train_seconds": train_seconds,
               "train_command": train_cmd[1:]}
        for est in ["ais", "reverse-ais"] + (["exact"] if a.exact else []):
            cmd = [a.rgflow, "rbm", "loglik", model, test, "--method", est, "--json"]
            if est != "exact":
                cmd += ["--chains", str(a.chains), "--betas", str(a.betas), "--seed", str(a.seed)]
            out, seconds = run(cmd, log)
            j = json.loads(out)
            row[est] = {"loglik": j["log_likelihood"], "log_z": j.get("log_z"), "seconds": seconds}
        if name in ANCHORS and a.hidden == 500:
            row["published"] = {"loglik": ANCHORS[name][0], "source": ANCHORS[name][1]}
        rows.append(row)
        print(json.dumps(row), flush=True)

    meta = {k: v for k, v in vars(a).items() if k not in ("out",)}
    meta["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    meta["machine"] = os.uname().nodename + " " + os.uname().machine
    with open(os.path.join(a.out, "table.json.tmp"), "w") as f:
        json.dump({"parameters": meta, "rows": rows}, f, indent=2)
    os.replace(os.path.join(a.out, "table.json.tmp"), os.path.join(a.out, "table.json"))

    # Test log-likelihood ± the estimator's standard error of log Z (the spread over test digits,
    # common to every row of the table, is in table.json).
    def fmt(r):
        return f"{r['loglik']['mean']:.2f} ± {r['log_z']['error']:.2f}"
    lines = ["| method | hidden | epochs | train s | test log-lik, AIS | test log-lik, reverse AIS |"
             + (" exact |" if a.exact else "") + " published |",
             "|---|---|---|---|---|---|" + ("---|" if a.exact else "") + "---|"]
    for r in rows:
        pub = r.get("published", {}).get("loglik")
        lines.append(f"| {r['method']} | {r['hidden']} | {r['epochs']} | {r['train_seconds']:.0f} | "
                     f"{fmt(r['ais'])} | {fmt(r['reverse-ais'])} |"
                     + (f" {fmt(r['exact'])} |" if a.exact else "")
                     + (f" {pub:.2f} |" if pub is not None else " – |"))
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
