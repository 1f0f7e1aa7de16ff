#pragma once
// Parallel tempering for convolutional RBMs (method pt of conv/train.hpp; docs/conv.md), the
// dense design of sample/tempering.hpp (Desjardins et al. 2010) on the conv fields. Replica k of
// a chain samples the tempered model p_k(v, h) ∝ e^{−β_k E(v, h)} on the geometric ladder
// 1 = β_0 > … > β_{R−1} = β_min (sample/tempering.hpp geometric_ladder). Its visible marginal is
//   log p*_β(v) = β a Σ_x v_x + Σ_{c,p} L_h(β φ_{c,p}(v))        (conv_rbm.hpp: φ, L_h)
// One step:
//   1. for every chain, for k = 0 … R − 2 in order: propose swapping the states x (at β_k) and y
//      (at β_{k+1}); accept with probability min(1, r),
//        log r = log p*_{β_k}(y) + log p*_{β_{k+1}}(x) − log p*_{β_k}(x) − log p*_{β_{k+1}}(y)
//      (the replicas' joint law is a product of tempered marginals, so this is Metropolis on it);
//   2. a block Gibbs sweep of every replica at its β: h ~ p(h | v) with field β φ(v), then
//      v ~ p(v | h) with field β ψ(h) (ψ includes the visible bias).
// The states are the rows of one matrix [R·C, L²], replica k of chain c at row k C + c, so rows
// [0, C) are the β = 1 states: the samples of the model after the step.
// Randomness: step 1 draws one uniform_double (two words) per (chain, pair), chain-major, chain
// c's at word offset 2 (R − 1) c of the stream; step 2 one word per hidden unit, then one per
// visible unit, row-major (row r's words at offset r·n of each layer's block). Every chain's and
// row's words are fixed, and the swaps (float64 sums, each chain sequential) and fields
// (conv_rbm.hpp) do not depend on the thread count: the states are bit-identical for any.
#include <cstdint>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"

namespace rgflow::conv {

// log p*_β(v) of one visible row, in float64 (`phi`: n_hidden scratch).
double tempered_log_weight(const ConvRbm& model, const float* v, double beta, double* phi);

class ConvTempering {
 public:
  // Error for replicas < 2, beta_min ∉ (0, 1) or chains < 1.
  ConvTempering(int replicas, double beta_min, Index chains);
  const std::vector<double>& betas() const { return betas_; }
  Index chains() const { return chains_; }
  // One step (swaps, then a sweep) of `states` [R·C, n_visible] in place; Error for a wrong shape.
  void step(const ConvRbm& model, MatrixF& states, Rng& rng);
  // The same step for chains [first_chain, end_chain) only (one rank's share, conv/train.hpp):
  // their rows of every replica change exactly as in the full step (each swap and row draws the
  // words it draws there), the other rows are left as they are, accepted() counts these chains'
  // swaps (proposed() all C), and rng is left after the full step's words. Error for a range
  // outside [0, C).
  void step(const ConvRbm& model, MatrixF& states, Rng& rng, Index first_chain, Index end_chain);
  // Accepted and proposed swaps of pair (k, k + 1) since construction.
  const std::vector<std::int64_t>& accepted() const { return accepted_; }
  std::int64_t proposed() const { return proposed_; }

 private:
  std::vector<double> betas_;
  Index chains_ = 0;
  std::vector<std::int64_t> accepted_;
  std::int64_t proposed_ = 0;
};

}  // namespace rgflow::conv
