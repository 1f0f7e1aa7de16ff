// rgflow nmf fit | flow — convex NMF and its linear flow map (docs/nmf.md). The computations
// live in include/rgflow/nmf/; this file reads files, checks options and prints.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "machine_data.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/nmf/convex_nmf.hpp"
#include "rgflow/nmf/file.hpp"

namespace rgflow::cli {

namespace {

// ---------------------------------------------------------------------------------------------
// nmf fit

struct FitCli {
  std::string data;
  MachineData input;
  Index rank = 10;
  int iterations = 1000;
  double tolerance = 1e-6;
  int restarts = 10;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string output;
  bool json = false;
};

// The `count` training rows with the largest weight in archetype c (W's column c).
std::vector<Index> top_points(const nmf::ConvexNmf& m, Index c, Index count) {
  std::vector<Index> idx(static_cast<std::size_t>(m.W.rows()));
  std::iota(idx.begin(), idx.end(), Index{0});
  const auto k = static_cast<std::ptrdiff_t>(std::min<Index>(count, m.W.rows()));
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](Index a, Index b) {
    return m.W(a, c) > m.W(b, c) || (m.W(a, c) == m.W(b, c) && a < b);
  });
  idx.resize(static_cast<std::size_t>(k));
  return idx;
}

void run_fit(const FitCli& o) {
  check_range("--rank", o.rank, 1, 1 << 20);
  check_range("--iterations", std::int64_t{o.iterations}, 0, 100'000'000);
  check_range("--tolerance", o.tolerance, 0.0, 1.0);
  check_range("--restarts", std::int64_t{o.restarts}, 1, 100000);
  check_output_path(o.output, {".h5", ".hdf5"});
  const LoadedData d = load_machine_data(o.data, o.input, o.seed);
  const MatrixD A = d.rows.cast<double>();
  if (o.rank >= A.rows()) throw Error(fmt::format("--rank {}: must be below the {} data rows", o.rank, A.rows()));
  nmf::FitOptions f;
  f.rank = o.rank;
  f.max_iterations = o.iterations;
  f.tolerance = o.tolerance;
  f.seed = o.seed;
  f.kmeans_restarts = o.restarts;
  f.threads = o.threads;
  nmf::ConvexNmf m;
  {
    const InterruptScope interrupts;
    m = nmf::fit_convex_nmf(A, f, stop_poll());
  }
  const double error = nmf::reconstruction_error(m, A);
  const double relative = error / A.norm();
  bool monotone = true;
  for (std::size_t t = 1; t < m.objective.size(); ++t) {
    monotone = monotone && m.objective[t] <= m.objective[t - 1] * (1.0 + 1e-12);
  }
  auto attrs = provenance();
  attrs["data"] = o.data;
  attrs["seed"] = std::to_string(o.seed);
  attrs["tolerance"] = fmt::format("{}", o.tolerance);
  nmf::save_model(o.output, m, attrs);
  if (o.json) {
    nlohmann::json archetypes = nlohmann::json::array();
    for (Index c = 0; c < m.rank(); ++c) {
      nlohmann::json weights = nlohmann::json::array();
      const std::vector<Index> top = top_points(m, c, 5);
      for (Index i : top) weights.push_back(m.W(i, c));
      archetypes.push_back({{"top_points", top}, {"top_weights", weights},
                            {"label_of_top_point", d.labels.empty() ? nlohmann::json(nullptr)
                                                                    : nlohmann::json(d.labels[static_cast<std::size_t>(top[0])])}});
    }
    print_json({{"data", o.data}, {"rows", A.rows()}, {"features", A.cols()}, {"rank", m.rank()},
                {"seed", o.seed}, {"iterations", m.iterations}, {"converged", m.converged},
                {"objective_initial", m.objective.front()}, {"objective_final", m.objective.back()},
                {"objective_monotone", monotone}, {"reconstruction_error", error},
                {"relative_error", relative}, {"archetypes", archetypes}, {"output", o.output}});
    return;
  }
  fmt::print("convex NMF of {} ({} x {}), rank {}: {} iterations ({}), seed {}\n", o.data, A.rows(), A.cols(),
             m.rank(), m.iterations, m.converged ? "converged" : "iteration limit", o.seed);
  fmt::print("objective {:.6g} -> {:.6g} ({}); ||A - G W^T A||_F = {:.6g} (relative {:.4f})\n",
             m.objective.front(), m.objective.back(), monotone ? "non-increasing" : "NOT monotone", error, relative);
  for (Index c = 0; c < m.rank(); ++c) {
    const std::vector<Index> top = top_points(m, c, 3);
    fmt::print("archetype {:>3}: largest weights on rows {}\n", c, fmt::join(top, ", "));
  }
  fmt::print("wrote {}\n", o.output);
}

