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
// of the stream (as CD / PCD, src/rbm/chunked_gibbs.hpp). The products of a step are cut into
// blocks of at most 128 rows *inside each replica* (replica k's C rows: blocks [k·C + 128 j, …)),
// so a block's shape, and so its bits, depend on C alone — never on which rank holds the replica.
//
// Across processes (a Communicator of N > 1 ranks, comm/communicator.hpp): the ladder is split
// into N contiguous blocks of replicas, rank r holding replicas [⌊K r / N⌋, ⌊K (r+1) / N⌋) of every
// chain (K ≥ N: every rank holds one at least; Error otherwise). Each rank sweeps its own replicas
// (their words at the same offsets of the stream as in one process). The swaps keep their order,
// pair (0, 1) first and up the ladder, because a state can climb several rungs in one step: rank
// r + 1 can only start once rank r has done its pairs. The states themselves move across a rank
// boundary (not the temperature labels, so every rank keeps sweeping the same temperatures, with
// the same words, as the one-process run). Each rank first computes the terms of its own states
// that do not depend on the swaps below it (swap_terms: aᵀy, Σ_j L(β φ_j(y)) at the two β of the
// pair where y is proposed), so what waits for the rank below is one sum per pair (the climbing
// state's at the next β) and the accept test. A step runs N − 1 exchange rounds (allgather); in round
// j, rank j − 1 sends the states and fields of its top replica after its own pairs (the "carry":
// C·(n_v + n_h) floats) and, in round 1 only, every rank r ≥ 1 sends its bottom replica as it was
// before the swaps. The boundary pair (k, k+1) between ranks r and r + 1 is then decided on both
// of them from the same two states, fields and uniform (the upper rank keeps x or takes the carry,
// the lower one keeps y or takes the bottom row), so no decision travels back. Every float and
// double in these decisions is the one-process value (kernels::dot_f64 and log_partition_sum do
// not depend on where a row lives), so the states, the acceptance counts and the cold chain are
// bit-identical for any N; each swap is counted by the rank holding its upper replica and the
// counts are summed over ranks (exact in float64) at the end of run().
//
// Across processes by chains (training: run_chains below): a swap only ever exchanges two replicas
// of the same chain, so the chains are independent Markov chains. A process may run a piece of the
// chains — all their replicas — with the words of the one-process run, the other pieces' states
// coming from elsewhere afterwards; each piece's accepted swaps are exact integers to be summed.
#include <cstdint>
#include <utility>
#include <vector>

#include "rgflow/comm/communicator.hpp"
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

