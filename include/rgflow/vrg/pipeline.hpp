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
#include <string>
#include <vector>

#include "rgflow/vrg/config.hpp"
#include "rgflow/vrg/stage.hpp"

namespace rgflow::vrg {

struct RunOptions {
  std::string outdir;
  bool force = false;          // redo every stage
  int threads = 0;             // OpenMP threads for AIS / enumeration (<= 0: default)
  std::string python = "python3";  // interpreter for the figures (matplotlib)
  bool figures = true;         // false: report without figures (no python needed)
};

struct RunResult {
  std::vector<std::string> ran;      // stages computed in this run
  std::vector<std::string> skipped;  // stages reused from the cache
  std::string summary_path;          // OUTDIR/summary.json
  std::string report_path;           // OUTDIR/report.html
  std::string figures_note;          // empty, or why figures are missing
};

// Runs (or resumes) the pipeline. Throws Error for bad input, Cancelled when interrupted.
// Also writes OUTDIR/run.json = {ran, skipped, seconds} for this invocation.
RunResult run_pipeline(const Config& config, const RunOptions& options, Reporter& reporter);

// A stable seed for one stage: Rng(seed, FNV-1a(name)).next_u64().
std::uint64_t stage_seed(std::uint64_t seed, const std::string& name);

}  // namespace rgflow::vrg
