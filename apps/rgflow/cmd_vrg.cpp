// rgflow vrg run — the variational-RG experiment of Mehta & Schwab (2014) as a cached pipeline
// (include/rgflow/vrg/pipeline.hpp; docs/vrg.md).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli_util.hpp"
#include "commands.hpp"
#include "distributed.hpp"
#include "exit_status.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/vrg/report.hpp"
#include "rgflow/vrg/stage.hpp"
#include "vrg_cli.hpp"

namespace rgflow::cli {

namespace {

// Stage progress on stderr: on a terminal one self-overwriting line (each stage's bar with its ETA,
// then its "done" line until the next stage starts), erased at the end, so that the terminal keeps
// only the outcome (at most ten lines; issue #17); otherwise (logs, pipes) one permanent line per
// finished stage.
class StageBars : public vrg::Reporter {
 public:
  explicit StageBars(bool quiet) : quiet_(quiet), interactive_(!quiet && isatty(STDERR_FILENO) == 1) {}
  ~StageBars() override { clear(); }

  void stage_started(int index, int total, const std::string& name, bool skipped) override {
    index_ = index;
    total_ = total;
    name_ = name;
    start_ = Clock::now();
    last_ = start_ - std::chrono::seconds(1);
    if (!skipped) stage_progress(0.0);
  }
  void stage_progress(double fraction) override {
    if (!interactive_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = fraction > 0.01 ? elapsed * (1.0 - fraction) / fraction : NAN;
    const int filled = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * 24));
    fmt::print(stderr, "\r\033[K[{}/{}] {:<22} [{}{}] {:3.0f}%  {}  ETA {}", index_, total_, name_,
               std::string(static_cast<std::size_t>(filled), '#'), std::string(static_cast<std::size_t>(24 - filled), '.'),
               100.0 * fraction, format_duration(elapsed), format_duration(eta));
    std::fflush(stderr);
    bar_ = true;
  }
  void stage_finished(const std::string& name, bool skipped, double seconds) override {
    if (quiet_) return;
    clear();
    const std::string line = skipped ? fmt::format("[{}/{}] {:<22} skipped (finished earlier, same parameters)", index_,
                                                   total_, name)
                                     : fmt::format("[{}/{}] {:<22} done in {}", index_, total_, name,
                                                   format_duration(seconds));
    fmt::print(stderr, "{}{}", line, interactive_ ? "" : "\n");
    bar_ = interactive_;  // on a terminal the next stage's bar overwrites it
    std::fflush(stderr);
  }
  void note(const std::string& line) override {
    if (quiet_) return;
    clear();
    fmt::print(stderr, "{}\n", line);
  }

 private:
  void clear() {
    if (bar_) {
      std::fputs("\r\033[K", stderr);
      std::fflush(stderr);
      bar_ = false;
    }
  }
  using Clock = std::chrono::steady_clock;
  bool quiet_, interactive_;
  bool bar_ = false;
  int index_ = 0, total_ = 0;
  std::string name_;
  Clock::time_point start_, last_;
};

}  // namespace

