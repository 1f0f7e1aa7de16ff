#!/usr/bin/env python3
"""Kill -9 soak of issue #20 (docs/reliability.md): long commands are killed (SIGKILL, no chance
to clean up) at random moments and then resumed the way a user would, and the final outputs must
equal an uninterrupted run's bit for bit, with no temporary or damaged file left.

Jobs:
  rbm-METHOD  rbm train --checkpoint-every 1 --log train.csv for METHOD in cd, pcd, pcd-hidden
              (--pcd-state hidden), tap1, tap2, tap3, pt; resumed with --resume CHECKPOINT (or rerun
              from scratch when the kill came before the first checkpoint). Compared: the model,
              the last checkpoint and the log (all columns but the seconds).
  dbn         dbn train (no checkpoints: resuming is running it again). Compared: the DBN file.
  vrg         vrg run on a small config (resuming is running it again: finished stages are kept).
              Compared: summary.json, stages' data and model files.
Every trial kills the first run at a uniform random time in (0, 1.1 x the reference duration),
and with probability 1/2 kills the first resume too; kills are counted per job. HDF5 outputs are
compared dataset by dataset (bytes, dtype, shape) and attribute by attribute, except the
provenance attributes `command` and `resumed_from`, which name the command line.

Usage (one run at a time, niced):
  nice -n 10 /usr/bin/python3 bench/reliability/soak.py --rgflow build/release/rgflow \\
      --kills 50 --out bench/results/reliability
"""
import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

IGNORED_ATTRIBUTES = {"command", "resumed_from"}
METHODS = {"cd": ["--method", "cd"], "pcd": ["--method", "pcd"],
           "pcd-hidden": ["--method", "pcd", "--pcd-state", "hidden"],
           "tap1": ["--method", "tap1"], "tap2": ["--method", "tap2"], "tap3": ["--method", "tap3"],
           "pt": ["--method", "pt", "--replicas", "4"]}
VRG_CONFIG = """seed = 3
[data]
size = 8
samples = 400
pilot_samples = 200
thermalize = 50
controls = ["permuted"]
[model]
epochs = 4
learning_rate = 0.02
local = false
[measure]
rows = 200
ais_chains = 8
ais_betas = 200
permutations = 20
[rsmi]
buffer = 1
environment = 1
batch_size = 32
epochs = 4
critic_epochs = 4
"""


def h5_differences(a, b):
    """Differences between two HDF5 files (datasets bitwise, attributes except provenance)."""
    out = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        if sorted(names_a) != sorted(names_b):
            return [f"objects differ: {sorted(set(names_a) ^ set(names_b))}"]
        for name in ["/"] + names_a:
            oa, ob = fa[name], fb[name]
            if isinstance(oa, h5py.Dataset):
                xa, xb = oa[()], ob[()]
                if xa.dtype != xb.dtype or xa.shape != xb.shape or xa.tobytes() != xb.tobytes():
                    out.append(f"dataset {name} differs")
            ka = {k for k in oa.attrs if k not in IGNORED_ATTRIBUTES}
            kb = {k for k in ob.attrs if k not in IGNORED_ATTRIBUTES}
            if ka != kb:
                out.append(f"attributes of {name} differ: {sorted(ka ^ kb)}")
            for k in ka & kb:
                va, vb = oa.attrs[k], ob.attrs[k]
                if np.asarray(va).tobytes() != np.asarray(vb).tobytes():
                    out.append(f"attribute {name}:{k} differs: {va!r} vs {vb!r}")
    return out


def stray_files(directory):
    return [p for p in glob.glob(os.path.join(directory, "**", "*"), recursive=True)
            if ".tmp-" in os.path.basename(p)]


