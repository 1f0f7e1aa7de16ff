#include "rgflow/soc/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "jackknife.hpp"
#include "rgflow/soc/exact.hpp"
#include "rgflow/soc/recurrent.hpp"
#include "rgflow/stats/series.hpp"

namespace rgflow::soc {

Start parse_start(const std::string& name) {
  if (name == "stationary") return Start::stationary;
  if (name == "empty") return Start::empty;
  if (name == "max") return Start::max;
  throw Error(fmt::format("unknown start '{}' (stationary, empty or max)", name));
}

const char* start_name(Start s) {
  switch (s) {
    case Start::stationary: return "stationary";
    case Start::empty: return "empty";
    default: return "max";
  }
}

std::int64_t RunConfig::effective_transient() const {
  if (transient >= 0) return transient;
  return start == Start::stationary ? 0 : 4 * std::int64_t{L} * L;
}

std::int64_t RunConfig::effective_measure_every() const {
  return measure_every > 0 ? measure_every : std::max<std::int64_t>(1, L / 16);
}

void RunConfig::validate() const {
  if (L < 2 || L > kMaxSide) throw Error(fmt::format("lattice side {} outside 2..{}", L, kMaxSide));
  if (grains < 0 || grains > (std::int64_t{1} << 50)) throw Error(fmt::format("grains {} outside 0..2^50", grains));
  if (lattices < 1 || lattices > 1000000) throw Error(fmt::format("lattices {} outside 1..1000000", lattices));
  if (transient < -1 || transient > (std::int64_t{1} << 50))
    throw Error(fmt::format("transient {} outside 0..2^50 (or -1: default)", transient));
  if (measure_every < 0 || measure_every > (std::int64_t{1} << 50))
    throw Error(fmt::format("measurement interval {} outside 1..2^50 (or 0: default)", measure_every));
  if (keep_avalanches && grains > kMaxRecordedGrains)
    throw Error(fmt::format("grains {}: at most {} when every avalanche is kept (~24 bytes each)", grains,
                            kMaxRecordedGrains));
  // Memory: one lattice per thread at a time, plus the records (≤ grains).
  const double bytes = static_cast<double>(L) * L * 16.0;
  if (bytes > 8e9) throw Error(fmt::format("lattice side {} needs about {:.0f} GB", L, bytes / 1e9));
}

namespace {

struct LatticeOutput {
  std::vector<AvalancheRecord> records;
  std::array<std::vector<double>, 5> measure;  // fractions of z = 0..3, mean height
  std::array<std::int64_t, kBlocks> block_grains{};
  std::array<double, kBlocks> block_topplings{};
  std::int64_t topplings = 0, transient_topplings = 0, avalanches = 0;
};

void measure(const Sandpile& pile, LatticeOutput& out) {
  const auto c = pile.height_counts();
  const double n = static_cast<double>(pile.sites());
  for (int z = 0; z < 4; ++z) out.measure[static_cast<std::size_t>(z)].push_back(static_cast<double>(c[static_cast<std::size_t>(z)]) / n);
  out.measure[4].push_back(static_cast<double>(c[1] + 2 * c[2] + 3 * c[3]) / n);
}

// Mean with error over R independent chains of n measurements each (interleaved x[t·R + c]).
stats::Result chain_mean(const std::vector<double>& x, std::size_t R, std::size_t n) {
  if (n >= 32) return stats::autocorrelation_analysis(x, R);
  stats::Result r;
  std::vector<double> means(R, 0.0);
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t c = 0; c < R; ++c) means[c] += x[t * R + c] / static_cast<double>(n);
  double m = 0.0;
  for (const double v : means) m += v;
  m /= static_cast<double>(R);
  double var = 0.0;
  for (const double v : means) var += (v - m) * (v - m);
  r.mean = m;
  r.error = R >= 2 ? std::sqrt(var / static_cast<double>(R - 1) / static_cast<double>(R))
                   : std::numeric_limits<double>::quiet_NaN();
  r.n = static_cast<std::int64_t>(R * n);
  return r;
}

}  // namespace

