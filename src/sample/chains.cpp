// Independent chains of an RBM's visible layer (sample/chains.hpp).
#include "rgflow/sample/chains.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/sample/tempering.hpp"

namespace rgflow::sample {

MatrixF random_visible_states(const Rbm& rbm, Index n, Rng& rng) {
  MatrixF v(n, rbm.n_visible());
  dispatch(rbm.visible_units(), [&](auto u) {
    using U = decltype(u);
    if constexpr (U::enumerable) {
      for (Index i = 0; i < v.size(); ++i) v.data()[i] = U::state(static_cast<int>(rng() & 1u));
    } else {
      for (Index r = 0; r < n; ++r) u.sample_independent(v.cols(), rng, v.row(r).data());
    }
  });
  return v;
}

std::string_view to_string(ChainMethod m) { return m == ChainMethod::gibbs ? "gibbs" : "pt"; }

ChainMethod parse_chain_method(std::string_view name) {
  if (name == "gibbs") return ChainMethod::gibbs;
  if (name == "pt" || name == "tempering") return ChainMethod::tempering;
  throw Error(fmt::format("unknown sampling method '{}' (expected gibbs or pt)", name));
}

ChainResult sample_chains(const Rbm& rbm, const ChainOptions& o) {
  rbm.validate();
  if (o.samples < 1) throw Error(fmt::format("the number of samples must be >= 1 (got {})", o.samples));
  if (o.gibbs_steps < 0) throw Error(fmt::format("Gibbs steps must be >= 0 (got {})", o.gibbs_steps));
  StopSignal stop(o.stop);
  Rng rng(o.seed, 0);
  ChainResult out;
  MatrixF v = random_visible_states(rbm, o.samples, rng);
  if (o.method == ChainMethod::tempering) {
    // Every replica of chain c starts at chain c's random state; the β = 1 replicas are returned.
    ParallelTempering pt(geometric_ladder(o.replicas, o.beta_min));
    pt.reset(v);
    for (std::int64_t k = 0; k < o.gibbs_steps; ++k) {
      if (stop.check()) throw Cancelled();
      pt.run(rbm, 1, rng);
    }
    out.visible = pt.cold_states();
    out.acceptance = pt.acceptance();
    out.betas = pt.state().betas;
    return out;
  }
  MatrixF h;
  for (std::int64_t k = 0; k < o.gibbs_steps; ++k) {
    if (stop.check()) throw Cancelled();
    rbm.gibbs(v, h, 1, rng);
  }
  out.visible = std::move(v);
  return out;
}

}  // namespace rgflow::sample
