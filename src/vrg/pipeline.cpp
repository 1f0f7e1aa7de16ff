// The flagship pipeline's stages (data, train, measure, summary) and their cache. Over 600 lines
// because the stages share the run directory, cache keys and provenance; the physics they call
// lives in rg/, estimate/ and train/ (docs/architecture.md).
#include "rgflow/vrg/pipeline.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/free_energy_flow.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/couplings.hpp"
#include "rgflow/rg/hidden_lattice.hpp"
#include "rgflow/rg/lattice_free_energy.hpp"
#include "rgflow/rg/local_mask.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "rgflow/rg/rbm_flow.hpp"
#include "rgflow/rg/receptive_fields.hpp"
#include "rgflow/rg/renormalized_couplings.hpp"
#include "rgflow/rg/rsmi.hpp"
#include "rgflow/run/dbn.hpp"
#include "rgflow/run/fit.hpp"
#include "rgflow/run/rbm.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/trainer.hpp"
#include "rgflow/train/dbn_trainer.hpp"
#include "rgflow/vrg/controls.hpp"
#include "rgflow/vrg/data.hpp"
#include "rgflow/vrg/observables.hpp"
#include "rgflow/vrg/report.hpp"

namespace rgflow::vrg {

using nlohmann::json;

std::uint64_t stage_seed(std::uint64_t seed, const std::string& name) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return Rng(seed, h).next_u64() >> 1;  // < 2^63: fits every reader of seeds
}

namespace {

using Clock = std::chrono::steady_clock;

json result_json(const stats::Result& r) { return r; }
json exact_json(double v) { return {{"mean", v}, {"error", 0.0}}; }
json results_json(const std::vector<stats::Result>& rs) {
  json a = json::array();
  for (const auto& r : rs) a.push_back(result_json(r));
  return a;
}

double temperature_of(const Config& c, const std::string& d) {
  if (d == kParamagnet) return c.data.paramagnet_temperature;
  if (d == kOrdered) return c.data.ordered_temperature;
  if (d == kTextures) return 0.0;
  return c.data.temperature;  // critical, permuted
}

// How many blocking levels fit the lattice and the DBN depth (side L/b^k ≥ 2 and integer).
int block_levels(const Config& c) {
  const int depth = static_cast<int>(c.layer_sizes().size()) - 1;
  int levels = 0;
  int side = c.data.size;
  while (levels < depth && side % c.model.block == 0 && side / c.model.block >= 2) {
    side /= c.model.block;
    ++levels;
  }
  return levels;
}

json json_rows(const MatrixF& m, Index rows) {
  json out = json::array();
  for (Index r = 0; r < std::min(rows, m.rows()); ++r) {
    std::vector<float> row(m.row(r).begin(), m.row(r).end());
    out.push_back(row);
  }
  return out;
}

// One stage: its cache key, the stages whose files it reads, and the work (which returns
// {outputs, results} and writes its outputs atomically; the record is written afterwards).
struct Unit {
  std::string name;
  json params;
  std::vector<std::string> deps;
  std::function<std::pair<std::vector<std::string>, json>()> body;
  // Cheap (a relabelling of its input): when distributed it runs right after its inputs, on their
  // rank and in their wave, instead of waiting a wave for them (run_pipeline).
  bool light = false;
};

struct Context {
  const Config& config;
  const RunOptions& options;
  Reporter& reporter;
  StageStore store;  // OUTDIR on rank 0, a private scratch directory on the others
  RunResult result;
  std::map<std::string, json> params;  // stage name → params (for dependants)
  StopPoll stop;                       // Ctrl-C here, or a stop announced by another rank
  std::vector<Unit> units;             // every stage, in pipeline order

  // The pipeline's check point: throws Cancelled when this rank should stop.
  void check() const {
    if (stop && stop()) throw Cancelled();
  }
};

void add_stage(Context& ctx, const std::string& name, const json& params, std::vector<std::string> deps,
               std::function<std::pair<std::vector<std::string>, json>()> body, bool light = false) {
  ctx.params[name] = params;
  ctx.units.push_back({name, params, std::move(deps), std::move(body), light});
}

// Runs one stage on this rank: its outputs and its record (with `placement`: {rank, ranks,
// wave}) into this rank's store.
void run_unit(Context& ctx, const Unit& u, int index, const json& placement) {
  ctx.check();
  ctx.reporter.stage_started(index, static_cast<int>(ctx.units.size()), u.name, false);
  const auto t0 = Clock::now();
  auto [outputs, results] = u.body();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ctx.store.finish(u.name, u.params, outputs, seconds, results, placement);
  ctx.reporter.stage_finished(u.name, false, seconds);
}

json stage_results(const Context& ctx, const std::string& name) {
  const auto rec = ctx.store.record(name);
  if (!rec || !rec->contains("results")) throw Error(fmt::format("{}: stage record missing", ctx.store.record_path(name)));
  return (*rec)["results"];
}

io::Dataset load_data(const Context& ctx, const std::string& d) {
  return io::load_dataset(ctx.store.path("data/" + d + ".h5"));
}

std::vector<std::int8_t> to_int8(const MatrixF& m) {
  std::vector<std::int8_t> out(static_cast<std::size_t>(m.size()));
  for (Index i = 0; i < m.size(); ++i) out[static_cast<std::size_t>(i)] = m.data()[i] > 0 ? 1 : -1;
  return out;
}

// ---- data ----------------------------------------------------------------------------------------

json data_params(const Config& c, const std::string& d, const Context& ctx) {
  json p = {{"dataset", d}, {"size", c.data.size}, {"samples", c.data.samples},
            {"seed", std::to_string(stage_seed(c.seed, "data/" + d))}};
  if (d == kTextures) {
    p["texture_correlation_length"] = c.data.texture_correlation_length;
  } else if (d == kPermuted) {
    p["source"] = ctx.params.at(std::string("data/") + kCritical);
  } else {
    p.update({{"temperature", temperature_of(c, d)}, {"algorithm", c.data.algorithm},
              {"chains", c.data.chains}, {"thermalize", c.data.thermalize},
              {"pilot_samples", c.data.pilot_samples}, {"decorrelation", c.data.decorrelation}});
  }
  return p;
}

std::pair<std::vector<std::string>, json> run_data(Context& ctx, const std::string& d, const json& params) {
  const Config& c = ctx.config;
  const std::uint64_t seed = stage_seed(c.seed, "data/" + d);
  SpinData data;
  if (d == kTextures) {
    data = gaussian_textures(c.data.size, c.data.samples, c.data.texture_correlation_length, seed);
  } else if (d == kPermuted) {
    const io::Dataset critical = load_data(ctx, kCritical);
    const json src = stage_results(ctx, std::string("data/") + kCritical);
    data.L = c.data.size;
    data.samples = critical.data.rows();
    data.chains = src.at("chains").get<int>();
    data.temperature = src.at("temperature").get<double>();
    data.spins = to_int8(critical.data);
    data.tau.tau = src.at("tau_int").at("mean").get<double>();
    data.tau.error = src.at("tau_int").at("error").get<double>();
    data.sweeps_between = src.at("sweeps_between").get<int>();
    data = permute_sites(data, seed);
  } else {
    IsingDataOptions o;
    o.L = c.data.size;
    o.temperature = temperature_of(c, d);
    o.samples = c.data.samples;
    o.algorithm = c.data.algorithm;
    o.chains = c.data.chains;
    o.thermalize = c.data.thermalize;
    o.pilot_samples = c.data.pilot_samples;
    o.decorrelation = c.data.decorrelation;
    o.seed = seed;
    data = sample_ising(o, [&](double f) { ctx.reporter.stage_progress(f); });
  }
  ctx.check();
  const MatrixF m = to_matrix(data.spins, data.samples, std::int64_t{data.L} * data.L);
  std::map<std::string, std::string> attrs = {{"dataset", d}, {"seed", std::to_string(seed)},
                                              {"params", params.dump()}, {"rgflow_version", version()}};
  if (data.temperature > 0) {
    attrs["temperature"] = fmt::format("{}", data.temperature);
    attrs["coupling"] = "1";
    attrs["algorithm"] = c.data.algorithm;
  }
  const std::string out = "data/" + d + ".h5";
  std::filesystem::create_directories(ctx.store.path("data"));
  io::save_dataset(ctx.store.path(out), m, attrs, data.L);
  json results = {{"chains", data.chains}, {"temperature", data.temperature},
                  {"tau_int", {{"mean", data.tau.tau}, {"error", data.tau.error}}},
                  {"sweeps_between", data.sweeps_between}, {"samples", data.samples}};
  return {{out}, results};
}

// ---- model ---------------------------------------------------------------------------------------

// "model" (fully connected DBN) or "local" (locally connected, one unit per b×b block).
json model_params(const Config& c, const std::string& d, const Context& ctx, const std::string& kind) {
  json model;
  to_json(model, c);
  // The gate's log Z budget is part of the stage's result, so a change of it reruns the stage.
  const estimate::LogZOptions gate = run::fit_log_z_options(0);
  return {{"data", ctx.params.at("data/" + d)}, {"model", model["model"]}, {"kind", kind},
          {"quality_gate", {{"ais_chains", gate.ais.chains}, {"ais_temperatures", gate.ais.betas.size()},
                            {"max_exact_units", gate.max_exact_units}}},
          {"seed", std::to_string(stage_seed(c.seed, kind + "/" + d))}};
}

// Whether the level sizes are the squares (L/b^k)² that the locally connected model needs.
bool local_possible(const Config& c) {
  const auto sizes = c.layer_sizes();
  int side = c.data.size;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] != Index{side} * side) return false;
    if (k + 1 < sizes.size()) {
      if (side % c.model.block != 0) return false;
      side /= c.model.block;
    }
  }
  return true;
}

