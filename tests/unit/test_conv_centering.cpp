// Centring for convolutional RBMs (conv/train.hpp "Centering"): the centred gradient of the shared
// parameters against central finite differences of the exact per-site log-likelihood as a function
// of the centred coordinates (θ′ ↦ θ: b_c = b′_c − μ Σ_k W_c[k], a = a′ − Σ_c λ_c Σ_k W_c[k]),
// for stride 1 (both offsets) and stride 2 (visible offset only); the centred gradient against the
// dense centred weight direction of to_dense() summed over the tied entries (stride 1); one SGD
// step equal to the centred step mapped back (an exact identity), with the offsets' moving
// averages computed from the batch directly; the first step's offsets and Z2. (Training with
// centring against the exact model: tests/statistical/test_conv_training_long.cpp.)
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

// Parameters and offsets that are multiples of 2^-6 (few bits), so that the centred coordinates,
// the finite-difference steps (2^-10) and the map back are exact in float32.
float dyadic(double x) { return static_cast<float>(std::round(x * 64.0) / 64.0); }

ConvRbm dyadic_model(ConvShape shape, UnitType vt, UnitType ht, std::uint64_t seed) {
  ConvRbm m = test::random_conv_model(shape, vt, ht, seed, 0.4, 0.3, 0.125f);
  m.kernels() = m.kernels().unaryExpr([](float x) { return dyadic(x); });
  m.hidden_bias() = m.hidden_bias().unaryExpr([](float x) { return dyadic(x); });
  return m;
}

ConvOffsets offsets_for(const ConvShape& s, double visible, std::initializer_list<double> hidden) {
  ConvOffsets o;
  o.set = true;
  o.visible = visible;
  o.hidden = VectorD::Zero(s.channels);
  Index c = 0;
  for (const double h : hidden) o.hidden[c++] = s.stride == 1 ? h : 0.0;
  return o;
}

double per_site_log_likelihood(const ConvRbm& m, const MatrixF& V) {
  return mean_log_likelihood(m, V, exact_log_partition(m)).mean / static_cast<double>(m.n_visible());
}

using test::exact_gradient;

// The uncentred model of centred coordinates (W, b′, a′) with offsets o.
ConvRbm uncentre(const ConvRbm& centred, const ConvOffsets& o) {
  ConvRbm m = centred;
  const VectorD sums = centred.kernels().cast<double>().rowwise().sum();
  for (Index c = 0; c < sums.size(); ++c) {
    m.hidden_bias()[c] = static_cast<float>(centred.hidden_bias()[c] - o.visible * sums[c]);
  }
  m.visible_bias() = static_cast<float>(centred.visible_bias() - o.hidden.dot(sums));
  return m;
}

// The centred coordinates of m: b′ = b + μ Σ W, a′ = a + Σ λ Σ W (stored in a ConvRbm).
ConvRbm centre(const ConvRbm& m, const ConvOffsets& o) {
  ConvRbm c = m;
  const VectorD sums = m.kernels().cast<double>().rowwise().sum();
  for (Index k = 0; k < sums.size(); ++k) c.hidden_bias()[k] = static_cast<float>(m.hidden_bias()[k] + o.visible * sums[k]);
  c.visible_bias() = static_cast<float>(m.visible_bias() + o.hidden.dot(sums));
  return c;
}

