#include "rgflow/rg/rbm_flow.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/rg/flow_map.hpp"

namespace rgflow::rg {

namespace {

constexpr double kTMin = 0.05;
constexpr double kTMax = 100.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

stats::Result mean_and_error(const VectorD& x) {
  return stats::mean_sem({x.data(), static_cast<std::size_t>(x.size())});
}

void check_lattice_rows(const MatrixF& spins, int L) {
  if (L < 2 || spins.cols() != Index{L} * L) {
    throw Error(fmt::format("configurations have {} sites, not a {}x{} lattice", spins.cols(), L, L));
  }
  if (spins.rows() < 2) throw Error("need at least two configurations");
}

// Sum of the four neighbours of site (x, y).
inline double neighbour_sum(const float* s, int L, int x, int y) {
  return static_cast<double>(s[y * L + (x + 1) % L]) + s[y * L + (x + L - 1) % L] +
         s[((y + 1) % L) * L + x] + s[((y + L - 1) % L) * L + x];
}

}  // namespace

stats::Result temperature_from_energy(int L, const stats::Result& u) {
  const auto energy_at = [L](double T) { return ising::kaufman(L, 1.0 / T).energy_per_spin; };
  stats::Result r;
  r.n = u.n;
  if (!std::isfinite(u.mean) || u.mean < energy_at(kTMin) || u.mean > energy_at(kTMax)) {
    r.mean = kNaN;
    r.error = kNaN;
    return r;
  }
  // Bisection in log T: u(T) is increasing.
  double lo = std::log(kTMin), hi = std::log(kTMax);
  for (int it = 0; it < 100 && hi - lo > 1e-13; ++it) {
    const double mid = 0.5 * (lo + hi);
    (energy_at(std::exp(mid)) < u.mean ? lo : hi) = mid;
  }
  r.mean = std::exp(0.5 * (lo + hi));
  const double c = ising::kaufman(L, 1.0 / r.mean).specific_heat;  // du/dT
  r.error = c > 0.0 ? u.error / c : kNaN;
  return r;
}

stats::Result pseudo_likelihood_coupling(const MatrixF& spins, int L) {
  check_lattice_rows(spins, L);
  const Index N = spins.rows();
  // Per row: a_n = Σ_i s_i g_i; the score is ψ_n(K) = a_n − Σ_i g_i tanh(K g_i).
  std::vector<double> a(static_cast<std::size_t>(N), 0.0);
  std::vector<std::vector<double>> g(static_cast<std::size_t>(N));
  for (Index n = 0; n < N; ++n) {
    const float* s = spins.row(n).data();
    auto& gn = g[static_cast<std::size_t>(n)];
    gn.resize(static_cast<std::size_t>(L) * L);
    for (int y = 0; y < L; ++y) {
      for (int x = 0; x < L; ++x) {
        const double gi = neighbour_sum(s, L, x, y);
        gn[static_cast<std::size_t>(y * L + x)] = gi;
        a[static_cast<std::size_t>(n)] += s[y * L + x] * gi;
      }
    }
  }
  const auto score = [&](double K, double* derivative) {
    double total = 0.0, d = 0.0;
    for (Index n = 0; n < N; ++n) {
      double t = a[static_cast<std::size_t>(n)];
      for (double gi : g[static_cast<std::size_t>(n)]) {
        const double th = std::tanh(K * gi);
        t -= gi * th;
        d -= gi * gi * (1.0 - th * th);
      }
      total += t;
    }
    if (derivative != nullptr) *derivative = d;
    return total;
  };
  stats::Result r;
  r.n = N;
  constexpr double kMaxK = 20.0;
  // The score decreases in K: a root in (0, kMaxK) exists iff score(0) > 0 > score(kMaxK).
  if (!(score(0.0, nullptr) > 0.0) || !(score(kMaxK, nullptr) < 0.0)) {
    r.mean = kNaN;
    r.error = kNaN;
    return r;
  }
  double lo = 0.0, hi = kMaxK, K = 0.3;
  for (int it = 0; it < 200; ++it) {
    double d = 0.0;
    const double f = score(K, &d);
    (f > 0.0 ? lo : hi) = K;
    double next = d < 0.0 ? K - f / d : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);  // safeguarded Newton
    if (std::fabs(next - K) < 1e-14 * (1.0 + K)) {
      K = next;
      break;
    }
    K = next;
  }
  double d = 0.0;
  score(K, &d);
  double meat = 0.0;
  for (Index n = 0; n < N; ++n) {
    double t = a[static_cast<std::size_t>(n)];
    for (double gi : g[static_cast<std::size_t>(n)]) t -= gi * std::tanh(K * gi);
    meat += t * t;
  }
  r.mean = K;
  r.error = std::sqrt(meat) / std::fabs(d);
  return r;
}

