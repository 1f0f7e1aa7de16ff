#pragma once
// Annealed importance sampling (AIS) estimates of an RBM's log partition function, forward
// (Neal 2001; Salakhutdinov & Murray 2008) and reverse (Burda, Grosse & Salakhutdinov 2015).
// Equations, derivations and what each estimate bounds: docs/estimators.md.
//
// Path from a base-rate model A (visible biases a_A, W = 0) to the target B = (a, b, W), with
// inverse temperatures 0 = β_0 ≤ β_1 ≤ … ≤ β_K = 1, written with the unit policies of
// rbm/units.hpp (self-energy U, coupling statistic t):
//   p*_k(v) = exp(−(1 − β_k) Σ_i U_A,i(v_i) − β_k Σ_i U_B,i(v_i)) Π_j exp A_j(β_k; φ_j),
//   φ = b + Wᵀ t_B(v),
// where A_j is the hidden unit's tempered log-partition: binary units temper the whole field,
// A(β) = L(β φ) (softplus or log 2cosh), A(0) = log 2 (Salakhutdinov & Murray 2008); Gaussian
// hidden units temper only the coupling, A(β) = LP(b + β Wᵀt(v)), which stays proper at β = 0.
// For binary visible units the exponent is ((1 − β_k) a_A + β_k a)ᵀv, their eq. for p*_k.
// p*_0 ∝ p_A(v) is sampled exactly; p*_K(v) = e^{−F_B(v)}. Its normaliser at β = 0 is closed form:
//   log Z_0 = Σ_i LP_A,i(a_A,i) + Σ_j A_j(0),
// which equals the base RBM's own log Z_A when its hidden layer matches B's with zero biases (as
// base_rate_model() builds it). Transition T_k: one block Gibbs sweep v → h → v of the tempered
// model, which leaves p_k invariant and is reversible; for Gaussian visible units the visible
// conditional at β is the normal with precision (1 − β)/σ_A² + β/σ² (docs/gaussian.md §5).
//
// Forward:  v_1 ~ p_0, v_{k+1} ~ T_k(v_k),  log w = Σ_{k=1..K} [log p*_k(v_k) − log p*_{k−1}(v_k)],
//           log Ẑ_B = log Z_0 + log mean(w).  E[w] = Z_B/Z_0, so E[log Ẑ_B] ≤ log Z_B (Jensen):
//           a stochastic lower bound on log Z (an optimistic log-likelihood).
// Reverse:  v_K = a data row (taken as a sample of p_B), v_{k−1} ~ T_{k−1}(v_k),
//           log w_r = Σ_{k=K..1} [log p*_{k−1}(v_k) − log p*_k(v_k)],
//           log Ẑ_B = log Z_0 − log mean(w_r).  E[w_r] = Z_0/Z_B when the rows are exact samples
//           of p_B, so E[log Ẑ_B] ≥ log Z_B: a stochastic upper bound on log Z (a conservative
//           log-likelihood). Rows that are not model samples break the guarantee (docs).
//
// Weights accumulate in float64; Gibbs sampling and the GEMMs run in float32. Chain c draws from
// Rng(seed, c); chains run in fixed batches of `chains_per_batch` (one GEMM per batch and Gibbs
// half-step), batches in parallel with OpenMP, so the result is bit-identical for any thread count.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

struct AisOptions {
  int chains = 100;            // M independent annealing runs (≥ 2)
  std::vector<double> betas;   // 0 = β_0 ≤ … ≤ β_K = 1 (K ≥ 1); empty: default_ais_schedule()
  std::uint64_t seed = 0;      // chain c uses Rng(seed, c)
  int threads = 0;             // <= 0: OpenMP's default; does not change the result
  int chains_per_batch = 25;   // chains advanced together by one GEMM; changes float rounding
                               // (and hence the result, within its error bar), not the statistics
  // Splits the batches of chains over processes (comm/communicator.hpp): batch b runs on rank
  // b mod size, then every rank receives every chain's log weight, so every rank returns the full
  // result, bit-identical for any number of ranks (chain c always draws from Rng(seed, c)).
  // nullptr: this process runs every chain. With a communicator the call is collective: every
  // rank calls it with the same arguments.
  const Communicator* communicator = nullptr;
  // Polled on the calling thread every ~50 ms (between temperatures of a batch, and while waiting
  // for other threads' batches); when it answers true the run stops and throws Cancelled
  // (core/cancel.hpp). Empty: never polled. Does not change the result. With a communicator, a
  // rank whose poll fires tells the others (announce_stop), which stop at their next poll, and all
  // ranks throw Cancelled together after agreeing on it (no rank waits for a stopped one).
  StopPoll stop;
  // Told (temperatures done, total) over all batches of chains (core/cancel.hpp). Empty: never
  // called. Does not change the result.
  ProgressFn progress;
};