RunResult run(const RunConfig& cfg, const std::function<void(std::int64_t, std::int64_t)>& progress,
              const StopPoll& poll) {
  cfg.validate();
  const int L = cfg.L;
  const int K = cfg.lattices;
  const std::int64_t N = std::int64_t{L} * L;
  const std::int64_t T = cfg.effective_transient();
  const std::int64_t every = cfg.effective_measure_every();
  const std::int64_t base = cfg.grains / K, extra = cfg.grains % K;
  const std::int64_t total_work = cfg.grains + T * K;
  std::vector<LatticeOutput> outs(static_cast<std::size_t>(K));
  StopSignal stop(poll);
  std::atomic<std::int64_t> done{0};
  const std::thread::id owner = std::this_thread::get_id();
  const auto t0 = std::chrono::steady_clock::now();
  constexpr std::int64_t kChunk = 1024;  // grains between stop checks and progress updates

#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (int l = 0; l < K; ++l) {
      const StopItem item(stop);
      if (stop.check()) continue;
      LatticeOutput& out = outs[static_cast<std::size_t>(l)];
      Rng rng(cfg.seed, static_cast<std::uint64_t>(l));
      Sandpile pile(L);
      if (cfg.start == Start::stationary) pile.set_heights(sample_recurrent(L, rng));
      if (cfg.start == Start::max) pile.set_heights(std::vector<std::uint8_t>(static_cast<std::size_t>(N), 3));
      auto tick = [&](std::int64_t g) {
        if ((g + 1) % kChunk != 0) return false;
        const std::int64_t d = done.fetch_add(kChunk) + kChunk;
        if (progress && std::this_thread::get_id() == owner) progress(d, total_work);
        return stop.check();
      };
      bool stopped = false;
      for (std::int64_t g = 0; g < T && !stopped; ++g) {
        out.transient_topplings += pile.add_grain(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(N)))).size;
        stopped = tick(g);
      }
      const std::int64_t G = base + (l < extra ? 1 : 0);
      measure(pile, out);
      for (std::int64_t g = 0; g < G && !stopped; ++g) {
        const Avalanche a = pile.add_grain(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(N))));
        const auto block = static_cast<std::size_t>(g * kBlocks / G);
        ++out.block_grains[block];
        out.block_topplings[block] += static_cast<double>(a.size);
        out.topplings += a.size;
        if (a.size > 0) {
          ++out.avalanches;
          if (cfg.keep_avalanches)
            out.records.push_back({a.size, static_cast<std::int32_t>(a.area), a.duration,
                                   static_cast<float>(a.radius), static_cast<std::uint8_t>(block)});
        }
        if ((g + 1) % every == 0) measure(pile, out);
        stopped = tick(T + g);
      }
    }
    stop.wait_for_items(K);
  }
  stop.throw_if_stopped();

  RunResult r;
  r.config = cfg;
  r.config.transient = T;
  r.config.measure_every = every;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.grains = cfg.grains;
  r.mean_size_exact = mean_avalanche_size(L);
  std::size_t total_records = 0;
  for (const auto& o : outs) total_records += o.records.size();
  r.records.reserve(total_records);
  for (const auto& o : outs) {
    r.avalanches += o.avalanches;
    r.topplings += o.topplings;
    r.transient_topplings += o.transient_topplings;
    for (int b = 0; b < kBlocks; ++b) {
      r.block_grains[static_cast<std::size_t>(b)] += o.block_grains[static_cast<std::size_t>(b)];
      r.block_topplings[static_cast<std::size_t>(b)] += o.block_topplings[static_cast<std::size_t>(b)];
    }
    r.records.insert(r.records.end(), o.records.begin(), o.records.end());
  }
  // Heights: equal-length series per lattice (the shortest), interleaved.
  std::size_t n = outs[0].measure[0].size();
  for (const auto& o : outs) n = std::min(n, o.measure[0].size());
  r.measurements = static_cast<std::int64_t>(n);
  const auto R = static_cast<std::size_t>(K);
  for (int q = 0; q < 5; ++q) {
    std::vector<double> x(n * R);
    for (std::size_t t = 0; t < n; ++t)
      for (std::size_t c = 0; c < R; ++c) x[t * R + c] = outs[c].measure[static_cast<std::size_t>(q)][t];
    const stats::Result res = chain_mean(x, R, n);
    if (q < 4) r.height_probability[static_cast<std::size_t>(q)] = res;
    else r.mean_height = res;
  }
  // Mean size per grain: ratio estimator with the delete-one-block jackknife.
  std::array<double, kBlocks> block_grains{};
  for (int b = 0; b < kBlocks; ++b) block_grains[static_cast<std::size_t>(b)] = static_cast<double>(r.block_grains[static_cast<std::size_t>(b)]);
  r.mean_size = detail::jackknife_ratio(r.block_topplings, block_grains);
  return r;
}

}  // namespace rgflow::soc
