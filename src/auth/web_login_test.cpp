#include "auth/web_login.hpp"

#include <gtest/gtest.h>

#include "auth/password.hpp"
#include "auth/qr.hpp"
#include "auth/totp.hpp"
#include "core/testing.hpp"

namespace estafeta::auth {
namespace {

using Why = LoginRefusal::Why;

class WebLoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto org = m_store->create_organisation("Org").value();
    org_id = org.id;
    ana = m_store
              ->create_user({.org_id = org.id,
                             .login = "ana@one.example",
                             .display_name = "Ana",
                             .password_hash = hash_password("correct horse").value()})
              .value();
  }
  std::expected<IssuedSession, LoginRefusal> login(std::string password, std::string code = {},
                                                   std::string ip = "192.0.2.1") {
    return logins.login({.login = "ana@one.example",
                         .password = std::move(password),
                         .second_factor = std::move(code),
                         .ip = std::move(ip),
                         .user_agent = "test"});
  }
  // Enrols ana; returns the secret and the emergency codes.
  std::pair<std::string, std::vector<std::string>> enrol() {
    auto e = logins.start_enrolment(ana, "Estafeta").value();
    auto secret = base32_decode(e.secret_base32).value();
    auto codes = logins.confirm_enrolment(ana, hotp(secret, totp_step(clock.now()))).value();
    return {secret, codes};
  }
  std::string code_at(const std::string& secret, std::int64_t step) {
    return hotp(secret, static_cast<std::uint64_t>(step));
  }

  testing::TempDir m_dir{"web_login"};
  std::unique_ptr<store::Store> m_store = store::open_sqlite_store({m_dir / "db.sqlite", true}).value();
  DeviceKeyring keyring = DeviceKeyring::from_key("0123456789abcdef0123456789abcdef");
  Throttle throttle;
  ManualClock clock{1'800'000'000};
  WebLogins logins{*m_store, keyring, throttle, clock};
  store::Id org_id = 0;
  store::User ana;
};

TEST_F(WebLoginTest, PasswordLoginOpensASessionFoundByItsCookieOnly) {
  auto s = login("correct horse");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->user.id, ana.id);
  EXPECT_EQ(s->session.method, store::LoginMethod::password);
  auto caller = logins.from_cookie(s->token, "192.0.2.1");
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->user.login, "ana@one.example");
  EXPECT_FALSE(logins.from_cookie(s->token + "x", "192.0.2.1"));
  EXPECT_TRUE(logins.csrf_matches(s->token, s->csrf));
  EXPECT_FALSE(logins.csrf_matches(s->token, std::string(s->csrf.size(), '0')));
  auto stored = m_store->list_web_sessions(ana.id, clock.now()).value();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].token_hash.find(s->token), std::string::npos) << "only a hash is kept";
  ASSERT_TRUE(logins.logout(*caller));
  EXPECT_FALSE(logins.from_cookie(s->token, "192.0.2.1")) << "logged out";
}

TEST_F(WebLoginTest, SessionsEndWhenIdleAndAtTheirLifetime) {
  auto s = login("correct horse").value();
  clock.advance(kSessionIdle - 10);
  ASSERT_TRUE(logins.from_cookie(s.token, "ip"));
  clock.advance(kSessionIdle - 10);
  ASSERT_TRUE(logins.from_cookie(s.token, "ip")) << "each request moves the idle limit";
  clock.advance(kSessionIdle + 1);
  EXPECT_FALSE(logins.from_cookie(s.token, "ip")) << "idle too long";
  auto t = login("correct horse").value();
  for (std::int64_t waited = 0; waited < kSessionLifetime; waited += 3600) {
    clock.advance(3600);
    if (waited + 3600 < kSessionLifetime) {
      ASSERT_TRUE(logins.from_cookie(t.token, "ip")) << waited;
    }
  }
  EXPECT_FALSE(logins.from_cookie(t.token, "ip")) << "past its lifetime";
}

