#include <gtest/gtest.h>

#include <set>

#include "auth/device_password.hpp"
#include "auth/login.hpp"
#include "auth/password.hpp"
#include "auth/sasl.hpp"
#include "core/testing.hpp"
#include "store/store.hpp"

namespace estafeta::auth {
namespace {

TEST(Password, HashAndVerify) {
  auto h = hash_password("correct horse battery");
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password(*h, "correct horse battery"));
  EXPECT_FALSE(verify_password(*h, "correct horse batterY"));
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("garbage", "x"));
  EXPECT_NE(hash_password("correct horse battery").value(), *h) << "salted";
}

TEST(Password, Policy) {
  EXPECT_FALSE(check_password_policy("short"));
  EXPECT_TRUE(check_password_policy("long enough!"));
  EXPECT_FALSE(check_password_policy(std::string(2000, 'x')));
  EXPECT_FALSE(check_password_policy("with\nnewline!!"));
}

TEST(DevicePassword, GeneratedPasswordsAreLongAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto p = DeviceKeyring::generate();
    EXPECT_EQ(p.size(), 39u);  // 32 characters in 8 groups of 4
    EXPECT_EQ(normalise_device_password(p).size(), 32u);
    for (char c : normalise_device_password(p)) EXPECT_EQ(std::string("01il").find(c), std::string::npos);
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(DevicePassword, KeyedHash) {
  auto k1 = DeviceKeyring::from_key(std::string(32, 'a'));
  auto k2 = DeviceKeyring::from_key(std::string(32, 'b'));
  auto p = DeviceKeyring::generate();
  auto h = k1.hash(p);
  EXPECT_EQ(h.size(), 32u);
  EXPECT_NE(h, k2.hash(p)) << "the key matters";
  EXPECT_TRUE(k1.matches(h, p));
  std::string upper = p;
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(k1.matches(h, upper)) << "case and dashes do not matter";
  EXPECT_TRUE(k1.matches(h, normalise_device_password(p)));
  EXPECT_FALSE(k1.matches(h, p.substr(1)));
  EXPECT_FALSE(k2.matches(h, p));
  EXPECT_FALSE(k1.matches("short", p));
}

TEST(DevicePassword, KeyFileIsMadeOnceAndReused) {
  testing::TempDir dir("keyring");
  auto a = DeviceKeyring::load_or_create(dir / "device-key").value();
  auto b = DeviceKeyring::load_or_create(dir / "device-key").value();
  EXPECT_EQ(a.hash("same"), b.hash("same"));
  EXPECT_EQ(std::filesystem::file_size(dir / "device-key"), 32u);
  EXPECT_EQ(std::filesystem::status(dir / "device-key").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::resize_file(dir / "device-key", 5);
  EXPECT_FALSE(DeviceKeyring::load_or_create(dir / "device-key"));
}

TEST(DevicePassword, SealedSecretsOpenOnlyForTheirPurposeAndKey) {
  auto k1 = DeviceKeyring::from_key(std::string(32, 'a'));
  auto k2 = DeviceKeyring::from_key(std::string(32, 'b'));
  std::string secret = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI...\n";
  auto sealed = k1.seal(secret, "dkim");
  EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE(k1.seal(secret, "dkim"), sealed);  // a fresh nonce each time
  EXPECT_EQ(k1.open(sealed, "dkim").value(), secret);
  EXPECT_FALSE(k1.open(sealed, "other"));
  EXPECT_FALSE(k2.open(sealed, "dkim"));
  auto changed = sealed;
  changed[changed.size() / 2] ^= 1;
  EXPECT_FALSE(k1.open(changed, "dkim"));
  EXPECT_FALSE(k1.open(sealed.substr(0, 20), "dkim"));
  EXPECT_FALSE(k1.open("", "dkim"));
  EXPECT_EQ(k1.open(k1.seal("", "dkim"), "dkim").value(), "");
}

class LoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = store::open_sqlite_store({m_dir / "db", true}).value();
    auto org = m_store->create_organisation("O").value();
    m_user =
        m_store->create_user({.org_id = org.id, .login = "ana", .display_name = "Ana", .role = store::Role::member})
            .value();
    m_service = m_store->create_service(org.id, "s").value();
    auto dom = m_store->add_domain(m_service.id, "o.example", "").value();
    m_addr = m_store->create_address(dom.id, "team").value();
    m_access = m_store->grant_access(m_addr.id, m_user.id, true).value();
  }
  store::DevicePassword add_device(const std::string& label, std::string& password) {
    password = DeviceKeyring::generate();
    return m_store->create_device_password(m_access.id, label, m_keyring.hash(password)).value();
  }
  testing::TempDir m_dir{"login"};
  std::unique_ptr<store::Store> m_store;
  DeviceKeyring m_keyring = DeviceKeyring::from_key(std::string(32, 'k'));
  store::User m_user;
  store::MailService m_service;
  store::Address m_addr;
  store::Access m_access;
};

