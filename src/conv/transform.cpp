// Stacking convolutional RBMs (include/rgflow/conv/transform.hpp).
#include "rgflow/conv/transform.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"

namespace rgflow::conv {

MatrixF hidden_lattice(const ConvRbm& model, const MatrixF& V, const HiddenLatticeOptions& options) {
  const ConvShape& s = model.shape();
  if (options.channel < 0 || options.channel >= s.channels) {
    throw Error(fmt::format("channel {} is out of range (the model has {} channel{})", options.channel, s.channels,
                            s.channels == 1 ? "" : "s"));
  }
  MatrixF H;
  if (options.sample) {
    Rng rng(options.seed, 0);
    model.sample_hidden(V, H, rng);
  } else {
    model.hidden_mean(V, H);
  }
  return H.middleCols(options.channel * s.positions(), s.positions());
}

}  // namespace rgflow::conv
