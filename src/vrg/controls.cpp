#include "rgflow/vrg/controls.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/renormalized_couplings.hpp"
#include "rgflow/vrg/observables.hpp"

namespace rgflow::vrg {

using nlohmann::json;

namespace {

json control(const std::string& name, const std::string& diagnostic, const std::string& finding, double expected,
             const stats::Result& value, bool pass, const std::string& tolerance) {
  return {{"name", name}, {"diagnostic", diagnostic}, {"finding", finding}, {"expected", expected},
          {"value", {{"mean", value.mean}, {"error", value.error}}}, {"pass", pass}, {"tolerance", tolerance}};
}

// |a − b| ≤ 3 √(σ_a² + σ_b²): the two estimates agree within 3σ.
bool agree(const stats::Result& a, double b, double b_error) {
  return std::isfinite(a.mean) && std::fabs(a.mean - b) <= 3.0 * std::hypot(a.error, b_error) + 1e-9;
}

MatrixF random_spin_rows(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed, 0);
  MatrixF x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < 0.5f ? 1.0f : -1.0f;
  return x;
}

std::vector<rg::IsingTerm> coupling_terms() {
  return {rg::IsingTerm::nearest_neighbour, rg::IsingTerm::next_nearest_neighbour, rg::IsingTerm::plaquette};
}

}  // namespace

json decimation_controls(const rg::LatticeFreeEnergyOptions& options, std::uint64_t seed, const std::string& save_dir) {
  if (!save_dir.empty()) {
    io::save_dbn(save_dir + "/decimation-1d.h5", rg::decimation_chain_dbn(16, 0.8, 2),
                 {{"control", "exact 1D decimation DBN: 16-site ring, K = 0.8, 16 -> 8 -> 4 (rg::decimation_chain_dbn)"}});
    io::save_dbn(save_dir + "/decimation-2d.h5", rg::checkerboard_decimation_dbn(4, ising::critical_coupling()),
                 {{"control", "exact 2D checkerboard decimation DBN: 4x4 Ising at K_c, 16 -> 8 -> 8 "
                              "(rg::checkerboard_decimation_dbn)"}});
  }
  json out = json::array();
  const std::string diagnostic = "free-energy conservation C = Σ|Δ_k| per site (each step's constant kept)";
  rg::LatticeFreeEnergyOptions o = options;
  o.temperature.reset();
  o.lattice_size = 0;
  {  // 1D decimation, exact log Z
    const Dbn dbn = rg::decimation_chain_dbn(16, 0.8, 2);
    rg::LatticeFreeEnergyOptions exact = o;
    exact.flow.log_z.method = estimate::LogZMethod::exact;
    const auto fe = rg::lattice_free_energy(dbn, random_spin_rows(64, 16, seed), exact);
    out.push_back(control("exact 1D decimation DBN (16-site ring, K = 0.8, 16 → 8 → 4), exact log Z", diagnostic,
                          "free_energy_flow", 0.0, fe.conservation, fe.conservation.mean <= 1e-9, "C ≤ 1e-9"));
  }
  {  // the same with the measurement's AIS
    const Dbn dbn = rg::decimation_chain_dbn(16, 0.8, 2);
    rg::LatticeFreeEnergyOptions ais = o;
    ais.flow.log_z.method = estimate::LogZMethod::ais;
    const auto fe = rg::lattice_free_energy(dbn, random_spin_rows(256, 16, seed + 1), ais);
    const stats::Result& d = fe.change_per_site.at(0);
    out.push_back(control("exact 1D decimation DBN (16-site ring, K = 0.8, 16 → 8 → 4), AIS log Z (the measurement's "
                          "chains and schedule)",
                          diagnostic, "free_energy_flow", 0.0, fe.conservation,
                          std::fabs(d.mean) <= 3.0 * d.error + 1e-9, "|Δ| ≤ 3σ"));
  }
  {  // 2D: decimation of one sublattice of the 4 × 4 Ising model at K_c
    const Dbn dbn = rg::checkerboard_decimation_dbn(4, ising::critical_coupling());
    rg::LatticeFreeEnergyOptions exact = o;
    exact.flow.log_z.method = estimate::LogZMethod::exact;
    const auto fe = rg::lattice_free_energy(dbn, random_spin_rows(64, 16, seed + 2), exact);
    out.push_back(control("exact 2D checkerboard decimation DBN (4 × 4 Ising at K_c, 16 → 8 → 8), exact log Z",
                          diagnostic, "free_energy_flow", 0.0, fe.conservation, fe.conservation.mean <= 1e-9,
                          "C ≤ 1e-9"));
  }
  return out;
}

