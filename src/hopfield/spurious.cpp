#include "rgflow/hopfield/spurious.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "rgflow/core/error.hpp"
#include "rgflow/core/parallel_items.hpp"
#include "rgflow/core/serial_eigen.hpp"
#include "rgflow/hopfield/patterns.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::hopfield {

namespace {

struct MixtureTrial {
  double overlap = 0, energy = 0, energy0 = 0, stable = 0, fixed = 0, relaxed = 0;
};

struct ClassTrial {
  double distinct = 0, starts = 0, energy_sum = 0;
};

struct Trial {
  std::vector<MixtureTrial> mixtures;
  std::map<Index, ClassTrial> classes;  // 0: other, 1: pattern, odd c ≥ 3: mixture-c
  double distinct = 0, unconverged = 0, pattern_energy = 0;
};

// Mean over the first k patterns of (1/N) ξ^μ · s.
double component_overlap(const MatrixF& xi, const VectorD& s, Index k) {
  return (xi.topRows(k).cast<double>() * s).sum() / static_cast<double>(k * s.size());
}

Index classify(const Network& net, const VectorD& s, double threshold) {
  const VectorD m = net.patterns().cast<double>() * s / static_cast<double>(s.size());
  const Index c = (m.array().abs() >= threshold).count();
  if (c == 1 || (c >= 3 && c % 2 == 1)) return c;
  return 0;
}

MixtureTrial mixture_trial(const Network& net, Index k, const DynamicsOptions& dyn, Rng& rng) {
  const double N = static_cast<double>(net.n_neurons());
  const MatrixD& J = net.scaled_couplings();
  VectorD s = symmetric_mixture(net.patterns(), k);
  VectorD field = J * s;
  MixtureTrial t;
  t.overlap = component_overlap(net.patterns(), s, k);
  const MatrixF row = s.transpose().cast<float>();
  t.energy = net.energy(row)(0) / N;
  t.energy0 = t.energy + net.diagonal_constant() / N;
  const double self = dyn.keep_diagonal ? 0.0 : 1.0;
  Index stable = 0;
  for (Index i = 0; i < s.size(); ++i) {
    if (s(i) * (field(i) - self * J(i, i) * s(i)) >= 0.0) ++stable;
  }
  t.stable = static_cast<double>(stable) / N;
  std::vector<Index> order;
  const RelaxOutcome r = relax(net, dyn, s, field, rng, order);
  t.fixed = (r.converged && r.sweeps == 1) ? 1.0 : 0.0;
  t.relaxed = component_overlap(net.patterns(), s, k);
  return t;
}

Trial run_trial(const SpuriousOptions& o, int trial, StopSignal& stop) {
  Rng pattern_rng(o.seed, 2 * static_cast<std::uint64_t>(trial));
  Rng rng(o.seed, 2 * static_cast<std::uint64_t>(trial) + 1);
  const Network net(random_patterns(o.patterns, o.neurons, pattern_rng), o.rule);
  const double N = static_cast<double>(o.neurons);
  Trial t;
  for (Index k : o.mixtures) t.mixtures.push_back(mixture_trial(net, k, o.dynamics, rng));
  t.pattern_energy = net.energy(net.patterns()).mean() / N;
  std::set<std::vector<std::int8_t>> seen;
  std::vector<Index> order;
  for (Index start = 0; start < o.starts; ++start) {
    if (stop.check()) break;  // the trial is discarded: Cancelled follows
    VectorD s(o.neurons);
    for (Index i = 0; i < o.neurons; ++i) s(i) = (rng() & 1u) != 0 ? 1.0 : -1.0;
    VectorD field = net.scaled_couplings() * s;
    if (!relax(net, o.dynamics, s, field, rng, order).converged) {
      t.unconverged += 1.0;
      continue;
    }
    const Index c = classify(net, s, o.component_overlap);
    ClassTrial& cls = t.classes[c];
    cls.starts += 1.0;
    // s and −s are the same fixed point (E is even): canonical sign s_0 = +1.
    const double sign = s(0) > 0.0 ? 1.0 : -1.0;
    std::vector<std::int8_t> key(static_cast<std::size_t>(o.neurons));
    for (Index i = 0; i < o.neurons; ++i) key[static_cast<std::size_t>(i)] = s(i) * sign > 0.0 ? 1 : -1;
    if (seen.insert(std::move(key)).second) {
      cls.distinct += 1.0;
      cls.energy_sum += net.energy(MatrixF(s.transpose().cast<float>()))(0) / N;
      t.distinct += 1.0;
    }
  }
  if (o.starts > 0) t.unconverged /= static_cast<double>(o.starts);
  return t;
}

std::string class_name(Index c) {
  if (c == 0) return "other";
  if (c == 1) return "pattern";
  return fmt::format("mixture-{}", c);
}

void check(const SpuriousOptions& o) {
  if (o.neurons < 2 || o.neurons > (Index{1} << 22)) {
    throw Error(fmt::format("neurons {}: must be in [2, {}]", o.neurons, Index{1} << 22));
  }
  if (o.patterns < 1 || o.patterns > (Index{1} << 20)) {
    throw Error(fmt::format("patterns {}: must be in [1, {}]", o.patterns, Index{1} << 20));
  }
  for (Index k : o.mixtures) {
    if (k < 3 || k % 2 == 0 || k > o.patterns) {
      throw Error(fmt::format("mixture of {}: must be odd, >= 3 and <= the {} patterns", k, o.patterns));
    }
  }
  if (o.trials < 2 || o.trials >= (1 << 30)) throw Error(fmt::format("trials {}: must be >= 2", o.trials));
  if (o.starts < 0) throw Error(fmt::format("starts {}: must be >= 0", o.starts));
  if (!(o.component_overlap > 0.0 && o.component_overlap < 1.0)) {
    throw Error(fmt::format("component overlap {}: must be in (0, 1)", o.component_overlap));
  }
  if (o.dynamics.dynamics == Dynamics::glauber) {
    throw Error("fixed points need zero-temperature dynamics (async or sync)");
  }
  validate(o.dynamics);
}

}  // namespace

