// RBM kernels (Google Benchmark), 784×500 Bernoulli RBM, float32, as in one CD-1 update:
//   * the three GEMM shapes of a Gibbs step and its gradient: hidden field V·W [B×784]·[784×500],
//     visible field H·Wᵀ [B×500]·[500×784], gradient Vᵀ·H [784×B]·[B×500] (counter GFLOP_s);
//   * fused field + sigmoid + Bernoulli sample: Rbm::sample_hidden / sample_visible;
//   * sigmoid + sample alone on a field that is already there: the scalar definition
//     (BernoulliUnits::sample with Rng::uniform, the pre-kernel per-element path) and the fused
//     kernels (rbm/sampling_kernels.hpp: bulk Philox, AVX-512 and portable), counter
//     elements_per_ns;
//   * RNG throughput: Rng::uniform (float) per value;
//   * exact log Z (the inner loop over 2^m hidden states) of a 784×m RBM, m = 16 and 20, counter
//     states_per_us;
//   * one AIS step: 100 chains of the 784×500 RBM through 50 temperatures (counter
//     chain_steps_per_s = chains·temperatures / s);
//   * one training epoch through train::Trainer (CD-1 and PCD-1, batch 100 and 10) on 6,000
//     random binary rows, counter samples_per_s.
// Threads: Eigen's GEMM uses Eigen::nbThreads(); pass --threads=N (default 1) before the
// benchmark flags. Rates are per wall second (UseRealTime), since GEMMs may use two threads.
// Run: build/bench/bench/rbm_bench --threads=1 --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true   (one command line)
#include <benchmark/benchmark.h>
#include <omp.h>

#include <Eigen/Core>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/rbm/sampling_kernels.hpp"
#include "rgflow/rbm/units.hpp"
#include "rgflow/train/trainer.hpp"

