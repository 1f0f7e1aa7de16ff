#include "rgflow/run/fit.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "rgflow/estimate/exact.hpp"
#include "rgflow/ising/exact.hpp"

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
  o.ais.chains = 32;
  o.ais.seed = seed;
  std::vector<double>& betas = o.ais.betas;
  for (int i = 0; i <= 50; ++i) betas.push_back(i / 100.0);
  for (int i = 1; i <= 400; ++i) betas.push_back(0.5 + i / 1000.0);
  for (int i = 1; i <= 500; ++i) betas.push_back(0.9 + i / 5000.0);
  betas.back() = 1.0;
  return o;
}

std::optional<FitReport> assess_fit(const Rbm& rbm, const MatrixF& train, const MatrixF* heldout,
                                    const estimate::LogZOptions& options, std::optional<double> exact) {
  const bool use_heldout = heldout != nullptr && heldout->rows() > 0;
  const MatrixF& rows = use_heldout ? *heldout : train;
  if (train.rows() < 1 || !rows_are_states(rbm, rows) || !rows_are_states(rbm, train)) return std::nullopt;
  FitReport r;
  r.rows = use_heldout ? "validation" : "training";
  r.n_rows = rows.rows();
  r.exact = exact;
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
  return r;
}

std::optional<double> ising_log_likelihood_per_spin(const std::map<std::string, std::string>& attributes,
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
  // p(v) = e^{K Σ s_i s_j} / Z with K = J/T: ⟨log p⟩ / N = −K u − log Z / N, u = ⟨H⟩/N for J = 1.
  const double K = *coupling / *temperature;
  const ising::ExactFinite e = ising::kaufman(L, K);
  return -K * e.energy_per_spin - e.log_z / static_cast<double>(n_visible);
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
}

}  // namespace rgflow::run
