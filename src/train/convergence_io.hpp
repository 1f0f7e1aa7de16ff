#pragma once
// The automatic-stopping state in a training checkpoint (train/checkpoint.cpp), HDF5 layout:
//   /train/convergence attributes: score ("exact"|"ais"|"pll"), best_epoch, epochs_since_best,
//        stop_reason ("" while running), best_score_mean, best_score_error, best_log_z_per_unit,
//        best_log_z_error_per_unit (float64)
//   /train/convergence/best_rows  float64 [N, 1]   s_r of the best epoch on the validation rows
//   /train/convergence/history    float64 [E, 4]   epoch, score mean, score error, improved (0/1)
//   /train/convergence/best_model the best epoch's RBM, laid out as a model group (io/model.hpp)
#include <optional>
#include <string>

#include "rgflow/io/hdf5.hpp"
#include "rgflow/train/convergence.hpp"

namespace rgflow::train::detail {

void write_convergence(io::h5::File& file, const ConvergenceState& state);
// nullopt when the checkpoint has none; Error (the caller names the file) for a state that does
// not fit the model `like` (shape, unit types) or is malformed.
std::optional<ConvergenceState> read_convergence(const io::h5::File& file, const Rbm& like);

}  // namespace rgflow::train::detail
