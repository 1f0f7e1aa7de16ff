#pragma once
// Write-to-temp-then-rename, so that an output path either holds a complete file or is left
// untouched (DESIGN.md: never a partly written output file).
#include <string>

#include "rgflow/core/error.hpp"

namespace rgflow::io {

class AtomicFile {
 public:
  // Creates a temporary PATH.tmp-PID-N next to `path` (same directory, so rename is atomic).
  // First removes PATH's temporaries whose process PID no longer exists (left by a kill -9 or a
  // crash); those of live processes are kept.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& path() const { return path_; }
  // Syncs the temporary file to disk and renames it onto path(); throws FileError on failure,
  // and Cancelled (leaving path() untouched) when the process-wide cancel request is set
  // (core/cancel.hpp: Ctrl-C in the CLI), so an interrupted command writes nothing new.
  void commit();
  // An error raised while writing temp_path(), restated against path(): users should see the
  // file they named, not the temporary one.
  FileError for_destination(const FileError& error) const;

 private:
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

}  // namespace rgflow::io
