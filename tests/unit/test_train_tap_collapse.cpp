// Persistent TAP particles collapse (issue #16, docs/tap.md "Collapse of persistent particles"):
// with small weights the damped sweeps contract every particle onto one fixed point. The
// distinct-particle monitor must count that as 1, and re-seeding must restart the duplicates at
// batch rows (at least ceil(fraction · P) distinct afterwards), drawn from a stream of its own,
// bit-identically across resumes and thread counts.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "../support/random_rbm.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/monitor_log.hpp"
#include "rgflow/train/monitors.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::random_rbm;

// P distinct rows of n units: row r holds the binary digits of r + 1 (all rows differ).
MatrixF distinct_rows(Index p, Index n) {
  MatrixF rows(p, n);
  for (Index r = 0; r < p; ++r) {
    for (Index c = 0; c < n; ++c) rows(r, c) = static_cast<float>(((r + 1) >> (c % 16)) & 1);
  }
  return rows;
}

TEST(TapParticles, CountDistinctFollowsTheTolerance) {
  MatrixF v(5, 3), h(5, 2);
  v << 0.1f, 0.2f, 0.3f,  //
      0.1f, 0.2f, 0.3f,   // copy of 0
      0.1f, 0.2f, 0.31f,  // differs by 0.01 in the last visible unit
      0.1f, 0.2f, 0.3f,   // same visible as 0 ...
      0.1f, 0.2f, 0.3f;   // copy of 0
  h << 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.6f,  // ... but another hidden magnetisation
      0.5f, 0.5f;
  std::vector<Index> dup;
  EXPECT_EQ(count_distinct_particles(v, h, 1e-6, &dup), 3);
  EXPECT_EQ(dup, (std::vector<Index>{1, 4}));
  // A tolerance above the differences merges everything into particle 0.
  EXPECT_EQ(count_distinct_particles(v, h, 0.2, &dup), 1);
  EXPECT_EQ(dup, (std::vector<Index>{1, 2, 3, 4}));
  EXPECT_EQ(count_distinct_particles(MatrixF(0, 3), MatrixF(0, 2), 1e-6), 0);
  EXPECT_THROW(count_distinct_particles(v, MatrixF(4, 2), 1e-6), Error);
}

// Small W: the sweeps contract (Lipschitz constant ≈ d + (1 − d)·|W|/4 per sweep), so 20
// particles started at 20 different rows become one vector within ~10 updates of 3 sweeps.
constexpr Index kParticles = 20;
const Rbm& small_weight_model() {
  static const Rbm rbm = random_rbm(12, 6, UnitType::bernoulli, UnitType::bernoulli, 3,
                                    /*weight scale=*/0.02, /*bias scale=*/0.3, 11);
  return rbm;
}

EstimatorState collapsed_state() {
  const Rbm& rbm = small_weight_model();
  const MatrixF batch = distinct_rows(kParticles, 12);
  TapEstimator est(2, 3, 0.5, /*persistent=*/true, kParticles, /*reseed_fraction=*/0.0, 5);
  Rng rng(1, 0);
  Gradient g;
  est.begin_epoch();
  for (int update = 0; update < 40; ++update) est.estimate(rbm, batch, rng, g);
  const auto stats = est.particle_stats();
  EXPECT_TRUE(stats.has_value());
  if (stats) {
    EXPECT_EQ(stats->particles, kParticles);
    EXPECT_EQ(stats->distinct, 1) << "the particles did not collapse";
    EXPECT_EQ(stats->reseeded, 0);  // re-seeding off
    EXPECT_LT(stats->spread, 1e-6);
    EXPECT_EQ(stats->min_distinct, 1);
  }
  return est.state();
}

TEST(TapParticles, PersistentParticlesCollapseAndTheMonitorSeesIt) {
  const EstimatorState collapsed = collapsed_state();
  // Independently of the estimator: the stored rows agree to the tolerance.
  EXPECT_EQ(count_distinct_particles(collapsed.chains, collapsed.hidden, kTapDistinctTolerance), 1);
  // At the start the particles were 20 different rows.
  const MatrixF rows = distinct_rows(kParticles, 12);
  MatrixF h;
  small_weight_model().hidden_mean(rows, h);
  EXPECT_EQ(count_distinct_particles(rows, h, kTapDistinctTolerance), kParticles);
}

