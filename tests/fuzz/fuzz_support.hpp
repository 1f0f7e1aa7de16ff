#pragma once
// Shared by the libFuzzer targets: a scratch file per process (readers take paths, as in the CLI)
// and the outcome rule — a reader may return or throw rgflow::Error; any other exception is a
// finding, reported by aborting so that libFuzzer saves the input.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "rgflow/core/error.hpp"

namespace rgflow::fuzz {

// PATH of a file named `name` in a per-process scratch directory ($TMPDIR or /tmp), created once.
inline std::string scratch_path(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path dir = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
                                    ("rgflow-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

inline void write_file(const std::string& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();  // the harness, not the reader, failed
}

// Runs `read`; rgflow::Error is an accepted outcome, anything else aborts (a finding).
template <class Read>
void expect_result_or_error(Read&& read) {
  try {
    read();
  } catch (const rgflow::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reader threw a non-rgflow exception: %s\n", e.what());
    std::abort();
  }
}

}  // namespace rgflow::fuzz
