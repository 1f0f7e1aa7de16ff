// Convex NMF: monotone objective, archetypes as convex combinations of data rows, the reported
// objective against a direct computation, the trajectory against a plain dense re-implementation
// of the update rules, the out-of-sample projection and the linear flow map, files, bad input.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/nmf/convex_nmf.hpp"
#include "rgflow/nmf/file.hpp"
#include "unit/test_io_support.hpp"

namespace rgflow::nmf {
namespace {

MatrixD random_data(Index n, Index p, std::uint64_t seed, bool mixed_sign) {
  Rng rng(seed, 0);
  MatrixD A(n, p);
  // Three clusters around non-negative prototypes, plus noise.
  for (Index i = 0; i < n; ++i) {
    const Index c = i % 3;
    for (Index j = 0; j < p; ++j) {
      const double base = (j % 3 == c) ? 3.0 : 0.5;
      A(i, j) = mixed_sign ? base - 1.5 + rng.normal() : base * rng.uniform_double();
    }
  }
  return A;
}

TEST(ConvexNmf, ObjectiveNeverIncreasesAndArchetypesAreConvexCombinations) {
  for (bool mixed : {false, true}) {
    const MatrixD A = random_data(90, 12, 1, mixed);
    FitOptions o;
    o.rank = 4;
    o.max_iterations = 300;
    o.tolerance = 0.0;  // run all iterations
    const ConvexNmf m = fit_convex_nmf(A, o);
    ASSERT_EQ(m.objective.size(), 301u);
    for (std::size_t t = 1; t < m.objective.size(); ++t) {
      EXPECT_LE(m.objective[t], m.objective[t - 1] * (1.0 + 1e-12)) << "iteration " << t << " mixed " << mixed;
    }
    EXPECT_LT(m.objective.back(), 0.9 * m.objective.front());
    EXPECT_GE(m.W.minCoeff(), 0.0);
    EXPECT_GE(m.G.minCoeff(), 0.0);
    for (Index c = 0; c < m.rank(); ++c) EXPECT_NEAR(m.W.col(c).sum(), 1.0, 1e-12);
    // Each archetype is Σ_i W_ic a_i with W_ic ≥ 0 summing to 1: inside the data's bounding box.
    EXPECT_LT((m.archetypes - m.W.transpose() * A).cwiseAbs().maxCoeff(), 1e-12);
    for (Index c = 0; c < m.rank(); ++c) {
      for (Index j = 0; j < A.cols(); ++j) {
        EXPECT_GE(m.archetypes(c, j), A.col(j).minCoeff() - 1e-12);
        EXPECT_LE(m.archetypes(c, j), A.col(j).maxCoeff() + 1e-12);
      }
    }
    // The tracked objective is ‖A − G Wᵀ A‖²_F.
    const double direct = reconstruction_error(m, A);
    EXPECT_NEAR(m.objective.back(), direct * direct, 1e-9 * direct * direct);
  }
}

// The update rules written out densely, independent of the library's Gram operator.
void reference_iteration(const MatrixD& A, MatrixD& W, MatrixD& G) {
  const MatrixD Y = A * A.transpose();
  const MatrixD Yp = (0.5 * (Y.array().abs() + Y.array())).matrix();
  const MatrixD Ym = (0.5 * (Y.array().abs() - Y.array())).matrix();
  const MatrixD gn = Yp * W + G * (W.transpose() * Ym * W), gd = Ym * W + G * (W.transpose() * Yp * W);
  G = (G.array() * (gn.array() / gd.array()).sqrt()).matrix();
  const MatrixD GtG = G.transpose() * G;
  const MatrixD wn = Yp * G + Ym * W * GtG, wd = Ym * G + Yp * W * GtG;
  W = (W.array() * (wn.array() / wd.array()).sqrt()).matrix();
}

TEST(ConvexNmf, TrajectoryMatchesADenseReference) {
  // The updates are invariant under W → W D⁻¹, G → G D, so the normalised initial state
  // (max_iterations = 0) starts the reference; both paths of the library (implicit Gram for
  // non-negative data, explicit Y± for mixed signs) must follow it.
  for (bool mixed : {false, true}) {
    const MatrixD A = random_data(60, 8, 2, mixed);
    FitOptions o;
    o.rank = 3;
    o.tolerance = 0.0;
    o.max_iterations = 0;
    const ConvexNmf start = fit_convex_nmf(A, o);
    o.max_iterations = 25;
    const ConvexNmf fitted = fit_convex_nmf(A, o);
    MatrixD W = start.W, G = start.G;
    for (int t = 0; t < 25; ++t) reference_iteration(A, W, G);
    const MatrixD ref = G * W.transpose(), got = fitted.G * fitted.W.transpose();
    EXPECT_LT((ref - got).cwiseAbs().maxCoeff(), 1e-9 * ref.cwiseAbs().maxCoeff()) << "mixed " << mixed;
  }
}

TEST(ConvexNmf, EncodeProjectsOntoTheConeOfTheArchetypes) {
  const MatrixD A = random_data(90, 12, 3, false);
  FitOptions o;
  o.rank = 3;
  const ConvexNmf m = fit_convex_nmf(A, o);
  // Rows inside the cone are reproduced; a projection is idempotent.
  Rng rng(4, 0);
  MatrixD codes(20, 3);
  for (Index k = 0; k < codes.size(); ++k) codes.data()[k] = rng.uniform_double();
  const MatrixD inside = codes * m.archetypes;
  EXPECT_LT((reconstruct(m, inside) - inside).norm(), 1e-3 * inside.norm());
  const MatrixD once = reconstruct(m, A);
  EXPECT_LT((reconstruct(m, once) - once).norm(), 1e-3 * once.norm());
  EXPECT_GE(encode(m, A).minCoeff(), 0.0);
}

TEST(ConvexNmf, LinearFlowIsPowersOfWtG) {
  const MatrixD A = random_data(60, 9, 5, false);
  FitOptions o;
  o.rank = 3;
  const ConvexNmf m = fit_convex_nmf(A, o);
  const LinearFlow f = linear_flow(m, A, 7, 0.0);
  ASSERT_EQ(f.steps, 7);
  const MatrixD M = m.W.transpose() * m.G;
  MatrixD power = MatrixD::Identity(3, 3);
  for (int t = 1; t < 7; ++t) power = power * M;
  const MatrixD expected = m.G * power * m.W.transpose() * A;  // A_7 = G M^6 Wᵀ A
  EXPECT_LT((f.last - expected).norm(), 1e-10 * expected.norm());
  Eigen::EigenSolver<Eigen::MatrixXd> es(M);
  EXPECT_NEAR(f.eigenvalue_moduli(0), es.eigenvalues().cwiseAbs().maxCoeff(), 1e-12);
}

TEST(ConvexNmf, FileRoundTripAndBadInput) {
  const test::TempDir dir;
  const MatrixD A = random_data(30, 6, 6, false);
  FitOptions o;
  o.rank = 2;
  const ConvexNmf m = fit_convex_nmf(A, o);
  save_model(dir.file("nmf.h5"), m, {{"data", "synthetic"}});
  std::map<std::string, std::string> attrs;
  const ConvexNmf back = load_model(dir.file("nmf.h5"), &attrs);
  EXPECT_EQ(back.W, m.W);
  EXPECT_EQ(back.G, m.G);
  EXPECT_EQ(back.archetypes, m.archetypes);
  EXPECT_EQ(back.objective, m.objective);
  EXPECT_EQ(back.iterations, m.iterations);
  EXPECT_EQ(attrs.at("data"), "synthetic");
  o.rank = 30;
  EXPECT_THROW(fit_convex_nmf(A, o), Error);
  MatrixD bad = A;
  bad(1, 1) = std::nan("");
  o.rank = 2;
  EXPECT_THROW(fit_convex_nmf(bad, o), Error);
  EXPECT_THROW(encode(m, MatrixD::Ones(2, 5)), Error);
  EXPECT_THROW(load_model(dir.file("missing.h5")), FileError);
}

}  // namespace
}  // namespace rgflow::nmf
