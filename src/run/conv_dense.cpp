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
      run.lattice != shape.lattice || run.levels.front().fields.rows() != shape.n_visible()) {
    throw Error("the receptive fields are not those of this convolutional RBM");
  }
  run.positions = conv_hidden_positions(shape);
  const auto L = static_cast<double>(shape.lattice);
  const auto delta = [&](double a, double b) {
    const double d = std::fmod(std::fabs(a - b), L);
    return std::min(d, L - d);
  };
  const MatrixD& fields = run.levels.front().fields;
  const double r2 = run.locality.radius * run.locality.radius + 1e-12;  // as rg/receptive_fields.cpp
  std::vector<double> offsets, scores;
  run.position_scores.clear();
  for (std::size_t j = 0; j < run.positions.size(); ++j) {
    const auto [px, py] = run.positions[j];
    const rg::Locality& u = run.levels.front().units[j];
    offsets.push_back(std::hypot(delta(u.centre_x, px), delta(u.centre_y, py)));
    // S_j(r) about the kernel-geometry position: the weight p_i = R_ij² / Σ R² within r of it.
    const auto column = fields.col(static_cast<Index>(j));
    const double total = column.squaredNorm();
    double score = 0.0;
    for (Index i = 0; i < fields.rows() && total > 0.0; ++i) {
      const double dx = delta(static_cast<double>(i % shape.lattice), px);
      const double dy = delta(static_cast<double>(i / shape.lattice), py);
      if (dx * dx + dy * dy <= r2) score += column[i] * column[i] / total;
    }
    run.position_scores.push_back(score);
  }
  run.centre_offset = stats::mean_sem(offsets);
  run.position_score = stats::mean_sem(run.position_scores);
}

}  // namespace rgflow::run
