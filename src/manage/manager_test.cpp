#include "manage/manager.hpp"

#include <algorithm>
#include <ctime>

#include <gtest/gtest.h>

#include "core/testing.hpp"

namespace estafeta::manage {
namespace {

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = store::open_sqlite_store({m_dir / "db", true}).value();
    m_mgr = std::make_unique<Manager>(*m_store, m_keyring, m_bus, m_clock);
    m_sub = m_bus.subscribe([this](const Event& e) { m_events.push_back(e); });
    // Two organisations, each with an admin, a service, a domain and an address.
    for (auto [org, dom] : {std::pair{"Acme", "acme.example"}, std::pair{"Beta", "beta.example"}}) {
      ASSERT_TRUE(m_mgr->create_organisation(op, org));
      auto admin = std::string("admin@") + dom;
      ASSERT_TRUE(m_mgr->create_user(op, org, admin, "Admin", store::Role::admin, ""));
      ASSERT_TRUE(m_mgr->create_service(op, org, std::string("svc-") + org));
      ASSERT_TRUE(m_mgr->add_domain(op, std::string("svc-") + org, dom));
      ASSERT_TRUE(m_mgr->create_address(op, std::string("info@") + dom));
    }
  }
  Actor as(const std::string& login) {
    Actor a;
    a.user = m_store->find_user(login).value();
    a.product = "console";
    a.ip = "203.0.113.9";
    return a;
  }

  const Actor op = Actor::operator_cli();
  testing::TempDir m_dir{"manage"};
  auth::DeviceKeyring m_keyring = auth::DeviceKeyring::from_key(std::string(32, 'k'));
  EventBus m_bus;
  ManualClock m_clock{1800000000};
  std::unique_ptr<store::Store> m_store;
  std::unique_ptr<Manager> m_mgr;
  std::vector<Event> m_events;
  EventBus::Subscription m_sub;
};

TEST_F(ManagerTest, OperatorOnlyForOrganisations) {
  auto admin = as("admin@acme.example");
  EXPECT_EQ(m_mgr->create_organisation(admin, "Mine").error().kind, ErrorKind::permission);
  EXPECT_EQ(m_mgr->delete_organisation(admin, "Beta").error().kind, ErrorKind::permission);
  auto visible = m_mgr->list_organisations(admin).value();
  ASSERT_EQ(visible.size(), 1u);
  EXPECT_EQ(visible[0].name, "Acme");
  EXPECT_EQ(m_mgr->list_organisations(op).value().size(), 2u);
}

TEST_F(ManagerTest, AnOrganisationNeverSeesAnother) {
  auto acme = as("admin@acme.example");
  EXPECT_EQ(m_mgr->create_user(acme, "Beta", "x", "X", store::Role::member, "").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->create_address(acme, "sales@beta.example").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->list_access(acme, "info@beta.example").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->delete_address(acme, "info@beta.example").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->delete_user(acme, "admin@beta.example").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->set_service_locked(acme, "svc-Beta", true).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->remove_domain(acme, "beta.example").error().kind, ErrorKind::not_found);
  auto users = m_mgr->list_users(acme, std::nullopt).value();
  for (auto& u : users) EXPECT_EQ(u.login.find("beta"), std::string::npos);
  auto addresses = m_mgr->list_addresses(acme, std::nullopt).value();
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(addresses[0].address, "info@acme.example");
  EXPECT_EQ(m_mgr->list_domains(acme, std::nullopt).value().size(), 1u);
  // Even the operator cannot link a user to another organisation's address.
  auto cross = m_mgr->grant_access(op, "info@beta.example", "admin@acme.example", true);
  ASSERT_FALSE(cross);
  EXPECT_EQ(cross.error().kind, ErrorKind::invalid);
}

TEST_F(ManagerTest, MembersCannotManage) {
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "bob", "Bob", store::Role::member, ""));
  auto bob = as("bob");
  EXPECT_EQ(m_mgr->create_address(bob, "x@acme.example").error().kind, ErrorKind::permission);
  EXPECT_EQ(m_mgr->grant_access(bob, "info@acme.example", "bob", true).error().kind, ErrorKind::permission);
  auto legal = m_mgr->create_user(op, "Acme", "lea", "Lea", store::Role::legal, "");
  ASSERT_TRUE(legal);
  EXPECT_TRUE(m_mgr->create_address(as("lea"), "x@acme.example")) << "legal representatives manage too";
}

