#pragma once
// Ctrl-C during long computations (rbm train / logz / loglik / sample, dbn train / flow, ising
// sample / mcrg, rg couplings; vrg run has its own handler): while an InterruptScope lives,
// SIGINT only sets rgflow's process-wide cancel request (core/cancel.hpp). Computations given
// stop_poll() (or loops calling throw_if_cancelled()) see it within ~50 ms and throw
// rgflow::Cancelled, which main() reports as one line, "rgflow: interrupted", with exit status 130
// (128 + SIGINT). These commands write their outputs only after the computation, atomically, and
// AtomicFile::commit refuses to commit once the request is set, so nothing new is left behind
// even when Ctrl-C arrives while a file is being written.
// A second Ctrl-C ends the process at once (the default action is restored by the first).
#include <csignal>

#include "rgflow/core/cancel.hpp"

namespace rgflow::cli {

class InterruptScope {
 public:
  InterruptScope();   // clears any earlier request, installs the handler
  ~InterruptScope();  // restores the previous handler
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  void (*previous_)(int);
  void (*previous_term_)(int) = SIG_DFL;  // SIGTERM, handled on more than one rank
};

// The poll to pass to computations run inside an InterruptScope.
inline StopPoll stop_poll() { return process_cancel_poll(); }

}  // namespace rgflow::cli
