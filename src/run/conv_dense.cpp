// Convolutional model files in the dense tools (include/rgflow/run/conv.hpp): the dense
// equivalent of a conv file, and the kernel-geometry positions of its hidden units.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rgflow/conv/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/run/conv.hpp"

namespace rgflow::run {

bool is_conv_model_file(const std::string& path) {
  try {
    const io::h5::File file = io::h5::File::open(path);
    return file.exists("/conv_rbm");
  } catch (const FileError&) {
    return false;  // the caller's own reader reports a missing or damaged file in its words
  }
}

Rbm dense_from_conv_file(const std::string& path) {
  const conv::ConvRbm m = conv::load_model(path);
  if (m.n_visible() * m.n_hidden() > (Index{1} << 28)) {
    throw FileError(path, fmt::format("the convolutional RBM's dense equivalent ({} x {} weights) is too large for "
                                      "the dense tools (at most 2^28 weights)", m.n_visible(), m.n_hidden()));
  }
  return m.to_dense();
}

std::vector<std::pair<double, double>> conv_hidden_positions(const conv::ConvShape& shape) {
  std::vector<std::pair<double, double>> out(static_cast<std::size_t>(shape.n_hidden()));
  for (Index j = 0; j < shape.n_hidden(); ++j) {
    const auto [row, column] = shape.hidden_position(j);
    out[static_cast<std::size_t>(j)] = {column, row};
  }
  return out;
}

void attach_conv_positions(ReceptiveFieldsRun& run, const conv::ConvShape& shape) {
  if (run.levels.empty() || static_cast<Index>(run.levels.front().units.size()) != shape.n_hidden() ||
      run.lattice != shape.lattice) {
    throw Error("the receptive fields are not those of this convolutional RBM");
  }
  run.positions = conv_hidden_positions(shape);
  const auto delta = [&](double a, double b) {
    const double d = std::fmod(std::fabs(a - b), static_cast<double>(shape.lattice));
    return std::min(d, static_cast<double>(shape.lattice) - d);
  };
  std::vector<double> offsets;
  for (std::size_t j = 0; j < run.positions.size(); ++j) {
    const rg::Locality& u = run.levels.front().units[j];
    offsets.push_back(std::hypot(delta(u.centre_x, run.positions[j].first), delta(u.centre_y, run.positions[j].second)));
  }
  run.centre_offset = stats::mean_sem(offsets);
}

}  // namespace rgflow::run
