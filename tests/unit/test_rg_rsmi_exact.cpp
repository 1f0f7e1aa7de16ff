// The exact real-space mutual information of a filter on the periodic Ising chain
// (rg/rsmi_exact.hpp) against brute force: enumerate all 2^L ring states with their Boltzmann
// weights, form p(h | v) from the filter (ties ½, or the stochastic spin unit), and compute
// I(H : E) with E the *whole* environment (both sides, full width) — which checks the transfer
// matrices and the Markov-property reduction to the two inner environment sites at once.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "../support/filter_row.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/rg/rsmi.hpp"
#include "rgflow/rg/rsmi_exact.hpp"

namespace {

using namespace rgflow;

double brute_force(double K, int L, int buffer, int environment, const MatrixD& filter, bool deterministic) {
  rg::RsmiGeometry g;
  g.dimension = 1;
  g.L = L;
  g.block = static_cast<int>(filter.cols());
  g.buffer = buffer;
  g.environment = environment;
  const auto block = g.block_offsets();
  const auto env = g.environment_offsets();
  const Index M = filter.rows(), S = Index{1} << M;
  std::map<std::pair<Index, std::uint32_t>, double> joint;  // (h, e bits) → weight
  double Z = 0.0;
  for (std::uint32_t state = 0; state < (1u << L); ++state) {
    auto spin = [&](int i) { return ((state >> (((i % L) + L) % L)) & 1u) ? 1 : -1; };
    double energy = 0.0;
    for (int i = 0; i < L; ++i) energy += spin(i) * spin(i + 1);
    const double w = std::exp(K * energy);
    Z += w;
    std::uint32_t e = 0;
    for (std::size_t k = 0; k < env.size(); ++k) e |= (spin(env[k][1]) > 0 ? 1u : 0u) << k;
    for (Index s = 0; s < S; ++s) {
      double p = 1.0;
      for (Index j = 0; j < M; ++j) {
        double a = 0.0, abs_sum = 0.0;
        for (std::size_t i = 0; i < block.size(); ++i) {
          a += filter(j, static_cast<Index>(i)) * spin(block[i][1]);
          abs_sum += std::abs(filter(j, static_cast<Index>(i)));
        }
        const double q = deterministic ? (std::abs(a) < 1e-9 * abs_sum ? 0.5 : (a > 0 ? 1.0 : 0.0))
                                       : 1.0 / (1.0 + std::exp(-2.0 * a));
        p *= ((s >> j) & 1) ? q : 1.0 - q;
      }
      joint[{s, e}] += w * p;
    }
  }
  std::map<Index, double> ph;
  std::map<std::uint32_t, double> pe;
  for (auto& [key, p] : joint) {
    p /= Z;
    ph[key.first] += p;
    pe[key.second] += p;
  }
  double info = 0.0;
  for (const auto& [key, p] : joint)
    if (p > 0) info += p * std::log(p / (ph[key.first] * pe[key.second]));
  return info;
}

const auto row = test::filter_row;

TEST(RgRsmiExact, MatchesBruteForceEnumeration) {
  struct Case {
    double K;
    int L, buffer, environment;
    MatrixD filter;
  };
  MatrixD two(2, 3);
  two << 1, 0, 0, 0, 0.5, 1;
  const std::vector<Case> cases = {
      {1.0, 12, 1, 2, row({1, 1, 1})},   {1.0, 12, 1, 2, row({1, 0, 0})},  {0.7, 11, 0, 3, row({1, 1})},
      {0.5, 12, 2, 1, row({2, 1, -0.5})}, {-0.8, 12, 1, 2, row({1, -1})}, {1.2, 14, 1, 3, row({1, 1, 1, 1})},
      {0.9, 12, 1, 2, two},
  };
  for (const auto& c : cases)
    for (const bool deterministic : {true, false}) {
      const double exact = rg::rsmi_chain_information(c.K, c.L, c.buffer, c.filter, deterministic);
      const double brute = brute_force(c.K, c.L, c.buffer, c.environment, c.filter, deterministic);
      EXPECT_NEAR(exact, brute, 1e-12) << "K=" << c.K << " L=" << c.L << " w=" << c.buffer
                                        << " filter " << c.filter << " deterministic " << deterministic;
      EXPECT_GT(exact, 1e-4);
    }
}

TEST(RgRsmiExact, LimitsAndInvariances) {
  const MatrixD f = row({1, 0.4, -0.2});
  EXPECT_NEAR(rg::rsmi_chain_information(0.0, 16, 1, f), 0.0, 1e-15);  // independent spins
  // The deterministic rule depends on the filter's direction only.
  EXPECT_DOUBLE_EQ(rg::rsmi_chain_information(1.0, 16, 1, f), rg::rsmi_chain_information(1.0, 16, 1, 7.5 * f));
  // A bit carries at most ln 2; a wider buffer carries less.
  const double near = rg::rsmi_chain_information(3.0, 16, 0, f);
  EXPECT_LT(near, std::log(2.0));
  EXPECT_LT(rg::rsmi_chain_information(1.0, 16, 2, f), rg::rsmi_chain_information(1.0, 16, 1, f));
  // A long ring approaches the infinite chain: the information converges in L.
  EXPECT_NEAR(rg::rsmi_chain_information(1.0, 200, 1, f), rg::rsmi_chain_information(1.0, 400, 1, f), 1e-12);
  EXPECT_THROW(rg::rsmi_chain_information(1.0, 6, 2, f), Error);       // 3 + 4 + 2 > 6
  EXPECT_THROW(rg::rsmi_chain_information(NAN, 16, 1, f), Error);
  EXPECT_THROW(rg::rsmi_chain_information(1.0, 16, 1, MatrixD(0, 3)), Error);
}

}  // namespace
