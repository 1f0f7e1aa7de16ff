#pragma once
// Per-epoch training monitors (Hinton 2010, "A Practical Guide to Training RBMs").
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::train {

// Hinton §5 reconstruction error: for each row v draw h ~ p(h|v); the per-row mean over units of
// (v − E[v|h])², averaged over rows with its standard error over rows (stats::mean_sem). Cheap and
// noisy; it is not the quantity being optimised.
stats::Result reconstruction_error(const Rbm& rbm, const MatrixF& rows, Rng& rng);

// Mean of F(v) (Rbm::free_energy_visible) over the rows, with its standard error over rows.
// Hinton §6 overfitting monitor: the difference of this mean between validation and training
// rows, F̄_val − F̄_train, does not depend on Z and grows when the model starts to overfit.
stats::Result mean_free_energy(const Rbm& rbm, const MatrixF& rows);

// Persistent TAP particles over one epoch (TapEstimator; docs/tap.md "Collapse"): a particle is
// a duplicate when the largest |difference| of its visible and hidden magnetisations from those
// of an earlier, distinct particle is at most kTapDistinctTolerance; the others are distinct.
struct ParticleStats {
  Index particles = 0;     // P
  Index distinct = 0;      // distinct particles after the epoch's last update (its sweeps)
  Index min_distinct = 0;  // fewest distinct particles found before an update's sweeps
  Index reseeded = 0;      // particles restarted at batch rows during the epoch
  Index reseedings = 0;    // updates that re-seeded
  double spread = 0.0;     // after the last update: RMS over particles and units of m − centroid
};
inline constexpr double kTapDistinctTolerance = 1e-6;
// The number of distinct rows of [visible | hidden] (rows = particles) by the rule above, scanning
// the particles in order; `duplicates` (optional) receives the duplicates' row indices.
Index count_distinct_particles(const MatrixF& visible, const MatrixF& hidden, double tolerance,
                               std::vector<Index>* duplicates = nullptr);

}  // namespace rgflow::train