TEST_F(ManagerTest, LoginAddressesAreNotShared) {
  // admin@acme.example is a login; make it an address too.
  ASSERT_TRUE(m_mgr->create_address(op, "admin@acme.example"));
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "bob", "Bob", store::Role::member, ""));
  ASSERT_TRUE(m_mgr->grant_access(op, "admin@acme.example", "admin@acme.example", true)) << "its owner may use it";
  auto shared = m_mgr->grant_access(op, "admin@acme.example", "bob", true);
  ASSERT_FALSE(shared);
  EXPECT_NE(shared.error().message.find("login identifier"), std::string::npos);
  // And the other way: a shared address cannot become someone's login.
  ASSERT_TRUE(m_mgr->grant_access(op, "info@acme.example", "bob", true));
  auto login = m_mgr->create_user(op, "Acme", "info@acme.example", "Info", store::Role::member, "");
  ASSERT_FALSE(login);
  EXPECT_NE(login.error().message.find("shared"), std::string::npos);
}

TEST_F(ManagerTest, DevicePasswordsAndRevocation) {
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "bob", "Bob", store::Role::member, ""));
  EXPECT_EQ(m_mgr->create_device_password(op, "info@acme.example", "bob", "phone").error().kind, ErrorKind::not_found)
      << "no access yet";
  ASSERT_TRUE(m_mgr->grant_access(op, "info@acme.example", "bob", false));
  auto phone = m_mgr->create_device_password(op, "info@acme.example", "bob", "phone").value();
  auto laptop = m_mgr->create_device_password(as("bob"), "info@acme.example", "bob", "laptop").value();
  EXPECT_NE(phone.password, laptop.password);
  EXPECT_TRUE(m_keyring.matches(phone.device.hash, phone.password));
  EXPECT_EQ(phone.device.hash.find(phone.password), std::string::npos);
  EXPECT_EQ(m_mgr->create_device_password(op, "info@acme.example", "bob", "").error().kind, ErrorKind::invalid);

  m_events.clear();
  ASSERT_TRUE(m_mgr->revoke_device_password(as("bob"), phone.device.id)) << "users revoke their own";
  ASSERT_EQ(m_events.size(), 1u);
  EXPECT_EQ(m_events[0].kind, EventKind::device_revoked);
  EXPECT_EQ(m_events[0].device_password_id, phone.device.id);
  EXPECT_EQ(m_mgr->revoke_device_password(as("admin@beta.example"), laptop.device.id).error().kind,
            ErrorKind::not_found);

  auto views = m_mgr->list_device_passwords(op, "info@acme.example", std::string("bob")).value();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_TRUE(views[0].device.revoked);
  EXPECT_FALSE(views[1].device.revoked);

  // Disconnect all devices: the access stays.
  m_events.clear();
  EXPECT_EQ(m_mgr->revoke_access(op, "info@acme.example", "bob", true).value(), 1);
  ASSERT_EQ(m_events.size(), 1u);
  EXPECT_EQ(m_events[0].kind, EventKind::access_revoked);
  auto list = m_mgr->list_access(op, "info@acme.example").value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].live_devices, 0);
  // Remove all access: the link is gone.
  ASSERT_TRUE(m_mgr->revoke_access(op, "info@acme.example", "bob", false));
  EXPECT_TRUE(m_mgr->list_access(op, "info@acme.example").value().empty());
  EXPECT_EQ(m_mgr->revoke_access(op, "info@acme.example", "bob", false).error().kind, ErrorKind::not_found);
}

