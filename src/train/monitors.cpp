#include "rgflow/train/monitors.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "rgflow/core/error.hpp"

namespace rgflow::train {

stats::Result reconstruction_error(const Rbm& rbm, const MatrixF& rows, Rng& rng) {
  if (rows.size() == 0) throw Error("reconstruction error needs at least one row");
  MatrixF hidden;
  MatrixF reconstruction;
  rbm.sample_hidden(rows, hidden, rng);
  rbm.visible_mean(hidden, reconstruction);
  // Per row in double: a float sum over many units loses digits.
  const VectorD per_row = (rows - reconstruction).cast<double>().rowwise().squaredNorm() /
                          static_cast<double>(rows.cols());
  return stats::mean_sem({per_row.data(), static_cast<std::size_t>(per_row.size())});
}

stats::Result mean_free_energy(const Rbm& rbm, const MatrixF& rows) {
  if (rows.rows() == 0) throw Error("mean free energy needs at least one row");
  const VectorD f = rbm.free_energy_visible(rows);
  return stats::mean_sem({f.data(), static_cast<std::size_t>(f.size())});
}

Index count_distinct_particles(const MatrixF& visible, const MatrixF& hidden, double tolerance,
                               std::vector<Index>* duplicates) {
  if (visible.rows() != hidden.rows()) {
    throw Error(fmt::format("particles: {} visible but {} hidden magnetisation rows",
                            visible.rows(), hidden.rows()));
  }
  if (duplicates != nullptr) duplicates->clear();
  // Rows differ within a few units' time unless they are (near) copies: compare unit by unit
  // and stop at the first difference above the tolerance.
  const auto close = [&](Index p, Index q) {
    for (Index i = 0; i < visible.cols(); ++i) {
      if (!(std::abs(visible(p, i) - visible(q, i)) <= tolerance)) return false;
    }
    for (Index j = 0; j < hidden.cols(); ++j) {
      if (!(std::abs(hidden(p, j) - hidden(q, j)) <= tolerance)) return false;
    }
    return true;
  };
  std::vector<Index> distinct;
  for (Index p = 0; p < visible.rows(); ++p) {
    const bool duplicate = std::any_of(distinct.begin(), distinct.end(), [&](Index q) { return close(p, q); });
    if (!duplicate) {
      distinct.push_back(p);
    } else if (duplicates != nullptr) {
      duplicates->push_back(p);
    }
  }
  return static_cast<Index>(distinct.size());
}

}  // namespace rgflow::train
