#include "commands.hpp"

namespace rgflow::cli {

void add_ising_commands(CLI::App& app) {
  app.add_subcommand("ising", "2D Ising Monte Carlo, exact references and block-spin RG")
      ->require_subcommand(1);
}

}  // namespace rgflow::cli
