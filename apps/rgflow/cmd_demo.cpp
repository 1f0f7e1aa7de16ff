// rgflow demo: first a quick exact check, then the variational-RG experiment (`rgflow vrg run`) on
// its small embedded default (vrg::demo_config(): L = 16, 256-64-16), written to rgflow-demo/.
//
// The exact check (run/exact_check.hpp): learn the exact distribution of a small Ising model with
// an RBM, and say how close it got (the exact KL divergence).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_util.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "progress.hpp"
#include "vrg_cli.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/run/default_dir.hpp"
#include "rgflow/run/exact_check.hpp"
#include "rgflow/run/rbm.hpp"
#include "rgflow/train/config.hpp"

namespace rgflow::cli {

namespace {

// The exact check trains with the defaults of `rbm train` for spin data (train::default_config:
// PCD-1, 100 epochs, batch 100, ε 0.05 → ε/100 by a cosine, momentum 0.5, centred gradients) and
// spin hidden units; with spins on both layers the model is Z2-symmetric (exact Ising samples are
// symmetric under s → −s by construction).
const train::TrainConfig kDemoDefaults = train::default_config(UnitType::spin);

struct DemoOptions {
  int size = 4;
  double temperature = 2.27;  // J = 1; K = 1/T ≈ 0.4405, near K_c = 0.4407 (Onsager)
  Index hidden = 16;
  std::string hidden_type = "auto";
  int epochs = kDemoDefaults.epochs;
  Index samples = 10000;
  Index batch_size = kDemoDefaults.batch_size;
  double learning_rate = kDemoDefaults.learning_rate;
  std::string schedule = train::to_string(kDemoDefaults.schedule);  // or "constant"
  std::string method = train::to_string(kDemoDefaults.method);
  int steps = kDemoDefaults.steps;
  double momentum = kDemoDefaults.momentum_initial;  // constant
  bool centering = kDemoDefaults.centering;
  std::string symmetry = "auto";
  std::uint64_t seed = 1;
  std::string output;
  std::string vrg_dir;  // the pipeline's output directory ("": default_demo_dir())
  bool vrg = true;                      // false (--no-vrg): the exact check only
  bool force = false;
  int threads = 0;
  bool json = false;
  bool quiet = false;
};

// Where the pipeline writes without --dir: rgflow-demo/ in the current directory, or next to the
// binary when run inside rgflow's own source tree (scripts/demo runs from there).
std::string default_demo_dir() {
  std::error_code exe_error, cwd_error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", exe_error);
  const std::filesystem::path cwd = std::filesystem::current_path(cwd_error);
  if (exe_error || cwd_error) return "rgflow-demo";
  return run::default_output_dir("rgflow-demo", RGFLOW_SOURCE_DIR, cwd, exe.parent_path());
}

// The variational-RG pipeline on the embedded demo config (a cached stage run in `dir`).
// On a terminal, with the pipeline and without --json, the demo keeps the terminal to at most ten
// lines (issue #17): the exact check's progress is one self-overwriting line, erased when it ends,
// and the pipeline's banner goes into the stdout header.
bool compact_terminal(const DemoOptions& o) { return o.vrg && !o.quiet && !o.json && isatty(STDERR_FILENO) == 1; }

vrg::RunResult run_demo_pipeline(const DemoOptions& o, const std::string& dir) {
  vrg::Config config = vrg::demo_config();
  config.seed = o.seed;
  vrg::RunOptions options;
  options.outdir = dir;
  options.force = o.force;
  options.threads = o.threads;
  options.python = default_python();
  if (!o.quiet && !compact_terminal(o)) {
    fmt::print(stderr, "\nrgflow demo: variational RG on {}x{} Ising data at T = {:.4g} (layers 256-64-16, "
               "controls: paramagnet, ordered, site-permuted, textures) -> {}/\n",
               config.data.size, config.data.size, config.data.temperature, dir);
  }
  return run_vrg_pipeline(config, options, o.quiet);
}

void run_demo(const DemoOptions& o) {
  if (!o.output.empty()) check_output_path(o.output, {".h5", ".hdf5"});
  check_range("--size", std::int64_t{o.size}, 2, 4);
  check_range("--temperature", o.temperature, 1e-3, 1e6);
  check_range("--hidden", std::int64_t{o.hidden}, 1, 4096);
  check_range("--epochs", std::int64_t{o.epochs}, 1, 100'000);
  check_range("--samples", std::int64_t{o.samples}, 10, 10'000'000);
  check_range("--batch-size", std::int64_t{o.batch_size}, 1, 1'000'000);
  check_range("--learning-rate", o.learning_rate, 1e-12, 100.0);
  check_range("--threads", std::int64_t{o.threads}, 0, 1024);
  const std::string dir = o.vrg_dir.empty() ? default_demo_dir() : o.vrg_dir;

  run::ExactCheckRequest q;
  q.size = o.size;
  q.temperature = o.temperature;
  q.hidden = o.hidden;
  q.hidden_type = o.hidden_type == "auto" ? run::default_hidden_type(UnitType::spin) : parse_unit_type(o.hidden_type);
  q.samples = o.samples;
  train::TrainConfig& c = q.config;
  c = kDemoDefaults;
  c.method = train::parse_method(o.method);
  c.steps = o.steps;
  c.momentum_initial = c.momentum_final = static_cast<float>(o.momentum);
  c.epochs = o.epochs;
  c.batch_size = o.batch_size;
  c.learning_rate = static_cast<float>(o.learning_rate);
  // A decaying step lets the parameters settle instead of ending on a fluctuation of the
  // persistent chains (near T_c the model's two magnetised modes make the gradient jumpy).
  if (o.schedule == "constant") {
    c.learning_rate_final.reset();
  } else {
    c.schedule = train::parse_schedule(o.schedule);
    c.learning_rate_final = train::default_final_learning_rate(c.learning_rate);
  }
  c.centering = o.centering;
  const bool spins = q.hidden_type == UnitType::spin;
  if (o.symmetry == "z2" && !spins) throw Error("--symmetry z2: needs --hidden-type spin");
  c.symmetry = o.symmetry == "z2" || (o.symmetry == "auto" && spins) ? train::Symmetry::z2 : train::Symmetry::none;
  c.seed = o.seed;

  const bool compact = compact_terminal(o);
  Progress progress(o.quiet || compact, 1, o.epochs);
  run::ExactCheckCallbacks callbacks;
  callbacks.on_message = [&](const std::string& line) {
    if (!compact) progress.message("rgflow demo: " + line);
  };
  callbacks.on_batch = [&](int epoch, Index done, Index total) { progress.batch(epoch, done, total); };
  callbacks.on_epoch = [&](int epoch, double expected, double kl) {
    if (compact) {
      fmt::print(stderr, "\r\033[Kexact check: epoch {}/{}  KL = {:.4f} nats", epoch, o.epochs, kl);
      std::fflush(stderr);
    }
    progress.epoch_done(epoch, fmt::format("E_p[log q] = {:.4f}  KL = {:.4f} nats", expected, kl));
  };
  const run::ExactCheckRun r = run::exact_ising_check(q, callbacks);
  if (compact) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }

  if (!o.output.empty()) {
    std::map<std::string, std::string> attrs = provenance();
    nlohmann::json cj = r.request.config;
    for (const auto& [key, value] : cj.items()) {
      attrs[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    attrs["train_config"] = cj.dump();
    attrs["data"] = fmt::format("rgflow demo: {} exact samples of the periodic {}x{} Ising model",
                                r.train_rows, o.size, o.size);
    attrs["ising_size"] = std::to_string(o.size);
    attrs["ising_temperature"] = fmt::format("{}", o.temperature);
    attrs["ising_coupling"] = fmt::format("{}", r.coupling);
    attrs["training_rows"] = std::to_string(r.train_rows);
    attrs["epochs_done"] = std::to_string(r.epochs_done);
    io::save_rbm(o.output, r.rbm, attrs);
  }

  if (o.json) {
    nlohmann::json out = r;
    out["model"] = o.output.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.output);
    if (o.vrg) {
      const vrg::RunResult v = run_demo_pipeline(o, dir);
      vrg::RunOptions where;
      where.outdir = dir;
      out["vrg"] = vrg_result_json(where, v);
    }
    print_json(out);
  } else if (o.vrg) {
    // With the pipeline the terminal gets at most ten lines: the exact check in one.
    const bool checks = r.ising_matches_kaufman && r.log_z_consistent && r.kl_nonnegative && r.training_improved;
    fmt::print("Exact check ({0}×{0} Ising at T = {1}, all {2} states): the trained RBM's mean log-likelihood is {3:.4f} "
               "nats per sample against the best achievable {4:.4f} (KL {5:.4f} nats, {6:.1f}% of the gap closed); "
               "self-checks {7}. ({8:.1f} s)\n",
               o.size, o.temperature, r.states, r.final, r.best, r.kl_final, 100.0 * r.gap_closed,
               checks ? "ok" : "FAILED (rgflow demo --no-vrg shows which)", r.seconds);
    if (!o.output.empty()) fmt::print("Model written to {}.\n", o.output);
    std::fflush(stdout);
    const vrg::RunResult v = run_demo_pipeline(o, dir);
    const vrg::Config demo = vrg::demo_config();
    fmt::print("Variational RG (rgflow vrg run, demo config: {0}×{0} Ising data at T = {1:.4g}, DBN 256-64-16, four "
               "control datasets):\n", demo.data.size, demo.data.temperature);
    print_vrg_outcome(v);
  } else {
    fmt::print(
        "\nMean log-likelihood per sample, nats       exact (E_p, all {} states)   {} test "
        "samples\n",
        r.states, r.test_rows);
    fmt::print(
        "  initial RBM (independent spins)           {:10.4f}                 {:9.4f} ± {:.4f}\n",
        r.initial, r.initial_test.mean, r.initial_test.error);
    fmt::print(
        "  trained RBM                               {:10.4f}                 {:9.4f} ± {:.4f}\n",
        r.final, r.final_test.mean, r.final_test.error);
    fmt::print(
        "  best achievable: the Ising model (-S)     {:10.4f}                 {:9.4f} ± {:.4f}\n",
        r.best, r.ising_test.mean, r.ising_test.error);
    fmt::print("  (trained RBM on its {} training samples: {:.4f} ± {:.4f})\n", r.train_rows,
               r.final_train.mean, r.final_train.error);
    fmt::print(
        "KL(Ising || RBM) = {:.4f} nats, down from {:.4f}: training closed {:.1f}% of the gap.\n",
        r.kl_final, r.kl_initial, 100.0 * r.gap_closed);
    const auto ok = [](bool b) { return b ? "ok" : "FAILED"; };
    fmt::print(
        "Self-checks: Ising log Z and entropy vs Kaufman (1949) (|diff| {:.1e}) {}; RBM log Z "
        "of the library vs a direct sum over all visible states (|diff| {:.1e}) {}; "
        "KL >= 0 {}; training reduced KL {}.\n",
        r.ising_mismatch, ok(r.ising_matches_kaufman), r.log_z_mismatch, ok(r.log_z_consistent),
        ok(r.kl_nonnegative), ok(r.training_improved));
    if (!o.output.empty()) fmt::print("Model written to {}.\n", o.output);
    fmt::print("({:.1f} s)\n", r.seconds);
  }
  if (!r.passed) {
    fmt::print(stderr, "rgflow: demo self-check failed (see above)\n");
    throw ExitStatus{1};
  }
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Quick exact check (an RBM on exact samples of a small Ising model vs the best achievable "
      "log-likelihood), then the variational-RG experiment on a small default, written to "
      "rgflow-demo/ (about a minute; no arguments needed)");
  cmd->add_option("--size", o->size, "Lattice side L (2..4; all 2^(L*L) states are enumerated)")
      ->capture_default_str();
  cmd->add_option("--temperature", o->temperature, "Temperature T in units of J (T_c = 2.269)")
      ->capture_default_str();
  cmd->add_option("--hidden", o->hidden, "Hidden units")->capture_default_str();
  cmd->add_option("--hidden-type", o->hidden_type, "Hidden unit type (auto: spin, like the visible units)")
      ->check(CLI::IsMember({"auto", "bernoulli", "spin"}))
      ->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Training epochs")->capture_default_str();
  cmd->add_option("--samples", o->samples,
                  "Exact training samples (plus a quarter as many for testing)")
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")->capture_default_str();
  cmd->add_option("--learning-rate", o->learning_rate, "Initial learning rate (decays to 1/100 of it)")->capture_default_str();
  cmd->add_option("--lr-schedule", o->schedule, "How the learning rate decays over the epochs")
      ->check(CLI::IsMember({"cosine", "linear", "exponential", "constant"}))
      ->capture_default_str();
  cmd->add_option("--method", o->method, "cd or pcd")
      ->check(CLI::IsMember({"cd", "pcd"}))
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "Gibbs steps per update")->capture_default_str();
  cmd->add_option("--momentum", o->momentum, "Constant momentum")->capture_default_str();
  cmd->add_flag("--centering,!--no-centering", o->centering, "Centred gradients (Melchior et al. 2016)");
  cmd->add_option("--symmetry", o->symmetry, "auto (z2 when both layers are spins) | z2 | none")
      ->check(CLI::IsMember({"auto", "z2", "none"}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (samples, initialisation, training)")
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Also save the trained model (.h5)");
  cmd->add_option("--dir", o->vrg_dir,
                  "Output directory of the variational-RG pipeline (default: rgflow-demo in the "
                  "current directory; next to the rgflow binary when run inside rgflow's source tree)");
  cmd->add_flag("!--no-vrg", o->vrg, "Only the exact check, not the variational-RG pipeline");
  cmd->add_flag("--force", o->force, "Redo every pipeline stage (otherwise finished ones are reused)");
  cmd->add_option("--threads", o->threads, "OpenMP threads for the pipeline (0: all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress output on stderr");
  cmd->callback([o] { run_demo(*o); });
}

}  // namespace rgflow::cli
