#pragma once
// A real-space RG view of the sandpile (`rgflow sandpile rg`): coarse-grain the stationary state
// and its avalanches in b×b blocks and follow how their statistics change with b — the dynamical
// renormalisation idea of Pietronero, Vespignani & Zapperi (1994, PRL 72, 1690; Vespignani,
// Zapperi & Pietronero 1995, PRE 51, 1711), measured instead of approximated.
//
// From the toppling counts n_i of every avalanche (the odometer) and the block partition at
// scale b (b divides L):
// * a relaxing block is one with at least one toppling; it passes grains across side d when a
//   site on that side toppled (each toppling sends one grain to each neighbour). k = number of
//   sides with outflow (0..4; the lattice edge counts as a side: the grains leave to the sink).
//   p_k(b) = fraction of relaxing blocks with k outflow sides — PVZ's "relaxation
//   probabilities" at scale b. At b = 1 every toppling passes grains to all four sides
//   (p_4 = 1); under coarse graining the distribution flows towards a b-independent one while
//   b ≪ L (PVZ's attractive fixed point), and feels the boundary as b → L.
// * ρ(b) = probability that a grain added at a random site makes its block pass grains out
//   (PVZ's density of critical cells, at b = 1 the density of z = 3 sites).
// * the block area a_b = number of relaxing blocks per avalanche. If the coarse-grained
//   dynamics at scale b is the same model at size L/b (the fixed-point statement), the tail of
//   P_L(a_b) matches the area distribution P_{L/b}(a) of an L/b lattice; both are recorded and
//   compared by the KS distance between their tails a ≥ a_min.
// * heights: b² Var(z̄_b) of the block-averaged height of stationary samples (per block, over
//   samples). For independent sites it would stay at the single-site variance; its change with b
//   measures the integrated height correlations (which decay as r^(−4); Majumdar & Dhar 1991).
// Errors: jackknife over kBlocks consecutive blocks of grains (run.hpp), heights over
// independent stationary samples.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/soc/report.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::soc {

struct RgConfig {
  int L = 0;
  std::int64_t grains = 0;     // driven grains on the L lattice (and on each L/b lattice)
  int lattices = 4;
  std::vector<int> blocks;     // block sides b (each divides L, 1 ≤ b ≤ L/2)
  int height_samples = 200;    // stationary samples for the block-height statistics
  std::int64_t tail_min = 4;   // a_min of the tail comparison
  std::uint64_t seed = 0;
  void validate() const;
};

struct RgLevel {
  int b = 1;
  std::array<stats::Result, 5> p_k;  // k = 0..4
  stats::Result rho;
  stats::Result block_height_variance;  // b² Var(z̄_b)
  LogHistogram block_area;              // a_b on the L lattice (avalanches with s > 0)
  LogHistogram area_small;              // a on an L/b lattice
  double tail_ks = 0.0;                 // KS distance of the tails a ≥ tail_min
  std::int64_t tail_n = 0, tail_n_small = 0;
};

struct RgResult {
  RgConfig config;
  std::vector<RgLevel> levels;  // in the order of config.blocks
  double seconds = 0.0;
};

RgResult renormalize(const RgConfig& config, const std::function<void(std::int64_t, std::int64_t)>& progress = {},
                     const StopPoll& stop = {});

nlohmann::json rg_json(const RgResult& r);

}  // namespace rgflow::soc