namespace {

using namespace rgflow;

constexpr Index kVisible = 784, kHidden = 500;

MatrixF random_binary(Index rows, Index cols, std::uint64_t stream, float p = 0.13f) {
  Rng rng(7, stream);
  MatrixF m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform() < p ? 1.0f : 0.0f;
  return m;
}

Rbm random_rbm(Index n_visible, Index n_hidden, float weight_std = 0.05f) {
  Rbm rbm(n_visible, n_hidden);
  Rng rng(3, 0);
  rbm.initialize(rng, nullptr, weight_std);
  return rbm;
}

void set_gflops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP_s"] =
      benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_GemmHiddenField(benchmark::State& state) {  // [B×784]·[784×500]
  const Index B = state.range(0);
  const MatrixF V = random_binary(B, kVisible, 1), W = MatrixF::Random(kVisible, kHidden);
  MatrixF H(B, kHidden);
  for (auto _ : state) {
    H.noalias() = V * W;
    benchmark::DoNotOptimize(H.data());
  }
  set_gflops(state, 2.0 * B * kVisible * kHidden);
}

void BM_GemmVisibleField(benchmark::State& state) {  // [B×500]·[500×784]
  const Index B = state.range(0);
  const MatrixF H = random_binary(B, kHidden, 2, 0.5f), W = MatrixF::Random(kVisible, kHidden);
  MatrixF V(B, kVisible);
  for (auto _ : state) {
    V.noalias() = H * W.transpose();
    benchmark::DoNotOptimize(V.data());
  }
  set_gflops(state, 2.0 * B * kVisible * kHidden);
}

void BM_GemmGradient(benchmark::State& state) {  // [784×B]·[B×500]
  const Index B = state.range(0);
  const MatrixF V = random_binary(B, kVisible, 1), H = random_binary(B, kHidden, 2, 0.5f);
  MatrixF G(kVisible, kHidden);
  for (auto _ : state) {
    G.noalias() = V.transpose() * H;
    benchmark::DoNotOptimize(G.data());
  }
  set_gflops(state, 2.0 * B * kVisible * kHidden);
}

void BM_SampleHidden(benchmark::State& state) {
  const Index B = state.range(0);
  const Rbm rbm = random_rbm(kVisible, kHidden);
  const MatrixF V = random_binary(B, kVisible, 1);
  MatrixF H(B, kHidden);
  Rng rng(1, 1);
  for (auto _ : state) {
    rbm.sample_hidden(V, H, rng);
    benchmark::DoNotOptimize(H.data());
  }
  set_gflops(state, 2.0 * B * kVisible * kHidden);
}

void BM_SampleVisible(benchmark::State& state) {
  const Index B = state.range(0);
  const Rbm rbm = random_rbm(kVisible, kHidden);
  const MatrixF H = random_binary(B, kHidden, 2, 0.5f);
  MatrixF V(B, kVisible);
  Rng rng(1, 1);
  for (auto _ : state) {
    rbm.sample_visible(H, V, rng);
    benchmark::DoNotOptimize(V.data());
  }
  set_gflops(state, 2.0 * B * kVisible * kHidden);
}

void BM_SigmoidSample(benchmark::State& state) {  // the element-wise part alone
  const Index n = 100 * kHidden;
  MatrixF field = MatrixF::Random(100, kHidden) * 4.0f, out(100, kHidden);
  Rng rng(1, 2);
  for (auto _ : state) {
    for (Index i = 0; i < n; ++i) out.data()[i] = BernoulliUnits::sample(field.data()[i], rng.uniform());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["elements_per_ns"] =
      benchmark::Counter(static_cast<double>(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The fused kernels (rbm/sampling_kernels.hpp) on the same 100×500 field: Arg 0 = the compiled
// path through Rng (bulk Philox words), 1 = AVX-512 on pre-drawn words, 2 = portable on pre-drawn
// words. Sampled in place, so after the first iteration the field is 0/1: the vector code costs
// the same for any values. Also writes the means (as sample_hidden does in CD-1).
void BM_KernelSample(benchmark::State& state) {
  const Index n = 100 * kHidden;
  MatrixF field = MatrixF::Random(100, kHidden) * 4.0f, mean(100, kHidden);
  std::span<float> x(field.data(), static_cast<std::size_t>(n));
  std::vector<std::uint32_t> words(static_cast<std::size_t>(n));
  Rng rng(1, 2);
  for (auto& w : words) w = rng();
  for (auto _ : state) {
    switch (state.range(0)) {
      case 0: kernels::sample(UnitType::bernoulli, x, rng, mean.data()); break;
#if defined(__AVX512F__)
      case 1: kernels::sample_avx512(UnitType::bernoulli, x, words.data(), mean.data()); break;
#endif
      default: kernels::sample_portable(UnitType::bernoulli, x, words.data(), mean.data()); break;
    }
    benchmark::DoNotOptimize(field.data());
    benchmark::DoNotOptimize(mean.data());
  }
  state.counters["elements_per_ns"] =
      benchmark::Counter(static_cast<double>(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_KernelMean(benchmark::State& state) {  // σ(φ) in place, compiled path
  const Index n = 100 * kHidden;
  MatrixF field = MatrixF::Random(100, kHidden) * 4.0f;
  for (auto _ : state) {
    kernels::mean(UnitType::bernoulli, std::span<float>(field.data(), static_cast<std::size_t>(n)));
    benchmark::DoNotOptimize(field.data());
  }
  state.counters["elements_per_ns"] =
      benchmark::Counter(static_cast<double>(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_RngUniform(benchmark::State& state) {
  std::vector<float> out(4096);
  Rng rng(1, 3);
  for (auto _ : state) {
    for (auto& x : out) x = rng.uniform();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["values_per_ns"] = benchmark::Counter(static_cast<double>(out.size()) * 1e-9,
                                                       benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ExactLogZ(benchmark::State& state) {
  const auto m = static_cast<Index>(state.range(0));
  const Rbm rbm = random_rbm(kVisible, m, 0.1f);
  const int threads = Eigen::nbThreads();
  for (auto _ : state) benchmark::DoNotOptimize(estimate::exact_log_partition(rbm, estimate::EnumerateLayer::hidden, threads));
  state.counters["states_per_us"] = benchmark::Counter(static_cast<double>(Index{1} << m) * 1e-6,
                                                       benchmark::Counter::kIsIterationInvariantRate);
}

void BM_AisSteps(benchmark::State& state) {
  const Rbm target = random_rbm(kVisible, kHidden, 0.05f);
  const Rbm base = estimate::base_rate_model(target, random_binary(1000, kVisible, 4));
  estimate::AisOptions o;
  o.chains = 100;
  o.betas = estimate::linear_ais_schedule(50);
  o.threads = Eigen::nbThreads();
  for (auto _ : state) benchmark::DoNotOptimize(estimate::ais_log_partition(target, base, o).log_z.mean);
  state.counters["chain_steps_per_s"] = benchmark::Counter(
      static_cast<double>(o.chains) * static_cast<double>(o.betas.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_TrainEpoch(benchmark::State& state) {
  const Index rows = 6000;
  static const MatrixF data = random_binary(rows, kVisible, 5);
  train::TrainConfig c;
  c.method = state.range(0) == 0 ? train::Method::cd : train::Method::pcd;
  c.batch_size = state.range(1);
  c.epochs = 1 << 20;
  c.monitor_rows = 1;
  c.seed = 1;
  Rbm rbm(kVisible, kHidden);
  train::Trainer trainer(rbm, c, data);
  for (auto _ : state) benchmark::DoNotOptimize(trainer.run_epoch().reconstruction_error);
  state.counters["samples_per_s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_GemmHiddenField)->Arg(10)->Arg(100)->UseRealTime();
BENCHMARK(BM_GemmVisibleField)->Arg(10)->Arg(100)->UseRealTime();
BENCHMARK(BM_GemmGradient)->Arg(10)->Arg(100)->UseRealTime();
BENCHMARK(BM_SampleHidden)->Arg(100)->UseRealTime();
BENCHMARK(BM_SampleVisible)->Arg(100)->UseRealTime();
BENCHMARK(BM_SigmoidSample)->UseRealTime();
BENCHMARK(BM_KernelSample)->Arg(0)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_KernelMean)->UseRealTime();
BENCHMARK(BM_RngUniform)->UseRealTime();
BENCHMARK(BM_ExactLogZ)->Arg(16)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AisSteps)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TrainEpoch)
    ->ArgNames({"pcd", "batch"})
    ->Args({0, 100})
    ->Args({1, 100})
    ->Args({0, 10})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = std::atoi(argv[i] + 10);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (threads < 1) threads = 1;
  Eigen::setNbThreads(threads);
  omp_set_num_threads(threads);
  benchmark::AddCustomContext("threads", std::to_string(threads));
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
