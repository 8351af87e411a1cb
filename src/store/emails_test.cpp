// Tests of the JMAP view of the store (store/emails.hpp): emails as one
// content across folders, ids kept across moves, threads by message ids,
// the address-wide change order and its paging, mailbox counts.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/testing.hpp"
#include "store/store.hpp"
#include "store/tenant_testing.hpp"

namespace estafeta::store {
namespace {

using Ids = std::vector<Id>;

class EmailsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_sqlite_store({(m_dir.path() / "db.sqlite").string(), true});
    ASSERT_TRUE(opened) << opened.error().detail;
    m_store = std::move(*opened);
    auto tenant = testing::make_tenant(s());
    m_address = tenant.address.id;
    m_other = s().create_address(tenant.domain.id, "other").value().id;
    for (auto name : {"INBOX", "Archive", "Trash"})
      if (!s().find_mailbox(m_address, name)) s().create_mailbox(m_address, name, SpecialUse::none).value();
    m_inbox = s().find_mailbox(m_address, "INBOX").value().ref();
    m_archive = s().find_mailbox(m_address, "Archive").value().ref();
  }
  Store& s() { return *m_store; }

  BlobInfo blob(const std::string& hash, const std::string& message_id = "", const std::string& references = "") {
    BlobInfo b;
    b.hash = hash;
    b.size = 100;
    b.subject = "subject " + hash;
    b.message_id = message_id;
    b.references = references;
    return b;
  }
  // Appends and returns the new message's email id.
  Id append(MailboxRef box, const BlobInfo& b, std::uint32_t flags = 0) {
    auto r = s().append_messages(b, {{box, flags, {}, 1000}});
    EXPECT_TRUE(r) << r.error().detail;
    auto id = s().email_by_blob(box.address_id, b.hash).value();
    EXPECT_TRUE(id.has_value());
    return id.value_or(0);
  }
  std::uint64_t state() { return s().mail_state(m_address).value(); }
  Email email(Id id) {
    auto found = s().emails(m_address, {id}).value();
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? Email{} : found.front();
  }
  static Ids sorted(Ids v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  testing::TempDir m_dir{"emails"};
  std::unique_ptr<Store> m_store;
  Id m_address = 0, m_other = 0;
  MailboxRef m_inbox, m_archive;
};

TEST_F(EmailsTest, OneContentInTwoFoldersIsOneEmailWhoseIdSurvivesAMove) {
  Id id = append(m_inbox, blob("a"));
  auto uid = email(id).copies.at(0).uid;
  s().copy_messages(m_inbox, {uid}, m_archive, false).value();
  auto both = email(id);
  ASSERT_EQ(both.copies.size(), 2u);
  EXPECT_EQ(both.copies[0].mailbox_id, m_inbox.id);
  EXPECT_EQ(both.copies[1].mailbox_id, m_archive.id);
  // Moving the Archive copy to Trash and expunging the INBOX one keeps the id.
  auto trash = s().find_mailbox(m_address, "Trash").value().ref();
  s().copy_messages(m_archive, {both.copies[1].uid}, trash, true).value();
  s().expunge(m_inbox, {uid}).value();
  auto moved = email(id);
  ASSERT_EQ(moved.copies.size(), 1u);
  EXPECT_EQ(moved.copies[0].mailbox_id, trash.id);
  // The last copy gone, the email is gone; the same content later is a new id.
  s().expunge(trash, {moved.copies[0].uid}).value();
  EXPECT_TRUE(s().emails(m_address, {id}).value().empty());
  EXPECT_GT(append(m_inbox, blob("a")), id);
}

TEST_F(EmailsTest, AnotherAddressNeverSeesTheEmail) {
  Id id = append(m_inbox, blob("a"));
  EXPECT_TRUE(s().emails(m_other, {id}).value().empty());
  EXPECT_FALSE(s().email_by_blob(m_other, "a").value().has_value());
  // The same content delivered to the other address is its own email.
  auto other_inbox = s().find_mailbox(m_other, "INBOX").value().ref();
  Id theirs = append(other_inbox, blob("a"));
  EXPECT_NE(theirs, id);
  EXPECT_EQ(email(id).copies.size(), 1u);
}

TEST_F(EmailsTest, RepliesJoinTheThreadOfWhatTheyReference) {
  Id first = append(m_inbox, blob("a", "one@x"));
  Id reply = append(m_inbox, blob("b", "two@x", "<one@x>"));
  Id deeper = append(m_archive, blob("c", "three@x", "<one@x> <two@x>"));
  Id alone = append(m_inbox, blob("d", "four@x"));
  EXPECT_EQ(email(first).thread_id, first);
  EXPECT_EQ(email(reply).thread_id, first);
  EXPECT_EQ(email(deeper).thread_id, first);
  EXPECT_EQ(email(alone).thread_id, alone);
  auto threads = s().threads(m_address, {first, alone, 999}).value();
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads[0].second, (Ids{first, reply, deeper}));
  EXPECT_EQ(threads[1].second, (Ids{alone}));
}