// Every layer's training options: the front ends' defaults (train::default_config) overridden by
// the [model] section, with the symmetry chosen for the dataset.
train::TrainConfig layer_config(const Config& c, std::uint64_t seed, Index rows, train::Symmetry symmetry) {
  train::TrainConfig t = train::default_config(UnitType::spin);
  t.method = train::parse_method(c.model.method);
  t.steps = c.model.steps;
  t.epochs = c.model.epochs;
  t.batch_size = c.model.batch_size;
  t.learning_rate = c.model.learning_rate;
  if (c.model.schedule == "constant") {
    t.learning_rate_final.reset();
  } else {
    t.schedule = train::parse_schedule(c.model.schedule);
    t.learning_rate_final = c.model.learning_rate_final.value_or(train::default_final_learning_rate(t.learning_rate));
  }
  t.momentum_initial = t.momentum_final = c.model.momentum;
  t.centering = c.model.centering;
  t.symmetry = symmetry;
  t.l1 = c.model.l1;
  t.seed = seed;
  t.monitor_rows = std::min<Index>(1000, rows);
  t.validate();
  return t;
}

// The rows of a dataset the models train on and the last model.held_out fraction kept out for the
// quality gate.
Index training_rows(const Config& c, Index rows) {
  const auto held = static_cast<Index>(std::ceil(c.model.held_out * static_cast<double>(rows)));
  return std::max<Index>(1, rows - held);
}

// The Z2 symmetry of every layer: model.symmetry, or with "auto" z2 when the training rows pass
// run::z2_consistent (the bottom layer's data; the layers above see the hidden states of a
// symmetric model of symmetric data, so they take the same choice).
train::Symmetry dataset_symmetry(const Config& c, const MatrixF& train_rows) {
  if (c.model.symmetry == "auto") return run::z2_consistent(train_rows) ? train::Symmetry::z2 : train::Symmetry::none;
  return train::parse_symmetry(c.model.symmetry);
}

std::pair<std::vector<std::string>, json> run_model(Context& ctx, const std::string& d, const json& params,
                                                     const std::string& kind) {
  const Config& c = ctx.config;
  const std::uint64_t seed = stage_seed(c.seed, kind + "/" + d);
  const io::Dataset data = load_data(ctx, d);
  const Index n_train = training_rows(c, data.data.rows());
  run::DbnTrainRequest request;
  request.data = data.data.topRows(n_train);
  request.validation = data.data.bottomRows(data.data.rows() - n_train);
  request.data_source = "data/" + d + ".h5";
  request.visible = UnitType::spin;
  request.propagate = parse_propagate(c.model.propagate);
  request.seed = seed;  // layer k trains with seed + k
  // The gate's exact −s and paired KL for data sampled from the Ising model (not for the
  // site-permuted control, whose rows are not Ising configurations of the lattice).
  if (d == kCritical || d == kParamagnet || d == kOrdered) {
    request.ising = run::IsingReference{Index{c.data.size}, 1.0 / temperature_of(c, d)};
  }
  const train::Symmetry symmetry = dataset_symmetry(c, request.data);
  const auto sizes = c.layer_sizes();
  // The locally connected model: layer k is an RBM on the (L/b^k)² lattice whose hidden unit
  // (X, Y) sees only block (X, Y) (rg::block_mask).
  const bool local = kind == "local";
  int side = c.data.size;
  for (std::size_t k = 1; k < sizes.size(); ++k) {
    train::DbnLayerSpec spec;
    spec.n_hidden = sizes[k];
    spec.hidden_type = UnitType::spin;
    if (local) {
      spec.mask = rg::block_mask(rg::Lattice::square(side), {c.model.block, 0, 1});
      side /= c.model.block;
    }
    spec.config = layer_config(c, seed + (k - 1), n_train, symmetry);
    request.layers.push_back(std::move(spec));
  }
  const double total_epochs = static_cast<double>(c.model.epochs) * static_cast<double>(request.layers.size());
  int epochs_done = 0;
  json epochs = json::array();
  run::DbnTrainCallbacks callbacks;
  callbacks.on_epoch = [&](const train::DbnProgress& p) {
    ++epochs_done;
    epochs.push_back({{"layer", p.layer}, {"epoch", p.stats.epoch},
                      {"reconstruction_error", p.stats.reconstruction_error},
                      {"pseudo_log_likelihood", p.stats.pseudo_log_likelihood}});
  };
  callbacks.on_batch = [&](Index done, Index total) {
    ctx.check();
    if (total_epochs > 0 && total > 0) {
      ctx.reporter.stage_progress(0.95 * (epochs_done + static_cast<double>(done) / static_cast<double>(total)) / total_epochs);
    }
  };
  callbacks.stop = ctx.stop;
  const run::DbnTrainRun trained = run::train_dbn(request, callbacks);
  ctx.check();
  const Dbn& dbn = trained.dbn;
  // The quality gate of every layer (run/fit.hpp; run/dbn.hpp for layers k >= 1).
  json fits = json::array();
  for (std::size_t k = 0; k < trained.layer_fits.size(); ++k) {
    const auto& f = trained.layer_fits[k];
    json e = f ? json(*f) : json(nullptr);
    if (f) {
      e["layer"] = k;
      e["models_data"] = f->above_baseline;
    }
    fits.push_back(e);
  }
  std::vector<std::map<std::string, std::string>> layer_attrs(trained.layer_attributes.begin(),
                                                              trained.layer_attributes.end());
  const std::string out = "models/" + d + (local ? "-local.h5" : ".h5");
  std::filesystem::create_directories(ctx.store.path("models"));
  std::map<std::string, std::string> attrs{{"dataset", d},
                                           {"seed", std::to_string(seed)},
                                           {"params", params.dump()},
                                           {"symmetry", train::to_string(symmetry)},
                                           {"training_rows", std::to_string(n_train)},
                                           {"held_out_rows", std::to_string(data.data.rows() - n_train)},
                                           {"rgflow_version", version()}};
  if (local) attrs["mask"] = fmt::format("block:{}", c.model.block);
  io::save_dbn(ctx.store.path(out), dbn, attrs, layer_attrs);
  return {{out}, {{"epochs", epochs}, {"symmetry", train::to_string(symmetry)}, {"training_rows", n_train},
                  {"held_out_rows", data.data.rows() - n_train}, {"layer_fits", fits}}};
}

// ---- block spins ---------------------------------------------------------------------------------

json blockspin_params(const Config& c, const std::string& d, const Context& ctx) {
  return {{"data", ctx.params.at("data/" + d)}, {"block", c.model.block}, {"levels", block_levels(c)},
          {"histogram_bins", c.measure.histogram_bins},
          {"renormalized_couplings", "pseudo_likelihood:nearest_neighbour,next_nearest_neighbour,plaquette"},
          {"seed", std::to_string(stage_seed(c.seed, "blockspin/" + d))}};
}

// `bins` is capped at units + 1, the number of values m takes, so that no bin is empty by aliasing.
json level_observables(const MatrixF& states, const Positions& positions, int bins) {
  const Magnetization m = magnetization(states, static_cast<int>(std::min<Index>(bins, states.cols() + 1)));
  return {{"abs_magnetization", result_json(m.abs_mean)},
          {"magnetization_squared", result_json(m.second_moment)},
          {"magnetization_histogram", results_json(m.histogram)},
          {"correlation_length", result_json(correlation_length(states, positions))}};
}

// Renormalised couplings K₁, K₂, K₄ of one block-spin level by maximum pseudo-likelihood
// (rg/renormalized_couplings); null on lattices smaller than 3×3, where the neighbours of a site
// coincide.
json blockspin_couplings_json(const MatrixF& states, int side) {
  if (side < 3) return nullptr;
  const auto fit = rg::pseudo_likelihood_couplings(
      states, side, {rg::IsingTerm::nearest_neighbour, rg::IsingTerm::next_nearest_neighbour, rg::IsingTerm::plaquette});
  json out = json::object();
  for (std::size_t a = 0; a < fit.terms.size(); ++a) {
    out[std::string(rg::to_string(fit.terms[a]))] = result_json(fit.couplings[a]);
  }
  return out;
}