SpuriousReport spurious_states(const SpuriousOptions& o, const StopPoll& poll) {
  check(o);
  const auto trials = static_cast<std::size_t>(o.trials);
  const SerialEigen serial;
  std::vector<Trial> results(trials);
  parallel_items(o.trials, o.dynamics.threads, poll, [&](std::int64_t t, StopSignal& stop) {
    results[static_cast<std::size_t>(t)] = run_trial(o, static_cast<int>(t), stop);
  });
  SpuriousReport report;
  const auto over_trials = [&](auto&& value) {
    std::vector<double> x(trials);
    for (std::size_t t = 0; t < trials; ++t) x[t] = value(results[t]);
    return stats::mean_sem(x);
  };
  for (std::size_t j = 0; j < o.mixtures.size(); ++j) {
    MixtureReport m;
    m.k = o.mixtures[j];
    m.theory_overlap = mixture_overlap(m.k);
    m.theory_energy = mixture_energy_per_neuron(m.k);
    m.overlap = over_trials([j](const Trial& t) { return t.mixtures[j].overlap; });
    m.energy = over_trials([j](const Trial& t) { return t.mixtures[j].energy; });
    m.energy_zero_diagonal = over_trials([j](const Trial& t) { return t.mixtures[j].energy0; });
    m.stable_fraction = over_trials([j](const Trial& t) { return t.mixtures[j].stable; });
    m.fixed_point = over_trials([j](const Trial& t) { return t.mixtures[j].fixed; });
    m.relaxed_overlap = over_trials([j](const Trial& t) { return t.mixtures[j].relaxed; });
    report.mixtures.push_back(m);
  }
  report.distinct_fixed_points = over_trials([](const Trial& t) { return t.distinct; });
  report.unconverged = over_trials([](const Trial& t) { return t.unconverged; });
  report.pattern_energy = over_trials([](const Trial& t) { return t.pattern_energy; });
  if (o.starts > 0) {
    std::set<Index> keys{1};
    for (const Trial& t : results) {
      for (const auto& [c, cls] : t.classes) keys.insert(c);
    }
    keys.erase(0);
    std::vector<Index> ordered(keys.begin(), keys.end());
    ordered.push_back(0);  // "other" last
    const double starts = static_cast<double>(o.starts);
    for (Index c : ordered) {
      CensusClass cls;
      cls.name = class_name(c);
      const auto get = [c](const Trial& t) {
        const auto it = t.classes.find(c);
        return it == t.classes.end() ? ClassTrial{} : it->second;
      };
      cls.distinct = over_trials([&](const Trial& t) { return get(t).distinct; });
      cls.basin = over_trials([&](const Trial& t) { return get(t).starts / starts; });
      std::vector<double> energies;
      for (const Trial& t : results) {
        const ClassTrial ct = get(t);
        if (ct.distinct > 0) energies.push_back(ct.energy_sum / ct.distinct);
      }
      cls.energy = stats::mean_sem(energies);
      report.classes.push_back(cls);
    }
  }
  return report;
}

}  // namespace rgflow::hopfield
