// Exact enumeration (estimate/exact.hpp) against naive float64 sums over both layers and against
// finite differences of the exact log-likelihood, for all four Bernoulli/spin pairings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

// Scalar std::exp: Eigen's AVX-512 packet exp trips GCC 12's -Wuninitialized inside its own
// intrinsics (GCC bug 105593), and the reference sums need no speed.
const auto exp_scalar = [](double x) { return std::exp(x); };

Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed, double w_std,
               double b_std) {
  return test::random_rbm(nv, nh, vt, ht, seed, w_std, b_std, /*stream=*/3);
}

// All 2^n states of a layer, one per row.
MatrixD all_states(Index n, UnitType type) {
  MatrixD out(Index{1} << n, n);
  for (Index s = 0; s < out.rows(); ++s) {
    out.row(s) = test::state_of(static_cast<std::uint64_t>(s), n, type).cast<double>().transpose();
  }
  return out;
}

// −E(v,h) = aᵀv + bᵀh + vᵀWh for every pair (v, h): rows index v, columns index h. Float64 from
// the float32 parameters; the reference that everything here is compared with.
MatrixD minus_energy_table(const Rbm& rbm) {
  const MatrixD V = all_states(rbm.n_visible(), rbm.visible_type());
  const MatrixD H = all_states(rbm.n_hidden(), rbm.hidden_type());
  const MatrixD W = rbm.weights().cast<double>();
  MatrixD table = V * W * H.transpose();
  table.colwise() += V * rbm.visible_bias().cast<double>();
  table.rowwise() += (H * rbm.hidden_bias().cast<double>()).transpose();
  return table;
}

// log Σ_{v,h} e^{−E(v,h)}, by the naive double sum (shifted by the maximum).
double naive_log_partition(const Rbm& rbm) {
  const MatrixD t = minus_energy_table(rbm);
  const double mx = t.maxCoeff();
  return mx + std::log((t.array() - mx).unaryExpr(exp_scalar).sum());
}

using Pairing = std::tuple<UnitType, UnitType>;

class ExactEnumeration : public ::testing::TestWithParam<Pairing> {
 protected:
  UnitType vt() const { return std::get<0>(GetParam()); }
  UnitType ht() const { return std::get<1>(GetParam()); }
};

// The naive sum of 2^20 positive terms has relative rounding error ~√N·ε ≈ 2e-13 (at worst
// N·ε ≈ 2e-10), i.e. an absolute error of that size on log Z ≈ 10–30; the enumeration's own error
// is smaller (see exact.cpp). 1e-10 relative leaves a wide margin yet catches any wrong term.
constexpr double kLogZRelTol = 1e-10;

TEST_P(ExactEnumeration, LogPartitionMatchesNaiveDoubleSum) {
  for (const auto& [nv, nh] : {std::pair<Index, Index>{12, 8}, {8, 12}, {5, 3}, {1, 1}}) {
    const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 100 + static_cast<std::uint64_t>(nv), 0.6, 0.8);
    const double expected = naive_log_partition(rbm);
    const double tol = kLogZRelTol * std::fabs(expected);
    EXPECT_NEAR(exact_log_partition(rbm), expected, tol) << nv << "x" << nh;
    EXPECT_NEAR(exact_log_partition(rbm, EnumerateLayer::visible), expected, tol) << nv << "x" << nh;
    EXPECT_NEAR(exact_log_partition(rbm, EnumerateLayer::hidden), expected, tol) << nv << "x" << nh;
  }
}

// 2^20 and 2^18 states: several chunks and field restarts (exact.cpp restarts every 2^10 states)
// on both sides. The two enumerations share no arithmetic, so their agreement bounds the
// accumulated Gray-code drift.
TEST_P(ExactEnumeration, VisibleAndHiddenEnumerationAgree) {
  const Rbm rbm = random_rbm(20, 18, vt(), ht(), 200, 0.3, 0.5);
  const double by_visible = exact_log_partition(rbm, EnumerateLayer::visible);
  const double by_hidden = exact_log_partition(rbm, EnumerateLayer::hidden);
  EXPECT_NEAR(by_visible, by_hidden, 1e-9 * std::fabs(by_hidden));
}

