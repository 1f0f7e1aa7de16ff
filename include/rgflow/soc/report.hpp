#pragma once
// A sandpile run as one JSON object: what `rgflow sandpile run --json` prints, what its
// `--output` file holds, what `rgflow.sandpile.run` returns in Python and what
// `rgflow sandpile stats` reads back (docs/soc.md lists the keys).
//
//   parameters: L, grains, lattices, start, transient, measure_every, seed
//   height_distribution [{mean, error}] for z = 0..3, mean_height {mean, error}, with the
//     infinite-lattice values; avalanches (grains with s > 0), topplings, mean_size {mean, error}
//     (topplings per grain) and mean_size_exact (Dhar); seconds, topplings_per_second
//   fits.size / fits.area: discrete power law with cutoff (powerlaw.hpp)
//   moments: q and ⟨x^q⟩ {mean, error} over avalanches with s > 0, x = size, area, duration,
//     radius (jackknife over the run's blocks)
//   raw (with `raw`): per-block avalanche counts and Σ x^q (for the FSS jackknife), and
//     log-binned histograms of the four observables
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "rgflow/soc/run.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::soc {

// Moment orders q of the moment analysis.
std::vector<double> moment_orders();
inline constexpr const char* kObservables[4] = {"size", "area", "duration", "radius"};

struct SummaryOptions {
  bool fits = true;
  int bootstrap = 200;              // power-law fit resamples
  std::int64_t bootstrap_block = 0; // block length in avalanches (0: records / 1000, at least 1)
  std::int64_t size_fit_max = 0;    // cutoff of the size fit (0: L²)
  std::int64_t area_fit_max = 0;    // cutoff of the area fit (0: L²/4)
  bool raw = false;                 // include the raw section
};

nlohmann::json run_json(const RunResult& run, const SummaryOptions& options);

// Log-binned histogram (10 bins per decade). Integer observables: bin k = [edge_k, edge_k+1)
// with integer edges; `zero` counts values below the first edge (radius 0).
struct LogHistogram {
  std::vector<double> edges;  // bins + 1 edges
  std::vector<std::int64_t> counts;
  std::int64_t zero = 0;
  std::int64_t total = 0;
};
LogHistogram log_histogram(const std::vector<double>& values, bool integer);

}  // namespace rgflow::soc