TEST_F(LoginTest, EachDeviceLogsInAloneAndIsRecorded) {
  std::string phone, laptop;
  auto dp = add_device("phone", phone);
  auto dl = add_device("laptop", laptop);
  ASSERT_TRUE(m_store->set_user_password_hash(m_user.id, "$argon2id$stand-in"));
  auto who = authenticate_device(*m_store, m_keyring, "Team@o.example", laptop, "198.51.100.4", 1234);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->device.id, dl.id);
  EXPECT_EQ(who->user.login, "ana");
  EXPECT_EQ(who->device.hash, "") << "the session is not handed the device password's hash";
  EXPECT_EQ(who->user.password_hash, "") << "nor the account password's";
  EXPECT_EQ(m_store->device_password(dl.id).value().last_ip, "198.51.100.4");
  EXPECT_EQ(m_store->device_password(dl.id).value().last_used, 1234);
  EXPECT_FALSE(m_store->device_password(dp.id).value().last_used);

  ASSERT_TRUE(m_store->revoke_device_password(dp.id));
  auto revoked = authenticate_device(*m_store, m_keyring, "team@o.example", phone, "ip", 1);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().message, kLoginFailed);
  EXPECT_TRUE(authenticate_device(*m_store, m_keyring, "team@o.example", laptop, "ip", 2)) << "others unaffected";
}

TEST_F(LoginTest, FailuresLookAlike) {
  std::string pw;
  add_device("phone", pw);
  auto wrong = authenticate_device(*m_store, m_keyring, "team@o.example", "nope", "ip", 1);
  auto unknown = authenticate_device(*m_store, m_keyring, "nobody@o.example", pw, "ip", 1);
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().kind, unknown.error().kind);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  auto other_key = DeviceKeyring::from_key(std::string(32, 'z'));
  EXPECT_FALSE(authenticate_device(*m_store, other_key, "team@o.example", pw, "ip", 1));
}

TEST_F(LoginTest, LockedServiceRefuses) {
  std::string pw;
  add_device("phone", pw);
  ASSERT_TRUE(m_store->set_service_locked(m_service.id, true));
  auto r = authenticate_device(*m_store, m_keyring, "team@o.example", pw, "ip", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::in_use);
  EXPECT_NE(r.error().message.find("locked"), std::string::npos);
}

// --- SASL

TEST(Sasl, Base64AndPlainMessages) {
  using namespace std::string_literals;
  EXPECT_EQ(base64_encode("\0ana@x\0pw"s), "AGFuYUB4AHB3");
  EXPECT_EQ(base64_decode("AGFuYUB4AHB3").value(), "\0ana@x\0pw"s);
  EXPECT_FALSE(base64_decode("AGFuYUB4AHB3!")) << "trailing garbage";
  EXPECT_FALSE(base64_decode("A")) << "truncated";
  auto c = decode_plain(base64_encode("boss\0ana@x\0pw"s)).value();
  EXPECT_EQ(c.authzid, "boss");
  EXPECT_EQ(c.authcid, "ana@x");
  EXPECT_EQ(c.password, "pw");
  EXPECT_FALSE(decode_plain(base64_encode("no separators")));
  EXPECT_FALSE(decode_plain(base64_encode("a\0b\0c\0d"s))) << "three NULs";
}

