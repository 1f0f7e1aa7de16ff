#include "rgflow/run/hopfield.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::run {

RecallRun recall(const hopfield::Network& net, const RecallRequest& request) {
  RecallRun run;
  run.from_patterns = request.probes.size() == 0;
  run.seed = request.seed;
  MatrixF probes;
  std::vector<Index> target;
  if (!run.from_patterns) {
    probes = request.probes;
    net.check_states(probes, request.probes_source);
  } else {
    if (!(request.flip >= 0.0 && request.flip <= 1.0)) {
      throw Error(fmt::format("flip probability {}: must be in [0, 1]", request.flip));
    }
    run.flip = request.flip;
    probes = net.patterns();
    for (Index mu = 0; mu < probes.rows(); ++mu) {
      Rng rng(request.seed, (std::uint64_t{1} << 40) + static_cast<std::uint64_t>(mu));
      for (Index i = 0; i < probes.cols(); ++i) {
        if (rng.uniform_double() < request.flip) probes(mu, i) = -probes(mu, i);
      }
      target.push_back(mu);
    }
  }
  run.rows = probes.rows();
  const MatrixD start = net.overlaps(probes);
  hopfield::RecallResult r = hopfield::recall(net, probes, request.dynamics, request.seed, request.stop);
  const MatrixD m = net.overlaps(r.states);
  const VectorD energy = net.energy(r.states) / static_cast<double>(net.n_neurons());
  std::vector<double> final_overlap, initial_overlap;
  for (Index k = 0; k < probes.rows(); ++k) {
    Index mu = 0;
    if (target.empty()) {
      m.row(k).cwiseAbs().maxCoeff(&mu);  // the pattern the probe ended closest to
    } else {
      mu = target[static_cast<std::size_t>(k)];
    }
    final_overlap.push_back(target.empty() ? std::fabs(m(k, mu)) : m(k, mu));
    initial_overlap.push_back(target.empty() ? std::fabs(start(k, mu)) : start(k, mu));
    run.nearest_pattern.push_back(mu);
  }
  run.initial_overlap = stats::mean_sem(initial_overlap);
  run.overlap = stats::mean_sem(final_overlap);
  run.energy_per_neuron = stats::mean_sem(std::vector<double>(energy.data(), energy.data() + energy.size()));
  run.sweeps = stats::mean_sem(std::vector<double>(r.sweeps.begin(), r.sweeps.end()));
  double converged = 0.0, cycles = 0.0;
  for (std::size_t k = 0; k < r.converged.size(); ++k) {
    converged += r.converged[k];
    cycles += r.cycle[k];
  }
  run.converged = converged / static_cast<double>(r.converged.size());
  run.two_cycles = cycles / static_cast<double>(r.cycle.size());
  run.states = std::move(r.states);
  return run;
}

void to_json(nlohmann::json& j, const RecallRun& r) {
  std::vector<double> nearest(r.nearest_pattern.begin(), r.nearest_pattern.end());
  j = {{"flip", r.from_patterns ? nlohmann::json(r.flip) : nlohmann::json(nullptr)},
       {"seed", r.seed},
       {"rows", r.rows},
       {"initial_overlap", r.initial_overlap},
       {"overlap", r.overlap},
       {"energy_per_neuron", r.energy_per_neuron},
       {"sweeps", r.sweeps},
       {"converged", r.converged},
       {"two_cycles", r.two_cycles},
       {"nearest_pattern", nearest}};
}

CapacityRun capacity(const CapacityRequest& request, const CapacityProgress& progress) {
  if (request.sizes.empty()) throw Error("capacity: no network size");
  for (Index n : request.sizes) {
    if (n < 2 || n > 16384) throw Error(fmt::format("network size {}: must be in [2, 16384]", n));
  }
  if (!(request.threshold >= 0.0 && request.threshold <= 1.0)) {
    throw Error(fmt::format("overlap threshold {}: must be in [0, 1]", request.threshold));
  }
  CapacityRun run;
  run.threshold = request.threshold;
  hopfield::CapacityOptions c = request.options;
  for (std::size_t s = 0; s < request.sizes.size(); ++s) {
    c.neurons = request.sizes[s];
    if (progress.trials) {
      c.progress = [&progress, s](std::int64_t done, std::int64_t total) { progress.trials(s, done, total); };
    }
    CapacityCurve curve;
    curve.neurons = c.neurons;
    curve.points = hopfield::capacity_curve(c, request.stop);
    curve.critical_load = hopfield::crossing_load(curve.points, hopfield::Criterion::retrieved, 0.5);
    curve.overlap_crossing = hopfield::crossing_load(curve.points, hopfield::Criterion::overlap, request.threshold);
    run.curves.push_back(std::move(curve));
    if (progress.curve_done) progress.curve_done(s, run.curves.back());
  }
  if (run.curves.size() >= 2) {
    for (const char* criterion : {"retrieved", "overlap"}) {
      std::vector<stats::Result> values;
      for (const CapacityCurve& k : run.curves) values.push_back(criterion[0] == 'r' ? k.critical_load : k.overlap_crossing);
      for (double exponent : {0.5, 1.0}) {
        try {
          run.extrapolations.emplace_back(criterion, hopfield::extrapolate(request.sizes, values, exponent));
        } catch (const Error& e) {
          throw Error(fmt::format("extrapolation of the {} criterion in N^-{}: {} (does every curve cross it? "
                                  "widen the loads)", criterion, exponent, e.what()));
        }
      }
    }
  }
  return run;
}

nlohmann::json points_json(const std::vector<hopfield::CapacityPoint>& points) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : points) {
    out.push_back({{"load", p.load}, {"patterns", p.patterns}, {"actual_load", p.actual_load},
                   {"overlap", p.overlap}, {"retrieved", p.retrieved}, {"sweeps", p.sweeps}});
  }
  return out;
}

void to_json(nlohmann::json& j, const CapacityRun& r) {
  j = {{"threshold", r.threshold}};
  const auto curve_json = [](const CapacityCurve& c) {
    return nlohmann::json{{"neurons", c.neurons}, {"points", points_json(c.points)},
                          {"critical_load", c.critical_load}, {"overlap_crossing", c.overlap_crossing}};
  };
  if (r.curves.size() == 1) {
    j.update(curve_json(r.curves[0]));
    return;
  }
  nlohmann::json curves = nlohmann::json::array();
  for (const auto& c : r.curves) curves.push_back(curve_json(c));
  nlohmann::json extrapolations = nlohmann::json::array();
  for (const auto& [criterion, f] : r.extrapolations) {
    extrapolations.push_back({{"criterion", criterion}, {"exponent", f.exponent}, {"critical_load", f.intercept},
                              {"slope", f.slope}, {"chi2", f.chi2}, {"dof", f.dof}});
  }
  j["curves"] = curves;
  j["extrapolations"] = extrapolations;
}

}  // namespace rgflow::run
