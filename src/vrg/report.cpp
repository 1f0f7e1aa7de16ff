#include "rgflow/vrg/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

namespace rgflow::vrg {

using nlohmann::json;

namespace {

struct Est {
  double mean = NAN, error = NAN;
  bool ok() const { return std::isfinite(mean); }
};
Est est(const json& j) {
  if (!j.is_object() || !j.contains("mean") || !j["mean"].is_number()) return {};
  return {j["mean"].get<double>(), j.contains("error") && j["error"].is_number() ? j["error"].get<double>() : 0.0};
}
std::string show(const Est& e) {
  if (!e.ok()) return "n/a";
  if (e.error > 1e-9 * std::max(1.0, std::fabs(e.mean))) {
    const int digits = std::max(0, 1 - static_cast<int>(std::floor(std::log10(e.error))));
    return fmt::format("{:.{}f} ± {:.{}f}", e.mean, std::min(digits, 6), e.error, std::min(digits, 6));
  }
  return fmt::format("{:.4g}", e.mean);
}
// |a − b| in units of their combined standard error (inf when both are exact and differ).
double sigmas(const Est& a, const Est& b) {
  const double s = std::hypot(a.error, b.error);
  const double d = std::fabs(a.mean - b.mean);
  return s > 0 ? d / s : (d == 0 ? 0 : INFINITY);
}
json* dataset(json& summary, const char* name) {
  if (!summary.contains("datasets") || !summary["datasets"].contains(name)) return nullptr;
  return &summary["datasets"][name];
}
json& levels_of(json& d, const char* side) { return d[side]["levels"]; }

// The quality gate ("fit before you measure"): how many bottom layers of a model beat their
// independent-unit baseline on held-out rows, counting up to the first that does not. Level k
// (the hidden states of layer k − 1) is read only for k <= fit_layers(model); a summary without
// gate records (older runs) counts every layer.
constexpr std::size_t kAllLayers = std::size_t{1} << 30;
std::size_t fit_layers(json& model) {
  if (!model.is_object() || !model.contains("fit") || !model["fit"].is_array()) return kAllLayers;
  std::size_t n = 0;
  for (auto& f : model["fit"]) {
    if (!f.is_object() || !f.value("models_data", false)) break;
    ++n;
  }
  return n;
}
std::size_t fit_layers_of(json& summary, const char* name) {
  if (!summary.contains("datasets") || !summary["datasets"].contains(name)) return 0;
  return fit_layers(summary["datasets"][name]["dbn"]);
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// The quality gate of a model's layers (held-out rows): a table, and each unfit layer marked.
void gate_table(std::ostringstream& h, json& fit) {
  if (!fit.is_array() || fit.empty()) return;
  h << "<table><tr><th>layer</th><th>held-out ℓ/n</th><th>independent units</th><th>exact −s</th>"
       "<th>KL per spin</th><th>held-out rows</th><th>quality gate</th></tr>\n";
  for (auto& f : fit) {
    if (!f.is_object()) continue;
    const bool ok = f.value("models_data", false);
    h << "<tr><td>" << f.value("layer", 0) << "</td><td>" << escape(show(est(f["log_likelihood_per_unit"])))
      << "</td><td>" << escape(fmt::format("{:.4f}", f.value("independent_per_unit", NAN))) << "</td><td>"
      << (f.contains("exact_per_unit") ? escape(fmt::format("{:.4f}", f["exact_per_unit"].get<double>())) : "")
      << "</td><td>" << (f.contains("kl_per_unit") ? escape(show(est(f["kl_per_unit"]))) : "") << "</td><td>"
      << f.value("n_rows", 0) << "</td><td>" << (ok ? "models its data" : "<b>does not model its data</b>")
      << "</td></tr>\n";
  }
  h << "</table>\n";
}

// MCRG exponents per blocking step: majority-rule block spins next to the RSMI rules.
void mcrg_table(std::ostringstream& h, json& block, json& rsmi) {
  const std::size_t n = std::max(block.is_array() ? block.size() : 0, rsmi.is_array() ? rsmi.size() : 0);
  if (n == 0) return;
  h << "<table><tr><th>MCRG step</th><th>y_t block</th><th>y_t RSMI</th><th>y_h block</th><th>y_h RSMI</th></tr>\n";
  auto cell = [](json& steps, std::size_t i, const char* y) {
    return steps.is_array() && i < steps.size() ? escape(show(est(steps[i][y]))) : std::string();
  };
  for (std::size_t i = 0; i < n; ++i) {
    json& s = block.is_array() && i < block.size() ? block[i] : rsmi[i];
    h << "<tr><td>" << s.value("from_size", 0) << "→" << s.value("to_size", 0) << "</td><td>" << cell(block, i, "y_t")
      << "</td><td>" << cell(rsmi, i, "y_t") << "</td><td>" << cell(block, i, "y_h") << "</td><td>"
      << cell(rsmi, i, "y_h") << "</td></tr>\n";
  }
  h << "</table>\n";
}

// The RSMI column's filters per level (rg/rsmi): weights, I(H:E) held out, or why a level was skipped.
void rsmi_filter_table(std::ostringstream& h, json& rsmi) {
  if (!rsmi.is_object() || !rsmi["filters"].is_array() || rsmi["filters"].empty()) return;
  h << "<table><tr><th>RSMI level</th><th>side</th><th>filter (block sites row-major)</th>"
       "<th>max deviation from uniform</th><th>I(H:E) nats (held out)</th></tr>\n";
  for (auto& f : rsmi["filters"]) {
    h << "<tr><td>" << f.value("level", 0) << "</td><td>" << f.value("side", 0) << "</td>";
    if (f.contains("skipped")) {
      h << "<td colspan=\"3\">skipped: " << escape(f.value("skipped", "")) << "</td></tr>\n";
      continue;
    }
    std::string w;
    for (const auto& x : f["filter"]) w += (w.empty() ? "" : ", ") + fmt::format("{:.4f}", x.get<double>());
    h << "<td>(" << escape(w) << ")" << (f.value("learned", true) ? "" : " fixed") << "</td><td>"
      << (f["nonuniformity"].is_number() ? escape(fmt::format("{:.1f} %", 100.0 * f["nonuniformity"].get<double>()))
                                          : std::string("n/a"))
      << "</td><td>"
      << escape(show(est(f["mutual_information"]))) << "</td></tr>\n";
  }
  h << "</table>\n";
}

}  // namespace

std::vector<Finding> findings(const json& summary_in) {
  // A mutable copy: operator[] on a missing key then yields null (and no finding) instead of an
  // assertion, so summaries without some parts (a control not run) are fine.
  json summary = summary_in;
  std::vector<Finding> out;
  json* crit = dataset(summary, "critical");
  if (crit == nullptr) return out;
  const std::size_t crit_fit = fit_layers((*crit)["dbn"]);

  // 0. The quality gate of every layer of every model: which layers model their data.
  {
    std::vector<std::string> unfit;
    int scored = 0;
    auto scan = [&](json& model, const std::string& name) {
      if (!model.is_object() || !model.contains("fit") || !model["fit"].is_array()) return;
      for (auto& f : model["fit"]) {
        if (!f.is_object()) continue;
        ++scored;
        if (f.value("models_data", false)) continue;
        unfit.push_back(fmt::format("layer {} of the {} model (held-out {} nats per unit against {:.4f} for "
                                    "independent units)", f.value("layer", 0), name,
                                    show(est(f["log_likelihood_per_unit"])), f.value("independent_per_unit", NAN)));
      }
    };
    for (const char* d : {"critical", "paramagnet", "ordered", "permuted", "textures"}) {
      if (json* ds = dataset(summary, d)) scan((*ds)["dbn"], d);
    }
    if (summary.contains("local")) scan(summary["local"], "locally connected");
    if (scored > 0) {
      json& f0 = (*crit)["dbn"]["fit"];
      std::string first;
      if (f0.is_array() && !f0.empty() && f0[0].is_object()) {
        first = fmt::format(" (critical data, first layer: {} nats per spin against {:.4f} for independent spins",
                            show(est(f0[0]["log_likelihood_per_unit"])), f0[0].value("independent_per_unit", NAN));
        if (f0[0].contains("exact_per_unit")) first += fmt::format(" and the exact −s = {:.4f}", f0[0]["exact_per_unit"].get<double>());
        first += ")";
      }
      if (unfit.empty()) {
        out.push_back({"model_fit", true,
                       fmt::format("every layer of every model beats its independent-unit baseline on held-out rows{}",
                                   first)});
      } else {
        std::string joined;
        for (const auto& u : unfit) joined += (joined.empty() ? "" : "; ") + u;
        out.push_back({"model_fit", false,
                       fmt::format("{} not model {} data: {}. Every finding below leaves out such a layer and the "
                                   "levels above it{}", unfit.size() == 1 ? "one layer does" : "some layers do",
                                   unfit.size() == 1 ? "its" : "their", joined, first)});
      }
    }
  }

  // 1. Free energy of the first layer against the exact Ising log-likelihood per spin.
  if (crit_fit >= 1 && (*crit)["dbn"].contains("exact") && (*crit)["dbn"]["exact"].is_object() &&
      !(*crit)["dbn"]["free_energy"].empty()) {
    const Est exact = est((*crit)["dbn"]["exact"]["log_likelihood_per_spin"]);
    const Est model = est((*crit)["dbn"]["free_energy"][0].value("log_likelihood_per_unit", json()));
    if (exact.ok() && model.ok()) {
      const double gap = exact.mean - model.mean;
      const double z = model.error > 0 ? gap / model.error : INFINITY;
      if (z > 3) {
        out.push_back({"free_energy_gap", true,
                       fmt::format("the first RBM's mean log-likelihood per spin is {} against the exact "
                                   "−s = {} (Kaufman): it misses the critical distribution by KL ≈ {:.3g} "
                                   "nats per spin ({:.1f} σ)", show(model), show(exact), gap, z)});
      } else if (z >= -3) {
        out.push_back({"free_energy_gap", true,
                       fmt::format("the first RBM's mean log-likelihood per spin, {}, equals the exact "
                                   "−s = {} within {:.1f} σ: the RBM represents the critical distribution "
                                   "to the accuracy of the AIS estimate", show(model), show(exact), std::fabs(z))});
      } else {
        out.push_back({"free_energy_gap", false,
                       fmt::format("the AIS log-likelihood per spin, {}, lies above the exact −s = {} by "
                                   "{:.1f} σ, which a converged estimate cannot: log Z is underestimated "
                                   "(more AIS chains or temperatures needed)", show(model), show(exact), -z)});
      }
    }
  }

  // 1b. Free energy per original site across layers with each RG step's constant kept
  // (rg/lattice_free_energy): an exact RG conserves it, and C = Σ|Δ_k| is then 0 (positive
  // control: the exact decimation DBN).
  if ((*crit)["dbn"].contains("free_energy_conservation")) {
    json& fc = (*crit)["dbn"]["free_energy_conservation"];
    json& fe = (*crit)["dbn"]["free_energy"];
    const Est exact = est(fc.value("exact_free_energy_per_site", json()));
    const Est C = est(fc["conservation"]);
    if (exact.ok() && fe.size() >= 2 && crit_fit >= fe.size()) {
      std::string per_layer;
      for (const auto& f : fe) {
        per_layer += (per_layer.empty() ? "" : ", ") +
                     show(est(f.value("kept_free_energy_per_site", f["free_energy_per_site"])));
      }
      const bool conserved = C.ok() && C.mean <= 3 * C.error + 1e-12;
      out.push_back({"free_energy_flow", conserved,
                     fmt::format("the free energy per original site across layers, each RG step's constant kept, is {} "
                                 "against the exact {} (Kaufman); its total change C = Σ|Δ_k| = {} {}", per_layer,
                                 show(exact), show(C),
                                 conserved ? "is zero within 3 σ: each layer models exactly what the layer below hands "
                                             "up, as in an exact RG"
                                           : "is not zero: the layers do not model what the layer below hands up, as "
                                             "an exact RG would (C = 0 for the exact decimation DBN)")});
    }
  }

  // 2. Correlation length of hidden layers vs block spins of the same level.
  {
    json& dbn = levels_of(*crit, "dbn");
    json& blk = levels_of(*crit, "blockspin");
    std::vector<std::string> parts;
    bool all_close = true;
    int compared = 0;
    for (std::size_t k = 1; k < dbn.size() && k < blk.size() && k <= crit_fit; ++k) {
      const Est a = est(dbn[k]["correlation_length"]), b = est(blk[k]["correlation_length"]);
      if (!a.ok() || !b.ok()) continue;
      ++compared;
      parts.push_back(fmt::format("level {}: {} (DBN) vs {} (block spins)", k, show(a), show(b)));
      if (sigmas(a, b) > 3) all_close = false;
    }
    if (compared > 0) {
      std::string joined;
      for (const auto& p : parts) joined += (joined.empty() ? "" : "; ") + p;
      const Est xi0 = est(blk[0]["correlation_length"]);
      out.push_back({"correlation_length", all_close,
                     all_close ? fmt::format("the hidden layers keep the data's correlation length "
                                             "(ξ = {} sites) as block spins do, within 3 σ ({})", show(xi0), joined)
                               : fmt::format("the hidden layers do not reproduce the block spins' correlation "
                                             "length (data ξ = {} sites; {}), beyond 3 σ", show(xi0), joined)});
    }
  }

  // 3. Magnetisation at the top level.
  {
    json& dbn = levels_of(*crit, "dbn");
    json& blk = levels_of(*crit, "blockspin");
    const std::size_t levels = std::min(dbn.size(), blk.size());
    const std::size_t k = levels == 0 ? 0 : std::min(levels - 1, crit_fit);
    if (k >= 1) {
      const Est a = est(dbn[k]["abs_magnetization"]), b = est(blk[k]["abs_magnetization"]);
      const bool close = sigmas(a, b) <= 3;
      out.push_back({"magnetization", close,
                     fmt::format("at level {} the hidden spins have ⟨|m|⟩ = {} against {} for block spins "
                                 "({:.1f} σ apart)", k, show(a), show(b), sigmas(a, b))});
    }
  }

  // 4. Controls: the top-level correlation length with and without geometry.
  {
    std::vector<std::string> parts;
    for (const char* d : {"critical", "permuted", "textures", "paramagnet", "ordered"}) {
      json* ds = dataset(summary, d);
      if (ds == nullptr || fit_layers((*ds)["dbn"]) < 1) continue;
      json& dbn = levels_of(*ds, "dbn");
      if (dbn.size() < 2) continue;
      parts.push_back(fmt::format("{} {}", d, show(est(dbn[1]["correlation_length"]))));
    }
    json* perm = dataset(summary, "permuted");
    if (perm != nullptr && crit_fit >= 1 && fit_layers_of(summary, "permuted") >= 1 && parts.size() > 1) {
      const Est p = est(levels_of(*perm, "dbn")[1]["correlation_length"]);
      const Est c = est(levels_of(*crit, "dbn")[1]["correlation_length"]);
      const bool lower = p.ok() && c.ok() && c.mean - p.mean > 3 * std::hypot(c.error, p.error);
      std::string joined;
      for (const auto& s : parts) joined += (joined.empty() ? "" : ", ") + s;
      out.push_back({"controls_correlation_length", lower,
                     lower ? fmt::format("removing the lattice geometry (site-permuted control) removes the "
                                         "first hidden layer's spatial correlations: ξ at level 1 is {}", joined)
                           : fmt::format("the first hidden layer's correlation length does not separate the "
                                         "critical data from the site-permuted control (ξ at level 1: {})", joined)});
    }
  }

  // 5. MCRG reference exponents.
  if ((*crit)["blockspin"].contains("mcrg") && !(*crit)["blockspin"]["mcrg"].empty()) {
    json& last = (*crit)["blockspin"]["mcrg"].back();
    const Est yt = est(last["y_t"]), yh = est(last["y_h"]);
    const double T = crit->value("temperature", 0.0);
    const bool close = sigmas(yt, {1.0, 0.0}) <= 3 && sigmas(yh, {1.875, 0.0}) <= 3;
    out.push_back({"mcrg", close,
                   fmt::format("the block-spin reference at T = {:.4g} gives y_t = {} and y_h = {} at its last "
                               "level (exact at T_c: 1 and 1.875){}", T, show(yt), show(yh),
                               close ? "" : "; the data are not at T_c or the lattice is small, so the "
                                            "RG eigenvalues are off their critical values")});
  }

  // 6. Depth (Morningstar & Melko 2017): reconstruction error against depth.
  {
    json& dbn = levels_of(*crit, "dbn");
    std::vector<std::string> parts;
    bool grows = true;
    Est prev;
    for (std::size_t k = 1; k < dbn.size() && k <= crit_fit; ++k) {
      const Est e = est(dbn[k].value("reconstruction_error", json()));
      if (!e.ok()) continue;
      parts.push_back(fmt::format("level {} {}", k, show(e)));
      if (prev.ok() && !(e.mean > prev.mean)) grows = false;
      prev = e;
    }
    if (parts.size() >= 2) {
      std::string joined;
      for (const auto& s : parts) joined += (joined.empty() ? ", " : ", ") + s;
      out.push_back({"depth", false,
                     fmt::format("depth does not add information about the data: the fraction of spins wrong "
                                 "after going up and down {} with depth ({}), in line with Morningstar & "
                                 "Melko (2017)", grows ? "grows" : "does not shrink", joined.substr(2))});
    }
  }

  // 7. Receptive-field locality (rg/receptive_fields) of the first hidden layer: data vs its
  // permutation null and vs the controls; the locally connected model as the Kadanoff reference.
  {
    auto locality = [&](const char* name) -> std::pair<Est, Est> {
      json* ds = dataset(summary, name);
      if (ds == nullptr || fit_layers((*ds)["dbn"]) < 1) return {};
      json& lv = levels_of(*ds, "dbn");
      if (lv.size() < 2 || !lv[1].contains("locality")) return {};
      return {est(lv[1]["locality"]["score"]), est(lv[1]["locality"]["null"])};
    };
    const auto [crit_score, crit_null] = locality("critical");
    if (crit_score.ok() && crit_null.ok()) {
      const bool above_null = crit_score.mean - crit_null.mean > 3 * std::hypot(crit_score.error, crit_null.error);
      std::string text = fmt::format("the first hidden layer's receptive-field locality on the critical data is {} "
                                     "against {} for its site-permutation null", show(crit_score), show(crit_null));
      const auto [tex, tex_null] = locality("textures");
      bool above_textures = true;
      if (tex.ok()) {
        above_textures = crit_score.mean - tex.mean > 3 * std::hypot(crit_score.error, tex.error);
        text += fmt::format(" and {} for the textures control (null {})", show(tex), show(tex_null));
      }
      const auto [perm, perm_null] = locality("permuted");
      if (perm.ok()) text += fmt::format("; the site-permuted control scores {} (null {})", show(perm), show(perm_null));
      if (summary.contains("local") && fit_layers(summary["local"]) >= 1 && summary["local"].contains("levels") &&
          summary["local"]["levels"].size() > 1) {
        text += fmt::format("; the locally connected (Kadanoff) model scores {} by construction",
                            show(est(summary["local"]["levels"][1]["locality"]["score"])));
      }
      const bool local_structure = above_null && above_textures;
      text += local_structure ? ": the DBN's units are local beyond chance and beyond what textures give"
                              : (above_null ? ": local beyond chance, but not more than on textures, so locality alone "
                                              "does not single out block spins"
                                            : ": not more local than chance");
      out.push_back({"locality", local_structure, text});
    }
  }

  // 8. Couplings of the hidden-side Hamiltonian of the locally connected model vs the data's K.
  if (summary.contains("local") && fit_layers(summary["local"]) >= 1 && summary["local"].contains("couplings") &&
      !summary["local"]["couplings"].empty() &&
      (*crit)["dbn"].contains("exact") && (*crit)["dbn"]["exact"].is_object()) {
    json& cp = summary["local"]["couplings"];
    const Est nn = est(cp[0]["coupling"]);
    const Est K = est((*crit)["dbn"]["exact"]["coupling"]);
    const double dist = cp[0].value("distance", 0.0);
    if (nn.ok() && nn.mean == 0.0 && nn.error == 0.0) {
      out.push_back({"renormalized_coupling", false,
                     fmt::format("the locally connected model's hidden-side couplings vanish exactly (K' = 0 at block "
                                 "distance {:.3g}; bare K = {}): with disjoint b×b blocks each site talks to one hidden "
                                 "unit, so the single RBM's p(h) factorises and generates no renormalised coupling",
                                 dist, show(K))});
    } else {
      out.push_back({"renormalized_coupling", nn.ok() && nn.mean > 0,
                     fmt::format("the locally connected model's hidden-side nearest-neighbour coupling (block distance "
                                 "{:.3g}) is K' = {} against the bare K = {}{}", dist, show(nn), show(K),
                                 nn.ok() && nn.mean < K.mean ? " (weaker: the flow runs towards the high-temperature "
                                                               "fixed point, as block spins above T_c do)"
                                                             : "")});
    }
  }

  // 9. RBM flow map: the temperature the first RBM's v → h → v iterates drift to.
  if (crit_fit >= 1 && (*crit)["dbn"].contains("rbm_flow") && (*crit)["dbn"]["rbm_flow"].size() >= 2) {
    json& fl = (*crit)["dbn"]["rbm_flow"];
    const Est t0 = est(fl.front()["temperature_energy"]), tn = est(fl.back()["temperature_energy"]);
    if (t0.ok() && tn.ok()) {
      const bool toward_tc = std::fabs(tn.mean - 2.269185314213022) < std::fabs(t0.mean - 2.269185314213022);
      out.push_back({"rbm_flow", toward_tc,
                     fmt::format("iterating the first RBM (v → h → v, means) moves the data's energy temperature from "
                                 "T = {} to T = {} after {} steps{}", show(t0), show(tn), fl.size() - 1,
                                 toward_tc ? ", towards T_c = 2.269 (Iso et al. 2018)" : ", not towards T_c = 2.269")});
    }
  }

  // 10. Renormalised couplings per level: the RBMs' hidden-side nearest-neighbour coupling at the
  // block spacing against the block spins' K₁ (pseudo-likelihood) of the same level.
  if (crit->contains("coupling_flow") && (*crit)["coupling_flow"].is_array()) {
    json& flow = (*crit)["coupling_flow"];
    std::vector<std::string> parts;
    bool all_close = true;
    int compared = 0;
    std::string local_part;
    const std::size_t local_fit = summary.contains("local") ? fit_layers(summary["local"]) : kAllLayers;
    for (std::size_t k = 1; k < flow.size(); ++k) {
      json& e = flow[k];
      const Est blk = e["blockspin"].is_object() ? est(e["blockspin"]["nearest_neighbour"]) : Est{};
      const Est dbn = e["dbn"].is_object() && k <= crit_fit ? est(e["dbn"]["nearest_neighbour"]) : Est{};
      if (!blk.ok()) continue;
      if (dbn.ok()) {
        ++compared;
        const double z = sigmas(dbn, blk);
        if (z > 3) all_close = false;
        parts.push_back(fmt::format("level {}: K' = {} (DBN) vs K₁ = {} (block spins; {:.1f} σ)", k, show(dbn),
                                    show(blk), z));
      }
      const Est loc = e.contains("local") && e["local"].is_object() && k <= local_fit
                          ? est(e["local"]["nearest_neighbour"]) : Est{};
      if (loc.ok()) local_part += fmt::format("{}K' = {} at level {}", local_part.empty() ? "" : ", ", show(loc), k);
    }
    if (compared > 0) {
      std::string joined;
      for (const auto& p : parts) joined += (joined.empty() ? "" : "; ") + p;
      const Est bare = flow[0]["blockspin"].is_object() ? est(flow[0]["blockspin"]["nearest_neighbour"]) : Est{};
      std::string text = fmt::format(
          "the RBM's renormalised nearest-neighbour couplings (hidden-side H(h), unit pairs at the block spacing) "
          "{} the block spins' pseudo-likelihood K₁ within 3 σ at every level (data K₁ = {}; {})",
          all_close ? "track" : "do not track", show(bare), joined);
      if (!local_part.empty()) text += fmt::format("; the locally connected model gives {}", local_part);
      out.push_back({"coupling_flow", all_close, text});
    }
  }

  // A diagnostic that fails its positive control is broken: its reading on the data is no finding.
  if (summary.contains("positive_controls") && summary["positive_controls"].is_array()) {
    std::map<std::string, std::string> failed;  // finding id → what failed
    std::map<std::string, std::pair<int, int>> counts;  // finding id → (passed, failed)
    for (const auto& c : summary["positive_controls"]) {
      auto& [passed, fails] = counts[c.value("finding", "")];
      ++(c.value("pass", true) ? passed : fails);
      if (c.value("pass", true)) continue;
      std::string& why = failed[c.value("finding", "")];
      why += fmt::format("{}{} on {} gave {} against {}", why.empty() ? "" : "; ", c.value("diagnostic", ""),
                         c.value("name", ""), show(est(c.value("value", json()))),
                         show(Est{c.value("expected", 0.0), c.value("expected_error", 0.0)}));
    }
    for (auto& f : out) {
      if (const auto n = counts.find(f.id); n != counts.end()) std::tie(f.controls_passed, f.controls_failed) = n->second;
      const auto it = failed.find(f.id);
      if (it == failed.end()) continue;
      f.broken = true;
      f.shows = false;
      f.text = fmt::format("BROKEN DIAGNOSTIC, not a finding — it failed its positive control ({}); its reading on the "
                           "data was: {}", it->second, f.text);
    }
  }
  return out;
}

namespace {

struct RgTest {
  const char* id;
  const char* name;
};
constexpr RgTest kRgTests[] = {{"free_energy_flow", "free-energy conservation"},
                               {"correlation_length", "correlation length"},
                               {"magnetization", "magnetisation"},
                               {"coupling_flow", "renormalised couplings"}};

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return out;
}

std::string controls_phrase(const json& summary) {
  if (!summary.contains("positive_controls") || !summary["positive_controls"].is_array() ||
      summary["positive_controls"].empty()) {
    return "no positive controls were run";
  }
  std::size_t pass = 0, n = summary["positive_controls"].size();
  for (const auto& c : summary["positive_controls"]) pass += c.value("pass", false) ? 1 : 0;
  return pass == n ? fmt::format("all {} positive controls pass", n) : fmt::format("{} of {} positive controls fail", n - pass, n);
}

}  // namespace

std::string verdict(const json& summary, const std::vector<Finding>& f) {
  std::vector<std::string> agree, disagree, broken;
  for (const RgTest& t : kRgTests) {
    for (const auto& x : f) {
      if (x.id != t.id) continue;
      (x.broken ? broken : x.shows ? agree : disagree).push_back(t.name);
      break;
    }
  }
  const std::size_t tested = agree.size() + disagree.size();
  std::string head;
  if (tested == 0) {
    head = "No test compares the critical data's DBN with an RG (too few layers fit or too small a lattice)";
  } else if (disagree.empty()) {
    head = fmt::format("The critical data's DBN behaves like an RG in all {} tests that compare it with an exact or "
                       "block-spin RG ({})", tested, join_names(agree));
  } else {
    head = fmt::format("The critical data's DBN does not behave like block-spin RG: it fails {} of the {} tests that "
                       "compare it with an exact or block-spin RG ({}{})",
                       disagree.size(), tested, join_names(disagree),
                       agree.empty() ? std::string() : "; it agrees in " + join_names(agree));
  }
  if (!broken.empty()) head += fmt::format(", and the {} test{} broken", join_names(broken), broken.size() > 1 ? "s are" : " is");
  return head + "; " + controls_phrase(summary) + ".";
}

std::vector<std::string> terminal_lines(const json& summary_in) {
  json summary = summary_in;
  std::vector<std::string> out;
  if (summary.contains("verdict") && summary["verdict"].is_string()) out.push_back(summary["verdict"].get<std::string>());
  std::size_t shows = 0, broken = 0, n = 0;
  if (summary["findings"].is_array()) {
    for (const auto& x : summary["findings"]) {
      ++n;
      shows += x.value("shows", false) ? 1 : 0;
      broken += x.value("broken", false) ? 1 : 0;
    }
  }
  out.push_back(fmt::format("Findings: {} under \"what this shows\", {} under \"what it does not show\" ({} broken "
                            "diagnostics); {}.", shows, n - shows, broken, controls_phrase(summary)));
  json& crit = summary["datasets"]["critical"];
  std::vector<std::string> nums;
  const Est C = est(crit["dbn"]["free_energy_conservation"]["conservation"]);
  if (C.ok() && crit["dbn"]["free_energy"].is_array() && crit["dbn"]["free_energy"].size() >= 2) nums.push_back(fmt::format("free-energy change C = {} (0 for an exact RG)", show(C)));
  const Est ll = est(crit["dbn"]["free_energy"][0]["log_likelihood_per_unit"]);
  const Est s = est(crit["dbn"]["exact"]["log_likelihood_per_spin"]);
  if (ll.ok() && s.ok()) nums.push_back(fmt::format("first RBM ℓ/n = {} vs exact −s = {}", show(ll), show(s)));
  if (crit["coupling_flow"].is_array() && crit["coupling_flow"].size() > 1) {
    json& e = crit["coupling_flow"][1];
    const Est d = e["dbn"].is_object() ? est(e["dbn"]["nearest_neighbour"]) : Est{};
    const Est b = e["blockspin"].is_object() ? est(e["blockspin"]["nearest_neighbour"]) : Est{};
    if (d.ok() && b.ok()) nums.push_back(fmt::format("level-1 K' = {} vs block K₁ = {}", show(d), show(b)));
  }
  if (!nums.empty()) {
    std::string line = "Critical data: ";
    for (std::size_t i = 0; i < nums.size(); ++i) line += (i ? "; " : "") + nums[i];
    out.push_back(line + ".");
  }
  return out;
}

std::string findings_paragraph(const std::vector<Finding>& f) {
  std::string shows, not_shows;
  for (const auto& x : f) (x.shows ? shows : not_shows) += (x.text + "; ");
  auto tidy = [](std::string s) {
    if (s.size() >= 2) s.resize(s.size() - 2);
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s + ".";
  };
  std::string out = "What this shows: " + (shows.empty() ? std::string("nothing conclusive.") : tidy(shows));
  out += " What it does not show: " + (not_shows.empty() ? std::string("—.") : tidy(not_shows));
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// The positive controls, first in the report: each diagnostic's value on a model whose answer is
// known, and whether it passed.
static void positive_controls_table(std::ostringstream& h, const json& controls) {
  if (!controls.is_array() || controls.empty()) return;
  std::size_t passed = 0;
  for (const auto& c : controls) passed += c.value("pass", false) ? 1 : 0;
  h << "<h2>Positive controls</h2>\n<p>" << escape(fmt::format(
      "{} of {} pass. Hand-built models whose answer is known exactly, measured with the same code and options as the "
      "trained models; a diagnostic that fails its control is reported below as broken, not as a finding.",
      passed, controls.size()))
    << "</p>\n<table id=\"positive-controls\"><tr><th>control</th><th>diagnostic</th><th>expected</th><th>value</th>"
       "<th>tolerance</th><th>pass</th></tr>\n";
  for (const auto& c : controls) {
    const bool pass = c.value("pass", false);
    h << "<tr><td style=\"text-align:left\">" << escape(c.value("name", "")) << "</td><td style=\"text-align:left\">"
      << escape(c.value("diagnostic", "")) << "</td><td>"
      << escape(show(Est{c.value("expected", 0.0), c.value("expected_error", 0.0)})) << "</td><td>"
      << escape(show(est(c.value("value", json())))) << "</td><td>" << escape(c.value("tolerance", "")) << "</td><td>"
      << (pass ? "pass" : "<b>FAIL</b>") << "</td></tr>\n";
  }
  h << "</table>\n";
}

std::string render_html(const json& summary_in, const std::vector<Figure>& figures, const std::string& figures_note) {
  json summary = summary_in;  // mutable: a missing key reads as null (see findings())
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<title>rgflow vrg report</title>\n<style>\n"
       "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n"
       "table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}\n"
       "th{background:#eee}figure{margin:1.5em 0}img{max-width:100%}figcaption{color:#555;font-size:90%}\n"
       ".note{background:#fff3cd;padding:.5em}\n</style></head><body>\n";
  h << "<h1>Variational RG: RBMs vs block spins</h1>\n";
  if (summary.contains("verdict") && summary["verdict"].is_string()) {
    h << "<p id=\"verdict\"><b>" << escape(summary["verdict"].get<std::string>()) << "</b></p>\n";
  }
  json& cfg = summary["config"];
  h << "<p>" << escape(fmt::format("{}×{} periodic Ising data at T = {:.4g} (K = {:.4g}), {} samples per dataset; DBN {}; "
                                   "seed {}; rgflow {}.",
                                   cfg["data"]["size"].get<int>(), cfg["data"]["size"].get<int>(),
                                   cfg["data"]["temperature"].get<double>(), 1.0 / cfg["data"]["temperature"].get<double>(),
                                   cfg["data"]["samples"].get<std::int64_t>(), cfg["model"]["layers"].dump(),
                                   summary.value("seed", ""), summary.value("rgflow_version", "")))
    << "</p>\n";
  positive_controls_table(h, summary["positive_controls"]);
  h << "<h2>What this shows, and what it does not</h2>\n";
  if (summary.contains("findings") && summary["findings"].is_array() && !summary["findings"].empty()) {
    for (const bool shows : {true, false}) {
      h << "<h3>" << (shows ? "What this shows" : "What it does not show") << "</h3>\n<ul>\n";
      for (const auto& f : summary["findings"]) {
        if (f.value("shows", false) != shows) continue;
        const int passed = f.value("controls_passed", 0), failed = f.value("controls_failed", 0);
        const std::string status = passed + failed == 0 ? "no positive control"
                                   : failed == 0 ? fmt::format("positive controls: {} of {} pass", passed, passed + failed)
                                                 : fmt::format("positive controls: {} of {} FAIL", failed, passed + failed);
        h << "<li>" << escape(f.value("text", "")) << " <i>(" << escape(status) << ")</i></li>\n";
      }
      h << "</ul>\n";
    }
  } else {
    h << "<p id=\"findings\">" << escape(summary.value("paragraph", "")) << "</p>\n";
  }
  if (!figures_note.empty()) h << "<p class=\"note\">" << escape(figures_note) << "</p>\n";
  h << "<h2>Figures</h2>\n";
  for (const auto& f : figures) {
    if (f.png.empty()) continue;
    h << "<figure><h3>" << escape(f.title) << "</h3><img alt=\"" << escape(f.title)
      << "\" src=\"data:image/png;base64," << base64(f.png) << "\"><figcaption>" << escape(f.caption)
      << "</figcaption></figure>\n";
  }
  h << "<h2>Numbers</h2>\n<p>Every estimate is mean ± one standard error; all of them are in summary.json.</p>\n";
  for (auto& [name, d] : summary["datasets"].items()) {
    h << "<h3>" << escape(name) << "</h3>\n<table><tr><th>level</th><th>units</th><th>⟨|m|⟩ DBN</th>"
         "<th>⟨|m|⟩ block</th><th>ξ DBN</th><th>ξ block</th><th>locality (null)</th><th>reconstruction error</th>"
         "<th>F′/n model</th><th>F/n exact</th><th>ℓ/n model</th><th>log Z</th></tr>\n";
    json& dl = d["dbn"]["levels"];
    json& bl = d["blockspin"]["levels"];
    json& fe = d["dbn"]["free_energy"];
    json& ex = d["dbn"]["exact"];
    auto cell = [](const json& j) { return escape(show(est(j))); };
    for (std::size_t k = 0; k < dl.size(); ++k) {
      json none;
      json& f = k < fe.size() ? fe[k] : none;
      json& b = k < bl.size() ? bl[k] : none;
      const json loc = dl[k].value("locality", json());
      h << "<tr><td>" << k << "</td><td>" << dl[k].value("units", 0) << "</td><td>" << cell(dl[k]["abs_magnetization"])
        << "</td><td>" << (b.is_object() ? cell(b["abs_magnetization"]) : "") << "</td><td>"
        << cell(dl[k]["correlation_length"]) << "</td><td>" << (b.is_object() ? cell(b["correlation_length"]) : "")
        << "</td><td>"
        << (loc.is_object() ? cell(loc["score"]) + " (" + cell(loc["null"]) + ")" : std::string())
        << "</td><td>" << cell(dl[k].value("reconstruction_error", json())) << "</td><td>"
        << (f.is_object() ? cell(f.value("free_energy_per_unit", json())) : "") << "</td><td>"
        << (f.is_object() ? cell(f.value("exact_free_energy_per_unit", json())) : "") << "</td><td>"
        << (f.is_object() ? cell(f.value("log_likelihood_per_unit", json())) : "") << "</td><td>"
        << (f.is_object() ? escape(f.value("log_z_method", "")) : "") << "</td></tr>\n";
    }
    h << "</table>\n";
    gate_table(h, d["dbn"]["fit"]);
    if (ex.is_object()) {
      h << "<p>" << escape(fmt::format("Exact (Kaufman, L = {}): log-likelihood per spin −s = {}, free energy per spin {}.",
                                       cfg["data"]["size"].get<int>(), show(est(ex["log_likelihood_per_spin"])),
                                       show(est(ex["free_energy_per_spin"]))))
        << "</p>\n";
    }
    rsmi_filter_table(h, d["rsmi"]);
    mcrg_table(h, d["blockspin"]["mcrg"], d["rsmi"]["mcrg"]);
    if (d.contains("coupling_flow") && d["coupling_flow"].is_array() && !d["coupling_flow"].empty()) {
      // The three columns side by side: block spins | RBM | RSMI, per level.
      h << "<table><tr><th>level</th><th>side</th><th>ξ block</th><th>ξ DBN</th><th>ξ RSMI</th>"
           "<th>K₁ block</th><th>K₁ RSMI</th><th>K₂ block</th><th>K₂ RSMI</th><th>K₄ block</th><th>K₄ RSMI</th>"
           "<th>K_nn DBN (pairs)</th><th>K_nn local</th></tr>\n";
      json& rl = d["rsmi"]["levels"];
      for (auto& e : d["coupling_flow"]) {
        const std::size_t k = e.value("level", std::size_t{0});
        auto term = [&](const char* column, const char* t) {
          return e[column].is_object() ? escape(show(est(e[column][t]))) : std::string();
        };
        auto model = [&](const char* m, bool pairs) {
          if (!e.contains(m) || !e[m].is_object()) return std::string();
          std::string t = escape(show(est(e[m]["nearest_neighbour"])));
          if (pairs) t += fmt::format(" ({})", e[m].value("pairs", 0));
          return t;
        };
        auto xi = [&](json& levels) {
          return levels.is_array() && k < levels.size() ? escape(show(est(levels[k]["correlation_length"]))) : std::string();
        };
        h << "<tr><td>" << k << "</td><td>" << e.value("side", 0) << "</td><td>" << xi(bl) << "</td><td>" << xi(dl)
          << "</td><td>" << xi(rl) << "</td><td>" << term("blockspin", "nearest_neighbour") << "</td><td>"
          << term("rsmi", "nearest_neighbour") << "</td><td>" << term("blockspin", "next_nearest_neighbour")
          << "</td><td>" << term("rsmi", "next_nearest_neighbour") << "</td><td>" << term("blockspin", "plaquette")
          << "</td><td>" << term("rsmi", "plaquette") << "</td><td>" << model("dbn", true) << "</td><td>"
          << model("local", false) << "</td></tr>\n";
      }
      h << "</table>\n";
    }
  }
  if (summary.contains("local") && summary["local"].is_object() && summary["local"].contains("fit")) {
    h << "<h3>locally connected model (critical data)</h3>\n";
    gate_table(h, summary["local"]["fit"]);
  }
  // Self-check for headless browsers (tests/cli/test_vrg.sh): after loading, the body records how
  // many images decoded, e.g. data-images-loaded="7/7".
  h << "<script>window.addEventListener('load',function(){var i=Array.prototype.slice.call(document.images);"
       "document.body.setAttribute('data-images-loaded',i.filter(function(x){return x.complete&&x.naturalWidth>0;})"
       ".length+'/'+i.length);});</script>\n";
  h << "</body></html>\n";
  return h.str();
}

}  // namespace rgflow::vrg
