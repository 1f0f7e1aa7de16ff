#pragma once
// Per-column standardisation of real-valued data for Gaussian visible units (docs/gaussian.md):
//   x'_i = (x_i − μ_i) / s_i,   μ_i = column mean,   s_i = max(sd_i, f · mean_k sd_k),
// sd_i the column standard deviation (divisor N) and f = relative_floor. The floor matters for
// columns that are almost constant in the training rows (MNIST's border pixels, on in a handful
// of images): without it their held-out values would be mapped to tens or hundreds of "standard
// deviations". Constant columns are then only centred (and divided by the floor). If every column
// is constant, s_i = 1.
// A model trained on x' models the density of x through the Jacobian of the map:
//   log p_x(x) = log p_x'(x') − Σ_i log s_i      (standardization_log_jacobian).
// Model files store μ and s next to the model (io/model.hpp), so `rbm loglik` and `rbm logz` apply
// the training set's statistics to any data they are given.
#include "rgflow/core/types.hpp"

namespace rgflow::io {

struct Standardization {
  VectorF mean;   // μ [n_columns]
  VectorF scale;  // s [n_columns], all > 0
};

// Fits μ and s in float64. Throws Error for an empty matrix, non-finite values or a relative
// floor outside [0, 1].
Standardization fit_standardization(const MatrixF& data, double relative_floor = 0.1);

// x ← (x − μ) / s, row by row, in place. Throws Error on a column-count mismatch.
void apply_standardization(const Standardization& s, MatrixF& data);

// −Σ_i log s_i: add it to a log-density of standardised rows to get the log-density of the
// original rows (nats per sample).
double standardization_log_jacobian(const Standardization& s);

}  // namespace rgflow::io