TEST(TapParticles, ReseedingRestartsTheDuplicatesAtBatchRows) {
  const Rbm& rbm = small_weight_model();
  const EstimatorState collapsed = collapsed_state();
  const double fraction = 0.5;
  TapEstimator est(2, 3, 0.5, true, kParticles, fraction, 5);
  est.restore(collapsed);
  est.begin_epoch();
  // A fresh batch of distinct rows (different from the ones the particles started at).
  MatrixF batch = distinct_rows(kParticles + 7, 12).bottomRows(kParticles);
  Rng rng(1, 0);
  const RngState before = rng.state();
  Gradient g;
  est.estimate(rbm, batch, rng, g);
  EXPECT_EQ(rng.state(), before) << "re-seeding must draw from its own stream";
  const auto stats = est.particle_stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->min_distinct, 1);
  EXPECT_EQ(stats->reseeded, kParticles - 1);
  EXPECT_EQ(stats->reseedings, 1);
  const auto wanted = static_cast<Index>(std::ceil(fraction * static_cast<double>(kParticles)));
  EXPECT_GE(stats->distinct, wanted);
  EXPECT_EQ(stats->distinct, kParticles);  // distinct rows for every duplicate

  // Particle 0 kept its place and swept on; every other one is a different batch row swept 3
  // times from (v, E[h|v]).
  MatrixF mv0 = collapsed.chains.topRows(1), mh0 = collapsed.hidden.topRows(1);
  estimate::tap_sweeps(rbm, 2, 3, 0.5, mv0, mh0);
  EXPECT_EQ(est.visible_magnetisations().row(0), mv0.row(0));
  MatrixF mv = batch, mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, 2, 3, 0.5, mv, mh);
  std::set<Index> used;
  for (Index p = 1; p < kParticles; ++p) {
    Index found = -1;
    for (Index r = 0; r < batch.rows(); ++r) {
      if (est.visible_magnetisations().row(p) == mv.row(r) &&
          est.hidden_magnetisations().row(p) == mh.row(r)) {
        found = r;
      }
    }
    EXPECT_GE(found, 0) << "particle " << p << " is no swept batch row";
    used.insert(found);
  }
  EXPECT_EQ(used.size(), static_cast<std::size_t>(kParticles - 1)) << "a batch row was used twice";

  // More duplicates than batch rows: the rows cycle, and every row is used.
  TapEstimator small(2, 3, 0.5, true, kParticles, 1.0, 5);
  small.restore(collapsed);
  small.begin_epoch();
  small.estimate(rbm, batch.topRows(4), rng, g);
  EXPECT_EQ(small.particle_stats()->distinct, 5);  // the old vector and 4 rows
  // Re-seeding off: nothing changes the collapse.
  TapEstimator off(2, 3, 0.5, true, kParticles, 0.0, 5);
  off.restore(collapsed);
  off.begin_epoch();
  off.estimate(rbm, batch, rng, g);
  EXPECT_EQ(off.particle_stats()->distinct, 1);
  EXPECT_EQ(off.particle_stats()->reseeded, 0);
}

TEST(TapParticles, RejectsBadFractionAndForeignState) {
  EXPECT_THROW(TapEstimator(2, 3, 0.5, true, 0, -0.1), Error);
  EXPECT_THROW(TapEstimator(2, 3, 0.5, true, 0, 1.5), Error);
  TapEstimator np(2, 3, 0.5, false, 0, 0.5);
  EstimatorState s;
  s.reseed_rng = Rng(1, kTapReseedStream).state();
  EXPECT_THROW(np.restore(s), Error);
  EXPECT_FALSE(np.particle_stats().has_value());
  TrainConfig c;
  c.tap_reseed_fraction = 1.5f;
  EXPECT_THROW(c.validate(), Error);
  c.tap_reseed_fraction = std::nanf("");
  EXPECT_THROW(c.validate(), Error);
}

// Persistent TAP-2 on the prototype data with small initial weights: the particles collapse
// within the first epoch and are re-seeded, and the epoch's monitor says so.
TrainConfig reseeding_config() {
  TrainConfig c;
  c.method = Method::tap2;
  c.tap_persistent = true;
  c.tap_reseed_fraction = 0.5f;
  c.epochs = 4;
  c.batch_size = 5;
  c.learning_rate = 0.01f;
  c.momentum_final = 0.5f;
  c.seed = 8;
  c.monitor_rows = 20;
  return c;
}

