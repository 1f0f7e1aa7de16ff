#include "rgflow/manifold/spectral.hpp"

#include <fmt/format.h>

#include <Spectra/SymEigsSolver.h>
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <map>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/core/serial_eigen.hpp"

namespace rgflow::manifold {

namespace {

// x ↦ (S − U Uᵀ) x for Spectra (its matrix-operation concept: Scalar, rows(), cols(),
// perform_op), U the known eigenvectors of S for the eigenvalue 1. Rows of S x are independent
// dot products, so splitting them among threads changes no bit.
class NormalizedAdjacency {
 public:
  using Scalar = double;
  NormalizedAdjacency(const SparseMatrix& S, const MatrixD& U, int threads, StopSignal& stop)
      : S_(S), U_(U), threads_(threads > 0 ? threads : omp_get_max_threads()), stop_(stop) {}
  Index rows() const { return S_.rows(); }
  Index cols() const { return S_.cols(); }
  void perform_op(const double* x, double* y) const {
    const Index n = S_.rows();
    // Products below ~2^20 nonzeros are faster on one thread than a barrier apart.
    const bool parallel = S_.nonZeros() >= (Index{1} << 20) && threads_ > 1;
#pragma omp parallel for num_threads(threads_) schedule(static) if (parallel)
    for (Index i = 0; i < n; ++i) {
      double s = 0.0;
      for (SparseMatrix::InnerIterator it(S_, i); it; ++it) s += it.value() * x[it.col()];
      y[i] = s;
    }
    Eigen::Map<const VectorD> xv(x, n);
    Eigen::Map<VectorD> yv(y, n);
    yv.noalias() -= U_ * (U_.transpose() * xv);
    if (stop_.check()) throw Cancelled();  // Spectra has no stop hook: leave through its caller
  }

