#pragma once
// The seed's other flow maps on lattice configurations (flow_map.hpp; docs/flow-maps.md):
//   HopfieldFlowMap     on spins s, with the network's couplings J (hopfield/network.hpp):
//     T > 0, mean:    s ← tanh(J s / T), diagonal kept — for Hebbian J this is exactly the mean
//                     flow v → E[h|v] → E[v|h] of the Gaussian-hidden RBM twin at β = 1/T
//                     (E[h|s] = √(β/N) Ξ s, E[s_i|h] = tanh(√(β/N) (Ξᵀh)_i));
//     T > 0, sample:  one asynchronous Glauber sweep at T (stationary law e^{−E/T}/Z);
//     T = 0:          one synchronous (mean) or asynchronous (sample) zero-temperature sweep of
//                     the network's dynamics, zero-diagonal field (hopfield/dynamics.hpp).
//   NmfFlowMap          on v = (s + 1)/2 ∈ [0, 1]: v ← F ĝ(v), the out-of-sample form of convex
//                     NMF's X → X W Gᵀ with the archetypes F fixed and ĝ the semi-NMF codes
//                     (nmf/convex_nmf.hpp, encode): a projection onto the cone of the archetypes.
//   AutoencoderFlowMap  on v = (s + 1)/2: v ← decode(encode(v)) through the whole stack.
// Each map keeps a reference to its model, which must outlive it.
#include "rgflow/autoencoder/autoencoder.hpp"
#include "rgflow/hopfield/network.hpp"
#include "rgflow/nmf/convex_nmf.hpp"
#include "rgflow/rg/flow_map.hpp"

namespace rgflow::rg {

class HopfieldFlowMap final : public FlowMap {
 public:
  // Error for a negative or non-finite temperature.
  HopfieldFlowMap(const hopfield::Network& net, double temperature, Propagate propagate);
  std::string_view name() const override { return "hopfield"; }
  Index sites() const override { return net_.n_neurons(); }
  bool stochastic() const override { return propagate_ == Propagate::sample; }
  void step(MatrixF& state, Rng& rng) const override;

 private:
  const hopfield::Network& net_;
  double temperature_;
  Propagate propagate_;
};

class NmfFlowMap final : public FlowMap {
 public:
  explicit NmfFlowMap(const nmf::ConvexNmf& model) : model_(model) {}
  std::string_view name() const override { return "nmf"; }
  Index sites() const override { return model_.archetypes.cols(); }
  MatrixF from_spins(const MatrixF& spins) const override;
  MatrixF to_spins(const MatrixF& state) const override;
  void step(MatrixF& state, Rng& rng) const override;

 private:
  const nmf::ConvexNmf& model_;
};

class AutoencoderFlowMap final : public FlowMap {
 public:
  explicit AutoencoderFlowMap(const autoencoder::Autoencoder& model) : model_(model) {}
  std::string_view name() const override { return "autoencoder"; }
  Index sites() const override { return model_.n_in(); }
  MatrixF from_spins(const MatrixF& spins) const override;
  MatrixF to_spins(const MatrixF& state) const override;
  void step(MatrixF& state, Rng& rng) const override;

 private:
  const autoencoder::Autoencoder& model_;
};

}  // namespace rgflow::rg
