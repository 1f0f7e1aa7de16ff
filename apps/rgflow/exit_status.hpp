#pragma once
// Thrown by a command that ran correctly on valid input but whose result failed a self-check
// (e.g. `rgflow demo`); main() exits with `code` after the command printed its explanation.
namespace rgflow::cli {

struct ExitStatus {
  int code = 1;
};

}  // namespace rgflow::cli
