#include "rgflow/ising/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "rgflow/core/error.hpp"

namespace rgflow::ising {
namespace {
Threshold fk_bond(const Model& model, const char* name) {
  model.validate();
  if (!(model.coupling > 0.0) || model.field != 0.0)
    throw Error(std::string(name) + " needs a ferromagnetic coupling (J > 0) and zero field");
  return Threshold::from_probability(-std::expm1(-2.0 * model.coupling / model.temperature));
}
}  // namespace

Wolff::Wolff(const Model& model) : L_(model.L), bond_(fk_bond(model, "Wolff")) {
  stack_.reserve(static_cast<std::size_t>(model.sites()));
}

std::int64_t Wolff::flip_cluster(std::span<std::int8_t> s, Rng& rng) {
  const int L = L_;
  const int seed = static_cast<int>(rng.below(static_cast<std::uint64_t>(L) * L));
  const std::int8_t s0 = s[seed];
  const auto flipped = static_cast<std::int8_t>(-s0);
  s[seed] = flipped;  // flipping on entry marks the site as in the cluster
  stack_.clear();
  stack_.push_back(seed);
  std::int64_t size = 1;
  while (!stack_.empty()) {
    const int i = stack_.back();
    stack_.pop_back();
    const int nbrs[4] = {left_of(i, L), right_of(i, L), up_of(i, L), down_of(i, L)};
    for (int j : nbrs) {
      if (s[j] == s0 && bond_.accept(rng.next_u64())) {
        s[j] = flipped;
        stack_.push_back(j);
        ++size;
      }
    }
  }
  return size;
}

void Wolff::sweep(std::span<std::int8_t> s, Rng& rng) {
  if (clusters_per_sweep_ > 0) {
    for (std::int64_t k = 0; k < clusters_per_sweep_; ++k) flip_cluster(s, rng);
    return;
  }
  const std::int64_t n = static_cast<std::int64_t>(L_) * L_;
  for (std::int64_t done = 0; done < n;) {
    const std::int64_t size = flip_cluster(s, rng);
    done += size;
    flipped_ += size;
    ++clusters_;
  }
}

void Wolff::end_thermalization(std::span<std::int8_t> s, Rng& rng) {
  if (clusters_ == 0) sweep(s, rng);
  const double n = static_cast<double>(L_) * L_;
  const double mean_size = static_cast<double>(flipped_) / static_cast<double>(clusters_);
  clusters_per_sweep_ = std::max<std::int64_t>(1, std::llround(n / mean_size));
}

SwendsenWang::SwendsenWang(const Model& model) : L_(model.L), bond_(fk_bond(model, "Swendsen-Wang")) {
  const auto n = static_cast<std::size_t>(model.sites());
  parent_.resize(n);
  size_.resize(n);
  flip_.resize(n);
}

int SwendsenWang::find(int i) {
  while (parent_[i] != i) {
    parent_[i] = parent_[parent_[i]];  // path halving
    i = parent_[i];
  }
  return i;
}

void SwendsenWang::unite(int a, int b) {
  a = find(a);
  b = find(b);
  if (a == b) return;
  if (size_[a] < size_[b]) std::swap(a, b);
  parent_[b] = a;
  size_[a] += size_[b];
}

void SwendsenWang::sweep(std::span<std::int8_t> s, Rng& rng) {
  const int L = L_;
  const int N = L * L;
  for (int i = 0; i < N; ++i) {
    parent_[i] = i;
    size_[i] = 1;
    flip_[i] = -1;  // undecided
  }
  for (int i = 0; i < N; ++i) {
    const int r = right_of(i, L), d = down_of(i, L);
    if (s[i] == s[r] && bond_.accept(rng.next_u64())) unite(i, r);
    if (s[i] == s[d] && bond_.accept(rng.next_u64())) unite(i, d);
  }
  std::uint32_t bits = 0;
  int bits_left = 0;
  for (int i = 0; i < N; ++i) {
    const int root = find(i);
    if (flip_[root] < 0) {
      if (bits_left == 0) {
        bits = rng();
        bits_left = 32;
      }
      flip_[root] = static_cast<std::int8_t>(bits & 1u);
      bits >>= 1;
      --bits_left;
    }
    if (flip_[root]) s[i] = static_cast<std::int8_t>(-s[i]);
  }
}

}  // namespace rgflow::ising
