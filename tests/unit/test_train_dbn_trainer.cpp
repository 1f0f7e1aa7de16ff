// Greedy layer-wise DBN training (train/dbn_trainer.hpp) composes train::Trainer: each layer is
// bit-identical to an RBM trained directly on that layer's input with the same config and seed,
// and to itself trained on several (in-process) ranks with row shards.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "support/local_ranks.hpp"
#include "rgflow/train/dbn_trainer.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow {
namespace {

using train::DbnLayerSpec;
using train::DbnTrainOptions;
using train::TrainConfig;

TrainConfig layer_config(std::uint64_t seed, int epochs) {
  TrainConfig c;
  c.epochs = epochs;
  c.batch_size = 20;
  c.learning_rate = 0.1f;
  c.seed = seed;
  c.monitor_rows = 50;
  return c;
}

// 8-6-4-3: three layers with different seeds, epochs and methods.
DbnTrainOptions options(Propagate mode) {
  DbnTrainOptions o;
  o.propagate = mode;
  o.layers = {DbnLayerSpec{6, UnitType::bernoulli, layer_config(11, 3), {}},
              DbnLayerSpec{4, UnitType::bernoulli, layer_config(12, 2), {}},
              DbnLayerSpec{3, UnitType::bernoulli, layer_config(13, 2), {}}};
  o.layers[1].config.method = train::Method::pcd;
  return o;
}

// Trains one RBM directly with train::Trainer.
Rbm train_directly(const MatrixF& input, const DbnLayerSpec& spec, UnitType input_type) {
  Rbm rbm(input.cols(), spec.n_hidden, input_type, spec.hidden_type);
  train::Trainer trainer(rbm, spec.config, input);
  while (!trainer.finished()) trainer.run_epoch();
  return rbm;
}

void expect_same(const Rbm& a, const Rbm& b, Index k) {
  EXPECT_EQ(a.weights(), b.weights()) << "layer " << k;
  EXPECT_EQ(a.visible_bias(), b.visible_bias()) << "layer " << k;
  EXPECT_EQ(a.hidden_bias(), b.hidden_bias()) << "layer " << k;
  EXPECT_EQ(a.visible_type(), b.visible_type()) << "layer " << k;
  EXPECT_EQ(a.hidden_type(), b.hidden_type()) << "layer " << k;
}

TEST(DbnTrainer, LayersEqualRbmsTrainedOnTheHiddenProbabilities) {
  const MatrixF data = test::prototype_data(200, UnitType::bernoulli, 5);
  const DbnTrainOptions opt = options(Propagate::mean);
  std::vector<std::pair<Index, int>> seen;
  const Dbn dbn = train::train_dbn(data, UnitType::bernoulli, opt, nullptr,
                                   [&](const train::DbnProgress& p) {
                                     EXPECT_EQ(p.n_layers, 3);
                                     seen.emplace_back(p.layer, p.stats.epoch);
                                   });
  ASSERT_EQ(dbn.n_layers(), 3);
  EXPECT_EQ(dbn.level_sizes(), (std::vector<Index>{8, 6, 4, 3}));
  EXPECT_EQ(seen, (std::vector<std::pair<Index, int>>{{0, 1}, {0, 2}, {0, 3}, {1, 1}, {1, 2}, {2, 1}, {2, 2}}));

  MatrixF input = data;
  for (Index k = 0; k < 3; ++k) {
    const auto& spec = opt.layers[static_cast<std::size_t>(k)];
    const Rbm direct = train_directly(input, spec, UnitType::bernoulli);
    expect_same(dbn.layer(k), direct, k);
    MatrixF next;
    direct.hidden_mean(input, next);  // E[h | x]: the next layer's training data
    input = next;
  }
  // The layers learnt something (not still at their initialisation).
  EXPECT_GT(dbn.layer(1).weights().cwiseAbs().maxCoeff(), 0.05f);
}

TEST(DbnTrainer, SampledPropagationDrawsFromTheLayersOwnStream) {
  const MatrixF data = test::prototype_data(120, UnitType::spin, 6);
  DbnTrainOptions opt = options(Propagate::sample);
  opt.layers[0].hidden_type = UnitType::spin;
  const Dbn dbn = train::train_dbn(data, UnitType::spin, opt);
  MatrixF input = data;
  UnitType type = UnitType::spin;
  for (Index k = 0; k < 3; ++k) {
    const auto& spec = opt.layers[static_cast<std::size_t>(k)];
    if (k > 0) {
      Rng rng(spec.config.seed, train::kPropagationStream);
      MatrixF next;
      dbn.layer(k - 1).sample_hidden(input, next, rng);
      input = next;
      type = dbn.layer(k - 1).hidden_type();
    }
    expect_same(dbn.layer(k), train_directly(input, spec, type), k);
  }
}

// With mean propagation, training two layers and extending by a third equals training all three.
TEST(DbnTrainer, ExtendingEqualsTrainingTheWholeStack) {
  const MatrixF data = test::prototype_data(150, UnitType::bernoulli, 7);
  const MatrixF validation = test::prototype_data(40, UnitType::bernoulli, 8);
  const DbnTrainOptions all = options(Propagate::mean);
  const Dbn full = train::train_dbn(data, UnitType::bernoulli, all, &validation);
  DbnTrainOptions first = all, rest = all;
  first.layers.resize(2);
  rest.layers.erase(rest.layers.begin(), rest.layers.begin() + 2);
  Dbn dbn = train::train_dbn(data, UnitType::bernoulli, first, &validation);
  std::optional<stats::Result> gap;
  train::extend_dbn(dbn, data, rest, &validation, [&](const train::DbnProgress& p) {
    EXPECT_EQ(p.layer, 2);
    gap = p.stats.free_energy_gap;
  });
  ASSERT_EQ(dbn.n_layers(), 3);
  for (Index k = 0; k < 3; ++k) expect_same(dbn.layer(k), full.layer(k), k);
  EXPECT_TRUE(gap.has_value());  // validation rows reach the top layer's monitor
}

TEST(DbnTrainer, RejectsBadOptionsAndData) {
  const MatrixF data = test::prototype_data(50, UnitType::bernoulli, 9);
  DbnTrainOptions opt = options(Propagate::mean);
  EXPECT_THROW(train::train_dbn(data, UnitType::bernoulli, DbnTrainOptions{}), Error);
  opt.layers[1].n_hidden = 0;
  EXPECT_THROW(train::train_dbn(data, UnitType::bernoulli, opt), Error);
  opt = options(Propagate::mean);
  opt.layers[2].config.learning_rate = -1.0f;
  EXPECT_THROW(train::train_dbn(data, UnitType::bernoulli, opt), Error);
  opt = options(Propagate::mean);
  EXPECT_THROW(train::train_dbn(data, UnitType::spin, opt), FileError);  // 0/1 rows are not spins
  EXPECT_THROW(train::train_dbn(MatrixF(0, 8), UnitType::bernoulli, opt), Error);
}

}  // namespace
}  // namespace rgflow

