#pragma once
// Free energy across scales of a deep belief network, and the variational lower bound on the
// log-probability of a two-layer DBN. Equations and derivations: docs/dbn.md.
//
// Notation (rbm/dbn.hpp): layer k is RBM k with visible level k (n_k units) and hidden level k+1;
// x_k are the data rows pushed up to level k (x_0 = v; x_{k+1} = E[h | x_k] or a sample of
// p_k(h | x_k), per Propagate). F_k is RBM k's free energy of its visible units (Hinton 2010
// §16.1):  F_k(x) = −a_kᵀx − Σ_j L_h(b_kj + (xᵀW_k)_j),  p_k(x) = e^{−F_k(x)} / Z_k.
//
// Free-energy flow (free_energy_flow()): for each layer k
//   F̄_k          = (1/N) Σ_n F_k(x_{k,n})                   (standard error over the N rows)
//   F̄_k / n_k     the free energy per unit at scale k (n_k = n_0, n_1, … shrinks going up)
//   log Z_k       exact (estimate/exact.hpp, enumerating the smaller layer) or forward AIS
//                 (estimate/ais.hpp; Salakhutdinov & Murray 2008) from a base-rate model fitted to
//                 the mean activity of x_k
//   ℓ_k = −F̄_k − log Z_k   the mean log-likelihood of the layer-k representation under RBM k,
//                 and ℓ_k / n_k; error: the row spread and σ(log Z_k) in quadrature.
// With Propagate::mean, x_k (k ≥ 1) are real-valued; ℓ_k is then the "mean-field" quantity
// −F_k(E[x]) − log Z_k, not a probability of binary states (docs/dbn.md).
//
// Lower bound (dbn_lower_bound()): for a 2-layer DBN with p(v) = Σ_h p_0(v|h) p_1(h),
// p_1(h) = e^{−F_1(h)}/Z_1, and any distribution Q(h|v), by Jensen's inequality
// (Salakhutdinov & Murray 2008 §4; Hinton, Osindero & Teh 2006 §A):
//   log p(v) ≥ B(v) = Σ_h Q(h|v) [log p_0(v|h) + log p_1(h)] + H(Q(·|v))
//              = Σ_h Q(h|v) [−E_0(v,h) + F_0(h) − F_1(h)] − log Z_1 + H(Q)
// since log p_0(v|h) = −E_0(v,h) − (−F_0(h)) (Z_0 cancels; F_0(h) is RBM 0's hidden free energy),
// and log p(v) − B(v) = KL(Q(·|v) ‖ p(·|v)) ≥ 0 with p(h|v) the DBN's true posterior. rgflow
// takes Q(h|v) = p_0(h|v), the factorial posterior of the first RBM (Q(h_j = on) = σ(φ_j) for
// Bernoulli, σ(2φ_j) for spins, φ = b_0 + W_0ᵀv), whose entropy is closed form:
//   H(Q) = Σ_j [L_h(φ_j) − φ_j E_Q[h_j]].
// Tight case: if p_1(h) equals RBM 0's own hidden marginal p_0(h) (e.g. layer 1 = layer 0
// transposed: W_1 = W_0ᵀ, visible bias of layer 1 = b_0, hidden bias of layer 1 = a_0; Hinton et
// al. 2006's initialisation of a new layer), the DBN's p(v) is RBM 0's p_0(v), its posterior is
// p_0(h|v) = Q, and B(v) = log p(v) = −F_0(v) − log Z_0 exactly.
#include <cstdint>
#include <optional>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

// log Z of layer `layer` of a DBN by estimate_log_partition (log_partition.hpp) with the AIS seed
// options.ais.seed + layer. `layer_data` (rows at the RBM's visible level, binary or mean
// activities) fits the AIS base-rate model (base_rate_model in ais.hpp). `used` receives the
// method actually used (exact or ais). Exact results have error 0; AIS results carry their error.
stats::Result layer_log_partition(const Rbm& rbm, const MatrixF& layer_data,
                                  const LogZOptions& options, Index layer = 0,
                                  LogZMethod* used = nullptr);

