// The service layer for single RBMs (run/rbm.hpp).
#include "rgflow/run/rbm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/rg/local_mask.hpp"
#include "rgflow/run/conv.hpp"
#include "rgflow/train/monitor_log.hpp"

namespace rgflow::run {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Rng stream of the validation split; the trainer uses its own streams of the same seed.
constexpr std::uint64_t kValidationSplitStream = 0x53504c4954;  // "SPLIT"

// Errors about a model carry its file name when there is one.
[[noreturn]] void rethrow_for(const std::string& source, const Error& e) {
  if (source.empty() || dynamic_cast<const FileError*>(&e) != nullptr) throw;
  throw FileError(source, e.what());
}

MatrixF standardized(const Model& model, const MatrixF& data) {
  MatrixF out = data;
  if (model.standardization) io::apply_standardization(*model.standardization, out);
  return out;
}

}  // namespace

Model load_model(const std::string& path) {
  Model m;
  if (is_conv_model_file(path)) {  // a convolutional RBM: its dense equivalent (run/conv.hpp)
    m.rbm = dense_from_conv_file(path);
    m.source = path;
    return m;
  }
  m.rbm = io::load_rbm(path);
  m.standardization = io::load_standardization(path, m.rbm.n_visible());
  m.source = path;
  return m;
}

LogZRun log_partition(const Model& model, const estimate::LogZOptions& options,
                      const MatrixF* data) {
  const auto t0 = Clock::now();
  LogZRun out;
  std::optional<MatrixF> mapped;
  if (data != nullptr) {
    model.rbm.check_visible_data(*data, "data");
    mapped = standardized(model, *data);
  }
  try {
    out.estimate = estimate::estimate_log_partition(model.rbm, options, mapped ? &*mapped : nullptr);
  } catch (const Cancelled&) {
    throw;
  } catch (const Error& e) {
    rethrow_for(model.source, e);
  }
  out.seconds = seconds_since(t0);
  return out;
}

LikelihoodRun log_likelihood(const Model& model, const MatrixF& data,
                             const estimate::LogZOptions& options) {
  model.rbm.check_visible_data(data, "data");
  LikelihoodRun out;
  out.log_z = log_partition(model, options, &data);
  const MatrixF x = standardized(model, data);
  // log p(v) = −F(v) − log Z; the error adds the spread over rows and the error of log Z.
  out.log_likelihood = estimate::mean_log_likelihood(model.rbm, x, out.log_z.estimate.log_z.mean);
  if (model.standardization) {
    out.log_jacobian = io::standardization_log_jacobian(*model.standardization);
    out.log_likelihood.mean += *out.log_jacobian;
  }
  out.log_likelihood.error = std::hypot(out.log_likelihood.error, out.log_z.estimate.log_z.error);
  out.samples = data.rows();
  out.density = dispatch(model.rbm.visible_units(), [](auto u) {
    return !decltype(u)::enumerable;
  });
  return out;
}

void to_json(nlohmann::json& j, const LogZRun& r) {
  j = {{"log_z", r.estimate.log_z},
       {"method", std::string(estimate::to_string(r.estimate.method))},
       {"units", "nats"},
       {"time", {{"seconds", r.seconds}}}};
  nlohmann::json details = r.estimate;
  if (!details.empty()) j["details"] = std::move(details);
}

void to_json(nlohmann::json& j, const LikelihoodRun& r) {
  j = r.log_z;
  j["log_likelihood"] = r.log_likelihood;
  j["units"] = r.density ? "nats per sample (log of a probability density over R^n_visible, in the "
                           "data file's units)"
                         : "nats per sample";
  j["samples"] = r.samples;
  if (r.log_jacobian) {
    j["standardization"] = {{"applied", true}, {"log_jacobian", *r.log_jacobian}, {"source", "model file"}};
  }
}

// ---------------------------------------------------------------------------------------------

