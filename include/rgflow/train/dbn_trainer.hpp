#pragma once
// Greedy layer-wise training of a deep belief network (Hinton, Osindero & Teh 2006 §4; Bengio et
// al. 2007): layer 0 is an RBM trained on the data; layer k ≥ 1 is an RBM trained on layer k−1's
// hidden activations of the data, x^{k} = E[hᵏ | x^{k−1}] (Propagate::mean, "probabilities") or
// x^{k} ~ p_{k−1}(hᵏ | x^{k−1}) (Propagate::sample), with the lower layers frozen. Each layer is
// trained by train::Trainer with its own TrainConfig, so a layer of the DBN is bit-identical to an
// RBM trained directly on that layer's input with the same config (the DBN trainer composes the
// RBM trainer; it does not reimplement it).
//
// Propagate::sample draws the input of layer k once, before its training, from
// Rng(layers[k].config.seed, kPropagationStream): layer k's input is a fixed data set, and the
// whole run is a pure function of the per-layer seeds.
//
// Automatic stopping per layer (layers[k].config.auto_epochs; train/convergence.hpp,
// docs/training.md): layer k is trained by a Trainer with config.epochs as the cap and scored
// after every epoch by heldout_score on *states* of its visible units: the validation rows
// themselves for layer 0, and for layer k >= 1 the validation rows sampled up through the frozen
// layers below, h^{j+1} ~ p_j(h^{j+1} | h^j) (Dbn::up with Propagate::sample, drawn once from
// Rng(layers[k].config.seed, kStopStatesStream)), whatever `propagate` feeds its training. The
// score is then an honest held-out log-likelihood per unit of the level-k states (exact, AIS on
// the fixed budget, or PLL, as for one RBM), the states the quality gate of run/dbn.hpp scores
// too. The rule's AIS seed and pll's flipped units come from Rng(seed, kStopStream) as in the
// Trainer, so layer 0 stops exactly as `rbm train --epochs auto` on the same rows. When the rule
// stops, the layer keeps its best epoch's parameters and the next layer trains on them. The
// Trainer itself runs without auto_epochs (its monitors keep the propagated validation rows), so
// an automatically stopped layer is bit for bit the layer of a run with epochs = its best epoch
// when its learning-rate schedule does not depend on the epoch count.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "rgflow/rbm/dbn.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/convergence.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow::train {

// Stream of the sampled up-pass feeding layer k (seed: that layer's config.seed). Distinct from
// the Trainer's streams (kTrainingStream, kInitializationStream, kMonitorStreamBase + e).
inline constexpr std::uint64_t kPropagationStream = std::uint64_t{1} << 48;
// Stream of the sampled validation states that automatic stopping scores layer k >= 1 on (seed:
// that layer's config.seed). run::kGateStream + 1 is the same stream, so the gate's held-out rows
// of layer k are these states.
inline constexpr std::uint64_t kStopStatesStream = (std::uint64_t{5} << 32) + 1;

// One layer: its hidden units, its connectivity and its training. Connectivity: dense (an empty
// mask), or a 0/1 mask [n_visible, n_hidden] of a locally connected layer (Rbm::set_mask; e.g.
// rg::block_mask on the layer's visible lattice), whose masked weights stay exactly 0.
struct DbnLayerSpec {
  Index n_hidden = 0;                      // >= 1
  UnitType hidden_type = UnitType::bernoulli;
  TrainConfig config;                      // everything the layer's Trainer needs (seed included)
  MatrixF mask;                            // empty: dense
};

struct DbnTrainOptions {
  std::vector<DbnLayerSpec> layers;        // bottom-up, at least one
  Propagate propagate = Propagate::mean;   // how layer k−1's hidden activations feed layer k
  // Data-parallel training (Trainer::set_communicator, docs/scaling.md): every rank calls
  // train_dbn / extend_dbn with the same arguments; each layer's Trainer spreads its row shards
  // (config.shards) over the ranks, and everything else (the up-passes, automatic stopping) runs
  // on every rank alike, so every rank returns the one-process DBN bit for bit. nullptr: this
  // process alone. Collective when set; must outlive the call.
  const Communicator* communicator = nullptr;
};

// Progress: called after each epoch of each layer (layer is 0-based; stats as from
// Trainer::run_epoch). `on_batch` is forwarded to Trainer::run_epoch.
struct DbnProgress {
  Index layer = 0;
  Index n_layers = 0;
  EpochStats stats;
};
using DbnEpochCallback = std::function<void(const DbnProgress&)>;

// The stopping rule's final state of every layer trained (index i: the i-th new layer; nullopt
// for a layer with a fixed number of epochs).
using DbnStops = std::vector<std::optional<ConvergenceState>>;

// Trains options.layers.size() layers on `data` (rows of visible_type states; checked, FileError
// naming "training data"). `validation` (may be null or empty) is pushed up the same way and
// given to each layer's Trainer for the §6 free-energy monitor. Throws Error for bad options
// (n_hidden < 1, gaussian units, invalid TrainConfig), divergence, or bad data, and for a layer
// with automatic stopping without validation rows or with a score its shape cannot take (exact
// beyond estimate::kMaxExactUnits enumerable units). `stops` (may be null) receives each layer's stopping rule.
Dbn train_dbn(const MatrixF& data, UnitType visible_type, const DbnTrainOptions& options,
              const MatrixF* validation = nullptr, const DbnEpochCallback& on_epoch = {},
              const BatchCallback& on_batch = {}, DbnStops* stops = nullptr);

// Adds layers on top of an already trained DBN (its layers are not changed): the data is pushed
// up through the existing layers with options.propagate, layer k = dbn.n_layers() + i drawing its
// samples from Rng(options.layers[i].config.seed, kPropagationStream). train_dbn(data, …) equals
// this on the DBN with no layers, where `data` feeds the first new layer directly.
void extend_dbn(Dbn& dbn, const MatrixF& data, const DbnTrainOptions& options,
                const MatrixF* validation = nullptr, const DbnEpochCallback& on_epoch = {},
                const BatchCallback& on_batch = {}, DbnStops* stops = nullptr);

}  // namespace rgflow::train
