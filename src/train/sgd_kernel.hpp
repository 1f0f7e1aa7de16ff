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

// Σ_j x_j y_j over n floats with 16 fixed partial sums (lane j mod 16), added in lane order at the
// end: the association is written out, so the bits do not depend on how the compiler vectorises
// or peels the loop for the rows' alignment.
inline float dot16(const float* x, const float* y, Index n) {
  float acc[16] = {};
  Index j = 0;
  for (; j + 16 <= n; j += 16) {
#pragma omp simd
    for (int l = 0; l < 16; ++l) acc[l] += x[j + l] * y[j + l];
  }
  for (int l = 0; j < n; ++j, ++l) acc[l] += x[j] * y[j];
  float s = 0.0f;
  for (int l = 0; l < 16; ++l) s += acc[l];
  return s;
}

}  // namespace rgflow::train::detail
