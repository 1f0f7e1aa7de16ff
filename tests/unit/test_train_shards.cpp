// Row shards and data-parallel training (TrainConfig::shards, Trainer::set_communicator; issue
// #19, docs/scaling.md): the shards draw the same samples as the whole batch and their gradients
// add up to its gradient within rounding; training on 1, 2, 3, 5 ranks (threads of a LocalGroup,
// as MPI processes would be) gives every rank the single-process model, optimizer state and chains
// bit for bit, also across a checkpoint taken on 2 ranks and resumed on 3; a failing rank stops
// every rank (no deadlock); invalid shard settings are refused.
#include <gtest/gtest.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "support/local_ranks.hpp"
#include "support/train_shards.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/optimizer.hpp"
#include "rgflow/train/trainer.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::train;

using test::binary_rows;
using test::expect_same_state;
using test::same_bits;
using test::train_on;
using Case = test::ShardCase;

std::vector<Case> cases() {
  std::vector<Case> out;
  TrainConfig base;
  base.batch_size = 32;  // 130 rows: the last batch has 2 rows, fewer than the shards
  base.epochs = 3;
  base.monitor_rows = 20;
  base.seed = 4;
  base.shards = 4;
  base.learning_rate = 0.1f;
  {
    Case c{"cd-1 sgd", base};
    c.config.method = Method::cd;
    out.push_back(c);
  }
  {
    Case c{"pcd-2 sgd centred (the defaults' shape)", base};
    c.config.method = Method::pcd;
    c.config.steps = 2;
    c.config.centering = true;
    c.config.momentum_final = 0.5f;
    out.push_back(c);
  }
  {
    Case c{"pcd hidden-state adam, 3 shards", base};
    c.config.method = Method::pcd;
    c.config.pcd_hidden_state = true;
    c.config.optimizer = OptimizerKind::adam;
    c.config.learning_rate = 0.01f;
    c.config.shards = 3;
    out.push_back(c);
  }
  {
    Case c{"spin units z2, l2 and sparsity-free", base, UnitType::spin};
    c.config.method = Method::pcd;
    c.config.symmetry = Symmetry::z2;
    c.config.l2 = 1e-3f;
    out.push_back(c);
  }
  return out;
}

TEST(TrainShards, EveryRankCountTrainsTheSingleProcessModel) {
  for (const Case& c : cases()) {
    const MatrixF data = binary_rows(130, 40, 9, c.type == UnitType::spin);
    const Checkpoint serial = train_on(c, data, nullptr, 3);
    test::expect_every_rank_count_trains(c, data, serial, 3);
  }
}

TEST(TrainShards, ACheckpointFromTwoRanksResumesOnThree) {
  const Case c = cases()[1];
  const MatrixF data = binary_rows(130, 40, 9);
  const Checkpoint serial = train_on(c, data, nullptr, 3);
  const std::vector<Checkpoint> first = test::train_on_ranks(2, c, data, 1);
  const std::vector<Checkpoint> resumed = test::train_on_ranks(3, c, data, 2, &first[0]);
  for (const Checkpoint& r : resumed) expect_same_state(r, serial, "2 ranks, then 3");
}

// One estimate: the shards draw the very samples of the whole batch (each entry's word does not
// depend on the shard that holds it), so their tree-added gradient differs from the whole batch's
// only by the order of float additions; and the thread count changes no bit.
TEST(TrainShards, ShardsAddUpToTheWholeBatchGradient) {
  const MatrixF data = binary_rows(24, 20, 5);
  Rbm rbm(20, 12);
  Rng init(3, 0);
  rbm.initialize(init, &data);
  for (const bool persistent : {false, true}) {
    SCOPED_TRACE(persistent ? "pcd" : "cd");
    ContrastiveDivergence whole(2, persistent), sharded(2, persistent);
    sharded.set_shards(5, nullptr);
    Rng rng_whole(8, 0), rng_sharded(8, 0);
    Gradient gw, gs;
    whole.estimate(rbm, data, rng_whole, gw);
    sharded.estimate(rbm, data, rng_sharded, gs);
    EXPECT_EQ(rng_whole.state().counter, rng_sharded.state().counter);
    ASSERT_TRUE(same_bits(whole.negative_visible(), sharded.negative_visible()));
    // Each entry of dW is a sum of 48 terms of magnitude ≤ 1/24: any order of float additions is
    // within 48 · 2⁻²⁴ · (sum of |terms| ≤ 2) of the exact sum.
    const double bound = 48 * 2 * std::ldexp(1.0, -24);
    test::expect_same_gradient_within(gw, gs, bound);
  }
  // Threads: 128 × 300 × 200 passes the two-thread threshold of an update.
  const MatrixF big = binary_rows(128, 300, 6);
  Rbm wide(300, 200);
  Rng init2(4, 0);
  wide.initialize(init2, &big);
  Gradient by_threads[2];
  const int saved = omp_get_max_threads();
  for (const int threads : {1, 3}) {
    omp_set_num_threads(threads);
    ContrastiveDivergence pcd(1, true);
    pcd.set_shards(4, nullptr);
    Rng rng(2, 0);
    pcd.estimate(wide, big, rng, by_threads[threads == 1 ? 0 : 1]);
  }
  omp_set_num_threads(saved);
  EXPECT_TRUE(same_bits(by_threads[0].dW, by_threads[1].dW));
  EXPECT_TRUE(same_bits(by_threads[0].da, by_threads[1].da));
}