SampleRun sample(const Model& model, const sample::ChainOptions& options) {
  const auto t0 = Clock::now();
  SampleRun out;
  out.chains = sample::sample_chains(model.rbm, options);
  Attributes& a = out.attributes;
  a["model"] = model.source;
  a["seed"] = std::to_string(options.seed);
  a["samples"] = std::to_string(options.samples);
  a["gibbs_steps"] = std::to_string(options.gibbs_steps);
  a["algorithm"] = options.method == sample::ChainMethod::tempering ? "rbm-parallel-tempering"
                                                                    : "rbm-block-gibbs";
  if (options.method == sample::ChainMethod::tempering) {
    a["replicas"] = std::to_string(options.replicas);
    a["pt_beta_min"] = fmt::format("{}", options.beta_min);
    a["pt_betas"] = nlohmann::json(out.chains.betas).dump();
    a["pt_swap_acceptance"] = nlohmann::json(out.chains.acceptance).dump();
  }
  a["initial_state"] = model.rbm.binary() ? "uniform" : "the model with W = 0";
  a["visible_type"] = std::string(to_string(model.rbm.visible_type()));
  if (model.standardization) {
    // A model trained on standardised data: samples are mapped back to the data's units.
    const io::Standardization& st = *model.standardization;
    MatrixF& v = out.chains.visible;
    for (Index r = 0; r < v.rows(); ++r) {
      v.row(r) = v.row(r).cwiseProduct(st.scale.transpose()) + st.mean.transpose();
    }
    a["standardization"] = "inverted (samples in the training data's units)";
  }
  out.seconds = seconds_since(t0);
  return out;
}

void to_json(nlohmann::json& j, const SampleRun& r) {
  j = {{"samples", r.chains.visible.rows()},
       {"gibbs_steps", std::stoll(r.attributes.at("gibbs_steps"))},
       {"seed", std::stoull(r.attributes.at("seed"))},
       {"method", r.chains.betas.empty() ? "gibbs" : "pt"},
       {"time", {{"seconds", r.seconds}}}};
  if (!r.chains.betas.empty()) {
    j["replicas"] = r.chains.betas.size();
    j["pt_betas"] = r.chains.betas;
    j["pt_swap_acceptance"] = r.chains.acceptance;
  }
}

namespace {

std::optional<Index> square_side(Index n) {
  const auto s = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(n))));
  if (s * s == n) return s;
  return std::nullopt;
}

bool has_png_extension(const std::string& path) {
  if (path.size() < 4) return false;
  std::string ext = path.substr(path.size() - 4);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png";
}

}  // namespace

void save_samples(const std::string& path, const Model& model, const SampleRun& run,
                  const Attributes& extra, int png_scale) {
  const MatrixF& v = run.chains.visible;
  const Index n_visible = model.rbm.n_visible();
  const auto side = square_side(n_visible);
  if (has_png_extension(path)) {
    float lo = 0.0f, hi = 1.0f;
    dispatch(model.rbm.visible_units(), [&](auto u) {
      using U = decltype(u);
      if constexpr (U::enumerable) {
        lo = U::state(0);
        hi = U::state(1);
      } else {  // real values: the samples' own range
        lo = v.minCoeff();
        hi = std::max(v.maxCoeff(), lo + 1e-6f);
      }
    });
    io::write_png_mosaic(path, v, side ? *side : 1, side ? *side : n_visible, false, lo, hi, png_scale);
    return;
  }
  Attributes attrs = run.attributes;
  for (const auto& [k, value] : extra) attrs[k] = value;
  const bool lattice = side && model.rbm.visible_type() == UnitType::spin;
  io::save_dataset(path, v, attrs, lattice ? side : std::nullopt);
}

// ---------------------------------------------------------------------------------------------

