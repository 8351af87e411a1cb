// FolderChanges: a kept delta answers only the folder reference it was read
// for, from the modseq it starts at, and only when it reaches the change
// asked about; concurrent readers of one delta share one read.
#include "imap/folder_changes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/testing.hpp"
#include "store/tenant_testing.hpp"

namespace estafeta::imap {
namespace {

class FolderChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite_store({(m_dir.path() / "db.sqlite").string(), true});
    ASSERT_TRUE(s) << s.error().message;
    m_store = std::move(*s);
    m_box = m_store->find_mailbox(testing::make_tenant(*m_store).address.id, "INBOX").value();
    m_other_box = m_store->find_mailbox(testing::make_tenant(*m_store, "other.example").address.id, "INBOX").value();
  }

  // Appends one message; the folder's modseq after it.
  std::uint64_t append(store::MailboxRef box) {
    store::BlobInfo b;
    b.hash = "h" + std::to_string(m_next++);
    b.size = 100;
    auto r = m_store->append_messages(b, {{box, 0, {}, 1000}});
    EXPECT_TRUE(r) << r.error().detail;
    return m_store->mailbox(box).value().highestmodseq;
  }

  testing::TempDir m_dir{"folder-changes"};
  std::unique_ptr<store::Store> m_store;
  store::Mailbox m_box, m_other_box;
  int m_next = 0;
};

TEST_F(FolderChangesTest, KeepsWhatWasReadForTheSameFolderAndModseq) {
  FolderChanges changes;
  auto since = m_box.highestmodseq;
  auto modseq = append(m_box.ref());
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, since, modseq), nullptr) << "nothing read yet";

  auto read = changes.read(*m_store, m_box.ref(), m_box.uidvalidity, since, modseq);
  ASSERT_TRUE(read) << read.error().message;
  auto& delta = **read;
  EXPECT_EQ(delta.since, since);
  EXPECT_EQ(delta.box.highestmodseq, modseq);
  ASSERT_EQ(delta.changed.size(), 1u);
  EXPECT_TRUE(delta.expunged.empty());

  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, since, modseq), *read);
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, since + 1, modseq), nullptr) << "another starting point";
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, since, modseq + 1), nullptr) << "read before that change";
  EXPECT_EQ(changes.find({m_other_box.address_id, m_box.id}, m_box.uidvalidity, since, modseq), nullptr)
      << "another address";
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity + 1, since, modseq), nullptr)
      << "another folder that had this id";

  // A later change: the kept read is replaced by one that reaches it.
  auto later = append(m_box.ref());
  auto again = changes.read(*m_store, m_box.ref(), m_box.uidvalidity, since, later);
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *read);
  EXPECT_EQ((*again)->changed.size(), 2u);
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, since, later), *again);
}

TEST_F(FolderChangesTest, AnotherAddressesFolderIsNotFound) {
  FolderChanges changes;
  auto modseq = append(m_other_box.ref());
  // The other tenant's folder id under this tenant's address: the store says no such folder.
  auto read = changes.read(*m_store, {m_box.address_id, m_other_box.id}, m_other_box.uidvalidity, 0, modseq);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().kind, ErrorKind::not_found);
  EXPECT_EQ(changes.find({m_box.address_id, m_other_box.id}, m_other_box.uidvalidity, 0, 0), nullptr)
      << "a failed read is not kept";
}

TEST_F(FolderChangesTest, KeepsAtMostItsCapacity) {
  FolderChanges changes;
  append(m_box.ref());
  for (std::uint64_t since = 0; since < FolderChanges::kCapacity + 10; ++since)
    ASSERT_TRUE(changes.read(*m_store, m_box.ref(), m_box.uidvalidity, since, 0));
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, 0, 0), nullptr) << "the least recently used went";
  EXPECT_NE(changes.find(m_box.ref(), m_box.uidvalidity, FolderChanges::kCapacity + 9, 0), nullptr);
}

// A session far behind gets its delta, but a delta that large is not kept
// for others: the cache holds small answers only.
TEST_F(FolderChangesTest, KeepsNoDeltaOverItsChangeLimit) {
  FolderChanges changes;
  auto since = m_box.highestmodseq;
  std::uint64_t modseq = 0;
  for (std::size_t i = 0; i <= FolderChanges::kMaxKeptChanges; ++i) modseq = append(m_box.ref());
  auto read = changes.read(*m_store, m_box.ref(), m_box.uidvalidity, since, modseq);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ((*read)->changed.size(), FolderChanges::kMaxKeptChanges + 1);
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, since, modseq), nullptr);
  auto small = changes.read(*m_store, m_box.ref(), m_box.uidvalidity, modseq - 1, modseq);
  ASSERT_TRUE(small);
  EXPECT_EQ(changes.find(m_box.ref(), m_box.uidvalidity, modseq - 1, modseq), *small) << "a small one is";
}

// Threads asking for the same delta at once all get a delta that reaches
// the change, and share reads: far fewer than one each.
TEST_F(FolderChangesTest, ConcurrentReadersShareTheRead) {
  FolderChanges changes;
  auto since = m_box.highestmodseq;
  auto modseq = append(m_box.ref());
  constexpr int kThreads = 8, kEach = 50;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<const FolderDelta>> seen(kThreads * kEach);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = changes.read(*m_store, m_box.ref(), m_box.uidvalidity, since, modseq);
        if (!r || (*r)->box.highestmodseq < modseq || (*r)->changed.size() != 1)
          ++wrong;
        else
          seen[t * kEach + i] = *r;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  std::sort(seen.begin(), seen.end());
  auto distinct = std::unique(seen.begin(), seen.end()) - seen.begin();
  EXPECT_EQ(distinct, 1) << "one read served all " << kThreads * kEach << " calls";
}

}  // namespace
}  // namespace estafeta::imap
