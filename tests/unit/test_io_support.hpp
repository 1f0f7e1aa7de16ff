#pragma once
// Shared helpers of the io unit tests (header only; the test glob compiles only test_*.cpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"

namespace rgflow::test {

// A fresh directory per test case (ctest runs test cases as parallel processes), removed after.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::temp_directory_path() /
            ("rgflow-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (root_ / name).string(); }
  const std::filesystem::path& root() const { return root_; }
  // Names of the entries in the directory: used to check that writers leave no temporaries.
  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(root_)) {
      names.insert(e.path().filename().string());
    }
    return names;
  }

 private:
  std::filesystem::path root_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace rgflow::test

// Expects `statement` to throw rgflow::FileError for `file_path` whose message contains the path
// and `fragment` (the problem, e.g. "truncated").
#define EXPECT_FILE_ERROR(statement, file_path, fragment)                        \
  do {                                                                           \
    try {                                                                        \
      statement;                                                                 \
      ADD_FAILURE() << "expected rgflow::FileError from: " #statement;           \
    } catch (const rgflow::FileError& file_error_) {                             \
      const std::string what_ = file_error_.what();                              \
      EXPECT_EQ(file_error_.path(), std::string(file_path)) << what_;            \
      EXPECT_NE(what_.find(std::string(file_path)), std::string::npos) << what_; \
      EXPECT_NE(what_.find(std::string(fragment)), std::string::npos)            \
          << "message '" << what_ << "' lacks '" << (fragment) << "'";           \
    }                                                                            \
  } while (false)
