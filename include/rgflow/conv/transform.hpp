#pragma once
// Stacking convolutional RBMs (docs/conv.md "Stacking"): the hidden layer of one channel of a conv
// layer, read as an M×M periodic lattice (M = L/S, hidden unit p₁ M + p₂ at lattice index
// p₁ M + p₂, the visible index convention; conv_rbm.hpp hidden_position), is the visible lattice
// of the next conv layer — greedy layer-wise training (Hinton, Osindero & Teh 2006) with weight
// sharing. For data v ~ p(v) of the layer, samples h ~ p(h|v) are distributed as the layer's
// hidden marginal p(h) ∝ e^{−F(h)}, the distribution the next layer is trained to model.
// Multi-channel visible layers are not supported: one channel is taken per transform (with C = 1
// nothing is dropped).
#include <cstdint>

#include "rgflow/conv/conv_rbm.hpp"

namespace rgflow::conv {

struct HiddenLatticeOptions {
  Index channel = 0;        // in [0, C)
  bool sample = true;       // h ~ p(h|v) (unit states) or E[h|v] (means)
  std::uint64_t seed = 0;   // sampling: Rng(seed, 0), row r's words at offset r·n_hidden (conv_rbm.hpp)
};

// [N, M²]: channel `channel` of the hidden layer of every row of V [N, L²]. Bit-identical for any
// thread count. Error for a channel out of range or V of the wrong width.
MatrixF hidden_lattice(const ConvRbm& model, const MatrixF& V, const HiddenLatticeOptions& options);

}  // namespace rgflow::conv
