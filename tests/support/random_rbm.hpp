#pragma once
// Fixtures shared by the RBM and estimator tests (header only).
#include <cstdint>
#include <ostream>

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow {
// GoogleTest prints parameters through PrintTo found by argument-dependent lookup.
inline void PrintTo(UnitType type, std::ostream* os) { *os << to_string(type); }
}  // namespace rgflow

namespace rgflow::test {

// An RBM with W_ij ~ N(0, w_std²) and biases ~ N(0, b_std²), drawn in the order weights (row-major),
// visible bias, hidden bias from the Philox stream (seed, stream).
inline Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed,
                      double w_std, double b_std, std::uint64_t stream) {
  Rbm rbm(nv, nh, vt, ht);
  Rng rng(seed, stream);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    rbm.weights().data()[i] = static_cast<float>(w_std * rng.normal());
  }
  for (Index i = 0; i < nv; ++i) rbm.visible_bias()[i] = static_cast<float>(b_std * rng.normal());
  for (Index j = 0; j < nh; ++j) rbm.hidden_bias()[j] = static_cast<float>(b_std * rng.normal());
  return rbm;
}

}  // namespace rgflow::test
