#pragma once
// Free energy across the layers of a DBN trained on lattice data, next to the exact Ising free
// energy (docs/vrg-tools.md).
//
// The RBM of layer k defines H_k(x) = F_k(x) on its n_k visible units, but only up to a constant
// (shifting a bias of the other side shifts F_k and log Z_k together). rgflow fixes that gauge as
// Ising's H = −K Σ s_i s_j has it: zero mean over uniformly random states,
//   H'_k(x) = F_k(x) − ⟨F_k⟩_uniform,   ⟨F_k⟩_uniform = −K_∅ (rg/couplings.hpp: exact or Monte Carlo),
//   F'_k = −log Σ_x e^{−H'_k(x)} = −log Z_k − ⟨F_k⟩_uniform,
// so that an RBM whose marginal equals the Ising distribution at K has F'_0 = −log Z_Ising(L, K)
// (Kaufman) exactly. Reported per layer:
//   f_k = F'_k / n_k              (free energy per unit at scale k)
//   F'_k / n_0                    (per site of the original lattice: each unit stands for n_0/n_k)
//   Ising: f = −log Z_Ising / L²  per site, and (n_0/n_k)·f per unit at scale k (size-extensive)
// The seed's conjecture ("the better model conserves the free energy between layers") is measured
// by the change between consecutive layers per original site, Δ_k = (F'_{k+1} − F'_k)/n_0, and
// the conservation metric C = Σ_k |Δ_k| (errors in quadrature).
#include <optional>
#include <vector>

#include "rgflow/estimate/free_energy_flow.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rg/couplings.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

struct LatticeFreeEnergyOptions {
  estimate::FlowOptions flow;     // propagation and log Z (exact or AIS) per layer
  CouplingOptions gauge;          // ⟨F_k⟩_uniform (side is forced to visible)
  std::optional<double> temperature;  // Ising T of the data (J = 1), for the exact columns
  int lattice_size = 0;           // L (n_0 = L²); 0: no Ising columns
};

struct LayerFreeEnergy {
  estimate::LayerFlow flow;        // F̄_k, log Z_k, ℓ_k from estimate::free_energy_flow
  stats::Result uniform_mean;      // ⟨F_k⟩_uniform
  stats::Result free_energy;       // F'_k
  stats::Result free_energy_per_unit;  // F'_k / n_k
  stats::Result free_energy_per_site;  // F'_k / n_0
  double sites_per_unit = 1.0;     // n_0 / n_k
  std::optional<double> ising_per_unit;  // (n_0/n_k) f_Ising
};

struct LatticeFreeEnergy {
  std::vector<LayerFreeEnergy> layers;
  std::vector<stats::Result> change_per_site;  // Δ_k, k = 0 … L−2
  stats::Result conservation;                  // C = Σ |Δ_k| (error: √Σ σ²; 0 for one layer)
  std::optional<double> ising_per_site;        // f_Ising = −log Z_Kaufman(L, 1/T) / L²
};

// Throws Error for bad shapes, options, or a temperature ≤ 0.
LatticeFreeEnergy lattice_free_energy(const Dbn& dbn, const MatrixF& data,
                                      const LatticeFreeEnergyOptions& options);

}  // namespace rgflow::rg
