#include "rgflow/rg/renormalized_couplings.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "rgflow/core/error.hpp"

namespace rgflow::rg {

std::string_view to_string(IsingTerm term) {
  switch (term) {
    case IsingTerm::nearest_neighbour: return "nearest_neighbour";
    case IsingTerm::next_nearest_neighbour: return "next_nearest_neighbour";
    case IsingTerm::plaquette: return "plaquette";
  }
  return "?";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxCoupling = 20.0;
// A site's (s, g₁, g₂, g₄): s ∈ {±1}, each g ∈ {−4, −2, 0, 2, 4}; 2·5·5·5 classes.
constexpr int kClasses = 250;

struct Site {
  int s, g1, g2, g4;
};

int class_of(const Site& t) {
  return (((t.s > 0 ? 1 : 0) * 5 + (t.g1 + 4) / 2) * 5 + (t.g2 + 4) / 2) * 5 + (t.g4 + 4) / 2;
}

Site site_of_class(int c) {
  Site t{};
  t.g4 = (c % 5) * 2 - 4;
  c /= 5;
  t.g2 = (c % 5) * 2 - 4;
  c /= 5;
  t.g1 = (c % 5) * 2 - 4;
  c /= 5;
  t.s = c == 1 ? 1 : -1;
  return t;
}

// Calls fn(Site) for every site of one configuration (±1 as int8, row-major L × L).
template <class Fn>
void for_each_site(const std::vector<std::int8_t>& s, int L, Fn fn) {
  auto at = [&](int x, int y) { return static_cast<int>(s[static_cast<std::size_t>(y * L + x)]); };
  for (int y = 0; y < L; ++y) {
    const int yp = (y + 1) % L, ym = (y + L - 1) % L;
    for (int x = 0; x < L; ++x) {
      const int xp = (x + 1) % L, xm = (x + L - 1) % L;
      Site t;
      t.s = at(x, y);
      t.g1 = at(xp, y) + at(xm, y) + at(x, yp) + at(x, ym);
      t.g2 = at(xp, yp) + at(xm, ym) + at(xp, ym) + at(xm, yp);
      // The four plaquettes with corner (x, y): origins (x, y), (x−1, y), (x, y−1), (x−1, y−1).
      t.g4 = at(xp, y) * at(x, yp) * at(xp, yp) + at(xm, y) * at(xm, yp) * at(x, yp) +
             at(x, ym) * at(xp, ym) * at(xp, y) + at(xm, ym) * at(x, ym) * at(xm, y);
      fn(t);
    }
  }
}

VectorD features(const Site& t, const std::vector<IsingTerm>& terms) {
  VectorD f(static_cast<Index>(terms.size()));
  for (std::size_t a = 0; a < terms.size(); ++a) {
    switch (terms[a]) {
      case IsingTerm::nearest_neighbour: f[static_cast<Index>(a)] = t.g1; break;
      case IsingTerm::next_nearest_neighbour: f[static_cast<Index>(a)] = t.g2; break;
      case IsingTerm::plaquette: f[static_cast<Index>(a)] = t.g4; break;
    }
  }
  return f;
}

// A = −Hessian must be positive definite with a condition number the data can support: terms that
// the data cannot tell apart (e.g. only fully aligned rows, where g₁ = g₂ = g₄) make it singular.
bool well_conditioned(const MatrixD& A) {
  if (!A.allFinite()) return false;
  const Eigen::SelfAdjointEigenSolver<MatrixD> eig(A, Eigen::EigenvaluesOnly);
  if (eig.info() != Eigen::Success) return false;
  const VectorD ev = eig.eigenvalues();
  return ev.minCoeff() > 1e-10 * std::max(ev.maxCoeff(), 0.0) && ev.minCoeff() > 0.0;
}

double log_2cosh(double h) {
  const double a = std::fabs(h);
  return a + std::log1p(std::exp(-2.0 * a));
}

}  // namespace

IsingCouplingFit pseudo_likelihood_couplings(const MatrixF& spins, int L, const std::vector<IsingTerm>& terms,
                                             const VectorD& weights) {
  if (L < 2 || spins.cols() != Index{L} * L) {
    throw Error(fmt::format("configurations have {} sites, not a {}x{} lattice", spins.cols(), L, L));
  }
  const Index N = spins.rows();
  if (N < 2) throw Error("need at least two configurations");
  if (terms.empty()) throw Error("no coupling terms to fit");
  for (std::size_t a = 0; a < terms.size(); ++a) {
    for (std::size_t b = a + 1; b < terms.size(); ++b) {
      if (terms[a] == terms[b]) throw Error(fmt::format("coupling term {} given twice", to_string(terms[a])));
    }
  }
  const bool weighted = weights.size() > 0;
  if (weighted) {
    if (weights.size() != N) throw Error(fmt::format("{} weights for {} configurations", weights.size(), N));
    if (!weights.allFinite() || (weights.array() < 0.0).any() || !(weights.sum() > 0.0)) {
      throw Error("weights must be finite, non-negative and not all zero");
    }
  }
  const auto p = static_cast<Index>(terms.size());
  const auto sites = static_cast<std::size_t>(L) * static_cast<std::size_t>(L);

  // Rows as int8, checked to be ±1.
  auto row_spins = [&](Index n) {
    std::vector<std::int8_t> s(sites);
    for (std::size_t i = 0; i < sites; ++i) {
      const float v = spins(n, static_cast<Index>(i));
      if (v != 1.0f && v != -1.0f) {
        throw Error(fmt::format("configuration {} site {}: value {} is not a spin (±1)", n, i, v));
      }
      s[i] = v > 0 ? 1 : -1;
    }
    return s;
  };

  // The pseudo-likelihood depends on the data only through the weighted count of each site class.
  std::array<double, kClasses> count{};
  for (Index n = 0; n < N; ++n) {
    const double w = weighted ? weights[n] : 1.0;
    for_each_site(row_spins(n), L, [&](const Site& t) { count[static_cast<std::size_t>(class_of(t))] += w; });
  }
  std::vector<VectorD> f(kClasses);
  std::vector<int> s_of(kClasses);
  for (int c = 0; c < kClasses; ++c) {
    const Site t = site_of_class(c);
    f[static_cast<std::size_t>(c)] = features(t, terms);
    s_of[static_cast<std::size_t>(c)] = t.s;
  }
  const auto objective = [&](const VectorD& K) {
    double l = 0.0;
    for (int c = 0; c < kClasses; ++c) {
      const double w = count[static_cast<std::size_t>(c)];
      if (w == 0.0) continue;
      const double h = K.dot(f[static_cast<std::size_t>(c)]);
      l += w * (s_of[static_cast<std::size_t>(c)] * h - log_2cosh(h));
    }
    return l;
  };
  // Gradient G = Σ w g (s − tanh h) and A = −Hessian = Σ w g gᵀ (1 − tanh² h).
  const auto derivatives = [&](const VectorD& K, VectorD& G, MatrixD& A) {
    G = VectorD::Zero(p);
    A = MatrixD::Zero(p, p);
    for (int c = 0; c < kClasses; ++c) {
      const double w = count[static_cast<std::size_t>(c)];
      if (w == 0.0) continue;
      const VectorD& g = f[static_cast<std::size_t>(c)];
      const double th = std::tanh(K.dot(g));
      G += w * (s_of[static_cast<std::size_t>(c)] - th) * g;
      A += w * (1.0 - th * th) * (g * g.transpose());
    }
  };

  IsingCouplingFit fit;
  fit.terms = terms;
  auto fail = [&]() {
    stats::Result r;
    r.mean = r.error = kNaN;
    r.n = N;
    fit.couplings.assign(terms.size(), r);
    fit.covariance = MatrixD::Constant(p, p, kNaN);
    return fit;
  };

  VectorD K = VectorD::Zero(p), G;
  MatrixD A;
  double l = objective(K);
  bool converged = false;
  for (int it = 0; it < 200; ++it) {
    derivatives(K, G, A);
    const Eigen::LLT<MatrixD> llt(A);
    if (llt.info() != Eigen::Success || !well_conditioned(A)) return fail();
    const VectorD step = llt.solve(G);
    // Backtracking on the concave objective (a full Newton step almost always succeeds).
    double t = 1.0, l_next = objective(K + step);
    while (!(l_next >= l) && t > 1e-12) {
      t *= 0.5;
      l_next = objective(K + t * step);
    }
    K += t * step;
    l = l_next;
    fit.iterations = it + 1;
    if (!K.allFinite() || K.cwiseAbs().maxCoeff() > kMaxCoupling) return fail();
    if ((t * step).cwiseAbs().maxCoeff() < 1e-13 * (1.0 + K.cwiseAbs().maxCoeff())) {
      converged = true;
      break;
    }
  }
  if (!converged) return fail();
  derivatives(K, G, A);
  const Eigen::LLT<MatrixD> llt(A);
  if (llt.info() != Eigen::Success || !well_conditioned(A)) return fail();

  // Sandwich: B = Σ_n w_n ψ_n ψ_nᵀ from the rows' scores at K̂.
  std::array<VectorD, kClasses> score_of;
  for (int c = 0; c < kClasses; ++c) {
    const VectorD& g = f[static_cast<std::size_t>(c)];
    score_of[static_cast<std::size_t>(c)] = (s_of[static_cast<std::size_t>(c)] - std::tanh(K.dot(g))) * g;
  }
  MatrixD B = MatrixD::Zero(p, p);
  for (Index n = 0; n < N; ++n) {
    const double w = weighted ? weights[n] : 1.0;
    if (w == 0.0) continue;
    VectorD psi = VectorD::Zero(p);
    for_each_site(row_spins(n), L, [&](const Site& t) { psi += score_of[static_cast<std::size_t>(class_of(t))]; });
    B += w * (psi * psi.transpose());
  }
  const MatrixD Ainv = llt.solve(MatrixD::Identity(p, p));
  fit.covariance = Ainv * B * Ainv;
  for (Index a = 0; a < p; ++a) {
    stats::Result r;
    r.mean = K[a];
    r.error = std::sqrt(std::max(0.0, fit.covariance(a, a)));
    r.n = N;
    fit.couplings.push_back(r);
  }
  return fit;
}

}  // namespace rgflow::rg
