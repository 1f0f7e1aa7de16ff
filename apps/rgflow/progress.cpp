#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rgflow::cli {

namespace {
constexpr int kBarWidth = 28;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(std::llround(seconds));
  const long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, s);
  return fmt::format("{}:{:02}", m, s);
}

Progress::Progress(bool quiet, int first_epoch, int epochs_total)
    : quiet_(quiet),
      interactive_(!quiet && isatty(STDERR_FILENO) == 1),
      first_epoch_(first_epoch),
      epochs_total_(epochs_total),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { clear_bar(); }

void Progress::clear_bar() {
  if (bar_visible_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    bar_visible_ = false;
  }
}

void Progress::batch(int epoch, Index batches_done, Index batches_total) {
  if (!interactive_ || batches_total <= 0) return;
  const auto now = Clock::now();
  if (batches_done < batches_total && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;

  const double frac_epoch = static_cast<double>(batches_done) / static_cast<double>(batches_total);
  const int run_epochs = std::max(1, epochs_total_ - first_epoch_ + 1);
  const double done_epochs = (epoch - first_epoch_) + frac_epoch;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double batches_run = done_epochs * static_cast<double>(batches_total);
  const double rate = elapsed > 0 ? batches_run / elapsed : 0.0;
  const double eta = done_epochs > 0 ? elapsed * (run_epochs - done_epochs) / done_epochs : NAN;

  const int filled = static_cast<int>(std::lround(frac_epoch * kBarWidth));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kBarWidth - filled), '.');
  fmt::print(stderr, "\r\033[Kepoch {}/{} [{}] {:3.0f}%  {:.0f} batch/s  ETA {}", epoch,
             epochs_total_, bar, 100.0 * frac_epoch, rate, format_duration(eta));
  std::fflush(stderr);
  bar_visible_ = true;
}

void Progress::epoch_done(int epoch, const std::string& summary) {
  if (quiet_) return;
  clear_bar();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  fmt::print(stderr, "epoch {}/{}  {}  [{}]\n", epoch, epochs_total_, summary,
             format_duration(elapsed));
  std::fflush(stderr);
}

void Progress::warning(const std::string& line) {
  clear_bar();
  fmt::print(stderr, "{}\n", line);
  std::fflush(stderr);
}

void Progress::message(const std::string& line) {
  if (quiet_) return;
  clear_bar();
  fmt::print(stderr, "{}\n", line);
  std::fflush(stderr);
}

}  // namespace rgflow::cli
