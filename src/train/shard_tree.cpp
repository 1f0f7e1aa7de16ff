#include "shard_tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "rgflow/core/error.hpp"
#include "rgflow/train/optimizer.hpp"
#include "sgd_kernel.hpp"

namespace rgflow::train::detail {

GradientNode::GradientNode(float* p, Index nv, Index nh)
    : dW(p, nv, nh),
      da(p + padded(nv * nh), nv),
      db(p + padded(nv * nh) + padded(nv), nh),
      batch_visible_mean(p + padded(nv * nh) + padded(nv) + padded(nh), nv),
      batch_hidden_mean(p + padded(nv * nh) + 2 * padded(nv) + padded(nh), nh) {}

namespace {

constexpr Index kAddBlock = 16384;  // floats per work item of the element-wise additions

// dst = a + b over n floats (dst may be a).
inline void add_run(float* dst, const float* a, const float* b, Index n) {
#pragma omp simd
  for (Index e = 0; e < n; ++e) dst[e] = a[e] + b[e];
}

// The same by fixed blocks over the team: each element is one float addition, so the bits do
// not depend on the thread count.
void add(float* dst, const float* a, const float* b, Index n, int threads) {
  const Index blocks = (n + kAddBlock - 1) / kAddBlock;
#pragma omp parallel for num_threads(threads) schedule(static) if (blocks > 1 && threads > 1)
  for (Index k = 0; k < blocks; ++k) {
    const Index e0 = k * kAddBlock;
    add_run(dst + e0, a + e0, b + e0, std::min(n, e0 + kAddBlock) - e0);
  }
}

// One rank's part of the tree: its nodes, in the order they travel (left to right).
struct Span {
  int lo;
  int hi;
  int depth;
};

// The maximal nodes inside [a, b) below the root (the root itself only when it is a leaf).
void maximal_nodes(int lo, int hi, int depth, int a, int b, std::vector<Span>& out) {
  if (hi <= a || lo >= b) return;
  if (a <= lo && hi <= b && (depth > 0 || hi - lo == 1)) {
    out.push_back({lo, hi, depth});
    return;
  }
  const int mid = lo + (hi - lo) / 2;
  maximal_nodes(lo, mid, depth + 1, a, b, out);
  maximal_nodes(mid, hi, depth + 1, a, b, out);
}

}  // namespace

float* ShardTree::work(std::size_t slot, Index floats) {
  if (work_.size() <= slot) work_.resize(slot + 1);
  Floats& w = work_[slot];
  if (static_cast<Index>(w.size()) != floats) w.assign(static_cast<std::size_t>(floats), 0.0f);
  return w.data();
}

void ShardTree::combine(const Communicator* comm, int shards, Index nv, Index nh, int threads,
                        const std::function<void(int, GradientNode&)>& leaf, Gradient& out,
                        const ShardExtras* extras) {
  const int ranks = comm != nullptr ? comm->size() : 1;
  const int rank = comm != nullptr ? comm->rank() : 0;
  const bool exchange = ranks > 1;
  const Index nf = GradientNode::floats(nv, nh);
  const auto node_bytes = static_cast<std::int64_t>(nf) * static_cast<std::int64_t>(sizeof(float));

  // Every rank's nodes and the length of its region of the buffer (nodes, then its extra bytes
  // padded to 64: every node stays 64-byte aligned).
  std::vector<std::vector<Span>> nodes(static_cast<std::size_t>(ranks));
  std::vector<std::int64_t> lengths(static_cast<std::size_t>(ranks));
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(ranks));
  std::vector<std::size_t> extra_bytes(static_cast<std::size_t>(ranks), 0);
  std::int64_t total = 0;
  for (int r = 0; r < ranks; ++r) {
    const auto ru = static_cast<std::size_t>(r);
    maximal_nodes(0, shards, 0, first_shard(shards, r, ranks), first_shard(shards, r + 1, ranks),
                  nodes[ru]);
    if (exchange && extras != nullptr) extra_bytes[ru] = extras->bytes(r);
    const auto padded = static_cast<std::int64_t>((extra_bytes[ru] + 63) / 64 * 64);
    lengths[ru] = static_cast<std::int64_t>(nodes[ru].size()) * node_bytes + padded;
    offsets[ru] = total;
    total += lengths[ru];
  }
  buffer_.resize(static_cast<std::size_t>(total) / sizeof(float));
  auto* bytes = reinterpret_cast<std::byte*>(buffer_.data());
  const auto at = [&](int r, std::size_t k) {
    return buffer_.data() + (offsets[static_cast<std::size_t>(r)] + static_cast<std::int64_t>(k) * node_bytes) /
                                static_cast<std::int64_t>(sizeof(float));
  };

  // This rank's nodes, formed in its region: node [lo, hi) is [lo, mid) formed in place plus
  // [mid, hi) formed in work slot 2·(depth + 1) + 1.
  const std::function<void(int, int, int, float*)> form = [&](int lo, int hi, int depth, float* dst) {
    if (hi - lo == 1) {
      GradientNode g(dst, nv, nh);
      leaf(lo, g);
      return;
    }
    const int mid = lo + (hi - lo) / 2;
    form(lo, mid, depth + 1, dst);
    float* right = work(2 * static_cast<std::size_t>(depth + 1) + 1, nf);
    form(mid, hi, depth + 1, right);
    add(dst, dst, right, nf, threads);
  };
  const std::vector<Span>& mine = nodes[static_cast<std::size_t>(rank)];
  for (std::size_t k = 0; k < mine.size(); ++k) form(mine[k].lo, mine[k].hi, mine[k].depth, at(rank, k));

