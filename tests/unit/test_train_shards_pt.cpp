// Parallel-tempering training with row shards (TemperingEstimator::set_shards; issue #19,
// docs/scaling.md): shard s holds the batch rows and the chains [n·s/S, n·(s+1)/S), every replica
// of its chains with it (swaps never mix chains). The shards draw the very samples and swaps of the
// whole batch (each chain's words are fixed by its index), so one estimate's replicas and swap
// counts do not depend on the shards and their gradients add up to the whole batch's within
// rounding; training on 1, 2, 3, 5 ranks (threads of a LocalGroup, as MPI processes would be) gives
// every rank the single-process model, optimizer state, replicas, ladder and swap counters bit for
// bit, for any thread count, also across a checkpoint taken on 2 ranks and resumed on 3; each
// update sends one tree node, the swap counts and the rank's chains' rows.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "support/local_ranks.hpp"
#include "support/train_shards.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/trainer.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::train;

using test::binary_rows;
using test::expect_same_state;
using test::same_bits;
using test::train_on;
using Case = test::ShardCase;

using test::expect_same_tempering;

std::vector<Case> cases() {
  std::vector<Case> out;
  TrainConfig base;
  base.method = Method::pt;
  base.pt_replicas = 4;
  base.pt_beta_min = 0.3f;
  base.batch_size = 32;  // 130 rows: the last batch has 2 rows, fewer than the shards
  base.epochs = 3;
  base.monitor_rows = 20;
  base.seed = 4;
  base.shards = 4;
  base.learning_rate = 0.1f;
  {
    Case c{"pt-1 sgd centred, 4 shards", base};
    c.config.centering = true;
    c.config.momentum_final = 0.5f;
    out.push_back(c);
  }
  {
    Case c{"pt-2 adaptive ladder adam, 3 shards", base};
    c.config.steps = 2;
    c.config.pt_adaptive = true;
    c.config.optimizer = OptimizerKind::adam;
    c.config.learning_rate = 0.01f;
    c.config.shards = 3;
    out.push_back(c);
  }
  {
    Case c{"pt spin units, 5 replicas, 2 shards", base, UnitType::spin};
    c.config.pt_replicas = 5;
    c.config.shards = 2;
    c.config.l2 = 1e-3f;
    out.push_back(c);
  }
  return out;
}

TEST(TrainShardsPt, EveryRankCountTrainsTheSingleProcessModel) {
  for (const Case& c : cases()) {
    const MatrixF data = binary_rows(130, 40, 9, c.type == UnitType::spin);
    const Checkpoint serial = train_on(c, data, nullptr, 3);
    ASSERT_TRUE(serial.tempering.has_value());
    ASSERT_EQ(serial.persistent_chains.rows(), c.config.pt_replicas * 32);
    ASSERT_GT(serial.tempering->accepts[0], 0u) << "swaps must happen for the test to mean much";
    test::expect_every_rank_count_trains(c, data, serial, 3);
  }
}

TEST(TrainShardsPt, ACheckpointFromTwoRanksResumesOnThree) {
  const Case c = cases()[1];  // the adaptive ladder: its state must travel too
  const MatrixF data = binary_rows(130, 40, 9);
  const Checkpoint serial = train_on(c, data, nullptr, 3);
  const std::vector<Checkpoint> first = test::train_on_ranks(2, c, data, 1);
  ASSERT_GT(first[0].tempering->adaptations, 0u);
  const std::vector<Checkpoint> resumed = test::train_on_ranks(3, c, data, 2, &first[0]);
  for (const Checkpoint& r : resumed) expect_same_state(r, serial, "2 ranks, then 3");
  // And back on one process from the 3-rank state: a checkpoint is a checkpoint.
  const Checkpoint one = train_on(c, data, nullptr, 0, &resumed[2]);
  expect_same_state(one, serial, "3 ranks, then one process");
}

