#pragma once
// Neighbourhood graphs for manifold learning (Belkin & Niyogi 2003, "Laplacian eigenmaps for
// dimensionality reduction and data representation", Neural Comput. 15, 1373, §2 steps 1–2):
//   edges  kNN: i ~ j when j is among the k nearest neighbours of i or i among those of j
//               (Euclidean; the union makes the graph symmetric);
//          ε:   i ~ j when ‖x_i − x_j‖ ≤ ε;
//   weights heat kernel W_ij = exp(−‖x_i − x_j‖² / t), or binary W_ij = 1 (their "t = ∞").
// No self-loops. With heat weights and t = 0 given, t is set to the mean squared distance over
// the graph's edges (a scale-free default, documented in docs/manifold.md).
//
// Distances: candidates from one float32 product ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j per fixed block of
// 256 rows (so results do not depend on the thread count), ties broken by the lower index; the
// squared distances of the chosen edges are then recomputed exactly in float64.
#include <Eigen/SparseCore>
#include <cstdint>
#include <string_view>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::manifold {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor>;

enum class GraphKind { knn, epsilon };
enum class Weights { heat, binary };
std::string_view to_string(Weights w);  // "heat" | "binary"
Weights parse_weights(std::string_view name);

struct GraphOptions {
  GraphKind kind = GraphKind::knn;
  Index neighbors = 10;   // kNN: k ≥ 1, < number of points
  double epsilon = 0.0;   // ε-graph radius (> 0)
  Weights weights = Weights::heat;
  double heat_t = 0.0;    // t > 0, or 0: the mean squared edge length
  int threads = 0;        // ≤ 0: OpenMP's default
};

struct Graph {
  SparseMatrix weights;   // symmetric n × n, zero diagonal
  double heat_t = 0.0;    // t used (0 for binary weights)
  Index edges = 0;        // undirected edges
  Index components = 0;   // connected components
};

// Throws Error for bad options, fewer than 2 points, non-finite data, or (ε-graph) a point with
// no neighbour within ε; Cancelled when `stop` asks.
Graph neighbourhood_graph(const MatrixF& X, const GraphOptions& options, const StopPoll& stop = {});

// Number of connected components of a symmetric sparse graph (breadth-first search); with
// `labels`, each vertex's component (0, 1, … in the order of their first vertex).
Index connected_components(const SparseMatrix& W, std::vector<Index>* labels = nullptr);

}  // namespace rgflow::manifold
