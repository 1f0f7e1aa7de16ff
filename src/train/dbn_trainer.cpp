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

// Trains options.layers on top of `dbn`, the first new layer seeing `input` (and
// `validation_input`, possibly empty) with unit type `input_type`.
void train_layers(Dbn& dbn, UnitType input_type, MatrixF input, MatrixF validation_input,
                  const DbnTrainOptions& options, const DbnEpochCallback& on_epoch,
                  const BatchCallback& on_batch) {
  const Index first = dbn.n_layers();
  const Index total = first + static_cast<Index>(options.layers.size());
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
    try {
      if (spec.mask.size() != 0) rbm.set_mask(spec.mask);
      Trainer trainer(rbm, spec.config, input,
                      validation_input.rows() > 0 ? &validation_input : nullptr);
      while (!trainer.finished()) {
        EpochStats stats = trainer.run_epoch(on_batch);
        if (on_epoch) on_epoch(DbnProgress{k, total, std::move(stats)});
      }
    } catch (const FileError&) {
      throw;
    } catch (const Error& e) {
      throw Error(fmt::format("DBN layer {}: {}", k, e.what()));
    }
    dbn.add_layer(std::move(rbm));
  }
}

}  // namespace

Dbn train_dbn(const MatrixF& data, UnitType visible_type, const DbnTrainOptions& options,
              const MatrixF* validation, const DbnEpochCallback& on_epoch,
              const BatchCallback& on_batch) {
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
  train_layers(dbn, visible_type, data, std::move(validation_input), options, on_epoch, on_batch);
  return dbn;
}

void extend_dbn(Dbn& dbn, const MatrixF& data, const DbnTrainOptions& options,
                const MatrixF* validation, const DbnEpochCallback& on_epoch,
                const BatchCallback& on_batch) {
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
  train_layers(dbn, dbn.level_type(top), std::move(input), std::move(validation_input), options,
               on_epoch, on_batch);
}

}  // namespace rgflow::train