namespace rgflow {
namespace {

// A layer spec's mask makes the layer locally connected: its masked weights stay exactly 0 through
// training, and the layer equals an RBM with the same mask trained directly on the same input.
TEST(DbnTrainer, MaskedLayerStaysLocallyConnected) {
  const MatrixF data = test::prototype_data(80, UnitType::bernoulli, 5);  // 8 visible units
  MatrixF mask = MatrixF::Zero(8, 4);
  for (Index j = 0; j < 4; ++j) mask.block(2 * j, j, 2, 1).setOnes();
  train::DbnTrainOptions o;
  train::DbnLayerSpec spec{4, UnitType::bernoulli, layer_config(21, 3), mask};
  o.layers = {spec};
  const Dbn dbn = train::train_dbn(data, UnitType::bernoulli, o);
  const Rbm& layer = dbn.layer(0);
  EXPECT_TRUE((layer.weights().array() * (1.0f - mask.array()) == 0.0f).all());
  EXPECT_GT(layer.weights().cwiseAbs().maxCoeff(), 0.0f);
  Rbm direct(8, 4);
  direct.set_mask(mask);
  train::Trainer trainer(direct, spec.config, data);
  while (!trainer.finished()) trainer.run_epoch();
  EXPECT_EQ(layer.weights(), direct.weights());
  EXPECT_EQ(layer.hidden_bias(), direct.hidden_bias());
}

}  // namespace
}  // namespace rgflow

namespace rgflow {
namespace {

// Data-parallel DBN training (DbnTrainOptions::communicator): with row shards in every layer (CD,
// PCD, PT; sampled propagation), every rank of 1, 2 and 3 in-process ranks returns the
// one-process DBN bit for bit.
TEST(DbnTrainer, EveryRankCountTrainsTheSingleProcessDbn) {
  const MatrixF data = test::prototype_data(90, UnitType::bernoulli, 5);
  train::DbnTrainOptions o = options(Propagate::sample);
  o.layers[2].config.method = train::Method::pt;
  o.layers[2].config.pt_replicas = 3;
  const int shards[] = {2, 3, 4};
  for (std::size_t k = 0; k < 3; ++k) o.layers[k].config.shards = shards[k];
  const Dbn serial = train::train_dbn(data, UnitType::bernoulli, o);
  for (const int size : {1, 2, 3}) {
    std::vector<std::optional<Dbn>> got(static_cast<std::size_t>(size));
    test::run_guarded(size, [&](const Communicator& comm) {
      train::DbnTrainOptions mine = o;
      mine.communicator = &comm;
      got[static_cast<std::size_t>(comm.rank())] = train::train_dbn(data, UnitType::bernoulli, mine);
      // The shards really were spread: one exchange per update of every layer.
      if (size > 1) {
        EXPECT_GT(comm.traffic().collectives, 3 * 5);
      }
    });
    for (const auto& dbn : got) {
      SCOPED_TRACE(std::to_string(size) + " ranks");
      ASSERT_TRUE(dbn.has_value());
      ASSERT_EQ(dbn->n_layers(), 3);
      for (Index k = 0; k < 3; ++k) expect_same(dbn->layer(k), serial.layer(k), k);
    }
  }
}

}  // namespace
}  // namespace rgflow
