#include "commands.hpp"

namespace rgflow::cli {

void add_demo_command(CLI::App& app) {
  app.add_subcommand("demo", "Run the built-in demonstration");
}

}  // namespace rgflow::cli
