#pragma once
// The driven BTW sandpile: independent lattices, each started in the stationary state, driven by
// grains at uniformly random sites; per-avalanche records and the stationary height distribution.
//
// Start and transient. By default every lattice starts from an exact sample of the stationary
// measure (uniform on the recurrent configurations: Wilson's algorithm + the burning bijection,
// recurrent.hpp). The stationary measure is invariant under driving, so no transient is needed
// and the default transient is 0 grains. The other starts (`empty`: all heights 0, `max`: all 3)
// need one; their default is 4 L² grains per lattice (the stationary lattice holds 17/8 L²
// grains; after 4 L² grains every site of an L ≥ 16 lattice has toppled many times — a rule of
// thumb, not a guarantee like the exact start; tests check it against exact values at L = 3, 4).
// Grains of the transient are not recorded.
//
// Reproducibility: lattice l draws everything (its start and its grain sites) from
// Rng(seed, l); lattices run in parallel (OpenMP) and are merged in index order, so the result is
// bit-identical for any thread count. Grains are split over lattices as evenly as possible (the
// first G mod K lattices get one more).
//
// Measurements and errors. Heights: the whole-lattice fractions of z = 0..3 and the mean height
// are measured after the transient and then every `measure_every` grains (default max(1, L/16)).
// Their errors come from the autocorrelation analysis over the lattices as chains
// (stats/series.hpp) when each lattice has ≥ 32 measurements, and otherwise from the spread of
// the per-lattice means (independent lattices; needs ≥ 2). Avalanches: each lattice's grains
// are cut into kBlocks consecutive blocks; block j of all lattices forms jackknife block j
// (the mean size per grain and, in fss.hpp, the moments use these blocks).
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/soc/sandpile.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::soc {

inline constexpr int kBlocks = 32;
inline constexpr std::int64_t kMaxRecordedGrains = 200'000'000;  // avalanche records in memory

enum class Start { stationary, empty, max };
Start parse_start(const std::string& name);  // "stationary" | "empty" | "max"; Error otherwise
const char* start_name(Start s);

struct RunConfig {
  int L = 0;
  std::int64_t grains = 0;       // recorded grains, all lattices together
  int lattices = 4;
  Start start = Start::stationary;
  std::int64_t transient = -1;   // grains per lattice before recording; −1: the default above
  std::int64_t measure_every = 0;  // grains between height measurements; 0: max(1, L/16)
  std::uint64_t seed = 0;
  bool keep_avalanches = true;   // store every avalanche with s > 0 (for fits and FSS)

  std::int64_t effective_transient() const;
  std::int64_t effective_measure_every() const;
  void validate() const;         // Error naming the parameter (no CLI flags)
};

// One avalanche with at least one toppling, and the jackknife block of the grain that caused it.
struct AvalancheRecord {
  std::int64_t size = 0;
  std::int32_t area = 0;
  std::int32_t duration = 0;
  float radius = 0.0f;
  std::uint8_t block = 0;
};

struct RunResult {
  RunConfig config;  // as given (with effective transient and measure_every filled in)
  std::array<stats::Result, 4> height_probability;
  stats::Result mean_height;
  stats::Result mean_size;           // topplings per grain (all grains, including s = 0)
  double mean_size_exact = 0.0;      // Dhar: (1/L²) Σ_ij (Δ⁻¹)_ij
  std::int64_t grains = 0;           // recorded grains
  std::int64_t avalanches = 0;       // recorded grains with s > 0
  std::int64_t topplings = 0;        // during the recorded grains
  std::int64_t transient_topplings = 0;
  std::int64_t measurements = 0;     // height measurements per lattice
  std::array<std::int64_t, kBlocks> block_grains{};   // grains per jackknife block
  std::array<double, kBlocks> block_topplings{};      // topplings per jackknife block
  std::vector<AvalancheRecord> records;  // lattice 0's avalanches in order, then lattice 1's, ...
  double seconds = 0.0;              // wall time of the simulation
};

// Runs the sandpile. `progress(done, total)` (grains, transient included) is called now and then
// on the calling thread. Throws Cancelled when `stop` asks.
RunResult run(const RunConfig& config, const std::function<void(std::int64_t, std::int64_t)>& progress = {},
              const StopPoll& stop = {});

}  // namespace rgflow::soc
