// rgflow rbm train | logz | loglik | sample | filters: options in, one call into the service
// layer (run/rbm.hpp), results out. No estimator, sampler or training loop lives here. Over 600
// lines only because `rbm train` has ~50 options, each declared and range-checked against its flag.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <omp.h>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "distributed.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "task_progress.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/rg/local_mask.hpp"
#include "rgflow/run/rbm.hpp"
#include "rgflow/train/monitor_log.hpp"

namespace rgflow::cli {

namespace {

// Seed offset of the stochastic binarization of a separate validation file.
constexpr std::uint64_t kBinarizeValidationSeedOffset = 1;

// The defaults of every front end (train/config.hpp: default_config(), docs/results.md).
const train::TrainConfig kDefaults = train::default_config();

struct TrainOptions {
  std::string data;
  std::string output;
  Index hidden = 0;
  // auto: from the data (run::infer_visible_type; spin hidden units with spin visible ones).
  std::string visible_type = "auto";
  std::string hidden_type = "auto";
  // Gaussian visible units (docs/gaussian.md): initial σ, whether it is learned, and per-column
  // standardisation of the data (a data option: give it again with --resume).
  double sigma = 1.0;
  bool learn_sigma = false;
  bool standardize = false;
  double standardize_floor = 0.1;
  std::string method = train::to_string(kDefaults.method);
  int steps = kDefaults.steps;
  // TAP / EMF (--method tap1|tap2|tap3) and parallel tempering (--method pt).
  // The TAP defaults are TrainConfig's (chosen by bench/tap_sweep.sh, docs/tap.md).
  int tap_iterations = train::TrainConfig{}.tap_iterations;
  double tap_damping = train::TrainConfig{}.tap_damping;
  bool tap_persistent = train::TrainConfig{}.tap_persistent;
  Index tap_chains = 0;
  double tap_reseed = train::TrainConfig{}.tap_reseed_fraction;
  int replicas = 10;
  double pt_beta_min = 0.1;
  bool pt_adaptive = false;
  std::string pcd_state = "visible";
  int train_threads = 0;
  int epochs = kDefaults.epochs;
  // --epochs N or --epochs auto (automatic stopping, docs/training.md: at most --max-epochs,
  // stopping after --patience epochs without improvement of the held-out score).
  std::string epochs_text = std::to_string(kDefaults.epochs);
  bool auto_epochs = false;
  int patience = 10;
  int max_epochs = 1000;
  std::string stop_score = "auto";
  Index batch_size = kDefaults.batch_size;
  int shards = kDefaults.shards;
  std::optional<double> learning_rate;         // default: default_config(visible type)'s
  std::optional<double> learning_rate_final;  // default: --learning-rate / 100
  std::optional<std::string> momentum;        // a number or "hinton"; default: kDefaults' (0.5)
  std::string optimizer = train::to_string(kDefaults.optimizer);
  std::string schedule = train::to_string(kDefaults.schedule);
  int warmup_epochs = 0;
  bool centering = kDefaults.centering;  // given: --centering / --no-centering; else the defaults'
  std::string symmetry = "auto";
  double l1 = 0.0;
  double l2 = 0.0;
  std::optional<double> sparsity_target;
  double sparsity_cost = 0.1;
  std::string validation;
  std::uint64_t seed = 0;
  // Locally connected RBM (docs/vrg-tools.md): "block:B[,halo:H][,units:U]" on an L x L lattice
  // (or a ring of L sites when the data have L columns).
  std::string mask;
  int lattice = 0;
  DataOptions data_options;
  std::string log;
  int checkpoint_every = 0;
  std::string checkpoint_file;
  std::string resume;
  bool json = false;
  bool quiet = false;
  CLI::Option* epochs_option = nullptr;
  CLI::Option* centering_option = nullptr;
  std::vector<CLI::Option*> auto_options;  // --patience, --max-epochs, --stop-score
  // Options that set hyper-parameters, which a resumed run takes from its checkpoint instead.
  std::vector<CLI::Option*> model_options;
  // Options valid only for gaussian visible units.
  std::vector<CLI::Option*> gaussian_options;
};

// --epochs: a positive integer or "auto"; then the options that belong to "auto".
void parse_epochs(TrainOptions& o) {
  if (o.epochs_text == "auto") {
    o.auto_epochs = true;
    check_range("--patience", std::int64_t{o.patience}, 1, 1'000'000);
    check_range("--max-epochs", std::int64_t{o.max_epochs}, 1, 10'000'000);
    o.epochs = o.max_epochs;
    if (o.validation.empty()) {
      throw Error("--epochs auto: needs held-out rows to score (--validation FRACTION or FILE)");
    }
    return;
  }
  for (const CLI::Option* opt : o.auto_options) {
    if (opt->count() > 0) throw Error(fmt::format("{}: only with --epochs auto", opt->get_name()));
  }
  const std::string& t = o.epochs_text;
  const bool digits = !t.empty() && t.size() <= 9 && t.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) {
    throw Error(fmt::format("--epochs {}: expected a positive number of epochs or 'auto'", t));
  }
  o.epochs = std::stoi(t);
  check_range("--epochs", std::int64_t{o.epochs}, 1, 10'000'000);
}

void run_train(TrainOptions& o) {
  // Ctrl-C: Cancelled at the next mini-batch, exit 130 (main); the model is written only at the
  // end and checkpoints atomically, so nothing partial is left.
  const InterruptScope interrupts;
  check_range("--threads", std::int64_t{o.train_threads}, 0, 1024);
  if (o.train_threads > 0) omp_set_num_threads(o.train_threads);
  parse_epochs(o);
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("-o", o.output, {o.data, o.validation, o.resume});
  if (!o.log.empty()) {
    check_output_path(o.log, {".csv", ".jsonl"});
    check_not_input("--log", o.log, {o.data, o.validation});  // it would truncate the data
  }
  if (o.checkpoint_every < 0) throw Error(fmt::format("--checkpoint-every {}: must be >= 0", o.checkpoint_every));
  // The default checkpoint path is also where a diverged run leaves its last good state.
  if (o.checkpoint_file.empty()) {
    std::string base = o.output;
    for (const char* ext : {".h5", ".hdf5"}) {
      if (has_extension(base, ext)) base.resize(base.size() - std::string_view(ext).size());
    }
    o.checkpoint_file = base + ".checkpoint.h5";
  }
  if (!o.checkpoint_file.empty()) {
    check_output_path(o.checkpoint_file, {".h5", ".hdf5"});
    check_not_input("--checkpoint-file", o.checkpoint_file, {o.data, o.validation, o.output});
  }

  run::TrainRequest req;
  UnitType visible_type{};
  std::optional<MatrixF> auto_typed_data;  // the data, when --visible-type auto read them
  if (!o.resume.empty()) {
    for (const CLI::Option* opt : o.model_options) {
      if (opt->count() > 0) {
        throw Error(fmt::format("{}: cannot be changed when resuming; the checkpoint {} holds the "
                                "model and training parameters (only --epochs may be raised)",
                                opt->get_name(), o.resume));
      }
    }
    req.resume = train::load_checkpoint(o.resume);
    req.resume_source = o.resume;
    if (o.auto_epochs) {
      throw Error("--epochs auto: cannot be changed when resuming; the checkpoint holds the rule "
                  "(--epochs N sets the new total, or the new cap of an automatic run)");
    }
    if (o.epochs_option != nullptr && o.epochs_option->count() > 0) req.resume_epochs = o.epochs;
    visible_type = req.resume->rbm.visible_type();
    req.config = req.resume->config;
  } else {
    if (o.hidden == 0) throw Error("--hidden is required (number of hidden units)");
    check_range("--hidden", o.hidden, 1, kMaxMatrixElements);
    check_range("--steps", std::int64_t{o.steps}, 1, 1'000'000);
    check_range("--batch-size", o.batch_size, 1, kMaxMatrixElements);
    if (o.learning_rate) check_range("--learning-rate", *o.learning_rate, 0.0, 1e6);
    check_range("--l1", o.l1, 0.0, 1e6);
    check_range("--l2", o.l2, 0.0, 1e6);
    check_range("--tap-iterations", std::int64_t{o.tap_iterations}, 1, 1'000'000);
    check_range("--tap-damping", o.tap_damping, 0.0, 0.999999);
    check_range("--tap-chains", o.tap_chains, 0, kMaxMatrixElements);
    check_range("--tap-reseed", o.tap_reseed, 0.0, 1.0);
    check_range("--replicas", std::int64_t{o.replicas}, 2, 10'000);
    check_range("--pt-beta-min", o.pt_beta_min, 1e-6, 0.999999);
    // The visible type (given, implied by --binarize / --to-spins, or read off the data), then
    // the defaults for it (train::default_config: Gaussian units start slower and uncentred).
    if (o.visible_type == "auto") {
      for (const CLI::Option* opt : o.gaussian_options) {
        if (opt->count() > 0) {
          throw Error(fmt::format("{}: only for --visible-type gaussian (without it the visible type "
                                  "is read off the data)",
                                  opt->get_name()));
        }
      }
    }
    if (o.visible_type != "auto") {
      visible_type = parse_unit_type(o.visible_type);
    } else if (o.data_options.binarize != "none" || o.data_options.to_spins) {
      visible_type = o.data_options.to_spins ? UnitType::spin : UnitType::bernoulli;
    } else {
      auto_typed_data = load_data(o.data, o.data_options, UnitType::bernoulli, o.seed, &req.data_file_attributes);
      try {
        visible_type = run::infer_visible_type(*auto_typed_data, o.data);
      } catch (const FileError& e) {
        throw Error(fmt::format("{} (pass --visible-type gaussian for real-valued data, or --binarize "
                                "threshold|stochastic)",
                                e.what()));
      }
    }
    req.model.visible = visible_type;
    req.model.hidden_type = o.hidden_type == "auto" ? run::default_hidden_type(visible_type)
                                                    : parse_unit_type(o.hidden_type);
    train::TrainConfig& c = req.config;
    c = train::default_config(visible_type);
    c.method = train::parse_method(o.method);
    c.steps = o.steps;
    c.tap_iterations = o.tap_iterations;
    c.tap_damping = static_cast<float>(o.tap_damping);
    c.tap_persistent = o.tap_persistent;
    c.tap_chains = o.tap_chains;
    c.tap_reseed_fraction = static_cast<float>(o.tap_reseed);
    c.pt_replicas = o.replicas;
    c.pt_beta_min = static_cast<float>(o.pt_beta_min);
    c.pt_adaptive = o.pt_adaptive;
    c.pcd_hidden_state = o.pcd_state == "hidden";
    c.epochs = o.epochs;
    c.auto_epochs = o.auto_epochs;
    c.patience = o.patience;
    c.stop_score = with_flag("--stop-score", [&] { return train::parse_stop_score(o.stop_score); });
    c.batch_size = o.batch_size;
    check_range("--shards", std::int64_t{o.shards}, 1, train::kMaxShards);
    c.shards = o.shards;
    if (o.learning_rate) c.learning_rate = static_cast<float>(*o.learning_rate);
    // --lr-schedule constant: no final rate; otherwise the given one or --learning-rate / 100.
    if (o.schedule == "constant") {
      if (o.learning_rate_final) throw Error("--learning-rate-final: not with --lr-schedule constant");
      c.learning_rate_final.reset();
    } else {
      c.schedule = train::parse_schedule(o.schedule);
      if (o.learning_rate_final) check_range("--learning-rate-final", *o.learning_rate_final, 1e-12, 1e6);
      c.learning_rate_final = o.learning_rate_final ? static_cast<float>(*o.learning_rate_final)
                                                    : train::default_final_learning_rate(c.learning_rate);
    }
    if (o.momentum == "hinton") {  // Hinton 2010 §9: 0.5 for 5 epochs, then 0.9 (TrainConfig{}'s)
      const train::TrainConfig hinton;
      c.momentum_initial = hinton.momentum_initial;
      c.momentum_final = hinton.momentum_final;
      c.momentum_switch_epoch = hinton.momentum_switch_epoch;
    } else if (o.momentum) {
      const std::optional<double> m = parse_fraction(*o.momentum);
      if (!m) throw Error(fmt::format("--momentum {}: expected a number in [0, 1) or 'hinton'", *o.momentum));
      check_range("--momentum", *m, 0.0, 0.999999);
      c.momentum_initial = c.momentum_final = static_cast<float>(*m);
    }
    c.optimizer = train::parse_optimizer(o.optimizer);
    if (o.momentum && c.optimizer == train::OptimizerKind::adam) {
      throw Error("--momentum: Adam has no momentum (its first moment decays with beta1 = 0.9)");
    }
    check_range("--warmup-epochs", std::int64_t{o.warmup_epochs}, 0, 10'000'000);
    c.warmup_epochs = o.warmup_epochs;
    if (o.centering_option->count() > 0) c.centering = o.centering;
    req.auto_symmetry = o.symmetry == "auto";
    if (!req.auto_symmetry) c.symmetry = train::parse_symmetry(o.symmetry);
    c.l1 = static_cast<float>(o.l1);
    c.l2 = static_cast<float>(o.l2);
    if (o.sparsity_target) {
      check_range("--sparsity-target", *o.sparsity_target, 1e-6, 1.0 - 1e-6);
      c.sparsity_target = static_cast<float>(*o.sparsity_target);
      c.sparsity_cost = static_cast<float>(o.sparsity_cost);
    }
    c.seed = o.seed;
    req.model.hidden = o.hidden;
    req.model.sigma = o.sigma;
    req.model.learn_sigma = o.learn_sigma;
    req.model.mask = o.mask;
    req.model.lattice = o.lattice;
    if (!o.mask.empty()) {
      if (o.lattice < 1) throw Error("--mask needs --lattice L");
      with_flag("--mask", [&] { return rg::parse_block_mask(o.mask); });
    }
    c.validate();
  }
  // Gaussian options make sense only with gaussian visible units.
  if (visible_type != UnitType::gaussian) {
    for (const CLI::Option* opt : o.gaussian_options) {
      if (opt->count() > 0) throw Error(fmt::format("{}: only for --visible-type gaussian", opt->get_name()));
    }
  } else if (!req.resume) {
    check_range("--sigma", o.sigma, 1e-3, 1e6);
  }
  req.model.standardize = o.standardize;
  if (o.standardize) check_range("--standardize-floor", o.standardize_floor, 0.0, 1.0);
  req.model.standardize_floor = o.standardize_floor;

  // Data (the seed of a resumed run is the checkpoint's, so stochastic binarization and the
  // validation split come out the same).
  req.data = auto_typed_data ? std::move(*auto_typed_data)
                             : load_data(o.data, o.data_options, visible_type, req.config.seed,
                                         &req.data_file_attributes);
  req.data_source = o.data;
  if (!o.validation.empty()) {
    if (const auto fraction = parse_fraction(o.validation)) {
      if (!(*fraction > 0.0 && *fraction < 1.0)) {
        throw Error(fmt::format("--validation {}: a fraction must be in (0, 1), or give a file", o.validation));
      }
      req.validation_fraction = *fraction;
    } else {
      req.validation = load_data(o.validation, o.data_options, visible_type,
                                 req.config.seed + kBinarizeValidationSeedOffset);
      req.validation_source = o.validation;
    }
  }
  {
    // The model spec first (a mask that does not fit the lattice is the error to report), then
    // the unit type's validity check with the CLI's hints on fixing the data.
    if (!req.resume && !o.mask.empty()) {
      run::ModelSpec any = req.model;
      any.hidden = 0;
      const Index units = run::build_model(any, req.data.cols(), o.data).n_hidden();
      if (units != o.hidden) {
        throw Error(fmt::format("--mask {} on this lattice makes {} hidden units; pass --hidden {}",
                                o.mask, units, units));
      }
    }
    const Rbm shaped = req.resume ? req.resume->rbm : run::build_model(req.model, req.data.cols(), o.data);
    check_data(shaped, req.data, o.data);
    if (req.validation.rows() > 0) check_data(shaped, req.validation, o.validation);
  }
  req.data_attributes = {{"binarize", o.data_options.binarize},
                         {"threshold", fmt::format("{}", o.data_options.threshold)},
                         {"to_spins", o.data_options.to_spins ? "true" : "false"}};
  req.checkpoint_every = o.checkpoint_every;
  req.checkpoint_path = o.checkpoint_file;
  // Under mpirun: the row shards over the ranks, the same model on every rank; rank 0 alone
  // writes the model, the log and the checkpoints, and prints (distributed.hpp, docs/scaling.md).
  req.communicator = &world();
  const bool rank0 = is_rank0();

  // The monitor log streams one line per epoch (tail -f); a resumed run appends to it.
  std::optional<train::MonitorLog> log;
  // A resumed run cuts the log back to the checkpoint's epochs, so every epoch appears once.
  if (!o.log.empty() && rank0) {
    log.emplace(o.log, req.resume.has_value(), req.resume ? req.resume->epochs_done : -1);
  }
  const int first_epoch = req.resume ? req.resume->epochs_done + 1 : 1;
  const int total = req.resume && req.resume_epochs ? *req.resume_epochs : req.config.epochs;
  Progress progress(o.quiet || !rank0, first_epoch, total);
  run::TrainCallbacks callbacks;
  callbacks.on_start = [&](const std::string& line) { progress.message("rgflow rbm train: " + line); };
  callbacks.on_batch = [&](int epoch, Index done, Index n) { progress.batch(epoch, done, n); };
  callbacks.on_epoch = [&](const train::EpochStats& s) {
    progress.epoch_done(s.epoch, run::epoch_summary(s));
    if (log) log->write(s);
  };
  // The divergence guard's lines are warnings: printed even with --quiet.
  callbacks.on_notice = [&](const std::string& line) {
    if (rank0) progress.warning("rgflow rbm train: warning: " + line);
  };
  callbacks.stop = stop_poll();
  run::TrainRun result;
  result = run::train_rbm(req, callbacks);
  if (!rank0) return;  // every rank holds the same model; one writes it
  run::Attributes attrs = result.attributes;
  for (const auto& [k, v] : provenance()) attrs[k] = v;
  io::save_rbm(o.output, result.rbm, attrs,
               result.standardization ? &*result.standardization : nullptr);
  if (o.json) {
    nlohmann::json j = result;
    j["model"] = o.output;
    print_json(j);
  } else {
    fmt::print("wrote {} ({} x {} RBM, {} epochs, {:.1f} s)\n", o.output, result.rbm.n_visible(),
               result.rbm.n_hidden(), result.epochs_done, result.seconds);
    if (const auto& c = result.convergence; c && c->stopped()) {
      fmt::print("stopped after epoch {} ({}): kept epoch {}, held-out {} score {:.5f} +- {:.5f} "
                 "nats per unit\n", result.epochs_done,
                 c->stop_reason == "converged" ? "no improvement for --patience epochs" : "--max-epochs reached",
                 c->best_epoch, train::to_string(c->best.method), c->best.score.mean, c->best.score.error);
    }
    if (result.fit) {
      const run::FitReport& f = *result.fit;
      fmt::print("fit ({} rows, {} log Z): {:.5f} +- {:.5f} nats per unit; independent units {:.5f}{}\n",
                 f.rows, estimate::to_string(f.log_z.method), f.log_likelihood.mean,
                 f.log_likelihood.error, f.independent,
                 f.exact ? fmt::format("; exact (Ising) {:.5f}", *f.exact) : std::string());
    }
  }
  if (result.fit && !result.fit->above_baseline) {
    fmt::print(stderr,
               "rgflow rbm train: warning: the model does not beat independent units on its {} rows "
               "({:.5f} +- {:.5f} vs {:.5f} nats per unit): it does not model its data\n",
               result.fit->rows, result.fit->log_likelihood.mean, result.fit->log_likelihood.error,
               result.fit->independent);
  }
}

void add_train(CLI::App& rbm) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = rbm.add_subcommand("train", "Train an RBM on a dataset (CD-k or PCD-k)");
  cmd->add_option("DATA", o->data,
                  "Training data: .h5 (/data or /spins), .npy, .csv, .amat, IDX; "
                  ".gz is read transparently")
      ->required();
  cmd->add_option("-o,--output", o->output, "Model file to write (.h5)")->required();
  o->model_options.push_back(
      cmd->add_option("--hidden", o->hidden, "Number of hidden units (required unless --resume)")
          ->check(CLI::Range(Index{1}, kMaxMatrixElements)));
  o->model_options.push_back(cmd->add_option("--visible-type", o->visible_type,
                                             "Visible units (auto: spin for -1/+1 data, bernoulli "
                                             "for 0/1 data; gaussian: real-valued data, "
                                             "docs/gaussian.md)")
                                 ->check(CLI::IsMember({"auto", "bernoulli", "spin", "gaussian"}))
                                 ->capture_default_str());
  o->model_options.push_back(cmd->add_option("--hidden-type", o->hidden_type,
                                             "Hidden units (auto: spin with spin visible units, "
                                             "else bernoulli)")
                                 ->check(CLI::IsMember({"auto", "bernoulli", "spin"}))
                                 ->capture_default_str());
  {
    CLI::Option* sigma =
        cmd->add_option("--sigma", o->sigma,
                        "Gaussian visible units: initial (or, without --learn-sigma, fixed) "
                        "standard deviation sigma of every unit")
            ->capture_default_str();
    CLI::Option* learn = cmd->add_flag("--learn-sigma", o->learn_sigma,
                                       "Gaussian visible units: learn sigma (through log sigma)");
    CLI::Option* standardize =
        cmd->add_flag("--standardize", o->standardize,
                      "Gaussian visible units: standardise each column with the training rows' "
                      "mean and standard deviation (stored in the model; give it again with "
                      "--resume)");
    CLI::Option* floor =
        cmd->add_option("--standardize-floor", o->standardize_floor,
                        "With --standardize: column scales are at least this fraction of the "
                        "mean column standard deviation (near-constant columns)")
            ->capture_default_str();
    o->model_options.push_back(sigma);
    o->model_options.push_back(learn);
    o->gaussian_options = {sigma, learn, standardize, floor};
  }
  o->model_options.push_back(
      cmd->add_option("--method", o->method,
                      "Gradient estimator: cd (contrastive divergence), pcd (persistent CD), "
                      "tap1|tap2|tap3 (EMF/TAP free energy of order 1-3), pt (parallel "
                      "tempering)")
          ->check(CLI::IsMember({"cd", "pcd", "tap1", "tap2", "tap3", "pt"}))
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--steps", o->steps, "Gibbs steps k per update (pt: PT steps = sweep + swaps)")
          ->capture_default_str());
  o->model_options.push_back(cmd->add_option("--tap-iterations", o->tap_iterations,
                                             "TAP: damped fixed-point sweeps per update")
                                 ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--tap-damping", o->tap_damping, "TAP: damping of the sweeps, in [0, 1)")
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_flag("--tap-persistent,!--no-tap-persistent", o->tap_persistent,
                    "TAP: magnetisations persist between updates or restart at the batch "
                    "(default: persistent particles collapse onto one fixed point, docs/tap.md)"));
  o->model_options.push_back(
      cmd->add_option("--tap-chains", o->tap_chains,
                      "TAP: persistent magnetisation particles (0: the batch size)")
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--tap-reseed", o->tap_reseed,
                      "TAP, persistent: re-seed the duplicates at batch rows when fewer than this "
                      "fraction of the particles are distinct, in [0, 1] (0: never)")
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--replicas", o->replicas, "PT: temperatures K on the ladder")
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--pt-beta-min", o->pt_beta_min,
                      "PT: lowest inverse temperature of the geometric ladder, in (0, 1)")
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_flag("--pt-adaptive", o->pt_adaptive,
                    "PT: adapt the ladder toward equal swap acceptance between neighbours"));
  o->model_options.push_back(
      cmd->add_option("--pcd-state", o->pcd_state,
                      "PCD: what the persistent chains carry between updates: visible samples "
                      "(Tieleman 2008) or hidden samples (scikit-learn's scheme; one product fewer "
                      "per update)")
          ->check(CLI::IsMember({"visible", "hidden"}))
          ->capture_default_str());
  cmd->add_option("--threads", o->train_threads,
                  "Threads (0: OpenMP default); the trained model does not depend on it")
      ->capture_default_str();
  o->model_options.push_back(
      cmd->add_option("--shards", o->shards,
                      "Row shards per mini-batch (cd, pcd, pt; binary units; pt: of the chains too, "
                      "every replica with its chain): their gradients are added in a fixed tree, so "
                      "under mpirun each rank forms its shards and the model is the same bits on any "
                      "number of ranks; 1 is fastest on one process (docs/scaling.md)")
          ->capture_default_str());
  o->epochs_option = cmd->add_option("--epochs", o->epochs_text,
                                     "Passes over the training data, or 'auto': stop when the "
                                     "held-out score stops improving and keep the best epoch "
                                     "(needs --validation; docs/training.md). With --resume: the "
                                     "new total (of an auto run: the new cap)")
                         ->capture_default_str();
  o->auto_options.push_back(o->model_options.emplace_back(
      cmd->add_option("--patience", o->patience,
                      "--epochs auto: stop after this many epochs without improvement")
          ->capture_default_str()));
  o->auto_options.push_back(o->model_options.emplace_back(
      cmd->add_option("--max-epochs", o->max_epochs, "--epochs auto: the cap on the epochs")
          ->capture_default_str()));
  o->auto_options.push_back(o->model_options.emplace_back(
      cmd->add_option("--stop-score", o->stop_score,
                      "--epochs auto: held-out score (auto: exact log-likelihood when the smaller "
                      "layer has <= 20 units, else AIS; exact | ais | pll)")
          ->capture_default_str()));
  o->model_options.push_back(
      cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--learning-rate", o->learning_rate,
                      fmt::format("Step size applied to the batch-mean gradient (default: {}; "
                                  "gaussian visible units: {})",
                                  kDefaults.learning_rate, train::default_config(UnitType::gaussian).learning_rate))
          ->check(positive_number()));
  o->model_options.push_back(cmd->add_option(
      "--learning-rate-final", o->learning_rate_final,
      "Move the learning rate over the epochs to this value by --lr-schedule (default: "
      "--learning-rate / 100)"));
  o->model_options.push_back(
      cmd->add_option("--lr-schedule", o->schedule,
                      "How the learning rate moves to --learning-rate-final: cosine (Loshchilov & "
                      "Hutter 2017), linear (Tieleman 2008), exponential, or constant (no decay)")
          ->check(CLI::IsMember({"cosine", "linear", "exponential", "constant"}))
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--warmup-epochs", o->warmup_epochs,
                      "Scale the learning rate of epoch e <= W by e / (W + 1) (linear warm-up)")
          ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--optimizer", o->optimizer,
                      "sgd (with --momentum) or adam (Kingma & Ba 2015; beta1 0.9, beta2 0.999)")
          ->check(CLI::IsMember({"sgd", "adam"}))
          ->capture_default_str());
  o->centering_option = o->model_options.emplace_back(cmd->add_flag(
      "--centering,!--no-centering", o->centering,
      "Centred gradients for binary units (Melchior, Fischer & Wiskott 2016): offsets are moving "
      "averages of the data means (default: on for binary visible units)"));
  o->model_options.push_back(
      cmd->add_option("--symmetry", o->symmetry,
                      "z2: tie every bias to 0 so that p(v) = p(-v) exactly (spin units); auto: z2 "
                      "when both layers are spin units and the data are symmetric under v -> -v "
                      "within errors (docs/training.md)")
          ->check(CLI::IsMember({"auto", "none", "z2"}))
          ->capture_default_str());
  o->model_options.push_back(cmd->add_option(
      "--momentum", o->momentum,
      fmt::format("Constant momentum of SGD (default: {}), or 'hinton': 0.5 for 5 epochs, then 0.9 "
                  "(Hinton 2010 §9)",
                  kDefaults.momentum_final)));
  o->model_options.push_back(
      cmd->add_option("--l1", o->l1, "L1 weight cost")->capture_default_str());
  o->model_options.push_back(cmd->add_option("--l2", o->l2, "L2 weight cost (Hinton suggests 1e-4)")
                                 ->capture_default_str());
  o->model_options.push_back(
      cmd->add_option("--sparsity-target", o->sparsity_target, "Target mean hidden activity q"));
  o->model_options.push_back(
      cmd->add_option("--sparsity-cost", o->sparsity_cost, "Weight of the sparsity penalty")
          ->capture_default_str());
  cmd->add_option("--validation", o->validation,
                  "Validation data: a fraction of DATA held out at random (e.g. 0.1) or a file; "
                  "enables the free-energy overfitting monitor");
  o->model_options.push_back(
      cmd->add_option("--seed", o->seed, "Random seed (initialisation, batches, chains, splits)")
          ->capture_default_str());
  o->model_options.push_back(cmd->add_option(
      "--mask", o->mask,
      "Locally connected RBM: block:B[,halo:H][,units:U] — each hidden unit sees one B x B block "
      "(plus a halo of H sites) of the --lattice; masked weights stay exactly 0"));
  o->model_options.push_back(cmd->add_option(
      "--lattice", o->lattice, "L for --mask: the data are an L x L lattice (or a ring of L sites)"));
  o->data_options.add_to(*cmd);
  cmd->add_option("--log", o->log, "Per-epoch monitors to FILE.csv or FILE.jsonl");
  cmd->add_option("--checkpoint-every", o->checkpoint_every,
                  "Write a checkpoint every N epochs (0: never)")
      ->capture_default_str();
  cmd->add_option("--checkpoint-file", o->checkpoint_file,
                  "Checkpoint path (default: OUTPUT with .checkpoint.h5)");
  cmd->add_option("--resume", o->resume,
                  "Continue from a checkpoint (its hyper-parameters and seed are used)");
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress output on stderr");
  cmd->callback([o] { run_train(*o); });
}

