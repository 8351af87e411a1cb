#include "core/fs.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

namespace estafeta {
namespace {

std::filesystem::path temp_dir(const char* name) {
  auto base = std::getenv("ESTAFETA_TEST_TMP") ? std::filesystem::path(std::getenv("ESTAFETA_TEST_TMP"))
                                               : std::filesystem::temp_directory_path();
  auto p = base / (std::string(name) + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p;
}

TEST(Fs, WriteReadReplace) {
  auto dir = temp_dir("fs");
  ASSERT_TRUE(make_directories(dir / "a" / "b"));
  auto file = dir / "a" / "b" / "f";
  ASSERT_TRUE(write_file_durably(file, "one", 0600));
  EXPECT_EQ(read_file(file).value(), "one");
  ASSERT_TRUE(write_file_durably(file, std::string(100000, 'x'), 0600));
  EXPECT_EQ(read_file(file).value().size(), 100000u);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary files left behind.
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir / "a" / "b")) ++entries;
  EXPECT_EQ(entries, 1);
  std::filesystem::remove_all(dir);
}

TEST(Fs, Errors) {
  auto missing = read_file("/nonexistent/file");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  auto bad = write_file_durably("/nonexistent/dir/file", "x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::temporary);
  auto dir = temp_dir("fs-notdir");
  ASSERT_TRUE(make_directories(dir));
  ASSERT_TRUE(write_file_durably(dir / "f", "x"));
  auto clash = make_directories(dir / "f");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().kind, ErrorKind::invalid);
  std::filesystem::remove_all(dir);
}

TEST(Fs, CheckPrivateFolder) {
  auto dir = temp_dir("fs-private");
  EXPECT_EQ(check_private_folder(dir).value(), std::nullopt) << "absent: made 0700 later";
  ASSERT_TRUE(make_directories(dir));
  EXPECT_EQ(check_private_folder(dir).value(), std::nullopt);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  auto warning = check_private_folder(dir).value();
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find(dir.string()), std::string::npos);
  EXPECT_NE(warning->find("0755"), std::string::npos);
  EXPECT_NE(warning->find("chmod 700 " + dir.string()), std::string::npos);
  ASSERT_EQ(::chmod(dir.c_str(), 0750), 0);
  EXPECT_TRUE(check_private_folder(dir).value());
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  auto refused = check_private_folder(dir);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::permission);
  EXPECT_NE(refused.error().message.find("chmod 700"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace estafeta
