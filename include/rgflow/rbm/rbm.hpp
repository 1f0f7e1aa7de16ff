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

  // Hinton (2010) §8: W ~ N(0, weight_std²), hidden bias 0, visible bias log(p/(1−p)) with p the
  // data's mean activity (Bernoulli) or a = atanh(m) with m the mean spin (spin); p is clipped
  // to [1e-3, 1−1e-3]. Without data the visible bias is 0.
  void initialize(Rng& rng, const MatrixF* data = nullptr, float weight_std = 0.01f);

  // E(v,h) for one configuration, in float64.
  double energy(const Eigen::Ref<const VectorF>& v, const Eigen::Ref<const VectorF>& h) const;
  // F(v) for each row of V.
  VectorD free_energy_visible(const MatrixF& V) const;
  // F(h) for each row of H.
  VectorD free_energy_hidden(const MatrixF& H) const;

  // φ_h = V W + 1 bᵀ and φ_v = H Wᵀ + 1 aᵀ.
  void hidden_field(const MatrixF& V, MatrixF& field) const;
  void visible_field(const MatrixF& H, MatrixF& field) const;
  // E[h | v] and E[v | h] row by row (σ(φ) for Bernoulli, tanh φ for spin).
  void hidden_mean(const MatrixF& V, MatrixF& mean) const;
  void visible_mean(const MatrixF& H, MatrixF& mean) const;
  // Draws h ~ p(h | v) (resp. v ~ p(v | h)) for each row; optionally also returns the means.
  void sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean = nullptr) const;
  void sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean = nullptr) const;
  // `steps` rounds of block Gibbs sampling v → h → v, in place; H holds the last hidden sample.
  void gibbs(MatrixF& V, MatrixF& H, int steps, Rng& rng) const;

  // Throws Error if shapes disagree or any parameter is not finite.
  void validate() const;
  // Throws FileError(source, ...) naming the first row/column whose value is not a state of the
  // visible unit type (or the wrong number of columns).
  void check_visible_data(const MatrixF& data, const std::string& source) const;

 private:
  MatrixF weights_;
  VectorF visible_bias_;
  VectorF hidden_bias_;
  UnitType visible_type_ = UnitType::bernoulli;
  UnitType hidden_type_ = UnitType::bernoulli;
};

}  // namespace rgflow