// ---------------------------------------------------------------------------------------------
// rbm logz / loglik

nlohmann::json model_json(const std::string& path, const Rbm& rbm) {
  return {{"path", path},
          {"n_visible", rbm.n_visible()},
          {"n_hidden", rbm.n_hidden()},
          {"visible_type", std::string(to_string(rbm.visible_type()))},
          {"hidden_type", std::string(to_string(rbm.hidden_type()))}};
}

// The estimator options shared by `rbm logz` and `rbm loglik` (estimate/log_partition.hpp).
struct EstimatorOptions {
  std::string method = "exact";
  int threads = 0;
  int chains = 100;
  std::int64_t betas = 0;  // 0: Salakhutdinov & Murray's schedule (14,501 temperatures)
  std::uint64_t seed = 0;
  int tap_iterations = 500;
  double tap_damping = 0.5;
  bool quiet = false;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--method", method,
                   "Estimator: exact (enumerates the smaller layer, <= 32 units), ais, "
                   "reverse-ais (needs data), tap1, tap2, tap3 (TAP free energy, approximate)")
        ->check(CLI::IsMember({"exact", "ais", "reverse-ais", "tap1", "tap2", "tap3"}))
        ->capture_default_str();
    cmd.add_option("--chains", chains, "AIS: independent annealing runs")->capture_default_str();
    cmd.add_option("--betas", betas,
                   "AIS: number of temperatures in a linear schedule (0: the Salakhutdinov & "
                   "Murray schedule, 14,501 temperatures)")
        ->capture_default_str();
    cmd.add_option("--seed", seed, "AIS: seed of the annealing chains (and --binarize stochastic)")
        ->capture_default_str();
    cmd.add_option("--tap-iterations", tap_iterations, "TAP: maximum fixed-point sweeps")
        ->capture_default_str();
    cmd.add_option("--tap-damping", tap_damping, "TAP: damping of the fixed-point iteration in [0,1)")
        ->capture_default_str();
    cmd.add_option("--threads", threads, "Threads (0: OpenMP default; results do not depend on it)")
        ->capture_default_str();
    cmd.add_flag("-q,--quiet", quiet, "No progress on stderr (--json is quiet too)");
  }

  // The library's options, with each range checked against the flag that sets it.
  estimate::LogZOptions options() const {
    check_range("--chains", std::int64_t{chains}, 2, 1000000);
    check_range("--betas", betas, 0, 100000000);
    if (betas == 1) throw Error("--betas: at least 2 temperatures (0: default schedule)");
    check_range("--tap-iterations", std::int64_t{tap_iterations}, 1, 100000000);
    check_range("--tap-damping", tap_damping, 0.0, 0.999999);
    check_range("--threads", std::int64_t{threads}, 0, 1024);
    estimate::LogZOptions o;
    o.method = estimate::parse_log_z_method(method);
    o.ais.chains = chains;
    o.ais.seed = seed;
    o.ais.threads = threads;
    if (betas > 0) o.ais.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(betas));
    o.tap.max_iterations = tap_iterations;
    o.tap.damping = tap_damping;
    o.threads = threads;
    o.stop = stop_poll();
    // Under mpirun: AIS chains and exact-enumeration chunks over the ranks, the same bits as one
    // process (distributed.hpp, docs/scaling.md).
    o.communicator = &world();
    return o;
  }
};

