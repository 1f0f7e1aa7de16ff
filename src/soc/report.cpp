#include "rgflow/soc/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "jackknife.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/soc/exact.hpp"
#include "rgflow/soc/powerlaw.hpp"

namespace rgflow::soc {

namespace {

nlohmann::json estimate(const stats::Result& r) { return {{"mean", r.mean}, {"error", r.error}}; }

double observable(const AvalancheRecord& a, int k) {
  switch (k) {
    case 0: return static_cast<double>(a.size);
    case 1: return a.area;
    case 2: return a.duration;
    default: return a.radius;
  }
}

}  // namespace

std::vector<double> moment_orders() {
  std::vector<double> q;
  for (int i = 1; i <= 16; ++i) q.push_back(0.25 * i);
  return q;
}

LogHistogram log_histogram(const std::vector<double>& values, bool integer) {
  LogHistogram h;
  double top = 1.0;
  for (const double v : values) top = std::max(top, v);
  const double first = integer ? 1.0 : 0.1;
  for (int k = 0;; ++k) {
    double e = first * std::pow(10.0, k / 10.0);
    if (integer) e = std::ceil(e - 1e-9);
    if (!h.edges.empty() && e <= h.edges.back()) continue;
    h.edges.push_back(e);
    if (e > top) break;
  }
  h.counts.assign(h.edges.size() - 1, 0);
  for (const double v : values) {
    ++h.total;
    if (v < h.edges.front()) {
      ++h.zero;
      continue;
    }
    const auto k = static_cast<std::size_t>(std::upper_bound(h.edges.begin(), h.edges.end(), v) - h.edges.begin()) - 1;
    ++h.counts[std::min(k, h.counts.size() - 1)];
  }
  return h;
}

nlohmann::json run_json(const RunResult& r, const SummaryOptions& o) {
  const RunConfig& c = r.config;
  const auto exact = infinite_lattice_height_probabilities();
  nlohmann::json hd = nlohmann::json::array();
  for (const auto& p : r.height_probability) hd.push_back(estimate(p));
  const double rate = r.seconds > 0 ? static_cast<double>(r.topplings + r.transient_topplings) / r.seconds : 0.0;
  nlohmann::json j{{"L", c.L}, {"grains", c.grains}, {"lattices", c.lattices}, {"start", start_name(c.start)},
                   {"transient", c.transient}, {"measure_every", c.measure_every}, {"seed", c.seed},
                   {"height_distribution", hd}, {"height_distribution_infinite_lattice", exact},
                   {"mean_height", estimate(r.mean_height)},
                   {"mean_height_infinite_lattice", kInfiniteLatticeMeanHeight},
                   {"measurements", r.measurements}, {"avalanches", r.avalanches}, {"topplings", r.topplings},
                   {"transient_topplings", r.transient_topplings}, {"mean_size", estimate(r.mean_size)},
                   {"mean_size_exact", r.mean_size_exact}, {"seconds", r.seconds},
                   {"topplings_per_second", rate}};

  // Observables of the recorded avalanches.
  std::array<std::vector<double>, 4> values;
  for (auto& v : values) v.reserve(r.records.size());
  for (const auto& a : r.records)
    for (int k = 0; k < 4; ++k) values[static_cast<std::size_t>(k)].push_back(observable(a, k));

  if (o.fits && r.records.size() >= 10) {
    const std::int64_t N = std::int64_t{c.L} * c.L;
    nlohmann::json fits;
    for (int k = 0; k < 2; ++k) {
      std::vector<std::int64_t> x(r.records.size());
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = k == 0 ? r.records[i].size : r.records[i].area;
      PowerLawOptions po;
      po.x_max = k == 0 ? (o.size_fit_max > 0 ? o.size_fit_max : N) : (o.area_fit_max > 0 ? o.area_fit_max : std::max<std::int64_t>(1, N / 4));
      po.bootstrap = o.bootstrap;
      po.block = o.bootstrap_block > 0 ? o.bootstrap_block
                                       : std::max<std::int64_t>(1, static_cast<std::int64_t>(r.records.size()) / 1000);
      po.seed = c.seed;
      try {
        fits[kObservables[k]] = power_law_json(fit_power_law(x, po));
      } catch (const Error& e) {
        fits[kObservables[k]] = {{"error_message", e.what()}};
      }
    }
    j["fits"] = fits;
  }

  // Moments ⟨x^q⟩ over avalanches, with per-block sums for the jackknife.
  const std::vector<double> q = moment_orders();
  const std::size_t nq = q.size();
  std::array<std::int64_t, kBlocks> block_count{};
  std::vector<std::vector<double>> block_sum(4 * static_cast<std::size_t>(kBlocks), std::vector<double>(nq, 0.0));
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const std::size_t b = r.records[i].block;
    ++block_count[b];
    for (std::size_t k = 0; k < 4; ++k) {
      const double x = values[k][i];
      if (x <= 0.0) continue;  // radius 0 (one toppled site) contributes 0 to every q > 0
      const double lx = std::log(x);
      for (std::size_t iq = 0; iq < nq; ++iq) block_sum[k * kBlocks + b][iq] += std::exp(q[iq] * lx);
    }
  }
  nlohmann::json moments;
  moments["q"] = q;
  for (std::size_t k = 0; k < 4; ++k) {
    nlohmann::json arr = nlohmann::json::array();
    for (std::size_t iq = 0; iq < nq; ++iq) {
      std::array<double, kBlocks> num{}, den{};
      for (int b = 0; b < kBlocks; ++b) {
        num[static_cast<std::size_t>(b)] = block_sum[k * kBlocks + static_cast<std::size_t>(b)][iq];
        den[static_cast<std::size_t>(b)] = static_cast<double>(block_count[static_cast<std::size_t>(b)]);
      }
      const stats::Result m = detail::jackknife_ratio(num, den);
      arr.push_back(estimate(m));
    }
    moments[kObservables[k]] = arr;
  }
  j["moments"] = moments;

  if (o.raw) {
    nlohmann::json raw;
    raw["block_avalanches"] = block_count;
    raw["block_grains"] = r.block_grains;
    raw["block_topplings"] = r.block_topplings;
    nlohmann::json sums;
    for (std::size_t k = 0; k < 4; ++k) {
      nlohmann::json per_block = nlohmann::json::array();
      for (int b = 0; b < kBlocks; ++b) per_block.push_back(block_sum[k * kBlocks + static_cast<std::size_t>(b)]);
      sums[kObservables[k]] = per_block;
    }
    raw["block_moment_sums"] = sums;
    nlohmann::json hist;
    for (std::size_t k = 0; k < 4; ++k) {
      const LogHistogram h = log_histogram(values[k], k != 3);
      hist[kObservables[k]] = {{"edges", h.edges}, {"counts", h.counts}, {"zero", h.zero}, {"total", h.total},
                               {"integer", k != 3}};
    }
    raw["histograms"] = hist;
    j["raw"] = raw;
  }
  return j;
}

}  // namespace rgflow::soc