TEST_F(WebLoginTest, UnknownLoginAndWrongPasswordGetTheSameAnswer) {
  auto wrong = login("wrong horse");
  auto unknown = logins.login({.login = "nobody@one.example", .password = "correct horse", .ip = "192.0.2.9"});
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().why, Why::credentials);
  EXPECT_EQ(unknown.error().why, Why::credentials);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  auto history = m_store->login_history(ana.id, 0, 10).value();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_FALSE(history[0].success);
  EXPECT_EQ(history[0].reason, "password");
}

TEST_F(WebLoginTest, LockoutAfterTheThresholdRefusesEvenTheRightPassword) {
  auto settings = m_store->security_settings(ana.id).value();
  settings.lockout_threshold = 3;
  ASSERT_TRUE(m_store->set_security_settings(settings));
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(login("wrong", {}, "192.0.2." + std::to_string(10 + i)).error().why, Why::credentials);
  EXPECT_EQ(login("wrong", {}, "192.0.2.30").error().why, Why::locked) << "the third failure locks";
  EXPECT_EQ(login("correct horse", {}, "192.0.2.31").error().why, Why::locked);
  EXPECT_TRUE(m_store->security_settings(ana.id).value().locked_since);
  auto audit = m_store->query_audit({.org_id = org_id}).value();
  EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [](auto& e) { return e.action == "security.locked"; }));
}

TEST_F(WebLoginTest, OneIpThatKeepsFailingIsRefusedWithoutAPasswordCheck) {
  auto settings = m_store->security_settings(ana.id).value();
  settings.lockout_threshold = 100;
  ASSERT_TRUE(m_store->set_security_settings(settings));
  std::chrono::milliseconds delay{0};
  int tries = 0;
  for (; tries < 20; ++tries) {
    auto r = login("wrong", {}, "198.51.100.7");
    if (r.error().why == Why::throttled) break;
    delay = r.error().delay;
  }
  EXPECT_LT(tries, 20) << "throttled at some point";
  EXPECT_GT(delay.count(), 0) << "failures before that were held back";
  EXPECT_TRUE(login("correct horse", {}, "203.0.113.5")) << "another IP is not slowed";
}

TEST_F(WebLoginTest, SecondFactorCodesAreSingleUseAndEmergencyCodesWork) {
  auto [secret, codes] = enrol();
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(kEmergencyCodes));
  EXPECT_EQ(login("correct horse").error().why, Why::second_factor_required);
  auto step = totp_step(clock.now());
  EXPECT_EQ(login("correct horse", code_at(secret, step)).error().why, Why::second_factor_wrong)
      << "the enrolment's own code was used";
  clock.advance(kTotpStep);
  auto ok = login("correct horse", code_at(secret, step + 1));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->session.method, store::LoginMethod::password_totp);
  EXPECT_EQ(login("correct horse", code_at(secret, step + 1)).error().why, Why::second_factor_wrong) << "replay";
  auto emergency = login("correct horse", codes[3]);
  ASSERT_TRUE(emergency);
  EXPECT_EQ(emergency->session.method, store::LoginMethod::password_emergency);
  EXPECT_EQ(login("correct horse", codes[3]).error().why, Why::second_factor_wrong) << "used once";
  EXPECT_EQ(login("wrong", code_at(secret, step + 2)).error().why, Why::credentials);
}