// One coarse level of the block-spin or RSMI column: the observables of run_blockspin's table.
json coarse_level_json(const std::vector<std::int8_t>& spins, std::int64_t n, int k, int side, int scale, int bins) {
  const MatrixF states = to_matrix(spins, n, std::int64_t{side} * side);
  json lv = level_observables(states, block_positions(side, scale), bins);
  lv["level"] = k;
  lv["side"] = side;
  lv["units"] = side * side;
  lv["nearest_neighbour_correlation"] = result_json(nearest_neighbour_correlation(states, side));
  lv["renormalized_couplings"] = blockspin_couplings_json(states, side);
  lv["examples"] = json_rows(states, 4);
  return lv;
}

// MCRG steps: as many as keep the coarsest lattice at >= 4 sites a side, at most `levels`.
int mcrg_levels(int L, int b, int levels) {
  int m = 0;
  for (int s = L; m < levels && s % b == 0 && s / b >= 4; s /= b) ++m;
  return m;
}

// Swendsen's MCRG (rg::mcrg) of the level-0 configurations with one blocking rule per step (the
// last repeating), 3 even and 2 odd operators; tie coins of configuration i from Rng(seed, i).
json mcrg_json(const std::vector<std::int8_t>& level0, std::int64_t n, int L, int levels,
               std::span<const std::shared_ptr<const rg::BlockingRule>> rules, std::uint64_t seed, int chains) {
  json steps = json::array();
  if (levels <= 0 || rules.empty()) return steps;
  rg::McrgOptions mo;
  mo.levels = levels;
  mo.seed = seed;
  mo.chains = static_cast<std::size_t>(chains);
  mo.even_operators = 3;
  mo.odd_operators = 2;
  for (const auto& s : rg::mcrg(level0, n, L, rules, mo)) {
    steps.push_back({{"from_size", s.from_size}, {"to_size", s.to_size},
                     {"y_t", result_json(s.y_t)}, {"y_h", result_json(s.y_h)}});
  }
  return steps;
}

std::pair<std::vector<std::string>, json> run_blockspin(Context& ctx, const std::string& d, const json&) {
  const Config& c = ctx.config;
  const std::uint64_t seed = stage_seed(c.seed, "blockspin/" + d);
  const io::Dataset data = load_data(ctx, d);
  const json data_results = stage_results(ctx, "data/" + d);
  const int chains = data_results.at("chains").get<int>();
  const int L = c.data.size, b = c.model.block, levels = block_levels(c);
  const std::int64_t n = data.data.rows();
  const std::vector<std::int8_t> level0 = to_int8(data.data);
  std::vector<std::int8_t> spins = level0;
  json out_levels = json::array();
  int side = L, scale = 1;
  for (int k = 0; k <= levels; ++k) {
    ctx.check();
    if (k > 0) {
      spins = rg::block_spins_batch(spins, n, side, b, rg::BlockRule::majority, seed + static_cast<std::uint64_t>(k));
      side /= b;
      scale *= b;
    }
    out_levels.push_back(coarse_level_json(spins, n, k, side, scale, c.measure.histogram_bins));
    ctx.reporter.stage_progress(0.5 * (k + 1) / (levels + 1));
  }
  // The classic majority-rule MCRG (rg::mcrg with a BlockSpinRule: the same bits).
  const std::vector<std::shared_ptr<const rg::BlockingRule>> rules = {
      std::make_shared<rg::BlockSpinRule>(rg::BlockRule::majority, b)};
  const json mcrg_steps = mcrg_json(level0, n, L, mcrg_levels(L, b, levels), rules, seed, chains);
  const json results = {{"dataset", d}, {"levels", out_levels}, {"mcrg", mcrg_steps}};
  const std::string out = "blockspin/" + d + ".json";
  std::filesystem::create_directories(ctx.store.path("blockspin"));
  write_text_atomic(ctx.store.path(out), results.dump() + "\n");
  return {{out}, json::object()};
}

// ---- RSMI column ---------------------------------------------------------------------------------

// Everything the RSMI column depends on: the data, b and the levels, the [rsmi] section, the
// measurement keys it shares with the block spins, its seed, and the tie-coin seed it shares with
// the block-spin column (common random numbers: a uniform filter then reproduces it bit for bit).
json rsmi_params(const Config& c, const std::string& d, const Context& ctx) {
  json cfg;
  to_json(cfg, c);
  return {{"data", ctx.params.at("data/" + d)}, {"block", c.model.block}, {"levels", block_levels(c)},
          {"rsmi", cfg["rsmi"]}, {"histogram_bins", c.measure.histogram_bins},
          {"renormalized_couplings", "pseudo_likelihood:nearest_neighbour,next_nearest_neighbour,plaquette"},
          {"mcrg", "even:3,odd:2"}, {"relearn", "every_level"},
          {"effective_batch_size", c.rsmi.effective_batch_size(c.data.samples)},
          {"coin_seed", std::to_string(stage_seed(c.seed, "blockspin/" + d))},
          {"seed", std::to_string(stage_seed(c.seed, "rsmi/" + d))}};
}

json matrix_row_json(const MatrixD& m, Index r) {
  std::vector<double> row(static_cast<std::size_t>(m.cols()));
  for (Index i = 0; i < m.cols(); ++i) row[static_cast<std::size_t>(i)] = m(r, i);
  return row;
}

// Level k → k + 1 is coarse-grained by a filter learned on the level-k configurations (rg::learn_rsmi,
// seed + k), or by the uniform filter (rsmi.filter = "uniform", whose I(H:E) is measured by the
// same estimator); the tie coins of level k + 1 are the block-spin column's (coin seed + k + 1). The
// column stops at the first level too small for the geometry, recorded with the reason.
std::pair<std::vector<std::string>, json> run_rsmi(Context& ctx, const std::string& d, const json&) {
  const Config& c = ctx.config;
  const RsmiConfig& rc = c.rsmi;
  const std::uint64_t seed = stage_seed(c.seed, "rsmi/" + d);
  const std::uint64_t coin = stage_seed(c.seed, "blockspin/" + d);
  const io::Dataset data = load_data(ctx, d);
  const int chains = stage_results(ctx, "data/" + d).at("chains").get<int>();
  const int L = c.data.size, b = c.model.block, levels = block_levels(c);
  const std::int64_t n = data.data.rows();
  const std::vector<std::int8_t> level0 = to_int8(data.data);
  std::vector<std::int8_t> spins = level0;
  json out_levels = json::array({coarse_level_json(spins, n, 0, L, 1, c.measure.histogram_bins)});
  json filters = json::array();
  std::vector<std::shared_ptr<const rg::BlockingRule>> rules;
  int side = L, scale = 1;
  for (int k = 0; k < levels; ++k) {
    ctx.check();
    const rg::RsmiGeometry geometry{2, side, b, rc.buffer, rc.environment};
    json f = {{"level", k}, {"side", side}, {"buffer", rc.buffer}, {"environment", rc.environment}};
    if (b + 2 * rc.buffer + 2 * rc.environment > side) {
      f["skipped"] = fmt::format("block {} + 2 x buffer {} + 2 x environment {} exceeds the level-{} lattice size {}",
                                 b, rc.buffer, rc.environment, k, side);
      filters.push_back(f);
      break;
    }
    rg::RsmiOptions o;
    o.hidden_per_block = 1;  // one coarse spin per block
    o.epochs = rc.epochs;
    o.critic_epochs = rc.critic_epochs;
    o.batch_size = rc.effective_batch_size(c.data.samples);
    o.beta = rc.beta;
    o.learning_rate = rc.learning_rate;
    o.seed = seed + static_cast<std::uint64_t>(k);
    const double share = 0.8 / levels;
    rg::RsmiResult r;
    if (rc.filter == "uniform") {
      r = rg::rsmi_filter_information(spins, n, geometry, MatrixD::Ones(1, geometry.block_sites()), o,
                                      ctx.stop);
    } else {
      r = rg::learn_rsmi(spins, n, geometry, o, ctx.stop, [&](const rg::RsmiEpoch& e) {
        ctx.reporter.stage_progress(share * (k + static_cast<double>(e.epoch) / (rc.epochs + 1)));
      });
    }
    f["filter"] = matrix_row_json(r.filter, 0);
    f["learned"] = rc.filter != "uniform";
    // max |Λ_i − mean| / |mean|: ∞ (null) for a filter whose weights sum to zero.
    const double nonuniformity = rg::filter_nonuniformity(r.filter);
    f["nonuniformity"] = std::isfinite(nonuniformity) ? json(nonuniformity) : json();
    f["mutual_information"] = result_json(r.mutual_information);
    f["training_configurations"] = r.training_configurations;
    f["validation_configurations"] = r.validation_configurations;
    f["seed"] = std::to_string(o.seed);
    if (!r.curve.empty()) {
      f["final_epoch"] = {{"epoch", r.curve.back().epoch}, {"train_bound", r.curve.back().train_bound},
                          {"validation_bound", r.curve.back().validation_bound}};
    }
    filters.push_back(f);
    std::vector<double> w(r.filter.data(), r.filter.data() + r.filter.cols());
    rules.push_back(std::make_shared<rg::LinearFilterRule>(std::move(w), b, 2, "rsmi"));
    spins = rg::coarse_grain_batch(*rules.back(), spins, n, side, coin + static_cast<std::uint64_t>(k + 1));
    side /= b;
    scale *= b;
    out_levels.push_back(coarse_level_json(spins, n, k + 1, side, scale, c.measure.histogram_bins));
    ctx.reporter.stage_progress(share * (k + 1));
  }
  // MCRG with the RSMI rules, one per step, over the steps the column has (no filter is reused).
  const int steps = std::min(mcrg_levels(L, b, levels), static_cast<int>(rules.size()));
  const json mcrg_steps = mcrg_json(level0, n, L, steps, rules, coin, chains);
  const json results = {{"dataset", d}, {"filter", rc.filter}, {"levels", out_levels}, {"filters", filters},
                        {"mcrg", mcrg_steps}};
  const std::string out = "rsmi/" + d + ".json";
  std::filesystem::create_directories(ctx.store.path("rsmi"));
  write_text_atomic(ctx.store.path(out), results.dump() + "\n");
  return {{out}, json::object()};
}

