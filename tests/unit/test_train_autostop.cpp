// Automatic stopping (train/convergence.hpp): the stopping rule step by step on hand-made scores;
// a run that stops returns bit for bit the model of a plain run of exactly the chosen number of
// epochs, and its score is the exact held-out log-likelihood per unit; a run that keeps improving
// hits the cap; refusals; the AIS score agrees with the exact one within its error; an
// interrupted run resumed from an HDF5 checkpoint stops where the uninterrupted one does, bit for
// bit; 1 and 2 threads give the same bits.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/pseudo_likelihood.hpp"
#include "rgflow/train/convergence.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::expect_same_parameters;
using test::prototype_data;

// A score whose rows are `base` + `shift` (so the paired difference to another is exact).
HeldOutScore score_of(const VectorD& rows, double log_z_error_per_unit = 0.0) {
  HeldOutScore s;
  s.rows = rows;
  s.score = stats::mean_sem({rows.data(), static_cast<std::size_t>(rows.size())});
  s.log_z_error_per_unit = log_z_error_per_unit;
  s.score.error = std::hypot(s.score.error, log_z_error_per_unit);
  return s;
}

VectorD constant_rows(double value) { return VectorD::Constant(4, value); }

TEST(TrainAutostopRule, PatienceCountsEpochsWithoutImprovement) {
  ConvergenceState s;
  const Rbm model(2, 1);
  const int patience = 3, cap = 100;
  EXPECT_TRUE(s.record(1, score_of(constant_rows(-1.0)), model, patience, cap));  // first: best
  EXPECT_TRUE(s.record(2, score_of(constant_rows(-0.9)), model, patience, cap));  // D = 0.1, σ 0
  EXPECT_FALSE(s.record(3, score_of(constant_rows(-0.95)), model, patience, cap));
  EXPECT_FALSE(s.record(4, score_of(constant_rows(-0.9)), model, patience, cap));  // D = 0: no
  EXPECT_EQ(s.epochs_since_best, 2);
  EXPECT_FALSE(s.stopped());
  // An improvement resets the count.
  EXPECT_TRUE(s.record(5, score_of(constant_rows(-0.8)), model, patience, cap));
  EXPECT_EQ(s.best_epoch, 5);
  EXPECT_FALSE(s.record(6, score_of(constant_rows(-0.85)), model, patience, cap));
  EXPECT_FALSE(s.record(7, score_of(constant_rows(-0.85)), model, patience, cap));
  EXPECT_FALSE(s.stopped());
  EXPECT_FALSE(s.record(8, score_of(constant_rows(-0.85)), model, patience, cap));
  // The third epoch in a row without improvement stops the run.
  EXPECT_EQ(s.stop_reason, "converged");
  EXPECT_EQ(s.best_epoch, 5);
  EXPECT_EQ(s.history.size(), 8u);
  EXPECT_DOUBLE_EQ(s.history[4].score.mean, -0.8);
}

TEST(TrainAutostopRule, AnImprovementWithinItsErrorDoesNotCount) {
  ConvergenceState s;
  const Rbm model(2, 1);
  s.record(1, score_of(constant_rows(0.0)), model, 5, 100);
  // Paired differences 0.1, −0.05, 0.1, −0.05: mean 0.025, standard error 0.0433.
  VectorD noisy(4);
  noisy << 0.1, -0.05, 0.1, -0.05;
  EXPECT_FALSE(s.record(2, score_of(noisy), model, 5, 100));
  const stats::Result d = score_difference(score_of(noisy), s.best);
  EXPECT_NEAR(d.mean, 0.025, 1e-15);
  EXPECT_NEAR(d.error, std::sqrt(4 * 0.075 * 0.075 / 3.0) / 2.0, 1e-12);  // sd / √N
  // A constant shift of 0.01 with log Z errors of 0.01 per unit on both sides: σ_D = 0.0141.
  ConvergenceState z;
  z.record(1, score_of(constant_rows(0.0), 0.01), model, 5, 100);
  EXPECT_FALSE(z.record(2, score_of(constant_rows(0.01), 0.01), model, 5, 100));
  EXPECT_TRUE(z.record(3, score_of(constant_rows(0.015), 0.01), model, 5, 100));
}

