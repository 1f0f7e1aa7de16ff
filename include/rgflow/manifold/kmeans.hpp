#pragma once
// k-means (Lloyd 1982) with k-means++ seeding (Arthur & Vassilvitskii 2007): the first centre is
// a uniformly random point, each further centre a point drawn with probability proportional to
// its squared distance to the nearest centre chosen so far. Lloyd iterations (assign to the
// nearest centre, ties to the lower index; move each centre to its points' mean; an emptied
// cluster takes the point farthest from its centre) until no assignment changes or
// max_iterations. `restarts` independent seedings, restart r drawing from Rng(seed, r); the
// lowest inertia Σ_i ‖x_i − c_{label(i)}‖² wins (ties: the lower restart). Restarts run in
// parallel; results do not depend on the thread count.
#include <cstdint>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::manifold {

struct KMeansOptions {
  Index clusters = 2;
  int restarts = 10;
  int max_iterations = 300;
  std::uint64_t seed = 0;
  int threads = 0;
};

struct KMeansResult {
  std::vector<Index> labels;
  MatrixD centers;   // clusters × dimensions
  double inertia = 0.0;
  int iterations = 0;  // Lloyd iterations of the winning restart
  int restart = 0;     // which restart won
};

// Throws Error for clusters < 1 or > points, restarts < 1, max_iterations < 1, non-finite data.
KMeansResult kmeans(const MatrixD& X, const KMeansOptions& options, const StopPoll& stop = {});

}  // namespace rgflow::manifold
