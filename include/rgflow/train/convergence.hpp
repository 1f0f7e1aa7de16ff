#pragma once
// Automatic stopping ("--epochs auto", TrainConfig::auto_epochs): training that stops when the
// held-out score has stopped improving, and keeps the best epoch's model. docs/training.md.
//
// The score of a model θ after epoch e on the N validation rows v_r, per unit (n = n_visible):
//   exact  S = (1/N) Σ_r s_r − log Z / n,   s_r = −F(v_r) / n,  log Z by enumerating the smaller
//          layer (estimate/exact.hpp): the held-out log-likelihood per unit;
//   ais    the same with log Z from forward AIS on a fixed budget (stop_ais_options: 32 chains,
//          501 temperatures, one seed for every epoch), so S carries log Z's error;
//   pll    s_r = PLL(v_r) / n = log σ(F(ṽ_r) − F(v_r)) with the flipped unit i_r of row r drawn
//          once for the run (estimate/pseudo_likelihood.hpp), no log Z.
// automatic takes exact when min(n_visible, n_hidden) <= kExactStopUnits (Gaussian visible units:
// n_hidden <= kExactStopUnits), else ais.
//
// Improvement. Epoch e improves on the best epoch b when the paired difference
//   D = S_e − S_b = (1/N) Σ_r (s_r^e − s_r^b) − (log Z_e − log Z_b) / n
// exceeds its standard error
//   σ_D = sqrt( sd_r(s_r^e − s_r^b)² / N + (σ_{log Z_e}² + σ_{log Z_b}²) / n² )
// (sd with divisor N − 1; the log Z errors are 0 for exact and pll). Pairing over the same rows
// removes the spread of the rows, which two independent means would count twice.
// The first scored epoch is the first best. After every epoch:
//   improved (D > σ_D):  best ← e, epochs_since_best ← 0
//   otherwise:           epochs_since_best ← epochs_since_best + 1
//   epochs_since_best == patience:  stop, reason "converged"
//   else e == max epochs:           stop, reason "max_epochs"
// On a stop the model of the best epoch is restored (its parameters bit for bit; the optimizer
// and sampler state stay those of the last epoch, unused afterwards).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/types.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"
#include "rgflow/train/config.hpp"

namespace rgflow::train {

inline constexpr Index kExactStopUnits = 20;

// StopScore::automatic resolved for `rbm` (exact | ais | pll). Throws Error when the score cannot
// be computed: exact beyond kExactStopUnits enumerable units, pll for non-binary visible units.
StopScore resolve_stop_score(StopScore requested, const Rbm& rbm);

// The AIS budget of the ais score: 32 chains in batches of 16, temperatures by 0.01 to 0.5, by
// 0.002 to 0.9, by 0.0004 to 1 (501 in all), chains seeded with `seed`.
estimate::LogZOptions stop_ais_options(std::uint64_t seed);

// One evaluation of the score on the validation rows.
struct HeldOutScore {
  StopScore method = StopScore::exact;  // resolved
  stats::Result score;                  // S, error: sd_r(s_r)/√N and σ_{log Z}/n in quadrature
  VectorD rows;                         // s_r
  double log_z_per_unit = 0.0;          // log Z / n (0 for pll)
  double log_z_error_per_unit = 0.0;    // its standard error / n (0 for exact and pll)
};

// The score of `rbm` on `rows` by `method` (resolved). `base_rows` fit AIS's base-rate model (the
// training rows); `ais_seed` seeds its chains; `flip_index` holds pll's flipped unit per row.
// Bit-identical for any thread count.
HeldOutScore heldout_score(const Rbm& rbm, StopScore method, const MatrixF& rows,
                           const MatrixF& base_rows, std::uint64_t ais_seed,
                           const std::vector<Index>& flip_index);

// D = S_now − S_best and σ_D as above. Throws Error when the two were scored on different rows.
stats::Result score_difference(const HeldOutScore& now, const HeldOutScore& best);

struct ScoreRecord {
  int epoch = 0;
  stats::Result score;
  bool improved = false;
};

// The state of the stopping rule; checkpointed (train/checkpoint.cpp), so a resumed run stops
// where the uninterrupted one does.
struct ConvergenceState {
  int best_epoch = 0;           // 0: no epoch scored yet
  HeldOutScore best;            // the best epoch's score, rows included
  Rbm best_model;               // the best epoch's parameters
  int epochs_since_best = 0;
  std::string stop_reason;      // empty while running; "converged" or "max_epochs"
  std::vector<ScoreRecord> history;

  bool stopped() const { return !stop_reason.empty(); }
  // Applies the rule above to epoch `epoch` (1-based) of a run capped at `max_epochs`; returns
  // whether it improved. `model` is the model after the epoch.
  bool record(int epoch, const HeldOutScore& score, const Rbm& model, int patience, int max_epochs);
};

// {"score": "exact"|"ais"|"pll", "best_epoch", "stop_reason" (null while running),
//  "epochs_since_best", "best_score": {mean, error}, "history": [{"epoch", "score", "improved"}]}.
void to_json(nlohmann::json& j, const ConvergenceState& s);

}  // namespace rgflow::train
