// rgflow manifold embed | cluster — Laplacian eigenmaps and spectral clustering
// (docs/manifold.md). The computations live in include/rgflow/manifold/; this file reads files,
// checks options and prints.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "machine_data.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/manifold/spectral.hpp"

namespace rgflow::cli {

namespace {

// Graph and eigensolver options shared by both commands.
struct GraphCli {
  Index neighbors = 10;
  double epsilon = 0.0;
  std::string weights = "heat";
  double heat_t = 0.0;
  double tolerance = 1e-8;
  Index max_restarts = 1000;
  Index subspace = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  void add_to(CLI::App& cmd) {
    cmd.add_option("--neighbors", neighbors, "k of the k-nearest-neighbour graph")->capture_default_str();
    cmd.add_option("--epsilon", epsilon, "Use an epsilon graph of this radius instead of kNN");
    cmd.add_option("--weights", weights, "heat (exp(-d^2/t)) | binary")
        ->check(CLI::IsMember({"heat", "binary"}))
        ->capture_default_str();
    cmd.add_option("--heat-t", heat_t, "Heat-kernel t (0: the mean squared edge length)")->capture_default_str();
    cmd.add_option("--tolerance", tolerance, "Lanczos tolerance on the eigenvalues")->capture_default_str();
    cmd.add_option("--restarts", max_restarts, "Most Lanczos restarts")->capture_default_str();
    cmd.add_option("--subspace", subspace, "Lanczos basis size (0: max(2 nev + 1, 20))");
    cmd.add_option("--seed", seed, "Seed (Lanczos start vector, k-means++)")->capture_default_str();
    cmd.add_option("--threads", threads, "Threads (0: all; the result does not depend on it)");
  }
  manifold::GraphOptions graph() const {
    check_range("--neighbors", neighbors, 1, 1 << 20);
    check_range("--heat-t", heat_t, 0.0, 1e300);
    manifold::GraphOptions g;
    g.kind = epsilon > 0.0 ? manifold::GraphKind::epsilon : manifold::GraphKind::knn;
    g.neighbors = neighbors;
    g.epsilon = epsilon;
    if (epsilon < 0.0) throw Error(fmt::format("--epsilon {}: must be > 0", epsilon));
    g.weights = manifold::parse_weights(weights);
    g.heat_t = heat_t;
    g.threads = threads;
    return g;
  }
  manifold::EigenOptions eigen() const {
    check_range("--tolerance", tolerance, 1e-15, 1.0);
    check_range("--restarts", max_restarts, 1, 1'000'000);
    check_range("--subspace", subspace, 0, 100000);
    manifold::EigenOptions e;
    e.tolerance = tolerance;
    e.max_iterations = max_restarts;
    e.subspace = subspace;
    e.seed = seed;
    e.threads = threads;
    return e;
  }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

nlohmann::json graph_json(const manifold::Graph& g, const GraphCli& o) {
  return {{"kind", o.epsilon > 0.0 ? "epsilon" : "knn"}, {"neighbors", o.epsilon > 0.0 ? nlohmann::json(nullptr) : nlohmann::json(o.neighbors)},
          {"epsilon", o.epsilon > 0.0 ? nlohmann::json(o.epsilon) : nlohmann::json(nullptr)},
          {"weights", o.weights}, {"heat_t", g.heat_t}, {"edges", g.edges}, {"components", g.components}};
}

void warn_components(const manifold::Graph& g) {
  if (g.components > 1) {
    fmt::print(stderr, "rgflow: warning: the graph has {} connected components; the smallest eigenvalues are "
                       "degenerate (raise --neighbors)\n", g.components);
  }
}

// ---------------------------------------------------------------------------------------------
// manifold embed

struct EmbedCli {
  std::string data;
  MachineData input;
  GraphCli graph;
  Index dimensions = 2;
  bool keep_first = false;
  std::string output;
  bool json = false;
};

void run_embed(const EmbedCli& o) {
  check_range("--dimensions", o.dimensions, 1, 1000);
  if (!o.output.empty()) check_output_path(o.output, {".npy", ".csv", ".h5", ".hdf5"});
  const LoadedData d = load_machine_data(o.data, o.input, o.graph.seed);
  const auto start = std::chrono::steady_clock::now();
  manifold::EmbeddingOptions e;
  e.dimensions = o.dimensions;
  e.keep_first = o.keep_first;
  e.eigen = o.graph.eigen();
  manifold::Graph g;
  manifold::Embedding emb;
  double graph_seconds = 0.0;
  {
    const InterruptScope interrupts;
    g = manifold::neighbourhood_graph(d.rows, o.graph.graph(), stop_poll());
    graph_seconds = seconds_since(start);
    warn_components(g);
    emb = manifold::laplacian_eigenmap(g, e, stop_poll());
  }
  const double total_seconds = seconds_since(start);
  if (!o.output.empty()) {
    const MatrixF coords = emb.coordinates.cast<float>();
    if (has_extension(o.output, ".h5") || has_extension(o.output, ".hdf5")) {
      auto attrs = provenance();
      attrs["data"] = o.data;
      io::save_dataset(o.output, coords, attrs);
    } else {
      io::save_matrix(o.output, coords);
    }
  }
  const VectorD& ev = emb.spectrum.eigenvalues;
  std::vector<double> eigenvalues(ev.data(), ev.data() + ev.size());
  if (o.json) {
    print_json({{"data", o.data}, {"rows", d.rows.rows()}, {"features", d.rows.cols()}, {"graph", graph_json(g, o.graph)},
                {"dimensions", o.dimensions}, {"keep_first", o.keep_first}, {"eigenvalues", eigenvalues},
                {"lanczos_restarts", emb.spectrum.iterations}, {"products", emb.spectrum.products},
                {"seconds_graph", graph_seconds}, {"seconds_total", total_seconds}, {"seed", o.graph.seed},
                {"output", o.output.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.output)}});
    return;
  }
  fmt::print("Laplacian eigenmap of {} ({} x {}): {} edges, {} component(s), t = {:.6g}\n", o.data, d.rows.rows(),
             d.rows.cols(), g.edges, g.components, g.heat_t);
  fmt::print("smallest eigenvalues of L_sym: {:.6g}\n", fmt::join(eigenvalues, ", "));
  fmt::print("{} Lanczos restarts, {} products; graph {:.2f} s, total {:.2f} s\n", emb.spectrum.iterations,
             emb.spectrum.products, graph_seconds, total_seconds);
  if (!o.output.empty()) fmt::print("wrote {} ({} x {})\n", o.output, emb.coordinates.rows(), emb.coordinates.cols());
}

void add_embed(CLI::App& parent) {
  auto o = std::make_shared<EmbedCli>();
  CLI::App* cmd = parent.add_subcommand("embed", "Laplacian eigenmap (Belkin & Niyogi 2003) of the data rows");
  cmd->add_option("DATA", o->data, "Data rows (.csv, .npy, IDX, .h5, ...)")->required();
  o->input.add_to(*cmd);
  o->graph.add_to(*cmd);
  cmd->add_option("--dimensions", o->dimensions, "Embedding dimensions")->capture_default_str();
  cmd->add_flag("--keep-first", o->keep_first, "Keep the trivial eigenvector (eigenvalue 0) as coordinate 1");
  cmd->add_option("-o,--output", o->output, "Coordinates: .npy, .csv or .h5");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_embed(*o); });
}