TEST_F(EmailsTest, ChangesSinceAStateListCreatedUpdatedAndDestroyed) {
  Id kept = append(m_inbox, blob("a"));
  Id gone = append(m_inbox, blob("b"));
  auto since = state();
  Id added = append(m_inbox, blob("c"));
  s().store_flags(m_inbox, {email(kept).copies[0].uid}, FlagOp::add, flag_seen, {}, std::nullopt).value();
  s().expunge(m_inbox, {email(gone).copies[0].uid}).value();
  auto c = s().email_changes(m_address, {since}, 100).value();
  EXPECT_EQ(c.created, (Ids{added}));
  EXPECT_EQ(c.updated, (Ids{kept}));
  EXPECT_EQ(c.destroyed, (Ids{gone}));
  EXPECT_FALSE(c.has_more);
  EXPECT_EQ(c.next.modseq, state());
  // Nothing after the latest state; a state from the future is refused.
  auto none = s().email_changes(m_address, {state()}, 100).value();
  EXPECT_TRUE(none.created.empty() && none.updated.empty() && none.destroyed.empty());
  EXPECT_FALSE(s().email_changes(m_address, {state() + 1}, 100));
}

TEST_F(EmailsTest, ChangesPageThroughOneModseqThatChangedManyEmails) {
  Ids ids;
  std::vector<std::uint32_t> uids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(append(m_inbox, blob("m" + std::to_string(i))));
    uids.push_back(email(ids.back()).copies[0].uid);
  }
  auto since = state();
  // One STORE: five emails under one MODSEQ.
  s().store_flags(m_inbox, uids, FlagOp::add, flag_flagged, {}, std::nullopt).value();
  Ids seen;
  ChangeCursor at{since};
  for (int round = 0; round < 10; ++round) {
    auto c = s().email_changes(m_address, at, 2).value();
    EXPECT_LE(c.updated.size(), 2u);
    seen.insert(seen.end(), c.updated.begin(), c.updated.end());
    at = c.next;
    if (!c.has_more) break;
  }
  EXPECT_EQ(sorted(seen), sorted(ids));
  EXPECT_EQ(at, (ChangeCursor{state()}));
}

TEST_F(EmailsTest, MailboxChangesTellCountChangesFromRenames) {
  auto since = state();
  append(m_archive, blob("a"));
  auto c = s().mailbox_changes(m_address, {since}, 100).value();
  EXPECT_EQ(c.updated, (Ids{m_archive.id}));
  EXPECT_TRUE(c.counts_only);
  since = state();
  s().rename_mailbox(m_archive, "Old").value();
  auto box = s().create_mailbox(m_address, "New", SpecialUse::none).value();
  auto trash = s().find_mailbox(m_address, "Trash").value();
  s().delete_mailbox(trash.ref()).value();
  c = s().mailbox_changes(m_address, {since}, 100).value();
  EXPECT_EQ(c.updated, (Ids{m_archive.id}));
  EXPECT_FALSE(c.counts_only);
  EXPECT_EQ(c.created, (Ids{box.id}));
  EXPECT_EQ(c.destroyed, (Ids{trash.id}));
}

TEST_F(EmailsTest, DeletingAFolderDestroysItsEmails) {
  Id id = append(m_archive, blob("a"));
  auto since = state();
  s().delete_mailbox(m_archive).value();
  auto c = s().email_changes(m_address, {since}, 100).value();
  EXPECT_EQ(c.destroyed, (Ids{id}));
  auto t = s().thread_changes(m_address, {since}, 100).value();
  EXPECT_EQ(t.destroyed, (Ids{id}));
}

TEST_F(EmailsTest, FolderModseqsComeFromTheAddressCounterAndStillAscend) {
  append(m_inbox, blob("a"));
  auto inbox_before = s().mailbox(m_inbox).value().highestmodseq;
  append(m_archive, blob("b"));
  append(m_inbox, blob("c"));
  auto inbox_after = s().mailbox(m_inbox).value().highestmodseq;
  EXPECT_GT(inbox_after, inbox_before);
  EXPECT_EQ(inbox_after, state());
  EXPECT_LT(s().mailbox(m_archive).value().highestmodseq, inbox_after);
}

TEST_F(EmailsTest, MailboxSummariesCountEmailsThreadsAndUnread) {
  append(m_inbox, blob("a", "one@x"));
  append(m_inbox, blob("b", "two@x", "<one@x>"), flag_seen);
  append(m_inbox, blob("c", "three@x"), flag_seen);
  append(m_inbox, blob("d", "four@x"), flag_draft);
  auto all = s().mailbox_summaries(m_address).value();
  auto inbox = std::find_if(all.begin(), all.end(), [&](auto& b) { return b.mailbox.id == m_inbox.id; });
  ASSERT_NE(inbox, all.end());
  EXPECT_EQ(inbox->total_emails, 4u);
  EXPECT_EQ(inbox->unread_emails, 1u);
  EXPECT_EQ(inbox->total_threads, 3u);
  EXPECT_EQ(inbox->unread_threads, 1u);
  EXPECT_TRUE(inbox->subscribed);
}

}  // namespace
}  // namespace estafeta::store
