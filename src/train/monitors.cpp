#include "rgflow/train/monitors.hpp"

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

}  // namespace rgflow::train
