// Free-energy flow across the layers of a DBN (estimate/free_energy_flow.hpp) against brute force.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/free_energy_flow.hpp"
#include "test_estimate_dbn_support.hpp"

namespace rgflow {
namespace {

using estimate::FlowOptions;
using estimate::LogZMethod;

MatrixF random_rows(Index n, Index cols, UnitType type, std::uint64_t seed) {
  Rng rng(seed, 5);
  MatrixF x(n, cols);
  for (Index i = 0; i < x.size(); ++i)
    x.data()[i] = rng.uniform() < 0.5f ? 1.0f : (type == UnitType::spin ? -1.0f : 0.0f);
  return x;
}

// For each layer, with exact log Z: F̄_k, log Z_k and ℓ_k = −F̄_k − log Z_k (and per unit) equal
// the definitions evaluated by enumeration on the data pushed up the same way.
void check_flow(const Dbn& dbn, const MatrixF& data, Propagate mode) {
  FlowOptions opt;
  opt.propagate = mode;
  opt.seed = 9;
  opt.log_z.method = LogZMethod::exact;
  const auto flow = estimate::free_energy_flow(dbn, data, opt);
  ASSERT_EQ(static_cast<Index>(flow.size()), dbn.n_layers());
  Rng rng(opt.seed, 0);
  MatrixF x = data;
  for (Index k = 0; k < dbn.n_layers(); ++k) {
    const Rbm& rbm = dbn.layer(k);
    const auto& f = flow[static_cast<std::size_t>(k)];
    EXPECT_EQ(f.layer, k);
    EXPECT_EQ(f.n_visible, rbm.n_visible());
    EXPECT_EQ(f.log_z_method, LogZMethod::exact);
    const double log_z = test::naive_log_z(rbm);
    VectorD free(x.rows()), ll(x.rows());
    for (Index r = 0; r < x.rows(); ++r) {
      free[r] = test::naive_free_energy(rbm, x.row(r));
      ll[r] = -free[r] - log_z;
    }
    const double n = static_cast<double>(rbm.n_visible());
    const double se = std::sqrt((ll.array() - ll.mean()).square().sum() / (x.rows() - 1.0) / x.rows());
    EXPECT_NEAR(f.free_energy.mean, free.mean(), 1e-4) << "layer " << k;
    EXPECT_NEAR(f.free_energy.error, se, 1e-4) << "layer " << k;
    EXPECT_NEAR(f.free_energy_per_unit.mean, free.mean() / n, 1e-5) << "layer " << k;
    ASSERT_TRUE(f.log_z && f.log_likelihood && f.log_likelihood_per_unit);
    EXPECT_NEAR(f.log_z->mean, log_z, 1e-9) << "layer " << k;
    EXPECT_EQ(f.log_z->error, 0.0);
    EXPECT_NEAR(f.log_likelihood->mean, ll.mean(), 1e-4) << "layer " << k;
    EXPECT_NEAR(f.log_likelihood->error, se, 1e-4) << "layer " << k;
    EXPECT_NEAR(f.log_likelihood_per_unit->mean, ll.mean() / n, 1e-5) << "layer " << k;
    MatrixF next;
    if (mode == Propagate::mean) {
      rbm.hidden_mean(x, next);
    } else {
      rbm.sample_hidden(x, next, rng);
    }
    x = next;
  }
}

TEST(DbnFlow, ExactLayersMatchBruteForceWithMeanPropagation) {
  const Dbn dbn = test::random_dbn({8, 6, 4, 3}, {UnitType::bernoulli, UnitType::bernoulli,
                                                  UnitType::bernoulli, UnitType::bernoulli}, 31);
  check_flow(dbn, random_rows(40, 8, UnitType::bernoulli, 1), Propagate::mean);
}

TEST(DbnFlow, ExactLayersMatchBruteForceWithSampledPropagation) {
  const Dbn dbn = test::random_dbn({8, 6, 4, 3}, {UnitType::spin, UnitType::spin, UnitType::bernoulli,
                                                  UnitType::spin}, 32);
  check_flow(dbn, random_rows(40, 8, UnitType::spin, 2), Propagate::sample);
}

// On rows of binary states, layer 0's ℓ_0 is the exact mean log-likelihood of estimate/exact.hpp.
TEST(DbnFlow, BottomLayerIsTheRbmLogLikelihood) {
  const Dbn dbn = test::random_dbn({8, 6, 4}, {UnitType::bernoulli, UnitType::bernoulli,
                                               UnitType::bernoulli}, 33);
  const MatrixF data = random_rows(30, 8, UnitType::bernoulli, 3);
  const auto flow = estimate::free_energy_flow(dbn, data);  // automatic: exact for tiny layers
  const double log_z = estimate::exact_log_partition(dbn.layer(0));
  const stats::Result ll = estimate::mean_log_likelihood(dbn.layer(0), data, log_z);
  ASSERT_TRUE(flow[0].log_likelihood);
  EXPECT_EQ(flow[0].log_z_method, LogZMethod::exact);
  EXPECT_NEAR(flow[0].log_likelihood->mean, ll.mean, 1e-6);
  EXPECT_NEAR(flow[0].log_likelihood->error, ll.error, 1e-6);
}

// AIS selected explicitly (or by automatic above max_exact_units) agrees with exact log Z within
// its error bar; `none` reports free energies only.
TEST(DbnFlow, AisAndNoneMethods) {
  const Dbn dbn = test::random_dbn({10, 8, 6}, {UnitType::bernoulli, UnitType::bernoulli,
                                                UnitType::bernoulli}, 34, 0.5);
  const MatrixF data = random_rows(50, 10, UnitType::bernoulli, 4);
  FlowOptions opt;
  opt.log_z.max_exact_units = 2;  // automatic → AIS here
  opt.log_z.ais.chains = 64;
  opt.log_z.ais.betas = estimate::linear_ais_schedule(500);
  opt.log_z.ais.seed = 17;
  const auto flow = estimate::free_energy_flow(dbn, data, opt);
  for (Index k = 0; k < 2; ++k) {
    const auto& f = flow[static_cast<std::size_t>(k)];
    EXPECT_EQ(f.log_z_method, LogZMethod::ais);
    ASSERT_TRUE(f.log_z);
    const double exact = estimate::exact_log_partition(dbn.layer(k));
    EXPECT_GT(f.log_z->error, 0.0);
    EXPECT_LT(std::fabs(f.log_z->mean - exact), 4.0 * f.log_z->error + 0.02) << "layer " << k;
    EXPECT_GE(f.log_likelihood->error, f.log_z->error);
  }
  opt.log_z.method = LogZMethod::none;
  const auto bare = estimate::free_energy_flow(dbn, data, opt);
  EXPECT_EQ(bare[1].log_z_method, LogZMethod::none);
  EXPECT_FALSE(bare[1].log_z);
  EXPECT_FALSE(bare[1].log_likelihood);
  EXPECT_EQ(bare[1].free_energy.mean, flow[1].free_energy.mean);
}

TEST(DbnFlow, RejectsBadInput) {
  const Dbn dbn = test::random_dbn({8, 6}, {UnitType::bernoulli, UnitType::bernoulli}, 35);
  EXPECT_THROW(estimate::free_energy_flow(dbn, MatrixF::Zero(3, 7)), Error);
  EXPECT_THROW(estimate::free_energy_flow(dbn, MatrixF::Zero(0, 8)), Error);
  EXPECT_THROW(estimate::free_energy_flow(Dbn(), MatrixF::Zero(3, 8)), Error);
  EXPECT_EQ(estimate::parse_log_z_method("ais"), LogZMethod::ais);
  EXPECT_EQ(estimate::parse_log_z_method("auto"), LogZMethod::automatic);
  EXPECT_THROW(estimate::parse_log_z_method("magic"), Error);
}

}  // namespace
}  // namespace rgflow
