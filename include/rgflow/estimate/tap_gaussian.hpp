#pragma once
// TAP / extended-mean-field free energy of a Gaussian–Bernoulli (or Gaussian–spin) RBM: the
// Plefka (1982) expansion of estimate/tap.hpp carried over to Gaussian visible units. Derivation:
// docs/gaussian.md §4. With J_ij = W_ij/σ_i² (the coupling in E = … − Σ_ij v_i J_ij h_j), the
// tilted single-unit distribution of a Gaussian visible unit with mean m_i is N(m_i, σ_i²): its
// entropy term gives (m_i − a_i)²/(2σ_i²) − ½ log(2πσ_i²), its variance is κ₂ = σ_i² whatever m_i,
// and its third cumulant is κ₃ = 0. Hence
//
//   F_TAP(m_v, m_h) = Σ_i [(m_i − a_i)²/(2σ_i²) − ½ log(2πσ_i²)] − Σ_j S_h(m_j) − bᵀm_h
//                     − Σ_ij m_i W_ij m_j / σ_i²
//                     − ½ Σ_ij (W_ij²/σ_i²) κ₂(m_j)                            (order ≥ 2)
//
// and the order-3 term −⅙ Σ_ij J_ij³ κ₃(v_i) κ₃(h_j) vanishes: order 3 equals order 2. S_h, κ₂ of
// the hidden units as in tap.hpp (Bernoulli: κ₂ = m − m², spin: 1 − m²).
//   Order 1 is the Gibbs–Bogoliubov bound with a product of N(m_i, σ_i²) and independent hidden
//   units: log Z ≥ −F_1(m) for every m.
//   Order 2 is exact for one hidden unit (and in general up to O(W⁴) corrections from the
//   hidden–hidden couplings C_jk = Σ_i W_ij W_ik/σ_i² mediated by v); it is not a bound.
// Stationarity ∂F/∂m = 0 (the self-consistency equations):
//   m_v = a + W m_h                                            (no Onsager term: κ₂(v) = σ²)
//   m_h = μ_h(b + Wᵀ(m_v/σ²) + ½ κ₂'(m_h) ⊙ (W²)ᵀ(1/σ²))          (the last term at order ≥ 2)
// with μ_h = sigmoid (Bernoulli) or tanh (spin).
#include "rgflow/core/types.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

// F_TAP above, in float64 (order 1, 2 or 3; 3 gives the order-2 value). Throws Error for a model
// without Gaussian visible units, a wrong order or size, or m_h outside the hidden unit's range.
double gaussian_tap_free_energy(const Rbm& rbm, const VectorD& visible, const VectorD& hidden,
                                int order);

// Derivatives of F_TAP at fixed (m_v, m_h), the EMF negative phase (envelope theorem, tap.hpp):
//   ∂F/∂a_i = −(m_i − a_i)/σ_i²,   ∂F/∂b_j = −m_j,
//   ∂F/∂W_ij = −m_i m_j/σ_i² − W_ij κ₂(m_j)/σ_i²                    (second term at order ≥ 2)
//   ∂F/∂log σ_i = −(m_i − a_i)²/σ_i² − 1 + 2 m_i (W m_h)_i/σ_i² + Σ_j W_ij² κ₂(m_j)/σ_i²  (last at ≥ 2)
struct GaussianTapGradient {
  TapGradient parameters;  // W, a, b
  VectorD log_sigma;       // [n_visible]
};
GaussianTapGradient gaussian_tap_free_energy_gradient(const Rbm& rbm, const VectorD& visible,
                                                      const VectorD& hidden, int order);

// Damped fixed-point iteration of the equations above, alternating m_h then m_v per sweep (same
// options and convergence rule as tap_fixed_point). Start: visible_start if given, else m_v = a;
// m_h starts at μ_h of its order-1 field.
TapFixedPoint gaussian_tap_fixed_point(const Rbm& rbm, const TapOptions& options,
                                       const VectorD* visible_start = nullptr);

// The lowest-F converged fixed point over the starts m_v = a and the rows of visible_starts
// (as tap_best_fixed_point).
TapFixedPoint gaussian_tap_best_fixed_point(const Rbm& rbm, const TapOptions& options,
                                            const MatrixF* visible_starts = nullptr);

// log Z_TAP = −F_TAP at gaussian_tap_best_fixed_point, reported as an exact value (error 0, n 0):
// the error bar does not cover the truncation error. Throws Error if no start converged.
stats::Result gaussian_tap_log_partition(const Rbm& rbm, const TapOptions& options,
                                         const MatrixF* visible_starts = nullptr);

// ---------------------------------------------------------------------------------------------
// Batched form for EMF / TAP training of Gaussian-visible RBMs (train::TapEstimator), in float32:
// each row of `visible` [particles, n_visible] and `hidden` [particles, n_hidden] is one set of
// magnetisations, as in tap_sweeps / tap_negative_phase (tap.hpp).

// `sweeps` damped sweeps of the self-consistency equations above, each updating first
//   m_v ← d·m_v + (1 − d)·(a + W m_h)
// and then, from the new m_v,
//   m_h ← d·m_h + (1 − d)·μ_h(b + Wᵀ(m_v/σ²) + ½ κ₂'(m_h) ⊙ (W²)ᵀ(1/σ²))     (last term at order ≥ 2)
// (visible first, as tap_sweeps and Gabrié et al.'s Algorithm 1). Order 3 is order 2. The Onsager
// term is a fixed vector (κ₂ of a Gaussian unit is σ², independent of m_v), so a sweep costs two
// [P × n_v] × [n_v × n_h] products at every order. Throws Error for a model without Gaussian
// visible units, an order ∉ {1,2,3}, damping ∉ [0,1), sweeps < 1, shapes that do not match the
// model, non-finite visible or out-of-range hidden magnetisations.
void gaussian_tap_sweeps(const Rbm& rbm, int order, int sweeps, double damping, MatrixF& visible,
                         MatrixF& hidden);

// The EMF negative phase: the mean over particles of −∂F_TAP/∂θ at fixed magnetisations
// (gaussian_tap_free_energy_gradient with the opposite sign, averaged over rows), which at a fixed
// point is ∂ log Z_TAP/∂θ (envelope theorem):
//   weights_ij   = ⟨m_i m_j⟩/σ_i² + W_ij ⟨κ₂(m_j)⟩/σ_i²                       (2nd term: order ≥ 2)
//   visible_bias = (⟨m_i⟩ − a_i)/σ_i²,   hidden_bias = ⟨m_j⟩
//   log_sigma_i  = ⟨(m_i − a_i)² − 2 m_i (W m_h)_i⟩/σ_i² + 1 − Σ_j W_ij² ⟨κ₂(m_j)⟩/σ_i²   (last: ≥ 2)
// in the units of the true log-likelihood gradient (rows already divided by σ_i², unlike the
// binary tap_negative_phase whose output the trainer scales). log_sigma is filled only when given.
// Same checks as gaussian_tap_sweeps.
void gaussian_tap_negative_phase(const Rbm& rbm, int order, const MatrixF& visible,
                                 const MatrixF& hidden, MatrixF& weights, VectorF& visible_bias,
                                 VectorF& hidden_bias, VectorF* log_sigma = nullptr);

}  // namespace rgflow::estimate
