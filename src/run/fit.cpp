#include "rgflow/run/fit.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "rgflow/estimate/exact.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::run {

namespace {

bool rows_are_states(const Rbm& rbm, const MatrixF& rows) {
  return rbm.binary() && dispatch(rbm.visible_type(), [&](auto u) {
           using U = decltype(u);
           return std::all_of(rows.data(), rows.data() + rows.size(), [](float x) { return U::valid(x); });
         });
}

// The "on" state (1 for Bernoulli units, +1 for spins) of a valid state x.
bool on(float x) { return x > 0.5f; }

}  // namespace

estimate::LogZOptions fit_log_z_options(std::uint64_t seed) {
  estimate::LogZOptions o;
  o.method = estimate::LogZMethod::automatic;
  o.max_exact_units = 20;
  o.ais.chains = 64;
  o.ais.seed = seed;
  std::vector<double>& betas = o.ais.betas;
  for (int i = 0; i <= 100; ++i) betas.push_back(i / 200.0);
  for (int i = 1; i <= 800; ++i) betas.push_back(0.5 + i / 2000.0);
  for (int i = 1; i <= 1000; ++i) betas.push_back(0.9 + i / 10000.0);
  betas.back() = 1.0;
  return o;
}

std::optional<FitReport> assess_fit(const Rbm& rbm, const MatrixF& train, const MatrixF* heldout,
                                    const estimate::LogZOptions& options, std::optional<IsingReference> ising) {
  const bool use_heldout = heldout != nullptr && heldout->rows() > 0;
  const MatrixF& rows = use_heldout ? *heldout : train;
  if (train.rows() < 1 || !rows_are_states(rbm, rows) || !rows_are_states(rbm, train)) return std::nullopt;
  FitReport r;
  r.rows = use_heldout ? "validation" : "training";
  r.n_rows = rows.rows();
  const double n_units = static_cast<double>(rbm.n_visible());

  double independent = 0.0;
  for (Index i = 0; i < train.cols(); ++i) {
    double count = 0.0;
    for (Index t = 0; t < train.rows(); ++t) count += on(train(t, i)) ? 1.0 : 0.0;
    const double p = (count + 0.5) / (static_cast<double>(train.rows()) + 1.0);
    for (Index t = 0; t < rows.rows(); ++t) independent += std::log(on(rows(t, i)) ? p : 1.0 - p);
  }
  r.independent = independent / static_cast<double>(rows.rows()) / n_units;

  r.log_z = estimate::estimate_log_partition(rbm, options, &train);
  const stats::Result ll = estimate::mean_log_likelihood(rbm, rows, r.log_z.log_z.mean);
  r.log_likelihood = ll;
  r.log_likelihood.mean = ll.mean / n_units;
  r.log_likelihood.error = std::hypot(ll.error, r.log_z.log_z.error) / n_units;
  r.above_baseline = r.log_likelihood.mean - 2.0 * r.log_likelihood.error > r.independent;
  if (ising) {
    r.exact = ising_minus_entropy_per_spin(*ising);
    const VectorD F = rbm.free_energy_visible(rows);
    std::vector<double> model(static_cast<std::size_t>(F.size()));
    for (Index t = 0; t < F.size(); ++t) model[static_cast<std::size_t>(t)] = -F[t] - r.log_z.log_z.mean;
    r.kl = ising_kl_per_spin(rows, model, r.log_z.log_z.error, *ising, rbm.visible_type());
  }
  return r;
}

double ising_minus_entropy_per_spin(const IsingReference& ising) {
  const ising::ExactFinite e = ising::kaufman(static_cast<int>(ising.L), ising.K);
  return -ising.K * e.energy_per_spin - e.log_z / static_cast<double>(ising.L * ising.L);
}

std::vector<double> ising_log_probabilities(const MatrixF& rows, const IsingReference& ising,
                                            UnitType type) {
  const Index L = ising.L;
  const double log_z = ising::kaufman(static_cast<int>(L), ising.K).log_z;
  std::vector<double> out(static_cast<std::size_t>(rows.rows()));
  for (Index r = 0; r < rows.rows(); ++r) {
    const auto s = [&](Index x, Index y) {
      const float v = rows(r, (x % L) * L + y % L);
      return type == UnitType::spin ? static_cast<double>(v) : 2.0 * v - 1.0;
    };
    double bonds = 0.0;
    for (Index x = 0; x < L; ++x) {
      for (Index y = 0; y < L; ++y) bonds += s(x, y) * (s(x + 1, y) + s(x, y + 1));
    }
    out[static_cast<std::size_t>(r)] = ising.K * bonds - log_z;
  }
  return out;
}

stats::Result ising_kl_per_spin(const MatrixF& rows, const std::vector<double>& model_log_likelihoods,
                                double log_z_error, const IsingReference& ising, UnitType type) {
  const std::vector<double> exact = ising_log_probabilities(rows, ising, type);
  const double n = static_cast<double>(ising.L * ising.L);
  std::vector<double> diff(exact.size());
  for (std::size_t t = 0; t < exact.size(); ++t) diff[t] = (exact[t] - model_log_likelihoods.at(t)) / n;
  stats::Result kl = stats::mean_sem(diff);
  kl.error = std::hypot(kl.error, log_z_error / n);
  return kl;
}

std::optional<IsingReference> ising_reference(const std::map<std::string, std::string>& attributes,
                                              Index n_visible) {
  const auto number = [&](const char* key) -> std::optional<double> {
    const auto it = attributes.find(key);
    if (it == attributes.end()) return std::nullopt;
    try {
      std::size_t used = 0;
      const double x = std::stod(it->second, &used);
      if (used == it->second.size() && std::isfinite(x)) return x;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  };
  const auto coupling = number("coupling");
  const auto temperature = number("temperature");
  const auto field = number("field");
  const auto size = number("L");
  if (!coupling || !temperature || !size || (field && *field != 0.0)) return std::nullopt;
  if (*coupling <= 0.0 || *temperature <= 0.0 || *size < 2.0 || *size > 4096.0) return std::nullopt;
  const int L = static_cast<int>(*size);
  if (static_cast<double>(L) != *size || static_cast<Index>(L) * L != n_visible) return std::nullopt;
  // p(v) = e^{K Σ s_i s_j} / Z with K = J/T.
  return IsingReference{static_cast<Index>(L), *coupling / *temperature};
}

void to_json(nlohmann::json& j, const FitReport& r) {
  j = {{"rows", r.rows},
       {"n_rows", r.n_rows},
       {"log_likelihood_per_unit", r.log_likelihood},
       {"independent_per_unit", r.independent},
       {"above_baseline", r.above_baseline},
       {"log_z", r.log_z.log_z},
       {"log_z_method", std::string(estimate::to_string(r.log_z.method))}};
  if (r.exact) j["exact_per_unit"] = *r.exact;
  if (r.kl) j["kl_per_unit"] = *r.kl;
}

}  // namespace rgflow::run
