#include "rgflow/nmf/convex_nmf.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <optional>

#include "rgflow/core/error.hpp"
#include "rgflow/core/serial_eigen.hpp"
#include "rgflow/manifold/kmeans.hpp"

namespace rgflow::nmf {

namespace {

constexpr Index kMaxExplicitGram = Index{1} << 14;

// The Gram matrix Y = A Aᵀ of the rows of A, split into Y⁺ and Y⁻, applied to n × k matrices.
class Gram {
 public:
  explicit Gram(const MatrixD& A) : A_(A), trace_(A.squaredNorm()) {
    if ((A.array() < 0.0).any()) {
      if (A.rows() > kMaxExplicitGram) {
        throw Error(fmt::format("{} mixed-sign points: convex NMF would need a {} x {} Gram matrix "
                                "(at most {} points; non-negative data have no limit)",
                                A.rows(), A.rows(), A.rows(), kMaxExplicitGram));
      }
      const MatrixD Y = A * A.transpose();
      pos_ = (0.5 * (Y.array().abs() + Y.array())).matrix();
      neg_ = (0.5 * (Y.array().abs() - Y.array())).matrix();
    }
  }
  bool mixed() const { return pos_.has_value(); }
  double trace() const { return trace_; }
  MatrixD positive(const MatrixD& M) const {  // Y⁺ M
    return pos_ ? MatrixD(*pos_ * M) : MatrixD(A_ * (A_.transpose() * M));
  }
  MatrixD negative(const MatrixD& M) const {  // Y⁻ M
    return neg_ ? MatrixD(*neg_ * M) : MatrixD(MatrixD::Zero(M.rows(), M.cols()));
  }