// ---- measurements --------------------------------------------------------------------------------

json measure_params(const Config& c, const std::string& d, const Context& ctx, const std::string& kind) {
  json cfg;
  to_json(cfg, c);
  const std::string model_stage = (kind == "local" ? "local/" : "model/") + d;
  return {{"model", ctx.params.at(model_stage)}, {"blockspin", ctx.params.at("blockspin/" + d)},
          {"measure", cfg["measure"]}, {"kind", kind}, {"renormalized_coupling", "nearest_neighbour:0.75-1.25:128x1000"},
          {"seed", std::to_string(stage_seed(c.seed, (kind == "local" ? "measure-local/" : "measure/") + d))}};
}

std::vector<double> scaled_ais_schedule(int n_betas) {
  // Salakhutdinov & Murray's proportions (500 steps to 0.5, 4000 to 0.9, 10000 to 1) in n steps.
  if (n_betas <= 0) return estimate::default_ais_schedule();
  const int steps = std::max(3, n_betas - 1);
  const int s1 = std::max(1, steps * 500 / 14500), s2 = std::max(1, steps * 4000 / 14500);
  const int s3 = std::max(1, steps - s1 - s2);
  std::vector<double> betas = {0.0};
  for (int i = 1; i <= s1; ++i) betas.push_back(0.5 * i / s1);
  for (int i = 1; i <= s2; ++i) betas.push_back(0.5 + 0.4 * i / s2);
  for (int i = 1; i <= s3; ++i) betas.push_back(0.9 + 0.1 * i / s3);
  betas.back() = 1.0;
  return betas;
}

// The free-energy measurement's options (log Z exact where the smaller layer is small, forward AIS
// with the [measure] chains and schedule otherwise); the positive controls use the same.
rg::LatticeFreeEnergyOptions free_energy_options(const Config& c, std::uint64_t seed, int threads, const StopPoll& stop) {
  rg::LatticeFreeEnergyOptions fo;
  fo.flow.propagate = Propagate::sample;
  fo.flow.seed = seed;
  fo.flow.log_z.method = estimate::LogZMethod::automatic;
  fo.flow.log_z.max_exact_units = c.measure.max_exact_units;
  fo.flow.log_z.ais.chains = c.measure.ais_chains;
  fo.flow.log_z.ais.betas = scaled_ais_schedule(c.measure.ais_betas);
  fo.flow.log_z.ais.seed = seed;
  fo.flow.log_z.ais.threads = threads;
  fo.flow.log_z.threads = threads;
  fo.flow.log_z.stop = stop;  // Ctrl-C (or a peer's stop) stops inside a layer's log Z too
  fo.gauge.seed = seed;
  fo.gauge.threads = threads;
  return fo;
}

// ---- Positive controls (vrg/controls.hpp) --------------------------------------------------------

constexpr int kMaxBondControlSize = 16;  // the bond-representation control's largest L

json controls_params(const Config& c, const Context& ctx) {
  return {{"data", ctx.params.at(std::string("data/") + kCritical)},
          {"blockspin", ctx.params.at(std::string("blockspin/") + kCritical)},
          {"measure", {{"rows", c.measure.rows}, {"ais_chains", c.measure.ais_chains}, {"ais_betas", c.measure.ais_betas},
                       {"max_exact_units", c.measure.max_exact_units}}},
          {"controls", "decimation-1d,decimation-2d,bond-model:Lmax16,majority-rule-conv:w20,majority-rule-conv-tc:L4b3:4000"},
          {"seed", std::to_string(stage_seed(c.seed, "controls"))}};
}

json read_json(const std::string& path);

// Wolff configurations of a control's own (L × L at T, thermalised 500 sweeps, decorrelated by the
// τ_int of a pilot run of `pilot` samples).
SpinData control_ising_data(int L, double T, std::int64_t samples, std::int64_t pilot, std::uint64_t seed) {
  IsingDataOptions o;
  o.L = L;
  o.temperature = T;
  o.samples = samples;
  o.pilot_samples = pilot;
  o.thermalize = 500;
  o.seed = seed;
  return sample_ising(o);
}

std::pair<std::vector<std::string>, json> run_controls(Context& ctx, const json&) {
  const Config& c = ctx.config;
  const std::uint64_t seed = stage_seed(c.seed, "controls");
  const io::Dataset data = load_data(ctx, kCritical);
  const json data_results = stage_results(ctx, std::string("data/") + kCritical);
  const json blockspin = read_json(ctx.store.path(std::string("blockspin/") + kCritical + ".json"));
  const int L = c.data.size, b = c.model.block;
  const rg::LatticeFreeEnergyOptions fo = free_energy_options(c, seed, ctx.options.threads, ctx.stop);
  std::filesystem::create_directories(ctx.store.path("controls"));
  json controls = decimation_controls(fo, seed, ctx.store.path("controls"));
  ctx.reporter.stage_progress(0.2);
  ctx.check();
  // The bond-representation RBM has 2L² hidden units: at the full size (L = 40: 1600 × 3200) its AIS
  // would cost more than all the measurements, so the control runs at L_b = min(L, 16) (the same
  // estimator and options), on the critical data's rows when L_b = L, else on Wolff data of its own.
  const double T = data_results.at("temperature").get<double>();
  const int Lb = std::min(L, kMaxBondControlSize);
  MatrixF bond_rows;
  if (Lb == L) {
    bond_rows = data.data.topRows(std::min(c.measure.rows, data.data.rows()));
  } else {
    const SpinData bd = control_ising_data(Lb, T, 1000, 500, seed + 200);
    bond_rows = to_matrix(bd.spins, bd.samples, std::int64_t{Lb} * Lb);
  }
  controls.push_back(bond_model_control(Lb, T, bond_rows, fo));
  ctx.reporter.stage_progress(0.6);
  ctx.check();
  const std::int64_t n = data.data.rows();
  const std::vector<std::int8_t> level0 = to_int8(data.data);
  const std::vector<std::shared_ptr<const rg::BlockingRule>> rules = {majority_rule_conv_rule(L, b)};
  const json conv_mcrg = mcrg_json(level0, n, L, mcrg_levels(L, b, block_levels(c)), rules, seed,
                                   data_results.at("chains").get<int>());
  for (auto& e : majority_rule_controls(level0, n, L, b, block_levels(c), conv_mcrg, blockspin, seed)) {
    controls.push_back(std::move(e));
  }
  ctx.reporter.stage_progress(0.8);
  ctx.check();
  // The same rule's MCRG at T_c on its own Wolff data (L = 4b³: 32 for b = 2), against the exact
  // exponents y_t = 1, y_h = 15/8.
  const int Ltc = 4 * b * b * b;
  const SpinData tc_data = control_ising_data(Ltc, ising::critical_temperature(), 4000, 1000, seed + 100);
  const std::vector<std::shared_ptr<const rg::BlockingRule>> tc_rules = {majority_rule_conv_rule(Ltc, b)};
  const json tc_mcrg = mcrg_json(tc_data.spins, tc_data.samples, Ltc, mcrg_levels(Ltc, b, 3), tc_rules, seed,
                                 tc_data.chains);
  for (auto& e : critical_exponent_controls(tc_mcrg, b, Ltc, tc_data.samples)) controls.push_back(std::move(e));
  const std::string out = "controls.json";
  write_text_atomic(ctx.store.path(out), json{{"positive_controls", controls}}.dump(2) + "\n");
  return {{out, "controls/decimation-1d.h5", "controls/decimation-2d.h5"}, json::object()};
}

// The RBM's renormalised nearest-neighbour coupling at level k ≥ 1 (docs/vrg.md "Renormalised
// couplings"): pair couplings K_ij of the hidden-side Hamiltonian H(h) of layer k−1 (rg/couplings),
// gauge-fixed like the units (K_ij → σ_i σ_j K_ij with σ the sign of unit i's receptive field),
// averaged over the pairs that are nearest neighbours at the block spacing b^k: for the locally
// connected model its (L/b^k)² block lattice; for the DBN the pairs whose receptive-field centres
// lie b^k·[3/4, 5/4) apart (the next shell, √2·b^k, falls outside). At most kMaxNearestPairs pairs, a
// seeded random subset when there are more. Error: the spread over pairs (sd/√n) and the Monte
// Carlo errors (√Σe²/n) in quadrature.
constexpr std::size_t kMaxNearestPairs = 128;

