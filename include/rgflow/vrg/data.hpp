#pragma once
// Datasets of the variational-RG experiment: Ising configurations decorrelated by their measured
// autocorrelation time, and the controls (docs/vrg.md "Data and controls").
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rgflow/stats/series.hpp"

namespace rgflow::vrg {

// Configurations [samples, L, L] of ±1, row-major, in the sampler's layout (chains interleaved).
struct SpinData {
  int L = 0;
  std::int64_t samples = 0;
  int chains = 1;
  std::vector<std::int8_t> spins;
  double temperature = 0.0;           // 0 for non-Ising data (textures)
  stats::TauEstimate tau;             // τ_int of the energy in the pilot run, in sweeps
  int sweeps_between = 1;             // ceil(decorrelation · τ_int), at least 1
};

struct IsingDataOptions {
  int L = 16;
  double temperature = 2.269;
  std::int64_t samples = 1000;
  std::string algorithm = "wolff";
  int chains = 4;
  int thermalize = 1000;
  std::int64_t pilot_samples = 1000;  // measured with one sweep between samples
  double decorrelation = 2.0;
  std::uint64_t seed = 0;             // pilot: seed; production: seed + 1
};

// A pilot run (one sweep between measurements) measures τ_int of the energy per spin (Sokal's
// windowing, stats::integrated_autocorrelation_time); the production run then keeps one
// configuration every ceil(decorrelation · τ_int) sweeps. `progress(fraction)` is called now and
// then from one thread.
SpinData sample_ising(const IsingDataOptions& options,
                      const std::function<void(double)>& progress = {});

// The same configurations with their sites permuted by one random permutation (Fisher–Yates from
// Rng(seed)), identical for every row: single-site and all permutation-invariant statistics are
// unchanged, the lattice geometry is gone. Returns the permutation in `permutation` if given
// (new site i holds old site permutation[i]).
SpinData permute_sites(const SpinData& data, std::uint64_t seed,
                       std::vector<std::int32_t>* permutation = nullptr);

// Thresholded Gaussian random fields on the L×L torus: white noise N(0, 1) convolved with the
// periodic Gaussian kernel exp(−r²/(2ξ²)) (separably, truncated at 4ξ), then s = sign(φ). Sample i
// draws from Rng(seed, i). Textures have local structure of size ~ξ but no Ising criticality.
SpinData gaussian_textures(int L, std::int64_t samples, double xi, std::uint64_t seed);

}  // namespace rgflow::vrg
