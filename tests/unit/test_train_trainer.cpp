// Trainer: training raises the exact log-likelihood of a tiny RBM (estimate::exact_log_partition),
// monitors compute what they document, the momentum schedule, callbacks, input checks.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <ostream>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/train/monitors.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::prototype_data;

double exact_mean_log_likelihood(const Rbm& rbm, const MatrixF& data) {
  return estimate::mean_log_likelihood(rbm, data, estimate::exact_log_partition(rbm)).mean;
}

struct LikelihoodCase {
  UnitType units;
  Method method;
};

void PrintTo(const LikelihoodCase& c, std::ostream* os) {
  *os << to_string(c.units) << "/" << to_string(c.method);
}

class TrainLikelihood : public ::testing::TestWithParam<LikelihoodCase> {};

TEST_P(TrainLikelihood, TinyRbmOnPrototypesRises) {
  const auto [units, method] = GetParam();
  const MatrixF data = prototype_data(300, units, /*seed=*/1);
  Rbm rbm(8, 4, units, units);
  TrainConfig c;
  c.method = method;
  c.steps = 1;
  c.epochs = 60;
  c.batch_size = 20;
  // Spin statistics v hᵀ span [−1, 1] instead of [0, 1] and a spin coupling equals a quarter
  // of the Bernoulli one (v = (s + 1)/2), so the same progress needs a quarter of the rate.
  c.learning_rate = units == UnitType::spin ? 0.0125f : 0.05f;
  // Constant momentum 0.5: with only 20 persistent chains, Hinton's 0.9 multiplies the effective
  // rate ε/(1 − μ) by 5 and PCD then oscillates (chains cannot follow the model; Tieleman 2008
  // uses small or decaying rates).
  c.momentum_initial = 0.5f;
  c.momentum_final = 0.5f;
  c.seed = 12345;
  c.monitor_rows = 100;
  Trainer trainer(rbm, c, data);
  const double initial = exact_mean_log_likelihood(rbm, data);  // after Hinton initialisation
  while (!trainer.finished()) trainer.run_epoch();
  const double final_ll = exact_mean_log_likelihood(rbm, data);
  // The initial model is close to independent units (≈ −8 log 2 = −5.5 nats); the data's own
  // entropy is ≈ 3 nats. Require most of that gap to be closed.
  EXPECT_LT(initial, -5.0);
  EXPECT_GT(final_ll, initial + 1.5) << "initial " << initial << " final " << final_ll;
}

INSTANTIATE_TEST_SUITE_P(
    UnitsAndMethods, TrainLikelihood,
    ::testing::Values(LikelihoodCase{UnitType::bernoulli, Method::cd},
                      LikelihoodCase{UnitType::bernoulli, Method::pcd},
                      LikelihoodCase{UnitType::spin, Method::cd},
                      LikelihoodCase{UnitType::spin, Method::pcd}),
    [](const auto& param_info) {
      return std::string(to_string(param_info.param.units)) + "_" + to_string(param_info.param.method);
    });

TrainConfig small_config() {
  TrainConfig c;
  c.epochs = 3;
  c.batch_size = 16;
  c.learning_rate = 0.05f;
  c.seed = 9;
  c.monitor_rows = 40;
  return c;
}

TEST(Trainer, FreeEnergyMonitorsAreMeansOverMonitorRowsAndGapIsValidationMinusTrain) {
  const MatrixF train = prototype_data(100, UnitType::bernoulli, 2);
  const MatrixF validation = prototype_data(60, UnitType::bernoulli, 3, 0.3);
  Rbm rbm(8, 4);
  Trainer trainer(rbm, small_config(), train, &validation);
  const EpochStats s = trainer.run_epoch();
  EXPECT_EQ(s.epoch, 1);
  const VectorD ft = rbm.free_energy_visible(train.topRows(40));
  const VectorD fv = rbm.free_energy_visible(validation.topRows(40));
  const double f_train = ft.mean();
  const double f_val = fv.mean();
  // Standard errors over the 40 monitor rows (sd with n − 1).
  const auto sem = [](const VectorD& x) {
    return std::sqrt((x.array() - x.mean()).square().sum() / 39.0 / 40.0);
  };
  EXPECT_DOUBLE_EQ(s.free_energy_train.mean, f_train);
  EXPECT_NEAR(s.free_energy_train.error, sem(ft), 1e-12);
  EXPECT_EQ(s.free_energy_train.n, 40);
  ASSERT_TRUE(s.free_energy_validation && s.free_energy_gap);
  EXPECT_DOUBLE_EQ(s.free_energy_validation->mean, f_val);
  EXPECT_NEAR(s.free_energy_gap->mean, f_val - f_train, 1e-12);
  EXPECT_NEAR(s.free_energy_gap->error, std::hypot(sem(ft), sem(fv)), 1e-12);
  EXPECT_TRUE(std::isfinite(s.reconstruction_error.mean));
  EXPECT_GE(s.reconstruction_error.mean, 0.0);
  EXPECT_GT(s.reconstruction_error.error, 0.0);
  EXPECT_TRUE(std::isfinite(s.pseudo_log_likelihood.mean));
  EXPECT_GT(s.pseudo_log_likelihood.error, 0.0);
  EXPECT_EQ(s.pseudo_log_likelihood.n, 40);

  // evaluate() uses the same monitor stream as the epoch that just finished.
  const EpochStats again = trainer.evaluate();
  EXPECT_EQ(again.reconstruction_error.mean, s.reconstruction_error.mean);
  EXPECT_EQ(again.pseudo_log_likelihood.mean, s.pseudo_log_likelihood.mean);
  EXPECT_EQ(again.momentum, s.momentum);

  // Without validation data there is no validation monitor; monitor_rows > N uses all rows.
  Rbm rbm2(8, 4);
  TrainConfig c = small_config();
  c.monitor_rows = 1000;
  Trainer t2(rbm2, c, train);
  const EpochStats s2 = t2.evaluate();
  EXPECT_EQ(s2.epoch, 0);
  EXPECT_FALSE(s2.free_energy_validation.has_value());
  EXPECT_FALSE(s2.free_energy_gap.has_value());
  EXPECT_DOUBLE_EQ(s2.free_energy_train.mean, rbm2.free_energy_visible(train).mean());
  EXPECT_EQ(s2.pseudo_log_likelihood.n, 100);
}