 private:
  const MatrixD& A_;
  double trace_;
  std::optional<MatrixD> pos_, neg_;
};

// M ← M ∘ √(num/den) element-wise; a zero denominator leaves the entry unchanged.
void multiplicative_step(MatrixD& M, const MatrixD& num, const MatrixD& den) {
  for (Index i = 0; i < M.rows(); ++i) {
    for (Index j = 0; j < M.cols(); ++j) {
      if (den(i, j) > 0.0) M(i, j) *= std::sqrt(num(i, j) / den(i, j));
    }
  }
}

// J = tr(Y) − 2 Σ G ∘ (Y W) + Σ (Wᵀ Y W) ∘ (GᵀG).
double objective(const Gram& gram, const MatrixD& YW, const MatrixD& W, const MatrixD& G) {
  const double j = gram.trace() - 2.0 * (G.array() * YW.array()).sum() +
                   ((W.transpose() * YW).array() * (G.transpose() * G).array()).sum();
  return std::max(j, 0.0);
}

void check_data(const MatrixD& A, Index rank) {
  if (A.rows() < 2 || A.cols() < 1) throw Error(fmt::format("{} x {} data: need at least 2 points", A.rows(), A.cols()));
  if (!A.allFinite()) throw Error("the data contain NaN or infinite values");
  if (rank < 1 || rank >= A.rows()) {
    throw Error(fmt::format("rank {}: must be in [1, {}] for {} points", rank, A.rows() - 1, A.rows()));
  }
}

}  // namespace

void normalize(ConvexNmf& m) {
  for (Index c = 0; c < m.W.cols(); ++c) {
    const double s = m.W.col(c).sum();
    if (s > 0.0) {
      m.W.col(c) /= s;
      m.G.col(c) *= s;
    }
  }
}

ConvexNmf fit_convex_nmf(const MatrixD& A, const FitOptions& o, const StopPoll& poll) {
  check_data(A, o.rank);
  if (o.max_iterations < 0) throw Error(fmt::format("iterations {}: must be >= 0", o.max_iterations));
  if (!(o.tolerance >= 0.0)) throw Error(fmt::format("tolerance {}: must be >= 0", o.tolerance));
  const SerialEigen serial;
  const Index n = A.rows(), k = o.rank;
  const Gram gram(A);
  manifold::KMeansOptions km;
  km.clusters = k;
  km.restarts = o.kmeans_restarts;
  km.seed = o.seed;
  km.threads = o.threads;
  const manifold::KMeansResult clusters = manifold::kmeans(A, km, poll);
  ConvexNmf m;
  m.G = MatrixD::Constant(n, k, 0.2);
  std::vector<double> sizes(static_cast<std::size_t>(k), 0.0);
  for (Index i = 0; i < n; ++i) {
    const Index c = clusters.labels[static_cast<std::size_t>(i)];
    m.G(i, c) += 1.0;
    sizes[static_cast<std::size_t>(c)] += 1.0;
  }
  m.W = m.G;
  for (Index c = 0; c < k; ++c) m.W.col(c) /= std::max(1.0, sizes[static_cast<std::size_t>(c)]);
  StopSignal stop(poll);
  MatrixD YpW = gram.positive(m.W), YmW = gram.negative(m.W);
  m.objective.push_back(objective(gram, YpW - YmW, m.W, m.G));
  for (int it = 0; it < o.max_iterations; ++it) {
    if (stop.check()) break;
    const MatrixD WtYpW = m.W.transpose() * YpW, WtYmW = m.W.transpose() * YmW;
    multiplicative_step(m.G, YpW + m.G * WtYmW, YmW + m.G * WtYpW);
    const MatrixD GtG = m.G.transpose() * m.G;
    multiplicative_step(m.W, gram.positive(m.G) + YmW * GtG, gram.negative(m.G) + YpW * GtG);
    YpW = gram.positive(m.W);
    YmW = gram.negative(m.W);
    const double J = objective(gram, YpW - YmW, m.W, m.G);
    const double previous = m.objective.back();
    m.objective.push_back(J);
    m.iterations = it + 1;
    if (previous > 0.0 && (previous - J) / previous < o.tolerance) {
      m.converged = true;
      break;
    }
    if (previous == 0.0) {
      m.converged = true;
      break;
    }
  }
  stop.throw_if_stopped();
  normalize(m);
  m.archetypes = m.W.transpose() * A;
  return m;
}

double reconstruction_error(const ConvexNmf& m, const MatrixD& A) {
  return (A - m.G * (m.W.transpose() * A)).norm();
}

MatrixD encode(const ConvexNmf& m, const MatrixD& B, int max_iterations, double tolerance) {
  const SerialEigen serial;
  const MatrixD& F = m.archetypes;
  if (B.cols() != F.cols()) {
    throw Error(fmt::format("rows have {} values, the archetypes {}", B.cols(), F.cols()));
  }
  if (!B.allFinite()) throw Error("the data contain NaN or infinite values");
  const MatrixD BF = B * F.transpose(), FF = F * F.transpose();
  const MatrixD BFp = (0.5 * (BF.array().abs() + BF.array())).matrix();
  const MatrixD BFm = (0.5 * (BF.array().abs() - BF.array())).matrix();
  const MatrixD FFp = (0.5 * (FF.array().abs() + FF.array())).matrix();
  const MatrixD FFm = (0.5 * (FF.array().abs() - FF.array())).matrix();
  MatrixD G = MatrixD::Constant(B.rows(), F.rows(), 1.0 / static_cast<double>(F.rows()));
  const double b2 = B.squaredNorm();
  // ‖B − G F‖² = ‖B‖² − 2 Σ G ∘ BFᵀ + Σ (GᵀG) ∘ FFᵀ.
  const auto J = [&] { return b2 - 2.0 * (G.array() * BF.array()).sum() + ((G.transpose() * G).array() * FF.array()).sum(); };
  double previous = J();
  for (int it = 0; it < max_iterations; ++it) {
    multiplicative_step(G, BFp + G * FFm, BFm + G * FFp);
    const double now = J();
    if (previous <= 0.0 || (previous - now) / previous < tolerance) break;
    previous = now;
  }
  return G;
}

MatrixD reconstruct(const ConvexNmf& m, const MatrixD& B) { return encode(m, B) * m.archetypes; }

LinearFlow linear_flow(const ConvexNmf& m, const MatrixD& A, int max_steps, double tolerance) {
  if (max_steps < 1) throw Error(fmt::format("steps {}: must be >= 1", max_steps));
  if (A.rows() != m.W.rows()) {
    throw Error(fmt::format("the flow acts on the {} fitted points, got {}", m.W.rows(), A.rows()));
  }
  LinearFlow f;
  const MatrixD M = m.W.transpose() * m.G;
  Eigen::EigenSolver<Eigen::MatrixXd> es(M, false);
  f.eigenvalue_moduli = es.eigenvalues().cwiseAbs();
  std::sort(f.eigenvalue_moduli.data(), f.eigenvalue_moduli.data() + f.eigenvalue_moduli.size(),
            std::greater<>());
  const double norm0 = A.norm();
  MatrixD current = A;
  for (int t = 1; t <= max_steps; ++t) {
    MatrixD next = m.G * (m.W.transpose() * current);
    const double base = current.norm(), size = next.norm();
    f.change.push_back(base > 0.0 ? (next - current).norm() / base : 0.0);
    f.norm_ratio.push_back(norm0 > 0.0 ? size / norm0 : 0.0);
    f.direction_change.push_back(base > 0.0 && size > 0.0 ? (next / size - current / base).norm() : 0.0);
    current.swap(next);
    f.steps = t;
    if (f.change.back() < tolerance) {
      f.converged = f.direction_converged = true;
      break;
    }
    if (f.direction_change.back() < tolerance) {
      f.direction_converged = true;
      break;
    }
    if (!(f.norm_ratio.back() > 1e-100 && f.norm_ratio.back() < 1e100)) {
      f.diverged = true;
      break;
    }
  }
  f.last = std::move(current);
  return f;
}

}  // namespace rgflow::nmf
