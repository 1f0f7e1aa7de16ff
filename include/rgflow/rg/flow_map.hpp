#pragma once
// Flow maps on lattice configurations (the seed's "Fixed Points and Flow Maps": f(X) → X iterated
// to a fixed point; Iso, Shiba & Yokoo 2018 for RBMs), docs/flow-maps.md. A FlowMap holds its
// state in its own representation (0/1 probabilities for Bernoulli RBMs, NMF and autoencoders;
// spins for spin RBMs and Hopfield networks); iterate_flow converts the data's spins in, applies
// `step` repeatedly and measures every step's configurations as spins with the same lattice
// observables and temperature estimators T_E, T_PL (rbm_flow.hpp), so all machines are compared
// on equal terms. Implementations: RbmFlowMap (here), HopfieldFlowMap, NmfFlowMap and
// AutoencoderFlowMap (machine_flow_maps.hpp).
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/rg/rbm_flow.hpp"

namespace rgflow::rg {

class FlowMap {
 public:
  virtual ~FlowMap() = default;
  virtual std::string_view name() const = 0;  // "rbm", "hopfield", "nmf", "autoencoder"
  virtual Index sites() const = 0;            // configurations have this many values
  virtual bool stochastic() const { return false; }
  // Rows of spins (±1 or real in [−1, 1]) into the map's state space, and back.
  virtual MatrixF from_spins(const MatrixF& spins) const { return spins; }
  virtual MatrixF to_spins(const MatrixF& state) const { return state; }
  // state ← f(state). Stochastic maps draw from `rng` (deterministic ones ignore it).
  virtual void step(MatrixF& state, Rng& rng) const = 0;
};

struct FlowOptions {
  int steps = 10;          // t = 1 … steps; step 0 (the data) is measured too
  std::uint64_t seed = 0;  // one Rng(seed, 0) for the whole flow
};

// Iterates `map` from rows of spins on the periodic L × L lattice; returns steps 0 … steps.
// `visit(t, spins)` (optional) sees every step's configurations. Throws Error for bad shapes or
// options.
std::vector<FlowStep> iterate_flow(const FlowMap& map, const MatrixF& spins, int L, const FlowOptions& options,
                                   const std::function<void(int, const MatrixF&)>& visit = {});

// v → h → v through one RBM with binary visible units: Propagate::mean uses conditional means,
// Propagate::sample one block-Gibbs sweep.
class RbmFlowMap final : public FlowMap {
 public:
  RbmFlowMap(const Rbm& rbm, Propagate propagate);  // Error for Gaussian visible units
  std::string_view name() const override { return "rbm"; }
  Index sites() const override { return rbm_.n_visible(); }
  bool stochastic() const override { return propagate_ == Propagate::sample; }
  MatrixF from_spins(const MatrixF& spins) const override;
  MatrixF to_spins(const MatrixF& state) const override;
  void step(MatrixF& state, Rng& rng) const override;

 private:
  const Rbm& rbm_;
  Propagate propagate_;
};

}  // namespace rgflow::rg