json hidden_nearest_neighbour_json(const Dbn& dbn, Index k, const rg::LevelLocality& loc, bool local, int L,
                                   int block, std::uint64_t seed, int threads) {
  const Rbm& rbm = dbn.layer(k - 1);
  const Index n = rbm.n_hidden();
  const double spacing = std::pow(static_cast<double>(block), static_cast<double>(k));
  std::vector<rg::Sites> pairs;
  if (local) {
    const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(n))));
    if (Index{side} * side == n) pairs = rg::lattice_neighbour_pairs(side);
  } else {
    pairs = rg::pairs_in_shell(loc.units, L, 0.75 * spacing, 1.25 * spacing);
  }
  const std::size_t candidates = pairs.size();
  Rng pick(seed, (1u << 21) + static_cast<std::uint64_t>(k));
  pairs = rg::subsample_pairs(std::move(pairs), kMaxNearestPairs, pick);
  json out = {{"spacing", spacing}, {"pairs", pairs.size()}, {"candidates", candidates}};
  if (pairs.empty()) {
    out["nearest_neighbour"] = {{"mean", nullptr}, {"error", nullptr}};
    return out;
  }
  rg::CouplingOptions co;
  co.side = rg::Side::hidden;
  co.seed = seed + static_cast<std::uint64_t>(k);
  co.threads = threads;
  co.samples = 1000;
  const auto table = rg::effective_couplings(rbm, pairs, co);
  out["nearest_neighbour"] = rg::gauged_pair_average(table, rg::field_signs(loc.fields));
  return out;
}

std::pair<std::vector<std::string>, json> run_measure(Context& ctx, const std::string& d, const json&,
                                                       const std::string& kind) {
  const Config& c = ctx.config;
  const bool local = kind == "local";
  const std::uint64_t seed = stage_seed(c.seed, (local ? "measure-local/" : "measure/") + d);
  const io::Dataset data = load_data(ctx, d);
  const Index rows = std::min(c.measure.rows, data.data.rows());
  const MatrixF V = data.data.topRows(rows);
  const Dbn dbn = io::load_dbn(ctx.store.path("models/" + d + (local ? "-local.h5" : ".h5")));
  const json data_results = stage_results(ctx, "data/" + d);
  const int L = c.data.size;
  const Index depth = dbn.n_layers();
  const int bins = c.measure.histogram_bins;

  // Receptive fields, their centres and locality against the permutation null (rg/receptive_fields:
  // issue #7). Level k uses radius 1.5·b^{k−1}, so a unit that sees exactly its b^k × b^k block
  // scores 1.
  const rg::Lattice lattice = rg::Lattice::square(L);
  std::vector<rg::LevelLocality> locality;
  for (Index k = 1; k <= depth; ++k) {
    rg::LocalityOptions lo;
    lo.radius = 1.5 * std::pow(static_cast<double>(c.model.block), static_cast<double>(k - 1));
    lo.permutations = c.measure.permutations;
    lo.seed = seed;
    auto all = rg::receptive_field_locality(dbn, lattice, lo);
    locality.push_back(std::move(all.at(static_cast<std::size_t>(k - 1))));
    ctx.check();
  }
  json levels = json::array();
  json fields_json = json::array();
  json reconstructions = json::array();
  reconstructions.push_back(json_rows(V, c.measure.reconstructions));
  for (Index k = 0; k <= depth; ++k) {
    ctx.check();
    json lv;
    lv["level"] = k;
    lv["units"] = dbn.level_sizes()[static_cast<std::size_t>(k)];
    if (k == 0) {
      lv.update(level_observables(V, block_positions(L, 1), bins));
      lv["nearest_neighbour_correlation"] = result_json(nearest_neighbour_correlation(V, L));
    } else {
      Rng rng(seed, static_cast<std::uint64_t>(k));
      MatrixF H = dbn.up(V, k, Propagate::sample, rng);
      const rg::LevelLocality& loc = locality.at(static_cast<std::size_t>(k - 1));
      // A spin RBM is invariant under h_j → −h_j, W_:j → −W_:j, b_j → −b_j: fix each unit's sign
      // so that its receptive field sums to >= 0, then place it at its field's centre.
      MatrixF fields = loc.fields.cast<float>();
      Positions centres;
      centres.period = L;
      std::vector<float> signs;
      for (Index j = 0; j < fields.cols(); ++j) {
        const float sign = fields.col(j).sum() >= 0 ? 1.0f : -1.0f;
        signs.push_back(sign);
        fields.col(j) *= sign;
        H.col(j) *= sign;
        centres.x.push_back(loc.units[static_cast<std::size_t>(j)].centre_x);
        centres.y.push_back(loc.units[static_cast<std::size_t>(j)].centre_y);
      }
      const MatrixF& Hg = H;
      lv.update(level_observables(Hg, centres, bins));
      lv["centres"] = {{"x", centres.x}, {"y", centres.y}};
      lv["renormalized_coupling"] =
          hidden_nearest_neighbour_json(dbn, k, loc, local, L, c.model.block, seed, ctx.options.threads);
      lv["locality"] = {{"score", result_json(loc.score)}, {"null", result_json(loc.null_score)},
                        {"radius", 1.5 * std::pow(static_cast<double>(c.model.block), static_cast<double>(k - 1))}};
      // Reconstruction: up to level k (samples), down with the visible means, then sign.
      MatrixF Hraw = H;
      for (Index j = 0; j < Hraw.cols(); ++j) Hraw.col(j) *= signs[static_cast<std::size_t>(j)];  // undo the gauge
      const MatrixF R = dbn.down(Hraw, k, rng, /*mean_visible=*/true);
      lv["reconstruction_error"] = rg::sign_reconstruction_error(V, R);
      const MatrixF Rs = R.unaryExpr([](float x) { return x >= 0 ? 1.0f : -1.0f; });
      reconstructions.push_back(json_rows(Rs, c.measure.reconstructions));
      MatrixF shown = fields.leftCols(std::min<Index>(fields.cols(), 64)).transpose();
      fields_json.push_back({{"level", k}, {"units", fields.cols()}, {"fields", json_rows(shown, shown.rows())}});
    }
    levels.push_back(lv);
    ctx.reporter.stage_progress(0.2 * static_cast<double>(k + 1) / static_cast<double>(depth + 1));
  }

  // Free energy per layer (rg/lattice_free_energy: issue #7): log Z exact where the smaller layer
  // is small, forward AIS otherwise; the RBM Hamiltonians are gauge-fixed to zero mean over
  // uniform states so that F'_k/n_k is comparable with the exact Ising free energy per block
  // (Kaufman); the permuted data have the same distribution up to relabelling sites, hence the
  // same exact free energy.
  const double T = data_results.at("temperature").get<double>();
  rg::LatticeFreeEnergyOptions fo = free_energy_options(c, seed, ctx.options.threads, ctx.stop);
  if (T > 0) fo.temperature = T;
  fo.lattice_size = L;
  const rg::LatticeFreeEnergy lfe = rg::lattice_free_energy(dbn, V, fo);
  json free_energy = json::array();
  for (const auto& layer : lfe.layers) {
    const auto& lf = layer.flow;
    json e = {{"layer", lf.layer}, {"units", lf.n_visible},
              {"free_energy_per_unit", result_json(layer.free_energy_per_unit)},
              {"free_energy_per_site", result_json(layer.free_energy_per_site)},
              {"log_z_method", std::string(estimate::to_string(lf.log_z_method))}};
    if (layer.ising_per_unit) e["exact_free_energy_per_unit"] = exact_json(*layer.ising_per_unit);
    if (lf.log_likelihood_per_unit) e["log_likelihood_per_unit"] = result_json(*lf.log_likelihood_per_unit);
    e["kept_free_energy_per_site"] = result_json(layer.kept_free_energy_per_site);
    if (lf.layer + 1 < dbn.n_layers()) e["generated_constant"] = result_json(layer.generated_constant);
    free_energy.push_back(e);
  }
  json conservation = {{"conservation", result_json(lfe.conservation)},
                       {"change_per_site", results_json(lfe.change_per_site)}};
  if (lfe.ising_per_site) conservation["exact_free_energy_per_site"] = exact_json(*lfe.ising_per_site);
  ctx.reporter.stage_progress(0.8);
  ctx.check();

  // RBM flow map of the first layer (rg/rbm_flow: issue #7): temperature of v → h → v iterates.
  json flow_json = json::array();
  {
    rg::RbmFlowOptions ro;
    ro.steps = 8;
    ro.propagate = Propagate::mean;
    ro.seed = seed;
    for (const auto& st : rg::rbm_flow(dbn.layer(0), V, L, ro)) {
      flow_json.push_back({{"step", st.step},
                           {"energy", result_json(st.observables.energy)},
                           {"abs_magnetization", result_json(st.observables.abs_magnetization)},
                           {"temperature_energy", result_json(st.observables.temperature_energy)},
                           {"temperature_pseudo_likelihood", result_json(st.observables.temperature_pseudo_likelihood)}});
    }
  }

  // Effective couplings of the hidden-side Hamiltonian of layer 0 (rg/couplings: issue #7) by
  // distance between units. For the locally connected model the hidden units form the
  // (L/b)² lattice; for the fully connected DBN pairs are binned by the distance of their
  // receptive-field centres.
  json couplings = json::array();
  {
    rg::CouplingOptions co;
    co.side = rg::Side::hidden;
    co.seed = seed;
    co.threads = ctx.options.threads;
    co.samples = 4000;
    const Rbm& top = dbn.layer(0);
    const Index n_h = top.n_hidden();
    const int hside = static_cast<int>(std::lround(std::sqrt(static_cast<double>(n_h))));
    if (local && Index{hside} * hside == n_h) {
      const rg::Lattice hl = rg::Lattice::square(hside);
      const auto table = rg::effective_couplings(top, rg::lattice_subsets(hl, 2), co);
      for (const auto& a : rg::average_by_shape(table, hl)) {
        if (a.order != 2) continue;
        couplings.push_back({{"distance", a.distance * c.model.block}, {"coupling", result_json(a.mean)}, {"pairs", a.count}});
      }
    } else if (!locality.empty()) {
      // All pairs cost n_h² Monte Carlo couplings over every unit; take each unit's 3 nearest
      // units (by centre distance) and 3 random others, which covers short and long distances.
      const rg::LevelLocality& loc = locality.front();
      Rng pick(seed, 1u << 20);
      const std::vector<rg::Sites> pairs = rg::nearest_and_random_pairs(loc.units, L, 3, 3, pick);
      co.samples = 1000;
      const auto table = rg::effective_couplings(top, pairs, co);
      const auto centre_distance = [&](Index i, Index j) {
        const auto& ui = loc.units[static_cast<std::size_t>(i)];
        const auto& uj = loc.units[static_cast<std::size_t>(j)];
        return rg::torus_distance(ui.centre_x, ui.centre_y, uj.centre_x, uj.centre_y, L);
      };
      for (const rg::DistanceBin& bin :
           rg::gauged_couplings_by_distance(table, rg::field_signs(loc.fields), centre_distance)) {
        couplings.push_back({{"distance", bin.distance}, {"coupling", bin.coupling}, {"pairs", bin.pairs}});
      }
    }
  }
  ctx.reporter.stage_progress(1.0);

  // Exact references (Kaufman 1949) for Ising data.
  json exact = nullptr;
  if (T > 0) {
    const double K = 1.0 / T;
    const auto kf = ising::kaufman(L, K);
    const double N = static_cast<double>(L) * L;
    exact = {{"temperature", T},
             {"coupling", exact_json(K)},
             {"free_energy_per_spin", exact_json(-kf.log_z / N)},
             {"energy_per_spin", exact_json(kf.energy_per_spin)},
             {"log_likelihood_per_spin", exact_json(-K * kf.energy_per_spin - kf.log_z / N)}};
  }
  const json results = {{"dataset", d}, {"model", kind}, {"rows", rows}, {"levels", levels},
                        {"free_energy", free_energy}, {"free_energy_conservation", conservation},
                        {"exact", exact}, {"rbm_flow", flow_json}, {"couplings", couplings},
                        {"receptive_fields", fields_json}, {"reconstructions", reconstructions}};
  const std::string out = "measure/" + d + (local ? "-local" : "") + ".json";
  std::filesystem::create_directories(ctx.store.path("measure"));
  write_text_atomic(ctx.store.path(out), results.dump() + "\n");
  return {{out}, json::object()};
}

