// One entry point for log Z by any estimator (estimate/log_partition.hpp).
#include "rgflow/estimate/log_partition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "tap_search.hpp"

namespace rgflow::estimate {

namespace {
struct MethodName {
  LogZMethod method;
  std::string_view name;
};
constexpr MethodName kMethods[] = {
    {LogZMethod::automatic, "auto"}, {LogZMethod::exact, "exact"},
    {LogZMethod::ais, "ais"},        {LogZMethod::reverse_ais, "reverse-ais"},
    {LogZMethod::tap1, "tap1"},      {LogZMethod::tap2, "tap2"},
    {LogZMethod::tap3, "tap3"},      {LogZMethod::none, "none"},
};
}  // namespace

std::string_view to_string(LogZMethod m) {
  for (const MethodName& e : kMethods) {
    if (e.method == m) return e.name;
  }
  return "?";
}

LogZMethod parse_log_z_method(std::string_view name) {
  if (name == "automatic") return LogZMethod::automatic;
  for (const MethodName& e : kMethods) {
    if (e.name == name) return e.method;
  }
  throw Error(fmt::format("unknown log Z method '{}' (expected auto, exact, ais, reverse-ais, tap1, "
                          "tap2, tap3 or none)",
                          name));
}

int tap_order(LogZMethod m) {
  switch (m) {
    case LogZMethod::tap1: return 1;
    case LogZMethod::tap2: return 2;
    case LogZMethod::tap3: return 3;
    default: return 0;
  }
}

void check(const LogZOptions& o) {
  if (o.max_exact_units < 0) {
    throw Error(fmt::format("the largest layer for exact enumeration must be >= 0 (got {})",
                            o.max_exact_units));
  }
  if (o.ais.chains < 2 || o.ais.chains > 1'000'000) {
    throw Error(fmt::format("AIS chains must be between 2 and 1000000 (got {})", o.ais.chains));
  }
  if (!o.ais.betas.empty() && o.ais.betas.size() < 2) {
    throw Error("an AIS schedule needs at least 2 temperatures");
  }
  if (!(o.base_rate_pseudo_count > 0.0) || !std::isfinite(o.base_rate_pseudo_count)) {
    throw Error(fmt::format("the base-rate pseudo-count must be positive (got {})",
                            o.base_rate_pseudo_count));
  }
  if (o.tap.max_iterations < 1) {
    throw Error(fmt::format("TAP iterations must be >= 1 (got {})", o.tap.max_iterations));
  }
  if (!(o.tap.damping >= 0.0 && o.tap.damping < 1.0)) {
    throw Error(fmt::format("TAP damping must be in [0, 1) (got {})", o.tap.damping));
  }
  if (o.tap_starts < 0) throw Error(fmt::format("TAP data starts must be >= 0 (got {})", o.tap_starts));
}

LogZEstimate estimate_log_partition(const Rbm& rbm, const LogZOptions& options,
                                    const MatrixF* data) {
  check(options);
  rbm.validate();
  LogZEstimate out;
  LogZMethod method = options.method;
  if (method == LogZMethod::none) throw Error("no log Z method given ('none')");
  if (method == LogZMethod::automatic) {
    const Index smaller = std::min(rbm.n_visible(), rbm.n_hidden());
    method = smaller <= std::min(options.max_exact_units, kMaxExactUnits) ? LogZMethod::exact
                                                                           : LogZMethod::ais;
  }
  out.method = method;
  if (method == LogZMethod::exact) {
    out.log_z = stats::Result::exact(
        exact_log_partition(rbm, EnumerateLayer::automatic, options.threads, options.stop,
                            options.progress, options.communicator));
    return out;
  }
  if (method == LogZMethod::ais || method == LogZMethod::reverse_ais) {
    if (method == LogZMethod::reverse_ais && data == nullptr) {
      throw Error("reverse AIS starts its chains from data rows: give data");
    }
    AisOptions ais = options.ais;
    if (options.threads > 0) ais.threads = options.threads;
    if (options.stop) ais.stop = options.stop;
    if (options.progress) ais.progress = options.progress;
    if (options.communicator) ais.communicator = options.communicator;
    // The base: the data's visible marginals, or the uniform model (zero biases; Gaussian units
    // keep the target's σ).
    Rbm base(rbm.n_visible(), rbm.n_hidden(), rbm.visible_type(), rbm.hidden_type());
    if (data != nullptr) {
      base = base_rate_model(rbm, *data, options.base_rate_pseudo_count);
    } else {
      base.visible_sigma() = rbm.visible_sigma();
      base.hidden_sigma() = rbm.hidden_sigma();
    }
    out.base_from_data = data != nullptr;
    out.seed = ais.seed;
    out.ais = method == LogZMethod::ais ? ais_log_partition(rbm, base, ais)
                                        : reverse_ais_log_partition(rbm, base, *data, ais);
    out.log_z = out.ais->log_z;
    return out;
  }
  // tap1 | tap2 | tap3
  TapOptions tap = options.tap;
  tap.order = tap_order(method);
  if (options.stop) tap.stop = options.stop;
  if (options.progress) tap.progress = options.progress;
  tap.communicator = options.communicator;
  MatrixF starts;
  if (data != nullptr) starts = data->topRows(std::min<Index>(data->rows(), options.tap_starts));
  out.tap = tap_best_fixed_point(rbm, tap, starts.rows() > 0 ? &starts : nullptr);
  out.log_z = tap_detail::log_partition(*out.tap, tap, "TAP log Z");
  return out;
}

void to_json(nlohmann::json& j, const LogZEstimate& e) {
  j = nlohmann::json::object();
  if (e.ais) {
    const AisResult& r = *e.ais;
    j = {{"log_z_lower_3sigma", r.log_z_lower3},
         {"log_z_upper_3sigma", r.log_z_upper3},
         {"effective_sample_size", r.effective_sample_size},
         {"chains", r.chains},
         {"temperatures", r.n_betas},
         {"base", e.base_from_data ? "data visible marginals (gaussian: column means, sd max(data "
                                     "sd, sigma))"
                                   : "uniform (zero biases)"},
         {"seed", e.seed}};
    if (e.method == LogZMethod::reverse_ais) j["raise_log_likelihood"] = r.raise_log_likelihood;
  }
  if (e.tap) {
    const int order = tap_order(e.method);
    j = {{"order", order},
         {"iterations", e.tap->iterations},
         {"converged", e.tap->converged},
         {"approximation", order == 1 ? "naive mean field (a lower bound on log Z)"
                                      : "TAP expansion (neither bound); the error bar does not "
                                        "cover truncation"}};
  }
}

}  // namespace rgflow::estimate
