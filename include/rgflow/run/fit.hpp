#pragma once
// The quality gate of a trained RBM ("fit before you measure"): its log-likelihood per unit on
// held-out rows next to the independent-unit baseline — the best product of marginals, exact — and,
// for configurations of the 2D Ising model, the exact value −s per spin (Kaufman). `rgflow rbm
// train` reports it at the end and in --json; a model below its baseline gets a warning.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::run {

struct FitReport {
  std::string rows;               // "validation" or "training": the rows scored
  Index n_rows = 0;
  // Mean log p(v) per unit over the rows; error: their spread and log Z's error in quadrature.
  stats::Result log_likelihood;
  estimate::LogZEstimate log_z;
  // The best product of marginals, per unit: Σ_i log p_i(v_i) / n_visible on the same rows, with
  // p_i the frequency of the "on" state in the training rows, smoothed by half a count each way
  // (Jeffreys) so that a state unseen in training has a finite cost.
  double independent = 0.0;
  std::optional<double> exact;    // −s per spin of the Ising model the data were sampled from
  // KL(p_Ising ‖ p_model) per spin, paired over the scored rows: the mean of
  // (log p_Ising(v) − log p_model(v)) / N, with log Z's error in quadrature — far less variance
  // than exact − log_likelihood (issue #16). Ising data only.
  std::optional<stats::Result> kl;
  // The model beats its baseline: log-likelihood − 2 error > independent.
  bool above_baseline = false;
};

// The gate's log Z: exact when the smaller layer has at most 20 units, else forward AIS with 64
// chains on a 1,901-temperature schedule (β by 0.005 to 0.5, by 0.0005 to 0.9, by 0.0001 to 1)
// seeded with `seed` — a fixed budget of seconds, not a precision estimate. Against the full
// schedule (100 chains, 14,501 temperatures) it underestimated log Z by 0.1 ± 0.1 nats on a
// 256 × 64 Ising model and by 0.4 ± 0.3 on a 784 × 500 MNIST model (the earlier 32 × 951 budget:
// 0.5 and 0.5 ± 0.6; docs/training.md, "The quality gate").
estimate::LogZOptions fit_log_z_options(std::uint64_t seed);

// The zero-field periodic L×L Ising model at coupling K = J/T that data were sampled from.
struct IsingReference {
  Index L = 0;
  double K = 0.0;
};
// For data files written by `rgflow ising sample`: attributes "coupling", "temperature", "field"
// (0) and "L" with L² = n_visible. nullopt when the attributes do not describe such a lattice.
std::optional<IsingReference> ising_reference(const std::map<std::string, std::string>& attributes,
                                              Index n_visible);
// −s per spin, the mean of log p(v) / N under the model: −K u − ln Z / N (Kaufman).
double ising_minus_entropy_per_spin(const IsingReference& ising);
// log p_Ising(v) = K Σ_⟨ij⟩ s_i s_j − ln Z (Kaufman) of each row: spins ±1, or 0/1 read as
// s = 2x − 1, site (x, y) in column x·L + y.
std::vector<double> ising_log_probabilities(const MatrixF& rows, const IsingReference& ising,
                                            UnitType type);
// The paired KL estimate per spin from per-row model log-likelihoods (totals, not per spin) and
// the error of the log Z they used.
stats::Result ising_kl_per_spin(const MatrixF& rows, const std::vector<double>& model_log_likelihoods,
                                double log_z_error, const IsingReference& ising, UnitType type);

// The report for binary units and rows of states (nullopt otherwise: Gaussian units, rows of
// probabilities). `heldout` may be null or empty: then the training rows are scored. With `ising`
// (the data's Ising model) the report adds −s and the paired KL.
std::optional<FitReport> assess_fit(const Rbm& rbm, const MatrixF& train, const MatrixF* heldout,
                                    const estimate::LogZOptions& options,
                                    std::optional<IsingReference> ising = std::nullopt);

// {"rows", "n_rows", "log_likelihood_per_unit", "independent_per_unit", "exact_per_unit"?,
//  "kl_per_unit"?, "above_baseline", "log_z", "log_z_method"}.
void to_json(nlohmann::json& j, const FitReport& r);

}  // namespace rgflow::run