// ---- report --------------------------------------------------------------------------------------

json read_json(const std::string& path) {
  try {
    return json::parse(read_text(path));
  } catch (const json::exception& e) {
    throw FileError(path, fmt::format("not valid JSON: {}", e.what()));
  }
}

void strip_heavy(json& j) {  // the summary keeps numbers, not pictures
  if (j.is_object()) {
    for (const char* key : {"examples", "receptive_fields", "reconstructions", "centres"}) j.erase(key);
    for (auto& [k, v] : j.items()) strip_heavy(v);
  } else if (j.is_array()) {
    for (auto& v : j) strip_heavy(v);
  }
}

// Per level k: the block spins' and the RSMI column's renormalised couplings next to the RBM's
// (and the locally connected model's) renormalised nearest-neighbour coupling of the same scale.
json coupling_flow_json(const json& block, const json& meas, const json& local, const json& rsmi, int b) {
  json out = json::array();
  const json& bl = block.at("levels");
  const json& dl = meas.at("levels");
  auto model_entry = [](const json& levels, std::size_t k) -> json {
    if (!levels.is_array() || k >= levels.size() || !levels[k].contains("renormalized_coupling")) return nullptr;
    const json& rc = levels[k]["renormalized_coupling"];
    return {{"nearest_neighbour", rc.at("nearest_neighbour")}, {"pairs", rc.at("pairs")}};
  };
  for (std::size_t k = 0; k < bl.size(); ++k) {
    json e = {{"level", k}, {"side", bl[k].at("side")},
              {"spacing", std::pow(static_cast<double>(b), static_cast<double>(k))},
              {"blockspin", bl[k].contains("renormalized_couplings") ? bl[k]["renormalized_couplings"] : json()},
              {"dbn", model_entry(dl, k)}};
    e["rsmi"] = nullptr;  // the RSMI column: null where it has no level k (or is not run)
    if (rsmi.is_object() && k < rsmi.at("levels").size()) e["rsmi"] = rsmi.at("levels")[k].value("renormalized_couplings", json());
    if (local.is_object()) e["local"] = model_entry(local.at("levels"), k);
    out.push_back(e);
  }
  return out;
}