// Debian's python3-matplotlib is installed for /usr/bin/python3; a python3 earlier on PATH (a
// virtualenv, pyenv) may lack it.
std::string default_python() { return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"; }

namespace {

struct VrgRunOptions {
  std::string config;
  std::string outdir;
  bool force = false;
  int threads = 0;
  std::int64_t seed = -1;
  int size = 0;
  std::int64_t samples = 0;
  int epochs = -1;
  bool no_figures = false;
  std::string python;
  bool json = false;
  bool quiet = false;
};

void run_vrg(const VrgRunOptions& o) {
  vrg::Config config = o.config.empty() ? vrg::default_config() : vrg::load_config(o.config);
  if (o.seed >= 0) config.seed = static_cast<std::uint64_t>(o.seed);
  if (o.size > 0) {
    config.data.size = o.size;
    config.model.layers.clear();
  }
  if (o.samples > 0) config.data.samples = o.samples;
  if (o.epochs >= 0) config.model.epochs = o.epochs;
  config.validate();
  check_range("--threads", std::int64_t{o.threads}, 0, 1024);
  vrg::RunOptions options;
  options.outdir = o.outdir;
  options.force = o.force;
  options.threads = o.threads;
  options.figures = !o.no_figures;
  options.python = o.python.empty() ? default_python() : o.python;
  // Under mpirun the stages are spread over the ranks (vrg/pipeline.hpp); rank 0 alone writes
  // OUTDIR, shows progress and prints.
  options.communicator = &world();
  const vrg::RunResult result = run_vrg_pipeline(config, options, o.quiet || !is_rank0());
  if (!is_rank0()) return;
  if (o.json) {
    print_json(vrg_result_json(options, result));
  } else {
    print_vrg_outcome(result);
  }
}

}  // namespace

vrg::RunResult run_vrg_pipeline(const vrg::Config& config, const vrg::RunOptions& options, bool quiet) {
  StageBars bars(quiet);
  // Ctrl-C (and, on more than one rank, mpirun's SIGTERM) only sets the cancel request, which the
  // pipeline sees at its next check point; finished stages stay reusable.
  const InterruptScope interrupt;
  try {
    return vrg::run_pipeline(config, options, bars);
  } catch (const vrg::Cancelled&) {
    // Every rank ends here together (the pipeline agrees on the stop); rank 0 says it once.
    if (is_rank0()) {
      const std::string line = fmt::format(
          "rgflow: interrupted; finished stages are kept in {} (run the same command again to resume)", options.outdir);
      std::fflush(stdout);
      if (quiet) {
        fmt::print(stderr, "{}\n", line);
      } else {
        bars.note(line);  // clears the progress bar first
      }
    }
    throw ExitStatus{130};
  }
}

void print_vrg_outcome(const vrg::RunResult& result) {
  const auto summary = nlohmann::json::parse(vrg::read_text(result.summary_path));
  for (const std::string& line : vrg::terminal_lines(summary)) fmt::print("{}\n", line);
  fmt::print("Report: {} (numbers: {}; {} stages run, {} reused).\n", result.report_path, result.summary_path,
             result.ran.size(), result.skipped.size());
  if (!result.figures_note.empty()) fmt::print("Note: {}\n", result.figures_note);
}

nlohmann::json vrg_result_json(const vrg::RunOptions& options, const vrg::RunResult& result) {
  return {{"outdir", options.outdir}, {"summary", result.summary_path}, {"report", result.report_path},
          {"ran", result.ran}, {"skipped", result.skipped}, {"figures_note", result.figures_note}};
}

void add_vrg_commands(CLI::App& app) {
  CLI::App* vrg = app.add_subcommand("vrg", "The variational-RG experiment (Mehta & Schwab 2014) with controls and a report");
  vrg->require_subcommand(1);
  auto o = std::make_shared<VrgRunOptions>();
  CLI::App* run = vrg->add_subcommand("run", "Run (or resume) the pipeline into OUTDIR: data, DBNs, block spins, "
                                             "measurements, summary.json and report.html");
  run->add_option("--config", o->config, "Config file (TOML subset, docs/vrg.md); default: the full-size experiment");
  run->add_option("-o,--output", o->outdir, "Output directory (stages are cached there)")->required();
  run->add_flag("--force", o->force, "Redo every stage, even finished ones");
  run->add_option("--threads", o->threads, "OpenMP threads (0: all cores)")->capture_default_str();
  run->add_option("--seed", o->seed, "Override the config's seed");
  run->add_option("--size", o->size, "Override data.size (lattice side; layers follow it)");
  run->add_option("--samples", o->samples, "Override data.samples");
  run->add_option("--epochs", o->epochs, "Override model.epochs");
  run->add_flag("--no-figures", o->no_figures, "Skip the matplotlib figures (report without pictures)");
  run->add_option("--python", o->python, "Python interpreter with matplotlib (default: /usr/bin/python3 if present)");
  run->add_flag("--json", o->json, "Print a JSON summary of the run on stdout");
  run->add_flag("-q,--quiet", o->quiet, "No progress on stderr");
  run->callback([o] { run_vrg(*o); });
}

}  // namespace rgflow::cli
