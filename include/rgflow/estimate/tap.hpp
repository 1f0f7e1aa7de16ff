#pragma once
// TAP / extended-mean-field approximation of an RBM's free energy: the Plefka (1982) /
// Georges & Yedidia (1991) high-temperature expansion of the Gibbs free energy at fixed
// magnetisations, truncated at order 1 (naive mean field), 2 (TAP, Onsager reaction term) or 3,
// as used for RBM training by Gabrié, Tramel & Krzakala (2015), arXiv:1506.02914.
// Derivation and conventions: docs/tap.md.
//
// Written once for every unit type through the unit policies of rbm/units.hpp. With m_v, m_h the
// magnetisations (E[v], E[h]) of a product distribution, per unit the single-unit Gibbs free
// energy G(m) (units.hpp gibbs_term), the coupling statistic t(m) and the cumulants κ₂(m), κ₃(m)
// of that statistic for an independent unit with mean m:
//
//   F_TAP(m_v, m_h) = Σ_i G_v(m_i) + Σ_j G_h(m_j) − t(m_v)ᵀ W t(m_h)
//                     − ½ Σ_ij W_ij² κ₂(m_i) κ₂(m_j)                       (order ≥ 2)
//                     − ⅙ Σ_ij W_ij³ κ₃(m_i) κ₃(m_j)                       (order 3)
//
//   Bernoulli {0,1}, m ∈ (0,1):  G = −S(m) − c m, S = −m log m − (1−m) log(1−m), t = m,
//                                κ₂ = m − m²,  κ₃ = (m − m²)(1 − 2m)
//   Spin {±1},       m ∈ (−1,1): G = −S(m) − c m, S = −p log p − (1−p) log(1−p), p = (1+m)/2,
//                                t = m, κ₂ = 1 − m²,  κ₃ = −2m(1 − m²)
//   Gaussian N(m, σ²), m ∈ ℝ:    G = (m − c)²/(2σ²) − ½ log(2πσ²), t = m/σ², κ₂ = 1/σ², κ₃ = 0
//                                (docs/gaussian.md §4: order 3 equals order 2)
//
// so for two Bernoulli layers the third-order term is −⅔ Σ_ij W_ij³ (m_i − m_i²)(½ − m_i)
// (m_j − m_j²)(½ − m_j), the paper's term, and for two spin layers −⅔ Σ_ij W_ij³ m_i(1 − m_i²)
// m_j(1 − m_j²), Georges & Yedidia's. Mixed pairings use each layer's own G, κ₂, κ₃. Terms with
// triangles of couplings (present in Georges & Yedidia for general graphs) vanish on a bipartite
// graph.
//
// −log Z ≈ F_TAP at a stationary point of F_TAP (the self-consistency equations, see
// tap_fixed_point). Order 1 is the Gibbs–Bogoliubov mean-field bound: log Z ≥ −F_1(m) for EVERY
// m, so the order-1 estimate is a lower bound on log Z. Orders 2 and 3 are approximations, neither
// an upper nor a lower bound; for weak couplings (|W| ~ w) the error of order k is O(w^{k+1}).
// For Gaussian visible units order 2 is exact with one hidden unit.
//
// Boltzmann.jl (the authors' Julia code) updates the TAP-3 magnetisations with W³·m′²(1−m′) where
// its own free energy needs W³·(m′ − m′²)(½ − m′); the update here is the stationarity condition of
// the F_TAP above (docs/tap.md).
#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

struct TapOptions {
  int order = 2;             // 1, 2 or 3
  int max_iterations = 200;  // sweeps (one hidden and one visible update each)
  double damping = 0.5;      // m ← damping · m_old + (1 − damping) · m_new, in [0, 1)
  double tolerance = 1e-10;  // converged when max |Δm| over both layers in one sweep < tolerance
  // Polled between sweeps (on the calling thread, every ~50 ms); true stops the search with
  // Cancelled (core/cancel.hpp). Empty: never polled. Does not change the result.
  StopPoll stop;
  // The best-of-starts search is told (starts done, starts). Empty: never called.
  ProgressFn progress;
  // The starts of the best-of-starts search over the ranks (docs/scaling.md): start k on rank
  // k mod N, every fixed point copied to every rank bit for bit and the best chosen in start
  // order, so every rank returns the one-process result. Null: this process alone. Collective.
  const Communicator* communicator = nullptr;
};

struct TapFixedPoint {
  VectorD visible;           // m_v [n_visible]
  VectorD hidden;            // m_h [n_hidden]
  int iterations = 0;        // sweeps done
  bool converged = false;    // max |Δm| < tolerance reached within max_iterations
  double free_energy = 0.0;  // F_TAP(m_v, m_h) at the order of the options
};

// Gradient of F_TAP with respect to the parameters at fixed (m_v, m_h):
//   ∂F/∂c_i = −s(m_i)  (s the bias statistic of units.hpp: m for binary units, (m − c)/σ² Gaussian),
//   ∂F/∂W_ij = −t(m_i) t(m_j) − W_ij κ₂(m_i) κ₂(m_j) − ½ W_ij² κ₃(m_i) κ₃(m_j)
// (the last two terms at orders ≥ 2 and 3), and for Gaussian visible units
//   ∂F/∂log σ_i = −(m_i − a_i)²/σ_i² − 1 + [2 m_i (W t(m_h))_i + (W² κ₂(m_h))_i]/σ_i²
// (the last term at order ≥ 2). At a fixed point ∂F/∂m = 0, so this is also the total derivative of
// F_TAP(m*(θ), θ) = −log Z_TAP (envelope theorem): the negative phase of EMF training (Gabrié et
// al. 2015).
struct TapGradient {
  MatrixD weights;      // [n_visible, n_hidden]
  VectorD visible_bias; // [n_visible]
  VectorD hidden_bias;  // [n_hidden]
  VectorD log_sigma;    // [n_visible] Gaussian visible units; empty otherwise
};

