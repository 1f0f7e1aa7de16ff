#include "rgflow/run/conv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "rgflow/conv/log_partition.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/run/fit.hpp"

namespace rgflow::run {

ConvData read_conv_data(const std::string& path, UnitType type) {
  io::Dataset ds = io::load_dataset(path);
  if (ds.data.size() == 0) throw FileError(path, "dataset is empty");
  const auto all = [&](auto pred) { return std::all_of(ds.data.data(), ds.data.data() + ds.data.size(), pred); };
  if (type == UnitType::spin && all([](float x) { return x == 0.f || x == 1.f; })) {
    ds.data = (2.0f * ds.data.array() - 1.0f).matrix();
  } else if (type == UnitType::bernoulli && all([](float x) { return x == -1.f || x == 1.f; })) {
    ds.data = (0.5f * (ds.data.array() + 1.0f)).matrix();
  }
  ConvData d{std::move(ds.data), ds.lattice_size, std::nullopt, path};
  const auto attr = [&](const char* name) -> std::optional<double> {
    const auto it = ds.attributes.find(name);
    if (it == ds.attributes.end()) return std::nullopt;
    try {
      return std::stod(it->second);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  const auto T = attr("temperature"), J = attr("coupling"), h = attr("field");
  if (T && *T > 0.0 && std::isfinite(*T) && (!h || *h == 0.0)) {
    const double K = J.value_or(1.0) / *T;
    if (K > 0.0 && std::isfinite(K)) d.coupling = K;
  }
  return d;
}

ConvLogZMethod parse_conv_log_z_method(std::string_view name) {
  if (name == "auto" || name == "automatic") return ConvLogZMethod::automatic;
  if (name == "exact") return ConvLogZMethod::exact;
  if (name == "ais") return ConvLogZMethod::ais;
  if (name == "reverse-ais") return ConvLogZMethod::reverse_ais;
  throw Error(fmt::format("log Z method '{}': expected auto, exact, ais or reverse-ais", name));
}

std::string_view to_string(ConvLogZMethod method) {
  switch (method) {
    case ConvLogZMethod::automatic: return "auto";
    case ConvLogZMethod::exact: return "exact";
    case ConvLogZMethod::ais: return "ais";
    case ConvLogZMethod::reverse_ais: return "reverse-ais";
  }
  return "auto";
}

ConvLogZRun conv_log_z(const conv::ConvRbm& model, const ConvLogZRequest& request, const MatrixF* data) {
  if (request.chains < 2 || request.chains > (1 << 20)) {
    throw Error(fmt::format("AIS chains {}: must be in [2, 1048576]", request.chains));
  }
  if (request.betas < 0 || request.betas > 10'000'000) {
    throw Error(fmt::format("AIS temperatures {}: must be in [0, 10000000]", request.betas));
  }
  if (request.betas == 1) throw Error("an AIS schedule needs at least 2 temperatures (or 0 for the default)");
  ConvLogZRun run;
  run.n_visible = model.n_visible();
  run.seed = request.seed;
  run.method = request.method;
  if (run.method == ConvLogZMethod::automatic) {
    run.method = std::min(model.n_visible(), model.n_hidden()) <= 20 ? ConvLogZMethod::exact : ConvLogZMethod::ais;
  }
  if (run.method == ConvLogZMethod::exact) {
    run.log_z = stats::Result::exact(conv::exact_log_partition(model, request.threads, request.stop));
    return run;
  }
  if (run.method == ConvLogZMethod::reverse_ais && data == nullptr) throw Error("reverse AIS needs data");
  estimate::AisOptions a;
  a.chains = request.chains;
  if (request.betas > 0) a.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(request.betas));
  a.seed = request.seed;
  a.threads = request.threads;
  a.stop = request.stop;
  run.base_visible_bias = conv::base_visible_bias(model, data);
  run.base_from_data = data != nullptr;
  run.ais = run.method == ConvLogZMethod::ais
                ? conv::ais_log_partition(model, run.base_visible_bias, a)
                : conv::reverse_ais_log_partition(model, run.base_visible_bias, *data, a);
  run.log_z = run.ais->log_z;
  return run;
}

void to_json(nlohmann::json& j, const ConvLogZRun& r) {
  const double n = static_cast<double>(r.n_visible);
  nlohmann::json details = nlohmann::json::object();
  if (r.ais) {
    details = {{"log_z_lower_3sigma", r.ais->log_z_lower3}, {"log_z_upper_3sigma", r.ais->log_z_upper3},
               {"effective_sample_size", r.ais->effective_sample_size}, {"chains", r.ais->chains},
               {"temperatures", r.ais->n_betas}, {"base_visible_bias", r.base_visible_bias},
               {"base_from_data", r.base_from_data}, {"seed", r.seed}};
  }
  j = {{"method", std::string(to_string(r.method))}, {"log_z", r.log_z},
       {"log_z_per_spin", stats::Result{r.log_z.mean / n, r.log_z.error / n, 0.5, r.log_z.n}},
       {"details", details}};
}

ConvLogLikelihoodRun conv_log_likelihood(const conv::ConvRbm& model, const ConvData& data,
                                         const ConvLogZRequest& request) {
  model.check_visible_data(data.rows, data.source);
  ConvLogLikelihoodRun run;
  run.log_z = conv_log_z(model, request, &data.rows);
  run.rows = data.rows.rows();
  const double n = static_cast<double>(model.n_visible());
  const double log_z = run.log_z.log_z.mean;
  const VectorD F = model.free_energy_visible(data.rows);
  std::vector<double> total(static_cast<std::size_t>(F.size())), per_spin(total.size());
  for (Index r = 0; r < F.size(); ++r) {
    per_spin[static_cast<std::size_t>(r)] = (-F[r] - log_z) / n;
    total[static_cast<std::size_t>(r)] = per_spin[static_cast<std::size_t>(r)] * n;
  }
  run.log_likelihood_per_spin = stats::mean_sem(per_spin);
  // The rows' spread and log Z's error.
  run.log_likelihood_per_spin.error = std::hypot(run.log_likelihood_per_spin.error, run.log_z.log_z.error / n);
  if (data.coupling && model.shape().lattice >= 2) {
    const IsingReference ising{model.shape().lattice, *data.coupling};
    run.coupling = ising.K;
    std::vector<double> li = ising_log_probabilities(data.rows, ising, model.visible_type());
    for (double& x : li) x /= n;
    run.ising_log_likelihood_per_spin = stats::mean_sem(li);
    run.minus_entropy_per_spin = stats::Result::exact(ising_minus_entropy_per_spin(ising));
    run.kl_per_spin = ising_kl_per_spin(data.rows, total, run.log_z.log_z.error, ising, model.visible_type());
  }
  return run;
}

void to_json(nlohmann::json& j, const ConvLogLikelihoodRun& r) {
  const nlohmann::json z = r.log_z;
  j = {{"rows", r.rows}, {"method", z["method"]}, {"log_z", z["log_z"]},
       {"log_likelihood_per_spin", r.log_likelihood_per_spin}, {"details", z["details"]}};
  if (r.coupling) {
    j["ising"] = {{"coupling", *r.coupling}, {"log_likelihood_per_spin", r.ising_log_likelihood_per_spin},
                  {"minus_entropy_per_spin", r.minus_entropy_per_spin}, {"kl_per_spin", r.kl_per_spin}};
  }
}

}  // namespace rgflow::run
