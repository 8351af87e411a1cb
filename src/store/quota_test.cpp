// Per-address settings and usage (schema migration 5): the quota and Sent
// copy settings, the usage counts the triggers keep through every way
// messages come and go, the per-domain SPF policy, and the arithmetic of
// QuotaUsage.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <limits>

#include "core/testing.hpp"
#include "store/schema_testing.hpp"
#include "store/store.hpp"
#include "store/tenant_testing.hpp"

namespace estafeta::store {
namespace {

class QuotaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reopen();
    auto tenant = testing::make_tenant(s(), "q.example");
    m_domain = tenant.domain;
    m_address = tenant.address;
    m_other = s().create_address(m_domain.id, "other").value();
  }
  void reopen() {
    m_store.reset();
    auto opened = open_sqlite_store({m_dir / "db.sqlite", true});
    ASSERT_TRUE(opened) << opened.error().message << " " << opened.error().detail;
    m_store = std::move(*opened);
  }
  Store& s() { return *m_store; }
  BlobInfo blob(const std::string& hash, std::uint64_t size) {
    BlobInfo b;
    b.hash = hash;
    b.size = size;
    return b;
  }
  MailboxRef box(Id address_id, const std::string& name) { return s().find_mailbox(address_id, name).value().ref(); }
  std::pair<std::uint64_t, std::uint64_t> used(Id address_id) {
    auto u = s().address_usage(address_id).value();
    return {u.bytes, u.messages};
  }
  using Used = std::pair<std::uint64_t, std::uint64_t>;

  testing::TempDir m_dir{"quota"};
  std::unique_ptr<Store> m_store;
  Domain m_domain;
  Address m_address, m_other;
};

TEST_F(QuotaStoreTest, SettingsDefaultToUnlimitedWithSentCopies) {
  EXPECT_FALSE(m_address.settings.quota_bytes);
  EXPECT_FALSE(m_address.settings.quota_messages);
  EXPECT_TRUE(m_address.settings.save_sent);
  auto u = s().address_usage(m_address.id).value();
  EXPECT_FALSE(u.limited());
  EXPECT_EQ(u.bytes, 0u);
  EXPECT_EQ(u.messages, 0u);
  EXPECT_EQ(m_domain.spf_fail, SpfFailPolicy::junk);
}

TEST_F(QuotaStoreTest, SettingsAreStoredAndReadEverywhere) {
  AddressSettings set{5000, 10, false};
  ASSERT_TRUE(s().set_address_settings(m_address.id, set));
  EXPECT_EQ(s().address(m_address.id).value().settings, set);
  EXPECT_EQ(s().find_address("INFO@q.example").value().settings, set);
  auto all = s().list_addresses(std::nullopt).value();
  ASSERT_EQ(all.size(), 2u);
  for (auto& a : all) EXPECT_EQ(a.settings, a.id == m_address.id ? set : AddressSettings{});
  auto u = s().address_usage(m_address.id).value();
  EXPECT_EQ(u.limit_bytes, std::optional<std::uint64_t>(5000));
  EXPECT_EQ(u.limit_messages, std::optional<std::uint64_t>(10));
  // Back to no limits; the other address never changed.
  ASSERT_TRUE(s().set_address_settings(m_address.id, AddressSettings{}));
  EXPECT_FALSE(s().address_usage(m_address.id).value().limited());
  EXPECT_EQ(s().set_address_settings(999999, set).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().address_usage(999999).error().kind, ErrorKind::not_found);
}

TEST_F(QuotaStoreTest, LoginCandidatesCarryTheSettings) {
  User u;
  u.org_id = m_address.org_id;
  u.login = "ana";
  u.display_name = "Ana";
  auto user = s().create_user(u).value();
  auto access = s().grant_access(m_address.id, user.id, true).value();
  ASSERT_TRUE(s().create_device_password(access.id, "phone", "hash"));
  ASSERT_TRUE(s().set_address_settings(m_address.id, AddressSettings{1, 2, false}));
  auto c = s().login_candidates("info@q.example").value();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].address.settings, (AddressSettings{1, 2, false}));
  // The columns after the address's are still read at the right place.
  EXPECT_EQ(c[0].user.login, "ana");
  EXPECT_EQ(c[0].user.id, user.id);
  EXPECT_FALSE(c[0].service_locked);
}