TEST(ConvCentering, CentredGradientMatchesFiniteDifferencesInCentredCoordinates) {
  struct Case {
    ConvShape shape;
    UnitType visible, hidden;
    double mu;
  };
  // Spin offsets in [−1, 1], Bernoulli ones in [0, 1].
  for (const Case& k : {Case{ConvShape{3, 2, 1, 2}, UnitType::spin, UnitType::spin, 0.25},
                        Case{ConvShape{3, 2, 1, 2}, UnitType::bernoulli, UnitType::bernoulli, 0.375},
                        Case{ConvShape{4, 3, 2, 2}, UnitType::bernoulli, UnitType::spin, 0.625}}) {
    SCOPED_TRACE(to_string(k.shape));
    const ConvRbm m = dyadic_model(k.shape, k.visible, k.hidden, 5);
    const MatrixF V = test::exact_samples(dyadic_model(k.shape, k.visible, k.hidden, 6), 64, 1);
    const ConvOffsets o = offsets_for(k.shape, k.mu, {0.375, -0.25});
    const ConvStatistics g = centred_gradient(exact_gradient(m, V), o);
    ConvRbm c = centre(m, o);
    ASSERT_TRUE(uncentre(c, o).kernels() == m.kernels());
    ASSERT_TRUE(uncentre(c, o).hidden_bias() == m.hidden_bias()) << "the dyadic parameters must map back exactly";
    const float h = 0x1.0p-10f;  // exact in float32 for these parameters
    auto fd = [&](float& param) {
      const float saved = param;
      param = saved + h;
      const double up = per_site_log_likelihood(uncentre(c, o), V);
      param = saved - h;
      const double down = per_site_log_likelihood(uncentre(c, o), V);
      param = saved;
      return (up - down) / (2.0 * static_cast<double>(h));
    };
    // Truncation (h²/6) ℓ‴ ≈ 1e-7; float32 fields in F(v) are formed in float64 (conv_rbm.hpp).
    for (Index ch = 0; ch < k.shape.channels; ++ch) {
      for (Index j = 0; j < k.shape.kernel_size(); ++j) EXPECT_NEAR(fd(c.kernels()(ch, j)), g.kernels(ch, j), 2e-6);
      EXPECT_NEAR(fd(c.hidden_bias()[ch]), g.hidden[ch], 2e-6);
    }
    EXPECT_NEAR(fd(c.visible_bias()), g.visible, 2e-6);
  }
}

TEST(ConvCentering, StrideOneAgreesWithTheDenseCentredDirection) {
  // Dense centring (docs/training.md): g_W = dW − μ dbᵀ − da λᵀ with μ_i = μ, λ_{cM²+p} = λ_c. Its
  // sum over the entries tied to W_c[k], divided by L², is the conv g′_W (per-site objective).
  const ConvShape s{4, 2, 1, 2};
  const ConvRbm m = test::random_conv_model(s, UnitType::spin, UnitType::bernoulli, 3, 0.4, 0.3, 0.1f);
  const Rbm dense = m.to_dense();
  const MatrixF V = test::exact_samples(m, 40, 2);
  const estimate::Moments data = estimate::data_moments(dense, V), model = estimate::exact_model_moments(dense);
  const ConvOffsets o = offsets_for(s, -0.3, {0.6, 0.2});
  const Index P = s.positions(), KK = s.kernel_size();
  const double n = static_cast<double>(m.n_visible());
  const ConvStatistics g = centred_gradient(exact_gradient(m, V), o);
  for (Index c = 0; c < s.channels; ++c) {
    for (Index k = 0; k < KK; ++k) {
      double tied = 0.0;
      for (Index p = 0; p < P; ++p) {
        const Index i = m.patch_index()[static_cast<std::size_t>(p * KK + k)], j = c * P + p;
        const double dW = data.visible_hidden(i, j) - model.visible_hidden(i, j);
        const double db = data.hidden[j] - model.hidden[j], da = data.visible[i] - model.visible[i];
        tied += dW - o.visible * db - da * o.hidden[c];
      }
      EXPECT_NEAR(tied / n, g.kernels(c, k), 1e-6);
    }
  }
}