LatticeObservables lattice_observables(const MatrixF& spins, int L) {
  check_lattice_rows(spins, L);
  const Index N = spins.rows();
  const double sites = static_cast<double>(L) * L;
  VectorD u(N), m(N);
  for (Index n = 0; n < N; ++n) {
    const float* s = spins.row(n).data();
    double bonds = 0.0, sum = 0.0;
    for (int y = 0; y < L; ++y) {
      for (int x = 0; x < L; ++x) {
        const double si = s[y * L + x];
        bonds += si * (static_cast<double>(s[y * L + (x + 1) % L]) + s[((y + 1) % L) * L + x]);
        sum += si;
      }
    }
    u[n] = -bonds / sites;
    m[n] = std::fabs(sum / sites);
  }
  LatticeObservables o;
  o.energy = mean_and_error(u);
  o.abs_magnetization = mean_and_error(m);
  o.temperature_energy = temperature_from_energy(L, o.energy);
  const stats::Result K = pseudo_likelihood_coupling(spins, L);
  o.temperature_pseudo_likelihood.n = N;
  o.temperature_pseudo_likelihood.mean = 1.0 / K.mean;
  o.temperature_pseudo_likelihood.error = K.error / (K.mean * K.mean);
  if (!(o.temperature_pseudo_likelihood.mean >= kTMin && o.temperature_pseudo_likelihood.mean <= kTMax)) {
    o.temperature_pseudo_likelihood.mean = o.temperature_pseudo_likelihood.error = kNaN;
  }
  return o;
}

std::vector<FlowStep> rbm_flow(const Rbm& rbm, const MatrixF& data, int L,
                               const RbmFlowOptions& options) {
  rbm.validate();
  if (rbm.n_visible() != Index{L} * L) {
    throw Error(fmt::format("the model has {} visible units, not a {}x{} lattice", rbm.n_visible(), L, L));
  }
  check_lattice_rows(data, L);
  const RbmFlowMap map(rbm, options.propagate);
  return iterate_flow(map, map.to_spins(data), L, {options.steps, options.seed});
}

RbmFlowMap::RbmFlowMap(const Rbm& rbm, Propagate propagate) : rbm_(rbm), propagate_(propagate) {
  if (!is_binary(rbm.visible_type())) throw Error("the RBM flow needs binary visible units");
}

MatrixF RbmFlowMap::from_spins(const MatrixF& spins) const {
  return rbm_.visible_type() == UnitType::bernoulli ? MatrixF(((spins.array() + 1.0f) * 0.5f).matrix()) : spins;
}

MatrixF RbmFlowMap::to_spins(const MatrixF& state) const {
  return rbm_.visible_type() == UnitType::bernoulli ? MatrixF((2.0f * state.array() - 1.0f).matrix()) : state;
}

void RbmFlowMap::step(MatrixF& v, Rng& rng) const {
  MatrixF h;
  if (propagate_ == Propagate::mean) {
    rbm_.hidden_mean(v, h);
    MatrixF next;
    rbm_.visible_mean(h, next);
    v.swap(next);
  } else {
    rbm_.gibbs(v, h, 1, rng);
  }
}

std::vector<FlowStep> iterate_flow(const FlowMap& map, const MatrixF& spins, int L, const FlowOptions& options,
                                   const std::function<void(int, const MatrixF&)>& visit) {
  if (options.steps < 0) throw Error(fmt::format("steps {}: must be >= 0", options.steps));
  if (map.sites() != Index{L} * L) {
    throw Error(fmt::format("the {} map acts on {} sites, not a {}x{} lattice", map.name(), map.sites(), L, L));
  }
  check_lattice_rows(spins, L);
  Rng rng(options.seed, 0);
  std::vector<FlowStep> out;
  MatrixF state = map.from_spins(spins);
  for (int t = 0; t <= options.steps; ++t) {
    if (t > 0) map.step(state, rng);
    const MatrixF s = map.to_spins(state);
    if (visit) visit(t, s);
    out.push_back({t, lattice_observables(s, L)});
  }
  return out;
}

}  // namespace rgflow::rg
