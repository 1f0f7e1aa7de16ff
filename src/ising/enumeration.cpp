#include "rgflow/ising/enumeration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "rgflow/core/error.hpp"

namespace rgflow::ising {

ExactIsing enumerate_periodic_ising(int size, double coupling) {
  if (size < 2 || size > kMaxExactIsingSize) {
    throw Error(fmt::format("lattice side {}: exact enumeration supports 2 <= L <= {}", size,
                            kMaxExactIsingSize));
  }
  const int n = size * size;
  const std::uint64_t states = std::uint64_t{1} << n;
  ExactIsing m;
  m.size = size;
  m.coupling = coupling;
  m.log_prob.resize(states);
  std::vector<double> bond_sum(states);
  double max_log_w = -INFINITY;
  for (std::uint64_t s = 0; s < states; ++s) {
    int sum = 0;
    for (int r = 0; r < size; ++r) {
      for (int c = 0; c < size; ++c) {
        const int i = r * size + c;
        const int right = r * size + (c + 1) % size;
        const int down = ((r + 1) % size) * size + c;
        const int si = (s >> i) & 1 ? 1 : -1;
        sum += si * (((s >> right) & 1) ? 1 : -1);
        sum += si * (((s >> down) & 1) ? 1 : -1);
      }
    }
    bond_sum[s] = sum;
    m.log_prob[s] = coupling * sum;
    max_log_w = std::max(max_log_w, m.log_prob[s]);
  }
  double z = 0.0;
  for (double lw : m.log_prob) z += std::exp(lw - max_log_w);
  m.log_z = max_log_w + std::log(z);
  double mean_log_p = 0.0;
  for (double& lp : m.log_prob) {
    lp -= m.log_z;
    mean_log_p += std::exp(lp) * lp;
  }
  m.entropy = -mean_log_p;
  return m;
}

MatrixF all_spin_states(int n_sites) {
  const Index states = Index{1} << n_sites;
  MatrixF x(states, n_sites);
  for (Index s = 0; s < states; ++s) {
    for (int i = 0; i < n_sites; ++i) x(s, i) = ((s >> i) & 1) ? 1.0f : -1.0f;
  }
  return x;
}

MatrixF sample_exact(const ExactIsing& model, Index n, Rng& rng) {
  const int sites = model.size * model.size;
  std::vector<double> cdf(model.log_prob.size());
  double acc = 0.0;
  for (std::size_t s = 0; s < cdf.size(); ++s) {
    acc += std::exp(model.log_prob[s]);
    cdf[s] = acc;
  }
  MatrixF x(n, sites);
  for (Index r = 0; r < n; ++r) {
    const double u = rng.uniform_double() * acc;
    auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    if (it == cdf.end()) --it;
    const auto s = static_cast<std::uint64_t>(it - cdf.begin());
    for (int i = 0; i < sites; ++i) x(r, i) = ((s >> i) & 1) ? 1.0f : -1.0f;
  }
  return x;
}

}  // namespace rgflow::ising
