#pragma once
// Parallel tempering (replica exchange) for RBMs: Swendsen & Wang (1986), Geyer (1991); for RBM
// training Desjardins, Courville, Bengio, Vincent & Delalleau (2010), "Tempered Markov chain
// Monte Carlo for training of restricted Boltzmann machines", AISTATS. Equations: docs/training.md.
//
// Replica k of a chain samples the tempered model p_k(v, h) ∝ e^{−β_k E(v,h)} on a ladder
// 1 = β_0 > β_1 > … > β_{K−1} > 0. Its visible marginal is
//   log p*_β(v) = β aᵀv + Σ_j L_h(β φ_j(v)),   φ(v) = b + Wᵀv,
// L_h the hidden unit's log-partition (softplus or log 2cosh). One PT step:
//   1. φ(v) of every replica (one product for all K·C rows);
//   2. swap proposals between neighbours (k, k+1), k = 0, 1, …, K−2 in turn, on the visible
//      states x (at β_k) and y (at β_{k+1}), accepted with probability min(1, r),
//        log r = log p*_k(y) + log p*_{k+1}(x) − log p*_k(x) − log p*_{k+1}(y)
//              = (β_k − β_{k+1}) aᵀ(y − x) + Σ_j [L(β_k φ_j(y)) + L(β_{k+1} φ_j(x))
//                                                − L(β_k φ_j(x)) − L(β_{k+1} φ_j(y))]
//      (Metropolis on the product Π_k p_k(v_k), which it leaves invariant and satisfies
//      detailed balance for), from the fields of step 1, which move with their states;
//   3. a block Gibbs sweep of every replica at its β: h ~ p(h | v) with field β φ(v) (the
//      fields of step 1), then v ~ p(v | h) with field β (a + W h).
// Each move leaves Π_k p_k(v_k) invariant, so their composition does; swapping before the sweep
// (rather than after it) lets the swaps reuse the product the sweep needs anyway, so a step costs
// one product per layer for all replicas. The hidden states need not be swapped: the sweep draws
// them from the (swapped) visible states. The β = 1 replicas after the sweep are samples of the
// model. Sums: aᵀv in float64; Σ_j L(β φ_j) by kernels::log_partition_sum (absolute error
// ≲ 2.4e-7 per hidden unit, far below what could change an acceptance statistically); a state's
// sum at β_{k+1} is reused by the next pair when it ends there.
// Randomness (a counter-based layout, so results do not depend on the thread count): per step,
// first two words (one uniform_double) per (chain, pair) in chain-major order, whether or not the
// proposal can be rejected; then one word per hidden unit, then one per visible unit, row-major
// over the K·C rows (rows replica-major: replica k of chain c is row k·C + c), as the fused
// sampling kernels (rbm/sampling_kernels.hpp) draw them. The work is shared by the OpenMP threads
// in one region per run() with splits that do not depend on the thread count: the products and
// the sweep by fixed blocks of 128 rows (a block's sweep and the next step's φ need no other
// rows, so a step has two barriers), the swaps by chains, each chain's uniforms at a fixed offset
// of the stream (as CD / PCD, src/rbm/chunked_gibbs.hpp).
#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow::sample {

// β_k = beta_min^{k/(K−1)}, k = 0 … K−1 (β_0 = 1, β_{K−1} = beta_min): constant ratio between
// neighbours, the usual default (Earl & Deem 2005). Throws Error for K < 2 or beta_min ∉ (0, 1).
std::vector<double> geometric_ladder(int replicas, double beta_min);

// log p*_β(v) above for every row of V (float64 sums).
VectorD tempered_log_weight(const Rbm& rbm, const MatrixF& V, double beta);

// log r of the swap proposal above for x at β_a and y at β_b (one pair of visible states).
double swap_log_ratio(const Rbm& rbm, const VectorF& x, const VectorF& y, double beta_a,
                      double beta_b);

// The sampler state needed to continue a run bit-identically.
struct TemperingState {
  MatrixF replicas;                      // [K·C, n_visible], replica k of chain c at row k·C + c
  std::vector<double> betas;             // the ladder, β_0 = 1 first
  std::vector<std::uint64_t> attempts;   // swap proposals per neighbour pair [K−1]
  std::vector<std::uint64_t> accepts;    // accepted swaps per pair [K−1]
  std::uint64_t adaptations = 0;         // ladder updates done (adaptive ladder)
};

class ParallelTempering {
 public:
  // `betas` must start at 1 and decrease strictly, all > 0. With `adaptive`, after each run()
  // the ladder moves toward equal swap acceptance (see adapt()).
  explicit ParallelTempering(std::vector<double> betas, bool adaptive = false);

  // C chains, every replica of chain c starting at row c of `start` (visible states).
  void reset(const MatrixF& start);
  bool initialized() const { return state_.replicas.size() != 0; }
  Index chains() const;
  int replicas() const { return static_cast<int>(state_.betas.size()); }

  // `steps` PT steps (Gibbs sweep + swaps) of every chain. With an adaptive ladder, one ladder
  // update follows (using the swaps of this call). Throws Error if not initialised or if the
  // model's visible size does not match.
  void run(const Rbm& rbm, int steps, Rng& rng);

  // Rows [0, C) of the replicas: the β = 1 states after the last run().
  MatrixF cold_states() const { return state_.replicas.topRows(chains()); }
  auto cold_view() const { return state_.replicas.topRows(chains()); }
  // φ(v) = b + Wᵀv of the β = 1 states under the model of the last run() (so E[h|v] = μ(φ)).
  const MatrixF& cold_hidden_field() const { return cold_field_; }

  const TemperingState& state() const { return state_; }
  // Replaces the state (checkpoint); sizes must be consistent. The ladder may differ from the
  // constructor's (adaptive runs move it).
  void restore(TemperingState state);
  // Fraction of accepted swaps per pair over the whole run (NaN where none was attempted).
  std::vector<double> acceptance() const;

 private:
  // Vousden, Farr & Mandel (2016)-style ladder update: with T = 1/β and gaps g_k = T_{k+1} − T_k,
  // log g_k += κ_t (A_k − mean A), κ_t = 0.1 / (1 + t/100), A_k the acceptance of pair k in the
  // last run(); then the gaps are rescaled so that T_0 = 1 and T_{K−1} stay fixed. Pairs that
  // accept often get wider gaps. The decaying κ_t makes the adaptation vanish (the chain becomes
  // Markov again), as adaptive MCMC requires.
  void adapt(const std::vector<std::uint64_t>& attempts, const std::vector<std::uint64_t>& accepts);
  // Step 2 for one chain, drawing its uniforms from rng (positioned at its first word).
  void swap_chain(Index chain, UnitType hidden, const VectorF& a, Rng& rng);
  // Step 3's sampling of rows [r0, r0 + n) of one layer (fields in X) at every row's β; word
  // first + r·cols + i.
  void sample_rows(UnitType type, MatrixF& X, Index r0, Index n, const Rng& stream,
                   std::uint64_t first) const;
  // Step 1 for rows [r0, r0 + n).
  void hidden_rows(const Rbm& rbm, Index r0, Index n);

  TemperingState state_;
  bool adaptive_;
  MatrixF field_;       // φ of all replicas, then their hidden samples
  MatrixF cold_field_;
  std::vector<float> beta_f_;                  // the ladder in float (the samplers' fields)
  std::vector<std::uint32_t> chain_accepts_;   // accepted swaps per (chain, pair) in one run()
};

}  // namespace rgflow::sample
