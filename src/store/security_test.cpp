#include <gtest/gtest.h>

#include "core/testing.hpp"
#include "store/store.hpp"

namespace estafeta::store {
namespace {

class SecurityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = open_sqlite_store({m_dir / "db.sqlite", true}).value();
    auto org = s().create_organisation("Org").value();
    org_id = org.id;
    ana = s().create_user({.org_id = org.id, .login = "ana@one.example", .display_name = "Ana"}).value().id;
    bea = s().create_user({.org_id = org.id, .login = "bea@one.example", .display_name = "Bea"}).value().id;
  }
  Store& s() { return *m_store; }
  WebSession session(Id user, std::string hash, Time expires) {
    return {.user_id = user,
            .token_hash = std::move(hash),
            .ip = "127.0.0.1",
            .user_agent = "test",
            .created = 100,
            .last_seen = 100,
            .expires = expires};
  }

  testing::TempDir m_dir{"security"};
  std::unique_ptr<Store> m_store;
  Id org_id = 0, ana = 0, bea = 0;
};

TEST_F(SecurityStoreTest, SessionsAreFoundByHashUntilTheyExpireAndOnlyTheirUserEndsThem) {
  auto a = s().create_web_session(session(ana, std::string("\x01\x00hash-a", 8), 1000)).value();
  auto b = s().create_web_session(session(bea, "hash-b", 1000)).value();
  EXPECT_EQ(s().find_web_session(std::string("\x01\x00hash-a", 8), 999).value().user_id, ana) << "binary hashes";
  EXPECT_EQ(s().find_web_session(std::string("\x01\x00hash-a", 8), 1000).error().kind, ErrorKind::not_found)
      << "expired";
  EXPECT_EQ(s().create_web_session(session(bea, "hash-b", 1000)).error().kind, ErrorKind::exists);
  EXPECT_EQ(s().delete_web_session(ana, b.id).error().kind, ErrorKind::not_found) << "another user's session";
  EXPECT_TRUE(s().find_web_session("hash-b", 10));
  ASSERT_TRUE(s().touch_web_session(a.id, 500));
  EXPECT_EQ(s().list_web_sessions(ana, 10).value().at(0).last_seen, 500);
  s().create_web_session(session(ana, "hash-a2", 1000)).value();
  EXPECT_EQ(s().delete_web_sessions(ana, a.id).value(), 1) << "all others";
  EXPECT_EQ(s().list_web_sessions(ana, 10).value().size(), 1u);
  EXPECT_TRUE(s().delete_web_session(ana, a.id));
  EXPECT_EQ(s().list_web_sessions(bea, 10).value().size(), 1u);
}

TEST_F(SecurityStoreTest, TokensBelongToTheirUser) {
  auto t = s().create_api_token({.user_id = ana, .label = "backup script", .token_hash = "th", .created = 5}).value();
  EXPECT_EQ(s().find_api_token("th").value().id, t.id);
  ASSERT_TRUE(s().touch_api_token(t.id, 9, "192.0.2.7"));
  auto listed = s().list_api_tokens(ana).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].last_ip, "192.0.2.7");
  EXPECT_TRUE(s().list_api_tokens(bea).value().empty());
  EXPECT_EQ(s().delete_api_token(bea, t.id).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(s().delete_api_token(ana, t.id));
  EXPECT_EQ(s().find_api_token("th").error().kind, ErrorKind::not_found);
}

TEST_F(SecurityStoreTest, SettingsDefaultAndRoundTrip) {
  auto d = s().security_settings(ana).value();
  EXPECT_EQ(d.lockout_threshold, 10);
  EXPECT_TRUE(d.totp_sealed.empty());
  d.totp_sealed = std::string("sealed\0secret", 13);
  d.totp_last_step = 42;
  d.failed_logins = 3;
  d.locked_since = 77;
  d.alert_on_failure = true;
  d.language = "en";
  ASSERT_TRUE(s().set_security_settings(d));
  auto back = s().security_settings(ana).value();
  EXPECT_EQ(back.totp_sealed, d.totp_sealed);
  EXPECT_EQ(back.totp_last_step, 42);
  EXPECT_EQ(back.locked_since, 77);
  EXPECT_TRUE(back.alert_on_failure);
  EXPECT_EQ(back.language, "en");
  d.language = "fr";
  EXPECT_FALSE(s().set_security_settings(d)) << "languages are es and en";
  EXPECT_EQ(s().security_settings(bea).value().failed_logins, 0);
}

TEST_F(SecurityStoreTest, EmergencyCodesAreSingleUse) {
  ASSERT_TRUE(s().set_emergency_codes(ana, {"c1", "c2"}));
  EXPECT_EQ(s().emergency_codes_left(ana).value(), 2);
  EXPECT_FALSE(s().use_emergency_code(bea, "c1").value()) << "another user's code";
  EXPECT_TRUE(s().use_emergency_code(ana, "c1").value());
  EXPECT_FALSE(s().use_emergency_code(ana, "c1").value()) << "used";
  EXPECT_EQ(s().emergency_codes_left(ana).value(), 1);
  ASSERT_TRUE(s().set_emergency_codes(ana, {"c3"}));
  EXPECT_FALSE(s().use_emergency_code(ana, "c2").value()) << "replaced";
}

TEST_F(SecurityStoreTest, PolicyAndHistory) {
  EXPECT_FALSE(s().org_policy(org_id).value().require_2fa);
  ASSERT_TRUE(s().set_org_policy({.org_id = org_id, .require_2fa = true, .min_lockout_threshold = 5}));
  EXPECT_EQ(s().org_policy(org_id).value().min_lockout_threshold, 5);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(s().record_login({.user_id = ana, .time = 100 + i, .ip = "127.0.0.1", .success = i % 2 == 0}));
  ASSERT_TRUE(s().record_login({.user_id = bea, .time = 50, .ip = "127.0.0.1", .success = true}));
  auto page = s().login_history(ana, 0, 3).value();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].time, 104) << "newest first";
  auto next = s().login_history(ana, page.back().id, 3).value();
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next.back().time, 100);
  ASSERT_TRUE(s().prune_login_history(102));
  EXPECT_EQ(s().login_history(ana, 0, 10).value().size(), 3u);
  EXPECT_TRUE(s().login_history(bea, 0, 10).value().empty()) << "older than 102";
}

TEST_F(SecurityStoreTest, DeletingAUserTakesItsSecurityRows) {
  s().create_web_session(session(ana, "h", 1000)).value();
  s().create_api_token({.user_id = ana, .label = "x", .token_hash = "t", .created = 1}).value();
  ASSERT_TRUE(s().set_emergency_codes(ana, {"c"}));
  ASSERT_TRUE(s().delete_user(ana));
  EXPECT_EQ(s().find_web_session("h", 1).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().find_api_token("t").error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace estafeta::store
