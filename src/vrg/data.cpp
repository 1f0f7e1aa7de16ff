#include "rgflow/vrg/data.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/ising/sampler.hpp"

namespace rgflow::vrg {

SpinData sample_ising(const IsingDataOptions& o, const std::function<void(double)>& progress) {
  ising::RunConfig pilot;
  pilot.model.L = o.L;
  pilot.model.temperature = o.temperature;
  pilot.algorithm = ising::parse_algorithm(o.algorithm);
  pilot.chains = o.chains;
  pilot.samples = o.pilot_samples;
  pilot.thermalize = o.thermalize;
  pilot.sweeps_between = 1;
  pilot.seed = o.seed;
  pilot.keep_spins = false;
  pilot.validate();
  const ising::RunResult p = ising::run(pilot, [&](std::int64_t done, std::int64_t total) {
    if (progress && total > 0) progress(0.2 * static_cast<double>(done) / static_cast<double>(total));
  });

  SpinData out;
  out.L = o.L;
  out.chains = o.chains;
  out.temperature = o.temperature;
  out.tau = stats::integrated_autocorrelation_time(p.energy, static_cast<std::size_t>(o.chains));
  out.sweeps_between = std::max(1, static_cast<int>(std::ceil(o.decorrelation * out.tau.tau)));

  ising::RunConfig run = pilot;
  run.samples = o.samples;
  run.sweeps_between = out.sweeps_between;
  run.seed = o.seed + 1;
  run.keep_spins = true;
  const ising::RunResult r = ising::run(run, [&](std::int64_t done, std::int64_t total) {
    if (progress && total > 0) progress(0.2 + 0.8 * static_cast<double>(done) / static_cast<double>(total));
  });
  out.samples = r.samples;
  out.spins = r.spins;
  return out;
}

SpinData permute_sites(const SpinData& data, std::uint64_t seed, std::vector<std::int32_t>* permutation) {
  const std::int64_t N = std::int64_t{data.L} * data.L;
  std::vector<std::int32_t> perm(static_cast<std::size_t>(N));
  std::iota(perm.begin(), perm.end(), 0);
  Rng rng(seed, 0);
  for (std::int64_t i = N - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i + 1)));
    std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
  }
  SpinData out = data;
  for (std::int64_t n = 0; n < data.samples; ++n) {
    const std::int8_t* src = data.spins.data() + n * N;
    std::int8_t* dst = out.spins.data() + n * N;
    for (std::int64_t i = 0; i < N; ++i) dst[i] = src[perm[static_cast<std::size_t>(i)]];
  }
  if (permutation) *permutation = std::move(perm);
  return out;
}

SpinData gaussian_textures(int L, std::int64_t samples, double xi, std::uint64_t seed) {
  if (L < 2 || samples < 1 || !(xi > 0.0)) throw Error("gaussian_textures: need L >= 2, samples >= 1, xi > 0");
  const int R = std::min(L / 2, static_cast<int>(std::ceil(4.0 * xi)));
  std::vector<double> kernel(static_cast<std::size_t>(2 * R + 1));
  for (int d = -R; d <= R; ++d) kernel[static_cast<std::size_t>(d + R)] = std::exp(-0.5 * d * d / (xi * xi));
  SpinData out;
  out.L = L;
  out.samples = samples;
  out.chains = 1;
  const std::int64_t N = std::int64_t{L} * L;
  out.spins.resize(static_cast<std::size_t>(samples * N));
#pragma omp parallel
  {
    std::vector<double> noise(static_cast<std::size_t>(N)), tmp(static_cast<std::size_t>(N));
#pragma omp for schedule(static)
    for (std::int64_t n = 0; n < samples; ++n) {
      Rng rng(seed, static_cast<std::uint64_t>(n));
      for (auto& x : noise) x = rng.normal();
      for (int y = 0; y < L; ++y) {  // along x
        for (int x = 0; x < L; ++x) {
          double acc = 0.0;
          for (int d = -R; d <= R; ++d) acc += kernel[static_cast<std::size_t>(d + R)] * noise[static_cast<std::size_t>(y * L + ((x + d) % L + L) % L)];
          tmp[static_cast<std::size_t>(y * L + x)] = acc;
        }
      }
      std::int8_t* dst = out.spins.data() + n * N;
      for (int y = 0; y < L; ++y) {  // along y, then threshold
        for (int x = 0; x < L; ++x) {
          double acc = 0.0;
          for (int d = -R; d <= R; ++d) acc += kernel[static_cast<std::size_t>(d + R)] * tmp[static_cast<std::size_t>(((y + d) % L + L) % L * L + x)];
          dst[y * L + x] = acc >= 0.0 ? 1 : -1;
        }
      }
    }
  }
  return out;
}

}  // namespace rgflow::vrg
