#include "rgflow/rg/lattice_free_energy.hpp"

#include <fmt/format.h>

#include <cmath>

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
  gauge.side = Side::visible;
  for (const estimate::LayerFlow& f : flow) {
    LayerFreeEnergy l;
    l.flow = f;
    const CouplingTable table = effective_couplings(dbn.layer(f.layer), {}, gauge);
    l.uniform_mean = table.constant;
    l.uniform_mean.mean = -table.constant.mean;
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
  for (std::size_t k = 0; k + 1 < out.layers.size(); ++k) {
    const stats::Result& a = out.layers[k].free_energy_per_site;
    const stats::Result& b = out.layers[k + 1].free_energy_per_site;
    stats::Result d{b.mean - a.mean, std::hypot(a.error, b.error), 0.5, 0};
    out.change_per_site.push_back(d);
    c += std::fabs(d.mean);
    c_var += d.error * d.error;
  }
  out.conservation = {c, std::sqrt(c_var), 0.5, 0};
  return out;
}

}  // namespace rgflow::rg
