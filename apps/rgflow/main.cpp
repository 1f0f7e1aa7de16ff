// rgflow — stacked RBMs as Kadanoff's variational renormalization group.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "distributed.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "suggest.hpp"
#include "version_info.hpp"
#include "rgflow/train/trainer.hpp"
#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/quote.hpp"
#include "rgflow/core/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "rgflow: restricted Boltzmann machines, 2D Ising Monte Carlo and the variational "
      "renormalization group"};
  app.formatter(std::make_shared<rgflow::cli::HelpFormatter>());  // before the subcommands
  app.set_version_flag("--version", rgflow::cli::version_text());
  app.require_subcommand(1);
  rgflow::cli::add_demo_command(app);
  rgflow::cli::add_rbm_commands(app);
  rgflow::cli::add_ising_commands(app);
  rgflow::cli::add_dbn_commands(app);
  rgflow::cli::add_rg_commands(app);
  rgflow::cli::add_rsmi_commands(app);
  rgflow::cli::add_vrg_commands(app);
  rgflow::cli::add_sandpile_commands(app);
  rgflow::cli::add_lppl_commands(app);
  rgflow::cli::add_hopfield_commands(app);
  rgflow::cli::add_nmf_commands(app);
  rgflow::cli::add_manifold_commands(app);
  rgflow::cli::add_autoencoder_commands(app);
  rgflow::cli::add_conv_commands(app);
  rgflow::cli::check_seed_options(app);  // every --seed: an integer >= 0 (no -1 wrap-around)
  rgflow::cli::set_command_line(argc, argv);
  // Threading policy: Eigen's GEMM runs on one thread; rgflow's own OpenMP loops (exact
  // enumeration, AIS chains, Ising chains) are unaffected and never nest inside a GEMM, so BLAS
  // threads × OpenMP threads ≤ cores. Measured (docs/benchmarks.md): a 2-thread Eigen GEMM on the
  // mini-batch shapes (100 × 784 × 500) was 10-50× *slower* than 1 thread on the shared, loaded
  // 2-core box (spinning OpenMP workers descheduled), and a 2-thread training epoch 15× slower.
  Eigen::setNbThreads(1);
  // Under mpirun / srun every rank runs this main(); the outcome is agreed between them (one
  // message, printed by rank 0; one exit status) however a rank ends (distributed.hpp).
  int status = 0;
  std::string message;
  bool follower = false;  // this rank stopped because another one failed
  try {
    rgflow::cli::open_world();
    rgflow::gemm::active();  // RGFLOW_GEMM names an unknown backend: one line, exit 2
    rgflow::cli::check_distributable(argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    status = rgflow::cli::is_rank0() ? app.exit(e) : 0;
  } catch (const CLI::CallForAllHelp& e) {
    status = rgflow::cli::is_rank0() ? app.exit(e) : 0;
  } catch (const CLI::CallForVersion& e) {
    status = rgflow::cli::is_rank0() ? app.exit(e) : 0;
  } catch (const CLI::ParseError& e) {
    // Usage errors: one line, exit 2 like every other bad input; a misspelt command or option is
    // named with the closest valid spelling (suggest.hpp).
    const auto unplaced = rgflow::cli::unplaced_word_message(app, std::vector<std::string>(argv + 1, argv + argc));
    message = fmt::format("rgflow: error: {} (see --help)", rgflow::printable(unplaced ? *unplaced : e.what()));
    status = 2;
  } catch (const rgflow::cli::ExitStatus& e) {
    status = e.code;
  } catch (const rgflow::PeerFailure&) {
    // Another rank failed; its message is the one printed (end_job).
    status = 2;
    follower = true;
  } catch (const rgflow::Cancelled&) {
    // Ctrl-C inside an InterruptScope (interrupt.hpp): nothing was written; 130 = 128 + SIGINT.
    std::fflush(stdout);
    message = "rgflow: interrupted";
    status = 130;
  } catch (const rgflow::train::TrainingDiverged& e) {
    // Training that kept diverging after the guard halved the step: 3, not a bad input.
    std::fflush(stdout);
    message = fmt::format("rgflow: error: {}", rgflow::printable(e.what()));
    status = 3;
  } catch (const rgflow::Error& e) {
    std::fflush(stdout);
    message = fmt::format("rgflow: error: {}", rgflow::printable(e.what()));  // one line, always
    status = 2;
  } catch (const std::bad_alloc&) {
    message = "rgflow: error: out of memory (is a size argument too large?)";
    status = 2;
  } catch (const std::exception& e) {
    message = fmt::format("rgflow: internal error: {}", e.what());
    status = 70;  // EX_SOFTWARE (sysexits.h): 3 is a diverged training run
  }
  const int code = rgflow::cli::end_job(status, message, follower);
  rgflow::cli::close_world();
  return code;
}
