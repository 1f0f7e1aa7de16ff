#include "rgflow/train/monitors.hpp"

#include "rgflow/core/error.hpp"

namespace rgflow::train {

double reconstruction_error(const Rbm& rbm, const MatrixF& rows, Rng& rng) {
  if (rows.size() == 0) throw Error("reconstruction error needs at least one row");
  MatrixF hidden;
  MatrixF reconstruction;
  rbm.sample_hidden(rows, hidden, rng);
  rbm.visible_mean(hidden, reconstruction);
  // Accumulate in double: a float sum over ~10^6 terms loses digits.
  return (rows - reconstruction).cast<double>().squaredNorm() / static_cast<double>(rows.size());
}

double mean_free_energy(const Rbm& rbm, const MatrixF& rows) {
  if (rows.rows() == 0) throw Error("mean free energy needs at least one row");
  return rbm.free_energy_visible(rows).mean();
}

}  // namespace rgflow::train
