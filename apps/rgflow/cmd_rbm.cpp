// rgflow rbm train | logz | loglik | sample | filters
#include <fmt/format.h>

#include <chrono>
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
#include "interrupt.hpp"
#include "progress.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/estimate/tap_gaussian.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/io/standardize.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/rg/local_mask.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/monitor_log.hpp"
#include "rgflow/train/tempering.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow::cli {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Rng stream ids used by the CLI itself (the trainer uses its own, derived from the same seed).
constexpr std::uint64_t kValidationSplitStream = 0x53504c4954;  // "SPLIT"
constexpr std::uint64_t kBinarizeValidationSeedOffset = 1;

// ---------------------------------------------------------------------------------------------
// rbm train

struct TrainOptions {
  std::string data;
  std::string output;
  Index hidden = 0;
  std::string visible_type = "bernoulli";
  std::string hidden_type = "bernoulli";
  // Gaussian visible units (docs/gaussian.md): initial σ, whether it is learned, and per-column
  // standardisation of the data (a data option: give it again with --resume).
  double sigma = 1.0;
  bool learn_sigma = false;
  bool standardize = false;
  double standardize_floor = 0.1;
  std::string method = "cd";
  int steps = 1;
  // TAP / EMF (--method tap1|tap2|tap3) and parallel tempering (--method pt).
  int tap_iterations = 3;
  double tap_damping = 0.5;
  bool tap_persistent = true;
  Index tap_chains = 0;
  int replicas = 10;
  double pt_beta_min = 0.1;
  bool pt_adaptive = false;
  std::string pcd_state = "visible";
  int train_threads = 0;
  int epochs = 10;
  Index batch_size = 100;
  double learning_rate = 0.05;
  std::optional<double> learning_rate_final;
  std::optional<double> momentum;
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
  // Options that set hyper-parameters, which a resumed run takes from its checkpoint instead.
  std::vector<CLI::Option*> model_options;
  // Options valid only for gaussian visible units.
  std::vector<CLI::Option*> gaussian_options;
};

nlohmann::json epoch_json(const train::EpochStats& s) {
  nlohmann::json j;
  train::to_json(j, s);
  return j;
}

std::string epoch_summary(const train::EpochStats& s) {
  std::string line = fmt::format("recon {:.4f}", s.reconstruction_error);
  if (!std::isnan(s.pseudo_log_likelihood.mean)) {  // none for Gaussian visible units
    line += fmt::format("  PLL {:.3f} ± {:.3f}", s.pseudo_log_likelihood.mean,
                        s.pseudo_log_likelihood.error);
  }
  line += fmt::format("  F(train) {:.3f}", s.free_energy_train);
  if (s.free_energy_validation) line += fmt::format("  F(valid) {:.3f}", *s.free_energy_validation);
  if (s.free_energy_gap) line += fmt::format("  gap {:+.3f}", *s.free_energy_gap);
  return line;
}

