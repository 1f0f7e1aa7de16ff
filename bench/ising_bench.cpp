// Ising kernels at T_c (Google Benchmark):
//   * Metropolis sweeps of an L = 1024 lattice, multi-spin (64 chains per word; the AVX-512
//     acceptance kernel, and the portable one) vs the scalar reference;
//     counter "flips_per_ns" = attempted single-spin updates per nanosecond (multi-spin: 64 per
//     site visit), i.e. sweeps · L² · lanes / time.
//   * Philox4x32-10 bulk generation (the multi-spin kernel's random words): per-word rgflow::Rng
//     vs philox_blocks portable vs AVX-512; counter "words_per_ns" (32-bit words).
//   * Wolff cluster updates at L = 256 and 1024; counter "spins_per_s" = spins flipped per second
//     (sum of cluster sizes / time), "clusters_per_s" = cluster updates per second.
// Rates are per CPU second of the (single) benchmark thread, not wall time: on a shared machine
// the wall time includes other jobs' time slices.
// 2-thread variants: wall time, counters summed over both threads (per-core rate = half).
// Run: build/bench/bench/ising_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/ising/cluster.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/metropolis.hpp"
#include "rgflow/ising/philox_bulk.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::ising;

Model critical(int L) { return {L, critical_temperature(), 1.0, 0.0}; }

void BM_MetropolisMultiSpin(benchmark::State& state) {
  const int L = static_cast<int>(state.range(0));
  const MetropolisMultiSpin m(critical(L));
  std::vector<std::uint64_t> words(static_cast<std::size_t>(L) * L, ~std::uint64_t{0});
  Rng rng(1, static_cast<std::uint64_t>(state.thread_index()));
  for (int i = 0; i < 5; ++i) m.sweep(words, rng);  // away from the ordered start
  for (auto _ : state) {
    m.sweep(words, rng);
    benchmark::DoNotOptimize(words.data());
    benchmark::ClobberMemory();
  }
  const double updates = static_cast<double>(L) * L * MetropolisMultiSpin::kLanes;
  state.counters["flips_per_ns"] =
      benchmark::Counter(updates * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MetropolisMultiSpinPortable(benchmark::State& state) {
  const int L = static_cast<int>(state.range(0));
  const MetropolisMultiSpin m(critical(L));
  std::vector<std::uint64_t> words(static_cast<std::size_t>(L) * L, ~std::uint64_t{0});
  Rng rng(1, 0);
  for (int i = 0; i < 5; ++i) m.sweep_portable(words, rng);
  for (auto _ : state) {
    m.sweep_portable(words, rng);
    benchmark::DoNotOptimize(words.data());
    benchmark::ClobberMemory();
  }
  const double updates = static_cast<double>(L) * L * MetropolisMultiSpin::kLanes;
  state.counters["flips_per_ns"] =
      benchmark::Counter(updates * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MetropolisScalar(benchmark::State& state) {
  const int L = static_cast<int>(state.range(0));
  const MetropolisScalar m(critical(L));
  std::vector<std::int8_t> spins(static_cast<std::size_t>(L) * L, 1);
  Rng rng(1, 0);
  for (int i = 0; i < 5; ++i) m.sweep(spins, rng);
  for (auto _ : state) {
    m.sweep(spins, rng);
    benchmark::DoNotOptimize(spins.data());
    benchmark::ClobberMemory();
  }
  const double updates = static_cast<double>(L) * L;
  state.counters["flips_per_ns"] =
      benchmark::Counter(updates * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_WolffCluster(benchmark::State& state) {
  const int L = static_cast<int>(state.range(0));
  Wolff w(critical(L));
  std::vector<std::int8_t> spins(static_cast<std::size_t>(L) * L, 1);
  Rng rng(1, static_cast<std::uint64_t>(state.thread_index()));
  for (int i = 0; i < 200; ++i) w.flip_cluster(spins, rng);  // equilibrate roughly
  std::int64_t flipped = 0;
  for (auto _ : state) flipped += w.flip_cluster(spins, rng);
  state.counters["spins_per_s"] = benchmark::Counter(static_cast<double>(flipped), benchmark::Counter::kIsRate);
  state.counters["clusters_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_RngPerWord(benchmark::State& state) {
  Rng rng(1, 0);
  std::vector<std::uint32_t> out(4 * BulkStream::kBlocks);
  for (auto _ : state) {
    for (auto& w : out) w = rng();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["words_per_ns"] =
      benchmark::Counter(static_cast<double>(out.size()) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

template <void (*Fill)(std::uint64_t, std::uint64_t, std::uint64_t, std::size_t, std::span<std::uint32_t>)>
void BM_PhiloxBlocks(benchmark::State& state) {
  std::vector<std::uint32_t> out(4 * BulkStream::kBlocks);
  std::uint64_t block = 0;
  for (auto _ : state) {
    Fill(1, 0, block, BulkStream::kBlocks, out);
    block += BulkStream::kBlocks;
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["words_per_ns"] =
      benchmark::Counter(static_cast<double>(out.size()) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_RngPerWord);
BENCHMARK_TEMPLATE(BM_PhiloxBlocks, philox_blocks_portable)->Name("BM_PhiloxBlocks/portable");
#if defined(__AVX512F__)
BENCHMARK_TEMPLATE(BM_PhiloxBlocks, philox_blocks_avx512)->Name("BM_PhiloxBlocks/avx512");
#endif
// 1 thread: CPU time; Threads(2): two independent lattices (own Rng streams) at once, wall time,
// counters summed over the threads (the sampler runs chains on threads this way).
BENCHMARK(BM_MetropolisMultiSpin)->Arg(128)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetropolisMultiSpin)->Arg(1024)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetropolisMultiSpinPortable)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetropolisScalar)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WolffCluster)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WolffCluster)->Arg(1024)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
