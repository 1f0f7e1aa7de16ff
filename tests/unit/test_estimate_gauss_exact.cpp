// Exact log Z, log-likelihoods and moments of RBMs with Gaussian visible units against numerical
// integration (2-D Simpson over v, sum over h) and against a direct sum of e^{−F(h)}.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/gaussian_rbm.hpp"

namespace rgflow::estimate {
namespace {

using test::random_gaussian_rbm;
using test::state_of;

// A 2-D Simpson grid on [−14, 14]² (wide enough for every mixture component of these models):
// the rows of `points` are the nodes, `weight` their Simpson weights, and F(v), E[h|v] are
// evaluated once for all nodes.
struct Grid {
  MatrixF points;
  VectorD weight;
  VectorD density;  // e^{−F(v)}
  MatrixF hidden_mean;
  Grid(const Rbm& rbm, int n = 320) {
    const double half = 14.0, h = 2.0 * half / n;
    VectorD w1(n + 1);
    for (int k = 0; k <= n; ++k) w1[k] = (k == 0 || k == n ? 1.0 : (k % 2 ? 4.0 : 2.0)) * h / 3.0;
    points.resize((n + 1) * (n + 1), 2);
    weight.resize(points.rows());
    for (int a = 0; a <= n; ++a) {
      for (int b = 0; b <= n; ++b) {
        const Index r = a * (n + 1) + b;
        points(r, 0) = static_cast<float>(-half + a * h);
        points(r, 1) = static_cast<float>(-half + b * h);
        weight[r] = w1[a] * w1[b];
      }
    }
    density = (-rbm.free_energy_visible(points).array()).exp();
    rbm.hidden_mean(points, hidden_mean);
  }
  // ∫∫ g(row) e^{−F(v)} dv
  template <class G>
  double integrate(G&& g) const {
    double acc = 0.0;
    for (Index r = 0; r < points.rows(); ++r) acc += weight[r] * density[r] * g(r);
    return acc;
  }
};

class GaussianExact : public ::testing::TestWithParam<UnitType> {};

TEST_P(GaussianExact, LogPartitionMatchesNumericalIntegration) {
  const Rbm rbm = random_gaussian_rbm(2, 3, GetParam(), 21, 0.8, 0.5, 0.7, 1.4);
  const double z = Grid(rbm).integrate([](Index) { return 1.0; });
  EXPECT_NEAR(exact_log_partition(rbm), std::log(z), 1e-6);
  EXPECT_NEAR(exact_log_partition(rbm, EnumerateLayer::hidden), std::log(z), 1e-6);
}

TEST_P(GaussianExact, LikelihoodIsANormalisedDensity) {
  const Rbm rbm = random_gaussian_rbm(2, 3, GetParam(), 22, 0.8, 0.5, 0.7, 1.4);
  const double log_z = exact_log_partition(rbm);
  const Grid grid(rbm, 200);
  // ∫ p(v) dv with p(v) = exp(mean_log_likelihood of the single row v): weight by p, not e^{−F}.
  double mass = 0.0;
  for (Index r = 0; r < grid.points.rows(); ++r) {
    mass += grid.weight[r] * std::exp(mean_log_likelihood(rbm, grid.points.row(r), log_z).mean);
  }
  EXPECT_NEAR(mass, 1.0, 1e-6);
}

TEST_P(GaussianExact, ModelMomentsMatchNumericalIntegration) {
  const Rbm rbm = random_gaussian_rbm(2, 3, GetParam(), 23, 0.9, 0.5, 0.6, 1.2);
  const Moments m = exact_model_moments(rbm);
  const Grid grid(rbm);
  const double z = grid.integrate([](Index) { return 1.0; });
  for (int i = 0; i < 2; ++i) {
    const double v = grid.integrate([&](Index r) { return double(grid.points(r, i)); }) / z;
    EXPECT_NEAR(m.visible[i], v, 1e-6) << "v" << i;
  }
  // ⟨v_0 h_j⟩ = ∫ v_0 E[h_j | v] p(v) dv.
  for (Index j = 0; j < 3; ++j) {
    const double vh = grid.integrate([&](Index r) {
      return double(grid.points(r, 0)) * grid.hidden_mean(r, j);
    }) / z;
    EXPECT_NEAR(m.visible_hidden(0, j), vh, 2e-6) << "v0 h" << j;
  }
  // And against the closed-form enumeration of the test fixture.
  const test::GaussianExact ex = test::gaussian_exact(rbm);
  EXPECT_NEAR(ex.log_z, exact_log_partition(rbm), 1e-9);
  EXPECT_LT((m.hidden - ex.h).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((m.visible_hidden - ex.vh).cwiseAbs().maxCoeff(), 1e-10);
}

TEST_P(GaussianExact, GrayCodeSumMatchesDirectSumOfHiddenFreeEnergies) {
  // 12 hidden units (4096 states, several chunks and a field restart) vs log Σ_h e^{−F(h)}.
  const Rbm rbm = random_gaussian_rbm(9, 12, GetParam(), 24, 0.4, 0.5, 0.5, 2.0);
  const Index n = Index{1} << 12;
  MatrixF H(n, 12);
  for (Index s = 0; s < n; ++s) H.row(s) = state_of(static_cast<std::uint64_t>(s), 12, GetParam()).transpose();
  const VectorD f = rbm.free_energy_hidden(H);
  const double top = (-f).maxCoeff();
  const double direct = top + std::log((-f.array() - top).exp().sum());
  EXPECT_NEAR(exact_log_partition(rbm, EnumerateLayer::automatic, 1), direct, 1e-5);
  EXPECT_EQ(exact_log_partition(rbm, EnumerateLayer::automatic, 1),
            exact_log_partition(rbm, EnumerateLayer::automatic, 2));
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianExact,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

TEST(GaussianExactChecks, VisibleLayerCannotBeEnumerated) {
  const Rbm rbm = random_gaussian_rbm(2, 40, UnitType::bernoulli, 1, 0.1, 0.1, 1.0, 1.0);
  EXPECT_THROW(exact_log_partition(rbm, EnumerateLayer::visible), Error);
  EXPECT_THROW(exact_log_partition(rbm), Error);  // 40 hidden units: too many to enumerate
}

TEST(GaussianExactChecks, DataMomentsUseThePrecisionWeightedField) {
  const Rbm rbm = random_gaussian_rbm(3, 2, UnitType::bernoulli, 2, 0.7, 0.3, 0.5, 1.5);
  MatrixF data(2, 3);
  data << 0.5f, -1.0f, 2.0f, 1.5f, 0.0f, -0.5f;
  const Moments m = data_moments(rbm, data);
  MatrixF hm;
  rbm.hidden_mean(data, hm);  // σ(b + Wᵀ(v/σ²))
  EXPECT_NEAR(m.hidden[0], 0.5 * (hm(0, 0) + hm(1, 0)), 1e-6);
  EXPECT_NEAR(m.visible_hidden(2, 1), 0.5 * (2.0 * hm(0, 1) - 0.5 * hm(1, 1)), 1e-6);
}

}  // namespace
}  // namespace rgflow::estimate
