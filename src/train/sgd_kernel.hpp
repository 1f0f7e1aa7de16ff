#pragma once
// The plain SGD-with-momentum step on a run of weights, shared by Optimizer::step and the fused
// step of the binary-unit estimators (Gradient::fused_step), so both do the same arithmetic:
// v ← m·v + lr·g, w ← w + v, element by element.
#include "rgflow/core/types.hpp"

namespace rgflow::train::detail {

inline void sgd_momentum(float* v, float* w, const float* g, Index n, float momentum, float lr) {
#pragma omp simd
  for (Index e = 0; e < n; ++e) {
    v[e] = momentum * v[e] + lr * g[e];
    w[e] += v[e];
  }
}

}  // namespace rgflow::train::detail
