// Automatic stopping: the held-out score and the stopping rule (train/convergence.hpp).
#include "rgflow/train/convergence.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <span>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/pseudo_likelihood.hpp"

namespace rgflow::train {

StopScore resolve_stop_score(StopScore requested, const Rbm& rbm) {
  const bool gaussian = !is_binary(rbm.visible_type());
  const Index enumerable = gaussian ? rbm.n_hidden() : std::min(rbm.n_visible(), rbm.n_hidden());
  switch (requested) {
    case StopScore::automatic:
      return enumerable <= kExactStopUnits ? StopScore::exact : StopScore::ais;
    case StopScore::exact:
      if (enumerable > estimate::kMaxExactUnits) {
        throw Error(fmt::format("the exact held-out score enumerates {} units (at most {})",
                                enumerable, estimate::kMaxExactUnits));
      }
      return requested;
    case StopScore::pll:
      if (!rbm.binary()) throw Error("the pseudo-log-likelihood score needs binary units");
      return requested;
    case StopScore::ais:
      return requested;
  }
  throw std::logic_error("unknown stop score");
}

estimate::LogZOptions stop_ais_options(std::uint64_t seed) {
  estimate::LogZOptions o;
  o.method = estimate::LogZMethod::ais;
  o.ais.chains = 32;
  o.ais.chains_per_batch = 16;
  o.ais.seed = seed;
  std::vector<double>& b = o.ais.betas;
  for (int i = 0; i <= 50; ++i) b.push_back(i / 100.0);
  for (int i = 1; i <= 200; ++i) b.push_back(0.5 + i / 500.0);
  for (int i = 1; i <= 250; ++i) b.push_back(0.9 + i / 2500.0);
  b.back() = 1.0;
  return o;
}

HeldOutScore heldout_score(const Rbm& rbm, StopScore method, const MatrixF& rows,
                           const MatrixF& base_rows, std::uint64_t ais_seed,
                           const std::vector<Index>& flip_index) {
  HeldOutScore out;
  out.method = method;
  const double n = static_cast<double>(rbm.n_visible());
  if (method == StopScore::pll) {
    out.rows = estimate::pseudo_log_likelihood_rows(rbm, rows, flip_index) / n;
  } else {
    estimate::LogZOptions options = stop_ais_options(ais_seed);
    options.method = method == StopScore::exact ? estimate::LogZMethod::exact : estimate::LogZMethod::ais;
    const estimate::LogZEstimate z = estimate::estimate_log_partition(rbm, options, &base_rows);
    out.log_z_per_unit = z.log_z.mean / n;
    out.log_z_error_per_unit = (std::isfinite(z.log_z.error) ? z.log_z.error : 0.0) / n;
    out.rows = estimate::log_likelihood_rows(rbm, rows, 0.0) / n;
  }
  out.score = stats::mean_sem({out.rows.data(), static_cast<std::size_t>(out.rows.size())});
  out.score.mean -= out.log_z_per_unit;
  out.score.error = std::hypot(out.score.error, out.log_z_error_per_unit);
  return out;
}

stats::Result score_difference(const HeldOutScore& now, const HeldOutScore& best) {
  if (now.rows.size() != best.rows.size()) {
    throw Error(fmt::format("held-out scores on {} and {} rows cannot be compared", now.rows.size(),
                            best.rows.size()));
  }
  const VectorD d = now.rows - best.rows;
  stats::Result r = stats::mean_sem({d.data(), static_cast<std::size_t>(d.size())});
  if (!std::isfinite(r.error)) r.error = 0.0;  // one row: no spread to estimate
  r.mean -= now.log_z_per_unit - best.log_z_per_unit;
  r.error = std::sqrt(r.error * r.error + now.log_z_error_per_unit * now.log_z_error_per_unit +
                      best.log_z_error_per_unit * best.log_z_error_per_unit);
  return r;
}

bool ConvergenceState::record(int epoch, const HeldOutScore& score, const Rbm& model, int patience,
                              int max_epochs) {
  bool improved = best_epoch == 0;
  if (!improved) {
    const stats::Result d = score_difference(score, best);
    improved = d.mean > d.error;
  }
  if (improved) {
    best_epoch = epoch;
    best = score;
    best_model = model;
    epochs_since_best = 0;
  } else {
    epochs_since_best += 1;
  }
  history.push_back({epoch, score.score, improved});
  if (epochs_since_best >= patience) {
    stop_reason = "converged";
  } else if (epoch >= max_epochs) {
    stop_reason = "max_epochs";
  }
  return improved;
}

void to_json(nlohmann::json& j, const ConvergenceState& s) {
  nlohmann::json history = nlohmann::json::array();
  for (const ScoreRecord& r : s.history) {
    history.push_back({{"epoch", r.epoch}, {"score", r.score}, {"improved", r.improved}});
  }
  j = {{"score", to_string(s.best.method)},
       {"best_epoch", s.best_epoch},
       {"stop_reason", s.stopped() ? nlohmann::json(s.stop_reason) : nlohmann::json(nullptr)},
       {"epochs_since_best", s.epochs_since_best},
       {"best_score", s.best.score},
       {"history", history}};
}

}  // namespace rgflow::train
