#pragma once
// Write-to-temp-then-rename, so that an output path either holds a complete file or is left
// untouched (DESIGN.md: never a partly written output file).
#include <string>

#include "rgflow/core/error.hpp"

namespace rgflow::io {

class AtomicFile {
 public:
  // Picks a temporary name next to `path` (same directory, so rename is atomic).
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& path() const { return path_; }
  // Renames the temporary file onto path(); throws FileError on failure.
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
