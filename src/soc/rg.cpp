#include "rgflow/soc/rg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <thread>

#include "jackknife.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/soc/recurrent.hpp"
#include "rgflow/soc/run.hpp"
#include "rgflow/soc/sandpile.hpp"

namespace rgflow::soc {

void RgConfig::validate() const {
  if (L < 4 || L > 4096) throw Error(fmt::format("lattice side {} outside 4..4096", L));
  if (grains < kBlocks || grains > (std::int64_t{1} << 40))
    throw Error(fmt::format("grains {} outside {}..2^40", grains, kBlocks));
  if (lattices < 1 || lattices > 4096) throw Error(fmt::format("lattices {} outside 1..4096", lattices));
  if (grains / lattices < kBlocks) throw Error(fmt::format("grains per lattice must be at least {}", kBlocks));
  if (blocks.empty()) throw Error("no block sizes given");
  for (const int b : blocks)
    if (b < 1 || b > L / 2 || L % b != 0)
      throw Error(fmt::format("block side {} must divide the lattice side {} and be at most {}", b, L, L / 2));
  if (height_samples < 20 || height_samples > 1000000)
    throw Error(fmt::format("height samples {} outside 20..1000000", height_samples));
  if (tail_min < 1) throw Error(fmt::format("tail minimum {} must be >= 1", tail_min));
}

namespace {

// Per level and jackknife block: relaxing blocks by outflow sides, and grains / grains whose block
// passed grains out.
struct LevelTally {
  std::array<std::array<double, kBlocks>, 5> k_count{};
  std::array<double, kBlocks> relaxing{}, grains{}, passing{};
  std::vector<double> block_area;  // a_b of every avalanche with s > 0
};

// Two-sample Kolmogorov–Smirnov distance between the values ≥ lo of a and of b.
double tail_ks(std::vector<double> a, std::vector<double> b, double lo, std::int64_t& na, std::int64_t& nb) {
  std::erase_if(a, [lo](double v) { return v < lo; });
  std::erase_if(b, [lo](double v) { return v < lo; });
  na = static_cast<std::int64_t>(a.size());
  nb = static_cast<std::int64_t>(b.size());
  if (a.empty() || b.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0, j = 0;
  double D = 0.0;
  while (i < a.size() && j < b.size()) {
    const double v = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
    D = std::max(D, std::abs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
  }
  return D;
}

}  // namespace

RgResult renormalize(const RgConfig& cfg, const std::function<void(std::int64_t, std::int64_t)>& progress,
                     const StopPoll& poll) {
  cfg.validate();
  const auto t0 = std::chrono::steady_clock::now();
  const int L = cfg.L, K = cfg.lattices;
  const auto nlev = cfg.blocks.size();
  const std::int64_t N = std::int64_t{L} * L;
  const std::int64_t per = cfg.grains / K, extra = cfg.grains % K;
  const std::int64_t total_work = cfg.grains * static_cast<std::int64_t>(1 + nlev);
  std::vector<std::vector<LevelTally>> tallies(static_cast<std::size_t>(K), std::vector<LevelTally>(nlev));
  StopSignal stop(poll);
  std::atomic<std::int64_t> done{0};
  const std::thread::id owner = std::this_thread::get_id();

  // A. The L lattice with odometers, coarse-grained at every level.
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (int l = 0; l < K; ++l) {
      const StopItem item(stop);
      if (stop.check()) continue;
      Rng rng(cfg.seed, static_cast<std::uint64_t>(l));
      Sandpile pile(L);
      pile.set_heights(sample_recurrent(L, rng));
      std::vector<std::vector<std::uint8_t>> mask(nlev);
      for (std::size_t v = 0; v < nlev; ++v) {
        const int nb = L / cfg.blocks[v];
        mask[v].assign(static_cast<std::size_t>(nb) * nb, 0);
      }
      std::vector<std::int32_t> touched;
      Odometer odo;
      const std::int64_t G = per + (l < extra ? 1 : 0);
      for (std::int64_t g = 0; g < G; ++g) {
        if ((g + 1) % 256 == 0) {
          const std::int64_t d = done.fetch_add(256) + 256;
          if (progress && std::this_thread::get_id() == owner) progress(d, total_work);
          if (stop.check()) break;
        }
        const auto site = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(N)));
        const Avalanche a = pile.add_grain(site, odo);
        const auto jb = static_cast<std::size_t>(g * kBlocks / G);
        for (std::size_t v = 0; v < nlev; ++v) {
          LevelTally& t = tallies[static_cast<std::size_t>(l)][v];
          t.grains[jb] += 1.0;
          if (a.size == 0) continue;
          const int b = cfg.blocks[v], nb = L / b;
          touched.clear();
          for (const std::int32_t s : odo.sites) {
            const int x = s % L, y = s / L;
            const auto B = static_cast<std::size_t>((y / b) * nb + x / b);
            std::uint8_t& m = mask[v][B];
            if (m == 0) touched.push_back(static_cast<std::int32_t>(B));
            m |= 16;  // relaxing
            if (y % b == 0) m |= 1;
            if (x % b == 0) m |= 2;
            if (x % b == b - 1) m |= 4;
            if (y % b == b - 1) m |= 8;
          }
          const auto origin = static_cast<std::size_t>(((site / L) / b) * nb + (site % L) / b);
          t.passing[jb] += (mask[v][origin] & 15) != 0;
          t.relaxing[jb] += static_cast<double>(touched.size());
          for (const std::int32_t B : touched) {
            t.k_count[static_cast<std::size_t>(std::popcount(static_cast<unsigned>(mask[v][static_cast<std::size_t>(B)] & 15)))][jb] += 1.0;
            mask[v][static_cast<std::size_t>(B)] = 0;
          }
          t.block_area.push_back(static_cast<double>(touched.size()));
        }
      }
    }
    stop.wait_for_items(K);
  }
  stop.throw_if_stopped();

