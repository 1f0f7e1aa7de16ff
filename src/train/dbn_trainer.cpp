#include "rgflow/train/dbn_trainer.hpp"

#include <fmt/format.h>

#include <utility>

#include "rgflow/core/error.hpp"

namespace rgflow::train {

namespace {

void check_options(const DbnTrainOptions& options) {
  if (options.layers.empty()) throw Error("DBN training needs at least one layer");
  for (std::size_t k = 0; k < options.layers.size(); ++k) {
    const DbnLayerSpec& spec = options.layers[k];
    if (spec.n_hidden < 1) {
      throw Error(fmt::format("DBN layer {}: n_hidden must be >= 1 (got {})", k, spec.n_hidden));
    }
    try {
      dispatch(spec.hidden_type, [](auto) {});
      spec.config.validate();
    } catch (const Error& e) {
      throw Error(fmt::format("DBN layer {}: {}", k, e.what()));
    }
  }
}

// Input of the next layer: E[h | x] or one sample h ~ p(h | x) per row.
MatrixF push_up(const Rbm& rbm, const MatrixF& x, Propagate mode, Rng& rng) {
  MatrixF h;
  if (mode == Propagate::mean) {
    rbm.hidden_mean(x, h);
  } else {
    rbm.sample_hidden(x, h, rng);
  }
  return h;
}

// Automatic stopping of one layer (dbn_trainer.hpp): the states it is scored on, the score's
// AIS seed and pll's flipped units (drawn as the Trainer draws them), and the rule.
class LayerStop {
 public:
  // `rbm` is the untrained layer k on top of `dbn` (layers 0..k−1); `validation` the rows of the
  // bottom layer's visible units.
  LayerStop(const Dbn& dbn, const Rbm& rbm, const TrainConfig& config, const MatrixF& validation)
      : config_(config) {
    if (validation.rows() < 1) throw Error("automatic stopping needs validation rows to score");
    const Index k = dbn.n_layers();
    if (k == 0) {
      states_ = validation;
    } else {
      Rng rng(config.seed, kStopStatesStream);
      states_ = dbn.up(validation, k, Propagate::sample, rng);
    }
    // Binary states: the validation rows passed Rbm::check_visible_data, and sampled units are.
    method_ = resolve_stop_score(config.stop_score, rbm);
    Rng stop_rng(config.seed, kStopStream);
    ais_seed_ = stop_rng.next_u64();
    flip_index_.resize(static_cast<std::size_t>(states_.rows()));
    for (Index& i : flip_index_) {
      i = static_cast<Index>(stop_rng.below(static_cast<std::uint64_t>(rbm.n_visible())));
    }
  }

  // Scores epoch stats.epoch of `rbm` (trained on `input`) and applies the rule; on a stop the
  // layer is set to its best epoch. Returns whether the rule has stopped.
  bool score(Rbm& rbm, const MatrixF& input, EpochStats& stats) {
    const HeldOutScore s = heldout_score(rbm, method_, states_, input, ais_seed_, flip_index_);
    stats.heldout_score = s.score;
    stats.heldout_improved = state_.record(stats.epoch, s, rbm, config_.patience, config_.epochs);
    if (state_.stopped()) rbm = state_.best_model;
    return state_.stopped();
  }

  const ConvergenceState& state() const { return state_; }

