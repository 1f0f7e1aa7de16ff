#pragma once
// Laplacian eigenmaps (Belkin & Niyogi 2003) and spectral clustering (Ng, Jordan & Weiss 2002)
// on a neighbourhood graph (graph.hpp), docs/manifold.md.
//
// With W the weights, D = diag(d), d_i = Σ_j W_ij, the normalised Laplacian is
//   L_sym = I − D^{−1/2} W D^{−1/2} = I − S,
// with eigenvalues 0 = λ_0 ≤ λ_1 ≤ … ≤ 2. The eigenvalue 0 has one eigenvector per connected
// component C, D^{1/2} 1_C (normalised); these are known exactly and returned first (by their
// first vertex). The other smallest eigenpairs are the largest of S restricted to their
// orthogonal complement, S − U Uᵀ with U those null vectors (deflation: Lanczos from one start
// vector cannot resolve a degenerate eigenvalue), computed by Spectra's implicitly restarted
// Lanczos solver (SymEigsSolver, LargestAlge; Spectra 1.0, Y. Qiu) from a start vector drawn
// from Rng(seed, 0).
//   eigenmap:   y_k = D^{−1/2} u_k, k = 1 … d (k = 0 … d−1 with keep_first): Belkin & Niyogi's
//               generalized eigenproblem L y = λ D y with L = D − W, whose solutions are
//               y = D^{−1/2} u; each column's sign makes its largest-magnitude entry positive
//               (the convention of scikit-learn's SpectralEmbedding).
//   clustering: the k eigenvectors u_0 … u_{k−1} of the k smallest eigenvalues as columns of U,
//               each row scaled to unit length (NJW's step 4), then k-means (kmeans.hpp).
#include <cstdint>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/manifold/graph.hpp"
#include "rgflow/manifold/kmeans.hpp"

namespace rgflow::manifold {

struct EigenOptions {
  double tolerance = 1e-8;      // Spectra's relative tolerance on the Ritz values
  Index max_iterations = 1000;  // restarts
  Index subspace = 0;           // Lanczos basis size ncv (0: max(2·nev + 1, 20), ≤ n)
  std::uint64_t seed = 0;
  int threads = 0;              // threads of the sparse products (results do not depend on it)
};

struct Spectrum {
  VectorD eigenvalues;  // λ of L_sym, ascending (the nev smallest)
  MatrixD vectors;      // u_k (orthonormal columns), in the same order
  Index iterations = 0; // Lanczos restarts
  Index products = 0;   // products x ↦ S x
};

// The `count` smallest eigenpairs of L_sym. Throws Error when a point has zero degree, when
// count ≥ n, or when Spectra does not converge (naming the tolerance and restarts).
Spectrum laplacian_spectrum(const SparseMatrix& W, Index count, const EigenOptions& options = {},
                            const StopPoll& stop = {});

struct EmbeddingOptions {
  Index dimensions = 2;
  bool keep_first = false;  // keep the trivial eigenvector (λ_0 = 0) as the first coordinate
  EigenOptions eigen;
};

struct Embedding {
  MatrixD coordinates;  // n × dimensions, y_k = D^{−1/2} u_k
  Spectrum spectrum;    // all computed eigenpairs (dimensions + 1 without keep_first)
};

Embedding laplacian_eigenmap(const Graph& graph, const EmbeddingOptions& options = {},
                             const StopPoll& stop = {});

struct ClusteringOptions {
  Index clusters = 2;
  EigenOptions eigen;
  KMeansOptions kmeans;  // its `clusters` is overwritten by `clusters`
};

struct Clustering {
  std::vector<Index> labels;  // 0 … clusters−1
  MatrixD features;           // the row-normalised U that k-means saw
  Spectrum spectrum;
  KMeansResult kmeans;
};

Clustering spectral_clustering(const Graph& graph, const ClusteringOptions& options = {},
                               const StopPoll& stop = {});

// Adjusted Rand index of two labelings (Hubert & Arabie 1985): 1 for identical partitions, 0
// in expectation for independent ones. Throws Error for different lengths or fewer than 2 items.
double adjusted_rand_index(const std::vector<Index>& a, const std::vector<Index>& b);

}  // namespace rgflow::manifold
