#pragma once
// log Z of a convolutional RBM (conv/conv_rbm.hpp; docs/conv.md): exact enumeration of the smaller
// layer for small lattices, and forward / reverse annealed importance sampling (AIS) otherwise,
// computed with the convolutional fields (no dense weight matrix).
//
// Exact: log Z = log Σ_v e^{−F(v)} (or Σ_h e^{−F(h)}), a float64 log-sum-exp over fixed chunks of
// 2^12 states combined in order: bit-identical for any thread count. At L = 4 the visible side has
// 2^16 states.
//
// AIS (Neal 2001; Salakhutdinov & Murray 2008; reverse: Burda, Grosse & Salakhutdinov 2015), the
// same path as estimate/ais.hpp written for the convolutional model: the base A has the scalar
// visible bias a_A (fitted to the data's mean over all sites, or 0), zero kernels and zero hidden
// biases; the tempered models are
//   p*_β(v) = exp(((1 − β) a_A + β a) Σ_x v_x) Π_{c,p} exp L_h(β φ_{c,p}(v)),
//   log Z_0 = L² L_v(a_A) + n_hidden log 2,
// and the transition T_β is one Gibbs sweep h ~ p(h | β φ), v ~ p(v | (1 − β) a_A + β ψ(h)).
// Forward: log w = Σ_k [log p*_k(v_k) − log p*_{k−1}(v_k)] with
//   log p*_k − log p*_{k−1} = (β_k − β_{k−1})(a − a_A) Σ_x v_x + Σ_{c,p} [L_h(β_k φ) − L_h(β_{k−1} φ)],
// log Ẑ = log Z_0 + log mean w (a stochastic lower bound). Reverse: chains start at data rows at
// β = 1 and anneal down, log Ẑ = log Z_0 − log mean w_r (a stochastic upper bound when the rows
// are model samples). The returned estimate::AisResult is filled as estimate/ais.hpp documents
// (error: delta-method std(w)/(√M mean w); 3σ bounds; effective sample size; RAISE log-likelihood
// for reverse runs). Chain c runs sequentially (hidden fields float32 as in estimate/ais.cpp, weights
// and visible fields float64) and draws from Rng(seed, c); chains are
// distributed over threads, so the result is bit-identical for any thread count.
#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::conv {

// Largest layer exact_log_partition enumerates (2^24 states).
inline constexpr Index kMaxExactUnits = 24;

// Exact log Z by enumerating the smaller layer (visible on a tie). Throws Error when both layers
// exceed kMaxExactUnits; Cancelled when `stop` answers true (polled on the calling thread).
double exact_log_partition(const ConvRbm& model, int threads = 0, const StopPoll& stop = {});

// Mean of log p(v) = −F(v) − log Z over the rows of data, with its standard error over rows.
stats::Result mean_log_likelihood(const ConvRbm& model, const MatrixF& data, double log_z);

// The base visible bias a_A: the independent-site model matching the data's mean over all sites
// and rows, smoothed by pseudo_count observations of each state (0 without data).
float base_visible_bias(const ConvRbm& model, const MatrixF* data, double pseudo_count = 1.0);

// Forward AIS from the base with visible bias base_bias. options: chains ≥ 2, betas (empty: the
// default 14,501-temperature schedule), seed, threads, stop (chains_per_batch and communicator are
// not used). Throws Error for bad options, Cancelled on stop.
estimate::AisResult ais_log_partition(const ConvRbm& model, float base_bias,
                                      const estimate::AisOptions& options = {});
// Reverse AIS started at data rows (in order, cycling, when there are at most `chains` rows;
// otherwise `chains` distinct rows drawn with Rng(seed, 2^63), as estimate/ais.hpp does).
estimate::AisResult reverse_ais_log_partition(const ConvRbm& model, float base_bias, const MatrixF& data,
                                              const estimate::AisOptions& options = {});

}  // namespace rgflow::conv