struct LogzOptions {
  std::string model;
  std::string data;
  EstimatorOptions estimator;
  DataOptions data_options;
  bool json = false;
};

void run_logz(const LogzOptions& o) {
  estimate::LogZOptions options = o.estimator.options();
  if (options.method == estimate::LogZMethod::reverse_ais && o.data.empty()) {
    throw Error("--method reverse-ais starts its chains from data rows: pass --data FILE");
  }
  const run::Model model = run::load_model(o.model);
  MatrixF data;
  if (!o.data.empty()) {
    data = load_data(o.data, o.data_options, model.rbm.visible_type(), o.estimator.seed);
    check_data(model.rbm, data, o.data);
  }
  run::LogZRun r;
  {
    TaskProgress progress(fmt::format("rgflow rbm logz ({})", o.estimator.method),
                          o.estimator.quiet || o.json || !is_rank0());
    options.progress = [&progress](std::int64_t done, std::int64_t total) { progress(done, total); };
    const InterruptScope interrupts;  // Ctrl-C: Cancelled, nothing printed, exit 130 (main)
    r = run::log_partition(model, options, o.data.empty() ? nullptr : &data);
    throw_if_cancelled();
  }
  if (!is_rank0()) return;  // every rank holds the result; one prints it
  if (o.json) {
    nlohmann::json j = r;
    j["model"] = model_json(o.model, model.rbm);
    if (!o.data.empty()) j["data"] = o.data;
    print_json(j);
  } else {
    fmt::print("log Z = {:.10g} ± {:.2g} ({}, nats; {:.3f} s)\n", r.estimate.log_z.mean,
               r.estimate.log_z.error, estimate::to_string(r.estimate.method), r.seconds);
  }
}

