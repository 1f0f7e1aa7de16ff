#pragma once
// Real-space mutual information (RSMI) coarse-graining: Koch-Janusz & Ringel, "Mutual
// information, neural networks and the renormalization group", Nat. Phys. 14, 578 (2018);
// Lenggenhager et al., PRX 10, 011037 (2020); with a neural lower bound on the mutual
// information as in Gökmen, Ringel, Huber & Koch-Janusz, PRL 127, 240603 (2021). docs/rsmi.md.
//
// Geometry (periodic; d = 1 ring of L sites, d = 2 lattice L×L). The lattice is tiled by blocks
// V of b^d sites (b divides L). Around a block, a buffer B of width w and then an environment E
// of width e: in 2D, E = the (b+2w+2e)² window centred on V minus the (b+2w)² window, in 1D the
// e sites on each side beyond the buffer. Requires b + 2w + 2e ≤ L (E does not wrap onto itself).
//
// The coarse-graining Λ (a filter [M, b^d], one row per coarse variable h_j of the block, shared
// by all blocks — translation invariance) defines
//     a_j(v) = Σ_i Λ_ji v_i,    h_j = sign(a_j)                           (at use; tie: coin)
//     p_Λ(h_j = +1 | v) = σ(2 a_j),  units independent given v         (training: a spin unit)
// The spin unit is the soft relaxation: its zero-temperature limit (|Λ| → ∞) is the sign. Its
// temperature is fixed: every row is kept on the sphere ‖Λ_j‖₂ = β √(b^d) (projected after each
// step), so β is the relaxation's inverse temperature in units of the RMS weight. β matters
// (docs/rsmi.md): for noisy units (small β) the best filter averages the block (majority-like);
// for deterministic ones the best filter breaks majority's ties — e.g. the exact optimum of the 1D
// chain is a decimation-like filter.
//
// Objective: the InfoNCE lower bound (van den Oord et al. 2018; Poole et al., ICML 2019, eq. 12)
// on I(H : E), with a critic f(h, e) = g_h(e), g = one-hidden-layer tanh network R^{|E|} → R^{2^M}:
//     I_NCE = E[ (1/K) Σ_i log( e^{f(h_i, e_i)} / ((1/K) Σ_j e^{f(h_i, e_j)}) ) ] ≤ I(H : E),
// over K pairs (h_i, e_i) from K *different* configurations (so e_j, j ≠ i, is independent of
// h_i). The expectation over h_i ~ p_Λ(h | v_i) is taken exactly (2^M terms), so the estimate is
// differentiable in Λ without sampling:
//     I_NCE ≈ (1/K) Σ_i Σ_h p_Λ(h|v_i) [ g_h(e_i) − log((1/K) Σ_j e^{g_h(e_j)}) ].
// Bias: I_NCE ≤ min(I, log K); for the optimal critic the gap is ≈ E[(r − 1)]/K-small with
// r = p(h|e)/p(h) (it vanishes as K → ∞); a suboptimal critic lowers it further. Evaluated on held-out
// configurations, the estimate is a lower bound up to its statistical error; on the training
// configurations it could overshoot (critic overfitting), so it is never reported from them.
//
// Optimisation: Adam (Kingma & Ba 2015) on the critic (constant learning rate) and on Λ (learning
// rate decaying linearly to 2 % of its start), Λ projected back onto its sphere after each step.
// Reproducible: randomness from Rng(seed, stream) (streams below), each mini-batch split into
// chunks of a fixed size whose gradients are summed in a fixed order, so the bits do not depend
// on the thread count.
//
// The bound is unchanged by h → −h, so the learned rows are defined up to sign: each is returned
// flipped so that its weight of largest magnitude is positive (majority-like filters come out
// positive, like majority rule; odd MCRG eigenvalues keep their sign). The history stays as trained.
//
// The reported mutual information is that of the *deterministic* rule h = sign(Λv) (ties: ½
// each way) — what coarse-graining uses: a fresh critic is trained on it for critic_epochs epochs
// on the training configurations and the bound is evaluated on the held-out ones (the last
// validation_fraction of the data), in groups of consecutive configurations whose spread gives
// the error. The same estimator, given a fixed filter, measures majority rule (uniform filter) or
// decimation ((1, 0, …, 0)) on the same footing.
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

struct RsmiGeometry {
  int dimension = 2;    // 1 or 2
  int L = 0;            // lattice side (ring length in 1D)
  int block = 2;        // b
  int buffer = 2;       // w ≥ 0
  int environment = 2;  // e ≥ 1