void add_fit(CLI::App& parent) {
  auto o = std::make_shared<FitCli>();
  CLI::App* cmd = parent.add_subcommand("fit", "Convex NMF A ~ G W^T A (Ding, Li & Jordan 2010) with archetypes");
  cmd->add_option("DATA", o->data, "Data rows (.csv, .npy, IDX, .h5, ...)")->required();
  o->input.add_to(*cmd);
  cmd->add_option("--rank", o->rank, "Number of archetypes k")->capture_default_str();
  cmd->add_option("--iterations", o->iterations, "Most multiplicative updates")->capture_default_str();
  cmd->add_option("--tolerance", o->tolerance, "Stop when the objective's relative decrease per iteration is below this")
      ->capture_default_str();
  cmd->add_option("--restarts", o->restarts, "k-means++ restarts of the initialisation")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the initialisation")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0: all; the result does not depend on it)");
  cmd->add_option("-o,--output", o->output, "Model file (.h5)")->required();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_fit(*o); });
}

// ---------------------------------------------------------------------------------------------
// nmf flow

struct FlowCli {
  std::string model;
  std::string data;
  MachineData input;
  int steps = 1000;
  double tolerance = 1e-10;
  bool json = false;
};

void run_flow(const FlowCli& o) {
  check_range("--steps", std::int64_t{o.steps}, 1, 10'000'000);
  check_range("--tolerance", o.tolerance, 0.0, 1.0);
  const nmf::ConvexNmf m = nmf::load_model(o.model);
  const LoadedData d = load_machine_data(o.data, o.input);
  if (d.rows.rows() != m.W.rows() || d.rows.cols() != m.archetypes.cols()) {
    throw FileError(o.data, fmt::format("{} x {} rows: the model was fitted to {} x {} (the flow acts on the "
                                        "fitted data)", d.rows.rows(), d.rows.cols(), m.W.rows(), m.archetypes.cols()));
  }
  const MatrixD A = d.rows.cast<double>();
  const nmf::LinearFlow f = nmf::linear_flow(m, A, o.steps, o.tolerance);
  const double error_to_data = (f.last - A).norm() / A.norm();
  if (o.json) {
    std::vector<double> moduli(f.eigenvalue_moduli.data(), f.eigenvalue_moduli.data() + f.eigenvalue_moduli.size());
    print_json({{"model", o.model}, {"data", o.data}, {"steps", f.steps}, {"converged", f.converged},
                {"direction_converged", f.direction_converged}, {"diverged", f.diverged},
                {"tolerance", o.tolerance}, {"change", f.change}, {"norm_ratio", f.norm_ratio},
                {"direction_change", f.direction_change}, {"eigenvalue_moduli", moduli},
                {"relative_distance_to_data", error_to_data}});
    return;
  }
  const std::string fate = f.converged ? fmt::format("fixed point: change < {}", o.tolerance)
                           : f.direction_converged ? fmt::format("direction converged: change < {}", o.tolerance)
                           : f.diverged ? "norm left [1e-100, 1e100]" : "step limit";
  fmt::print("linear flow A -> G W^T A of {} on {}: {} steps ({})\n", o.model, o.data, f.steps, fate);
  fmt::print("|eigenvalues of W^T G|: {:.6f}\n", fmt::join(f.eigenvalue_moduli, ", "));
  for (int t : {1, 2, 5, 10, 100, 1000, f.steps}) {
    if (t > f.steps) continue;
    const auto k = static_cast<std::size_t>(t - 1);
    fmt::print("step {:>7}: relative change {:.3e}, direction change {:.3e}, |A_t|/|A| = {:.6g}\n", t, f.change[k],
               f.direction_change[k], f.norm_ratio[k]);
  }
  fmt::print("|A_final - A| / |A| = {:.6f}\n", error_to_data);
}

void add_flow(CLI::App& parent) {
  auto o = std::make_shared<FlowCli>();
  CLI::App* cmd = parent.add_subcommand("flow", "Iterate the linear flow map A -> G W^T A on the fitted data");
  cmd->add_option("MODEL", o->model, "Convex NMF file (.h5)")->required();
  cmd->add_option("DATA", o->data, "The data the model was fitted to")->required();
  o->input.add_to(*cmd);
  cmd->add_option("--steps", o->steps, "Most steps")->capture_default_str();
  cmd->add_option("--tolerance", o->tolerance, "Fixed point when the relative change per step is below this")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_flow(*o); });
}

}  // namespace

void add_nmf_commands(CLI::App& app) {
  CLI::App* n = app.add_subcommand("nmf", "Convex non-negative matrix factorization and its linear flow map");
  n->require_subcommand(1);
  add_fit(*n);
  add_flow(*n);
}

}  // namespace rgflow::cli
