#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "rgflow/io/atomic_file.hpp"
#include "test_io_support.hpp"

using rgflow::io::AtomicFile;
using rgflow::test::TempDir;

namespace {

void write_text(const std::string& path, const char* text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  std::fputs(text, f);
  std::fclose(f);
}

}  // namespace

TEST(io_AtomicFile, CommitRenamesTempOntoTarget) {
  TempDir dir;
  const std::string target = dir.file("out.txt");
  {
    AtomicFile file(target);
    EXPECT_EQ(file.path(), target);
    EXPECT_NE(file.temp_path(), target);
    // Same directory, so that the rename is atomic.
    EXPECT_EQ(std::filesystem::path(file.temp_path()).parent_path(), dir.root());
    EXPECT_TRUE(std::filesystem::exists(file.temp_path()));
    EXPECT_FALSE(std::filesystem::exists(target));
    write_text(file.temp_path(), "hello");
    file.commit();
  }
  EXPECT_EQ(rgflow::test::read_bytes(target), "hello");
  EXPECT_EQ(dir.entries(), std::set<std::string>{"out.txt"});
}

TEST(io_AtomicFile, DestructorWithoutCommitRemovesTempAndKeepsOldTarget) {
  TempDir dir;
  const std::string target = dir.file("out.txt");
  write_text(target, "old");
  {
    AtomicFile file(target);
    write_text(file.temp_path(), "new but abandoned");
  }
  EXPECT_EQ(rgflow::test::read_bytes(target), "old");
  EXPECT_EQ(dir.entries(), std::set<std::string>{"out.txt"});
}

TEST(io_AtomicFile, TwoWritersGetDistinctTemporaries) {
  TempDir dir;
  AtomicFile a(dir.file("x"));
  AtomicFile b(dir.file("x"));
  EXPECT_NE(a.temp_path(), b.temp_path());
}

TEST(io_AtomicFile, MissingDirectoryThrowsAndCreatesNothing) {
  TempDir dir;
  const std::string target = dir.file("no/such/dir/out.txt");
  EXPECT_FILE_ERROR(AtomicFile file(target), target, "cannot create temporary file");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(io_AtomicFile, FailedCommitThrowsAndTempIsRemoved) {
  TempDir dir;
  // rename() cannot replace a non-empty directory.
  const std::string target = dir.file("occupied");
  std::filesystem::create_directories(target + "/child");
  {
    AtomicFile file(target);
    EXPECT_FILE_ERROR(file.commit(), target, "cannot rename");
  }
  EXPECT_EQ(dir.entries(), std::set<std::string>{"occupied"});
}

TEST(io_AtomicFile, ErrorsOnTheTemporaryAreRestatedForTheDestination) {
  TempDir dir;
  const std::string path = dir.file("out.h5");
  rgflow::io::AtomicFile out(path);
  const rgflow::FileError raised(out.temp_path(), "dataset '/rbm/weights' could not be written");
  const rgflow::FileError shown = out.for_destination(raised);
  EXPECT_EQ(std::string(shown.what()), path + ": dataset '/rbm/weights' could not be written");
  EXPECT_EQ(shown.path(), path);
  // An error about some other file keeps its own name, now prefixed by the destination.
  const rgflow::FileError other("elsewhere.h5", "broken");
  EXPECT_EQ(std::string(out.for_destination(other).what()), path + ": elsewhere.h5: broken");
}
