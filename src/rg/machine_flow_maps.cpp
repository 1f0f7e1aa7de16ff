#include "rgflow/rg/machine_flow_maps.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/hopfield/dynamics.hpp"

namespace rgflow::rg {

namespace {

MatrixF spins_to_unit(const MatrixF& spins) { return ((spins.array() + 1.0f) * 0.5f).matrix(); }
MatrixF unit_to_spins(const MatrixF& v) { return (2.0f * v.array() - 1.0f).matrix(); }

}  // namespace

HopfieldFlowMap::HopfieldFlowMap(const hopfield::Network& net, double temperature, Propagate propagate)
    : net_(net), temperature_(temperature), propagate_(propagate) {
  if (!(temperature >= 0.0) || !std::isfinite(temperature)) {
    throw Error(fmt::format("Hopfield flow temperature {}: must be finite and >= 0", temperature));
  }
}

void HopfieldFlowMap::step(MatrixF& state, Rng& rng) const {
  const MatrixD& J = net_.scaled_couplings();
  if (propagate_ == Propagate::mean && temperature_ > 0.0) {
    const double beta = 1.0 / (temperature_ * net_.coupling_scale());
    const MatrixD field = state.cast<double>() * J;  // J symmetric
    state = (beta * field.array()).tanh().cast<float>().matrix();
    return;
  }
  // One sweep of the network's own dynamics per row, all rows drawing from the flow's stream.
  hopfield::DynamicsOptions d;
  d.max_sweeps = 1;
  if (temperature_ > 0.0) {
    d.dynamics = hopfield::Dynamics::glauber;
    d.temperature = temperature_;
  } else {
    d.dynamics = propagate_ == Propagate::mean ? hopfield::Dynamics::synchronous : hopfield::Dynamics::asynchronous;
  }
  std::vector<Index> order;
  for (Index r = 0; r < state.rows(); ++r) {
    VectorD s = state.row(r).transpose().cast<double>();
    if (!(s.array().abs() == 1.0).all()) {
      throw Error("sweeps of the Hopfield dynamics need spin configurations (-1/+1)");
    }
    VectorD field = J * s;
    hopfield::relax(net_, d, s, field, rng, order);
    state.row(r) = s.transpose().cast<float>();
  }
}

MatrixF NmfFlowMap::from_spins(const MatrixF& spins) const { return spins_to_unit(spins); }
MatrixF NmfFlowMap::to_spins(const MatrixF& state) const { return unit_to_spins(state); }
void NmfFlowMap::step(MatrixF& state, Rng&) const {
  state = nmf::reconstruct(model_, state.cast<double>()).cast<float>();
}

MatrixF AutoencoderFlowMap::from_spins(const MatrixF& spins) const { return spins_to_unit(spins); }
MatrixF AutoencoderFlowMap::to_spins(const MatrixF& state) const { return unit_to_spins(state); }
void AutoencoderFlowMap::step(MatrixF& state, Rng&) const { state = model_.reconstruct(state); }

}  // namespace rgflow::rg