TEST(TrainAutostopRule, TheCapStopsAndPatienceWinsATie) {
  const Rbm model(2, 1);
  ConvergenceState cap;
  cap.record(1, score_of(constant_rows(0.0)), model, 5, 2);
  EXPECT_FALSE(cap.stopped());
  cap.record(2, score_of(constant_rows(1.0)), model, 5, 2);
  EXPECT_EQ(cap.stop_reason, "max_epochs");
  ConvergenceState tie;
  tie.record(1, score_of(constant_rows(0.0)), model, 1, 2);
  tie.record(2, score_of(constant_rows(0.0)), model, 1, 2);
  EXPECT_EQ(tie.stop_reason, "converged");
}

TrainConfig auto_config() {
  TrainConfig c;
  c.method = Method::pcd;
  c.batch_size = 10;
  c.learning_rate = 0.3f;  // constant: a plain run of fewer epochs follows the same path
  c.momentum_initial = c.momentum_final = 0.5f;
  c.seed = 7;
  c.monitor_rows = 100;
  c.auto_epochs = true;
  c.patience = 3;
  c.epochs = 200;
  return c;
}

struct Data {
  MatrixF train = prototype_data(400, UnitType::bernoulli, 1);
  MatrixF validation = prototype_data(200, UnitType::bernoulli, 2);
};

Rbm fresh() { return Rbm(8, 4); }

// Runs to the end; returns the trainer's final checkpoint.
Checkpoint run_to_end(Rbm& rbm, const TrainConfig& config, const Data& d) {
  Trainer t(rbm, config, d.train, &d.validation);
  while (!t.finished()) t.run_epoch();
  return t.checkpoint();
}

TEST(TrainAutostop, StopsAndKeepsTheBestEpochBitForBit) {
  const Data d;
  Rbm rbm = fresh();
  const Checkpoint end = run_to_end(rbm, auto_config(), d);
  ASSERT_TRUE(end.convergence);
  const ConvergenceState& c = *end.convergence;
  EXPECT_EQ(c.stop_reason, "converged");
  EXPECT_LT(end.epochs_done, 200);
  EXPECT_EQ(end.epochs_done, c.best_epoch + 3);
  ASSERT_GE(c.best_epoch, 2);  // it learned something before stopping
  EXPECT_EQ(c.best.method, StopScore::exact);

  // The model returned is that of a plain run of exactly best_epoch epochs.
  TrainConfig plain = auto_config();
  plain.auto_epochs = false;
  plain.epochs = c.best_epoch;
  Rbm reference = fresh();
  Trainer t(reference, plain, d.train, &d.validation);
  while (!t.finished()) t.run_epoch();
  expect_same_parameters(rbm, reference);

  // Its score is the exact held-out log-likelihood per unit.
  const double log_z = estimate::exact_log_partition(reference);
  const stats::Result ll = estimate::mean_log_likelihood(reference, d.validation, log_z);
  EXPECT_NEAR(c.history[static_cast<std::size_t>(c.best_epoch - 1)].score.mean, ll.mean / 8.0, 1e-12);
  EXPECT_NEAR(c.best.score.error, ll.error / 8.0, 1e-12);
}

TEST(TrainAutostop, ARunThatKeepsImprovingHitsTheCap) {
  Data d;
  d.train = prototype_data(3000, UnitType::bernoulli, 3);  // many small steps per epoch
  TrainConfig config = auto_config();
  config.learning_rate = 0.05f;
  config.momentum_initial = config.momentum_final = 0.0f;
  config.epochs = 3;
  Rbm rbm = fresh();
  const Checkpoint end = run_to_end(rbm, config, d);
  ASSERT_TRUE(end.convergence);
  EXPECT_EQ(end.convergence->stop_reason, "max_epochs");
  EXPECT_EQ(end.epochs_done, 3);
  for (const ScoreRecord& r : end.convergence->history) EXPECT_TRUE(r.improved) << r.epoch;
  EXPECT_EQ(end.convergence->best_epoch, 3);
}

