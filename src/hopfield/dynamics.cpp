#include "rgflow/hopfield/dynamics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "rgflow/core/error.hpp"
#include "rgflow/core/parallel_items.hpp"
#include "rgflow/core/serial_eigen.hpp"

namespace rgflow::hopfield {

std::string_view to_string(Dynamics d) {
  switch (d) {
    case Dynamics::asynchronous: return "async";
    case Dynamics::synchronous: return "sync";
    case Dynamics::glauber: return "glauber";
  }
  return "?";
}

Dynamics parse_dynamics(std::string_view name) {
  if (name == "async") return Dynamics::asynchronous;
  if (name == "sync") return Dynamics::synchronous;
  if (name == "glauber") return Dynamics::glauber;
  throw Error(fmt::format("unknown dynamics '{}' (async | sync | glauber)", name));
}

void validate(const DynamicsOptions& o) {
  if (!(o.temperature >= 0.0) || !std::isfinite(o.temperature)) {
    throw Error(fmt::format("temperature {}: must be finite and >= 0", o.temperature));
  }
  if (o.max_sweeps < 1) throw Error(fmt::format("sweeps {}: must be >= 1", o.max_sweeps));
  if (o.dynamics == Dynamics::glauber) {
    if (o.temperature <= 0.0) throw Error("Glauber dynamics needs a temperature > 0");
    if (o.keep_diagonal) {
      throw Error("the self-coupling applies to zero-temperature dynamics only (the Gibbs "
                  "conditional does not depend on it)");
    }
  } else if (o.temperature > 0.0) {
    throw Error(fmt::format("temperature {}: {} dynamics run at T = 0 (use glauber for T > 0)",
                            o.temperature, to_string(o.dynamics)));
  }
}

DynamicsOptions make_dynamics(std::string_view dynamics, double temperature, int max_sweeps, bool keep_diagonal,
                              int threads) {
  DynamicsOptions d;
  d.dynamics = parse_dynamics(dynamics);
  d.temperature = temperature;
  d.max_sweeps = max_sweeps;
  d.keep_diagonal = keep_diagonal;
  d.threads = threads;
  validate(d);
  return d;
}

namespace {

// s_i ← ±1 with the field's sign; a zero field keeps s_i.
inline double sign_or_keep(double h, double s) { return h > 0.0 ? 1.0 : (h < 0.0 ? -1.0 : s); }

void shuffle(std::vector<Index>& order, Rng& rng) {
  for (std::size_t k = order.size(); k > 1; --k) {
    const std::size_t j = static_cast<std::size_t>(rng.below(k));
    std::swap(order[k - 1], order[j]);
  }
}

RelaxOutcome relax_sequential(const Network& net, const DynamicsOptions& o, VectorD& s,
                              VectorD& field, Rng& rng, std::vector<Index>& order) {
  const MatrixD& J = net.scaled_couplings();
  const bool zero_t = o.dynamics == Dynamics::asynchronous;
  const double self = o.keep_diagonal ? 0.0 : 1.0;  // subtract J_ii s_i from the field
  const double beta2 = zero_t ? 0.0 : 2.0 / (o.temperature * net.coupling_scale());
  const Index N = s.size();
  order.resize(static_cast<std::size_t>(N));
  std::iota(order.begin(), order.end(), Index{0});
  RelaxOutcome out;
  for (int sweep = 0; sweep < o.max_sweeps; ++sweep) {
    shuffle(order, rng);
    Index flips = 0;
    for (const Index i : order) {
      const double h = field(i) - self * J(i, i) * s(i);
      double next = 0.0;
      if (zero_t) {
        next = sign_or_keep(h, s(i));
      } else {
        next = rng.uniform_double() < 1.0 / (1.0 + std::exp(-beta2 * h)) ? 1.0 : -1.0;
      }
      if (next != s(i)) {
        s(i) = next;
        field += (2.0 * next) * J.row(i).transpose();  // J symmetric: row i = column i
        ++flips;
      }
    }
    out.sweeps = sweep + 1;
    if (zero_t && flips == 0) {
      out.converged = true;
      break;
    }
  }
  return out;
}

RelaxOutcome relax_synchronous(const Network& net, const DynamicsOptions& o, VectorD& s,
                               VectorD& field) {
  const MatrixD& J = net.scaled_couplings();
  const VectorD diag = o.keep_diagonal ? VectorD::Zero(s.size()) : VectorD(J.diagonal());
  VectorD previous = s, next(s.size());
  RelaxOutcome out;
  for (int step = 0; step < o.max_sweeps; ++step) {
    for (Index i = 0; i < s.size(); ++i) next(i) = sign_or_keep(field(i) - diag(i) * s(i), s(i));
    out.sweeps = step + 1;
    if (next == s) {
      out.converged = true;
      break;
    }
    const bool back = step > 0 && next == previous;
    previous = s;
    s = next;
    field.noalias() = J * s;
    if (back) {
      out.cycle = true;
      break;
    }
  }
  return out;
}

}  // namespace

RelaxOutcome relax(const Network& net, const DynamicsOptions& options, VectorD& s, VectorD& field,
                   Rng& rng, std::vector<Index>& order) {
  if (options.dynamics == Dynamics::synchronous) return relax_synchronous(net, options, s, field);
  return relax_sequential(net, options, s, field, rng, order);
}

RecallResult recall(const Network& net, const MatrixF& probes, const DynamicsOptions& options,
                    std::uint64_t seed, const StopPoll& stop) {
  validate(options);
  net.check_states(probes, "probes");
  const SerialEigen serial;
  const Index n = probes.rows();
  RecallResult r;
  r.states.resize(n, net.n_neurons());
  r.sweeps.assign(static_cast<std::size_t>(n), 0);
  r.converged.assign(static_cast<std::size_t>(n), 0);
  r.cycle.assign(static_cast<std::size_t>(n), 0);
  parallel_items(n, options.threads, stop, [&](std::int64_t row, StopSignal&) {
    Rng rng(seed, static_cast<std::uint64_t>(row));
    VectorD s = probes.row(row).transpose().cast<double>();
    VectorD field = net.scaled_couplings() * s;
    std::vector<Index> order;
    const RelaxOutcome o = relax(net, options, s, field, rng, order);
    r.states.row(row) = s.transpose().cast<float>();
    const auto k = static_cast<std::size_t>(row);
    r.sweeps[k] = o.sweeps;
    r.converged[k] = o.converged ? 1 : 0;
    r.cycle[k] = o.cycle ? 1 : 0;
  });
  return r;
}

}  // namespace rgflow::hopfield