  if (exchange) {
    const auto ru = static_cast<std::size_t>(rank);
    std::span<std::byte> region(bytes + offsets[ru], static_cast<std::size_t>(lengths[ru]));
    std::span<std::byte> extra = region.subspan(mine.size() * static_cast<std::size_t>(node_bytes));
    std::fill(extra.begin(), extra.end(), std::byte{0});
    if (extra_bytes[ru] > 0) extras->write(extra.first(extra_bytes[ru]));
    comm->allgather_into(region, std::span<std::byte>(bytes, static_cast<std::size_t>(total)), lengths);
  }

  // The tree above the nodes: node [lo, hi) at `depth` is some rank's node, or the sum of its
  // children in work slot 2·depth + side.
  std::vector<std::size_t> cursor(static_cast<std::size_t>(ranks), 0);
  const std::function<const float*(int, int, int, int)> sum = [&](int lo, int hi, int depth,
                                                                  int side) -> const float* {
    for (int r = 0; r < ranks; ++r) {
      const auto ru = static_cast<std::size_t>(r);
      std::size_t& k = cursor[ru];
      if (k < nodes[ru].size() && nodes[ru][k].lo == lo && nodes[ru][k].hi == hi) return at(r, k++);
    }
    if (hi - lo == 1) throw Error(fmt::format("shard gradients: no rank formed shard {}", lo));
    const int mid = lo + (hi - lo) / 2;
    const float* l = sum(lo, mid, depth + 1, 0);
    const float* r = sum(mid, hi, depth + 1, 1);
    float* dst = work(2 * static_cast<std::size_t>(depth) + static_cast<std::size_t>(side), nf);
    add(dst, l, r, nf, threads);
    return dst;
  };
  const float* l = nullptr;
  const float* r = nullptr;
  if (shards == 1) {
    l = sum(0, 1, 0, 0);
  } else {
    const int mid = shards / 2;
    l = sum(0, mid, 1, 0);
    r = sum(mid, shards, 1, 1);
  }
  for (int q = 0; q < ranks; ++q) {
    if (cursor[static_cast<std::size_t>(q)] != nodes[static_cast<std::size_t>(q)].size()) {
      throw Error(fmt::format("shard gradients: the tree did not read rank {}'s nodes", q));
    }
  }

  // The root, added straight into `out`: first its tail (the biases' gradients and the batch
  // means, in GradientNode's order), which the centred step needs, then dW by blocks of rows,
  // each block stepped while in cache — the plain SGD step (fused_step) or the centred one
  // (centred_step, by the optimizer's own fixed row blocks).
  out.resize_binary(nv, nh);
  float* const tail[] = {out.da.data(), out.db.data(), out.batch_visible_mean.data(),
                         out.batch_hidden_mean.data()};
  const Index lengths_of_tail[] = {nv, nh, nv, nh};
  Index e = GradientNode::padded(nv * nh);
  for (int m = 0; m < 4; ++m) {
    if (r != nullptr) {
      add_run(tail[m], l + e, r + e, lengths_of_tail[m]);
    } else {
      std::memcpy(tail[m], l + e, static_cast<std::size_t>(lengths_of_tail[m]) * sizeof(float));
    }
    e += GradientNode::padded(lengths_of_tail[m]);
  }
  const FusedWeightStep* step = out.fused_step ? &*out.fused_step : nullptr;
  Optimizer* centred = step == nullptr ? out.centred_step : nullptr;
  if (centred != nullptr) centred->centred_begin(out);
  const Index band = centred != nullptr ? Optimizer::kCentredRows
                                        : std::max<Index>(1, kAddBlock / std::max<Index>(nh, 1));
  const Index bands = (nv + band - 1) / band;
#pragma omp parallel for num_threads(threads) schedule(static) if (bands > 1 && threads > 1)
  for (Index k = 0; k < bands; ++k) {
    const Index i0 = k * band;
    const Index n = std::min(nv, i0 + band) - i0;
    float* d = out.dW.data() + i0 * nh;
    if (r != nullptr) {
      add_run(d, l + i0 * nh, r + i0 * nh, n * nh);
    } else {
      std::memcpy(d, l + i0 * nh, static_cast<std::size_t>(n * nh) * sizeof(float));
    }
    if (step != nullptr) {
      sgd_momentum(step->velocity->data() + i0 * nh, step->weights->data() + i0 * nh, d, n * nh,
                   step->momentum, step->learning_rate);
    } else if (centred != nullptr) {
      centred->centred_block(k, out);
    }
  }
  out.weights_stepped = step != nullptr || centred != nullptr;

  if (exchange && extras != nullptr) {
    for (int q = 0; q < ranks; ++q) {
      const auto qu = static_cast<std::size_t>(q);
      if (q == rank || extra_bytes[qu] == 0) continue;
      const std::size_t begin = static_cast<std::size_t>(offsets[qu]) + nodes[qu].size() * static_cast<std::size_t>(node_bytes);
      extras->read(q, std::span<const std::byte>(bytes + begin, extra_bytes[qu]));
    }
  }
}

}  // namespace rgflow::train::detail