TEST(ConvCentering, SgdStepIsTheCentredStepMappedBack) {
  for (const ConvShape s : {ConvShape{3, 2, 1, 2}, ConvShape{4, 2, 2, 2}}) {
    SCOPED_TRACE(to_string(s));
    const ConvRbm m = test::random_conv_model(s, UnitType::spin, UnitType::spin, 4, 0.4, 0.3, 0.1f);
    const MatrixF V = test::exact_samples(test::random_conv_model(s, UnitType::spin, UnitType::spin, 9, 0.5, 0.3, 0.3f), 50, 3);
    const ConvOffsets o = offsets_for(s, 0.2, {-0.4, 0.3});
    ConvTrainOptions options;
    options.centering = true;
    options.momentum = 0.0;
    options.centering_rate = 0.1;
    const double lr = 0.3;
    ConvOptimizerState state = ConvOptimizer(s, options).state();
    state.offsets = o;
    ConvOptimizer optimizer(s, options, state);
    const ConvStatistics gradient = exact_gradient(m, V), positive = mean_statistics(m, V);
    ConvRbm stepped = m;
    optimizer.step(stepped, gradient, lr, &positive);
    // By hand: θ′ ← θ′ + η g′ in the centred coordinates, then back.
    const ConvStatistics g = centred_gradient(gradient, o);
    const ConvRbm c = centre(m, o);
    ConvRbm c1 = c;
    c1.kernels() = (c.kernels().cast<double>() + lr * g.kernels).cast<float>();
    c1.hidden_bias() = (c.hidden_bias().cast<double>() + lr * g.hidden).cast<float>();
    c1.visible_bias() = static_cast<float>(c.visible_bias() + lr * g.visible);
    const ConvRbm expected = uncentre(c1, o);
    EXPECT_LT((stepped.kernels() - expected.kernels()).cwiseAbs().maxCoeff(), 1e-6f);
    EXPECT_LT((stepped.hidden_bias() - expected.hidden_bias()).cwiseAbs().maxCoeff(), 1e-6f);
    EXPECT_NEAR(stepped.visible_bias(), expected.visible_bias(), 1e-6f);
    // The step differs from the uncentred one (the test can fail).
    const VectorF plain_hidden = (m.hidden_bias().cast<double>() + lr * gradient.hidden).cast<float>();
    EXPECT_GT((stepped.hidden_bias() - plain_hidden).cwiseAbs().maxCoeff(), 1e-4f);
    // Offsets: o ← 0.9 o + 0.1 (the batch's ⟨v⟩, and per channel ⟨E[h|v]⟩ over rows and positions;
    // λ = 0 for stride 2).
    MatrixF mean;
    m.hidden_mean(V, mean);
    const ConvOffsets& moved = optimizer.state().offsets;
    EXPECT_NEAR(moved.visible, 0.9 * o.visible + 0.1 * V.cast<double>().mean(), 1e-12);
    for (Index ch = 0; ch < s.channels; ++ch) {
      const double batch = s.stride == 1 ? mean.middleCols(ch * s.positions(), s.positions()).cast<double>().mean() : 0.0;
      EXPECT_NEAR(moved.hidden[ch], 0.9 * o.hidden[ch] + 0.1 * batch, 1e-7);
    }
  }
}

TEST(ConvCentering, FirstStepStartsTheOffsetsAtTheBatchMeansAndZ2IgnoresThem) {
  const ConvShape s{3, 2, 1, 1};
  ConvRbm m = test::random_conv_model(s, UnitType::bernoulli, UnitType::bernoulli, 2, 0.4, 0.3, 0.1f);
  const MatrixF V = test::exact_samples(m, 30, 4);
  ConvTrainOptions options;
  options.centering = true;
  options.centering_rate = 0.5;
  ConvOptimizer optimizer(s, options);
  const ConvStatistics positive = mean_statistics(m, V);
  // Without the batch statistics, centring cannot run.
  EXPECT_THROW(optimizer.step(m, exact_gradient(m, V), 0.1), Error);
  optimizer.step(m, exact_gradient(m, V), 0.1, &positive);
  // Started at the batch means, then moved halfway towards the same means: still the means.
  EXPECT_NEAR(optimizer.state().offsets.visible, V.cast<double>().mean(), 1e-12);
  // Z2: biases untouched and the offsets never set.
  ConvRbm z = test::random_conv_model(s, UnitType::spin, UnitType::spin, 2, 0.4, 0.0, 0.0f);
  options.z2 = true;
  ConvOptimizer z2(s, options);
  const MatrixF Vz = test::exact_samples(z, 30, 4);
  const ConvStatistics pz = mean_statistics(z, Vz);
  z2.step(z, exact_gradient(z, Vz), 0.1, &pz);
  EXPECT_FALSE(z2.state().offsets.set);
  EXPECT_EQ(z.visible_bias(), 0.0f);
  EXPECT_TRUE(z.hidden_bias().isZero(0.0));
}

}  // namespace
}  // namespace rgflow::conv