TEST(TrainAutostop, RefusesWithoutAScore) {
  const Data d;
  Rbm rbm = fresh();
  try {
    Trainer t(rbm, auto_config(), d.train);
    FAIL() << "no refusal without validation rows";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("validation"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
  MatrixF probabilities = d.validation;
  probabilities(0, 0) = 0.5f;
  EXPECT_THROW(Trainer(rbm, auto_config(), d.train, &probabilities), Error);
  TrainConfig pll = auto_config();
  pll.stop_score = StopScore::pll;
  Rbm gaussian(8, 4, UnitType::gaussian, UnitType::bernoulli);
  EXPECT_THROW(Trainer(gaussian, pll, d.train, &d.validation), Error);
  TrainConfig bad = auto_config();
  bad.patience = 0;
  EXPECT_THROW(bad.validate(), Error);
}

TEST(TrainAutostop, AisAndPllScores) {
  const Data d;
  Rbm rbm = fresh();
  TrainConfig config = auto_config();
  config.auto_epochs = false;
  config.epochs = 5;
  run_to_end(rbm, config, d);
  const HeldOutScore exact = heldout_score(rbm, StopScore::exact, d.validation, d.train, 11, {});
  const HeldOutScore ais = heldout_score(rbm, StopScore::ais, d.validation, d.train, 11, {});
  EXPECT_GT(ais.log_z_error_per_unit, 0.0);
  EXPECT_LT(std::abs(ais.score.mean - exact.score.mean), 4.0 * ais.log_z_error_per_unit + 1e-9);
  EXPECT_EQ(ais.rows, exact.rows);  // the same −F(v)/n; only log Z differs
  std::vector<Index> flip(static_cast<std::size_t>(d.validation.rows()));
  for (std::size_t r = 0; r < flip.size(); ++r) flip[r] = static_cast<Index>(r % 8);
  const HeldOutScore pll = heldout_score(rbm, StopScore::pll, d.validation, d.train, 11, flip);
  const VectorD rows = estimate::pseudo_log_likelihood_rows(rbm, d.validation, flip);
  EXPECT_NEAR(pll.score.mean, rows.mean() / 8.0, 1e-12);
  EXPECT_EQ(pll.log_z_per_unit, 0.0);
}

void expect_same_stop(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.epochs_done, b.epochs_done);
  expect_same_parameters(a.rbm, b.rbm);
  ASSERT_TRUE(a.convergence && b.convergence);
  EXPECT_EQ(a.convergence->best_epoch, b.convergence->best_epoch);
  EXPECT_EQ(a.convergence->stop_reason, b.convergence->stop_reason);
  expect_same_parameters(a.convergence->best_model, b.convergence->best_model);
  ASSERT_EQ(a.convergence->history.size(), b.convergence->history.size());
  for (std::size_t k = 0; k < a.convergence->history.size(); ++k) {
    EXPECT_EQ(a.convergence->history[k].score.mean, b.convergence->history[k].score.mean);
    EXPECT_EQ(a.convergence->history[k].score.error, b.convergence->history[k].score.error);
    EXPECT_EQ(a.convergence->history[k].improved, b.convergence->history[k].improved);
  }
}

TEST(TrainAutostop, ResumedRunStopsWhereTheUninterruptedOneDoes) {
  const test::TrainTempDir dir;
  const Data d;
  Rbm straight = fresh();
  const Checkpoint end = run_to_end(straight, auto_config(), d);
  ASSERT_GT(end.convergence->best_epoch, 1);
  // Interrupt after an epoch that did not improve, so the checkpoint holds a best model that is
  // not the current one and a non-zero count.
  int cut = 0;
  for (const ScoreRecord& r : end.convergence->history) {
    if (!r.improved && r.epoch < end.epochs_done) cut = r.epoch;
  }
  ASSERT_GT(cut, 0);
  Rbm part = fresh();
  {
    Trainer t(part, auto_config(), d.train, &d.validation);
    while (t.epochs_done() < cut) t.run_epoch();
    ASSERT_GT(t.convergence()->epochs_since_best, 0);
    save_checkpoint(dir.file("cut.h5"), t.checkpoint());
  }
  const Checkpoint loaded = load_checkpoint(dir.file("cut.h5"));
  Rbm resumed;
  Trainer rest(resumed, loaded, d.train, &d.validation);
  while (!rest.finished()) rest.run_epoch();
  expect_same_stop(rest.checkpoint(), end);
  expect_same_parameters(resumed, straight);
  // A stopped run saved and loaded stays stopped.
  save_checkpoint(dir.file("end.h5"), end);
  Rbm again;
  const Trainer stopped(again, load_checkpoint(dir.file("end.h5")), d.train, &d.validation);
  EXPECT_TRUE(stopped.finished());
}

TEST(TrainAutostop, SameBitsForOneAndTwoThreads) {
  const Data d;
  for (const StopScore score : {StopScore::exact, StopScore::ais}) {
    TrainConfig config = auto_config();
    config.stop_score = score;
    config.epochs = 6;
    Checkpoint ends[2];
    for (int threads : {1, 2}) {
      const int saved = omp_get_max_threads();
      omp_set_num_threads(threads);
      Rbm rbm = fresh();
      ends[threads - 1] = run_to_end(rbm, config, d);
      omp_set_num_threads(saved);
    }
    expect_same_stop(ends[0], ends[1]);
  }
}

}  // namespace
}  // namespace rgflow::train