TEST_F(ManagerTest, LastAccountAndLastAdminStay) {
  EXPECT_EQ(m_mgr->delete_user(op, "admin@acme.example").error().kind, ErrorKind::in_use);
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "bob", "Bob", store::Role::member, ""));
  auto last_admin = m_mgr->delete_user(op, "admin@acme.example");
  ASSERT_FALSE(last_admin);
  EXPECT_NE(last_admin.error().message.find("administrator"), std::string::npos);
  ASSERT_TRUE(m_mgr->delete_user(op, "bob"));
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "lea", "Lea", store::Role::admin, ""));
  EXPECT_TRUE(m_mgr->delete_user(op, "admin@acme.example"));
}

TEST_F(ManagerTest, Validation) {
  EXPECT_FALSE(m_mgr->add_domain(op, "svc-Acme", "no_underscore.example"));
  EXPECT_FALSE(m_mgr->add_domain(op, "svc-Acme", "single"));
  EXPECT_FALSE(m_mgr->add_domain(op, "svc-Acme", "-dash.example"));
  EXPECT_FALSE(m_mgr->add_domain(op, "svc-Acme", std::string(64, 'a') + ".example"));
  auto upper = m_mgr->add_domain(op, "svc-Acme", "Second.Example.");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->name, "second.example");
  EXPECT_FALSE(m_mgr->create_address(op, "no-at-sign"));
  EXPECT_FALSE(m_mgr->create_address(op, "two..dots@acme.example"));
  EXPECT_FALSE(m_mgr->create_address(op, "sp ace@acme.example"));
  EXPECT_FALSE(m_mgr->create_address(op, std::string(65, 'a') + "@acme.example"));
  auto nodomain = m_mgr->create_address(op, "a@unknown.example");
  ASSERT_FALSE(nodomain);
  EXPECT_NE(nodomain.error().message.find("add it first"), std::string::npos);
  EXPECT_TRUE(m_mgr->create_address(op, "first.last+tag@acme.example"));
  EXPECT_FALSE(m_mgr->create_user(op, "Acme", "has space", "X", store::Role::member, ""));
  EXPECT_FALSE(m_mgr->create_user(op, "Acme", "short-pw", "X", store::Role::member, "short"));
  auto withpw = m_mgr->create_user(op, "Acme", "pw", "X", store::Role::member, "long enough password");
  ASSERT_TRUE(withpw);
  EXPECT_TRUE(withpw->password_hash.starts_with("$argon2id$"));
}

TEST_F(ManagerTest, EveryActionIsAudited) {
  ASSERT_TRUE(m_mgr->set_service_locked(as("admin@acme.example"), "svc-Acme", true));
  store::AuditQuery q;
  q.action_prefix = "service.lock";
  auto entries = m_store->query_audit(q).value();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "admin@acme.example");
  EXPECT_EQ(entries[0].ip, "203.0.113.9");
  EXPECT_EQ(entries[0].product, "console");
  EXPECT_EQ(entries[0].time, 1800000000);
  EXPECT_EQ(entries[0].target, "svc-Acme");
  ASSERT_FALSE(m_events.empty());
  EXPECT_EQ(m_events.back().kind, EventKind::service_locked);
  store::AuditQuery all;
  all.limit = 1000;
  EXPECT_GE(m_store->query_audit(all).value().size(), 11u);  // the set-up: 2 × 5 actions, plus the lock
}

}  // namespace
}  // namespace estafeta::manage

namespace estafeta::manage {
namespace {

TEST_F(ManagerTest, TraceIsForAdminsAndUsersOfTheAddress) {
  auto a = m_store->find_address("info@acme.example").value();
  ASSERT_TRUE(m_store->append_trace({.address_id = a.id,
                                     .queue_id = "Q1",
                                     .direction = store::TraceDirection::in,
                                     .sender = "x@far.example",
                                     .recipient = "info@acme.example",
                                     .status = store::TraceStatus::delivered,
                                     .remote_host = "mx",
                                     .time = 1000}));
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "bob", "Bob", store::Role::member, ""));
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "eve", "Eve", store::Role::member, ""));
  ASSERT_TRUE(m_mgr->grant_access(op, "info@acme.example", "bob", false));
  EXPECT_EQ(m_mgr->trace(as("admin@acme.example"), "info@acme.example", 0, 10).value().size(), 1u);
  EXPECT_EQ(m_mgr->trace(as("bob"), "info@acme.example", 0, 10).value().size(), 1u) << "a user of the address";
  EXPECT_EQ(m_mgr->trace(as("eve"), "info@acme.example", 0, 10).error().kind, ErrorKind::permission);
  EXPECT_EQ(m_mgr->trace(as("admin@beta.example"), "info@acme.example", 0, 10).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(m_mgr->trace(op, "info@acme.example", 2000, 10).value().empty()) << "since";
}

}  // namespace
}  // namespace estafeta::manage

