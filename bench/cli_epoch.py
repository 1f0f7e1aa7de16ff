#!/usr/bin/env python3
"""The CLI's training epoch against the harness's (issue #24 item 3).

Times one CD-1 epoch of a 784x500 Bernoulli RBM on binarized MNIST (60,000 rows, batch 100,
learning rate 0.05, momentum 0.5, no centering, constant learning rate) two ways, alternating,
for --repeats rounds at each thread count:
  harness  build/bench/bench/rbm_train_time (train::Trainer::run_epoch; monitors on one row)
  cli      rgflow rbm train ... --log FILE.jsonl: the per-epoch "seconds" the CLI reports (the
           epoch plus its monitors on 1,000 rows), and the whole process's wall clock
Each run trains --epochs epochs; the epoch time is the median over epochs after the first. Prints a
table and writes JSON (medians, every run, the ratio cli / harness) to --out.

Usage: bench/cli_epoch.py [--rgflow build/release/rgflow] [--timer build/bench/bench/rbm_train_time]
                          [--repeats 3] [--epochs 3] [--threads 1,2] [--out bench/results/cli_epoch.json]
"""
import argparse
import datetime
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rgflow", default=os.path.join(ROOT, "build/release/rgflow"))
    ap.add_argument("--timer", default=os.path.join(ROOT, "build/bench/bench/rbm_train_time"))
    ap.add_argument("--mnist", default=os.path.join(ROOT, "../shared/data/mnist/train-images-idx3-ubyte.gz"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "cli_epoch.json"))
    args = ap.parse_args()
    for exe in (args.rgflow, args.timer):
        if not os.access(exe, os.X_OK):
            print(f"cli_epoch: error: {exe}: not built", file=sys.stderr)
            return 2
    if not os.path.isfile(args.mnist):
        print(f"cli_epoch: error: {args.mnist}: no such file (pass --mnist)", file=sys.stderr)
        return 2
    if args.repeats < 1 or args.epochs < 2:
        print("cli_epoch: error: --repeats >= 1 and --epochs >= 2", file=sys.stderr)
        return 2
    import numpy as np
    threads = [int(t) for t in args.threads.split(",")]
    runs = {t: {"harness": [], "cli": [], "cli_wall": []} for t in threads}
    with tempfile.TemporaryDirectory() as tmp:
        with gzip.open(args.mnist, "rb") as f:
            raw = f.read()
        x = (np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784) > 127).astype(np.float32)
        data = os.path.join(tmp, "mnist.npy")
        np.save(data, x)
        for r in range(args.repeats):
            for t in threads:
                env = dict(os.environ, OMP_NUM_THREADS=str(t))
                # The harness: total seconds of --epochs epochs; per epoch = the mean (its JSON has
                # no per-epoch times), so run it for 1 and for --epochs epochs and take the slope.
                per = []
                for e in (1, args.epochs):
                    out = subprocess.run([args.timer, data, "--method", "cd", "--threads", str(t), "--epochs", str(e)],
                                         capture_output=True, text=True, env=env, check=True).stdout
                    per.append(json.loads(out)["seconds"])
                runs[t]["harness"].append((per[1] - per[0]) / (args.epochs - 1))
                log = os.path.join(tmp, "log.jsonl")
                model = os.path.join(tmp, "m.h5")
                t0 = time.perf_counter()
                subprocess.run([args.rgflow, "rbm", "train", data, "-o", model, "--hidden", "500", "--method", "cd",
                                "--no-centering", "--lr-schedule", "constant", "--learning-rate", "0.05",
                                "--momentum", "0.5", "--epochs", str(args.epochs), "--threads", str(t), "--seed", "1",
                                "--log", log, "-q"], check=True, env=env)
                wall = time.perf_counter() - t0
                with open(log) as f:
                    secs = [json.loads(line)["seconds"] for line in f if line.strip()]
                runs[t]["cli"].append(statistics.median(secs[1:]))
                runs[t]["cli_wall"].append(wall)
                print(f"  round {r + 1}/{args.repeats} {t}t: harness {runs[t]['harness'][-1]:.3f} s/epoch, "
                      f"cli {runs[t]['cli'][-1]:.3f} s/epoch ({wall:.2f} s wall for {args.epochs})", file=sys.stderr)
    result = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "load_average": os.getloadavg(), "epochs": args.epochs, "repeats": args.repeats,
              "model": "784x500 Bernoulli, CD-1, batch 100, lr 0.05, momentum 0.5, no centering, seed 1",
              "threads": {}}
    print("| threads | harness s/epoch | CLI s/epoch | CLI / harness |")
    print("|---|---|---|---|")
    for t in threads:
        ratios = [c / h for c, h in zip(runs[t]["cli"], runs[t]["harness"])]
        h, c = statistics.median(runs[t]["harness"]), statistics.median(runs[t]["cli"])
        result["threads"][str(t)] = {"harness_s_per_epoch": h, "cli_s_per_epoch": c,
                                     "cli_over_harness": statistics.median(ratios), "runs": runs[t]}
        print(f"| {t} | {h:.3f} | {c:.3f} | {statistics.median(ratios):.3f} |")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(args.out + ".tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
