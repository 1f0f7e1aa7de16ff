// Stochastic pseudo-log-likelihood against log p(v_i | v_{−i}) by brute force over the hidden
// layer, for all four Bernoulli/spin pairings.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/pseudo_likelihood.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

using test::state_of;

Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed, double w_std,
               double b_std) {
  return test::random_rbm(nv, nh, vt, ht, seed, w_std, b_std, /*stream=*/5);
}

// Σ_h e^{−E(v,h)} in float64 by brute force over the hidden layer.
double unnormalized_marginal(const Rbm& rbm, const VectorF& v) {
  double z = 0.0;
  for (std::uint64_t s = 0; s < (std::uint64_t{1} << rbm.n_hidden()); ++s) {
    z += std::exp(-rbm.energy(v, state_of(s, rbm.n_hidden(), rbm.hidden_type())));
  }
  return z;
}

using Pairing = std::tuple<UnitType, UnitType>;

class PseudoLikelihood : public ::testing::TestWithParam<Pairing> {
 protected:
  UnitType vt() const { return std::get<0>(GetParam()); }
  UnitType ht() const { return std::get<1>(GetParam()); }
};

// With the index forced to i, one row gives n_visible · log p(v_i | v_{−i}), where
//   p(v_i | v_{−i}) = p*(v) / (p*(v) + p*(ṽ)),  p*(v) = Σ_h e^{−E(v,h)}.
// Both sides are float64 from the same float32 parameters (the brute force sums 2^4 terms);
// 1e-12 relative covers their rounding.
TEST_P(PseudoLikelihood, ForcedIndexIsScaledConditionalLogProbability) {
  const Index nv = 6, nh = 4;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 21, 0.9, 0.6);
  for (const std::uint64_t bits : {0b000000u, 0b101101u, 0b111111u, 0b010011u}) {
    const VectorF v = state_of(bits, nv, vt());
    const MatrixF row = v.transpose();
    for (Index i = 0; i < nv; ++i) {
      VectorF flipped = v;
      flipped[i] = vt() == UnitType::spin ? -v[i] : 1.0f - v[i];
      const double pv = unnormalized_marginal(rbm, v);
      const double pf = unnormalized_marginal(rbm, flipped);
      const double expected = static_cast<double>(nv) * std::log(pv / (pv + pf));
      const stats::Result r = pseudo_log_likelihood(rbm, row, std::vector<Index>{i});
      EXPECT_NEAR(r.mean, expected, 1e-12 * (1.0 + std::fabs(expected)))
          << "state " << bits << ", index " << i;
      EXPECT_EQ(r.n, 1);
    }
  }
}

// The Rng overload draws rng.below(n_visible) once per row, in row order.
TEST_P(PseudoLikelihood, RandomIndexVersionDrawsOneIndexPerRow) {
  const Index nv = 7, nh = 3, rows = 50;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 22, 0.9, 0.6);
  MatrixF data(rows, nv);
  Rng data_rng(23, 0);
  for (Index r = 0; r < rows; ++r) {
    data.row(r) = state_of(data_rng.below(std::uint64_t{1} << nv), nv, vt()).transpose();
  }
  Rng rng(24, 1);
  Rng replay = rng;
  std::vector<Index> index(static_cast<std::size_t>(rows));
  for (Index& i : index) i = static_cast<Index>(replay.below(static_cast<std::uint64_t>(nv)));
  const stats::Result random = pseudo_log_likelihood(rbm, data, rng);
  const stats::Result forced = pseudo_log_likelihood(rbm, data, index);
  EXPECT_EQ(random.mean, forced.mean);
  EXPECT_EQ(random.error, forced.error);
  EXPECT_EQ(rng.state(), replay.state());
  EXPECT_EQ(random.n, rows);
  // Standard error of the mean over rows: sd/√n with the n − 1 convention.
  VectorD per_row(rows);
  for (Index r = 0; r < rows; ++r) {
    per_row[r] = pseudo_log_likelihood(rbm, data.row(r), std::vector<Index>{index[static_cast<std::size_t>(r)]}).mean;
  }
  const double mean = per_row.mean();
  const double sd = std::sqrt((per_row.array() - mean).square().sum() / (rows - 1.0));
  EXPECT_NEAR(forced.mean, mean, 1e-12 * std::fabs(mean));
  EXPECT_NEAR(forced.error, sd / std::sqrt(static_cast<double>(rows)), 1e-12 * sd);
}