// Chunks are combined in a fixed order, so the result is bit-identical for any thread count.
TEST_P(ExactEnumeration, ThreadCountDoesNotChangeTheResult) {
  const Rbm rbm = random_rbm(18, 14, vt(), ht(), 300, 0.3, 0.5);  // 2^18·14 > 1e6: parallel
  const double one = exact_log_partition(rbm, EnumerateLayer::visible, 1);
  EXPECT_EQ(exact_log_partition(rbm, EnumerateLayer::visible, 2), one);
  EXPECT_EQ(exact_log_partition(rbm, EnumerateLayer::visible, 3), one);
}

// Large weights push the fields past what the fast path's e^{βφ} representation accepts, or
// force products over very short slices; the result must still match the naive sum.
TEST_P(ExactEnumeration, LargeFieldsStayAccurate) {
  for (const double scale : {3.0, 30.0, 300.0}) {
    const Rbm rbm = random_rbm(10, 6, vt(), ht(), 400, scale, scale);
    const double expected = naive_log_partition(rbm);
    EXPECT_NEAR(exact_log_partition(rbm), expected, kLogZRelTol * std::fabs(expected))
        << "scale " << scale;
    EXPECT_NEAR(exact_log_partition(rbm, EnumerateLayer::visible), expected,
                kLogZRelTol * std::fabs(expected))
        << "scale " << scale;
  }
}

// Many units on the summed-out side: log Z ~ thousands, so Π_j (1 + e_j) must be renormalized.
// Reference: Σ_h e^{bᵀh + Σ_i LP_v(a_i + W_{i:} h)} with the stable per-unit log-partition.
TEST_P(ExactEnumeration, WideSummedLayerMatchesPerUnitSum) {
  const Index nv = 3000, nh = 4;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 500, 1.0, 1.0);
  const MatrixD H = all_states(nh, ht());
  const MatrixD field =
      (H * rbm.weights().transpose().cast<double>()).rowwise() +
      rbm.visible_bias().cast<double>().transpose();
  std::vector<double> log_w;
  for (Index s = 0; s < H.rows(); ++s) {
    double lw = H.row(s).dot(rbm.hidden_bias().cast<double>());
    for (Index i = 0; i < nv; ++i) {
      lw += vt() == UnitType::spin ? log2cosh(field(s, i)) : softplus(field(s, i));
    }
    log_w.push_back(lw);
  }
  const double mx = *std::max_element(log_w.begin(), log_w.end());
  double sum = 0.0;
  for (const double lw : log_w) sum += std::exp(lw - mx);
  const double expected = mx + std::log(sum);
  // 3000 rounded terms per state: absolute error ~√3000·ε·|term| ≪ 1e-12 relative.
  EXPECT_NEAR(exact_log_partition(rbm), expected, 1e-12 * std::fabs(expected));
}

// Σ_v p(v) = 1 with log p(v) = −F(v) − log Z from mean_log_likelihood on one row at a time.
TEST_P(ExactEnumeration, ProbabilitiesOfAllVisibleStatesSumToOne) {
  const Index nv = 10, nh = 6;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 600, 0.7, 0.7);
  const double log_z = exact_log_partition(rbm);
  const MatrixF V = all_states(nv, vt()).cast<float>();
  double total = 0.0;
  for (Index r = 0; r < V.rows(); ++r) {
    const MatrixF row = V.row(r);
    total += std::exp(mean_log_likelihood(rbm, row, log_z).mean);
  }
  // 1024 terms, each with relative error ~1e-15: the sum is 1 to ~1e-13.
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST_P(ExactEnumeration, ModelMomentsMatchNaiveDoubleSum) {
  for (const auto& [nv, nh] : {std::pair<Index, Index>{7, 5}, {5, 7}}) {
    const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 700, 0.7, 0.7);
    const MatrixD t = minus_energy_table(rbm);
    const MatrixD p = (t.array() - t.maxCoeff()).unaryExpr(exp_scalar).matrix() /
                      (t.array() - t.maxCoeff()).unaryExpr(exp_scalar).sum();  // p(v, h)
    const MatrixD V = all_states(nv, vt());
    const MatrixD H = all_states(nh, ht());
    const VectorD v_mean = V.transpose() * p.rowwise().sum();
    const VectorD h_mean = H.transpose() * p.colwise().sum().transpose();
    const MatrixD vh = V.transpose() * p * H;  // Σ_{v,h} p(v,h) v hᵀ
    const Moments m = exact_model_moments(rbm);
    // Probabilities are exact to ~1e-14 relative; moments are sums of ≤ 4096 such terms.
    EXPECT_LT((m.visible - v_mean).cwiseAbs().maxCoeff(), 1e-12) << nv << "x" << nh;
    EXPECT_LT((m.hidden - h_mean).cwiseAbs().maxCoeff(), 1e-12) << nv << "x" << nh;
    EXPECT_LT((m.visible_hidden - vh).cwiseAbs().maxCoeff(), 1e-12) << nv << "x" << nh;
  }
}