 private:
  TrainConfig config_;
  MatrixF states_;
  StopScore method_ = StopScore::exact;
  std::uint64_t ais_seed_ = 0;
  std::vector<Index> flip_index_;
  ConvergenceState state_;
};

// Trains options.layers on top of `dbn`, the first new layer seeing `input` (and
// `validation_input`, possibly empty) with unit type `input_type`. `validation` holds the rows
// of the bottom layer's visible units (empty: none), which automatic stopping samples up.
void train_layers(Dbn& dbn, UnitType input_type, MatrixF input, MatrixF validation_input,
                  const MatrixF& validation, const DbnTrainOptions& options,
                  const DbnEpochCallback& on_epoch, const BatchCallback& on_batch, DbnStops* stops) {
  const Index first = dbn.n_layers();
  const Index total = first + static_cast<Index>(options.layers.size());
  if (stops != nullptr) stops->clear();
  for (std::size_t i = 0; i < options.layers.size(); ++i) {
    const DbnLayerSpec& spec = options.layers[i];
    const Index k = first + static_cast<Index>(i);
    if (i > 0) {
      // Layer k's input: layer k−1's hidden activations of layer k−1's input.
      const Rbm& below = dbn.layer(k - 1);
      Rng rng(spec.config.seed, kPropagationStream);
      input = push_up(below, input, options.propagate, rng);
      if (validation_input.rows() > 0) {
        Rng vrng(spec.config.seed, kPropagationStream + 1);
        validation_input = push_up(below, validation_input, options.propagate, vrng);
      }
      input_type = below.hidden_type();
    }
    Rbm rbm(input.cols(), spec.n_hidden, input_type, spec.hidden_type);
    std::optional<LayerStop> stop;
    try {
      if (spec.mask.size() != 0) rbm.set_mask(spec.mask);
      // The Trainer runs up to the cap; the rule is applied here, on the layer's sampled states.
      TrainConfig config = spec.config;
      config.auto_epochs = false;
      if (spec.config.auto_epochs) stop.emplace(dbn, rbm, spec.config, validation);
      Trainer trainer(rbm, config, input, validation_input.rows() > 0 ? &validation_input : nullptr);
      trainer.set_communicator(options.communicator);
      bool stopped = false;
      while (!stopped && !trainer.finished()) {
        EpochStats stats = trainer.run_epoch(on_batch);
        if (stop) stopped = stop->score(rbm, input, stats);
        if (on_epoch) on_epoch(DbnProgress{k, total, std::move(stats)});
      }
    } catch (const FileError&) {
      throw;
    } catch (const Error& e) {
      throw Error(fmt::format("DBN layer {}: {}", k, e.what()));
    }
    if (stops != nullptr) stops->push_back(stop ? std::optional(stop->state()) : std::nullopt);
    dbn.add_layer(std::move(rbm));
  }
}

}  // namespace

Dbn train_dbn(const MatrixF& data, UnitType visible_type, const DbnTrainOptions& options,
              const MatrixF* validation, const DbnEpochCallback& on_epoch,
              const BatchCallback& on_batch, DbnStops* stops) {
  check_options(options);
  // Validate the data against a throwaway RBM of the right visible shape and type.
  const Rbm probe(data.cols() > 0 ? data.cols() : 1, 1, visible_type, UnitType::bernoulli);
  probe.check_visible_data(data, "training data");
  if (data.rows() < 1) throw Error("training data has no rows");
  MatrixF validation_input;
  if (validation != nullptr && validation->rows() > 0) {
    probe.check_visible_data(*validation, "validation data");
    validation_input = *validation;
  }
  Dbn dbn;
  train_layers(dbn, visible_type, data, validation_input, validation_input, options, on_epoch,
               on_batch, stops);
  return dbn;
}

void extend_dbn(Dbn& dbn, const MatrixF& data, const DbnTrainOptions& options,
                const MatrixF* validation, const DbnEpochCallback& on_epoch,
                const BatchCallback& on_batch, DbnStops* stops) {
  check_options(options);
  dbn.validate();
  dbn.layer(0).check_visible_data(data, "training data");
  if (data.rows() < 1) throw Error("training data has no rows");
  const std::uint64_t seed = options.layers.front().config.seed;
  const Index top = dbn.n_layers();
  Rng rng(seed, kPropagationStream);
  MatrixF input = dbn.up(data, top, options.propagate, rng);
  MatrixF validation_input;
  if (validation != nullptr && validation->rows() > 0) {
    dbn.layer(0).check_visible_data(*validation, "validation data");
    Rng vrng(seed, kPropagationStream + 1);
    validation_input = dbn.up(*validation, top, options.propagate, vrng);
  }
  train_layers(dbn, dbn.level_type(top), std::move(input), std::move(validation_input),
               validation != nullptr ? *validation : MatrixF(), options, on_epoch, on_batch, stops);
}

}  // namespace rgflow::train