TEST(Trainer, ReconstructionErrorOfAPerfectAutoencoderIsZero) {
  // Huge weights between unit i and hidden i make E[v|h] reproduce v exactly (up to σ(±40)).
  Rbm rbm(3, 3);
  rbm.weights() = 80.0f * MatrixF::Identity(3, 3);
  rbm.hidden_bias().setConstant(-40.0f);
  rbm.visible_bias().setConstant(-40.0f);
  MatrixF v(2, 3);
  v << 1, 0, 1, 0, 1, 1;
  Rng rng(1);
  EXPECT_LT(reconstruction_error(rbm, v, rng).mean, 1e-12);
  // With zero parameters E[v|h] = 1/2 whatever h is: error exactly 1/4 on every row (so the
  // standard error over rows is 0).
  Rbm zero(3, 3);
  const stats::Result e = reconstruction_error(zero, v, rng);
  EXPECT_DOUBLE_EQ(e.mean, 0.25);
  EXPECT_DOUBLE_EQ(e.error, 0.0);
  EXPECT_EQ(e.n, 2);
}

TEST(Trainer, MomentumScheduleSwitchesAtConfiguredEpoch) {
  const MatrixF train = prototype_data(40, UnitType::bernoulli, 4);
  Rbm rbm(8, 2);
  TrainConfig c = small_config();
  c.epochs = 4;
  c.momentum_initial = 0.3f;
  c.momentum_final = 0.8f;
  c.momentum_switch_epoch = 2;
  Trainer trainer(rbm, c, train);
  std::vector<float> momenta;
  while (!trainer.finished()) momenta.push_back(trainer.run_epoch().momentum);
  EXPECT_EQ(momenta, (std::vector<float>{0.3f, 0.3f, 0.8f, 0.8f}));
}

// With momentum 0 an epoch depends on the past only through the parameters and the random
// stream, so epoch 2 of a decaying run equals epoch 2 of a constant-rate run resumed from the same
// checkpoint with the rate the schedule gives for that epoch: the trainer applies the schedule.
TEST(Trainer, LearningRateScheduleIsAppliedPerEpoch) {
  const MatrixF train = prototype_data(40, UnitType::bernoulli, 4);
  TrainConfig c = small_config();
  c.epochs = 3;
  c.momentum_initial = c.momentum_final = 0.0f;
  c.learning_rate = 0.1f;
  c.learning_rate_final = 0.02f;
  Rbm decay(8, 3);
  Trainer td(decay, c, train);
  td.run_epoch();
  Checkpoint cp = td.checkpoint();
  td.run_epoch();

  cp.config.learning_rate = learning_rate_at_epoch(c, 1);
  cp.config.learning_rate_final.reset();
  Rbm constant(8, 3);
  Trainer tc(constant, cp, train);
  tc.run_epoch();
  EXPECT_EQ(decay.weights(), constant.weights());
  EXPECT_EQ(decay.hidden_bias(), constant.hidden_bias());

  // And the schedule does change training: the constant initial rate gives other weights.
  c.learning_rate_final.reset();
  Rbm fixed(8, 3);
  Trainer tf(fixed, c, train);
  tf.run_epoch();
  tf.run_epoch();
  EXPECT_NE(decay.weights(), fixed.weights());
}