TEST(Sasl, PlainWithAndWithoutInitialResponse) {
  using namespace std::string_literals;
  using K = SaslExchange::Step::Kind;
  EXPECT_EQ(SaslExchange::named("plain"), SaslExchange::Mechanism::plain);
  EXPECT_EQ(SaslExchange::named("LoGiN"), SaslExchange::Mechanism::login);
  EXPECT_FALSE(SaslExchange::named("CRAM-MD5"));

  auto good = base64_encode("\0ana@x\0secret"s);
  SaslExchange ir(SaslExchange::Mechanism::plain);
  auto done = ir.start(good);
  EXPECT_EQ(done.kind, K::credentials);
  EXPECT_EQ(done.address, "ana@x");
  EXPECT_EQ(done.password, "secret");

  SaslExchange asked(SaslExchange::Mechanism::plain);
  auto first = asked.start(std::nullopt);
  EXPECT_EQ(first.kind, K::challenge);
  EXPECT_EQ(first.challenge, "") << "PLAIN's challenge is empty";
  EXPECT_EQ(asked.next(good + "\r\n").kind, K::credentials);

  // The identity check applies however the message arrives.
  auto as_other = base64_encode("boss@x\0ana@x\0secret"s);
  EXPECT_EQ(SaslExchange(SaslExchange::Mechanism::plain).start(as_other).kind, K::other_identity);
  SaslExchange later(SaslExchange::Mechanism::plain);
  later.start(std::nullopt);
  EXPECT_EQ(later.next(as_other).kind, K::other_identity);
  auto same = base64_encode("ana@x\0ana@x\0secret"s);
  EXPECT_EQ(SaslExchange(SaslExchange::Mechanism::plain).start(same).kind, K::credentials);

  EXPECT_EQ(SaslExchange(SaslExchange::Mechanism::plain).start("=").kind, K::malformed) << "empty is not a message";
  SaslExchange cancel(SaslExchange::Mechanism::plain);
  cancel.start(std::nullopt);
  EXPECT_EQ(cancel.next("*\r\n").kind, K::cancelled);
}

TEST(Sasl, LoginAsksForUserThenPassword) {
  using K = SaslExchange::Step::Kind;
  SaslExchange x(SaslExchange::Mechanism::login);
  auto s1 = x.start(std::nullopt);
  EXPECT_EQ(s1.kind, K::challenge);
  EXPECT_EQ(s1.challenge, kLoginUserPrompt);
  auto s2 = x.next(base64_encode("ana@x") + "\r\n");
  EXPECT_EQ(s2.kind, K::challenge);
  EXPECT_EQ(s2.challenge, kLoginPasswordPrompt);
  auto s3 = x.next(base64_encode("secret"));
  EXPECT_EQ(s3.kind, K::credentials);
  EXPECT_EQ(s3.address, "ana@x");
  EXPECT_EQ(s3.password, "secret");

  SaslExchange ir(SaslExchange::Mechanism::login);
  auto p = ir.start(base64_encode("ana@x"));
  EXPECT_EQ(p.challenge, kLoginPasswordPrompt) << "an initial response is the user name";
  EXPECT_EQ(ir.next(base64_encode("pw")).address, "ana@x");

  SaslExchange bad(SaslExchange::Mechanism::login);
  bad.start(std::nullopt);
  auto b = bad.next("not base64!");
  EXPECT_EQ(b.kind, K::malformed);
  EXPECT_EQ(b.error, "invalid base64");
}

// No address or device password holds a NUL or a line end (found by the
// SASL fuzzer: LOGIN passed a NUL in the user name on to the lookup).
TEST(Sasl, CredentialsWithNulOrLineEndsAreMalformed) {
  using K = SaslExchange::Step::Kind;
  for (std::string user : {std::string("ana\0x", 5), std::string("ana\r\nx")}) {
    SaslExchange login(SaslExchange::Mechanism::login);
    login.start(std::nullopt);
    EXPECT_EQ(login.next(base64_encode(user)).kind, K::malformed);
    SaslExchange pw(SaslExchange::Mechanism::login);
    pw.start(base64_encode("ana@x"));
    EXPECT_EQ(pw.next(base64_encode("pa\nss")).kind, K::malformed);
  }
  EXPECT_EQ(SaslExchange(SaslExchange::Mechanism::plain).start(base64_encode(std::string("\0ana\r\n@x\0pw", 11))).kind,
            K::malformed);
  EXPECT_EQ(SaslExchange(SaslExchange::Mechanism::plain).start(base64_encode(std::string("\0ana@x\0pw", 9))).kind,
            K::credentials);
}

}  // namespace
}  // namespace estafeta::auth