namespace estafeta::manage {
namespace {

TEST_F(ManagerTest, AddressSettingsAreForAdminsAndAudited) {
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "bob", "Bob", store::Role::member, ""));
  ASSERT_TRUE(m_mgr->grant_access(op, "info@acme.example", "bob", false));
  AddressChange quota;
  quota.quota_bytes = std::optional<std::uint64_t>(500u << 20);
  quota.quota_messages = std::optional<std::uint64_t>(1000);
  EXPECT_EQ(m_mgr->update_address(as("bob"), "info@acme.example", quota).error().kind, ErrorKind::permission)
      << "a user of the address is not its administrator";
  EXPECT_EQ(m_mgr->update_address(as("admin@beta.example"), "info@acme.example", quota).error().kind,
            ErrorKind::not_found);
  auto a = m_mgr->update_address(as("admin@acme.example"), "info@acme.example", quota);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->settings.quota_bytes, std::optional<std::uint64_t>(500u << 20));
  EXPECT_TRUE(a->settings.save_sent);
  // Fields left out stay; an empty inner value lifts a limit.
  AddressChange more;
  more.save_sent = false;
  more.quota_messages = std::optional<std::uint64_t>();
  ASSERT_TRUE(m_mgr->update_address(op, "INFO@acme.example", more));
  auto shown = m_mgr->show_address(as("bob"), "info@acme.example");
  ASSERT_TRUE(shown) << "users of the address see its quota";
  EXPECT_EQ(shown->address.settings, (store::AddressSettings{500u << 20, std::nullopt, false}));
  EXPECT_EQ(shown->usage.limit_bytes, std::optional<std::uint64_t>(500u << 20));
  EXPECT_EQ(shown->usage.bytes, 0u);
  EXPECT_EQ(m_mgr->show_address(as("admin@beta.example"), "info@acme.example").error().kind, ErrorKind::not_found);
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "eve", "Eve", store::Role::member, ""));
  EXPECT_EQ(m_mgr->show_address(as("eve"), "info@acme.example").error().kind, ErrorKind::permission);
  EXPECT_EQ(m_mgr->update_address(op, "info@acme.example", AddressChange{}).error().kind, ErrorKind::invalid);

  store::AuditQuery q;
  q.action_prefix = "address.update";
  auto entries = m_store->query_audit(q).value();
  ASSERT_EQ(entries.size(), 2u);
  std::vector<std::string> details{entries[0].detail, entries[1].detail};
  std::sort(details.begin(), details.end());
  EXPECT_EQ(details[0], "quota_bytes=524288000 quota_messages=1000 save_sent=true");
  EXPECT_EQ(details[1], "quota_bytes=524288000 quota_messages=none save_sent=false");
}

TEST_F(ManagerTest, DomainSpfPolicyIsForAdminsAndAudited) {
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "bob", "Bob", store::Role::member, ""));
  EXPECT_EQ(m_mgr->set_domain_spf_fail(as("bob"), "acme.example", store::SpfFailPolicy::reject).error().kind,
            ErrorKind::permission);
  EXPECT_EQ(
      m_mgr->set_domain_spf_fail(as("admin@beta.example"), "acme.example", store::SpfFailPolicy::reject).error().kind,
      ErrorKind::not_found);
  auto d = m_mgr->set_domain_spf_fail(as("admin@acme.example"), "ACME.example.", store::SpfFailPolicy::reject);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->spf_fail, store::SpfFailPolicy::reject);
  EXPECT_EQ(m_store->find_domain("acme.example").value().spf_fail, store::SpfFailPolicy::reject);
  EXPECT_EQ(m_store->find_domain("beta.example").value().spf_fail, store::SpfFailPolicy::junk);
  store::AuditQuery q;
  q.action_prefix = "domain.update";
  auto entries = m_store->query_audit(q).value();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].target, "acme.example");
  EXPECT_EQ(entries[0].detail, "spf_fail=reject");
}