json bond_model_control(int L, double temperature, const MatrixF& data, const rg::LatticeFreeEnergyOptions& options) {
  const conv::ConvRbm bonds = conv::ising_bond_model(L, 1.0 / temperature);
  const double K = conv::bond_coupling(static_cast<double>(bonds.kernels()(0, 0)));
  const Dbn dbn({bonds.to_dense()});
  rg::LatticeFreeEnergyOptions o = options;
  o.temperature.reset();
  o.lattice_size = 0;
  const auto fe = rg::lattice_free_energy(dbn, data, o);
  const double n = static_cast<double>(L) * L;
  const double expected = -ising::kaufman(L, K).log_z / n;
  const stats::Result& value = fe.layers.at(0).free_energy_per_site;
  const std::string method(estimate::to_string(fe.layers.at(0).flow.log_z_method));
  return control(fmt::format("exact Ising bond-representation RBM ({0}×{0}, K = {1:.4f}; {2} visible, {3} hidden), "
                             "log Z by {4}",
                             L, K, dbn.n_visible(), dbn.layer(0).n_hidden(), method),
                 "F'_0 per site = −log Z/n − ⟨F⟩_uniform/n (the log-likelihood's log Z)", "free_energy_gap", expected,
                 value, agree(value, expected, 0.0), "within 3σ of −ln Z_Kaufman/L²");
}

std::shared_ptr<const rg::BlockingRule> majority_rule_conv_rule(int L, int b) {
  return std::make_shared<rg::ConvRbmRule>(conv::majority_rule_model(L, b, 20.0), 0, rg::HiddenState::sample);
}

json majority_rule_controls(std::span<const std::int8_t> level0, std::int64_t n, int L, int b, int levels,
                            const json& conv_mcrg, const json& blockspin, std::uint64_t seed) {
  json out = json::array();
  const auto rule = majority_rule_conv_rule(L, b);
  const std::string name = fmt::format("majority-rule conv RBM (kernel = stride = {}, weight 20, p(h|v) sampled)", b);
  std::vector<std::int8_t> spins(level0.begin(), level0.end());
  int side = L;
  const std::string nn(rg::to_string(rg::IsingTerm::nearest_neighbour));
  for (int k = 1; k <= levels; ++k) {
    spins = rg::coarse_grain_batch(*rule, spins, n, side, seed + static_cast<std::uint64_t>(k));
    side /= b;
    if (side < 3) break;
    const json& ref = blockspin.at("levels").at(static_cast<std::size_t>(k)).at("renormalized_couplings");
    if (!ref.is_object() || !ref.contains(nn)) continue;
    const auto fit = rg::pseudo_likelihood_couplings(to_matrix(spins, n, std::int64_t{side} * side), side, coupling_terms());
    const stats::Result& k1 = fit.couplings.at(0);
    const double e = ref[nn].at("mean").get<double>(), e_err = ref[nn].at("error").get<double>();
    json c = control(name, fmt::format("data-side K₁ at level {} (pseudo-likelihood, K₁ K₂ K₄)", k), "coupling_flow",
                     e, k1, agree(k1, e, e_err), "within 3σ of majority rule's (errors in quadrature)");
    c["expected_error"] = e_err;
    out.push_back(c);
  }
  const json& ref_mcrg = blockspin.contains("mcrg") ? blockspin["mcrg"] : json::array();
  for (std::size_t s = 0; s < conv_mcrg.size() && s < ref_mcrg.size(); ++s) {
    const json& step = conv_mcrg[s];
    for (const char* y : {"y_t", "y_h"}) {
      const stats::Result v{step.at(y).at("mean").get<double>(), step.at(y).at("error").get<double>(), 0.5, 0};
      const double e = ref_mcrg[s].at(y).at("mean").get<double>(), e_err = ref_mcrg[s].at(y).at("error").get<double>();
      json c = control(name, fmt::format("MCRG {} at step {} → {}", y, step.at("from_size").get<int>(),
                                         step.at("to_size").get<int>()),
                       "mcrg", e, v, agree(v, e, e_err), "within 3σ of majority rule's (errors in quadrature)");
      c["expected_error"] = e_err;
      out.push_back(c);
    }
  }
  return out;
}

json critical_exponent_controls(const json& tc_mcrg, int b, int L, std::int64_t samples) {
  json out = json::array();
  const std::string name = fmt::format("majority-rule conv RBM (kernel = stride = {}, weight 20, p(h|v) sampled) at "
                                       "T_c, L = {}, {} Wolff configurations", b, L, samples);
  for (const auto& step : tc_mcrg) {
    for (const auto& [y, exact, tol] : {std::tuple{"y_t", 1.0, 0.05}, std::tuple{"y_h", 15.0 / 8.0, 0.02}}) {
      const stats::Result v{step.at(y).at("mean").get<double>(), step.at(y).at("error").get<double>(), 0.5, 0};
      out.push_back(control(name, fmt::format("MCRG {} at step {} → {}", y, step.at("from_size").get<int>(),
                                              step.at("to_size").get<int>()),
                            "mcrg", exact, v, std::isfinite(v.mean) && std::fabs(v.mean - exact) <= tol,
                            fmt::format("|{} − {}| ≤ {}", y, y == std::string("y_t") ? "1" : "15/8", tol)));
    }
  }
  return out;
}

}  // namespace rgflow::vrg
