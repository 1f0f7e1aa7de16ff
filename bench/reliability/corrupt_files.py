#!/usr/bin/env python3
"""Corruption run of issue #20 (docs/reliability.md): every kind of file rgflow writes and reads
back is damaged N times — 1 to 4 random bytes, each replaced by a different random value — and
read by the command that reads it. Each run must end with exit status 2 and one line
"rgflow: error: ..." naming the file (refused), or exit 0 (the damage did not matter, e.g. a
digit of a CSV value); never a signal (crash), an internal error (exit 70) or a hang (> 30 s).

Kinds: model (rbm logz), checkpoint (rbm train --resume), dbn (dbn flow), spins (ising observe),
samples (/data of rbm sample, read by rbm loglik), npy and csv (rbm loglik; written as
rgflow.save_dataset writes them). Variants:
  sealed  the files as this rgflow writes them (HDF5: seal + latest format + Fletcher-32)
  plain   the HDF5 kinds with the seal's user block cut off: what libhdf5 alone sees (its own
          metadata checksums and Fletcher-32, no whole-file CRC)
  legacy  the HDF5 kinds written by another rgflow binary (--legacy-rgflow, e.g. a93f420: old
          format, variable-length strings, no checksums), read by this one

Usage (one run at a time, niced; ~25 ms per read):
  nice -n 10 /usr/bin/python3 bench/reliability/corrupt_files.py --rgflow build/release/rgflow \\
      --per-kind 10000 --variant sealed --out bench/results/reliability
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HDF5_KINDS = ["model", "checkpoint", "dbn", "spins", "samples"]
ALL_KINDS = HDF5_KINDS + ["npy", "csv"]
TIMEOUT = 30.0


def run(cmd, cwd, timeout=TIMEOUT):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout)


def make_files(rgflow, work):
    """Writes the pristine file of every kind with `rgflow` into `work`; returns {kind: name}."""
    rng = np.random.RandomState(1)
    protos = np.array([[1, 1, 0, 0] * 4, [0, 0, 1, 1] * 4], np.float32)
    x = protos[rng.randint(0, 2, 200)]
    flip = rng.rand(*x.shape) < 0.1
    x = np.where(flip, 1 - x, x).astype(np.float32)
    np.savetxt(os.path.join(work, "data.csv"), x, fmt="%g", delimiter=",")

    def cli(*args):
        r = run([rgflow, *map(str, args)], work, timeout=600)
        if r.returncode != 0:
            sys.exit(f"setup failed: {' '.join(map(str, args))}: {r.stderr.decode()}")

    cli("rbm", "train", "data.csv", "--hidden", 6, "--epochs", 2, "--seed", 1, "-q", "-o", "model.h5")
    cli("rbm", "train", "data.csv", "--hidden", 6, "--epochs", 2, "--method", "pcd",
        "--checkpoint-every", 1, "--seed", 1, "-q", "-o", "ck.h5")
    os.rename(os.path.join(work, "ck.checkpoint.h5"), os.path.join(work, "checkpoint.h5"))
    cli("dbn", "train", "data.csv", "--layers", "16,6,3", "--epochs", 1, "--seed", 1, "-q", "-o", "dbn.h5")
    cli("ising", "sample", "-L", 8, "-T", 2.5, "-n", 200, "--seed", 1, "-q", "-o", "spins.h5")
    cli("rbm", "sample", "model.h5", "--samples", 100, "--gibbs-steps", 10, "--seed", 1, "-o", "samples.h5")
    # NPY and CSV as rgflow.save_dataset / io::save_matrix write them: '<f4' v1.0, and the
    # shortest decimals (%g is exact for 0/1 data).
    data = np.loadtxt(os.path.join(work, "data.csv"), delimiter=",", dtype=np.float32)
    np.save(os.path.join(work, "data.npy"), data)
    shutil.copy(os.path.join(work, "data.csv"), os.path.join(work, "plain.csv"))
    return {"model": "model.h5", "checkpoint": "checkpoint.h5", "dbn": "dbn.h5",
            "spins": "spins.h5", "samples": "samples.h5", "npy": "data.npy", "csv": "plain.csv"}


def command(rgflow, kind, bad):
    return {
        "model": [rgflow, "rbm", "logz", bad],
        "checkpoint": [rgflow, "rbm", "train", "data.csv", "--resume", bad, "--epochs", "3", "-q",
                       "-o", "out.h5"],
        "dbn": [rgflow, "dbn", "flow", bad, "data.csv"],
        "spins": [rgflow, "ising", "observe", bad],
        "samples": [rgflow, "rbm", "loglik", "ref_model.h5", bad],
        "npy": [rgflow, "rbm", "loglik", "ref_model.h5", bad],
        "csv": [rgflow, "rbm", "loglik", "ref_model.h5", bad],
    }[kind]


def corrupt(good, rng):
    data = bytearray(good)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data))
        data[at] ^= rng.randint(1, 255)
    return bytes(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rgflow", required=True)
    ap.add_argument("--legacy-rgflow", help="binary that writes the legacy variant's files")
    ap.add_argument("--per-kind", type=int, default=200)
    ap.add_argument("--variant", choices=["sealed", "plain", "legacy"], default="sealed")
    ap.add_argument("--kinds", default=",".join(ALL_KINDS))
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--out", help="directory for VARIANT.json (summary) and VARIANT-cases.txt")
    a = ap.parse_args()
    rgflow = os.path.abspath(a.rgflow)
    kinds = a.kinds.split(",")
    if a.variant != "sealed":
        kinds = [k for k in kinds if k in HDF5_KINDS]
    work = tempfile.mkdtemp(prefix="rgflow-corrupt-")
    try:
        writer = os.path.abspath(a.legacy_rgflow) if a.variant == "legacy" else rgflow
        if a.variant == "legacy" and not a.legacy_rgflow:
            sys.exit("--variant legacy needs --legacy-rgflow")
        files = make_files(writer, work)
        # The reference model of the loglik reads is written by the binary under test.
        r = run([rgflow, "rbm", "train", "data.csv", "--hidden", "6", "--epochs", "2", "--seed", "1",
                 "-q", "-o", "ref_model.h5"], work, timeout=600)
        assert r.returncode == 0, r.stderr
        summary = {"rgflow": a.rgflow, "variant": a.variant, "per_kind": a.per_kind,
                   "seed": a.seed, "timeout_s": TIMEOUT, "kinds": {}}
        cases = []
        for kind in kinds:
            good = open(os.path.join(work, files[kind]), "rb").read()
            if a.variant == "plain":
                assert good[:16] == b"RGFLOW-H5-SEAL1\n", f"{kind}: not sealed"
                good = good[512:]
            ext = os.path.splitext(files[kind])[1]
            bad = "bad" + ext
            # The intact file must read.
            open(os.path.join(work, bad), "wb").write(good)
            r = run(command(rgflow, kind, bad), work)
            assert r.returncode == 0, f"{kind}: intact file refused: {r.stderr.decode()}"
            rng = random.Random(f"{a.seed}-{kind}-{a.variant}")
            counts = {"refused": 0, "accepted": 0, "crash": 0, "hang": 0, "internal_error": 0,
                      "bad_message": 0, "left_output": 0}
            t0 = time.time()
            for trial in range(a.per_kind):
                data = corrupt(good, rng)
                open(os.path.join(work, bad), "wb").write(data)
                out = os.path.join(work, "out.h5")
                if os.path.exists(out):
                    os.remove(out)
                outcome, detail = None, ""
                try:
                    r = run(command(rgflow, kind, bad), work)
                    err = r.stderr.decode(errors="replace")
                    if r.returncode == 0:
                        outcome = "accepted"
                    elif r.returncode == 2:
                        lines = err.splitlines()
                        ok = len(lines) == 1 and lines[0].startswith("rgflow: error: ") and bad in lines[0]
                        outcome = "refused" if ok else "bad_message"
                        detail = err.strip()[:300]
                        if kind == "checkpoint" and os.path.exists(out):
                            outcome, detail = "left_output", "out.h5 written after a refusal"
                    elif r.returncode < 0:
                        outcome, detail = "crash", f"signal {-r.returncode}: {err.strip()[-300:]}"
                    elif r.returncode == 70:
                        outcome, detail = "internal_error", err.strip()[:300]
                    else:
                        outcome, detail = "bad_message", f"exit {r.returncode}: {err.strip()[:300]}"
                except subprocess.TimeoutExpired:
                    outcome, detail = "hang", f"> {TIMEOUT} s"
                counts[outcome] += 1
                if outcome not in ("refused", "accepted"):
                    keep = os.path.join(a.out or work, f"{a.variant}-{kind}-{trial}{ext}")
                    if a.out and len(cases) < 20:
                        os.makedirs(a.out, exist_ok=True)
                        open(keep, "wb").write(data)
                    cases.append(f"{kind} trial {trial}: {outcome}: {detail}")
            counts["seconds"] = round(time.time() - t0, 1)
            summary["kinds"][kind] = counts
            print(kind, json.dumps(counts), flush=True)
        summary["total"] = {k: sum(c[k] for c in summary["kinds"].values())
                            for k in ("refused", "accepted", "crash", "hang", "internal_error",
                                      "bad_message", "left_output")}
        print(json.dumps(summary["total"]))
        if a.out:
            os.makedirs(a.out, exist_ok=True)
            with open(os.path.join(a.out, f"{a.variant}.json"), "w") as f:
                json.dump(summary, f, indent=2)
                f.write("\n")
            with open(os.path.join(a.out, f"{a.variant}-cases.txt"), "w") as f:
                f.write("\n".join(cases[:200]) + ("\n" if cases else ""))
        bad_total = sum(summary["total"][k] for k in ("crash", "hang", "internal_error",
                                                      "bad_message", "left_output"))
        return 1 if bad_total else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
