#include "distributed.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string_view>

#include "rgflow/comm/world.hpp"
#include "rgflow/core/error.hpp"

namespace rgflow::cli {
namespace {

std::unique_ptr<Communicator>& world_slot() {
  static std::unique_ptr<Communicator> comm;
  return comm;
}

}  // namespace

void open_world() { world_slot() = world_communicator(); }

const Communicator& world() {
  static const SerialCommunicator serial;
  if (world_slot()) return *world_slot();
  return serial;
}

void check_distributable(int argc, char** argv) {
  if (world().size() == 1) return;
  // The command words: the first two arguments that are not options (rgflow's top level takes no
  // option with a value).
  std::string_view words[2];
  int found = 0;
  for (int i = 1; i < argc && found < 2; ++i) {
    const std::string_view a = argv[i];
    if (a == "--version" || a == "--help" || a == "-h") return;
    if (!a.starts_with('-')) words[found++] = a;
  }
  if (words[0] == "rbm" && (words[1] == "logz" || words[1] == "loglik" || words[1] == "train" ||
                           words[1] == "sample")) {
    return;
  }
  if (words[0] == "ising" && (words[1] == "sample" || words[1] == "mcrg")) return;
  if (words[0] == "conv" && words[1] == "train") return;
  if (words[0] == "vrg" && words[1] == "run") return;
  if (words[0] == "dbn" && words[1] == "train") return;
  throw Error(fmt::format(
      "'rgflow {}{}{}' does not run distributed yet ({} ranks): start it without mpirun; "
      "distributed so far: rbm logz, rbm loglik, rbm train, rbm sample, ising sample, ising mcrg, "
      "conv train, dbn train, vrg run (docs/scaling.md)",
      words[0], found > 1 ? " " : "", words[1], world().size()));
}

int end_job(int status, const std::string& message, bool follower) {
  const Communicator& comm = world();
  if (comm.size() == 1) {
    if (!message.empty()) fmt::print(stderr, "{}\n", message);
    return status;
  }
  std::fflush(stdout);
  if (status != 0) comm.announce_stop();
  const JobOutcome out = comm.finish(status, message, follower);
  if (comm.rank() == 0 && !out.message.empty()) fmt::print(stderr, "{}\n", out.message);
  return out.status;
}

void close_world() { world_slot().reset(); }

}  // namespace rgflow::cli