TEST(QuotaText, SizesCountsAndNone) {
  using L = std::optional<std::uint64_t>;
  EXPECT_EQ(parse_size_limit("1000").value(), L(1000));
  EXPECT_EQ(parse_size_limit("500M").value(), L(500ull << 20));
  EXPECT_EQ(parse_size_limit("500m").value(), L(500ull << 20));
  EXPECT_EQ(parse_size_limit("2GiB").value(), L(2ull << 30));
  EXPECT_EQ(parse_size_limit("10kb").value(), L(10240));
  EXPECT_EQ(parse_size_limit("1T").value(), L(1ull << 40));
  EXPECT_EQ(parse_size_limit("0").value(), L(0));
  EXPECT_EQ(parse_size_limit("none").value(), L());
  EXPECT_EQ(parse_size_limit("Unlimited").value(), L());
  for (auto bad : {"", "M", "-1", "1.5G", "5X", "5MBs", "10 M", "99999999999999999999", "9999999999T"})
    EXPECT_EQ(parse_size_limit(bad).error().kind, ErrorKind::invalid) << bad;
  EXPECT_EQ(parse_count_limit("25").value(), L(25));
  EXPECT_EQ(parse_count_limit("none").value(), L());
  for (auto bad : {"", "5k", "-3", "x"}) EXPECT_EQ(parse_count_limit(bad).error().kind, ErrorKind::invalid) << bad;
  EXPECT_EQ(format_size(812), "812 bytes");
  EXPECT_EQ(format_size(500ull << 20), "500 MiB");
  EXPECT_EQ(format_size(3ull << 29), "1.5 GiB");
  EXPECT_EQ(format_size(20480), "20 KiB");
}

}  // namespace
}  // namespace estafeta::manage

namespace estafeta::manage {
namespace {

// A domain claimed by an organisation's admin is pending until its DNS shows
// the token (or an operator approves it); a pending domain has no addresses.
TEST_F(ManagerTest, DomainClaimsNeedProofOfControl) {
  auto evil = as("admin@beta.example");
  auto claim = m_mgr->add_domain(evil, "svc-Beta", "Partner.Test.");
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_FALSE(claim->verified);
  EXPECT_EQ(claim->verify_token.size(), 32u) << "128 random bits, hex";
  EXPECT_FALSE(m_store->find_domain("partner.test").value().verified);
  auto refused = m_mgr->create_address(evil, "bob@partner.test");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("_estafeta.partner.test"), std::string::npos) << refused.error().message;
  EXPECT_EQ(m_mgr->approve_domain(evil, "partner.test").error().kind, ErrorKind::permission) << "operators only";

  dns::StaticResolver dns;
  auto not_yet = m_mgr->verify_domain(evil, "partner.test", dns);
  ASSERT_FALSE(not_yet);
  EXPECT_EQ(not_yet.error().kind, ErrorKind::invalid);
  dns.add_txt("_estafeta.partner.test", "estafeta-verify=" + std::string(32, '0'));
  EXPECT_FALSE(m_mgr->verify_domain(evil, "partner.test", dns)) << "another token proves nothing";
  dns.add_txt("_estafeta.partner.test", verification_value(claim->verify_token));
  EXPECT_EQ(m_mgr->verify_domain(as("admin@acme.example"), "partner.test", dns).error().kind, ErrorKind::not_found)
      << "only the claiming organisation verifies its claim";
  auto verified = m_mgr->verify_domain(evil, "partner.test", dns);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->verified);
  EXPECT_TRUE(m_store->find_domain("partner.test").value().verified);
  EXPECT_TRUE(m_mgr->create_address(evil, "bob@partner.test"));
}

TEST_F(ManagerTest, OperatorsAddOrApproveDomains) {
  EXPECT_TRUE(m_mgr->add_domain(op, "svc-Acme", "second.example").value().verified);
  ASSERT_TRUE(m_mgr->add_domain(as("admin@acme.example"), "svc-Acme", "third.example"));
  ASSERT_TRUE(m_mgr->approve_domain(op, "third.example"));
  EXPECT_TRUE(m_store->find_domain("third.example").value().verified);
}