// F_TAP(m_v, m_h) above, in float64, for order 1, 2 or 3. Magnetisations on the boundary
// (m ∈ {0,1} or {±1}) are allowed (0 log 0 = 0). Throws Error for a wrong order or size, or a value
// outside the closed range of the unit type (Gaussian: not finite).
double tap_free_energy(const Rbm& rbm, const VectorD& visible, const VectorD& hidden, int order);

// ∂F_TAP/∂(W, a, b) at fixed (m_v, m_h), see TapGradient. Same checks as tap_free_energy.
TapGradient tap_free_energy_gradient(const Rbm& rbm, const VectorD& visible,
                                     const VectorD& hidden, int order);

// Solves ∂F_TAP/∂m = 0 by damped fixed-point iteration, alternating layers as Gabrié et al.
// (2015): per sweep,
//   m_h ← damped μ_h( b + Wᵀt(m_v) + ½ κ₂'(m_h) ⊙ (W²)ᵀκ₂(m_v) + ⅙ κ₃'(m_h) ⊙ (W³)ᵀκ₃(m_v) )
//   m_v ← damped μ_v( a + W t(m_h) + ½ κ₂'(m_v) ⊙ W² κ₂(m_h) + ⅙ κ₃'(m_v) ⊙ W³ κ₃(m_h) )
// with μ the conditional mean of the unit type (σ, tanh, or the identity for Gaussian units, whose
// κ' vanish: m_v = a + W t(m_h)), powers of W elementwise, the primed κ evaluated at the layer's
// current m (the new m_h in the visible update), and the order-2/3 terms dropped at lower order.
// For Bernoulli ½κ₂'(m) = ½ − m, the paper's −(m − ½); for spin ½κ₂'(m) = −m, the Onsager term
// −m_i Σ_j W_ij² (1 − m_j²).
// Start: visible_start if given (clamped to 1e-9 inside a binary range, so data rows can be used),
// else the uniform magnetisation (½, 0, or the bias a of Gaussian units); m_h starts at
// μ_h(b + Wᵀt(m_v)).
// Throws Error for invalid options (order ∉ {1,2,3}, damping ∉ [0,1), max_iterations < 1,
// tolerance ≤ 0) or a start of the wrong size.
TapFixedPoint tap_fixed_point(const Rbm& rbm, const TapOptions& options,
                              const VectorD* visible_start = nullptr);

// The lowest-F_TAP fixed point over several starts: the uniform magnetisation, the bias-only
// start m_v = μ_v(a) (when it differs), and each row of visible_starts (e.g. data; values are clamped as above).
// Converged fixed points are preferred; if none converged, the lowest F among all is returned
// with converged = false.
TapFixedPoint tap_best_fixed_point(const Rbm& rbm, const TapOptions& options,
                                   const MatrixF* visible_starts = nullptr);

// log Z_TAP = −F_TAP at tap_best_fixed_point. A deterministic approximation, reported with
// error 0 and n 0: the error bar does NOT cover the truncation error of the expansion (order 1 is
// a lower bound on log Z; orders 2 and 3 are neither bounds). Throws Error if no start converged.
stats::Result tap_log_partition(const Rbm& rbm, const TapOptions& options,
                                const MatrixF* visible_starts = nullptr);

// ---------------------------------------------------------------------------------------------
// Batched form for EMF / TAP training (Gabrié, Tramel & Krzakala 2015), in float32: each row of
// `visible` [particles, n_visible] and `hidden` [particles, n_hidden] is one independent set of
// magnetisations (a "particle").

// `sweeps` damped sweeps of the self-consistency equations (those of tap_fixed_point), each
// updating first m_v from the current m_h and then m_h from the new m_v, as the paper's
// Algorithm 1 and its official code do (so the returned m_h is the hidden update of the returned
// m_v). Values on the boundary of the range (data rows, exactly 0/1 or ±1) are valid inputs.
// The terms of a Gaussian layer's κ do not depend on m, so for them the reaction is one vector.
// Throws Error for an order ∉ {1,2,3}, damping ∉ [0,1), sweeps < 1, or shapes that do not match
// the model.
void tap_sweeps(const Rbm& rbm, int order, int sweeps, double damping, MatrixF& visible,
                MatrixF& hidden);

// The EMF negative phase: the mean over particles of −∂F_TAP/∂θ at fixed magnetisations
// (TapGradient with the opposite sign, averaged over rows),
//   weights      = ⟨t(m_v) t(m_h)ᵀ + W ⊙ κ₂(m_v) κ₂(m_h)ᵀ + ½ W^{∘2} ⊙ κ₃(m_v) κ₃(m_h)ᵀ⟩
//   visible_bias = ⟨s(m_v)⟩,   hidden_bias = ⟨s(m_h)⟩,   log_sigma = −⟨∂F/∂log σ⟩
// (the κ terms at orders ≥ 2, 3; log_sigma filled only when given and the visible units are
// Gaussian). At a fixed point it is ∂ log Z_TAP/∂θ (envelope theorem), the stand-in for the model
// term ⟨∂(−E)/∂θ⟩_model of the log-likelihood gradient, in the same units as
// train::mean_statistics. Same checks as tap_sweeps; magnetisations must lie in the closed range
// of the unit type.
void tap_negative_phase(const Rbm& rbm, int order, const MatrixF& visible, const MatrixF& hidden,
                        MatrixF& weights, VectorF& visible_bias, VectorF& hidden_bias,
                        VectorF* log_sigma = nullptr);

}  // namespace rgflow::estimate
