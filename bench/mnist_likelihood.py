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

Method names: cdK and pcdK (K Gibbs steps), ptK (parallel tempering with K replicas), tapN-np
(TAP without persistent magnetisations), and any other `rbm train --method` value as is (e.g.
tap2, tap3, pt).

Real-valued MNIST with Gaussian visible units (issue #6): pass the IDX files, the unit options with
`--train-args`, and `--filters` for the receptive-field mosaics (OUT/METHOD-filters.png):
    bench/mnist_likelihood.py --train ../shared/data/mnist/train-images-idx3-ubyte.gz \
        --test ../shared/data/mnist/t10k-images-idx3-ubyte.gz --methods cd1,pcd1,tap2,tap2-np \
        --train-args="--visible-type gaussian --standardize" --learning-rate 0.001 \
        --epochs 30 --epochs-persistent 30 --same-schedule --betas 3000 --filters \
        --out bench/results/mnist-gaussian

Equal wall time (issue #6: TAP vs CD/PCD/PT): `--equal-time SECONDS` first trains every method for
one epoch with the same settings, reads its seconds per epoch from the training log, and then gives
each method round(SECONDS / seconds-per-epoch) epochs (at least 1); the calibration goes into
table.json. `--same-schedule` gives every method the persistent methods' schedule (constant
momentum, linear learning-rate decay), so that only the gradient estimator differs:
    bench/mnist_likelihood.py --methods cd1,pcd1,tap2,tap3,pt10 --equal-time 480 --same-schedule \
        --threads 1 --out bench/results/mnist500-equal-time
"""
import argparse
import gzip
import json
import os
import re
import shlex
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
    m = re.fullmatch(r"pt(\d+)", name)
    if m:
        return ["--method", "pt", "--replicas", m.group(1)]
    m = re.fullmatch(r"(tap[123])-np", name)
    if m:
        return ["--method", m.group(1), "--no-tap-persistent"]
    return ["--method", name]


def last_epoch_seconds(csv_path):
    """The `seconds` column of the last row of a training log (CSV)."""
    with open(csv_path) as f:
        lines = [line.strip() for line in f if line.strip()]
    header = lines[0].split(",")
    if "seconds" not in header or len(lines) < 2:
        sys.exit(f"mnist_likelihood: {csv_path}: no per-epoch seconds in the training log")
    return float(lines[-1].split(",")[header.index("seconds")])


def run(cmd, log):
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"mnist_likelihood: command failed ({p.returncode}): {' '.join(cmd)}")
    return p.stdout, seconds


def sum_epoch_seconds(csv_path):
    """Total of the per-epoch `seconds` column (training proper: no file reading or writing)."""
    with open(csv_path) as f:
        lines = [line.strip() for line in f if line.strip()]
    header = lines[0].split(",")
    col = header.index("seconds")
    return sum(float(line.split(",")[col]) for line in lines[1:])


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
    ap.add_argument("--equal-time", type=float, default=0.0, metavar="SECONDS",
                    help="give every method the epochs that fit SECONDS of training, from a 1-epoch calibration")
    ap.add_argument("--same-schedule", action="store_true",
                    help="every method (CD too) uses the persistent methods' momentum and learning-rate decay")
    ap.add_argument("--threads", type=int, default=0, help="rbm train --threads (0: OpenMP default)")
    ap.add_argument("--train-args", default="", help="more `rbm train` options, e.g. \"--visible-type gaussian\"")
    ap.add_argument("--filters", action="store_true", help="also write OUT/METHOD-filters.png (rbm filters)")
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

    def train_command(name, epochs, persistent, model, csv):
        schedule = []
        if persistent or a.same_schedule:
            schedule = ["--momentum", str(a.persistent_momentum),
                        "--learning-rate-final", str(a.persistent_learning_rate_final)]
        return [a.rgflow, "rbm", "train", train, "--hidden", str(a.hidden), *method_args(name),
                "--epochs", str(epochs), "--batch-size", str(a.batch_size),
                "--learning-rate", str(a.learning_rate), *schedule, "--l2", str(a.l2),
                "--seed", str(a.seed), "--threads", str(a.threads), *shlex.split(a.train_args),
                "--log", csv, "--json", "-q", "-o", model]

    rows = []
    calibration = {}
    for name in a.methods.split(","):
        steps = re.fullmatch(r"(?:cd|pcd)(\d+)", name)
        persistent = not re.fullmatch(r"cd\d+", name)
        epochs = a.epochs_cd25 if steps and int(steps.group(1)) >= 10 else a.epochs
        if persistent:
            epochs = a.epochs_persistent
        if a.equal_time > 0:
            csv = os.path.join(tmp, f"{name}.calibration.csv")
            run(train_command(name, 1, persistent, os.path.join(tmp, f"{name}.calibration.h5"), csv), log)
            per_epoch = last_epoch_seconds(csv)
            epochs = max(1, round(a.equal_time / per_epoch))
            calibration[name] = {"seconds_per_epoch": per_epoch, "epochs": epochs}
        model = os.path.join(a.out, f"{name}.h5")
        csv = os.path.join(a.out, f"{name}.csv")
        train_cmd = train_command(name, epochs, persistent, model, csv)
        _, train_seconds = run(train_cmd, log)
        row = {"method": name, "hidden": a.hidden, "epochs": epochs, "train_seconds": train_seconds,
               "train_epoch_seconds": sum_epoch_seconds(csv), "train_command": train_cmd[1:]}
        for est in ["ais", "reverse-ais"] + (["exact"] if a.exact else []):
            cmd = [a.rgflow, "rbm", "loglik", model, test, "--method", est, "--json"]
            if est != "exact":
                cmd += ["--chains", str(a.chains), "--betas", str(a.betas), "--seed", str(a.seed)]
            cmd += ["--threads", str(a.threads)]
            out, seconds = run(cmd, log)
            j = json.loads(out)
            row[est] = {"loglik": j["log_likelihood"], "log_z": j.get("log_z"), "seconds": seconds,
                        "ess": j.get("details", {}).get("effective_sample_size")}
        if a.filters:
            png = os.path.join(a.out, f"{name}-filters.png")
            run([a.rgflow, "rbm", "filters", model, "-o", png], log)
            row["filters"] = os.path.basename(png)
        if name in ANCHORS and a.hidden == 500 and not a.train_args:
            row["published"] = {"loglik": ANCHORS[name][0], "source": ANCHORS[name][1]}
        rows.append(row)
        print(json.dumps(row), flush=True)

    meta = {k: v for k, v in vars(a).items() if k not in ("out",)}
    if calibration:
        meta["calibration"] = calibration
    meta["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    meta["machine"] = os.uname().nodename + " " + os.uname().machine
    with open(os.path.join(a.out, "table.json.tmp"), "w") as f:
        json.dump({"parameters": meta, "rows": rows}, f, indent=2)
    os.replace(os.path.join(a.out, "table.json.tmp"), os.path.join(a.out, "table.json"))

    # Test log-likelihood ± the estimator's standard error of log Z (the spread over test digits,
    # common to every row of the table, is in table.json).
    def fmt(r):
        return f"{r['loglik']['mean']:.2f} ± {r['log_z']['error']:.2f}"
    lines = ["| method | hidden | epochs | train s | s / epoch | test log-lik, AIS | test log-lik, reverse AIS |"
             + (" exact |" if a.exact else "") + " published |",
             "|---|---|---|---|---|---|---|" + ("---|" if a.exact else "") + "---|"]
    for r in rows:
        pub = r.get("published", {}).get("loglik")
        lines.append(f"| {r['method']} | {r['hidden']} | {r['epochs']} | {r['train_seconds']:.0f} | "
                     f"{r['train_epoch_seconds'] / r['epochs']:.2f} | "
                     f"{fmt(r['ais'])} | {fmt(r['reverse-ais'])} |"
                     + (f" {fmt(r['exact'])} |" if a.exact else "")
                     + (f" {pub:.2f} |" if pub is not None else " – |"))
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
