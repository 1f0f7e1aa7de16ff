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
//
// Conservation (docs/vrg-tools.md, "Free energy across layers"). An RG step with kernel T(h|x)
// (Σ_h T = 1) maps e^{−H_k(x)} to e^{−H̃_{k+1}(h)} = Σ_x T(h|x) e^{−H_k(x)}, so Σ_h e^{−H̃_{k+1}} =
// Z_k exactly. H̃_{k+1} = −K_∅^{(k+1)} + H'_{k+1} carries a field-independent constant; gauge
// fixing drops it, so F'_k alone is not conserved (1D decimation at K: F'_{k+1} − F'_k =
// (n_k/2) ln(2√cosh 2K) per step). In a DBN the kernel is p_k(h|x), whence H̃_{k+1}(h) = F^h_k(h)
// − ⟨F_k⟩_uniform (F^h_k: RBM k's free energy of its hidden units) and the constant the step
// generates is
//   K_∅^{(k+1)} = ⟨F_k⟩_uniform − ⟨F^h_k⟩_uniform.
// An exact RG has H'_{k+1} = layer k+1's gauge-fixed H'_{k+1}, i.e. F'_k = F'_{k+1} − K_∅^{(k+1)}.
// The change per original site with the constant kept is therefore
//   Δ_k = (F'_{k+1} − K_∅^{(k+1)} − F'_k) / n_0
//       = [log Z_k − log Z_{k+1} + ⟨F^h_k⟩_u − ⟨F_{k+1}⟩_u] / n_0
//       = ⟨log p_{k+1}(h) − log p^h_k(h)⟩_{h uniform} / n_0,
// the mean log-ratio (over uniform states of level k+1) of layer k+1's model to layer k's own hidden
// marginal p^h_k = e^{−F^h_k}/Z_k: 0 whenever layer k+1 represents exactly the distribution layer k
// hands up (an exact RG step; then the DBN's marginal is layer k's), free of any gauge. The
// conservation metric is C = Σ_k |Δ_k| (errors in quadrature); the free energy per site with every
// constant kept, F^kept_k = F'_k − Σ_{j<k} K_∅^{(j+1)} = F'_0 + n_0 Σ_{j<k} Δ_j, equals F'_0 =
// −ln Z_Ising for every layer of an exact RG of the Ising model.
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
  // Below the top layer only (0 on the top layer, whose hidden level no model reads):
  stats::Result hidden_uniform_mean;   // ⟨F^h_k⟩_uniform (RBM k's hidden free energy)
  stats::Result generated_constant;    // K_∅^{(k+1)} = ⟨F_k⟩_u − ⟨F^h_k⟩_u, the step's constant
  stats::Result kept_free_energy_per_site;  // F^kept_k / n_0 = F'_0/n_0 + Σ_{j<k} Δ_j
};

struct LatticeFreeEnergy {
  std::vector<LayerFreeEnergy> layers;
  std::vector<stats::Result> change_per_site;  // Δ_k (constants kept), k = 0 … L−2
  stats::Result conservation;                  // C = Σ |Δ_k| (error: √Σ σ²; 0 for one layer)
  std::optional<double> ising_per_site;        // f_Ising = −log Z_Kaufman(L, 1/T) / L²
};

// Throws Error for bad shapes, options, or a temperature ≤ 0.
LatticeFreeEnergy lattice_free_energy(const Dbn& dbn, const MatrixF& data,
                                      const LatticeFreeEnergyOptions& options);

// Hand-built exact RGs, the positive controls of the conservation metric (C = 0; docs/vrg-tools.md).
//
// decimation_chain_dbn: a DBN of `layers` spin RBMs on a ring of `sites` spins, each a 1D
// decimation. Layer k (n_k = sites/2^k visible, n_k/2 hidden) ties hidden j to visible 2j with
// `copy_weight` and to visibles 2j ± 1 with K_k. Summing h_j gives 2cosh(W v_2j + K_k (v_2j−1 +
// v_2j+1)) = e^{W} e^{K_k v_2j (v_2j−1 + v_2j+1)} (1 + O(e^{−2(W − 2K_k)})): the visible marginal
// is the n_k-ring at K_k. Summing the visibles gives (2cosh W)^{n_k/2} Π_j 2cosh(K_k (h_j + h_j+1))
// = const · e^{K_{k+1} Σ h_j h_j+1}, K_{k+1} = ½ ln cosh 2K_k = atanh(tanh² K_k), for any W: the
// hidden marginal is exactly the decimated ring, which layer k+1 models. The weights are float32,
// so K_0 is moved from `coupling` by at most 64 float ulps (≤ 4e-6 at K ~ 1) to the value whose
// K_1 rounds to float32 most closely (the first step then is exact to ~1e-11 per site; deeper
// steps carry float32 rounding of K_k, ≤ 3e-8 relative). Requires sites divisible by 2^layers,
// sites/2^(layers−1) ≥ 4, coupling > 0, copy_weight ≥ 10.
Dbn decimation_chain_dbn(Index sites, double coupling, Index layers, double copy_weight = 20.0);

// checkerboard_decimation_dbn: a two-layer spin DBN on the L × L periodic lattice (L even ≥ 4),
// the decimation of one sublattice of the 2D Ising model at K. Layer 0: L² visible, L²/2 hidden
// (one per black site b, (x + y) even): weight `copy_weight` on v_b and K on its four white
// neighbours, so the visible marginal is the Ising model at K (every bond has one black end; up to
// O(e^{−2(W − 4K)})). Summing the visibles leaves (2cosh W)^{L²/2} Π_white w 2cosh(K Σ_{b ~ w} h_b):
// the renormalised Hamiltonian of the black sublattice, with its nearest-neighbour (diagonal),
// next-nearest and four-spin couplings. It is exactly the visible marginal of layer 1: L²/2
// visible (black) and L²/2 hidden units (white sites) with weight K to the four black neighbours,
// all biases 0 (the decimated spins return as hidden units). Same float K in both layers: the
// step is exact. Layer 1's own hidden marginal is the renormalised Hamiltonian of the white
// sublattice.
Dbn checkerboard_decimation_dbn(int L, double coupling, double copy_weight = 20.0);

}  // namespace rgflow::rg
