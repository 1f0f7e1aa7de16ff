// The service layer for the effective couplings of an RBM layer (run/couplings.hpp).
#include "rgflow/run/couplings.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"

namespace rgflow::run {

CouplingsRun couplings(const Dbn& model, const CouplingsRequest& request) {
  if (request.max_order < 1 || request.max_order > 6) {
    throw Error(fmt::format("the largest coupling order must be between 1 and 6 (got {})", request.max_order));
  }
  if (request.lattice > 0 && request.chain) throw Error("give one geometry: a square lattice or a ring");
  if (request.lattice < 0) throw Error(fmt::format("the lattice size must be >= 1 (got {})", request.lattice));
  if (request.layer < 0 || request.layer >= model.n_layers()) {
    throw Error(fmt::format("layer {}: the model has {} layer(s)", request.layer, model.n_layers()));
  }
  const Rbm& rbm = model.layer(request.layer);
  CouplingsRun out;
  out.layer = request.layer;
  out.max_order = request.max_order;
  out.side = request.options.side;
  out.seed = request.options.seed;
  out.n_sites = out.side == rg::Side::visible ? rbm.n_visible() : rbm.n_hidden();
  if (request.lattice > 0) {
    out.lattice = rg::Lattice::square(request.lattice);
    if (out.lattice->sites() != out.n_sites) {
      throw Error(fmt::format("a {} x {} lattice has {} sites, but the {} side has {} units",
                              request.lattice, request.lattice, out.lattice->sites(),
                              rg::to_string(out.side), out.n_sites));
    }
  } else if (request.chain) {
    out.lattice = rg::Lattice::chain(static_cast<int>(out.n_sites));
  }
  const std::vector<rg::Sites> subsets =
      out.lattice ? rg::lattice_subsets(*out.lattice, request.max_order, request.extent)
                  : rg::all_subsets(out.n_sites, request.max_order);
  out.table = rg::effective_couplings(rbm, subsets, request.options);
  if (out.lattice) out.shapes = rg::average_by_shape(out.table, *out.lattice);
  return out;
}

void to_json(nlohmann::json& j, const CouplingsRun& r) {
  nlohmann::json couplings = nlohmann::json::array();
  for (const rg::Coupling& c : r.table.couplings) {
    couplings.push_back({{"sites", c.sites}, {"value", c.value.mean}, {"error", c.value.error}});
  }
  j = {{"layer", r.layer},
       {"side", std::string(rg::to_string(r.side))},
       {"max_order", r.max_order},
       {"n_sites", r.n_sites},
       {"seed", r.seed},
       {"samples", r.table.samples},
       {"exact_units", r.table.exact_units},
       {"monte_carlo_units", r.table.monte_carlo_units},
       {"constant", r.table.constant},
       {"couplings", couplings}};
  if (!r.lattice) return;
  nlohmann::json by = nlohmann::json::array();
  for (const rg::ShapeAverage& s : r.shapes) {
    nlohmann::json shape = nlohmann::json::array();
    for (const auto& [x, y] : s.shape) shape.push_back({x, y});
    nlohmann::json e{{"order", s.order}, {"dx", s.dx}, {"dy", s.dy}, {"shape", shape},
                     {"count", s.count}, {"mean", s.mean.mean}, {"error", s.mean.error},
                     {"spread", s.spread}};
    if (s.order == 2) e["distance"] = s.distance;
    by.push_back(e);
  }
  j["lattice"] = {r.lattice->lx, r.lattice->ly};
  j["by_displacement"] = by;
}

}  // namespace rgflow::run
