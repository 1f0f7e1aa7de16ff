#!/usr/bin/env python3
"""Summarises libFuzzer logs (scripts/fuzz writes build/fuzz/logs/TARGET.log) for
docs/reliability.md: per target the run time and executions libFuzzer reports at the end
("Done N runs in S second(s)", -print_final_stats=1), the final coverage, and every finding —
a sanitizer report ("ERROR: AddressSanitizer", "runtime error:" from UBSan), a crash, a timeout
(hang), an out-of-memory, a leak, or a run that did not finish — plus the inputs libFuzzer saved
in the artifacts directory. Writes OUT.json and OUT.txt (each log's last lines).

Usage:
  /usr/bin/python3 bench/reliability/fuzz_summary.py --logs build/fuzz/logs \\
      --artifacts build/fuzz/artifacts --out bench/results/reliability/fuzz
"""
import argparse
import glob
import json
import os
import re

FINDINGS = [
    ("sanitizer", re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:")),
    ("crash", re.compile(r"ERROR: libFuzzer: deadly signal")),
    ("hang", re.compile(r"ERROR: libFuzzer: timeout")),
    ("out_of_memory", re.compile(r"ERROR: libFuzzer: out-of-memory|malloc\(.*\) exceeds limit")),
    ("non_rgflow_exception", re.compile(r"reader threw a non-rgflow exception")),
]


def summarise(path):
    text = open(path, errors="replace").read()
    out = {"log": os.path.basename(path)}
    done = re.search(r"^Done (\d+) runs in (\d+) second", text, re.M)
    out["finished"] = done is not None
    if done:
        out["runs"], out["seconds"] = int(done.group(1)), int(done.group(2))
    for key in ("number_of_executed_units", "average_exec_per_sec", "new_units_added",
                "slowest_unit_time_sec", "peak_rss_mb"):
        m = re.search(rf"^stat::{key}:\s+(\d+)", text, re.M)
        if m:
            out[key] = int(m.group(1))
    last = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/", text, re.M)
    if last:
        out["coverage"], out["features"], out["corpus_units"] = map(int, last[-1])
    out["findings"] = {name: len(rx.findall(text)) for name, rx in FINDINGS}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logs", required=True, help="directory of TARGET.log files")
    ap.add_argument("--artifacts", help="libFuzzer's -artifact_prefix directory")
    ap.add_argument("--out", required=True, help="writes OUT.json and OUT.txt")
    ap.add_argument("--tail", type=int, default=12, help="last lines of each log kept in OUT.txt")
    a = ap.parse_args()
    logs = sorted(glob.glob(os.path.join(a.logs, "*.log")))
    targets = {os.path.basename(p)[:-4]: summarise(p) for p in logs}
    artifacts = sorted(os.listdir(a.artifacts)) if a.artifacts and os.path.isdir(a.artifacts) else []
    summary = {"targets": targets, "artifacts": artifacts,
               "total": {"runs": sum(t.get("runs", 0) for t in targets.values()),
                         "unfinished": sum(not t["finished"] for t in targets.values()),
                         "findings": sum(sum(t["findings"].values()) for t in targets.values())}}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".json", "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    with open(a.out + ".txt", "w") as f:
        for p in logs:
            lines = open(p, errors="replace").read().splitlines()
            f.write(f"== {os.path.basename(p)} (last {a.tail} of {len(lines)} lines)\n")
            f.write("\n".join(lines[-a.tail:]) + "\n")
    for name, t in targets.items():
        print(name, t.get("runs"), t.get("seconds"), t["findings"])
    print("artifacts:", artifacts)
    return 1 if summary["total"]["findings"] or summary["total"]["unfinished"] or artifacts else 0


if __name__ == "__main__":
    raise SystemExit(main())