TEST_P(ExactEnumeration, DataMomentsUseExactConditionalMeans) {
  const Index nv = 6, nh = 4;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 800, 0.8, 0.5);
  const MatrixD t = minus_energy_table(rbm);
  const MatrixD V = all_states(nv, vt());
  const MatrixD H = all_states(nh, ht());
  const std::vector<Index> rows = {0, 5, 17, 42, 63, 42};
  MatrixF data(static_cast<Index>(rows.size()), nv);
  VectorD v_mean = VectorD::Zero(nv), h_mean = VectorD::Zero(nh);
  MatrixD vh = MatrixD::Zero(nv, nh);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Index s = rows[r];
    data.row(static_cast<Index>(r)) = V.row(s).cast<float>();
    // E[h | v] = Σ_h h e^{−E(v,h)} / Σ_h e^{−E(v,h)}
    const VectorD w = (t.row(s).array() - t.row(s).maxCoeff()).unaryExpr(exp_scalar).transpose();
    const VectorD e_h = H.transpose() * w / w.sum();
    v_mean += V.row(s).transpose();
    h_mean += e_h;
    vh += V.row(s).transpose() * e_h.transpose();
  }
  const double n = static_cast<double>(rows.size());
  const Moments m = data_moments(rbm, data);
  EXPECT_LT((m.visible - v_mean / n).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_LT((m.hidden - h_mean / n).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LT((m.visible_hidden - vh / n).cwiseAbs().maxCoeff(), 1e-13);
}

// The CD-∞ gradient of the mean log-likelihood,
//   ∂/∂W = ⟨v E[h|v]ᵀ⟩_data − ⟨v hᵀ⟩_model,  ∂/∂a = ⟨v⟩_data − ⟨v⟩_model,
//   ∂/∂b = ⟨E[h|v]⟩_data − ⟨h⟩_model
// (Hinton 2010 §2; holds for both unit types because E is linear in every parameter), against
// Richardson-extrapolated central differences of the exact mean log-likelihood.
//
// Parameters are float32. All of them are put on the grid 2^-12 (|θ| < 4, so 14 significant
// bits), which makes θ ± 2^-7 and θ ± 2^-8 exact in float32: the finite differences then see
// exactly the intended steps, and everything downstream is float64. With h = 2^-7,
//   R = (4 D(h/2) − D(h)) / 3 = f′ + O(h⁴ f⁽⁵⁾/480) ≈ f′ + 1e-11·f⁽⁵⁾,
// and the rounding of f (|f| ≲ 10, relative 1e-15) adds ~1e-14/h·(8/3) ≈ 4e-12. Cumulants of
// ±1/0-1 variables are O(1), so a 1e-9 tolerance is generous while gradients are O(0.1).
TEST_P(ExactEnumeration, GradientMatchesFiniteDifferencesOfLogLikelihood) {
  const Index nv = 5, nh = 4;
  Rbm rbm = random_rbm(nv, nh, vt(), ht(), 900, 0.7, 0.5);
  auto quantize = [](float& x) { x = std::round(x * 4096.0f) / 4096.0f; };
  for (Index i = 0; i < rbm.weights().size(); ++i) quantize(rbm.weights().data()[i]);
  for (Index i = 0; i < nv; ++i) quantize(rbm.visible_bias()[i]);
  for (Index j = 0; j < nh; ++j) quantize(rbm.hidden_bias()[j]);

  MatrixF data(6, nv);
  const std::vector<std::uint64_t> patterns = {0b00000, 0b10101, 0b11100, 0b01111, 0b11111, 0b00110};
  for (Index r = 0; r < data.rows(); ++r) {
    data.row(r) = test::state_of(patterns[static_cast<std::size_t>(r)], nv, vt()).transpose();
  }

  const Moments dm = data_moments(rbm, data);
  const Moments mm = exact_model_moments(rbm);
  auto objective = [&](const Rbm& model) {
    return mean_log_likelihood(model, data, exact_log_partition(model)).mean;
  };
  // Central difference of the objective in the parameter `param` of a copy of the model.
  auto derivative = [&](auto&& param_of, double h) {
    Rbm plus = rbm, minus = rbm;
    param_of(plus) += static_cast<float>(h);
    param_of(minus) -= static_cast<float>(h);
    EXPECT_EQ(static_cast<double>(param_of(plus)) - static_cast<double>(param_of(rbm)), h);
    return (objective(plus) - objective(minus)) / (2.0 * h);
  };
  auto richardson = [&](auto&& param_of) {
    constexpr double h = 0x1.0p-7;
    return (4.0 * derivative(param_of, h / 2.0) - derivative(param_of, h)) / 3.0;
  };
  constexpr double tol = 1e-9;
  for (Index i = 0; i < nv; ++i) {
    for (Index j = 0; j < nh; ++j) {
      const double fd = richardson([i, j](Rbm& m) -> float& { return m.weights()(i, j); });
      EXPECT_NEAR(dm.visible_hidden(i, j) - mm.visible_hidden(i, j), fd, tol) << "W " << i << "," << j;
    }
  }
  for (Index i = 0; i < nv; ++i) {
    const double fd = richardson([i](Rbm& m) -> float& { return m.visible_bias()[i]; });
    EXPECT_NEAR(dm.visible[i] - mm.visible[i], fd, tol) << "a " << i;
  }
  for (Index j = 0; j < nh; ++j) {
    const double fd = richardson([j](Rbm& m) -> float& { return m.hidden_bias()[j]; });
    EXPECT_NEAR(dm.hidden[j] - mm.hidden[j], fd, tol) << "b " << j;
  }
}

std::string pairing_name(const ::testing::TestParamInfo<Pairing>& info) {
  return std::string(to_string(std::get<0>(info.param))) + "_" +
         std::string(to_string(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(AllPairings, ExactEnumeration,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(UnitType::bernoulli, UnitType::spin)),
                         pairing_name);

TEST(ExactLogPartition, RejectsMoreThan32EnumeratedUnits) {
  const Rbm wide(40, 33);
  EXPECT_THROW(exact_log_partition(wide), Error);
  const Rbm tall(40, 5);
  EXPECT_NO_THROW(exact_log_partition(tall));
  EXPECT_THROW(exact_log_partition(tall, EnumerateLayer::visible), Error);
  EXPECT_THROW(exact_model_moments(wide), Error);
}

// A zero model has Z = Π 2 over all units (Bernoulli) → log Z = (n_v + n_h) log 2.
TEST(ExactLogPartition, ZeroModelGoldenValue) {
  const Rbm rbm(9, 4);
  EXPECT_NEAR(exact_log_partition(rbm), 13.0 * std::log(2.0), 1e-13);
}

// Mean over rows, with standard error sd/√n (sd with n − 1).
TEST(MeanLogLikelihood, MeanAndStandardError) {
  const Rbm rbm = random_rbm(4, 3, UnitType::bernoulli, UnitType::bernoulli, 1000, 0.5, 0.5);
  const double log_z = exact_log_partition(rbm);
  MatrixF one(1, 4), two(1, 4), both(2, 4);
  one << 1, 0, 1, 0;
  two << 0, 0, 1, 1;
  both << one, two;
  const double l1 = mean_log_likelihood(rbm, one, log_z).mean;
  const double l2 = mean_log_likelihood(rbm, two, log_z).mean;
  const stats::Result r = mean_log_likelihood(rbm, both, log_z);
  EXPECT_NEAR(r.mean, 0.5 * (l1 + l2), 1e-14);
  EXPECT_NEAR(r.error, 0.5 * std::fabs(l1 - l2), 1e-14);
  EXPECT_EQ(r.n, 2);
  EXPECT_THROW(mean_log_likelihood(rbm, MatrixF(0, 4), log_z), Error);
  EXPECT_THROW(mean_log_likelihood(rbm, MatrixF::Zero(2, 5), log_z), Error);
}

}  // namespace
}  // namespace rgflow::estimate
