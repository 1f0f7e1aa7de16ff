#include "rgflow/manifold/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <queue>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/parallel_items.hpp"
#include "rgflow/core/serial_eigen.hpp"

namespace rgflow::manifold {

std::string_view to_string(Weights w) { return w == Weights::heat ? "heat" : "binary"; }

Weights parse_weights(std::string_view name) {
  if (name == "heat") return Weights::heat;
  if (name == "binary") return Weights::binary;
  throw Error(fmt::format("unknown edge weights '{}' (heat | binary)", name));
}

namespace {

constexpr Index kBlock = 256;

struct Edge {
  Index i, j;
  double d2;  // exact squared distance
};

double exact_d2(const MatrixF& X, Index i, Index j) {
  double s = 0.0;
  for (Index c = 0; c < X.cols(); ++c) {
    const double d = static_cast<double>(X(i, c)) - static_cast<double>(X(j, c));
    s += d * d;
  }
  return s;
}

void check(const MatrixF& X, const GraphOptions& o) {
  if (X.rows() < 2) throw Error(fmt::format("{} points: a graph needs at least 2", X.rows()));
  if (X.cols() < 1) throw Error("points have no coordinates");
  if (!X.allFinite()) throw Error("the data contain NaN or infinite values");
  if (o.kind == GraphKind::knn && (o.neighbors < 1 || o.neighbors >= X.rows())) {
    throw Error(fmt::format("neighbours {}: must be in [1, {}] for {} points", o.neighbors,
                            X.rows() - 1, X.rows()));
  }
  if (o.kind == GraphKind::epsilon && !(o.epsilon > 0.0 && std::isfinite(o.epsilon))) {
    throw Error(fmt::format("epsilon {}: must be > 0", o.epsilon));
  }
  if (!(o.heat_t >= 0.0) || !std::isfinite(o.heat_t)) {
    throw Error(fmt::format("heat kernel t {}: must be > 0 (or 0 for the default)", o.heat_t));
  }
}

}  // namespace

Index connected_components(const SparseMatrix& W, std::vector<Index>* labels) {
  const Index n = W.rows();
  std::vector<Index> component(static_cast<std::size_t>(n), -1);
  Index components = 0;
  std::queue<Index> queue;
  for (Index start = 0; start < n; ++start) {
    if (component[static_cast<std::size_t>(start)] >= 0) continue;
    component[static_cast<std::size_t>(start)] = components;
    queue.push(start);
    while (!queue.empty()) {
      const Index v = queue.front();
      queue.pop();
      for (SparseMatrix::InnerIterator it(W, v); it; ++it) {
        if (component[static_cast<std::size_t>(it.col())] < 0) {
          component[static_cast<std::size_t>(it.col())] = components;
          queue.push(it.col());
        }
      }
    }
    ++components;
  }
  if (labels != nullptr) *labels = std::move(component);
  return components;
}

Graph neighbourhood_graph(const MatrixF& X, const GraphOptions& o, const StopPoll& stop) {
  check(X, o);
  const SerialEigen serial;
  const Index n = X.rows();
  const VectorF norms = X.rowwise().squaredNorm();
  const Index blocks = (n + kBlock - 1) / kBlock;
  std::vector<std::vector<Edge>> found(static_cast<std::size_t>(blocks));
  parallel_items(blocks, o.threads, stop, [&](std::int64_t b, StopSignal&) {
    const Index first = b * kBlock, rows = std::min(kBlock, n - first);
    // d²(i, j) ≈ ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j for the block's rows against all points.
    MatrixF d2 = -2.0f * (X.middleRows(first, rows) * X.transpose());
    d2.rowwise() += norms.transpose();
    d2.colwise() += norms.segment(first, rows);
    std::vector<Edge>& out = found[static_cast<std::size_t>(b)];
    std::vector<std::pair<float, Index>> row(static_cast<std::size_t>(n));
    for (Index r = 0; r < rows; ++r) {
      const Index i = first + r;
      if (o.kind == GraphKind::knn) {
        Index m = 0;
        for (Index j = 0; j < n; ++j) {
          if (j != i) row[static_cast<std::size_t>(m++)] = {d2(r, j), j};
        }
        const auto k = static_cast<std::ptrdiff_t>(o.neighbors);
        std::partial_sort(row.begin(), row.begin() + k, row.begin() + m);  // ties: lower index
        for (std::ptrdiff_t t = 0; t < k; ++t) {
          const Index j = row[static_cast<std::size_t>(t)].second;
          out.push_back({i, j, exact_d2(X, i, j)});
        }
      } else {
        const double eps2 = o.epsilon * o.epsilon;
        bool any = false;
        for (Index j = 0; j < n; ++j) {
          if (j == i) continue;
          // Screen with the float estimate (generously), decide with the exact distance.
          if (d2(r, j) > eps2 * (1.0 + 1e-3) + 1e-6) continue;
          const double e = exact_d2(X, i, j);
          if (e <= eps2) {
            out.push_back({i, j, e});
            any = true;
          }
        }
        if (!any) {
          throw Error(fmt::format("point {} has no neighbour within epsilon {}", i, o.epsilon));
        }
      }
    }
  });
  Graph g;
  double sum_d2 = 0.0;
  Index directed = 0;
  for (const auto& block : found) {
    for (const Edge& e : block) {
      sum_d2 += e.d2;
      ++directed;
    }
  }
  if (o.weights == Weights::heat) {
    g.heat_t = o.heat_t > 0.0 ? o.heat_t : sum_d2 / static_cast<double>(directed);
    if (!(g.heat_t > 0.0)) throw Error("all neighbours coincide: the heat kernel needs t > 0 (give it)");
  }
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(static_cast<std::size_t>(2 * directed));
  for (const auto& block : found) {
    for (const Edge& e : block) {
      const double w = o.weights == Weights::heat ? std::exp(-e.d2 / g.heat_t) : 1.0;
      triplets.emplace_back(e.i, e.j, w);
      triplets.emplace_back(e.j, e.i, w);
    }
  }
  g.weights.resize(n, n);
  // Union: an edge found from both ends is one edge (same exact weight both ways).
  g.weights.setFromTriplets(triplets.begin(), triplets.end(),
                            [](double a, double b) { return std::max(a, b); });
  g.weights.makeCompressed();
  g.edges = g.weights.nonZeros() / 2;
  g.components = connected_components(g.weights);
  return g;
}

}  // namespace rgflow::manifold
