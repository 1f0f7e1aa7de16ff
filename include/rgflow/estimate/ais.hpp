#pragma once
// Annealed importance sampling (AIS) estimates of an RBM's log partition function, forward
// (Neal 2001; Salakhutdinov & Murray 2008) and reverse (Burda, Grosse & Salakhutdinov 2015).
// Equations, derivations and what each estimate bounds: docs/estimators.md.
//
// Path from a base-rate model A (visible biases a_A, W = 0) to the target B = (a, b, W), with
// inverse temperatures 0 = β_0 ≤ β_1 ≤ … ≤ β_K = 1 and L_h the hidden unit's log-partition
// (softplus for Bernoulli, log 2cosh for spin):
//   p*_k(v) = exp(((1 − β_k) a_A + β_k a)ᵀv) Π_j exp L_h(β_k (b_j + W_{:j}ᵀ v))
// p*_0 ∝ p_A(v) is sampled exactly; p*_K(v) = e^{−F_B(v)}. Its normaliser at β = 0 is closed form:
//   log Z_0 = Σ_i L_v(a_A,i) + n_hidden(B) · log 2,
// which equals the base RBM's own log Z_A when its hidden layer matches B's with zero biases (as
// base_rate_model() builds it). Transition T_k: one block Gibbs sweep v → h → v of the tempered
// RBM (hidden field β_k (b + Wᵀv), visible field (1 − β_k) a_A + β_k (a + W h)), which leaves
// p_k invariant and is reversible.
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
// Gaussian visible units (docs/gaussian.md §5): the base is W = 0 with Gaussian visible units
// N(a_A, σ_A²), the path is p*_β(v) = exp(−(1 − β) Σ_i (v_i − a_A,i)²/(2σ_A,i²)) · [the target's
// e^{−F(v)} with its visible quadratic and hidden log-partitions scaled by β], log Z_0 =
// Σ_i ½ log(2πσ_A,i²) + n_hidden(B) log 2, and the sweep draws v from the exact Gaussian
// conditional of the tempered joint.
//
// Weights accumulate in float64; Gibbs sampling and the GEMMs run in float32. Chain c draws from
// Rng(seed, c); chains run in fixed batches of `chains_per_batch` (one GEMM per batch and Gibbs
// half-step), batches in parallel with OpenMP, so the result is bit-identical for any thread count.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/communicator.hpp"
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
  // Splits the batches of chains over processes (batch b runs on rank b mod size; the log weights
  // are then summed over ranks, so every rank returns the full result). nullptr: this process
  // runs every chain. The result is bit-identical for any number of ranks.
  const Communicator* communicator = nullptr;
  // Polled on the calling thread every ~50 ms (between temperatures of a batch, and while waiting
  // for other threads' batches); when it answers true the run stops and throws Cancelled
  // (core/cancel.hpp). Empty: never polled. Does not change the result. With a communicator,
  // every rank must see the same answer (a rank that stops skips the reduction).
  StopPoll stop;
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
// W = 0, hidden bias 0, and visible biases fitted to the data's marginals smoothed by
// `pseudo_count` observations of each state: p_i = (#{v_i = on} + c) / (N + 2c), and
// a_i = log(p_i / (1 − p_i)) (Bernoulli) or ½ log(p_i / (1 − p_i)) = atanh(2p_i − 1) (spin).
// Then log Z_A = log Z_0 exactly. Gaussian visible units: a_A = the data's column means and
// σ_A,i = max(sd_i, σ_i) (sd with divisor N; the model's marginal variance is at least σ_i²).
// Throws Error for a wrong column count or an empty data set.
Rbm base_rate_model(const Rbm& target, const MatrixF& data, double pseudo_count = 1.0);

// Closed form for an RBM with W = 0: log Z = Σ_i L_v(a_i) + Σ_j L_h(b_j). Throws Error if any
// weight is nonzero.
double base_log_partition(const Rbm& base);

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
