// Independent chains of an RBM's visible layer (sample/chains.hpp).
#include "rgflow/sample/chains.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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

namespace {

// Every rank's copy of `m` from rank `root` (floats travel as doubles: exact both ways).
void broadcast_rows(const Communicator& comm, MatrixF& m, Index cols, int root) {
  std::vector<double> values(m.data(), m.data() + m.size());
  comm.broadcast(values, root);
  m.resize(static_cast<Index>(values.size()) / cols, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(values[static_cast<std::size_t>(i)]);
}

}  // namespace

ChainResult sample_chains(const Rbm& rbm, const ChainOptions& o) {
  rbm.validate();
  if (o.samples < 1) throw Error(fmt::format("the number of samples must be >= 1 (got {})", o.samples));
  if (o.gibbs_steps < 0) throw Error(fmt::format("Gibbs steps must be >= 0 (got {})", o.gibbs_steps));
  const SerialCommunicator serial;
  const Communicator& comm = o.communicator ? *o.communicator : serial;
  check_communicator(comm, "sampling");
  StopSignal stop(with_peer_stops(comm, o.stop));
  Rng rng(o.seed, 0);
  ChainResult out;
  MatrixF v = random_visible_states(rbm, o.samples, rng);
  const Index nv = rbm.n_visible();
  if (o.method == ChainMethod::tempering) {
    // Every replica of chain c starts at chain c's random state; the β = 1 replicas are returned.
    ParallelTempering pt(geometric_ladder(o.replicas, o.beta_min), false, &comm);
    pt.keep_cold_hidden_field(false);
    pt.reset(v);
    // Steps in chunks of ~2^26 multiply-adds, at most 64 steps (a few ms on one core; run(m) is
    // m run(1)s bit for bit). A chunk's exchange rounds are collectives: the ranks agree before each chunk
    // whether to go on, so all stop at the same step; one agreement and one sum of the swap
    // counts per chunk rather than per step.
    const double step_work = 2.0 * static_cast<double>(o.replicas) * static_cast<double>(o.samples) *
                             static_cast<double>(nv) * static_cast<double>(rbm.n_hidden());
    const auto chunk = static_cast<std::int64_t>(std::clamp(std::ceil(67108864.0 / step_work), 1.0, 64.0));
    for (std::int64_t k = 0; k < o.gibbs_steps; k += chunk) {
      const bool stopped = stop.check();
      if (comm.size() > 1 ? comm.any(stopped) : stopped) throw Cancelled();
      pt.run(rbm, static_cast<int>(std::min(chunk, o.gibbs_steps - k)), rng);
    }
    if (comm.size() > 1) {
      out.visible = comm.rank() == 0 ? pt.cold_states() : MatrixF(0, nv);
      broadcast_rows(comm, out.visible, nv, 0);
    } else {
      out.visible = pt.cold_states();
    }
    out.acceptance = pt.acceptance();
    out.betas = pt.state().betas;
    return out;
  }
  const Index groups = (o.samples + kChainsPerGroup - 1) / kChainsPerGroup;
  MatrixF h;
  for (Index g = 0; g < groups && !stop.stopped(); ++g) {
    if (round_robin_owner(g, comm.size()) != comm.rank()) continue;  // another rank's group
    const Index first = g * kChainsPerGroup;
    MatrixF vg = v.middleRows(first, std::min(kChainsPerGroup, o.samples - first));
    Rng group_rng(o.seed, 1 + static_cast<std::uint64_t>(g));
    for (std::int64_t k = 0; k < o.gibbs_steps; ++k) {
      if (stop.check()) break;
      rbm.gibbs(vg, h, 1, group_rng);
    }
    v.middleRows(first, vg.rows()) = vg;
  }
  // Every rank learns whether any stopped (then all throw Cancelled), then every group's samples
  // from the rank that ran it.
  agree_on_stop(comm, stop.stopped());
  stop.throw_if_stopped();
  if (comm.size() > 1) {
    std::vector<double> values(v.data(), v.data() + v.size());
    gather_round_robin(comm, values, static_cast<std::size_t>(kChainsPerGroup * nv));
    for (Index i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(values[static_cast<std::size_t>(i)]);
  }
  out.visible = std::move(v);
  return out;
}

}  // namespace rgflow::sample
