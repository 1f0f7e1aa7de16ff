#include "rgflow/soc/exact.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/soc/sandpile.hpp"

namespace rgflow::soc {

namespace {

__extension__ typedef __int128 Int128;

void check_side(int L) {
  if (L < 1 || L > kMaxSide) throw Error(fmt::format("lattice side {} outside 1..{}", L, kMaxSide));
}

}  // namespace

std::uint64_t toppling_determinant(int L) {
  if (L < 1 || L > kMaxExactDeterminantSide)
    throw Error(fmt::format("exact det of the toppling matrix needs 1 <= L <= {}, got {}",
                            kMaxExactDeterminantSide, L));
  const int n = L * L;
  std::vector<Int128> a(static_cast<std::size_t>(n) * n, 0);
  auto at = [&](int i, int j) -> Int128& { return a[static_cast<std::size_t>(i) * n + j]; };
  for (int i = 0; i < n; ++i) {
    at(i, i) = 4;
    const int x = i % L, y = i / L;
    if (x > 0) at(i, i - 1) = -1;
    if (x < L - 1) at(i, i + 1) = -1;
    if (y > 0) at(i, i - L) = -1;
    if (y < L - 1) at(i, i + L) = -1;
  }
  // Bareiss: after step k every entry (i, j > k) is a (k+2)-minor of Δ, so the divisions are
  // exact. Δ is positive definite: its leading minors are positive and no pivoting is needed.
  Int128 previous = 1;
  for (int k = 0; k < n - 1; ++k) {
    if (at(k, k) <= 0) throw std::logic_error("toppling_determinant: non-positive leading minor");
    for (int i = k + 1; i < n; ++i)
      for (int j = k + 1; j < n; ++j) at(i, j) = (at(i, j) * at(k, k) - at(i, k) * at(k, j)) / previous;
    previous = at(k, k);
  }
  const Int128 det = at(n - 1, n - 1);
  if (det <= 0 || det > static_cast<Int128>(std::numeric_limits<std::uint64_t>::max()))
    throw std::logic_error("toppling_determinant: out of range");
  return static_cast<std::uint64_t>(det);
}

double log_toppling_determinant(int L) {
  check_side(L);
  const double h = std::numbers::pi / (L + 1);
  std::vector<double> c(static_cast<std::size_t>(L));
  for (int m = 1; m <= L; ++m) c[static_cast<std::size_t>(m - 1)] = 2.0 - 2.0 * std::cos(h * m);
  long double s = 0.0L;
  for (int m = 0; m < L; ++m)
    for (int n = 0; n < L; ++n) s += std::log(static_cast<long double>(c[static_cast<std::size_t>(m)]) + c[static_cast<std::size_t>(n)]);
  return static_cast<double>(s);
}

double mean_avalanche_size(int L) {
  check_side(L);
  const double h = std::numbers::pi / (L + 1);
  std::vector<double> lam(static_cast<std::size_t>(L)), proj(static_cast<std::size_t>(L));
  const double norm = std::sqrt(2.0 / (L + 1));
  for (int m = 1; m <= L; ++m) {
    lam[static_cast<std::size_t>(m - 1)] = 2.0 - 2.0 * std::cos(h * m);
    // Σ_{x=1..L} sin(m h x) = sin(m h L/2) sin(m h (L+1)/2) / sin(m h/2): 0 for even m.
    double s = 0.0;
    if (m % 2 == 1) s = std::sin(m * h * L / 2.0) * std::sin(m * h * (L + 1) / 2.0) / std::sin(m * h / 2.0);
    proj[static_cast<std::size_t>(m - 1)] = norm * s;
  }
  long double total = 0.0L;
  for (int m = 0; m < L; ++m) {
    const double pm = proj[static_cast<std::size_t>(m)] * proj[static_cast<std::size_t>(m)];
    if (pm == 0.0) continue;
    for (int n = 0; n < L; ++n) {
      const double pn = proj[static_cast<std::size_t>(n)] * proj[static_cast<std::size_t>(n)];
      total += static_cast<long double>(pm * pn / (lam[static_cast<std::size_t>(m)] + lam[static_cast<std::size_t>(n)]));
    }
  }
  return static_cast<double>(total / (static_cast<long double>(L) * L));
}

std::array<double, 4> infinite_lattice_height_probabilities() {
  constexpr double pi = std::numbers::pi;
  constexpr double pi2 = pi * pi, pi3 = pi2 * pi;
  return {2.0 / pi2 - 4.0 / pi3,
          0.25 - 1.0 / (2.0 * pi) - 3.0 / pi2 + 12.0 / pi3,
          0.375 + 1.0 / pi - 12.0 / pi3,
          0.375 - 1.0 / (2.0 * pi) + 1.0 / pi2 + 4.0 / pi3};
}

}  // namespace rgflow::soc
