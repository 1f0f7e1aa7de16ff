#pragma once
// Row shards of a mini-batch and the fixed tree that adds their gradients (TrainConfig::shards,
// docs/scaling.md), internal to the train component.
//
// Shard s of S covers rows [n·s/S, n·(s+1)/S) of an n-row block (the batch, the chains); rank r of
// N holds the consecutive shards [S·r/N, S·(r+1)/N) (none when N > S and the range is empty).
// The shards' gradients are added in one fixed binary tree over the S leaves — node [lo, hi) is
// node [lo, mid) + node [mid, hi) with mid = lo + (hi − lo)/2 — whatever the number of ranks: a
// rank forms, from its own leaves, every node below the root that lies inside its range and whose
// parent does not (each such node is exactly the sum the tree defines), sends those nodes to every
// rank (Communicator::allgather_into, bytes copied exactly), and every rank then adds the nodes
// above them as the tree says. So the sum has the same bits on any number of ranks; one rank
// forms the root's two children from its leaves without any exchange.
//
// Nothing is allocated per update once the first has run: the nodes are formed in place in the
// exchange buffer (MPI sends them from there and receives the others' beside them), the sums above
// them go to work nodes kept between updates, and the root is added straight into the caller's
// Gradient — with the plain SGD weight step fused into that last pass when the caller asks for it
// (Gradient::fused_step: the same element-wise arithmetic as Optimizer::step, one pass over W),
// or the defaults' centred SGD step by the optimizer's fixed row blocks (Gradient::centred_step).
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/train/gradient.hpp"

namespace rgflow::train::detail {

// First row of shard s of `shards` over n rows.
inline Index shard_row(Index n, int s, int shards) {
  return static_cast<Index>(static_cast<std::int64_t>(n) * s / shards);
}
// First shard of rank r of `ranks`.
inline int first_shard(int shards, int rank, int ranks) {
  return static_cast<int>(static_cast<std::int64_t>(shards) * rank / ranks);
}
// Shard s's rows of n: {first, count}.
inline std::pair<Index, Index> shard_rows(Index n, int s, int shards) {
  const Index r0 = shard_row(n, s, shards);
  return {r0, shard_row(n, s + 1, shards) - r0};
}
// The rows of n that rank r's shards hold: {first, count}.
inline std::pair<Index, Index> rank_rows(Index n, int shards, int rank, int ranks) {
  const Index r0 = shard_row(n, first_shard(shards, rank, ranks), shards);
  return {r0, shard_row(n, first_shard(shards, rank + 1, ranks), shards) - r0};
}

// One node of the tree as views of a flat run of floats: dW [n_visible × n_hidden, row-major],
// then da, db, the batch's visible and hidden means — the layout in which nodes travel. Every
// member starts on a 64-byte boundary (runs padded to 16 floats; nodes stored in 64-byte aligned
// buffers): Eigen evaluates an expression into a destination of unknown alignment with a scalar
// prologue up to the first aligned packet, and that changes how column sums are associated, so a
// leaf formed in place must see the alignment a Gradient's own members have.
struct GradientNode {
  Eigen::Map<MatrixF> dW;
  Eigen::Map<VectorF> da;
  Eigen::Map<VectorF> db;
  Eigen::Map<VectorF> batch_visible_mean;
  Eigen::Map<VectorF> batch_hidden_mean;
  GradientNode(float* p, Index n_visible, Index n_hidden);
  static Index padded(Index n) { return (n + 15) / 16 * 16; }
  static Index floats(Index n_visible, Index n_hidden) {
    return padded(n_visible * n_hidden) + 2 * padded(n_visible) + 2 * padded(n_hidden);
  }
};
// Bytes a rank sends after its nodes (the persistent chains' rows of its shards), whose length
// every rank knows beforehand.
struct ShardExtras {
  std::function<std::size_t(int rank)> bytes;                        // rank r's length
  std::function<void(std::span<std::byte> mine)> write;              // this rank's, before sending
  std::function<void(int rank, std::span<const std::byte>)> read;    // every other rank's, after
};

// The tree's buffers, kept between updates by the estimator that owns it.
class ShardTree {
 public:
  // The sum over the `shards` leaves of `leaf` (called for this rank's shards only, each filling
  // a node of n_visible × n_hidden) into `out` (resized to the binary members), added in the fixed
  // tree above; with out.fused_step (or out.centred_step) set, the weights take the plain (or the
  // centred) SGD step from the root as it is formed and out.weights_stepped is set. `threads`: the OpenMP team for the additions (the
  // bits do not depend on it). With `comm` null or of one rank, no exchange. Collective over comm.
  void combine(const Communicator* comm, int shards, Index n_visible, Index n_hidden, int threads,
               const std::function<void(int shard, GradientNode& leaf)>& leaf, Gradient& out,
               const ShardExtras* extras = nullptr);

 private:
  using Floats = std::vector<float, Eigen::aligned_allocator<float>>;
  Floats buffer_;              // every rank's nodes and extras, by rank
  std::vector<Floats> work_;   // sums above the nodes: slot 2·depth + side
  float* work(std::size_t slot, Index floats);
};

}  // namespace rgflow::train::detail
