#pragma once
// Convolutional (weight-shared) RBM on a periodic L×L lattice (issue #16 item 3; docs/conv.md).
//
// Visible units v_x, x = (x₁, x₂) ∈ Z_L², index i = x₁ L + x₂. Hidden units h_{c,p}, channel
// c = 0 … C−1, position p = (p₁, p₂) ∈ Z_M², M = L/S (stride S divides L), index
// j = c M² + p₁ M + p₂. Channel c has one K×K kernel W_c[a, b] (a, b = 0 … K−1, stored as row c
// of a [C, K²] matrix at column a K + b) and one hidden bias b_c; the visible bias a is ONE scalar
// shared by all sites. Hidden unit (c, p) sees the K×K patch whose corner is S·p, wrapped
// periodically:
//   E(v, h) = −a Σ_x v_x − Σ_{c,p} b_c h_{c,p} − Σ_{c,p} h_{c,p} Σ_{a,b} W_c[a,b] v_{(S p₁+a, S p₂+b) mod L}
// Units are binary (Bernoulli {0,1} or spin ±1, rbm/units.hpp), so with the fields
//   φ_{c,p}(v) = b_c + Σ_{a,b} W_c[a,b] v_{S p + (a,b)}           (a correlation at stride S)
//   ψ_x(h)     = a + Σ_{c,p,a,b : S p + (a,b) ≡ x} W_c[a,b] h_{c,p}  (its transpose)
// the conditionals factorise, p(h_{c,p} = on | v) = σ(s φ) (s = 1 Bernoulli, 2 spin; E = σ(φ) or
// tanh φ), and the free energies with one layer summed out analytically are
//   F(v) = −a Σ_x v_x − Σ_{c,p} L_h(φ_{c,p}(v)),   F(h) = −Σ b_c h_{c,p} − Σ_x L_v(ψ_x(h)),
// L = softplus (Bernoulli) or log 2cosh (spin), p(v) = e^{−F(v)}/Z. This is exactly the dense RBM
// of rbm/rbm.hpp with W_{i,j} = Σ_{a,b: S p + (a,b) ≡ x} W_c[a,b] (to_dense() builds it, for tests
// and small models); the hot path never forms that n_visible × n_hidden matrix: a field costs
// C K² multiply-adds per hidden unit.
//
// Why one scalar visible bias: the model is translation invariant (the lattice's symmetry, and the
// point of sharing the kernels); a per-site bias would break that invariance at no gain for
// translation-invariant data such as the periodic Ising model.
//
// Threads: batch operations split rows over OpenMP threads (each row computed sequentially, in a
// fixed order), and sampling draws row r's uniforms from the caller's stream advanced by r·n
// (Rng::advanced), exactly the words a single thread would draw row-major. Results are therefore
// bit-identical for any thread count. Fields are float32 for sampling; free energies are formed in
// float64 (fields included).
//
// The exact bond representation of the 2D Ising model (ising_bond_model below; derivation in
// docs/conv.md): spin visible and hidden units, K = 2, S = 1, C = 2, channel 0 the horizontal
// bond (W_0[0,0] = W_0[0,1] = w), channel 1 the vertical bond (W_1[0,0] = W_1[1,0] = w), all
// biases 0. Summing one hidden spin, Σ_{h=±1} e^{w h (s_i + s_j)} = 2 cosh(w (s_i + s_j))
// = 2 √cosh 2w · e^{K s_i s_j} with K = ½ ln cosh 2w (both sides agree for s_i s_j = ±1), so
//   Z_RBM = (2 √cosh 2w)^{2L²} Z_Ising(K),
//   log Z_RBM = log Z_Ising(K) + 2L² (log 2 + ½ log cosh 2w) = log Z_Ising(K) + 2L² (log 2 + K)
// for L ≥ 3 (2L² distinct bonds; at L = 2 periodic wrap doubles each bond and the identity holds
// with Z_Ising of the doubled couplings).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/rbm/units.hpp"

namespace rgflow::conv {

struct ConvShape {
  Index lattice = 0;   // L
  Index kernel = 0;    // K
  Index stride = 1;    // S (divides L)
  Index channels = 1;  // C

  Index hidden_side() const { return stride > 0 ? lattice / stride : 0; }  // M = L/S
  Index positions() const { return hidden_side() * hidden_side(); }           // M²
  Index n_visible() const { return lattice * lattice; }
  Index n_hidden() const { return channels * positions(); }
  Index kernel_size() const { return kernel * kernel; }                       // K²
  // The lattice position of hidden unit j = c M² + p₁ M + p₂: the centre of its K×K patch,
  // (row, column) = ((S p₁ + (K − 1)/2) mod L, (S p₂ + (K − 1)/2) mod L) — half-integers for even
  // K. The channels share the positions; for one channel the hidden units form an M×M periodic
  // lattice of spacing S, index p₁ M + p₂, the visible lattice's index convention.
  std::pair<double, double> hidden_position(Index j) const;
  bool operator==(const ConvShape&) const = default;
  // Throws Error naming the quantity: L in [2, 1024], K in [1, L], S in [1, L] dividing L,
  // C in [1, 4096], n_hidden ≤ 2^24.
  void check() const;
};

// "kernel:K,stride:S,channels:C" (any order; stride defaults to 1, channels to 1; kernel
// required) for an L×L lattice; throws Error naming the bad part. The result is check()ed.
ConvShape parse_conv_spec(std::string_view spec, Index lattice);
// The same text back ("kernel:2,stride:1,channels:2").
std::string to_string(const ConvShape& shape);

class ConvRbm {
 public:
  ConvRbm() = default;
  // Zero parameters. Throws Error for a bad shape or a Gaussian unit type (binary units only).
  ConvRbm(ConvShape shape, UnitType visible = UnitType::spin, UnitType hidden = UnitType::spin);