  RgResult res;
  res.config = cfg;
  for (std::size_t v = 0; v < nlev; ++v) {
    LevelTally all;
    for (int l = 0; l < K; ++l) {
      const LevelTally& t = tallies[static_cast<std::size_t>(l)][v];
      for (int jb = 0; jb < kBlocks; ++jb) {
        const auto j = static_cast<std::size_t>(jb);
        for (int k = 0; k < 5; ++k) all.k_count[static_cast<std::size_t>(k)][j] += t.k_count[static_cast<std::size_t>(k)][j];
        all.relaxing[j] += t.relaxing[j];
        all.grains[j] += t.grains[j];
        all.passing[j] += t.passing[j];
      }
      all.block_area.insert(all.block_area.end(), t.block_area.begin(), t.block_area.end());
    }
    RgLevel lev;
    lev.b = cfg.blocks[v];
    for (int k = 0; k < 5; ++k) lev.p_k[static_cast<std::size_t>(k)] = detail::jackknife_ratio(all.k_count[static_cast<std::size_t>(k)], all.relaxing);
    lev.rho = detail::jackknife_ratio(all.passing, all.grains);
    lev.block_area = log_histogram(all.block_area, true);

    // B. An L/b lattice driven with the same number of grains: its avalanche areas.
    RunConfig small;
    small.L = L / lev.b;
    small.grains = cfg.grains;
    small.lattices = K;
    small.seed = Rng(cfg.seed, (std::uint64_t{1} << 20) + v).next_u64();
    small.measure_every = std::max<std::int64_t>(1, cfg.grains);
    std::int64_t base = done.load();
    const RunResult sr = run(small, [&](std::int64_t d, std::int64_t) { if (progress) progress(base + d, total_work); }, poll);
    done += cfg.grains;
    std::vector<double> areas;
    areas.reserve(sr.records.size());
    for (const auto& rec : sr.records) areas.push_back(rec.area);
    lev.area_small = log_histogram(areas, true);
    lev.tail_ks = tail_ks(all.block_area, areas, static_cast<double>(cfg.tail_min), lev.tail_n, lev.tail_n_small);
    res.levels.push_back(std::move(lev));
  }

