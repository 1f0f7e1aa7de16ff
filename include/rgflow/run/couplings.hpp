#pragma once
// The service layer for the effective couplings of an RBM layer (rg/couplings.hpp): the work of
// `rgflow rg couplings` and of rgflow.effective_couplings in Python, as a typed request and
// result. The CLI checks its flags, calls couplings() and prints the result's JSON (or a table);
// the Python binding calls the same function and returns the same JSON as a dict
// (docs/architecture.md, docs/vrg-tools.md).
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rg/couplings.hpp"

namespace rgflow::run {

struct CouplingsRequest {
  Index layer = 0;       // which layer of the model (an RBM is a one-layer model)
  int max_order = 4;     // largest |A|, 1 … 6
  // Geometry of the chosen side, for the lattice subsets and the averages by shape: an L x L
  // periodic lattice (lattice = L > 0), a periodic ring of all the side's units (chain), or
  // none (every subset up to max_order).
  int lattice = 0;
  bool chain = false;
  int extent = 0;        // 3+-body subsets inside extent x extent windows (0: 2; 4 on a ring)
  rg::CouplingOptions options;  // side, support tolerance, exact/Monte Carlo split, seed, stop
};

struct CouplingsRun {
  Index layer = 0;
  int max_order = 0;
  rg::Side side = rg::Side::visible;
  Index n_sites = 0;                    // units of the chosen side
  std::uint64_t seed = 0;
  rg::CouplingTable table;
  std::optional<rg::Lattice> lattice;   // with a geometry:
  std::vector<rg::ShapeAverage> shapes; // the couplings averaged by shape
};

// Checks the request against the model (Error naming the quantity: the layer, the lattice size,
// the order …), builds the subsets and computes the couplings.
CouplingsRun couplings(const Dbn& model, const CouplingsRequest& request);

// {"layer", "side", "max_order", "n_sites", "seed", "samples", "exact_units",
//  "monte_carlo_units", "constant", "couplings": [{sites, value, error}], "lattice"?,
//  "by_displacement"?: [{order, dx, dy, shape, count, mean, error, spread, distance?}]}
// (the `rg couplings --json` keys apart from "model").
void to_json(nlohmann::json& j, const CouplingsRun& r);

}  // namespace rgflow::run
