// The service layer for deep belief networks (run/dbn.hpp).
#include "rgflow/run/dbn.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/run/conv.hpp"
#include "rgflow/train/monitor_log.hpp"

namespace rgflow::run {

Dbn load_layers(const std::string& path) {
  bool is_dbn = false, is_conv = false;
  {
    const io::h5::File file = io::h5::File::open(path);
    is_dbn = file.exists("/dbn");
    is_conv = file.exists("/conv_rbm");
  }
  if (is_dbn) return io::load_dbn(path);
  if (is_conv) return Dbn({dense_from_conv_file(path)});
  return Dbn({io::load_rbm(path)});
}

// ---------------------------------------------------------------------------------------------

DbnTrainRun train_dbn(const DbnTrainRequest& request, const DbnTrainCallbacks& callbacks) {
  const auto t0 = std::chrono::steady_clock::now();
  if (request.layers.empty()) throw Error("a DBN needs at least one layer to train");
  train::DbnTrainOptions options;
  options.propagate = request.propagate;
  options.layers = request.layers;
  const Index first = request.start ? request.start->n_layers() : 0;
  const Communicator* comm = request.communicator;
  if (comm != nullptr) check_communicator(*comm, "train_dbn");
  options.communicator = comm;
  for (std::size_t k = 0; k < options.layers.size(); ++k) {
    train::TrainConfig& config = options.layers[k].config;
    if (request.seed) config.seed = *request.seed + first + k;  // layer k: seed + k
    try {
      config.validate();
    } catch (const Error& e) {
      throw Error(fmt::format("layer {}: {}", first + static_cast<Index>(k), e.what()));
    }
    if (comm != nullptr && comm->size() > 1 && config.shards < 2) {
      throw Error(fmt::format("layer {}: training on {} ranks splits each mini-batch into row shards: "
                              "set them (--shards) to 2 or more, e.g. {}; the DBN is then the same "
                              "bits on any number of ranks (docs/scaling.md)",
                              first + static_cast<Index>(k), comm->size(), comm->size()));
    }
  }

  DbnTrainRun out;
  StopSignal stop(callbacks.stop);
  const train::DbnEpochCallback on_epoch = [&](const train::DbnProgress& p) {
    out.epochs.push_back(p);
    if (callbacks.on_epoch) callbacks.on_epoch(p);
  };
  const train::BatchCallback on_batch = [&](Index done, Index total) {
    if (callbacks.on_batch) callbacks.on_batch(done, total);
    if (stop.check()) throw Cancelled();
  };
  const MatrixF* validation = request.validation.rows() > 0 ? &request.validation : nullptr;
  if (request.start) {
    out.dbn = *request.start;
    train::extend_dbn(out.dbn, request.data, options, validation, on_epoch, on_batch, &out.stops);
  } else {
    out.dbn = train::train_dbn(request.data, request.visible, options, validation, on_epoch,
                               on_batch, &out.stops);
  }

  out.propagate = request.propagate;
  out.seed = request.seed;
  if (request.seed) out.attributes["seed"] = std::to_string(*request.seed);
  out.attributes["data"] = request.data_source;
  out.attributes["layers"] = fmt::format("{}", fmt::join(out.dbn.level_sizes(), ","));
  out.attributes["propagate"] = std::string(to_string(request.propagate));
  for (std::size_t i = 0; i < options.layers.size(); ++i) {
    const train::DbnLayerSpec& spec = options.layers[i];
    out.configs.push_back(spec.config);
    const nlohmann::json config = spec.config;
    Attributes attributes = {{"seed", std::to_string(spec.config.seed)}, {"train_config", config.dump()}};
    if (const auto& rule = out.stops[i]) {
      attributes["best_epoch"] = std::to_string(rule->best_epoch);
      attributes["stop_reason"] = rule->stop_reason;
    }
    out.layer_attributes.push_back(std::move(attributes));
  }
  // The quality gate (fit.hpp) of every layer trained here: the bottom layer on the data, layer
  // k ≥ 1 on level-k states sampled up through the layers below (dbn.hpp).
  const std::size_t first_new = out.dbn.layers().size() - out.configs.size();
  for (std::size_t k = first_new; k < out.dbn.layers().size(); ++k) {
    const train::TrainConfig& config = out.configs[k - first_new];
    estimate::LogZOptions gate = fit_log_z_options(config.seed);
    gate.stop = callbacks.stop;
    gate.communicator = comm;
    const Rbm& layer = out.dbn.layers()[k];
    if (k == 0) {
      out.bottom_fit = assess_fit(layer, request.data, validation, gate, request.ising);
      out.layer_fits.push_back(out.bottom_fit);
      continue;
    }
    const auto level = static_cast<Index>(k);
    Rng train_rng(config.seed, kGateStream), heldout_rng(config.seed, kGateStream + 1);
    const MatrixF states = out.dbn.up(request.data, level, Propagate::sample, train_rng);
    MatrixF heldout_states;
    if (validation != nullptr) heldout_states = out.dbn.up(*validation, level, Propagate::sample, heldout_rng);
    out.layer_fits.push_back(assess_fit(layer, states, validation ? &heldout_states : nullptr, gate));
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void to_json(nlohmann::json& j, const DbnTrainRun& r) {
  nlohmann::json layer_fits = nlohmann::json::array();
  for (const auto& f : r.layer_fits) layer_fits.push_back(f ? nlohmann::json(*f) : nlohmann::json(nullptr));
  nlohmann::json epochs = nlohmann::json::array();
  for (const train::DbnProgress& p : r.epochs) {
    epochs.push_back({{"layer", p.layer},
                      {"epoch", p.stats.epoch},
                      {"reconstruction_error", p.stats.reconstruction_error},
                      {"free_energy_train", p.stats.free_energy_train},
                      {"heldout_score", p.stats.heldout_score ? nlohmann::json(*p.stats.heldout_score)
                                                              : nlohmann::json(nullptr)},
                      {"improved", p.stats.heldout_improved}});
  }
  nlohmann::json stops = nlohmann::json::array();
  const std::size_t first_new = r.dbn.layers().size() - r.stops.size();
  for (std::size_t i = 0; i < r.stops.size(); ++i) {
    if (!r.stops[i]) {
      stops.push_back(nullptr);
      continue;
    }
    nlohmann::json stop = *r.stops[i];
    stop["layer"] = first_new + i;
    stop["patience"] = r.configs[i].patience;
    stop["max_epochs"] = r.configs[i].epochs;
    stops.push_back(std::move(stop));
  }
  j = {{"layers", r.dbn.level_sizes()},
       {"seed", r.seed ? nlohmann::json(*r.seed) : nlohmann::json(nullptr)},
       {"propagate", std::string(to_string(r.propagate))},
       {"epochs", epochs},
       {"fit", r.bottom_fit ? nlohmann::json(*r.bottom_fit) : nlohmann::json(nullptr)},
       {"layer_fits", layer_fits},
       {"stops", stops},
       {"time", {{"seconds", r.seconds}}}};
}

// ---------------------------------------------------------------------------------------------

DbnFlowRun dbn_flow(const Dbn& dbn, const MatrixF& data, const DbnFlowRequest& request) {
  estimate::FlowOptions flow = request.flow;
  flow.log_z.stop = request.stop;
  const std::int64_t parts = request.bound ? 2 : 1;
  flow.log_z.progress = progress_part(request.progress, 0, parts);
  DbnFlowRun out;
  out.layers = estimate::free_energy_flow(dbn, data, flow);
  if (request.bound) {
    estimate::BoundOptions bound = *request.bound;
    bound.stop = request.stop;
    bound.progress = progress_part(request.progress, 1, parts);
    out.bound = estimate::dbn_lower_bound(dbn, data, flow.log_z, bound);
  }
  out.samples = data.rows();
  out.propagate = flow.propagate;
  out.seed = flow.seed;
  return out;
}

namespace {

nlohmann::json optional_json(const std::optional<stats::Result>& r) {
  return r ? nlohmann::json(*r) : nlohmann::json(nullptr);
}

}  // namespace

void to_json(nlohmann::json& j, const DbnFlowRun& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const estimate::LayerFlow& f : r.layers) {
    layers.push_back({{"layer", f.layer},
                      {"n_visible", f.n_visible},
                      {"n_hidden", f.n_hidden},
                      {"free_energy", f.free_energy},
                      {"free_energy_per_unit", f.free_energy_per_unit},
                      {"log_z_method", std::string(estimate::to_string(f.log_z_method))},
                      {"log_z", optional_json(f.log_z)},
                      {"log_likelihood", optional_json(f.log_likelihood)},
                      {"log_likelihood_per_unit", optional_json(f.log_likelihood_per_unit)}});
  }
  j = {{"samples", r.samples},
       {"propagate", std::string(to_string(r.propagate))},
       {"seed", r.seed},
       {"layers", layers}};
  if (r.bound) j["lower_bound"] = {{"mean", r.bound->mean}, {"log_z_top", r.bound->log_z_top}};
}

}  // namespace rgflow::run