// The sampler state needed to continue a run bit-identically. Split over ranks, `replicas` holds
// this rank's block of the ladder only (local replica q = ladder position first + q).
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
  // the ladder moves toward equal swap acceptance (see adapt()). `communicator` (nullptr or one
  // rank: every replica here) splits the ladder over its ranks (header comment); run() is then
  // collective. Throws Error when the ladder has fewer temperatures than there are ranks.
  explicit ParallelTempering(std::vector<double> betas, bool adaptive = false,
                             const Communicator* communicator = nullptr);

  // C chains, every replica of chain c starting at row c of `start` (visible states; all C rows on
  // every rank).
  void reset(const MatrixF& start);
  bool initialized() const { return state_.replicas.size() != 0; }
  Index chains() const { return chains_; }
  int replicas() const { return static_cast<int>(state_.betas.size()); }  // the whole ladder
  // This rank's block of the ladder: replicas [first_replica(), first_replica() + local_replicas()).
  int first_replica() const { return static_cast<int>(first_); }
  int local_replicas() const { return static_cast<int>(end_ - first_); }

  // `steps` PT steps (Gibbs sweep + swaps) of every chain. With an adaptive ladder, one ladder
  // update follows (using the swaps of this call). Throws Error if not initialised or if the
  // model's visible size does not match.
  void run(const Rbm& rbm, int steps, Rng& rng);

  // Row shards of the chains (data-parallel training, train::TemperingEstimator; a sampler of one
  // process, not split over ranks: Error otherwise). Runs `steps` PT steps of chains
  // [pieces.front(), pieces.back()) alone, every replica of each, as run() would: a chain's swap
  // uniforms and sweep words sit at offsets fixed by the chain and the replica (header comment),
  // never by which chains run, and the products are cut into blocks of at most 128 rows inside
  // each replica and each piece [pieces[i], pieces[i + 1]) — so a chain's states are the same bits
  // whichever process runs its piece, given the pieces. The other chains are left as they were; the
  // cold field (cold_hidden_field) is computed for these chains only, piece by piece. Returns the
  // accepted swaps of these chains per pair, not yet counted: the caller gathers every piece's
  // (exact integers), writes the other pieces' states into replica_states(), and calls
  // add_swaps. `rng` advances as run()'s does. run() is run_chains({0, C}) then add_swaps.
  std::vector<std::uint64_t> run_chains(const Rbm& rbm, int steps, Rng& rng,
                                        const std::vector<Index>& pieces);
  // Counts `steps` swap proposals per chain and pair and `accepts` (summed over all chains) and,
  // with an adaptive ladder, updates the ladder from them (as the end of run()).
  void add_swaps(int steps, const std::vector<std::uint64_t>& accepts);
  // The replica states (rows as TemperingState::replicas), for a caller that runs pieces of the
  // chains in several processes to write the other pieces' rows (same shape).
  MatrixF& replica_states() { return state_.replicas; }

  // Rows [0, C) of the replicas: the β = 1 states after the last run() (split over ranks: on
  // the rank holding replica 0 only; Error elsewhere).
  MatrixF cold_states() const;
  auto cold_view() const { return state_.replicas.topRows(chains()); }
  // φ(v) = b + Wᵀv of the β = 1 states under the model of the last run() (so E[h|v] = μ(φ)).
  // Computed by run() unless switched off (a sampler that never reads it saves one product).
  const MatrixF& cold_hidden_field() const { return cold_field_; }
  void keep_cold_hidden_field(bool keep) { keep_cold_field_ = keep; }

  const TemperingState& state() const { return state_; }
  // Replaces the state (checkpoint); sizes must be consistent. The ladder may differ from the
  // constructor's (adaptive runs move it).
  void restore(TemperingState state);
  // Fraction of accepted swaps per pair over the whole run (NaN where none was attempted).
  std::vector<double> acceptance() const;

 private:
  // A chain's swap sweep in progress: the state x now at the current pair's lower position, its
  // aᵀx and its Σ_j L(β φ_j(x)) at that position's β.
  struct Cursor {
    double ax = 0.0;
    double x_at_own = 0.0;
  };
  // Vousden, Farr & Mandel (2016)-style ladder update: with T = 1/β and gaps g_k = T_{k+1} − T_k,
  // log g_k += κ_t (A_k − mean A), κ_t = 0.1 / (1 + t/100), A_k the acceptance of pair k in the
  // last run(); then the gaps are rescaled so that T_0 = 1 and T_{K−1} stay fixed. Pairs that
  // accept often get wider gaps. The decaying κ_t makes the adaptation vanish (the chain becomes
  // Markov again), as adaptive MCMC requires.
  void adapt(const std::vector<std::uint64_t>& attempts, const std::vector<std::uint64_t>& accepts);
  // The checks and work buffers of a run of `steps` steps.
  void prepare(const Rbm& rbm, int steps);
  // Stream words of one PT step (the whole ladder and every chain).
  std::uint64_t step_words(const Rbm& rbm) const;
  // The accepted swaps per pair of chains [c0, c1) in the last run (chain_accepts_).
  std::vector<std::uint64_t> chain_range_accepts(Index c0, Index c1) const;
  // The state and field rows of ladder position `pos` of `chain`: a local replica, or the ghost
  // rows of the neighbouring ranks' boundary replicas (first − 1: the carry; end: the bottom).
  float* state_row(Index pos, Index chain);
  float* field_row(Index pos, Index chain);
  // Step 2's terms of the states this rank holds before the swaps, for chains [c0, c0 + n): a
  // state at position q is the y of pair (q−1, q), untouched until that pair, so its aᵀy and its
  // Σ_j L at β_{q−1} and β_q are known before the swaps start (and before a carry arrives from
  // the rank below). Only the climbing x's sum at β_{q+1} is left to the ordered pass.
  void swap_terms(Index c0, Index n, UnitType hidden, const VectorF& a);
  // Step 2 for chains [c0, c0 + n), pairs [p0, p1) (positions p, p + 1 for p in it), the cursors
  // starting at position p0 when `start`; the uniforms of pair p of chain c are the two words at
  // `at` + 2 (c (K−1) + p) of `stream`.
  void swap_chains(Index c0, Index n, Index p0, Index p1, bool start, UnitType hidden,
                   const VectorF& a, const Rng& stream, std::uint64_t at);
  // Step 3 (and the next step's φ when `next`) of every local row, words from `at` on.
  void sweep(const Rbm& rbm, const Rng& stream, std::uint64_t at, bool next);
  // Step 2 across ranks (header comment): the exchange rounds and this rank's pairs.
  void swap_distributed(UnitType hidden, const VectorF& a, const Rng& stream, std::uint64_t at,
                        int threads);
  // Step 3's sampling of rows [r0, r0 + n) of one layer (fields in X) at every row's β; word
  // first + (global row)·cols + i.
  void sample_rows(UnitType type, MatrixF& X, Index r0, Index n, const Rng& stream,
                   std::uint64_t first) const;
  // Step 1 for rows [r0, r0 + n).
  void hidden_rows(const Rbm& rbm, Index r0, Index n);

  TemperingState state_;
  bool adaptive_;
  const Communicator* comm_ = nullptr;  // nullptr: one process
  Index first_ = 0, end_ = 0;            // this rank's replicas [first_, end_) of the ladder
  Index chains_ = 0;
  bool keep_cold_field_ = true;
  std::vector<Cursor> cursors_;          // per chain, during the swaps
  // swap_terms per local row: aᵀv, Σ_j L at the β below the row's and at its own.
  std::vector<double> term_dot_, term_below_, term_own_;
  MatrixF ghost_low_v_, ghost_low_f_;    // the carry from rank − 1 (position first_ − 1)
  MatrixF ghost_high_v_, ghost_high_f_;  // the bottom replica of rank + 1 (position end_)
  MatrixF field_;       // φ of all replicas, then their hidden samples
  std::vector<std::pair<Index, Index>> blocks_;  // the products' row blocks (first row, rows)
  MatrixF cold_field_;
  std::vector<float> beta_f_;                  // the ladder in float (the samplers' fields)
  std::vector<std::uint32_t> chain_accepts_;   // accepted swaps per (chain, pair) in one run()
};

}  // namespace rgflow::sample
