// Sandpile and LPPL kernels (Google Benchmark), docs/soc.md:
//   * BM_SandpileDrive/L: one grain per iteration on an L×L lattice in the stationary state (the
//     hot path of `rgflow sandpile run`: relaxation with size, area, duration and radius of
//     gyration); counter "topplings_per_s".
//   * BM_SandpileOdometer/L: the same with per-site toppling counts (the RG view's kernel).
//   * BM_StationarySample/L: an exact stationary configuration (Wilson + burning bijection);
//     counter "sites_per_s".
//   * BM_LpplFit/n: one multistart LPPL fit (no bootstrap) of an n-point noisy series.
// Rates are per CPU second of the benchmark thread, not wall time: on a shared machine the wall
// time includes other jobs' time slices. One thread: the per-core rate.
// Run: build/bench/bench/sandpile_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/lppl/lppl.hpp"
#include "rgflow/soc/recurrent.hpp"
#include "rgflow/soc/sandpile.hpp"

namespace {

using namespace rgflow;

template <bool kOdometer>
void drive(benchmark::State& state) {
  const int L = static_cast<int>(state.range(0));
  Rng rng(1, 0);
  soc::Sandpile pile(L);
  pile.set_heights(soc::sample_recurrent(L, rng));
  const auto n = static_cast<std::uint64_t>(L) * static_cast<std::uint64_t>(L);
  soc::Odometer odo;
  std::int64_t topplings = 0;
  for (auto _ : state) {
    const auto site = static_cast<std::int32_t>(rng.below(n));
    const soc::Avalanche a = kOdometer ? pile.add_grain(site, odo) : pile.add_grain(site);
    topplings += a.size;
    benchmark::DoNotOptimize(a);
  }
  state.counters["topplings_per_s"] = benchmark::Counter(static_cast<double>(topplings), benchmark::Counter::kIsRate);
}

void BM_SandpileDrive(benchmark::State& state) { drive<false>(state); }
void BM_SandpileOdometer(benchmark::State& state) { drive<true>(state); }

void BM_StationarySample(benchmark::State& state) {
  const int L = static_cast<int>(state.range(0));
  Rng rng(2, 0);
  for (auto _ : state) benchmark::DoNotOptimize(soc::sample_recurrent(L, rng));
  state.counters["sites_per_s"] =
      benchmark::Counter(static_cast<double>(L) * L, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_LpplFit(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Rng rng(3, 0);
  const auto truth = lppl::Parameters::from_phase(1.1, 0.5, 9.0, 1.0, -1.0, 0.1, 1.0);
  const lppl::Series s = lppl::synthetic_series(truth, n, 0.0, 1.0, 0.01, rng);
  lppl::FitOptions o;
  o.bootstrap = 0;
  for (auto _ : state) benchmark::DoNotOptimize(lppl::fit(s, o));
}

// Enough grains per measurement for the heavy tail of avalanche sizes to be sampled.
BENCHMARK(BM_SandpileDrive)->Arg(64)->Arg(256)->Arg(1024)->MinTime(3.0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SandpileOdometer)->Arg(256)->MinTime(3.0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StationarySample)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LpplFit)->Arg(200)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