class Job:
    def __init__(self, name, rgflow, data):
        self.name, self.rgflow, self.data = name, rgflow, data

    def start(self, cwd, resume):
        return subprocess.Popen(self.command(cwd, resume), cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    def finish(self, cwd, resume):
        r = subprocess.run(self.command(cwd, resume), cwd=cwd, capture_output=True, timeout=1800)
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: resume failed ({r.returncode}): {r.stderr.decode()[-500:]}")


class RbmJob(Job):
    def __init__(self, method, rgflow, data):
        super().__init__("rbm-" + method, rgflow, data)
        self.args = METHODS[method]

    def command(self, cwd, resume):
        base = [self.rgflow, "rbm", "train", self.data, "-q", "-o", "model.h5",
                "--checkpoint-every", "1", "--log", "train.csv"]
        if resume and os.path.exists(os.path.join(cwd, "model.checkpoint.h5")):
            return base + ["--resume", "model.checkpoint.h5", "--epochs", "40"]
        return base + ["--hidden", "48", "--epochs", "40", "--batch-size", "10", "--seed", "7",
                       "--learning-rate", "0.02"] + self.args

    def compare(self, ref, got):
        diffs = (h5_differences(os.path.join(ref, "model.h5"), os.path.join(got, "model.h5")) +
                 h5_differences(os.path.join(ref, "model.checkpoint.h5"),
                                os.path.join(got, "model.checkpoint.h5")))
        # The monitor log: every epoch once, the same values (all columns but the seconds).
        def rows(d):
            return [line.rsplit(",", 1)[0] for line in open(os.path.join(d, "train.csv"))]
        if rows(ref) != rows(got):
            diffs.append("train.csv differs (besides the seconds column)")
        return diffs

    def expected(self):
        return {"model.h5", "model.checkpoint.h5", "train.csv"}


class DbnJob(Job):
    def command(self, cwd, resume):
        return [self.rgflow, "dbn", "train", self.data, "--layers", "64,48,24", "--epochs", "30",
                "--batch-size", "10", "--seed", "5", "-q", "-o", "dbn.h5"]

    def compare(self, ref, got):
        return h5_differences(os.path.join(ref, "dbn.h5"), os.path.join(got, "dbn.h5"))

    def expected(self):
        return {"dbn.h5"}


class VrgJob(Job):
    def command(self, cwd, resume):
        return [self.rgflow, "vrg", "run", "--config", os.path.join(os.path.dirname(self.data), "vrg.toml"), "-q",
                "--no-figures", "--threads", "1", "-o", "out"]

    def compare(self, ref, got):
        diffs = []
        # summary.json holds results only (no wall-clock times): byte for byte.
        if open(os.path.join(ref, "out", "summary.json"), "rb").read() != \
                open(os.path.join(got, "out", "summary.json"), "rb").read():
            diffs.append("summary.json differs")
        for h5 in sorted(glob.glob(os.path.join(ref, "out", "**", "*.h5"), recursive=True)):
            rel = os.path.relpath(h5, ref)
            other = os.path.join(got, rel)
            if not os.path.exists(other):
                diffs.append(f"{rel} missing")
            else:
                diffs += [f"{rel}: {d}" for d in h5_differences(h5, other)]
        return diffs

    def expected(self):
        return None  # the stage layout; strays and damage are checked by name and by comparison


def run_job(job, kills_wanted, rng, root, log):
    ref = os.path.join(root, job.name, "ref")
    os.makedirs(ref)
    t0 = time.time()
    job.finish(ref, resume=False)
    duration = time.time() - t0
    kills = trials = mismatches = strays = 0
    problems = []
    while kills < kills_wanted:
        trials += 1
        cwd = os.path.join(root, job.name, f"t{trials}")
        os.makedirs(cwd)
        resume = False
        for attempt in range(2):
            p = job.start(cwd, resume)
            delay = rng.uniform(0.0, 1.1 * duration)
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                kills += 1
            resume = True
            if p.returncode not in (0, -signal.SIGKILL):
                problems.append(f"{job.name} t{trials}: exit {p.returncode}: {p.stderr.read().decode()[-300:]}")
            if rng.random() < 0.5:
                break
        job.finish(cwd, resume=True)
        diffs = job.compare(ref, cwd)
        stray = stray_files(cwd)
        expected = job.expected()
        if expected is not None:
            extra = set(os.listdir(cwd)) - expected
            stray += sorted(extra)
        if diffs:
            mismatches += 1
            problems.append(f"{job.name} t{trials}: {diffs[:3]}")
        if stray:
            strays += 1
            problems.append(f"{job.name} t{trials}: stray files {stray[:5]}")
        shutil.rmtree(cwd)
    result = {"kills": kills, "trials": trials, "reference_seconds": round(duration, 2),
              "mismatches": mismatches, "trials_with_stray_files": strays}
    print(job.name, json.dumps(result), flush=True)
    log.extend(problems)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rgflow", required=True)
    ap.add_argument("--kills", type=int, default=50, help="kills per job")
    ap.add_argument("--jobs", default=",".join(["rbm-" + m for m in METHODS] + ["dbn", "vrg"]))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    a = ap.parse_args()
    rgflow = os.path.abspath(a.rgflow)
    root = tempfile.mkdtemp(prefix="rgflow-soak-")
    try:
        rng = np.random.RandomState(3)
        protos = (rng.rand(4, 64) < 0.5).astype(np.float32)
        x = protos[rng.randint(0, 4, 400)]
        x = np.where(rng.rand(*x.shape) < 0.05, 1 - x, x)
        data = os.path.join(root, "data.csv")
        np.savetxt(data, x, fmt="%g", delimiter=",")
        with open(os.path.join(root, "vrg.toml"), "w") as f:
            f.write(VRG_CONFIG)
        jobs = []
        for name in a.jobs.split(","):
            if name.startswith("rbm-"):
                jobs.append(RbmJob(name[4:], rgflow, data))
            elif name == "dbn":
                jobs.append(DbnJob("dbn", rgflow, data))
            elif name == "vrg":
                jobs.append(VrgJob("vrg", rgflow, data))
        log = []
        summary = {"rgflow": a.rgflow, "kills_per_job": a.kills, "seed": a.seed, "jobs": {}}
        for job in jobs:
            rng_job = random.Random(f"{a.seed}-{job.name}")
            summary["jobs"][job.name] = run_job(job, a.kills, rng_job, root, log)
        summary["total"] = {k: sum(j[k] for j in summary["jobs"].values())
                            for k in ("kills", "trials", "mismatches", "trials_with_stray_files")}
        print(json.dumps(summary["total"]))
        if a.out:
            os.makedirs(a.out, exist_ok=True)
            with open(os.path.join(a.out, "soak.json"), "w") as f:
                json.dump(summary, f, indent=2)
                f.write("\n")
            with open(os.path.join(a.out, "soak-problems.txt"), "w") as f:
                f.write("\n".join(log[:200]) + ("\n" if log else ""))
        return 1 if summary["total"]["mismatches"] or summary["total"]["trials_with_stray_files"] or log else 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
