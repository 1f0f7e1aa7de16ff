#include "rgflow/manifold/kmeans.hpp"

#include <fmt/format.h>

#include <limits>

#include "rgflow/core/error.hpp"
#include "rgflow/core/parallel_items.hpp"
#include "rgflow/core/rng.hpp"

namespace rgflow::manifold {

namespace {

double squared_distance(const MatrixD& X, Index i, const MatrixD& C, Index c) {
  return (X.row(i) - C.row(c)).squaredNorm();
}

// k-means++ seeding.
MatrixD seed_centers(const MatrixD& X, Index k, Rng& rng) {
  const Index n = X.rows();
  MatrixD C(k, X.cols());
  C.row(0) = X.row(static_cast<Index>(rng.below(static_cast<std::uint64_t>(n))));
  VectorD nearest(n);
  for (Index i = 0; i < n; ++i) nearest(i) = squared_distance(X, i, C, 0);
  for (Index c = 1; c < k; ++c) {
    const double total = nearest.sum();
    Index pick = n - 1;
    if (total > 0.0) {
      const double u = rng.uniform_double() * total;
      double cumulative = 0.0;
      for (Index i = 0; i < n; ++i) {
        cumulative += nearest(i);
        if (u < cumulative) {
          pick = i;
          break;
        }
      }
    } else {
      pick = static_cast<Index>(rng.below(static_cast<std::uint64_t>(n)));  // all points coincide
    }
    C.row(c) = X.row(pick);
    for (Index i = 0; i < n; ++i) nearest(i) = std::min(nearest(i), squared_distance(X, i, C, c));
  }
  return C;
}

KMeansResult lloyd(const MatrixD& X, MatrixD C, int max_iterations, StopSignal& stop) {
  const Index n = X.rows(), k = C.rows();
  KMeansResult r;
  r.labels.assign(static_cast<std::size_t>(n), -1);
  VectorD dist(n);
  for (int it = 0; it < max_iterations; ++it) {
    if (stop.check()) break;
    bool changed = false;
    for (Index i = 0; i < n; ++i) {
      Index best = 0;
      double best_d = squared_distance(X, i, C, 0);
      for (Index c = 1; c < k; ++c) {
        const double d = squared_distance(X, i, C, c);
        if (d < best_d) {
          best_d = d;
          best = c;
        }
      }
      dist(i) = best_d;
      if (r.labels[static_cast<std::size_t>(i)] != best) {
        r.labels[static_cast<std::size_t>(i)] = best;
        changed = true;
      }
    }
    r.iterations = it + 1;
    if (!changed && it > 0) break;
    MatrixD sums = MatrixD::Zero(k, X.cols());
    std::vector<Index> counts(static_cast<std::size_t>(k), 0);
    for (Index i = 0; i < n; ++i) {
      sums.row(r.labels[static_cast<std::size_t>(i)]) += X.row(i);
      ++counts[static_cast<std::size_t>(r.labels[static_cast<std::size_t>(i)])];
    }
    for (Index c = 0; c < k; ++c) {
      if (counts[static_cast<std::size_t>(c)] > 0) {
        C.row(c) = sums.row(c) / static_cast<double>(counts[static_cast<std::size_t>(c)]);
      } else {
        Index far = 0;  // an emptied cluster takes the point farthest from its centre
        dist.maxCoeff(&far);
        C.row(c) = X.row(far);
        dist(far) = 0.0;
      }
    }
  }
  if (r.iterations == 0) {
    // Stopped before the first assignment (the caller throws Cancelled): no labels to score.
    r.inertia = std::numeric_limits<double>::infinity();
    r.centers = std::move(C);
    return r;
  }
  r.inertia = 0.0;
  for (Index i = 0; i < n; ++i) r.inertia += squared_distance(X, i, C, r.labels[static_cast<std::size_t>(i)]);
  r.centers = std::move(C);
  return r;
}

}  // namespace

KMeansResult kmeans(const MatrixD& X, const KMeansOptions& o, const StopPoll& poll) {
  if (o.clusters < 1 || o.clusters > X.rows()) {
    throw Error(fmt::format("clusters {}: must be in [1, {}] (the number of points)", o.clusters, X.rows()));
  }
  if (o.restarts < 1) throw Error(fmt::format("restarts {}: must be >= 1", o.restarts));
  if (o.max_iterations < 1) throw Error(fmt::format("iterations {}: must be >= 1", o.max_iterations));
  if (X.cols() < 1 || !X.allFinite()) throw Error("k-means needs finite points with coordinates");
  std::vector<KMeansResult> runs(static_cast<std::size_t>(o.restarts));
  parallel_items(o.restarts, o.threads, poll, [&](std::int64_t r, StopSignal& stop) {
    Rng rng(o.seed, static_cast<std::uint64_t>(r));
    runs[static_cast<std::size_t>(r)] = lloyd(X, seed_centers(X, o.clusters, rng), o.max_iterations, stop);
    runs[static_cast<std::size_t>(r)].restart = static_cast<int>(r);
  });
  std::size_t best = 0;
  for (std::size_t r = 1; r < runs.size(); ++r) {
    if (runs[r].inertia < runs[best].inertia) best = r;
  }
  return runs[best];
}

}  // namespace rgflow::manifold