// One estimate: the shards draw the very swaps and samples of the whole batch (a chain's words do
// not depend on the shard that holds it), so the replicas and the swap counts are the same bits and
// the tree-added gradient differs from the whole batch's only by the order of float additions; and
// the thread count changes no bit.
TEST(TrainShardsPt, ShardsDrawTheWholeBatchSamples) {
  const MatrixF data = binary_rows(24, 20, 5);
  Rbm rbm(20, 12);
  Rng init(3, 0);
  rbm.initialize(init, &data);
  rbm.weights() *= 20.0f;  // strong enough couplings that some swaps are rejected
  TemperingEstimator whole(2, geometric_ladder(4, 0.2), true), sharded(2, geometric_ladder(4, 0.2), true);
  sharded.set_shards(5, nullptr);
  Rng rng_whole(8, 0), rng_sharded(8, 0);
  Gradient gw, gs;
  for (int update = 0; update < 3; ++update) {
    whole.estimate(rbm, data, rng_whole, gw);
    sharded.estimate(rbm, data, rng_sharded, gs);
  }
  EXPECT_EQ(rng_whole.state().counter, rng_sharded.state().counter);
  ASSERT_TRUE(same_bits(whole.persistent_chains(), sharded.persistent_chains()));
  expect_same_tempering(whole.sampler().state(), sharded.sampler().state());
  const auto& counts = whole.sampler().state();
  EXPECT_GT(counts.accepts[0], 0u);
  EXPECT_LT(counts.accepts[0], counts.attempts[0]);
  // Each entry of dW is a sum of 48 terms of magnitude ≤ 1/24: any order of float additions is
  // within 48 · 2⁻²⁴ · (sum of |terms| ≤ 2) of the exact sum.
  const double bound = 48 * 2 * std::ldexp(1.0, -24);
  test::expect_same_gradient_within(gw, gs, bound);

  // Threads: 4 replicas × 128 chains × 150 × 100 passes the two-thread threshold of an update;
  // one process and 2 ranks, 1 and 3 threads each.
  const MatrixF big = binary_rows(128, 150, 6);
  Rbm wide(150, 100);
  Rng init2(4, 0);
  wide.initialize(init2, &big);
  struct Run {
    MatrixF chains;
    Gradient grad;
    sample::TemperingState counts;
  };
  const auto run = [&](int threads, const Communicator* comm) {
    omp_set_num_threads(threads);
    TemperingEstimator pt(1, geometric_ladder(4, 0.3), false);
    pt.set_shards(4, comm);
    Rng rng(2, 0);
    Run out;
    for (int update = 0; update < 2; ++update) pt.estimate(wide, big, rng, out.grad);
    out.chains = pt.persistent_chains();
    out.counts = pt.sampler().state();
    return out;
  };
  const int saved = omp_get_max_threads();
  const Run one = run(1, nullptr);
  const Run three = run(3, nullptr);
  std::vector<Run> ranks(2);
  test::run_guarded(2, [&](const Communicator& comm) {
    ranks[static_cast<std::size_t>(comm.rank())] = run(comm.rank() == 0 ? 3 : 1, &comm);
  });
  omp_set_num_threads(saved);
  for (const Run* r : std::vector<const Run*>{&three, &ranks[0], &ranks[1]}) {
    EXPECT_TRUE(same_bits(one.chains, r->chains));
    EXPECT_TRUE(same_bits(one.grad.dW, r->grad.dW));
    EXPECT_TRUE(same_bits(one.grad.da, r->grad.da));
    EXPECT_TRUE(same_bits(one.grad.db, r->grad.db));
    expect_same_tempering(one.counts, r->counts);
  }
}

// Traffic per update: one collective; rank r of 2 holds shards [2r, 2r + 2), sends the tree node
// [2r, 2r + 2) of the 4 leaves (dW, da, db and the two batch means), its accepted swaps per pair
// (K − 1 integers) and the 16 chains of its shards at every one of the K replicas.
TEST(TrainShardsPt, EachUpdateSendsOneTreeNodeTheCountsAndTheChainRows) {
  const Case c = cases()[0];
  const MatrixF data = binary_rows(130, 40, 9);
  const std::int64_t k = c.config.pt_replicas;
  test::expect_epoch_traffic(
      c, data,
      test::tree_node_bytes(40, 24) +
          test::padded_extra_bytes((k - 1) * 8 + k * 16 * 40 * static_cast<std::int64_t>(sizeof(float))));
}

TEST(TrainShardsPt, AFailingRankStopsEveryRank) {
  const Case c = cases()[0];
  const MatrixF data = binary_rows(130, 40, 9);
  test::expect_a_failing_rank_stops_every_rank(c, data);
}

TEST(TrainShardsPt, RefusesWhatItCannotSplit) {
  TemperingEstimator pt(1, geometric_ladder(3, 0.5), false);
  EXPECT_THROW(pt.set_shards(0, nullptr), Error);
  EXPECT_THROW(pt.set_shards(kMaxShards + 1, nullptr), Error);
  // Gaussian visible units: parallel tempering needs binary units, sharded or not.
  const MatrixF data = binary_rows(40, 10, 1);
  TrainConfig gauss;
  gauss.method = Method::pt;
  gauss.shards = 2;
  Rbm g(10, 4, UnitType::gaussian, UnitType::bernoulli);
  Trainer tg(g, gauss, data);
  EXPECT_THROW(tg.run_epoch(), Error);
}

}  // namespace
