#include "interrupt.hpp"

namespace rgflow::cli {

namespace {
extern "C" void on_interrupt(int) {
  request_cancel();
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}
}  // namespace

InterruptScope::InterruptScope() {
  reset_cancel();
  previous_ = std::signal(SIGINT, on_interrupt);
}

InterruptScope::~InterruptScope() {
  std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_);
}

}  // namespace rgflow::cli
