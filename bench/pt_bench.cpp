// Cost of one parallel-tempering update against one PCD-1 update (issue #16 item 7), Google
// Benchmark. One "update" is GradientEstimator::estimate (positive phase, the chains' moves,
// negative phase: the whole gradient), as train::Trainer calls it once per mini-batch; the
// optimiser step, the same for every method, is left out. Two shapes, batch 100, chains = batch:
//   * ising: 256×64 spin/spin RBM on 16×16 periodic Ising configurations at T_c = 2/ln(1+√2),
//     drawn here by Wolff (ising::run, seed 1, 2,000 configurations, 10 sweeps apart);
//   * mnist: 784×500 Bernoulli RBM on random binary rows (p = 0.13, the binarized-MNIST density:
//     the cost of an update does not depend on the values).
// Methods: pcd (PCD-1) and pt (PT, K = 10 replicas on the geometric ladder to β = 0.1, one PT step
// per update, as `rbm train --method pt`). Models start from Rbm::initialize (σ = 0.01, visible
// biases from the data) and are not trained: the work of an update does not depend on the weights.
// Each iteration takes the next batch of the data (cyclic), as an epoch does. The counter
// updates_per_s is per wall second; read the ratio pt / pcd of the same shape from one run (the
// machine is shared: medians of --benchmark_repetitions).
// Threads: OpenMP's (OMP_NUM_THREADS; the CD/PCD/PT updates are one OpenMP region each, with
// Eigen's products single-threaded inside, as in the CLI); the counter `threads` reports them.
// Run: OMP_NUM_THREADS=1 build/bench/bench/pt_bench --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true   (one command line)
#include <benchmark/benchmark.h>
#include <omp.h>

#include <Eigen/Core>
#include <cmath>

#include "rgflow/core/rng.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/gradient.hpp"

namespace {

using namespace rgflow;

constexpr Index kBatch = 100;

const MatrixF& ising_data() {
  static const MatrixF data = [] {
    ising::RunConfig rc;
    rc.model.L = 16;
    rc.model.temperature = 2.0 / std::log(1.0 + std::sqrt(2.0));
    rc.algorithm = ising::Algorithm::wolff;
    rc.samples = 2000;
    rc.sweeps_between = 10;
    rc.thermalize = 200;
    rc.seed = 1;
    const ising::RunResult r = ising::run(rc);
    MatrixF m(r.samples, 256);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(r.spins[static_cast<std::size_t>(i)]);
    return m;
  }();
  return data;
}

const MatrixF& mnist_like_data() {
  static const MatrixF data = [] {
    Rng rng(7, 5);
    MatrixF m(2000, 784);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform() < 0.13f ? 1.0f : 0.0f;
    return m;
  }();
  return data;
}

// Arg 0: shape (0 = ising 256×64 spin, 1 = mnist 784×500 Bernoulli); arg 1: 0 = PCD-1, 1 = PT-10.
void BM_Update(benchmark::State& state) {
  Eigen::setNbThreads(1);
  const bool ising = state.range(0) == 0;
  const MatrixF& data = ising ? ising_data() : mnist_like_data();
  const UnitType t = ising ? UnitType::spin : UnitType::bernoulli;
  Rbm rbm(data.cols(), ising ? 64 : 500, t, t);
  Rng init(3, 0);
  rbm.initialize(init, &data);
  train::TrainConfig c;
  c.method = state.range(1) == 0 ? train::Method::pcd : train::Method::pt;
  c.steps = 1;
  const auto est = train::make_gradient_estimator(c);
  Rng rng(1, 1);
  train::Gradient grad;
  const Index batches = data.rows() / kBatch;
  MatrixF batch(kBatch, data.cols());
  Index next = 0;
  for (auto _ : state) {
    batch = data.middleRows((next % batches) * kBatch, kBatch);
    ++next;
    est->estimate(rbm, batch, rng, grad);
    benchmark::DoNotOptimize(grad.dW.data());
  }
  state.counters["updates_per_s"] =
      benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = omp_get_max_threads();
}

BENCHMARK(BM_Update)
    ->ArgNames({"mnist", "pt"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