void add_logz(CLI::App& rbm) {
  auto o = std::make_shared<LogzOptions>();
  CLI::App* cmd = rbm.add_subcommand("logz", "Log partition function log Z of a model");
  cmd->add_option("MODEL", o->model, "Model file (.h5)")->required();
  cmd->add_option("--data", o->data,
                  "Data for AIS's base-rate model, reverse-AIS starts and TAP starts (optional)");
  o->estimator.add_to(*cmd);
  o->data_options.add_to(*cmd);
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
  cmd->callback([o] { run_logz(*o); });
}

struct LoglikOptions {
  std::string model;
  std::string data;
  EstimatorOptions estimator;
  DataOptions data_options;
  bool json = false;
};

void run_loglik(const LoglikOptions& o) {
  estimate::LogZOptions options = o.estimator.options();
  const run::Model model = run::load_model(o.model);
  const MatrixF data = load_data(o.data, o.data_options, model.rbm.visible_type(), o.estimator.seed);
  check_data(model.rbm, data, o.data);
  run::LikelihoodRun r;
  {
    TaskProgress progress(fmt::format("rgflow rbm loglik (log Z by {})", o.estimator.method),
                          o.estimator.quiet || o.json || !is_rank0());
    options.progress = [&progress](std::int64_t done, std::int64_t total) { progress(done, total); };
    const InterruptScope interrupts;  // Ctrl-C: Cancelled, nothing printed, exit 130 (main)
    r = run::log_likelihood(model, data, options);
    throw_if_cancelled();
  }
  if (!is_rank0()) return;  // every rank holds the result; one prints it
  if (o.json) {
    nlohmann::json j = r;
    j["model"] = model_json(o.model, model.rbm);
    j["data"] = o.data;
    print_json(j);
  } else {
    fmt::print("log-likelihood = {:.6f} ± {:.6f} nats per sample{} ({} samples; log Z = {:.10g} ± "
               "{:.2g}, {}; {:.3f} s)\n",
               r.log_likelihood.mean, r.log_likelihood.error,
               r.density ? " (continuous density)" : "", r.samples, r.log_z.estimate.log_z.mean,
               r.log_z.estimate.log_z.error, estimate::to_string(r.log_z.estimate.method),
               r.log_z.seconds);
  }
}

