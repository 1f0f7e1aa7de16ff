#pragma once
// Restricted Boltzmann machine with run-time unit types on each layer.
//
//   E(v,h) = −aᵀv − bᵀh − vᵀWh                       (a: visible bias, b: hidden bias,
//                                                     W: [n_visible, n_hidden])
//   p(v,h) = e^{−E(v,h)} / Z
//   F(v)   = −aᵀv − Σ_j log Σ_{h_j} e^{h_j (b_j + W_{:j}ᵀ v)}     so that p(v) = e^{−F(v)} / Z
//   F(h)   = −bᵀh − Σ_i log Σ_{v_i} e^{v_i (a_i + W_{i:} h)}       so that p(h) = e^{−F(h)} / Z
// (Hinton 2010, "A Practical Guide to Training RBMs", §16.1; Smolensky 1986.)
//
// Gaussian visible units (real-valued data), Cho, Raiko & Ilin (2011), "Improved learning of
// Gaussian-Bernoulli restricted Boltzmann machines", eq. (3), with σ_i > 0 per visible unit:
//   E(v,h) = Σ_i (v_i − a_i)²/(2σ_i²) − bᵀh − Σ_ij (v_i/σ_i²) W_ij h_j
//   p(v_i | h) = N(a_i + W_{i:} h, σ_i²),   hidden field φ_h = b + Wᵀ(v/σ²)
//   F(v)   = Σ_i (v_i − a_i)²/(2σ_i²) − Σ_j log Σ_{h_j} e^{h_j (b_j + Σ_i W_ij v_i/σ_i²)}
//   F(h)   = −bᵀh − Σ_i [((a_i + W_{i:} h)² − a_i²)/(2σ_i²) + ½ log(2π σ_i²)]
// (F(h) is the closed-form Gaussian integral over v; derivation in docs/gaussian.md). p(v) is a
// density: log p(v) is in nats per unit volume of v. Hidden units stay Bernoulli or spin.
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

  MatrixF& weights() { return weights_; }
  const MatrixF& weights() const { return weights_; }
  VectorF& visible_bias() { return visible_bias_; }
  const VectorF& visible_bias() const { return visible_bias_; }
  VectorF& hidden_bias() { return hidden_bias_; }
  const VectorF& hidden_bias() const { return hidden_bias_; }
  // σ_i of Gaussian visible units (all ones, and unused, for binary visible units).
  VectorF& visible_sigma() { return visible_sigma_; }
  const VectorF& visible_sigma() const { return visible_sigma_; }
  // Whether training updates σ (through log σ, docs/gaussian.md); false: σ stays fixed.
  bool learn_sigma() const { return learn_sigma_; }
  void set_learn_sigma(bool learn) { learn_sigma_ = learn; }

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

  // Hinton (2010) §8: W ~ N(0, weight_std²), hidden bias 0, visible bias log(p/(1−p)) with p the
  // data's mean activity (Bernoulli) or a = atanh(m) with m the mean spin (spin); p is clipped
  // to [1e-3, 1−1e-3]. Gaussian: a = the data's column means (σ is left as set). Without data
  // the visible bias is 0.
  void initialize(Rng& rng, const MatrixF* data = nullptr, float weight_std = 0.01f);

  // E(v,h) for one configuration, in float64.
  double energy(const Eigen::Ref<const VectorF>& v, const Eigen::Ref<const VectorF>& h) const;
  // F(v) for each row of V.
  VectorD free_energy_visible(const MatrixF& V) const;
  // F(h) for each row of H.
  VectorD free_energy_hidden(const MatrixF& H) const;

  // φ_h = V W + 1 bᵀ and φ_v = H Wᵀ + 1 aᵀ (Gaussian visible: φ_h = (V/σ²) W + 1 bᵀ, and φ_v is
  // the conditional mean a + W h).
  void hidden_field(const MatrixF& V, MatrixF& field) const;
  void visible_field(const MatrixF& H, MatrixF& field) const;
  // E[h | v] and E[v | h] row by row (σ(φ) for Bernoulli, tanh φ for spin, φ for Gaussian).
  void hidden_mean(const MatrixF& V, MatrixF& mean) const;
  void visible_mean(const MatrixF& H, MatrixF& mean) const;
  // Draws h ~ p(h | v) (resp. v ~ p(v | h)) for each row; optionally also returns the means.
  // Gaussian v: v_i = φ_i + σ_i ξ with ξ = Rng::normal(), drawn row-major.
  void sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean = nullptr) const;
  void sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean = nullptr) const;
  // `steps` rounds of block Gibbs sampling v → h → v, in place; H holds the last hidden sample.
  void gibbs(MatrixF& V, MatrixF& H, int steps, Rng& rng) const;

  // Throws Error if shapes disagree, any parameter is not finite, or a Gaussian σ is not > 0.
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
  bool learn_sigma_ = false;
  UnitType visible_type_ = UnitType::bernoulli;
  UnitType hidden_type_ = UnitType::bernoulli;
};

}  // namespace rgflow
