#pragma once
// Restricted Boltzmann machine with run-time unit types on each layer (rbm/units.hpp: every unit
// type is a policy with self-energy U, coupling statistic t, conditional mean/sample and
// log-partition; Gaussian units carry a per-unit σ):
//
//   E(v,h) = Σ_i U_i(v_i) + Σ_j U_j(h_j) − t(v)ᵀ W t(h)
//     binary units: U(x) = −c x, t(x) = x, so E = −aᵀv − bᵀh − vᵀWh (a: visible bias, b: hidden
//     bias, W: [n_visible, n_hidden]; Hinton 2010, "A Practical Guide to Training RBMs", §16.1)
//     Gaussian units: U(x) = (x − c)²/(2σ²), t(x) = x/σ² (Cho, Raiko & Ilin 2011, eq. 3, for
//     visible units; the same form on the hidden side gives the Hopfield ↔ RBM map of Barra et
//     al. 2012 with σ = 1, c = 0)
//   p(v,h) = e^{−E(v,h)} / Z
//   F(v)   = Σ_i U_i(v_i) − Σ_j log_partition_j(φ_j),  φ_h = b + Wᵀ t(v)   so that p(v) = e^{−F(v)}/Z
//   F(h)   = Σ_j U_j(h_j) − Σ_i log_partition_i(φ_i),  φ_v = a + W t(h)
// with log_partition the closed-form sum (integral) over one unit (units.hpp; derivation of the
// Gaussian case in docs/gaussian.md). For Gaussian units p is a density: log p is in nats per unit
// volume.
//
// Storage and sampling are float32; free energies are returned in float64. Batches are
// row-major, one sample per row.
#include <string>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/units.hpp"

namespace rgflow {

class Rbm {
 public:
  Rbm() = default;
  Rbm(Index n_visible, Index n_hidden, UnitType visible = UnitType::bernoulli,
      UnitType hidden = UnitType::bernoulli);

  Index n_visible() const { return weights_.rows(); }
  Index n_hidden() const { return weights_.cols(); }
  UnitType visible_type() const { return visible_type_; }
  UnitType hidden_type() const { return hidden_type_; }
  // Both layers have finitely many states (Bernoulli or spin): what enumeration-, pseudo-
  // likelihood- and tempering-based tools need.
  bool binary() const;

  MatrixF& weights() { return weights_; }
  const MatrixF& weights() const { return weights_; }
  VectorF& visible_bias() { return visible_bias_; }
  const VectorF& visible_bias() const { return visible_bias_; }
  VectorF& hidden_bias() { return hidden_bias_; }
  const VectorF& hidden_bias() const { return hidden_bias_; }
  // σ_i of Gaussian visible units (all ones, and unused, for binary visible units).
  VectorF& visible_sigma() { return visible_sigma_; }
  const VectorF& visible_sigma() const { return visible_sigma_; }
  // σ_j of Gaussian hidden units (all ones, and unused, for binary hidden units).
  VectorF& hidden_sigma() { return hidden_sigma_; }
  const VectorF& hidden_sigma() const { return hidden_sigma_; }
  // Whether training updates the visible σ (through log σ, docs/gaussian.md); false: σ stays
  // fixed. Hidden σ are never trained.
  bool learn_sigma() const { return learn_sigma_; }
  void set_learn_sigma(bool learn) { learn_sigma_ = learn; }

  // The unit policies of each layer with their parameters (units.hpp): dispatch(visible_units(),
  // hidden_units(), f) runs f with the policy objects.
  LayerUnits visible_units() const { return {visible_type_, visible_bias_.data(), visible_sigma_.data()}; }
  LayerUnits hidden_units() const { return {hidden_type_, hidden_bias_.data(), hidden_sigma_.data()}; }

  // Optional connectivity mask M [n_visible, n_hidden], entries 0 or 1 (locally connected,
  // "Kadanoff" RBMs; docs/vrg-tools.md): W_ij is held at exactly 0 where M_ij = 0, by
  // initialize() and by train::Sgd::step. Empty (the default): fully connected.
  bool has_mask() const { return mask_.size() != 0; }
  const MatrixF& mask() const { return mask_; }
  // Sets the mask (an empty matrix clears it) and zeroes the masked weights. Throws Error for a
  // shape other than [n_visible, n_hidden] or an entry other than 0 and 1.
  void set_mask(MatrixF mask);
  // W ← W ∘ M (nothing without a mask).
  void apply_mask();

  // Hinton (2010) §8: W ~ N(0, weight_std²), hidden bias 0, and the visible bias of the
  // independent-unit model that matches the data's column means m (initial_bias in units.hpp:
  // log(p/(1−p)) Bernoulli, atanh(m) spin, m Gaussian; m clipped 1e-3 inside the binary range,
  // σ left as set). Without data the visible bias is 0.
  void initialize(Rng& rng, const MatrixF* data = nullptr, float weight_std = 0.01f);

  // E(v,h) for one configuration, in float64.
  double energy(const Eigen::Ref<const VectorF>& v, const Eigen::Ref<const VectorF>& h) const;
  // F(v) for each row of V.
  VectorD free_energy_visible(const MatrixF& V) const;
  // F(h) for each row of H.
  VectorD free_energy_hidden(const MatrixF& H) const;

  // φ_h = t(V) W + 1 bᵀ and φ_v = t(H) Wᵀ + 1 aᵀ (t the coupling statistic: the identity for
  // binary units, x/σ² for Gaussian ones, whose field is their conditional mean).
  void hidden_field(const MatrixF& V, MatrixF& field) const;
  void visible_field(const MatrixF& H, MatrixF& field) const;
  // E[h | v] and E[v | h] row by row (σ(φ) for Bernoulli, tanh φ for spin, φ for Gaussian).
  // Also the coupling statistic t(x) of a batch of one layer's states (units.hpp).
  void hidden_mean(const MatrixF& V, MatrixF& mean) const;
  void visible_mean(const MatrixF& H, MatrixF& mean) const;
  MatrixF visible_statistic(const MatrixF& V) const;
  MatrixF hidden_statistic(const MatrixF& H) const;
  // Draws h ~ p(h | v) (resp. v ~ p(v | h)) for each row; optionally also returns the means.
  // Gaussian units: x = φ + σ ξ with ξ = Rng::normal(), drawn row-major.
  void sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean = nullptr) const;
  void sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean = nullptr) const;
  // `steps` rounds of block Gibbs sampling v → h → v, in place; H holds the last hidden sample.
  void gibbs(MatrixF& V, MatrixF& H, int steps, Rng& rng) const;

  // Throws Error if shapes disagree, any parameter is not finite, a Gaussian σ is not > 0, or both
  // layers are Gaussian (E is then unbounded below for large W: not a distribution).
  void validate() const;
  // Throws FileError(source, ...) naming the first row/column whose value is not a state of the
  // visible unit type (Gaussian: not finite), or the wrong number of columns.
  void check_visible_data(const MatrixF& data, const std::string& source) const;

 private:
  MatrixF weights_;
  VectorF visible_bias_;
  VectorF hidden_bias_;
  MatrixF mask_;  // empty: fully connected
  VectorF visible_sigma_;
  VectorF hidden_sigma_;
  bool learn_sigma_ = false;
  UnitType visible_type_ = UnitType::bernoulli;
  UnitType hidden_type_ = UnitType::bernoulli;
};

}  // namespace rgflow