// Splits off a random `fraction` of the rows (a seeded permutation) as validation data.
void split_validation(MatrixF& data, double fraction, std::uint64_t seed, MatrixF& validation,
                      const std::string& path) {
  const Index n = data.rows();
  const auto n_val = static_cast<Index>(std::llround(fraction * static_cast<double>(n)));
  if (n_val < 1 || n_val >= n) {
    throw FileError(path, fmt::format("--validation {} leaves {} of {} rows for validation; need "
                                      "at least one row on each side",
                                      fraction, n_val, n));
  }
  std::vector<Index> perm(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  Rng rng(seed, kValidationSplitStream);
  for (Index i = n - 1; i > 0; --i) {
    const auto j = static_cast<Index>(rng.below(static_cast<std::uint64_t>(i) + 1));
    std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
  }
  // Validation rows: the first n_val of the permutation, kept in their file order.
  std::vector<bool> is_val(static_cast<std::size_t>(n), false);
  for (Index i = 0; i < n_val; ++i)
    is_val[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] = true;
  MatrixF train(n - n_val, data.cols());
  validation.resize(n_val, data.cols());
  Index t = 0, v = 0;
  for (Index r = 0; r < n; ++r) {
    if (is_val[static_cast<std::size_t>(r)])
      validation.row(v++) = data.row(r);
    else
      train.row(t++) = data.row(r);
  }
  data.swap(train);
}

std::optional<double> parse_fraction(const std::string& s) {
  try {
    std::size_t used = 0;
    const double x = std::stod(s, &used);
    if (used == s.size()) return x;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// Every training parameter as a string attribute (so that h5py shows them one by one), plus the
// whole configuration as JSON.
std::map<std::string, std::string> config_attributes(const train::TrainConfig& config) {
  std::map<std::string, std::string> attrs = provenance();
  nlohmann::json j = config;
  for (const auto& [key, value] : j.items()) {
    attrs[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  attrs["train_config"] = j.dump();
  return attrs;
}

void run_train(TrainOptions& o) {
  const auto t0 = Clock::now();
  // Ctrl-C: Cancelled at the next mini-batch, exit 130 (main); the model is written only at the
  // end and checkpoints atomically, so nothing partial is left.
  const InterruptScope interrupts;
  check_range("--threads", std::int64_t{o.train_threads}, 0, 1024);
  if (o.train_threads > 0) omp_set_num_threads(o.train_threads);
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("-o", o.output, {o.data, o.validation, o.resume});
  if (!o.log.empty()) {
    check_output_path(o.log, {".csv", ".jsonl"});
    check_not_input("--log", o.log, {o.data, o.validation});  // it would truncate the data
  }
  if (o.checkpoint_every < 0)
    throw Error(fmt::format("--checkpoint-every {}: must be >= 0", o.checkpoint_every));
  if (o.checkpoint_every > 0 && o.checkpoint_file.empty()) {
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

  // Model shape and configuration: from the options, or from the checkpoint when resuming.
  std::optional<train::Checkpoint> checkpoint;
  train::TrainConfig config;
  UnitType visible_type{};
  UnitType hidden_type{};
  if (!o.resume.empty()) {
    for (const CLI::Option* opt : o.model_options) {
      if (opt->count() > 0) {
        throw Error(
            fmt::format("{}: cannot be changed when resuming; the checkpoint {} holds the "
                        "model and training parameters (only --epochs may be raised)",
                        opt->get_name(), o.resume));
      }
    }
    checkpoint = train::load_checkpoint(o.resume);
    config = checkpoint->config;
    if (o.epochs_option != nullptr && o.epochs_option->count() > 0) {
      if (o.epochs < checkpoint->epochs_done) {
        throw FileError(o.resume, fmt::format("--epochs {} is less than the {} epochs already done",
                                              o.epochs, checkpoint->epochs_done));
      }
      config.epochs = o.epochs;
      checkpoint->config.epochs = o.epochs;
    }
    visible_type = checkpoint->rbm.visible_type();
    hidden_type = checkpoint->rbm.hidden_type();
  } else {
    if (o.hidden == 0) throw Error("--hidden is required (number of hidden units)");
    check_range("--hidden", o.hidden, 1, kMaxMatrixElements);
    check_range("--steps", std::int64_t{o.steps}, 1, 1'000'000);
    check_range("--epochs", std::int64_t{o.epochs}, 1, 10'000'000);
    check_range("--batch-size", o.batch_size, 1, kMaxMatrixElements);
    check_range("--learning-rate", o.learning_rate, 0.0, 1e6);
    check_range("--l1", o.l1, 0.0, 1e6);
    check_range("--l2", o.l2, 0.0, 1e6);
    visible_type = parse_unit_type(o.visible_type);
    hidden_type = parse_unit_type(o.hidden_type);
    config.method = train::parse_method(o.method);
    config.steps = o.steps;
    check_range("--tap-iterations", std::int64_t{o.tap_iterations}, 1, 1'000'000);
    check_range("--tap-damping", o.tap_damping, 0.0, 0.999999);
    check_range("--tap-chains", o.tap_chains, 0, kMaxMatrixElements);
    check_range("--replicas", std::int64_t{o.replicas}, 2, 10'000);
    check_range("--pt-beta-min", o.pt_beta_min, 1e-6, 0.999999);
    config.tap_iterations = o.tap_iterations;
    config.tap_damping = static_cast<float>(o.tap_damping);
    config.tap_persistent = o.tap_persistent;
    config.tap_chains = o.tap_chains;
    config.pt_replicas = o.replicas;
    config.pt_beta_min = static_cast<float>(o.pt_beta_min);
    config.pt_adaptive = o.pt_adaptive;
    config.pcd_hidden_state = o.pcd_state == "hidden";
    config.epochs = o.epochs;
    config.batch_size = o.batch_size;
    config.learning_rate = static_cast<float>(o.learning_rate);
    if (o.learning_rate_final) {
      check_range("--learning-rate-final", *o.learning_rate_final, 1e-12, 1e6);
      config.learning_rate_final = static_cast<float>(*o.learning_rate_final);
    }
    if (o.momentum) {
      check_range("--momentum", *o.momentum, 0.0, 0.999999);
      config.momentum_initial = config.momentum_final = static_cast<float>(*o.momentum);
    }
    config.l1 = static_cast<float>(o.l1);
    config.l2 = static_cast<float>(o.l2);
    if (o.sparsity_target) {
      check_range("--sparsity-target", *o.sparsity_target, 1e-6, 1.0 - 1e-6);
      config.sparsity_target = static_cast<float>(*o.sparsity_target);
      config.sparsity_cost = static_cast<float>(o.sparsity_cost);
    }
    config.seed = o.seed;
    config.validate();
  }

  // Gaussian options make sense only with gaussian visible units.
  if (visible_type != UnitType::gaussian) {
    for (const CLI::Option* opt : o.gaussian_options) {
      if (opt->count() > 0) {
        throw Error(fmt::format("{}: only for --visible-type gaussian", opt->get_name()));
      }
    }
  } else if (!checkpoint) {
    check_range("--sigma", o.sigma, 1e-3, 1e6);
  }

  // Data (the seed of a resumed run is the checkpoint's, so stochastic binarization and the
  // validation split come out the same).
  MatrixF data = load_data(o.data, o.data_options, visible_type, config.seed);
  MatrixF validation;
  std::string validation_source;
  if (!o.validation.empty()) {
    if (const auto fraction = parse_fraction(o.validation)) {
      if (!(*fraction > 0.0 && *fraction < 1.0)) {
        throw Error(fmt::format("--validation {}: a fraction must be in (0, 1), or give a file",
                                o.validation));
      }
      split_validation(data, *fraction, config.seed, validation, o.data);
      validation_source = fmt::format("{} of {}", o.validation, o.data);
    } else {
      validation = load_data(o.validation, o.data_options, visible_type,
                             config.seed + kBinarizeValidationSeedOffset);
      validation_source = o.validation;
    }
  }

  const Index n_visible = checkpoint ? checkpoint->rbm.n_visible() : data.cols();
  const Index n_hidden = checkpoint ? checkpoint->rbm.n_hidden() : o.hidden;
  if (n_visible > kMaxMatrixElements / n_hidden) {
    throw Error(fmt::format("--hidden {}: a {} x {} weight matrix is too large (limit {} weights)",
                            n_hidden, n_visible, n_hidden, kMaxMatrixElements));
  }
  if (checkpoint && data.cols() != n_visible) {
    throw FileError(o.data, fmt::format("data have {} columns but the checkpoint {} has {} visible "
                                        "units",
                                        data.cols(), o.resume, n_visible));
  }
  Rbm rbm = checkpoint ? checkpoint->rbm : Rbm(n_visible, n_hidden, visible_type, hidden_type);
  if (!checkpoint && visible_type == UnitType::gaussian) {
    rbm.visible_sigma().setConstant(static_cast<float>(o.sigma));
    rbm.set_learn_sigma(o.learn_sigma);
  }
  if (!checkpoint && !o.mask.empty()) {
    if (o.lattice < 1) throw Error("--mask needs --lattice L");
    const rg::Lattice lattice = Index{o.lattice} * o.lattice == n_visible ? rg::Lattice::square(o.lattice)
                                : o.lattice == n_visible               ? rg::Lattice::chain(o.lattice)
                                                                       : rg::Lattice{};
    if (lattice.lx == 0) {
      throw FileError(o.data, fmt::format("--lattice {}: the data have {} columns, neither {} nor {}",
                                          o.lattice, n_visible, Index{o.lattice} * o.lattice, o.lattice));
    }
    MatrixF mask = rg::block_mask(lattice, rg::parse_block_mask(o.mask));
    if (mask.cols() != n_hidden) {
      throw Error(fmt::format("--mask {} on this lattice makes {} hidden units; pass --hidden {}",
                              o.mask, mask.cols(), mask.cols()));
    }
    rbm.set_mask(std::move(mask));
  }
  check_data(rbm, data, o.data);
  if (validation.rows() > 0) {
    check_data(rbm, validation, o.validation.empty() ? o.data : o.validation);
  }
  // Standardisation with the training rows' statistics, applied to train and validation rows.
  std::optional<io::Standardization> standardization;
  if (o.standardize) {
    check_range("--standardize-floor", o.standardize_floor, 0.0, 1.0);
    standardization = io::fit_standardization(data, o.standardize_floor);
    io::apply_standardization(*standardization, data);
    if (validation.rows() > 0) io::apply_standardization(*standardization, validation);
  }
  if (data.rows() < 1) throw FileError(o.data, "no training rows");

  const MatrixF* validation_ptr = validation.rows() > 0 ? &validation : nullptr;
  std::unique_ptr<train::Trainer> trainer =
      checkpoint ? std::make_unique<train::Trainer>(rbm, *checkpoint, data, validation_ptr)
                 : std::make_unique<train::Trainer>(rbm, config, data, validation_ptr);

  // The monitor log streams one line per epoch (tail -f); a resumed run appends to it.
  std::optional<train::MonitorLog> log;
  if (!o.log.empty()) log.emplace(o.log, checkpoint.has_value(), checkpoint ? checkpoint->epochs_done : -1);
  Progress progress(o.quiet, trainer->epochs_done() + 1, trainer->config().epochs);
  progress.message(fmt::format(
      "rgflow rbm train: {} rows x {} visible ({}), {} hidden ({}), {}-{}, {} epochs, batch {}, "
      "lr {}, seed {}{}",
      data.rows(), n_visible, to_string(rbm.visible_type()), n_hidden, to_string(rbm.hidden_type()),
      train::to_string(trainer->config().method), trainer->config().steps, trainer->config().epochs,
      trainer->config().batch_size, trainer->config().learning_rate, trainer->config().seed,
      checkpoint ? fmt::format(", resuming after epoch {}", checkpoint->epochs_done) : ""));

  std::optional<train::EpochStats> last;
  nlohmann::json epochs = nlohmann::json::array();
  while (!trainer->finished()) {
    const int epoch = trainer->epochs_done() + 1;
    train::EpochStats s = trainer->run_epoch([&](Index done, Index total) {
      throw_if_cancelled();
      progress.batch(epoch, done, total);
    });
    throw_if_cancelled();
    progress.epoch_done(s.epoch, epoch_summary(s));
    if (log) log->write(s);
    epochs.push_back(epoch_json(s));
    last = s;
    if (o.checkpoint_every > 0 && trainer->epochs_done() % o.checkpoint_every == 0) {
      train::save_checkpoint(o.checkpoint_file, trainer->checkpoint());
    }
  }

  std::map<std::string, std::string> attrs = config_attributes(trainer->config());
  attrs["data"] = o.data;
  attrs["training_rows"] = std::to_string(data.rows());
  attrs["validation"] = validation_source;
  attrs["binarize"] = o.data_options.binarize;
  attrs["threshold"] = fmt::format("{}", o.data_options.threshold);
  attrs["to_spins"] = o.data_options.to_spins ? "true" : "false";
  if (!o.mask.empty()) {
    attrs["mask"] = o.mask;
    attrs["lattice"] = std::to_string(o.lattice);
  }
  attrs["epochs_done"] = std::to_string(trainer->epochs_done());
  if (checkpoint) attrs["resumed_from"] = o.resume;
  if (rbm.visible_type() == UnitType::gaussian) {
    attrs["standardize"] = o.standardize ? "true" : "false";
    if (o.standardize) attrs["standardize_floor"] = fmt::format("{}", o.standardize_floor);
    if (!checkpoint) attrs["sigma_initial"] = fmt::format("{}", o.sigma);
  }
  io::save_rbm(o.output, rbm, attrs, standardization ? &*standardization : nullptr);

  const double seconds = seconds_since(t0);
  if (o.json) {
    nlohmann::json j{{"model", o.output},
                     {"n_visible", rbm.n_visible()},
                     {"n_hidden", rbm.n_hidden()},
                     {"visible_type", std::string(to_string(rbm.visible_type()))},
                     {"hidden_type", std::string(to_string(rbm.hidden_type()))},
                     {"training_rows", data.rows()},
                     {"validation_rows", validation.rows()},
                     {"config", trainer->config()},
                     {"epochs_done", trainer->epochs_done()},
                     {"epochs", epochs},
                     {"final", last ? epoch_json(*last) : nlohmann::json(nullptr)},
                     {"time", {{"seconds", seconds}}}};
    print_json(j);
  } else {
    fmt::print("wrote {} ({} x {} RBM, {} epochs, {:.1f} s)\n", o.output, rbm.n_visible(),
               rbm.n_hidden(), trainer->epochs_done(), seconds);
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
                                             "Visible units (gaussian: real-valued data, "
                                             "docs/gaussian.md)")
                                 ->check(CLI::IsMember({"bernoulli", "spin", "gaussian"}))
                                 ->capture_default_str());
  o->model_options.push_back(cmd->add_option("--hidden-type", o->hidden_type, "Hidden units")
                                 ->check(CLI::IsMember({"bernoulli", "spin"}))
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
                    "TAP: magnetisations persist between updates (default) or restart at the batch"));
  o->model_options.push_back(
      cmd->add_option("--tap-chains", o->tap_chains,
                      "TAP: persistent magnetisation particles (0: the batch size)")
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
  o->epochs_option = cmd->add_option("--epochs", o->epochs,
                                     "Passes over the training data (with "
                                     "--resume: the new total)")
                         ->capture_default_str();
  o->model_options.push_back(
      cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")->capture_default_str());
  o->model_options.push_back(cmd->add_option("--learning-rate", o->learning_rate,
                                             "Step size applied to the batch-mean gradient")
                                 ->check(positive_number())
                                 ->capture_default_str());
  o->model_options.push_back(cmd->add_option(
      "--learning-rate-final", o->learning_rate_final,
      "Decay the learning rate linearly over the epochs to this value (Tieleman 2008; default: constant)"));
  o->model_options.push_back(
      cmd->add_option("--momentum", o->momentum,
                      "Constant momentum (default: 0.5 for epochs 1-5, then 0.9; Hinton 2010 §9)"));
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

void check_exact_possible(const Rbm& rbm, const std::string& path) {
  // Gaussian visible units: the hidden layer is enumerated, v integrated in closed form.
  if (rbm.visible_type() == UnitType::gaussian && rbm.n_hidden() > estimate::kMaxExactUnits) {
    throw FileError(path, fmt::format("exact log Z of a gaussian model enumerates the hidden layer, "
                                      "at most {} units; this model has {}",
                                      estimate::kMaxExactUnits, rbm.n_hidden()));
  }
  if (std::min(rbm.n_visible(), rbm.n_hidden()) > estimate::kMaxExactUnits) {
    throw FileError(path, fmt::format("exact enumeration needs a layer of at most {} units; this "
                                      "model is {} x {}",
                                      estimate::kMaxExactUnits, rbm.n_visible(), rbm.n_hidden()));
  }
}

nlohmann::json model_json(const std::string& path, const Rbm& rbm) {
  return {{"path", path},
          {"n_visible", rbm.n_visible()},
          {"n_hidden", rbm.n_hidden()},
          {"visible_type", std::string(to_string(rbm.visible_type()))},
          {"hidden_type", std::string(to_string(rbm.hidden_type()))}};
}

// The log Z estimators shared by `rbm logz` and `rbm loglik`.
struct EstimatorOptions {
  std::string method = "exact";
  int threads = 0;
  int chains = 100;
  std::int64_t betas = 0;  // 0: Salakhutdinov & Murray's schedule (14,501 temperatures)
  std::uint64_t seed = 0;
  int tap_iterations = 500;
  double tap_damping = 0.5;

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
  }
};

struct LogzEstimate {
  stats::Result log_z;
  nlohmann::json details = nlohmann::json::object();
};

// log Z of `rbm` by the chosen method. `data` (may be null) fits AIS's base-rate model, starts
// reverse AIS chains and seeds the TAP fixed-point search.
LogzEstimate estimate_log_z(const Rbm& rbm, const std::string& model_path,
                            const EstimatorOptions& o, const MatrixF* data) {
  LogzEstimate out;
  if (o.method == "exact") {
    check_exact_possible(rbm, model_path);
    out.log_z = stats::Result::exact(
        estimate::exact_log_partition(rbm, estimate::EnumerateLayer::automatic, o.threads,
                                      stop_poll()));
    return out;
  }
  if (o.method == "ais" || o.method == "reverse-ais") {
    check_range("--chains", std::int64_t{o.chains}, 2, 1000000);
    check_range("--betas", o.betas, 0, 100000000);
    if (o.betas == 1) throw Error("--betas: at least 2 temperatures (0: default schedule)");
    estimate::AisOptions ais;
    ais.chains = o.chains;
    ais.seed = o.seed;
    ais.threads = o.threads;
    ais.stop = stop_poll();
    if (o.betas > 0) ais.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(o.betas));
    // Base model: the data's visible marginals when data are given, else the uniform model.
    const Rbm base = data != nullptr ? estimate::base_rate_model(rbm, *data)
                                     : Rbm(rbm.n_visible(), 1, rbm.visible_type(), rbm.hidden_type());
    estimate::AisResult r;
    if (o.method == "ais") {
      r = estimate::ais_log_partition(rbm, base, ais);
    } else {
      if (data == nullptr) {
        throw Error("--method reverse-ais starts its chains from data rows: pass --data FILE");
      }
      r = estimate::reverse_ais_log_partition(rbm, base, *data, ais);
    }
    out.log_z = r.log_z;
    out.details = {{"log_z_lower_3sigma", r.log_z_lower3},
                   {"log_z_upper_3sigma", r.log_z_upper3},
                   {"effective_sample_size", r.effective_sample_size},
                   {"chains", r.chains},
                   {"temperatures", r.n_betas},
                   {"base", data == nullptr ? "uniform"
                            : rbm.visible_type() == UnitType::gaussian
                                ? "gaussian: data column means, sd max(data sd, sigma)"
                                : "data visible marginals"},
                   {"seed", o.seed}};
    return out;
  }
  // tap1 | tap2 | tap3
  estimate::TapOptions tap;
  tap.order = o.method.back() - '0';
  check_range("--tap-iterations", std::int64_t{o.tap_iterations}, 1, 100000000);
  check_range("--tap-damping", o.tap_damping, 0.0, 0.999999);
  tap.max_iterations = o.tap_iterations;
  tap.damping = o.tap_damping;
  tap.stop = stop_poll();
  MatrixF starts;
  if (data != nullptr) starts = data->topRows(std::min<Index>(data->rows(), 20));
  if (rbm.visible_type() == UnitType::gaussian) {
    // docs/gaussian.md §4: order 3 equals order 2 (Gaussian units have no third cumulant).
    out.log_z =
        estimate::gaussian_tap_log_partition(rbm, tap, data != nullptr ? &starts : nullptr);
    out.details = {{"order", tap.order},
                   {"approximation", tap.order == 1
                                         ? "naive mean field (a lower bound on log Z)"
                                         : "Gaussian-visible TAP expansion (order 3 = order 2; "
                                           "neither bound); the error bar does not cover "
                                           "truncation"}};
    return out;
  }
  out.log_z = estimate::tap_log_partition(rbm, tap, data != nullptr ? &starts : nullptr);
  out.details = {{"order", tap.order},
                 {"approximation", tap.order == 1 ? "naive mean field (a lower bound on log Z)"
                                                   : "TAP expansion (neither bound); the error "
                                                     "bar does not cover truncation"}};
  return out;
}

// Models trained with --standardize store the training rows' statistics: data given to logz and
// loglik are mapped with them. Returns log |∂x'/∂x| (0 without a stored standardisation).
double standardize_like_model(const std::string& model_path, const Rbm& rbm, MatrixF& data,
                              nlohmann::json* info) {
  const std::optional<io::Standardization> s = io::load_standardization(model_path, rbm.n_visible());
  if (!s) return 0.0;
  io::apply_standardization(*s, data);
  const double log_jacobian = io::standardization_log_jacobian(*s);
  if (info != nullptr) {
    *info = {{"applied", true}, {"log_jacobian", log_jacobian}, {"source", "model file"}};
  }
  return log_jacobian;
}

struct LogzOptions {
  std::string model;
  std::string data;
  EstimatorOptions estimator;
  DataOptions data_options;
  bool json = false;
};

void run_logz(const LogzOptions& o) {
  const Rbm rbm = io::load_rbm(o.model);
  MatrixF data;
  if (!o.data.empty()) {
    data = load_data(o.data, o.data_options, rbm.visible_type(), o.estimator.seed);
    check_data(rbm, data, o.data);
    standardize_like_model(o.model, rbm, data, nullptr);
  }
  const auto t0 = Clock::now();
  LogzEstimate est;
  {
    const InterruptScope interrupts;  // Ctrl-C: Cancelled, nothing printed, exit 130 (main)
    est = estimate_log_z(rbm, o.model, o.estimator, o.data.empty() ? nullptr : &data);
    throw_if_cancelled();
  }
  const double seconds = seconds_since(t0);
  if (o.json) {
    nlohmann::json j = {{"log_z", to_json(est.log_z)},
                        {"method", o.estimator.method},
                        {"units", "nats"},
                        {"model", model_json(o.model, rbm)},
                        {"time", {{"seconds", seconds}}}};
    if (!est.details.empty()) j["details"] = est.details;
    if (!o.data.empty()) j["data"] = o.data;
    print_json(j);
  } else {
    fmt::print("log Z = {:.10g} ± {:.2g} ({}, nats; {:.3f} s)\n", est.log_z.mean, est.log_z.error,
               o.estimator.method, seconds);
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
  const Rbm rbm = io::load_rbm(o.model);
  MatrixF data = load_data(o.data, o.data_options, rbm.visible_type(), o.estimator.seed);
  check_data(rbm, data, o.data);
  nlohmann::json standardization = nullptr;
  const double log_jacobian = standardize_like_model(o.model, rbm, data, &standardization);
  const bool density = rbm.visible_type() == UnitType::gaussian;
  const auto t0 = Clock::now();
  LogzEstimate est;
  {
    const InterruptScope interrupts;  // Ctrl-C: Cancelled, nothing printed, exit 130 (main)
    est = estimate_log_z(rbm, o.model, o.estimator, &data);
    throw_if_cancelled();
  }
  // log p(v) = −F(v) − log Z; the error adds the spread over rows and the error of log Z.
  // Standardised models: log p(x) = log p(x') + log |∂x'/∂x|, the density of the data as given.
  stats::Result ll = estimate::mean_log_likelihood(rbm, data, est.log_z.mean);
  ll.mean += log_jacobian;
  ll.error = std::hypot(ll.error, est.log_z.error);
  const double seconds = seconds_since(t0);
  if (o.json) {
    nlohmann::json j = {{"log_likelihood", to_json(ll)},
                        {"log_z", to_json(est.log_z)},
                        {"method", o.estimator.method},
                        {"units", density ? "nats per sample (log of a probability density "
                                            "over R^n_visible, in the data file's units)"
                                          : "nats per sample"},
                        {"samples", data.rows()},
                        {"model", model_json(o.model, rbm)},
                        {"data", o.data},
                        {"time", {{"seconds", seconds}}}};
    if (!est.details.empty()) j["details"] = est.details;
    if (!standardization.is_null()) j["standardization"] = standardization;
    print_json(j);
  } else {
    fmt::print(
        "log-likelihood = {:.6f} ± {:.6f} nats per sample{} ({} samples; log Z = {:.10g} ± {:.2g}, "
        "{}; {:.3f} s)\n",
        ll.mean, ll.error, density ? " (continuous density)" : "", data.rows(), est.log_z.mean,
        est.log_z.error, o.estimator.method, seconds);
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
  bool json = false;
};

std::optional<Index> square_side(Index n) {
  const auto s = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(n))));
  if (s * s == n) return s;
  return std::nullopt;
}

void run_sample(const SampleOptions& o) {
  const InterruptScope interrupts;  // Ctrl-C: Cancelled between steps, exit 130, nothing written
  check_output_path(o.output, {".h5", ".hdf5", ".png"});
  check_not_input("-o", o.output, {o.model});
  check_range("--samples", o.samples, 1, kMaxMatrixElements);
  check_range("--gibbs-steps", o.gibbs_steps, 0, 100'000'000);
  const Rbm rbm = io::load_rbm(o.model);
  const Index n = o.samples;
  if (n > kMaxMatrixElements / std::max(rbm.n_visible(), rbm.n_hidden())) {
    throw Error(fmt::format("--samples {}: {} samples of {} units are too many (limit {} values)",
                            n, n, std::max(rbm.n_visible(), rbm.n_hidden()), kMaxMatrixElements));
  }
  const auto t0 = Clock::now();
  // Chains start from uniformly random visible states and run `gibbs_steps` rounds v→h→v.
  Rng rng(o.seed, 0);
  MatrixF v(n, rbm.n_visible());
  const bool gaussian = rbm.visible_type() == UnitType::gaussian;
  if (gaussian) {
    // Gaussian visible units: v ~ N(a, σ²), the model with W = 0.
    for (Index r = 0; r < n; ++r) {
      for (Index i = 0; i < v.cols(); ++i) {
        v(r, i) = rbm.visible_bias()[i] + rbm.visible_sigma()[i] * static_cast<float>(rng.normal());
      }
    }
  } else {
    dispatch(rbm.visible_type(), [&](auto u) {
      using U = decltype(u);
      for (Index i = 0; i < v.size(); ++i) v.data()[i] = U::state(static_cast<int>(rng() & 1u));
    });
  }
  std::vector<double> pt_acceptance;
  std::vector<double> pt_betas;
  if (o.method == "pt") {
    // Every replica of chain c starts at chain c's random state; the β = 1 replicas are output.
    check_range("--replicas", std::int64_t{o.replicas}, 2, 10'000);
    check_range("--pt-beta-min", o.pt_beta_min, 1e-6, 0.999999);
    if (n > kMaxMatrixElements / o.replicas / std::max(rbm.n_visible(), rbm.n_hidden())) {
      throw Error(fmt::format("--samples {} x --replicas {}: too many states", n, o.replicas));
    }
    train::ParallelTempering pt(train::geometric_ladder(o.replicas, o.pt_beta_min));
    pt.reset(v);
    // In chunks, polling Ctrl-C between them; run(a) then run(b) equals run(a + b) bit for bit.
    constexpr std::int64_t kChunk = 16;
    std::int64_t done = 0;
    do {
      const std::int64_t steps = std::min(kChunk, o.gibbs_steps - done);
      pt.run(rbm, static_cast<int>(steps), rng);
      done += steps;
      throw_if_cancelled();
    } while (done < o.gibbs_steps);
    v = pt.cold_states();
    pt_acceptance = pt.acceptance();
    pt_betas = pt.state().betas;
  } else {
    MatrixF h;
    for (std::int64_t step = 0; step < o.gibbs_steps; ++step) {  // = gibbs(v, h, gibbs_steps)
      rbm.gibbs(v, h, 1, rng);
      throw_if_cancelled();
    }
  }

  std::map<std::string, std::string> attrs = provenance();
  attrs["model"] = o.model;
  attrs["seed"] = std::to_string(o.seed);
  attrs["samples"] = std::to_string(o.samples);
  attrs["gibbs_steps"] = std::to_string(o.gibbs_steps);
  attrs["algorithm"] = o.method == "pt" ? "rbm-parallel-tempering" : "rbm-block-gibbs";
  if (o.method == "pt") {
    attrs["replicas"] = std::to_string(o.replicas);
    attrs["pt_beta_min"] = fmt::format("{}", o.pt_beta_min);
    attrs["pt_betas"] = nlohmann::json(pt_betas).dump();
    attrs["pt_swap_acceptance"] = nlohmann::json(pt_acceptance).dump();
  }
  attrs["initial_state"] = gaussian ? "normal(visible_bias, visible_sigma^2)" : "uniform";
  attrs["visible_type"] = std::string(to_string(rbm.visible_type()));
  if (gaussian) {
    // A model trained on standardised data: samples are mapped back to the data's units.
    if (const auto st = io::load_standardization(o.model, rbm.n_visible())) {
      for (Index r = 0; r < v.rows(); ++r) {
        v.row(r) = v.row(r).cwiseProduct(st->scale.transpose()) + st->mean.transpose();
      }
      attrs["standardization"] = "inverted (samples in the training data's units)";
    }
  }
  const auto side = square_side(rbm.n_visible());
  if (has_extension(o.output, ".png")) {
    const bool spin = rbm.visible_type() == UnitType::spin;
    float lo = spin ? -1.0f : 0.0f;
    float hi = 1.0f;
    if (gaussian) {  // real values: the samples' own range
      lo = v.minCoeff();
      hi = std::max(v.maxCoeff(), lo + 1e-6f);
    }
    io::write_png_mosaic(o.output, v, side ? *side : 1, side ? *side : rbm.n_visible(), false,
                         lo, hi);
  } else {
    const bool lattice = side && rbm.visible_type() == UnitType::spin;
    io::save_dataset(o.output, v, attrs, lattice ? side : std::nullopt);
  }
  const double seconds = seconds_since(t0);
  if (o.json) {
    nlohmann::json j{{"output", o.output},
                     {"samples", o.samples},
                     {"gibbs_steps", o.gibbs_steps},
                     {"seed", o.seed},
                     {"method", o.method},
                     {"model", model_json(o.model, rbm)},
                     {"time", {{"seconds", seconds}}}};
    if (o.method == "pt") {
      j["replicas"] = o.replicas;
      j["pt_betas"] = pt_betas;
      j["pt_swap_acceptance"] = pt_acceptance;
    }
    print_json(j);
  } else {
    fmt::print("wrote {} ({} samples, {} Gibbs steps, seed {}; {:.2f} s)\n", o.output, o.samples,
               o.gibbs_steps, o.seed, seconds);
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
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
  cmd->callback([o] { run_sample(*o); });
}

struct FiltersOptions {
  std::string model;
  std::string output;
};

void run_filters(const FiltersOptions& o) {
  check_output_path(o.output, {".png"});
  const Rbm rbm = io::load_rbm(o.model);
  io::write_receptive_fields(o.output, rbm.weights());
  fmt::print("wrote {} ({} receptive fields of {} visible units)\n", o.output, rbm.n_hidden(),
             rbm.n_visible());
}

void add_filters(CLI::App& rbm) {
  auto o = std::make_shared<FiltersOptions>();
  CLI::App* cmd =
      rbm.add_subcommand("filters", "Save the receptive fields (columns of W) as a PNG mosaic");
  cmd->add_option("MODEL", o->model, "Model file (.h5)")->required();
  cmd->add_option("-o,--output", o->output, "PNG file to write")->required();
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
