#pragma once
// Independent samples of an RBM's visible layer, the work of `rgflow rbm sample` and of the Python
// Rbm.sample: n chains from random starts, each run `gibbs_steps` block-Gibbs rounds v → h → v
// (or, with parallel tempering, `gibbs_steps` PT steps of `replicas` tempered copies per chain,
// sample/tempering.hpp), the final visible states returned.
//
// Starts (random_visible_states): binary units uniformly random, one Rng word per unit in
// row-major order (the state is word & 1); Gaussian units the W = 0 model, v_i = a_i + σ_i ξ with
// one normal per unit. Everything draws from Rng(seed, 0) in that order: starts, then the chains,
// so a result is a pure function of (model, options).
#include <cstdint>
#include <string_view>
#include <vector>

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
  StopPoll stop;                  // polled between rounds; true: Cancelled
};

struct ChainResult {
  MatrixF visible;                // [samples, n_visible]
  std::vector<double> betas;      // tempering: the ladder
  std::vector<double> acceptance; // tempering: swap acceptance per neighbour pair
};

// Throws Error naming the quantity for options out of range, or a tempering run on a model with
// Gaussian units; Cancelled when `stop` asks to.
ChainResult sample_chains(const Rbm& rbm, const ChainOptions& options);

}  // namespace rgflow::sample
