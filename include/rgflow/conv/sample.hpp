#pragma once
// Sampling a convolutional RBM (conv/conv_rbm.hpp; docs/conv.md "Sampling"): `samples`
// independent block-Gibbs chains, each started at a uniformly random visible state and run for
// `sweeps` sweeps v → h ~ p(h | v) → v ~ p(v | h); the last visible state of each chain is one
// sample. Chain r is row r of one batch: the start states draw from Rng(seed, 0) row-major, the
// sweeps from Rng(seed, 1) (ConvRbm::gibbs draws row r's uniforms from the stream advanced by
// r·n), so the samples are bit-identical for any thread count. The chains are independent, so the
// samples are independent draws from the chain's distribution after `sweeps` sweeps, which tends
// to p(v) as sweeps grows (tested against exact enumeration at L = 4).
#include <cstdint>
#include <functional>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/core/cancel.hpp"

namespace rgflow::conv {

struct ConvSampleOptions {
  Index samples = 1000;  // independent chains, >= 1
  int sweeps = 1000;     // Gibbs sweeps per chain, >= 0 (0: the uniform start states)
  std::uint64_t seed = 0;
  StopPoll stop;         // polled between sweeps; Cancelled
  // Called after each sweep with the number done (may be empty).
  std::function<void(int)> on_sweep;
  // Throws Error naming the quantity (samples ≤ 2^24 and samples × max(layer) ≤ 2^31).
  void check(const ConvRbm& model) const;
};

// [samples, L²] visible states of the model's unit type (row-major lattice sites x₁ L + x₂).
MatrixF sample_visible_states(const ConvRbm& model, const ConvSampleOptions& options);

}  // namespace rgflow::conv
