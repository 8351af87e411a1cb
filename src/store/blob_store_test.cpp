#include "store/blob_store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/testing.hpp"

namespace estafeta::store {
namespace {

TEST(BlobStore, ContentAddressed) {
  testing::TempDir dir("blobs");
  auto blobs = BlobStore::open(dir / "blobs").value();
  auto h = blobs->put("From: a\r\n\r\nhi\r\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, BlobStore::hash_of("From: a\r\n\r\nhi\r\n"));
  EXPECT_EQ(h->size(), 64u);
  EXPECT_EQ(blobs->path_of(*h), dir / "blobs" / h->substr(0, 2) / *h);
  EXPECT_TRUE(blobs->contains(*h));
  EXPECT_EQ(blobs->get(*h).value(), "From: a\r\n\r\nhi\r\n");
  EXPECT_EQ(blobs->put("From: a\r\n\r\nhi\r\n").value(), *h) << "same bytes, same blob";
  EXPECT_EQ(BlobStore::hash_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(blobs->remove(*h));
  EXPECT_FALSE(blobs->contains(*h));
  EXPECT_EQ(blobs->get(*h).error().kind, ErrorKind::not_found);
  EXPECT_EQ(blobs->get("../../etc/passwd").error().kind, ErrorKind::invalid);
  EXPECT_FALSE(blobs->contains("../x"));
}

TEST(BlobStore, ConcurrentPutsOfTheSameBytes) {
  testing::TempDir dir("blobs-race");
  auto blobs = BlobStore::open(dir / "blobs").value();
  std::string bytes(200000, 'z');
  std::vector<std::thread> threads;
  std::vector<std::string> hashes(8);
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { hashes[i] = blobs->put(bytes).value(); });
  for (auto& t : threads) t.join();
  for (auto& h : hashes) EXPECT_EQ(h, hashes[0]);
  EXPECT_EQ(blobs->get(hashes[0]).value(), bytes);
  int files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir / "blobs"))
    if (e.is_regular_file()) ++files;
  EXPECT_EQ(files, 1) << "no temporary files left";
}

}  // namespace
}  // namespace estafeta::store
