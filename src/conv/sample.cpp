// Independent block-Gibbs chains of a convolutional RBM (include/rgflow/conv/sample.hpp).
#include "rgflow/conv/sample.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "rgflow/core/error.hpp"

namespace rgflow::conv {

void ConvSampleOptions::check(const ConvRbm& model) const {
  if (samples < 1 || samples > (Index{1} << 24)) throw Error(fmt::format("sample count {} must be in [1, 2^24]", samples));
  if (sweeps < 0 || sweeps > 100'000'000) throw Error(fmt::format("sweeps {} must be in [0, 10^8]", sweeps));
  const Index width = std::max(model.n_visible(), model.n_hidden());
  if (samples > (Index{1} << 31) / width) {
    throw Error(fmt::format("{} samples of {} units each are too many (at most 2^31 values)", samples, width));
  }
}

MatrixF sample_visible_states(const ConvRbm& model, const ConvSampleOptions& options) {
  model.validate();
  options.check(model);
  StopSignal signal(options.stop);
  if (signal.stopped()) throw Cancelled();
  Rng start(options.seed, 0), gibbs(options.seed, 1);
  const float off = model.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  MatrixF V(options.samples, model.n_visible()), H;
  for (Index r = 0; r < V.rows(); ++r) {  // row-major, as one thread would draw them
    for (Index i = 0; i < V.cols(); ++i) V(r, i) = start.uniform() < 0.5f ? off : 1.0f;
  }
  for (int t = 1; t <= options.sweeps; ++t) {
    model.gibbs(V, H, 1, gibbs);
    if (options.on_sweep) options.on_sweep(t);
    if (signal.check()) throw Cancelled();
  }
  return V;
}

}  // namespace rgflow::conv
