#pragma once
// Shared by `rgflow vrg run` and `rgflow demo`: the stage progress display on stderr and running
// the pipeline with Ctrl-C handling (finished stages stay reusable).
#include <nlohmann/json.hpp>
#include <string>

#include "rgflow/vrg/config.hpp"
#include "rgflow/vrg/pipeline.hpp"

namespace rgflow::cli {

// Runs the pipeline with a progress display (unless quiet). On Ctrl-C prints one line and throws
// ExitStatus{130}. Returns the pipeline's result.
vrg::RunResult run_vrg_pipeline(const vrg::Config& config, const vrg::RunOptions& options, bool quiet);

// The interpreter for the figure script: /usr/bin/python3 (Debian's matplotlib) when present.
std::string default_python();

// What `vrg run` and `demo` print on stdout when the pipeline finishes (at most 6 lines): the
// verdict, the positive controls and findings, the key numbers (vrg::terminal_lines), where the
// report is, and the figures note if any.
void print_vrg_outcome(const vrg::RunResult& result);

// The JSON object `--json` prints: outdir, summary, report, ran, skipped, figures_note.
nlohmann::json vrg_result_json(const vrg::RunOptions& options, const vrg::RunResult& result);

}  // namespace rgflow::cli
