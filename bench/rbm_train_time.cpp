// Times one training epoch of rgflow's train::Trainer, for bench/compare: loads DATA (any format
// `rgflow rbm train` reads), builds a Bernoulli RBM with --hidden units, Hinton initialisation,
// and runs --epochs epochs (CD-k, PCD-k or PT with the default ladder: 10 replicas, β_min 0.1;
// --batch-size, learning rate 0.05, momentum 0.5)
// with rgflow's GEMM (the build's backend, or RGFLOW_GEMM=eigen|dnnl) on --threads threads. Only Trainer::run_epoch is timed (not loading, not
// the initialisation); the per-epoch monitors run on one row. Prints one JSON object with the
// parameters, the seed, samples/s = rows·epochs / seconds and the same per CPU second of the
// process (samples_per_cpu_s). Bad arguments: exit status 2.
// Usage: rbm_train_time DATA [--hidden 500] [--method cd|pcd|pcd-hidden|pt] [--steps 1] [--batch-size 100]
//                            [--epochs 1] [--rows N] [--threads 1] [--seed 1]
#include <omp.h>

#include <Eigen/Core>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/trainer.hpp"

namespace {
// CPU seconds of the whole process (all threads): on a shared, oversubscribed machine the wall
// clock mostly measures the other tenants.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace rgflow;
  try {
    if (argc < 2) throw Error("usage: rbm_train_time DATA [--hidden N] [--method cd|pcd|pcd-hidden|pt] [--steps K] "
                              "[--batch-size B] [--epochs E] [--rows N] [--threads T] [--seed S]");
    const std::string path = argv[1];
    long hidden = 500, batch = 100, rows = 0, steps = 1, epochs = 1, threads = 1;
    unsigned long long seed = 1;
    std::string method = "cd";
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      if (i + 1 >= argc) throw Error(a + ": missing value");
      const std::string v = argv[++i];
      char* end = nullptr;
      const long x = std::strtol(v.c_str(), &end, 10);
      const bool is_int = end != v.c_str() && *end == '\0';
      if (a == "--method") {
        method = v;  // cd | pcd | pcd-hidden (PCD whose chains carry hidden samples) | pt (10 replicas)
      } else if (!is_int || x < 0) {
        throw Error(a + " " + v + ": not a non-negative integer");
      } else if (a == "--hidden") {
        hidden = x;
      } else if (a == "--batch-size") {
        batch = x;
      } else if (a == "--rows") {
        rows = x;
      } else if (a == "--steps") {
        steps = x;
      } else if (a == "--epochs") {
        epochs = x;
      } else if (a == "--threads") {
        threads = x;
      } else if (a == "--seed") {
        seed = static_cast<unsigned long long>(x);
      } else {
        throw Error(a + ": unknown option");
      }
    }
    if (threads < 1 || hidden < 1 || batch < 1 || steps < 1 || epochs < 1)
      throw Error("--threads, --hidden, --batch-size, --steps and --epochs must be >= 1");
    // rgflow's threading: one OpenMP region per update (src/train/chunked_gibbs.hpp) with
    // single-threaded Eigen products inside, as in the CLI.
    Eigen::setNbThreads(1);
    omp_set_num_threads(static_cast<int>(threads));
    io::Dataset ds = io::load_dataset(path);
    MatrixF data = rows > 0 && rows < ds.data.rows() ? MatrixF(ds.data.topRows(rows)) : std::move(ds.data);
    train::TrainConfig c;
    c.pcd_hidden_state = method == "pcd-hidden";
    c.method = train::parse_method(c.pcd_hidden_state ? std::string("pcd") : method);
    c.steps = static_cast<int>(steps);
    c.batch_size = batch;
    c.epochs = static_cast<int>(epochs);
    c.monitor_rows = 1;
    c.seed = seed;
    c.validate();
    Rbm rbm(data.cols(), hidden);
    rbm.check_visible_data(data, path);
    train::Trainer trainer(rbm, c, data);
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    double recon = 0.0;
    while (!trainer.finished()) recon = trainer.run_epoch().reconstruction_error.mean;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const double samples = static_cast<double>(data.rows()) * static_cast<double>(epochs);
    std::printf(
        "{\"tool\": \"rgflow\", \"method\": \"%s\", \"steps\": %ld, \"hidden\": %ld, \"visible\": %ld, "
        "\"rows\": %ld, \"batch_size\": %ld, \"epochs\": %ld, \"threads\": %ld, \"seed\": %llu, "
        "\"seconds\": %.6f, \"samples_per_s\": %.1f, \"cpu_seconds\": %.6f, \"samples_per_cpu_s\": %.1f, "
        "\"reconstruction_error\": %.6f, \"gemm\": \"%s\"}\n",
        method.c_str(), steps, hidden, static_cast<long>(data.cols()), static_cast<long>(data.rows()), batch, epochs,
        threads, seed, s, samples / s, cpu, samples / cpu, recon,
        std::string(gemm::name(gemm::active())).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rbm_train_time: error: %s\n", e.what());
    return 2;
  }
}