void add_loglik(CLI::App& rbm) {
  auto o = std::make_shared<LoglikOptions>();
  CLI::App* cmd =
      rbm.add_subcommand("loglik", "Average log-likelihood per sample of data under a model");
  cmd->add_option("MODEL", o->model, "Model file (.h5)")->required();
  cmd->add_option("DATA", o->data, "Data file (same formats as rbm train)")->required();
  o->estimator.add_to(*cmd);
  o->data_options.add_to(*cmd);
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
  cmd->callback([o] { run_loglik(*o); });
}

// ---------------------------------------------------------------------------------------------
// rbm sample / filters

struct SampleOptions {
  std::string model;
  std::string output;
  std::int64_t samples = 100;
  std::int64_t gibbs_steps = 1000;
  std::uint64_t seed = 0;
  std::string method = "gibbs";  // gibbs | pt (parallel tempering)
  int replicas = 10;
  double pt_beta_min = 0.1;
  int png_scale = io::kAutoPngScale;
  bool json = false;
};

void run_sample(const SampleOptions& o) {
  const InterruptScope interrupts;  // Ctrl-C: Cancelled between steps, exit 130, nothing written
  check_output_path(o.output, {".h5", ".hdf5", ".png"});
  check_not_input("-o", o.output, {o.model});
  check_range("--samples", o.samples, 1, kMaxMatrixElements);
  check_range("--gibbs-steps", o.gibbs_steps, 0, 100'000'000);
  const run::Model model = run::load_model(o.model);
  const Index width = std::max(model.rbm.n_visible(), model.rbm.n_hidden());
  if (o.samples > kMaxMatrixElements / width) {
    throw Error(fmt::format("--samples {}: {} samples of {} units are too many (limit {} values)",
                            o.samples, o.samples, width, kMaxMatrixElements));
  }
  sample::ChainOptions options;
  options.samples = o.samples;
  options.gibbs_steps = o.gibbs_steps;
  options.seed = o.seed;
  options.method = sample::parse_chain_method(o.method);
  if (options.method == sample::ChainMethod::tempering) {
    check_range("--replicas", std::int64_t{o.replicas}, 2, 10'000);
    if (o.replicas < world().size()) {
      throw Error(fmt::format("--replicas {}: parallel tempering over {} ranks needs at least one "
                              "replica per rank (more replicas, or fewer ranks)",
                              o.replicas, world().size()));
    }
    check_range("--pt-beta-min", o.pt_beta_min, 1e-6, 0.999999);
    if (o.samples > kMaxMatrixElements / o.replicas / width) {
      throw Error(fmt::format("--samples {} x --replicas {}: too many states", o.samples, o.replicas));
    }
  }
  options.replicas = o.replicas;
  options.beta_min = o.pt_beta_min;
  options.stop = stop_poll();
  // Under mpirun: Gibbs groups of chains, or the PT ladder's replicas, over the ranks; the same
  // bits as one process (sample/chains.hpp, docs/scaling.md). Every rank holds the samples; rank 0
  // writes and prints.
  options.communicator = &world();
  run::SampleRun r;
  r = run::sample(model, options);
  throw_if_cancelled();
  if (!is_rank0()) return;
  run::save_samples(o.output, model, r, provenance(), o.png_scale);
  if (o.json) {
    nlohmann::json j = r;
    j["output"] = o.output;
    j["model"] = model_json(o.model, model.rbm);
    print_json(j);
  } else {
    fmt::print("wrote {} ({} samples, {} Gibbs steps, seed {}; {:.2f} s)\n", o.output, o.samples,
               o.gibbs_steps, o.seed, r.seconds);
  }
}

void add_sample(CLI::App& rbm) {
  auto o = std::make_shared<SampleOptions>();
  CLI::App* cmd = rbm.add_subcommand("sample", "Draw visible samples by block Gibbs sampling");
  cmd->add_option("MODEL", o->model, "Model file (.h5)")->required();
  cmd->add_option("-o,--output", o->output,
                  "OUT.h5 (/data [N, D], or /spins [N, L, L] for spin units on an L x L "
                  "lattice) or OUT.png (a mosaic)")
      ->required();
  cmd->add_option("--samples", o->samples, "Number of independent chains (one sample each)")
      ->capture_default_str();
  cmd->add_option("--gibbs-steps", o->gibbs_steps, "Gibbs steps per chain from a random start")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--method", o->method,
                  "gibbs (independent block-Gibbs chains) or pt (parallel tempering: each chain "
                  "has --replicas tempered copies; a step is a sweep of all plus neighbour swaps)")
      ->check(CLI::IsMember({"gibbs", "pt"}))
      ->capture_default_str();
  cmd->add_option("--replicas", o->replicas, "PT: temperatures on the geometric ladder")
      ->capture_default_str();
  cmd->add_option("--pt-beta-min", o->pt_beta_min, "PT: lowest inverse temperature, in (0, 1)")
      ->capture_default_str();
  add_png_scale(*cmd, o->png_scale);
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
  cmd->callback([o] { run_sample(*o); });
}