// The tree's root takes the weight step as it forms each block of rows — plain SGD
// (Gradient::fused_step) or the defaults' centred SGD (Gradient::centred_step) — with the bits of
// the optimizer's own separate pass, for 1 and 3 threads (a model of 70 rows: 3 blocks of 32).
TEST(TrainShards, TheRootsFusedStepsAreTheOptimizersStep) {
  const MatrixF data = binary_rows(40, 70, 7);
  Rbm start(70, 30);
  Rng init(5, 0);
  start.initialize(init, &data);
  for (const bool centring : {false, true}) {
    SCOPED_TRACE(centring ? "centred" : "plain");
    TrainConfig config;
    config.centering = centring;
    config.learning_rate = 0.1f;
    const auto update = [&](bool fused, int threads) {
      const int saved = omp_get_max_threads();
      omp_set_num_threads(threads);
      Rbm rbm = start;
      Optimizer opt(config, 70, 30);
      ContrastiveDivergence cd(1, true);
      cd.set_shards(3, nullptr);
      Rng rng(9, 0);
      for (int k = 0; k < 2; ++k) {  // the second step has momentum and moved offsets
        Gradient g;
        if (fused) {
          g.fused_step = opt.fused_weight_step(rbm, 0.5f);
          g.centred_step = opt.fused_centred_step(rbm, 0.5f);
          EXPECT_EQ(g.fused_step.has_value(), !centring);
          EXPECT_EQ(g.centred_step != nullptr, centring);
        }
        cd.estimate(rbm, data, rng, g);
        EXPECT_EQ(g.weights_stepped, fused);
        opt.step(rbm, g, 0.5f);
      }
      omp_set_num_threads(saved);
      return rbm;
    };
    const Rbm separate = update(false, 1);
    for (const int threads : {1, 3}) {
      const Rbm fused = update(true, threads);
      EXPECT_TRUE(same_bits(fused.weights(), separate.weights())) << threads << " threads";
      EXPECT_TRUE(same_bits(fused.visible_bias(), separate.visible_bias()));
      EXPECT_TRUE(same_bits(fused.hidden_bias(), separate.hidden_bias()));
    }
  }
}

// Traffic per update: one collective; rank 0 of 2 holds shards [0, 2), the tree node [0, 2) of
// the 4 leaves, and sends exactly that node: dW, da, db and the two batch means (CD: no chains).
TEST(TrainShards, EachUpdateSendsOneTreeNodePerRank) {
  const Case c = cases()[0];
  const MatrixF data = binary_rows(130, 40, 9);
  test::expect_epoch_traffic(c, data, test::tree_node_bytes(40, 24));
}

TEST(TrainShards, AFailingRankStopsEveryRank) {
  const Case c = cases()[0];
  const MatrixF data = binary_rows(130, 40, 9);
  test::expect_a_failing_rank_stops_every_rank(c, data);
}

TEST(TrainShards, RefusesWhatItCannotSplit) {
  TrainConfig config;
  config.shards = 0;
  EXPECT_THROW(config.validate(), Error);
  config.shards = kMaxShards + 1;
  EXPECT_THROW(config.validate(), Error);
  config.shards = 2;
  config.method = Method::tap2;
  EXPECT_THROW(config.validate(), Error);
  config.method = Method::pcd;
  EXPECT_NO_THROW(config.validate());
  config.method = Method::pt;  // its shards: test_train_shards_pt.cpp
  EXPECT_NO_THROW(config.validate());

  // One shard on two ranks is fine (rank 1 idles); a method without shards on two ranks is not.
  const MatrixF data = binary_rows(40, 10, 1);
  TrainConfig tap;
  tap.method = Method::tap2;
  test::run_guarded(2, [&](const Communicator& comm) {
    Rbm rbm(10, 4);
    Trainer t(rbm, tap, data);
    EXPECT_THROW(t.set_communicator(&comm), Error);
  });
  // Gaussian visible units: binary units only.
  TrainConfig gauss;
  gauss.shards = 2;
  Rbm g(10, 4, UnitType::gaussian, UnitType::bernoulli);
  Trainer tg(g, gauss, data);
  EXPECT_THROW(tg.run_epoch(), Error);
}

}  // namespace
