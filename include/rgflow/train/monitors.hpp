#pragma once
// Per-epoch training monitors (Hinton 2010, "A Practical Guide to Training RBMs").
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

}  // namespace rgflow::train
