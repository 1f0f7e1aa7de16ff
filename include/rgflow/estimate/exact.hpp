#pragma once
// Exact partition function and likelihoods of small RBMs, by enumerating the smaller layer.
//
// Summing out the enumerated layer in closed form, with s the enumerated layer's state:
//   enumerate h:  Z = Σ_h e^{bᵀh} Π_i Σ_{v_i} e^{v_i (a_i + W_{i:} h)} = Σ_h e^{−F(h)}
//   enumerate v:  Z = Σ_v e^{aᵀv} Π_j Σ_{h_j} e^{h_j (b_j + W_{:j}ᵀ v)} = Σ_v e^{−F(v)}
// (Hinton 2010, "A Practical Guide to Training RBMs", §16.1; the free energies of rbm/rbm.hpp.)
// States are visited in Gray-code order so that each step updates the other layer's field by one
// row of W (O(m) instead of O(n·m)); the sum is a float64 log-sum-exp, split over threads by the
// leading bits of the state index.
//
// Cost and accuracy: 2^n · m multiply-adds for n enumerated and m summed-out units (784 × 25 is
// 2.6e10, about 2–4 s on 2 cores). The per-unit log-partition is evaluated as
// log Π_j (1 + e^{βφ_j}) with e^{βφ_j} updated multiplicatively, so the inner loop has no
// transcendental call and vectorizes; models whose fields could exceed |βφ| = 600 fall back to the
// per-unit softplus / log 2cosh. The field is recomputed from scratch every 1024 states, so
// rounding does not accumulate: results agree with a naive float64 double sum to ~1e-14 relative.
// Work is split into fixed chunks combined in a fixed order: the result is bit-identical for any
// thread count and any number of ranks.
#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

enum class EnumerateLayer { automatic, visible, hidden };

// Largest layer that exact enumeration accepts.
inline constexpr Index kMaxExactUnits = 32;

// log Z = log Σ_s e^{−F(s)} over the enumerated layer s (automatic: the smaller layer, hidden on a
// tie). Gaussian visible units: the hidden layer is enumerated and v integrated in closed form,
//   log Z = log Σ_h exp(bᵀh + Σ_i [((a_i + W_{i:}h)² − a_i²)/(2σ_i²) + ½ log(2πσ_i²)])
// (docs/gaussian.md), log of a density's normaliser. Throws Error if the enumerated layer has
// more than kMaxExactUnits units, or if `layer` asks to enumerate Gaussian visible units.
// threads <= 0 uses OpenMP's default. `stop` (core/cancel.hpp) is polled on the calling thread
// every ~50 ms; when it answers true the enumeration stops and throws Cancelled. `progress` is
// told (chunks of states done, chunks) at the same times; neither changes the result.
// `communicator` (comm/communicator.hpp; nullptr: this process does all) splits the fixed chunks
// of states over ranks, chunk c on rank c mod size; the call is then collective, every rank
// returns the full log Z, bit-identical for any number of ranks (and threads).
double exact_log_partition(const Rbm& rbm, EnumerateLayer layer = EnumerateLayer::automatic,
                           int threads = 0, const StopPoll& stop = {},
                           const ProgressFn& progress = {},
                           const Communicator* communicator = nullptr);

// Mean of log p(v) = −F(v) − log Z over the rows of `data`, with the standard error of that mean
// over rows (the spread of the data, not numerical error): error = sd/√n, sd with n − 1.
// F(v) is formed in float64 (fields included), so differences of log-likelihoods between nearby
// models are not limited by float32 rounding. Throws Error for an empty batch or a column count
// that is not n_visible.
stats::Result mean_log_likelihood(const Rbm& rbm, const MatrixF& data, double log_z);
// The per-row values log p(v) = −F(v) − log Z behind mean_log_likelihood (same checks, float64).
VectorD log_likelihood_rows(const Rbm& rbm, const MatrixF& data, double log_z);

// Exact model expectations ⟨v⟩, ⟨h⟩, ⟨v hᵀ⟩ (the "CD-∞" negative phase), by enumeration of the
// smaller layer, in float64: with s enumerated and o the other layer,
//   ⟨s⟩ = Σ_s p(s) s,   ⟨o⟩ = Σ_s p(s) E[o | s],   ⟨s oᵀ⟩ = Σ_s p(s) s E[o | s]ᵀ,
// p(s) = e^{−F(s)}/Z and E[o|s] = σ(φ) (Bernoulli) or tanh φ (spin), or a + W h for Gaussian
// visible units (then s = h always). Cost 2^n · n · m.
// The log-likelihood gradient is ∂⟨log p(v)⟩_data/∂W = ⟨v E[h|v]ᵀ⟩_data − ⟨v hᵀ⟩_model, and
// likewise a, b with ⟨v⟩ and ⟨h⟩ (Hinton 2010 §2; Ackley, Hinton & Sejnowski 1985).
struct Moments {
  VectorD visible;   // [n_visible]
  VectorD hidden;    // [n_hidden]
  MatrixD visible_hidden;  // [n_visible, n_hidden]
};
Moments exact_model_moments(const Rbm& rbm, const StopPoll& stop = {});  // stop: as above

// Exact data-dependent expectations: ⟨v⟩_data, ⟨E[h|v]⟩_data, ⟨v E[h|v]ᵀ⟩_data (rows of `data`
// weighted equally; conditional means in float64).
Moments data_moments(const Rbm& rbm, const MatrixF& data);

}  // namespace rgflow::estimate