TEST_F(WebLoginTest, EnrolmentNeedsAValidCodeAndDisablingNeedsPasswordCodeAndPolicy) {
  auto e = logins.start_enrolment(ana, "Estafeta").value();
  EXPECT_TRUE(e.uri.starts_with("otpauth://totp/Estafeta:ana%40one.example?secret=" + e.secret_base32));
  auto bad = logins.confirm_enrolment(ana, "000000");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "code");
  EXPECT_TRUE(login("correct horse")) << "not on before it is confirmed";
  auto secret = base32_decode(e.secret_base32).value();
  ASSERT_TRUE(logins.confirm_enrolment(ana, code_at(secret, totp_step(clock.now()))));
  EXPECT_EQ(logins.start_enrolment(ana, "Estafeta").error().kind, ErrorKind::exists);

  clock.advance(kTotpStep);
  auto now_code = code_at(secret, totp_step(clock.now()));
  ASSERT_TRUE(m_store->set_org_policy({.org_id = org_id, .require_2fa = true}));
  EXPECT_EQ(logins.disable_second_factor(ana, "correct horse", now_code, "ip").error().kind, ErrorKind::permission);
  ASSERT_TRUE(m_store->set_org_policy({.org_id = org_id, .require_2fa = false}));
  EXPECT_EQ(logins.disable_second_factor(ana, "wrong", now_code, "ip").error().field, "password");
  EXPECT_EQ(logins.disable_second_factor(ana, "correct horse", "123456", "ip").error().field, "code");
  ASSERT_TRUE(logins.disable_second_factor(ana, "correct horse", now_code, "ip"));
  EXPECT_TRUE(login("correct horse")) << "no second factor any more";
  EXPECT_EQ(m_store->emergency_codes_left(ana.id).value(), 0);
}

TEST_F(WebLoginTest, ConfirmingThePasswordIsThrottledAndCountsTowardsTheLockout) {
  auto settings = m_store->security_settings(ana.id).value();
  settings.lockout_threshold = 3;
  ASSERT_TRUE(m_store->set_security_settings(settings));
  EXPECT_TRUE(logins.confirm_password(ana, "correct horse", "192.0.2.5"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(logins.confirm_password(ana, "guess", "192.0.2.5").error().field, "password");
  EXPECT_EQ(login("correct horse", {}, "203.0.113.9").error().why, Why::locked) << "three wrong confirmations lock";
  int refused = 0;
  for (int i = 0; i < 20 && !refused; ++i)
    if (auto r = logins.confirm_password(ana, "guess", "192.0.2.5"); !r && r.error().kind == ErrorKind::throttled)
      ++refused;
  EXPECT_EQ(refused, 1) << "the IP is held off";
}

TEST_F(WebLoginTest, ApiTokensAreShownOnceAndStoredHashed) {
  auto s = login("correct horse").value();
  auto caller = logins.from_cookie(s.token, "ip").value();
  auto [token, clear] = logins.create_token(caller, "backup").value();
  EXPECT_TRUE(clear.starts_with("est-"));
  EXPECT_EQ(token.token_hash.find(clear), std::string::npos);
  auto by_token = logins.from_token(clear, "192.0.2.44");
  ASSERT_TRUE(by_token);
  EXPECT_EQ(by_token->user.id, ana.id);
  EXPECT_EQ(m_store->list_api_tokens(ana.id).value().at(0).last_ip, "192.0.2.44");
  EXPECT_FALSE(logins.from_token("est-nothing", "ip"));
  EXPECT_FALSE(logins.logout(*by_token)) << "a token is revoked, not logged out";
}

TEST(Qr, SvgHasTheFinderPatterns) {
  auto svg = qr_svg("otpauth://totp/Estafeta:ana%40one.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").value();
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  // The top-left finder pattern (after the quiet zone of 4): a dark row of
  // 7 modules, then a row dark only at its ends.
  for (int x = 4; x < 11; ++x) EXPECT_NE(svg.find("M" + std::to_string(x) + " 4h"), std::string::npos) << x;
  EXPECT_NE(svg.find("M4 5h"), std::string::npos);
  for (int x = 5; x < 10; ++x) EXPECT_EQ(svg.find("M" + std::to_string(x) + " 5h"), std::string::npos) << x;
  EXPECT_FALSE(qr_svg(std::string(8000, 'x'))) << "too long for a QR code";
}

}  // namespace
}  // namespace estafeta::auth