struct AisResult {
  // log Ẑ_B; error = std(w) / (√M · mean(w)), the delta-method standard error of log mean(w)
  // (w: the importance weights, forward or reverse); n = chains.
  stats::Result log_z;
  // log of mean(w) ∓ 3·std(w)/√M mapped to log Z, as Salakhutdinov & Murray (2008) report
  // (asymmetric; −inf or +inf when the 3σ interval of the mean weight reaches 0).
  double log_z_lower3 = 0.0;
  double log_z_upper3 = 0.0;
  double effective_sample_size = 0.0;  // (Σ w)² / Σ w², between 1 and M
  int chains = 0;
  std::size_t n_betas = 0;             // K + 1 temperatures, both ends included
  double log_z_base = 0.0;             // exact log Z_A of the base RBM (closed form)
  double log_z_start = 0.0;            // log Z_0 of the path at β = 0 (see above)
  std::vector<double> log_weights;     // per chain: log w (forward) or log w_r (reverse)
  // Reverse AIS only (NaN forward): Burda et al.'s RAISE estimate of the mean log-likelihood of the
  // chains' start rows x_c, mean over c of log p̂(x_c) = −F_B(x_c) + log w_r,c − log Z_0, with the
  // standard error over chains (the spread of the rows and of the weights). Each p̂(x) is unbiased
  // for q_K(x), the density of forward AIS's final state, so E[log p̂(x)] ≤ log q_K(x) ≈ log p_B(x):
  // a conservative log-likelihood, valid for any rows (training or test data).
  stats::Result raise_log_likelihood;
};

// Salakhutdinov & Murray (2008, their released code): β in steps of 1/1000 up to 0.5, 1/10000 up
// to 0.9, 1/100000 up to 1: 14,501 temperatures (14,500 transitions), each computed directly
// (no accumulated rounding).
std::vector<double> default_ais_schedule();
// n_betas ≥ 2 equally spaced temperatures from 0 to 1 (for tests and quick runs).
std::vector<double> linear_ais_schedule(std::size_t n_betas);

// The base-rate model A of Salakhutdinov & Murray (2008): same shape and unit types as `target`,
// W = 0, hidden bias 0, and each visible unit the best independent fit to its data column
// (units.hpp fit_independent): binary units from the marginals smoothed by `pseudo_count`
// observations of each state, p_i = (#{v_i = on} + c) / (N + 2c) (rows may also be mean
// activities in [off, on], as in a mean-field DBN flow), a_i = log(p_i / (1 − p_i))
// (Bernoulli) or ½ log(p_i / (1 − p_i)) = atanh(2p_i − 1) (spin); Gaussian units a_A = the
// column means and σ_A,i = max(sd_i, σ_i) (sd with divisor N; the model's marginal variance is at
// least σ_i²). Then log Z_A = log Z_0 exactly.
// Throws Error for a wrong column count or an empty data set.
Rbm base_rate_model(const Rbm& target, const MatrixF& data, double pseudo_count = 1.0);

// Closed form for an RBM with W = 0: log Z = Σ_i L_v(a_i) + Σ_j L_h(b_j). Throws Error if any
// weight is nonzero.
double base_log_partition(const Rbm& base);

// For AIS drivers of other models (conv/log_partition.hpp): options.betas checked (or the default
// schedule), Error naming the problem; and the AisResult of a set of log weights (forward:
// log Z_0 + log mean w; reverse: log Z_0 − log mean w), its error, 3σ bounds and sample size.
std::vector<double> checked_ais_schedule(const AisOptions& options);
AisResult summarize_ais_log_weights(std::vector<double> log_w, bool reverse, double log_z0,
                                    double log_z_base, std::size_t n_betas);

// Forward AIS from `base` (W = 0, same n_visible and visible unit type as `target`; its hidden
// layer only enters log_z_base) to `target`. Throws Error for incompatible models or options,
// Cancelled when options.stop asked to stop.
AisResult ais_log_partition(const Rbm& target, const Rbm& base, const AisOptions& options = {});

// Reverse AIS: chain c starts at a row of `data` (all rows in order, cycling, if there are at most
// `chains` rows; otherwise `chains` distinct rows drawn uniformly with Rng(seed, 2^63)) and anneals
// from β = 1 down to 0. `data` should hold samples of the target (exact, or from long Gibbs runs)
// for the upper-bound property; from training data it holds only approximately (docs).
AisResult reverse_ais_log_partition(const Rbm& target, const Rbm& base, const MatrixF& data,
                                    const AisOptions& options = {});

}  // namespace rgflow::estimate
