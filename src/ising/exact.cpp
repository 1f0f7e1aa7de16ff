#include "rgflow/ising/exact.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "rgflow/core/error.hpp"

namespace rgflow::ising {

double critical_temperature() { return 2.0 / std::log(1.0 + std::numbers::sqrt2); }
double critical_coupling() { return 0.5 * std::log(1.0 + std::numbers::sqrt2); }

namespace {

void check_coupling(double K) {
  if (!std::isfinite(K) || K <= 0.0)
    throw Error("ising: coupling K = J/T must be positive and finite, got " + std::to_string(K));
}

// γ_l and its first two K-derivatives.
struct Gamma {
  double g, d1, d2;
};

Gamma gamma_l(int l, int L, double K) {
  const double s = std::sinh(2.0 * K), c = std::cosh(2.0 * K);
  if (l == 0) {  // signed γ_0 = 2K + ln tanh K
    return {2.0 * K + std::log(std::tanh(K)), 2.0 + 2.0 / s, -4.0 * c / (s * s)};
  }
  const double a = c * c / s;
  const double a1 = 2.0 * c - 2.0 * c / (s * s);
  const double a2 = 4.0 * s - 4.0 / s + 8.0 * c * c / (s * s * s);
  const double ch = a - std::cos(std::numbers::pi * l / L);  // cosh γ ≥ a − cos(π/L) > 1
  const double g = std::acosh(ch);
  const double sh = std::sinh(g);
  const double g1 = a1 / sh;
  return {g, g1, (a2 - ch * g1 * g1) / sh};
}

}  // namespace

ExactFinite kaufman(int L, double K) {
  check_coupling(K);
  if (L < 2) throw Error("ising: Kaufman's formula needs L >= 2, got " + std::to_string(L));
  const double N = static_cast<double>(L) * L;
  const double half_L = 0.5 * L;
  // Products j = 0: cosh, odd l; 1: sinh, odd l; 2: cosh, even l; 3: sinh, even l.
  // P_j = e^{S_j} · F_j (F_j = scaled l = 0 factor for j = 2, 3, else 1), and
  // (ln R_j)', (ln R_j)'' over the l ≠ 0 factors.
  std::array<double, 4> S{}, d1{}, d2{}, F{1, 1, 1, 1}, F1{}, F2{};
  for (int l = 1; l < 2 * L; ++l) {
    const Gamma gm = gamma_l(l, L, K);
    const double x = half_L * gm.g, x1 = half_L * gm.d1, x2 = half_L * gm.d2;
    const double e = std::exp(-2.0 * x);
    const double th = (1.0 - e) / (1.0 + e);  // tanh x
    const int base = (l % 2 == 1) ? 0 : 2;
    // cosh factor: ln(2cosh x) = x + log1p(e^{−2x}); (ln)' = tanh x · x'; (ln)'' = sech² x x'² + tanh x x''
    S[base] += x + std::log1p(e);
    d1[base] += th * x1;
    d2[base] += (1.0 - th * th) * x1 * x1 + th * x2;
    // sinh factor: coth x, −csch² x = 1 − coth² x
    const double ct = 1.0 / th;
    S[base + 1] += x + std::log1p(-e);
    d1[base + 1] += ct * x1;
    d2[base + 1] += (1.0 - ct * ct) * x1 * x1 + ct * x2;
  }
  {  // l = 0 factor, scaled by e^{−|x0|}: 2cosh x0 → 1 + e^{−2|x0|}, 2sinh x0 → sign(x0)(1 − e^{−2|x0|})
    const Gamma g0 = gamma_l(0, L, K);
    const double x = half_L * g0.g, x1 = half_L * g0.d1, x2 = half_L * g0.d2;
    const double ax = std::abs(x);
    const double e = std::exp(-2.0 * ax);
    const double sg = (x > 0.0) - (x < 0.0);
    const double ch = 1.0 + e, sh = sg * (1.0 - e);
    S[2] += ax;
    S[3] += ax;
    F[2] = ch, F1[2] = sh * x1, F2[2] = ch * x1 * x1 + sh * x2;
    F[3] = sh, F1[3] = ch * x1, F2[3] = sh * x1 * x1 + ch * x2;
  }
  const double M = *std::max_element(S.begin(), S.end());
  double sum = 0.0, sum1 = 0.0, sum2 = 0.0;
  for (int j = 0; j < 4; ++j) {
    const double w = std::exp(S[j] - M);
    sum += w * F[j];
    sum1 += w * (F1[j] + F[j] * d1[j]);
    sum2 += w * (F2[j] + 2.0 * F1[j] * d1[j] + F[j] * (d2[j] + d1[j] * d1[j]));
  }
  const double s2k = std::sinh(2.0 * K);
  ExactFinite r;
  r.log_z = -std::numbers::ln2 + 0.5 * N * std::log(2.0 * s2k) + M + std::log(sum);
  const double dlogz = N * std::cosh(2.0 * K) / s2k + sum1 / sum;
  const double d2logz = -2.0 * N / (s2k * s2k) + sum2 / sum - (sum1 / sum) * (sum1 / sum);
  r.energy_per_spin = -dlogz / N;
  r.specific_heat = K * K * d2logz / N;
  return r;
}

std::vector<std::uint64_t> enumerate_density_of_states(int L) {
  if (L < 1 || L > 5) throw Error("ising: enumeration needs 1 <= L <= 5, got " + std::to_string(L));
  const int N = L * L;
  std::vector<std::uint64_t> g(2 * N + 1, 0);
  const std::uint64_t states = std::uint64_t{1} << N;
  for (std::uint64_t s = 0; s < states; ++s) {
    int unsatisfied = 0;
    for (int y = 0; y < L; ++y)
      for (int x = 0; x < L; ++x) {
        const int i = y * L + x;
        const int right = y * L + (x + 1) % L, down = ((y + 1) % L) * L + x;
        unsatisfied += static_cast<int>(((s >> i) ^ (s >> right)) & 1u);
        unsatisfied += static_cast<int>(((s >> i) ^ (s >> down)) & 1u);
      }
    ++g[unsatisfied];
  }
  return g;
}

ExactFinite enumerate(int L, double K) {
  check_coupling(K);
  const auto g = enumerate_density_of_states(L);
  const double N = static_cast<double>(L) * L;
  // E_k = −2N + 2k; weights relative to the ground state to avoid overflow.
  double z = 0.0, e1 = 0.0, e2 = 0.0;
  for (std::size_t k = 0; k < g.size(); ++k) {
    if (g[k] == 0) continue;
    const double E = -2.0 * N + 2.0 * static_cast<double>(k);
    const double w = static_cast<double>(g[k]) * std::exp(-2.0 * K * static_cast<double>(k));
    z += w;
    e1 += w * E;
    e2 += w * E * E;
  }
  e1 /= z;
  e2 /= z;
  ExactFinite r;
  r.log_z = std::log(z) + 2.0 * K * N;
  r.energy_per_spin = e1 / N;
  r.specific_heat = K * K * (e2 - e1 * e1) / N;
  return r;
}

double onsager_energy_per_spin(double K) {
  check_coupling(K);
  const double t2 = std::tanh(2.0 * K);
  const double c2 = std::cosh(2.0 * K);
  const double kappa = 2.0 * std::sinh(2.0 * K) / (c2 * c2);
  if (std::abs(kappa - 1.0) < 1e-15) return -std::numbers::sqrt2;  // 0·∞ at K_c
  return -(1.0 / t2) * (1.0 + (2.0 / std::numbers::pi) * (2.0 * t2 * t2 - 1.0) *
                                  std::comp_ellint_1(kappa));
}

double onsager_specific_heat(double K) {
  // c = −K² du/dK, differentiating Onsager's u analytically (dK(k)/dk = E(k)/(k(1−k²)) − K(k)/k).
  check_coupling(K);
  const double t = std::tanh(2.0 * K);
  const double s = std::sinh(2.0 * K), ch = std::cosh(2.0 * K);
  const double kappa = 2.0 * s / (ch * ch);
  if (std::abs(kappa - 1.0) < 1e-15) return std::numeric_limits<double>::infinity();
  const double k1 = std::comp_ellint_1(kappa), e1 = std::comp_ellint_2(kappa);
  const double dk1 = e1 / (kappa * (1.0 - kappa * kappa)) - k1 / kappa;  // dK/dκ
  const double dkappa = (4.0 * ch * ch - 8.0 * s * s) / (ch * ch * ch);  // dκ/dK
  const double dt = 2.0 * (1.0 - t * t);                                  // d tanh 2K/dK
  const double two_pi = 2.0 / std::numbers::pi;
  const double bracket = 1.0 + two_pi * (2.0 * t * t - 1.0) * k1;
  const double dbracket = two_pi * (4.0 * t * dt * k1 + (2.0 * t * t - 1.0) * dk1 * dkappa);
  // u = −bracket / t  →  du/dK = bracket·dt/t² − dbracket/t
  const double du = bracket * dt / (t * t) - dbracket / t;
  return -K * K * du;
}

double yang_magnetization(double K) {
  check_coupling(K);
  if (K <= critical_coupling()) return 0.0;
  const double s = std::sinh(2.0 * K);
  return std::pow(1.0 - 1.0 / (s * s * s * s), 0.125);
}

}  // namespace rgflow::ising