std::string pairing_name(const ::testing::TestParamInfo<Pairing>& info) {
  return std::string(to_string(std::get<0>(info.param))) + "_" +
         std::string(to_string(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(AllPairings, PseudoLikelihood,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(UnitType::bernoulli, UnitType::spin)),
                         pairing_name);

// Large fields: log σ must not overflow (scikit-learn uses log_logistic for the same reason).
TEST(PseudoLikelihoodStability, LargeWeightsGiveFiniteValues) {
  Rbm rbm = random_rbm(5, 3, UnitType::bernoulli, UnitType::bernoulli, 25, 400.0, 0.0);
  MatrixF data(2, 5);
  data << 1, 1, 1, 1, 1, 0, 1, 0, 1, 0;
  for (Index i = 0; i < 5; ++i) {
    const stats::Result r = pseudo_log_likelihood(rbm, data, std::vector<Index>{i, i});
    EXPECT_TRUE(std::isfinite(r.mean)) << i;
    EXPECT_LE(r.mean, 0.0);
  }
}

TEST(PseudoLikelihoodErrors, RejectsBadDataAndIndices) {
  const Rbm rbm(4, 2);
  Rng rng(1, 0);
  MatrixF data = MatrixF::Zero(3, 4);
  EXPECT_NO_THROW(pseudo_log_likelihood(rbm, data, rng));
  EXPECT_THROW(pseudo_log_likelihood(rbm, MatrixF::Zero(3, 5), rng), Error);
  EXPECT_THROW(pseudo_log_likelihood(rbm, MatrixF(0, 4), rng), Error);
  EXPECT_THROW(pseudo_log_likelihood(rbm, data, std::vector<Index>{0, 1}), Error);
  EXPECT_THROW(pseudo_log_likelihood(rbm, data, std::vector<Index>{0, 4, 1}), Error);
  data(1, 2) = 0.5f;
  EXPECT_THROW(pseudo_log_likelihood(rbm, data, rng), Error);
  const Rbm spin(4, 2, UnitType::spin, UnitType::bernoulli);
  EXPECT_THROW(pseudo_log_likelihood(spin, MatrixF::Zero(3, 4), rng), Error);
}

}  // namespace
}  // namespace rgflow::estimate


namespace rgflow::estimate {
namespace {

// Many rows (three 256-row blocks, enough work for the team): every row against
// n · log σ(F(ṽ) − F(v)) with the Bernoulli free energy F(v) = −a·v − Σ_j softplus(b_j + Σ_i v_i W_ij)
// summed here in float64 term by term (independent of the blocked GEMM); and the same bits on
// 1 and 3 threads.
TEST(PseudoLikelihoodBlocks, ManyRowsMatchTheFreeEnergyDifferenceOnAnyThreadCount) {
  const Index nv = 64, nh = 120, rows = 700;
  const Rbm rbm = random_rbm(nv, nh, UnitType::bernoulli, UnitType::bernoulli, 31, 0.3, 0.5);
  Rng rng(9, 1);
  MatrixF data(rows, nv);
  std::vector<Index> index(static_cast<std::size_t>(rows));
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < nv; ++c) data(r, c) = rng.uniform() < 0.4f ? 1.0f : 0.0f;
    index[static_cast<std::size_t>(r)] = static_cast<Index>(rng.below(static_cast<std::uint64_t>(nv)));
  }
  const auto free_energy = [&](const VectorF& v) {
    double f = 0.0;
    for (Index i = 0; i < nv; ++i) f -= static_cast<double>(rbm.visible_bias()[i]) * v[i];
    for (Index j = 0; j < nh; ++j) {
      double x = rbm.hidden_bias()[j];
      for (Index i = 0; i < nv; ++i) x += static_cast<double>(v[i]) * rbm.weights()(i, j);
      f -= x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    }
    return f;
  };
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const VectorD one = pseudo_log_likelihood_rows(rbm, data, index);
  omp_set_num_threads(3);
  const VectorD three = pseudo_log_likelihood_rows(rbm, data, index);
  omp_set_num_threads(saved);
  ASSERT_EQ(one.size(), rows);
  EXPECT_EQ(std::memcmp(one.data(), three.data(), sizeof(double) * static_cast<std::size_t>(rows)), 0);
  for (Index r = 0; r < rows; ++r) {
    const VectorF v = data.row(r).transpose();
    VectorF flipped = v;
    const Index i = index[static_cast<std::size_t>(r)];
    flipped[i] = 1.0f - v[i];
    const double d = free_energy(flipped) - free_energy(v);
    const double expected = static_cast<double>(nv) * (d > 0 ? -std::log1p(std::exp(-d)) : d - std::log1p(std::exp(d)));
    // The two sides sum ~nv·nh float64 terms in different orders; F is O(100) here.
    ASSERT_NEAR(one[r], expected, 1e-9 * (1.0 + std::fabs(expected)) * nv) << "row " << r;
  }
}

}  // namespace
}  // namespace rgflow::estimate
