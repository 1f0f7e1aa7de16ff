// Swendsen–Wang for the antiferromagnet (J < 0, ising/cluster.hpp) against exact answers: the
// energy and specific heat per spin from the exact density of states of the L×L torus
// (enumeration) with the weight e^{−H/T} = e^{(J/T) Σ s_i s_j} — which needs neither the
// sublattice map nor Kaufman — on even L (unfrustrated) and odd L = 3 (frustrated: the
// construction holds there too), and Kaufman's values for even L = 8 via the sublattice map.
// |est − exact| < 4σ with the estimate's own error bar; fixed seeds. Wolff still refuses J < 0
// (its cluster marking assumes aligned bonds). The ferromagnetic SW path is covered, unchanged,
// by test_ising_samplers.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/ising/cluster.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"

namespace {

using namespace rgflow::ising;

struct Exact {
  double energy, specific_heat;
};

// From the density of states g[k] (k unsatisfied ferromagnetic bonds, Σ s_i s_j = 2N − 2k).
Exact exact_by_enumeration(int L, double J, double T) {
  static std::map<int, std::vector<std::uint64_t>> cache;  // enumerate each L once
  if (!cache.count(L)) cache[L] = enumerate_density_of_states(L);
  const auto& g = cache[L];
  const double N = static_cast<double>(L) * L, K = J / T;
  double z = 0.0, m1 = 0.0, m2 = 0.0, shift = -1e300;
  for (std::size_t k = 0; k < g.size(); ++k)
    if (g[k] > 0) shift = std::max(shift, K * (2.0 * N - 2.0 * static_cast<double>(k)));
  for (std::size_t k = 0; k < g.size(); ++k) {
    if (g[k] == 0) continue;
    const double S = 2.0 * N - 2.0 * static_cast<double>(k);
    const double w = static_cast<double>(g[k]) * std::exp(K * S - shift);
    z += w;
    m1 += w * S;
    m2 += w * S * S;
  }
  m1 /= z;
  m2 /= z;
  return {-J * m1 / N, K * K * (m2 - m1 * m1) / N};
}

void expect_within(const rgflow::stats::Result& r, double exact, const std::string& what) {
  ASSERT_TRUE(std::isfinite(r.error)) << what;
  EXPECT_GT(r.error, 0.0) << what;
  EXPECT_LT(std::abs(r.mean - exact), 4.0 * r.error)
      << what << ": " << r.mean << " ± " << r.error << " vs exact " << exact;
}

Observables run_sw(int L, double J, double T, std::int64_t samples, std::uint64_t seed) {
  RunConfig c;
  c.model = {L, T, J, 0.0};
  c.algorithm = Algorithm::swendsen_wang;
  c.samples = samples;
  c.chains = 4;
  c.thermalize = 200;
  c.seed = seed;
  c.keep_spins = false;
  const auto r = run(c);
  return summarize(r.energy, r.magnetization, static_cast<std::size_t>(r.chains), L, T);
}

TEST(IsingAntiferro, SwendsenWangMatchesEnumeration) {
  for (const auto& [L, T] : {std::pair{4, 2.269185314213}, std::pair{4, 3.5}, std::pair{3, 2.0}, std::pair{3, 1.2}}) {
    const auto obs = run_sw(L, -1.0, T, 8000, 17);
    const Exact ex = exact_by_enumeration(L, -1.0, T);
    const std::string what = "L=" + std::to_string(L) + " T=" + std::to_string(T);
    expect_within(obs.energy_per_spin, ex.energy, what + " energy");
    expect_within(obs.specific_heat_per_spin, ex.specific_heat, what + " specific heat");
    EXPECT_LT(obs.energy_per_spin.error, 0.02) << what;
  }
  // Odd L is frustrated: its ground state is above −2 per spin, unlike the even lattices.
  EXPECT_GT(exact_by_enumeration(3, -1.0, 0.05).energy, -1.9);
}

TEST(IsingAntiferro, EvenLatticeIsKaufmansFerromagnet) {
  const double T = critical_temperature();
  const auto obs = run_sw(8, -1.0, T, 8000, 23);
  const auto k = kaufman(8, 1.0 / T);
  expect_within(obs.energy_per_spin, k.energy_per_spin, "L=8 energy");
  expect_within(obs.specific_heat_per_spin, k.specific_heat, "L=8 specific heat");
  // The uniform magnetisation of the antiferromagnet stays small; |m| of the ferromagnet is ~0.7.
  EXPECT_LT(obs.abs_magnetization.mean, 0.2);
}

TEST(IsingAntiferro, SweepIsTheSublatticeImageOfTheFerromagnetsSweep) {
  // g(s)_i = (−1)^{x+y} s_i maps J < 0 onto −J > 0 on an even torus. With the same random words,
  // an antiferromagnetic sweep of s makes exactly the bonds and flips the ferromagnetic sweep of
  // g(s) makes, so sweep_AF(s) = g(sweep_FM(g(s))) state by state — an exact check.
  const int L = 10;
  rgflow::Rng init(3, 0);
  Spins s(L * L), g(L * L);
  auto gauge = [&](const Spins& in, Spins& out) {
    for (int y = 0; y < L; ++y)
      for (int x = 0; x < L; ++x) out[y * L + x] = static_cast<std::int8_t>(((x + y) % 2 ? -1 : 1) * in[y * L + x]);
  };
  for (auto& x : s) x = (init() & 1u) ? 1 : -1;
  gauge(s, g);
  SwendsenWang af({L, 2.3, -1.0, 0.0}), fm({L, 2.3, 1.0, 0.0});
  rgflow::Rng ra(9, 1), rf(9, 1);
  Spins image(L * L);
  for (int t = 0; t < 50; ++t) {
    af.sweep(s, ra);
    fm.sweep(g, rf);
    gauge(g, image);
    ASSERT_EQ(s, image) << "sweep " << t;
  }
}

TEST(IsingAntiferro, WolffAndFieldsStillRefused) {
  EXPECT_THROW(Wolff({8, 2.0, -1.0, 0.0}), rgflow::Error);
  EXPECT_THROW(SwendsenWang({8, 2.0, -1.0, 0.1}), rgflow::Error);
  EXPECT_THROW(SwendsenWang({8, 2.0, 0.0, 0.0}), rgflow::Error);
}

}  // namespace
