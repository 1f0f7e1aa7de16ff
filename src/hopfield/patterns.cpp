#include "rgflow/hopfield/patterns.hpp"

#include <fmt/format.h>

#include <cmath>

#include "rgflow/core/error.hpp"

namespace rgflow::hopfield {

MatrixF random_patterns(Index P, Index N, Rng& rng) {
  MatrixF xi(P, N);
  std::uint32_t word = 0;
  int bits = 0;
  for (Index mu = 0; mu < P; ++mu) {
    for (Index i = 0; i < N; ++i) {
      if (bits == 0) {
        word = rng();
        bits = 32;
      }
      xi(mu, i) = (word & 1u) != 0 ? 1.0f : -1.0f;
      word >>= 1;
      --bits;
    }
  }
  return xi;
}

VectorD symmetric_mixture(const MatrixF& patterns, Index k) {
  if (k < 1 || k % 2 == 0) throw Error(fmt::format("mixture of {} patterns: k must be odd", k));
  if (k > patterns.rows()) {
    throw Error(fmt::format("mixture of {} patterns: only {} stored", k, patterns.rows()));
  }
  const VectorD sum = patterns.topRows(k).cast<double>().colwise().sum().transpose();
  return sum.unaryExpr([](double x) { return x > 0.0 ? 1.0 : -1.0; });
}

double mixture_overlap(Index k) {
  // 2^{1−k} C(k−1, (k−1)/2) through lgamma, exact enough for any k used here.
  const double n = static_cast<double>(k - 1);
  return std::exp((1.0 - static_cast<double>(k)) * std::log(2.0) + std::lgamma(n + 1.0) -
                  2.0 * std::lgamma(0.5 * n + 1.0));
}

double mixture_energy_per_neuron(Index k) {
  const double m = mixture_overlap(k);
  return -0.5 * static_cast<double>(k) * m * m;
}

}  // namespace rgflow::hopfield