struct FiltersOptions {
  std::string model;
  std::string output;
  int png_scale = io::kAutoPngScale;
};

void run_filters(const FiltersOptions& o) {
  check_output_path(o.output, {".png"});
  const Rbm rbm = io::load_rbm(o.model);
  io::write_receptive_fields(o.output, rbm.weights(), o.png_scale);
  fmt::print("wrote {} ({} receptive fields of {} visible units)\n", o.output, rbm.n_hidden(),
             rbm.n_visible());
}

void add_filters(CLI::App& rbm) {
  auto o = std::make_shared<FiltersOptions>();
  CLI::App* cmd =
      rbm.add_subcommand("filters", "Save the receptive fields (columns of W) as a PNG mosaic");
  cmd->add_option("MODEL", o->model, "Model file (.h5)")->required();
  cmd->add_option("-o,--output", o->output, "PNG file to write")->required();
  add_png_scale(*cmd, o->png_scale);
  cmd->callback([o] { run_filters(*o); });
}

}  // namespace

void add_rbm_commands(CLI::App& app) {
  CLI::App* rbm =
      app.add_subcommand("rbm", "Train, evaluate and sample restricted Boltzmann machines")
          ->require_subcommand(1);
  add_train(*rbm);
  add_logz(*rbm);
  add_loglik(*rbm);
  add_sample(*rbm);
  add_filters(*rbm);
}

}  // namespace rgflow::cli