  const ConvShape& shape() const { return shape_; }
  Index n_visible() const { return shape_.n_visible(); }
  Index n_hidden() const { return shape_.n_hidden(); }
  UnitType visible_type() const { return visible_type_; }
  UnitType hidden_type() const { return hidden_type_; }

  MatrixF& kernels() { return kernels_; }  // [C, K²], kernel c's offset (a, b) at column a K + b
  const MatrixF& kernels() const { return kernels_; }
  VectorF& hidden_bias() { return hidden_bias_; }  // [C]
  const VectorF& hidden_bias() const { return hidden_bias_; }
  float& visible_bias() { return visible_bias_; }  // the one shared visible bias a
  float visible_bias() const { return visible_bias_; }
  // Visible index of hidden position p's patch element k = a K + b: [M² · K²], p-major.
  const std::vector<std::int32_t>& patch_index() const { return patch_; }

  // Kernels ~ N(0, weight_std²) from rng (row-major), hidden biases 0, and the visible bias of the
  // independent-site model matching the data's mean over all sites (units.hpp initial_bias;
  // 0 without data).
  void initialize(Rng& rng, const MatrixF* data = nullptr, float weight_std = 0.01f);

  // φ (rows of V [B, n_visible] → [B, n_hidden]) and ψ (rows of H → [B, n_visible]).
  void hidden_field(const MatrixF& V, MatrixF& field) const;
  void visible_field(const MatrixF& H, MatrixF& field) const;
  void hidden_mean(const MatrixF& V, MatrixF& mean) const;
  void visible_mean(const MatrixF& H, MatrixF& mean) const;
  // h ~ p(h | v) row by row, one uniform per unit drawn row-major from rng (optionally the means).
  void sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean = nullptr) const;
  void sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean = nullptr) const;
  // `steps` rounds of block Gibbs v → h → v in place; H holds the last hidden sample.
  void gibbs(MatrixF& V, MatrixF& H, int steps, Rng& rng) const;

  // F(v) and F(h) per row, in float64.
  VectorD free_energy_visible(const MatrixF& V) const;
  VectorD free_energy_hidden(const MatrixF& H) const;
  // One row, float64 fields: for enumeration and AIS (no allocation; `phi` has n_hidden entries).
  void hidden_field_row(const float* v, double* phi) const;
  void hidden_field_row(const float* v, float* phi) const;  // float32, as in hidden_field()
  void visible_field_row(const float* h, double* psi) const;
  double free_energy_visible_row(const float* v, double* phi_scratch) const;

  // The equivalent dense RBM (W [n_visible, n_hidden], biases expanded): a reference for tests
  // and for small models, never used in the hot path.
  Rbm to_dense() const;

  // Throws Error for non-finite parameters or inconsistent sizes.
  void validate() const;
  // Throws FileError(source, …) for a column count other than L² or a value that is not a state
  // of the visible unit type (row and column named).
  void check_visible_data(const MatrixF& data, const std::string& source) const;

 private:
  ConvShape shape_;
  UnitType visible_type_ = UnitType::spin;
  UnitType hidden_type_ = UnitType::spin;
  MatrixF kernels_;
  VectorF hidden_bias_;
  float visible_bias_ = 0.0f;
  std::vector<std::int32_t> patch_;
};

// Runs f(BernoulliUnits{}) or f(SpinUnits{}) for a binary unit type (logic_error for Gaussian).
template <class F>
decltype(auto) with_binary_units(UnitType type, F&& f) {
  if (type == UnitType::bernoulli) return f(BernoulliUnits{});
  if (type != UnitType::spin) throw std::logic_error("conv: binary units only");
  return f(SpinUnits{});
}

// The bond weight w with ½ ln cosh 2w = K, w = ½ arccosh(e^{2K}) (K > 0; Error otherwise).
double bond_weight(double coupling);
// The exact bond representation of the periodic L×L Ising model at coupling K (header comment):
// spin units, kernel 2, stride 1, two channels, weight bond_weight(K), zero biases. L ≥ 3.
ConvRbm ising_bond_model(Index lattice, double coupling);
// K = ½ ln cosh 2w: the Ising coupling a bond weight w represents. The stored kernels are float32,
// so the model ising_bond_model(L, K) builds represents bond_coupling(its float weight), which
// differs from K by ~1e-8 relative: compare with Kaufman at that coupling.
double bond_coupling(double weight);
// log Z_RBM − log Z_Ising(K) for the bond model of coupling K: 2L² (log 2 + ½ log cosh 2w)
// = 2L² (log 2 + K).
double ising_bond_log_z_shift(Index lattice, double coupling);

// The hand-built majority-rule RBM, the positive control of a learned blocking (issue #17 item 2c;
// docs/conv.md): spin units, kernel = stride = b, one channel, every kernel weight w, biases 0.
// Hidden unit p sees exactly block p, p(h_p = +1 | v) = σ(2 w m_p) with m_p the block's spin sum:
// as w → ∞ the sampled h_p is the block's majority, and a tied block (m_p = 0, even b) gives a fair
// coin — Kadanoff's majority rule with random tie-breaking. For w ≥ 10 and |m_p| ≥ 1 the
// probability of the minority sign is ≤ e^{−20} ≈ 2e-9 per unit (≤ e^{−40} at b = 2, |m| ≥ 2).
// Throws Error unless b ≥ 1 divides L (L ≥ 2) and w > 0 is finite.
ConvRbm majority_rule_model(Index lattice, Index block, double weight);

}  // namespace rgflow::conv