// ---------------------------------------------------------------------------------------------
// manifold cluster

struct ClusterCli {
  std::string data;
  MachineData input;
  GraphCli graph;
  Index clusters = 2;
  int kmeans_restarts = 10;
  std::string output;
  bool json = false;
};

void run_cluster(const ClusterCli& o) {
  check_range("--clusters", o.clusters, 2, 1 << 20);
  check_range("--kmeans-restarts", std::int64_t{o.kmeans_restarts}, 1, 100000);
  if (!o.output.empty()) check_output_path(o.output, {".npy", ".csv"});
  const LoadedData d = load_machine_data(o.data, o.input, o.graph.seed);
  const auto start = std::chrono::steady_clock::now();
  manifold::ClusteringOptions c;
  c.clusters = o.clusters;
  c.eigen = o.graph.eigen();
  c.kmeans.restarts = o.kmeans_restarts;
  c.kmeans.seed = o.graph.seed;
  c.kmeans.threads = o.graph.threads;
  manifold::Graph g;
  manifold::Clustering r;
  {
    const InterruptScope interrupts;
    g = manifold::neighbourhood_graph(d.rows, o.graph.graph(), stop_poll());
    warn_components(g);
    r = manifold::spectral_clustering(g, c, stop_poll());
  }
  const double total_seconds = seconds_since(start);
  std::vector<Index> sizes(static_cast<std::size_t>(o.clusters), 0);
  for (Index l : r.labels) ++sizes[static_cast<std::size_t>(l)];
  const bool scored = !d.labels.empty();
  const double ari = scored ? manifold::adjusted_rand_index(r.labels, d.labels) : 0.0;
  if (!o.output.empty()) {
    MatrixF labels(static_cast<Index>(r.labels.size()), 1);
    for (std::size_t k = 0; k < r.labels.size(); ++k) labels(static_cast<Index>(k), 0) = static_cast<float>(r.labels[k]);
    io::save_matrix(o.output, labels);
  }
  const VectorD& ev = r.spectrum.eigenvalues;
  std::vector<double> eigenvalues(ev.data(), ev.data() + ev.size());
  if (o.json) {
    print_json({{"data", o.data}, {"rows", d.rows.rows()}, {"graph", graph_json(g, o.graph)}, {"clusters", o.clusters},
                {"eigenvalues", eigenvalues}, {"cluster_sizes", sizes}, {"inertia", r.kmeans.inertia},
                {"kmeans_restarts", o.kmeans_restarts}, {"seed", o.graph.seed},
                {"adjusted_rand_index", scored ? nlohmann::json(ari) : nlohmann::json(nullptr)},
                {"seconds_total", total_seconds},
                {"output", o.output.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.output)}});
    return;
  }
  fmt::print("spectral clustering of {} ({} rows) into {}: {} edges, {} component(s)\n", o.data, d.rows.rows(),
             o.clusters, g.edges, g.components);
  fmt::print("eigenvalues {:.6g}\ncluster sizes {}\n", fmt::join(eigenvalues, ", "), fmt::join(sizes, " "));
  if (scored) fmt::print("adjusted Rand index against the labels: {:.4f}\n", ari);
  fmt::print("{:.2f} s\n", total_seconds);
  if (!o.output.empty()) fmt::print("wrote {}\n", o.output);
}

void add_cluster(CLI::App& parent) {
  auto o = std::make_shared<ClusterCli>();
  CLI::App* cmd = parent.add_subcommand("cluster", "Spectral clustering (Ng, Jordan & Weiss 2002) of the data rows");
  cmd->add_option("DATA", o->data, "Data rows (.csv, .npy, IDX, .h5, ...)")->required();
  o->input.add_to(*cmd);
  o->graph.add_to(*cmd);
  cmd->add_option("--clusters", o->clusters, "Number of clusters")->required();
  cmd->add_option("--kmeans-restarts", o->kmeans_restarts, "k-means++ restarts")->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Labels, one per row: .npy or .csv");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_cluster(*o); });
}

}  // namespace

void add_manifold_commands(CLI::App& app) {
  CLI::App* m = app.add_subcommand("manifold", "Manifold learning: Laplacian eigenmaps and spectral clustering");
  m->require_subcommand(1);
  add_embed(*m);
  add_cluster(*m);
}

}  // namespace rgflow::cli