struct FlowOptions {
  Propagate propagate = Propagate::mean;  // how the data is pushed up the DBN
  std::uint64_t seed = 0;                  // Propagate::sample: one Rng(seed, 0) for the up pass
  LogZOptions log_z;
};

struct LayerFlow {
  Index layer = 0;
  Index n_visible = 0;                   // n_k, the units at this scale
  Index n_hidden = 0;
  stats::Result free_energy;             // F̄_k (error: standard error over rows)
  stats::Result free_energy_per_unit;    // F̄_k / n_k
  LogZMethod log_z_method = LogZMethod::none;  // exact, ais or none
  std::optional<stats::Result> log_z;    // log Z_k
  std::optional<stats::Result> log_likelihood;           // ℓ_k = −F̄_k − log Z_k
  std::optional<stats::Result> log_likelihood_per_unit;  // ℓ_k / n_k
};

// One entry per layer, bottom-up. Throws Error for an invalid DBN, data with the wrong number of
// columns or no rows.
std::vector<LayerFlow> free_energy_flow(const Dbn& dbn, const MatrixF& data,
                                        const FlowOptions& options = {});

// exact: enumerate level 1 (Error above kMaxExactUnits units); sample: Monte Carlo over h ~ Q;
// automatic: exact when level 1 has at most max_exact_units units.
enum class BoundMethod { automatic, exact, sample };

struct BoundOptions {
  BoundMethod method = BoundMethod::automatic;
  Index max_exact_units = 12;
  Index samples = 100;       // h ~ Q(h|v) per row (sample), >= 2
  std::uint64_t seed = 0;    // row n draws from Rng(seed, n): independent of the thread count
  int threads = 0;           // <= 0: OpenMP's default
  StopPoll stop;             // polled over rows (and states); true: Cancelled. Empty: never
  ProgressFn progress;       // told (rows done, rows); empty: never called
};

struct DbnBound {
  BoundMethod method = BoundMethod::exact;  // exact or sample
  VectorD per_row;        // B(v_n) with log Z_1 at its mean
  VectorD per_row_error;  // Monte Carlo standard error of per_row (0 when exact)
  // Mean of B over rows; error: the standard error over rows (data spread and Monte Carlo noise,
  // both carried by per_row) and σ(log Z_1) in quadrature; n = rows.
  stats::Result mean;
  stats::Result log_z_top;  // the log Z_1 used
  LogZMethod log_z_method = LogZMethod::none;  // how it was obtained (none: given by the caller)
};

// The bound B(v) for each row of `data` (binary states of level 0) of a DBN with exactly two
// layers, given log Z of the top RBM (layer 1), e.g. from layer_log_partition(dbn.layer(1), …).
// Throws Error for a DBN without exactly two layers, wrong columns, or bad options.
DbnBound dbn_lower_bound(const Dbn& dbn, const MatrixF& data, const stats::Result& log_z_top,
                         const BoundOptions& options = {});

// The same, computing log Z_1 first with layer_log_partition(dbn.layer(1), E[h¹|v] of `data`,
// log_z, 1): exact for a small top RBM, AIS otherwise (the base-rate model is fitted to the data's
// level-1 mean activities).
DbnBound dbn_lower_bound(const Dbn& dbn, const MatrixF& data, const LogZOptions& log_z,
                         const BoundOptions& options = {});

// Exact log p(v) = log Σ_h p_0(v|h) e^{−F_1(h)} − log Z_1 of a 2-layer DBN, by enumerating level
// 1 (at most kMaxExactUnits units; cost 2^{n_1}·N·n_0), in float64. `stop`: as BoundOptions::stop.
VectorD dbn_exact_log_probability(const Dbn& dbn, const MatrixF& data, double log_z_top,
                                  const StopPoll& stop = {});

}  // namespace rgflow::estimate
