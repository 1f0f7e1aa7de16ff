// ContrastiveDivergence: the positive phase is exact (estimate::data_moments) and, with long
// chains, the negative phase samples the model: its averages must match
// estimate::exact_model_moments within 4 standard errors computed from the chains themselves.
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/optimizer.hpp"

#include <omp.h>

namespace rgflow::train {
namespace {

// A small model with strong enough couplings that ⟨v hᵀ⟩ differs clearly from ⟨v⟩⟨h⟩ᵀ.
Rbm tiny_model(UnitType visible, UnitType hidden) {
  Rbm rbm(5, 3, visible, hidden);
  Rng rng(11, 3);
  rbm.initialize(rng, nullptr, 0.6f);
  for (Index i = 0; i < 5; ++i) rbm.visible_bias()[i] = static_cast<float>(0.4 * rng.normal());
  for (Index j = 0; j < 3; ++j) rbm.hidden_bias()[j] = static_cast<float>(0.4 * rng.normal());
  return rbm;
}

// Rows that are valid visible states but far from the model distribution (all "off"), so that
// a short or broken chain would show up as a bias.
MatrixF start_rows(const Rbm& rbm, Index n) {
  const float off = rbm.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  return MatrixF::Constant(n, rbm.n_visible(), off);
}

// Compares mean over chains of x_c with `exact`, with σ = sample std / √C.
void expect_within_error(const Eigen::ArrayXd& samples, double exact, const char* what) {
  const double n = static_cast<double>(samples.size());
  const double mean = samples.mean();
  const double var = (samples - mean).square().sum() / (n - 1.0);
  const double sigma = std::sqrt(var / n);
  EXPECT_LT(std::fabs(mean - exact), 4.0 * sigma + 1e-9)
      << what << ": chains " << mean << " exact " << exact << " sigma " << sigma;
}

void check_negative_phase(const ContrastiveDivergence& cd, const Rbm& rbm) {
  const estimate::Moments exact = estimate::exact_model_moments(rbm);
  const MatrixD v = cd.negative_visible().cast<double>();
  const MatrixD h = cd.negative_hidden_mean().cast<double>();
  ASSERT_EQ(v.cols(), rbm.n_visible());
  ASSERT_EQ(h.cols(), rbm.n_hidden());
  for (Index i = 0; i < rbm.n_visible(); ++i) {
    expect_within_error(v.col(i).array(), exact.visible[i], "<v_i>");
    for (Index j = 0; j < rbm.n_hidden(); ++j) {
      expect_within_error(v.col(i).array() * h.col(j).array(), exact.visible_hidden(i, j),
                          "<v_i h_j>");
    }
  }
  for (Index j = 0; j < rbm.n_hidden(); ++j) {
    expect_within_error(h.col(j).array(), exact.hidden[j], "<h_j>");
  }
}

struct Pairing {
  UnitType visible;
  UnitType hidden;
};
void PrintTo(const Pairing& p, std::ostream* os) {
  *os << to_string(p.visible) << "/" << to_string(p.hidden);
}

class TrainNegativePhase : public ::testing::TestWithParam<Pairing> {};

TEST_P(TrainNegativePhase, LongCdChainsMatchExactModelMoments) {
  const Rbm rbm = tiny_model(GetParam().visible, GetParam().hidden);
  const MatrixF batch = start_rows(rbm, 4000);
  ContrastiveDivergence cd(/*steps=*/50, /*persistent=*/false);
  Rng rng(2024);
  Gradient g;
  cd.estimate(rbm, batch, rng, g);
  ASSERT_EQ(cd.negative_visible().rows(), 4000);
  check_negative_phase(cd, rbm);

  // The gradient is exactly positive − negative, with the exact positive phase (up to float32
  // accumulation over 4000 rows: ~1e-5 on values of order 1).
  const estimate::Moments data = estimate::data_moments(rbm, batch);
  const MatrixD neg_vh = cd.negative_visible().cast<double>().transpose() *
                         cd.negative_hidden_mean().cast<double>() / 4000.0;
  EXPECT_LT((g.dW.cast<double>() - (data.visible_hidden - neg_vh)).cwiseAbs().maxCoeff(), 1e-4);
  const VectorD neg_v = cd.negative_visible().cast<double>().colwise().mean().transpose();
  const VectorD neg_h = cd.negative_hidden_mean().cast<double>().colwise().mean().transpose();
  EXPECT_LT((g.da.cast<double>() - (data.visible - neg_v)).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_LT((g.db.cast<double>() - (data.hidden - neg_h)).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_LT((g.batch_hidden_mean.cast<double>() - data.hidden).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_LT((g.batch_visible_mean.cast<double>() - data.visible).cwiseAbs().maxCoeff(), 1e-4);
}

// PCD-1 called repeatedly on a fixed model: the persistent chains keep their state, so after many
// updates they sample the model even though each update runs a single Gibbs step.
TEST_P(TrainNegativePhase, PersistentChainsConvergeToModel) {
  const Rbm rbm = tiny_model(GetParam().visible, GetParam().hidden);
  ContrastiveDivergence pcd(/*steps=*/1, /*persistent=*/true);
  Rng rng(77);
  Gradient g;
  const MatrixF first = start_rows(rbm, 3000);
  pcd.estimate(rbm, first, rng, g);
  ASSERT_EQ(pcd.persistent_chains().rows(), 3000);  // as many chains as the first batch has rows
  const MatrixF small = start_rows(rbm, 10);
  for (int t = 0; t < 60; ++t) pcd.estimate(rbm, small, rng, g);
  EXPECT_EQ(pcd.persistent_chains().rows(), 3000);
  check_negative_phase(pcd, rbm);
}

// Hidden-state PCD (scikit-learn's scheme): the chains carry h between updates; they too must
// sample the model.
TEST_P(TrainNegativePhase, HiddenStateChainsConvergeToModel) {
  const Rbm rbm = tiny_model(GetParam().visible, GetParam().hidden);
  ContrastiveDivergence pcd(/*steps=*/1, /*persistent=*/true, /*hidden_state=*/true);
  Rng rng(78);
  Gradient g;
  pcd.estimate(rbm, start_rows(rbm, 3000), rng, g);
  const EstimatorState s = pcd.state();
  ASSERT_EQ(s.chains.rows(), 3000);
  ASSERT_EQ(s.hidden.rows(), 3000);
  ASSERT_EQ(s.hidden.cols(), rbm.n_hidden());
  const MatrixF small = start_rows(rbm, 10);
  for (int t = 0; t < 60; ++t) pcd.estimate(rbm, small, rng, g);
  check_negative_phase(pcd, rbm);
}

INSTANTIATE_TEST_SUITE_P(Pairings, TrainNegativePhase,
                         ::testing::Values(Pairing{UnitType::bernoulli, UnitType::bernoulli},
                                           Pairing{UnitType::spin, UnitType::spin},
                                           Pairing{UnitType::bernoulli, UnitType::spin},
                                           Pairing{UnitType::spin, UnitType::bernoulli}),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param.visible)) + "_" +
                                  std::string(to_string(param_info.param.hidden));
                         });

TEST(TrainContrastiveDivergence, SameSeedSameGradient) {
  const Rbm rbm = tiny_model(UnitType::bernoulli, UnitType::bernoulli);
  const MatrixF batch = start_rows(rbm, 20);
  Gradient g1, g2;
  ContrastiveDivergence a(3, false), b(3, false);
  Rng r1(5), r2(5);
  a.estimate(rbm, batch, r1, g1);
  b.estimate(rbm, batch, r2, g2);
  EXPECT_EQ(g1.dW, g2.dW);
  EXPECT_EQ(r1.state(), r2.state());
}

// A model large enough that an update runs on several threads (src/train/chunked_gibbs.hpp).
Rbm large_model(UnitType visible, UnitType hidden, Index nv = 310, Index nh = 170) {
  Rbm rbm(nv, nh, visible, hidden);
  Rng rng(3, 9);
  rbm.initialize(rng, nullptr, 0.1f);
  for (Index i = 0; i < rbm.n_visible(); ++i) rbm.visible_bias()[i] = static_cast<float>(0.3 * rng.normal());
  for (Index j = 0; j < rbm.n_hidden(); ++j) rbm.hidden_bias()[j] = static_cast<float>(0.3 * rng.normal());
  return rbm;
}

MatrixF random_rows(const Rbm& rbm, Index n, std::uint64_t seed) {
  MatrixF x(n, rbm.n_visible());
  Rng rng(seed);
  const float off = rbm.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < 0.3f ? 1.0f : off;
  return x;
}

struct UpdateRun {
  Gradient grad;
  MatrixF chains, hidden, weights;
  RngState rng;
};

// Two updates of (estimator, SGD) from the same start with `threads` OpenMP threads.
UpdateRun two_updates(UnitType vt, UnitType ht, int steps, bool persistent, bool hidden_state,
                      int threads, Index nv, Index nh) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  Rbm rbm = large_model(vt, ht, nv, nh);
  ContrastiveDivergence est(steps, persistent, hidden_state);
  TrainConfig config;
  config.learning_rate = 0.05f;
  config.l2 = 1e-3f;
  Optimizer sgd(config, rbm.n_visible(), rbm.n_hidden());
  Rng rng(31);
  UpdateRun r;
  for (int t = 0; t < 2; ++t) {
    est.estimate(rbm, random_rows(rbm, 100, 100 + static_cast<std::uint64_t>(t)), rng, r.grad);
    sgd.step(rbm, r.grad, 0.5f);
  }
  omp_set_num_threads(saved);
  r.chains = est.negative_visible();
  r.hidden = est.state().hidden;
  r.weights = rbm.weights();
  r.rng = rng.state();
  return r;
}

// The threaded update is exactly the one-thread update, for every estimator variant, on a shape
// with ragged blocks and on MNIST's.
TEST(TrainContrastiveDivergence, ThreadCountDoesNotChangeTheUpdate) {
  struct Variant { int steps; bool persistent, hidden_state; };
  struct Shape { Index nv, nh; };
  for (const Shape shape : {Shape{310, 170}, Shape{784, 500}}) {
  for (const Variant v : {Variant{1, false, false}, Variant{3, false, false}, Variant{1, true, false},
                          Variant{2, true, false}, Variant{1, true, true}, Variant{2, true, true}}) {
    for (const Pairing p : {Pairing{UnitType::bernoulli, UnitType::bernoulli},
                            Pairing{UnitType::spin, UnitType::bernoulli}}) {
      SCOPED_TRACE(::testing::Message() << shape.nv << "x" << shape.nh << " steps " << v.steps
                                        << " persistent " << v.persistent << " hidden_state "
                                        << v.hidden_state << " " << to_string(p.visible));
      const UpdateRun one =
          two_updates(p.visible, p.hidden, v.steps, v.persistent, v.hidden_state, 1, shape.nv, shape.nh);
      for (int threads : {2, 3}) {
        const UpdateRun many = two_updates(p.visible, p.hidden, v.steps, v.persistent,
                                           v.hidden_state, threads, shape.nv, shape.nh);
        EXPECT_EQ(one.grad.dW, many.grad.dW);
        EXPECT_EQ(one.grad.da, many.grad.da);
        EXPECT_EQ(one.grad.db, many.grad.db);
        EXPECT_EQ(one.chains, many.chains);
        EXPECT_EQ(one.hidden, many.hidden);
        EXPECT_EQ(one.weights, many.weights);
        EXPECT_EQ(one.rng, many.rng);
      }
    }
  }
  }
}

// The chunked update draws the words of the plain single-threaded Gibbs sampler (Rbm's
// conditionals, one product per step): same samples, same stream position, the same gradient up
// to float32 rounding of differently blocked products.
TEST(TrainContrastiveDivergence, MatchesTheUnchunkedSampler) {
  const Rbm rbm = large_model(UnitType::bernoulli, UnitType::bernoulli);
  const MatrixF batch = random_rows(rbm, 100, 7);
  for (const bool persistent : {false, true}) {
    ContrastiveDivergence est(2, persistent);
    Rng rng(12);
    Gradient g;
    est.estimate(rbm, batch, rng, g);

    Rng ref(12);
    MatrixF h, ph, v = batch, nh;
    if (persistent) {
      rbm.hidden_mean(batch, ph);
      rbm.gibbs(v, h, 2, ref);
    } else {
      rbm.sample_hidden(batch, h, ref, &ph);
      rbm.sample_visible(h, v, ref);
      rbm.gibbs(v, h, 1, ref);
    }
    rbm.hidden_mean(v, nh);
    EXPECT_EQ(rng.state(), ref.state());
    // A sample can differ only where a product rounded differently moved a field across its
    // uniform: with ~1e-7 relative differences that is essentially never among 30,000 units.
    const Index differ = (est.negative_visible().array() != v.array()).count();
    EXPECT_LE(differ, 2) << "persistent " << persistent;
    const MatrixF dW = (batch.transpose() * ph - v.transpose() * nh) / 100.0f;
    EXPECT_LT((g.dW - dW).cwiseAbs().maxCoeff(), 1e-4f + 0.02f * static_cast<float>(differ));
  }
}

// Hidden-state PCD saves and restores its state: continuing from state() is continuing the run.
TEST(TrainContrastiveDivergence, HiddenStateRestoreContinuesTheRun) {
  const Rbm rbm = large_model(UnitType::bernoulli, UnitType::spin);
  ContrastiveDivergence a(1, true, true);
  Rng rng(4);
  Gradient g;
  a.estimate(rbm, random_rows(rbm, 50, 1), rng, g);
  ContrastiveDivergence b(1, true, true);
  b.restore(a.state());
  Rng rng_b = Rng::from_state(rng.state());
  Gradient gb;
  const MatrixF next = random_rows(rbm, 50, 2);
  a.estimate(rbm, next, rng, g);
  b.estimate(rbm, next, rng_b, gb);
  EXPECT_EQ(g.dW, gb.dW);
  EXPECT_EQ(a.state().hidden, b.state().hidden);
  // Visible-state PCD refuses a hidden state, and hidden state needs persistent chains.
  ContrastiveDivergence visible(1, true);
  EXPECT_THROW(visible.restore(a.state()), Error);
  EXPECT_THROW(ContrastiveDivergence(1, false, true), Error);
}

TEST(TrainContrastiveDivergence, RejectsBadInput) {
  EXPECT_THROW(ContrastiveDivergence(0, false), Error);
  const Rbm rbm = tiny_model(UnitType::bernoulli, UnitType::bernoulli);
  ContrastiveDivergence cd(1, false);
  Rng rng;
  Gradient g;
  EXPECT_THROW(cd.estimate(rbm, MatrixF::Zero(4, 6), rng, g), Error);
  EXPECT_THROW(cd.set_persistent_chains(MatrixF::Zero(2, 5)), Error);  // CD keeps no chains
  ContrastiveDivergence pcd(1, true);
  pcd.set_persistent_chains(MatrixF::Zero(2, 4));
  EXPECT_THROW(pcd.estimate(rbm, MatrixF::Zero(4, 5), rng, g), Error);
}

}  // namespace
}  // namespace rgflow::train