 private:
  const SparseMatrix& S_;
  const MatrixD& U_;
  int threads_;
  StopSignal& stop_;
};

VectorD degrees(const SparseMatrix& W) {
  VectorD d(W.rows());
  for (Index i = 0; i < W.rows(); ++i) {
    double s = 0.0;
    for (SparseMatrix::InnerIterator it(W, i); it; ++it) s += it.value();
    d(i) = s;
  }
  return d;
}

// Makes the largest-magnitude entry of each column positive.
void fix_signs(MatrixD& M) {
  for (Index c = 0; c < M.cols(); ++c) {
    Index at = 0;
    M.col(c).cwiseAbs().maxCoeff(&at);
    if (M(at, c) < 0.0) M.col(c) *= -1.0;
  }
}

}  // namespace

Spectrum laplacian_spectrum(const SparseMatrix& W, Index count, const EigenOptions& o,
                            const StopPoll& poll) {
  const Index n = W.rows();
  if (count < 1 || count >= n) {
    throw Error(fmt::format("{} eigenvectors of a graph with {} points: need 1 <= count < points", count, n));
  }
  if (!(o.tolerance > 0.0) || o.max_iterations < 1) throw Error("eigensolver: tolerance and iterations must be > 0");
  const VectorD d = degrees(W);
  for (Index i = 0; i < n; ++i) {
    if (!(d(i) > 0.0)) throw Error(fmt::format("point {} has no edge (zero degree)", i));
  }
  const SerialEigen serial;
  const VectorD inv_sqrt = d.cwiseSqrt().cwiseInverse();
  SparseMatrix S = W;
  for (Index i = 0; i < n; ++i) {
    for (SparseMatrix::InnerIterator it(S, i); it; ++it) it.valueRef() *= inv_sqrt(i) * inv_sqrt(it.col());
  }
  // The null space of L_sym is known exactly: D^{1/2} 1_C for each connected component C
  // (normalised; disjoint supports, so orthonormal). Lanczos from one start vector cannot
  // resolve a degenerate eigenvalue, so these are taken as they are and deflated from S.
  std::vector<Index> component;
  const Index c = connected_components(W, &component);
  MatrixD U = MatrixD::Zero(n, c);
  for (Index i = 0; i < n; ++i) U(i, component[static_cast<std::size_t>(i)]) = std::sqrt(d(i));
  for (Index k = 0; k < c; ++k) U.col(k).normalize();
  Spectrum sp;
  const Index known = std::min(c, count);
  const Index rest = count - known;
  sp.eigenvalues = VectorD::Zero(count);
  sp.vectors.resize(n, count);
  sp.vectors.leftCols(known) = U.leftCols(known);
  if (rest == 0) return sp;
  StopSignal stop(poll);
  NormalizedAdjacency op(S, U, o.threads, stop);
  const Index ncv = std::min(n - c, o.subspace > 0 ? std::max(o.subspace, rest + 1)
                                                  : std::max<Index>(2 * rest + 1, 20));
  if (ncv <= rest) {
    throw Error(fmt::format("{} eigenvectors of {} points in {} components: too many for Lanczos", count, n, c));
  }
  Spectra::SymEigsSolver<NormalizedAdjacency> eigs(op, rest, ncv);
  Rng rng(o.seed, 0);
  VectorD start(n);
  for (Index i = 0; i < n; ++i) start(i) = rng.uniform_double() - 0.5;
  start -= U * (U.transpose() * start);
  eigs.init(start.data());
  eigs.compute(Spectra::SortRule::LargestAlge, o.max_iterations, o.tolerance, Spectra::SortRule::LargestAlge);
  stop.throw_if_stopped();
  if (eigs.info() != Spectra::CompInfo::Successful) {
    throw Error(fmt::format("the Lanczos solver did not converge to tolerance {} in {} restarts "
                            "(raise the restarts or the subspace size)", o.tolerance, o.max_iterations));
  }
  sp.eigenvalues.tail(rest) = (1.0 - eigs.eigenvalues().array()).matrix();  // λ(L_sym) = 1 − λ(S), ascending
  sp.vectors.rightCols(rest) = eigs.eigenvectors();
  sp.iterations = eigs.num_iterations();
  sp.products = eigs.num_operations();
  return sp;
}

Embedding laplacian_eigenmap(const Graph& graph, const EmbeddingOptions& o, const StopPoll& stop) {
  if (o.dimensions < 1) throw Error(fmt::format("dimensions {}: must be >= 1", o.dimensions));
  const Index skip = o.keep_first ? 0 : 1;
  Embedding e;
  e.spectrum = laplacian_spectrum(graph.weights, o.dimensions + skip, o.eigen, stop);
  const VectorD inv_sqrt = degrees(graph.weights).cwiseSqrt().cwiseInverse();
  e.coordinates = inv_sqrt.asDiagonal() * e.spectrum.vectors.middleCols(skip, o.dimensions);
  fix_signs(e.coordinates);
  return e;
}

Clustering spectral_clustering(const Graph& graph, const ClusteringOptions& o, const StopPoll& stop) {
  if (o.clusters < 2) throw Error(fmt::format("clusters {}: must be >= 2", o.clusters));
  Clustering c;
  c.spectrum = laplacian_spectrum(graph.weights, o.clusters, o.eigen, stop);
  c.features = c.spectrum.vectors;
  for (Index i = 0; i < c.features.rows(); ++i) {
    const double norm = c.features.row(i).norm();
    if (norm > 0.0) c.features.row(i) /= norm;
  }
  KMeansOptions km = o.kmeans;
  km.clusters = o.clusters;
  c.kmeans = kmeans(c.features, km, stop);
  c.labels = c.kmeans.labels;
  return c;
}

double adjusted_rand_index(const std::vector<Index>& a, const std::vector<Index>& b) {
  if (a.size() != b.size()) throw Error(fmt::format("labelings of {} and {} items", a.size(), b.size()));
  if (a.size() < 2) throw Error("the adjusted Rand index needs at least 2 items");
  // Contingency table n_ij, its row sums a_i and column sums b_j:
  // ARI = (Σ C(n_ij,2) − Σ C(a_i,2) Σ C(b_j,2)/C(n,2)) / (½[Σ C(a_i,2) + Σ C(b_j,2)] − Σ C(a_i,2) Σ C(b_j,2)/C(n,2)).
  std::map<std::pair<Index, Index>, double> table;
  std::map<Index, double> rows, cols;
  for (std::size_t k = 0; k < a.size(); ++k) {
    table[{a[k], b[k]}] += 1.0;
    rows[a[k]] += 1.0;
    cols[b[k]] += 1.0;
  }
  const auto pairs = [](double x) { return 0.5 * x * (x - 1.0); };
  double sum_ij = 0.0, sum_a = 0.0, sum_b = 0.0;
  for (const auto& [key, v] : table) sum_ij += pairs(v);
  for (const auto& [key, v] : rows) sum_a += pairs(v);
  for (const auto& [key, v] : cols) sum_b += pairs(v);
  const double expected = sum_a * sum_b / pairs(static_cast<double>(a.size()));
  const double maximum = 0.5 * (sum_a + sum_b);
  if (maximum == expected) return 1.0;  // both trivial partitions (as scikit-learn)
  return (sum_ij - expected) / (maximum - expected);
}

}  // namespace rgflow::manifold