  void validate() const;  // rgflow::Error naming the offending quantity
  std::int64_t sites() const;           // L^d
  std::int64_t positions() const;       // blocks per configuration, (L/b)^d
  int block_sites() const;              // b^d
  int environment_sites() const;        // |E|
  // Offsets {dy, dx} from a block's origin (its top-left site): the block in row-major order,
  // then the environment in row-major order of its window (dy = 0 in 1D).
  std::vector<std::array<int, 2>> block_offsets() const;
  std::vector<std::array<int, 2>> environment_offsets() const;
};

struct RsmiOptions {
  int hidden_per_block = 1;           // M, 1 … 4 (the critic has 2^M outputs)
  int epochs = 60;                    // filter-learning epochs
  int critic_epochs = 30;             // epochs of the fresh critic that measures the final filter
  int positions_per_epoch = 4;        // block positions drawn per training configuration per epoch
  int eval_positions = 8;             // block positions per held-out configuration
  Index batch_size = 256;             // K, pairs per mini-batch (distinct configurations)
  int critic_hidden = 32;             // width of the critic's hidden layer
  double learning_rate = 0.01;        // Adam step for Λ (start of the linear decay)
  double critic_learning_rate = 0.003;
  double beta = 1.0;                  // relaxation inverse temperature: ‖Λ_j‖₂ = β √(b^d)
  double validation_fraction = 0.2;   // held-out share of the configurations (the last ones)
  std::uint64_t seed = 0;
  void validate() const;
};

// Random streams of Rng(seed, ·), fixed so a result can be reproduced piece by piece.
inline constexpr std::uint64_t kRsmiFilterInitStream = 1;
inline constexpr std::uint64_t kRsmiCriticInitStream = 2;      // learning phase
inline constexpr std::uint64_t kRsmiEstimatorInitStream = 3;   // fresh critic of the estimate
inline constexpr std::uint64_t kRsmiValidationStream = 4;      // held-out positions
inline constexpr std::uint64_t kRsmiEpochStreamBase = 1u << 20;         // + epoch (learning)
inline constexpr std::uint64_t kRsmiEstimatorEpochStreamBase = 1u << 21;  // + epoch (estimate)

struct RsmiEpoch {
  int epoch = 0;                  // 1-based
  double train_bound = 0.0;       // mean soft InfoNCE over the epoch's mini-batches (nats)
  double validation_bound = 0.0;  // hard filter, current critic, held-out configurations (nats)
};

struct RsmiResult {
  MatrixD filter;                 // [M, b^d], on the sphere ‖Λ_j‖ = β √(b^d) and oriented when learned
  MatrixD initial_filter;         // the random start (learned) or the given filter
  stats::Result mutual_information;  // of the deterministic rule, held out (nats)
  std::vector<RsmiEpoch> curve;      // one entry per learning epoch (empty for a fixed filter)
  MatrixD filter_history;            // [epochs, M·b^d] Λ after each epoch, row-major
  std::int64_t training_configurations = 0;
  std::int64_t validation_configurations = 0;
};

// `spins`: n configurations of L^d values ±1 (row-major). Throws rgflow::Error for bad options
// or sizes (too few configurations for a batch). `stop` is polled between mini-batches
// (Cancelled); `on_epoch` is called after each learning epoch.
using RsmiEpochCallback = std::function<void(const RsmiEpoch&)>;
RsmiResult learn_rsmi(std::span<const std::int8_t> spins, std::int64_t n, const RsmiGeometry& geometry,
                      const RsmiOptions& options, const StopPoll& stop = {},
                      const RsmiEpochCallback& on_epoch = {});

// The held-out InfoNCE estimate of I(H : E) for a fixed filter [M, b^d] (deterministic rule),
// exactly as learn_rsmi measures its final filter (uses critic_epochs, eval_positions, batch_size,
// critic_hidden, critic_learning_rate, validation_fraction, seed). The result's curve is empty.
RsmiResult rsmi_filter_information(std::span<const std::int8_t> spins, std::int64_t n,
                                   const RsmiGeometry& geometry, const MatrixD& filter,
                                   const RsmiOptions& options, const StopPoll& stop = {});

// max_i |Λ_ji − mean_i Λ_ji| / |mean_i Λ_ji| for row j (∞ when the mean is 0): 0 for a uniform
// filter; "uniform within 5 %" is ≤ 0.05.
double filter_nonuniformity(const MatrixD& filter, Index row = 0);

}  // namespace rgflow::rg
