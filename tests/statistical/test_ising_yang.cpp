// Yang's spontaneous magnetisation M(T = 2.0) = 0.9113193779 (C. N. Yang, Phys. Rev. 85, 808
// (1952); shared/REFERENCES.md) reproduced by ⟨|m|⟩ on an L = 128 periodic lattice. At T = 2.0
// the correlation length is ≈ 1 lattice spacing, so the finite-size difference ⟨|m|⟩_L − M is
// exponentially small in L (far below the error bar), and the comparison is against the
// infinite-lattice value directly: |est − M| < 4σ with σ the autocorrelation error.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"

namespace {

using namespace rgflow::ising;

TEST(IsingYang, SpontaneousMagnetizationAtT2OnL128) {
  const double T = 2.0;
  const double M = yang_magnetization(1.0 / T);
  ASSERT_NEAR(M, 0.9113193779, 1e-9);
  for (const Algorithm a : {Algorithm::metropolis, Algorithm::wolff}) {
    RunConfig cfg;
    cfg.model = {128, T, 1.0, 0.0};
    cfg.algorithm = a;
    cfg.samples = a == Algorithm::metropolis ? 64 * 40 : 800;
    cfg.chains = a == Algorithm::metropolis ? 64 : 4;
    cfg.sweeps_between = 4;
    cfg.thermalize = 200;  // ordered start below T_c; the equilibrium |m| is reached in O(10) sweeps
    cfg.seed = 77;
    cfg.keep_spins = false;
    const auto r = run(cfg);
    const auto o = summarize(r.energy, r.magnetization, static_cast<std::size_t>(r.chains), 128, T);
    EXPECT_GT(o.abs_magnetization.error, 0.0);
    EXPECT_LT(o.abs_magnetization.error, 5e-4) << algorithm_name(a);
    EXPECT_LT(std::abs(o.abs_magnetization.mean - M), 4.0 * o.abs_magnetization.error)
        << algorithm_name(a) << " <|m|> " << o.abs_magnetization.mean << " ± "
        << o.abs_magnetization.error << " vs Yang " << M;
    std::printf("%s L=128 T=2: <|m|> = %.6f ± %.6f (tau_int %.2f), Yang %.6f (%+.2f sigma)\n",
                algorithm_name(a).c_str(), o.abs_magnetization.mean, o.abs_magnetization.error,
                o.abs_magnetization.tau_int, M, (o.abs_magnetization.mean - M) / o.abs_magnetization.error);
  }
}

}  // namespace