  // C. Block-averaged heights of independent stationary samples: b² Var_samples(z̄_B), averaged
  // over blocks B (so the boundary profile of the mean does not enter); error from 20 groups.
  constexpr int kGroups = 20;
  const int per_group = cfg.height_samples / kGroups;
  std::vector<std::vector<std::uint8_t>> samples(static_cast<std::size_t>(per_group * kGroups));
#pragma omp parallel for schedule(dynamic, 1)
  for (int s = 0; s < per_group * kGroups; ++s) {
    Rng rng(cfg.seed, (std::uint64_t{1} << 21) + static_cast<std::uint64_t>(s));
    samples[static_cast<std::size_t>(s)] = sample_recurrent(L, rng);
  }
  throw_if_cancelled();
  for (std::size_t v = 0; v < nlev; ++v) {
    const int b = cfg.blocks[v], nb = L / b;
    const auto nB = static_cast<std::size_t>(nb) * nb;
    std::vector<double> group_estimates;
    for (int g = 0; g < kGroups; ++g) {
      std::vector<double> s1(nB, 0.0), s2(nB, 0.0);
      for (int s = g * per_group; s < (g + 1) * per_group; ++s) {
        std::vector<double> mean(nB, 0.0);
        const auto& z = samples[static_cast<std::size_t>(s)];
        for (int i = 0; i < L * L; ++i) mean[static_cast<std::size_t>(((i / L) / b) * nb + (i % L) / b)] += z[static_cast<std::size_t>(i)];
        for (std::size_t B = 0; B < nB; ++B) {
          const double m = mean[B] / (b * b);
          s1[B] += m;
          s2[B] += m * m;
        }
      }
      double var = 0.0;
      for (std::size_t B = 0; B < nB; ++B) var += (s2[B] - s1[B] * s1[B] / per_group) / (per_group - 1);
      group_estimates.push_back(static_cast<double>(b) * b * var / static_cast<double>(nB));
    }
    double m = 0.0, m2 = 0.0;
    for (const double e : group_estimates) {
      m += e / kGroups;
      m2 += e * e / kGroups;
    }
    res.levels[v].block_height_variance = {m, std::sqrt(std::max(0.0, m2 - m * m) / (kGroups - 1)), 0.5,
                                           static_cast<std::int64_t>(per_group * kGroups)};
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

nlohmann::json rg_json(const RgResult& r) {
  auto est = [](const stats::Result& x) { return nlohmann::json{{"mean", x.mean}, {"error", x.error}}; };
  auto hist = [](const LogHistogram& h) {
    return nlohmann::json{{"edges", h.edges}, {"counts", h.counts}, {"total", h.total}};
  };
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& lev : r.levels) {
    nlohmann::json pk = nlohmann::json::array();
    for (const auto& p : lev.p_k) pk.push_back(est(p));
    levels.push_back({{"b", lev.b},
                      {"coarse_size", r.config.L / lev.b},
                      {"p_k", pk},
                      {"rho", est(lev.rho)},
                      {"block_height_variance", est(lev.block_height_variance)},
                      {"tail_ks", lev.tail_ks},
                      {"tail_n", lev.tail_n},
                      {"tail_n_small", lev.tail_n_small},
                      {"block_area_histogram", hist(lev.block_area)},
                      {"small_lattice_area_histogram", hist(lev.area_small)}});
  }
  return {{"L", r.config.L},
          {"grains", r.config.grains},
          {"lattices", r.config.lattices},
          {"height_samples", r.config.height_samples},
          {"tail_min", r.config.tail_min},
          {"seed", r.config.seed},
          {"seconds", r.seconds},
          {"levels", levels}};
}

}  // namespace rgflow::soc
