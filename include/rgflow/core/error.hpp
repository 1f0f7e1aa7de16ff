#pragma once
// Errors a user can cause (bad files, bad options, values outside a unit type's range).
// The CLI turns any rgflow::Error into one line on stderr and exit status 2; everything else
// (std::logic_error, assertions) is a bug in rgflow.
#include <stdexcept>
#include <string>

namespace rgflow {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An error about one input or output file: what() reads "PATH: message".
class FileError : public Error {
 public:
  FileError(const std::string& path, const std::string& message)
      : Error(path + ": " + message), path_(path) {}
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace rgflow
