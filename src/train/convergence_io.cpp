// The automatic-stopping state in a training checkpoint (convergence_io.hpp).
#include "convergence_io.hpp"

#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <limits>

#include "rgflow/core/error.hpp"
#include "rgflow/io/model.hpp"

namespace rgflow::train::detail {

namespace {
constexpr const char* kGroup = "/train/convergence";
}  // namespace

void write_convergence(io::h5::File& file, const ConvergenceState& s) {
  MatrixD rows(s.best.rows.size(), 1);
  rows.col(0) = s.best.rows;
  file.write("/train/convergence/best_rows", rows);
  MatrixD history(static_cast<Index>(s.history.size()), 4);
  for (std::size_t k = 0; k < s.history.size(); ++k) {
    const ScoreRecord& r = s.history[k];
    history.row(static_cast<Index>(k)) << r.epoch, r.score.mean, r.score.error, r.improved ? 1.0 : 0.0;
  }
  if (!s.history.empty()) file.write("/train/convergence/history", history);
  io::write_rbm(file, "/train/convergence/best_model", s.best_model);
  file.set_attribute(kGroup, "score", to_string(s.best.method));
  file.set_attribute(kGroup, "best_epoch", std::int64_t{s.best_epoch});
  file.set_attribute(kGroup, "epochs_since_best", std::int64_t{s.epochs_since_best});
  file.set_attribute(kGroup, "stop_reason", s.stop_reason);
  file.set_attribute(kGroup, "best_score_mean", s.best.score.mean);
  file.set_attribute(kGroup, "best_score_error", s.best.score.error);
  file.set_attribute(kGroup, "best_score_n", static_cast<std::int64_t>(s.best.score.n));
  file.set_attribute(kGroup, "best_log_z_per_unit", s.best.log_z_per_unit);
  file.set_attribute(kGroup, "best_log_z_error_per_unit", s.best.log_z_error_per_unit);
}

std::optional<ConvergenceState> read_convergence(const io::h5::File& file, const Rbm& like) {
  if (!file.exists(kGroup)) return std::nullopt;
  ConvergenceState s;
  const auto int_attr = [&](const char* name) {
    const std::int64_t v = file.int_attribute(kGroup, name);
    if (v < 0 || v > std::numeric_limits<int>::max()) {
      throw Error(fmt::format("'{}' attribute '{}' is out of range ({})", kGroup, name, v));
    }
    return static_cast<int>(v);
  };
  s.best.method = parse_stop_score(file.string_attribute(kGroup, "score"));
  s.best_epoch = int_attr("best_epoch");
  s.epochs_since_best = int_attr("epochs_since_best");
  s.stop_reason = file.string_attribute(kGroup, "stop_reason");
  if (!s.stop_reason.empty() && s.stop_reason != "converged" && s.stop_reason != "max_epochs") {
    throw Error(fmt::format("'{}' attribute 'stop_reason' is '{}'", kGroup, s.stop_reason));
  }
  s.best.score.mean = file.double_attribute(kGroup, "best_score_mean");
  s.best.score.error = file.double_attribute(kGroup, "best_score_error");
  s.best.score.n = file.int_attribute(kGroup, "best_score_n");
  s.best.log_z_per_unit = file.double_attribute(kGroup, "best_log_z_per_unit");
  s.best.log_z_error_per_unit = file.double_attribute(kGroup, "best_log_z_error_per_unit");
  const MatrixD rows = file.read_matrix_double("/train/convergence/best_rows");
  if (rows.cols() != 1 || !rows.allFinite()) {
    throw Error("dataset '/train/convergence/best_rows' is not a finite column");
  }
  s.best.rows = rows.col(0);
  if (file.exists("/train/convergence/history")) {
    const MatrixD h = file.read_matrix_double("/train/convergence/history");
    if (h.cols() != 4) throw Error("dataset '/train/convergence/history' has the wrong shape");
    for (Index k = 0; k < h.rows(); ++k) {
      s.history.push_back({static_cast<int>(h(k, 0)), {h(k, 1), h(k, 2), 0.5, s.best.score.n},
                           h(k, 3) != 0.0});
    }
  }
  s.best_model = io::read_rbm(file, "/train/convergence/best_model");
  const Rbm& m = s.best_model;
  if (m.n_visible() != like.n_visible() || m.n_hidden() != like.n_hidden() ||
      m.visible_type() != like.visible_type() || m.hidden_type() != like.hidden_type()) {
    throw Error("the best model in '/train/convergence/best_model' does not match the model");
  }
  return s;
}

}  // namespace rgflow::train::detail
