#pragma once
// The variational-RG experiment (issue #9; Mehta & Schwab 2014, arXiv:1410.3831) as a pipeline
// of cached stages in an output directory (stage.hpp):
//   data/D        Ising data (critical, paramagnet, ordered), the site-permuted critical data
//                 and Gaussian-random-field textures               → data/D.h5
//   model/D       DBN with spin units, L1, greedy PCD              → models/D.h5
//   blockspin/D   majority-rule block spins level by level + MCRG  → blockspin/D.json
//   measure/D     per layer: magnetisation, correlation length, reconstructions, free energy
//                 (exact or AIS) vs the exact Kaufman references    → measure/D.json
//   report        summary.json, report.html (figures via matplotlib), findings
// for every dataset D of Config::datasets(). docs/vrg.md describes each number.
//
// Distributed (RunOptions::communicator with more than one rank; docs/scaling.md): the stages are
// independent units of work run in waves — a stage runs in the wave after the last of the stages it
// reads, stages already fresh in OUTDIR count as done — and the i-th stage of a wave (pipeline
// order) runs on rank i mod size (the permuted data, a mere relabelling, runs right after the
// critical data on its rank instead). A stage's bits do not depend on where it runs (its own seed,
// stage_seed, and its inputs' bits), so every rank count gives the one-process run's files. At the
// end of a wave each stage computed off rank 0 is shipped as exact bytes (its output files and its
// record) through Communicator::allgather to rank 0, which alone writes OUTDIR (the shared stage
// cache: a rerun on any rank count reuses it), and to the ranks whose later stages read it; those
// ranks keep what they receive and compute in a private scratch directory, removed at the end.
// Rank 0 checks the cache and runs the report. Stopping is collective: a stage interrupted or
// failing on one rank makes the others stop at their next check point (with_peer_stops), the
// wave ends with agree_on_stop, and only finished, complete stages are in OUTDIR.
#include <string>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/vrg/config.hpp"
#include "rgflow/vrg/stage.hpp"

namespace rgflow::vrg {

struct RunOptions {
  std::string outdir;
  bool force = false;          // redo every stage
  int threads = 0;             // OpenMP threads for AIS / enumeration (<= 0: default)
  std::string python = "python3";  // interpreter for the figures (matplotlib)
  bool figures = true;         // false: report without figures (no python needed)
  // The ranks to spread the stages over (nullptr: this process alone). Every rank calls
  // run_pipeline with the same config and options; only rank 0 writes OUTDIR and reports progress
  // of stages run elsewhere (when they arrive).
  const Communicator* communicator = nullptr;
};

struct RunResult {
  std::vector<std::string> ran;      // stages computed in this run
  std::vector<std::string> skipped;  // stages reused from the cache
  std::string summary_path;          // OUTDIR/summary.json
  std::string report_path;           // OUTDIR/report.html
  std::string figures_note;          // empty, or why figures are missing
};

// Runs (or resumes) the pipeline. Throws Error for bad input, Cancelled when interrupted (on every
// rank when distributed; PeerFailure on a rank whose peer failed). Also writes OUTDIR/run.json =
// {ran, skipped, seconds} for this invocation. `ran` and `skipped` are in pipeline order (the same
// for every rank count); the returned paths name OUTDIR on every rank.
RunResult run_pipeline(const Config& config, const RunOptions& options, Reporter& reporter);

// A stable seed for one stage: Rng(seed, FNV-1a(name)).next_u64().
std::uint64_t stage_seed(std::uint64_t seed, const std::string& name);

}  // namespace rgflow::vrg