std::pair<std::vector<std::string>, json> run_report(Context& ctx, const json& params) {
  const Config& c = ctx.config;
  json summary;
  summary["rgflow_version"] = version();
  summary["gemm"] = std::string(gemm::name(gemm::active()));  // the backend moves the bits
  summary["seed"] = std::to_string(c.seed);
  json cfg;
  to_json(cfg, c);
  summary["config"] = cfg;
  summary["exact"] = {{"critical_temperature", exact_json(ising::critical_temperature())},
                      {"y_t", exact_json(1.0)}, {"y_h", exact_json(15.0 / 8.0)}};
  json figdata = {{"datasets", json::object()}, {"size", c.data.size}, {"block", c.model.block}};
  json datasets = json::object();
  json local_meas;  // the locally connected model's measurements (critical data), if run
  if (const auto p = ctx.store.path(std::string("measure/") + kCritical + "-local.json");
      ctx.params.count(std::string("measure-local/") + kCritical) && std::filesystem::exists(p)) {
    local_meas = read_json(p);
  }
  for (const auto& d : c.datasets()) {
    json data = stage_results(ctx, "data/" + d);
    json block = read_json(ctx.store.path("blockspin/" + d + ".json"));
    json meas = read_json(ctx.store.path("measure/" + d + ".json"));
    const json rsmi = c.rsmi.enabled ? read_json(ctx.store.path("rsmi/" + d + ".json")) : json();
    figdata["datasets"][d] = {{"blockspin", block}, {"measure", meas}, {"rsmi", rsmi}};
    json entry = {{"temperature", data.at("temperature")},
                  {"tau_int", data.at("tau_int")},
                  {"sweeps_between", data.at("sweeps_between")},
                  {"samples", data.at("samples")},
                  {"blockspin", block},
                  {"dbn", meas},
                  {"coupling_flow", coupling_flow_json(block, meas, d == kCritical ? local_meas : json(), rsmi, c.model.block)}};
    if (rsmi.is_object()) entry["rsmi"] = rsmi;
    // The quality gate of every layer (model stage): findings leave out unfit layers (report.hpp).
    entry["dbn"]["fit"] = stage_results(ctx, "model/" + d).value("layer_fits", json::array());
    strip_heavy(entry);
    datasets[d] = entry;
  }
  summary["datasets"] = datasets;
  if (local_meas.is_object()) {
    json meas = local_meas;
    figdata["local"] = meas;
    strip_heavy(meas);
    meas["fit"] = stage_results(ctx, std::string("local/") + kCritical).value("layer_fits", json::array());
    summary["local"] = meas;
  }
  // The positive controls (controls stage), shown first; a finding whose diagnostic fails its
  // control is reported as broken (report.hpp).
  summary["positive_controls"] = read_json(ctx.store.path("controls.json")).at("positive_controls");
  const auto f = findings(summary);
  json fj = json::array();
  for (const auto& x : f) {
    fj.push_back({{"id", x.id}, {"shows", x.shows}, {"text", x.text}, {"broken", x.broken},
                  {"controls_passed", x.controls_passed}, {"controls_failed", x.controls_failed}});
  }
  summary["findings"] = fj;
  summary["paragraph"] = findings_paragraph(f);
  summary["verdict"] = verdict(summary, f);
  figdata["summary"] = summary;

  // Figures: the embedded matplotlib script, run on figdata.json.
  std::filesystem::create_directories(ctx.store.path("figures"));
  const std::string script = ctx.store.path("figures/plot.py");
  const std::string figjson = ctx.store.path("figures/figdata.json");
  write_text_atomic(script, plot_script());
  write_text_atomic(figjson, figdata.dump());
  std::vector<Figure> figures = {
      {"samples.png", "Sample configurations", "Rows: datasets. Columns: the data, then majority-rule block spins at each level (b = " + std::to_string(c.model.block) + ").", ""},
      {"receptive_fields.png", "Receptive fields per layer (critical data)", "Columns of W_0 W_1 ⋯ W_{k−1} on the data lattice, sign-fixed; blue negative, red positive.", ""},
      {"magnetization.png", "Magnetisation distributions", "Fraction of configurations per bin of m, DBN hidden samples (solid) vs block spins of the same level (dashed), critical data.", ""},
      {"correlation_length.png", "Correlation length vs level", "Second-moment ξ in original lattice units: block spins (dashed, open) and DBN hidden samples at receptive-field centres (solid), for every dataset.", ""},
      {"locality.png", "Receptive-field locality vs level", "Share of each unit's squared receptive field within radius 1.5·b^(k−1) of its centre, mean over units; dotted: the same fields on permuted sites (null). Dashed black: the locally connected model.", ""},
      {"couplings.png", "Couplings vs distance", "Pair couplings of the first RBM's hidden-side Hamiltonian H(h) (exact Walsh expansion or Monte Carlo, rg/couplings): the locally connected model on its block lattice, the DBN binned by receptive-field-centre distance; star: the data's bare K.", ""},
      {"renormalized_couplings.png", "Renormalised couplings per level: block spins vs RBM",
       "Left (critical data): the block spins' nearest-neighbour K₁, next-nearest K₂ and plaquette K₄ per level "
       "(maximum pseudo-likelihood, rg/renormalized_couplings; level 0 is the data, star the bare K) against the "
       "RBMs' renormalised nearest-neighbour coupling of the same scale (hidden-side H(h) of layer k−1, pairs at "
       "the block spacing b^k): DBN (receptive-field centres) and the locally connected model (block lattice). "
       "RSMI: the same pseudo-likelihood fit on the levels coarse-grained by the learned RSMI filters (dotted, green). "
       "Right: block-spin K₁ (dashed) and DBN K_nn (solid) for every dataset.", ""},
      {"free_energy.png", "Free-energy flow", "Left: gauge-fixed free energy per original site F'_k/n_0 per layer (exact log Z or AIS) against the exact Ising f (Kaufman), which an exact RG conserves. Right: mean log-likelihood per unit ℓ_k/n_k, and −s per spin.", ""},
      {"rbm_flow.png", "RBM flow T(n)", "Temperature (from the exact finite-L energy) of configurations iterated v → h → v through the first RBM (Iso, Shiba & Yokoo 2018).", ""},
      {"reconstructions.png", "Reconstructions", "Critical data (top row) and reconstructions from each hidden level (up with samples, down with means, sign).", ""},
      {"mcrg.png", "MCRG eigenvalues", "RG exponents y_t (even) and y_h (odd) from the block-spin reference, and for the critical data with the learned RSMI rules as blocking rules (dotted, open triangles), with the exact 2D Ising values 1 and 15/8.", ""},
  };
  std::string note;
  if (ctx.options.figures) {
    const std::string log = ctx.store.path("figures/plot.log");
    const std::string cmd = fmt::format("'{}' '{}' '{}' '{}' > '{}' 2>&1", ctx.options.python, script, figjson,
                                        ctx.store.path("figures"), log);
    ctx.reporter.stage_progress(0.3);
    const int rc = std::system(cmd.c_str());
    ctx.check();
    if (rc != 0) {
      std::string why;
      try {
        why = read_text(log);
      } catch (const Error&) {
      }
      const auto nl = why.find_last_of('\n', why.size() > 1 ? why.size() - 2 : 0);
      why = why.substr(nl == std::string::npos ? 0 : nl + 1);
      while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
      note = fmt::format("figures were not drawn ({} failed: {}; log in figures/plot.log). The figures need "
                         "python3-matplotlib (scripts/install-deps); run again to retry",
                         ctx.options.python, why.empty() ? "no output" : why);
    }
  } else {
    note = "figures were not requested (--no-figures)";
  }
  std::vector<std::string> outputs = {"summary.json", "report.html"};
  for (auto& fig : figures) {
    const std::string p = ctx.store.path("figures/" + fig.file);
    if (note.empty() && std::filesystem::exists(p)) {
      fig.png = read_text(p);
      outputs.push_back("figures/" + fig.file);
    }
  }
  if (note.empty()) {
    for (const auto& fig : figures) {
      if (fig.png.empty()) note = "some figures were not drawn (see figures/plot.log)";
    }
  }
  summary["figures_note"] = note;
  write_text_atomic(ctx.store.path("summary.json"), summary.dump(2) + "\n");
  write_text_atomic(ctx.store.path("report.html"), render_html(summary, figures, note));
  ctx.result.figures_note = note;
  (void)params;
  return {outputs, {{"figures_note", note}}};
}

// ---- distribution (pipeline.hpp) ---------------------------------------------------------------

// A rank's private directory for the stages it computes and the files it receives; removed with
// everything in it when the run ends, however it ends.
class ScratchDir {
 public:
  explicit ScratchDir(int rank) {
    std::string name =
        (std::filesystem::temp_directory_path() / fmt::format("rgflow-vrg-rank{}-XXXXXX", rank)).string();
    if (::mkdtemp(name.data()) == nullptr) throw FileError(name, "cannot create a scratch directory");
    path_ = name;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void put_u64(std::string& out, std::uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}

std::uint64_t get_u64(std::span<const std::byte> in, std::size_t& at) {
  if (in.size() - at < 8) throw Error("vrg: a shipped stage is truncated");
  std::uint64_t v = 0;
  std::memcpy(&v, in.data() + at, 8);
  at += 8;
  return v;
}

// A finished stage as bytes: each output file, then its record (written last on arrival, so that
// a stage whose record exists is complete), as (path relative to the store, contents) pairs.
std::string pack_stage(const StageStore& store, const std::string& name) {
  const json record = read_json(store.record_path(name));
  std::vector<std::string> files;
  for (const auto& out : record.at("outputs")) files.push_back(out.get<std::string>());
  files.push_back(StageStore::record_file(name));
  std::string bytes;
  put_u64(bytes, files.size());
  for (const auto& f : files) {
    const std::string contents = read_text(store.path(f));
    put_u64(bytes, f.size());
    bytes += f;
    put_u64(bytes, contents.size());
    bytes += contents;
  }
  return bytes;
}

void unpack_stage(const StageStore& store, std::span<const std::byte> bytes) {
  std::size_t at = 0;
  const std::uint64_t n = get_u64(bytes, at);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string field[2];
    for (auto& f : field) {
      const std::uint64_t len = get_u64(bytes, at);
      if (bytes.size() - at < len) throw Error("vrg: a shipped stage is truncated");
      f.assign(reinterpret_cast<const char*>(bytes.data() + at), len);
      at += len;
    }
    const std::filesystem::path target = store.path(field[0]);
    std::filesystem::create_directories(target.parent_path());
    write_text_atomic(target.string(), field[1]);
  }
}

// Rank `owner`'s bytes on every rank (collective; the others send nothing).
std::vector<std::byte> from_owner(const Communicator& comm, int owner, std::span<const std::byte> mine) {
  auto all = comm.allgather(comm.rank() == owner ? mine : std::span<const std::byte>());
  return std::move(all.at(static_cast<std::size_t>(owner)));
}

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

}  // namespace

