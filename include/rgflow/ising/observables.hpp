#pragma once
// Thermodynamic estimates with error bars from per-configuration energy and magnetisation
// (per spin, e = H/N, m = Σs/N), N = L² spins at temperature T:
//   energy_per_spin         ⟨e⟩                                  (autocorrelation error)
//   specific_heat_per_spin  c = N (⟨e²⟩ − ⟨e⟩²) / T²             (block jackknife)
//   abs_magnetization       ⟨|m|⟩                                (autocorrelation error)
//   susceptibility          χ = N (⟨m²⟩ − ⟨|m|⟩²) / T            (jackknife; the finite-size
//                           convention with |m|, e.g. Landau & Binder, "A Guide to Monte Carlo
//                           Simulations in Statistical Physics", §4.2)
//   binder                  U = 1 − ⟨m⁴⟩ / (3 ⟨m²⟩²)             (jackknife; Binder, Z. Phys. B
//                           43, 119 (1981))
//   tau_int                 integrated autocorrelation time of e, in measurements of one chain
//                           (Sokal windowing; error ≈ τ sqrt(2(2W+1)/n))
// Series are in the samplers' layout (see stats/series.hpp): R chains interleaved. When fewer
// than two full rounds exist, samples are treated as independent.
#include <cstddef>
#include <span>

#include "rgflow/stats/result.hpp"

namespace rgflow::ising {

struct Observables {
  stats::Result energy_per_spin;
  stats::Result specific_heat_per_spin;
  stats::Result abs_magnetization;
  stats::Result susceptibility;
  stats::Result binder;
  stats::Result tau_int;
};

Observables summarize(std::span<const double> energy, std::span<const double> magnetization,
                      std::size_t chains, int L, double temperature);

}  // namespace rgflow::ising