TEST(TapParticles, TrainerReportsAndReseedsPerEpoch) {
  const MatrixF data = test::prototype_data(300, UnitType::bernoulli, 23);
  Rbm rbm(8, 4);
  Trainer trainer(rbm, reseeding_config(), data);
  EXPECT_FALSE(trainer.evaluate().tap_particles.has_value());  // before the first update
  std::vector<std::string> heard;
  const EpochStats s = trainer.run_epoch({}, [&](const std::string& line) { heard.push_back(line); });
  ASSERT_TRUE(s.tap_particles.has_value());
  EXPECT_EQ(s.tap_particles->particles, 5);
  EXPECT_GT(s.tap_particles->reseeded, 0);
  EXPECT_GE(s.tap_particles->distinct, 1);
  ASSERT_EQ(heard.size(), 1u) << "one line per epoch at most";
  EXPECT_EQ(s.notices, heard);
  EXPECT_NE(heard[0].find("re-seeded"), std::string::npos) << heard[0];
  // In the JSON and CSV monitors.
  const nlohmann::json j = s;
  EXPECT_EQ(j["tap_particles"]["reseeded"].get<Index>(), s.tap_particles->reseeded);
  EXPECT_EQ(j["tap_particles"]["distinct"].get<Index>(), s.tap_particles->distinct);
  // Not persistent: no particle monitor.
  TrainConfig np = reseeding_config();
  np.tap_persistent = false;
  Rbm other(8, 4);
  Trainer t2(other, np, data);
  EXPECT_FALSE(t2.run_epoch().tap_particles.has_value());
}

TEST(TapParticles, ResumeIsBitIdenticalWithReseeding) {
  test::TrainTempDir dir;
  const MatrixF data = test::prototype_data(120, UnitType::bernoulli, 29);
  const auto r = test::resume_after_two_epochs(reseeding_config(), data, [] { return Rbm(8, 4); },
                                               dir.file("tap.checkpoint.h5"));
  ASSERT_TRUE(r.saved.tap_reseed_rng.has_value());
  ASSERT_TRUE(r.loaded.tap_reseed_rng.has_value());
  EXPECT_EQ(*r.loaded.tap_reseed_rng, *r.saved.tap_reseed_rng);
  // The stream was used (re-seeding happened) before the checkpoint.
  EXPECT_NE(*r.saved.tap_reseed_rng, Rng(reseeding_config().seed, kTapReseedStream).state());
  test::expect_same_parameters(r.resumed, r.straight);
  EXPECT_EQ(r.resumed_end.persistent_chains, r.straight_end.persistent_chains);
  EXPECT_EQ(*r.resumed_end.tap_reseed_rng, *r.straight_end.tap_reseed_rng);
}

TEST(TapParticles, CheckpointRejectsAReseedStreamOfAnotherMethod) {
  test::TrainTempDir dir;
  const MatrixF data = test::prototype_data(40, UnitType::bernoulli, 3);
  TrainConfig c = reseeding_config();
  c.method = Method::pcd;
  Rbm rbm(8, 4);
  Trainer t(rbm, c, data);
  t.run_epoch();
  Checkpoint cp = t.checkpoint();
  EXPECT_FALSE(cp.tap_reseed_rng.has_value());
  cp.tap_reseed_rng = Rng(1, kTapReseedStream).state();
  const std::string path = dir.file("pcd.checkpoint.h5");
  save_checkpoint(path, cp);
  EXPECT_THROW(load_checkpoint(path), FileError);
}

TEST(TapParticles, SameBitsForOneAndTwoThreads) {
  const MatrixF data = test::prototype_data(300, UnitType::bernoulli, 31);
  TrainConfig c = reseeding_config();
  c.epochs = 2;
  const int saved = omp_get_max_threads();
  std::vector<MatrixF> weights, chains;
  Index reseeded = 0;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    Rbm rbm(8, 4);
    Trainer t(rbm, c, data);
    while (!t.finished()) reseeded += t.run_epoch().tap_particles->reseeded;
    weights.push_back(rbm.weights());
    chains.push_back(t.checkpoint().persistent_chains);
  }
  omp_set_num_threads(saved);
  EXPECT_GT(reseeded, 0);
  EXPECT_EQ(weights[0], weights[1]);
  EXPECT_EQ(chains[0], chains[1]);
}

}  // namespace
}  // namespace rgflow::train
