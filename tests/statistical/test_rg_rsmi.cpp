// RSMI (rg/rsmi.hpp) on the periodic 1D Ising chain, against the exact mutual information of
// rg/rsmi_exact.hpp, with exact samples (transfer-matrix sampling, tests/support/ising_chain.hpp):
//  * a fixed filter: the held-out InfoNCE estimate is a lower bound — it must not exceed the
//    exact I(H : E) by more than 3σ — and it must come within a documented tolerance of it:
//    kEstimatorTolerance = 0.02 nats plus 3σ (InfoNCE's gap with the optimal critic is ≤ 1/(2K) =
//    0.004 nats for a bit at K = 128; the rest allows for an imperfect critic; docs/rsmi.md);
//  * learning: from random starts, the learned filter's exact information equals the exact
//    optimum over all filters (enumerated here) to within the estimate's error — and at least one
//    of the starts was not optimal, so the learning did the work;
//  * the same bits for 1 and 2 threads; bad options are Errors.
// Sizes keep each case to about a second in a release build.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../support/ising_chain.hpp"
#include "../support/filter_row.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/rg/rsmi.hpp"
#include "rgflow/rg/rsmi_exact.hpp"

namespace {

using namespace rgflow;

constexpr double kEstimatorTolerance = 0.02;  // nats
constexpr double kK = 1.0;
constexpr int kL = 18;

struct Chain {
  std::vector<std::int8_t> spins;
  std::int64_t n = 0;
};

const Chain& chain_data() {
  static const Chain data = [] {
    const test::IsingChain chain{kL, kK};
    const MatrixF rows = test::sample_ising_chain(chain, 8000, 2024);
    Chain c;
    c.n = rows.rows();
    c.spins.resize(static_cast<std::size_t>(rows.size()));
    for (Index i = 0; i < rows.size(); ++i) c.spins[static_cast<std::size_t>(i)] = rows.data()[i] > 0 ? 1 : -1;
    return c;
  }();
  return data;
}

rg::RsmiGeometry geometry() {
  rg::RsmiGeometry g;
  g.dimension = 1;
  g.L = kL;
  g.block = 3;
  g.buffer = 1;
  g.environment = 2;
  return g;
}

rg::RsmiOptions options(std::uint64_t seed) {
  rg::RsmiOptions o;
  o.batch_size = 128;
  o.critic_hidden = 16;
  o.epochs = 20;
  o.critic_epochs = 12;
  o.positions_per_epoch = 2;
  o.eval_positions = 6;
  o.validation_fraction = 0.4;
  o.seed = seed;
  return o;
}

const auto row = test::filter_row;

// max over all filters with integer weights in [−3, 3]^3 (every sign pattern of three spins,
// ties included, is one of them).
double exact_optimum() {
  double best = 0.0;
  for (int a = -3; a <= 3; ++a)
    for (int b = -3; b <= 3; ++b)
      for (int c = -3; c <= 3; ++c) {
        if (a == 0 && b == 0 && c == 0) continue;
        best = std::max(best, rg::rsmi_chain_information(kK, kL, 1, row({double(a), double(b), double(c)})));
      }
  return best;
}

TEST(RgRsmi, FixedFilterBoundSitsBelowTheExactInformation) {
  const Chain& d = chain_data();
  for (const MatrixD& f : {row({1, 1, 1}), row({1, 0, 0}), row({0, 1, 0}), row({2, 1, -0.5})}) {
    const auto r = rg::rsmi_filter_information(d.spins, d.n, geometry(), f, options(3));
    const double exact = rg::rsmi_chain_information(kK, kL, 1, f);
    const auto& mi = r.mutual_information;
    ASSERT_TRUE(std::isfinite(mi.error));
    EXPECT_GT(mi.error, 0.0);
    EXPECT_LT(mi.error, 0.01) << f;
    EXPECT_LT(mi.mean, exact + 3.0 * mi.error) << "filter " << f << ": " << mi.mean << " ± " << mi.error
                                               << " exceeds the exact " << exact;
    EXPECT_GT(mi.mean, exact - kEstimatorTolerance - 3.0 * mi.error)
        << "filter " << f << ": " << mi.mean << " ± " << mi.error << " vs exact " << exact;
  }
}

TEST(RgRsmi, LearnedFilterReachesTheExactOptimum) {
  const Chain& d = chain_data();
  const double optimum = exact_optimum();
  // The optimum is decimation-like (one end spin), well above majority rule.
  EXPECT_NEAR(optimum, rg::rsmi_chain_information(kK, kL, 1, row({1, 0, 0})), 1e-12);
  EXPECT_GT(optimum - rg::rsmi_chain_information(kK, kL, 1, row({1, 1, 1})), 0.015);
  int non_optimal_starts = 0;
  for (const std::uint64_t seed : {2u, 4u}) {
    const auto r = rg::learn_rsmi(d.spins, d.n, geometry(), options(seed));
    const double start = rg::rsmi_chain_information(kK, kL, 1, r.initial_filter);
    const double learned = rg::rsmi_chain_information(kK, kL, 1, r.filter);
    if (start < optimum - 1e-9) ++non_optimal_starts;
    const auto& mi = r.mutual_information;
    EXPECT_GE(learned, optimum - mi.error) << "seed " << seed << ": filter " << r.filter << " reaches " << learned
                                           << " of the optimum " << optimum;
    EXPECT_LT(mi.mean, optimum + 3.0 * mi.error);
    EXPECT_GT(mi.mean, optimum - kEstimatorTolerance - 3.0 * mi.error);
    ASSERT_EQ(r.curve.size(), 20u);
    EXPECT_EQ(r.filter_history.rows(), 20);
    // On its sphere, ‖Λ‖ = β √3, and oriented: the largest weight is positive.
    EXPECT_NEAR(r.filter.norm(), std::sqrt(3.0), 1e-9);
    EXPECT_EQ(r.filter.maxCoeff(), r.filter.cwiseAbs().maxCoeff()) << r.filter;
  }
  EXPECT_GE(non_optimal_starts, 1) << "every start was already optimal: the test would not test learning";
}

TEST(RgRsmi, TheSameBitsForAnyThreadCount) {
  const Chain& d = chain_data();
  rg::RsmiOptions o = options(5);
  o.epochs = 2;
  o.critic_epochs = 2;
  o.critic_hidden = 512;
  o.batch_size = 512;  // 512 x (4 + 2) x 512 multiply-adds: above the threaded-path threshold
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = rg::learn_rsmi(std::span(d.spins).first(4000 * kL), 4000, geometry(), o);
  omp_set_num_threads(2);
  const auto two = rg::learn_rsmi(std::span(d.spins).first(4000 * kL), 4000, geometry(), o);
  omp_set_num_threads(saved);
  EXPECT_EQ(one.filter, two.filter);
  EXPECT_EQ(one.mutual_information.mean, two.mutual_information.mean);
  EXPECT_EQ(one.mutual_information.error, two.mutual_information.error);
  EXPECT_EQ(one.curve.back().train_bound, two.curve.back().train_bound);
}

TEST(RgRsmi, BadOptionsAreErrors) {
  const Chain& d = chain_data();
  auto bad_geometry = [&](auto change) {
    rg::RsmiGeometry g = geometry();
    change(g);
    EXPECT_THROW(rg::learn_rsmi(d.spins, d.n, g, options(1)), Error);
  };
  bad_geometry([](rg::RsmiGeometry& g) { g.block = 4; });        // does not divide 18
  bad_geometry([](rg::RsmiGeometry& g) { g.environment = 8; });  // 3 + 2 + 16 > 18: wraps
  bad_geometry([](rg::RsmiGeometry& g) { g.environment = 0; });
  bad_geometry([](rg::RsmiGeometry& g) { g.buffer = -1; });
  bad_geometry([](rg::RsmiGeometry& g) { g.dimension = 3; });
  auto bad_option = [&](auto change) {
    rg::RsmiOptions o = options(1);
    change(o);
    EXPECT_THROW(rg::learn_rsmi(d.spins, d.n, geometry(), o), Error);
  };
  bad_option([](rg::RsmiOptions& o) { o.beta = 0.0; });
  bad_option([](rg::RsmiOptions& o) { o.learning_rate = NAN; });
  bad_option([](rg::RsmiOptions& o) { o.hidden_per_block = 5; });
  bad_option([](rg::RsmiOptions& o) { o.validation_fraction = 1.0; });
  bad_option([](rg::RsmiOptions& o) { o.batch_size = 10000; });  // more than the data allow
  EXPECT_THROW(rg::learn_rsmi(std::span(d.spins).first(100), 5, geometry(), options(1)), Error);  // size
  std::vector<std::int8_t> zeros(static_cast<std::size_t>(kL * 600), 0);
  EXPECT_THROW(rg::learn_rsmi(zeros, 600, geometry(), options(1)), Error);  // not spins
  EXPECT_THROW(rg::rsmi_filter_information(d.spins, d.n, geometry(), row({1, 1}), options(1)), Error);
  EXPECT_THROW(rg::rsmi_filter_information(d.spins, d.n, geometry(), row({1, NAN, 1}), options(1)), Error);
}

TEST(RgRsmi, GeometryOfTheEnvironment) {
  rg::RsmiGeometry g;
  g.L = 16;
  g.block = 2;
  g.buffer = 2;
  g.environment = 2;
  EXPECT_EQ(g.environment_sites(), 10 * 10 - 6 * 6);
  EXPECT_EQ(g.block_sites(), 4);
  EXPECT_EQ(g.positions(), 64);
  const auto env = g.environment_offsets();
  for (const auto& [dy, dx] : env) {
    EXPECT_TRUE(dy < -2 || dy >= 4 || dx < -2 || dx >= 4);
    EXPECT_TRUE(dy >= -4 && dy < 6 && dx >= -4 && dx < 6);
  }
  g.dimension = 1;
  EXPECT_EQ(g.environment_sites(), 4);
  EXPECT_EQ(g.environment_offsets().front()[1], -4);
  EXPECT_EQ(g.environment_offsets().back()[1], 5);
}

}  // namespace
