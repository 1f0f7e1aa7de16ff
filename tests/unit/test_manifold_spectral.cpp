// Neighbourhood graphs, the normalised-Laplacian spectrum (Spectra) against dense
// diagonalisation and the exact spectrum of a ring, Laplacian eigenmaps, k-means, spectral
// clustering and the adjusted Rand index.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <cmath>
#include <numbers>
#include <set>
#include <string_view>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/manifold/graph.hpp"
#include "rgflow/manifold/kmeans.hpp"
#include "rgflow/manifold/spectral.hpp"

namespace rgflow::manifold {
namespace {

MatrixF gaussian_blobs(Index per_blob, Index blobs, Index dim, double spread, std::uint64_t seed,
                       std::vector<Index>* labels = nullptr) {
  Rng rng(seed, 0);
  MatrixF X(per_blob * blobs, dim);
  for (Index b = 0; b < blobs; ++b) {
    for (Index r = 0; r < per_blob; ++r) {
      for (Index c = 0; c < dim; ++c) X(b * per_blob + r, c) = static_cast<float>((c == b % dim ? 10.0 * (b + 1) : 0.0) + spread * rng.normal());
      if (labels) labels->push_back(b);
    }
  }
  return X;
}

// Largest principal angle (radians) between the column spaces of A and B.
double largest_principal_angle(const MatrixD& A, const MatrixD& B) {
  const Eigen::MatrixXd qa = Eigen::HouseholderQR<Eigen::MatrixXd>(A).householderQ() * Eigen::MatrixXd::Identity(A.rows(), A.cols());
  const Eigen::MatrixXd qb = Eigen::HouseholderQR<Eigen::MatrixXd>(B).householderQ() * Eigen::MatrixXd::Identity(B.rows(), B.cols());
  const Eigen::VectorXd s = Eigen::JacobiSVD<Eigen::MatrixXd>(qa.transpose() * qb).singularValues();
  return std::acos(std::clamp(s.minCoeff(), -1.0, 1.0));
}

TEST(ManifoldGraph, KnnMatchesBruteForce) {
  const MatrixF X = gaussian_blobs(40, 3, 5, 2.0, 1);
  GraphOptions o;
  o.neighbors = 6;
  o.heat_t = 3.0;
  const Graph g = neighbourhood_graph(X, o);
  const Index n = X.rows();
  std::set<std::pair<Index, Index>> expected;
  for (Index i = 0; i < n; ++i) {
    std::vector<std::pair<double, Index>> d;
    for (Index j = 0; j < n; ++j) {
      if (j != i) d.push_back({(X.row(i).cast<double>() - X.row(j).cast<double>()).squaredNorm(), j});
    }
    std::sort(d.begin(), d.end());
    for (int k = 0; k < 6; ++k) {
      expected.insert({i, d[static_cast<std::size_t>(k)].second});
      expected.insert({d[static_cast<std::size_t>(k)].second, i});
    }
  }
  std::set<std::pair<Index, Index>> found;
  for (Index i = 0; i < n; ++i) {
    for (SparseMatrix::InnerIterator it(g.weights, i); it; ++it) {
      found.insert({i, it.col()});
      const double d2 = (X.row(i).cast<double>() - X.row(it.col()).cast<double>()).squaredNorm();
      EXPECT_NEAR(it.value(), std::exp(-d2 / 3.0), 1e-12);
      EXPECT_EQ(it.value(), g.weights.coeff(it.col(), i));  // symmetric
    }
  }
  EXPECT_EQ(found, expected);
  EXPECT_EQ(g.edges, static_cast<Index>(expected.size()) / 2);
  EXPECT_EQ(g.components, 3);  // three far-apart blobs, 6 neighbours each
}

TEST(ManifoldGraph, EpsilonGraphAndBinaryWeights) {
  const MatrixF X = gaussian_blobs(30, 2, 3, 1.0, 2);
  GraphOptions o;
  o.kind = GraphKind::epsilon;
  o.epsilon = 2.5;
  o.weights = Weights::binary;
  const Graph g = neighbourhood_graph(X, o);
  Index pairs = 0;
  for (Index i = 0; i < X.rows(); ++i) {
    for (Index j = i + 1; j < X.rows(); ++j) {
      const bool near = (X.row(i).cast<double>() - X.row(j).cast<double>()).norm() <= 2.5;
      pairs += near ? 1 : 0;
      EXPECT_EQ(g.weights.coeff(i, j), near ? 1.0 : 0.0);
    }
  }
  EXPECT_EQ(g.edges, pairs);
  o.epsilon = 1e-3;
  EXPECT_THROW(neighbourhood_graph(X, o), Error);  // isolated points
}

TEST(ManifoldSpectrum, MatchesDenseDiagonalisation) {
  const MatrixF X = gaussian_blobs(200, 1, 4, 1.0, 3);  // one Gaussian cloud: one component
  GraphOptions o;
  o.neighbors = 8;
  const Graph g = neighbourhood_graph(X, o);
  ASSERT_EQ(g.components, 1);
  const Spectrum sp = laplacian_spectrum(g.weights, 6);
  const Eigen::MatrixXd W = Eigen::MatrixXd(g.weights);
  const Eigen::VectorXd d = W.rowwise().sum();
  const Eigen::MatrixXd L = Eigen::MatrixXd::Identity(W.rows(), W.cols()) -
                            d.cwiseSqrt().cwiseInverse().asDiagonal() * W * d.cwiseSqrt().cwiseInverse().asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> dense(L);
  for (Index k = 0; k < 6; ++k) EXPECT_NEAR(sp.eigenvalues(k), dense.eigenvalues()(k), 1e-9) << k;
  EXPECT_NEAR(sp.eigenvalues(0), 0.0, 1e-10);
  EXPECT_LT(largest_principal_angle(sp.vectors, dense.eigenvectors().leftCols(6)), 1e-6);
}

TEST(ManifoldSpectrum, RingHasTheCycleGraphSpectrumAndCircleEmbedding) {
  // n points on a circle, 2 nearest neighbours, binary weights: the cycle graph C_n, whose
  // normalised Laplacian has eigenvalues 1 − cos(2πk/n); the first non-trivial pair of
  // eigenvectors spans (cos θ, sin θ).
  const Index n = 120;
  MatrixF X(n, 2);
  MatrixD circle(n, 2);
  for (Index i = 0; i < n; ++i) {
    const double theta = 2.0 * std::numbers::pi * static_cast<double>(i) / n;
    X(i, 0) = static_cast<float>(std::cos(theta));
    X(i, 1) = static_cast<float>(std::sin(theta));
    circle(i, 0) = std::cos(theta);
    circle(i, 1) = std::sin(theta);
  }
  GraphOptions o;
  o.neighbors = 2;
  o.weights = Weights::binary;
  const Graph g = neighbourhood_graph(X, o);
  EXPECT_EQ(g.edges, n);
  EmbeddingOptions e;
  e.dimensions = 4;
  e.eigen.tolerance = 1e-12;
  const Embedding emb = laplacian_eigenmap(g, e);
  const double expected[] = {0.0, 1 - std::cos(2 * std::numbers::pi / n), 1 - std::cos(2 * std::numbers::pi / n),
                             1 - std::cos(4 * std::numbers::pi / n), 1 - std::cos(4 * std::numbers::pi / n)};
  for (Index k = 0; k < 5; ++k) EXPECT_NEAR(emb.spectrum.eigenvalues(k), expected[k], 1e-10) << k;
  EXPECT_LT(largest_principal_angle(emb.coordinates.leftCols(2), circle), 1e-5);
}

TEST(ManifoldSpectrum, ResultsDoNotDependOnTheThreadCount) {
  const MatrixF X = gaussian_blobs(300, 1, 6, 1.0, 4);
  GraphOptions o;
  o.neighbors = 10;
  o.threads = 1;
  const Graph g1 = neighbourhood_graph(X, o);
  o.threads = 3;
  const Graph g3 = neighbourhood_graph(X, o);
  EXPECT_TRUE(g1.weights.isApprox(g3.weights, 0.0));
  EmbeddingOptions e;
  e.eigen.threads = 1;
  const Embedding a = laplacian_eigenmap(g1, e);
  e.eigen.threads = 3;
  const Embedding b = laplacian_eigenmap(g3, e);
  EXPECT_EQ(a.coordinates, b.coordinates);
}

TEST(ManifoldClustering, SeparatedBlobsAreFoundExactly) {
  std::vector<Index> truth;
  const MatrixF X = gaussian_blobs(50, 4, 4, 0.8, 5, &truth);
  GraphOptions o;
  o.neighbors = 8;
  const Graph g = neighbourhood_graph(X, o);
  EXPECT_EQ(g.components, 4);
  ClusteringOptions c;
  c.clusters = 4;
  const Clustering r = spectral_clustering(g, c);
  EXPECT_DOUBLE_EQ(adjusted_rand_index(r.labels, truth), 1.0);
  KMeansOptions km;
  km.clusters = 4;
  const KMeansResult direct = kmeans(X.cast<double>(), km);
  EXPECT_DOUBLE_EQ(adjusted_rand_index(direct.labels, truth), 1.0);
}

TEST(ManifoldKMeans, DeterministicAndThreadIndependent) {
  const MatrixD X = gaussian_blobs(60, 5, 3, 6.0, 6).cast<double>();
  KMeansOptions km;
  km.clusters = 5;
  km.restarts = 7;
  km.seed = 9;
  km.threads = 1;
  const KMeansResult a = kmeans(X, km);
  km.threads = 4;
  const KMeansResult b = kmeans(X, km);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.centers, b.centers);
  EXPECT_EQ(a.restart, b.restart);
  // The inertia is the sum of squared distances to the assigned centres, each the cluster mean.
  double inertia = 0.0;
  for (Index i = 0; i < X.rows(); ++i) inertia += (X.row(i) - a.centers.row(a.labels[static_cast<std::size_t>(i)])).squaredNorm();
  EXPECT_NEAR(a.inertia, inertia, 1e-9 * inertia);
  km.clusters = 0;
  EXPECT_THROW(kmeans(X, km), Error);
  km.clusters = X.rows() + 1;
  EXPECT_THROW(kmeans(X, km), Error);
}

// Labels from a string of digits, built at run time: GCC 12.2 at -O2/-O3 with AVX-512VL
// (-march=native here) miscompiles `const std::vector<long> a{0, 0, 1, 1}, b{1, 1, 0, 0};` —
// b comes out as {1, 1, 1, 1} (SLP vectorizer; -fno-tree-slp-vectorize avoids it).
std::vector<Index> labels(std::string_view digits) {
  std::vector<Index> out;
  for (char c : digits) out.push_back(c - '0');
  return out;
}

TEST(ManifoldScores, AdjustedRandIndex) {
  // Values from the definition (Hubert & Arabie 1985), the same as scikit-learn's
  // adjusted_rand_score examples.
  EXPECT_DOUBLE_EQ(adjusted_rand_index(labels("0011"), labels("1100")), 1.0);
  EXPECT_NEAR(adjusted_rand_index(labels("0011"), labels("0012")), 4.0 / 7.0, 1e-15);
  EXPECT_NEAR(adjusted_rand_index(labels("0011"), labels("0101")), -0.5, 1e-15);
  EXPECT_DOUBLE_EQ(adjusted_rand_index(labels("0000"), labels("0123")), 0.0);
  EXPECT_THROW(adjusted_rand_index(labels("01"), labels("0")), Error);
}

TEST(ManifoldErrors, BadInput) {
  MatrixF X = gaussian_blobs(10, 1, 2, 1.0, 7);
  GraphOptions o;
  o.neighbors = 10;  // = n
  EXPECT_THROW(neighbourhood_graph(X, o), Error);
  o.neighbors = 3;
  X(2, 1) = std::nanf("");
  EXPECT_THROW(neighbourhood_graph(X, o), Error);
  X(2, 1) = 0.0f;
  const Graph g = neighbourhood_graph(X, o);
  EXPECT_THROW(laplacian_spectrum(g.weights, 10), Error);
  EXPECT_THROW(parse_weights("gaussian"), Error);
}

}  // namespace
}  // namespace rgflow::manifold
