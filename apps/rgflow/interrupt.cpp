#include "interrupt.hpp"

#include "distributed.hpp"

namespace rgflow::cli {

namespace {
extern "C" void on_interrupt(int signal) {
  request_cancel();
  std::signal(signal, SIG_DFL);  // a second Ctrl-C ends the process at once
}
}  // namespace

InterruptScope::InterruptScope() {
  reset_cancel();
  previous_ = std::signal(SIGINT, on_interrupt);
  // Under mpirun, Ctrl-C reaches the ranks as SIGTERM (mpirun forwards it, then kills after a
  // grace period): the same clean stop, agreed between ranks (distributed.hpp).
  if (world().size() > 1) previous_term_ = std::signal(SIGTERM, on_interrupt);
}

InterruptScope::~InterruptScope() {
  std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_);
  if (world().size() > 1) std::signal(SIGTERM, previous_term_ == SIG_ERR ? SIG_DFL : previous_term_);
}

}  // namespace rgflow::cli
