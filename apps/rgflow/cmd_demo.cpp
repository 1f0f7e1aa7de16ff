// rgflow demo: first a quick exact check, then the variational-RG experiment (`rgflow vrg run`) on
// its small embedded default (vrg::demo_config(): L = 16, 256-64-16), written to rgflow-demo/.
//
// The exact check: learn the exact distribution of a small Ising model with an RBM, and say how
// close it got. The data are exact samples of a periodic L x L Ising model (all 2^(L²) states are
// enumerated), so the best achievable mean log-likelihood is known (−S, the negative entropy) and
// the RBM's shortfall is the exact KL divergence KL(p_Ising ‖ p_RBM) = −S − E_p[log p_RBM].
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_util.hpp"
#include "commands.hpp"
#include "exact_ising.hpp"
#include "exit_status.hpp"
#include "progress.hpp"
#include "vrg_cli.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow::cli {

namespace {

// Rng streams of the demo (all derived from --seed).
constexpr std::uint64_t kTrainSampleStream = 1;
constexpr std::uint64_t kTestSampleStream = 2;
constexpr std::uint64_t kInitStream = 3;

struct DemoOptions {
  int size = 4;
  double temperature = 2.27;  // J = 1; K = 1/T ≈ 0.4405, near K_c = 0.4407 (Onsager)
  Index hidden = 16;
  std::string hidden_type = "bernoulli";
  int epochs = 80;
  Index samples = 10000;
  Index batch_size = 100;
  double learning_rate = 0.02;
  std::string method = "pcd";
  int steps = 1;
  double momentum = 0.5;  // constant: 0.9 makes PCD near T_c oscillate
  bool decay = true;
  std::uint64_t seed = 1;
  std::string output;
  std::string vrg_dir = "rgflow-demo";  // the pipeline's output directory
  bool vrg = true;                      // false (--no-vrg): the exact check only
  bool force = false;
  int threads = 0;
  bool json = false;
  bool quiet = false;
};

// The variational-RG pipeline on the embedded demo config (a cached stage run in o.vrg_dir).
vrg::RunResult run_demo_pipeline(const DemoOptions& o) {
  vrg::Config config = vrg::demo_config();
  config.seed = o.seed;
  vrg::RunOptions options;
  options.outdir = o.vrg_dir;
  options.force = o.force;
  options.threads = o.threads;
  options.python = default_python();
  if (!o.quiet) {
    fmt::print(stderr, "\nrgflow demo: variational RG on {}x{} Ising data at T = {:.4g} (layers 256-64-16, "
               "controls: paramagnet, ordered, site-permuted, textures) -> {}/\n",
               config.data.size, config.data.size, config.data.temperature, o.vrg_dir);
  }
  return run_vrg_pipeline(config, options, o.quiet);
}

// E_p[log q] = Σ_s p(s) (−F(s)) − log Z over all states s, given F on all states.
double expected_log_likelihood(const ExactIsing& ising, const VectorD& free_energy, double log_z) {
  double acc = 0.0;
  for (Index s = 0; s < free_energy.size(); ++s) {
    acc += std::exp(ising.log_prob[static_cast<std::size_t>(s)]) * -free_energy[s];
  }
  return acc - log_z;
}

// log Σ_s e^{−F(s)}: an independent check of the library's enumeration.
double direct_log_z(const VectorD& free_energy) {
  double m = -INFINITY;
  for (Index s = 0; s < free_energy.size(); ++s) m = std::max(m, -free_energy[s]);
  double sum = 0.0;
  for (Index s = 0; s < free_energy.size(); ++s) sum += std::exp(-free_energy[s] - m);
  return m + std::log(sum);
}

struct Evaluation {
  double log_z = 0.0;         // library: estimate::exact_log_partition
  double direct_log_z = 0.0;  // direct sum over all visible states
  double expected = 0.0;      // E_p[log q]
};

Evaluation evaluate(const Rbm& rbm, const ExactIsing& ising, const MatrixF& states) {
  Evaluation e;
  const VectorD f = rbm.free_energy_visible(states);
  // One thread: the sum has only 2^min(n_visible, n_hidden) terms, and OpenMP threads spinning
  // on a busy machine would cost more than they save.
  e.log_z = estimate::exact_log_partition(rbm, estimate::EnumerateLayer::automatic, 1);
  e.direct_log_z = direct_log_z(f);
  e.expected = expected_log_likelihood(ising, f, e.log_z);
  return e;
}

// The Ising model's own mean log-likelihood on a set of samples (noisy estimate of −S).
stats::Result ising_log_likelihood(const ExactIsing& ising, const MatrixF& x) {
  const Index n = x.rows();
  double sum = 0.0, sum2 = 0.0;
  for (Index r = 0; r < n; ++r) {
    std::uint64_t s = 0;
    for (Index i = 0; i < x.cols(); ++i) {
      if (x(r, i) > 0) s |= std::uint64_t{1} << i;
    }
    const double lp = ising.log_prob[s];
    sum += lp;
    sum2 += lp * lp;
  }
  const double mean = sum / static_cast<double>(n);
  const double var =
      n > 1 ? (sum2 - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1) : 0.0;
  return {mean, std::sqrt(std::max(var, 0.0) / static_cast<double>(n)), 0.5, n};
}

void run_demo(const DemoOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!o.output.empty()) check_output_path(o.output, {".h5", ".hdf5"});
  check_range("--temperature", o.temperature, 1e-3, 1e6);
  check_range("--hidden", std::int64_t{o.hidden}, 1, 4096);
  check_range("--epochs", std::int64_t{o.epochs}, 1, 100'000);
  check_range("--samples", std::int64_t{o.samples}, 10, 10'000'000);
  check_range("--batch-size", std::int64_t{o.batch_size}, 1, 1'000'000);
  check_range("--learning-rate", o.learning_rate, 0.0, 100.0);
  check_range("--threads", std::int64_t{o.threads}, 0, 1024);

  const double coupling = 1.0 / o.temperature;
  const ExactIsing ising = enumerate_periodic_ising(o.size, coupling);
  const int n_sites = o.size * o.size;
  const MatrixF states = all_spin_states(n_sites);
  Rng train_rng(o.seed, kTrainSampleStream);
  Rng test_rng(o.seed, kTestSampleStream);
  const MatrixF train_data = sample_exact(ising, o.samples, train_rng);
  const MatrixF test_data = sample_exact(ising, std::max<Index>(o.samples / 4, 10), test_rng);
  const double best = -ising.entropy;
  // The enumerated distribution checked against Kaufman's closed form (1949) for log Z and, via
  // S = log Z + K N u, the entropy.
  const ising::ExactFinite kaufman = ising::kaufman(o.size, coupling);
  const double kaufman_entropy = kaufman.log_z + coupling * n_sites * kaufman.energy_per_spin;
  const double ising_mismatch =
      std::max(std::abs(kaufman.log_z - ising.log_z), std::abs(kaufman_entropy - ising.entropy));

  Progress progress(o.quiet, 1, o.epochs);
  progress.message(fmt::format(
      "rgflow demo: {} training + {} test exact samples of the periodic {}x{} Ising model at "
      "T = {} J (K = {:.4f}; all {} states enumerated; seed {})",
      train_data.rows(), test_data.rows(), o.size, o.size, o.temperature, coupling, states.rows(),
      o.seed));
  progress.message(fmt::format(
      "best achievable mean log-likelihood: -S = {:.4f} nats (S: entropy of the Ising model)",
      best));

  Rbm rbm(n_sites, o.hidden, UnitType::spin, parse_unit_type(o.hidden_type));
  train::TrainConfig config;
  config.method = train::parse_method(o.method);
  config.steps = o.steps;
  config.momentum_initial = config.momentum_final = static_cast<float>(o.momentum);
  config.epochs = o.epochs;
  config.batch_size = o.batch_size;
  config.learning_rate = static_cast<float>(o.learning_rate);
  config.seed = o.seed;
  config.initialize = false;  // initialised here, so that the initial model can be evaluated
  config.validate();
  Rng init_rng(o.seed, kInitStream);
  rbm.initialize(init_rng, &train_data);
  const Evaluation initial = evaluate(rbm, ising, states);
  progress.message(fmt::format(
      "RBM: {} spin visible, {} {} hidden units; {}-{}, {} epochs, batch {}, learning rate {}{}",
      n_sites, o.hidden, o.hidden_type, o.method == "pcd" ? "PCD" : "CD", o.steps, o.epochs,
      o.batch_size, o.learning_rate, o.decay ? " decaying linearly to 0" : ""));
  progress.message(
      fmt::format("initial RBM (independent spins): E_p[log q] = {:.4f}, KL = {:.4f} nats",
                  initial.expected, best - initial.expected));

  auto trainer = std::make_unique<train::Trainer>(rbm, config, train_data, &test_data);
  double max_log_z_mismatch = std::abs(initial.log_z - initial.direct_log_z);
  Evaluation final_eval = initial;
  while (!trainer->finished()) {
    const int epoch = trainer->epochs_done() + 1;
    if (o.decay && epoch > 1) {
      // Linear learning-rate decay (as Tieleman 2008 used for PCD): the persistent chains make
      // the gradient noisy, and near T_c the model's two magnetised modes make it jumpy; a
      // decaying step lets the parameters settle instead of ending on a random fluctuation.
      // The trainer has a constant rate, so continue from its checkpoint with the new one
      // (a checkpoint resumes bit-identically; only the rate changes).
      train::Checkpoint state = trainer->checkpoint();
      state.config.learning_rate =
          static_cast<float>(o.learning_rate * (1.0 - static_cast<double>(epoch - 1) / o.epochs));
      trainer = std::make_unique<train::Trainer>(rbm, state, train_data, &test_data);
    }
    trainer->run_epoch([&](Index done, Index total) { progress.batch(epoch, done, total); });
    final_eval = evaluate(rbm, ising, states);
    max_log_z_mismatch =
        std::max(max_log_z_mismatch, std::abs(final_eval.log_z - final_eval.direct_log_z));
    progress.epoch_done(epoch, fmt::format("E_p[log q] = {:.4f}  KL = {:.4f} nats",
                                           final_eval.expected, best - final_eval.expected));
  }

  const stats::Result train_ll = estimate::mean_log_likelihood(rbm, train_data, final_eval.log_z);
  const stats::Result test_ll = estimate::mean_log_likelihood(rbm, test_data, final_eval.log_z);
  const stats::Result ising_test = ising_log_likelihood(ising, test_data);
  const stats::Result initial_test = estimate::mean_log_likelihood(
      [&] {
        Rbm r(n_sites, o.hidden, UnitType::spin, parse_unit_type(o.hidden_type));
        Rng again(o.seed, kInitStream);
        r.initialize(again, &train_data);
        return r;
      }(),
      test_data, initial.log_z);

  const double kl_initial = best - initial.expected;
  const double kl_final = best - final_eval.expected;
  const double gap_closed = kl_initial > 0 ? 1.0 - kl_final / kl_initial : 0.0;
  // Self-checks: (1) the library's log Z agrees with a direct sum over every visible state;
  // (2) KL ≥ 0 (Gibbs' inequality); (3) training reduced the KL divergence.
  const double log_z_tolerance = 1e-6 * std::max(1.0, std::abs(final_eval.log_z));
  const bool check_log_z = max_log_z_mismatch <= log_z_tolerance;
  const bool check_kl = kl_final >= -1e-9 && kl_initial >= -1e-9;
  const bool check_improved = kl_final < kl_initial;
  const bool check_ising = ising_mismatch <= 1e-8 * std::max(1.0, std::abs(ising.log_z));
  const bool passed = check_ising && check_log_z && check_kl && check_improved;

  if (!o.output.empty()) {
    std::map<std::string, std::string> attrs = provenance();
    nlohmann::json cj = config;
    for (const auto& [key, value] : cj.items()) {
      attrs[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    attrs["train_config"] = cj.dump();
    attrs["data"] = fmt::format("rgflow demo: {} exact samples of the periodic {}x{} Ising model",
                                train_data.rows(), o.size, o.size);
    attrs["learning_rate_decay"] = o.decay ? "linear to 0" : "none";
    attrs["ising_size"] = std::to_string(o.size);
    attrs["ising_temperature"] = fmt::format("{}", o.temperature);
    attrs["ising_coupling"] = fmt::format("{}", coupling);
    attrs["training_rows"] = std::to_string(train_data.rows());
    attrs["epochs_done"] = std::to_string(trainer->epochs_done());
    io::save_rbm(o.output, rbm, attrs);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (o.json) {
    nlohmann::json out = {
        {"ising",
         {{"size", o.size},
          {"temperature", o.temperature},
          {"coupling", coupling},
          {"states", states.rows()},
          {"log_z", ising.log_z},
          {"entropy", ising.entropy}}},
        {"data", {{"train", train_data.rows()}, {"test", test_data.rows()}, {"seed", o.seed}}},
        {"rbm",
         {{"n_visible", n_sites},
          {"n_hidden", o.hidden},
          {"visible_type", "spin"},
          {"hidden_type", o.hidden_type},
          {"learning_rate_decay", o.decay ? "linear to 0" : "none"},
          {"config", config}}},
        {"log_likelihood",
         {{"units", "nats per sample"},
          {"best", to_json(stats::Result::exact(best))},
          {"initial", to_json(stats::Result::exact(initial.expected))},
          {"final", to_json(stats::Result::exact(final_eval.expected))},
          {"initial_test", to_json(initial_test)},
          {"final_train", to_json(train_ll)},
          {"final_test", to_json(test_ll)},
          {"ising_test", to_json(ising_test)}}},
        {"kl", {{"initial", kl_initial}, {"final", kl_final}, {"gap_closed", gap_closed}}},
        {"checks",
         {{"ising_matches_kaufman", check_ising},
          {"ising_max_mismatch", ising_mismatch},
          {"log_z_consistent", check_log_z},
          {"log_z_max_mismatch", max_log_z_mismatch},
          {"kl_nonnegative", check_kl},
          {"training_improved", check_improved},
          {"passed", passed}}},
        {"model", o.output.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.output)},
        {"time", {{"seconds", seconds}}},
    };
    if (o.vrg) {
      const vrg::RunResult r = run_demo_pipeline(o);
      vrg::RunOptions where;
      where.outdir = o.vrg_dir;
      out["vrg"] = vrg_result_json(where, r);
    }
    print_json(out);
  } else {
    fmt::print(
        "\nMean log-likelihood per sample, nats       exact (E_p, all {} states)   {} test "
        "samples\n",
        states.rows(), test_data.rows());
    fmt::print(
        "  initial RBM (independent spins)           {:10.4f}                 {:9.4f} ± {:.4f}\n",
        initial.expected, initial_test.mean, initial_test.error);
    fmt::print(
        "  trained RBM                               {:10.4f}                 {:9.4f} ± {:.4f}\n",
        final_eval.expected, test_ll.mean, test_ll.error);
    fmt::print(
        "  best achievable: the Ising model (-S)     {:10.4f}                 {:9.4f} ± {:.4f}\n",
        best, ising_test.mean, ising_test.error);
    fmt::print("  (trained RBM on its {} training samples: {:.4f} ± {:.4f})\n", train_data.rows(),
               train_ll.mean, train_ll.error);
    fmt::print(
        "KL(Ising || RBM) = {:.4f} nats, down from {:.4f}: training closed {:.1f}% of the gap.\n",
        kl_final, kl_initial, 100.0 * gap_closed);
    const auto ok = [](bool b) { return b ? "ok" : "FAILED"; };
    fmt::print(
        "Self-checks: Ising log Z and entropy vs Kaufman (1949) (|diff| {:.1e}) {}; RBM log Z "
        "of the library vs a direct sum over all visible states (|diff| {:.1e}) {}; "
        "KL >= 0 {}; training reduced KL {}.\n",
        ising_mismatch, ok(check_ising), max_log_z_mismatch, ok(check_log_z), ok(check_kl),
        ok(check_improved));
    if (!o.output.empty()) fmt::print("Model written to {}.\n", o.output);
    fmt::print("({:.1f} s)\n", seconds);
    if (o.vrg) {
      std::fflush(stdout);
      const vrg::RunResult r = run_demo_pipeline(o);
      const auto summary = nlohmann::json::parse(vrg::read_text(r.summary_path));
      fmt::print("\nVariational RG (rgflow vrg run, demo config): {} stages run, {} reused.\n{}\n",
                 r.ran.size(), r.skipped.size(), summary.value("paragraph", ""));
      fmt::print("Report: {} (numbers: {}).\n", r.report_path, r.summary_path);
      if (!r.figures_note.empty()) fmt::print("Note: {}\n", r.figures_note);
    }
  }
  if (!passed) {
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
  cmd->add_option("--hidden-type", o->hidden_type, "Hidden unit type")
      ->check(CLI::IsMember({"bernoulli", "spin"}))
      ->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Training epochs")->capture_default_str();
  cmd->add_option("--samples", o->samples,
                  "Exact training samples (plus a quarter as many for testing)")
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")->capture_default_str();
  cmd->add_option("--learning-rate", o->learning_rate, "Learning rate")->capture_default_str();
  cmd->add_option("--method", o->method, "cd or pcd")
      ->check(CLI::IsMember({"cd", "pcd"}))
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "Gibbs steps per update")->capture_default_str();
  cmd->add_option("--momentum", o->momentum, "Constant momentum")->capture_default_str();
  cmd->add_option("--decay", o->decay,
                  "Decay the learning rate linearly to 0 over the epochs (true/false)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (samples, initialisation, training)")
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Also save the trained model (.h5)");
  cmd->add_option("--dir", o->vrg_dir, "Output directory of the variational-RG pipeline")->capture_default_str();
  cmd->add_flag("!--no-vrg", o->vrg, "Only the exact check, not the variational-RG pipeline");
  cmd->add_flag("--force", o->force, "Redo every pipeline stage (otherwise finished ones are reused)");
  cmd->add_option("--threads", o->threads, "OpenMP threads for the pipeline (0: all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress output on stderr");
  cmd->callback([o] { run_demo(*o); });
}

}  // namespace rgflow::cli
