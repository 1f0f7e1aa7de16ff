#include "rgflow/rg/rsmi_exact.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/rg/coarse_graining.hpp"

namespace rgflow::rg {

double rsmi_chain_information(double K, int L, int buffer, const MatrixD& filter, bool deterministic) {
  const Index M = filter.rows(), b = filter.cols();
  if (!std::isfinite(K)) throw Error("exact chain information: K must be finite");
  if (M < 1 || M > 4 || b < 1 || b > 16) throw Error("exact chain information: the filter must be [1..4, 1..16]");
  if (!filter.allFinite()) throw Error("exact chain information: the filter must be finite");
  if (buffer < 0 || b + 2 * buffer + 2 > L)
    throw Error(fmt::format("exact chain information: block {} + 2 x buffer {} + 2 does not fit a ring of {}", b, buffer, L));
  // Transfer-matrix powers scaled by λ₊^k (ratios r = tanh K) so that large L does not overflow:
  // T^k(s, s') / λ₊^k = (1 + s s' r^k) / 2; Z / λ₊^L = 1 + r^L.
  const double r = std::tanh(K);
  auto tk = [&](int k, int s, int t) { return 0.5 * (1.0 + s * t * std::pow(r, k)); };
  const double lp = 2.0 * std::cosh(K);
  const double z = 1.0 + std::pow(r, L);
  const int inner = static_cast<int>(b) - 1;  // bonds inside the block: e^{K v v'} / λ₊ each
  const Index S = Index{1} << M;
  // joint[h][el][er]
  std::vector<double> joint(static_cast<std::size_t>(S * 4), 0.0);
  std::vector<int> v(static_cast<std::size_t>(b));
  for (std::uint32_t bits = 0; bits < (1u << b); ++bits) {
    for (Index i = 0; i < b; ++i) v[static_cast<std::size_t>(i)] = ((bits >> i) & 1u) ? 1 : -1;
    double inside = 1.0;
    for (int i = 0; i < inner; ++i) inside *= std::exp(K * v[static_cast<std::size_t>(i)] * v[static_cast<std::size_t>(i + 1)]) / lp;
    std::vector<double> q(static_cast<std::size_t>(M));
    for (Index j = 0; j < M; ++j) {
      double a = 0.0;
      for (Index i = 0; i < b; ++i) a += filter(j, i) * v[static_cast<std::size_t>(i)];
      q[static_cast<std::size_t>(j)] = deterministic ? 0.5 * (1 + filter_sign(a, filter.row(j).cwiseAbs().sum()))
                                                     : 1.0 / (1.0 + std::exp(-2.0 * a));
    }
    for (int el = -1; el <= 1; el += 2)
      for (int er = -1; er <= 1; er += 2) {
        const double w = tk(buffer + 1, el, v.front()) * inside * tk(buffer + 1, v.back(), er) *
                         tk(L - static_cast<int>(b) - 2 * buffer - 1, er, el) / z;
        for (Index s = 0; s < S; ++s) {
          double p = 1.0;
          for (Index j = 0; j < M; ++j) p *= ((s >> j) & 1) ? q[static_cast<std::size_t>(j)] : 1.0 - q[static_cast<std::size_t>(j)];
          joint[static_cast<std::size_t>(s * 4 + (el > 0) * 2 + (er > 0))] += w * p;
        }
      }
  }
  std::vector<double> ph(static_cast<std::size_t>(S), 0.0), pe(4, 0.0);
  for (Index s = 0; s < S; ++s)
    for (int k = 0; k < 4; ++k) {
      ph[static_cast<std::size_t>(s)] += joint[static_cast<std::size_t>(s * 4 + k)];
      pe[static_cast<std::size_t>(k)] += joint[static_cast<std::size_t>(s * 4 + k)];
    }
  double info = 0.0;
  for (Index s = 0; s < S; ++s)
    for (int k = 0; k < 4; ++k) {
      const double p = joint[static_cast<std::size_t>(s * 4 + k)];
      if (p > 0.0) info += p * std::log(p / (ph[static_cast<std::size_t>(s)] * pe[static_cast<std::size_t>(k)]));
    }
  return std::max(0.0, info);
}

}  // namespace rgflow::rg
