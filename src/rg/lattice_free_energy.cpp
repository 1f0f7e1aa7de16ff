#include "rgflow/rg/lattice_free_energy.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/ising/exact.hpp"

namespace rgflow::rg {

LatticeFreeEnergy lattice_free_energy(const Dbn& dbn, const MatrixF& data,
                                      const LatticeFreeEnergyOptions& options) {
  dbn.validate();
  if (options.flow.log_z.method == estimate::LogZMethod::none) {
    throw Error("the lattice free energy needs log Z (exact or AIS)");
  }
  LatticeFreeEnergy out;
  if (options.lattice_size > 0 && options.temperature) {
    const double T = *options.temperature;
    if (!(T > 0.0) || !std::isfinite(T)) throw Error(fmt::format("temperature {}: must be > 0", T));
    const int L = options.lattice_size;
    if (Index{L} * L != dbn.n_visible()) {
      throw Error(fmt::format("the DBN has {} visible units, not a {}x{} lattice", dbn.n_visible(), L, L));
    }
    out.ising_per_site = -ising::kaufman(L, 1.0 / T).log_z / (static_cast<double>(L) * L);
  }
  const std::vector<estimate::LayerFlow> flow = estimate::free_energy_flow(dbn, data, options.flow);
  const double n0 = static_cast<double>(dbn.n_visible());
  CouplingOptions gauge = options.gauge;
  for (const estimate::LayerFlow& f : flow) {
    LayerFreeEnergy l;
    l.flow = f;
    // ⟨F_k⟩_u and ⟨F^h_k⟩_u with the same seed: on a level shared by layers k and k+1 both draw
    // the same uniform states, so their Monte Carlo noise largely cancels in Δ_k.
    gauge.side = Side::visible;
    const CouplingTable visible = effective_couplings(dbn.layer(f.layer), {}, gauge);
    l.uniform_mean = {-visible.constant.mean, visible.constant.error, 0.5, 0};
    if (f.layer + 1 < dbn.n_layers()) {  // the top layer's hidden level is no model's visible level
      gauge.side = Side::hidden;
      const CouplingTable hidden = effective_couplings(dbn.layer(f.layer), {}, gauge);
      l.hidden_uniform_mean = {-hidden.constant.mean, hidden.constant.error, 0.5, 0};
      l.generated_constant = {l.uniform_mean.mean - l.hidden_uniform_mean.mean,
                              std::hypot(l.uniform_mean.error, l.hidden_uniform_mean.error), 0.5, 0};
    }
    const stats::Result& log_z = *f.log_z;
    l.free_energy.mean = -log_z.mean - l.uniform_mean.mean;
    l.free_energy.error = std::hypot(log_z.error, l.uniform_mean.error);
    const double nk = static_cast<double>(f.n_visible);
    l.free_energy_per_unit = {l.free_energy.mean / nk, l.free_energy.error / nk, 0.5, 0};
    l.free_energy_per_site = {l.free_energy.mean / n0, l.free_energy.error / n0, 0.5, 0};
    l.sites_per_unit = n0 / nk;
    if (out.ising_per_site) l.ising_per_unit = l.sites_per_unit * *out.ising_per_site;
    out.layers.push_back(l);
  }
  double c = 0.0, c_var = 0.0;
  out.layers.front().kept_free_energy_per_site = out.layers.front().free_energy_per_site;
  for (std::size_t k = 0; k + 1 < out.layers.size(); ++k) {
    const LayerFreeEnergy& a = out.layers[k];
    LayerFreeEnergy& b = out.layers[k + 1];
    // Δ_k n_0 = log Z_k − log Z_{k+1} + ⟨F^h_k⟩_u − ⟨F_{k+1}⟩_u (⟨F_k⟩_u cancels exactly).
    const double mean = a.flow.log_z->mean - b.flow.log_z->mean + a.hidden_uniform_mean.mean -
                        b.uniform_mean.mean;
    const double var = a.flow.log_z->error * a.flow.log_z->error +
                       b.flow.log_z->error * b.flow.log_z->error +
                       a.hidden_uniform_mean.error * a.hidden_uniform_mean.error +
                       b.uniform_mean.error * b.uniform_mean.error;
    const stats::Result d{mean / n0, std::sqrt(var) / n0, 0.5, 0};
    out.change_per_site.push_back(d);
    b.kept_free_energy_per_site = {a.kept_free_energy_per_site.mean + d.mean,
                                   std::hypot(a.kept_free_energy_per_site.error, d.error), 0.5, 0};
    c += std::fabs(d.mean);
    c_var += d.error * d.error;
  }
  out.conservation = {c, std::sqrt(c_var), 0.5, 0};
  return out;
}

namespace {

double decimated(double k) { return 0.5 * std::log(std::cosh(2.0 * k)); }

// The float32 within 64 ulps of `coupling` whose decimated coupling rounds to float32 most closely.
float aligned_coupling(double coupling) {
  float best = static_cast<float>(coupling);
  double best_gap = 1.0;
  float k = best;
  for (int i = 0; i < 64; ++i) k = std::nextafter(k, 0.0F);
  for (int i = 0; i <= 128; ++i, k = std::nextafter(k, std::numeric_limits<float>::infinity())) {
    const double next = decimated(k);
    const double gap = std::fabs(static_cast<double>(static_cast<float>(next)) - next);
    if (gap < best_gap) {
      best_gap = gap;
      best = k;
    }
  }
  return best;
}

}  // namespace

Dbn decimation_chain_dbn(Index sites, double coupling, Index layers, double copy_weight) {
  if (layers < 1 || sites < 4 || sites % (Index{1} << layers) != 0 || (sites >> (layers - 1)) < 4) {
    throw Error(fmt::format("decimation chain: {} sites cannot be halved {} times down to >= 4 "
                            "sites per layer and an even top", sites, layers));
  }
  if (!(coupling > 0.0) || !std::isfinite(coupling) || !(copy_weight >= 10.0) || !std::isfinite(copy_weight)) {
    throw Error(fmt::format("decimation chain: coupling {} must be > 0 and copy weight {} >= 10",
                            coupling, copy_weight));
  }
  std::vector<Rbm> rbms;
  float k = aligned_coupling(coupling);
  Index n = sites;
  for (Index layer = 0; layer < layers; ++layer, n /= 2) {
    Rbm rbm(n, n / 2, UnitType::spin, UnitType::spin);
    rbm.weights().setZero();
    rbm.visible_bias().setZero();
    rbm.hidden_bias().setZero();
    for (Index j = 0; j < n / 2; ++j) {
      rbm.weights()(2 * j, j) = static_cast<float>(copy_weight);
      rbm.weights()((2 * j + 1) % n, j) += k;
      rbm.weights()((2 * j + n - 1) % n, j) += k;
    }
    rbms.push_back(std::move(rbm));
    k = static_cast<float>(decimated(k));
  }
  return Dbn(std::move(rbms));
}

Dbn checkerboard_decimation_dbn(int L, double coupling, double copy_weight) {
  if (L < 4 || L % 2 != 0) throw Error(fmt::format("checkerboard decimation: L = {} must be even and >= 4", L));
  if (!(coupling > 0.0) || !std::isfinite(coupling) || !(copy_weight >= 10.0) || !std::isfinite(copy_weight)) {
    throw Error(fmt::format("checkerboard decimation: coupling {} must be > 0 and copy weight {} >= 10",
                            coupling, copy_weight));
  }
  const Index n = Index{L} * L;
  const auto site = [L](int x, int y) { return Index{((y % L + L) % L)} * L + ((x % L + L) % L); };
  // Black sites (x + y even) and white sites in row-major order; index of each within its colour.
  std::vector<Index> colour_index(static_cast<std::size_t>(n));
  Index blacks = 0, whites = 0;
  for (int y = 0; y < L; ++y) {
    for (int x = 0; x < L; ++x) colour_index[static_cast<std::size_t>(site(x, y))] = (x + y) % 2 == 0 ? blacks++ : whites++;
  }
  const float k = static_cast<float>(coupling);
  Rbm first(n, blacks, UnitType::spin, UnitType::spin);
  Rbm second(blacks, whites, UnitType::spin, UnitType::spin);
  for (Rbm* r : {&first, &second}) {
    r->weights().setZero();
    r->visible_bias().setZero();
    r->hidden_bias().setZero();
  }
  constexpr int dx[4] = {1, -1, 0, 0};
  constexpr int dy[4] = {0, 0, 1, -1};
  for (int y = 0; y < L; ++y) {
    for (int x = 0; x < L; ++x) {
      const Index s = site(x, y);
      const Index c = colour_index[static_cast<std::size_t>(s)];
      if ((x + y) % 2 == 0) {  // black: hidden unit c of layer 0
        first.weights()(s, c) = static_cast<float>(copy_weight);
        for (int d = 0; d < 4; ++d) first.weights()(site(x + dx[d], y + dy[d]), c) = k;
      } else {  // white: hidden unit c of layer 1, tied to its four black neighbours
        for (int d = 0; d < 4; ++d) {
          second.weights()(colour_index[static_cast<std::size_t>(site(x + dx[d], y + dy[d]))], c) = k;
        }
      }
    }
  }
  return Dbn({std::move(first), std::move(second)});
}

}  // namespace rgflow::rg
