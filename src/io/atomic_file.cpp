#include "rgflow/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <string_view>
#include <utility>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/error.hpp"

namespace rgflow::io {

namespace {
// Distinguishes temporaries of one process; the pid distinguishes processes. O_EXCL below makes a
// clash with a stale file from a crashed run harmless (we just try the next number).
std::atomic<unsigned> temp_counter{0};

// "NAME.tmp-PID-N" → PID, for a name that is exactly `base` + ".tmp-" + digits + "-" + digits.
std::optional<long> temp_owner(std::string_view name, std::string_view base) {
  constexpr std::string_view kTag = ".tmp-";
  if (name.size() <= base.size() + kTag.size() || name.substr(0, base.size()) != base ||
      name.substr(base.size(), kTag.size()) != kTag) {
    return std::nullopt;
  }
  const std::string_view rest = name.substr(base.size() + kTag.size());
  const std::size_t dash = rest.find('-');
  const auto digits = [](std::string_view t) {
    return !t.empty() && t.size() <= 18 &&
           std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dash == std::string_view::npos || !digits(rest.substr(0, dash)) ||
      !digits(rest.substr(dash + 1))) {
    return std::nullopt;
  }
  return std::stol(std::string(rest.substr(0, dash)));
}

// Removes the temporaries of `path` left by writers that no longer run (a kill -9 or a crash
// between creating the temporary and renaming it): same directory, name PATH.tmp-PID-N, and no
// process PID. A temporary of a live process (this one included) is never touched.
void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const std::string base = target.filename().string();
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto pid = temp_owner(name, base);
    if (!pid || *pid == static_cast<long>(::getpid()) || *pid <= 0) continue;
    if (::kill(static_cast<pid_t>(*pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  remove_stale_temporaries(path_);
  // The temporary is created here (not merely named) so that a writer into a missing or
  // read-only directory fails before doing any work, and so that two writers never share a name.
  // Mode 0666 is reduced by the umask, giving the same permissions as a plain fopen(path, "w").
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string candidate =
        fmt::format("{}.tmp-{}-{}", path_, static_cast<long>(::getpid()), temp_counter++);
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      temp_path_ = std::move(candidate);
      return;
    }
    if (errno != EEXIST) {
      throw FileError(path_, fmt::format("cannot create temporary file '{}': {}", candidate,
                                         std::strerror(errno)));
    }
  }
  throw FileError(path_, "cannot find an unused temporary file name next to it");
}

AtomicFile::~AtomicFile() {
  if (!committed_ && !temp_path_.empty()) std::remove(temp_path_.c_str());
}

void AtomicFile::commit() {
  if (committed_) return;
  // An interrupted command (Ctrl-C: core/cancel.hpp) leaves no new output, even when the request
  // arrives while the file is being written.
  throw_if_cancelled();
  // The data reach the disk before the name does, so a crash of the machine leaves the old file
  // or the complete new one.
  const int fd = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    throw FileError(path_, fmt::format("cannot sync temporary file '{}': {}", temp_path_,
                                       std::strerror(error)));
  }
  ::close(fd);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw FileError(path_, fmt::format("cannot rename temporary file '{}' onto it: {}", temp_path_,
                                       std::strerror(errno)));
  }
  committed_ = true;
}

FileError AtomicFile::for_destination(const FileError& error) const {
  std::string message = error.what();
  const std::string prefix = temp_path_ + ": ";
  if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
  return FileError(path_, message);
}

}  // namespace rgflow::io
