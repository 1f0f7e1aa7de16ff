#include "task_progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "progress.hpp"

namespace rgflow::cli {

TaskProgress::TaskProgress(std::string label, bool quiet)
    : label_(std::move(label)),
      quiet_(quiet),
      terminal_(!quiet && isatty(STDERR_FILENO) == 1),
      start_(Clock::now()),
      last_(start_) {}

TaskProgress::~TaskProgress() { finish(); }

void TaskProgress::finish() {
  if (shown_ && terminal_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
  shown_ = false;
  quiet_ = true;
}

void TaskProgress::operator()(std::int64_t done, std::int64_t total) {
  if (quiet_ || total <= 0) return;
  const auto now = Clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(30000);
  // On a terminal the first report is drawn at once (the line is cleared when the work ends);
  // in a log the first line waits a full interval, so short runs stay silent there.
  if ((shown_ || !terminal_) && now - last_ < interval) return;
  last_ = now;
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::string eta = frac > 0 ? format_duration(elapsed * (1.0 - frac) / frac) : "?";
  fmt::print(stderr, "{}{}: {:.1f}% ({} of {}), elapsed {}, ETA {}{}", terminal_ ? "\r\033[K" : "", label_,
             100.0 * frac, done, total, format_duration(elapsed), eta, terminal_ ? "" : "\n");
  std::fflush(stderr);
  shown_ = true;
}

}  // namespace rgflow::cli
