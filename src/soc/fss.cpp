#include "rgflow/soc/fss.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <limits>
#include <set>

#include "rgflow/core/error.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/soc/exact.hpp"

namespace rgflow::soc {

namespace {

stats::Result result_from(const nlohmann::json& j, const std::string& source, const char* what) {
  if (!j.is_object() || !j.contains("mean") || !j.contains("error"))
    throw FileError(source, fmt::format("'{}' is not an estimate {{mean, error}}", what));
  stats::Result r;
  r.mean = j["mean"].is_number() ? j["mean"].get<double>() : std::numeric_limits<double>::quiet_NaN();
  r.error = j["error"].is_number() ? j["error"].get<double>() : std::numeric_limits<double>::quiet_NaN();
  return r;
}

const nlohmann::json& need(const nlohmann::json& j, const char* key, const std::string& source) {
  if (!j.is_object() || !j.contains(key))
    throw FileError(source, fmt::format("missing key '{}' (a sandpile run with its raw section: a run file, or "
                                        "rgflow.sandpile.run(raw=True))", key));
  return j[key];
}

// Ordinary least-squares line y = a + b x; returns {a, b}.
std::array<double, 2> line_fit(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return {(sy - b * sx) / n, b};
}

struct Point {
  std::vector<double> sigma;
  double D = 0.0, tau = 0.0;
};

// σ(q), D and τ with block `skip` left out (−1: none).
Point estimate(const std::vector<SizeData>& runs, int obs, const std::vector<double>& q, double q_lo, double q_hi,
               int skip) {
  Point p;
  std::vector<double> lnL;
  for (const auto& r : runs) lnL.push_back(std::log(static_cast<double>(r.L)));
  std::vector<double> qs, ss;
  for (std::size_t iq = 0; iq < q.size(); ++iq) {
    std::vector<double> lnm;
    for (const auto& r : runs) {
      double S = 0.0, n = 0.0;
      for (int b = 0; b < kBlocks; ++b) {
        if (b == skip) continue;
        S += r.block_sums[static_cast<std::size_t>(obs)][static_cast<std::size_t>(b)][iq];
        n += static_cast<double>(r.block_avalanches[static_cast<std::size_t>(b)]);
      }
      lnm.push_back(std::log(S / n));
    }
    const double slope = line_fit(lnL, lnm)[1];
    p.sigma.push_back(slope);
    if (q[iq] >= q_lo - 1e-12 && q[iq] <= q_hi + 1e-12) {
      qs.push_back(q[iq]);
      ss.push_back(slope);
    }
  }
  const auto [c, D] = line_fit(qs, ss);
  p.D = D;
  p.tau = 1.0 - c / D;
  return p;
}

}  // namespace

bool SizeData::has_avalanches() const {
  for (const auto n : block_avalanches)
    if (n <= 0) return false;
  return true;
}

SizeData size_data_from_json(const nlohmann::json& j, const std::string& source) {
  SizeData d;
  d.source = source;
  try {
    d.L = need(j, "L", source).get<int>();
    d.seed = need(j, "seed", source).get<std::uint64_t>();
    d.grains = need(j, "grains", source).get<std::int64_t>();
    const auto& hd = need(j, "height_distribution", source);
    if (!hd.is_array() || hd.size() != 4) throw FileError(source, "'height_distribution' must list 4 estimates");
    for (int z = 0; z < 4; ++z) d.heights[static_cast<std::size_t>(z)] = result_from(hd[static_cast<std::size_t>(z)], source, "height_distribution");
    d.mean_height = result_from(need(j, "mean_height", source), source, "mean_height");
    d.mean_size = result_from(need(j, "mean_size", source), source, "mean_size");
    d.mean_size_exact = need(j, "mean_size_exact", source).get<double>();
    if (!j.contains("raw")) return d;  // heights only
    const auto& raw = j["raw"];
    d.q = need(need(j, "moments", source), "q", source).get<std::vector<double>>();
    const auto counts = need(raw, "block_avalanches", source).get<std::vector<std::int64_t>>();
    if (counts.size() != kBlocks) throw FileError(source, fmt::format("'block_avalanches' must have {} entries", kBlocks));
    for (int b = 0; b < kBlocks; ++b) d.block_avalanches[static_cast<std::size_t>(b)] = counts[static_cast<std::size_t>(b)];
    const auto& sums = need(raw, "block_moment_sums", source);
    const auto& hist = need(raw, "histograms", source);
    for (int k = 0; k < 4; ++k) {
      d.block_sums[static_cast<std::size_t>(k)] = need(sums, kObservables[k], source).get<std::vector<std::vector<double>>>();
      if (d.block_sums[static_cast<std::size_t>(k)].size() != kBlocks)
        throw FileError(source, fmt::format("'block_moment_sums.{}' must have {} blocks", kObservables[k], kBlocks));
      for (const auto& row : d.block_sums[static_cast<std::size_t>(k)])
        if (row.size() != d.q.size()) throw FileError(source, "moment sums and q have different lengths");
      const auto& h = need(hist, kObservables[k], source);
      LogHistogram& lh = d.histograms[static_cast<std::size_t>(k)];
      lh.edges = need(h, "edges", source).get<std::vector<double>>();
      lh.counts = need(h, "counts", source).get<std::vector<std::int64_t>>();
      lh.zero = need(h, "zero", source).get<std::int64_t>();
      lh.total = need(h, "total", source).get<std::int64_t>();
      if (lh.edges.size() != lh.counts.size() + 1) throw FileError(source, "histogram edges and counts do not match");
    }
  } catch (const nlohmann::json::exception& e) {
    throw FileError(source, fmt::format("malformed sandpile run: {}", e.what()));
  }
  if (d.L < 2) throw FileError(source, fmt::format("lattice side {} is not a sandpile run", d.L));
  return d;
}

MomentAnalysis moment_analysis(const std::vector<SizeData>& runs, int obs, double q_lo, double q_hi) {
  if (obs < 0 || obs > 3) throw std::invalid_argument("moment_analysis: observable 0..3");
  std::set<int> sizes;
  for (const auto& r : runs) {
    if (!r.has_avalanches())
      throw FileError(r.source, "a block without avalanches (too few grains, or a run without its raw section)");
    if (r.q != runs.front().q) throw FileError(r.source, "moment orders differ between runs");
    sizes.insert(r.L);
  }
  if (sizes.size() < 2 || sizes.size() != runs.size())
    throw Error("moment analysis needs runs of at least two different sizes, one run per size");
  MomentAnalysis m;
  m.q = runs.front().q;
  m.q_lo = q_lo;
  m.q_hi = q_hi;
  int in_range = 0;
  for (const double q : m.q) in_range += q >= q_lo - 1e-12 && q <= q_hi + 1e-12;
  if (in_range < 2) throw Error(fmt::format("moment range [{}, {}] holds fewer than two orders q", q_lo, q_hi));
  const Point all = estimate(runs, obs, m.q, q_lo, q_hi, -1);
  std::vector<Point> jack;
  for (int b = 0; b < kBlocks; ++b) jack.push_back(estimate(runs, obs, m.q, q_lo, q_hi, b));
  auto jack_error = [&](auto get) {
    double mean = 0.0;
    for (const auto& p : jack) mean += get(p);
    mean /= kBlocks;
    double v = 0.0;
    for (const auto& p : jack) v += (get(p) - mean) * (get(p) - mean);
    return std::sqrt((kBlocks - 1.0) / kBlocks * v);
  };
  m.D = {all.D, jack_error([](const Point& p) { return p.D; }), 0.5, kBlocks};
  m.tau = {all.tau, jack_error([](const Point& p) { return p.tau; }), 0.5, kBlocks};
  for (std::size_t iq = 0; iq < m.q.size(); ++iq)
    m.sigma.push_back({all.sigma[iq], jack_error([iq](const Point& p) { return p.sigma[iq]; }), 0.5, kBlocks});
  return m;
}

Extrapolation extrapolate_inverse_size(const std::vector<double>& L, const std::vector<stats::Result>& y, int order) {
  if (order < 1 || order > 2) throw Error(fmt::format("extrapolation order {} must be 1 or 2", order));
  const auto n = static_cast<Index>(L.size());
  if (static_cast<std::size_t>(n) != y.size()) throw std::invalid_argument("extrapolate_inverse_size: sizes differ");
  const int k = order + 1;
  if (n <= k) throw Error(fmt::format("extrapolation of order {} needs at least {} sizes, got {}", order, k + 1, n));
  Eigen::MatrixXd X(n, k);
  Eigen::VectorXd w(n), v(n);
  for (Index i = 0; i < n; ++i) {
    const auto& r = y[static_cast<std::size_t>(i)];
    if (!(r.error > 0.0) || !std::isfinite(r.mean))
      throw Error(fmt::format("size {}: estimate without a positive error cannot be weighted", L[static_cast<std::size_t>(i)]));
    for (int c = 0; c < k; ++c) X(i, c) = std::pow(1.0 / L[static_cast<std::size_t>(i)], c);
    w(i) = 1.0 / (r.error * r.error);
    v(i) = r.mean;
  }
  const Eigen::MatrixXd A = X.transpose() * w.asDiagonal() * X;
  const Eigen::MatrixXd cov = A.inverse();
  const Eigen::VectorXd beta = cov * (X.transpose() * w.asDiagonal() * v);
  Extrapolation e;
  e.coefficients.assign(beta.data(), beta.data() + k);
  e.limit = {beta(0), std::sqrt(cov(0, 0)), 0.5, 0};
  const Eigen::VectorXd res = v - X * beta;
  e.chi2 = res.cwiseProduct(res).dot(w);
  e.dof = static_cast<int>(n) - k;
  return e;
}

FssStudy fss_study(const std::vector<SizeData>& runs, double q_lo, double q_hi, int order) {
  if (order < 1 || order > 2) throw Error(fmt::format("extrapolation order {}: must be 1 or 2", order));
  if (!(q_lo < q_hi) || !std::isfinite(q_lo) || !std::isfinite(q_hi) || q_lo < 0) {
    throw Error(fmt::format("moment range [{}, {}]: need 0 <= q_lo < q_hi", q_lo, q_hi));
  }
  FssStudy study;
  study.order = order;
  study.q_lo = q_lo;
  study.q_hi = q_hi;
  // Heights: per size the run with the smallest error of P(z=0).
  std::map<int, const SizeData*> by_size;
  for (const auto& r : runs) {
    auto& best = by_size[r.L];
    if (std::isfinite(r.heights[0].error) && r.heights[0].error > 0 &&
        (best == nullptr || r.heights[0].error < best->heights[0].error))
      best = &r;
  }
  for (const auto& [L, r] : by_size) {
    if (r == nullptr) continue;
    study.height_sizes.push_back(L);
    for (std::size_t z = 0; z < 4; ++z) study.heights[z].push_back(r->heights[z]);
    study.heights[4].push_back(r->mean_height);
  }
  if (study.height_sizes.size() > static_cast<std::size_t>(order + 1)) {
    for (std::size_t z = 0; z < 5; ++z) {
      study.height_limits[z] = extrapolate_inverse_size(study.height_sizes, study.heights[z], order);
    }
    study.has_height_limits = true;
  }
  // Moment analysis over the runs with avalanche data (one per size).
  for (const auto& r : runs)
    if (!r.q.empty() && r.grains > 0) study.avalanche_runs.push_back(&r);
  std::sort(study.avalanche_runs.begin(), study.avalanche_runs.end(),
            [](const SizeData* a, const SizeData* b) { return a->L < b->L; });
  if (study.avalanche_runs.size() >= 2) {
    std::vector<SizeData> av;
    for (const SizeData* r : study.avalanche_runs) av.push_back(*r);
    for (int k = 0; k < 4; ++k) study.moments[static_cast<std::size_t>(k)] = moment_analysis(av, k, q_lo, q_hi);
    study.has_moments = true;
  }
  return study;
}

nlohmann::json fss_json(const std::vector<SizeData>& runs, const FssStudy& study) {
  const auto exact = infinite_lattice_height_probabilities();
  nlohmann::json heights = nullptr;
  if (study.has_height_limits) {
    heights = nlohmann::json::object();
    nlohmann::json arr = nlohmann::json::array();
    for (std::size_t z = 0; z < 5; ++z) {
      const Extrapolation& e = study.height_limits[z];
      const double want = z < 4 ? exact[z] : kInfiniteLatticeMeanHeight;
      nlohmann::json item{{"extrapolated", e.limit}, {"exact", want},
                          {"deviation_sigma", (e.limit.mean - want) / e.limit.error},
                          {"chi2", e.chi2}, {"dof", e.dof}, {"coefficients", e.coefficients}};
      if (z < 4) arr.push_back(item);
      else heights["mean_height"] = item;
    }
    heights["probabilities"] = arr;
    heights["sizes"] = study.height_sizes;
    heights["order"] = study.order;
  }
  // Mean avalanche size against Dhar's exact value, per run.
  nlohmann::json size_check = nlohmann::json::array();
  for (const auto& r : runs)
    if (r.grains > 0)
      size_check.push_back({{"L", r.L}, {"file", r.source}, {"measured", r.mean_size},
                            {"exact", r.mean_size_exact},
                            {"deviation_sigma", (r.mean_size.mean - r.mean_size_exact) / r.mean_size.error}});
  nlohmann::json exponents = nullptr;
  if (study.has_moments) {
    exponents = nlohmann::json::object();
    for (std::size_t k = 0; k < 4; ++k) {
      const MomentAnalysis& m = study.moments[k];
      nlohmann::json sig = nlohmann::json::array();
      for (const auto& s : m.sigma) sig.push_back(s);
      exponents[kObservables[k]] = {{"D", m.D}, {"tau", m.tau}, {"q", m.q}, {"sigma", sig}};
    }
    std::vector<int> sizes;
    for (const SizeData* r : study.avalanche_runs) sizes.push_back(r->L);
    exponents["sizes"] = sizes;
    exponents["q_range"] = {study.q_lo, study.q_hi};
    exponents["reference"] = {{"tau_size", 1.293}, {"D_size", 2.73}, {"source", "Lubeck & Usadel 1997"}};
  }
  return {{"heights", heights}, {"mean_size_check", size_check}, {"exponents", exponents}};
}

}  // namespace rgflow::soc