RunResult run_pipeline(const Config& config, const RunOptions& options, Reporter& reporter) {
  config.validate();
  const auto t0 = Clock::now();
  SerialCommunicator serial;
  const Communicator& comm = options.communicator != nullptr ? *options.communicator : serial;
  check_communicator(comm, "vrg::run_pipeline");
  const int rank = comm.rank(), size = comm.size();
  if (size > 1) {
    // Every rank must run the same stages (a launch that gives the ranks different options would
    // otherwise pair unrelated collectives): agree on the whole config before touching OUTDIR.
    json mine;
    to_json(mine, config);
    const std::string key = fmt::format("{}|{}|{}|{}|{}", mine.dump(), options.outdir, options.force, options.figures,
                                        options.python);
    const auto all = comm.allgather(as_bytes(key));
    for (std::size_t r = 1; r < all.size(); ++r) {
      if (all[r].size() != all[0].size() || !std::equal(all[r].begin(), all[r].end(), all[0].begin())) {
        throw Error(fmt::format("vrg run: rank {} was started with another configuration or output directory than "
                                "rank 0 (every rank needs the same options)", r));
      }
    }
  }
  std::optional<ScratchDir> scratch;
  if (rank != 0) scratch.emplace(rank);
  Context ctx{config,   options, reporter, StageStore(rank == 0 ? options.outdir : scratch->path(), options.force),
              {},       {},      with_peer_stops(comm, process_cancel_poll()), {}};
  const auto datasets = config.datasets();
  // The locally connected ("Kadanoff") model is trained on the critical data only.
  const bool local = config.model.local && local_possible(config);
  if (options.threads > 0) omp_set_num_threads(options.threads);

  // Every stage in pipeline order, with the stages whose files it reads.
  const std::string critical = kCritical;
  for (const auto& d : datasets) {
    const json p = data_params(config, d, ctx);
    std::vector<std::string> deps;
    if (d == kPermuted) deps = {"data/" + critical};  // a site permutation of the critical data: light
    add_stage(ctx, "data/" + d, p, deps, [&ctx, d, p] { return run_data(ctx, d, p); }, d == kPermuted);
  }
  for (const auto& d : datasets) {
    const json p = model_params(config, d, ctx, "model");
    add_stage(ctx, "model/" + d, p, {"data/" + d}, [&ctx, d, p] { return run_model(ctx, d, p, "model"); });
  }
  if (local) {
    const json p = model_params(config, critical, ctx, "local");
    add_stage(ctx, "local/" + critical, p, {"data/" + critical},
              [&ctx, p] { return run_model(ctx, kCritical, p, "local"); });
  }
  for (const auto& d : datasets) {
    const json p = blockspin_params(config, d, ctx);
    add_stage(ctx, "blockspin/" + d, p, {"data/" + d}, [&ctx, d, p] { return run_blockspin(ctx, d, p); });
  }
  if (config.rsmi.enabled) {
    for (const auto& d : datasets) {
      const json p = rsmi_params(config, d, ctx);
      add_stage(ctx, "rsmi/" + d, p, {"data/" + d}, [&ctx, d, p] { return run_rsmi(ctx, d, p); });
    }
  }
  {
    const json p = controls_params(config, ctx);
    add_stage(ctx, "controls", p, {"data/" + critical, "blockspin/" + critical},
              [&ctx, p] { return run_controls(ctx, p); });
  }
  for (const auto& d : datasets) {
    const json p = measure_params(config, d, ctx, "model");
    add_stage(ctx, "measure/" + d, p, {"data/" + d, "model/" + d, "blockspin/" + d},
              [&ctx, d, p] { return run_measure(ctx, d, p, "model"); });
  }
  if (local) {
    const json p = measure_params(config, critical, ctx, "local");
    add_stage(ctx, "measure-local/" + critical, p, {"data/" + critical, "local/" + critical, "blockspin/" + critical},
              [&ctx, p] { return run_measure(ctx, kCritical, p, "local"); });
  }
  json report_params = {{"measure", json::object()}, {"figures", options.figures}, {"rgflow_version", version()},
                        {"controls", ctx.params.at("controls")}};
  for (const auto& d : datasets) report_params["measure"][d] = ctx.params.at("measure/" + d);
  if (config.rsmi.enabled) {
    for (const auto& d : datasets) report_params["rsmi"][d] = ctx.params.at("rsmi/" + d);
  }
  if (local) report_params["measure"]["local"] = ctx.params.at("measure-local/" + critical);
  report_params["python"] = options.python;
  {
    std::vector<std::string> everything;  // the report reads every stage
    for (const auto& u : ctx.units) everything.push_back(u.name);
    add_stage(ctx, "report", report_params, everything, [&ctx, report_params] { return run_report(ctx, report_params); });
  }
  const std::size_t n = ctx.units.size();
  const int total = static_cast<int>(n);

  // Rank 0 checks the cache (OUTDIR); every rank learns which stages are fresh.
  std::string fresh(n, '\0');
  if (rank == 0) {
    // A report whose figures failed is not finished: try again (e.g. after installing matplotlib).
    if (const auto rec = ctx.store.record("report");
        options.figures && rec && !(*rec).value("results", json::object()).value("figures_note", "").empty()) {
      std::filesystem::remove(ctx.store.record_path("report"));
    }
    for (std::size_t i = 0; i < n; ++i) fresh[i] = ctx.store.fresh(ctx.units[i].name, ctx.units[i].params) ? 1 : 0;
  }
  if (size > 1) {
    const auto all = from_owner(comm, 0, as_bytes(fresh));
    if (all.size() != n) throw Error("vrg: rank 0 sent a stage list of another length");
    for (std::size_t i = 0; i < n; ++i) fresh[i] = static_cast<char>(all[i]);
  }

  // The waves: a fresh stage is done (wave 0, on rank 0, which has it in OUTDIR); any other runs
  // in the wave after the last of the stages it reads, the i-th of its wave on rank i mod size.
  // A light stage whose unfinished inputs are all on one rank runs there, in their wave, after
  // them. One process needs no waves: it runs every stage in pipeline order (the same bits).
  std::map<std::string, std::size_t> index_of;
  std::vector<int> wave(n, 0), owner(n, 0);
  int waves = 0;
  std::map<int, int> in_wave;
  for (std::size_t i = 0; i < n; ++i) {
    const Unit& u = ctx.units[i];
    index_of[u.name] = i;
    if (fresh[i]) continue;
    if (u.light && size > 1) {
      int at = -1, in = 0;
      bool together = true;
      for (const auto& dep : u.deps) {
        const std::size_t j = index_of.at(dep);
        if (fresh[j]) continue;
        if (at < 0) {
          at = owner[j];
          in = wave[j];
        }
        together = together && owner[j] == at && wave[j] == in;
      }
      if (at >= 0 && together) {
        wave[i] = in;
        owner[i] = at;
        continue;
      }
    }
    int w = 1;
    for (const auto& dep : u.deps) w = size == 1 ? 1 : std::max(w, wave.at(index_of.at(dep)) + 1);
    wave[i] = w;
    owner[i] = in_wave[w]++ % size;
    waves = std::max(waves, w);
  }
  // needed[i][r]: rank r must receive stage i's files (rank 0 for OUTDIR; a rank that reads them).
  std::vector<std::vector<char>> needed(n, std::vector<char>(static_cast<std::size_t>(size), 0));
  for (std::size_t i = 0; i < n; ++i) {
    if (owner[i] != 0) needed[i][0] = 1;
    if (fresh[i]) continue;
    for (const auto& dep : ctx.units[i].deps) {
      const std::size_t j = index_of.at(dep);
      if (owner[j] != owner[i]) needed[j][static_cast<std::size_t>(owner[i])] = 1;
    }
  }
  if (rank == 0) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!fresh[i]) continue;
      reporter.stage_started(static_cast<int>(i) + 1, total, ctx.units[i].name, true);
      reporter.stage_finished(ctx.units[i].name, true, 0.0);
    }
  }
  // After wave w: every stage of it that another rank needs, owner to all (one collective each,
  // in pipeline order: the same sequence on every rank).
  const auto ship = [&](int w) {
    for (std::size_t i = 0; i < n; ++i) {
      if (wave[i] != w) continue;
      bool elsewhere = false;
      for (int r = 0; r < size; ++r) elsewhere = elsewhere || (r != owner[i] && needed[i][static_cast<std::size_t>(r)]);
      if (!elsewhere) continue;
      const std::string mine = rank == owner[i] ? pack_stage(ctx.store, ctx.units[i].name) : std::string();
      const auto bytes = from_owner(comm, owner[i], as_bytes(mine));
      if (rank == owner[i] || !needed[i][static_cast<std::size_t>(rank)]) continue;
      unpack_stage(ctx.store, bytes);
      if (rank == 0 && !fresh[i]) {  // a stage run elsewhere has arrived
        const auto rec = ctx.store.record(ctx.units[i].name);
        reporter.stage_started(static_cast<int>(i) + 1, total, ctx.units[i].name, false);
        reporter.stage_finished(ctx.units[i].name, false, rec ? rec->value("seconds", 0.0) : 0.0);
      }
    }
  };
  ship(0);
  for (int w = 1; w <= waves; ++w) {
    bool stopped = false;
    try {
      ctx.check();
      for (std::size_t i = 0; i < n; ++i) {
        if (wave[i] == w && owner[i] == rank) {
          run_unit(ctx, ctx.units[i], static_cast<int>(i) + 1, {{"rank", rank}, {"ranks", size}, {"wave", w}});
        }
      }
    } catch (const Cancelled&) {
      if (size == 1) throw;
      comm.announce_stop();  // the others stop at their next check point
      stopped = true;        // the wave ends for every rank: all throw Cancelled, or PeerFailure
    }
    if (size > 1) agree_on_stop(comm, stopped);
    ship(w);
  }

  for (std::size_t i = 0; i < n; ++i) (fresh[i] ? ctx.result.skipped : ctx.result.ran).push_back(ctx.units[i].name);
  ctx.result.summary_path = (std::filesystem::path(options.outdir) / "summary.json").string();
  ctx.result.report_path = (std::filesystem::path(options.outdir) / "report.html").string();
  if (rank == 0) {
    if (ctx.result.figures_note.empty()) {
      if (const auto rec = ctx.store.record("report"); rec && rec->contains("results")) {
        ctx.result.figures_note = (*rec)["results"].value("figures_note", "");
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    write_text_atomic(ctx.store.path("run.json"),
                      json{{"ran", ctx.result.ran}, {"skipped", ctx.result.skipped}, {"seconds", seconds},
                           {"seed", std::to_string(config.seed)}, {"rgflow_version", version()}}
                              .dump(2) + "\n");
  }
  return ctx.result;
}

}  // namespace rgflow::vrg
