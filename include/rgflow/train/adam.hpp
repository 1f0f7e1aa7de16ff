#pragma once
// Adam's update for one block of parameters (Kingma & Ba 2015, Algorithm 1), shared by the dense
// optimizer (train/optimizer.hpp) and the convolutional trainer (conv/train.hpp). For an ascent
// direction g and update count t (after incrementing):
//   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²,
//   θ ← θ + ε m̂ / (√v̂ + ϵ),  m̂ = m / c1,  v̂ = v / c2,  c1 = 1 − β1ᵗ,  c2 = 1 − β2ᵗ.
// Templated on the Eigen blocks and on the scalar (float for the dense optimizer, double for the
// convolutional one), so each caller keeps its own arithmetic.
#include <cmath>
#include <cstdint>

namespace rgflow::train {

// The bias correction 1 − βᵗ (computed in double).
inline double adam_correction(double beta, std::int64_t steps) {
  return 1.0 - std::pow(beta, static_cast<double>(steps));
}

// One Adam step of θ (m, v updated in place); c1, c2 from adam_correction.
template <class Scalar, class Theta, class G, class M, class V>
void adam_block(Theta&& theta, const G& g, M&& m, V&& v, Scalar lr, Scalar b1, Scalar b2, Scalar c1, Scalar c2,
                Scalar eps) {
  m = b1 * m + (Scalar(1) - b1) * g;
  v = b2 * v + (Scalar(1) - b2) * g.cwiseProduct(g);
  theta.array() += lr * (m.array() / c1) / ((v.array() / c2).sqrt() + eps);
}

}  // namespace rgflow::train