TEST_F(QuotaStoreTest, UsageFollowsEveryChange) {
  auto inbox = box(m_address.id, "INBOX"), sent = box(m_address.id, "Sent");
  auto archive = box(m_address.id, "Archive"), trash = box(m_address.id, "Trash");
  // One blob in two folders counts twice.
  ASSERT_TRUE(s().append_messages(blob("a", 100), {{inbox, 0, {}, 1}, {sent, 0, {}, 1}}));
  ASSERT_TRUE(s().append_messages(blob("b", 40), {{inbox, 0, {}, 1}}));
  EXPECT_EQ(used(m_address.id), (Used{240, 3}));
  EXPECT_EQ(used(m_other.id), (Used{0, 0}));
  // COPY adds, MOVE within the address does not change the total.
  ASSERT_TRUE(s().copy_messages(inbox, {1, 2}, archive, false));
  EXPECT_EQ(used(m_address.id), (Used{380, 5}));
  ASSERT_TRUE(s().copy_messages(archive, {1}, trash, true));
  EXPECT_EQ(used(m_address.id), (Used{380, 5}));
  // Copy into another address moves usage between them.
  ASSERT_TRUE(s().copy_messages(archive, {2}, box(m_other.id, "INBOX"), true));
  EXPECT_EQ(used(m_address.id), (Used{340, 4}));
  EXPECT_EQ(used(m_other.id), (Used{40, 1}));
  // EXPUNGE subtracts.
  ASSERT_TRUE(s().expunge(trash, {1}));
  EXPECT_EQ(used(m_address.id), (Used{240, 3}));
  // Renaming INBOX moves its messages to a new folder: same total.
  ASSERT_TRUE(s().rename_mailbox(inbox, "Old"));
  EXPECT_EQ(used(m_address.id), (Used{240, 3}));
  // Deleting a folder takes its messages off, once.
  ASSERT_TRUE(s().delete_mailbox(box(m_address.id, "Old")));
  EXPECT_EQ(used(m_address.id), (Used{100, 1}));
  ASSERT_TRUE(s().delete_mailbox(sent));
  EXPECT_EQ(used(m_address.id), (Used{0, 0}));
  // Deleting a whole address leaves the others' counts alone.
  ASSERT_TRUE(s().delete_address(m_address.id));
  EXPECT_EQ(used(m_other.id), (Used{40, 1}));
}

TEST_F(QuotaStoreTest, AFailedAppendCountsNothing) {
  auto inbox = box(m_address.id, "INBOX");
  ASSERT_FALSE(s().append_messages(blob("x", 70), {{inbox, 0, {}, 1}, {{m_address.id, 987654}, 0, {}, 1}}));
  EXPECT_EQ(used(m_address.id), (Used{0, 0}));
}