TEST_F(ManagerTest, AStalePendingClaimGivesWay) {
  // The store stamps rows with the system's time: a clock that starts there.
  ManualClock clock{static_cast<std::int64_t>(std::time(nullptr))};
  Manager mgr(*m_store, m_keyring, m_bus, clock);
  ASSERT_TRUE(mgr.add_domain(as("admin@beta.example"), "svc-Beta", "squat.example"));
  auto early = mgr.add_domain(as("admin@acme.example"), "svc-Acme", "squat.example");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().kind, ErrorKind::exists);
  clock.advance(kClaimLifetime + 60);
  auto taken = mgr.add_domain(as("admin@acme.example"), "svc-Acme", "squat.example");
  ASSERT_TRUE(taken) << taken.error().message;
  auto acme = m_store->find_service("svc-Acme").value();
  EXPECT_EQ(m_store->find_domain("squat.example").value().service_id, acme.id);
}

TEST_F(ManagerTest, NoLoginInsideAnotherOrganisationsDomain) {
  auto r = m_mgr->create_user(as("admin@acme.example"), "Acme", "ceo@beta.example", "CEO", store::Role::member, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  EXPECT_FALSE(m_mgr->create_user(op, "Acme", "x@beta.example", "X", store::Role::member, ""));
  EXPECT_TRUE(m_mgr->create_user(op, "Acme", "ceo@acme.example", "CEO", store::Role::member, ""));
  EXPECT_TRUE(m_mgr->create_user(op, "Acme", "ana@gmail.example", "Ana", store::Role::member, ""));
  // Nor below one, nor spelt with the root's dot.
  for (auto* login : {"info@beta.example.", "info@BETA.example.", "x@sub.beta.example", "x@a.b.beta.example"})
    EXPECT_FALSE(m_mgr->create_user(as("admin@acme.example"), "Acme", login, "X", store::Role::member, "")) << login;
  EXPECT_TRUE(m_mgr->create_user(as("admin@beta.example"), "Beta", "x@sub.beta.example", "X", store::Role::member, ""))
      << "its own organisation may";
}

// A subdomain of another organisation's proven domain is not claimed (the
// claim would keep them from it for days); their own may add one, and an
// operator anything.
TEST_F(ManagerTest, NoClaimBelowAnotherOrganisationsDomain) {
  for (auto* name : {"sub.beta.example", "Deep.Sub.Beta.Example."}) {
    auto claim = m_mgr->add_domain(as("admin@acme.example"), "svc-Acme", name);
    ASSERT_FALSE(claim) << name;
    EXPECT_EQ(claim.error().kind, ErrorKind::exists);
  }
  EXPECT_TRUE(m_mgr->add_domain(as("admin@beta.example"), "svc-Beta", "sub.beta.example"));
  EXPECT_TRUE(m_mgr->add_domain(as("admin@acme.example"), "svc-Acme", "beta.example.net")) << "not below it";
  EXPECT_TRUE(m_mgr->add_domain(op, "svc-Acme", "other.beta.example"));
}

// An account of another organisation whose login happens to be one of our
// addresses owns nothing here: the address is shared among our members.
TEST_F(ManagerTest, ALoginElsewhereDoesNotKeepAnAddressFromBeingShared) {
  ASSERT_TRUE(m_mgr->create_user(op, "Acme", "sales@gamma.example", "Sales", store::Role::member, ""));
  ASSERT_TRUE(m_mgr->add_domain(op, "svc-Beta", "gamma.example"));
  ASSERT_TRUE(m_mgr->create_address(op, "sales@gamma.example"));
  ASSERT_TRUE(m_mgr->create_user(op, "Beta", "bea", "Bea", store::Role::member, ""));
  auto granted = m_mgr->grant_access(as("admin@beta.example"), "sales@gamma.example", "bea", true);
  EXPECT_TRUE(granted) << granted.error().message;
}

}  // namespace
}  // namespace estafeta::manage
