// run::default_output_dir: a default output directory never lands inside rgflow's source tree.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "rgflow/run/default_dir.hpp"

namespace rgflow::run {
namespace {

namespace fs = std::filesystem;

class DefaultDir : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / fs::path("rgflow-default-dir-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "src" / "build" / "release");
    fs::create_directories(root_ / "src" / "docs");
    fs::create_directories(root_ / "elsewhere");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(DefaultDir, OutsideTheSourceTreeItIsTheNameInTheCurrentDirectory) {
  const fs::path bin = root_ / "src" / "build" / "release";
  EXPECT_EQ(default_output_dir("rgflow-demo", root_ / "src", root_ / "elsewhere", bin), "rgflow-demo");
  // A sibling whose name starts like the source tree's is not inside it.
  fs::create_directories(root_ / "src2");
  EXPECT_EQ(default_output_dir("rgflow-demo", root_ / "src", root_ / "src2", bin), "rgflow-demo");
}

TEST_F(DefaultDir, InsideTheSourceTreeItGoesNextToTheBinary) {
  const fs::path bin = root_ / "src" / "build" / "release";
  EXPECT_EQ(default_output_dir("rgflow-demo", root_ / "src", root_ / "src", bin),
            "build/release/rgflow-demo");
  EXPECT_EQ(default_output_dir("rgflow-demo", root_ / "src", root_ / "src" / "docs", bin),
            "../build/release/rgflow-demo");
  // Written with a trailing slash or a "." component: the same directory.
  EXPECT_EQ(default_output_dir("rgflow-demo", root_ / "src" / ".", root_ / "src/", bin),
            "build/release/rgflow-demo");
}

TEST_F(DefaultDir, UnknownSourceOrBinaryKeepsTheName) {
  EXPECT_EQ(default_output_dir("rgflow-demo", {}, root_ / "src", root_ / "src"), "rgflow-demo");
  EXPECT_EQ(default_output_dir("rgflow-demo", root_ / "src", root_ / "src", {}), "rgflow-demo");
}

}  // namespace
}  // namespace rgflow::run
