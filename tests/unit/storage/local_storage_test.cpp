#include "storage/local/local_storage.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace pgexport::storage {
namespace {

namespace fs = std::filesystem;

class LocalStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pgexport-local-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(LocalStorageTest, ObjectIsInvisibleUntilCommit) {
  LocalStorage storage(root_);
  storage.check_writable();
  auto writer = storage.create("runs/r1/t/part-0.csv");
  writer->write("hello ");
  writer->write("world");
  EXPECT_TRUE(storage.list("runs/").empty());
  EXPECT_FALSE(storage.read("runs/r1/t/part-0.csv").has_value());
  ObjectInfo info = writer->commit();
  EXPECT_EQ(info.size, 11u);
  EXPECT_EQ(info.sha256_hex, hex_encode(sha256("hello world")));
  EXPECT_EQ(storage.read("runs/r1/t/part-0.csv"), "hello world");
  EXPECT_EQ(storage.list("runs/"), std::vector<std::string>{"runs/r1/t/part-0.csv"});
}

TEST_F(LocalStorageTest, DestroyedWriterLeavesNothing) {
  LocalStorage storage(root_);
  {
    auto writer = storage.create("a/b.csv");
    writer->write(std::string(3 << 20, 'x'));
  }
  EXPECT_TRUE(storage.list("").empty());
  EXPECT_TRUE(fs::is_empty(root_ / "a"));
}

TEST_F(LocalStorageTest, ListFiltersByPrefixTextAndRemovePrefixDeletes) {
  LocalStorage storage(root_);
  put_object(storage, "runs/2026a/x", "1");
  put_object(storage, "runs/2026b/y", "2");
  put_object(storage, "latest.json", "{}");
  auto keys = storage.list("runs/2026a");
  EXPECT_EQ(keys, std::vector<std::string>{"runs/2026a/x"});
  storage.remove_prefix("runs/2026a/");
  EXPECT_TRUE(storage.list("runs/2026a").empty());
  EXPECT_EQ(storage.list("runs/").size(), 1u);
}

TEST_F(LocalStorageTest, UnwritableDestinationIsAClearError) {
  if (::geteuid() == 0) {
    // root ignores permissions; a path below a regular file cannot be a directory for anyone.
    fs::create_directories(root_);
    { std::ofstream(root_ / "file") << "x"; }
    LocalStorage storage(root_ / "file" / "sub");
    try {
      storage.check_writable();
      FAIL() << "expected an error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::destination_unwritable);
      EXPECT_NE(std::string(error.what()).find("--destination"), std::string::npos);
    }
    return;
  }
  fs::create_directories(root_);
  fs::permissions(root_, fs::perms::owner_read | fs::perms::owner_exec);
  LocalStorage storage(root_);
  EXPECT_THROW(storage.check_writable(), Error);
  fs::permissions(root_, fs::perms::owner_all);
}

}  // namespace
}  // namespace pgexport::storage
