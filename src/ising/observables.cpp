#include "rgflow/ising/observables.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "rgflow/stats/series.hpp"

namespace rgflow::ising {

Observables summarize(std::span<const double> energy, std::span<const double> magnetization,
                      std::size_t chains, int L, double T) {
  if (energy.size() != magnetization.size())
    throw std::invalid_argument("summarize: energy and magnetisation series differ in length");
  if (chains == 0) chains = 1;
  // Use whole rounds only; with fewer than two, the chains' samples are independent draws.
  std::size_t n = energy.size() - energy.size() % chains;
  if (n / chains < 2) {
    chains = 1;
    n = energy.size();
  }
  const auto e = energy.first(n);
  std::vector<double> e2(n), am(n), m2(n), m4(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double m = magnetization[i];
    e2[i] = e[i] * e[i];
    am[i] = std::abs(m);
    m2[i] = m * m;
    m4[i] = m2[i] * m2[i];
  }
  const double N = static_cast<double>(L) * L;
  Observables o;
  o.energy_per_spin = stats::autocorrelation_analysis(e, chains);
  o.abs_magnetization = stats::autocorrelation_analysis(am, chains);
  o.specific_heat_per_spin = stats::jackknife(
      {e, e2}, chains, [&](std::span<const double> v) { return N * (v[1] - v[0] * v[0]) / (T * T); });
  o.susceptibility = stats::jackknife(
      {am, m2}, chains, [&](std::span<const double> v) { return N * (v[1] - v[0] * v[0]) / T; });
  o.binder = stats::jackknife({m2, m4}, chains, [](std::span<const double> v) {
    return v[0] > 0.0 ? 1.0 - v[1] / (3.0 * v[0] * v[0]) : 0.0;
  });
  const auto tau = stats::integrated_autocorrelation_time(e, chains);
  o.tau_int = {tau.tau, tau.error, tau.tau, static_cast<std::int64_t>(n)};
  return o;
}

}  // namespace rgflow::ising