TEST_F(QuotaStoreTest, MigrationCountsExistingMessages) {
  auto inbox = box(m_address.id, "INBOX");
  ASSERT_TRUE(s().append_messages(blob("m1", 300), {{inbox, 0, {}, 1}}));
  ASSERT_TRUE(s().append_messages(blob("m2", 20), {{inbox, 0, {}, 1}, {box(m_other.id, "Junk"), 0, {}, 1}}));
  m_store.reset();
  // Turn the file back into schema 4, as an older Estafeta left it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((m_dir / "db.sqlite").c_str(), &db), SQLITE_OK);
  const std::string downgrade =
      std::string(kUndoToSchema11) +
      "DROP TRIGGER message_used; DROP TRIGGER message_unused; DROP TRIGGER message_moved;"
      "DROP TRIGGER mailbox_unused;"
      "ALTER TABLE address DROP COLUMN quota_bytes; ALTER TABLE address DROP COLUMN quota_messages;"
      "ALTER TABLE address DROP COLUMN save_sent; ALTER TABLE address DROP COLUMN used_bytes;"
      "ALTER TABLE address DROP COLUMN used_messages; ALTER TABLE domain DROP COLUMN spf_fail;"
      "DROP TABLE blob_text_pending; DROP TABLE blob_data;"                                    // schema 6
      "ALTER TABLE queue_rcpt DROP COLUMN delay_warned;"                                       // schema 7
      "ALTER TABLE domain DROP COLUMN verified; ALTER TABLE domain DROP COLUMN verify_token;"  // schema 9
      "DROP TABLE dkim_key; DROP TABLE dns_record; DROP TABLE dns_zone;"                       // schema 10
      "ALTER TABLE domain DROP COLUMN dmarc_reject; ALTER TABLE mailbox DROP COLUMN recent_uid; DROP TABLE "
      "subscription; ALTER TABLE mailbox ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 1;"
      "DELETE FROM counter WHERE name = 'zones';"
      "DROP TABLE web_session; DROP TABLE api_token; DROP TABLE user_security; DROP TABLE emergency_code;"
      "DROP TABLE org_policy; DROP TABLE login_history;"  // schema 11
      "PRAGMA user_version = 4;";
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, downgrade.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
  reopen();
  EXPECT_EQ(used(m_address.id), (Used{320, 2}));
  EXPECT_EQ(used(m_other.id), (Used{20, 1}));
  EXPECT_TRUE(s().address(m_address.id).value().settings.save_sent);
  EXPECT_EQ(s().find_domain("q.example").value().spf_fail, SpfFailPolicy::junk);
}

TEST_F(QuotaStoreTest, DomainSpfPolicy) {
  ASSERT_TRUE(s().set_domain_spf_fail(m_domain.id, SpfFailPolicy::reject));
  EXPECT_EQ(s().find_domain("q.example").value().spf_fail, SpfFailPolicy::reject);
  EXPECT_EQ(s().list_domains(std::nullopt).value().at(0).spf_fail, SpfFailPolicy::reject);
  ASSERT_TRUE(s().set_domain_spf_fail(m_domain.id, SpfFailPolicy::junk));
  EXPECT_EQ(s().find_domain("q.example").value().spf_fail, SpfFailPolicy::junk);
  EXPECT_EQ(s().set_domain_spf_fail(999999, SpfFailPolicy::reject).error().kind, ErrorKind::not_found);
  EXPECT_EQ(parse_spf_fail_policy("Reject"), std::optional(SpfFailPolicy::reject));
  EXPECT_EQ(parse_spf_fail_policy("drop"), std::nullopt);
  EXPECT_STREQ(to_string(SpfFailPolicy::junk), "junk");
}

TEST(QuotaUsage, Fits) {
  QuotaUsage none;
  EXPECT_FALSE(none.limited());
  EXPECT_TRUE(none.fits(std::numeric_limits<std::uint64_t>::max(), 1000));

  QuotaUsage q{1000, 5, 900, 4};
  EXPECT_TRUE(q.limited());
  EXPECT_TRUE(q.fits(100, 1));                                         // exactly at both limits
  EXPECT_FALSE(q.fits(101, 1));                                        // one octet over
  EXPECT_FALSE(q.fits(1, 2));                                          // one message over
  EXPECT_FALSE(q.fits(std::numeric_limits<std::uint64_t>::max(), 0));  // no overflow
  EXPECT_TRUE(q.could_ever_fit(1000));
  EXPECT_FALSE(q.could_ever_fit(1001));

  QuotaUsage over{1000, std::nullopt, 1500, 99};  // over already (the limit was lowered)
  EXPECT_FALSE(over.fits(0, 0));
  QuotaUsage messages_only{std::nullopt, 3, 1u << 30, 2};
  EXPECT_TRUE(messages_only.fits(1u << 30, 1));
  EXPECT_FALSE(messages_only.fits(0, 2));
  EXPECT_TRUE(messages_only.could_ever_fit(std::numeric_limits<std::uint64_t>::max()));
}

}  // namespace
}  // namespace estafeta::store
