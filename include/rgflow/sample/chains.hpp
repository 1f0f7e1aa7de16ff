#pragma once
// Independent samples of an RBM's visible layer, the work of `rgflow rbm sample` and of the Python
// Rbm.sample: n chains from random starts, each run `gibbs_steps` block-Gibbs rounds v → h → v
// (or, with parallel tempering, `gibbs_steps` PT steps of `replicas` tempered copies per chain,
// sample/tempering.hpp), the final visible states returned.
//
// Starts (random_visible_states): binary units uniformly random, one Rng word per unit in
// row-major order (the state is word & 1); Gaussian units the W = 0 model, v_i = a_i + σ_i ξ with
// one normal per unit. The starts draw from Rng(seed, 0). Block Gibbs: the chains run in fixed
// groups of kChainsPerGroup (the last one shorter), group g drawing from Rng(seed, 1 + g), one
// product per layer for the group's rows; parallel tempering continues Rng(seed, 0) after the
// starts (tempering.hpp). A result is a pure function of (model, options), whatever the thread
// or rank count.
//
// Across processes (`communicator`, comm/communicator.hpp): Gibbs groups run on rank g mod N
// (round_robin_owner) and every rank then receives every sample bit for bit (gather_round_robin);
// parallel tempering splits its ladder over the ranks (tempering.hpp) and rank 0's β = 1 states
// are sent to every rank. Either way every rank returns the one-process result.
#include <cstdint>
#include <string_view>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow::sample {

MatrixF random_visible_states(const Rbm& rbm, Index n, Rng& rng);

enum class ChainMethod { gibbs, tempering };
std::string_view to_string(ChainMethod m);      // "gibbs" | "pt"
ChainMethod parse_chain_method(std::string_view name);

struct ChainOptions {
  Index samples = 100;            // independent chains, one sample each (>= 1)
  std::int64_t gibbs_steps = 1000;  // rounds per chain (>= 0)
  std::uint64_t seed = 0;
  ChainMethod method = ChainMethod::gibbs;
  int replicas = 10;              // tempering: temperatures on the geometric ladder (>= 2)
  double beta_min = 0.1;          // tempering: lowest inverse temperature, in (0, 1)
  // nullptr: this process runs every chain. With a communicator the call is collective: every
  // rank calls it with the same arguments.
  const Communicator* communicator = nullptr;
  // Polled between rounds; true: Cancelled. With a communicator, a rank whose poll fires tells
  // the others (announce_stop) and all ranks throw Cancelled together (Gibbs: after their groups;
  // tempering: at the same step, agreed on before each step).
  StopPoll stop;
};

// Chains advanced together by one product in Gibbs sampling (the unit of work split over ranks).
inline constexpr Index kChainsPerGroup = 25;

struct ChainResult {
  MatrixF visible;                // [samples, n_visible]
  std::vector<double> betas;      // tempering: the ladder
  std::vector<double> acceptance; // tempering: swap acceptance per neighbour pair
};

// Throws Error naming the quantity for options out of range, a tempering run on a model with
// Gaussian units or with fewer replicas than ranks; Cancelled when `stop` asks to; PeerFailure
// when another rank failed.
ChainResult sample_chains(const Rbm& rbm, const ChainOptions& options);

}  // namespace rgflow::sample
