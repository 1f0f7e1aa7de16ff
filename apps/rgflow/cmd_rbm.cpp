#include "commands.hpp"

namespace rgflow::cli {

void add_rbm_commands(CLI::App& app) {
  app.add_subcommand("rbm", "Train, evaluate and sample restricted Boltzmann machines")
      ->require_subcommand(1);
}

}  // namespace rgflow::cli
