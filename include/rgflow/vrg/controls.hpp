#pragma once
// Positive controls of `rgflow vrg run` and `rgflow demo` (issue #17 item 2; docs/vrg.md "Positive
// controls"): hand-built models whose answer is known exactly, pushed through the same diagnostic
// code, with the same options, as the trained models. Each entry of summary.json's
// "positive_controls" is {"name", "diagnostic", "finding", "expected", "value": {mean, error},
// "pass", "tolerance"} ("expected_error" when the expected value is itself an estimate). A finding
// whose diagnostic fails its control is reported as broken (report.hpp), not as a finding.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "rgflow/core/types.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/lattice_free_energy.hpp"

namespace rgflow::vrg {

// The free-energy conservation metric (finding "free_energy_flow") on exact RGs, with `options` as
// the measurement uses them: the 16-site ring at K = 0.8 decimated 16 → 8 → 4 with exact log Z
// (C = 0 to 1e-9) and with forced AIS at options' settings (|C| ≤ 3σ), and the checkerboard
// decimation of the 4 × 4 Ising model at K_c (C = 0 to 1e-9). `seed` draws the AIS base-rate rows.
// A non-empty `save_dir` (an existing directory) also receives the two DBNs, decimation-1d.h5 and
// decimation-2d.h5, for `rgflow rg free-energy-flow` (both have 16 visible units: 4 × 4 data).
nlohmann::json decimation_controls(const rg::LatticeFreeEnergyOptions& options, std::uint64_t seed,
                                   const std::string& save_dir = "");

// The log-partition estimator (findings "free_energy_gap", "free_energy_flow"): the exact bond
// representation of the L × L Ising model at 1/T (conv::ising_bond_model as a dense RBM), F'_0 per
// site by rg::lattice_free_energy with `options` (AIS from `data`'s base rate where the layer is
// too big to enumerate) against −ln Z_Kaufman(L, K)/L² — equivalently log Z_RBM against
// ln Z_Kaufman + 2L²(ln 2 + K). Pass: within 3σ (+1e-9).
nlohmann::json bond_model_control(int L, double temperature, const MatrixF& data,
                                  const rg::LatticeFreeEnergyOptions& options);

// The hand-built majority-rule convolutional RBM (conv::majority_rule_model, weight 20) as a
// blocking rule in `sample` mode: majority rule with random tie-breaking, in distribution.
std::shared_ptr<const rg::BlockingRule> majority_rule_conv_rule(int L, int b);

// The learned-blocking diagnostics (findings "coupling_flow", "mcrg") on that rule, applied to
// `level0` ([n, L²] ±1): its coarse data's pseudo-likelihood K₁ at every level with side ≥ 3, and
// the MCRG y_t, y_h of `conv_mcrg` (the steps [{from_size, to_size, y_t, y_h}] that MCRG with this
// rule gave), must agree within 3σ (errors in quadrature) with the majority rule's in `blockspin`
// (the block-spin stage's results: "levels", "mcrg").
nlohmann::json majority_rule_controls(std::span<const std::int8_t> level0, std::int64_t n, int L, int b,
                                      int levels, const nlohmann::json& conv_mcrg, const nlohmann::json& blockspin,
                                      std::uint64_t seed);

// The same rule's MCRG at T_c (`tc_mcrg`: steps [{from_size, to_size, y_t, y_h}] on Wolff data of
// side L at T_c, `samples` configurations) against the exact exponents (finding "mcrg"): at every
// step |y_t − 1| ≤ 0.05 and |y_h − 15/8| ≤ 0.02 (issue #17's acceptance tolerances at L = 32).
nlohmann::json critical_exponent_controls(const nlohmann::json& tc_mcrg, int b, int L, std::int64_t samples);

}  // namespace rgflow::vrg
