#pragma once
// The service layer for deep belief networks: the work of `rgflow dbn train` and `rgflow dbn flow`
// and of the Python class rgflow.DBN (fit, free_energy_flow), as typed requests and results. The
// CLI parses its per-layer options into a request, calls one function here and prints the
// result's JSON; the Python binding converts arrays and calls the same function
// (docs/architecture.md).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/estimate/free_energy_flow.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/run/fit.hpp"
#include "rgflow/run/rbm.hpp"
#include "rgflow/train/dbn_trainer.hpp"

namespace rgflow::run {

// The Philox streams of the upper layers' quality gate (training rows; validation rows: + 1).
inline constexpr std::uint64_t kGateStream = std::uint64_t{5} << 32;
// The held-out states of the gate are those automatic stopping scored (train/dbn_trainer.hpp).
static_assert(kGateStream + 1 == train::kStopStatesStream);

// A model file as a stack of layers: a DBN file (/dbn) as it is, an RBM file (/rbm) as a one-layer
// DBN (the rg tools accept both).
Dbn load_layers(const std::string& path);

// ---------------------------------------------------------------------------------------------
// Greedy layer-wise training (train/dbn_trainer.hpp)

struct DbnTrainRequest {
  MatrixF data;                  // training rows (states of the visible units)
  std::string data_source;       // their name in messages and attributes
  MatrixF validation;            // optional held-out rows (empty: none), pushed up like the data
  UnitType visible = UnitType::bernoulli;
  // Bottom-up layers: hidden size, unit type, connectivity and training configuration.
  std::vector<train::DbnLayerSpec> layers;
  Propagate propagate = Propagate::mean;
  // Layer k trains with seed + k (the seed of each layer's config is set from it); without a
  // seed the configs' own seeds are used.
  std::optional<std::uint64_t> seed;
  // A trained DBN to extend with `layers` (its layers stay as they are); none: train from `data`.
  std::optional<Dbn> start;
  // The Ising model the data were sampled from: the bottom layer's gate adds −s and the paired KL.
  std::optional<IsingReference> ising;
  // Data-parallel training (docs/scaling.md): every rank of `communicator` calls train_dbn with
  // the same request; each layer's mini-batch row shards (its config.shards, >= 2 on more than one
  // rank) and the quality gate's AIS chains are spread over the ranks, and every rank returns the
  // one-process result bit for bit (the caller's rank 0 writes it). nullptr: this process alone.
  const Communicator* communicator = nullptr;
};

struct DbnTrainCallbacks {
  std::function<void(const train::DbnProgress&)> on_epoch;       // after every epoch of a layer
  std::function<void(Index batches_done, Index batches_total)> on_batch;
  // Polled between mini-batches; true stops the run with Cancelled (core/cancel.hpp).
  StopPoll stop;
};

struct DbnTrainRun {
  Dbn dbn;
  std::vector<train::DbnProgress> epochs;   // every epoch of every layer, in order
  std::vector<train::TrainConfig> configs;  // the configuration each new layer trained with
  Propagate propagate = Propagate::mean;
  std::optional<std::uint64_t> seed;
  // For the DBN file: {seed?, data, layers (level sizes "784,500,..."), propagate} and, per new
  // layer, {seed, train_config}; the caller adds its provenance.
  Attributes attributes;
  std::vector<Attributes> layer_attributes;
  // The quality gate (fit.hpp) of the bottom layer on the validation rows (training rows
  // without), when it was trained here on rows of states.
  std::optional<FitReport> bottom_fit;
  // The gate of every layer trained here (index k: layer k; bottom_fit again at 0). Layer k ≥ 1
  // models the distribution of level-k states the layers below give the data, so it is scored
  // on states drawn level by level, h^{j+1} ~ p_j(h^{j+1} | h^j) (Dbn::up with Propagate::sample,
  // Rng(layer k's seed, kGateStream), training and validation rows alike), whatever the
  // propagation it was trained with; its baseline is the independent-unit fit to the same
  // training states. nullopt for a layer the gate cannot score (Gaussian units).
  std::vector<std::optional<FitReport>> layer_fits;
  // Automatic stopping of every layer trained here (index i: the i-th new layer; nullopt for a
  // layer with a fixed number of epochs). The file's layer attributes record each one's
  // best_epoch and stop_reason.
  train::DbnStops stops;
  double seconds = 0.0;
};

// Checks every layer's configuration before any training (Error naming the quantity), trains
// (or extends request.start) and records what was done. Cancelled when callbacks.stop answers
// true.
DbnTrainRun train_dbn(const DbnTrainRequest& request, const DbnTrainCallbacks& callbacks = {});

// {"layers": level sizes, "seed", "propagate", "epochs": [{layer, epoch, reconstruction_error,
//  free_energy_train, heldout_score (null without automatic stopping), improved}], "fit" (the
//  bottom layer's gate or null), "layer_fits", "stops": per new layer null (fixed epochs) or
//  {"layer", "patience", "max_epochs", "score", "best_epoch", "stop_reason", "epochs_since_best",
//  "best_score", "history"} (as rbm train's "stop"), "time"} (the `dbn train --json` keys apart
//  from "output").
void to_json(nlohmann::json& j, const DbnTrainRun& r);

// ---------------------------------------------------------------------------------------------
// Free-energy flow (estimate/free_energy_flow.hpp)

struct DbnFlowRequest {
  estimate::FlowOptions flow;  // propagation, its seed, each layer's log Z method
  // The variational lower bound on log p(v) of a 2-layer DBN as well (none: not computed).
  std::optional<estimate::BoundOptions> bound;
  StopPoll stop;               // polled by the log Z estimators and the bound; true: Cancelled
  ProgressFn progress;         // told how far the whole run is (flow, then bound); may be empty
};

struct DbnFlowRun {
  std::vector<estimate::LayerFlow> layers;
  std::optional<estimate::DbnBound> bound;
  Index samples = 0;
  Propagate propagate = Propagate::mean;
  std::uint64_t seed = 0;
};

// The flow of `data` (rows of the bottom layer's visible states) up `dbn`, and the bound when
// asked for (Error unless the DBN has two layers).
DbnFlowRun dbn_flow(const Dbn& dbn, const MatrixF& data, const DbnFlowRequest& request);

// {"samples", "propagate", "seed", "layers": [{layer, n_visible, n_hidden, free_energy,
//  free_energy_per_unit, log_z_method, log_z, log_likelihood, log_likelihood_per_unit}],
//  "lower_bound"?: {mean, log_z_top}} (the `dbn flow --json` keys apart from "model", "data").
void to_json(nlohmann::json& j, const DbnFlowRun& r);

}  // namespace rgflow::run