TEST(Trainer, BatchCallbackCountsBatchesIncludingTheLastPartialOne) {
  const MatrixF train = prototype_data(50, UnitType::bernoulli, 5);
  Rbm rbm(8, 2);
  TrainConfig c = small_config();  // batch 16: 16 + 16 + 16 + 2
  Trainer trainer(rbm, c, train);
  std::vector<Index> done;
  trainer.run_epoch([&](Index b, Index total) {
    EXPECT_EQ(total, 4);
    done.push_back(b);
  });
  EXPECT_EQ(done, (std::vector<Index>{1, 2, 3, 4}));
  EXPECT_EQ(trainer.epochs_done(), 1);
}

TEST(Trainer, MonitoringDoesNotChangeTraining) {
  const MatrixF train = prototype_data(50, UnitType::bernoulli, 6);
  TrainConfig c = small_config();
  c.method = Method::pcd;
  Rbm a(8, 3), b(8, 3);
  Trainer ta(a, c, train), tb(b, c, train);
  for (int e = 0; e < 3; ++e) {
    ta.run_epoch();
    for (int k = 0; k < 3; ++k) tb.evaluate();
    tb.run_epoch();
  }
  EXPECT_EQ(a.weights(), b.weights());
  EXPECT_EQ(ta.checkpoint().rng, tb.checkpoint().rng);
}

// Each epoch times its first updates with 1 and with the default thread count and keeps the
// faster; the trained model is the same whatever it picks (so also with 1 thread throughout).
TEST(Trainer, ThreadProbingDoesNotChangeTraining) {
  const Index nv = 300, nh = 160;  // large enough that updates run threaded
  MatrixF train(4200, nv);  // 42 batches of 100: enough to probe
  Rng rng(8);
  for (Index i = 0; i < train.size(); ++i) train.data()[i] = rng.uniform() < 0.3f ? 1.0f : 0.0f;
  TrainConfig c;
  c.method = Method::pcd;
  c.epochs = 2;
  c.batch_size = 100;
  c.learning_rate = 0.02f;
  c.seed = 3;
  const int saved = omp_get_max_threads();
  std::vector<MatrixF> weights;
  std::vector<int> used;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    Rbm rbm(nv, nh);
    Trainer t(rbm, c, train);
    while (!t.finished()) t.run_epoch();
    weights.push_back(rbm.weights());
    used.push_back(t.threads_used());
    EXPECT_EQ(omp_get_max_threads(), threads);  // the caller's setting is restored
  }
  omp_set_num_threads(saved);
  EXPECT_EQ(used[0], 1);
  EXPECT_TRUE(used[1] == 1 || used[1] == 2);
  EXPECT_TRUE(used[2] == 1 || used[2] == 3);
  EXPECT_EQ(weights[0], weights[1]);
  EXPECT_EQ(weights[0], weights[2]);
}

TEST(Trainer, InitialisationFollowsHintonAndIsSeeded) {
  const MatrixF train = prototype_data(100, UnitType::bernoulli, 7);
  Rbm a(8, 3), b(8, 3);
  TrainConfig c = small_config();
  Trainer ta(a, c, train), tb(b, c, train);
  EXPECT_EQ(a.weights(), b.weights());
  EXPECT_GT(a.weights().cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_LT(a.weights().cwiseAbs().maxCoeff(), 0.06f);  // N(0, 0.01²): |w| < 6σ
  const VectorD p = train.cast<double>().colwise().mean().transpose();
  for (Index i = 0; i < 8; ++i) {
    EXPECT_NEAR(a.visible_bias()[i], std::log(p[i] / (1 - p[i])), 1e-5);
  }
  // initialize = false leaves the model as given.
  Rbm given(8, 3);
  given.weights().setConstant(0.25f);
  c.initialize = false;
  Trainer tg(given, c, train);
  EXPECT_EQ(given.weights(), MatrixF::Constant(8, 3, 0.25f));
}

TEST(Trainer, RejectsBadInput) {
  const MatrixF train = prototype_data(20, UnitType::bernoulli, 8);
  Rbm rbm(8, 2);
  TrainConfig bad = small_config();
  bad.learning_rate = -1.0f;
  EXPECT_THROW(Trainer(rbm, bad, train), Error);
  Rbm wrong(7, 2);
  EXPECT_THROW(Trainer(wrong, small_config(), train), Error);
  const MatrixF empty(0, 8);
  EXPECT_THROW(Trainer(rbm, small_config(), empty), Error);
  const MatrixF val = MatrixF::Zero(5, 6);
  EXPECT_THROW(Trainer(rbm, small_config(), train, &val), Error);
}

TEST(Trainer, DivergenceIsReportedAsError) {
  const MatrixF train = prototype_data(20, UnitType::bernoulli, 8);
  Rbm rbm(8, 2);
  TrainConfig c = small_config();
  c.learning_rate = 3e38f;  // overflows float32 within a few updates
  c.epochs = 5;
  Trainer trainer(rbm, c, train);
  EXPECT_THROW(
      {
        while (!trainer.finished()) trainer.run_epoch();
      },
      Error);
}

}  // namespace
}  // namespace rgflow::train
