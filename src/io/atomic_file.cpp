#include "rgflow/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <utility>

#include "rgflow/core/error.hpp"

namespace rgflow::io {

namespace {
// Distinguishes temporaries of one process; the pid distinguishes processes. O_EXCL below makes a
// clash with a stale file from a crashed run harmless (we just try the next number).
std::atomic<unsigned> temp_counter{0};
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
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
