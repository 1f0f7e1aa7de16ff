#pragma once
// Row shards of a mini-batch and the fixed tree that adds their gradients (TrainConfig::shards,
// docs/scaling.md), internal to the train component.
//
// Shard s of S covers rows [n·s/S, n·(s+1)/S) of an n-row block (the batch, the chains); rank r of
// N holds the consecutive shards [S·r/N, S·(r+1)/N) (none when N > S and the range is empty).
// The shards' gradients are added in one fixed binary tree over the S leaves — node [lo, hi) is
// node [lo, mid) + node [mid, hi) with mid = lo + (hi − lo)/2 — whatever the number of ranks: a
// rank forms, from its own leaves, every node that lies inside its range and whose parent does
// not (each such node is exactly the sum the tree defines), sends those nodes to every rank
// (Communicator::allgather, bytes copied exactly), and every rank then adds the nodes above them
// as the tree says. So the sum has the same bits on any number of ranks; one rank forms the root
// from its leaves without any exchange.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
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

// The sum over the `shards` leaves of `leaf` (called for this rank's shards only, each filling a
// Gradient of n_visible × n_hidden: dW, da, db and the two batch means) into `out`, added in the
// fixed tree above. With `comm` null or of one rank, no exchange. `extra`: bytes sent with this
// rank's nodes (the persistent chains' rows of its shards), every rank's returned in `extras`
// (indexed by rank; left empty without an exchange). Collective over `comm`.
void combine_shards(const Communicator* comm, int shards, Index n_visible, Index n_hidden,
                    const std::function<void(int shard, Gradient& leaf)>& leaf, Gradient& out,
                    std::span<const std::byte> extra = {},
                    std::vector<std::vector<std::byte>>* extras = nullptr);

}  // namespace rgflow::train::detail
