#pragma once
// Exact partition function and likelihoods of small RBMs, by enumerating the smaller layer.
//
// Summing out the enumerated layer in closed form, with s the enumerated layer's state:
//   enumerate h:  Z = Σ_h e^{bᵀh} Π_i Σ_{v_i} e^{v_i (a_i + W_{i:} h)} = Σ_h e^{−F(h)}
//   enumerate v:  Z = Σ_v e^{aᵀv} Π_j Σ_{h_j} e^{h_j (b_j + W_{:j}ᵀ v)} = Σ_v e^{−F(v)}
// States are visited in Gray-code order so that each step updates the other layer's field by one
// row of W (O(n) instead of O(n·m)); the sum is a float64 log-sum-exp, split over threads by the
// leading bits of the state index.
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

enum class EnumerateLayer { automatic, visible, hidden };

// Largest layer that exact enumeration accepts.
inline constexpr Index kMaxExactUnits = 32;

// log Z. Throws Error if the enumerated layer has more than kMaxExactUnits units.
// threads <= 0 uses OpenMP's default.
double exact_log_partition(const Rbm& rbm, EnumerateLayer layer = EnumerateLayer::automatic,
                           int threads = 0);

// Mean of log p(v) = −F(v) − log Z over the rows of `data`, with the standard error of that mean
// over rows (the spread of the data, not numerical error).
stats::Result mean_log_likelihood(const Rbm& rbm, const MatrixF& data, double log_z);

// Exact model expectations ⟨v⟩, ⟨h⟩, ⟨v hᵀ⟩ (the "CD-∞" negative phase), by enumeration of the
// smaller layer, in float64.
struct Moments {
  VectorD visible;   // [n_visible]
  VectorD hidden;    // [n_hidden]
  MatrixD visible_hidden;  // [n_visible, n_hidden]
};
Moments exact_model_moments(const Rbm& rbm);

// Exact data-dependent expectations: ⟨v⟩_data, ⟨E[h|v]⟩_data, ⟨v E[h|v]ᵀ⟩_data.
Moments data_moments(const Rbm& rbm, const MatrixF& data);

}  // namespace rgflow::estimate
