#pragma once
// One entry point for log Z of an RBM by any of rgflow's estimators, so that the CLI
// (`rgflow rbm logz|loglik`), the Python package, the DBN free-energy flow and the pipelines make
// the same choice from the same options and get bit-identical results:
//   exact        enumeration of the smaller binary layer (estimate/exact.hpp)
//   ais          forward AIS from a base-rate model (estimate/ais.hpp)
//   reverse-ais  reverse AIS started at data rows (needs data)
//   tap1..tap3   the TAP free energy at its best fixed point (estimate/tap.hpp); an approximation
//   automatic    exact when the smaller layer has at most max_exact_units units, else ais
// The base-rate model of AIS is fitted to `data` when given (its visible marginals: base_rate_model
// in ais.hpp; rows may be states or mean activities), else it is the uniform model (zero biases).
// TAP starts its fixed-point search from the first tap_starts data rows as well as its defaults.
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

enum class LogZMethod { automatic, exact, ais, reverse_ais, tap1, tap2, tap3, none };
std::string_view to_string(LogZMethod m);  // "auto", "exact", "ais", "reverse-ais", "tap1", …
// Parses the names above ("automatic" too); throws Error listing them otherwise.
LogZMethod parse_log_z_method(std::string_view name);
// The TAP order of tap1..tap3 (0 for the other methods).
int tap_order(LogZMethod m);

struct LogZOptions {
  LogZMethod method = LogZMethod::automatic;
  Index max_exact_units = 20;           // automatic: enumerate when min(n_visible, n_hidden) <= this
  AisOptions ais;                       // chains, schedule, seed, threads, communicator (ais.hpp)
  double base_rate_pseudo_count = 1.0;  // smoothing of the AIS base-rate model
  TapOptions tap{2, 500, 0.5, 1e-10, {}, {}};  // order is set from the method; max_iterations, damping
  Index tap_starts = 20;                // data rows used as extra TAP starts
  int threads = 0;                      // exact enumeration (and AIS when > 0); <= 0: default
  // Polled by every estimator (in place of ais.stop / tap.stop when set); true stops with
  // Cancelled (core/cancel.hpp). Empty: never polled; does not change results.
  StopPoll stop;
  // Told how far the estimator is (in place of ais.progress / tap.progress when set): chunks of
  // states (exact), temperatures × batches (AIS), starts (TAP). Empty: never called.
  ProgressFn progress;
  // Splits exact enumeration, AIS and TAP's starts over ranks (in place of ais.communicator and
  // tap.communicator when set; ais.hpp, exact.hpp, tap.hpp): the call is then collective and every
  // rank returns the same, bit-identical estimate as one process. nullptr: one process.
  const Communicator* communicator = nullptr;
};

// Throws Error naming the quantity for options out of range (chains < 2, a schedule of one
// temperature, TAP iterations < 1 or damping outside [0, 1), max_exact_units < 0, …).
void check(const LogZOptions& options);

struct LogZEstimate {
  stats::Result log_z;                  // exact: error 0; AIS: its standard error; TAP: error 0
  LogZMethod method = LogZMethod::none;  // the method used (automatic resolved)
  std::optional<AisResult> ais;         // AIS and reverse AIS
  std::optional<TapFixedPoint> tap;     // TAP: the fixed point used
  bool base_from_data = false;          // AIS: base-rate model fitted to data (else uniform)
  std::uint64_t seed = 0;               // AIS: the chains' seed
};

// log Z of `rbm` by options.method. `data` (may be null) fits AIS's base-rate model, starts reverse
// AIS chains and seeds the TAP search. Throws Error for invalid options, a method that cannot run
// on this model (exact beyond kMaxExactUnits, reverse-ais without data, none), and Cancelled.
LogZEstimate estimate_log_partition(const Rbm& rbm, const LogZOptions& options,
                                    const MatrixF* data = nullptr);

// The JSON "details" of an estimate (method-specific; the log Z itself is in "log_z"):
// AIS: log_z_lower_3sigma, log_z_upper_3sigma, effective_sample_size, chains, temperatures, base,
// seed; TAP: order, iterations, converged, approximation.
void to_json(nlohmann::json& j, const LogZEstimate& e);

}  // namespace rgflow::estimate
