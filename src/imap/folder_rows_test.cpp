// FolderRows against the real store: after any mix of changes (flags and
// keywords, arrivals, copies and moves in and out, expunges, from "other
// sessions" that write to the store directly), the rows kept are exactly
// what a full read of the folder gives.
#include "imap/folder_rows.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/testing.hpp"
#include "store/tenant_testing.hpp"

namespace estafeta::imap {
namespace {

using Uids = std::vector<std::uint32_t>;

class FolderRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite_store({(m_dir.path() / "db.sqlite").string(), true});
    ASSERT_TRUE(s) << s.error().message;
    m_store = std::move(*s);
    auto address = testing::make_tenant(*m_store).address;
    m_inbox = m_store->find_mailbox(address.id, "INBOX").value().ref();
    m_other = m_store->create_mailbox(address.id, "Other", store::SpecialUse::none).value().ref();
  }

  Uids append(store::MailboxRef box, int n, std::uint32_t flags = 0, std::vector<std::string> keywords = {}) {
    Uids out;
    for (int i = 0; i < n; ++i) {
      store::BlobInfo b;
      b.hash = "h" + std::to_string(m_next++);
      b.size = 100 + m_next;
      auto r = m_store->append_messages(b, {{box, flags, keywords, 1000 + m_next}});
      EXPECT_TRUE(r) << r.error().detail;
      if (r) out.push_back((*r)[0].uid);
    }
    return out;
  }

  Uids uids(store::MailboxRef box) {
    Uids out;
    auto messages = m_store->list_messages_brief(box).value();  // a range-for over .value() of a temporary dangles
    for (auto& m : messages) out.push_back(m.uid);
    return out;
  }

  // The rows kept equal a full read, field by field.
  void expect_current(FolderRows& rows, const std::string& after) {
    auto kept = rows.current(*m_store, m_inbox);
    ASSERT_TRUE(kept) << kept.error().message;
    auto full = m_store->list_messages_brief(m_inbox).value();
    ASSERT_EQ((*kept)->size(), full.size()) << after;
    for (std::size_t i = 0; i < full.size(); ++i) {
      auto& k = (**kept)[i];
      auto& f = full[i];
      ASSERT_EQ(k.uid, f.uid) << after;
      EXPECT_EQ(k.id, f.id) << after;
      EXPECT_EQ(k.blob_id, f.blob_id) << after;
      EXPECT_EQ(k.blob_hash, f.blob_hash) << after;
      EXPECT_EQ(k.flags, f.flags) << after << ", UID " << k.uid;
      EXPECT_EQ(k.keywords, f.keywords) << after << ", UID " << k.uid;
      EXPECT_EQ(k.internal_date, f.internal_date) << after;
      EXPECT_EQ(k.size, f.size) << after;
      EXPECT_EQ(k.modseq, f.modseq) << after << ", UID " << k.uid;
    }
  }

  testing::TempDir m_dir{"folder-rows"};
  std::unique_ptr<store::Store> m_store;
  store::MailboxRef m_inbox;
  store::MailboxRef m_other;
  int m_next = 0;
};

TEST_F(FolderRowsTest, FollowsEveryKindOfChange) {
  FolderRows rows;
  expect_current(rows, "an empty folder");
  auto u = append(m_inbox, 6, store::flag_seen);
  expect_current(rows, "arrivals");
  ASSERT_TRUE(m_store->store_flags(m_inbox, {u[1], u[3]}, store::FlagOp::remove, store::flag_seen, {}, std::nullopt));
  expect_current(rows, "flags taken off");
  ASSERT_TRUE(m_store->store_flags(m_inbox, {u[0]}, store::FlagOp::add, 0, {"$Label1", "Work"}, std::nullopt));
  expect_current(rows, "keywords");
  ASSERT_TRUE(m_store->expunge(m_inbox, {u[2], u[5]}));
  expect_current(rows, "expunged, the highest UID among them");
  auto theirs = append(m_other, 3, store::flag_flagged);
  ASSERT_TRUE(m_store->copy_messages(m_other, {theirs[0]}, m_inbox, false));
  ASSERT_TRUE(m_store->copy_messages(m_other, {theirs[1]}, m_inbox, true));
  expect_current(rows, "a copy and a move in");
  ASSERT_TRUE(m_store->copy_messages(m_inbox, {u[0]}, m_other, true));
  expect_current(rows, "a move out");
  // Changed, then expunged, between two reads.
  ASSERT_TRUE(m_store->store_flags(m_inbox, {u[1]}, store::FlagOp::add, store::flag_deleted, {}, std::nullopt));
  ASSERT_TRUE(m_store->expunge_deleted(m_inbox, 0xffffffffu, nullptr));
  expect_current(rows, "changed and expunged");
  expect_current(rows, "nothing changed");
}

TEST_F(FolderRowsTest, RandomChangesFromOtherSessions) {
  FolderRows rows;
  std::mt19937 rng(7);
  append(m_inbox, 40);
  for (int step = 0; step < 300; ++step) {
    auto present = uids(m_inbox);
    auto pick = [&] {
      Uids some;
      for (auto uid : present)
        if (rng() % 4 == 0) some.push_back(uid);
      return some;
    };
    // Up to three changes between two reads, so several pile up.
    for (int n = rng() % 4; n > 0; --n) {
      switch (rng() % 6) {
        case 0: append(m_inbox, 1 + rng() % 3, rng() % 2 ? std::uint32_t{store::flag_seen} : 0u); break;
        case 1:
          (void)m_store->store_flags(m_inbox, pick(), store::FlagOp::add, 1u << (rng() % 5), {}, std::nullopt);
          break;
        case 2:
          (void)m_store->store_flags(m_inbox, pick(), store::FlagOp::remove, 1u << (rng() % 5), {}, std::nullopt);
          break;
        case 3:
          (void)m_store->store_flags(m_inbox, pick(), store::FlagOp::replace, 0, {"k" + std::to_string(rng() % 3)},
                                     std::nullopt);
          break;
        case 4:
          if (present.size() > 20) (void)m_store->expunge(m_inbox, pick());
          break;
        case 5: (void)m_store->copy_messages(m_inbox, pick(), m_other, rng() % 2 == 0); break;
      }
    }
    expect_current(rows, "step " + std::to_string(step));
    if (HasFatalFailure() || HasFailure()) return;
  }
}

// A folder gone under the session: an error, not stale rows.
TEST_F(FolderRowsTest, AFolderDeletedMeanwhileIsAnError) {
  FolderRows rows;
  append(m_other, 2);
  ASSERT_TRUE(rows.current(*m_store, m_other));
  ASSERT_TRUE(m_store->delete_mailbox(m_other));
  auto r = rows.current(*m_store, m_other);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace estafeta::imap