void split_validation(MatrixF& data, double fraction, std::uint64_t seed, MatrixF& validation,
                      const std::string& source) {
  if (!(fraction > 0.0 && fraction < 1.0)) {
    throw Error(fmt::format("the validation fraction must be in (0, 1) (got {})", fraction));
  }
  const Index n = data.rows();
  const auto n_val = static_cast<Index>(std::llround(fraction * static_cast<double>(n)));
  if (n_val < 1 || n_val >= n) {
    throw FileError(source, fmt::format("a validation fraction of {} leaves {} of {} rows for "
                                        "validation; need at least one row on each side",
                                        fraction, n_val, n));
  }
  std::vector<Index> perm(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  Rng rng(seed, kValidationSplitStream);
  for (Index i = n - 1; i > 0; --i) {
    const auto j = static_cast<Index>(rng.below(static_cast<std::uint64_t>(i) + 1));
    std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
  }
  std::vector<bool> is_val(static_cast<std::size_t>(n), false);
  for (Index i = 0; i < n_val; ++i) is_val[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] = true;
  MatrixF train(n - n_val, data.cols());
  validation.resize(n_val, data.cols());
  Index t = 0, v = 0;
  for (Index r = 0; r < n; ++r) {
    if (is_val[static_cast<std::size_t>(r)]) {
      validation.row(v++) = data.row(r);
    } else {
      train.row(t++) = data.row(r);
    }
  }
  data.swap(train);
}

UnitType infer_visible_type(const MatrixF& data, const std::string& source) {
  const float* b = data.data();
  const float* e = b + data.size();
  const bool spins = std::all_of(b, e, [](float x) { return x == -1.0f || x == 1.0f; });
  if (spins && std::any_of(b, e, [](float x) { return x == -1.0f; })) return UnitType::spin;
  if (std::all_of(b, e, [](float x) { return x == 0.0f || x == 1.0f; })) return UnitType::bernoulli;
  const auto bad = std::find_if(b, e, [](float x) { return x != 0.0f && x != 1.0f; });
  throw FileError(source, fmt::format("value {} is neither a 0/1 nor a -1/+1 state: binary units "
                                      "cannot be chosen from these data",
                                      *bad));
}

UnitType default_hidden_type(UnitType visible) {
  return visible == UnitType::spin ? UnitType::spin : UnitType::bernoulli;
}

bool z2_consistent(const MatrixF& data) {
  const Index n = data.rows();
  if (n < 2) return false;
  const double root_n = std::sqrt(static_cast<double>(n));
  const Eigen::VectorXd m = data.cast<double>().rowwise().mean();
  const double m_mean = m.mean();
  const double m_sd = std::sqrt((m.array() - m_mean).square().sum() / static_cast<double>(n - 1));
  if (std::abs(m_mean) > 5.0 * m_sd / root_n) return false;
  for (Index i = 0; i < data.cols(); ++i) {
    const Eigen::ArrayXd col = data.col(i).cast<double>().array();
    const double mu = col.mean();
    const double sd = std::sqrt((col - mu).square().sum() / static_cast<double>(n - 1));
    if (std::abs(mu) > 5.0 * sd / root_n) return false;
  }
  return true;
}

namespace {

// Every training parameter as a string attribute (so that h5py shows them one by one), plus the
// whole configuration as JSON.
Attributes config_attributes(const train::TrainConfig& config) {
  Attributes attrs;
  nlohmann::json j = config;
  for (const auto& [key, value] : j.items()) {
    attrs[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  attrs["train_config"] = j.dump();
  return attrs;
}

// The largest weight matrix a training run builds (elements), against absurd sizes.
constexpr Index kMaxWeights = Index{1} << 28;

}  // namespace

Rbm build_model(const ModelSpec& spec, Index n_visible, const std::string& source) {
  // A locally connected layer: the mask fixes the hidden units (spec.hidden 0 takes its count).
  MatrixF mask;
  if (!spec.mask.empty()) {
    if (spec.lattice < 1) throw Error("a locally connected mask needs the lattice size L");
    const Index L = spec.lattice;
    const rg::Lattice lattice = L * L == n_visible ? rg::Lattice::square(spec.lattice)
                                : L == n_visible   ? rg::Lattice::chain(spec.lattice)
                                                   : rg::Lattice{};
    if (lattice.lx == 0) {
      throw FileError(source, fmt::format("lattice {}: the data have {} columns, neither {} nor {}",
                                          L, n_visible, L * L, L));
    }
    mask = rg::block_mask(lattice, rg::parse_block_mask(spec.mask));
    if (spec.hidden != 0 && mask.cols() != spec.hidden) {
      throw Error(fmt::format("the mask {} on this lattice makes {} hidden units, not {}", spec.mask,
                              mask.cols(), spec.hidden));
    }
  }
  const Index hidden = mask.size() != 0 ? mask.cols() : spec.hidden;
  if (hidden < 1) throw Error(fmt::format("the number of hidden units must be >= 1 (got {})", hidden));
  if (n_visible > kMaxWeights / hidden) {
    throw Error(fmt::format("a {} x {} weight matrix is too large (limit {} weights)", n_visible,
                            hidden, kMaxWeights));
  }
  Rbm rbm(n_visible, hidden, spec.visible, spec.hidden_type);
  const bool sigma_units = dispatch(rbm.visible_units(), [](auto u) { return decltype(u)::has_sigma; });
  if (sigma_units) {
    if (!(spec.sigma >= 1e-3 && spec.sigma <= 1e6)) {
      throw Error(fmt::format("sigma must be between 0.001 and 1e6 (got {})", spec.sigma));
    }
    rbm.visible_sigma().setConstant(static_cast<float>(spec.sigma));
    rbm.set_learn_sigma(spec.learn_sigma);
  } else if (spec.learn_sigma || spec.standardize) {
    throw Error(fmt::format("learned sigma and standardisation are for gaussian visible units, not {}",
                            to_string(spec.visible)));
  }
  if (mask.size() != 0) rbm.set_mask(std::move(mask));
  return rbm;
}

std::string epoch_summary(const train::EpochStats& s) {
  std::string line = fmt::format("recon {:.4f}", s.reconstruction_error.mean);
  if (!std::isnan(s.pseudo_log_likelihood.mean)) {  // none for Gaussian visible units
    line += fmt::format("  PLL {:.3f} ± {:.3f}", s.pseudo_log_likelihood.mean,
                        s.pseudo_log_likelihood.error);
  }
  line += fmt::format("  F(train) {:.3f}", s.free_energy_train.mean);
  if (s.free_energy_validation) line += fmt::format("  F(valid) {:.3f}", s.free_energy_validation->mean);
  if (s.free_energy_gap) {
    line += fmt::format("  gap {:+.3f} ± {:.3f}", s.free_energy_gap->mean, s.free_energy_gap->error);
  }
  if (const auto& p = s.tap_particles) {  // persistent TAP: distinct / all particles
    line += fmt::format("  TAP particles {}/{}", p->distinct, p->particles);
  }
  if (s.heldout_score) {  // automatic stopping's score; * marks a new best epoch
    line += fmt::format("  held-out {:.5f} ± {:.5f}{}", s.heldout_score->mean, s.heldout_score->error,
                        s.heldout_improved ? " *" : "");
  }
  return line;
}

TrainRun train_rbm(const TrainRequest& request, const TrainCallbacks& callbacks) {
  const auto t0 = Clock::now();
  if (request.checkpoint_every < 0) {
    throw Error(fmt::format("the checkpoint interval must be >= 0 epochs (got {})", request.checkpoint_every));
  }
  if (request.checkpoint_every > 0 && request.checkpoint_path.empty()) {
    throw Error("a checkpoint interval needs a checkpoint path");
  }
  // Configuration and model: from the request, or from the checkpoint when resuming.
  std::optional<train::Checkpoint> checkpoint = request.resume;
  train::TrainConfig config = checkpoint ? checkpoint->config : request.config;
  if (checkpoint && request.resume_epochs) {
    if (*request.resume_epochs < checkpoint->epochs_done) {
      throw FileError(request.resume_source,
                      fmt::format("the new epoch total {} is less than the {} epochs already done",
                                  *request.resume_epochs, checkpoint->epochs_done));
    }
    config.epochs = *request.resume_epochs;
    checkpoint->config.epochs = *request.resume_epochs;
  }
  config.validate();

  MatrixF data = request.data;
  if (data.rows() < 1) throw FileError(request.data_source, "no training rows");
  if (request.auto_symmetry && !checkpoint) {
    const bool spins = request.model.visible == UnitType::spin && request.model.hidden_type == UnitType::spin;
    config.symmetry = spins && !config.sparsity_target && z2_consistent(data) ? train::Symmetry::z2
                                                                              : train::Symmetry::none;
  }
  MatrixF validation = request.validation;
  std::string validation_source = request.validation_source;
  if (request.validation_fraction) {
    split_validation(data, *request.validation_fraction, config.seed, validation, request.data_source);
    validation_source = fmt::format("{} of {}", *request.validation_fraction, request.data_source);
  }

  Rbm rbm = checkpoint ? checkpoint->rbm : build_model(request.model, data.cols(), request.data_source);
  if (checkpoint && data.cols() != rbm.n_visible()) {
    throw FileError(request.data_source,
                    fmt::format("data have {} columns but the checkpoint {} has {} visible units",
                                data.cols(), request.resume_source, rbm.n_visible()));
  }
  rbm.check_visible_data(data, request.data_source);
  if (validation.rows() > 0) rbm.check_visible_data(validation, validation_source);
  // Standardisation with the training rows' statistics, applied to train and validation rows.
  std::optional<io::Standardization> standardization;
  if (request.model.standardize) {
    if (!(request.model.standardize_floor >= 0.0 && request.model.standardize_floor <= 1.0)) {
      throw Error(fmt::format("the standardisation floor must be in [0, 1] (got {})",
                              request.model.standardize_floor));
    }
    standardization = io::fit_standardization(data, request.model.standardize_floor);
    io::apply_standardization(*standardization, data);
    if (validation.rows() > 0) io::apply_standardization(*standardization, validation);
  }

  const MatrixF* validation_ptr = validation.rows() > 0 ? &validation : nullptr;
  std::unique_ptr<train::Trainer> trainer =
      checkpoint ? std::make_unique<train::Trainer>(rbm, *checkpoint, data, validation_ptr)
                 : std::make_unique<train::Trainer>(rbm, config, data, validation_ptr);
  const Communicator* comm = request.communicator;
  if (comm != nullptr) check_communicator(*comm, "train_rbm");
  const bool writer = comm == nullptr || comm->rank() == 0;
  if (comm != nullptr && comm->size() > 1 && config.shards < 2) {
    throw Error(fmt::format("training on {} ranks splits each mini-batch into row shards: set them "
                            "(--shards, shards=) to 2 or more, e.g. {}; the model is then the same bits "
                            "on any number of ranks (docs/scaling.md)", comm->size(), comm->size()));
  }
  trainer->set_communicator(comm);
  const train::TrainConfig& used = trainer->config();
  if (callbacks.on_start) {
    callbacks.on_start(fmt::format(
        "{} rows x {} visible ({}), {} hidden ({}), {}-{}, {} epochs, batch {}, {}, lr {}{}{}{}, "
        "seed {}{}",
        data.rows(), rbm.n_visible(), to_string(rbm.visible_type()), rbm.n_hidden(),
        to_string(rbm.hidden_type()), train::to_string(used.method), used.steps,
        used.auto_epochs ? fmt::format("auto (patience {}, at most {})", used.patience, used.epochs)
                         : std::to_string(used.epochs),
        used.batch_size, train::to_string(used.optimizer), used.learning_rate,
        used.learning_rate_final
            ? fmt::format(" -> {} ({})", *used.learning_rate_final, train::to_string(used.schedule))
            : "",
        used.centering ? ", centred" : "",
        used.symmetry == train::Symmetry::z2
            ? (request.auto_symmetry ? ", symmetry z2 (the data are symmetric under v -> -v)" : ", symmetry z2")
            : "",
        used.seed,
        checkpoint ? fmt::format(", resuming after epoch {}", checkpoint->epochs_done) : ""));
  }

  TrainRun out;
  const CommTraffic traffic_before = comm != nullptr ? comm->traffic() : CommTraffic{};
  std::int64_t updates = 0;
  const Index batches_per_epoch = (data.rows() + used.batch_size - 1) / used.batch_size;
  StopSignal stop(comm != nullptr ? with_peer_stops(*comm, callbacks.stop) : callbacks.stop);
  while (!trainer->finished()) {
    const int epoch = trainer->epochs_done() + 1;
    train::EpochStats s;
    try {
      s = trainer->run_epoch([&](Index done, Index total) {
        if (callbacks.on_batch) callbacks.on_batch(epoch, done, total);
        if (stop.check()) throw Cancelled();
      }, callbacks.on_notice);
    } catch (const train::TrainingDiverged& e) {
      // The trainer holds the last good state: keep it on disk for a resume with a smaller step.
      if (request.checkpoint_path.empty()) throw;
      if (writer) train::save_checkpoint(request.checkpoint_path, trainer->checkpoint());
      throw train::TrainingDiverged(
          fmt::format("{}; the last good state is in {}", e.what(), request.checkpoint_path));
    }
    updates += batches_per_epoch;
    if (callbacks.on_epoch) callbacks.on_epoch(s);
    out.epochs.push_back(s);
    if (writer && request.checkpoint_every > 0 &&
        trainer->epochs_done() % request.checkpoint_every == 0) {
      train::save_checkpoint(request.checkpoint_path, trainer->checkpoint());
    }
  }

  const auto traffic_since = [&] {
    const CommTraffic now = comm->traffic();
    return CommTraffic{now.collectives - traffic_before.collectives,
                       now.bytes_sent - traffic_before.bytes_sent,
                       now.bytes_received - traffic_before.bytes_received};
  };
  if (comm != nullptr && comm->size() > 1) {
    out.communication = TrainRun::Communication{comm->size(), updates, traffic_since(), {}};
  }
  Attributes& attrs = out.attributes;
  attrs = config_attributes(used);
  attrs["data"] = request.data_source;
  attrs["training_rows"] = std::to_string(data.rows());
  attrs["validation"] = validation_source;
  for (const auto& [k, v] : request.data_attributes) attrs[k] = v;
  if (!request.model.mask.empty() && !checkpoint) {
    attrs["mask"] = request.model.mask;
    attrs["lattice"] = std::to_string(request.model.lattice);
  }
  attrs["epochs_done"] = std::to_string(trainer->epochs_done());
  if (const train::ConvergenceState* c = trainer->convergence()) {
    out.convergence = *c;
    attrs["best_epoch"] = std::to_string(c->best_epoch);
    attrs["stop_reason"] = c->stop_reason;
  }
  if (checkpoint) attrs["resumed_from"] = request.resume_source;
  if (standardization || request.model.standardize) {
    attrs["standardize"] = "true";
    attrs["standardize_floor"] = fmt::format("{}", request.model.standardize_floor);
  }
  if (!checkpoint && rbm.learn_sigma()) attrs["sigma_initial"] = fmt::format("{}", request.model.sigma);
  if (request.assess_fit) {
    estimate::LogZOptions gate = fit_log_z_options(used.seed);
    gate.stop = callbacks.stop;
    gate.communicator = comm;
    out.fit = assess_fit(rbm, data, validation_ptr, gate,
                         ising_reference(request.data_file_attributes, rbm.n_visible()));
  }
  if (out.communication) out.communication->total = traffic_since();
  out.config = used;
  out.epochs_done = trainer->epochs_done();
  out.training_rows = data.rows();
  out.validation_rows = validation.rows();
  trainer.reset();
  out.rbm = std::move(rbm);
  out.standardization = std::move(standardization);
  out.seconds = seconds_since(t0);
  return out;
}

void to_json(nlohmann::json& j, const TrainRun& r) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const train::EpochStats& s : r.epochs) epochs.push_back(s);
  j = {{"n_visible", r.rbm.n_visible()},
       {"n_hidden", r.rbm.n_hidden()},
       {"visible_type", std::string(to_string(r.rbm.visible_type()))},
       {"hidden_type", std::string(to_string(r.rbm.hidden_type()))},
       {"training_rows", r.training_rows},
       {"validation_rows", r.validation_rows},
       {"config", r.config},
       {"epochs_done", r.epochs_done},
       {"epochs", epochs},
       {"final", r.epochs.empty() ? nlohmann::json(nullptr) : epochs.back()},
       {"fit", r.fit ? nlohmann::json(*r.fit) : nlohmann::json(nullptr)},
       {"stop", nullptr},
       {"time", {{"seconds", r.seconds}}}};
  if (r.convergence) {
    nlohmann::json stop = *r.convergence;
    stop["patience"] = r.config.patience;
    stop["max_epochs"] = r.config.epochs;
    j["stop"] = std::move(stop);
  }
  if (r.communication) {
    // Rank 0's traffic (docs/scaling.md): not part of the result (the model is the same bits on
    // any number of ranks), a measurement like "time".
    const auto& c = *r.communication;
    const auto traffic = [](const CommTraffic& t) {
      return nlohmann::json{{"collectives", t.collectives}, {"bytes_sent", t.bytes_sent},
                            {"bytes_received", t.bytes_received}};
    };
    j["communication"] = {
        {"ranks", c.ranks},
        {"updates", c.updates},
        {"training", traffic(c.training)},
        {"bytes_sent_per_update",
         c.updates > 0 ? static_cast<double>(c.training.bytes_sent) / static_cast<double>(c.updates) : 0.0},
        {"bytes_received_per_update",
         c.updates > 0 ? static_cast<double>(c.training.bytes_received) / static_cast<double>(c.updates) : 0.0},
        {"whole_run", traffic(c.total)}};
  }
}

}  // namespace rgflow::run
