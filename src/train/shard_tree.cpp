#include "shard_tree.hpp"

#include <fmt/format.h>

#include <cstring>

#include "rgflow/core/error.hpp"

namespace rgflow::train::detail {
namespace {

void add(Gradient& into, const Gradient& g) {
  into.dW += g.dW;
  into.da += g.da;
  into.db += g.db;
  into.batch_visible_mean += g.batch_visible_mean;
  into.batch_hidden_mean += g.batch_hidden_mean;
}

// The members of a node in a fixed order, as float spans.
template <class G, class F>
void for_members(G& g, F&& f) {
  f(g.dW.data(), g.dW.size());
  f(g.da.data(), g.da.size());
  f(g.db.data(), g.db.size());
  f(g.batch_visible_mean.data(), g.batch_visible_mean.size());
  f(g.batch_hidden_mean.data(), g.batch_hidden_mean.size());
}

struct Tree {
  Index nv;
  Index nh;
  const std::function<void(int, Gradient&)>& leaf;

  // Node [lo, hi), all of whose leaves are this rank's.
  void form(int lo, int hi, Gradient& g) const {
    if (hi - lo == 1) {
      g.resize_binary(nv, nh);
      leaf(lo, g);
      return;
    }
    const int mid = lo + (hi - lo) / 2;
    form(lo, mid, g);
    Gradient right;
    form(mid, hi, right);
    add(g, right);
  }

  // This rank's maximal nodes inside [a, b), left to right, appended to `bytes`.
  void send(int lo, int hi, int a, int b, std::vector<std::byte>& bytes) const {
    if (hi <= a || lo >= b) return;
    if (a <= lo && hi <= b) {
      Gradient g;
      form(lo, hi, g);
      for_members(g, [&](const float* p, Index n) {
        const auto* q = reinterpret_cast<const std::byte*>(p);
        bytes.insert(bytes.end(), q, q + n * static_cast<Index>(sizeof(float)));
      });
      return;
    }
    const int mid = lo + (hi - lo) / 2;
    send(lo, mid, a, b, bytes);
    send(mid, hi, a, b, bytes);
  }
};

}  // namespace

void combine_shards(const Communicator* comm, int shards, Index n_visible, Index n_hidden,
                    const std::function<void(int, Gradient&)>& leaf, Gradient& out,
                    std::span<const std::byte> extra,
                    std::vector<std::vector<std::byte>>* extras) {
  const Tree tree{n_visible, n_hidden, leaf};
  const int ranks = comm != nullptr ? comm->size() : 1;
  if (ranks == 1) {
    tree.form(0, shards, out);
    if (extras != nullptr) extras->clear();
    return;
  }
  const int rank = comm->rank();
  std::vector<std::byte> mine;
  tree.send(0, shards, first_shard(shards, rank, ranks), first_shard(shards, rank + 1, ranks), mine);
  const std::size_t node_bytes = mine.size();
  mine.insert(mine.end(), extra.begin(), extra.end());
  std::vector<std::vector<std::byte>> all = comm->allgather(mine);
  mine.clear();
  mine.shrink_to_fit();

  // Every rank's nodes, read in the order they were sent (left to right), and the tree above them.
  const Index node_floats = n_visible * n_hidden + 2 * n_visible + 2 * n_hidden;
  std::vector<std::size_t> cursor(static_cast<std::size_t>(ranks), 0);
  const std::function<void(int, int, Gradient&)> assemble = [&](int lo, int hi, Gradient& g) {
    for (int r = 0; r < ranks; ++r) {
      if (first_shard(shards, r, ranks) <= lo && hi <= first_shard(shards, r + 1, ranks)) {
        const std::vector<std::byte>& bytes = all[static_cast<std::size_t>(r)];
        std::size_t& at = cursor[static_cast<std::size_t>(r)];
        if (bytes.size() < at + static_cast<std::size_t>(node_floats) * sizeof(float)) {
          throw Error(fmt::format("shard gradients: rank {} sent {} bytes, fewer than its nodes need",
                                  r, bytes.size()));
        }
        g.resize_binary(n_visible, n_hidden);
        for_members(g, [&](float* p, Index n) {
          std::memcpy(p, bytes.data() + at, static_cast<std::size_t>(n) * sizeof(float));
          at += static_cast<std::size_t>(n) * sizeof(float);
        });
        return;
      }
    }
    const int mid = lo + (hi - lo) / 2;
    assemble(lo, mid, g);
    Gradient right;
    assemble(mid, hi, right);
    add(g, right);
  };
  assemble(0, shards, out);
  if (cursor[static_cast<std::size_t>(rank)] != node_bytes) {
    throw Error("shard gradients: the tree did not read back this rank's own nodes");
  }
  if (extras != nullptr) {
    extras->assign(static_cast<std::size_t>(ranks), {});
    for (int r = 0; r < ranks; ++r) {
      const auto& bytes = all[static_cast<std::size_t>(r)];
      const std::size_t at = cursor[static_cast<std::size_t>(r)];
      (*extras)[static_cast<std::size_t>(r)].assign(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end());
    }
  }
}

}  // namespace rgflow::train::detail
