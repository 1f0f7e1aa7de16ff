// Manifold learning (include/rgflow/manifold/): neighbourhood graphs (as CSR arrays), the
// normalised-Laplacian spectrum, Laplacian eigenmaps, spectral clustering, k-means, the adjusted
// Rand index.
#include "common.hpp"
#include "rgflow/manifold/graph.hpp"
#include "rgflow/manifold/kmeans.hpp"
#include "rgflow/manifold/spectral.hpp"

namespace rgflow::python {

namespace {

using manifold::SparseMatrix;

manifold::GraphOptions graph_options(Index neighbors, double epsilon, const std::string& weights, double heat_t,
                                     int threads) {
  manifold::GraphOptions g;
  g.kind = epsilon > 0.0 ? manifold::GraphKind::epsilon : manifold::GraphKind::knn;
  g.neighbors = neighbors;
  g.epsilon = epsilon;
  g.weights = manifold::parse_weights(weights);
  g.heat_t = heat_t;
  g.threads = threads;
  return g;
}

manifold::EigenOptions eigen_options(double tolerance, Index restarts, std::uint64_t seed, int threads) {
  manifold::EigenOptions e;
  e.tolerance = tolerance;
  e.max_iterations = restarts;
  e.seed = seed;
  e.threads = threads;
  return e;
}

// CSR arrays (indptr, indices, data) of an n × n symmetric matrix as an Eigen row-major matrix.
SparseMatrix from_csr(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& indptr,
                      const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& indices,
                      const DoubleArray& data, Index n) {
  if (indptr.ndim() != 1 || indptr.shape(0) != n + 1) throw py::value_error("indptr must have n + 1 entries");
  std::vector<Eigen::Triplet<double>> t;
  for (Index i = 0; i < n; ++i) {
    for (std::int64_t k = indptr.at(i); k < indptr.at(i + 1); ++k) {
      if (k < 0 || k >= indices.shape(0) || k >= data.shape(0)) throw py::value_error("CSR arrays out of range");
      const std::int64_t j = indices.at(k);
      if (j < 0 || j >= n) throw py::value_error("column index out of range");
      t.emplace_back(i, j, data.at(k));
    }
  }
  SparseMatrix W(n, n);
  W.setFromTriplets(t.begin(), t.end());
  W.makeCompressed();
  return W;
}

py::dict spectrum_dict(manifold::Spectrum&& s) {
  py::dict d;
  d["eigenvalues"] = from_vector(std::move(s.eigenvalues));
  d["vectors"] = from_matrix(MatrixD(s.vectors));
  d["restarts"] = s.iterations;
  d["products"] = s.products;
  return d;
}

}  // namespace

void bind_manifold(py::module_& m) {
  m.def("neighbourhood_graph",
        [](const FloatArray& x, Index neighbors, double epsilon, const std::string& weights, double heat_t, int threads) {
          const MatrixF X = to_matrix(x, "X");
          const auto o = graph_options(neighbors, epsilon, weights, heat_t, threads);
          manifold::Graph g = without_gil([&] { return manifold::neighbourhood_graph(X, o, python_stop_poll()); });
          const Index nnz = g.weights.nonZeros();
          std::vector<std::int64_t> indptr(g.weights.outerIndexPtr(), g.weights.outerIndexPtr() + g.weights.rows() + 1);
          std::vector<std::int64_t> indices(g.weights.innerIndexPtr(), g.weights.innerIndexPtr() + nnz);
          std::vector<double> values(g.weights.valuePtr(), g.weights.valuePtr() + nnz);
          py::dict d;
          d["indptr"] = from_std_vector(std::move(indptr), {static_cast<py::ssize_t>(g.weights.rows() + 1)});
          d["indices"] = from_std_vector(std::move(indices), {static_cast<py::ssize_t>(nnz)});
          d["data"] = from_std_vector(std::move(values), {static_cast<py::ssize_t>(nnz)});
          d["n"] = g.weights.rows();
          d["heat_t"] = g.heat_t;
          d["edges"] = g.edges;
          d["components"] = g.components;
          return d;
        },
        py::arg("X"), py::arg("neighbors") = 10, py::arg("epsilon") = 0.0, py::arg("weights") = "heat",
        py::arg("heat_t") = 0.0, py::arg("threads") = 0);

  m.def("laplacian_spectrum",
        [](const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& indptr,
           const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& indices, const DoubleArray& data,
           Index n, Index count, double tolerance, Index restarts, std::uint64_t seed, int threads) {
          const SparseMatrix W = from_csr(indptr, indices, data, n);
          const auto e = eigen_options(tolerance, restarts, seed, threads);
          return spectrum_dict(without_gil([&] { return manifold::laplacian_spectrum(W, count, e, python_stop_poll()); }));
        },
        py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("n"), py::arg("count"),
        py::arg("tolerance") = 1e-8, py::arg("restarts") = 1000, py::arg("seed") = 0, py::arg("threads") = 0);

  m.def("laplacian_eigenmap",
        [](const FloatArray& x, Index dimensions, bool keep_first, Index neighbors, double epsilon,
           const std::string& weights, double heat_t, double tolerance, Index restarts, std::uint64_t seed, int threads) {
          const MatrixF X = to_matrix(x, "X");
          const auto g = graph_options(neighbors, epsilon, weights, heat_t, threads);
          manifold::EmbeddingOptions e;
          e.dimensions = dimensions;
          e.keep_first = keep_first;
          e.eigen = eigen_options(tolerance, restarts, seed, threads);
          manifold::Embedding emb = without_gil([&] {
            return manifold::laplacian_eigenmap(manifold::neighbourhood_graph(X, g, python_stop_poll()), e, python_stop_poll());
          });
          py::dict d = spectrum_dict(std::move(emb.spectrum));
          d["coordinates"] = from_matrix(std::move(emb.coordinates));
          return d;
        },
        py::arg("X"), py::arg("dimensions") = 2, py::arg("keep_first") = false, py::arg("neighbors") = 10,
        py::arg("epsilon") = 0.0, py::arg("weights") = "heat", py::arg("heat_t") = 0.0, py::arg("tolerance") = 1e-8,
        py::arg("restarts") = 1000, py::arg("seed") = 0, py::arg("threads") = 0);

  m.def("spectral_clustering",
        [](const FloatArray& x, Index clusters, Index neighbors, double epsilon, const std::string& weights,
           double heat_t, int kmeans_restarts, double tolerance, Index restarts, std::uint64_t seed, int threads) {
          const MatrixF X = to_matrix(x, "X");
          const auto g = graph_options(neighbors, epsilon, weights, heat_t, threads);
          manifold::ClusteringOptions c;
          c.clusters = clusters;
          c.eigen = eigen_options(tolerance, restarts, seed, threads);
          c.kmeans.restarts = kmeans_restarts;
          c.kmeans.seed = seed;
          c.kmeans.threads = threads;
          manifold::Clustering r = without_gil([&] {
            return manifold::spectral_clustering(manifold::neighbourhood_graph(X, g, python_stop_poll()), c,
                                                 python_stop_poll());
          });
          py::dict d = spectrum_dict(std::move(r.spectrum));
          const auto n = static_cast<py::ssize_t>(r.labels.size());
          std::vector<std::int64_t> labels(r.labels.begin(), r.labels.end());
          d["labels"] = from_std_vector(std::move(labels), {n});
          d["features"] = from_matrix(std::move(r.features));
          d["inertia"] = r.kmeans.inertia;
          return d;
        },
        py::arg("X"), py::arg("clusters"), py::arg("neighbors") = 10, py::arg("epsilon") = 0.0,
        py::arg("weights") = "heat", py::arg("heat_t") = 0.0, py::arg("kmeans_restarts") = 10,
        py::arg("tolerance") = 1e-8, py::arg("restarts") = 1000, py::arg("seed") = 0, py::arg("threads") = 0);

  m.def("kmeans",
        [](const DoubleArray& x, Index clusters, int restarts, int max_iterations, std::uint64_t seed, int threads) {
          if (x.ndim() != 2) throw py::value_error("X: expected a 2-D array");
          MatrixD X(x.shape(0), x.shape(1));
          if (X.size() > 0) std::memcpy(X.data(), x.data(), sizeof(double) * static_cast<std::size_t>(X.size()));
          manifold::KMeansOptions o;
          o.clusters = clusters;
          o.restarts = restarts;
          o.max_iterations = max_iterations;
          o.seed = seed;
          o.threads = threads;
          manifold::KMeansResult r = without_gil([&] { return manifold::kmeans(X, o, python_stop_poll()); });
          py::dict d;
          const auto n = static_cast<py::ssize_t>(r.labels.size());
          std::vector<std::int64_t> labels(r.labels.begin(), r.labels.end());
          d["labels"] = from_std_vector(std::move(labels), {n});
          d["centers"] = from_matrix(std::move(r.centers));
          d["inertia"] = r.inertia;
          d["iterations"] = r.iterations;
          return d;
        },
        py::arg("X"), py::arg("clusters"), py::arg("restarts") = 10, py::arg("max_iterations") = 300,
        py::arg("seed") = 0, py::arg("threads") = 0);

  m.def("adjusted_rand_index", &manifold::adjusted_rand_index, py::arg("a"), py::arg("b"));
}

}  // namespace rgflow::python
